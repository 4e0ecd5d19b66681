/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two-domain tests (twodomain.c, backends.c) share, in domu.c:
 * the domUs that tests/twodomain/setup started (their domids in RUN_DIR,
 * their refs and commands in xenstore: gntshare.c), Xen's active grant
 * entries per table, xl, dom0's MemTotal and the domUs' console logs.
 */
#ifndef TWODOMAIN_DOMU_H
#define TWODOMAIN_DOMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE		4096UL
#define MAX_PAGES	64
#define RUN_DIR		"/run/twodomain/"
#define LOG_DIR		"/var/log/xen/console/"
#define XL		"/usr/lib/xen-4.17/bin/xl"

struct domu {
	const char *name;
	unsigned int domid;
	unsigned int pages;
	uint32_t refs[MAX_PAGES];
};

/* Xen's active grant entries, from one dump of debug key 'g'. */
struct grants {
	long dom0;		/* entries in dom0's own table */
	long domu;		/* entries in the domU's table */
	long ours;		/* of those, under the domU's published refs */
	long ours_pins;		/* ... their mappings (Xen's pin counts) */
	long ours_not_dom0;	/* ... mapped by another domain than dom0 */
	long total;		/* every table */
	bool domu_table;	/* Xen still has the domU's table */
};

#define GRANTS_FMT "dom0 table %ld, d%u table %ld (its refs: %ld)"
#define GRANTS_ARGS(g, d) (g)->dom0, (d)->domid, (g)->domu, (g)->ours

/* The first 255 bytes of file @path, in a static buffer; NULL on error. */
char *read_file(const char *path);
/* The domid and refs of domU @name; -1 on error. */
int domu_find(const char *name, struct domu *d);
/* Xen's active entries, for domU @d's table (@d may be NULL). */
int read_grants(const struct domu *d, struct grants *g);
/* The same once deferred unmaps finished (three equal readings). */
int read_grants_settled(const struct domu *d, struct grants *g);
/* gntshare's commands: "N @cmd" to domU @d, its result; true if "ok". */
bool domu_command(const struct domu *d, const char *cmd, char *result,
		  size_t size);
bool domu_command_wait(const struct domu *d, const char *cmd, char *result,
		       size_t size, int secs);
/* Run @cmd with popen(), its output in @out; its exit status. */
int run(const char *cmd, char *out, size_t size);
/* The number of domains `xl list` shows; *@listed if @domid is one. */
int xl_list(char *list, size_t size, unsigned int domid, bool *listed);
/* Wait up to @secs for domain @domid to be gone from Xen and xl list. */
bool domain_gone(unsigned int domid, int secs, char *list, size_t size);
long memtotal_kb(void);
/* dom0's MemTotal once it is @want kB, or after 20 s. */
/* @read's value once it is @want, or after @tries waits of @step_us us. */
long read_settled(long (*read)(void), long want, int tries, unsigned int step_us);
long memtotal_kb_settled(long want);
/* 1: dom0's grant pages are unpopulated ones, 0: ballooned, -1: unknown. */
int grant_pages_unpopulated(void);
/* How many lines of domU @name's console log mean trouble (printed). */
int domu_log_trouble(const char *name);
/* Pages gntdev holds for grants lost to failed unmaps; -1 if unknown. */
long gntdev_held_pages(void);

#endif
