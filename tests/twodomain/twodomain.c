// SPDX-License-Identifier: GPL-2.0
/*
 * The grant teardown cases on a real second domain's frames.
 *
 * PV domUs (tests/twodomain/setup, domu-init, gntshare.c) grant pages
 * to dom0 with gntalloc and publish the refs in xenstore; dom0 maps them
 * here with gntdev (the domU's domid), so every grant PTE points at a
 * foreign frame, which Xen refuses to take as an ordinary mapping when a
 * PTE is copied, moved or dropped: the cases that a self-grant (domid 0,
 * the kernel's selftests) lets pass.
 *
 * Each test reads Xen's grant dump (debug key 'g', through libxenctrl)
 * per domain: the entries it maps must be active in the domU's table
 * (the "grant-table for remote dN" section), under the domU's refs and
 * mapped by dom0, and dom0's own table must not move; once the test is
 * over (and deferred unmaps had their time) the domU's refs are inactive
 * again.  The domU checks its pages on command (gntshare's "check"),
 * frees its grants ("free": no "still in use"), and the last tests
 * destroy the domUs, one while dom0 still holds a mapping pinned, and
 * check that nothing is left: no active grant entry, only dom0 in
 * `xl list`, dom0's MemTotal as before the domUs, no WARN or BUG in the
 * domUs' console logs.  A third domU lends the grants that the "lost"
 * tests lose on purpose, with failed unmaps (fault injection): they stay
 * mapped until it is destroyed, which completes all the same, and gntdev
 * holds their pages for good (dom0's MemTotal is less by those).
 *
 * A harness test of tests/ (scripts/mkinitramfs-xl.sh), with the
 * kernel's kselftest_harness.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef uint32_t grant_ref_t;
typedef uint16_t domid_t;
#include <xen/gntdev.h>

#include "domu.h"
#include "kselftest_harness.h"

#define NR_PROCESSES	8
#define DOMU		"gnttest-a"	/* the teardown cases */
#define DOMU_PINNED	"gnttest-b"	/* destroyed while dom0 pins a page */
#define DOMU_LOST	"gnttest-lost"	/* grants lost to failed unmaps */

static void fill_pattern(unsigned char *p, unsigned long len,
			 unsigned int seed)
{
	unsigned long i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(seed + i * 7 + i / PAGE);
}

static bool check_pattern(const unsigned char *p, unsigned long len,
			  unsigned int seed)
{
	unsigned long i;

	for (i = 0; i < len; i++)
		if (p[i] != (unsigned char)(seed + i * 7 + i / PAGE))
			return false;
	return true;
}

/* Page @page of pattern @seed, as gntshare filled it. */
static bool page_holds(const unsigned char *buf, unsigned int page,
		       unsigned int seed)
{
	static unsigned char all[MAX_PAGES * PAGE];

	fill_pattern(all, (page + 1) * PAGE, seed);
	return !memcmp(buf, all + page * PAGE, PAGE);
}


/*
 * While @mapped of the domU's pages (all of them: whatever an earlier
 * test may have leaked) are mapped: they are active in the
 * domU's table, under its refs, mapped by dom0, and dom0's table has not
 * grown.  A self-grant would show in dom0's table instead.
 */
static void expect_foreign(struct __test_metadata *_metadata,
			   const struct domu *d, const struct grants *before,
			   long mapped, struct grants *now)
{
	ASSERT_EQ(read_grants(d, now), 0) TH_LOG("reading Xen's grants: %m");
	EXPECT_EQ(now->ours, mapped)
		TH_LOG("while %ld pages are mapped: " GRANTS_FMT, mapped,
		       GRANTS_ARGS(now, d));
	EXPECT_EQ(now->ours_not_dom0, 0)
		TH_LOG("%ld of the domU's entries are mapped by another domain",
		       now->ours_not_dom0);
	EXPECT_EQ(now->dom0, before->dom0)
		TH_LOG("dom0's own table changed: %ld active, %ld before",
		       now->dom0, before->dom0);
}


