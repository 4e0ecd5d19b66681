// SPDX-License-Identifier: GPL-2.0
/*
 * The real clients of gntdev and gntalloc between dom0 and a PV domU,
 * killed mid-I/O: libxenvchan, through Xen's own vchan-socket-proxy
 * (Debian's xen-utils-4.17) on both ends; and a user-space disk backend
 * that maps the domU's grants per request and runs O_DIRECT I/O on them,
 * so that the block layer pins the granted pages.
 *
 * The domU (io.h's, as the backend tests start it) runs the vchan server:
 * libxenvchan_server_init() shares its ring page with dom0 through
 * gntalloc, with an unmap notification on its "server live" byte.
 * dom0's client maps that page through gntdev (libxengnttab), with an
 * unmap notification on its "client live" byte.  With the proxy's ring
 * sizes both rings live in that one page: one grant per vchan.  The
 * server echoes what it receives (its stdout goes back to its stdin
 * through a fifo) and keeps the md5sum of it; dom0 sends a pseudo-random
 * stream (xtool gen), at most VCHAN_WINDOW bytes ahead of the echo (the
 * server blocks writing its stdout, and its stdout's pipe and the fifo
 * hold 64 KiB each: together they must never fill), and
 * compares every byte that comes back.  So the stream crosses the vchan
 * both ways, checked on both sides.  Each vchan has a xenstore path of
 * its own: a killed server never removes its nodes, and a client must
 * not find an old server's ring there.
 *
 * Then each end is killed with SIGKILL in the middle of a stream, and
 * the domU is destroyed in the middle of one, while dom0 goes on
 * feeding the stream (the kill and the destroy run in a child), so that
 * they land while data moves and the whole stream never comes back: the
 * other end must see the vchan close (the notifications gntdev and
 * gntalloc send when the dead end's mappings go; a destroyed domU sends
 * none, and 4.17's client does not watch for it once connected), no
 * grant may stay mapped (the domU's table back to its idle count, every
 * other table to its count before), gntdev holds no page, dom0's
 * MemTotal and its pinned pages (/proc/vmstat's FOLL_PIN counts) are as
 * before, and a new vchan works afterwards.
 * dom0's log is checked by the harness (no WARN, no Bad page).
 *
 * The backend: IO_GRANTS pages that the domU grants (pattern 1, gntshare)
 * are mapped PINS_PAGES at a time through libxengnttab, as one request
 * each, and written to or read from a loop device with O_DIRECT through
 * Linux AIO, PINS_DEPTH requests in flight: the bios pin the pages.
 * Half of the groups are written from, to blocks that hold their
 * content already; the other half are read into, from blocks that each
 * hold a part of their own of a pseudo-random stream, so that every read
 * changes the pages and each reaped one is checked in its mapping.  The
 * backend runs to the end, is killed with SIGKILL while the device has
 * requests of it in flight, or exits then without reaping them; then the
 * pages written from must still hold their pattern, those read into the
 * block of their last reaped read or of the read then in flight, whole,
 * every block of the device what it held, and no grant may stay mapped.
 * Linux AIO waits for a dying process's requests (exit_aio(), before
 * exit_mmap()), so these pins end before the mappings go; pins that
 * outlive their process come from pipes (the teardown tests).
 *
 * A harness test of tests/ (scripts/mkinitramfs-xl.sh), with the
 * kernel's kselftest_harness.h; it runs after backends.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xengnttab.h>

#include "domu.h"
#include "io.h"
#include "kselftest_harness.h"

#define VCHAN_PROXY	"/usr/lib/xen-4.17/bin/vchan-socket-proxy"
#define NO_DOMU		RUN_DIR "clients-baseline"	/* before the domU */
#define VCHAN_WINDOW	(64 * 1024)	/* bytes sent ahead of the echo */
#define STREAM_KIB	512	/* a whole stream, echoed */
#define KILL_KIB	1024	/* a stream that is cut short */
#define KILL_AFTER	(64 * 1024)	/* bytes echoed before the kill */
#define PUMP_SECS	120
#define PINS_PAGES	2	/* pages per request */
#define PINS_GROUPS	(IO_GRANTS / PINS_PAGES)	/* even */
#define PINS_READ(group) ((group) & 1)	/* odd groups are read into */
#define PINS_BYTES	(PINS_PAGES * PAGE)
#define PINS_SEED	1900	/* what the blocks read hold */
#define PINS_BLOCKS	64	/* the device's size, in requests */
#define PINS_DEPTH	8	/* requests in flight */
#define PINS_REQUESTS	1000	/* a whole run */
#define PINS_EXIT_TRIES	10	/* runs to catch requests in flight */

/* dom0's vchan client, fed and read through pipes. */
struct client {
	pid_t pid;
	int in;		/* its stdin */
	int out;	/* its stdout */
	size_t drained;	/* what client_wait() read and dropped */
};

/* How far a stream got. */
struct progress {
	size_t sent, echoed;
	long mismatch;	/* first offset echoed wrong, or -1 */
	bool closed;	/* the client closed its stdout */
	int stall;	/* seconds without an echo that end a pump, or 0 */
	double *done;	/* when pump_while()'s command returned, or 0 */
	double last_echo;	/* when the last echo came back, or 0 */
};

/* @len bytes of xtool's stream @seed, in a buffer to free. */
static unsigned char *stream(unsigned int seed, size_t len)
{
	size_t n = 0, got;
	unsigned char *buf = malloc(len);
	char cmd[64];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "xtool gen %u %zu", seed, len);
	f = buf ? popen(cmd, "r") : NULL;
	if (!f) {
		free(buf);
		return NULL;
	}
	while (n < len && (got = fread(buf + n, 1, len - n, f)))
		n += got;
	if (pclose(f) || n != len) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The xenstore directory of vchan @seed. */
