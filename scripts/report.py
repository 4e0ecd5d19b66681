#!/usr/bin/env python3
"""Per-test results of a run from its Xen serial console log.

  report.py summarize KIND           write KIND/results.txt, print it, the
                                     dmesg findings and "N passed, N failed,
                                     N skipped"
  report.py check KIND EXPECTED [KIND EXPECTED...]
                                     compare each run with its expected-
                                     failures list; unexpected failures,
                                     skips and passes count as failed
  report.py started BOOT_LOG         count the harness tests a boot is done
                                     with: all it started, or after a crash
                                     those up to the one blamed for it
  report.py crash BOOT_LOG           how a boot ended: stale-int3 (QEMU's,
                                     below), before-init or other
  report.py stable KIND KIND...      compare the per-test outcomes of
                                     repeated runs (scripts/repeat.sh):
                                     fails if a test's outcome differs
  report.py mutant KIND REGEX        did grant_fuzz find the defect (what
                                     it or dom0 reported first matches
                                     REGEX) on a fuzz-mutants.sh kernel
  report.py failing EXPECTED         print the tests an expected-failures
                                     list names as failing or racy (not
                                     "dmesg"): tests/init runs each in a
                                     boot alone

An expected-failures list may name the dmesg pseudo-test as "dmesg"
(any report) or as "dmesg: REGEX" entries (only lines that one of them
finds; any other report fails the run).

KIND is dom0, stock (meaning $BUILD/KIND) or a directory holding the
console.log written by scripts/run-suite.sh: the boots' consoles, each
ending in a "XENTEST-HOST: boot N exit RC" line (RC from boot-xen.sh).

A crash is charged by evidence, not by where dom0 stopped: the chain of
reports that ends in it starts with the boot's first report of damage
(any BAD line below but a lockdep report, which damages nothing), and the
test running when that line appeared, or the last one to end before it,
is blamed, with the line and the process it names.  A test that was
running at the crash but is not blamed has no result from that boot:
run-suite.sh resumes after the blamed test, so it runs again.

One crash is QEMU's, not the kernel's: an `Oops: int3` whose Code: line
shows the int3 byte already gone (README: "A known crash of QEMU's
TCG").  When it is a boot's first report of damage, neither it nor the
panic that follows counts as a report, nothing is blamed, the test it
cut short has no result from that boot (run-suite.sh runs it again) and
"summarize" and "check" print it.

Result lines are "PASS|FAIL|SKIP|XFAIL name [reason]" with names
  fixture[.variant].test   kselftest_harness tests (from their TAP)
  collection:program       programs without harness tests, or that failed
                           outside any test
  kunit:suite.case         KUnit, parsed by the kernel's own kunit_parser
  dmesg                    dom0 kernel log lines that mean trouble
  boot                     a boot that ended badly outside any test

An expected-failures list (tests/expected-failures-*.txt) has one entry
a line, "#" to the end of a line is a comment:
  NAME          the test is expected to FAIL
  skip: NAME    the test is expected to SKIP
  racy: NAME    the test may PASS or FAIL: the kernel races (a stock
                base's bug hit in some runs only); either is printed,
                a FAIL only with a kernel report of its own (a crash
                charged to it, a dmesg line during or after it)
  require: NAME some result must match (KUnit's, which tests/init does
                not plan, so that their absence is seen)
NAME is a result name as above, or a shell-style glob (fnmatch: * ? [])
such as "skip: faults.*".  "check" counts as failed: a FAIL that matches
no plain or "racy:" entry, a SKIP that matches no "skip:" entry, a PASS
that matches a plain or "skip:" entry, a "require:" entry that matches
no result, and a run in which tests/init selected no test at all (a glob
that selected nothing, missing selftests).  Another entry that matches
no result is only noted.
"""
import fnmatch
import io
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get('BUILD', os.path.join(TOP, 'build'))

