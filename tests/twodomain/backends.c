// SPDX-License-Identifier: GPL-2.0
/*
 * Real backend traffic between dom0 and a PV domU: blkback and netback,
 * with and without held-back grant ops (fail_grant_eagain).
 *
 * The domU and its devices are io.h's: xvda with persistent grants, xvdb
 * without, a vif.  The data tests write and read a pseudo-random stream
 * through each disk (tens of MiB: blkfront sends indirect requests) and
 * over TCP both ways, and ping with several sizes and a payload pattern;
 * every md5sum must be the stream's, dom0's image of each disk too.
 *
 * The eagain tests hold back half of one path's grant ops, aimed with the
 * fault injection stack trace filter, so that "times" counts that
 * path's: blkback's maps (its kthread, xen_blkif_schedule; xvdb, without
 * persistent grants), netback's tx copies and maps (NAPI, in softirq:
 * gnttab_batch_copy_nosleep, gnttab_map_refs_nosleep) and its rx copies
 * (its kthread, xenvif_kthread_guest_rx); then half of every op of dom0
 * at once.  The data must arrive intact, no request may fail, and dom0's
 * log stays clean (the harness: DEBUG_ATOMIC_SLEEP, lockdep, no WARN).
 * The deadline tests hold back every op of a path for longer than
 * GNTTAB_EAGAIN_TIMEOUT: the request fails to the guest (an I/O error,
 * dropped packets) and traffic recovers once the frames "are paged in".
 * Kernels without fail_grant_eagain (the stock base) skip those tests.
 *
 * After every test the domU's grant table is back to its idle count
 * (rings, console, xenstore; blkback drops unused persistent grants after
 * 1 s here) and other tables to theirs.  The last tests destroy the domU
 * in the middle of disk and network traffic, with and without injection,
 * start another and check that nothing is left: no domain, no active
 * grant entry, dom0's MemTotal, no vif, no backend node in xenstore.
 *
 * A harness test of tests/ (scripts/mkinitramfs-xl.sh), with the
 * kernel's kselftest_harness.h; it runs after twodomain.c, whose last
 * test leaves dom0 alone.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "domu.h"
#include "io.h"
#include "kselftest_harness.h"

#define BASELINE	RUN_DIR "io-baseline"	/* dom0 before the first domU */
#define IDLE		RUN_DIR "io-idle"	/* the domU's own table, idle */
#define XFER_MB		32	/* per disk test */
#define NET_MB		16	/* per direction */
#define DEADLINE_S	32	/* GNTTAB_EAGAIN_TIMEOUT */

/*
 * A fresh domU; its idle grant count in IDLE and in *@before.  The first
 * of this boot (io.start's, or that of a boot that missed io.start)
 * saves dom0's baseline before it.
 */
static void start_domu(struct __test_metadata *_metadata, struct domu *d,
		       struct grants *before)
{
	char msg[1024];
	struct grants g;
	long total;
	FILE *f;

	if (start_missed(BASELINE))
		ASSERT_EQ(baseline_save(BASELINE, &total), 0);
	ASSERT_EQ(io_domu_start(d, msg, sizeof(msg)), 0) TH_LOG("%s", msg);
	TH_LOG("%s", msg);
	sleep(3);	/* the partition scans' persistent grants go */
	ASSERT_EQ(read_grants_settled(d, &g), 0);
	f = fopen(IDLE, "w");
	ASSERT_NE(f, NULL);
	fprintf(f, "%ld\n", g.domu);
	fclose(f);
	*before = g;
	TH_LOG("d%u idle: %ld active entries in its table", d->domid, g.domu);
}

