#!/bin/bash
# Build the test initramfs: scripts/mkinitramfs.sh dom0|stock|DIR
# Writes $BUILD/KIND/initramfs.gz (or DIR/initramfs.gz): busybox, /init
# (tests/init), the installed kselftests at /selftests (the same for every
# kernel), the kernel's modules if it has any, and the shared libraries
# the dynamic programs need.  $SELFTESTS overrides the kselftest dir.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kind=${1:?usage: mkinitramfs.sh dom0|stock|DIR}
case $kind in */*) out=$kind ;; *) out=$BUILD/$kind ;; esac
selftests=${SELFTESTS:-$BUILD/selftests}
[ -x "$selftests/run_kselftest.sh" ] ||
	die "$selftests/run_kselftest.sh missing (make -C tools/testing/selftests TARGETS=xen install INSTALL_PATH=$selftests)"
busybox=/usr/bin/busybox	# busybox-static: needs no libraries
[ -x "$busybox" ] || die "$busybox missing (run scripts/deps.sh)"

stage "initramfs for $out"
mkdir -p "$out"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,usr/bin,dev,proc,sys,tmp,lib,etc}
cp "$busybox" "$root/bin/busybox"
# Every applet in /bin only: busybox's own timeout lacks the --foreground
# that kselftest/runner.sh passes to /usr/bin/timeout, so that one is
# GNU coreutils' (with stdbuf, which runner.sh uses for line buffering).
for applet in $("$busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
cp /usr/bin/timeout /usr/bin/stdbuf "$root/usr/bin/"
mkdir -p "$root/usr/libexec/coreutils"
cp /usr/libexec/coreutils/libstdbuf.so "$root/usr/libexec/coreutils/"
cp "$TOP/tests/init" "$root/init"
chmod 755 "$root/init"
cp -a "$selftests" "$root/selftests"
if [ -d "$out/modules/lib/modules" ]; then
	mkdir -p "$root/lib/modules"
	cp -a "$out/modules/lib/modules/." "$root/lib/modules/"
fi

# Shared libraries (and the loader) of every dynamic program, at the
# paths ldd reports: Debian's loader searches /lib/x86_64-linux-gnu.
libs=$(find "$root/selftests" "$root/usr" -type f -perm -u+x -print0 |
	xargs -0 -n1 ldd 2>/dev/null | grep -o '/[^ ]*' | sort -u || true)
for lib in $libs; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
echo "    $(wc -w <<<"$libs") shared libraries"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -9 -n > "$out/initramfs.gz.tmp"
mv "$out/initramfs.gz.tmp" "$out/initramfs.gz"
echo "    $out/initramfs.gz ($(du -h "$out/initramfs.gz" | cut -f1))"
stage_done