# tests/init's markers are kernel messages: "[    5.123456] XENTEST: ..."
MARK_RUN = re.compile(r'XENTEST: run (\S+)')
RUN = re.compile(MARK_RUN.pattern + r'|#  RUN           (\S+) \.\.\.')
PROGRAM = re.compile(r'XENTEST: program (\S+)')
DIAG = re.compile(r'^# # (\S.*)')		# a harness test's messages
SUB = re.compile(r'^# (not )?ok \d+ (\S+)(?:\s+#\s*(.*))?$')
PROG_START = re.compile(r'^# selftests: (\S+): (\S+)$')
PROG = re.compile(r'^(not )?ok \d+ selftests: (\S+): (\S+)(?:\s+#\s*(.*))?$')
HOST = re.compile(r'^XENTEST-HOST: boot (\d+) exit (\d+)')
PLANNED = re.compile(r'XENTEST: test (\S+)')
BEGIN = re.compile(r'XENTEST: begin (\S+)')
# run-suite.sh's DIR/booted: "image PATH SHA256", "package DEB SHA256".
IMAGE = re.compile(r'image (.+) ([0-9a-f]{64})$')
PACKAGE = re.compile(r'package (.*/linux-image-([^_/]+)_[^/]+\.deb) ([0-9a-f]{64})$')
BAD = re.compile(r'WARNING:|BUG:|Oops|Bad rss-counter|'
		 r'sleeping function called from invalid context|'
		 r'Kernel panic|general protection fault|kernel BUG|'
		 r'refcount_t:|possible circular locking|inconsistent lock state|'
		 r'possible recursive locking|suspicious RCU usage|'
		 # lockdep switched off: later locking bugs would go unseen.
		 r'turning off the locking correctness validator|'
		 # SLUB's debugging (configs/memcheck.config) reports "BUG
		 # CACHE (Not tainted): Redzone overwritten", without a colon.
		 r'BUG \S+ \((?:Not tainted|Tainted)|'
		 # tests/init: a module the suite needs (Debian's
		 # configuration) did not load; its tests would fail or skip
		 # for a reason the run would not name.
		 r'XENTEST: modprobe \S+ failed')
# Lockdep reports a locking order that could deadlock, or switches
# itself off: that damages nothing, so it starts no chain of reports
# that ends in a crash.
LOCKDEP = re.compile(r'possible circular locking|inconsistent lock state|'
		     r'possible recursive locking|suspicious RCU usage|'
		     r'turning off the locking correctness validator')
# The process a report names: "BUG: Bad page state in process NAME  pfn:",
# "CPU: 0 UID: 0 PID: 42 Comm: NAME Tainted: ..." or "... Comm: NAME Not
# tainted".
PROCESS = re.compile(r'in process (\S+)|Comm: (\S+)')
USER = re.compile(r'^(#|ok |not ok |\(XEN\))')	# not dom0's kernel log
# QEMU's multi-threaded TCG can run a stale int3 byte of the kernel's text
# patching after the patcher removed it (README: "A known crash of QEMU's
# TCG"; base and series alike, without Xen too).  Its sign: the oops'
# Code: line, read after the trap, no longer holds the int3 (cc) before
# the trapping address.  A stray int3 still in the text (cc <..>) is the
# kernel's and fails the run as any oops does.
INT3 = re.compile(r'Oops: int3')
CODE = re.compile(r'Code: .*\b([0-9a-f]{2}) <[0-9a-f]{2}>')
RIP = re.compile(r'RIP: \S+:(\S+)')
# The first byte of what text patching writes over: a NOP (0f 1f ..,
# 66 90), a jump (eb, e9) or a call (e8).
PATCH_SITE = {'0f', '66', 'e8', 'e9', 'eb'}
# What follows such an oops on its way to the panic: the same oops on
# another CPU, the panic, and the WARN of the panic's IPI.
AFTER_INT3 = re.compile(r'Oops: int3|Kernel panic - not syncing: Fatal '
			r'exception|WARNING: CPU: \d+ PID: \d+ at kernel/smp\.c:')
ENDINGS = {1: 'QEMU failed', 2: 'dom0 crashed', 3: 'Xen panicked',
	   4: 'timeout or hang'}


