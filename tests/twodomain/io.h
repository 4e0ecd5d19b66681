/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend tests' domU and its traffic, in io.c, for backends.c and
 * iobench.c.
 *
 * The domU "gnttest-io" (domu-init with gnttest.io=1) runs the series'
 * kernel with blkfront and netfront, and gntshare, which grants dom0
 * IO_GRANTS pages and runs its "sh" commands.  dom0
 * gives it two disks on loop devices over files in its tmpfs, xvda with
 * persistent grants and xvdb without (blkback maps every segment of
 * every request then), and a vif (10.0.0.1 in dom0, 10.0.0.2 in the
 * domU).  xl's hotplug scripts are bash: xentest-block and xentest-vif
 * do what these need in busybox sh.  xtool makes the same pseudo-random
 * streams on both sides, so that md5sums of what crossed a backend can
 * be compared with the stream's own.
 *
 * fail_grant_eagain can be aimed at one path with the fault injection
 * stack trace filter (require-start/-end: the text of one function in
 * /proc/kallsyms; reject-start/-end another's), so that the hold-backs
 * it made (the drop of its "times": an op held back at N rounds counts
 * N times) are that path's.
 */
#ifndef TWODOMAIN_IO_H
#define TWODOMAIN_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "domu.h"

#define DOMU_IO		"gnttest-io"
/* Pages it grants to dom0 (gntshare, pattern 1): clients.c's pins. */
#define IO_GRANTS	16
#define IO_GRANTS_STR	"16"
#define IO_DISKS	2
#define IO_DISK_MB	64

extern const char *const io_disks[IO_DISKS];	/* xvda, xvdb */

/* Write @val to file @path; 0 or -1. */
int write_file(const char *path, const char *val);
/* The number file @path starts with, or -1. */
long read_long(const char *path);
/* CLOCK_MONOTONIC in seconds. */
double now_s(void);
/* run() with a printf-style command line. */
int runf(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * gntshare's "sh" command, printf-style, under "set -o pipefail": true
 * if the command exited 0; domu_sh_status(): its exit status, -1 if the
 * domU did not answer within @secs.
 */
bool domu_sh(const struct domu *d, char *result, size_t size, int secs,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int domu_sh_status(const struct domu *d, char *result, size_t size, int secs,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/*
 * The md5sum of @mb MiB of stream @seed, computed in dom0, in @md5[33]
 * (never that of nothing).
 */
int stream_md5(unsigned int seed, unsigned int mb, char *md5);

struct aim {
	unsigned long start, end;
};

/* The text of function @sym: from its address to the next symbol's. */
int aim_at(const char *sym, struct aim *a);
/* fail_grant_eagain with the stack trace filter is there. */
bool can_inject(void);
/*
 * dom0 runs the series: its fail_grant_eagain or its grant_ptes file is
 * there (the base has neither; a kernel without fault injection or
 * debugfs does not tell).
 */
bool dom0_is_series(void);
/*
 * Hold back @percent of the grant ops whose stack passes through @a
 * (every op if @a is NULL) and not through @not (if not NULL), in any
 * context: no task filter, no dump.
 */
int inject(unsigned int percent, const struct aim *a, const struct aim *not);
/* Stop; the number of hold-backs since inject(), or -1. */
long inject_stop(void);

/*
 * A fresh domU with blank disks (an earlier one is destroyed first), xvda
 * with persistent grants and xvdb without; 0, or -1 and why in @msg.
 */
int io_domu_start(struct domu *d, char *msg, size_t size);
/* The running domU, waiting up to @secs for gntshare; 0 or -1. */
int io_domu_find(struct domu *d, int secs);
/*
 * The same for domU @name: its domid in @d (0 if there is none), once
 * gntshare answers; 0 or -1.
 */
int domu_wait(struct domu *d, const char *name, int secs);
/*
 * Pages pinned with FOLL_PIN in dom0 now: /proc/vmstat's
 * nr_foll_pin_acquired - nr_foll_pin_released (gntdev's grant copies,
 * O_DIRECT bios), or -1.  foll_pins_settled(): once it is @want, or
 * after 5 s.
 */
long foll_pins(void);
long foll_pins_settled(long want);
/*
 * dom0 before a test's first domU, to come back to: Xen's active grant
 * entries (also in *@total), MemTotal and foll_pins(), in file @path; 0
 * or -1.  baseline_pins(): the pins of @path, or -1.
 */
int baseline_save(const char *path, long *total);
int baseline_read(const char *path, long *total, long *mem);
long baseline_pins(const char *path);
/*
 * No baseline @path in RUN_DIR (a fresh tmpfs each boot): this boot did
 * not run the collection's start test, which saves it first thing.
 * run-suite.sh booted dom0 again after a crash and resumed after the test
 * it blamed, or xentest.only left the start test out.  A test that needs
 * the start test's domU then starts it itself (need_domu() in
 * backends.c and clients.c); where the start test ran and its domU is
 * gone, the test fails for want of it.
 */
bool start_missed(const char *path);
/*
 * For the tests, whose files include kselftest_harness.h: dom0 is back
 * to baseline @path, Xen's active grant entries and MemTotal as then
 * (the balloon driver's worker given time to give pages back).
 */
#define EXPECT_BASELINE(path) do {					\
	long __total = -1, __mem = -1, __now;				\
	struct grants __g;						\
									\
	ASSERT_EQ(baseline_read((path), &__total, &__mem), 0);		\
	ASSERT_EQ(read_grants_settled(NULL, &__g), 0);			\
	EXPECT_EQ(__g.total, __total)					\
		TH_LOG("Xen holds %ld active grant entries, %ld before the domU", \
		       __g.total, __total);				\
	__now = memtotal_kb_settled(__mem);				\
	EXPECT_EQ(__now, __mem)						\
		TH_LOG("dom0's MemTotal is %ld kB, %ld kB before",	\
		       __now, __mem);					\
	TH_LOG("Xen's active grant entries %ld, %ld before the domU; MemTotal %ld kB, %ld kB before", \
	       __g.total, __total, __now, __mem);			\
	MEMTOTAL_BLIND();						\
} while (0)
/*
 * Where dom0's grant pages are unpopulated ones (XEN_UNPOPULATED_ALLOC),
 * MemTotal never counted them: its check cannot see a grant page kept.
 */
#define MEMTOTAL_BLIND() do {						\
	if (grant_pages_unpopulated() == 1)				\
		TH_LOG("grant pages are unpopulated memory here: MemTotal cannot see a grant page kept"); \
} while (0)
/*
 * dom0 pins as many pages as @want (foll_pins() then), once the pins
 * of the test's last I/O ended: a missed unpin (gntdev's grant copy, an
 * O_DIRECT bio) shows here, where MemTotal does not move.
 */
#define EXPECT_PINS(want) do {						\
	long __want = (want), __pins = foll_pins_settled(__want);	\
									\
	EXPECT_GE(__want, 0) TH_LOG("no FOLL_PIN counts in /proc/vmstat"); \
	EXPECT_EQ(__pins, __want)					\
		TH_LOG("dom0 pins %ld pages (nr_foll_pin_acquired - released), %ld before", \
		       __pins, __want);					\
	TH_LOG("pages pinned in dom0: %ld, %ld before", __pins, __want); \
} while (0)
/*
 * gntdev holds as many pages as @before, its held_pages then; -1 there
 * (the base has no such count) is said, not checked, unless dom0 runs
 * the series: then a missing count (renamed, or gntdev not loaded) fails.
 */
#define EXPECT_HELD_PAGES(before) do {					\
	long __before = (before), __held = gntdev_held_pages();		\
									\
	if (__before >= 0 || dom0_is_series()) {			\
		EXPECT_GE(__before, 0)					\
			TH_LOG("the series' gntdev has no held_pages"); \
		EXPECT_EQ(__held, __before)				\
			TH_LOG("gntdev holds %ld pages, %ld before",	\
			       __held, __before);			\
	} else {							\
		TH_LOG("gntdev has no held_pages (the base): not checked"); \
	}								\
} while (0)
/*
 * QEMU's qdisk backend (qdisk.c, iobench.c; the initramfs of
 * mkinitramfs-xl.sh with QDISK=1): domU DOMU_QDISK's xvda is raw image
 * QDISK_IMG in dom0's tmpfs, served by QEMU, which libxl starts as the
 * domU's device model.
 */
