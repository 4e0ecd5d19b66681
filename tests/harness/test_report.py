#!/usr/bin/env python3
"""Unit tests of scripts/report.py's blame: which test a crash or a
dmesg report is charged to, and where run-suite.sh resumes.  Synthetic
consoles in the shape tests/init and the kernel print; `make test`
(scripts/run.sh --all) runs this file before it builds the kernels."""
import contextlib
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'scripts'))
import report  # noqa: E402


def boot(tests, body, rc):
	"""One boot's console: tests/init's markers for @tests, then @body
	(lines), then the host's line with exit code @rc."""
	lines = ['[    4.000000] XENTEST: begin 6.12.0']
	lines += [f'[    4.100000] XENTEST: test {t}' for t in tests]
	return lines + body + [f'XENTEST-HOST: boot 1 exit {rc}']


def ran(name, ok=True):
	return [f'[    5.000000] XENTEST: run {name}',
		f'#  RUN           {name} ...',
		f'# {"ok" if ok else "not ok"} 1 {name}']


def start(name):
	return [f'[    6.000000] XENTEST: run {name}',
		f'#  RUN           {name} ...']


LOCKDEP = ['[    5.500000] WARNING: possible circular locking dependency detected',
	   '[    5.500001] CPU: 1 UID: 0 PID: 77 Comm: grant_teardown Not tainted']
DEFERRED_WARN = ['[    7.000000] WARNING: CPU: 0 PID: 12 at drivers/xen/gntdev.c:300 __unmap_grant_pages_done+0x1/0x2',
		 '[    7.000001] CPU: 0 UID: 0 PID: 12 Comm: kworker/0:1 Not tainted']
BAD_PAGE = ['[    7.100000] BUG: Bad page state in process gnttab_lib  pfn:1234']
CRASH = ['[    7.200000] kernel BUG at include/linux/page-flags.h:1234!',
	 '[    7.200001] Kernel panic - not syncing: Fatal exception']

# Oopses as 6.12 prints them: QEMU's stale int3 (the byte before the
# trapping address is a NOP's again) and a stray int3 still in the text.
def int3_oops(code):
	return ['[    3.585000] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI',
		'[    3.585001] CPU: 1 UID: 0 PID: 12 Comm: kworker/u8:0 Not tainted',
		'[    3.585002] RIP: e030:hrtimer_start_range_ns+0x1c6/0x3f0',
		f'[    3.585003] Code: 48 8b 04 24 {code} 48 89 ef',
		'[    3.585712] Kernel panic - not syncing: Fatal exception in interrupt',
		'[    3.586132] WARNING: CPU: 1 PID: 12 at kernel/smp.c:815 smp_call_function_many_cond+0x54c/0x5f0']


STALE_INT3 = int3_oops('0f <1f> 44 00 00')
STRAY_INT3 = int3_oops('0f cc <44> 00 00')


def compare(run, entries):
	"""report.compare() of @run against a list of @entries (its text):
	the counts and what it printed."""
	with tempfile.TemporaryDirectory() as d:
		with open(os.path.join(d, 'console.log'), 'w') as f:
			f.write('\n'.join(run.lines) + '\n')
		with open(os.path.join(d, 'list.txt'), 'w') as f:
			f.write(entries)
		out = io.StringIO()
		with contextlib.redirect_stdout(out):
			counts = report.compare(d, os.path.join(d, 'list.txt'))
	return counts, out.getvalue()


