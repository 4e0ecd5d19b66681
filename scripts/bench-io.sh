#!/bin/bash
# make bench-io: blkback, netback and QEMU's qdisk backend throughput
# with real PV domUs (tests/twodomain/iobench.c), the stock base against
# the series as dom0: the non-debug kernels of `make bench`, booted
# alternately on the same Xen and QEMU, BENCH_ROUNDS times (3), with the
# two-domain initramfs with QEMU (scripts/mkinitramfs-xl.sh, QDISK=1; the
# domUs run the series' test kernel in every boot, so only dom0 differs)
# and QEMU's instruction counting clock (-icount), as `make bench`.
# Prints the side-by-side table of scripts/bench-io-report.py.  Not part
# of the tests.
# Environment: BENCH_ROUNDS (3), BENCH_MIB (MiB per disk transfer, 32;
# the network moves twice that).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
S=$TOP/scripts

"$S/deps.sh"
"$S/base.sh"
"$S/series.sh" apply
"$S/build-kernel.sh" dom0	# the domU's kernel and its frontends
"$S/build-kernel.sh" stock --bench
"$S/build-kernel.sh" dom0 --bench
out=$BUILD/bench-io
mkdir -p "$out"
rm -f "$out"/*.csv
# QDISK=1: QEMU too, for the qdisk rows.  tests/init prints iobench's
# figures when it exits: one boot holds both domUs' rounds (3600 s).
QDISK=1 "$S/mkinitramfs-xl.sh" "$out"
for round in $(seq "${BENCH_ROUNDS:-3}"); do
	for kind in stock dom0; do
		log=$out/$kind-$round.log
		stage "io benchmark round $round on $kind (console: $log)"
		QEMU_EXTRA="-icount shift=3,sleep=off" BOOT_LOG=$log \
			"$S/boot-xen.sh" "$BUILD/bench-$kind/vmlinuz" \
			"$out/initramfs.gz" 3600 \
			"xentest.bench=${BENCH_MIB:-32}" >/dev/null || true
		grep -ao 'csv,.*' "$log" | tr -d '\r' | sed "s/^csv,/$kind,$round,/" \
			>"$out/$kind-$round.csv" || true
		stage_done
	done
done
"$S/bench-io-report.py" "$out"
