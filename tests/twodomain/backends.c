// SPDX-License-Identifier: GPL-2.0
/*
 * Real backend traffic between dom0 and a PV domU: blkback and netback,
 * with and without held-back grant ops (fail_grant_eagain).
 *
 * The domU "gnttest-io" (tests/twodomain/domu-init with gnttest.io=1)
 * runs the series' kernel with blkfront and netfront; dom0 gives it two
 * disks on loop devices over files in its tmpfs, xvda with persistent
 * grants and xvdb without (blkback maps every segment of every request
 * then), and a vif (10.0.0.1 in dom0, 10.0.0.2 in the domU).  xl's
 * hotplug scripts are bash: tests/twodomain/xentest-block and
 * xentest-vif do what ours need in busybox sh.  dom0 runs commands in
 * the domU through gntshare's "sh" command; tests/twodomain/xtool.c
 * makes the same pseudo-random streams on both sides, and md5sums of
 * what crossed a backend are compared with the stream's own.
 *
 * fail_grant_eagain is aimed at one path at a time with the fault
 * injection stack trace filter (require-start/-end: the address range of
 * one function of /proc/kallsyms), so that the ops it held back (the
 * drop of its "times") were that path's: blkback's maps (its kthread,
 * xen_blkif_schedule), netback's tx copies and maps (NAPI, softirq:
 * gnttab_batch_copy_nosleep, gnttab_map_refs_nosleep) and its rx copies
 * (its kthread, xenvif_kthread_guest_rx).  Kernels without the
 * attribute (the stock base) skip those tests.
 *
 * Every test checks Xen's active grant entries: back to the test's
 * starting count afterwards.  The last tests destroy the domU in the
 * middle of traffic, start another and check that nothing is left.
 *
 * A harness test of tests/ (scripts/mkinitramfs-xl.sh), with the
 * kernel's kselftest_harness.h; it runs after twodomain.c, whose last
 * test leaves dom0 alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "domu.h"
#include "kselftest_harness.h"

#define DOMU_IO		"gnttest-io"
#define IO_CFG		"/etc/xen/" DOMU_IO ".cfg"
#define BASELINE	RUN_DIR "io-baseline"	/* before the first domU */
#define DISK_MB		64
#define XFER_MB		32	/* per disk test: tens of MiB, indirect */
#define NET_MB		16	/* per direction */
#define FAIL_DIR	"/sys/kernel/debug/fail_grant_eagain/"
#define FAIL_TIMES	100000000L
#define DEADLINE_S	32	/* GNTTAB_EAGAIN_TIMEOUT */

static const char *const disks[] = { "xvda", "xvdb" };
static const char *const loops[] = { "/dev/loop0", "/dev/loop1" };

/* Write @val to file @path; 0 or -1. */
static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static long read_long(const char *path)
{
	char *val = read_file(path);

	return val ? strtol(val, NULL, 0) : -1;
}

/* Like run(), with a printf-style command line; its exit status. */
static int runf(char *out, size_t size, const char *fmt, ...)
{
	char *cmd;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -1;
	ret = run(cmd, out, size);
	free(cmd);
	return ret;
}

/* "sh" command for the domU, printf-style; true if it exited 0. */
static bool domu_sh(const struct domu *d, char *result, size_t size,
		    int secs, const char *fmt, ...)
{
	char *cmd, *line;
	va_list ap;
	bool ok;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (ret < 0 || asprintf(&cmd, "sh %s", line) < 0)
		return false;
	free(line);
	ok = domu_command_wait(d, cmd, result, size, secs);
	free(cmd);
	return ok;
}

/* The md5sum of @mb MiB of stream @seed, as computed in dom0. */
static int stream_md5(unsigned int seed, unsigned int mb, char *md5)
{
	char out[128];

	if (runf(out, sizeof(out), "xtool gen %u %u | md5sum", seed,
		 mb << 20) || strlen(out) < 32)
		return -1;
	memcpy(md5, out, 32);
	md5[32] = '\0';
	return 0;
}

/* The first md5sum in @text, which the domU's result ends with. */
static bool has_md5(const char *text, const char *md5)
{
	return strstr(text, md5) != NULL;
}

/* ------------------------------------------------------------------ */
/* fail_grant_eagain, aimed with the stack trace filter */

struct aim {
	const char *what;
	unsigned long start, end;
};

