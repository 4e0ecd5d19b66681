// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU's qdisk backend between dom0 and a PV domU, killed mid-I/O.
 *
 * libxl starts Debian's QEMU (qemu-system-xen,
 * /usr/libexec/xen-qemu-system-i386) as the device model of a PV domU
 * whose disk has backendtype=qdisk.  QEMU maps the domU's ring through
 * gntdev and moves each request's data between the domU's pages and its
 * own buffers with IOCTL_GNTDEV_GRANT_COPY (xen_block_copy_request(),
 * xengnttab_grant_copy()), the path whose retries the series changed.
 * The disk is a raw image in dom0's tmpfs.  xl's direct-io-safe is left
 * out: it makes QEMU open the image with aio=native, which Debian's Xen
 * build of QEMU does not link, and the drive fails.
 *
 * The domU writes numbered blocks, block i being QDISK_BLOCK bytes of
 * xtool stream QDISK_SEED + i, with O_DIRECT, logs "qdisk TAG: done I"
 * to its console once block I's dd returned, and an fsync every
 * QDISK_FLUSH blocks followed by "qdisk TAG: flushed I"; it reads them
 * back and compares md5sums.  Then QEMU is killed with SIGKILL in the
 * middle of such writes, or the domU is destroyed in the middle of them.
 * QEMU is killed stopped (SIGSTOP): while it is, the domU's xvda counts
 * requests in flight and no write completes, so those were ring-level
 * requests outstanding when it died.  Or it is killed the moment one of
 * its threads shows a grant copy in its kernel stack: while
 * fail_grant_eagain holds back half of gntdev's grant copies
 * (gntdev_copy, and gnttab_batch_copy or gnttab_eagain_retry: the kill
 * lands in gntdev's retries, which a fatal signal ends), or with nothing
 * held back, on any kernel (gntdev_copy or gntdev_ioctl, into which the
 * grant copy ioctl is inlined), while the domU also reads.  Once QEMU
 * exited, before xl destroy, gntdev maps none of the domU's ring refs.
 * The destroy lands once QEMU's /proc/PID/io showed image I/O in the
 * last 10 ms.  Afterwards Xen's active grant entries are back to their
 * count before the domU, dom0's MemTotal and pinned pages too, gntdev
 * holds no page, every block whose write QEMU acknowledged is intact in
 * the image (tmpfs: a completed write is as good as a flushed one), and
 * a new domU served by a new QEMU works.  dom0's log is checked by the
 * harness (no WARN, no Bad page).
 *
 * A harness test of tests/ (scripts/mkinitramfs-xl.sh with QDISK=1, make
 * qdisk), with the kernel's kselftest_harness.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domu.h"
#include "io.h"
#include "kselftest_harness.h"

#define QDISK_BASELINE	RUN_DIR "qdisk-baseline"	/* before the domU */
#define QDISK_MB	64	/* the image */
#define QDISK_BLOCK	(1 << 20)	/* one numbered block, one write */
#define QDISK_BLOCKS	48	/* a whole run */
#define QDISK_FLUSH	4	/* blocks between fsyncs */
#define QDISK_SEED	7000	/* block i is stream QDISK_SEED + i */
#define EAGAIN_PROBABILITY "/sys/kernel/debug/fail_grant_eagain/probability"

FIXTURE(qdisk)
{
	struct domu d;
	long held;		/* gntdev's held_pages before the test */
	bool injecting;
	bool started;		/* the test started a domU */
};

/*
 * The domU writes blocks [0, QDISK_BLOCKS) in the background, each one
 * O_DIRECT write of stream QDISK_SEED + i, "qdisk @tag: done I" on its
 * console once block I's dd returned (QEMU acknowledged the write), an
 * fsync after every QDISK_FLUSH of them followed by "qdisk @tag: flushed
 * I", and "qdisk @tag: written" at the end, or "qdisk @tag: failed I" if
 * block I's dd failed (an I/O error is not "not finished").
 */
static bool qdisk_writer(const struct domu *d, const char *tag, char *out,
			 size_t size)
{
	return domu_sh(d, out, size, 30,
		       "(i=0; while [ $i -lt %u ]; do c=; [ $(((i + 1) %% %u)) = 0 ] && c=conv=fsync; xtool gen $((%u + i)) %u | dd of=/dev/xvda bs=%u seek=$i count=1 iflag=fullblock oflag=direct $c 2>/dev/null || { echo \"qdisk %s: failed $i\" >/dev/kmsg; exit 1; }; echo \"qdisk %s: done $i\" >/dev/kmsg; [ -z \"$c\" ] || echo \"qdisk %s: flushed $i\" >/dev/kmsg; i=$((i + 1)); done; echo \"qdisk %s: written\" >/dev/kmsg) >/dev/null 2>&1 &",
		       QDISK_BLOCKS, QDISK_FLUSH, QDISK_SEED, QDISK_BLOCK,
		       QDISK_BLOCK, tag, tag, tag, tag);
}

/*
 * How many lines of the domU's console log match @re (grep's basic
 * regular expression, no '), or -1 if the log could not be read.
 */
static long qdisk_logged(const char *re)
{
	char out[64];

	/* grep -c: 1 (no line) is an answer, 2 (no log) is not. */
	if (runf(out, sizeof(out),
		 "grep -c '%s' " LOG_DIR "guest-" DOMU_QDISK ".log; [ $? -lt 2 ]",
		 re))
		return -1;
	return strtol(out, NULL, 10);
}

/*
 * The last block the writer of @tag logged as @what ("flushed", "done":
 * acknowledged), from the domU's console log (which outlives the domU),
 * or -1.
 */
static long qdisk_last_block(const char *tag, const char *what)
{
	char out[64];

	if (runf(out, sizeof(out),
		 "grep -o '\\] qdisk %s: %s [0-9][0-9]*' " LOG_DIR "guest-" DOMU_QDISK ".log | tail -n 1 | grep -o '[0-9]*$'",
		 tag, what))
		return -1;
	return strtol(out, NULL, 10);
}

static long qdisk_flushed(const char *tag)
{
	return qdisk_last_block(tag, "flushed");
}

/* Wait up to @secs for the writer of @tag to flush block @block. */
static long qdisk_wait_flushed(const char *tag, long block, int secs)
{
	long flushed = -1;
	int i;

	for (i = 0; i < secs * 10; i++) {
		flushed = qdisk_flushed(tag);
		if (flushed >= block)
			break;
		usleep(100 * 1000);
	}
	return flushed;
}

/*
 * Whether every thread of process @pid has exited: the process is gone
 * or each of its tasks is a zombie.  The leader alone is not enough: it
 * is a zombie as soon as it exits, while the other threads may still be
 * in the kernel (in a grant copy's retries, say).
 */
static bool exited(const char *pid)
{
	char path[384], *status;
	struct dirent *task;
	bool all = true;
	DIR *tasks;

	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	tasks = opendir(path);
	if (!tasks)
		return true;
	while (all && (task = readdir(tasks))) {
		if (task->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task/%s/status", pid,
			 task->d_name);
		status = read_file(path);
		all = !status || strstr(status, "State:\tZ") ||
		      strstr(status, "State:\tX");
	}
	closedir(tasks);
	return all;
}

/*
 * The md5sum line of nothing: what a comparison sees when dd or xtool
 * failed.  A block that reads as it counts as bad.
 */
#define EMPTY_MD5 "d41d8cd98f00b204e9800998ecf8427e"

/* How many of blocks [0, @last] of the image are not what was written. */
static long qdisk_bad_blocks(long last)
{
	char out[64];

	if (runf(out, sizeof(out),
		 "n=0; i=0; while [ $i -le %ld ]; do a=$(dd if=" QDISK_IMG " bs=%u skip=$i count=1 2>/dev/null | md5sum); b=$(xtool gen $((%u + i)) %u | md5sum); case $a in " EMPTY_MD5 "*) n=$((n + 1)) ;; *) [ \"$a\" = \"$b\" ] || n=$((n + 1)) ;; esac; i=$((i + 1)); done; echo $n",
		 last, QDISK_BLOCK, QDISK_SEED, QDISK_BLOCK))
		return -1;
	return strtol(out, NULL, 10);
}

/*
 * The domain is gone and took nothing with it: Xen's active grant
 * entries, dom0's MemTotal and its pinned pages as before the first
 * domU, no backend node.
 */
static void qdisk_nothing_left(struct __test_metadata *_metadata,
			       unsigned int domid)
{
	char list[1024], out[256];

	EXPECT_TRUE(domain_gone(domid, 90, list, sizeof(list)))
		TH_LOG("d%u is still there after 90 s:\n%s", domid, list);
	EXPECT_NE(qemu_pid(domid, out, sizeof(out)), 0)
		TH_LOG("QEMU of d%u is still running: %s", domid, out);
	EXPECT_BASELINE(QDISK_BASELINE);
	EXPECT_PINS(baseline_pins(QDISK_BASELINE));
	EXPECT_NE(runf(out, sizeof(out),
		       "xenstore-list /local/domain/0/backend/qdisk/%u 2>/dev/null",
		       domid), 0)
		TH_LOG("backend nodes of d%u are left: %s", domid, out);
}

/* Destroy the domU; then nothing is left of it. */
static void qdisk_destroy(struct __test_metadata *_metadata,
			  FIXTURE_DATA(qdisk) *self)
{
	unsigned int domid = self->d.domid;
	char out[1024];
	double t = now_s();

	self->d.domid = 0;
	EXPECT_EQ(runf(out, sizeof(out), XL " destroy " DOMU_QDISK " 2>&1"), 0)
		TH_LOG("xl destroy: %s", out);
	qdisk_nothing_left(_metadata, domid);
	TH_LOG("xl destroy of d%u and the checks after it: %.1fs", domid,
	       now_s() - t);
}

/*
 * Every block whose write QEMU acknowledged to the writer of @tag (its
 * dd returned) is in the image.  The image is in dom0's tmpfs, where a
 * completed write is as good as a flushed one: the last flushed block
 * is only a lower bound of the last acknowledged one.
 */
static void qdisk_expect_flushed_intact(struct __test_metadata *_metadata,
					const char *tag)
{
	long flushed = qdisk_flushed(tag), done = qdisk_last_block(tag, "done");
	long bad;

	ASSERT_GE(flushed, 0) TH_LOG("the writer flushed nothing");
	EXPECT_GE(done, flushed)
		TH_LOG("block %ld flushed, but the last acknowledged is %ld",
		       flushed, done);
	if (done < flushed)
		done = flushed;
	bad = qdisk_bad_blocks(done);
	EXPECT_EQ(bad, 0)
		TH_LOG("%ld of blocks 0..%ld differ from what was written",
		       bad, done);
	TH_LOG("blocks 0..%ld (%ld MiB) acknowledged, 0..%ld flushed, %ld of them differ in the image",
	       done, (done + 1) * QDISK_BLOCK >> 20, flushed, bad);
}

/*
 * Destroy what a test left of domain @domid.  libxl ends QEMU with
 * SIGHUP, which a QEMU left stopped (a test cut short between its
 * SIGSTOP and SIGKILL) never handles: it would keep the ring mapped and
 * the domain a zombie, charged to the tests after.  So QEMU goes first.
 */
static void qdisk_leftover(unsigned int domid)
{
	char out[1024], pid[64];

	if (!qemu_pid(domid, pid, sizeof(pid)))
		runf(out, sizeof(out), "kill -CONT %s; kill -9 %s", pid, pid);
	runf(out, sizeof(out), XL " destroy " DOMU_QDISK " 2>&1");
	domain_gone(domid, 60, out, sizeof(out));
}

FIXTURE_SETUP(qdisk)
{
	self->injecting = false;
	self->started = false;
	/* What an earlier test left, answering or not. */
	domu_wait(&self->d, DOMU_QDISK, 0);
	if (self->d.domid)
		qdisk_leftover(self->d.domid);
	self->d.domid = 0;
	self->held = gntdev_held_pages();
}

FIXTURE_TEARDOWN(qdisk)
{
	if (self->injecting)
		inject_stop();
	if (self->d.domid)
		qdisk_leftover(self->d.domid);
	EXPECT_HELD_PAGES(self->held);
	if (self->started)
		EXPECT_EQ(domu_log_trouble(DOMU_QDISK), 0);
}

/*
 * A new domU on a fresh image, its QEMU up.  A boot that missed
 * qdisk.start (dom0 rebooted after a crash, or xentest.only) saves its
 * baseline first.
 */
#define START_DOMU() do {						\
	char __msg[1024];						\
	long __total;							\
									\
	if (start_missed(QDISK_BASELINE))				\
		ASSERT_EQ(baseline_save(QDISK_BASELINE, &__total), 0);	\
	self->started = true;						\
	ASSERT_EQ(qdisk_domu_start(&self->d, QDISK_MB, __msg, sizeof(__msg)), 0)	\
		TH_LOG("%s", __msg);					\
	TH_LOG("%s", __msg);						\
} while (0)

