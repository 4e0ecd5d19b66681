#!/bin/bash
# Boot the series at its cut points: scripts/cut-points.sh [NAME...]
# (make cut-points).
#
# A patch series must behave at every point a bisection can stop at, not
# only build there.  For each cut point below, this builds the dom0
# kernel of that commit (same configuration as scripts/build-kernel.sh
# dom0, in the worktree build/src/cut, so the test kernel's objects
# stay), boots it under Xen with the final series' selftests, and
# reports the suite's outcome and the kernel's reports (WARN, BUG, Oops,
# "Bad page state", "Bad rss-counter", lockdep) in dmesg.  Tests of
# later patches fail or skip there, as they should; a kernel report
# fails the cut point.  Output: build/cut-NAME/, and a table in
# build/cut-points.txt.
#
# Cost on the 2-core machine, warm ccache: 3 to 6 minutes of build and
# about 5 minutes of boots per cut point.  Not part of `make test`.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# NAME:subject of the last patch before the cut.
cuts=(
	"fixes:xen/gntdev: clear a notify byte only where the grant is mapped"
	"records:x86/xen: record grant PTEs and unmap them before their L1 is released"
	"kunit:x86/xen: add KUnit tests for the grant PTE records"
	"engine:xen/grant-table: catch callers of the waiting grant ops in atomic context"
)

src=$BUILD/src/cut
git -C "$SRC_DOM0" diff --quiet HEAD ||
	die "$SRC_DOM0 has uncommitted changes: commit or export them first"
[ -d "$src" ] || git -C "$SRC_DOM0" worktree add -q --detach "$src" "$BASE_TAG"
kmake() { make -C "$src" -s -j"$(nproc)" CC="ccache gcc" "$@"; }

table=$BUILD/cut-points.txt
: > "$table"
bad=0
for cut in "${cuts[@]}"; do
	name=${cut%%:*}
	subject=${cut#*:}
	[ $# = 0 ] || [[ " $* " == *" $name "* ]] || continue
	commit=$(git -C "$SRC_DOM0" log --format=%H --fixed-strings \
		--grep="$subject" "$BASE_TAG..HEAD" | head -1)
	[ -n "$commit" ] || die "cut point $name: no commit '$subject'"
	n=$(git -C "$SRC_DOM0" rev-list --count "$BASE_TAG..$commit")
	out=$BUILD/cut-$name

	stage "cut point $name: patch $n, build"
	git -C "$src" checkout -q --detach "$commit"
	(cd "$src" && KCONFIG_CONFIG=.config scripts/kconfig/merge_config.sh -m \
		arch/x86/configs/x86_64_defconfig kernel/configs/xen.config \
		arch/x86/configs/xen.config "$TOP/configs/dom0.config" \
		"$TOP/configs/debug.config" >/dev/null)
	kmake olddefconfig
	kmake bzImage modules
	rm -rf "$out"
	mkdir -p "$out/modules"
	cp "$src/arch/x86/boot/bzImage" "$out/vmlinuz"
	kmake INSTALL_MOD_PATH="$out/modules" INSTALL_MOD_STRIP=1 \
		modules_install
	stage_done

	stage "cut point $name: boot the suite"
	# No list: every test runs in order, and a crash resumes after it.
	ISOLATE=/dev/null "$TOP/scripts/run-suite.sh" "$out" |
		tail -n 3 || true
	reports=$(grep -cE 'WARNING:|BUG:|Oops|Bad page state|Bad rss-counter|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|turning off the locking correctness validator|INFO: task .* blocked' \
		"$out/console.log" || true)
	summary=$(grep -E '^(PASS|FAIL|SKIP) ' "$out/results.txt" |
		awk '{ n[$1]++ } END { printf "%d passed, %d failed, %d skipped",
			n["PASS"], n["FAIL"], n["SKIP"] }')
	boots=$(ls "$out"/boot-*.log 2>/dev/null | wc -l)
	printf '%-8s patch %2d  %s, %d boot(s), %d kernel report(s)\n' \
		"$name" "$n" "$summary" "$boots" "$reports" | tee -a "$table"
	[ "$reports" = 0 ] || bad=1
	stage_done
done
echo "table: $table"
exit $bad