static void vchan_path(const struct domu *d, unsigned int seed, char *path,
		       size_t size)
{
	snprintf(path, size, "/local/domain/%u/data/vchan-%u", d->domid, seed);
}

/*
 * The domU's server of vchan @seed, echoing, the md5sum of what it got in
 * /tmp/vchan.md5 at its end; true once its ring is in xenstore.
 */
static bool server_start(const struct domu *d, unsigned int seed, char *out,
			 size_t size)
{
	char path[64];

	vchan_path(d, seed, path, sizeof(path));
	if (!domu_sh(d, out, size, 30,
		     "rm -f /tmp/vchan.md5 /tmp/vchan.fifo; mkfifo /tmp/vchan.fifo; "
		     "(vchan-socket-proxy -m server 0 %s - </tmp/vchan.fifo 2>/tmp/vchan.err | "
		     "tee /tmp/vchan.fifo | md5sum >/tmp/vchan.part; "
		     "mv /tmp/vchan.part /tmp/vchan.md5) >/dev/null 2>&1 &", path))
		return false;
	if (!runf(out, size,
		  "i=0; until xenstore-read %s/ring-ref >/dev/null 2>&1; do "
		  "[ $i -lt 150 ] || exit 1; sleep 0.2; i=$((i+1)); done", path))
		return true;
	domu_sh(d, out, size, 30, "cat /tmp/vchan.err");
	return false;
}

/* The server is gone within @secs seconds. */
static bool server_gone(const struct domu *d, int secs)
{
	char out[256];

	return domu_sh(d, out, sizeof(out), secs + 10,
		       "i=0; while pidof vchan-socket-proxy >/dev/null && [ $i -lt %d ]; do "
		       "sleep 0.2; i=$((i+1)); done; ! pidof vchan-socket-proxy",
		       secs * 5);
}

static int client_start(const struct domu *d, unsigned int seed,
			struct client *c)
{
	char domid[16], path[64];
	int in[2], out[2];

