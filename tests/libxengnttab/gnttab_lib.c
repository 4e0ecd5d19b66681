// SPDX-License-Identifier: GPL-2.0
/*
 * The teardown cases of the grant PTE series, through the real client
 * library: libxengntshr shares dom0's own pages with dom0 (gntalloc),
 * libxengnttab maps them back (gntdev, domid 0), as QEMU's backends and
 * libvchan do.  Leaks are judged from Xen's side: debug key 'g' dumps
 * every active grant entry into Xen's console ring, which libxenctrl
 * reads back (xc_send_debug_keys, xc_readconsolering).
 *
 * A harness test of tests/ (scripts/build-libxen-tests.sh), not a kernel
 * selftest: upstream takes no libxen dependency.  It uses the kernel's
 * kselftest_harness.h, copied from the series' tree at build time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xengnttab.h>
#include <xen/grant_table.h>

#include "kselftest_harness.h"

#define PAGE		4096UL
#define PAGES		4
#define SELF		0	/* dom0 shares with and maps from itself */
/* The unmap-notify bytes: the sharer's, and the mapper's. */
#define SHARER_NOTIFY	0x10
#define MAPPER_NOTIFY	0x20

#define CONRING_CHUNK	(64 * 1024)
#define GRANT_DUMP_BEGIN "gnttab_usage_print_all [ key 'g' pressed"
#define GRANT_DUMP_END	"gnttab_usage_print_all ] done"

static xc_interface *xch;

/* Read Xen's console ring from @*index on; append to @out if given. */
static int conring_read(char *chunk, uint32_t *index, char **out,
			size_t *out_len)
{
	unsigned int got;

	do {
		got = CONRING_CHUNK;
		if (xc_readconsolering(xch, chunk, &got, 0, 1, index))
			return -1;
		if (out && got) {
			char *grown = realloc(*out, *out_len + got + 1);

			if (!grown)
				return -1;
			memcpy(grown + *out_len, chunk, got);
			*out_len += got;
			grown[*out_len] = '\0';
			*out = grown;
		}
	} while (got == CONRING_CHUNK);
	return 0;
}

/*
 * Xen's count of active grant entries in every domain (one "[0xREF] ..."
 * line each in the dump of debug key 'g'), or -1 with errno set.
 */
static long xen_active_grants(void)
{
	static char chunk[CONRING_CHUNK];
	static uint32_t index;
	const char *p, *end;
	char *dump = NULL;
	size_t dump_len = 0;
	long n = -1;

	if (!xch) {
		xch = xc_interface_open(NULL, NULL, 0);
		if (!xch)
			return -1;
	}
	if (conring_read(chunk, &index, NULL, NULL) ||
	    xc_send_debug_keys(xch, "g") ||
	    conring_read(chunk, &index, &dump, &dump_len))
		goto out;
	errno = EPROTO;
	p = dump ? strstr(dump, GRANT_DUMP_BEGIN) : NULL;
	end = p ? strstr(p, GRANT_DUMP_END) : NULL;
	if (!end)
		goto out;
	for (n = 0; (p = strstr(p, "[0x")) && p < end; p += 3)
		n++;
out:
	free(dump);
	return n;
}

/*
 * The count once deferred unmaps have finished: the same for three
 * readings in a row, within ten seconds.
 */
static long xen_active_grants_settled(void)
{
	const struct timespec step = { .tv_nsec = 250 * 1000 * 1000 };
	long prev = -1, n;
	int i, same = 0;

	for (i = 0; i < 40 && same < 2; i++) {
		n = xen_active_grants();
		if (n < 0)
			return n;
		same = n == prev ? same + 1 : 0;
		prev = n;
		nanosleep(&step, NULL);
	}
	return prev;
}

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

FIXTURE(libxen)
{
	xengntshr_handle *xgs;
	xengnttab_handle *xgt;
	uint32_t refs[PAGES];
	unsigned char *shared;	/* the sharer's view of the pages */
	long grants_before;
	long grants_held;	/* while mapped or pinned, for the log */
	int pipe[2];
};

