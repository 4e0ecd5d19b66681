// SPDX-License-Identifier: GPL-2.0
/*
 * What the two-domain tests (twodomain.c, backends.c) share: the domUs'
 * xenstore nodes and commands, Xen's grant dump (debug key 'g', read
 * through libxenctrl), xl and dom0's own state.  See domu.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenstore.h>

#include "domu.h"

#define CONRING_CHUNK	(64 * 1024)
#define GRANT_DUMP_BEGIN "gnttab_usage_print_all [ key 'g' pressed"
#define GRANT_DUMP_END	"gnttab_usage_print_all ] done"

static xc_interface *xch;
static pid_t xch_pid;	/* libxencall's buffers do not survive a fork */

char *read_file(const char *path)
{
	static char buf[256];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

/* The domid and refs of domU @name (tests/twodomain/setup); -1 on error. */
int domu_find(const char *name, struct domu *d)
{
	struct xs_handle *xs;
	char path[96], *val, *p, *end;
	unsigned int len;

	memset(d, 0, sizeof(*d));
	d->name = name;
	snprintf(path, sizeof(path), RUN_DIR "%s", name);
	val = read_file(path);
	if (!val || sscanf(val, "%u", &d->domid) != 1)
		return -1;
	xs = xs_open(0);
	if (!xs)
		return -1;
	snprintf(path, sizeof(path), "/local/domain/%u/data/gnttest/refs",
		 d->domid);
	val = xs_read(xs, XBT_NULL, path, &len);
	xs_close(xs);
	if (!val)
		return -1;
	for (p = val; d->pages < MAX_PAGES; p = end) {
		unsigned long ref = strtoul(p, &end, 10);

		if (end == p)
			break;
		d->refs[d->pages++] = ref;
	}
	free(val);
	return d->pages ? 0 : -1;
}

static bool is_ref(const struct domu *d, unsigned long ref)
{
	unsigned int i;

	for (i = 0; i < d->pages; i++)
		if (d->refs[i] == ref)
			return true;
	return false;
}

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
 * One dump of debug key 'g', split per table: after "grant-table for
 * remote dN" come the active entries of dN's table, one line each:
 * "[0xREF] MAPPER MFN PIN GRANTEE GFN FLAGS".  0 or -1 with errno set.
 */
int read_grants(const struct domu *d, struct grants *g)
{
	static char chunk[CONRING_CHUNK];
	static uint32_t index;
	char *dump = NULL, *p, *end, *line;
	size_t dump_len = 0;
	long table = -1;
	int ret = -1;

	memset(g, 0, sizeof(*g));
	if (!xch || xch_pid != getpid()) {
		xch = xc_interface_open(NULL, NULL, 0);
		if (!xch)
			return -1;
		xch_pid = getpid();
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
	*end = '\0';
	for (line = strtok(p, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long ref, mapper;
		unsigned int pin, i;
		char *s;

		s = strstr(line, "grant-table for remote d");
		if (s) {
			table = strtol(s + 24, NULL, 10);
			if (d && table == d->domid)
				g->domu_table = true;
			continue;
		}
		s = strstr(line, "[0x");
		if (!s || sscanf(s, "[0x%lx] %lu 0x%*x 0x%x", &ref, &mapper,
				  &pin) != 3)
			continue;
		g->total++;
		if (table == 0)
			g->dom0++;
		if (!d || table != d->domid)
			continue;
		g->domu++;
		if (is_ref(d, ref)) {
			g->ours++;
			/* Host write, host read, device write, device read. */
			for (i = 0; i < 4; i++)
				g->ours_pins += (pin >> (8 * i)) & 0xff;
			if (mapper != 0)
				g->ours_not_dom0++;
		}
	}
	ret = 0;
out:
	free(dump);
	return ret;
}

static bool same_grants(const struct grants *a, const struct grants *b)
{
	return a->dom0 == b->dom0 && a->domu == b->domu &&
	       a->ours_pins == b->ours_pins &&
	       a->ours == b->ours && a->total == b->total &&
	       a->domu_table == b->domu_table;
}

/* Once deferred unmaps finished: three equal readings within 10 s. */
int read_grants_settled(const struct domu *d, struct grants *g)
{
	const struct timespec step = { .tv_nsec = 250 * 1000 * 1000 };
	struct grants prev;
	int i, same = 0;

	if (read_grants(d, &prev))
		return -1;
	for (i = 0; i < 40 && same < 2; i++) {
		nanosleep(&step, NULL);
		if (read_grants(d, g))
			return -1;
		same = same_grants(g, &prev) ? same + 1 : 0;
		prev = *g;
	}
	*g = prev;
	return 0;
}

/*
 * Send domU @d command "N @cmd"; wait up to @secs for its result; true
 * if "ok".
 */
bool domu_command_wait(const struct domu *d, const char *cmd, char *result,
		       size_t size, int secs)
{
	const struct timespec step = { .tv_nsec = 100 * 1000 * 1000 };
	char path[96], *req, *val;
	struct xs_handle *xs = xs_open(0);
	unsigned int len, n = 0, got;
	bool ok = false;
	int i;

	snprintf(result, size, "no answer");
	if (!xs)
		return false;
	/*
	 * After the last command and its result: a command that timed out
	 * here may still run, and gntshare ignores numbers it has seen.
	 */
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/local/domain/%u/data/gnttest/%s",
			 d->domid, i ? "cmd" : "result");
		val = xs_read(xs, XBT_NULL, path, &len);
		if (val) {
			if (sscanf(val, "%u", &got) == 1 && got > n)
				n = got;
			free(val);
		}
	}
	n++;
	if (asprintf(&req, "%u %s", n, cmd) < 0)
		goto out;
	snprintf(path, sizeof(path), "/local/domain/%u/data/gnttest/cmd",
		 d->domid);
	if (!xs_write(xs, XBT_NULL, path, req, strlen(req))) {
		free(req);
		goto out;
	}
	free(req);
	snprintf(path, sizeof(path), "/local/domain/%u/data/gnttest/result",
		 d->domid);
	for (i = 0; i < secs * 10; i++) {
		nanosleep(&step, NULL);
		val = xs_read(xs, XBT_NULL, path, &len);
		if (!val)
			continue;
		if (sscanf(val, "%u", &got) == 1 && got == n) {
			char *word = strchr(val, ' ');

			snprintf(result, size, "%s", val);
			ok = word && !strncmp(word, " ok", 3);
			free(val);
			break;
		}
		free(val);
	}
out:
	xs_close(xs);
	return ok;
}

bool domu_command(const struct domu *d, const char *cmd, char *result,
		  size_t size)
{
	return domu_command_wait(d, cmd, result, size, 30);
}

/* Run @cmd, its output in @out; its exit status. */
int run(const char *cmd, char *out, size_t size)
{
	FILE *f = popen(cmd, "r");
	size_t n = 0;

	out[0] = '\0';
	if (!f)
		return -1;
	while (n + 1 < size && fgets(out + n, size - n, f))
		n += strlen(out + n);
	/* The rest, unread, would block the command and pclose(). */
	while (fgetc(f) != EOF)
		;
	return pclose(f);
}

/* The domains `xl list` shows, with @domid among them or not. */
int xl_list(char *list, size_t size, unsigned int domid, bool *listed)
{
	char *line, *copy;
	unsigned int id;
	int n = 0;

	*listed = false;
	run(XL " list 2>/dev/null", list, size);
	copy = strdup(list);
	if (!copy)
		return -1;
	/* "Name ID Mem VCPUs State Time(s)": the header has no number. */
	for (line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, "%*s %u", &id) != 1)
			continue;
		n++;
		if (id == domid)
			*listed = true;
	}
	free(copy);
	return n;
}