	if (pipe2(in, O_CLOEXEC))
		return -1;
	if (pipe2(out, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	snprintf(domid, sizeof(domid), "%u", d->domid);
	vchan_path(d, seed, path, sizeof(path));
	c->pid = fork();
	if (!c->pid) {
		/* The test ignores SIGPIPE; the proxy gets the default. */
		signal(SIGPIPE, SIG_DFL);
		/* Not left running by a test killed on its timeout. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(VCHAN_PROXY, "vchan-socket-proxy", "-m", "client",
		      domid, path, "-", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->in = in[1];
	c->out = out[0];
	c->drained = 0;
	if (c->pid < 0) {
		c->pid = 0;
		return -1;
	}
	fcntl(c->in, F_SETFL, O_NONBLOCK);
	fcntl(c->out, F_SETFL, O_NONBLOCK);
	return 0;
}

/*
 * The client's exit status once it exited, within @secs, reading and
 * dropping what it still writes (counted in c->drained); -1 if it did
 * not exit.
 */
static int client_wait(struct client *c, int secs)
{
	char buf[4096];
	int i, status;
	bool exited;
	ssize_t n;

	for (i = 0; i < secs * 10; i++) {
		exited = waitpid(c->pid, &status, WNOHANG) == c->pid;
		/* Once it exited too: the last it wrote. */
		while (c->out >= 0 && (n = read(c->out, buf, sizeof(buf))) > 0)
			c->drained += n;
		if (exited) {
			c->pid = 0;
			return status;
		}
		usleep(100 * 1000);
	}
	return -1;
}

static void client_end(struct client *c)
{
	if (c->in >= 0)
		close(c->in);
	if (c->out >= 0)
		close(c->out);
	c->in = c->out = -1;
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		c->pid = 0;
	}
}

static void progress_init(struct progress *p)
{
	memset(p, 0, sizeof(*p));
	p->mismatch = -1;
}

/*
 * Feed @len bytes of @data to client @c, at most VCHAN_WINDOW ahead of
 * what came back, and compare what comes back, from where @p got to,
 * until @stop bytes came back, the client closed, nothing came back for
 * @p->stall seconds (if set) since pump_while()'s command returned, or
 * PUMP_SECS passed.
 */
static void pump(struct client *c, const unsigned char *data, size_t len,
		 size_t stop, struct progress *p)
{
	double end = now_s() + PUMP_SECS, echo = now_s(), done = 0;
	unsigned char buf[65536];
	struct pollfd fds[2];
	size_t i, ahead, inflight;
	ssize_t n;

	while (p->echoed < stop && !p->closed && now_s() < end) {
		if (p->stall && p->done)
			__atomic_load(p->done, &done, __ATOMIC_RELAXED);
		if (done && now_s() - (echo > done ? echo : done) > p->stall)
			break;
		inflight = p->sent > p->echoed ? p->sent - p->echoed : 0;
		ahead = p->sent < len && inflight < VCHAN_WINDOW ?
			VCHAN_WINDOW - inflight : 0;
		fds[0] = (struct pollfd){ .fd = c->out, .events = POLLIN };
		fds[1] = (struct pollfd){ .fd = ahead ? c->in : -1,
					  .events = POLLOUT };
		if (poll(fds, 2, 1000) < 0)
			continue;	/* EINTR */
		if (fds[1].revents & (POLLOUT | POLLERR)) {
			n = write(c->in, data + p->sent,
				  ahead < len - p->sent ? ahead : len - p->sent);
			if (n > 0)
				p->sent += n;
			else if (n < 0 && errno != EAGAIN)
				p->closed = true;
		}
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(c->out, buf, sizeof(buf));
			if (n == 0 || (n < 0 && errno != EAGAIN))
				p->closed = true;
			for (i = 0; n > 0 && i < (size_t)n; i++)
				if (p->mismatch < 0 &&
				    (p->echoed + i >= p->sent ||
				     buf[i] != data[p->echoed + i]))
					p->mismatch = p->echoed + i;
			if (n > 0) {
				p->echoed += n;
				echo = now_s();
				p->last_echo = echo;
			}
		}
	}
}

FIXTURE(clients)
{
	struct domu d;
	struct grants before;
	long held;		/* gntdev's held_pages, -1 on the base */
	long mem;		/* dom0's MemTotal, kB */
	long pins;		/* dom0's pinned pages (foll_pins()) */
	struct client c;
	unsigned char *data;
	char loop[64];		/* the backend's device, while attached */
};

/*
 * What dom0 must come back to, in NO_DOMU, then a fresh domU (whatever
 * an earlier test of this boot left is destroyed first): clients.start,
 * or need_domu() in a boot that missed it.
 */
static void start_domu(struct __test_metadata *_metadata,
		       FIXTURE_DATA(clients) *self)
{
	char out[1024];
	long total;

	if (!io_domu_find(&self->d, 0)) {
		runf(out, sizeof(out), XL " destroy " DOMU_IO " 2>&1");
		ASSERT_TRUE(domain_gone(self->d.domid, 60, out, sizeof(out)))
			TH_LOG("d%u is still there: %s", self->d.domid, out);
	}
	ASSERT_EQ(baseline_save(NO_DOMU, &total), 0);
	ASSERT_EQ(io_domu_start(&self->d, out, sizeof(out)), 0)
		TH_LOG("%s", out);
	TH_LOG("%s", out);
	sleep(3);	/* the partition scans' persistent grants go */
	ASSERT_EQ(read_grants_settled(&self->d, &self->before), 0);
	self->held = gntdev_held_pages();
	self->mem = memtotal_kb();
	self->pins = foll_pins();
	TH_LOG("no domU: %ld active entries; d%u idle: %ld in its table",
	       total, self->d.domid, self->before.domu);
}

FIXTURE_SETUP(clients)
{
	/* A write to a client that died must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	self->c.pid = 0;
	self->c.in = self->c.out = -1;
	self->data = NULL;
	self->loop[0] = '\0';
	/* The domU clients.start started in this boot, if it is there. */
	if (start_missed(NO_DOMU) || io_domu_find(&self->d, 1)) {
		self->d.domid = 0;
		return;
	}
	ASSERT_EQ(read_grants_settled(&self->d, &self->before), 0);
	self->held = gntdev_held_pages();
	self->mem = memtotal_kb();
	self->pins = foll_pins();
}

/* Nothing left running; no grant stays mapped; gntdev holds no more. */
FIXTURE_TEARDOWN(clients)
{
	struct grants after;
	char out[256];
	bool gone;
	long mem;

	client_end(&self->c);
	free(self->data);
	if (self->loop[0])
		runf(out, sizeof(out), "losetup -d %s 2>&1", self->loop);
	if (!self->d.domid)
		return;
	/* A server that outlived its test shows here, before it goes. */
	gone = server_gone(&self->d, 5);
	if (!gone)
		domu_sh(&self->d, out, sizeof(out), 30,
			"for p in $(pidof vchan-socket-proxy); do echo $p $(grep State /proc/$p/status); done");
	EXPECT_TRUE(gone) TH_LOG("a vchan server is still running: %s", out);
	domu_sh(&self->d, out, sizeof(out), 30,
		"kill -9 $(pidof vchan-socket-proxy) 2>/dev/null; true");
	ASSERT_EQ(read_grants_settled(&self->d, &after), 0);
	EXPECT_EQ(after.domu, self->before.domu)
		TH_LOG("the domU's table: %ld active entries, %ld before",
		       after.domu, self->before.domu);
	EXPECT_EQ(after.total - after.domu,
		  self->before.total - self->before.domu)
		TH_LOG("other tables: %ld active entries, %ld before",
		       after.total - after.domu,
		       self->before.total - self->before.domu);
	EXPECT_HELD_PAGES(self->held);
	mem = memtotal_kb_settled(self->mem);
	EXPECT_EQ(mem, self->mem)
		TH_LOG("dom0's MemTotal is %ld kB, %ld kB before", mem,
		       self->mem);
	MEMTOTAL_BLIND();
	EXPECT_PINS(self->pins);
	EXPECT_EQ(domu_log_trouble(DOMU_IO), 0);
	TH_LOG("grants before: " GRANTS_FMT "; after: " GRANTS_FMT,
	       GRANTS_ARGS(&self->before, &self->d),
	       GRANTS_ARGS(&after, &self->d));
}

/*
 * The domU of clients.start, for a test that uses it; in a boot that
 * missed clients.start (start_missed()), started as clients.start does.
 */
static void need_domu(struct __test_metadata *_metadata,
		      FIXTURE_DATA(clients) *self)
{
	if (self->d.domid)
		return;
	ASSERT_TRUE(start_missed(NO_DOMU)) TH_LOG("no %s", DOMU_IO);
	start_domu(_metadata, self);
}

#define NEED_DOMU() need_domu(_metadata, self)

/* vchan @seed: a server, a client, @len bytes of stream @seed to send. */
static void connect_vchan(struct __test_metadata *_metadata,
			  FIXTURE_DATA(clients) *self, unsigned int seed,
			  size_t len)
{
	char out[1024];

	self->data = stream(seed, len);
	ASSERT_NE(self->data, NULL);
	ASSERT_TRUE(server_start(&self->d, seed, out, sizeof(out)))
		TH_LOG("vchan server: %s", out);
	ASSERT_EQ(client_start(&self->d, seed, &self->c), 0);
}

/* The client and the stream of a vchan that is over. */
static void vchan_end(FIXTURE_DATA(clients) *self)
{
	client_end(&self->c);
	free(self->data);
	self->data = NULL;
}

/* A whole stream both ways through a new vchan; both ends then exit. */
static void whole_stream(struct __test_metadata *_metadata,
			 FIXTURE_DATA(clients) *self, unsigned int seed,
			 size_t len)
{
	char md5[33], out[1024];
	struct progress p;
	double t;

	/* The stream's md5sum, never that of nothing. */
	ASSERT_EQ(runf(out, sizeof(out), "xtool gen %u %zu | md5sum", seed,
		       len), 0);
	ASSERT_EQ(sscanf(out, "%32s", md5), 1);
	ASSERT_STRNE(md5, "d41d8cd98f00b204e9800998ecf8427e");
	connect_vchan(_metadata, self, seed, len);
	t = now_s();
	progress_init(&p);
	pump(&self->c, self->data, len, len, &p);
	t = now_s() - t;
	EXPECT_EQ(p.echoed, len)
		TH_LOG("%zu of %zu bytes came back (%zu sent)", p.echoed, len,
		       p.sent);
	EXPECT_EQ(p.mismatch, -1)
		TH_LOG("byte %ld came back wrong", p.mismatch);
	/* The end of the stream: the client exits, then the server. */
	close(self->c.in);
	self->c.in = -1;
	EXPECT_EQ(client_wait(&self->c, 30), 0)
		TH_LOG("the vchan client did not exit cleanly");
	EXPECT_TRUE(domu_sh(&self->d, out, sizeof(out), 60,
			    "i=0; while [ ! -f /tmp/vchan.md5 ] && [ $i -lt 250 ]; do "
			    "sleep 0.2; i=$((i+1)); done; cat /tmp/vchan.md5 /tmp/vchan.err"))
		TH_LOG("the server's md5sum: %s", out);
	EXPECT_NE(strstr(out, md5), NULL)
		TH_LOG("the domU received %s, stream %s", out, md5);
	TH_LOG("vchan %u: %zu KiB to d%u and back in %.1fs, md5 %s", seed,
	       len >> 10, self->d.domid, t, md5);
	vchan_end(self);
}

/* A stream under way: KILL_AFTER bytes came back, more are in flight. */
static void stream_under_way(struct __test_metadata *_metadata,
			     FIXTURE_DATA(clients) *self, unsigned int seed,
			     struct progress *p)
{
	connect_vchan(_metadata, self, seed, KILL_KIB << 10);
	progress_init(p);
	pump(&self->c, self->data, KILL_KIB << 10, KILL_AFTER, p);
	ASSERT_GE(p->echoed, KILL_AFTER)
		TH_LOG("only %zu bytes came back", p->echoed);
	ASSERT_EQ(p->mismatch, -1)
		TH_LOG("byte %ld came back wrong", p->mismatch);
	ASSERT_GT(p->sent, p->echoed) TH_LOG("nothing in flight");
}

/* What pump_while()'s child tells the test. */
struct child_share {
	double started;	/* when it started @cmd */
	double done;	/* when @cmd returned, or 0 */
	char out[1024];	/* @cmd's output */
};

/*
 * The rest of a stream under way while a child runs @cmd in dom0, or in
 * the domU with @in_domu: the kill or destroy lands while the stream
 * moves.  Pumps until the client closes, or nothing comes back for
 * @stall seconds once @cmd returned (0: no limit; the child says when,
 * so that a slow start of @cmd does not end the pump before it), or the
 * whole stream came back (then @cmd came too late).  When the child
 * started @cmd in *@started, its output in @out.  The child's exit
 * status: 0 if @cmd succeeded.
 */
static int pump_while(FIXTURE_DATA(clients) *self, struct progress *p,
		      bool in_domu, const char *cmd, int stall,
		      double *started, char *out, size_t size)
{
	struct child_share *share;
	int status, ret;
	double t;
	pid_t pid;

	share = mmap(NULL, sizeof(*share), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (share == MAP_FAILED)
		return -1;
	memset(share, 0, sizeof(*share));
	pid = fork();
	if (pid < 0) {
		munmap(share, sizeof(*share));
		return -1;
	}
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		share->started = now_s();
		if (in_domu)
			ret = domu_sh(&self->d, share->out, sizeof(share->out),
				      30, "%s", cmd) ? 0 : 1;
		else
			ret = runf(share->out, sizeof(share->out), "%s",
				   cmd) ? 1 : 0;
		t = now_s();
		__atomic_store(&share->done, &t, __ATOMIC_RELAXED);
		_exit(ret);
	}
	p->stall = stall;
	p->done = &share->done;
	pump(&self->c, self->data, KILL_KIB << 10, KILL_KIB << 10, p);
	p->done = NULL;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		status = -1;
	*started = share->started;
	snprintf(out, size, "%s", share->out);
	munmap(share, sizeof(*share));
	return status == -1 ? -1 : WEXITSTATUS(status);
}

/* Before the domU: what dom0 must come back to; then the domU. */
TEST_F_TIMEOUT(clients, start, 180)
{
	start_domu(_metadata, self);
}

/* A stream both ways, checked on both sides; then a second vchan. */
TEST_F_TIMEOUT(clients, vchan_stream_both_ways, 300)
{
	NEED_DOMU();
	whole_stream(_metadata, self, 51, STREAM_KIB << 10);
	whole_stream(_metadata, self, 52, 128 << 10);
}

/*
 * dom0's client is killed mid-stream: the server sees the vchan close
 * (gntdev's notification, sent as the dead client's mapping goes) and
 * exits; a new vchan works.
 */
TEST_F_TIMEOUT(clients, vchan_kill_client, 300)
{
	struct progress p;
	int status, unread = -1;

	NEED_DOMU();
	stream_under_way(_metadata, self, 53, &p);
	ASSERT_EQ(kill(self->c.pid, SIGKILL), 0);
	status = client_wait(&self->c, 30);
	EXPECT_TRUE(status != -1 && WIFSIGNALED(status) &&
		    WTERMSIG(status) == SIGKILL)
		TH_LOG("status %d", status);
	/*
	 * Echo that was back in the client's stdout, unread by pump(), was
	 * not in flight: some of the rest must be missing.  What the client
	 * had not read from its stdin never reached the vchan: said only.
	 */
	EXPECT_GT(p.sent, p.echoed + self->c.drained)
		TH_LOG("all of the %zu bytes sent came back, %zu of them after the kill",
		       p.sent, self->c.drained);
	ioctl(self->c.in, FIONREAD, &unread);
	EXPECT_TRUE(server_gone(&self->d, 30))
		TH_LOG("the vchan server is still there after the client died");
	TH_LOG("client killed with %zu bytes sent, %zu echoed and %zu more in its stdout: %zd in flight, of which %d unread in its stdin",
	       p.sent, p.echoed, self->c.drained,
	       (ssize_t)(p.sent - p.echoed - self->c.drained), unread);
	vchan_end(self);
	whole_stream(_metadata, self, 54, 128 << 10);
}

/*
 * The domU's server is killed mid-stream: dom0's client sees the vchan
 * close (gntalloc's notification) and exits by itself; a new vchan works.
 */
TEST_F_TIMEOUT(clients, vchan_kill_server, 300)
{
	char out[1024];
	struct progress p;
	double started;
	size_t echoed;
	int status;

	NEED_DOMU();
	stream_under_way(_metadata, self, 55, &p);
	echoed = p.echoed;
	/*
	 * In one command: the server's rchar (its stdin, the echo's fifo,
	 * and its event channel) moves in the 0.2 s before the SIGKILL.
	 */
	ASSERT_EQ(pump_while(self, &p, true,
			     "p=$(pidof vchan-socket-proxy); a=$(grep rchar /proc/$p/io); sleep 0.2; b=$(grep rchar /proc/$p/io); kill -9 $p; echo $p $a $b; [ \"$a\" != \"$b\" ]",
			     0, &started, out, sizeof(out)), 0)
		TH_LOG("the server moved nothing in the 0.2 s before its kill, or the kill failed: %s",
		       out);
	EXPECT_TRUE(p.closed) TH_LOG("the client did not close its stdout");
	EXPECT_GT(p.echoed, echoed)
		TH_LOG("nothing came back while the kill was under way");
	EXPECT_LT(p.echoed, KILL_KIB << 10)
		TH_LOG("the whole stream came back before the kill");
	EXPECT_EQ(p.mismatch, -1)
		TH_LOG("byte %ld came back wrong", p.mismatch);
	status = client_wait(&self->c, 30);
	/* 0, or 1 if a write to the closed vchan failed first. */
	EXPECT_TRUE(status != -1 && WIFEXITED(status))
		TH_LOG("dom0's client did not see the close: status %d",
		       status);
	TH_LOG("server killed mid-stream (pid, rchar 0.2 s apart: %s): %zu bytes echoed when the kill began, %zu sent and %zu echoed at the close; the client exited with %d",
	       out, echoed, p.sent, p.echoed,
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	vchan_end(self);
	whole_stream(_metadata, self, 56, 128 << 10);
}

/* ------------------------------------------------------------------ */

/* What the backend did, shared with the test. */
struct pins_count {
	long submitted, reaped;
	long inflight;	/* the device's, when the backend exited */
	int error;	/* the errno that stopped it */
	long bad_reads;	/* reaped reads whose mapping lacked their block */
	/*
	 * Per group read into, the block of its read in flight (one at a
	 * time) and that of its last reaped one, or -1: what it may hold.
	 */
	long reading[PINS_GROUPS], read[PINS_GROUPS];
};

enum pins_end { PINS_ALL, PINS_KILLED, PINS_EXIT_QUEUED };

/* The domU's granted refs (gntshare's data/gnttest/refs). */
static int domu_refs(const struct domu *d, uint32_t *refs)
{
	char out[1024], *p, *end;
	unsigned int i;

	if (runf(out, sizeof(out),
		 "xenstore-read /local/domain/%u/data/gnttest/refs", d->domid))
		return -1;
	for (i = 0, p = out; i < IO_GRANTS; i++, p = end) {
		refs[i] = strtoul(p, &end, 10);
		if (end == p)
			return -1;
	}
	return 0;
}

/* Requests in flight on loop device @dev (its sysfs inflight), or -1. */
static long loop_inflight(const char *dev)
{
	long reads, writes;
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/block/%s/inflight",
		 strrchr(dev, '/') + 1);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &reads, &writes) != 2)
		reads = writes = -1;
	fclose(f);
	return reads < 0 ? -1 : reads + writes;
}