/* Disk @disk carries @mb MiB of stream @seed both ways, intact. */
static void disk_roundtrip(struct __test_metadata *_metadata,
			   const struct domu *d, int disk, unsigned int seed,
			   unsigned int mb)
{
	char md5[33], out[1024], stats[256];
	double t0, t1, t2;

	ASSERT_EQ(stream_md5(seed, mb, md5), 0);
	t0 = now_s();
	EXPECT_EQ(io_disk_write(d, disk, seed, mb, out, sizeof(out)), 0)
		TH_LOG("writing %s in the domU: %s", io_disks[disk], out);
	t1 = now_s();
	EXPECT_EQ(io_disk_read(d, disk, mb, out, sizeof(out)), 0)
		TH_LOG("reading %s in the domU: %s", io_disks[disk], out);
	t2 = now_s();
	EXPECT_NE(strstr(out, md5), NULL)
		TH_LOG("%s reads back wrong in the domU: %s, stream %s",
		       io_disks[disk], out, md5);
	EXPECT_EQ(runf(out, sizeof(out),
		       "dd if=/tmp/%s.img bs=1M count=%u 2>/dev/null | md5sum",
		       io_disks[disk], mb), 0);
	EXPECT_NE(strstr(out, md5), NULL)
		TH_LOG("dom0's image of %s differs: %s, stream %s",
		       io_disks[disk], out, md5);
	vbd_stats(d, disk, stats, sizeof(stats));
	TH_LOG("%s: %u MiB written in %.1fs, read back in %.1fs, md5 %s; blkback: %s",
	       io_disks[disk], mb, t1 - t0, t2 - t1, md5, stats);
}

/* @mb MiB of stream @seed from the domU to dom0 (netback tx), intact. */
static void net_to_dom0(struct __test_metadata *_metadata,
			const struct domu *d, unsigned int seed,
			unsigned int mb)
{
	char md5[33], got[33], out[1024];
	double t;

	ASSERT_EQ(stream_md5(seed, mb, md5), 0);
	t = now_s();
	EXPECT_EQ(io_net_to_dom0(d, seed, mb, got, out, sizeof(out)), 0)
		TH_LOG("sending from the domU: %s", out);
	t = now_s() - t;
	EXPECT_STREQ(got, md5) TH_LOG("dom0 received %s, stream %s", got, md5);
	TH_LOG("domU -> dom0: %u MiB in %.1fs, md5 %s", mb, t, md5);
}

/* ... and from dom0 to the domU (netback rx). */
static void net_to_domu(struct __test_metadata *_metadata,
			const struct domu *d, unsigned int seed,
			unsigned int mb)
{
	char md5[33], out[1024];
	double t;

	ASSERT_EQ(stream_md5(seed, mb, md5), 0);
	t = now_s();
	EXPECT_EQ(io_net_to_domu(d, seed, mb, out, sizeof(out)), 0)
		TH_LOG("dom0 -> domU: %s", out);
	t = now_s() - t;
	EXPECT_NE(strstr(out, md5), NULL)
		TH_LOG("the domU received %s, stream %s", out, md5);
	TH_LOG("dom0 -> domU: %u MiB in %.1fs, md5 %s", mb, t, md5);
}

/* No request failed to the guest: its log has no I/O error so far. */
static void expect_no_io_error(struct __test_metadata *_metadata,
			       const struct domu *d)
{
	char out[1024];

	/* grep's 1: no match; 0 is a match, anything else no answer. */
	EXPECT_EQ(domu_sh_status(d, out, sizeof(out), 30,
				 "dmesg | grep 'I/O error'"), 1)
		TH_LOG("the guest saw failed requests: %s", out);
}

static const char *const vif_errors[] = {
	"rx_dropped", "tx_dropped", "rx_errors", "tx_errors",
};

/* dom0's drop and error counters of the vif, summed: -1 if unread. */
static long vif_trouble(const struct domu *d)
{
	long sum = 0, n;
	unsigned int i;

	for (i = 0; i < sizeof(vif_errors) / sizeof(vif_errors[0]); i++) {
		n = vif_stat(d, vif_errors[i]);
		if (n < 0)
			return -1;
		sum += n;
	}
	return sum;
}

