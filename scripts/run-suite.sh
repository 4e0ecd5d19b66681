#!/bin/bash
# Run the tests on one kernel: scripts/run-suite.sh dom0|stock|DIR
# Boots DIR/vmlinuz (DIR is $BUILD/KIND) with a fresh DIR/initramfs.gz
# under Xen.  When dom0 crashes or hangs, the harness test that brought
# it down is blamed by evidence (scripts/report.py: the test during or
# after which the first report of the crash appeared) and another boot
# resumes after it with xentest.skip=<tests up to it> (tests/init); the
# tests that ran after it run again.
# The tests that the boot's expected-failures list names as failing
# (tests/expected-failures-BASENAME-OF-DIR.txt, or $ISOLATE) may leave
# the kernel damaged: tests/init runs them last, each alone in a boot of
# its own, so that none decides the outcome of another.
# Writes DIR/boot-N.log, DIR/console.log and DIR/results.txt, and prints
# the summary.  Exits non-zero only when the harness failed or no test
# ran; "report.py check" judges the results.
# Environment: KERNEL, INITRAMFS (images to boot instead), TIMEOUT
# (seconds per boot, 900), MAX_BOOTS (40), XENTEST_ARGS (more dom0
# command line, e.g. xentest.only=grant.*), XEN_EXTRA (more Xen command
# line, e.g. gnttab_max_maptrack_frames=1; scripts/boot-xen.sh reads it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kind=${1:?usage: run-suite.sh dom0|stock|DIR}
case $kind in */*) out=$kind ;; *) out=$BUILD/$kind ;; esac
# No result of an earlier run survives one that stops early.
mkdir -p "$out"	# a DIR of its own with KERNEL and INITRAMFS from elsewhere
rm -f "$out"/boot-*.log "$out/console.log" "$out/results.txt" "$out/booted"
kernel=${KERNEL:-$out/vmlinuz}
[ -f "$kernel" ] || die "$kernel missing (scripts/build-kernel.sh $kind)"
# Rebuilt every time (a second): the selftests may have changed.
[ -n "${INITRAMFS:-}" ] || "$TOP/scripts/mkinitramfs.sh" "$kind"
initramfs=${INITRAMFS:-$out/initramfs.gz}
read -ra extra <<<"${XENTEST_ARGS:-}"

# What is booted, for the report: the image and its digest and, when it
# came from one, its Debian package and the digest of the package's image
# (scripts/build-deb.sh dom0 writes build/dom0/package; a rebuild of the
# kernel removes it).
{
	echo "image $kernel $(sha256sum <"$kernel" | cut -d' ' -f1)"
	pkg=$(dirname "$kernel")/package
	[ ! -f "$pkg" ] || sed 's/^/package /' "$pkg"
} >"$out/booted"

# The tests to isolate, as /etc/xentest/isolate in an archive appended
# to the initramfs (the kernel unpacks concatenated archives in order).
isolate=${ISOLATE-$TOP/tests/expected-failures-$(basename "$out").txt}
if [ -f "$isolate" ]; then
	root=$(mktemp -d)
	mkdir -p "$root/etc/xentest"
	python3 "$TOP/scripts/report.py" failing "$isolate" >"$root/etc/xentest/isolate"
	if [ -s "$root/etc/xentest/isolate" ]; then
		echo "==> isolated: $(wc -l <"$root/etc/xentest/isolate") entries of $isolate"
		{
			cat "$initramfs"
			(cd "$root" && find etc | LC_ALL=C sort |
				cpio -o -H newc -R 0:0 --quiet | gzip -n)
		} >"$out/initramfs-isolate.gz"
		initramfs=$out/initramfs-isolate.gz
	fi
	rm -rf "$root"
fi
skip=0
boots=0
while [ "$boots" -lt "${MAX_BOOTS:-40}" ]; do
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
	0) grep -q 'XENTEST: pause' "$log" || break ;;	# else: isolation
	2 | 3 | 4) ;;
	*) die "boot-xen.sh failed (exit $rc)" ;;
	esac
	if grep -q 'XENTEST: end' "$log"; then
		break	# all tests ran; it went wrong at power-off
	fi
	# The harness tests this boot is done with: all it started after a
	# pause, those up to the one blamed for a crash otherwise.
	started=$(python3 "$TOP/scripts/report.py" started "$log")
	if [ "$started" -eq 0 ]; then
		# dom0 crashed before its first test, or in the first: QEMU's
		# stale int3 as a static key flips (report.py; four times in
		# some hundreds of boots, most 3 to 4 s in) gets up to three
		# more boots; any other crash one, which report.py counts in
		# the dmesg pseudo-test or charges to the program.
		if [ "$rc" -ne 0 ]; then
			ended=$(python3 "$TOP/scripts/report.py" crash "$log")
			tries=$([ "$ended" = stale-int3 ] && echo 3 || echo 1)
			if [ "${empty:-0}" -lt "$tries" ]; then
				empty=$((${empty:-0} + 1))
				echo "==> no test done in boot $boots ($ended): booting again"
				continue
			fi
		fi
		echo "no test started in boot $boots: not trying again"
		break
	fi
	empty=0
	skip=$((skip + started))
	# The last test brought dom0 down: no boot is left to run, unless
	# a program without harness tests ("COLLECTION:PROGRAM") is planned.
	total=$(sed -n 's/.*XENTEST: running \([0-9]*\) tests after skipping \([0-9]*\).*/\1 \2/p' "$log" |
		awk '{ print $1 + $2; exit }')
	if [ -n "$total" ] && [ "$skip" -ge "$total" ] &&
		! grep -q 'XENTEST: test [^ ]*:' "$log"; then
		echo "==> all $total tests ran"
		break
	fi
	echo "==> resuming after $skip tests"
done

for n in $(seq "$boots"); do cat "$out/boot-$n.log"; done >"$out/console.log"
stage "results ($out/results.txt)"
python3 "$TOP/scripts/report.py" summarize "$out"
