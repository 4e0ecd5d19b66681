// SPDX-License-Identifier: GPL-2.0
/*
 * The domU side of the two-domain tests (tests/twodomain): grant pages to
 * dom0 with /dev/xen/gntalloc, fill them with a known pattern, publish
 * the refs in xenstore, then do what dom0 asks through xenstore.
 *
 * Under the domain's own xenstore directory (relative paths, which
 * xenstored resolves to /local/domain/DOMID; libxl makes data/ writable
 * by the domain):
 *   data/gnttest/refs    "REF REF ..." (written once, with pages)
 *   data/gnttest/pages   the number of pages
 *   data/gnttest/cmd     dom0 writes "N VERB [ARG]", N counting up:
 *                          N check SEED  do the pages hold pattern SEED?
 *                          N free        end the grants, release the pages
 *                          N sh CMDLINE  run CMDLINE with sh -c: "ok" if it
 *                                        exits 0; the result ends with
 *                                        the tail of its output
 *   data/gnttest/result  "N ok ..." or "N bad ...", for command N
 * With 0 pages nothing is granted and only "sh" makes sense.
 *
 * gntshare --churn N grants N pages at a time for grant_fuzz's --foreign
 * maps (tests/twodomain/fuzz.c), in rounds: it grants, fills each page as
 * grant_fuzz.c's struct foreign_header and foreign_byte() say, publishes
 * the round's number and refs in data/gnttest/churn ("ROUND REF REF
 * ...") and the number in data/gnttest/churn-rounds, ends the grants of
 * the round CHURN_KEEP rounds back (gntalloc defers those dom0 still
 * maps), waits 100 to 500 ms and begins the next round.
 * After "free" the result says how many times this kernel logged that a
 * grant was still in use (grant-table.c: "still in use", "leaking g.e.",
 * "still pending"): dom0 must have let go of every page.
 *
 * Everything is also printed on the console (hvc0), which xenconsoled
 * writes to /var/log/xen/console/guest-NAME.log in dom0.
 *
 * Linked statically (libxenstore.a), so the domU's initramfs needs only
 * busybox and this program.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xen/gntalloc.h>
#include <xenstore.h>

#define PAGE	4096UL
#define DIR	"data/gnttest/"
#define RESULT_SIZE	1024

static struct xs_handle *xs;

/* The same pattern as the dom0 tests (tests/twodomain/twodomain.c). */
static void fill_pattern(unsigned char *p, unsigned long len,
			 unsigned int seed)
{
	unsigned long i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(seed + i * 7 + i / PAGE);
}

/* The first page that does not hold pattern @seed, or -1. */
static long bad_page(const unsigned char *p, unsigned long len,
		     unsigned int seed)
{
	unsigned long i;

	for (i = 0; i < len; i++)
		if (p[i] != (unsigned char)(seed + i * 7 + i / PAGE))
			return i / PAGE;
	return -1;
}

static bool put(const char *node, const char *value)
{
	char path[64];

	snprintf(path, sizeof(path), DIR "%s", node);
	if (!xs_write(xs, XBT_NULL, path, value, strlen(value))) {
		printf("gntshare: xenstore write %s: %m\n", path);
		return false;
	}
	return true;
}