static long sys_io_setup(unsigned int nr, aio_context_t *ctx)
{
	return syscall(SYS_io_setup, nr, ctx);
}

static long sys_io_submit(aio_context_t ctx, long nr, struct iocb **iocbs)
{
	return syscall(SYS_io_submit, ctx, nr, iocbs);
}

static long sys_io_getevents(aio_context_t ctx, long min, long max,
			     struct io_event *events)
{
	return syscall(SYS_io_getevents, ctx, min, max, events, NULL);
}

/*
 * The backend, in a child: requests on device @dev, each on a fresh
 * mapping of one group of @refs, writes from the even groups and reads
 * into the odd ones in turn, submitted in batches, until PINS_REQUESTS
 * were reaped.  A reaped read's mapping must hold its block, as in
 * @blocks, before it is unmapped.  A group has one read in flight at a
 * time, so that no other read changes its pages meanwhile (PINS_DEPTH
 * requests in a row are of as many groups: in order, none waits).  With
 * PINS_EXIT_QUEUED it exits as soon as the device has requests of it in
 * flight, without reaping them: each batch is a whole PINS_DEPTH, so the
 * loop device's worker has several to go through, and it goes on for up
 * to PINS_EXIT_TRIES times PINS_REQUESTS before it gives up (the loop
 * device on tmpfs often finishes a batch before its inflight count is
 * read).  Exits 0, or 1 with c->error set.
 */
