// SPDX-License-Identifier: GPL-2.0
/*
 * The eagain rows of make bench, which grant_bench printed while the
 * benchmark module was part of the series: 512 grant copies with P% of
 * the ops held back at each round by fail_grant_eagain, retried by the
 * per-op serial retry of Linux 6.12 and by the batched retries, in the
 * same kernel (/sys/kernel/debug/grant_eagain_bench, from the module
 * grant_eagain_bench of this directory).
 *
 * Run after grant_bench (tests/init), same argument (the scale), same
 * rows: "csv,eagain_serial|eagain_batched,P,median,p10,p90,runs" and a
 * table line each, for scripts/bench-report.py.  A kernel without
 * fail_grant_eagain (the stock base) gets a comment and no rows; one
 * with it but without the module's file is an error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "xen_util.h"

#define MAX_SAMPLES	1000
#define EAGAIN_BENCH	"/sys/kernel/debug/grant_eagain_bench"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* grant_bench's report(): the median and the 10th..90th percentiles. */
static void report(const char *bench, unsigned int param, double *samples,
		   unsigned int n)
{
	qsort(samples, n, sizeof(*samples), cmp_double);
	printf("csv,%s,%u,%.1f,%.1f,%.1f,%u\n", bench, param, samples[n / 2],
	       samples[n / 10], samples[n - 1 - n / 10], n);
	printf("%-8s %5u  median %10.1f us  p10 %10.1f  p90 %10.1f  (%u runs)\n",
	       bench, param, samples[n / 2], samples[n / 10],
	       samples[n - 1 - n / 10], n);
	fflush(stdout);
}

/* One run of each retry scheme; 0 on success, -1 with errno set. */
static int eagain_run(double *serial_us, double *batched_us)
{
	unsigned int ops, ok;
	int ret = -1;
	FILE *f;

	f = fopen(EAGAIN_BENCH, "r");
	if (!f)
		return -1;
	/* ok: both copies came out right. */
	if (fscanf(f, "%u,%lf,%lf,%u", &ops, serial_us, batched_us, &ok) == 4 &&
	    ok)
		ret = 0;
	fclose(f);
	if (ret)
		errno = EPROTO;
	return ret;
}

static int bench_eagain(unsigned int percent, unsigned int iters)
{
	double serial[MAX_SAMPLES], batched[MAX_SAMPLES];
	char probability[16];
	unsigned int i;

	snprintf(probability, sizeof(probability), "%u", percent);
	if (fault_attr_set("fail_grant_eagain", "probability", probability))
		return -1;
	for (i = 0; i < iters; i++)
		if (eagain_run(&serial[i], &batched[i]))
			return -1;
	fault_attr_set("fail_grant_eagain", "probability", "0");
	report("eagain_serial", percent, serial, iters);
	report("eagain_batched", percent, batched, iters);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int scale = argc > 1 ? atoi(argv[1]) : 1;
	const char *missing = fail_grant_eagain_missing();

	/* As grant_bench did on a kernel without the fault attribute. */
	if (missing) {
		printf("# %s: no eagain figures\n", missing);
		return 0;
	}
	/* The kernel of the series: the module must be there. */
	if (access(EAGAIN_BENCH, F_OK)) {
		fprintf(stderr, "eagain_bench: error: no %s (is the module grant_eagain_bench of tests/bench-eagain loaded?)\n",
			EAGAIN_BENCH);
		return 1;
	}
	if (scale < 1 || 5 * scale > MAX_SAMPLES) {
		fprintf(stderr, "eagain_bench: scale %s out of range\n", argv[1]);
		return 1;
	}
	if (fault_attr_arm("fail_grant_eagain") || fault_select(true) ||
	    bench_eagain(0, 5 * scale) ||
	    bench_eagain(50, 5 * scale))
		goto fail;
	fault_select(false);
	return 0;
fail:
	perror("eagain_bench");
	return 1;
}