/* How often this kernel complained about a grant still in use. */
static int still_in_use_messages(void)
{
	static const char *const words[] = {
		"still in use", "leaking g.e.", "still pending",
	};
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *p;
	unsigned int i;
	int n = 0;

	if (len <= 0)
		return -1;
	buf = calloc(1, len + 1);
	if (!buf)
		return -1;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	if (len < 0) {
		free(buf);
		return -1;
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		for (p = buf; (p = strstr(p, words[i])); p++)
			n++;
	free(buf);
	return n;
}

/* "N ok|bad exit R: OUTPUT" for "N sh @cmdline" (the output's tail). */
static void run_sh(unsigned int n, const char *cmdline, char *result,
		   size_t size)
{
	static char out[RESULT_SIZE];
	char *cmd, *p;
	size_t len;
	long at;
	int status;
	FILE *f;

	if (asprintf(&cmd, "( %s ) </dev/null >/tmp/sh.out 2>&1", cmdline) < 0) {
		snprintf(result, size, "%u bad no memory", n);
		return;
	}
	status = system(cmd);
	free(cmd);
	out[0] = '\0';
	f = fopen("/tmp/sh.out", "r");
	if (f) {
		fseek(f, 0, SEEK_END);
		at = ftell(f) - (long)size / 2;
		fseek(f, at > 0 ? at : 0, SEEK_SET);
		len = fread(out, 1, size / 2, f);
		out[len] = '\0';
		fclose(f);
	}
	for (p = out; *p; p++)
		if (*p == '\n')
			*p = '|';
	snprintf(result, size, "%u %s exit %d: %s", n,
		 status == 0 ? "ok" : "bad",
		 WIFEXITED(status) ? WEXITSTATUS(status) : -1, out);
}

/*
 * Grant @op->count pages to dom0, writable, through a gntalloc file of
 * their own (in *@fd: its release ends the grants), and map them: their
 * data, or NULL (said why).
 */
static unsigned char *grant(struct ioctl_gntalloc_alloc_gref *op, int *fd)
{
	unsigned char *data;

	*fd = open("/dev/xen/gntalloc", O_RDWR);
	if (*fd < 0) {
		printf("gntshare: /dev/xen/gntalloc: %m\n");
		return NULL;
	}
	op->domid = 0;
	op->flags = GNTALLOC_FLAG_WRITABLE;
	if (ioctl(*fd, IOCTL_GNTALLOC_ALLOC_GREF, op)) {
		printf("gntshare: IOCTL_GNTALLOC_ALLOC_GREF: %m\n");
		return NULL;
	}
	data = mmap(NULL, op->count * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    *fd, op->index);
	if (data == MAP_FAILED) {
		printf("gntshare: mmap: %m\n");
		return NULL;
	}
	return data;
}

/* grant_fuzz.c's, which checks them: a page says which grant it is. */
#define FOREIGN_MAGIC	0x31465a47

static unsigned char foreign_byte(uint32_t ref, uint32_t gen, size_t i)
{
	return (unsigned char)(ref * 13 + gen * 7 + i);
}

static void fill_foreign(unsigned char *p, uint32_t ref, uint32_t gen)
{
	const uint32_t header[] = { FOREIGN_MAGIC, ref, gen };
	size_t i;

	memcpy(p, header, sizeof(header));
	for (i = sizeof(header); i < PAGE; i++)
		p[i] = foreign_byte(ref, gen, i);
}

/*
 * A round's grants end CHURN_KEEP rounds after the next round is out.  An
 * ended ref is soon granted again, and a new grant's page reads zero
 * until this program fills it: a grant_fuzz operation that still works
 * from a file CHURN_KEEP + 1 rounds old could see that, and report a
 * page that is no grant's.  With one round kept, a grant copy on make
 * soak's memcheck kernel did so after 114 s (its file two rounds old);
 * eight rounds take at least 0.8 s, typically 2.4 s, to pass.
 */
#define CHURN_KEEP	8

static int churn(unsigned int pages)
{
	struct ioctl_gntalloc_alloc_gref *op;
	struct timespec hold = { 0 };
	unsigned char *data, *kept_data[CHURN_KEEP] = { NULL };
	int fd, kept_fd[CHURN_KEEP];
	unsigned int i, len, k;
	char *refs, num[16];
	uint32_t gen;

	op = calloc(1, sizeof(*op) + pages * sizeof(op->gref_ids[0]));
	refs = calloc(pages + 1, 12);
	if (!op || !refs)
		return 1;
	for (k = 0; k < CHURN_KEEP; k++)
		kept_fd[k] = -1;
	srand(getpid());
	for (gen = 1; ; gen++) {
		op->count = pages;
		data = grant(op, &fd);
		if (!data) {
			printf("gntshare: churn round %u failed\n", gen);
			return 1;
		}
		len = sprintf(refs, "%u", gen);
		for (i = 0; i < pages; i++) {
			fill_foreign(data + i * PAGE, op->gref_ids[i], gen);
			len += sprintf(refs + len, " %u", op->gref_ids[i]);
		}
		snprintf(num, sizeof(num), "%u", gen);
		if (!put("churn", refs) || !put("churn-rounds", num))
			return 1;
		if (gen % 50 == 1)
			printf("gntshare: churn round %u: %s\n", gen, refs);
		/*
		 * A round ends only once CHURN_KEEP newer ones are out, so
		 * that a ref of a file dom0 may still read is not granted
		 * again, unfilled, meanwhile.  The release ends the grants.
		 */
		k = gen % CHURN_KEEP;
		if (kept_fd[k] >= 0) {
			munmap(kept_data[k], pages * PAGE);
			close(kept_fd[k]);
		}
		kept_fd[k] = fd;
		kept_data[k] = data;
		hold.tv_nsec = (100 + rand() % 400) * 1000 * 1000L;
		nanosleep(&hold, NULL);
	}
}

int main(int argc, char **argv)
{
	unsigned int pages = argc > 1 ? atoi(argv[1]) : 8;
	struct ioctl_gntalloc_alloc_gref *op = NULL;
	struct ioctl_gntalloc_dealloc_gref del;
	const struct timespec step = { .tv_nsec = 100 * 1000 * 1000 };
	unsigned char *data = NULL;
	char *refs, *cmd, num[32], result[RESULT_SIZE];
	unsigned int i, done = 0, len;
	int fd = -1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	xs = xs_open(0);
	if (!xs) {
		printf("gntshare: xs_open: %m\n");
		return 1;
	}
	if (argc > 2 && !strcmp(argv[1], "--churn"))
		return churn(atoi(argv[2]));
	if (!pages) {
		if (!put("result", "0 ok ready"))
			return 1;
		printf("gntshare: no grants, commands only\n");
	} else {
		op = calloc(1, sizeof(*op) + pages * sizeof(op->gref_ids[0]));
		if (!op)
			return 1;
		op->count = pages;
		data = grant(op, &fd);
		if (!data)
			return 1;
		fill_pattern(data, pages * PAGE, 1);

		refs = calloc(pages, 12);
		for (i = 0, len = 0; i < pages; i++)
			len += sprintf(refs + len, "%s%u", i ? " " : "",
				       op->gref_ids[i]);
		snprintf(num, sizeof(num), "%u", pages);
		if (!put("result", "0 ok ready") || !put("pages", num) ||
		    !put("refs", refs))
			return 1;
		printf("gntshare: granted %u pages to dom0: %s\n", pages, refs);
	}

	for (;;) {
		unsigned int n, seed;
		char verb[16];
		long bad;

		nanosleep(&step, NULL);
		cmd = xs_read(xs, XBT_NULL, DIR "cmd", &len);
		if (!cmd)
			continue;
		if (sscanf(cmd, "%u %15s %u", &n, verb, &seed) < 2 ||
		    n <= done) {
			free(cmd);
			continue;
		}
		printf("gntshare: command %s\n", cmd);
		done = n;
		if (!strcmp(verb, "sh") && strstr(cmd, " sh ")) {
			run_sh(n, strstr(cmd, " sh ") + 4, result,
			       sizeof(result));
		} else if (!strcmp(verb, "check") && data) {
			bad = bad_page(data, pages * PAGE, seed);
			if (bad < 0)
				snprintf(result, sizeof(result),
					 "%u ok pattern %u", n, seed);
			else
				snprintf(result, sizeof(result),
					 "%u bad page %ld does not hold pattern %u",
					 n, bad, seed);
		} else if (!strcmp(verb, "free") && data) {
			int before = still_in_use_messages(), after;

			munmap(data, pages * PAGE);
			data = NULL;
			del.index = op->index;
			del.count = pages;
			if (ioctl(fd, IOCTL_GNTALLOC_DEALLOC_GREF, &del)) {
				snprintf(result, sizeof(result),
					 "%u bad dealloc: %m", n);
			} else {
				close(fd);
				/* gntalloc ends the grants on the release. */
				sleep(1);
				after = still_in_use_messages();
				snprintf(result, sizeof(result),
					 "%u %s freed, %d still-in-use messages",
					 n, after == before && after >= 0 ?
					 "ok" : "bad", after - before);
			}
		} else {
			snprintf(result, sizeof(result),
				 "%u bad unknown command", n);
		}
		free(cmd);
		printf("gntshare: result %s\n", result);
		put("result", result);
	}
}