/* The text of function @sym: from its address to the next symbol's. */
static int aim_at(const char *sym, struct aim *a)
{
	unsigned long addr, start = 0, end = ULONG_MAX;
	char type, name[256], line[512];
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %c %255s", &addr, &type, name) == 3 &&
		    !strcmp(name, sym) && (type == 't' || type == 'T'))
			start = addr;
	rewind(f);
	while (start && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx", &addr) == 1 && addr > start &&
		    addr < end)
			end = addr;
	fclose(f);
	if (!start || end == ULONG_MAX)
		return -1;
	a->what = sym;
	a->start = start;
	a->end = end;
	return 0;
}

static bool can_inject(void)
{
	return !access(FAIL_DIR "probability", W_OK) &&
	       !access(FAIL_DIR "require-start", W_OK);
}

static int fail_set(const char *attr, unsigned long val)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), FAIL_DIR "%s", attr);
	snprintf(buf, sizeof(buf), "%#lx", val);
	return write_file(path, buf);
}

/*
 * Hold back @percent of the grant ops whose stack passes through @a (all
 * of them if @a is NULL), in any context: no task filter, no stack dump.
 */
static int inject(unsigned int percent, const struct aim *a)
{
	return fail_set("probability", 0) || fail_set("verbose", 0) ||
	       write_file(FAIL_DIR "task-filter", "N") ||
	       fail_set("interval", 1) || fail_set("space", 0) ||
	       fail_set("reject-start", 0) || fail_set("reject-end", 0) ||
	       fail_set("require-start", a ? a->start : 0) ||
	       fail_set("require-end", a ? a->end : ULONG_MAX) ||
	       fail_set("stacktrace-depth", 32) ||
	       fail_set("times", FAIL_TIMES) ||
	       fail_set("probability", percent);
}

/* Stop injecting; how many ops were held back since inject(). */
static long inject_stop(void)
{
	long left;

	if (fail_set("probability", 0))
		return -1;
	left = read_long(FAIL_DIR "times");
	return left < 0 ? -1 : FAIL_TIMES - left;
}

/* ------------------------------------------------------------------ */
/* The domU and its devices */

static int xl_create_io(char *out, size_t size)
{
	FILE *f = fopen(IO_CFG, "w");

	if (!f)
		return -1;
	fprintf(f, "name = \"%s\"\n"
		"type = \"pv\"\n"
		"kernel = \"/domu/vmlinuz\"\n"
		"ramdisk = \"/domu/initramfs.gz\"\n"
		"extra = \"console=hvc0 kunit.enable=0 gnttest.pages=0 gnttest.io=1\"\n"
		"memory = 160\n"
		"vcpus = 1\n"
		"on_crash = \"preserve\"\n"
		"disk = [ 'format=raw,vdev=xvda,access=rw,backendtype=phy,"
		"script=xentest-block,target=%s' ]\n"
		"vif = [ 'mac=00:16:3e:00:00:02,script=xentest-vif' ]\n",
		DOMU_IO, loops[0]);
	fclose(f);
	return runf(out, size, XL " create " IO_CFG " 2>&1");
}

/* Wait for gntshare's "ready" in the domU that xl just created. */
static int io_find(struct domu *d, int secs)
{
	char out[64], path[96];
	int i;

	memset(d, 0, sizeof(*d));
	d->name = DOMU_IO;
	if (run(XL " domid " DOMU_IO " 2>/dev/null", out, sizeof(out)) ||
	    sscanf(out, "%u", &d->domid) != 1)
		return -1;
	for (i = 0; i < secs * 2; i++) {
		snprintf(path, sizeof(path), "xenstore-read /local/domain/%u/data/gnttest/result 2>/dev/null",
			 d->domid);
		if (!run(path, out, sizeof(out)))
			return 0;
		usleep(500 * 1000);
	}
	return -1;
}

/*
 * A fresh domU with xvda (persistent grants) and xvdb (none: blkback
 * reads its feature_persistent when the frontend connects), blank disks.
 */
