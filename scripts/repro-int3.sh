#!/bin/bash
# The int3 reproducer (README, "A known, unexplained crash"):
#   scripts/repro-int3.sh dom0|stock BOOTS [SECONDS]
# Boots the kernel in build/KIND BOOTS times under Xen, each running
# tests/repro-int3/static_keys.c alone for SECONDS (default 120), and
# counts the boots that died with "Oops: int3".
# Environment: HOG=N runs N busy loops on the host beside QEMU (both
# sightings were on an overloaded host); QEMU_EXTRA reaches QEMU, e.g.
# "-accel tcg,thread=single" (one host thread for both vCPUs); NO_XEN=1
# boots the kernel on QEMU's machine without Xen.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage="usage: repro-int3.sh dom0|stock BOOTS [SECONDS]"
kind=${1:?$usage}
boots=${2:?$usage}
secs=${3:-120}
kernel=$BUILD/$kind/vmlinuz
[ -f "$kernel" ] || die "$kernel missing (scripts/build-kernel.sh $kind)"
out=$BUILD/repro-int3-$kind
ksft=$SRC_DOM0/tools/testing/selftests
tests=$out/selftests

stage "the reproducer as the only kselftest ($out)"
rm -rf "$tests"
mkdir -p "$tests/repro"
cp "$ksft/run_kselftest.sh" "$tests/"
cp -r "$ksft/kselftest" "$tests/"
gcc -Wall -Werror -O2 -static -I"$ksft" -o "$tests/repro/static_keys" \
	"$TOP/tests/repro-int3/static_keys.c"
echo "repro:static_keys" >"$tests/kselftest-list.txt"
echo "timeout=$((secs + 120))" >"$tests/repro/settings"
stage_done
SELFTESTS=$tests "$TOP/scripts/mkinitramfs.sh" "$out"

hogs=()
trap '[ "${#hogs[@]}" -eq 0 ] || kill "${hogs[@]}" 2>/dev/null || true' EXIT
for ((i = 0; i < ${HOG:-0}; i++)); do
	(while :; do :; done) &
	hogs+=($!)
done
oops=0 clean=0 other=0
for ((b = 1; b <= boots; b++)); do
	log=$out/boot-$b.log
	rc=0
	if [ -n "${NO_XEN:-}" ]; then
		# The same kernel on QEMU's machine itself: no Xen, no PV.
		read -ra qemu_extra <<<"${QEMU_EXTRA:-}"
		timeout -k 5 $((secs + 300)) qemu-system-x86_64 -cpu qemu64 \
			-smp 2 -m 2048 -nographic -no-reboot -display none \
			-serial mon:stdio -kernel "$kernel" -initrd "$out/initramfs.gz" \
			-append "console=ttyS0 panic=-1 oops=panic INT3_SECONDS=$secs" \
			"${qemu_extra[@]}" </dev/null 2>&1 | tr -d '\r' >"$log" || rc=$?
	else
		BOOT_LOG=$log "$TOP/scripts/boot-xen.sh" "$kernel" "$out/initramfs.gz" \
			$((secs + 600)) "INT3_SECONDS=$secs" >/dev/null || rc=$?
	fi
	if grep -q 'Oops: int3' "$log"; then
		oops=$((oops + 1))
		what="Oops: int3 at $(grep -m1 -o 'RIP: [0-9a-f]*:[^ ]*' "$log" || echo '?')"
	elif [ "$rc" -eq 0 ] && grep -Eq '(^|# )ok 1 int3.flip_hot_static_keys' "$log"; then
		clean=$((clean + 1))
		what="clean, $(grep -m1 -o '[0-9]* static key flips on [0-9]* CPUs' "$log")"
	else
		other=$((other + 1))
		what="neither (boot-xen.sh exit $rc): see $log"
	fi
	echo "    boot $b: $what"
done
echo "==> $kind${NO_XEN:+ without Xen}${QEMU_EXTRA:+ ($QEMU_EXTRA)}, HOG=${HOG:-0}: $boots boots of ${secs}s," \
	"$oops with Oops: int3, $clean clean, $other neither"
