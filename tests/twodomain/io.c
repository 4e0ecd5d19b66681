// SPDX-License-Identifier: GPL-2.0
/*
 * The backend tests' domU and its traffic (backends.c, iobench.c); see
 * io.h.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domu.h"
#include "io.h"

#define IO_CFG		"/etc/xen/" DOMU_IO ".cfg"
#define BLKBACK		"/sys/module/xen_blkback/parameters/"
#define FAIL_DIR	"/sys/kernel/debug/fail_grant_eagain/"
#define FAIL_TIMES	100000000L

const char *const io_disks[IO_DISKS] = { "xvda", "xvdb" };

int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

long read_long(const char *path)
{
	char *val = read_file(path);

	return val ? strtol(val, NULL, 0) : -1;
}

double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int runf(char *out, size_t size, const char *fmt, ...)
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

static int domu_vsh(const struct domu *d, char *result, size_t size,
		    int secs, const char *fmt, va_list ap)
{
	char *cmd, *line, *exit_at;
	int ret, status;

	ret = vasprintf(&line, fmt, ap);
	if (ret < 0)
		return -1;
	/* A pipeline fails when any of its commands does. */
	ret = asprintf(&cmd, "sh set -o pipefail; %s", line);
	free(line);
	if (ret < 0)
		return -1;
	domu_command_wait(d, cmd, result, size, secs);
	free(cmd);
	/* gntshare's "N ok|bad exit R: OUTPUT" */
	exit_at = strstr(result, " exit ");
	if (!exit_at || sscanf(exit_at, " exit %d:", &status) != 1)
		return -1;
	return status;
}

bool domu_sh(const struct domu *d, char *result, size_t size, int secs,
	     const char *fmt, ...)
{
	va_list ap;
	int status;

	va_start(ap, fmt);
	status = domu_vsh(d, result, size, secs, fmt, ap);
	va_end(ap);
	return status == 0;
}

int domu_sh_status(const struct domu *d, char *result, size_t size, int secs,
		   const char *fmt, ...)
{
	va_list ap;
	int status;

	va_start(ap, fmt);
	status = domu_vsh(d, result, size, secs, fmt, ap);
	va_end(ap);
	return status;
}

int stream_md5(unsigned int seed, unsigned int mb, char *md5)
{
	char out[128];

	if (runf(out, sizeof(out), "set -o pipefail; xtool gen %u %u | md5sum",
		 seed, mb << 20) || strlen(out) < 32)
		return -1;
	memcpy(md5, out, 32);
	md5[32] = '\0';
	/* That of nothing: a receiver that got nothing must not match. */
	return strcmp(md5, "d41d8cd98f00b204e9800998ecf8427e") ? 0 : -1;
}

/* ------------------------------------------------------------------ */

int aim_at(const char *sym, struct aim *a)
{
	unsigned long addr, start = 0, end = ULONG_MAX;
	char type, name[256], line[512];
	FILE *f = fopen("/proc/kallsyms", "r");
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %c %255s", &addr, &type, name) == 3 &&
		    !strcmp(name, sym) && (type == 't' || type == 'T')) {
			start = addr;
			found++;
		}
	rewind(f);
	while (found == 1 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx", &addr) == 1 && addr > start &&
		    addr < end)
			end = addr;
	fclose(f);
	/* A static function's name may be another's too: no guessing. */
	if (found != 1 || end == ULONG_MAX)
		return -1;
	a->start = start;
	a->end = end;
	return 0;
}

bool can_inject(void)
{
	return !access(FAIL_DIR "probability", W_OK) &&
	       !access(FAIL_DIR "require-start", W_OK);
}

bool dom0_is_series(void)
{
	return !access(FAIL_DIR, F_OK) ||
	       !access("/sys/kernel/debug/xen/grant_ptes", F_OK);
}

static int fail_set(const char *attr, unsigned long val)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), FAIL_DIR "%s", attr);
	snprintf(buf, sizeof(buf), "%#lx", val);
	return write_file(path, buf);
}

int inject(unsigned int percent, const struct aim *a, const struct aim *not)
{
	return fail_set("probability", 0) || fail_set("verbose", 0) ||
	       write_file(FAIL_DIR "task-filter", "N") ||
	       fail_set("interval", 1) || fail_set("space", 0) ||
	       fail_set("reject-start", not ? not->start : 0) ||
	       fail_set("reject-end", not ? not->end : 0) ||
	       fail_set("require-start", a ? a->start : 0) ||
	       fail_set("require-end", a ? a->end : ULONG_MAX) ||
	       fail_set("stacktrace-depth", 32) ||
	       fail_set("times", FAIL_TIMES) ||
	       fail_set("probability", percent);
}