static int gntdev_map(const struct domu *d, unsigned char **map)
{
	struct ioctl_gntdev_map_grant_ref *op;
	unsigned int i;
	int fd, err, ret = -1;

	*map = MAP_FAILED;
	fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	op = calloc(1, sizeof(*op) + d->pages * sizeof(op->refs[0]));
	if (!op)
		goto out;
	op->count = d->pages;
	for (i = 0; i < d->pages; i++) {
		op->refs[i].domid = d->domid;
		op->refs[i].ref = d->refs[i];
	}
	if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, op))
		goto out;
	*map = mmap(NULL, d->pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, op->index);
	if (*map != MAP_FAILED)
		ret = 0;
out:
	err = errno;
	free(op);
	close(fd);	/* the mapping keeps gntdev's file */
	errno = err;
	return ret;
}

static int pin(int pipe_w, unsigned char *map, unsigned int page)
{
	struct iovec iov = { map + page * PAGE, PAGE };

	return vmsplice(pipe_w, &iov, 1, 0) == PAGE ? 0 : -1;
}

/* The pipe must hand back page @page with the domU's pattern. */
static bool expect_pinned_data(struct __test_metadata *_metadata, int pipe_r,
			       unsigned int page)
{
	unsigned char buf[PAGE];
	bool same;

	ASSERT_EQ(read(pipe_r, buf, sizeof(buf)), sizeof(buf));
	same = page_holds(buf, page, 1);
	EXPECT_TRUE(same) TH_LOG("pinned page %u reads back wrong", page);
	return same;
}

FIXTURE(foreign)
{
	struct domu d;
	struct grants before;
	struct grants held;	/* while mapped or pinned, for the log */
	bool measured;
	int pipe[2];
};

FIXTURE_SETUP(foreign)
{
	self->pipe[0] = self->pipe[1] = -1;
	self->d.domid = 0;
	ASSERT_EQ(domu_find(DOMU, &self->d), 0)
		TH_LOG("no domU %s with published refs (tests/twodomain/setup)",
		       DOMU);
	ASSERT_EQ(read_grants_settled(&self->d, &self->before), 0)
		TH_LOG("reading Xen's grants: %m");
	ASSERT_TRUE(self->before.domu_table);
	/* A leak of an earlier test is that test's failure, not this one's. */
	if (self->before.ours)
		TH_LOG("%ld of the domU's refs are active before the test",
		       self->before.ours);
	ASSERT_EQ(pipe(self->pipe), 0);
}

FIXTURE_TEARDOWN(foreign)
{
	struct grants after;

	if (self->pipe[0] >= 0)
		close(self->pipe[0]);
	if (self->pipe[1] >= 0)
		close(self->pipe[1]);
	if (!self->d.domid)
		return;
	if (read_grants_settled(&self->d, &after)) {
		TH_LOG("reading Xen's grants: %m");
		EXPECT_TRUE(0);
		return;
	}
	EXPECT_LE(after.ours, self->before.ours)
		TH_LOG("%ld of the domU's refs stay active, %ld before the test",
		       after.ours, self->before.ours);
	EXPECT_LE(after.dom0, self->before.dom0);
	EXPECT_LE(after.domu, self->before.domu);
	/* Last: report.py takes a failed test's first message as its reason. */
	if (self->measured)
		TH_LOG("grants before: " GRANTS_FMT "; mapped or pinned: "
		       GRANTS_FMT "; after: " GRANTS_FMT,
		       GRANTS_ARGS(&self->before, &self->d),
		       GRANTS_ARGS(&self->held, &self->d),
		       GRANTS_ARGS(&after, &self->d));
}

/* Map, read the domU's pattern, write one it checks, put it back. */
TEST_F(foreign, map_read_write)
{
	unsigned long len;
	unsigned char *map;
	char result[160];

	len = self->d.pages * PAGE;
	ASSERT_EQ(gntdev_map(&self->d, &map), 0) TH_LOG("gntdev map: %m");
	expect_foreign(_metadata, &self->d, &self->before, self->d.pages,
		       &self->held);
	self->measured = true;
	EXPECT_TRUE(check_pattern(map, len, 1))
		TH_LOG("the domU's pages read back wrong");
	fill_pattern(map, len, 2);
	EXPECT_TRUE(domu_command(&self->d, "check 2", result, sizeof(result)))
		TH_LOG("the domU does not see dom0's writes: %s", result);
	fill_pattern(map, len, 1);
	EXPECT_TRUE(domu_command(&self->d, "check 1", result, sizeof(result)))
		TH_LOG("the domU: %s", result);
	ASSERT_EQ(munmap(map, len), 0);
}

