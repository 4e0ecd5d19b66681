#!/usr/bin/env python3
"""Per-test results of a run from its Xen serial console log.

  report.py summarize KIND           write KIND/results.txt, print it, the
                                     dmesg findings and "N passed, N failed,
                                     N skipped"
  report.py check KIND EXPECTED      compare with an expected-failures list

KIND is dom0, stock (meaning $BUILD/KIND) or a directory holding the
console.log written by scripts/run-suite.sh: the boots' consoles, each
ending in a "XENTEST-HOST: boot N exit RC" line (RC from boot-xen.sh).

Result lines are "PASS|FAIL|SKIP|XFAIL name [reason]" with names
  fixture[.variant].test   kselftest_harness tests (from their TAP)
  collection:program       programs without harness tests, or that failed
                           outside any test
  kunit:suite.case         KUnit, parsed by the kernel's own kunit_parser
  dmesg                    dom0 kernel log lines that mean trouble
  boot                     a boot that ended badly outside any test
"""
import io
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get('BUILD', os.path.join(TOP, 'build'))

RUN = re.compile(r'^XENTEST: run (\S+)|#  RUN           (\S+) \.\.\.')
PROGRAM = re.compile(r'^XENTEST: program (\S+)')
DIAG = re.compile(r'^# # (\S.*)')		# a harness test's messages
SUB = re.compile(r'^# (not )?ok \d+ (\S+)(?:\s+#\s*(.*))?$')
PROG_START = re.compile(r'^# selftests: (\S+): (\S+)$')
PROG = re.compile(r'^(not )?ok \d+ selftests: (\S+): (\S+)(?:\s+#\s*(.*))?$')
HOST = re.compile(r'^XENTEST-HOST: boot (\d+) exit (\d+)')
PLANNED = re.compile(r'^XENTEST: test (\S+)')
BAD = re.compile(r'WARNING:|BUG:|Oops|Bad rss-counter|'
		 r'sleeping function called from invalid context|'
		 r'Kernel panic|general protection fault|kernel BUG|'
		 r'refcount_t:|possible circular locking|inconsistent lock state')
USER = re.compile(r'^(#|ok |not ok |XENTEST|\(XEN\))')	# not dom0's log
ENDINGS = {1: 'QEMU failed', 2: 'dom0 crashed', 3: 'Xen panicked',
	   4: 'timeout'}


def tap_status(not_ok, comment):
	"""TAP line -> (status, reason) as in kselftest.h."""
	comment = (comment or '').strip()
	word = comment.split(' ', 1)[0]
	if word == 'SKIP':
		return 'SKIP', comment[4:].strip()
	if word == 'XFAIL':
		return 'XFAIL', comment[5:].strip()
	if word == 'XPASS':
		return 'FAIL', comment
	return ('FAIL' if not_ok else 'PASS'), comment


