#!/bin/bash
# Run one kernel's suite several times in a row and show that every run
# gives each test the same outcome: scripts/repeat.sh dom0|stock [N]
# (make repeat KIND=stock N=5).  Uses the kernel and initramfs that
# scripts/run.sh built (build/KIND); runs into build/repeat/KIND-1..N,
# each checked against tests/expected-failures-KIND.txt, then compared
# with each other (report.py stable).  Not part of `make test`: about
# 4 minutes a run of the stock base, 3.5 of the series.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kind=${1:?usage: repeat.sh dom0|stock [N]}
n=${2:-5}
list=$TOP/tests/expected-failures-$kind.txt
# The selftests as make test runs them (both collections), in a fresh
# initramfs: they may have changed since the kernel was built.
{
	"$TOP/scripts/build-selftests.sh"
	"$TOP/scripts/build-libxen-tests.sh"
	"$TOP/scripts/mkinitramfs.sh" "$kind"
} >/dev/null
mkdir -p "$BUILD/repeat"
runs=()
checks=()
for i in $(seq "$n"); do
	out=$BUILD/repeat/$kind-$i
	t=$(date +%s)
	KERNEL=$BUILD/$kind/vmlinuz INITRAMFS=$BUILD/$kind/initramfs.gz \
		ISOLATE=$list "$TOP/scripts/run-suite.sh" "$out" >"$out.log" 2>&1 || true
	echo "==> run $i of $kind: $(($(date +%s) - t))s, $(grep -c 'XENTEST-HOST: boot' "$out/console.log") boots, $(tail -1 "$out.log")"
	runs+=("$out")
	checks+=("$out" "$list")
done
rc=0
"$TOP/scripts/report.py" check "${checks[@]}" || rc=1
"$TOP/scripts/report.py" stable "${runs[@]}" || rc=1
exit $rc