static void __attribute__((noreturn))
pins_backend(unsigned int domid, uint32_t *refs, const char *dev,
	     const unsigned char *blocks, enum pins_end end,
	     struct pins_count *c)
{
	long requests = end == PINS_EXIT_QUEUED ?
			PINS_EXIT_TRIES * PINS_REQUESTS : PINS_REQUESTS;
	struct iocb iocbs[PINS_DEPTH], *batch[PINS_DEPTH];
	struct io_event events[PINS_DEPTH];
	void *maps[PINS_DEPTH] = { NULL };
	long i, n, slot, queued;
	aio_context_t ctx = 0;
	xengnttab_handle *xgt;
	int fd;

	xgt = xengnttab_open(NULL, 0);
	fd = open(dev, O_RDWR | O_DIRECT);
	if (!xgt || fd < 0 || sys_io_setup(PINS_DEPTH, &ctx)) {
		c->error = errno;
		_exit(1);
	}
	while (c->reaped < requests) {
		queued = 0;
		for (slot = 0; slot < PINS_DEPTH &&
		     c->submitted + queued < requests; slot++) {
			long request = c->submitted + queued;
			unsigned int group = request % PINS_GROUPS;
			/* One of this group's blocks, another each time. */
			long block = request * 7 % PINS_BLOCKS /
				     PINS_GROUPS * PINS_GROUPS + group;

			if (maps[slot])
				continue;
			if (PINS_READ(group) && c->reading[group] >= 0)
				break;
			maps[slot] = xengnttab_map_domain_grant_refs(xgt,
					PINS_PAGES, domid,
					refs + group * PINS_PAGES,
					PROT_READ | PROT_WRITE);
			if (!maps[slot]) {
				c->error = errno;
				_exit(1);
			}
			memset(&iocbs[slot], 0, sizeof(iocbs[slot]));
			iocbs[slot].aio_data = slot;
			iocbs[slot].aio_lio_opcode = PINS_READ(group) ?
				IOCB_CMD_PREAD : IOCB_CMD_PWRITE;
			iocbs[slot].aio_fildes = fd;
			iocbs[slot].aio_buf = (unsigned long)maps[slot];
			iocbs[slot].aio_nbytes = PINS_BYTES;
			iocbs[slot].aio_offset = block * PINS_BYTES;
			if (PINS_READ(group))
				c->reading[group] = block;
			batch[queued++] = &iocbs[slot];
		}
		/* Counted first: a kill lands on the way out of io_submit(). */
		c->submitted += queued;
		if (queued && sys_io_submit(ctx, queued, batch) != queued) {
			c->error = errno;
			_exit(1);
		}
		if (end == PINS_EXIT_QUEUED) {
			c->inflight = loop_inflight(dev);
			if (c->inflight > 0)
				_exit(0);
		}
		/* PINS_EXIT_QUEUED reaps them all, for a whole next batch. */
		n = sys_io_getevents(ctx, end == PINS_EXIT_QUEUED ?
				     c->submitted - c->reaped : 1,
				     PINS_DEPTH, events);
		/* The test stops it (SIGSTOP) before it kills it. */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			c->error = errno;
			_exit(1);
		}
		for (i = 0; i < n; i++) {
			long block;

			slot = events[i].data;
			if (events[i].res != PINS_BYTES) {
				c->error = (long)events[i].res < 0 ?
					   -(long)events[i].res : EIO;
				_exit(1);
			}
			/* A read's data, in the domU's pages before they go. */
			block = iocbs[slot].aio_offset / PINS_BYTES;
			if (PINS_READ(block % PINS_GROUPS)) {
				if (memcmp(maps[slot], blocks + block * PINS_BYTES,
					   PINS_BYTES))
					c->bad_reads++;
				c->read[block % PINS_GROUPS] = block;
				c->reading[block % PINS_GROUPS] = -1;
			}
			xengnttab_unmap(xgt, maps[slot], PINS_PAGES);
			maps[slot] = NULL;
			c->reaped++;
		}
	}
	_exit(0);
}