/* Before the first domU: what dom0 must come back to. */
TEST_F_TIMEOUT(qdisk, start, 300)
{
	long total;

	ASSERT_EQ(baseline_save(QDISK_BASELINE, &total), 0);
	TH_LOG("no qdisk domU: %ld active grant entries, MemTotal %ld kB",
	       total, memtotal_kb());
}

/*
 * Every block written, flushed and read back intact, in the domU and in
 * the image; then the domU goes and nothing is left.
 */
TEST_F_TIMEOUT(qdisk, blocks_roundtrip, 600)
{
	char out[1024];
	double t;

	START_DOMU();
	t = now_s();
	ASSERT_TRUE(qdisk_writer(&self->d, "roundtrip", out, sizeof(out)))
		TH_LOG("starting the writer: %s", out);
	EXPECT_EQ(qdisk_wait_flushed("roundtrip", QDISK_BLOCKS - 1, 300),
		  QDISK_BLOCKS - 1) TH_LOG("the writer did not finish");
	t = now_s() - t;
	EXPECT_TRUE(domu_sh(&self->d, out, sizeof(out), 300,
			    "n=0; i=0; while [ $i -lt %u ]; do a=$(dd if=/dev/xvda bs=%u skip=$i count=1 iflag=direct 2>/dev/null | md5sum); b=$(xtool gen $((%u + i)) %u | md5sum); case $a in " EMPTY_MD5 "*) n=$((n + 1)) ;; *) [ \"$a\" = \"$b\" ] || n=$((n + 1)) ;; esac; i=$((i + 1)); done; echo $n bad; [ $n = 0 ]",
			    QDISK_BLOCKS, QDISK_BLOCK, QDISK_SEED, QDISK_BLOCK))
		TH_LOG("reading back in the domU: %s", out);
	qdisk_expect_flushed_intact(_metadata, "roundtrip");
	TH_LOG("%u MiB written through qdisk in %.1fs (%.1f MiB/s)",
	       QDISK_BLOCKS * QDISK_BLOCK >> 20, t,
	       (QDISK_BLOCKS * QDISK_BLOCK >> 20) / t);
	qdisk_destroy(_metadata, self);
}