long inject_stop(void)
{
	long left;

	if (fail_set("probability", 0))
		return -1;
	left = read_long(FAIL_DIR "times");
	return left < 0 ? -1 : FAIL_TIMES - left;
}

/* ------------------------------------------------------------------ */

static int xl_create_io(const char *loop, char *out, size_t size)
{
	FILE *f = fopen(IO_CFG, "w");

	if (!f)
		return -1;
	fprintf(f, "name = \"%s\"\n"
		"type = \"pv\"\n"
		"kernel = \"/domu/vmlinuz\"\n"
		"ramdisk = \"/domu/initramfs.gz\"\n"
		"extra = \"console=hvc0 kunit.enable=0 gnttest.pages=" IO_GRANTS_STR " gnttest.io=1\"\n"
		"memory = 160\n"
		"vcpus = 1\n"
		"on_crash = \"preserve\"\n"
		"disk = [ 'format=raw,vdev=xvda,access=rw,backendtype=phy,"
		"script=xentest-block,target=%s' ]\n"
		"vif = [ 'mac=00:16:3e:00:00:02,script=xentest-vif' ]\n",
		DOMU_IO, loop);
	fclose(f);
	return runf(out, size, XL " create " IO_CFG " 2>&1");
}

int domu_wait(struct domu *d, const char *name, int secs)
{
	char out[64], cmd[128];
	int i;

	memset(d, 0, sizeof(*d));
	d->name = name;
	if (runf(out, sizeof(out), XL " domid %s 2>/dev/null", name) ||
	    sscanf(out, "%u", &d->domid) != 1) {
		d->domid = 0;
		return -1;
	}
	snprintf(cmd, sizeof(cmd),
		 "xenstore-read /local/domain/%u/data/gnttest/result 2>/dev/null",
		 d->domid);
	for (i = 0; i <= secs * 2; i++) {
		if (!run(cmd, out, sizeof(out)))
			return 0;
		if (i < secs * 2)
			usleep(500 * 1000);
	}
	return -1;
}

int io_domu_find(struct domu *d, int secs)
{
	return domu_wait(d, DOMU_IO, secs);
}

long foll_pins(void)
{
	long acquired = -1, released = -1, v;
	char name[64];
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acquired = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			released = v;
	}
	fclose(f);
	return acquired < 0 || released < 0 ? -1 : acquired - released;
}

long foll_pins_settled(long want)
{
	/* A pin ends when its bio or its grant copy completes: wait. */
	return read_settled(foll_pins, want, 20, 250 * 1000);
}

int baseline_save(const char *path, long *total)
{
	struct grants g;
	long pins = foll_pins();
	FILE *f;

	if (read_grants_settled(NULL, &g) || pins < 0)
		return -1;
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "%ld %ld %ld\n", g.total, memtotal_kb(), pins);
	*total = g.total;
	return fclose(f) ? -1 : 0;
}

int baseline_read(const char *path, long *total, long *mem)
{
	char *val = read_file(path);

	if (!val || sscanf(val, "%ld %ld", total, mem) != 2 || *mem <= 0)
		return -1;
	return 0;
}

long baseline_pins(const char *path)
{
	char *val = read_file(path);
	long total, mem, pins;

	if (!val || sscanf(val, "%ld %ld %ld", &total, &mem, &pins) != 3)
		return -1;
	return pins;
}

int qemu_pid(unsigned int domid, char *out, size_t size)
{
	int ret = runf(out, size,
		    "for d in /proc/[0-9]*; do [ \"$(readlink $d/exe)\" = " QEMU " ] && tr '\\0' ' ' <$d/cmdline | grep -q -- '-xen-domid %u ' && echo ${d#/proc/} && exit 0; done; exit 1",
		    domid);

	out[strcspn(out, "\n")] = '\0';
	return ret;
}