static void start_domu(struct __test_metadata *_metadata, struct domu *d)
{
	char out[2048];
	int i;

	for (i = 0; i < 2; i++) {
		runf(out, sizeof(out), "losetup -d %s 2>/dev/null", loops[i]);
		ASSERT_EQ(runf(out, sizeof(out),
			       "rm -f /tmp/%s.img && truncate -s %uM /tmp/%s.img && losetup %s /tmp/%s.img 2>&1",
			       disks[i], DISK_MB, disks[i], loops[i], disks[i]), 0)
			TH_LOG("loop device: %s", out);
	}
	ASSERT_EQ(write_file("/sys/module/xen_blkback/parameters/feature_persistent", "Y"), 0);
	ASSERT_EQ(xl_create_io(out, sizeof(out)), 0) TH_LOG("xl create: %s", out);
	ASSERT_EQ(io_find(d, 120), 0) TH_LOG("%s did not come up", DOMU_IO);
	ASSERT_EQ(write_file("/sys/module/xen_blkback/parameters/feature_persistent", "N"), 0);
	i = runf(out, sizeof(out),
		 XL " block-attach %s 'format=raw,vdev=xvdb,access=rw,backendtype=phy,script=xentest-block,target=%s' 2>&1",
		 DOMU_IO, loops[1]);
	if (!i)
		domu_sh(d, out, sizeof(out), 60,
			"i=0; while [ ! -b /dev/xvdb ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done; test -b /dev/xvdb");
	write_file("/sys/module/xen_blkback/parameters/feature_persistent", "Y");
	ASSERT_EQ(i, 0) TH_LOG("xl block-attach: %s", out);
	EXPECT_TRUE(domu_sh(d, out, sizeof(out), 30,
			    "dmesg | grep -E 'blkfront: xvd[ab]:'; ping -c 1 -W 5 10.0.0.1"))
		TH_LOG("the domU's devices: %s", out);
	TH_LOG("%s is d%u: %s", DOMU_IO, d->domid, out);
}

/* The domU the fixture works with: as start_domu() left it. */
static int io_current(struct domu *d)
{
	return io_find(d, 1);
}

/* blkback's counters of one disk: "rd_req wr_req rd_sect wr_sect". */
static void vbd_stats(const struct domu *d, int disk, char *buf, size_t size)
{
	static const char *const names[] = { "rd_req", "wr_req", "rd_sect", "wr_sect" };
	char path[160];
	size_t n = 0;
	unsigned int i;

	/* xvda is device 51712, xvdb 51728 */
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path),
			 "/sys/bus/xen-backend/devices/vbd-%u-%d/statistics/%s",
			 d->domid, 51712 + 16 * disk, names[i]);
		n += snprintf(buf + n, size - n, "%s%s %ld", i ? ", " : "",
			      names[i], read_long(path));
	}
}

/*
 * The domU writes @mb MiB of stream @seed to disk @disk with O_DIRECT,
 * drops its caches and reads it back; the md5sums of the read-back
 * stream and of the loop device's file in dom0 must be the stream's.
 */
static void disk_roundtrip(struct __test_metadata *_metadata,
			   const struct domu *d, int disk, unsigned int seed,
			   unsigned int mb)
{
	char md5[33], out[1024], stats[256];
	time_t t = time(NULL);

	ASSERT_EQ(stream_md5(seed, mb, md5), 0);
	EXPECT_TRUE(domu_sh(d, out, sizeof(out), 600,
			    "xtool gen %u %u | dd of=/dev/%s bs=1M oflag=direct 2>&1 && sync && echo 3 >/proc/sys/vm/drop_caches && dd if=/dev/%s bs=1M count=%u iflag=direct 2>/dev/null | md5sum",
			    seed, mb << 20, disks[disk], disks[disk], mb))
		TH_LOG("%s in the domU: %s", disks[disk], out);
	EXPECT_TRUE(has_md5(out, md5))
		TH_LOG("%s reads back wrong in the domU: %s, stream %s",
		       disks[disk], out, md5);
	t = time(NULL) - t;
	EXPECT_EQ(runf(out, sizeof(out), "dd if=/tmp/%s.img bs=1M count=%u 2>/dev/null | md5sum",
		       disks[disk], mb), 0);
	EXPECT_TRUE(has_md5(out, md5))
		TH_LOG("dom0's image of %s differs: %s, stream %s",
		       disks[disk], out, md5);
	vbd_stats(d, disk, stats, sizeof(stats));
	TH_LOG("%s: %u MiB written and read back in %lds, md5 %s; blkback: %s",
	       disks[disk], mb, (long)t, md5, stats);
}