/* The domU's xvda: requests in flight and writes completed; 0 or -1. */
static int qdisk_vbd(const struct domu *d, long *inflight, long *written)
{
	char out[256], *counts;
	long f[7];

	/* gntshare's "N ok exit 0: OUTPUT" */
	if (!domu_sh(d, out, sizeof(out), 30, "cat /sys/block/xvda/stat"))
		return -1;
	counts = strstr(out, " exit 0: ");
	/* Fields 5 and 9: write I/Os completed, I/Os in flight. */
	if (!counts || sscanf(counts + 9, "%ld %ld %ld %ld %ld %ld %ld %ld %ld",
			      &f[0], &f[1], &f[2], &f[3], written, &f[4],
			      &f[5], &f[6], inflight) != 9)
		return -1;
	return 0;
}

/* How a test kills QEMU. */
enum qdisk_kill {
	KILL_STOPPED,	/* stopped with requests on the ring */
	KILL_RETRIES,	/* in a grant copy that fail_grant_eagain holds back */
	KILL_IN_GNTDEV,	/* in a grant copy, nothing held back */
};

/*
 * Two readers in the domU, 1 MiB O_DIRECT reads of the whole disk one
 * after the other, each saying "qdisk reader N: failed" if its dd fails.
 */
static bool qdisk_readers(const struct domu *d, char *out, size_t size)
{
	return domu_sh(d, out, size, 30,
		       "for r in 1 2; do (while dd if=/dev/xvda of=/dev/null bs=1M count=%u iflag=direct 2>/dev/null; do :; done; echo \"qdisk reader $r: failed\" >/dev/kmsg) >/dev/null 2>&1 & done",
		       QDISK_MB);
}