int qdisk_domu_start(struct domu *d, unsigned int mb, char *msg, size_t size)
{
	char out[512], pid[64];
	double t = now_s();
	FILE *f;

	if (runf(out, sizeof(out), "rm -f " QDISK_IMG " && truncate -s %uM "
		 QDISK_IMG " 2>&1", mb)) {
		snprintf(msg, size, "the image: %s", out);
		return -1;
	}
	f = fopen(QDISK_CFG, "w");
	if (!f) {
		snprintf(msg, size, QDISK_CFG ": %m");
		return -1;
	}
	fprintf(f, "name = \"%s\"\n"
		"type = \"pv\"\n"
		"kernel = \"/domu/vmlinuz\"\n"
		"ramdisk = \"/domu/initramfs.gz\"\n"
		"extra = \"console=hvc0 kunit.enable=0 gnttest.pages=1 gnttest.io=disk\"\n"
		"memory = 160\n"
		"vcpus = 1\n"
		"on_crash = \"preserve\"\n"
		"disk = [ 'format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=%s' ]\n",
		DOMU_QDISK, QDISK_IMG);
	fclose(f);
	/* xenconsoled appends: each domU's log on its own. */
	truncate(LOG_DIR "guest-" DOMU_QDISK ".log", 0);
	if (runf(out, sizeof(out), XL " create " QDISK_CFG " 2>&1")) {
		snprintf(msg, size, "xl create: %s", out);
		runf(out, sizeof(out), "tail -n 20 " QEMU_LOG);
		printf("# " QEMU_LOG ":\n%s\n", out);
		return -1;
	}
	if (domu_wait(d, DOMU_QDISK, 120)) {
		snprintf(msg, size, "%s did not come up", DOMU_QDISK);
		return -1;
	}
	if (!domu_sh(d, out, sizeof(out), 60,
		     "i=0; while [ ! -b /dev/xvda ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done; test -b /dev/xvda")) {
		snprintf(msg, size, "no xvda in the domU: %s", out);
		return -1;
	}
	if (qemu_pid(d->domid, pid, sizeof(pid))) {
		snprintf(msg, size, "no QEMU serves d%u", d->domid);
		return -1;
	}
	/* What qdisk_nothing_left() expects gone. */
	if (runf(out, sizeof(out),
		 "xenstore-list /local/domain/0/backend/qdisk/%u 2>&1",
		 d->domid)) {
		snprintf(msg, size, "no qdisk backend node for d%u", d->domid);
		return -1;
	}
	snprintf(msg, size, "%s is d%u, its disk served by QEMU pid %s, up in %.1fs",
		 DOMU_QDISK, d->domid, pid, now_s() - t);
	return 0;
}

bool start_missed(const char *path)
{
	return access(path, F_OK) != 0;
}

int io_domu_start(struct domu *d, char *msg, size_t size)
{
	char out[1024], loops[IO_DISKS][32];
	int i, ret;

	/* What an earlier test left: the domU, the loop devices. */
	if (!io_domu_find(d, 0)) {
		runf(out, sizeof(out), XL " destroy " DOMU_IO " 2>&1");
		domain_gone(d->domid, 60, out, sizeof(out));
	}
	runf(out, sizeof(out), "for l in $(losetup -a | cut -d: -f1); do losetup -d $l; done 2>&1");
	/* xenconsoled appends: each domU's log on its own (its tests' trouble). */
	truncate(LOG_DIR "guest-" DOMU_IO ".log", 0);
	for (i = 0; i < IO_DISKS; i++) {
		if (runf(out, sizeof(out),
			 "rm -f /tmp/%s.img && truncate -s %uM /tmp/%s.img && l=$(losetup -f) && losetup $l /tmp/%s.img && echo $l",
			 io_disks[i], IO_DISK_MB, io_disks[i], io_disks[i]) ||
		    sscanf(out, "%31s", loops[i]) != 1) {
			snprintf(msg, size, "loop device: %s", out);
			return -1;
		}
	}
	/* Unused persistent grants go after 1 s, not 60: idle counts settle. */
	if (write_file(BLKBACK "feature_persistent", "Y") ||
	    write_file(BLKBACK "persistent_grant_unused_seconds", "1")) {
		snprintf(msg, size, "no blkback parameters in " BLKBACK);
		return -1;
	}
	if (xl_create_io(loops[0], out, sizeof(out))) {
		snprintf(msg, size, "xl create: %s", out);
		return -1;
	}
	if (io_domu_find(d, 120)) {
		snprintf(msg, size, "%s did not come up", DOMU_IO);
		return -1;
	}
	/* blkback reads feature_persistent when a frontend connects. */
	write_file(BLKBACK "feature_persistent", "N");
	ret = runf(out, sizeof(out),
		   XL " block-attach %s 'format=raw,vdev=xvdb,access=rw,backendtype=phy,script=xentest-block,target=%s' 2>&1",
		   DOMU_IO, loops[1]);
	if (!ret && !domu_sh(d, out, sizeof(out), 60,
			     "i=0; while [ ! -b /dev/xvdb ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done; test -b /dev/xvdb"))
		ret = -1;
	write_file(BLKBACK "feature_persistent", "Y");
	if (ret) {
		snprintf(msg, size, "xl block-attach: %s", out);
		return -1;
	}
	if (!domu_sh(d, out, sizeof(out), 30,
		     "dmesg | grep 'blkfront: xvda:.*persistent grants: enabled' && dmesg | grep 'blkfront: xvdb:.*persistent grants: disabled' && ping -c 1 -W 5 10.0.0.1 | grep ' 0%% packet loss'")) {
		snprintf(msg, size, "the domU's devices: %s", out);
		return -1;
	}
	snprintf(msg, size, "%s is d%u: %s", DOMU_IO, d->domid, out);
	return 0;
}

