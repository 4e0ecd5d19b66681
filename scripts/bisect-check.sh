#!/bin/bash
# Build every patch of the series on its own: scripts/bisect-check.sh
# (make bisect-check).
#
# For each commit of build/src/dom0 from the base on, in a worktree of
# its own (build/src/bisect, so the test kernel's objects stay), with
# the dom0 kernel's .config: the kernel objects of the C files the patch
# touches, built with W=1, and the xen selftests if the patch touches
# them.  A patch that does not build, or that brings a warning in a file
# it touches, fails the check; the table gives each patch's objects,
# warnings and time.  Output: build/bisect/report.txt.
#
# Cost on the 2-core machine: the first commit prepares the tree
# (about a minute with a warm ccache); then each patch takes seconds,
# more when it touches a header that many of its objects include.
# `make test` runs it after the suites.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$BUILD/src/bisect
out=$BUILD/bisect
config=$BUILD/dom0/config
[ -f "$config" ] || die "$config missing (run scripts/build-kernel.sh dom0)"
git -C "$SRC_DOM0" diff --quiet HEAD ||
	die "$SRC_DOM0 has uncommitted changes: commit or export them first"

mkdir -p "$out"
# No table of an earlier run survives a run that stops early.
rm -f "$out/report.txt"
[ -d "$src" ] || git -C "$SRC_DOM0" worktree add -q --detach "$src" "$BASE_TAG"
git -C "$src" checkout -q --detach "$BASE_TAG"
cp "$config" "$src/.config"
kmake() { make -C "$src" -s -j"$(nproc)" CC="ccache gcc" "$@"; }

# The .c files of the kernel that the series touches, as objects.
series_objs() {
	git -C "$SRC_DOM0" diff --name-only --diff-filter=AM "$1" "$2" |
		grep -v '^tools/\|^Documentation/\|^scripts/' |
		grep '\.c$' | sed 's/\.c$/.o/' || true
}
# W=1 warnings per file in log $1: "FILE COUNT" lines.
warnings_per_file() {
	grep -o '^[^ :]*:[0-9]*:[0-9]*: warning:' "$1" | cut -d: -f1 |
		sort | uniq -c | awk '{print $2, $1}' || true
}

stage "prepare $src at the base, and its W=1 warnings in the files the series touches"
kmake olddefconfig
kmake prepare
mapfile -t base_objs < <(series_objs "$BASE_TAG" HEAD |
	while read -r o; do [ -f "$src/${o%.o}.c" ] && echo "$o"; done)
kmake W=1 "${base_objs[@]}" >"$out/base.log" 2>&1 ||
	die "the base does not build its own objects: $out/base.log"
declare -A base_warns=()
while read -r f n; do
	base_warns[$f]=$n
done < <(warnings_per_file "$out/base.log")
stage_done

report=$out/report.txt
printf '%-4s %-62s %4s %5s %5s\n' nr patch objs warns secs >"$report"
failed=0
nr=0
for commit in $(git -C "$SRC_DOM0" rev-list --reverse "$BASE_TAG..HEAD"); do
	nr=$((nr + 1))
	subject=$(git -C "$SRC_DOM0" log -1 --format=%s "$commit")
	git -C "$src" checkout -q --detach "$commit"
	# The options of later patches come back as the dom0 kernel has them.
	cp "$config" "$src/.config"
	kmake olddefconfig
	t=$(date +%s)
	mapfile -t files < <(git -C "$src" diff --name-only --diff-filter=AM \
		"$commit~1" "$commit")
	mapfile -t objs < <(series_objs "$commit~1" "$commit")
	selftests=
	for f in "${files[@]}"; do
		case $f in tools/testing/selftests/xen/*) selftests=1 ;; esac
	done
	log=$out/$(printf '%04d' "$nr").log
	status=ok
	: >"$log"
	if [ "${#objs[@]}" -gt 0 ] &&
		! kmake W=1 "${objs[@]}" >>"$log" 2>&1; then
		status=FAILED
	fi
	if [ -n "$selftests" ]; then
		hdr=$out/headers obj=$out/selftests-obj
		rm -rf "$obj" && mkdir -p "$obj"
		kmake headers_install INSTALL_HDR_PATH="$hdr" >>"$log" 2>&1 &&
			make -s -C "$src/tools/testing/selftests" TARGETS=xen \
				KHDR_INCLUDES="-isystem $hdr/include" O="$obj" \
				>>"$log" 2>&1 || status=FAILED
	fi
	# New warnings in the files the patch touches, against the base.
	warns=0
	while read -r f n; do
		case " ${files[*]} " in *" $f "*) ;; *) continue ;; esac
		[ "$n" -le "${base_warns[$f]:-0}" ] || warns=$((warns + n - ${base_warns[$f]:-0}))
	done < <(warnings_per_file "$log")
	[ "$warns" -eq 0 ] || status=WARNINGS
	printf '%04d %-62.62s %4d %5d %5d %s\n' "$nr" "$subject" \
		"${#objs[@]}" "$warns" $(($(date +%s) - t)) \
		"$([ $status = ok ] || echo "$status: $log")" >>"$report"
	[ $status = ok ] || failed=$((failed + 1))
done
cat "$report"
[ "$failed" -eq 0 ] || die "$failed of $nr patches fail to build cleanly on their own"
echo "every patch builds on its own"
