// SPDX-License-Identifier: GPL-2.0
/*
 * The xen selftests on a Xen whose sysctl interface version they do not
 * know (tools/testing/selftests/xen/xen_util.c knows Xen 4.14 to 4.22),
 * where they cannot read Xen's count of active grants: a test that does
 * not fail must end as a skip, never as a pass, and as a failure with
 * XEN_GRANT_COUNT=required.  A made-up Xen version, bind-mounted over
 * /sys/hypervisor/version/minor in a mount namespace of the test's own,
 * makes the running Xen unknown to them; the same selftest run without
 * it passes.
 *
 * A harness test of tests/ (scripts/build-libxen-tests.sh), run in dom0
 * after the selftests it checks.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define SELFTEST	"/selftests/xen/grant"
#define SELFTEST_TEST	"grant.pages_1.read_write"
#define XEN_MINOR	"/sys/hypervisor/version/minor"
#define FAKE_MINOR	"/tmp/xen-minor-99"

/*
 * Run SELFTEST_TEST with XEN_GRANT_COUNT=@count (unset if NULL), its
 * output in @out.  Returns its exit status, or -1.
 */
static int run_selftest(const char *count, char *out, size_t size)
{
	size_t len = 0;
	int status, pipefd[2];
	ssize_t got;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (count)
			setenv("XEN_GRANT_COUNT", count, 1);
		else
			unsetenv("XEN_GRANT_COUNT");
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		execl(SELFTEST, SELFTEST, "-r", SELFTEST_TEST, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while (len < size - 1 &&
	       (got = read(pipefd[0], out + len, size - 1 - len)) > 0)
		len += got;
	out[len] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * Log the selftest's output line by line, behind a prefix and with '#'
 * as '|': its TAP and "RUN" lines must not pass for this test's own
 * (scripts/report.py reads them).
 */
static void log_output(struct __test_metadata *_metadata, char *out)
{
	char *line, *next, *c;

	for (c = out; *c; c++)
		if (*c == '#')
			*c = '|';
	for (line = out; *line; line = next) {
		next = strchrnul(line, '\n');
		if (*next)
			*next++ = '\0';
		TH_LOG("selftest said: %s", line);
	}
}

FIXTURE(unknown_xen)
{
	char out[16384];
};

FIXTURE_SETUP(unknown_xen)
{
	int fd;

	if (access(SELFTEST, X_OK) || access(XEN_MINOR, R_OK))
		SKIP(return, "needs %s and %s", SELFTEST, XEN_MINOR);
	/* The setup and the test run in a process of their own. */
	ASSERT_EQ(unshare(CLONE_NEWNS), 0);
	ASSERT_EQ(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	fd = open(FAKE_MINOR, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, "99\n", 3), 3);
	close(fd);
	ASSERT_EQ(mount(FAKE_MINOR, XEN_MINOR, NULL, MS_BIND, NULL), 0);
}

FIXTURE_TEARDOWN(unknown_xen)
{
}

TEST_F(unknown_xen, passing_test_is_a_skip)
{
	/* A skip counts as passed in the program's exit status. */
	EXPECT_EQ(run_selftest(NULL, self->out, sizeof(self->out)), 0);
	EXPECT_NE(strstr(self->out,
			 "\nok 1 " SELFTEST_TEST " # SKIP Xen 4.99"), NULL);
	EXPECT_NE(strstr(self->out, "no check of Xen's active grants"), NULL);
	EXPECT_EQ(strstr(self->out, "not ok"), NULL);
	log_output(_metadata, self->out);
}

TEST_F(unknown_xen, required_count_fails)
{
	EXPECT_NE(run_selftest("required", self->out, sizeof(self->out)), 0);
	EXPECT_NE(strstr(self->out, "\nnot ok 1 " SELFTEST_TEST "\n"), NULL);
	log_output(_metadata, self->out);
}

/* The control: on this Xen the same test runs with its check and passes. */
TEST(known_xen_passes)
{
	char out[16384];

	if (access(SELFTEST, X_OK))
		SKIP(return, "needs %s", SELFTEST);
	EXPECT_EQ(run_selftest(NULL, out, sizeof(out)), 0);
	EXPECT_NE(strstr(out, "\nok 1 " SELFTEST_TEST "\n"), NULL);
	EXPECT_EQ(strstr(out, "# SKIP"), NULL);
	log_output(_metadata, out);
}

TEST_HARNESS_MAIN