class Run:
	def __init__(self, lines):
		self.results = {}	# name -> (status, reason), in run order
		self.hits = []		# (line index, test running then)
		self.lines = lines
		self.boots = []		# (first, last line index, exit code)
		start = 0
		for i, line in enumerate(lines):
			m = HOST.match(line)
			if m:
				self.boots.append((start, i, int(m.group(2))))
				start = i + 1
		planned = []
		for n, (first, last, rc) in enumerate(self.boots, 1):
			planned += self.parse_boot(first, last, rc, n)
		for name in planned:
			self.results.setdefault(name, ('FAIL', 'no result'))
		if self.boots:
			first, last, _ = self.boots[0]
			self.kunit(lines[first:last])
		tests = sorted({t for _, t in self.hits})
		self.add('dmesg', ('FAIL', f'{len(self.hits)} line(s) during '
			 + ', '.join(tests)) if self.hits else ('PASS', ''))

	def add(self, name, result):
		self.results[name] = result

	def parse_boot(self, first, last, rc, boot):
		running = prog = diag = None
		prog_tests = prog_failed = False
		begun = False
		planned = []
		for i in range(first, last):
			line = self.lines[i]
			if 'XENTEST: begin' in line:
				begun = True
			m = PLANNED.match(line)
			if m:
				planned.append(m.group(1))
			if BAD.search(line) and not USER.match(line):
				self.hits.append((i, running or prog or
						  ('init' if begun else 'boot')))
			m = RUN.search(line)
			if m:
				running, diag = m.group(1) or m.group(2), None
				continue
			m = PROGRAM.match(line)
			if m:
				prog = m.group(1)
				continue
			m = DIAG.match(line)
			if m and running and diag is None:
				diag = m.group(1)
			m = SUB.match(line)
			if m and m.group(2) == running:
				status, reason = tap_status(m.group(1), m.group(3))
				if status == 'FAIL' and diag:
					reason = diag
				self.add(running, (status, reason))
				prog_tests = True
				prog_failed |= status == 'FAIL'
				running = None
				continue
			m = PROG_START.match(line)
			if m:
				prog = f'{m.group(1)}:{m.group(2)}'
				prog_tests = prog_failed = False
				continue
			m = PROG.match(line)
			if m:
				status, reason = tap_status(m.group(1), m.group(4))
				name = f'{m.group(2)}:{m.group(3)}'
				if running:	# killed in a test (timeout, exit)
					self.add(running, ('FAIL', reason))
				elif not prog_tests or (status == 'FAIL' and
							not prog_failed):
					self.add(name, (status, reason))
				running = prog = None
		if rc != 0:
			why = f'{ENDINGS.get(rc, f"exit {rc}")} (boot {boot})'
			self.add(running or prog or 'boot', ('FAIL', why))
		return planned

	def kunit(self, boot):
		"""KUnit cases from the KTAP the kernel printed before /init."""
		kernel = []
		for line in boot:
			if 'XENTEST: begin' in line:
				break
			if not line.startswith('(XEN)'):
				kernel.append(line)
		if not any('TAP version' in line for line in kernel):
			return
		for tree in ('dom0', 'stock'):
			path = os.path.join(BUILD, 'src', tree, 'tools/testing/kunit')
			if os.path.exists(os.path.join(path, 'kunit_parser.py')):
				sys.path.insert(0, path)
				break
		else:
			print('warning: no kernel tree for kunit_parser; KUnit ignored',
			      file=sys.stderr)
			return
		import kunit_parser
		import kunit_printer
		kunit_printer.stdout._output = io.StringIO()	# quiet
		status = {kunit_parser.TestStatus.SUCCESS: 'PASS',
			  kunit_parser.TestStatus.SKIPPED: 'SKIP',
			  kunit_parser.TestStatus.NO_TESTS: 'SKIP'}
		for suite in kunit_parser.parse_run_tests(kernel).subtests:
			for case in suite.subtests or [suite]:
				name = suite.name + ('.' + case.name if case is not suite else '')
				reason = '' if case.status in status else case.status.name.lower()
				self.add('kunit:' + name, (status.get(case.status, 'FAIL'), reason))

	def print_hits(self):
		"""Each suspicious dom0 log line with what follows it."""
		shown = set()
		for i, test in self.hits:
			if i in shown:
				continue
			print(f'--- dom0 log during {test} (console.log line {i + 1}):')
			for j in range(max(i - 1, 0), min(i + 12, len(self.lines))):
				if HOST.match(self.lines[j]):
					break
				if not self.lines[j].startswith('(XEN)'):
					print('    ' + self.lines[j])
					shown.add(j)


def load(kind):
	out = kind if '/' in kind else os.path.join(BUILD, kind)
	log = os.path.join(out, 'console.log')
	if not os.path.exists(log):
		sys.exit(f'error: no {log} (run scripts/run-suite.sh {kind})')
	with open(log, errors='replace') as f:
		lines = [line.rstrip('\r\n').replace('\r', '') for line in f]
	return out, Run(lines)


def fmt(name, result):
	return ' '.join(filter(None, (result[0], name, result[1])))


def summarize(kind):
	out, run = load(kind)
	text = [fmt(n, r) for n, r in run.results.items()]
	with open(os.path.join(out, 'results.txt'), 'w') as f:
		f.write(''.join(t + '\n' for t in text))
	print('\n'.join(text))
	run.print_hits()
	count = {s: sum(r[0] == s for r in run.results.values())
		 for s in ('PASS', 'FAIL', 'SKIP')}
	print(f"{count['PASS']} passed, {count['FAIL']} failed, "
	      f"{count['SKIP']} skipped")
	return 0


def check(kind, expected_file):
	_, run = load(kind)
	with open(expected_file) as f:
		expected = {line.split('#', 1)[0].strip() for line in f} - {''}
	res = run.results
	bad = False
	xfail = passed = failed = skipped = 0
	for name, (status, reason) in res.items():
		if status == 'FAIL' and name in expected:
			xfail += 1
		elif status == 'FAIL':
			failed += 1
			print(f'unexpected failure: {fmt(name, (status, reason))[5:]}')
		elif status == 'PASS' and name in expected:
			passed += 1
			print(f'unexpected pass: {name} (listed in {expected_file})')
			bad = True
		elif status == 'PASS':
			passed += 1
		elif status == 'SKIP':
			skipped += 1
	for name in sorted(expected - res.keys()):
		print(f'note: {name} is listed in {expected_file} but did not run')
	if res.get('dmesg', ('PASS',))[0] == 'FAIL' and 'dmesg' not in expected:
		run.print_hits()
	ran = sum(s in ('PASS', 'FAIL', 'XFAIL') for n, (s, _) in res.items()
		  if n not in ('dmesg', 'boot'))
	if not ran:
		print('no tests ran')
	print(f'({xfail} expected failures)')
	print(f'{passed} passed, {failed} failed, {skipped} skipped')
	return 1 if bad or failed or not ran else 0


def main(argv):
	if len(argv) == 3 and argv[1] == 'summarize':
		return summarize(argv[2])
	if len(argv) == 4 and argv[1] == 'check':
		return check(argv[2], argv[3])
	sys.exit(__doc__)


if __name__ == '__main__':
	sys.exit(main(sys.argv))