FIXTURE(io)
{
	struct domu d;
	struct grants before;
	bool injecting;
	pid_t pids[2];		/* dom0's side of destroy_under_load() */
};

/* The domU that io.start started in this boot, if it is there. */
FIXTURE_SETUP(io)
{
	/* A test killed at its timeout ran no teardown. */
	if (can_inject())
		inject_stop();
	self->injecting = false;
	self->pids[0] = self->pids[1] = 0;
	if (start_missed(BASELINE) || io_domu_find(&self->d, 1)) {
		self->d.domid = 0;
		return;
	}
	ASSERT_EQ(read_grants_settled(&self->d, &self->before), 0);
}

FIXTURE_TEARDOWN(io)
{
	struct grants after;
	long idle = read_long(IDLE);
	int i;

	if (self->injecting)
		inject_stop();
	for (i = 0; i < 2; i++)
		if (self->pids[i] > 0)
			kill(self->pids[i], SIGKILL);
	if (!self->d.domid)
		return;
	/* Unused persistent grants go after 1 s (io_domu_start()). */
	for (i = 0; i < 60; i++) {
		ASSERT_EQ(read_grants(&self->d, &after), 0);
		if (after.domu <= idle)
			break;
		usleep(500 * 1000);
	}
	EXPECT_EQ(after.domu, idle)
		TH_LOG("the domU's table: %ld active entries, %ld when idle",
		       after.domu, idle);
	EXPECT_EQ(after.total - after.domu,
		  self->before.total - self->before.domu)
		TH_LOG("other tables: %ld active entries, %ld before",
		       after.total - after.domu,
		       self->before.total - self->before.domu);
	TH_LOG("grants before: " GRANTS_FMT "; after: " GRANTS_FMT,
	       GRANTS_ARGS(&self->before, &self->d),
	       GRANTS_ARGS(&after, &self->d));
}

/*
 * The domU of io.start, for a test that uses it; in a boot that missed
 * io.start (start_missed()), started as io.start starts it.
 */
static void need_domu(struct __test_metadata *_metadata,
		      FIXTURE_DATA(io) *self)
{
	if (self->d.domid)
		return;
	ASSERT_TRUE(start_missed(BASELINE)) TH_LOG("no %s", DOMU_IO);
	start_domu(_metadata, &self->d, &self->before);
}

#define NEED_DOMU() need_domu(_metadata, self)

/* fail_grant_eagain as INJECT_OR_SKIP() describes it, started. */
static void inject_at(struct __test_metadata *_metadata,
		      FIXTURE_DATA(io) *self, unsigned int percent,
		      const char *sym, const char *not)
{
	struct aim a, n;

	if (sym)
		ASSERT_EQ(aim_at(sym, &a), 0)
			TH_LOG("no single %s in /proc/kallsyms", sym);
	if (not)
		ASSERT_EQ(aim_at(not, &n), 0)
			TH_LOG("no single %s in /proc/kallsyms", not);
	ASSERT_EQ(inject(percent, sym ? &a : NULL, not ? &n : NULL), 0)
		TH_LOG("setting up fail_grant_eagain: %m");
	self->injecting = true;
}

/*
 * Hold back @percent of the ops whose stack passes through function
 * @sym (every op if @sym is NULL), and not through @not (if not NULL),
 * until INJECT_STOP(); skip the test on a kernel without
 * fail_grant_eagain or the stack trace filter.
 */
#define INJECT_OR_SKIP(percent, sym, not) do {				\
	if (!can_inject())						\
		SKIP(return, "no fail_grant_eagain with a stack trace filter"); \
	NEED_DOMU();							\
	inject_at(_metadata, self, percent, sym, not);			\
} while (0)

/*
 * A kthread's aim: softirqs (netback's NAPI) run on top of whatever task
 * an interrupt found, the kthread too, and the stack trace goes through
 * both.
 */
