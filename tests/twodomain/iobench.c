// SPDX-License-Identifier: GPL-2.0
/*
 * Throughput of blkback and netback with a real PV domU (io.h), for
 * scripts/bench-io.sh (make bench-io): not a test.  Prints CSV lines
 *   csv,io,PATH,PERCENT,MIB,SECONDS
 * PATH: xvda_write, xvda_read (persistent grants), xvdb_write, xvdb_read
 * (none: blkback maps every segment), net_tx (domU to dom0: netback's tx
 * copies and maps), net_rx (dom0 to domU: its rx copies), and where
 * QEMU is there (the QDISK=1 initramfs) qdisk_write and qdisk_read (a
 * second domU's xvda served by QEMU's qdisk backend: its grant copies
 * through gntdev, io.h); PERCENT: the
 * share of every grant op of dom0 that fail_grant_eagain holds back (0,
 * and 50 on a kernel that has the attribute).  A transfer whose md5sum
 * is not the stream's prints "csv,io_bad,..." instead.
 * Usage: iobench [MIB]  (per disk transfer; the network moves twice that)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domu.h"
#include "io.h"

static void report(const char *path, unsigned int percent, unsigned int mb,
		   double secs, bool ok)
{
	printf("csv,%s,%s,%u,%u,%.3f\n", ok ? "io" : "io_bad", path, percent,
	       mb, secs);
	fflush(stdout);
}

/* The md5sum of @mb MiB of stream @seed in @md5; said if it fails. */
static bool stream_sum(unsigned int seed, unsigned int mb, char *md5)
{
	if (!stream_md5(seed, mb, md5))
		return true;
	printf("iobench: no md5sum of stream %u: its rows are missing\n", seed);
	return false;
}

static void round_of(const struct domu *d, unsigned int percent,
		     unsigned int mb)
{
	static const char *const writes[] = { "xvda_write", "xvdb_write" };
	static const char *const reads[] = { "xvda_read", "xvdb_read" };
	char md5[33], got[33], out[1024];
	unsigned int seed = 100 + percent;
	double t;
	bool ok;
	int disk;

	for (disk = 0; disk < IO_DISKS; disk++, seed++) {
		if (!stream_sum(seed, mb, md5))
			return;
		t = now_s();
		ok = !io_disk_write(d, disk, seed, mb, out, sizeof(out));
		report(writes[disk], percent, mb, now_s() - t, ok);
		t = now_s();
		ok = !io_disk_read(d, disk, mb, out, sizeof(out)) &&
		     strstr(out, md5);
		report(reads[disk], percent, mb, now_s() - t, ok);
	}
	if (!stream_sum(seed, 2 * mb, md5))
		return;
	t = now_s();
	ok = !io_net_to_dom0(d, seed, 2 * mb, got, out, sizeof(out)) &&
	     !strcmp(got, md5);
	report("net_tx", percent, 2 * mb, now_s() - t, ok);
	t = now_s();
	ok = !io_net_to_domu(d, seed, 2 * mb, out, sizeof(out)) &&
	     strstr(out, md5);
	report("net_rx", percent, 2 * mb, now_s() - t, ok);
}

/* QEMU's qdisk backend: disk 0 of domain DOMU_QDISK is its xvda. */
static void qdisk_round(const struct domu *d, unsigned int percent,
			unsigned int mb)
{
	unsigned int seed = 200 + percent;
	char md5[33], out[1024];
	double t;
	bool ok;

	if (!stream_sum(seed, mb, md5))
		return;
	t = now_s();
	ok = !io_disk_write(d, 0, seed, mb, out, sizeof(out));
	report("qdisk_write", percent, mb, now_s() - t, ok);
	t = now_s();
	ok = !io_disk_read(d, 0, mb, out, sizeof(out)) && strstr(out, md5);
	report("qdisk_read", percent, mb, now_s() - t, ok);
}

/*
 * Domain @name's rounds: after a warm-up (the first transfers fault the
 * domU's page cache in), @round with nothing held back and, where the
 * kernel can, with half of every grant op of dom0 held back; then the
 * domain goes.  0, or -1 if the hold-backs could not start.
 */
static int rounds(const struct domu *d, const char *name, const char *phase,
		  void (*round)(const struct domu *d, unsigned int percent,
				unsigned int mb), unsigned int mb)
{
	char out[1024];
	int ret = 0;

	io_disk_write(d, 0, 1, mb < 4 ? mb : 4, out, sizeof(out));
	round(d, 0, mb);
	if (can_inject()) {
		if (inject(50, NULL, NULL)) {
			printf("iobench: fail_grant_eagain: %m\n");
			ret = -1;
		} else {
			round(d, 50, mb);
			printf("csv,%s_hold_backs,%ld\n", phase, inject_stop());
		}
	}
	runf(out, sizeof(out), XL " destroy %s 2>&1", name);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned int mb = argc > 1 ? atoi(argv[1]) : 32;
	char msg[1024];
	struct domu d;

	if (io_domu_start(&d, msg, sizeof(msg))) {
		printf("iobench: %s\n", msg);
		return 1;
	}
	if (rounds(&d, DOMU_IO, "io", round_of, mb))
		return 1;
	if (access(QEMU, X_OK)) {
		printf("iobench: no " QEMU ": no qdisk rows\n");
		return 0;
	}
	if (qdisk_domu_start(&d, mb, msg, sizeof(msg))) {
		printf("iobench: %s\n", msg);
		runf(msg, sizeof(msg), XL " destroy " DOMU_QDISK " 2>&1");
		return 1;
	}
	return rounds(&d, DOMU_QDISK, "qdisk", qdisk_round, mb) ? 1 : 0;
}
