#!/bin/bash
# make fuzz-mutants: does grant_fuzz find the defects that the "Error
# paths" fixes removed?  Each tests/fuzz-mutants/NAME.patch takes the key
# lines of one fix back out of the series:
#   zap-after-failed-unmap  patch 11: a zap after a failed unmap must not
#                           get the page from find_special_page (Bad page
#                           state, mapcount -1)
#   mremap-refused-late     patch 2: mremap(MREMAP_FIXED) asks ->may_move
#                           only in move_vma(), after mremap_to() has
#                           unmapped the target (a destroyed mapping)
# First the base (build/stock, as make test builds it), then for each
# patch: a copy of build/src/dom0 with its objects (the build is
# incremental: a minute or two), the patch, the kernel, and a boot that
# runs grant_fuzz alone for FUZZ_SECONDS (60) with SEED (the gate's) and
# fault injection.  What the fuzzer or dom0 reported first must be the
# defect, as NAME.expect (a regex) names it (report.py mutant: what came
# first, and when); otherwise the script says NOT THE DEFECT, NOT FOUND
# or INCONCLUSIVE and exits 1.  Results in
# build/stock-fuzz and build/mutant-NAME.  Needs make test's kernels.
# Environment: MUTANTS (these patches only, without the base), SEED,
# FUZZ_SECONDS.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
S=$TOP/scripts

seed=${SEED:-20261204}
seconds=${FUZZ_SECONDS:-60}
[ -f "$SRC_DOM0/arch/x86/boot/bzImage" ] ||
	die "no dom0 kernel built in $SRC_DOM0 (make run)"
"$S/build-selftests.sh"
mutants=${MUTANTS:-$(for p in "$TOP"/tests/fuzz-mutants/*.patch; do basename "$p" .patch; done)}
src=
trap 'rm -rf "$src"' EXIT	# a copy is 2.5 GB
status=0

# fuzz_and_judge DIR TITLE REGEX [NAME=VALUE...]: grant_fuzz alone in a
# boot of DIR's kernel (up to three more if dom0 crashes before it
# starts: QEMU's stale int3 in early boot), judged by report.py mutant.
fuzz_and_judge() {
	local out=$1 title=$2 expect=$3 verdict
	shift 3
	XENTEST_ARGS="xentest.only=*grant_fuzz GRANT_FUZZ_SEED=$seed GRANT_FUZZ_SECONDS=$seconds kunit.enable=0 $*" \
		TIMEOUT=$((seconds + 600)) MAX_BOOTS=4 \
		"$S/run-suite.sh" "$out" >"$out.log" 2>&1 || true
	echo "==> $title (seed $seed, $seconds s; $out.log):"
	if ! verdict=$(python3 "$S/report.py" mutant "$out" "$expect"); then
		status=1
	fi
	printf '%s\n' "$verdict" | sed 's/^/    /'
}

# The base first: the known teardown bugs (a WARN in
# __unmap_grant_pages_done(), Bad page state), without fault injection
# (it has none).  The operations that lose a mapping there and that the
# series refuses or keeps (mprotect, mremap, MADV_DONTNEED and DOFORK,
# clear_refs) are left out, or the fuzzer would stop at the first of
# them.
if [ -z "${MUTANTS:-}" ]; then
	[ -f "$BUILD/stock/vmlinuz" ] || die "no $BUILD/stock/vmlinuz (make test builds it)"
	skip=mprotect+mremap-grow+mremap-shrink+mremap-fixed-anon+mremap-fixed-map
	skip=$skip+mremap-dontunmap+madv-dontneed+madv-dofork+clear-refs
	KERNEL=$BUILD/stock/vmlinuz fuzz_and_judge "$BUILD/stock-fuzz" "the base" \
		'__unmap_grant_pages_done|Bad page state' "GRANT_FUZZ_SKIP=$skip"
fi
for name in $mutants; do
	src=$BUILD/src/mutant-$name
	out=$BUILD/mutant-$name
	stage "mutant $name: copy $SRC_DOM0 with its objects"
	rm -rf "$src"
	cp -a "$SRC_DOM0" "$src"
	git -C "$src" apply "$TOP/tests/fuzz-mutants/$name.patch"
	stage_done
	stage "mutant $name: build"
	make -C "$src" -s -j"$(nproc)" CC="ccache gcc" LOCALVERSION= bzImage modules
	rm -rf "$out"
	mkdir -p "$out/modules"
	cp "$src/arch/x86/boot/bzImage" "$out/vmlinuz"
	cp "$src/.config" "$out/config"
	make -C "$src" -s LOCALVERSION= INSTALL_MOD_PATH="$out/modules" \
		INSTALL_MOD_STRIP=1 modules_install
	stage_done
	rm -rf "$src"
	fuzz_and_judge "$out" "mutant $name, faults on" \
		"$(cat "$TOP/tests/fuzz-mutants/$name.expect")"
done
exit $status