/*
 * The device: a loop device over a file in dom0's tmpfs (in
 * self->loop), its content in @blocks.  A block of a group written from
 * holds that group's content, read through one mapping of each group
 * and kept in @groups: a write stores what is there.  A block of a
 * group read into holds its own part of stream PINS_SEED, which no page
 * holds: each read changes the page, a lost one shows.
 */
static void pins_device(struct __test_metadata *_metadata,
			FIXTURE_DATA(clients) *self, uint32_t *refs,
			unsigned char *groups, unsigned char *blocks)
{
	unsigned char *reads = stream(PINS_SEED, PINS_BLOCKS * PINS_BYTES);
	xengnttab_handle *xgt = xengnttab_open(NULL, 0);
	char out[256];
	unsigned int g;
	void *map;
	long b;
	int fd;

	ASSERT_NE(reads, NULL);
	ASSERT_NE(xgt, NULL);
	for (g = 0; g < PINS_GROUPS; g++) {
		map = xengnttab_map_domain_grant_refs(xgt, PINS_PAGES,
				self->d.domid, refs + g * PINS_PAGES,
				PROT_READ);
		if (map) {
			memcpy(groups + g * PINS_BYTES, map, PINS_BYTES);
			xengnttab_unmap(xgt, map, PINS_PAGES);
		}
		EXPECT_NE(map, NULL) TH_LOG("mapping group %u: %m", g);
	}
	xengnttab_close(xgt);
	ASSERT_EQ(runf(out, sizeof(out),
		       "rm -f /tmp/pins.img && truncate -s %lu /tmp/pins.img && "
		       "l=$(losetup -f) && losetup $l /tmp/pins.img && echo $l",
		       PINS_BLOCKS * PINS_BYTES), 0)
		TH_LOG("loop device: %s", out);
	ASSERT_EQ(sscanf(out, "%63s", self->loop), 1);
	for (b = 0; b < PINS_BLOCKS; b++)
		memcpy(blocks + b * PINS_BYTES,
		       PINS_READ(b % PINS_GROUPS) ? reads + b * PINS_BYTES :
		       groups + b % PINS_GROUPS * PINS_BYTES, PINS_BYTES);
	free(reads);
	fd = open(self->loop, O_WRONLY);
	ASSERT_GE(fd, 0);
	for (b = 0; b < PINS_BLOCKS; b++)
		if (pwrite(fd, blocks + b * PINS_BYTES, PINS_BYTES,
			   b * PINS_BYTES) != PINS_BYTES)
			break;
	EXPECT_EQ(b, PINS_BLOCKS);
	EXPECT_EQ(fsync(fd), 0);
	close(fd);
}

