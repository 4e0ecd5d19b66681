#!/bin/bash
# Debian packages of the series (make deb):
#   scripts/build-deb.sh [dom0|debian|debian-full]
# `make bindeb-pkg` of the series, kernel release 6.12.N-grantptes
# (configs/deb.config), package version BASE+grantptes.<patches>.<commit>,
# from a worktree of the series' commit (build/src/deb) with
# O=build/deb-CONFIG-obj.  CONFIG is
#   dom0         the harness's dom0 configuration (configs/dom0.config and
#                debug.config: what the suite runs): minutes, warm
#   debian       Debian's amd64 configuration reduced as for make debian
#                (scripts/debian-config.sh debian): minutes once that
#                kernel was built
#   debian-full  Debian's amd64 configuration unchanged: every module and
#                debug information with BTF (needs dwarves): several
#                hours on 2 cores, some 1.5 GB of objects
# Writes build/deb-CONFIG/*.deb (linux-image, linux-headers,
# linux-libc-dev) and, taken from the linux-image package alone,
# build/deb-CONFIG/{vmlinuz,config,modules/lib/modules/...}, which
# scripts/run-suite.sh deb-CONFIG boots.
# Needs dpkg-dev (dpkg-buildpackage) and fakeroot: scripts/deps.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cfg=${1:-dom0}
case $cfg in dom0 | debian | debian-full) ;; *) die "unknown configuration '$cfg'" ;; esac
[ -d "$SRC_DOM0/.git" ] || die "$SRC_DOM0 missing (run scripts/base.sh and scripts/series.sh apply)"
commit=$(git -C "$SRC_DOM0" rev-parse HEAD)
patches=$(git -C "$SRC_DOM0" rev-list --count "$BASE_TAG..$commit")
version="$BASE_VERSION+grantptes.$patches.g$(git -C "$SRC_DOM0" rev-parse --short=12 HEAD)"
src=$BUILD/src/deb
obj=$BUILD/deb-$cfg-obj
out=$BUILD/deb-$cfg
[ -d "$src" ] || git -C "$SRC_DOM0" worktree add -q --detach "$src" "$commit"
git -C "$src" checkout -q --detach "$commit"
kmake() { make -C "$src" O="$obj" -s -j"$(nproc)" CC="ccache gcc" "$@"; }

stage "configure the $cfg package"
mkdir -p "$obj"
case $cfg in
dom0)
	(cd "$src" && scripts/kconfig/merge_config.sh -m -O "$obj" \
		arch/x86/configs/x86_64_defconfig kernel/configs/xen.config \
		arch/x86/configs/xen.config "$TOP/configs/dom0.config" \
		"$TOP/configs/debug.config" "$TOP/configs/deb.config" >/dev/null)
	;;
debian)
	"$TOP/scripts/debian-config.sh" debian "$src" "$obj"
	(cd "$src" && scripts/kconfig/merge_config.sh -m -O "$obj" \
		"$obj/.config" "$TOP/configs/deb.config" >/dev/null)
	;;
debian-full)
	command -v pahole >/dev/null || die "Debian's configuration has BTF: apt-get install dwarves"
	xzcat /usr/src/linux-config-6.12/config.amd64_none_amd64.xz >"$obj/.config.debian"
	(cd "$src" && scripts/kconfig/merge_config.sh -m -O "$obj" \
		"$obj/.config.debian" "$TOP/configs/deb.config" >/dev/null)
	;;
esac
kmake olddefconfig
release=$(kmake -s kernelrelease)
[ "$release" = "${release%-grantptes}-grantptes" ] || die "kernel release $release, not *-grantptes"
stage_done

stage "make bindeb-pkg: $release, version $version"
# The packages land beside the object directory.
rm -f "$BUILD"/linux-*"$release"*.deb "$BUILD"/linux-libc-dev_*"$version"*.deb \
	"$BUILD"/linux-upstream_"$version"*
kmake bindeb-pkg KDEB_PKGVERSION="$version" >"$BUILD/deb-$cfg.log" 2>&1 ||
	{ tail -30 "$BUILD/deb-$cfg.log"; die "bindeb-pkg failed: $BUILD/deb-$cfg.log"; }
rm -rf "$out"
mkdir -p "$out"
mv "$BUILD"/linux-*_"$version"_*.deb "$out/"
rm -f "$BUILD"/linux-upstream_"$version"*
stage_done

stage "the kernel and modules of the linux-image package"
image=$(ls "$out"/linux-image-"$release"_*.deb)
dpkg-deb -x "$image" "$out/root"
cp "$out/root/boot/vmlinuz-$release" "$out/vmlinuz"
cp "$out/root/boot/config-$release" "$out/config"
mkdir -p "$out/modules"
mv "$out/root/lib" "$out/modules/lib"
rm -rf "$out/root"
for deb in "$out"/*.deb; do
	printf '    %-60s %s\n' "$(basename "$deb")" "$(du -h "$deb" | cut -f1)"
done
stage_done