FIXTURE_SETUP(libxen)
{
	self->pipe[0] = self->pipe[1] = -1;
	self->grants_before = self->grants_held = -1;
	if (access("/dev/xen/gntdev", R_OK | W_OK) ||
	    access("/dev/xen/gntalloc", R_OK | W_OK) ||
	    access("/dev/xen/privcmd", R_OK | W_OK))
		SKIP(return, "not a Xen dom0 with gntdev, gntalloc and privcmd");

	self->grants_before = xen_active_grants_settled();
	ASSERT_GE(self->grants_before, 0)
		TH_LOG("reading Xen's grant table: %m");
	self->xgs = xengntshr_open(NULL, 0);
	ASSERT_NE(self->xgs, NULL) TH_LOG("xengntshr_open: %m");
	self->xgt = xengnttab_open(NULL, 0);
	ASSERT_NE(self->xgt, NULL) TH_LOG("xengnttab_open: %m");
	self->shared = xengntshr_share_pages(self->xgs, SELF, PAGES,
					     self->refs, 1);
	ASSERT_NE(self->shared, NULL) TH_LOG("xengntshr_share_pages: %m");
	fill_pattern(self->shared, PAGES * PAGE, 1);
	ASSERT_EQ(pipe(self->pipe), 0);
}

FIXTURE_TEARDOWN(libxen)
{
	long after;

	if (self->pipe[0] >= 0)
		close(self->pipe[0]);
	if (self->pipe[1] >= 0)
		close(self->pipe[1]);
	if (self->shared)
		xengntshr_unshare(self->xgs, self->shared, PAGES);
	if (self->xgt)
		xengnttab_close(self->xgt);
	if (self->xgs)
		xengntshr_close(self->xgs);
	if (self->grants_before < 0)
		return;
	after = xen_active_grants_settled();
	EXPECT_GE(after, 0) TH_LOG("reading Xen's grant table: %m");
	EXPECT_LE(after, self->grants_before)
		TH_LOG("Xen holds %ld active grant entries, %ld before the test",
		       after, self->grants_before);
	/* Last: report.py takes a failed test's first message as its reason. */
	if (self->grants_held >= 0)
		TH_LOG("Xen's active grant entries: %ld before, %ld while mapped or pinned, %ld after",
		       self->grants_before, self->grants_held, after);
	else
		TH_LOG("Xen's active grant entries: %ld before, %ld after",
		       self->grants_before, after);
}

/* Pin page @page of the mapping @map in the pipe. */
static int pin(int pipe_w, unsigned char *map, unsigned int page)
{
	struct iovec iov = { map + page * PAGE, PAGE };

	return vmsplice(pipe_w, &iov, 1, 0) == PAGE ? 0 : -1;
}

/* The pipe must hand back the sharer's page @page as it is now. */
static void expect_pinned_data(struct __test_metadata *_metadata, int pipe_r,
			       const unsigned char *shared, unsigned int page)
{
	unsigned char buf[PAGE];

	ASSERT_EQ(read(pipe_r, buf, sizeof(buf)), sizeof(buf));
	EXPECT_EQ(memcmp(buf, shared + page * PAGE, PAGE), 0)
		TH_LOG("pinned page %u reads back wrong", page);
}

/* Xen must hold no more active grants than before, once settled. */
static void expect_grants_back(struct __test_metadata *_metadata,
			       long before)
{
	long after = xen_active_grants_settled();

	ASSERT_GE(after, 0) TH_LOG("reading Xen's grant table: %m");
	EXPECT_LE(after, before)
		TH_LOG("Xen holds %ld active grant entries, %ld before",
		       after, before);
}

/* a. map, write both ways, unmap: the grants come back. */
TEST_F(libxen, map_write_unmap)
{
	uint32_t domids[PAGES] = { SELF, SELF, SELF, SELF };
	unsigned char *map;
	long during;

	map = xengnttab_map_grant_refs(self->xgt, PAGES, domids, self->refs,
				       PROT_READ | PROT_WRITE);
	ASSERT_NE(map, NULL) TH_LOG("xengnttab_map_grant_refs: %m");
	EXPECT_TRUE(check_pattern(map, PAGES * PAGE, 1));
	fill_pattern(map, PAGES * PAGE, 2);
	EXPECT_TRUE(check_pattern(self->shared, PAGES * PAGE, 2))
		TH_LOG("the sharer does not see what the mapper wrote");
	fill_pattern(self->shared, PAGE, 3);
	EXPECT_TRUE(check_pattern(map, PAGE, 3))
		TH_LOG("the mapper does not see what the sharer wrote");
	/* The count must see these grants, or it proves nothing. */
	during = xen_active_grants();
	self->grants_held = during;
	EXPECT_GE(during, self->grants_before + PAGES)
		TH_LOG("Xen counts %ld active grants while %d are mapped, %ld before",
		       during, PAGES, self->grants_before);
	ASSERT_EQ(xengnttab_unmap(self->xgt, map, PAGES), 0);
}

