#!/bin/bash
# Boot Xen 4.17 with a dom0 kernel under QEMU (TCG, no KVM here):
#   scripts/boot-xen.sh KERNEL INITRAMFS [TIMEOUT] [DOM0_CMDLINE_EXTRA...]
# Streams the serial console to stdout, and to $BOOT_LOG if set (CRs
# stripped), and tells from Xen's and Linux's messages how the boot ended:
#   0  dom0 powered off      Xen: "Entering ACPI S5 state." (Linux powers
#                            off through ACPI, then QEMU exits), or
#                            "Hardware Dom0 halted: halting machine"
#   1  usage error, or QEMU ended without any of these messages
#   2  dom0 crashed          Xen: "Hardware Dom0 crashed" (Linux panics call
#                            SHUTDOWN_crash), or Linux: "Kernel panic"
#   3  Xen panicked          Xen: "Panic on CPU"
#   4  no verdict within TIMEOUT seconds (default 900), no output at all
#      for $IDLE seconds (default 300: longer than the kselftest timeout,
#      so only a hung dom0 is that quiet), or a second RCU stall or soft
#      lockup report (a hung dom0 repeats them every minute or so; one
#      alone can be TCG being slow)
# Xen runs without 'noreboot': after a dom0 crash or a Xen panic it
# reboots, which -no-reboot turns into a QEMU exit, so QEMU never sits
# halted.  Once a verdict is in, QEMU gets $GRACE seconds to print the
# rest and exit, then its process group is killed.
# Environment: XEN_EXTRA (words appended to Xen's command line, e.g.
# "gnttab_max_maptrack_frames=1" for tests that need a Xen option),
# QEMU_EXTRA (more QEMU options, below), BOOT_LOG, GRACE, IDLE.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage="usage: boot-xen.sh KERNEL INITRAMFS [TIMEOUT] [DOM0_CMDLINE_EXTRA...]"
kernel=$(realpath -e "${1:?$usage}")
initramfs=$(realpath -e "${2:?$usage}")
limit=${3:-900}
shift $(($# < 3 ? $# : 3))
grace=${GRACE:-10}
idle=${IDLE:-300}
case $kernel$initramfs in *,*) die "a comma in a path breaks QEMU's -initrd list" ;; esac

xen=$BUILD/xen.elf	# QEMU's multiboot loader wants the ELF, not the .gz
if [ ! -s "$xen" ]; then
	mkdir -p "$BUILD"
	gunzip -c /boot/xen-4.17-amd64.gz > "$xen.tmp"
	mv "$xen.tmp" "$xen"
fi
xen_cmdline="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M"
xen_cmdline+=" loglvl=all guest_loglvl=all conring_size=1M"
# XEN_EXTRA last: Xen takes the last of a repeated option.
read -ra xen_extra <<<"${XEN_EXTRA:-}"
[ "${#xen_extra[@]}" -eq 0 ] || xen_cmdline+=" ${xen_extra[*]}"
# oops=panic: an oops ends the boot at once (exit 2, the running test
# blamed) instead of leaving a half-dead dom0 to run the next tests.
dom0_cmdline="console=hvc0 earlyprintk=xen panic=-1 oops=panic $*"
# A kernel built with page_owner (make memcheck's) gets it on: dom0 parses
# its early parameters from the line Xen hands it (xen_arch_setup()
# replaces the kernel's built-in one), so it must be here.
if grep -qx CONFIG_PAGE_OWNER=y "$(dirname "$kernel")/config" 2>/dev/null; then
	dom0_cmdline+=" page_owner=on"
fi
# QEMU_EXTRA: more QEMU options, e.g. "-icount shift=3,sleep=off" for
# benchmarks (guest time counted in instructions).
read -ra qemu_extra <<<"${QEMU_EXTRA:-}"

tmp=$(mktemp -d)
qpid=
# Kill QEMU's process group; if timeout(1) has not made it yet, timeout
# itself passes the signal on to QEMU.
# (set -e holds in traps too, hence the "|| true".)
trap 'rm -rf "$tmp"
	[ -z "$qpid" ] || kill -- -"$qpid" 2>/dev/null || kill "$qpid" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
mkfifo "$tmp/console"
exec 4>"${BOOT_LOG:-/dev/null}"

echo "==> boot $kernel (dom0: $dom0_cmdline) under Xen${XEN_EXTRA:+ (+ $XEN_EXTRA)}, timeout ${limit}s"
# timeout(1) puts QEMU in a process group of its own, which the EXIT trap
# kills, and stops it even if this script is killed first.
timeout -k 5 $((limit + grace + 30)) qemu-system-x86_64 \
	-cpu qemu64 -smp 2 -m 3072 -nographic -no-reboot -display none \
	-serial mon:stdio -kernel "$xen" -append "$xen_cmdline" \
	-initrd "$kernel $dom0_cmdline,$initramfs" "${qemu_extra[@]}" \
	</dev/null >"$tmp/console" 2>&1 &
qpid=$!
exec 3<"$tmp/console"

verdict=
why="timeout after ${limit}s"
deadline=$((SECONDS + limit))
while left=$((deadline - SECONDS)) && [ "$left" -gt 0 ]; do
	line=
	IFS= read -r -t $((left < idle ? left : idle)) line <&3 || {
		st=$?
		if [ "$st" -gt 128 ]; then	# read timed out
			[ -n "$verdict" ] || [ "$left" -le "$idle" ] ||
				why="hung: no output for ${idle}s"
			break
		fi
		[ -n "$line" ] || { eof=1; break; }	# QEMU exited
	}
	line=${line//$'\r'/}
	printf '%s\n' "$line"
	printf '%s\n' "$line" >&4
	new=
	case $line in
	*"detected stalls on CPUs"* | *"soft lockup - CPU#"*)
		stalls=$((${stalls:-0} + 1))
		[ "$stalls" -lt 2 ] || new=4 msg="dom0 hung (repeated RCU stall or soft lockup)"
		;;
	*"Panic on CPU"*) new=3 msg="Xen panicked" ;;
	*"Hardware Dom0 crashed"* | *"Kernel panic"*) new=2 msg="dom0 crashed" ;;
	*"Hardware Dom0 shutdown"*) new=2 msg="dom0 rebooted (watchdog or reboot)" ;;
	*"Entering ACPI S5 state"* | *"Hardware Dom0 halted"*) new=0 msg="dom0 powered off" ;;
	esac
	# A later, worse message wins (a dom0 panic that ends in a Xen panic).
	if [ -n "$new" ] && [ "${verdict:--1}" -lt "$new" ]; then
		[ -n "$verdict" ] || deadline=$((SECONDS + grace))
		verdict=$new why=$msg
	fi
done

if [ -n "$verdict" ]; then
	rc=$verdict
elif [ -n "${eof:-}" ]; then
	rc=1 why="QEMU exited without a verdict"
else
	rc=4
fi
echo "==> boot ended: $why (exit $rc) after ${SECONDS}s"
exit "$rc"