/* The vif's counters in dom0, as "rx_bytes tx_bytes rx_dropped ...". */
static void vif_stats(const struct domu *d, char *buf, size_t size)
{
	static const char *const names[] = {
		"rx_bytes", "tx_bytes", "rx_dropped", "tx_dropped",
		"rx_errors", "tx_errors",
	};
	char path[160];
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "/sys/class/net/vif%u.0/statistics/%s",
			 d->domid, names[i]);
		n += snprintf(buf + n, size - n, "%s%s %ld", i ? ", " : "",
			      names[i], read_long(path));
	}
}

/* @mb MiB of stream @seed from the domU to dom0 over TCP (netback tx). */
static void net_to_dom0(struct __test_metadata *_metadata,
			const struct domu *d, unsigned int seed,
			unsigned int mb)
{
	char md5[33], got[128], out[1024];
	FILE *recv;
	time_t t;

	ASSERT_EQ(stream_md5(seed, mb, md5), 0);
	recv = popen("xtool recv 5001 | md5sum", "r");
	ASSERT_NE(recv, NULL);
	t = time(NULL);
	EXPECT_TRUE(domu_sh(d, out, sizeof(out), 600,
			    "xtool gen %u %u | xtool send 10.0.0.1 5001", seed,
			    mb << 20))
		TH_LOG("sending from the domU: %s", out);
	got[0] = '\0';
	if (!fgets(got, sizeof(got), recv))
		got[0] = '\0';
	pclose(recv);
	t = time(NULL) - t;
	EXPECT_TRUE(has_md5(got, md5))
		TH_LOG("dom0 received %s, stream %s", got, md5);
	TH_LOG("domU -> dom0: %u MiB in %lds, md5 %s", mb, (long)t, md5);
}

/* ... and from dom0 to the domU (netback rx). */
static void net_to_domu(struct __test_metadata *_metadata,
			const struct domu *d, unsigned int seed,
			unsigned int mb)
{
	char md5[33], out[1024];
	time_t t;

	ASSERT_EQ(stream_md5(seed, mb, md5), 0);
	ASSERT_TRUE(domu_sh(d, out, sizeof(out), 30,
			    "rm -f /tmp/rx.md5; (xtool recv 5002 | md5sum >/tmp/rx.part; mv /tmp/rx.part /tmp/rx.md5) >/dev/null 2>&1 &"))
		TH_LOG("starting the receiver in the domU: %s", out);
	t = time(NULL);
	EXPECT_EQ(runf(out, sizeof(out), "xtool gen %u %u | xtool send 10.0.0.2 5002 2>&1",
		       seed, mb << 20), 0)
		TH_LOG("sending from dom0: %s", out);
	EXPECT_TRUE(domu_sh(d, out, sizeof(out), 120,
			    "i=0; while [ ! -f /tmp/rx.md5 ] && [ $i -lt 500 ]; do sleep 0.2; i=$((i+1)); done; cat /tmp/rx.md5"))
		TH_LOG("the domU's receiver: %s", out);
	t = time(NULL) - t;
	EXPECT_TRUE(has_md5(out, md5))
		TH_LOG("the domU received %s, stream %s", out, md5);
	TH_LOG("dom0 -> domU: %u MiB in %lds, md5 %s", mb, (long)t, md5);
}

/* busybox ping with a payload pattern; true if every reply came. */
static bool ping_all(char *out, size_t size, unsigned int count,
		     unsigned int bytes)
{
	return !runf(out, size, "ping -q -c %u -s %u -p a5 -W 10 10.0.0.2 2>&1 | grep -q ' 0%% packet loss'",
		     count, bytes);
}

FIXTURE(io)
{
	struct domu d;
	struct grants before;
	bool injecting;
};

/* The domU that io.start started, if it is there. */
FIXTURE_SETUP(io)
{
	self->injecting = false;
	if (io_current(&self->d)) {
		self->d.domid = 0;
		return;
	}
	ASSERT_EQ(read_grants_settled(&self->d, &self->before), 0);
}

#define NEED_DOMU() ASSERT_NE(self->d.domid, 0) TH_LOG("no %s", DOMU_IO)