/*
 * After the backend: the pages of each group read into hold, whole, the
 * block of its last reaped read (what they held before, if none), or
 * that of the read then in flight, which may or may not have landed.
 * Then they get what they held before back, for the domU's check of its
 * pattern and the next test.
 */
static void pins_pages(struct __test_metadata *_metadata,
		       FIXTURE_DATA(clients) *self, uint32_t *refs,
		       const unsigned char *groups,
		       const unsigned char *blocks, const struct pins_count *c)
{
	xengnttab_handle *xgt = xengnttab_open(NULL, 0);
	const unsigned char *was, *last, *next;
	unsigned int g;
	void *map;

	ASSERT_NE(xgt, NULL);
	for (g = 0; g < PINS_GROUPS; g++) {
		if (!PINS_READ(g))
			continue;
		map = xengnttab_map_domain_grant_refs(xgt, PINS_PAGES,
				self->d.domid, refs + g * PINS_PAGES,
				PROT_READ | PROT_WRITE);
		EXPECT_NE(map, NULL) TH_LOG("mapping group %u: %m", g);
		if (!map)
			continue;
		was = groups + g * PINS_BYTES;
		last = c->read[g] < 0 ? was : blocks + c->read[g] * PINS_BYTES;
		next = c->reading[g] < 0 ? last :
		       blocks + c->reading[g] * PINS_BYTES;
		EXPECT_TRUE(!memcmp(map, last, PINS_BYTES) ||
			    !memcmp(map, next, PINS_BYTES))
			TH_LOG("group %u holds neither block %ld (its last read; -1: what it held) nor block %ld (its read in flight)",
			       g, c->read[g], c->reading[g]);
		memcpy(map, was, PINS_BYTES);
		xengnttab_unmap(xgt, map, PINS_PAGES);
	}
	xengnttab_close(xgt);
}

/*
 * The backend on the domU's grants, to its end or cut short by @end;
 * then every reaped read had brought its block, the pages of the groups
 * read into hold a read's block whole, those of the others their
 * pattern, and every block what it held.
 */