class Blame(unittest.TestCase):
	def test_crash_in_the_test_that_reported_first(self):
		run = report.Run(boot(['a', 'b'], ran('a') + start('b') + DEFERRED_WARN + CRASH, 2))
		self.assertEqual(run.results['a'], ('PASS', ''))
		self.assertEqual(run.results['b'][0], 'FAIL')
		self.assertIn('dom0 crashed', run.results['b'][1])
		self.assertEqual(run.done, [2])

	def test_crash_charged_to_the_test_whose_report_came_first(self):
		# a's deferred work reports during a; dom0 dies only in b.
		body = ran('a')[:2] + DEFERRED_WARN + ran('a')[2:] + start('b') + BAD_PAGE + CRASH
		run = report.Run(boot(['a', 'b'], body, 2))
		status, reason = run.results['a']
		self.assertEqual(status, 'FAIL')
		self.assertIn('first report came during this test', reason)
		self.assertIn('__unmap_grant_pages_done', reason)
		self.assertIn('process kworker/0:1', reason)
		self.assertEqual(run.results['b'][0], 'FAIL')
		self.assertIn('blamed on a; runs again', run.results['b'][1])
		self.assertEqual(run.done, [1], 'the next boot must run b again')

	def test_report_after_a_test_before_the_next(self):
		body = ran('a') + BAD_PAGE + start('b') + CRASH
		run = report.Run(boot(['a', 'b'], body, 2))
		self.assertEqual(run.results['a'][0], 'FAIL')
		self.assertIn('first report came after this test', run.results['a'][1])
		self.assertIn('process gnttab_lib', run.results['a'][1])
		self.assertEqual(run.done, [1])

	def test_lockdep_starts_no_chain(self):
		body = ran('a')[:2] + LOCKDEP + ran('a')[2:] + start('b') + BAD_PAGE + CRASH
		run = report.Run(boot(['a', 'b'], body, 2))
		self.assertEqual(run.results['a'], ('PASS', ''))
		self.assertEqual(run.results['b'][0], 'FAIL')
		self.assertEqual(run.done, [2])
		self.assertEqual(run.results['dmesg'][0], 'FAIL')

	def test_later_boot_replaces_a_test_without_result(self):
		first = boot(['a', 'b'], ran('a')[:2] + DEFERRED_WARN + ran('a')[2:]
			     + start('b') + CRASH, 2)
		second = boot(['b'], ran('b'), 0)
		run = report.Run(first + second)
		self.assertEqual(run.results['a'][0], 'FAIL')
		self.assertEqual(run.results['b'], ('PASS', ''))

	def test_report_before_any_test_blames_none(self):
		# A WARN in the two-domain setup, then a's report, then a crash in b.
		setup = ['[    4.500000] XENTEST: setup',
			 '[    4.600000] WARNING: CPU: 0 PID: 9 at fs/sysfs/dir.c:32 sysfs_warn_dup+0x1/0x2']
		first = boot(['a', 'b'], setup + ran('a')[:2] + DEFERRED_WARN + ran('a')[2:]
			     + start('b') + CRASH, 2)
		run = report.Run(first)
		self.assertEqual(run.results['a'][0], 'FAIL')
		self.assertIn('blamed on a', run.results['b'][1])
		self.assertEqual(run.done, [1])

	def test_blamed_test_keeps_its_own_failure(self):
		body = (ran('a', ok=False)[:2] + ['# # grant.c:12:a:Expected 1 == 0']
			+ DEFERRED_WARN + ran('a', ok=False)[2:] + start('b') + CRASH)
		run = report.Run(boot(['a', 'b'], body, 2))
		status, reason = run.results['a']
		self.assertEqual(status, 'FAIL')
		self.assertTrue(reason.startswith('grant.c:12:a:Expected 1 == 0; dom0 crashed'))

	def test_crash_before_any_test_then_boot_again(self):
		early = ['[    4.154234] Kernel panic - not syncing: Fatal exception in interrupt']
		first = ['[    4.000000] XENTEST: begin 6.12.0'][:0] + early + ['XENTEST-HOST: boot 1 exit 2']
		run = report.Run(first + boot(['a'], ran('a'), 0))
		self.assertNotIn('boot', run.results)
		self.assertEqual(run.results['a'], ('PASS', ''))
		self.assertEqual(run.results['dmesg'][0], 'FAIL')
		self.assertEqual(report.Run(first).results['boot'][0], 'FAIL')

	def test_stale_int3_is_qemus_and_its_test_runs_again(self):
		first = boot(['a', 'b'], ran('a') + start('b') + STALE_INT3, 2)
		run = report.Run(first)
		self.assertEqual(run.results['a'], ('PASS', ''))
		self.assertEqual(run.results['b'], ('FAIL', 'no result'))
		self.assertEqual(run.results['dmesg'], ('PASS', ''))
		self.assertEqual(run.done, [1], 'the next boot must run b again')
		self.assertEqual(run.stale_int3[0][2], 'hrtimer_start_range_ns+0x1c6/0x3f0')
		run = report.Run(first + boot(['b'], ran('b'), 0))
		self.assertEqual(run.results['b'], ('PASS', ''))
		counts, out = compare(run, '')
		self.assertEqual(counts['failed'], 0)
		self.assertIn('boot 1 ended in QEMU\'s stale int3 at hrtimer_start_range_ns', out)

	def test_stale_int3_twice_in_one_test_is_the_tests(self):
		first = boot(['a', 'b'], ran('a') + start('b') + STALE_INT3, 2)
		second = boot(['b'], start('b') + STALE_INT3, 2)
		third = boot(['b'], ran('b'), 0)
		run = report.Run(first + second + third)
		self.assertEqual(run.results['b'][0], 'FAIL')
		self.assertIn('stale int3 cut it short in boots 1 and 2', run.results['b'][1])
		# Listed as failing or racy, it still fails: never seen to fail.
		for entry in ('b\n', 'racy: b\n'):
			counts, _ = compare(run, entry)
			self.assertEqual(counts['failed'], 1, entry)

	def test_stale_int3_excuses_only_its_own_crash(self):
		# Another CPU's WARN in the middle of the oops: the kernel's.
		oops = STALE_INT3[:3] + DEFERRED_WARN + STALE_INT3[3:]
		run = report.Run(boot(['a', 'b'], ran('a') + start('b') + oops, 2))
		self.assertEqual(run.stale_int3, [])
		self.assertEqual(run.results['dmesg'][0], 'FAIL')
		self.assertIn('dom0 crashed', run.results['b'][1])

	def test_report_in_test_output_cancels_the_excuse(self):
		cut = ['# # partial outp[    7.100000] BUG: Bad page state in process b  pfn:1']
		run = report.Run(boot(['a', 'b'], ran('a') + start('b') + cut + STALE_INT3, 2))
		self.assertEqual(run.stale_int3, [])
		self.assertEqual(run.results['b'][0], 'FAIL')

	def test_int3_outside_a_patch_site_is_the_kernels(self):
		run = report.Run(boot(['a'], start('a') + int3_oops('48 89 <ef> 00'), 2))
		self.assertEqual(run.stale_int3, [])
		self.assertEqual(run.results['a'][0], 'FAIL')

	def test_crash_says_how_a_boot_ended(self):
		with tempfile.TemporaryDirectory() as d:
			for name, lines, want in (
					('stale', boot(['a'], start('a') + STALE_INT3, 2), 'stale-int3'),
					('early', ['[    3.1] Kernel panic - not syncing: x',
						   'XENTEST-HOST: boot 1 exit 2'], 'before-init'),
					('other', boot(['a'], start('a') + CRASH, 2), 'other')):
				log = os.path.join(d, name)
				with open(log, 'w') as f:
					f.write('\n'.join(lines) + '\n')
				out = io.StringIO()
				with contextlib.redirect_stdout(out):
					report.crash(log)
				self.assertEqual(out.getvalue().strip(), want)

	def test_stale_int3_before_any_test(self):
		first = STALE_INT3 + ['XENTEST-HOST: boot 1 exit 2']
		run = report.Run(first + boot(['a'], ran('a'), 0))
		self.assertEqual(run.results['dmesg'], ('PASS', ''))
		self.assertEqual(run.results['a'], ('PASS', ''))
		self.assertNotIn('boot', run.results)

	def test_stray_int3_is_the_kernels(self):
		run = report.Run(boot(['a', 'b'], ran('a') + start('b') + STRAY_INT3, 2))
		self.assertEqual(run.results['b'][0], 'FAIL')
		self.assertIn('dom0 crashed', run.results['b'][1])
		self.assertEqual(run.results['dmesg'][0], 'FAIL')
		self.assertEqual(run.stale_int3, [])

	def test_stale_int3_after_damage_is_no_excuse(self):
		body = ran('a') + start('b') + BAD_PAGE + STALE_INT3
		run = report.Run(boot(['a', 'b'], body, 2))
		self.assertEqual(run.results['b'][0], 'FAIL')
		self.assertIn('dom0 crashed', run.results['b'][1])
		self.assertEqual(run.results['dmesg'][0], 'FAIL')
		self.assertEqual(run.stale_int3, [])

	def test_pause_counts_every_started_test(self):
		body = ran('a') + ran('b') + ['[    8.000000] XENTEST: pause before c']
		run = report.Run(boot(['a', 'b', 'c'], body, 0))
		self.assertEqual(run.done, [2])
		self.assertEqual(run.results['c'], ('FAIL', 'no result'))

	def test_lockdep_switched_off_fails_the_run(self):
		# A lock lockdep cannot key (one on the stack, in KUnit before
		# the first test) turns lockdep off for the rest of the boot: no
		# test is to blame, but the run must fail, or later locking bugs
		# go unseen.
		off = ['[    3.000000] INFO: trying to register non-static key.',
		       '[    3.000001] turning off the locking correctness validator.']
		lines = ['[    2.000000] XENTEST: begin 6.12.0'] + off
		lines += boot(['a'], ran('a'), 0)[1:]
		run = report.Run(lines)
		self.assertEqual(run.results['a'], ('PASS', ''))
		self.assertEqual(run.results['dmesg'][0], 'FAIL')

	def test_failed_modprobe_fails_the_run(self):
		# tests/init's message when a module of Debian's configuration
		# does not load: no test is to blame, the run fails.
		lines = ['[    2.000000] XENTEST: begin 6.12.0',
			 'XENTEST: modprobe xen-gntdev failed']
		lines += boot(['a'], ran('a'), 0)[1:]
		run = report.Run(lines)
		self.assertEqual(run.results['a'], ('PASS', ''))
		self.assertEqual(run.results['dmesg'][0], 'FAIL')

	def test_memory_checker_reports_fail_the_test(self):
		# slub_debug's and KFENCE's reports (make memcheck).
		for report_line in ['BUG kmalloc-64 (Not tainted): Poison overwritten',
				    'BUG xen_pte_grants (Tainted: G        W         ): Object already free',
				    'BUG: KFENCE: use-after-free read in gntdev_put_map+0x1/0x2']:
			body = ran('a')[:2] + [f'[    5.500000] {report_line}'] + ran('a')[2:]
			run = report.Run(boot(['a'], body, 0))
			self.assertEqual(run.results['a'], ('PASS', ''))
			self.assertEqual(run.results['dmesg'][0], 'FAIL', report_line)

	def test_lockdep_switched_off_starts_no_chain(self):
		off = ['[    5.500000] turning off the locking correctness validator.']
		body = ran('a')[:2] + off + ran('a')[2:] + start('b') + BAD_PAGE + CRASH
		run = report.Run(boot(['a', 'b'], body, 2))
		self.assertEqual(run.results['a'], ('PASS', ''))
		self.assertEqual(run.results['b'][0], 'FAIL')
		self.assertEqual(run.done, [2])


