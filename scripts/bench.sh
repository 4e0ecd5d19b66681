#!/bin/bash
# make bench: build a non-debug pair of kernels (the series and the stock
# base, same config), boot each on the same Xen and QEMU, alternately,
# BENCH_ROUNDS times (3), run the same benchmark (grant_bench) in both and
# print a side-by-side table of ratios.  The series also gives the eagain
# rows (tests/bench-eagain: build-kernel.sh builds its module,
# build-selftests.sh its program).  QEMU counts guest time in
# executed instructions (-icount), which keeps one kernel's runs within
# about 1% of each other under TCG, and dom0 lays out its processes
# without randomness (norandmaps), the same in every boot.  Not part of
# the tests.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
S=$TOP/scripts

"$S/deps.sh"
"$S/base.sh"
"$S/series.sh" apply
"$S/build-kernel.sh" stock --bench
"$S/build-kernel.sh" dom0 --bench
"$S/build-selftests.sh"
out=$BUILD/bench
mkdir -p "$out"
rm -f "$out"/*.csv
for kind in stock dom0; do
	"$S/mkinitramfs.sh" "$BUILD/bench-$kind"
done
for round in $(seq "${BENCH_ROUNDS:-3}"); do
	for kind in stock dom0; do
		log=$out/$kind-$round.log
		stage "benchmark round $round on $kind (console: $log)"
		QEMU_EXTRA="-icount shift=3,sleep=off" BOOT_LOG=$log \
			"$S/boot-xen.sh" "$BUILD/bench-$kind/vmlinuz" \
			"$BUILD/bench-$kind/initramfs.gz" 1800 \
			"xentest.bench=${BENCH_SCALE:-1}" norandmaps >/dev/null
		grep -o 'csv,.*' "$log" | tr -d '\r' | sed "s/^csv,/$kind,$round,/" \
			>"$out/$kind-$round.csv"
		stage_done
	done
done
"$S/bench-report.py" "$out"
# The builds included: a warm run is the boots' time.
echo "make bench: ${BENCH_ROUNDS:-3} rounds, $((SECONDS / 60)) min wall time" |
	tee -a "$out/bench.txt"