/*
 * SIGKILL to QEMU @pid the first time the kernel stack of one of its
 * threads shows gntdev's grant copy: gntdev_copy (the hypercall and the
 * unpin), or gntdev_ioctl, into which gntdev_ioctl_grant_copy() and
 * gntdev_grant_copy_seg() are inlined (a thread scheduled out at the
 * copy loop's cond_resched() or in pin_user_pages_fast()); QEMU maps
 * through gntdev only its ring, when the domU connects, so that its
 * gntdev ioctls while the disk streams are grant copies.  Looks for up
 * to @secs seconds, in a tight loop; the number of looks at every
 * thread's stack in *@looks, the thread hit in *@tid and its stack in
 * @stack.  0 once killed, -1 if no thread showed one.
 */
static int qdisk_kill_in_gntdev(const char *pid, double secs, long *looks,
				long *tid, char *stack, size_t size)
{
	char path[384], buf[4096];
	double end = now_s() + secs;
	struct dirent *task;
	DIR *tasks;
	ssize_t n;
	int fd;

	for (*looks = 1; now_s() < end; (*looks)++) {
		snprintf(path, sizeof(path), "/proc/%s/task", pid);
		tasks = opendir(path);
		if (!tasks)
			return -1;
		while ((task = readdir(tasks))) {
			if (task->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/stack",
				 pid, task->d_name);
			fd = open(path, O_RDONLY);
			if (fd < 0)
				continue;
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n <= 0)
				continue;
			buf[n] = '\0';
			if (!strstr(buf, "gntdev_copy") &&
			    !strstr(buf, "gntdev_ioctl"))
				continue;
			if (kill(atoi(pid), SIGKILL)) {
				closedir(tasks);
				return -1;
			}
			*tid = atol(task->d_name);
			snprintf(stack, size, "%s", buf);
			closedir(tasks);
			return 0;
		}
		closedir(tasks);
	}
	return -1;
}

