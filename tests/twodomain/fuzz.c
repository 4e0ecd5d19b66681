// SPDX-License-Identifier: GPL-2.0
/*
 * grant_fuzz on a real domU's grants (issue 20, item 3): the domU grants
 * pages to dom0 in rounds (gntshare --churn: each round ends the last
 * round's grants, which gntalloc defers while dom0 maps them, and makes
 * new ones), a relay here copies each round's refs from its xenstore node
 * into the file grant_fuzz's --foreign reads, and halfway through the run
 * the domU is destroyed while grant_fuzz maps its grants.
 *
 * grant_fuzz checks every page it maps of the domU (which grant it is, and
 * that it stays so while mapped) and the refusal of maps of ended refs and
 * of the dead domain, then its own end accounting (Xen's active grant
 * entries, the grant PTE records, gntdev's held pages, dom0's memory).
 * grant_fuzz runs without its own fault injection: an injected failure
 * of an owner's unmap keeps a grant for good, and a grant of the domU
 * kept so would keep the dead domain in Xen for the life of dom0.  This
 * test holds back EAGAIN_PERCENT % of every grant op with
 * fail_grant_eagain instead, so that the maps of the domU's grants go
 * through the retries of paged-out frames, as a real domU's may.
 *
 * With --foreign those end checks count only what a leak changes: the
 * domU's death takes its table, and the toolstack's maps of its rings,
 * along.  So this test checks the exact figures once the domain is gone:
 * Xen's active grant entries, dom0's MemTotal, gntdev's held pages and
 * the grant PTE records as they were before the domU.  It also checks
 * that grant_fuzz ran on the domU's grants: maps that succeeded, across
 * rounds of grants, maps refused, and grant copies from them that worked
 * (grant_fuzz checks each copied segment's bytes, the status of each
 * that failed, and the unmap notifications it sets on its maps of them;
 * it fails by itself if it never mapped one).
 *
 * Skipped on a kernel without gntdev's held_pages (the Debian base), as
 * grant_fuzz's gate is in the suite: the base loses grant mappings to
 * operations the fuzzer makes (make fuzz-mutants runs it there).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "kselftest_harness.h"
#include "domu.h"
#include "io.h"

#define DOMU_CHURN	"gnttest-churn"
#define CHURN_CFG	"/etc/xen/" DOMU_CHURN ".cfg"
#define CHURN_PAGES	32
#define CHURN_REFS	RUN_DIR "churn-refs"
#define FUZZ_OUT	"/tmp/grant_fuzz-foreign.out"
#define EAGAIN_PERCENT	20

/*
 * The gate's run: 40 s with a fixed seed, the domU destroyed 20 s in.
 * make soak runs it for minutes with a fresh seed (fuzz.seconds= and
 * fuzz.seed= on dom0's command line); the destroy comes halfway then too.
 */
static long fuzz_seconds = 40;
static unsigned long long fuzz_seed = 20261206;

/* Copy domain @domid's churn refs into CHURN_REFS as they change. */
static void relay(unsigned int domid)
{
	char path[96], *val, *last = NULL;
	struct xs_handle *xs = xs_open(0);
	unsigned int len;
	FILE *f;

	if (!xs)
		_exit(1);
	snprintf(path, sizeof(path), "/local/domain/%u/data/gnttest/churn",
		 domid);
	for (;;) {
		val = xs_read(xs, XBT_NULL, path, &len);
		if (val && (!last || strcmp(val, last))) {
			f = fopen(CHURN_REFS ".new", "w");
			if (f) {
				fputs(val, f);
				if (!fclose(f))
					rename(CHURN_REFS ".new", CHURN_REFS);
			}
			free(last);
			last = val;
		} else {
			free(val);
		}
		usleep(20 * 1000);
	}
}

/*
 * Wait @seconds, or (with @pid) for process @pid to exit and give its
 * wait status in *@status: saying so once a minute, as the boot's
 * watchdog takes 300 s without output for a hang (make soak's runs).
 */
static pid_t wait_saying(long seconds, pid_t pid, int *status)
{
	time_t start = time(NULL), said = start;
	pid_t ret = 0;

	while (pid ? !(ret = waitpid(pid, status, WNOHANG)) :
		     time(NULL) - start < seconds) {
		sleep(1);
		if (time(NULL) - said >= 60) {
			said = time(NULL);
			printf("# %ld s into grant_fuzz's run of %ld s\n",
			       (long)(said - start) + (pid ? fuzz_seconds / 2 : 0),
			       fuzz_seconds);
			fflush(stdout);
		}
	}
	return ret;
}

