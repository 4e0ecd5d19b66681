#!/bin/bash
# Build the initramfs of the two-domain tests: scripts/mkinitramfs-xl.sh DIR
# Writes DIR/initramfs.gz: scripts/mkinitramfs.sh's initramfs (busybox,
# tests/init) with the twodomain collection as its only kselftests
# (tests/twodomain/twodomain.c, then backends.c, clients.c and fuzz.c,
# which runs the selftests' grant_fuzz from $BUILD/selftests on a domU's
# grants; iobench.c for the benchmark) and, appended as a second cpio archive (Linux unpacks them
# in turn), Xen's toolstack from Debian 12's own packages (xen-utils-4.17,
# xenstore-utils, their libraries; fetched with apt-get download into
# $BUILD/xl, never installed), the setup script tests/init runs first
# (tests/twodomain/setup: xenstored, xen-init-dom0, xenconsoled, then
# `xl create` of two domUs), the backend tests' hotplug scripts and the
# domUs' kernel and initramfs (busybox, tests/twodomain/gntshare.c,
# xtool.c, Xen's vchan-socket-proxy and its libraries, the kernel's
# blkfront and netfront modules, and its gntalloc and evtchn where they
# are modules).
# Environment: DOMU_KERNEL (the domUs' kernel: the series',
# $BUILD/dom0/vmlinuz, whatever dom0 runs), DOM0_CONFIG (the .config of
# the kernel dom0 runs, default the series'), KSFT (the kernel's
# tools/testing/selftests for kselftest_harness.h and the runner,
# default the series' tree), QDISK=1 (tests/twodomain/qdisk.c as the only
# collection, with Debian's QEMU for Xen, qemu-system-xen, installed by
# scripts/deps.sh, and its libraries: make qdisk, and make bench-io for
# its qdisk rows).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${1:?usage: mkinitramfs-xl.sh DIR}
domu_kernel=${DOMU_KERNEL:-$BUILD/dom0/vmlinuz}
dom0_config=${DOM0_CONFIG:-$BUILD/dom0/config}
ksft=${KSFT:-$SRC_DOM0/tools/testing/selftests}
src=$TOP/tests/twodomain
xl=$BUILD/xl
xen_bin=usr/lib/xen-4.17/bin
multiarch=usr/lib/x86_64-linux-gnu
packages=(xen-utils-4.17 xenstore-utils libxenmisc4.17 libyajl2 libxencall1
	libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenstore4
	libxentoollog1 libxentoolcore1 libxenhypfs1 libxendevicemodel1)
[ -f "$domu_kernel" ] || die "$domu_kernel missing (scripts/build-kernel.sh dom0)"
[ -f "$dom0_config" ] || die "$dom0_config missing (scripts/build-kernel.sh)"
[ -f "$ksft/kselftest_harness.h" ] || die "no $ksft/kselftest_harness.h (scripts/series.sh apply)"
[ -f /usr/include/xenstore.h ] || die "no libxen-dev (run scripts/deps.sh)"

