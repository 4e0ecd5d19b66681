// SPDX-License-Identifier: GPL-2.0
/*
 * The "Oops: int3" seen twice in dom0 boots (README, issue 20 item 8),
 * provoked: static keys that sit on hot paths are flipped as fast as
 * userspace can, while every CPU runs those paths.  Each flip patches a
 * jump site with int3 (text_poke_bp); a CPU that executes a stale int3
 * after the patcher's last sync dies in exc_int3().
 *
 * The first sighting's key was crng_is_ready (get_random_u8() in
 * should_fail_ex()), the second's timers_migration_enabled
 * (hrtimer_start_range_ns(), after the clocksource switch).  This flips
 * timers_migration_enabled through kernel.timer_migration and
 * sched_schedstats through kernel.sched_schedstats, while one task per
 * CPU arms hrtimers (nanosleep) and switches tasks.  No grant is used:
 * the same program runs on the stock base.
 *
 * Environment: INT3_SECONDS (default 120).  Prints the flips done.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

static const char *const keys[] = {
	"/proc/sys/kernel/timer_migration",
	"/proc/sys/kernel/sched_schedstats",
};

static void hammer(int cpu)
{
	const struct timespec tiny = { .tv_nsec = 1000 };
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (;;)
		nanosleep(&tiny, NULL);
}

FIXTURE(int3) {};
FIXTURE_SETUP(int3) {}
FIXTURE_TEARDOWN(int3) {}

/* Up to 600 s: the harness's default timeout of 30 s would cut it. */
TEST_F_TIMEOUT(int3, flip_hot_static_keys, 600)
{
	int cpus = sysconf(_SC_NPROCESSORS_ONLN), i, k, fds[2];
	const char *env = getenv("INT3_SECONDS");
	time_t end = time(NULL) + (env ? atoi(env) : 120);
	unsigned long flips = 0;
	pid_t pids[64];

	ASSERT_GT(cpus, 1) TH_LOG("one CPU: nothing runs beside the patcher");
	for (k = 0; k < 2; k++) {
		fds[k] = open(keys[k], O_WRONLY);
		ASSERT_GE(fds[k], 0) TH_LOG("%s", keys[k]);
	}
	for (i = 0; i < cpus && i < 64; i++) {
		pids[i] = fork();
		ASSERT_GE(pids[i], 0);
		if (!pids[i])
			hammer(i);
	}
	while (time(NULL) < end)
		for (k = 0; k < 2; k++) {
			ASSERT_EQ(pwrite(fds[k], "0\n", 2, 0), 2);
			ASSERT_EQ(pwrite(fds[k], "1\n", 2, 0), 2);
			flips += 2;
		}
	for (i = 0; i < cpus && i < 64; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	TH_LOG("%lu static key flips on %d CPUs", flips, cpus);
}

TEST_HARNESS_MAIN