/*
 * Map the domU's pages, check they are the domU's, pin page @page.
 * The exit code for a child: 0, or 1 to 3 for what went wrong.
 */
static int map_and_pin(const struct domu *d, const struct grants *before,
		       unsigned int page, int pipe_w, unsigned char **mapp)
{
	struct grants now;
	unsigned char *map;

	if (gntdev_map(d, &map))
		return 1;
	if (read_grants(d, &now) || now.ours != d->pages ||
	    now.ours_not_dom0 || now.dom0 != before->dom0) {
		fprintf(stderr, "while mapped: " GRANTS_FMT "\n",
			GRANTS_ARGS(&now, d));
		return 2;
	}
	if (pin(pipe_w, map, page))
		return 3;
	if (mapp)
		*mapp = map;
	return 0;
}

#define RUN_CHILD(child) do {						\
	int __status;							\
	pid_t __pid = fork();						\
									\
	ASSERT_GE(__pid, 0);						\
	if (!__pid)							\
		_exit(child);						\
	ASSERT_EQ(waitpid(__pid, &__status, 0), __pid);			\
	ASSERT_TRUE(WIFEXITED(__status));				\
	ASSERT_EQ(WEXITSTATUS(__status), 0)				\
		TH_LOG("child failed (1: map, 2: not the domU's, 3: pin)"); \
} while (0)

/* What Xen holds while the pipe pins a page. */
static void measure_held(struct __test_metadata *_metadata,
			 FIXTURE_DATA(foreign) *self)
{
	ASSERT_EQ(read_grants(&self->d, &self->held), 0);
	self->measured = true;
	EXPECT_EQ(self->held.dom0, self->before.dom0);
}

TEST_F_TIMEOUT(foreign, exit_while_pinned, 60)
{
	RUN_CHILD(map_and_pin(&self->d, &self->before, 0, self->pipe[1], NULL));
	measure_held(_metadata, self);
	expect_pinned_data(_metadata, self->pipe[0], 0);
	close(self->pipe[1]);
	self->pipe[1] = -1;
}

TEST_F_TIMEOUT(foreign, munmap_while_pinned, 60)
{
	unsigned char *map;

	ASSERT_EQ(map_and_pin(&self->d, &self->before, 1, self->pipe[1], &map), 0);
	ASSERT_EQ(munmap(map, self->d.pages * PAGE), 0);
	measure_held(_metadata, self);
	expect_pinned_data(_metadata, self->pipe[0], 1);
}

TEST_F_TIMEOUT(foreign, partial_munmap_while_pinned, 60)
{
	unsigned long half = self->d.pages / 2 * PAGE;
	unsigned char *map;

	ASSERT_EQ(map_and_pin(&self->d, &self->before, 0, self->pipe[1], &map), 0);
	ASSERT_EQ(pin(self->pipe[1], map, self->d.pages / 2), 0);
	ASSERT_EQ(munmap(map, half), 0);
	EXPECT_TRUE(page_holds(map + half, self->d.pages / 2, 1));
	ASSERT_EQ(munmap(map + half, half), 0);
	measure_held(_metadata, self);
	expect_pinned_data(_metadata, self->pipe[0], 0);
	expect_pinned_data(_metadata, self->pipe[0], self->d.pages / 2);
}

static int map_pin_exec(const struct domu *d, const struct grants *before,
			int pipe_w)
{
	int ret = map_and_pin(d, before, 2, pipe_w, NULL);

	if (ret)
		return ret;
	execl("/bin/true", "true", NULL);
	return 4;
}

TEST_F_TIMEOUT(foreign, execve_while_pinned, 60)
{
	RUN_CHILD(map_pin_exec(&self->d, &self->before, self->pipe[1]));
	measure_held(_metadata, self);
	expect_pinned_data(_metadata, self->pipe[0], 2);
}

/* The move must fail or take the grants along, then munmap. */
TEST_F_TIMEOUT(foreign, mremap_while_pinned, 60)
{
	unsigned long len = self->d.pages * PAGE;
	unsigned char *map, *target, *moved;
	int refused = 0;

	ASSERT_EQ(map_and_pin(&self->d, &self->before, 3, self->pipe[1], &map), 0);
	target = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(target, MAP_FAILED);
	moved = mremap(map, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, target);
	if (moved == MAP_FAILED) {
		refused = errno;
		munmap(target, len);
		moved = map;
	}
	ASSERT_EQ(munmap(moved, len), 0);
	measure_held(_metadata, self);
	expect_pinned_data(_metadata, self->pipe[0], 3);
	if (refused)
		TH_LOG("mremap refused: %s", strerror(refused));
}

