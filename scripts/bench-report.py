#!/usr/bin/env python3
"""Side-by-side table of a `make bench` run: scripts/bench-report.py DIR

Reads DIR/{stock,dom0}-ROUND.csv (grant_bench's "csv," lines, prefixed
with the kernel and the round), prints the medians of each kernel, the
ratio series / stock with its 95 % interval (over the rounds' medians)
and the run-to-run spread, next to the targets, and
writes DIR/bench.csv, DIR/bench.txt and DIR/bench.png (gnuplot). The
eagain rows (tests/bench-eagain's program, run after grant_bench) compare
two retry schemes within the series kernel: their stock_us and series_us
columns hold the serial and the batched figures.
"""
import csv
import glob
import math
import os
import statistics
import subprocess
import sys

# Upper bounds of series / stock; the other rows must hold 1 in their
# interval.  A ratio whose interval is wider than +-INTERVAL_GOAL is not
# judged against its target.
TARGETS = {"map": 1.02, "map2m": 1.02, "copy": 1.02, "exit": 1.05}
INTERVAL_GOAL = 0.01

# Student's t, two-sided 95 %, by degrees of freedom.
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447,
       7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228, 12: 2.179, 15: 2.131,
       20: 2.086, 30: 2.042}


def load(directory):
    times, extra = {}, []
    for path in sorted(glob.glob(os.path.join(directory, "*-*.csv"))):
        for row in csv.reader(open(path)):
            kind, rnd, what = row[0], row[1], row[2]
            if what in ("map", "map2m", "copy", "exit", "exitpin",
                        "forkexit", "anon"):
                times.setdefault((what, int(row[3])), {}).setdefault(
                    kind, []).append(float(row[4]))
            elif what != "bench":
                extra.append(row)
    return times, extra


def t95(df):
    for d in sorted(T95, reverse=True):
        if df >= d:
            return T95[d]
    return T95[1]


def ratio_interval(stock, series):
    """series / stock as the ratio of geometric means of the rounds'
    medians, and its 95 % interval (Welch's t on the logarithms)."""
    ls, lt = [math.log(v) for v in series], [math.log(v) for v in stock]
    ratio = math.exp(statistics.mean(ls) - statistics.mean(lt))
    if len(ls) < 2 or len(lt) < 2:
        return ratio, float("inf")
    vs, vt = statistics.variance(ls) / len(ls), statistics.variance(lt) / len(lt)
    se = math.sqrt(vs + vt)
    if se == 0:
        return ratio, 0.0
    df = (vs + vt) ** 2 / (vs ** 2 / (len(ls) - 1) + vt ** 2 / (len(lt) - 1))
    return ratio, math.exp(t95(df) * se) - 1


def spread(values):
    med = statistics.median(values)
    return (max(values) - min(values)) / med if med else 0.0


def eagain(extra, rows, series_ran):
    """Serial against batched retries of paged-out grant copies, measured
    in the same (series) kernel, by the percentage of ops held back."""
    runs = {}
    for row in extra:
        if row[0] == "dom0" and row[2] in ("eagain_serial", "eagain_batched"):
            runs.setdefault((int(row[3]), row[2]), []).append(float(row[4]))
    lines = []
    if not runs and series_ran:
        # tests/init printed why in the series' console logs (no module?)
        lines.append("eagain: no figures from the series kernel: see its "
                     "console logs (dom0-*.log)")
    for percent in sorted({p for p, _ in runs}):
        serial = runs.get((percent, "eagain_serial"))
        batched = runs.get((percent, "eagain_batched"))
        if not serial or not batched:
            continue
        s, b = statistics.median(serial), statistics.median(batched)
        sp = max(spread(serial), spread(batched))
        if percent:
            verdict = "target >= 5x %s" % ("met" if s / b >= 5 else "MISSED")
        else:
            verdict = "cost of the batched retries with no eagain"
        lines.append("eagain %3d%%: 512 copies, serial retry %10.1f us, "
                     "batched %10.1f us: serial / batched %6.2f (spread "
                     "%.1f%%), %s" % (percent, s, b, s / b, 100 * sp, verdict))
        rows.append(["eagain_serial_over_batched", percent, "%.1f" % s,
                     "%.1f" % b, "%.3f" % (s / b), "",
                     "%.3f" % spread(serial),
                     "%.3f" % spread(batched), 5 if percent else "none"])
    return lines


