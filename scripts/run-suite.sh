#!/bin/bash
# Run the tests on one kernel: scripts/run-suite.sh dom0|stock|DIR
# Boots DIR/vmlinuz (DIR is $BUILD/KIND) with a fresh DIR/initramfs.gz
# under Xen.  When dom0 crashes or hangs, the harness test that
# was running is blamed (scripts/report.py) and another boot resumes
# after it with xentest.skip=<tests started so far> (tests/init).
# Writes DIR/boot-N.log, DIR/console.log and DIR/results.txt, and prints
# the summary.  Exits non-zero only when the harness failed or no test
# ran; "report.py check" judges the results.
# Environment: KERNEL, INITRAMFS (images to boot instead), TIMEOUT
# (seconds per boot, 900), MAX_BOOTS (12), XENTEST_ARGS (more dom0
# command line, e.g. xentest.only=grant.*), XEN_EXTRA (more Xen command
# line, e.g. gnttab_max_maptrack_frames=1; scripts/boot-xen.sh reads it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kind=${1:?usage: run-suite.sh dom0|stock|DIR}
case $kind in */*) out=$kind ;; *) out=$BUILD/$kind ;; esac
kernel=${KERNEL:-$out/vmlinuz}
[ -f "$kernel" ] || die "$kernel missing (scripts/build-kernel.sh $kind)"
# Rebuilt every time (a second): the selftests may have changed.
[ -n "${INITRAMFS:-}" ] || "$TOP/scripts/mkinitramfs.sh" "$kind"
initramfs=${INITRAMFS:-$out/initramfs.gz}
read -ra extra <<<"${XENTEST_ARGS:-}"

mkdir -p "$out"	# a DIR of its own with KERNEL and INITRAMFS from elsewhere
rm -f "$out"/boot-*.log "$out/console.log" "$out/results.txt"
skip=0
boots=0
while [ "$boots" -lt "${MAX_BOOTS:-12}" ]; do
	boots=$((boots + 1))
	log=$out/boot-$boots.log
	args=("${extra[@]}")
	[ "$skip" -eq 0 ] || args+=("xentest.skip=$skip")
	stage "boot $boots of $kind (console: $log)"
	rc=0
	BOOT_LOG=$log "$TOP/scripts/boot-xen.sh" "$kernel" "$initramfs" \
		"${TIMEOUT:-900}" "${args[@]}" || rc=$?
	echo "XENTEST-HOST: boot $boots exit $rc" >>"$log"
	stage_done
	case $rc in
	0) break ;;
	2 | 3 | 4) ;;
	*) die "boot-xen.sh failed (exit $rc)" ;;
	esac
	if grep -q 'XENTEST: end' "$log"; then
		break	# all tests ran; it went wrong at power-off
	fi
	# tests/init announces each harness test before it starts, so the one
	# that brought dom0 down counts as started.
	started=$(python3 "$TOP/scripts/report.py" started "$log")
	if [ "$started" -eq 0 ]; then
		echo "no test started in boot $boots: not trying again"
		break
	fi
	skip=$((skip + started))
	echo "==> resuming after $skip tests"
done

for n in $(seq "$boots"); do cat "$out/boot-$n.log"; done >"$out/console.log"
stage "results ($out/results.txt)"
python3 "$TOP/scripts/report.py" summarize "$out"