/*
 * Without a pin: a mapping that mremap moves must still show the domU's
 * pages, or mremap must refuse, as mprotect does (a mapping that
 * faults after a successful call is lost).
 */
TEST_F(foreign, mremap_keeps_mapping)
{
	unsigned long len = self->d.pages * PAGE;
	unsigned char *map, *target, *moved;

	ASSERT_EQ(gntdev_map(&self->d, &map), 0);
	target = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(target, MAP_FAILED);
	moved = mremap(map, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, target);
	if (moved == MAP_FAILED) {
		/* Refused at the call: the mapping must still work. */
		ASSERT_EQ(errno, EINVAL);
		TH_LOG("mremap refused: %s", strerror(errno));
		munmap(target, len);
		moved = map;
	} else {
		TH_LOG("mremap done");
	}
	/*
	 * Here, not in a child (gntdev's VMA is not copied into one): a
	 * mapping that lost its grants faults, which fails the test.
	 */
	EXPECT_TRUE(check_pattern(moved, len, 1))
		TH_LOG("the mapping reads back wrong");
	ASSERT_EQ(munmap(moved, len), 0);
}

TEST_F_TIMEOUT(foreign, many_processes_pin_and_exit, 90)
{
	int pipes[NR_PROCESSES][2];
	pid_t pids[NR_PROCESSES];
	int i, status;

	for (i = 0; i < NR_PROCESSES; i++) {
		ASSERT_EQ(pipe(pipes[i]), 0);
		pids[i] = fork();
		ASSERT_GE(pids[i], 0);
		if (!pids[i]) {
			unsigned char *map;

			/* Others map the same refs: no exact count here. */
			_exit(gntdev_map(&self->d, &map) ||
			      pin(pipes[i][1], map, i % self->d.pages));
		}
	}
	for (i = 0; i < NR_PROCESSES; i++) {
		ASSERT_EQ(waitpid(pids[i], &status, 0), pids[i]);
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	}
	measure_held(_metadata, self);
	for (i = 0; i < NR_PROCESSES; i++) {
		expect_pinned_data(_metadata, pipes[i][0], i % self->d.pages);
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
}

TEST_F(foreign, fork_child_has_no_mapping)
{
	unsigned char *map, vec[1];
	int status;
	pid_t pid;

	ASSERT_EQ(gntdev_map(&self->d, &map), 0);
	expect_foreign(_metadata, &self->d, &self->before, self->d.pages,
		       &self->held);
	self->measured = true;
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(mincore(map, PAGE, vec) == -1 && errno == ENOMEM ? 0 : 1);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 0) TH_LOG("the child sees the mapping");
	EXPECT_TRUE(check_pattern(map, self->d.pages * PAGE, 1));
	ASSERT_EQ(munmap(map, self->d.pages * PAGE), 0);
}

/* Read the first byte at @addr in a child; true if that faulted. */
static bool child_read_faults(const unsigned char *addr)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return false;
	if (!pid)
		_exit(addr[0] == 0xa5);
	if (waitpid(pid, &status, 0) != pid)
		return false;
	return WIFSIGNALED(status) &&
	       (WTERMSIG(status) == SIGBUS || WTERMSIG(status) == SIGSEGV);
}

/* After MADV_DOFORK the parent keeps its mapping through the fork. */
TEST_F(foreign, fork_after_madv_dofork)
{
	unsigned char *map;
	int status;
	pid_t pid;

	ASSERT_EQ(gntdev_map(&self->d, &map), 0);
	if (madvise(map, self->d.pages * PAGE, MADV_DOFORK)) {
		/* Refused at the call: no child gets the VMA at all. */
		ASSERT_EQ(errno, EINVAL);
		TH_LOG("MADV_DOFORK refused: %s", strerror(errno));
	} else {
		TH_LOG("MADV_DOFORK done");
	}
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(0);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	expect_foreign(_metadata, &self->d, &self->before, self->d.pages,
		       &self->held);
	self->measured = true;
	EXPECT_TRUE(check_pattern(map, self->d.pages * PAGE, 1));
	ASSERT_EQ(munmap(map, self->d.pages * PAGE), 0);
}