long vbd_stat(const struct domu *d, int disk, const char *name)
{
	char path[160];

	/* Xen's device numbers: xvda is 51712, xvdb 51728. */
	snprintf(path, sizeof(path),
		 "/sys/bus/xen-backend/devices/vbd-%u-%d/statistics/%s",
		 d->domid, 51712 + 16 * disk, name);
	return read_long(path);
}

void vbd_stats(const struct domu *d, int disk, char *buf, size_t size)
{
	static const char *const names[] = {
		"rd_req", "wr_req", "rd_sect", "wr_sect",
	};
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < 4 && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%s %ld", i ? ", " : "",
			      names[i], vbd_stat(d, disk, names[i]));
}

long vif_stat(const struct domu *d, const char *name)
{
	char path[160];

	snprintf(path, sizeof(path), "/sys/class/net/vif%u.0/statistics/%s",
		 d->domid, name);
	return read_long(path);
}

void vif_stats(const struct domu *d, char *buf, size_t size)
{
	static const char *const names[] = {
		"rx_bytes", "tx_bytes", "rx_dropped", "tx_dropped",
		"rx_errors", "tx_errors",
	};
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < 6 && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%s %ld", i ? ", " : "",
			      names[i], vif_stat(d, names[i]));
}

int io_disk_write(const struct domu *d, int disk, unsigned int seed,
		  unsigned int mb, char *out, size_t size)
{
	return domu_sh(d, out, size, 300,
		       "xtool gen %u %u | dd of=/dev/%s bs=1M iflag=fullblock oflag=direct 2>&1",
		       seed, mb << 20, io_disks[disk]) ? 0 : -1;
}

int io_disk_read(const struct domu *d, int disk, unsigned int mb, char *out,
		 size_t size)
{
	return domu_sh(d, out, size, 300,
		       "dd if=/dev/%s bs=1M count=%u iflag=direct | md5sum",
		       io_disks[disk], mb) ? 0 : -1;
}

int io_net_to_dom0(const struct domu *d, unsigned int seed, unsigned int mb,
		   char *md5, char *out, size_t size)
{
	FILE *recv = popen("timeout 300 xtool recv 5001 | md5sum", "r");
	bool sent;

	md5[0] = '\0';
	if (!recv)
		return -1;
	sent = domu_sh(d, out, size, 300,
		       "xtool gen %u %u | xtool send 10.0.0.1 5001", seed,
		       mb << 20);
	if (!fgets(md5, 33, recv))
		md5[0] = '\0';
	pclose(recv);
	return sent ? 0 : -1;
}

int io_net_to_domu(const struct domu *d, unsigned int seed, unsigned int mb,
		   char *out, size_t size)
{
	if (!domu_sh(d, out, size, 30,
		     "rm -f /tmp/rx.md5; (timeout 300 xtool recv 5002 | md5sum >/tmp/rx.part; mv /tmp/rx.part /tmp/rx.md5) >/dev/null 2>&1 &"))
		return -1;
	if (runf(out, size, "xtool gen %u %u | xtool send 10.0.0.2 5002 2>&1",
		 seed, mb << 20))
		return -1;
	return domu_sh(d, out, size, 120,
		       "i=0; while [ ! -f /tmp/rx.md5 ] && [ $i -lt 500 ]; do sleep 0.2; i=$((i+1)); done; cat /tmp/rx.md5") ?
	       0 : -1;
}

bool ping_all(char *out, size_t size, unsigned int count, unsigned int bytes,
	      unsigned int wait)
{
	return !runf(out, size,
		     "ping -q -c %u -s %u -p a5 -W %u 10.0.0.2 2>&1 | grep ' 0%% packet loss'",
		     count, bytes, wait);
}
