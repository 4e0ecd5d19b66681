// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of the retries of paged-out grant ops: the batched retries of
 * grant-table.c against the per-op serial retry that Linux used before,
 * kept here only to be compared with.  A harness module, built out of
 * tree against the series' dom0 kernel (scripts/build-kernel.sh), for
 * the eagain rows of make bench; not part of the series.
 *
 * Reading /sys/kernel/debug/grant_eagain_bench copies GRANT_EAGAIN_OPS
 * chunks of dom0's own memory, one GNTTABOP_copy op each, once with each
 * scheme, and prints "ops,serial_us,batched_us,ok". Which ops report
 * GNTST_eagain is up to fail_grant_eagain, set by the reader (for
 * instance for itself only, with task-filter and make-it-fail).
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <xen/grant_table.h>
#include <xen/interface/grant_table.h>
#include <xen/page.h>
#include <xen/xen.h>

#define GRANT_EAGAIN_OPS	512
#define GRANT_EAGAIN_CHUNK	(PAGE_SIZE / GRANT_EAGAIN_OPS)

struct grant_eagain_bench {
	struct gnttab_copy ops[GRANT_EAGAIN_OPS];
	void *src;
	void *dst;
};

static struct dentry *grant_eagain_bench_file;

static void grant_eagain_bench_prepare(struct grant_eagain_bench *b)
{
	unsigned int i;

	memset(b->dst, 0, PAGE_SIZE);
	for (i = 0; i < GRANT_EAGAIN_OPS; i++) {
		struct gnttab_copy *op = &b->ops[i];

		op->source.u.gmfn = virt_to_gfn(b->src);
		op->source.domid = DOMID_SELF;
		op->source.offset = i * GRANT_EAGAIN_CHUNK;
		op->dest.u.gmfn = virt_to_gfn(b->dst);
		op->dest.domid = DOMID_SELF;
		op->dest.offset = i * GRANT_EAGAIN_CHUNK;
		op->len = GRANT_EAGAIN_CHUNK;
		op->flags = 0;
	}
}

/*
 * The retry of Linux 6.12 (gnttab_retry_eagain_gop()): one hypercall for
 * the batch, then each paged-out op on its own, re-issued at once and
 * then after sleeps of 1, 2, ... 255 ms, given up after the last sleep.
 * Built on gnttab_batch_copy_nosleep() so that fail_grant_eagain holds
 * its ops back just as it does the batched ones.
 */
static void grant_eagain_bench_serial(struct grant_eagain_bench *b)
{
	struct gnttab_copy *op;
	unsigned int delay;

	gnttab_batch_copy_nosleep(b->ops, GRANT_EAGAIN_OPS, GNTTAB_ISSUE);
	for (op = b->ops; op < b->ops + GRANT_EAGAIN_OPS; op++) {
		if (op->status != GNTST_eagain)
			continue;
		delay = 1;
		do {
			gnttab_batch_copy_nosleep(op, 1, GNTTAB_RETRY);
			if (op->status == GNTST_eagain)
				msleep(delay++);
		} while (op->status == GNTST_eagain && delay < 256);
		if (op->status == GNTST_eagain)
			gnttab_batch_copy_nosleep(op, 1, GNTTAB_GIVE_UP);
	}
}

static bool grant_eagain_bench_done(struct grant_eagain_bench *b)
{
	unsigned int i;

	for (i = 0; i < GRANT_EAGAIN_OPS; i++)
		if (b->ops[i].status != GNTST_okay)
			return false;
	return !memcmp(b->src, b->dst, PAGE_SIZE);
}

static int grant_eagain_bench_show(struct seq_file *m, void *unused)
{
	struct grant_eagain_bench *b;
	s64 serial_us, batched_us;
	bool ok;
	ktime_t t;
	int ret = -ENOMEM;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->src = (void *)get_zeroed_page(GFP_KERNEL);
	b->dst = (void *)get_zeroed_page(GFP_KERNEL);
	if (!b->src || !b->dst)
		goto out;
	get_random_bytes(b->src, PAGE_SIZE);

	grant_eagain_bench_prepare(b);
	t = ktime_get();
	grant_eagain_bench_serial(b);
	serial_us = ktime_us_delta(ktime_get(), t);
	ok = grant_eagain_bench_done(b);

	grant_eagain_bench_prepare(b);
	t = ktime_get();
	gnttab_batch_copy(b->ops, GRANT_EAGAIN_OPS);
	batched_us = ktime_us_delta(ktime_get(), t);
	ok = ok && grant_eagain_bench_done(b);

	seq_printf(m, "%u,%lld,%lld,%d\n", GRANT_EAGAIN_OPS, serial_us,
		   batched_us, ok);
	ret = 0;
out:
	free_page((unsigned long)b->src);
	free_page((unsigned long)b->dst);
	kfree(b);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(grant_eagain_bench);

static int __init grant_eagain_bench_init(void)
{
	/* The copies are GNTTABOP_copy hypercalls: nothing to time elsewhere. */
	if (!xen_domain())
		return -ENODEV;
	grant_eagain_bench_file = debugfs_create_file("grant_eagain_bench",
						      0400, NULL, NULL,
						      &grant_eagain_bench_fops);
	return 0;
}
module_init(grant_eagain_bench_init);

static void __exit grant_eagain_bench_exit(void)
{
	/* No reader is left: an open file holds the module (.owner). */
	debugfs_remove(grant_eagain_bench_file);
}
module_exit(grant_eagain_bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Benchmark of the retries of paged-out Xen grant ops");