/* ... and the child may keep the VMA, never the domU's frames. */
TEST_F(foreign, dofork_child_gets_no_grant)
{
	unsigned char *map;

	ASSERT_EQ(gntdev_map(&self->d, &map), 0);
	if (madvise(map, self->d.pages * PAGE, MADV_DOFORK)) {
		/* Refused at the call: no child gets the VMA at all. */
		ASSERT_EQ(errno, EINVAL);
		TH_LOG("MADV_DOFORK refused: %s", strerror(errno));
	} else {
		TH_LOG("MADV_DOFORK done");
	}
	EXPECT_TRUE(child_read_faults(map))
		TH_LOG("the child reads the domU's page");
	expect_foreign(_metadata, &self->d, &self->before, self->d.pages,
		       &self->held);
	self->measured = true;
	EXPECT_TRUE(check_pattern(map, self->d.pages * PAGE, 1));
	ASSERT_EQ(munmap(map, self->d.pages * PAGE), 0);
}

/* ------------------------------------------------------------------ */

/*
 * The owner's unmaps of grant PTEs fail (fail_grant_pte_unmap) right
 * before a zap clears them.  On a domU's frames that is where a page
 * that dom0 frees while its p2m entry still points at the domU's frame
 * would let dom0 write into the domU: no page may be freed, the domU's
 * pages keep their data, and the mappings are lost for good (a release
 * Xen takes the zap as an implicit unmap and keeps the grant mapped), so
 * Xen's count of the domU's mappings grows by exactly the lost PTEs and
 * gntdev holds and counts their pages.  Those grants stay mapped until
 * the domU is destroyed: the tests use a domU of their own.
 */
#define FAULT_TIMES	1000000L

static int fault_attr_set(const char *attr, const char *name,
			  const char *value)
{
	char path[128];
	ssize_t len = strlen(value);
	int fd, ret;

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/%s", attr, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = write(fd, value, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

/* The attribute's "times" left, -1 if there is no such attribute. */
static long fault_attr_times(const char *attr)
{
	char path[128], *val;

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/times", attr);
	val = read_file(path);
	return val ? atol(val) : -1;
}

/* Ready to fail every op of a process that selects itself. */
static int fault_attr_arm(const char *attr)
{
	static const char *const settings[] = {
		"probability", "0", "task-filter", "Y", "interval", "1",
		"verbose", "0", "space", "0", NULL
	};
	char times[32];
	int i;

	for (i = 0; settings[i]; i += 2)
		if (fault_attr_set(attr, settings[i], settings[i + 1]))
			return -1;
	snprintf(times, sizeof(times), "%ld", FAULT_TIMES);
	return fault_attr_set(attr, "times", times);
}

static int select_self(bool selected)
{
	int fd = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = write(fd, selected ? "1" : "0", 1) == 1 ? 0 : -1;
	close(fd);
	return ret;
}

/* Make the owner's unmaps of grant PTEs fail in this process from now. */
static int fail_own_unmaps(void)
{
	if (fault_attr_set("fail_grant_pte_unmap", "probability", "100"))
		return -1;
	return select_self(true);
}

FIXTURE(lost)
{
	struct domu d;
	struct grants before;
	long held_before;
	long lost;		/* grant PTEs the test expects lost */
};

FIXTURE_SETUP(lost)
{
	self->d.domid = 0;
	if (fault_attr_times("fail_grant_pte_unmap") < 0)
		SKIP(return, "fail_grant_pte_unmap not available (CONFIG_FAIL_XEN_GRANT_PTES)");
	ASSERT_EQ(domu_find(DOMU_LOST, &self->d), 0)
		TH_LOG("no domU %s with published refs (tests/twodomain/setup)",
		       DOMU_LOST);
	ASSERT_EQ(read_grants_settled(&self->d, &self->before), 0)
		TH_LOG("reading Xen's grants: %m");
	/* Checked at the end: the test runs on a kernel without it too. */
	self->held_before = gntdev_held_pages();
	ASSERT_EQ(fault_attr_arm("fail_grant_kmap"), 0);
	ASSERT_EQ(fault_attr_arm("fail_grant_pte_unmap"), 0);
}

FIXTURE_TEARDOWN(lost)
{
	struct grants after;
	char result[160];

	select_self(false);
	fault_attr_set("fail_grant_kmap", "probability", "0");
	fault_attr_set("fail_grant_pte_unmap", "probability", "0");
	if (!self->d.domid)
		return;
	ASSERT_EQ(read_grants_settled(&self->d, &after), 0)
		TH_LOG("reading Xen's grants: %m");
	EXPECT_EQ(after.ours_pins, self->before.ours_pins + self->lost)
		TH_LOG("the domU's grants are mapped %ld times, %ld before the test, which lost %ld",
		       after.ours_pins, self->before.ours_pins, self->lost);
	EXPECT_EQ(after.ours_not_dom0, 0);
	EXPECT_EQ(after.dom0, self->before.dom0);
	EXPECT_GE(self->held_before, 0)
		TH_LOG("no /sys/module/xen_gntdev/parameters/held_pages");
	EXPECT_EQ(gntdev_held_pages(), self->held_before + self->lost);
	EXPECT_TRUE(domu_command(&self->d, "check 1", result, sizeof(result)))
		TH_LOG("the domU's pages changed: %s", result);
}

/*
 * The owner's unmaps of @pages grant PTEs failed before a zap cleared
 * them, and gntdev holds their pages; the teardown checks Xen's side.
 */
#define EXPECT_LOST(pages) do {						\
	self->lost = (pages);						\
	EXPECT_EQ(fault_attr_times("fail_grant_pte_unmap"),		\
		  FAULT_TIMES - self->lost)				\
		TH_LOG("the owner's unmaps did not all fail");		\
	EXPECT_EQ(gntdev_held_pages(), self->held_before + self->lost);	\
} while (0)