#define NOT_SOFTIRQ	"handle_softirqs"

/* Stop injecting; @held: the number of ops held back. */
#define INJECT_STOP(held) do {						\
	held = inject_stop();						\
	self->injecting = false;					\
} while (0)

/* Nothing of domain @domid is left; dom0 is back to BASELINE. */
static void expect_nothing_left(struct __test_metadata *_metadata,
				unsigned int domid)
{
	char list[1024], out[1024];

	EXPECT_TRUE(domain_gone(domid, 90, list, sizeof(list)))
		TH_LOG("d%u is still there after 90 s:\n%s", domid, list);
	EXPECT_BASELINE(BASELINE);
	EXPECT_NE(runf(out, sizeof(out), "ls -d /sys/class/net/vif%u.* 2>/dev/null",
		       domid), 0)
		TH_LOG("netback's interfaces of d%u are left: %s", domid, out);
	EXPECT_NE(runf(out, sizeof(out),
		       "xenstore-list /local/domain/0/backend/vbd/%u 2>/dev/null || xenstore-list /local/domain/0/backend/vif/%u 2>/dev/null",
		       domid, domid), 0)
		TH_LOG("backend nodes of d%u are left: %s", domid, out);
	EXPECT_EQ(domu_log_trouble(DOMU_IO), 0);
}

/* What goes through the backends: the vif both ways, each disk. */
struct traffic {
	long rx, tx, written[IO_DISKS];
};

static void traffic(const struct domu *d, struct traffic *t)
{
	int disk;

	t->rx = vif_stat(d, "rx_bytes");
	t->tx = vif_stat(d, "tx_bytes");
	for (disk = 0; disk < IO_DISKS; disk++)
		t->written[disk] = vbd_stat(d, disk, "wr_sect");
}

/* Start @cmd in the background in dom0: its pid, or -1. */
static pid_t dom0_background(const char *cmd)
{
	char out[32];

	if (runf(out, sizeof(out), "(%s) >/dev/null 2>&1 & echo $!", cmd))
		return -1;
	return strtol(out, NULL, 10);
}

/*
 * Traffic in both directions and on both disks, then `xl destroy` in
 * the middle of it: the backends must let go of everything.  @pids: the
 * dom0 side's, for FIXTURE_TEARDOWN to kill.
 */
static void destroy_under_load(struct __test_metadata *_metadata,
			       const struct domu *d, pid_t *pids)
{
	struct traffic a, b;
	char out[1024];
	double t;

	pids[0] = dom0_background("timeout 600 xtool recv 5003");
	ASSERT_GT(pids[0], 0);
	ASSERT_TRUE(domu_sh(d, out, sizeof(out), 30,
			    "(timeout 600 xtool recv 5004 >/dev/null) >/dev/null 2>&1 &"
			    " (xtool gen 5 2000000000 | timeout 600 xtool send 10.0.0.1 5003) >/dev/null 2>&1 &"
			    " for disk in xvda xvdb; do (while :; do xtool gen 6 16777216 | dd of=/dev/$disk bs=1M iflag=fullblock oflag=direct; dd if=/dev/$disk bs=1M count=16 iflag=direct; done) >/dev/null 2>&1 & done"))
		TH_LOG("starting the load: %s", out);
	pids[1] = dom0_background("xtool gen 7 2000000000 | timeout 600 xtool send 10.0.0.2 5004");
	ASSERT_GT(pids[1], 0);
	sleep(3);
	traffic(d, &a);
	sleep(5);
	traffic(d, &b);
	TH_LOG("in 5 s before the destroy: vif rx %ld, tx %ld bytes; xvda %ld, xvdb %ld sectors written",
	       b.rx - a.rx, b.tx - a.tx, b.written[0] - a.written[0],
	       b.written[1] - a.written[1]);
	EXPECT_GT(b.rx - a.rx, 0) TH_LOG("no traffic from the domU");
	EXPECT_GT(b.tx - a.tx, 0) TH_LOG("no traffic to the domU");
	EXPECT_GT(b.written[0] - a.written[0], 0) TH_LOG("no writes to xvda");
	EXPECT_GT(b.written[1] - a.written[1], 0) TH_LOG("no writes to xvdb");
	t = now_s();
	EXPECT_EQ(runf(out, sizeof(out), XL " destroy %s 2>&1", DOMU_IO), 0)
		TH_LOG("xl destroy: %s", out);
	expect_nothing_left(_metadata, d->domid);
	TH_LOG("d%u destroyed under load, gone and cleaned up in %.1fs",
	       d->domid, now_s() - t);
}