static int map_pin_exit(xengnttab_handle *xgt, uint32_t *refs, int pipe_w)
{
	unsigned char *map;

	map = xengnttab_map_domain_grant_refs(xgt, PAGES, SELF, refs,
					      PROT_READ | PROT_WRITE);
	if (!map || pin(pipe_w, map, 0))
		return 1;
	return 0;	/* exit with the mapping and the handle open */
}

/* b. the mapper exits while the pipe pins a mapped page. */
TEST_F_TIMEOUT(libxen, exit_while_pinned, 60)
{
	int status;
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(map_pin_exit(self->xgt, self->refs, self->pipe[1]));
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("the mapper failed");
	self->grants_held = xen_active_grants();
	expect_pinned_data(_metadata, self->pipe[0], self->shared, 0);
	close(self->pipe[1]);
	self->pipe[1] = -1;
	expect_grants_back(_metadata, self->grants_before);
}

/* c. xengnttab_unmap (munmap) while the pipe pins a mapped page. */
TEST_F_TIMEOUT(libxen, unmap_while_pinned, 60)
{
	unsigned char *map;

	map = xengnttab_map_domain_grant_refs(self->xgt, PAGES, SELF,
					      self->refs,
					      PROT_READ | PROT_WRITE);
	ASSERT_NE(map, NULL) TH_LOG("xengnttab_map_domain_grant_refs: %m");
	ASSERT_EQ(pin(self->pipe[1], map, 1), 0) TH_LOG("vmsplice: %m");
	ASSERT_EQ(xengnttab_unmap(self->xgt, map, PAGES), 0);
	self->grants_held = xen_active_grants();
	expect_pinned_data(_metadata, self->pipe[0], self->shared, 1);
	close(self->pipe[1]);
	self->pipe[1] = -1;
	expect_grants_back(_metadata, self->grants_before);
}

/* Wait up to ten seconds for byte @p to read 0. */
static bool cleared(const volatile unsigned char *p)
{
	const struct timespec step = { .tv_nsec = 100 * 1000 * 1000 };
	int i;

	for (i = 0; i < 100 && *p; i++)
		nanosleep(&step, NULL);
	return !*p;
}

/* The mapper of the notify page: pin it, say so, wait to be killed. */
static int notify_mapper(uint32_t ref, int pipe_w, int ready_w)
{
	xengnttab_handle *xgt = xengnttab_open(NULL, 0);
	unsigned char *map;

	if (!xgt)
		return 1;
	map = xengnttab_map_grant_ref_notify(xgt, SELF, ref,
					     PROT_READ | PROT_WRITE,
					     MAPPER_NOTIFY, -1);
	if (!map || pin(pipe_w, map, 0) || write(ready_w, "", 1) != 1)
		return 1;
	for (;;)
		pause();
}

/*
 * d. the unmap notifications: the mapper's byte is cleared when the
 * mapper is killed while a pipe pins its page, the sharer's when the
 * sharer unshares.
 */
