#!/bin/bash
# Build one dom0 kernel: scripts/build-kernel.sh dom0|stock|debian|debian-test|nosplit|memcheck [--bench]
#   dom0   the base plus patches/series (work tree build/src/dom0)
#   stock  the unpatched base (worktree build/src/stock)
#   debian, debian-test
#          the series with Debian's own amd64 configuration, reduced to
#          the modules a dom0 under the harness loads, as shipped or with
#          configs/debian-test.config (scripts/debian-config.sh); built
#          with O=build/KIND-obj from the worktree build/src/debian
#   nosplit the series with the harness's configuration and NR_CPUS=2,
#          which turns split PTE locks off and the grant PTE records with
#          them (configs/matrix/pv-nosplit.config); built with
#          O=build/nosplit-obj from the same worktree
#   memcheck the series with the harness's configuration and the memory
#          checkers of configs/memcheck.config (slub_debug, KFENCE,
#          DEBUG_PAGEALLOC, page_owner, failslab); O=build/memcheck-obj
# Output: build/<name>/vmlinuz, build/<name>/config, build/<name>/modules/
# --bench leaves out configs/debug.config, builds in the worktree
# build/src/bench-<name> and writes build/bench-<name>/ (with
# tests/bench-eagain's module where the kernel has fail_grant_eagain).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

which=${1:?usage: build-kernel.sh dom0|stock|debian|debian-test|nosplit|memcheck [--bench]}
bench=${2:-}
objtree=
case $which in
dom0) src=$SRC_DOM0 ;;
stock) src=$SRC_STOCK ;;
debian | debian-test | nosplit | memcheck) src=$SRC_DOM0 objtree=$BUILD/$which-obj ;;
*) die "unknown kernel '$which'" ;;
esac
out=$BUILD/$which
fragments=("$TOP/configs/dom0.config" "$TOP/configs/debug.config")
[ "$which" != nosplit ] || fragments+=("$TOP/configs/matrix/pv-nosplit.config")
[ "$which" != memcheck ] || fragments+=("$TOP/configs/memcheck.config")
# The series' kernel is the one scripts/build-deb.sh packages: its
# release names it (6.12.N-grantptes).
[ "$which" != dom0 ] || fragments+=("$TOP/configs/deb.config")
[ -d "$src" ] || die "$src missing (run scripts/base.sh and scripts/series.sh apply)"
if [ -n "$objtree" ]; then
	# The series' commit in a worktree without objects (O= needs one),
	# shared by the kernels built with O=.
	commit=$(git -C "$src" rev-parse HEAD)
	src=$BUILD/src/debian
	[ -d "$src" ] || git -C "$SRC_DOM0" worktree add -q --detach "$src" "$commit"
	git -C "$src" checkout -q --detach "$commit"
fi
if [ "$bench" = --bench ]; then
	# A worktree of its own, so that the test kernel's objects stay.
	commit=$(git -C "$src" rev-parse HEAD)
	src=$BUILD/src/bench-$which
	[ -d "$src" ] || git -C "$SRC_DOM0" worktree add -q --detach "$src" "$commit"
	git -C "$src" checkout -q --detach "$commit"
	out=$BUILD/bench-$which
	fragments=("$TOP/configs/dom0.config")
fi

jobs=$(nproc)
# LOCALVERSION set (empty): without LOCALVERSION_AUTO, a release from a
# git tree gets no "+" (scripts/setlocalversion).
kmake() { make -C "$src" ${objtree:+O="$objtree"} -s -j"$jobs" CC="ccache gcc" LOCALVERSION= "$@"; }

stage "configure $which kernel"
if [ "$which" = debian ] || [ "$which" = debian-test ]; then
	"$TOP/scripts/debian-config.sh" "$which" "$src" "$objtree"
else
	# The same fragments for both kernels.
	[ -z "$objtree" ] || mkdir -p "$objtree"
	(cd "$src" && KCONFIG_CONFIG=${objtree:-$src}/.config \
		scripts/kconfig/merge_config.sh -m ${objtree:+-O "$objtree"} \
		arch/x86/configs/x86_64_defconfig kernel/configs/xen.config \
		arch/x86/configs/xen.config "${fragments[@]}" >/dev/null)
	kmake olddefconfig
	# Every option of our fragments as asked, and as their #check
	# lines say; the stock base lacks the series' own options.
	check_config "${objtree:-$src}/.config" "$([ "$which" != stock ] || echo "$src")" \
		"${fragments[@]}" >/dev/null
fi
stage_done

stage "build $which kernel (ccache: $CCACHE_DIR)"
ccache -z >/dev/null
kmake bzImage modules
ccache -s | grep -E 'Hits|Misses' | sed 's/^/    /' || true
stage_done

stage "install $which kernel and modules to $out"
rm -rf "$out"
mkdir -p "$out/modules"
cp "${objtree:-$src}/arch/x86/boot/bzImage" "$out/vmlinuz"
cp "${objtree:-$src}/.config" "$out/config"
kmake INSTALL_MOD_PATH="$out/modules" INSTALL_MOD_STRIP=1 modules_install
stage_done

# The benchmark module of make bench's eagain rows lives in the harness
# (tests/bench-eagain), not in the series.  It needs fail_grant_eagain, so
# only a kernel with it gets it (not the stock base), built against this
# very tree: modules_install puts it in extra/ and runs depmod, and
# mkinitramfs.sh packs it with the others.  Objects go to a copy of the
# sources, so tests/ stays clean.
if [ "$bench" = --bench ] && grep -qx CONFIG_FAIL_GRANT_EAGAIN=y "$out/config"; then
	stage "build the eagain benchmark module against $which"
	obj=$out-bench-eagain-obj
	rm -rf "$obj"
	mkdir -p "$obj"
	cp "$TOP/tests/bench-eagain/Kbuild" "$TOP/tests/bench-eagain/grant-eagain-bench.c" "$obj/"
	kmake M="$obj" modules
	kmake M="$obj" INSTALL_MOD_PATH="$out/modules" INSTALL_MOD_DIR=extra \
		INSTALL_MOD_STRIP=1 modules_install
	stage_done
fi