/*
 * The refs of the domU's xvda ring (ring-ref, or ring-ref0..N of a
 * multi-page ring, per queue), from its frontend's xenstore nodes, in
 * @r (a copy of @d); their number, or -1.
 */
static int qdisk_ring_refs(const struct domu *d, struct domu *r)
{
	char out[1024], *p, *end;
	unsigned long ref;

	*r = *d;
	r->pages = 0;
	if (runf(out, sizeof(out),
		 "xenstore-ls -f /local/domain/%u/device/vbd/51712 | sed -n 's|.*/ring-ref[0-9]* = \"\\([0-9]*\\)\"$|\\1|p'",
		 d->domid))
		return -1;
	for (p = out; r->pages < MAX_PAGES; p = end) {
		ref = strtoul(p, &end, 10);
		if (end == p)
			break;
		r->refs[r->pages++] = ref;
	}
	return r->pages ? (int)r->pages : -1;
}

/*
 * SIGKILL of QEMU while the domU's writes are in flight, then xl
 * destroy.  KILL_STOPPED: QEMU is stopped first, so that the domU's
 * requests on the ring can be read while nothing completes them, and
 * killed stopped (SIGSTOP waits for the way back to user space: no
 * thread is in a grant copy or a map then).  KILL_RETRIES: the kill
 * lands while a thread of QEMU is in a grant copy that fail_grant_eagain
 * holds back (its kernel stack).  KILL_IN_GNTDEV: the same with nothing
 * held back, while the domU also reads, on any kernel.  Once every
 * thread of QEMU exited, before the toolstack does anything, gntdev
 * maps none of the domU's ring refs any more and holds no more pages.
 */
static void qdisk_kill_qemu(struct __test_metadata *_metadata,
			    FIXTURE_DATA(qdisk) *self, const char *tag,
			    enum qdisk_kill how)
{
	long inflight = -1, written = -1, inflight2 = -1, written2 = -1;
	long look, tid;
	char out[4096], pid[64];
	struct grants g;
	struct domu ring;
	double t;