/* Counter @name of the grant PTE records (debugfs), or -1. */
static long records(const char *name)
{
	char line[128], key[32];
	long n = -1, val;
	FILE *f = fopen("/sys/kernel/debug/xen/grant_ptes", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %ld", key, &val) == 2 &&
		    !strcmp(key, name))
			n = val;
	fclose(f);
	return n;
}

static long churn_rounds(unsigned int domid)
{
	char out[64];

	if (runf(out, sizeof(out),
		 "xenstore-read /local/domain/%u/data/gnttest/churn-rounds 2>&1",
		 domid))
		return -1;
	return atol(out);
}

/*
 * "foreign-copy segments: N okay, N general_error, N bad_domain, N
 * bad_page" of grant_fuzz's output: the segments copied from the domU's
 * refs, by status.
 */
static int foreign_copy_counts(long n[4])
{
	char line[512];
	FILE *f = fopen(FUZZ_OUT, "r");
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "# foreign-copy segments: %ld okay, %ld general_error, %ld bad_domain, %ld bad_page",
			   &n[0], &n[1], &n[2], &n[3]) == 4)
			found = 0;
	fclose(f);
	return found;
}

/* grant_fuzz's output, as this test's. */
static void print_output(void)
{
	char line[512];
	FILE *f = fopen(FUZZ_OUT, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("# grant_fuzz: %s", line);
	fclose(f);
}

/* "foreign-map ATTEMPTED SUCCEEDED REFUSED ..." of grant_fuzz's table. */
static int foreign_map_counts(long *ok, long *refused)
{
	char line[512];
	long tried;
	FILE *f = fopen(FUZZ_OUT, "r");
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "# foreign-map %ld %ld %ld", &tried, ok,
			   refused) == 3)
			found = 0;
	fclose(f);
	return found;
}

FIXTURE(fuzz)
{
	struct domu d;
	pid_t relay, fuzzer;
};

FIXTURE_SETUP(fuzz)
{
	self->d.domid = 0;
	self->relay = self->fuzzer = 0;
}

FIXTURE_TEARDOWN(fuzz)
{
	char out[256];

	inject_stop();
	if (self->fuzzer > 0) {
		kill(self->fuzzer, SIGKILL);
		waitpid(self->fuzzer, NULL, 0);
	}
	if (self->relay > 0) {
		kill(self->relay, SIGKILL);
		waitpid(self->relay, NULL, 0);
	}
	if (self->d.domid) {
		runf(out, sizeof(out), XL " destroy " DOMU_CHURN " 2>&1");
		domain_gone(self->d.domid, 60, out, sizeof(out));
	}
}