/* Wait up to @secs for domain @domid to be gone from Xen and xl list. */
bool domain_gone(unsigned int domid, int secs, char *list, size_t size)
{
	struct domu d = { .domid = domid };
	struct grants g;
	bool listed;
	int i;

	for (i = 0; i < secs * 2; i++) {
		xl_list(list, size, domid, &listed);
		if (!read_grants(&d, &g) && !g.domu_table && !listed)
			return true;
		usleep(500 * 1000);
	}
	return false;
}

long memtotal_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	long kb = -1;

	if (f) {
		if (fscanf(f, "MemTotal: %ld", &kb) != 1)
			kb = -1;
		fclose(f);
	}
	return kb;
}

long read_settled(long (*read)(void), long want, int tries, unsigned int step_us)
{
	long now = read();
	int i;

	for (i = 0; i < tries && now != want; i++) {
		usleep(step_us);
		now = read();
	}
	return now;
}

long memtotal_kb_settled(long want)
{
	/* The balloon driver gives pages back from a worker: wait for it. */
	return read_settled(memtotal_kb, want, 40, 500 * 1000);
}

/*
 * Whether dom0's grant pages come from XEN_UNPOPULATED_ALLOC (1): the
 * E820 extra memory, then unpopulated ZONE_DEVICE ranges ("Xen
 * scratch" in /proc/iomem), none of which MemTotal ever counted; or
 * from the balloon (0), whose pages are out of MemTotal while they are
 * held.  scripts/mkinitramfs-xl.sh writes it from dom0's .config; -1
 * without it.
 */
int grant_pages_unpopulated(void)
{
	char line[8] = "";
	FILE *f = fopen("/etc/xentest/unpopulated-alloc", "r");

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	return line[0] == 'y' ? 1 : line[0] == 'n' ? 0 : -1;
}

/*
 * The lines of domU @name's console log that mean trouble: how many.
 * Prints them, and gntshare's own lines.
 */
int domu_log_trouble(const char *name)
{
	static const char *const bad[] = {
		"WARNING:", "BUG:", "Oops", "still in use", "leaking g.e.",
		"Kernel panic", "Bad page",
	};
	char path[128], line[2048];
	unsigned int i;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), LOG_DIR "guest-%s.log", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "gntshare") || strstr(line, "domU:"))
			printf("# %s: %s", name, line);
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (strstr(line, bad[i])) {
				printf("# %s: %s", name, line);
				n++;
				break;
			}
	}
	fclose(f);
	return n;
}

long gntdev_held_pages(void)
{
	char *val = read_file("/sys/module/xen_gntdev/parameters/held_pages");

	return val ? atol(val) : -1;
}