def clean(reason):
	"""Drop a kernel message that cut into a line of the test's output."""
	return re.sub(r'\[\s*\d+\.\d+\].*', '', reason).strip()


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
		self.done = []		# per boot: harness tests it is done with
		self.stale_int3 = []	# (boot, line index, site) of QEMU's
					# crashes (INT3 above)
		cut = {}		# test -> boots a stale int3 cut it short
		start = 0
		for i, line in enumerate(lines):
			m = HOST.match(line)
			if m:
				self.boots.append((start, i, int(m.group(2))))
				start = i + 1
		planned = []
		for n, (first, last, rc) in enumerate(self.boots, 1):
			planned += self.parse_boot(first, last, rc, n, cut)
		# QEMU's by chance once; twice in one test is the test's.
		for name, boots in cut.items():
			if len(boots) > 1:
				# "no result": its listed failure is not seen.
				self.add(name, ('FAIL', 'no result: a stale int3 '
					f'cut it short in boots {boots[0]} and '
					f'{boots[1]}'))
		self.planned = planned	# what tests/init selected, every boot
		for name in planned:
			self.results.setdefault(name, ('FAIL', 'no result'))
		if self.boots:
			first, last, _ = self.boots[0]
			self.kunit(lines[first:last])
		tests = sorted({t for _, t in self.hits})
		self.add('dmesg', ('FAIL', f'{len(self.hits)} line(s): '
			 + ', '.join(tests)) if self.hits else ('PASS', ''))

	def ran(self):
		"""Number of real tests (not dmesg or boot) that ran."""
		return sum(s != 'SKIP' for n, (s, _) in self.results.items()
			   if n not in ('dmesg', 'boot'))

	def add(self, name, result):
		self.results[name] = result

	def process(self, i):
		"""The process named by the report that starts at line @i."""
		for line in self.lines[i:i + 15]:
			m = PROCESS.search(line)
			if m:
				return m.group(1) or m.group(2)
		return None

	def stale_int3_crash(self, first, last):
		"""The line of the boot's stale int3 oops (INT3 above), or None.
		Only if it is the boot's first report (any report text before
		it, even inside a test's output, is the kernel's), its own RIP:
		line is followed by a Code: line whose byte before the trapping
		address opens a patch site and is no int3, and every report
		after it is one of AFTER_INT3."""
		oops = None
		for i in range(first, last):
			line = self.lines[i]
			if not BAD.search(line) or LOCKDEP.search(line):
				continue
			if oops is not None:
				if USER.match(line) or not AFTER_INT3.search(line):
					return None
				continue
			if USER.match(line) or not INT3.search(line):
				return None
			oops = i
		if oops is None:
			return None
		kernel = [j for j in range(oops + 1, min(oops + 12, last))
			  if not self.lines[j].startswith('(XEN)')]
		rip = next((n for n, j in enumerate(kernel)
			    if RIP.search(self.lines[j])), None)
		if rip is None or rip + 1 >= len(kernel):
			return None
		m = CODE.search(self.lines[kernel[rip + 1]])
		return oops if m and m.group(1) in PATCH_SITE else None

	def parse_boot(self, first, last, rc, boot, cut):
		running = prog = diag = test = None	# test: the last one started
		prog_tests = prog_failed = False
		where = 'before /init'	# where kernel messages came from
		planned = []
		runs = []		# the harness tests this boot started
		chain = None		# (line, 'during'|'after', test) of the
					# boot's first damage report
		# QEMU's crash, not the kernel's: its oops and the panic that
		# follows are no reports, and the test it cut short runs again.
		stale = self.stale_int3_crash(first, last) if rc == 2 else None
		if stale is not None:
			site = next((m.group(1) for m in map(RIP.search,
				     self.lines[stale:last]) if m), 'an unknown site')
			self.stale_int3.append((boot, stale, site))
		for i in range(first, last):
			line = self.lines[i]
			if 'XENTEST: begin' in line:
				where = 'in /init'
			m = PLANNED.search(line)
			if m:
				planned.append(m.group(1))
			if BAD.search(line) and not USER.match(line) and \
			   (stale is None or i < stale):
				self.hits.append((i, f'during {running}' if running else where))
				# A report before the first test (KUnit, the
				# two-domain setup) names no test to blame.
				if (chain is None and (running or test) and
				    not LOCKDEP.search(line)):
					chain = (i, 'during' if running else 'after',
						 running or test)
			m = RUN.search(line)
			if m:
				running, diag = m.group(1) or m.group(2), None
				test = running
				where = 'after ' + running
				if MARK_RUN.search(line):
					runs.append(running)
				continue
			m = PROGRAM.search(line)
			if m:
				prog, test = m.group(1), None
				where = 'during ' + prog
				continue
			m = DIAG.match(line)
			if m and running and diag is None:
				diag = clean(m.group(1))
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
					self.add(running, ('FAIL', reason or 'no result'))
				elif not prog_tests or (status == 'FAIL' and
							not prog_failed):
					self.add(name, (status, reason))
				running = prog = None
				if where == 'during ' + name:
					where = 'after ' + name
		self.done.append(len(runs))
		if stale is not None:
			if running in runs:
				self.done[-1] = runs.index(running)
				cut.setdefault(running, []).append(boot)
		elif rc != 0:
			why = f'{ENDINGS.get(rc, f"exit {rc}")} (boot {boot})'
			i, phase, culprit = chain or (None, None, None)
			if culprit and culprit != running and culprit in runs:
				by = self.process(i)
				first_report = re.sub(r'^\[\s*\d+\.\d+\]\s*', '',
						      self.lines[i])
				status, reason = self.results.get(culprit, ('', ''))
				why = (f'{why}; its first report came {phase} this '
				       f'test: "{first_report}"'
				       + (f' (process {by})' if by else ''))
				if status == 'FAIL' and reason:
					why = reason + '; ' + why
				self.add(culprit, ('FAIL', why))
				if running:
					self.add(running, ('FAIL', f'no result: {why}, '
						f'blamed on {culprit}; runs again'))
				self.done[-1] = runs.index(culprit) + 1
			elif running:
				self.add(running, ('FAIL', why))
			elif not runs and boot < len(self.boots):
				# Before its first test, and booted again (run-suite.sh):
				# the crash counts in the dmesg pseudo-test alone.
				pass
			elif test in self.results:
				# The test had its result, and dom0 went down before
				# the next one began: the test's deferred work did it.
				status, reason = self.results[test]
				why += (' after the test, before its program ended'
					if prog else ' after the test, before the next')
				if status == 'FAIL' and reason:
					why = reason + '; ' + why
				self.add(test, ('FAIL', why))
			else:
				self.add(prog or 'boot', ('FAIL', why))
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
		trees = [os.path.join(b, 'src', t, 'tools/testing/kunit')
			 for b in (BUILD, os.path.join(TOP, 'build'))
			 for t in ('dom0', 'stock')]
		trees = [t for t in trees if os.path.exists(t + '/kunit_parser.py')]
		if not trees:
			self.add('kunit', ('FAIL', 'KTAP in the log, but no kernel '
					   'tree for kunit_parser'))
			return
		sys.path.insert(0, trees[0])
		import kunit_parser
		import kunit_printer
		kunit_printer.stdout._output = io.StringIO()	# quiet
		status = {kunit_parser.TestStatus.SUCCESS: 'PASS',
			  kunit_parser.TestStatus.SKIPPED: 'SKIP',
			  kunit_parser.TestStatus.NO_TESTS: 'SKIP'}
		for suite in kunit_parser.parse_run_tests(kernel).subtests:
			for case in suite.subtests or [suite]:
				name = 'kunit:' + suite.name
				if case is not suite:
					name += '.' + case.name
				reason = '' if case.status in status else case.status.name.lower()
				self.add(name, (status.get(case.status, 'FAIL'), reason))

	def unmatched_hits(self, patterns):
		"""The suspicious dom0 log lines that no regex of @patterns
		finds."""
		return [self.lines[i] for i, _ in self.hits
			if not any(re.search(p, self.lines[i]) for p in patterns)]

	def print_stale_int3(self, kind):
		for boot, i, site in self.stale_int3:
			print(f'{kind}: boot {boot} ended in QEMU\'s stale int3 at '
			      f'{site} (console.log line {i + 1}; README: "A known '
			      'crash of QEMU\'s TCG"): no kernel report; the test it '
			      'cut short runs again')

	def print_hits(self):
		"""Each suspicious dom0 log line with what follows it."""
		shown = set()
		blocks = 0
		for i, test in self.hits:
			if i in shown:
				continue
			blocks += 1
			if blocks > 20:
				print('--- and more, see console.log')
				break
			by = self.process(i)
			print(f'--- dom0 log {test}'
			      + (f', process {by}' if by else '')
			      + f' (console.log line {i + 1}):')
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
		return out, Run(unmix(line.rstrip('\n').replace('\r', '') for line in f))