	ASSERT_TRUE(qdisk_writer(&self->d, tag, out, sizeof(out)))
		TH_LOG("starting the writer: %s", out);
	ASSERT_GE(qdisk_wait_flushed(tag, 2 * QDISK_FLUSH - 1, 300),
		  2 * QDISK_FLUSH - 1) TH_LOG("the writer is not under way");
	ASSERT_EQ(qemu_pid(self->d.domid, pid, sizeof(pid)), 0);
	ASSERT_GT(qdisk_ring_refs(&self->d, &ring), 0)
		TH_LOG("no ring-ref of d%u's xvda in xenstore", self->d.domid);
	ASSERT_EQ(read_grants(&ring, &g), 0);
	EXPECT_GT(g.ours, 0) TH_LOG("QEMU maps none of the ring's %u refs",
				    ring.pages);
	TH_LOG("the ring: %u refs (the first %u), %ld mapped before the kill",
	       ring.pages, ring.refs[0], g.ours);
	if (how == KILL_RETRIES) {
		/* Every copy held back now: only a fatal signal ends them. */
		ASSERT_EQ(write_file(EAGAIN_PROBABILITY, "100"), 0);
		/*
		 * A copy's stack: gnttab_batch_copy's frame goes if it
		 * tail-calls gnttab_batch(); gnttab_eagain_retry is the
		 * retry loop itself (a map's too, hence gntdev_copy).
		 */
		ASSERT_EQ(runf(out, sizeof(out),
			       "i=0; while [ $i -lt 2000 ]; do for s in /proc/%s/task/*/stack; do if grep -q gntdev_copy $s 2>/dev/null && grep -q -e gnttab_eagain_retry -e gnttab_batch_copy $s 2>/dev/null; then kill -9 %s || exit 1; t=${s%%/stack}; echo $i ${t##*/}; exit 0; fi; done; i=$((i + 1)); done; exit 1",
			       pid, pid), 0)
			TH_LOG("no thread of QEMU seen in a grant copy: %s", out);
		if (sscanf(out, "%ld %ld", &look, &tid) != 2)
			look = tid = -1;
		TH_LOG("SIGKILL while thread %ld of QEMU was in a grant copy (look %ld)",
		       tid, look);
	} else if (how == KILL_IN_GNTDEV) {
		ASSERT_TRUE(qdisk_readers(&self->d, out, sizeof(out)))
			TH_LOG("starting the readers: %s", out);
		t = now_s();
		ASSERT_EQ(qdisk_kill_in_gntdev(pid, 120, &look, &tid, out,
					       sizeof(out)), 0)
			TH_LOG("no thread of QEMU seen in gntdev's grant copy in %ld looks at its stacks (%.1fs)",
			       look, now_s() - t);
		TH_LOG("SIGKILL while thread %ld of QEMU was in gntdev's grant copy, look %ld at its stacks, %.2fs after the first; its stack:\n%s",
		       tid, look, now_s() - t, out);
	} else {
		ASSERT_EQ(runf(out, sizeof(out), "kill -STOP %s 2>&1", pid), 0)
			TH_LOG("kill -STOP: %s", out);
		sleep(1);
		EXPECT_EQ(qdisk_vbd(&self->d, &inflight, &written), 0);
		sleep(1);
		EXPECT_EQ(qdisk_vbd(&self->d, &inflight2, &written2), 0);
		EXPECT_EQ(written2, written)
			TH_LOG("writes completed while QEMU was stopped");
		EXPECT_GT(inflight, 0)
			TH_LOG("no request of the domU in flight");
		TH_LOG("QEMU stopped for 1 s: %ld ring-level requests outstanding, writes completed %ld then %ld",
		       inflight, written, written2);
		ASSERT_EQ(runf(out, sizeof(out), "kill -9 %s 2>&1", pid), 0)
			TH_LOG("kill: %s", out);
	}
	t = now_s();
	while (!exited(pid) && now_s() - t < 30)
		usleep(10 * 1000);
	EXPECT_TRUE(exited(pid)) TH_LOG("QEMU still runs 30 s after SIGKILL");
	/* Well before the retries' deadline (GNTTAB_EAGAIN_TIMEOUT, 32 s). */
	if (how != KILL_STOPPED)
		EXPECT_LT(now_s() - t, 5.0)
			TH_LOG("a fatal signal did not end the grant copy");
	TH_LOG("QEMU %s %.2fs after SIGKILL",
	       exited(pid) ? "exited" : "still running", now_s() - t);
	/* QEMU's death alone, before xl destroy: its ring maps are gone. */
	ASSERT_EQ(read_grants_settled(&ring, &g), 0);
	EXPECT_EQ(g.ours, 0)
		TH_LOG("%ld of the ring's %u refs still mapped after QEMU died",
		       g.ours, ring.pages);
	EXPECT_HELD_PAGES(self->held);
	TH_LOG("after QEMU's death: %ld of the ring's %u refs mapped, d%u's table %ld active entries",
	       g.ours, ring.pages, self->d.domid, g.domu);
	/* Dead: what was in flight never completes. */
	EXPECT_EQ(qdisk_vbd(&self->d, &inflight2, &written2), 0);
	if (how == KILL_STOPPED) {
		EXPECT_EQ(written2, written)
			TH_LOG("writes completed after QEMU died");
		EXPECT_GE(inflight2, inflight);
	}
	/* Requests issued after the death count too: said, not evidence. */
	TH_LOG("%ld requests in flight after the kill", inflight2);
	TH_LOG("blocks 0..%ld acknowledged, 0..%ld flushed before the kill",
	       qdisk_last_block(tag, "done"), qdisk_flushed(tag));
	qdisk_destroy(_metadata, self);
	EXPECT_EQ(qdisk_logged("\\] qdisk .*: failed"), 0)
		TH_LOG("a dd of the domU failed before the kill");
	qdisk_expect_flushed_intact(_metadata, tag);
}