/* Before the first domU of these tests: what dom0 must come back to. */
TEST_F_TIMEOUT(io, start, 300)
{
	start_domu(_metadata, &self->d, &self->before);
}

TEST_F_TIMEOUT(io, disk_with_persistent_grants, 600)
{
	NEED_DOMU();
	disk_roundtrip(_metadata, &self->d, 0, 11, XFER_MB);
}

TEST_F_TIMEOUT(io, disk_without_persistent_grants, 600)
{
	NEED_DOMU();
	disk_roundtrip(_metadata, &self->d, 1, 12, XFER_MB);
}

/* Small packets (grant copies only) and large ones (maps too). */
TEST_F_TIMEOUT(io, net_ping_sizes, 120)
{
	static const unsigned int sizes[] = { 56, 1400, 8000, 30000 };
	char out[1024], stats[256];
	unsigned int i;

	NEED_DOMU();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		EXPECT_TRUE(ping_all(out, sizeof(out), 5, sizes[i], 10))
			TH_LOG("ping -s %u: %s", sizes[i], out);
	vif_stats(&self->d, stats, sizeof(stats));
	TH_LOG("vif%u.0: %s", self->d.domid, stats);
}

TEST_F_TIMEOUT(io, net_tcp_both_ways, 600)
{
	char stats[256];

	NEED_DOMU();
	net_to_dom0(_metadata, &self->d, 21, NET_MB);
	net_to_domu(_metadata, &self->d, 22, NET_MB);
	vif_stats(&self->d, stats, sizeof(stats));
	TH_LOG("vif%u.0: %s", self->d.domid, stats);
}

/* Half of blkback's maps held back (xvdb: no persistent grants). */
TEST_F_TIMEOUT(io, eagain_blkback_map, 900)
{
	long held;

	INJECT_OR_SKIP(50, "xen_blkif_schedule", NOT_SOFTIRQ);
	disk_roundtrip(_metadata, &self->d, 1, 31, XFER_MB);
	INJECT_STOP(held);
	expect_no_io_error(_metadata, &self->d);
	EXPECT_GT(held, 0) TH_LOG("no blkback map was held back");
	TH_LOG("blkback (kthread): %ld map hold-backs", held);
}

/* Half of netback's tx copies (NAPI, softirq) held back. */
TEST_F_TIMEOUT(io, eagain_netback_tx_copy, 900)
{
	long held, trouble;

	INJECT_OR_SKIP(50, "gnttab_batch_copy_nosleep", NULL);
	/* The vif's error counters, read once its domU is there. */
	trouble = vif_trouble(&self->d);
	ASSERT_GE(trouble, 0) TH_LOG("no error counters of the vif");
	net_to_dom0(_metadata, &self->d, 32, NET_MB);
	INJECT_STOP(held);
	EXPECT_GT(held, 0) TH_LOG("no netback tx copy was held back");
	EXPECT_EQ(vif_trouble(&self->d), trouble) TH_LOG("the vif dropped packets");
	TH_LOG("netback tx (NAPI): %ld copy hold-backs", held);
}