def unmix(lines):
	"""Xen writes its lines whole, but may write one into the middle of
	a line from dom0: move it out and join the dom0 line again."""
	out, cut = [], ''
	for line in lines:
		i = line.find('(XEN) ')
		if i > 0:
			cut += line[:i]
			out.append(line[i:])
		elif i == 0:
			out.append(line)
		else:
			out.append(cut + line)
			cut = ''
	return out + [cut] if cut else out


def fmt(name, result):
	return ' '.join(filter(None, (result[0], name, result[1])))


def summarize(kind):
	out, run = load(kind)
	text = [fmt(n, r) for n, r in run.results.items()]
	with open(os.path.join(out, 'results.txt'), 'w') as f:
		f.write(''.join(t + '\n' for t in text))
	print('\n'.join(text))
	run.print_hits()
	run.print_stale_int3(kind)
	count = {s: sum(r[0] == s for r in run.results.values())
		 for s in ('PASS', 'FAIL', 'SKIP')}
	ran = run.ran() and run.planned	# KUnit alone is not a run
	if not ran:
		print('no tests ran')
	print(f"{count['PASS']} passed, {count['FAIL']} failed, "
	      f"{count['SKIP']} skipped")
	return 0 if ran else 1


def read_expected(path):
	"""@path's entries: (failure patterns, skip patterns, required
	patterns, racy patterns)."""
	fails, skips, required, racy = set(), set(), set(), set()
	with open(path) as f:
		for line in f:
			entry = line.split('#', 1)[0].strip()
			if entry.startswith('skip:'):
				skips.add(entry[5:].strip())
			elif entry.startswith('require:'):
				required.add(entry[8:].strip())
			elif entry.startswith('racy:'):
				racy.add(entry[5:].strip())
			elif entry:
				fails.add(entry)
	return fails, skips, required, racy