FIXTURE_TEARDOWN(io)
{
	struct grants after;

	if (self->injecting)
		inject_stop();
	if (!self->d.domid)
		return;
	ASSERT_EQ(read_grants_settled(&self->d, &after), 0);
	EXPECT_EQ(after.domu, self->before.domu)
		TH_LOG("the domU's table: %ld active entries, %ld before",
		       after.domu, self->before.domu);
	EXPECT_EQ(after.total, self->before.total);
	TH_LOG("grants before: " GRANTS_FMT "; after: " GRANTS_FMT,
	       GRANTS_ARGS(&self->before, &self->d),
	       GRANTS_ARGS(&after, &self->d));
}

/* Nothing of domain @domid is left; dom0 is back to BASELINE. */
static void expect_nothing_left(struct __test_metadata *_metadata,
				unsigned int domid)
{
	char list[1024], out[1024];
	long total = -1, mem = -1, now = -1;
	struct grants g;
	char *val;
	int i;

	EXPECT_TRUE(domain_gone(domid, 90, list, sizeof(list)))
		TH_LOG("d%u is still there after 90 s:\n%s", domid, list);
	val = read_file(BASELINE);
	ASSERT_NE(val, NULL);
	ASSERT_EQ(sscanf(val, "%ld %ld", &total, &mem), 2);
	ASSERT_EQ(read_grants_settled(NULL, &g), 0);
	EXPECT_EQ(g.total, total)
		TH_LOG("Xen holds %ld active grant entries, %ld before the domU",
		       g.total, total);
	/* The balloon driver gives pages back from a worker: wait for it. */
	for (i = 0; i < 40; i++) {
		now = memtotal_kb();
		if (now == mem)
			break;
		usleep(500 * 1000);
	}
	EXPECT_EQ(now, mem)
		TH_LOG("dom0's MemTotal is %ld kB, %ld kB before", now, mem);
	EXPECT_EQ(runf(out, sizeof(out), "ls -d /sys/class/net/vif%u.* 2>/dev/null", domid), 256)
		TH_LOG("netback's interfaces of d%u are left: %s", domid, out);
	EXPECT_NE(runf(out, sizeof(out),
		       "xenstore-list /local/domain/0/backend/vbd/%u 2>/dev/null || xenstore-list /local/domain/0/backend/vif/%u 2>/dev/null",
		       domid, domid), 0)
		TH_LOG("backend nodes of d%u are left: %s", domid, out);
	EXPECT_EQ(domu_log_trouble(DOMU_IO), 0);
}

/*
 * Traffic in both directions and on both disks, then `xl destroy` in
 * the middle of it: the backends must let go of everything.
 */
static void destroy_under_load(struct __test_metadata *_metadata,
			       const struct domu *d)
{
	char out[1024], pid[32];
	time_t t;

	ASSERT_EQ(run("(xtool recv 5003 >/dev/null 2>&1 & echo $!)", pid,
		      sizeof(pid)), 0);
	ASSERT_TRUE(domu_sh(d, out, sizeof(out), 30,
			    "(xtool gen 5 2000000000 | xtool send 10.0.0.1 5003) >/dev/null 2>&1 &"
			    " (xtool recv 5004 >/dev/null) >/dev/null 2>&1 &"
			    " for disk in xvda xvdb; do (while :; do xtool gen 6 16777216 | dd of=/dev/$disk bs=1M oflag=direct; dd if=/dev/$disk bs=1M count=16 iflag=direct; done) >/dev/null 2>&1 & done"))
		TH_LOG("starting the load: %s", out);
	runf(out, sizeof(out), "(xtool gen 7 2000000000 | xtool send 10.0.0.2 5004) >/dev/null 2>&1 &");
	sleep(8);
	t = time(NULL);
	EXPECT_EQ(runf(out, sizeof(out), XL " destroy %s 2>&1", DOMU_IO), 0)
		TH_LOG("xl destroy: %s", out);
	expect_nothing_left(_metadata, d->domid);
	TH_LOG("d%u destroyed under load, gone and cleaned up in %lds",
	       d->domid, (long)(time(NULL) - t));
	runf(out, sizeof(out), "kill %s; pkill -f 'xtool send 10.0.0.2'", pid);
}