/* Half of netback's tx maps (NAPI, softirq) held back. */
TEST_F_TIMEOUT(io, eagain_netback_tx_map, 900)
{
	long held, trouble;

	INJECT_OR_SKIP(50, "gnttab_map_refs_nosleep", NULL);
	/* The vif's error counters, read once its domU is there. */
	trouble = vif_trouble(&self->d);
	ASSERT_GE(trouble, 0) TH_LOG("no error counters of the vif");
	net_to_dom0(_metadata, &self->d, 33, NET_MB);
	INJECT_STOP(held);
	EXPECT_GT(held, 0) TH_LOG("no netback tx map was held back");
	EXPECT_EQ(vif_trouble(&self->d), trouble) TH_LOG("the vif dropped packets");
	TH_LOG("netback tx (NAPI): %ld map hold-backs", held);
}

/* Half of netback's rx copies (its kthread) held back. */
TEST_F_TIMEOUT(io, eagain_netback_rx_copy, 900)
{
	long held, trouble;

	INJECT_OR_SKIP(50, "xenvif_kthread_guest_rx", NOT_SOFTIRQ);
	/* The vif's error counters, read once its domU is there. */
	trouble = vif_trouble(&self->d);
	ASSERT_GE(trouble, 0) TH_LOG("no error counters of the vif");
	net_to_domu(_metadata, &self->d, 34, NET_MB);
	INJECT_STOP(held);
	EXPECT_GT(held, 0) TH_LOG("no netback rx copy was held back");
	EXPECT_EQ(vif_trouble(&self->d), trouble) TH_LOG("the vif dropped packets");
	TH_LOG("netback rx (kthread): %ld copy hold-backs", held);
}

/* Half of every grant op of dom0 held back, on every path at once. */
TEST_F_TIMEOUT(io, eagain_everywhere, 900)
{
	long held, trouble;

	INJECT_OR_SKIP(50, NULL, NULL);
	/* The vif's error counters, read once its domU is there. */
	trouble = vif_trouble(&self->d);
	ASSERT_GE(trouble, 0) TH_LOG("no error counters of the vif");
	disk_roundtrip(_metadata, &self->d, 1, 35, XFER_MB / 2);
	net_to_dom0(_metadata, &self->d, 36, NET_MB / 2);
	net_to_domu(_metadata, &self->d, 37, NET_MB / 2);
	INJECT_STOP(held);
	expect_no_io_error(_metadata, &self->d);
	EXPECT_EQ(vif_trouble(&self->d), trouble) TH_LOG("the vif dropped packets");
	EXPECT_GT(held, 0) TH_LOG("no op was held back");
	TH_LOG("every path: %ld hold-backs", held);
}

/*
 * Every blkback map held back for longer than the deadline: the write
 * fails to the guest with an I/O error, and the disk works again once
 * the frames "are paged in".
 */
TEST_F_TIMEOUT(io, deadline_blkback, 300)
{
	char out[1024];
	double t, failed;
	long held;
	bool ok;

	INJECT_OR_SKIP(100, "xen_blkif_schedule", NOT_SOFTIRQ);
	t = now_s();
	ok = domu_sh(&self->d, out, sizeof(out), 120,
		     "dd if=/dev/zero of=/dev/xvdb bs=4k count=1 seek=1000 oflag=direct 2>&1");
	failed = now_s() - t;
	INJECT_STOP(held);
	EXPECT_FALSE(ok) TH_LOG("the write succeeded: %s", out);
	EXPECT_NE(strstr(out, " exit "), NULL) TH_LOG("no answer: %s", out);
	EXPECT_GT(held, 0) TH_LOG("no blkback map was held back");
	EXPECT_GE(failed, DEADLINE_S)
		TH_LOG("the write failed after %.1fs, before the deadline", failed);
	t = now_s();
	EXPECT_TRUE(domu_sh(&self->d, out, sizeof(out), 60,
			    "dd if=/dev/zero of=/dev/xvdb bs=4k count=1 seek=1000 oflag=direct 2>&1"))
		TH_LOG("the disk does not recover: %s", out);
	TH_LOG("blkback: the write failed after %.1fs (%ld map hold-backs), the next one took %.2fs",
	       failed, held, now_s() - t);
	EXPECT_TRUE(domu_sh(&self->d, out, sizeof(out), 30,
			    "dmesg | grep 'I/O error, dev xvdb'"))
		TH_LOG("the guest logged no I/O error: %s", out);
}