def matches(name, patterns):
	"""The entries of @patterns that name @name, exactly or as a glob."""
	return {p for p in patterns if fnmatch.fnmatchcase(name, p)}


def booted(out, run):
	"""What the run booted: the release dom0 printed (tests/init), the
	image and its package (run-suite.sh's DIR/booted); and, where it came
	from a package, why it is not the package's kernel ('' if it is)."""
	release = next((m.group(1) for m in map(BEGIN.search, run.lines) if m),
		       None)
	try:
		with open(os.path.join(out, 'booted')) as f:
			lines = f.read().splitlines()
	except FileNotFoundError:
		lines = []
	what = ' '.join([release or 'no kernel release seen'] +
			[line.rsplit(' ', 1)[0] for line in lines])
	image = next((IMAGE.match(l) for l in lines if l.startswith('image ')), None)
	package = next((l for l in lines if l.startswith('package ')), None)
	if package is None:
		return what, ''
	package = PACKAGE.match(package)
	if not image or not package:
		return what, 'cannot read DIR/booted'
	if image.group(2) != package.group(3):
		return what, 'the image booted is not the package\'s'
	if release != package.group(2):
		return what, f'dom0 printed release {release}, not the package\'s'
	return what, ''


def kernel_report(name, reason, results):
	"""Test @name failed with the kernel's own report: dom0 crashed and
	the crash was charged to it, or the dmesg pseudo-test names a line
	that came during it or after it."""
	dmesg = results.get('dmesg', ('PASS', ''))[1]
	return 'dom0 crashed' in reason or \
		re.search(rf'(during|after) {re.escape(name)}(,|$)', dmesg) is not None


