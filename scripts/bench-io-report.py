#!/usr/bin/env python3
"""Side-by-side table of a `make bench-io` run: scripts/bench-io-report.py DIR

Reads DIR/{stock,dom0}-ROUND.csv (iobench's "csv," lines, prefixed with
the kernel and the round) and prints, per path, the number of rounds,
the median throughput of each kernel with nothing held back, the ratio
series / stock with its 95 % interval (over the rounds, as
scripts/bench-report.py computes it for `make bench`), the run-to-run
spread and a verdict against TARGET; then the series with half of the
grant ops dom0 issues held back (fail_grant_eagain at 50 %) against
itself with none, and the hold-backs of each phase (io: every grant op
of dom0 while blkback and netback move the io domU's data; qdisk: while
QEMU serves the qdisk domU, its grant copies and ring maps).  Writes
DIR/bench-io.txt too.  A transfer whose data came through wrong, or a
path missing from a round, is reported and makes the exit status 1.
"""
import csv
import glob
import importlib.util
import os
import statistics
import sys

_spec = importlib.util.spec_from_file_location(
    "bench_report", os.path.join(os.path.dirname(__file__), "bench-report.py"))
bench_report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_report)

# Every round's paths (bench-io.sh's initramfs has QEMU, so qdisk too).
PATHS = ("xvda_write", "xvda_read", "xvdb_write", "xvdb_read",
         "net_tx", "net_rx", "qdisk_write", "qdisk_read")
# Throughput series / stock must be at least this (a cost of 1.01), judged
# only where the interval is within +-bench_report.INTERVAL_GOAL.
TARGET = 0.99


def load(directory):
    """Rates by (path, percent, kind), hold-backs by phase, wrong data,
    and what each round lacks."""
    rates, held, bad, missing = {}, {}, [], []
    files = sorted(glob.glob(os.path.join(directory, "*-*.csv")))
    rounds = sorted({os.path.basename(f)[:-len(".csv")].rsplit("-", 1)[1]
                     for f in files}, key=int)
    missing += ["%s round %s: no figures" % (kind, rnd) for rnd in rounds
                for kind in ("stock", "dom0")
                if os.path.join(directory, "%s-%s.csv" % (kind, rnd)) not in files]
    for path in files:
        kind, rnd = os.path.basename(path)[:-len(".csv")].rsplit("-", 1)
        seen = set()
        for row in csv.reader(open(path)):
            what = row[2]
            if what == "io":
                rates.setdefault((row[3], int(row[4]), kind), []).append(
                    int(row[5]) / float(row[6]))
                seen.add((row[3], int(row[4])))
            elif what == "io_bad":
                bad.append(row)
            elif what.endswith("_hold_backs"):
                held.setdefault(what[:-len("_hold_backs")], []).append(row[3])
        # The base has no fail_grant_eagain: no 50 % rows there.
        for percent in (0,) if kind == "stock" else (0, 50):
            missing += ["%s round %s: %s at %d%%" % (kind, rnd, p, percent)
                        for p in PATHS if (p, percent) not in seen]
    return rates, held, bad, missing


def verdict(ratio, half):
    if half > bench_report.INTERVAL_GOAL:
        return "not judged"
    return "met" if ratio >= TARGET else "missed"


def main():
    directory = sys.argv[1]
    rates, held, bad, missing = load(directory)
    lines = ["%-11s %2s %12s %12s %7s %9s %7s  %s" % (
        "path", "n", "stock MiB/s", "series MiB/s", "ratio", "95% int",
        "spread", ">= %.2f" % TARGET)]
    for path in PATHS:
        stock, series = rates.get((path, 0, "stock")), rates.get((path, 0, "dom0"))
        if not stock or not series:
            continue
        n = min(len(stock), len(series))
        ratio, half = bench_report.ratio_interval(stock, series)
        lines.append("%-11s %2d %12.2f %12.2f %7.3f %9s %7s  %s" % (
            path, n, statistics.median(stock), statistics.median(series),
            ratio, "+-%.1f%%" % (100 * half) if n > 1 else "n/a",
            "%.1f%%" % (100 * max(bench_report.spread(stock),
                                  bench_report.spread(series)))
            if n > 1 else "n/a", verdict(ratio, half)))
    lines.append("")
    lines.append("%-11s %12s %12s %7s  (the series; hold-backs per round: "
                 "%s)" % ("path", "0% MiB/s", "50% MiB/s", "ratio",
                          ", ".join("%s %s" % (k, "/".join(v))
                                    for k, v in sorted(held.items()))
                          or "none"))
    for path in PATHS:
        none, half = rates.get((path, 0, "dom0")), rates.get((path, 50, "dom0"))
        if not none or not half:
            continue
        n, h = statistics.median(none), statistics.median(half)
        lines.append("%-11s %12.2f %12.2f %7.3f" % (path, n, h, h / n))
    for row in bad:
        lines.append("WRONG DATA: %s round %s %s at %s%%" % tuple(row[:2] + row[3:5]))
    for what in missing:
        lines.append("MISSING: %s (see the round's .log)" % what)
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(directory, "bench-io.txt"), "w") as f:
        f.write(text + "\n")
    return 1 if bad or missing else 0


if __name__ == "__main__":
    sys.exit(main())
