#!/usr/bin/env python3
"""Side-by-side table of a `make bench` run: scripts/bench-report.py DIR

Reads DIR/{stock,dom0}-ROUND.csv (grant_bench's "csv," lines, prefixed
with the kernel and the round), prints the medians of each kernel, the
ratio series / stock and the run-to-run spread, next to the targets, and
writes DIR/bench.csv, DIR/bench.txt and DIR/bench.png (gnuplot). The
eagain rows (tests/bench-eagain's program, run after grant_bench) compare
two retry schemes within the series kernel: their stock_us and series_us
columns hold the serial and the batched figures.
"""
import csv
import glob
import os
import statistics
import subprocess
import sys

TARGETS = {"map": 1.05, "exit": 1.2}


def load(directory):
    times, extra = {}, []
    for path in sorted(glob.glob(os.path.join(directory, "*-*.csv"))):
        for row in csv.reader(open(path)):
            kind, rnd, what = row[0], row[1], row[2]
            if what in ("map", "exit", "forkexit", "anon"):
                times.setdefault((what, int(row[3])), {}).setdefault(
                    kind, []).append(float(row[4]))
            elif what != "bench":
                extra.append(row)
    return times, extra


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
                     "%.1f" % b, "%.3f" % (s / b), "%.3f" % spread(serial),
                     "%.3f" % spread(batched), 5 if percent else "none"])
    return lines


def main():
    directory = sys.argv[1]
    times, extra = load(directory)
    lines, rows = [], [["bench", "param", "stock_us", "series_us", "ratio",
                        "stock_spread", "series_spread", "target"]]
    lines.append("%-9s %5s %12s %12s %7s %8s  %s" % (
        "bench", "param", "stock us", "series us", "ratio", "spread",
        "target"))
    for (bench, param), kinds in sorted(times.items()):
        if "stock" not in kinds or "dom0" not in kinds:
            continue
        stock = statistics.median(kinds["stock"])
        series = statistics.median(kinds["dom0"])
        ratio = series / stock if stock else float("nan")
        sp = max(spread(kinds["stock"]), spread(kinds["dom0"]))
        target = TARGETS.get(bench)
        if target:
            verdict = "<= %.2f %s" % (target, "met" if ratio <= target
                                      else "MISSED")
        else:
            verdict = "within spread %s" % ("met" if abs(ratio - 1) <= sp
                                            else "MISSED")
        lines.append("%-9s %5d %12.1f %12.1f %7.3f %7.1f%%  %s" % (
            bench, param, stock, series, ratio, 100 * sp, verdict))
        rows.append([bench, param, "%.1f" % stock, "%.1f" % series,
                     "%.3f" % ratio, "%.3f" % spread(kinds["stock"]),
                     "%.3f" % spread(kinds["dom0"]), target or "spread"])

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
            lines.append("unmap hypercalls per exit with a full PTE page "
                         "of grants: %s (gntdev's notifier, one per 64 grants "
                         "of a PTE page, as does the page-table layer's "
                         "safety net)" % row[5])
        if row[2] == "grants_after_exit" and row[4] != row[5]:
            lines.append("%s: %s grants still active right after the exit "
                         "with %s pages (before: %s)" % (row[0], row[4],
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