stage "Xen's toolstack from Debian's packages ($xl)"
mkdir -p "$xl/debs"
if [ ! -x "$xl/root/$xen_bin/xl" ]; then
	(cd "$xl/debs" && apt-get download "${packages[@]}")
	rm -rf "$xl/root.tmp"
	for deb in "$xl"/debs/*.deb; do dpkg-deb -x "$deb" "$xl/root.tmp"; done
	mv "$xl/root.tmp" "$xl/root"
fi
stage_done

stage "the twodomain tests and the domU's initramfs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
# The tests as the only kselftest collection, with the kernel's runner.
tests=$out/selftests
rm -rf "$tests"
mkdir -p "$tests/twodomain"
cp "$ksft/run_kselftest.sh" "$tests/"
cp -r "$ksft/kselftest" "$tests/"
cp "$ksft/kselftest_harness.h" "$ksft/kselftest.h" "$tmp/"
progs=(twodomain backends clients fuzz iobench)
collections=(twodomain backends clients fuzz)
if [ "${QDISK:-}" = 1 ]; then
	progs=(qdisk iobench)
	collections=(qdisk)
else
	fuzzer=$BUILD/selftests/xen/grant_fuzz
	[ -x "$fuzzer" ] || die "no $fuzzer (scripts/build-selftests.sh)"
	cp "$fuzzer" "$tests/twodomain/"
fi
for prog in "${progs[@]}"; do
	gcc -Wall -Werror -O2 -I"$tmp" -o "$tests/twodomain/$prog" \
		"$src/$prog.c" "$src/domu.c" "$src/io.c" -lxenctrl -lxenstore \
		-lxengnttab
done
# iobench is the benchmark (xentest.bench), not a test.
printf 'twodomain:%s\n' "${collections[@]}" >"$tests/kselftest-list.txt"
echo "timeout=1800" >"$tests/twodomain/settings"

# The domU: busybox, gntshare (static), its /init.
domu=$tmp/domu
mkdir -p "$domu"/{bin,dev,proc,sys,tmp}
cp /usr/bin/busybox "$domu/bin/"
for applet in $(/usr/bin/busybox --list); do
	[ -e "$domu/bin/$applet" ] || ln -s busybox "$domu/bin/$applet"
done
gcc -Wall -Werror -O2 -static -o "$domu/bin/gntshare" "$src/gntshare.c" \
	-lxenstore -lxentoolcore -lpthread 2>&1 | { grep -v 'statically linked' || true; }
# The backend tests: streams on both sides, the frontends (modules).
gcc -Wall -Werror -O2 -static -o "$domu/bin/xtool" "$src/xtool.c"
# The vchan tests' server (tests/twodomain/clients.c), with the
# libraries it loads: the packages' first, then the system's.
cp "$xl/root/$xen_bin/vchan-socket-proxy" "$domu/bin/"
libs=$(LD_LIBRARY_PATH=$xl/root/$multiarch ldd "$domu/bin/vchan-socket-proxy")
! grep 'not found' <<<"$libs" || die "vchan-socket-proxy: libraries missing"
libs=$(grep -o '/[^ ]*' <<<"$libs")
for lib in $libs; do
	mkdir -p "$domu$(dirname "${lib#"$xl/root"}")"
	cp -L "$lib" "$domu${lib#"$xl/root"}"
done
# gntshare's gntalloc and the vchan server's evtchn too where they are
# modules (Debian's configuration; the harness's builds them in).
mkdir -p "$domu/lib/modules"
for ko in xen-blkfront xen-netfront xen-gntalloc xen-evtchn; do
	# xz-compressed in Debian's configuration; the domU's insmod gets
	# them plain.
	f=$(find "$(dirname "$domu_kernel")/modules" -name "$ko.ko" -o -name "$ko.ko.xz")
	if [ -z "$f" ]; then
		case $ko in xen-gntalloc | xen-evtchn) continue ;; esac
		die "no $ko.ko beside $domu_kernel"
	fi
	case $f in
	*.xz) xz -dc "$f" >"$domu/lib/modules/$ko.ko" ;;
	*) cp "$f" "$domu/lib/modules/" ;;
	esac
done
cp "$src/domu-init" "$domu/init"
chmod 755 "$domu/init"
stage_done

stage "the toolstack overlay"
ov=$tmp/overlay
mkdir -p "$ov/$xen_bin" "$ov/usr/bin" "$ov/usr/sbin" "$ov/$multiarch" \
	"$ov/etc/xen" "$ov/etc/xentest" "$ov/domu" "$ov/var"
for prog in xl xenstored xenconsoled xen-init-dom0 libxl-save-helper \
	vchan-socket-proxy; do
	cp "$xl/root/$xen_bin/$prog" "$ov/$xen_bin/"
done
ln -s ../lib/xen-4.17/bin/xl "$ov/usr/sbin/xl"
cp -a "$xl/root/usr/bin/." "$ov/usr/bin/"	# xenstore-read, -write...
cp -a "$xl/root/$multiarch/." "$ov/$multiarch/"
# glibc loads libgcc_s for pthread_cancel: without it xl aborts.
cp -L "/$multiarch/libgcc_s.so.1" "$ov/$multiarch/"
# The system libraries they need, resolved with the packages' own first.
libs=$(find "$ov/$xen_bin" "$ov/usr/bin" -type f -perm -u+x -print0 |
	LD_LIBRARY_PATH=$xl/root/$multiarch xargs -0 -n1 ldd 2>/dev/null |
	grep -o '/[^ ]*' | grep -v "^$xl/" | sort -u || true)
for lib in $libs; do
	mkdir -p "$ov$(dirname "$lib")"
	cp -L "$lib" "$ov$lib"
done
# QEMU for the qdisk tests: the device model libxl starts for a PV
# domU's qdisk disk (at the path compiled into Debian's libxl).  Its
# libraries: the packages' own first, then the system's.
if [ "${QDISK:-}" = 1 ]; then
	qemu=/usr/libexec/xen-qemu-system-i386
	[ -x $qemu ] || die "no $qemu (scripts/deps.sh installs qemu-system-xen)"
	mkdir -p "$ov/usr/libexec" "$ov/usr/share/qemu/keymaps"
	cp $qemu "$ov/usr/libexec/"
	# libxl passes -vnc none, with which QEMU still reads its keymap.
	cp /usr/share/qemu/keymaps/en-us "$ov/usr/share/qemu/keymaps/"
	libs=$(LD_LIBRARY_PATH=$xl/root/$multiarch ldd $qemu)
	! grep 'not found' <<<"$libs" || die "$qemu: libraries missing"
	# What QEMU adds, for its cost below: its files, the libraries
	# the toolstack did not bring already.
	qemu_files=(./usr/libexec/${qemu##*/} ./usr/share/qemu/keymaps/en-us)
	for lib in $(grep -o '/[^ ]*' <<<"$libs" | grep -v "^$xl/"); do
		[ -e "$ov$lib" ] && continue
		mkdir -p "$ov$(dirname "$lib")"
		cp -L "$lib" "$ov$lib"
		qemu_files+=(".$lib")
	done
	printf '%s\n' "${qemu_files[@]}" >"$tmp/qemu-files"