def compare(kind, expected_file):
	"""Print what differs from @expected_file; return the counts."""
	out, run = load(kind)
	what, not_package = booted(out, run)
	print(f'{kind}: booted {what}')
	run.print_stale_int3(kind)
	fails, skips, required, racy = read_expected(expected_file)
	res = run.results
	used = set()	# entries that matched a result
	counts = {'passed': 0, 'failed': 0, 'skipped': 0, 'xfail': 0}
	# "dmesg: REGEX" entries: the dmesg pseudo-test may fail, but only
	# with lines that match them.
	kernel = {e for e in fails if e.startswith('dmesg:')}
	other = []
	for name, (status, reason) in res.items():
		fail_by, skip_by = matches(name, fails), matches(name, skips)
		racy_by = matches(name, racy)
		if name == 'dmesg' and kernel and status == 'FAIL':
			other = run.unmatched_hits([e[6:].strip() for e in kernel])
			fail_by = set() if other else kernel
			if other:
				print(f'{kind}: dmesg: {len(other)} line(s) that no '
				      f'"dmesg:" entry of {expected_file} matches, '
				      f'first: {other[0]}')
		elif name == 'dmesg' and kernel:
			fail_by = kernel
		used |= fail_by | skip_by | racy_by
		if racy_by and not fail_by and (
				status == 'PASS' or
				status == 'FAIL' and kernel_report(name, reason, res) and
				not reason.startswith('no result')):
			# Either outcome is the kernel's; the report says which.
			counts['xfail' if status == 'FAIL' else 'passed'] += 1
			print(f'{kind}: racy: {fmt(name, (status, reason))}')
		elif racy_by and not fail_by and status == 'FAIL' and \
		     not reason.startswith('no result'):
			counts['failed'] += 1
			print(f'{kind}: unexpected failure: {fmt(name, (status, reason))[5:]} '
			      '(listed as racy, but no kernel report came during '
			      'or after it)')
		elif status == 'FAIL' and (fail_by or racy_by) and \
		     reason.startswith('no result'):
			counts['failed'] += 1
			print(f'{kind}: unexpected failure: {name} never ran to an '
			      f'end ({reason}): its expected failure is not seen')
		elif status == 'FAIL' and fail_by:
			counts['xfail'] += 1
		elif status == 'FAIL':
			counts['failed'] += 1
			print(f'{kind}: unexpected failure: '
			      f'{fmt(name, (status, reason))[5:]}'
			      + (' (listed as an expected skip)' if skip_by else ''))
		elif status == 'SKIP' and skip_by:
			counts['skipped'] += 1
		elif status == 'SKIP':
			counts['failed'] += 1
			print(f'{kind}: unexpected skip: '
			      f'{fmt(name, (status, reason))[5:]} (no "skip: '
			      f'{name}" in {expected_file})')
		elif status == 'PASS' and (fail_by or skip_by):
			counts['failed'] += 1
			print(f'{kind}: unexpected pass: {name} (listed in '
			      f'{expected_file} as an expected '
			      f'{"failure" if fail_by else "skip"})')
		elif status == 'PASS':
			counts['passed'] += 1
	for entry in sorted(fails - used):
		print(f'{kind}: note: {entry} is listed in {expected_file} '
		      'but did not run')
	for entry in sorted(racy - used):
		print(f'{kind}: note: racy: {entry} is listed in '
		      f'{expected_file} but did not run')
	for entry in sorted(skips - used):
		print(f'{kind}: note: skip: {entry} is listed in '
		      f'{expected_file} but did not run')
	if not_package:
		print(f'{kind}: not the package\'s kernel: {not_package}')
		counts['failed'] += 1
	# Results tests/init does not plan (KUnit's) are missed only when
	# the list requires them.
	for entry in sorted(required):
		if not any(fnmatch.fnmatchcase(name, entry) for name in res):
			print(f'{kind}: missing: no result matches "require: '
			      f'{entry}" of {expected_file}')
			counts['failed'] += 1
	if res.get('dmesg', ('PASS',))[0] == 'FAIL' and \
	   (not matches('dmesg', fails) and not kernel or other):
		run.print_hits()
	# KUnit runs in every boot, so its results alone do not show that
	# tests/init ran anything: a glob in xentest.only that selects
	# nothing must not pass quietly.
	if not run.planned:
		print(f'{kind}: no tests ran (tests/init selected none)')
		counts['failed'] += 1
	print(f'{kind}: {counts["passed"]} passed, {counts["failed"]} failed, '
	      f'{counts["skipped"]} skipped, {counts["xfail"]} expected '
	      'failures')
	return counts


def check(pairs):
	"""Compare each KIND with its list; one closing line for all."""
	total = {'passed': 0, 'failed': 0, 'skipped': 0, 'xfail': 0}
	for kind, expected_file in pairs:
		for key, value in compare(kind, expected_file).items():
			total[key] += value
	print(f'({total["xfail"]} expected failures)')
	print(f'{total["passed"]} passed, {total["failed"]} failed, '
	      f'{total["skipped"]} skipped')
	return 1 if total['failed'] else 0


def boot_run(log):
	"""The Run of one boot's log (run-suite.sh's DIR/boot-N.log)."""
	with open(log, errors='replace') as f:
		return Run(unmix(line.rstrip('\n').replace('\r', '') for line in f))


def started(log):
	"""How many harness tests one boot's log is done with."""
	run = boot_run(log)
	print(run.done[-1] if run.done else 0)
	return 0


def crash(log):
	"""How one boot's log ended: "stale-int3" (QEMU's, INT3 above),
	"before-init" (dom0 died before /init began) or "other"."""
	run = boot_run(log)
	if run.stale_int3:
		print('stale-int3')
	elif not any('XENTEST: begin' in line for line in run.lines):
		print('before-init')
	else:
		print('other')
	return 0