#define QEMU		"/usr/libexec/xen-qemu-system-i386"
#define DOMU_QDISK	"gnttest-qdisk"
#define QEMU_LOG	"/var/log/xen/qemu-dm-" DOMU_QDISK ".log"
#define QDISK_CFG	"/etc/xen/" DOMU_QDISK ".cfg"
#define QDISK_IMG	"/tmp/qdisk.img"
/* The pid of the QEMU that serves domain @domid, in @out; 0 or -1. */
int qemu_pid(unsigned int domid, char *out, size_t size);
/*
 * A fresh image of @mb MiB and a domU on it, its disk served by a new
 * QEMU; 0, or -1 and why in @msg.
 */
int qdisk_domu_start(struct domu *d, unsigned int mb, char *msg, size_t size);
/* blkback's counters of disk @disk, dom0's of the vif; -1 if unread. */
long vbd_stat(const struct domu *d, int disk, const char *name);
long vif_stat(const struct domu *d, const char *name);
/* All of them, for a log line. */
void vbd_stats(const struct domu *d, int disk, char *buf, size_t size);
void vif_stats(const struct domu *d, char *buf, size_t size);
/* The domU writes @mb MiB of stream @seed to disk @disk (O_DIRECT). */
int io_disk_write(const struct domu *d, int disk, unsigned int seed,
		  unsigned int mb, char *out, size_t size);
/* ... reads @mb MiB back with its caches dropped: the md5sum in @out. */
int io_disk_read(const struct domu *d, int disk, unsigned int mb, char *out,
		 size_t size);
/* TCP, domU to dom0 (netback tx): what dom0 got, its md5sum in @md5[33]. */
int io_net_to_dom0(const struct domu *d, unsigned int seed, unsigned int mb,
		   char *md5, char *out, size_t size);
/* TCP, dom0 to domU (netback rx): the md5sum the domU got in @out. */
int io_net_to_domu(const struct domu *d, unsigned int seed, unsigned int mb,
		   char *out, size_t size);
/* busybox ping of the domU with a payload pattern: every reply came. */
bool ping_all(char *out, size_t size, unsigned int count, unsigned int bytes,
	      unsigned int wait);

#endif