TEST_F(lost, unmap_fails_then_munmap)
{
	unsigned char *map;

	ASSERT_EQ(gntdev_map(&self->d, &map), 0) TH_LOG("gntdev map: %m");
	ASSERT_EQ(fail_own_unmaps(), 0);
	ASSERT_EQ(munmap(map, self->d.pages * PAGE), 0);
	ASSERT_EQ(select_self(false), 0);
	EXPECT_LOST(self->d.pages);
}

/* The half that stays keeps the domU's data and unmaps cleanly later. */
TEST_F(lost, unmap_fails_then_partial_munmap)
{
	unsigned long half = self->d.pages / 2 * PAGE;
	unsigned char *map;

	ASSERT_EQ(gntdev_map(&self->d, &map), 0) TH_LOG("gntdev map: %m");
	ASSERT_EQ(fail_own_unmaps(), 0);
	ASSERT_EQ(munmap(map + half, half), 0);
	ASSERT_EQ(select_self(false), 0);
	EXPECT_TRUE(check_pattern(map, half, 1))
		TH_LOG("the half left mapped reads back wrong");
	ASSERT_EQ(munmap(map, half), 0);
	EXPECT_LOST(self->d.pages / 2);
}

/* The anonymous mapping that replaces the grants is dom0's alone. */
TEST_F(lost, unmap_fails_then_map_fixed)
{
	unsigned long len = self->d.pages * PAGE;
	unsigned char *map, *anon;

	ASSERT_EQ(gntdev_map(&self->d, &map), 0) TH_LOG("gntdev map: %m");
	ASSERT_EQ(fail_own_unmaps(), 0);
	anon = mmap(map, len, PROT_READ | PROT_WRITE,
		    MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_EQ(select_self(false), 0);
	ASSERT_EQ(anon, map) TH_LOG("mmap MAP_FIXED: %m");
	EXPECT_EQ(anon[len - 1], 0);
	fill_pattern(anon, len, 8);
	EXPECT_TRUE(check_pattern(anon, len, 8));
	ASSERT_EQ(munmap(anon, len), 0);
	EXPECT_LOST(self->d.pages);
}

/* MADV_DONTNEED zaps the range and keeps the VMA, which goes later. */
TEST_F(lost, unmap_fails_then_dontneed)
{
	unsigned char *map;

	ASSERT_EQ(gntdev_map(&self->d, &map), 0) TH_LOG("gntdev map: %m");
	ASSERT_EQ(fail_own_unmaps(), 0);
	ASSERT_EQ(madvise(map, self->d.pages * PAGE, MADV_DONTNEED), 0);
	ASSERT_EQ(select_self(false), 0);
	ASSERT_EQ(munmap(map, self->d.pages * PAGE), 0);
	EXPECT_LOST(self->d.pages);
}

/*
 * The kernel map of one page fails, and so do the unmaps of the grant
 * PTEs mapped already: the failed mmap's zap clears them.
 */
TEST_F(lost, unmap_fails_in_failed_mmap)
{
	unsigned char *map;

	ASSERT_EQ(fault_attr_set("fail_grant_kmap", "times", "1"), 0);
	ASSERT_EQ(fault_attr_set("fail_grant_kmap", "probability", "100"), 0);
	ASSERT_EQ(fail_own_unmaps(), 0);
	EXPECT_NE(gntdev_map(&self->d, &map), 0);
	EXPECT_EQ(errno, EINVAL);
	ASSERT_EQ(select_self(false), 0);
	ASSERT_EQ(map, MAP_FAILED);
	EXPECT_EQ(fault_attr_times("fail_grant_kmap"), 0)
		TH_LOG("the injected failure did not fire");
	EXPECT_LOST(self->d.pages);
}

/* ------------------------------------------------------------------ */

/* The domUs themselves: no state of dom0's around these. */
FIXTURE(domu)
{
	int unused;
};

FIXTURE_SETUP(domu)
{
}

FIXTURE_TEARDOWN(domu)
{
}

/* The domU finds its pages intact and frees its grants cleanly. */
TEST_F_TIMEOUT(domu, frees_its_grants, 90)
{
	struct domu d;
	struct grants g;
	char result[160];

	ASSERT_EQ(domu_find(DOMU, &d), 0);
	ASSERT_EQ(read_grants_settled(&d, &g), 0);
	EXPECT_EQ(g.ours, 0) TH_LOG("%ld of the domU's refs are active", g.ours);
	EXPECT_TRUE(domu_command(&d, "check 1", result, sizeof(result)))
		TH_LOG("the domU's pages: %s", result);
	EXPECT_TRUE(domu_command(&d, "free", result, sizeof(result)))
		TH_LOG("the domU could not free its grants: %s", result);
	TH_LOG("the domU: %s", result);
}

/*
 * dom0 pins a page of domU b's, unmaps it and the domU is destroyed:
 * the domain stays until dom0 lets go, then nothing may be left of it.
 */
TEST_F_TIMEOUT(domu, destroy_while_pinned, 120)
{
	char list[1024], cmd[96];
	struct grants before, held, g;
	unsigned char *map;
	struct domu d;
	time_t t;
	int p[2];

	ASSERT_EQ(domu_find(DOMU_PINNED, &d), 0);
	ASSERT_EQ(read_grants_settled(&d, &before), 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(map_and_pin(&d, &before, 0, p[1], &map), 0);
	ASSERT_EQ(munmap(map, d.pages * PAGE), 0);
	snprintf(cmd, sizeof(cmd), XL " destroy %s 2>&1", d.name);
	t = time(NULL);
	EXPECT_EQ(run(cmd, list, sizeof(list)), 0) TH_LOG("%s: %s", cmd, list);
	t = time(NULL) - t;
	ASSERT_EQ(read_grants(&d, &held), 0);
	TH_LOG("xl destroy took %lds; dom0 pins a page: " GRANTS_FMT
	       ", the domain %s", (long)t, GRANTS_ARGS(&held, &d),
	       held.domu_table ? "stays" : "is gone");
	t = time(NULL);
	EXPECT_TRUE(expect_pinned_data(_metadata, p[0], 0));
	close(p[1]);
	close(p[0]);
	EXPECT_TRUE(domain_gone(d.domid, 60, list, sizeof(list)))
		TH_LOG("d%u is still there 60 s after dom0 let go:\n%s",
		       d.domid, list);
	TH_LOG("d%u gone %lds after dom0 let go", d.domid,
	       (long)(time(NULL) - t));
	ASSERT_EQ(read_grants(&d, &g), 0);
	EXPECT_EQ(g.dom0, before.dom0);
	EXPECT_EQ(g.domu, 0) TH_LOG("d%u keeps %ld active entries", d.domid,
				    g.domu);
	EXPECT_EQ(domu_log_trouble(d.name), 0);
}

/*
 * Destroy domU @name, which must go with its grants, lost or not: the
 * number of its grants dom0 lost, or -1.
 */
static long destroy_domu(struct __test_metadata *_metadata, const char *name)
{
	char list[1024], cmd[96];
	struct grants g;
	struct domu d;

	if (domu_find(name, &d) || read_grants_settled(&d, &g))
		return -1;
	snprintf(cmd, sizeof(cmd), XL " destroy %s 2>&1", d.name);
	EXPECT_EQ(run(cmd, list, sizeof(list)), 0) TH_LOG("%s: %s", cmd, list);
	EXPECT_TRUE(domain_gone(d.domid, 60, list, sizeof(list)))
		TH_LOG("d%u is still there after 60 s, %ld of its grants mapped %ld times",
		       d.domid, g.ours, g.ours_pins);
	if (g.ours)
		TH_LOG("d%u destroyed with %ld of its grants mapped %ld times by dom0, which lost them",
		       d.domid, g.ours, g.ours_pins);
	EXPECT_EQ(domu_log_trouble(d.name), 0);
	return g.ours;
}

/*
 * The last domUs go: no grant, no domain, no page of dom0's is left but
 * the pages gntdev holds for the grants it lost (fixture "lost").
 */
TEST_F_TIMEOUT(domu, destroy_leaves_nothing, 120)
{
	char list[1024], cmd[96], *val;
	struct grants g;
	struct domu d;
	long before = -1, now = -1, lost, held;
	int unpopulated;
	bool listed;

	/*
	 * Domain b is left when the harness resumed after a dom0 crash
	 * in destroy_while_pinned, skipping it.
	 */
	if (!domu_find(DOMU_PINNED, &d) &&
	    xl_list(list, sizeof(list), d.domid, &listed) > 0 && listed) {
		TH_LOG("%s is still there: destroying it too", d.name);
		snprintf(cmd, sizeof(cmd), XL " destroy %s 2>&1", d.name);
		run(cmd, list, sizeof(list));
		domain_gone(d.domid, 60, list, sizeof(list));
	}
	ASSERT_EQ(domu_find(DOMU, &d), 0);
	snprintf(cmd, sizeof(cmd), XL " destroy %s 2>&1", d.name);
	EXPECT_EQ(run(cmd, list, sizeof(list)), 0) TH_LOG("%s: %s", cmd, list);
	EXPECT_TRUE(domain_gone(d.domid, 60, list, sizeof(list)))
		TH_LOG("d%u is still there after 60 s", d.domid);
	EXPECT_EQ(domu_log_trouble(d.name), 0);
	lost = destroy_domu(_metadata, DOMU_LOST);
	ASSERT_GE(lost, 0) TH_LOG("no domU %s", DOMU_LOST);
	EXPECT_EQ(xl_list(list, sizeof(list), 0, &listed), 1)
		TH_LOG("xl list shows more than dom0:\n%s", list);
	EXPECT_TRUE(listed) TH_LOG("xl list shows no dom0:\n%s", list);
	ASSERT_EQ(read_grants(NULL, &g), 0);
	EXPECT_EQ(g.total, 0) TH_LOG("Xen holds %ld active grant entries",
				     g.total);
	/* A kernel without the counter holds no page. */
	held = gntdev_held_pages();
	if (held < 0) {
		TH_LOG("no held_pages in xen_gntdev: no page held");
		held = 0;
	}
	EXPECT_EQ(!!held, !!lost) TH_LOG("gntdev holds %ld pages", held);
	val = read_file(RUN_DIR "memtotal");
	ASSERT_NE(val, NULL);
	/* Held unpopulated pages were never in MemTotal. */
	unpopulated = grant_pages_unpopulated();
	ASSERT_GE(unpopulated, 0) TH_LOG("no /etc/xentest/unpopulated-alloc");
	before = atol(val) - (unpopulated ? 0 : held * (PAGE / 1024));
	now = memtotal_kb_settled(before);
	EXPECT_EQ(now, before)
		TH_LOG("dom0's MemTotal is %ld kB, not %ld kB: %ld kB before the domUs, and gntdev holds %ld %s pages",
		       now, before, atol(val), held,
		       unpopulated ? "unpopulated" : "ballooned");
}

TEST_HARNESS_MAIN