/*
 * Every netback tx op held back for longer than the deadline: the
 * domU's packets are dropped, and the vif carries traffic again at once
 * after.
 */
TEST_F_TIMEOUT(io, deadline_netback_tx, 300)
{
	char out[1024], stats[256], *p;
	unsigned int sent = 0, got = 0;
	double t;
	long held;
	int i;

	INJECT_OR_SKIP(100, "xenvif_tx_action", NULL);
	domu_sh(&self->d, out, sizeof(out), 120,
		"ping -q -c 40 -W 5 10.0.0.1 2>&1 | grep 'packets transmitted'");
	INJECT_STOP(held);
	t = now_s();
	for (i = 0; i < 60; i++)
		if (ping_all(stats, sizeof(stats), 1, 56, 1))
			break;
	t = now_s() - t;
	p = strstr(out, ": ");
	EXPECT_EQ(sscanf(p ? p + 2 : out, "%u packets transmitted, %u", &sent,
			 &got), 2) TH_LOG("the domU's ping: %s", out);
	EXPECT_GT(sent, got) TH_LOG("no packet was dropped: %s", out);
	EXPECT_LT(i, 60) TH_LOG("the vif does not recover");
	EXPECT_GT(held, 0) TH_LOG("no netback tx op was held back");
	vif_stats(&self->d, stats, sizeof(stats));
	TH_LOG("netback tx: %u of %u pings dropped (%ld hold-backs); replies again after %.2fs; vif%u.0: %s",
	       sent - got, sent, held, t, self->d.domid, stats);
}

TEST_F_TIMEOUT(io, disk_and_net_after_deadlines, 600)
{
	NEED_DOMU();
	disk_roundtrip(_metadata, &self->d, 1, 38, 8);
	net_to_dom0(_metadata, &self->d, 39, 4);
}

/* The domU goes in the middle of disk and network traffic. */
TEST_F_TIMEOUT(io, destroy_under_load, 300)
{
	NEED_DOMU();
	destroy_under_load(_metadata, &self->d, self->pids);
	self->d.domid = 0;
}

/* The same with half of every grant op held back. */
TEST_F_TIMEOUT(io, destroy_under_load_eagain, 600)
{
	long held;

	if (!can_inject())
		SKIP(return, "no fail_grant_eagain with a stack trace filter");
	start_domu(_metadata, &self->d, &self->before);
	INJECT_OR_SKIP(50, NULL, NULL);
	destroy_under_load(_metadata, &self->d, self->pids);
	self->d.domid = 0;
	INJECT_STOP(held);
	EXPECT_GT(held, 0) TH_LOG("no op was held back");
	TH_LOG("%ld hold-backs", held);
}

/* Another domU works after the teardowns, and goes without a trace. */
TEST_F_TIMEOUT(io, second_domu, 600)
{
	unsigned int domid;
	char out[1024];

	start_domu(_metadata, &self->d, &self->before);
	disk_roundtrip(_metadata, &self->d, 0, 41, 8);
	disk_roundtrip(_metadata, &self->d, 1, 42, 8);
	net_to_dom0(_metadata, &self->d, 43, 4);
	net_to_domu(_metadata, &self->d, 44, 4);
	domid = self->d.domid;
	self->d.domid = 0;
	EXPECT_EQ(runf(out, sizeof(out), XL " destroy %s 2>&1", DOMU_IO), 0)
		TH_LOG("xl destroy: %s", out);
	expect_nothing_left(_metadata, domid);
}

TEST_HARNESS_MAIN