/* Before the first domU of these tests: what dom0 must come back to. */
TEST_F_TIMEOUT(io, start, 300)
{
	struct grants g;
	FILE *f;

	ASSERT_EQ(read_grants_settled(NULL, &g), 0);
	f = fopen(BASELINE, "w");
	ASSERT_NE(f, NULL);
	fprintf(f, "%ld %ld\n", g.total, memtotal_kb());
	fclose(f);
	start_domu(_metadata, &self->d);
	ASSERT_EQ(read_grants_settled(&self->d, &self->before), 0);
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

TEST_F_TIMEOUT(io, net_ping_sizes, 120)
{
	static const unsigned int sizes[] = { 56, 1400, 8000, 30000 };
	char out[1024], stats[256];
	unsigned int i;

	NEED_DOMU();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		EXPECT_TRUE(ping_all(out, sizeof(out), 5, sizes[i]))
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

/*
 * Hold back @percent of the ops whose stack passes through function
 * @sym (every op if @sym is NULL) until inject_stop(); skip the test
 * on a kernel without fail_grant_eagain or the stack trace filter.
 */
#define INJECT_OR_SKIP(percent, sym) do {				\
	struct aim __a;							\
									\
	if (!can_inject())						\
		SKIP(return, "no fail_grant_eagain with a stack trace filter"); \
	NEED_DOMU();							\
	if (sym)							\
		ASSERT_EQ(aim_at(sym, &__a), 0)				\
			TH_LOG("no %s in /proc/kallsyms", (char *)sym);	\
	ASSERT_EQ(inject(percent, sym ? &__a : NULL), 0)		\
		TH_LOG("setting up fail_grant_eagain: %m");		\
	self->injecting = true;						\
} while (0)

/* Stop injecting: the number of ops held back, in @held. */
#define INJECT_STOP(held) do {						\
	held = inject_stop();						\
	self->injecting = false;					\
} while (0)

/* Half of blkback's maps held back (xvdb: no persistent grants). */
TEST_F_TIMEOUT(io, eagain_blkback_map, 900)
{
	long held;

	INJECT_OR_SKIP(50, "xen_blkif_schedule");
	disk_roundtrip(_metadata, &self->d, 1, 31, XFER_MB);
	INJECT_STOP(held);
	EXPECT_GT(held, 0) TH_LOG("no blkback map was held back");
	TH_LOG("blkback (kthread): %ld map ops held back", held);
}

/* Half of netback's tx copies (NAPI, softirq) held back. */
TEST_F_TIMEOUT(io, eagain_netback_tx_copy, 900)
{
	long held;

	INJECT_OR_SKIP(50, "gnttab_batch_copy_nosleep");
	net_to_dom0(_metadata, &self->d, 32, NET_MB);
	INJECT_STOP(held);
	EXPECT_GT(held, 0) TH_LOG("no netback tx copy was held back");
	TH_LOG("netback tx (NAPI): %ld copy ops held back", held);
}

/* Half of netback's tx maps (NAPI, softirq) held back. */
TEST_F_TIMEOUT(io, eagain_netback_tx_map, 900)
{
	long held;

	INJECT_OR_SKIP(50, "gnttab_map_refs_nosleep");
	net_to_dom0(_metadata, &self->d, 33, NET_MB);
	INJECT_STOP(held);
	EXPECT_GT(held, 0) TH_LOG("no netback tx map was held back");
	TH_LOG("netback tx (NAPI): %ld map ops held back", held);
}

/* Half of netback's rx copies (its kthread) held back. */
TEST_F_TIMEOUT(io, eagain_netback_rx_copy, 900)
{
	long held;

	INJECT_OR_SKIP(50, "xenvif_kthread_guest_rx");
	net_to_domu(_metadata, &self->d, 34, NET_MB);
	INJECT_STOP(held);
	EXPECT_GT(held, 0) TH_LOG("no netback rx copy was held back");
	TH_LOG("netback rx (kthread): %ld copy ops held back", held);
}

/* Half of every grant op of dom0 held back, on every path at once. */
TEST_F_TIMEOUT(io, eagain_everywhere, 900)
{
	long held;

	INJECT_OR_SKIP(50, NULL);
	disk_roundtrip(_metadata, &self->d, 1, 35, XFER_MB / 2);
	net_to_dom0(_metadata, &self->d, 36, NET_MB / 2);
	net_to_domu(_metadata, &self->d, 37, NET_MB / 2);
	INJECT_STOP(held);
	EXPECT_GT(held, 0);
	TH_LOG("everywhere: %ld ops held back", held);
}