def stable(kinds):
	"""Print each test whose outcome differs between the runs @kinds."""
	runs = [load(kind)[1].results for kind in kinds]
	names = list(dict.fromkeys(n for r in runs for n in r))
	differ = 0
	for name in names:
		seen = [r.get(name, ('-', ''))[0] for r in runs]
		if len(set(seen)) > 1:
			differ += 1
			print(f'differs: {name}: ' + ' '.join(seen))
	counts = {s: sum(r[0] == s for r in runs[0].values())
		  for s in ('PASS', 'FAIL', 'SKIP')}
	print(f'{len(runs)} runs, {len(names)} tests, {differ} with outcomes '
	      f'that differ; first run: {counts["PASS"]} PASS, '
	      f'{counts["FAIL"]} FAIL, {counts["SKIP"]} SKIP')
	return 1 if differ else 0


def failing(path):
	"""The tests @path expects to fail or lists as racy, one a line."""
	fails, _, _, racy = read_expected(path)
	tests = {t for t in fails | racy
		 if t not in ('dmesg', 'boot') and not t.startswith('dmesg:')}
	print(''.join(f'{p}\n' for p in sorted(tests)), end='')
	return 0


FUZZ_START = re.compile(r'XENTEST: program \S*grant_fuzz$')
FUZZ_FOUND = re.compile(r'^# # (FAIL: .*|.* not back: .*)')
STAMP = re.compile(r'^\[\s*(\d+\.\d+)\]')


def mutant(kind, expect):
	"""scripts/fuzz-mutants.sh: did grant_fuzz's run in @kind find the
	defect?  Found: a failure the fuzzer printed, or a kernel report
	(report.py's but lockdep's and QEMU's stale int3) after the fuzzer
	started, in the boot it started in, that the regex @expect finds.
	Exit 0 only then."""
	_, run = load(kind)
	start = next((i for i, l in enumerate(run.lines) if FUZZ_START.search(l)),
		     None)
	if start is None:
		print('INCONCLUSIVE: grant_fuzz never started')
		return 1
	end = next(last for first, last, _ in run.boots if first <= start < last)
	run.print_stale_int3(kind)
	fuzzer = next((m.group(1) for m in map(FUZZ_FOUND.match,
		       run.lines[start:end]) if m), None)
	kernel = next((i for i, _ in run.hits if start < i < end and
		       not LOCKDEP.search(run.lines[i])), None)
	result = run.results.get('xen:grant_fuzz', ('', ''))
	print(f'grant_fuzz: {fmt("xen:grant_fuzz", result)}')
	print(f'fuzzer: {fuzzer or "nothing"}')
	ran = next((l[4:] for l in run.lines[start:end] if l.startswith('# # ran ')),
		   None)
	if ran:
		print(f'fuzzer: {ran}')
	if kernel is None:
		print('dom0: no report')
	else:
		print(f'dom0: {run.lines[kernel]}')
		began = STAMP.match(run.lines[start])
		came = STAMP.match(run.lines[kernel])
		if began and came:
			print(f'first report {float(came.group(1)) - float(began.group(1)):.1f}'
			      ' s after the fuzzer started')
	found = [f for f in (fuzzer, kernel is not None and run.lines[kernel])
		 if f and re.search(expect, f)]
	if found:
		return 0
	if fuzzer or kernel is not None:
		print(f'NOT THE DEFECT: what came first does not match "{expect}"')
	elif result[0] == 'PASS':
		print('NOT FOUND: grant_fuzz passed and dom0 reported nothing')
	else:
		print('INCONCLUSIVE: grant_fuzz did not pass, but neither it nor '
		      'dom0 said what it found')
	return 1


def main(argv):
	if len(argv) == 3 and argv[1] == 'started':
		return started(argv[2])
	if len(argv) >= 3 and argv[1] == 'stable':
		return stable(argv[2:])
	if len(argv) == 3 and argv[1] == 'failing':
		return failing(argv[2])
	if len(argv) == 3 and argv[1] == 'crash':
		return crash(argv[2])
	if len(argv) == 4 and argv[1] == 'mutant':
		return mutant(argv[2], argv[3])
	if len(argv) == 3 and argv[1] == 'summarize':
		return summarize(argv[2])
	if len(argv) >= 4 and len(argv) % 2 == 0 and argv[1] == 'check':
		return check(zip(argv[2::2], argv[3::2]))
	sys.exit(__doc__)


if __name__ == '__main__':
	sys.exit(main(sys.argv))