TEST_F_TIMEOUT(qdisk, kill_qemu_mid_io, 600)
{
	START_DOMU();
	qdisk_kill_qemu(_metadata, self, "kill", KILL_STOPPED);
}

/*
 * The same while fail_grant_eagain holds back half of the grant copies
 * gntdev issues for QEMU: the kill lands in gntdev's retries, which a
 * fatal signal ends.
 */
TEST_F_TIMEOUT(qdisk, kill_qemu_in_copy_retries, 600)
{
	struct aim a;
	long held;

	if (!can_inject())
		SKIP(return, "no fail_grant_eagain with a stack trace filter");
	START_DOMU();
	ASSERT_EQ(aim_at("gntdev_copy", &a), 0)
		TH_LOG("no single gntdev_copy in /proc/kallsyms");
	ASSERT_EQ(inject(50, &a, NULL), 0)
		TH_LOG("setting up fail_grant_eagain: %m");
	self->injecting = true;
	qdisk_kill_qemu(_metadata, self, "kill-eagain", KILL_RETRIES);
	held = inject_stop();
	self->injecting = false;
	EXPECT_GT(held, 0) TH_LOG("no grant copy was held back");
	TH_LOG("%ld grant copies held back", held);
}

/*
 * The kill inside gntdev's grant copy without fault injection, on any
 * kernel: while the domU writes and reads, the first look at QEMU's
 * stacks that shows a thread in gntdev's grant copy sends SIGKILL.
 */
TEST_F_TIMEOUT(qdisk, kill_qemu_in_gntdev_copy, 600)
{
	START_DOMU();
	qdisk_kill_qemu(_metadata, self, "kill-copy", KILL_IN_GNTDEV);
}

/*
 * The domU logs its xvda's requests in flight (reads plus writes) to its
 * console every 50 ms, so that the console log, which outlives the
 * domU, holds them up to the destroy (libxl pauses the domain first).
 * Two readers (qdisk_readers()) keep a request in flight between the
 * writer's blocks too (xtool's stream and dd's start take the domU's
 * vCPU for a while): whenever QEMU serves the disk, a count shows
 * requests in flight, the last one before the destroy included.
 */
static bool qdisk_inflight_logger(const struct domu *d, char *out,
				  size_t size)
{
	if (!qdisk_readers(d, out, size))
		return false;
	return domu_sh(d, out, size, 30,
		       "(while :; do set -- $(cat /sys/block/xvda/inflight); echo \"qdisk inflight: $(($1 + $2))\" >/dev/kmsg; sleep 0.05; done) >/dev/null 2>&1 &");
}

/*
 * The last count the logger logged, and the last @n of them in @list;
 * -1 if it logged none.
 */
static long qdisk_last_inflight(int n, char *list, size_t size)
{
	long last = -1, v;
	char *p, *end;

	if (runf(list, size,
		 "grep -o '\\] qdisk inflight: [0-9]*' " LOG_DIR "guest-" DOMU_QDISK ".log | tail -n %d | sed 's/.*: //' | tr '\\n' ' '",
		 n))
		return -1;
	for (p = list;; p = end) {
		v = strtol(p, &end, 10);
		if (end == p)
			return last;
		last = v;
	}
}

/*
 * The bytes process @pid read and wrote through system calls (rchar +
 * wchar of /proc/PID/io, every thread's): QEMU's reads and writes of
 * the image; -1 if unread.
 */
