#!/usr/bin/env python3
"""Side-by-side table of a `make bench-io` run: scripts/bench-io-report.py DIR

Reads DIR/{stock,dom0}-ROUND.csv (iobench's "csv," lines, prefixed with
the kernel and the round) and prints, per path, the median throughput of
each kernel with nothing held back, the ratio series / stock and the
run-to-run spread; then the series with half of every grant op held back
(fail_grant_eagain at 50%) against itself with none, and the hold-backs
of each phase (io: blkback and netback; qdisk: QEMU's grant copies).  Writes
DIR/bench-io.txt too.  A transfer whose data came through wrong, or a
round with no figures, is reported and makes the exit status 1.
"""
import csv
import glob
import os
import statistics
import sys


def spread(values):
    med = statistics.median(values)
    return (max(values) - min(values)) / med if med else 0.0


def main():
    directory = sys.argv[1]
    rates, held, bad, empty = {}, {}, [], []
    for path in sorted(glob.glob(os.path.join(directory, "*-*.csv"))):
        rows = list(csv.reader(open(path)))
        # Every round has the qdisk rows too (bench-io.sh's initramfs
        # has QEMU).
        for prefix in ("", "qdisk_"):
            if not any(len(r) > 3 and r[2] == "io" and
                       r[3].startswith(prefix) for r in rows):
                empty.append(os.path.basename(path) +
                             (" (qdisk)" if prefix else ""))
        for row in rows:
            kind, what = row[0], row[2]
            if what == "io":
                mib_s = int(row[5]) / float(row[6])
                rates.setdefault((row[3], int(row[4]), kind), []).append(mib_s)
            elif what == "io_bad":
                bad.append(row)
            elif what.endswith("_hold_backs"):
                held.setdefault(what[:-len("_hold_backs")], []).append(row[3])
    paths = sorted({p for p, _, _ in rates})
    lines = ["%-11s %12s %12s %7s %8s" % ("path", "stock MiB/s",
                                         "series MiB/s", "ratio", "spread")]
    for path in paths:
        stock, series = rates.get((path, 0, "stock")), rates.get((path, 0, "dom0"))
        if not stock or not series:
            continue
        s, d = statistics.median(stock), statistics.median(series)
        lines.append("%-11s %12.2f %12.2f %7.3f %7.1f%%" % (
            path, s, d, d / s, 100 * max(spread(stock), spread(series))))
    lines.append("")
    lines.append("%-11s %12s %12s %7s  (the series; hold-backs per round: "
                 "%s)" % ("path", "0% MiB/s", "50% MiB/s", "ratio",
                          ", ".join("%s %s" % (k, "/".join(v))
                                    for k, v in sorted(held.items()))
                          or "none"))
    for path in paths:
        none, half = rates.get((path, 0, "dom0")), rates.get((path, 50, "dom0"))
        if not none or not half:
            continue
        n, h = statistics.median(none), statistics.median(half)
        lines.append("%-11s %12.2f %12.2f %7.3f" % (path, n, h, h / n))
    for row in bad:
        lines.append("WRONG DATA: %s round %s %s at %s%%" % tuple(row[:2] + row[3:5]))
    for name in empty:
        lines.append("NO FIGURES in %s (see its .log)" % name)
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(directory, "bench-io.txt"), "w") as f:
        f.write(text + "\n")
    return 1 if bad or empty else 0


if __name__ == "__main__":
    sys.exit(main())