/* Its timeout: main() below. */
TEST_F(fuzz, foreign_churn_and_destroy)
{
	char out[1024], exe[PATH_MAX], *dir, seconds[24], seed[24];
	long total, mem, held, recorded, pte_pages, rounds, holdbacks;
	long ok = -1, refused = -1, copied[4] = { -1, -1, -1, -1 };
	struct grants idle, g;
	int status, i;
	FILE *f;

	held = gntdev_held_pages();
	if (held < 0)
		SKIP(return, "no held_pages in xen_gntdev (the base): grant_fuzz does not run here");
	ASSERT_GT(readlink("/proc/self/exe", exe, sizeof(exe) - 1), 0);
	exe[sizeof(exe) - 1] = '\0';
	dir = strrchr(exe, '/');
	ASSERT_NE(dir, NULL);
	strcpy(dir + 1, "grant_fuzz");
	ASSERT_EQ(access(exe, X_OK), 0) TH_LOG("no %s", exe);

	/* An earlier collection's domU would move the counts. */
	if (!io_domu_find(&self->d, 0)) {
		runf(out, sizeof(out), XL " destroy " DOMU_IO " 2>&1");
		ASSERT_TRUE(domain_gone(self->d.domid, 60, out, sizeof(out)))
			TH_LOG("d%u is still there: %s", self->d.domid, out);
		self->d.domid = 0;
	}
	ASSERT_EQ(baseline_save(RUN_DIR "fuzz-baseline", &total), 0);
	ASSERT_EQ(baseline_read(RUN_DIR "fuzz-baseline", &total, &mem), 0);
	recorded = records("recorded");
	pte_pages = records("pte_pages");
	ASSERT_GE(recorded, 0) TH_LOG("no recorded in /sys/kernel/debug/xen/grant_ptes");
	ASSERT_GE(pte_pages, 0) TH_LOG("no pte_pages in /sys/kernel/debug/xen/grant_ptes");

	f = fopen(CHURN_CFG, "w");
	ASSERT_NE(f, NULL);
	fprintf(f, "name = \"%s\"\n"
		"type = \"pv\"\n"
		"kernel = \"/domu/vmlinuz\"\n"
		"ramdisk = \"/domu/initramfs.gz\"\n"
		"extra = \"console=hvc0 kunit.enable=0 gnttest.pages=0 gnttest.churn=%u\"\n"
		"memory = 128\n"
		"vcpus = 1\n"
		"on_crash = \"preserve\"\n", DOMU_CHURN, CHURN_PAGES);
	fclose(f);
	ASSERT_EQ(runf(out, sizeof(out), XL " create " CHURN_CFG " 2>&1"), 0)
		TH_LOG("xl create: %s", out);
	ASSERT_EQ(domu_wait(&self->d, DOMU_CHURN, 120), 0)
		TH_LOG("%s did not come up", DOMU_CHURN);
	for (i = 0; i < 60 && churn_rounds(self->d.domid) < 2; i++)
		usleep(500 * 1000);
	ASSERT_GE(churn_rounds(self->d.domid), 2)
		TH_LOG("d%u granted no rounds", self->d.domid);
	/* Its console and xenstore rings, which the toolstack maps. */
	ASSERT_EQ(read_grants_settled(&self->d, &idle), 0);
	ASSERT_TRUE(can_inject()) TH_LOG("no fail_grant_eagain");

	unlink(CHURN_REFS);
	self->relay = fork();
	ASSERT_GE(self->relay, 0);
	if (!self->relay)
		relay(self->d.domid);
	for (i = 0; i < 50 && access(CHURN_REFS, F_OK); i++)
		usleep(100 * 1000);
	ASSERT_EQ(access(CHURN_REFS, F_OK), 0) TH_LOG("the relay wrote no refs");

	snprintf(out, sizeof(out), "%u:" CHURN_REFS, self->d.domid);
	snprintf(seconds, sizeof(seconds), "%ld", fuzz_seconds);
	snprintf(seed, sizeof(seed), "%llu", fuzz_seed);
	ASSERT_EQ(inject(EAGAIN_PERCENT, NULL, NULL), 0);
	self->fuzzer = fork();
	ASSERT_GE(self->fuzzer, 0);
	if (!self->fuzzer) {
		int fd = open(FUZZ_OUT, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		/* Not the boot's choices for the suite's run of grant_fuzz. */
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 ||
		    setenv("GRANT_FUZZ_FAULTS", "0", 1) ||
		    unsetenv("GRANT_FUZZ_SKIP") || unsetenv("GRANT_FUZZ_VERBOSE"))
			_exit(127);
		execl(exe, "grant_fuzz", "--seed", seed, "--seconds",
		      seconds, "--threads", "2", "--foreign", out,
		      (char *)NULL);
		_exit(127);
	}
	TH_LOG("grant_fuzz (pid %d, seed %s, %s s) on d%u's grants; %s is d%u, round %ld",
	       self->fuzzer, seed, seconds, self->d.domid, DOMU_CHURN,
	       self->d.domid, churn_rounds(self->d.domid));

	wait_saying(fuzz_seconds / 2, 0, NULL);
	rounds = churn_rounds(self->d.domid);
	/* Destroy it while grant_fuzz maps some of its grants. */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(read_grants(&self->d, &g), 0);
		if (g.domu > idle.domu)
			break;
		usleep(100 * 1000);
	}
	EXPECT_EQ(runf(out, sizeof(out), XL " destroy " DOMU_CHURN " 2>&1"), 0)
		TH_LOG("xl destroy: %s", out);
	TH_LOG("destroyed d%u at round %ld, %d s into the run, with %ld entries of its table active (%ld idle)",
	       self->d.domid, rounds, (int)fuzz_seconds / 2 + i / 10, g.domu,
	       idle.domu);
	EXPECT_GT(g.domu, idle.domu) TH_LOG("grant_fuzz mapped none of d%u's grants in 10 s",
					    self->d.domid);
	kill(self->relay, SIGKILL);
	waitpid(self->relay, NULL, 0);
	self->relay = 0;

	ASSERT_EQ(wait_saying(0, self->fuzzer, &status), self->fuzzer);
	self->fuzzer = 0;
	holdbacks = inject_stop();
	print_output();
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("grant_fuzz: status %#x (" FUZZ_OUT ")", status);
	ASSERT_EQ(foreign_map_counts(&ok, &refused), 0)
		TH_LOG("no foreign-map line in grant_fuzz's table");
	TH_LOG("d%u: %ld rounds of %u grants; grant_fuzz mapped runs of them %ld times, was refused %ld times; %ld grant ops held back",
	       self->d.domid, rounds, CHURN_PAGES, ok, refused, holdbacks);
	EXPECT_GE(rounds, 10);
	/* 12 to 202 in four runs, fewest on a busy host. */
	EXPECT_GE(ok, 5) TH_LOG("too few maps of d%u's grants", self->d.domid);
	/*
	 * Ended refs, and every map after the destroy: how many depends on
	 * how fast the destroy and the fuzzer's steps are, on a busy host
	 * as few as 3; one shows that the path ran (its errno is the
	 * fuzzer's to check).
	 */
	EXPECT_GE(refused, 1) TH_LOG("no refused map");
	/*
	 * GRANT_COPY from the domU's refs: grant_fuzz checks each segment's
	 * data or status; one segment that copied shows that the path ran.
	 */
	EXPECT_EQ(foreign_copy_counts(copied), 0)
		TH_LOG("no foreign-copy segments line in grant_fuzz's output");
	TH_LOG("segments copied from d%u's grants: %ld okay, %ld general_error, %ld bad_domain, %ld bad_page",
	       self->d.domid, copied[0], copied[1], copied[2], copied[3]);
	EXPECT_GE(copied[0], 1) TH_LOG("no copy from d%u's grants worked",
				       self->d.domid);
	EXPECT_GT(holdbacks, 0);

	EXPECT_TRUE(domain_gone(self->d.domid, 60, out, sizeof(out)))
		TH_LOG("d%u is still there 60 s after grant_fuzz ended: %s",
		       self->d.domid, out);
	self->d.domid = 0;
	EXPECT_EQ(domu_log_trouble(DOMU_CHURN), 0);
	EXPECT_HELD_PAGES(held);
	EXPECT_EQ(records("recorded"), recorded)
		TH_LOG("grant PTE records: %ld, %ld before the domU",
		       records("recorded"), recorded);
	EXPECT_EQ(records("pte_pages"), pte_pages)
		TH_LOG("PTE pages with records: %ld, %ld before the domU",
		       records("pte_pages"), pte_pages);
	EXPECT_BASELINE(RUN_DIR "fuzz-baseline");
}

/* The number after @key (as "fuzz.seconds=") on dom0's command line. */
static int cmdline_number(const char *key, unsigned long long *val)
{
	char line[4096], *p, *end;
	FILE *f = fopen("/proc/cmdline", "r");
	int found = -1;

	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f)) {
		for (p = strtok(line, " \n"); p; p = strtok(NULL, " \n")) {
			if (strncmp(p, key, strlen(key)))
				continue;
			*val = strtoull(p + strlen(key), &end, 10);
			found = *end ? -1 : 0;
		}
	}
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	unsigned long long val;

	if (!cmdline_number("fuzz.seconds=", &val) && val >= 20 &&
	    val <= 24 * 3600)
		fuzz_seconds = val;
	if (!cmdline_number("fuzz.seed=", &val))
		fuzz_seed = val;
	/*
	 * The harness's alarm, which TEST_F_TIMEOUT fixes at build time:
	 * the run, plus the domU's start, the destroy and the end checks
	 * (on make memcheck's kernel, in dom0 and the domU, the start alone
	 * took 500 s of a loaded host).
	 */
	_fuzz_foreign_churn_and_destroy_object->timeout = fuzz_seconds + 1200;
	return test_harness_run(argc, argv);
}
