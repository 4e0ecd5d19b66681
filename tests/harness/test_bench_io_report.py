#!/usr/bin/env python3
"""Unit tests of scripts/bench-io-report.py: every path of every round is
there or named, and the interval and spread need two rounds.  Synthetic
csv files in the shape bench-io.sh writes; `make test` runs this file
with test_report.py."""
import contextlib
import importlib.util
import io
import os
import sys
import tempfile
import unittest

_spec = importlib.util.spec_from_file_location(
    'bench_io_report', os.path.join(os.path.dirname(__file__), '..', '..',
                                    'scripts', 'bench-io-report.py'))
report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report)


def write_round(directory, kind, rnd, rate=1.0, drop=()):
    """A round's csv: every path at 0 % (and 50 % for the series), each
    32 MiB in 32 / @rate seconds; paths in @drop left out."""
    percents = (0,) if kind == 'stock' else (0, 50)
    with open(os.path.join(directory, '%s-%d.csv' % (kind, rnd)), 'w') as f:
        for path in report.PATHS:
            for percent in percents:
                if path not in drop:
                    f.write('%s,%d,io,%s,%d,32,%.3f\n' % (kind, rnd, path, percent,
                                                          32 / rate))


def run(directory):
    out = io.StringIO()
    sys.argv = ['bench-io-report.py', directory]
    with contextlib.redirect_stdout(out):
        rc = report.main()
    return rc, out.getvalue()


class BenchIoReport(unittest.TestCase):
    def test_complete_rounds(self):
        with tempfile.TemporaryDirectory() as d:
            for rnd in (1, 2, 3):
                write_round(d, 'stock', rnd, 1.0 + rnd / 1000)
                write_round(d, 'dom0', rnd, 1.0 + rnd / 1000)
            rc, text = run(d)
        self.assertEqual(rc, 0, text)
        self.assertNotIn('MISSING', text)
        self.assertIn('qdisk_read', text)
        self.assertNotIn('n/a', text)

    def test_missing_path_fails(self):
        with tempfile.TemporaryDirectory() as d:
            write_round(d, 'stock', 1)
            write_round(d, 'dom0', 1, drop=('net_rx',))
            rc, text = run(d)
        self.assertEqual(rc, 1)
        self.assertIn('MISSING: dom0 round 1: net_rx at 0%', text)
        self.assertIn('MISSING: dom0 round 1: net_rx at 50%', text)

    def test_missing_kind_fails(self):
        with tempfile.TemporaryDirectory() as d:
            write_round(d, 'stock', 1)
            rc, text = run(d)
        self.assertEqual(rc, 1)
        self.assertIn('MISSING: dom0 round 1: no figures', text)

    def test_one_round_has_no_interval(self):
        with tempfile.TemporaryDirectory() as d:
            write_round(d, 'stock', 1)
            write_round(d, 'dom0', 1)
            rc, text = run(d)
        self.assertEqual(rc, 0, text)
        row = [line for line in text.splitlines() if line.startswith('xvda_write')][0]
        self.assertIn('n/a', row)
        self.assertIn('not judged', row)


if __name__ == '__main__':
    unittest.main()