fi
ln -s /run "$ov/var/run"
: >"$ov/etc/xen/xl.conf"	# the defaults; xl warns about a missing one
cp "$src/setup" "$ov/etc/xentest/setup"
chmod 755 "$ov/etc/xentest/setup"
# Where dom0's grant pages come from, for the tests that count MemTotal
# (the kernel has no /proc/config.gz): "y" when XEN_UNPOPULATED_ALLOC
# takes them from memory MemTotal never counted, "n" for the balloon.
if grep -qx 'CONFIG_XEN_UNPOPULATED_ALLOC=y' "$dom0_config"; then
	echo y >"$ov/etc/xentest/unpopulated-alloc"
else
	echo n >"$ov/etc/xentest/unpopulated-alloc"
fi
# The backend tests: their hotplug scripts (xl's own are bash) and xtool.
mkdir -p "$ov/etc/xen/scripts"
cp "$src/xentest-block" "$src/xentest-vif" "$ov/etc/xen/scripts/"
cp "$domu/bin/xtool" "$ov/usr/bin/"
cp "$domu_kernel" "$ov/domu/vmlinuz"
(cd "$domu" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -9 -n >"$ov/domu/initramfs.gz"
(cd "$ov" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -9 -n >"$tmp/overlay.gz"
echo "    $(du -h "$tmp/overlay.gz" | cut -f1) toolstack and domU"
# QEMU's cost: its files uncompressed, and the overlay compressed once
# more without them.
if [ "${QDISK:-}" = 1 ]; then
	qemu_bytes=$(cd "$ov" && du -cbL $(cat "$tmp/qemu-files") | tail -n 1 | cut -f1)
	without=$(cd "$ov" && find . | LC_ALL=C sort | grep -vxF -f "$tmp/qemu-files" |
		cpio -o -H newc -R 0:0 --quiet | gzip -9 -n | wc -c)
	with=$(stat -c %s "$tmp/overlay.gz")
	echo "    QEMU: $(wc -l <"$tmp/qemu-files") files (QEMU, its keymap, $(($(wc -l <"$tmp/qemu-files") - 2)) libraries), $qemu_bytes bytes uncompressed; the overlay $without bytes compressed without them, $with with: +$((with - without)) bytes"
fi
stage_done

SELFTESTS=$tests "$TOP/scripts/mkinitramfs.sh" "$out"
cat "$tmp/overlay.gz" >>"$out/initramfs.gz"
echo "    $out/initramfs.gz ($(du -h "$out/initramfs.gz" | cut -f1) with the toolstack)"