/*
 * Every blkback map held back for longer than the deadline: the write
 * fails to the guest with an I/O error, and the disk works again once
 * the frame is "paged in".
 */
TEST_F_TIMEOUT(io, deadline_blkback, 300)
{
	char out[1024];
	time_t t, failed;
	long held;
	bool ok;

	INJECT_OR_SKIP(100, "xen_blkif_schedule");
	t = time(NULL);
	ok = domu_sh(&self->d, out, sizeof(out), 120,
		     "dd if=/dev/zero of=/dev/xvdb bs=4k count=1 seek=1000 oflag=direct 2>&1");
	failed = time(NULL) - t;
	INJECT_STOP(held);
	EXPECT_FALSE(ok) TH_LOG("the write succeeded: %s", out);
	EXPECT_GE(failed, DEADLINE_S)
		TH_LOG("the write failed after %lds, before the deadline", (long)failed);
	t = time(NULL);
	EXPECT_TRUE(domu_sh(&self->d, out, sizeof(out), 60,
			    "dd if=/dev/zero of=/dev/xvdb bs=4k count=1 seek=1000 oflag=direct 2>&1"))
		TH_LOG("the disk does not recover: %s", out);
	TH_LOG("blkback: the write failed after %lds (%ld map ops held back), the next one took %lds",
	       (long)failed, held, (long)(time(NULL) - t));
	EXPECT_TRUE(domu_sh(&self->d, out, sizeof(out), 30,
			    "dmesg | grep -c 'I/O error, dev xvdb'"))
		TH_LOG("the guest logged no I/O error: %s", out);
}

/*
 * Every netback tx op held back for longer than the deadline: the
 * domU's packets are dropped, and the vif carries traffic again at once
 * after.
 */
TEST_F_TIMEOUT(io, deadline_netback_tx, 300)
{
	char out[1024], stats[256];
	unsigned int sent = 0, got = 0;
	struct timespec a, b;
	long held;
	int i;

	INJECT_OR_SKIP(100, "xenvif_tx_action");
	domu_sh(&self->d, out, sizeof(out), 120,
		"ping -q -c 40 -W 5 10.0.0.1 2>&1 | grep 'packets transmitted'");
	INJECT_STOP(held);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < 100; i++)
		if (ping_all(stats, sizeof(stats), 1, 56))
			break;
	clock_gettime(CLOCK_MONOTONIC, &b);
	sscanf(strstr(out, "exit") ? strchr(strstr(out, "exit"), ':') + 1 : out,
	       "%u packets transmitted, %u", &sent, &got);
	EXPECT_GT(sent, got) TH_LOG("no packet was dropped: %s", out);
	EXPECT_LT(i, 100) TH_LOG("the vif does not recover");
	vif_stats(&self->d, stats, sizeof(stats));
	TH_LOG("netback tx: %u of %u pings dropped (%ld ops held back); replies again after %.2fs; vif%u.0: %s",
	       sent - got, sent, held,
	       (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9,
	       self->d.domid, stats);
}

TEST_F_TIMEOUT(io, net_and_disk_after_deadlines, 600)
{
	NEED_DOMU();
	disk_roundtrip(_metadata, &self->d, 1, 38, 8);
	net_to_dom0(_metadata, &self->d, 39, 4);
}

/* The domU goes in the middle of disk and network traffic. */
TEST_F_TIMEOUT(io, destroy_under_load, 300)
{
	NEED_DOMU();
	destroy_under_load(_metadata, &self->d);
	self->d.domid = 0;
}

/* The same with half of every grant op held back. */
TEST_F_TIMEOUT(io, destroy_under_load_eagain, 600)
{
	long held;

	if (!can_inject())
		SKIP(return, "no fail_grant_eagain with a stack trace filter");
	start_domu(_metadata, &self->d);
	INJECT_OR_SKIP(50, NULL);
	destroy_under_load(_metadata, &self->d);
	self->d.domid = 0;
	INJECT_STOP(held);
	EXPECT_GT(held, 0);
	TH_LOG("%ld ops held back", held);
}

/* Another domU works after the teardowns, and goes without a trace. */
TEST_F_TIMEOUT(io, second_domu, 600)
{
	char out[1024];
	unsigned int domid;

	start_domu(_metadata, &self->d);
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