TEST_F_TIMEOUT(libxen, notify_kill_while_pinned, 90)
{
	volatile unsigned char *page, *map;
	int ready[2], status;
	ssize_t got;
	char c;
	uint32_t ref;
	pid_t pid;

	page = xengntshr_share_page_notify(self->xgs, SELF, &ref, 1,
					   SHARER_NOTIFY, -1);
	ASSERT_NE(page, NULL) TH_LOG("xengntshr_share_page_notify: %m");
	fill_pattern((unsigned char *)page, PAGE, 4);
	page[SHARER_NOTIFY] = page[MAPPER_NOTIFY] = 1;
	ASSERT_EQ(pipe(ready), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(notify_mapper(ref, self->pipe[1], ready[1]));
	close(ready[1]);
	got = read(ready[0], &c, 1);
	close(ready[0]);
	kill(pid, SIGKILL);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_EQ(got, 1) TH_LOG("the mapper failed");
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	EXPECT_TRUE(cleared(page + MAPPER_NOTIFY))
		TH_LOG("the mapper's notify byte is still set");
	EXPECT_EQ(page[SHARER_NOTIFY], 1);
	self->grants_held = xen_active_grants();
	expect_pinned_data(_metadata, self->pipe[0],
			   (const unsigned char *)page, 0);
	close(self->pipe[1]);
	self->pipe[1] = -1;
	expect_grants_back(_metadata, self->grants_before);

	/* The sharer's notification reaches a mapper that is still there. */
	map = xengnttab_map_grant_ref(self->xgt, SELF, ref,
				      PROT_READ | PROT_WRITE);
	ASSERT_NE(map, NULL) TH_LOG("xengnttab_map_grant_ref: %m");
	EXPECT_EQ(map[SHARER_NOTIFY], 1);
	ASSERT_EQ(xengntshr_unshare(self->xgs, (void *)page, 1), 0);
	EXPECT_TRUE(cleared(map + SHARER_NOTIFY))
		TH_LOG("the sharer's notify byte is still set");
	ASSERT_EQ(xengnttab_unmap(self->xgt, (void *)map, 1), 0);
}

/*
 * e. the fork contract of libxengnttab: the child may only close the
 * handle; the parent's mapping goes on working.
 */
TEST_F(libxen, fork_child_closes)
{
	unsigned char *map;
	int status;
	pid_t pid;

	map = xengnttab_map_domain_grant_refs(self->xgt, PAGES, SELF,
					      self->refs,
					      PROT_READ | PROT_WRITE);
	ASSERT_NE(map, NULL) TH_LOG("xengnttab_map_domain_grant_refs: %m");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(xengnttab_close(self->xgt) ? 1 : 0);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("xengnttab_close in the child failed");
	EXPECT_TRUE(check_pattern(map, PAGES * PAGE, 1))
		TH_LOG("the parent's mapping reads back wrong after the fork");
	fill_pattern(map, PAGES * PAGE, 5);
	EXPECT_TRUE(check_pattern(self->shared, PAGES * PAGE, 5))
		TH_LOG("the sharer does not see the parent's writes after the fork");
	ASSERT_EQ(xengnttab_unmap(self->xgt, map, PAGES), 0);
}

/* f. grant copy: gref -> local, local -> gref, gref -> gref, bad gref. */
TEST_F(libxen, grant_copy)
{
	static unsigned char local[PAGE], out[PAGE], junk[16];
	xengnttab_grant_copy_segment_t segs[4] = {};
	unsigned char *p0 = self->shared, *p1 = self->shared + PAGE;
	unsigned char expect[PAGE];
	unsigned int i;

	memset(p1, 0, PAGE);
	fill_pattern(local, PAGE, 6);

	segs[0].flags = GNTCOPY_source_gref;
	segs[0].source.foreign.ref = self->refs[0];
	segs[0].source.foreign.domid = SELF;
	segs[0].dest.virt = out;
	segs[0].len = PAGE;

	segs[1].flags = GNTCOPY_dest_gref;
	segs[1].source.virt = local;
	segs[1].dest.foreign.ref = self->refs[1];
	segs[1].dest.foreign.domid = SELF;
	segs[1].dest.foreign.offset = 100;
	segs[1].len = 200;

	segs[2].flags = GNTCOPY_source_gref | GNTCOPY_dest_gref;
	segs[2].source.foreign.ref = self->refs[0];
	segs[2].source.foreign.domid = SELF;
	segs[2].source.foreign.offset = 2048;
	segs[2].dest.foreign.ref = self->refs[1];
	segs[2].dest.foreign.domid = SELF;
	segs[2].dest.foreign.offset = 1024;
	segs[2].len = 512;

	segs[3].flags = GNTCOPY_source_gref;
	segs[3].source.foreign.ref = 0xfffffff0;	/* beyond any table */
	segs[3].source.foreign.domid = SELF;
	segs[3].dest.virt = junk;
	segs[3].len = sizeof(junk);

	ASSERT_EQ(xengnttab_grant_copy(self->xgt, 4, segs), 0)
		TH_LOG("xengnttab_grant_copy: %m");
	for (i = 0; i < 3; i++)
		EXPECT_EQ(segs[i].status, GNTST_okay)
			TH_LOG("segment %u: status %d", i, segs[i].status);
	EXPECT_EQ(segs[3].status, GNTST_bad_gntref)
		TH_LOG("a bad ref: status %d", segs[3].status);

	EXPECT_EQ(memcmp(out, p0, PAGE), 0) TH_LOG("gref -> local copied wrong");
	memset(expect, 0, PAGE);
	memcpy(expect + 100, local, 200);
	memcpy(expect + 1024, p0 + 2048, 512);
	EXPECT_EQ(memcmp(p1, expect, PAGE), 0)
		TH_LOG("local -> gref or gref -> gref copied wrong");
}

TEST_HARNESS_MAIN