static void pins_run(struct __test_metadata *_metadata,
		     FIXTURE_DATA(clients) *self, enum pins_end end)
{
	static unsigned char groups[PINS_GROUPS * PINS_BYTES];
	static unsigned char blocks[PINS_BLOCKS * PINS_BYTES];
	static unsigned char block[PINS_BYTES] __attribute__((aligned(4096)));
	long b, inflight = -1, after = -1;
	uint32_t refs[IO_GRANTS];
	struct pins_count *c;
	int status, fd, g;
	char out[256];
	pid_t pid;
	double t;

	ASSERT_EQ(domu_refs(&self->d, refs), 0);
	pins_device(_metadata, self, refs, groups, blocks);
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(c, MAP_FAILED);
	c->inflight = -1;
	for (g = 0; g < PINS_GROUPS; g++)
		c->reading[g] = c->read[g] = -1;
	t = now_s();
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		/* Not left running by a test killed on its timeout. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pins_backend(self->d.domid, refs, self->loop, blocks, end, c);
	}
	/*
	 * Cut short well under way, while the device has requests: killed,
	 * or exiting (it read the count > 0 and calls _exit()).  The count
	 * again right after: the dying backend waits for its requests in
	 * exit_aio(), so one > 0 there was outstanding during the exit.
	 * The backend is killed stopped, so that what it had submitted and
	 * reaped is what it had when SIGKILL landed.
	 */
	while (end != PINS_ALL && waitpid(pid, &status, WNOHANG) == 0) {
		if (end == PINS_KILLED &&
		    __atomic_load_n(&c->reaped, __ATOMIC_RELAXED) >=
		    PINS_REQUESTS / 4 &&
		    (inflight = loop_inflight(self->loop)) > 0) {
			kill(pid, SIGSTOP);
			if (waitpid(pid, &status, WUNTRACED) != pid ||
			    !WIFSTOPPED(status))
				break;	/* it ended first */
			if (c->submitted > c->reaped) {
				kill(pid, SIGKILL);
				after = loop_inflight(self->loop);
				c->inflight = inflight;
				break;
			}
			kill(pid, SIGCONT);
		}
		if (end == PINS_EXIT_QUEUED &&
		    __atomic_load_n(&c->inflight, __ATOMIC_RELAXED) > 0) {
			after = loop_inflight(self->loop);
			break;
		}
		usleep(1000);
	}
	waitpid(pid, &status, 0);
	t = now_s() - t;
	if (end == PINS_KILLED) {
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			TH_LOG("the backend ended first: status %d, error %d",
			       status, c->error);
	} else {
		EXPECT_EQ(status, 0)
			TH_LOG("the backend failed: status %d, error %d (%s)",
			       status, c->error, strerror(c->error));
	}
	TH_LOG("%s after %.1fs: %ld requests of %lu KiB submitted, %ld reaped",
	       end == PINS_ALL ? "done" : end == PINS_KILLED ? "killed" :
	       "exited", t, c->submitted, PINS_BYTES >> 10, c->reaped);
	if (end == PINS_ALL) {
		EXPECT_EQ(c->reaped, PINS_REQUESTS);
	} else {
		EXPECT_GT(c->inflight, 0) TH_LOG("no request in flight");
		EXPECT_GT(c->submitted, c->reaped)
			TH_LOG("every request submitted was reaped");
		TH_LOG("%ld requests in flight on %s then, %ld right after the %s began; %ld submitted and not reaped",
		       c->inflight, self->loop, after,
		       end == PINS_KILLED ? "kill" : "exit",
		       c->submitted - c->reaped);
	}
	EXPECT_EQ(c->bad_reads, 0)
		TH_LOG("%ld reads reaped without their block in the mapping",
		       c->bad_reads);

	/* Once the requests in flight are done, the data is where it was. */
	pins_pages(_metadata, self, refs, groups, blocks, c);
	munmap(c, sizeof(*c));
	EXPECT_TRUE(domu_command(&self->d, "check 1", out, sizeof(out)))
		TH_LOG("the domU's granted pages: %s", out);
	fd = open(self->loop, O_RDONLY | O_DIRECT);
	ASSERT_GE(fd, 0);
	for (b = 0; b < PINS_BLOCKS; b++) {
		if (pread(fd, block, PINS_BYTES, b * PINS_BYTES) != PINS_BYTES ||
		    memcmp(block, blocks + b * PINS_BYTES, PINS_BYTES))
			break;
	}
	EXPECT_EQ(b, PINS_BLOCKS)
		TH_LOG("block %ld does not hold what it held", b);
	close(fd);
	EXPECT_EQ(runf(out, sizeof(out), "losetup -d %s 2>&1", self->loop), 0)
		TH_LOG("losetup -d: %s", out);
	self->loop[0] = '\0';
}

/* The backend's requests all complete. */
TEST_F_TIMEOUT(clients, pins_whole_run, 120)
{
	NEED_DOMU();
	pins_run(_metadata, self, PINS_ALL);
}

/* The backend is killed while the device has requests in flight. */
TEST_F_TIMEOUT(clients, pins_killed_mid_io, 120)
{
	NEED_DOMU();
	pins_run(_metadata, self, PINS_KILLED);
}

/* The backend exits with requests in flight, without reaping them. */
TEST_F_TIMEOUT(clients, pins_exit_with_io_queued, 120)
{
	NEED_DOMU();
	pins_run(_metadata, self, PINS_EXIT_QUEUED);
}

/*
 * The domU is destroyed mid-stream.  Once dom0's client is gone (it does
 * not see a destroyed peer: then it is killed), the domain goes and no
 * grant entry is left anywhere.
 */
TEST_F_TIMEOUT(clients, vchan_destroy_domu, 300)
{
	struct progress p;
	unsigned int domid;
	char out[1024];
	double started;
	size_t echoed;
	int status;

	NEED_DOMU();
	domid = self->d.domid;
	stream_under_way(_metadata, self, 57, &p);
	echoed = p.echoed;
	/* The client does not see its peer destroyed: the echo stops. */
	EXPECT_EQ(pump_while(self, &p, false, XL " destroy " DOMU_IO " 2>&1",
			     3, &started, out, sizeof(out)), 0)
		TH_LOG("xl destroy failed: %s", out);
	self->d.domid = 0;
	EXPECT_GT(p.echoed, echoed)
		TH_LOG("nothing came back while the destroy was under way");
	/* The stream moved after xl destroy began, not only before. */
	EXPECT_GT(p.last_echo, started)
		TH_LOG("the last echo came %.2fs before xl destroy began",
		       started - p.last_echo);
	EXPECT_LT(p.echoed, KILL_KIB << 10)
		TH_LOG("the whole stream came back before the destroy");
	status = client_wait(&self->c, 10);
	TH_LOG("d%u destroyed mid-stream: %zu bytes echoed when xl destroy was about to start, %zu sent and %zu echoed at the end, the last echo %.2fs after xl destroy began; the client %s (status %d)",
	       domid, echoed, p.sent, p.echoed, p.last_echo - started,
	       status == -1 ? "still waited after 10 s: killed" : "ended",
	       status);
	client_end(&self->c);
	EXPECT_TRUE(domain_gone(domid, 90, out, sizeof(out)))
		TH_LOG("d%u is still there after 90 s:\n%s", domid, out);
	EXPECT_BASELINE(NO_DOMU);
	EXPECT_PINS(baseline_pins(NO_DOMU));
	EXPECT_HELD_PAGES(self->held);
	EXPECT_EQ(domu_log_trouble(DOMU_IO), 0);
}

TEST_HARNESS_MAIN