def main():
    directory = sys.argv[1]
    times, extra = load(directory)
    lines, rows = [], [["bench", "param", "stock_us", "series_us", "ratio",
                        "interval95", "stock_spread", "series_spread",
                        "target"]]
    lines.append("%-9s %5s %12s %12s %7s %7s %8s  %s" % (
        "bench", "param", "stock us", "series us", "ratio", "95%+-",
        "spread", "target"))
    series_only = []
    for (bench, param), kinds in sorted(times.items()):
        if "dom0" in kinds and "stock" not in kinds:
            series_only.append("%-9s %5d %12s %12.1f  (series only: the "
                               "base crashes there; spread %.1f%%)" % (
                                   bench, param, "-",
                                   statistics.median(kinds["dom0"]),
                                   100 * spread(kinds["dom0"])))
            continue
        if "stock" not in kinds:
            continue
        stock = statistics.median(kinds["stock"])
        series = statistics.median(kinds["dom0"])
        ratio, half = ratio_interval(kinds["stock"], kinds["dom0"])
        sp = max(spread(kinds["stock"]), spread(kinds["dom0"]))
        target = TARGETS.get(bench)
        if half > INTERVAL_GOAL:
            verdict = "not judged (interval wider than +-%.0f%%)" % (
                100 * INTERVAL_GOAL)
        elif target:
            verdict = "<= %.2f %s" % (target, "met" if ratio <= target
                                      else "MISSED")
        else:
            verdict = "1 within the interval %s" % (
                "met" if ratio / (1 + half) <= 1 <= ratio * (1 + half)
                else "MISSED")
        lines.append("%-9s %5d %12.1f %12.1f %7.3f %6.1f%% %7.1f%%  %s" % (
            bench, param, stock, series, ratio, 100 * half, 100 * sp,
            verdict))
        rows.append([bench, param, "%.1f" % stock, "%.1f" % series,
                     "%.3f" % ratio, "%.4f" % half,
                     "%.3f" % spread(kinds["stock"]),
                     "%.3f" % spread(kinds["dom0"]), target or "interval"])

    lines += series_only
    records = {}
    first_round = min(row[1] for row in extra) if extra else None
    for row in extra:
        if row[2] in ("metadata", "hypercalls") and row[1] != first_round:
            continue
        if row[0] == "dom0" and row[2] == "records":
            records.setdefault((row[3], row[4]), []).append(int(row[5]))
        if row[0] == "dom0" and row[2] == "metadata" and \
                row[3] == "pte_page_bytes":
            lines.append("metadata: %s bytes per grant-holding PTE page, "
                         "%.1f per grant (target: <= 4096), 0 without "
                         "grants" % (row[4], int(row[4]) / 512))
        if row[0] == "dom0" and row[2] == "metadata" and \
                row[3] == "slab_bytes":
            lines.append("metadata in its slab cache: %s bytes per "
                         "grant-holding PTE page, the slab's waste included "
                         "(target: <= 2253, 2.2 KiB)" % row[4])
        if row[0] == "dom0" and row[2] == "hypercalls" and \
                row[3] == "exit" and row[4] == "512":
            lines.append("unmap hypercalls per exit with 512 grants across "
                         "two PTE pages: %s (gntdev's notifier, one per PTE "
                         "page; the page-table layer's safety net would take "
                         "one per 64 grants)" % row[5])
        if row[2].startswith("grants_after_") and row[4] != row[5]:
            lines.append("%s: %s grants still active after %s with %s "
                         "pages (before: %s)" % (row[0], row[4], row[2][13:],
                                                 row[3], row[5]))
    for name in ("recorded", "pte_pages", "unmapped_by_page_tables",
                 "unmap_hypercalls"):
        before = records.get(("before_nogrant", name), [])
        after = records.get(("after_nogrant", name), [])
        if before and after:
            delta = max(a - b for a, b in zip(after, before))
            lines.append("no-grant fork/exit and anon mmap: %s +%d "
                         "(target: 0)" % (name, delta))

    lines += eagain(extra, rows,
                    any("dom0" in kinds for kinds in times.values()))
    text = "\n".join(lines)
    print(text)
    open(os.path.join(directory, "bench.txt"), "w").write(text + "\n")
    with open(os.path.join(directory, "bench.csv"), "w", newline="") as f:
        csv.writer(f).writerows(rows)
    with open(os.path.join(directory, "ratios.dat"), "w") as f:
        for row in rows[1:]:
            if row[0].startswith("eagain"):
                continue  # a ratio within one kernel, on its own scale
            f.write("%s-%s %s\n" % (row[0], row[1], row[4]))
    plot = ("set terminal png noenhanced size 900,420; set output '%s';"
            "set style fill solid; set boxwidth 0.6; set yrange [0:*];"
            "set ylabel 'series / stock'; set xtics rotate by -30;"
            "set title 'grant_bench: series / stock (median of rounds)';"
            "plot '%s' using 0:2:xtic(1) with boxes notitle, 1 with lines "
            "lt 0 notitle" % (os.path.join(directory, "bench.png"),
                              os.path.join(directory, "ratios.dat")))
    subprocess.run(["gnuplot", "-e", plot], check=False)


if __name__ == "__main__":
    main()
