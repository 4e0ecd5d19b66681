#!/bin/bash
# Debian packages of the series (make deb):
#   scripts/build-deb.sh [dom0|debian-full]
# `make bindeb-pkg` of the series: linux-image and linux-headers (the
# linux-libc-dev it also builds is dropped: installed with them, it would
# replace bookworm's 6.1 userspace headers), package version
# BASE+grantptes.<patches>.g<commit> (the series' head in build/src/dom0,
# the same for the same patches/: scripts/series.sh applies them with
# fixed dates on a base commit with fixed dates), into
# build/deb-CONFIG/.  Unsigned, like any bindeb-pkg; where the
# configuration signs modules (Debian's, not the harness's), with a key
# made for the build (certs/signing_key.pem, openssl); the image is not
# signed for Secure Boot.  CONFIG is
#   dom0         the harness's dom0 kernel (configs/dom0.config and
#                debug.config), packaged from its own objects in
#                build/src/dom0 after scripts/build-kernel.sh dom0: a
#                minute or two.  Release 6.12.N-grantptes
#                (configs/deb.config).  The kernel and modules of build/dom0,
#                which every dom0 boot of the harness and the two-domain
#                boot's domUs run, are then replaced by those of the
#                linux-image package: the harness tests the package.
#   debian-full  Debian's amd64 configuration unchanged (every module,
#                debug information with BTF: needs dwarves), release
#                6.12.N-grantptes-amd64 (Debian's flavour name), without
#                the -dbg package of the debug information (build profile
#                pkg.linux-upstream.nokerneldbg), from the worktree
#                build/src/deb with O=build/deb-debian-full-obj: hours on
#                2 cores (estimated, not run yet).
# Needs dpkg-dev (dpkg-buildpackage), fakeroot, kmod, rsync, cpio:
# scripts/deps.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cfg=${1:-dom0}
[ -d "$SRC_DOM0/.git" ] || die "$SRC_DOM0 missing (run scripts/base.sh and scripts/series.sh apply)"
commit=$(git -C "$SRC_DOM0" rev-parse HEAD)
patches=$(git -C "$SRC_DOM0" rev-list --count "$BASE_TAG..$commit")
version="$BASE_VERSION+grantptes.$patches.g$(git -C "$SRC_DOM0" rev-parse --short=12 HEAD)"
out=$BUILD/deb-$cfg
case $cfg in
dom0)
	src=$SRC_DOM0 objtree=
	cmp -s "$SRC_DOM0/.config" "$BUILD/dom0/config" ||
		die "$SRC_DOM0/.config is not build/dom0's (run scripts/build-kernel.sh dom0)"
	;;
debian-full)
	src=$BUILD/src/deb objtree=$BUILD/deb-$cfg-obj
	command -v pahole >/dev/null || die "Debian's configuration has BTF: pahole missing (run scripts/deps.sh --deb-full)"
	[ -d "$src" ] || git -C "$SRC_DOM0" worktree add -q --detach "$src" "$commit"
	git -C "$src" checkout -q --detach "$commit"
	mkdir -p "$objtree"
	have=$(dpkg-query -W -f '${Version}' linux-config-6.12 2>/dev/null || true)
	[ "$have" = "$BASE_VERSION" ] ||
		die "linux-config-6.12 is '${have:-not installed}', BASE pins $BASE_VERSION (run scripts/deps.sh)"
	xzcat /usr/src/linux-config-6.12/config.amd64_none_amd64.xz >"$objtree/debian.config"
	echo 'CONFIG_LOCALVERSION="-grantptes-amd64"' >"$objtree/flavour.config"
	(cd "$src" && scripts/kconfig/merge_config.sh -m -O "$objtree" \
		"$objtree/debian.config" "$TOP/configs/deb.config" \
		"$objtree/flavour.config" >/dev/null)
	export DPKG_FLAGS=-Ppkg.linux-upstream.nokerneldbg
	;;
*) die "unknown configuration '$cfg'" ;;
esac
# The same make variables as scripts/build-kernel.sh, so that nothing
# is rebuilt and the release is the same.
kmake() { make -C "$src" ${objtree:+O="$objtree"} -s -j"$(nproc)" CC="ccache gcc" LOCALVERSION= "$@"; }
kmake olddefconfig
release=$(kmake -s kernelrelease)
[[ "$release" == *-grantptes || "$release" == *-grantptes-amd64 ]] ||
	die "kernel release $release, not *-grantptes or *-grantptes-amd64"
# The changelog's maintainer line (the default is the build's user@host).
export DEBFULLNAME="Xen grant PTE series" DEBEMAIL=xen-grant-ptes@invalid
export KDEB_CHANGELOG_DIST=bookworm
# dpkg-buildpackage writes the packages beside the tree it builds.
debs=$(dirname "${objtree:-$src}")

stage "make bindeb-pkg: $release, version $version"
rm -f "$debs"/linux-*_"$version"_*.deb "$debs"/linux-upstream_"$version"*
kmake bindeb-pkg KDEB_PKGVERSION="$version" >"$BUILD/deb-$cfg.log" 2>&1 ||
	{ tail -30 "$BUILD/deb-$cfg.log"; die "bindeb-pkg failed: $BUILD/deb-$cfg.log"; }
rm -rf "$out"
mkdir -p "$out"
mv "$debs"/linux-*_"$version"_*.deb "$out/"
rm -f "$debs"/linux-upstream_"$version"* "$out"/linux-libc-dev_*.deb
for deb in "$out"/*.deb; do
	printf '    %-64s %s\n' "$(basename "$deb")" "$(du -h "$deb" | cut -f1)"
done
stage_done

[ "$cfg" = dom0 ] || exit 0
stage "build/dom0: the kernel and modules of the linux-image package"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$out/linux-image-${release}_${version}_amd64.deb" "$root"
cmp -s "$root/boot/config-$release" "$BUILD/dom0/config" ||
	die "the package's configuration is not build/dom0's"
rm -rf "$BUILD/dom0/modules" "$BUILD/dom0/vmlinuz"
cp "$root/boot/vmlinuz-$release" "$BUILD/dom0/vmlinuz"
mkdir -p "$BUILD/dom0/modules"
mv "$root/lib" "$BUILD/dom0/modules/lib"
# The package and its image's digest, which run-suite.sh records beside
# the digest of what it boots (report.py compares them).
printf '%s %s\n' "$out/linux-image-${release}_${version}_amd64.deb" \
	"$(sha256sum <"$BUILD/dom0/vmlinuz" | cut -d' ' -f1)" >"$BUILD/dom0/package"
stage_done
