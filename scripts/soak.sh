#!/bin/bash
# make soak MINUTES=N: grant_fuzz (patch 41) for N minutes (10) on make
# memcheck's kernel (configs/memcheck.config: slub_debug, KFENCE,
# DEBUG_PAGEALLOC, page_owner), with a fresh seed (or SEED=N) and fault
# injection, in a boot of its own; KUnit off.  The fuzzer checks every
# step and, at its end, Xen's active grant entries, the grant PTE records
# and gntdev's held pages; the harness fails the run on any report in
# dom0's log (a WARN, a Bad page, a slub or KFENCE report).  Results in
# build/memcheck-soak, judged by tests/expected-failures-memcheck-soak.txt;
# the fuzzer's seed and per-kind counts are in its console.log.
# Then the same on a real domU's grants, in a two-domain boot of the same
# kernel (dom0 and domU): tests/twodomain/fuzz.c for N minutes with the
# same seed, the domU re-granting its pages in rounds and destroyed
# halfway (build/memcheck-soak-twodomain, judged by
# tests/expected-failures-memcheck-soak-twodomain.txt).  Builds the
# kernel first (ccache: minutes when nothing changed).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
S=$TOP/scripts

minutes=${MINUTES:-10}
seed=${SEED:-$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')}
"$S/deps.sh"
"$S/base.sh"
"$S/series.sh" apply
"$S/build-selftests.sh"
"$S/build-kernel.sh" memcheck
"$S/mkinitramfs.sh" memcheck
echo "==> grant_fuzz for $minutes min, seed $seed (replay: SEED=$seed)"
KERNEL=$BUILD/memcheck/vmlinuz INITRAMFS=$BUILD/memcheck/initramfs.gz \
	TIMEOUT=$((minutes * 60 + 1200)) MAX_BOOTS=1 \
	XENTEST_ARGS="xentest.only=*grant_fuzz GRANT_FUZZ_SEED=$seed GRANT_FUZZ_SECONDS=$((minutes * 60)) kunit.enable=0" \
	"$S/run-suite.sh" "$BUILD/memcheck-soak" || true
# The seed, the calls per kind and the end checks, without the lines Xen
# writes into them.
log=$BUILD/memcheck-soak/console.log
grep -a -m1 'grant_fuzz: seed' "$log" || true
sed -n '/^# # op  /,/^# # Totals/p' "$log" | sed 's/(XEN).*//' || true

out=$BUILD/memcheck-soak-twodomain
echo "==> grant_fuzz on a domU's grants for $minutes min, seed $seed"
mkdir -p "$out"
ln -sfn "$BUILD/memcheck/modules" "$out/modules"
OUT=$out DOMU_KERNEL=$BUILD/memcheck/vmlinuz TIMEOUT=$((minutes * 60 + 2400)) \
	XENTEST_ARGS="xentest.only=fuzz.* fuzz.seconds=$((minutes * 60)) fuzz.seed=$seed" \
	"$S/run-twodomain-boot.sh" memcheck || true
{ grep -a 'fuzz.c:[0-9]*:foreign_churn_and_destroy:' "$out/console.log" &&
	sed -n '/grant_fuzz: # op  /,/grant_fuzz: # total  /p' "$out/console.log"; } |
	sed 's/(XEN).*//' || true
"$S/report.py" check "$BUILD/memcheck-soak" "$TOP/tests/expected-failures-memcheck-soak.txt" \
	"$out" "$TOP/tests/expected-failures-memcheck-soak-twodomain.txt"