static long qemu_io_bytes(const char *pid)
{
	char path[64], *io, *r, *w;

	snprintf(path, sizeof(path), "/proc/%s/io", pid);
	io = read_file(path);
	r = io ? strstr(io, "rchar: ") : NULL;
	w = io ? strstr(io, "wchar: ") : NULL;
	if (!r || !w)
		return -1;
	return strtol(r + 7, NULL, 10) + strtol(w + 7, NULL, 10);
}

/* xl destroy alone while the domU's writes are in flight. */
TEST_F_TIMEOUT(qdisk, destroy_mid_io, 600)
{
	long flushed, last = -1, io, prev, moved = 0, samples;
	double t, gap = 0;
	char out[1024], pid[64];
	int i;

	START_DOMU();
	ASSERT_TRUE(qdisk_writer(&self->d, "destroy", out, sizeof(out)))
		TH_LOG("starting the writer: %s", out);
	flushed = qdisk_wait_flushed("destroy", 2 * QDISK_FLUSH - 1, 300);
	ASSERT_GE(flushed, 2 * QDISK_FLUSH - 1)
		TH_LOG("the writer is not under way");
	ASSERT_EQ(qemu_pid(self->d.domid, pid, sizeof(pid)), 0)
		TH_LOG("no QEMU serves d%u", self->d.domid);
	ASSERT_TRUE(qdisk_inflight_logger(&self->d, out, sizeof(out)))
		TH_LOG("starting the logger: %s", out);
	/* The logger and the readers under way. */
	for (i = 0; i < 3000 && last <= 0; i++) {
		last = qdisk_last_inflight(1, out, sizeof(out));
		if (last <= 0)
			usleep(10 * 1000);
	}
	EXPECT_GT(last, 0) TH_LOG("no request in flight in %d looks", i);
	/*
	 * In dom0, with no console in between: QEMU's reads and writes of
	 * the image, every 10 ms; the destroy once the last sample moved
	 * 4 KiB or more (an eventfd's or an event channel's 4 or 8 bytes
	 * do not count).
	 */
	prev = qemu_io_bytes(pid);
	ASSERT_GE(prev, 0) TH_LOG("no /proc/%s/io", pid);
	t = now_s();
	for (samples = 1; now_s() - t < 60; samples++) {
		double s = now_s();

		usleep(10 * 1000);
		io = qemu_io_bytes(pid);
		gap = now_s() - s;
		moved = io - prev;
		prev = io;
		if (io < 0 || moved >= 4096)
			break;
	}
	ASSERT_GE(moved, 4096)
		TH_LOG("QEMU moved no image data in 60 s of 10 ms samples");
	/*
	 * A QEMU that died before leaves the requests on the ring for
	 * good: they count as in flight, but nothing moves them.
	 */
	ASSERT_FALSE(exited(pid))
		TH_LOG("QEMU %s exited before the destroy", pid);
	TH_LOG("xl destroy at sample %ld: QEMU read and wrote %ld bytes of the image in the last %.1f ms",
	       samples, moved, gap * 1000);
	qdisk_destroy(_metadata, self);
	/* The last count the domU logged before libxl paused it. */
	last = qdisk_last_inflight(5, out, sizeof(out));
	EXPECT_GT(last, 0)
		TH_LOG("no request in flight in the last logged count: %s", out);
	TH_LOG("requests in flight in the domU's last 5 counts before the destroy, the last one last: %s",
	       out);
	EXPECT_EQ(qdisk_logged("\\] qdisk .*: failed"), 0)
		TH_LOG("a dd of the domU failed before the destroy");
	EXPECT_EQ(qdisk_logged("\\] qdisk destroy: written"), 0)
		TH_LOG("the writer had finished before the destroy");
	qdisk_expect_flushed_intact(_metadata, "destroy");
}

/* After the kills, a new domU served by a new QEMU works. */
TEST_F_TIMEOUT(qdisk, new_domu_after_kills, 600)
{
	char out[1024];

	START_DOMU();
	ASSERT_TRUE(qdisk_writer(&self->d, "after", out, sizeof(out)))
		TH_LOG("starting the writer: %s", out);
	EXPECT_EQ(qdisk_wait_flushed("after", QDISK_BLOCKS - 1, 300),
		  QDISK_BLOCKS - 1) TH_LOG("the writer did not finish");
	qdisk_expect_flushed_intact(_metadata, "after");
	qdisk_destroy(_metadata, self);
}

TEST_HARNESS_MAIN