class Compare(unittest.TestCase):
	def test_listed_test_that_never_ran_is_no_expected_failure(self):
		run = report.Run(boot(['a', 'b'], ran('a') + ['[    8.000000] XENTEST: pause before b'], 0))
		counts, _ = compare(run, 'b\n')
		self.assertEqual(counts['failed'], 1)
		self.assertEqual(counts['xfail'], 0)

	def test_required_result_missing_fails(self):
		# KUnit's cases are not planned by tests/init: without a
		# "require:" entry their absence would pass.
		run = report.Run(boot(['a'], ran('a'), 0))
		counts, out = compare(run, 'require: a\nrequire: kunit:*\n')
		self.assertEqual(counts['failed'], 1)
		self.assertIn('no result matches "require: kunit:*"', out)

	def test_racy_entry_takes_either_outcome(self):
		# A base that races may pass a test or fail it with a kernel
		# report of its own; it must still run it to an end, and
		# neither a failure without a report nor a skip is its race.
		body = ran('a') + ran('b', ok=False) + start('c') + BAD_PAGE + CRASH
		run = report.Run(boot(['a', 'b', 'c', 'd'], body, 2))
		counts, out = compare(run, 'racy: a\nracy: b\nracy: c\nracy: d\n'
					   'dmesg\nracy: e\n')
		self.assertEqual(counts['passed'], 1)	# a
		self.assertEqual(counts['xfail'], 2)	# c, dmesg
		self.assertEqual(counts['failed'], 2)	# b, d
		self.assertIn('racy: PASS a', out)
		self.assertIn('racy: FAIL c dom0 crashed', out)
		self.assertIn('b (listed as racy, but no kernel report', out)
		self.assertIn('d never ran to an end', out)
		self.assertIn('racy: e is listed', out)

	def test_racy_failure_with_a_report_after_it(self):
		body = ran('a', ok=False) + DEFERRED_WARN + ran('b')
		run = report.Run(boot(['a', 'b'], body, 0))
		counts, out = compare(run, 'racy: a\ndmesg\n')
		self.assertEqual(counts['xfail'], 2)	# a, dmesg
		self.assertEqual(counts['failed'], 0)

	def test_racy_failure_needs_its_own_report(self):
		# A report after another test whose name starts with this one's
		# is not this one's.
		body = ran('a', ok=False) + ran('a_x') + DEFERRED_WARN
		run = report.Run(boot(['a', 'a_x'], body, 0))
		counts, out = compare(run, 'racy: a\ndmesg\n')
		self.assertEqual(counts['failed'], 1)	# a
		self.assertIn('a (listed as racy, but no kernel report', out)

	def test_racy_test_cut_short_by_a_crash_it_did_not_cause(self):
		# The crash is charged to a, whose report came first; b, running
		# at the crash, has no result and must run again to count.
		body = ran('a') + BAD_PAGE + start('b') + CRASH
		run = report.Run(boot(['a', 'b'], body, 2))
		counts, out = compare(run, 'a\nracy: b\ndmesg\n')
		self.assertEqual(counts['xfail'], 2)	# a, dmesg
		self.assertEqual(counts['failed'], 1)	# b
		self.assertIn('b never ran to an end', out)

	def test_dmesg_entries_name_the_reports_they_allow(self):
		# "dmesg: REGEX" lets the listed reports through, no other.
		body = ran('a')[:2] + LOCKDEP + ran('a')[2:]
		run = report.Run(boot(['a'], body, 0))
		counts, _ = compare(run, 'dmesg: possible circular locking\n')
		self.assertEqual((counts['failed'], counts['xfail']), (0, 1))
		body = ran('a')[:2] + LOCKDEP + DEFERRED_WARN + ran('a')[2:]
		run = report.Run(boot(['a'], body, 0))
		counts, out = compare(run, 'dmesg: possible circular locking\n')
		self.assertEqual((counts['failed'], counts['xfail']), (1, 0))
		self.assertIn('__unmap_grant_pages_done', out)
		# Listed, but no report came: the list is out of date.
		run = report.Run(boot(['a'], ran('a'), 0))
		counts, out = compare(run, 'dmesg: possible circular locking\n')
		self.assertEqual(counts['failed'], 1)
		self.assertEqual(failing('dmesg: possible circular locking\nb\n'), 'b\n')

	def test_kernel_not_the_packages_fails(self):
		# build/dom0/package names the .deb whose kernel should boot and
		# the digest of its image; run-suite.sh records what it booted.
		run = report.Run(boot(['a'], ran('a'), 0))	# begin 6.12.0
		deb = '/b/deb-dom0/linux-image-{}_6.12.0-1~deb12u1+grantptes.41.g1_amd64.deb'
		cases = (('6.12.0', 'a' * 64, 0),	# the package's kernel
			 ('6.12.1', 'a' * 64, 1),	# another release
			 ('6.12.0', 'b' * 64, 1),	# another image
			 ('6.12.0', 'short', 1))	# unreadable
		with tempfile.TemporaryDirectory() as d:
			with open(os.path.join(d, 'console.log'), 'w') as f:
				f.write('\n'.join(run.lines) + '\n')
			with open(os.path.join(d, 'list.txt'), 'w') as f:
				f.write('')
			for release, digest, failed in cases:
				with open(os.path.join(d, 'booted'), 'w') as f:
					f.write(f'image /b/dom0/vmlinuz {"a" * 64}\n'
						f'package {deb.format(release)} {digest}\n')
				with contextlib.redirect_stdout(io.StringIO()):
					counts = report.compare(d, os.path.join(d, 'list.txt'))
				self.assertEqual(counts['failed'], failed, (release, digest))


def failing(entries):
	"""What report.failing() prints for a list of @entries (its text)."""
	with tempfile.NamedTemporaryFile('w', suffix='.txt') as f:
		f.write(entries)
		f.flush()
		out = io.StringIO()
		with contextlib.redirect_stdout(out):
			report.failing(f.name)
	return out.getvalue()


class Failing(unittest.TestCase):
	def test_plain_entries_but_dmesg(self):
		self.assertEqual(failing('# comment\ndmesg\nteardown.*  # a glob\n'
					 'skip: faults.*\nvma.x\n'),
				 'teardown.*\nvma.x\n')

	def test_racy_entries_run_alone_too(self):
		self.assertEqual(failing('racy: pins.*\nvma.x\n'), 'pins.*\nvma.x\n')


if __name__ == '__main__':
	unittest.main()
