#!/bin/bash
# The series compiled in every configuration that compiles its files,
# with no warning that the base does not have:
#   scripts/compile-matrix.sh [--quick]
# (make compile-matrix; make test runs the --quick form: the rows debian,
# pv-nosplit and i386, and kernel-doc, into build/matrix-quick; there
# the base is built only where the series has a warning, since without
# one the series brings none).
#
# The dom0 kernel is one configuration of one architecture; the series'
# #ifdefs and stubs are compiled only where it is not.  Each row of the
# table builds, with W=1, the series (worktree build/src/matrix-series at
# `work`) and the base (build/src/matrix-base at `base`) out of tree
# (O=build/matrix/obj/ROW-series|-base), in the same configuration:
#   pv-nosplit   x86_64 PV dom0 without split PTE locks (no XEN_PV_GRANT_PTES)
#   hvm          x86_64 Xen without PV (PVHVM, PVH dom0)
#   pv-nogntdev  x86_64 PV dom0 without gntdev
#   pv-nofault   x86_64 PV dom0 without fault injection, debugfs and KUnit
#   debian       Debian's amd64 configuration as make debian builds it
#                (scripts/debian-config.sh debian: Xen's modules only)
#   i386         32-bit x86 with PAE (PVHVM)
#   arm64        arm64, cross-compiled
# Each is a defconfig, the kernel's Xen fragments (make xen.config), for
# the PV rows the dom0 kernel's fragments too, then configs/matrix/ROW.config
# and configs/matrix/common.config (no WERROR: warnings are counted, not
# fatal), whose options (and "#check" lines, which follow from them) are
# checked in the result; the base gets the series' .config less the
# series' own options, and must end up with the same values for the rest.
# What is built: the Xen directories (arch/ARCH/xen/, drivers/xen/, the
# block and net backends) whole, so that the files including a header
# the series touches are compiled, and, where the configuration builds
# them (kbuild's dry run says), the other kernel .c files the series
# touches (mm/) and the other users of <xen/grant_table.h> (frontends).
# A row counts the warnings located in the files the series touches,
# series and base; a file with more in the series than in the base
# brings new warnings, and so does any other file the row compiles.
# Three more rows: sparse (C=2) on the dom0 kernel's configuration
# (build/dom0/config, with common.config), kernel-doc -Wall on every .c
# and .h the series touches, and `make SPHINXDIRS=xen htmldocs` on the
# series' documents (the base has none: all their warnings are new).
#
# Output: build/matrix/report.txt (new warnings quoted below the table),
# logs in build/matrix/logs/ (--quick: build/matrix-quick/).  Fails when the series does not build
# somewhere, brings a new warning or the base does not build (no
# comparison then).  Every make runs under nice -n 19: on the 2-core
# machine other kernel builds have priority.  Cost there, next to
# another kernel build: some 26 minutes with fresh object directories
# (a prepare per tree and row), 5 minutes again (every object is
# compiled again each run, from ccache, so that its warnings are in
# the logs; sparse is not cached).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$BUILD/matrix
quick=
series_src=$BUILD/src/matrix-series
base_src=$BUILD/src/matrix-base
dom0_config=$BUILD/dom0/config
rows=(pv-nosplit hvm pv-nogntdev pv-nofault debian i386 arm64 sparse)
htmldocs=yes
case ${1:-} in
'') ;;
# The configuration Debian's users run, PV without the records and
# 32-bit x86 without PV, where a stub or an #ifdef of the series is most
# likely to break (the first build of Debian's configuration found
# one); all need only gcc.
--quick)
	rows=(debian pv-nosplit i386) htmldocs='' quick=yes
	out=$BUILD/matrix-quick
	;;
*) die "usage: compile-matrix.sh [--quick]" ;;
esac
logs=$out/logs
has_row() { [[ " ${rows[*]} " == *" $1 "* ]]; }
# The dom0 kernel's fragments (scripts/build-kernel.sh), for the PV rows.
dom0_fragments=("$TOP/configs/dom0.config" "$TOP/configs/debug.config")

if has_row sparse; then
	[ -f "$dom0_config" ] || die "$dom0_config missing (run scripts/build-kernel.sh dom0)"
	command -v sparse >/dev/null || die "sparse missing (run scripts/deps.sh --matrix)"
fi
! has_row arm64 || command -v aarch64-linux-gnu-gcc >/dev/null ||
	die "aarch64-linux-gnu-gcc missing (run scripts/deps.sh --matrix)"
[ -z "$htmldocs" ] || command -v sphinx-build >/dev/null ||
	die "sphinx-build missing (run scripts/deps.sh --matrix)"

mkdir -p "$out/obj" "$BUILD/src"
# One run at a time: two would check out the same worktrees.  A second
# waits (make test's quick form beside a full make compile-matrix).
exec 9>"$BUILD/src/matrix.lock"
flock -n 9 || {
	echo "==> waiting for another compile-matrix.sh ($BUILD/src/matrix.lock)"
	flock 9
}
# No table or log of an earlier run survives a run that stops early.
rm -rf "$out/report.txt" "$logs"
mkdir -p "$logs"

# Two worktrees of their own, clean (O= builds need a source tree without
# objects), at the current commits of `work` and `base`.
series_commit=$(git -C "$SRC_DOM0" rev-parse work)
base_commit=$(git -C "$SRC_DOM0" rev-parse "$BASE_TAG")
for t in "$series_src:$series_commit" "$base_src:$base_commit"; do
	src=${t%%:*} commit=${t#*:}
	[ -d "$src" ] || git -C "$SRC_DOM0" worktree add -q --detach "$src" "$commit"
	git -C "$src" checkout -q -f --detach "$commit"
	git -C "$src" clean -q -fdx
done

# What the series touches: every file (where warnings count), the kernel
# .c files among them (the objects a row must build where it can).
mapfile -t touched < <(git -C "$SRC_DOM0" diff --name-only --diff-filter=AM \
	"$base_commit" "$series_commit")
mapfile -t touched_c < <(printf '%s\n' "${touched[@]}" |
	grep -v '^tools/\|^Documentation/\|^scripts/' | grep '\.c$' || true)
mapfile -t touched_ch < <(printf '%s\n' "${touched[@]}" | grep '\.[ch]$' || true)
# Kernel .c files outside arch/ (the arch ones are in the Xen directories)
# that include the grant-table API the series changes.
mapfile -t grant_users < <(git -C "$series_src" grep -l \
	'#include <xen/grant_table.h>' -- '*.c' ':!tools' ':!arch' || true)

# make, at the lowest priority, for tree $1 (series|base) of row $2 (its
# arch in $arch).  ccache for the target and the host programs.
kmake() {
	local tree=$1 row=$2
	shift 2
	local src=$series_src
	[ "$tree" = series ] || src=$base_src
	local args=(-C "$src" O="$out/obj/$row-$tree" -s -j"$(nproc)" HOSTCC="ccache gcc")
	case $arch in
	x86_64) args+=(ARCH=x86_64 CC="ccache gcc") ;;
	i386) args+=(ARCH=i386 CC="ccache gcc") ;;
	arm64) args+=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
		CC="ccache aarch64-linux-gnu-gcc") ;;
	esac
	nice -n 19 make "${args[@]}" "$@"
}

# The base's .config is the series' less the series' own options: every
# other value must be the same.
check_same_config() {
	local only_base
	only_base=$(comm -23 <(grep -E '^(# )?CONFIG_' "$2" | sort) \
		<(grep -E '^(# )?CONFIG_' "$1" | sort))
	[ -z "$only_base" ] ||
		die "the base's configuration differs from the series' ($2):
$only_base"
}

# Configure row $1 in both trees: series from its fragments, base from
# the series' .config.
configure() {
	local row=$1 frag=$TOP/configs/matrix/$1.config sobj=$out/obj/$1-series
	local bobj=$out/obj/$1-base inputs=()
	mkdir -p "$sobj" "$bobj"
	case $row in
	sparse)
		inputs=("$dom0_config")
		;;
	debian)
		"$TOP/scripts/debian-config.sh" debian "$series_src" "$sobj" \
			>"$logs/$row-series.config.log" 2>&1 ||
			die "debian-config.sh failed: $logs/$row-series.config.log"
		inputs=("$sobj/.config")
		;;
	*)
		[ -f "$frag" ] || die "$frag missing"
		case $arch in
		x86_64) inputs=(arch/x86/configs/x86_64_defconfig) ;;
		i386) inputs=(arch/x86/configs/i386_defconfig) ;;
		arm64) inputs=(arch/arm64/configs/defconfig) ;;
		esac
		# `make xen.config`: the generic fragment and the arch's.
		inputs+=(kernel/configs/xen.config)
		[ "$arch" = arm64 ] || inputs+=(arch/x86/configs/xen.config)
		case $row in pv-*) inputs+=("${dom0_fragments[@]}") ;; esac
		inputs+=("$frag")
		;;
	esac
	inputs+=("$TOP/configs/matrix/common.config")
	(cd "$series_src" && scripts/kconfig/merge_config.sh -m -O "$sobj" \
		"${inputs[@]}") >>"$logs/$row-series.config.log" 2>&1 ||
		die "merge_config.sh failed: $logs/$row-series.config.log"
	kmake series "$row" olddefconfig >>"$logs/$row-series.config.log" 2>&1 ||
		die "olddefconfig failed: $logs/$row-series.config.log"
	cp "$sobj/.config" "$bobj/.config"
	kmake base "$row" olddefconfig >"$logs/$row-base.config.log" 2>&1 ||
		die "olddefconfig failed: $logs/$row-base.config.log"
	echo "  options (series .config):"
	check_config "$sobj/.config" '' "$frag" "$TOP/configs/matrix/common.config"
	check_same_config "$sobj/.config" "$bobj/.config"
}

warning_re='(warning|error|WARNING|ERROR|CRITICAL|SEVERE)'
# Warnings (and errors) per file in log $1, of the compiler, sparse,
# kernel-doc or Sphinx: "FILE COUNT" lines.  Paths are made relative to
# the source tree (the compiler names them as ccache's CCACHE_BASEDIR or
# the O= build passes them).
warnings_per_file() {
	grep -Eo "^[^ :]+:([0-9]+:)?([0-9]+:)? $warning_re:" "$1" |
		cut -d: -f1 | sed -E 's#^.*/matrix-(series|base)/##; s#^\./##' |
		sort | uniq -c | awk '{print $2, $1}' || true
}
# The lines of "FILE COUNT" file $1 whose file the series touches ($2 =
# in) or does not touch ($2 = out).
split_counts() {
	awk -v want="$2" 'NR == FNR { t[$0] = 1; next }
		(($1 in t) ? "in" : "out") == want' \
		<(printf '%s\n' "${touched[@]}") "$1"
}

# Build tree $1 of row $2: the Xen directories, and the other candidates
# that the configuration builds.  Log: $logs/ROW-TREE.log (build),
# ROW-TREE.sparse.log for the sparse row.  Sets built (the touched .c
# files whose object exists afterwards).
build_tree() {
	local tree=$1 row=$2 obj=$out/obj/$2-$1 log=$logs/$2-$1.log d f
	local src=$series_src
	[ "$tree" = series ] || src=$base_src
	local dirs=(drivers/xen drivers/block/xen-blkback drivers/net/xen-netback)
	case $arch in
	arm64) dirs+=(arch/arm64/xen) ;;
	*) dirs+=(arch/x86/xen) ;;
	esac
	kmake "$tree" "$row" prepare >"$logs/$row-$tree.prepare.log" 2>&1 ||
		return 1
	# Every object compiled again (from ccache when warm), so that its
	# warnings are in this run's log.  arm64 builds arch/arm/xen/ from
	# arch/arm64/xen/.
	for d in "${dirs[@]}" arch/arm/xen; do
		[ ! -d "$obj/$d" ] || find "$obj/$d" -name '*.o' -delete
	done
	# The candidates outside the directories built whole, and which of
	# them the configuration builds: kbuild's dry run (make -n) of their
	# directories compiles exactly those objects that are configured
	# and missing (all candidates are, now).
	local cands=() cdirs=() objs=()
	for f in "${touched_c[@]}" "${grant_users[@]}"; do
		case $f in arch/*) continue ;; esac
		for d in "${dirs[@]}"; do
			case $f in "$d"/*) continue 2 ;; esac
		done
		[ -f "$src/$f" ] || continue
		cands+=("${f%.c}.o")
		rm -f "$obj/${f%.c}.o"
	done
	if [ "${#cands[@]}" -gt 0 ]; then
		mapfile -t cdirs < <(printf '%s\n' "${cands[@]}" | xargs -n1 dirname | sort -u)
		kmake "$tree" "$row" -n W=1 "${cdirs[@]/%//}" \
			>"$logs/$row-$tree.dry-run.log" 2>&1 || return 1
		mapfile -t objs < <(grep -Eo -- '-c -o [^ ]+\.o' "$logs/$row-$tree.dry-run.log" |
			awk '{print $3}' | sort -u | grep -Fx -f <(printf '%s\n' "${cands[@]}") || true)
	fi
	printf '%s\n' "${objs[@]}" >"$logs/$row-$tree.objects"
	# The sparse row compiles as the dom0 kernel does, then checks.
	local status=0 w=(W=1)
	[ "$row" != sparse ] || w=()
	# -k: every error of the tree, not only the first.
	kmake "$tree" "$row" -k "${w[@]}" "${dirs[@]/%//}" "${objs[@]}" >"$log" 2>&1 ||
		status=1
	if [ "$status" -eq 0 ] && [ "$row" = sparse ]; then
		# C=2 checks every object with sparse, compiling nothing.
		kmake "$tree" "$row" -k C=2 "${dirs[@]/%//}" "${objs[@]}" \
			>"$logs/$row-$tree.sparse.log" 2>&1 || status=1
	fi
	built=()
	for f in "${touched_c[@]}"; do
		[ ! -f "$obj/${f%.c}.o" ] || built+=("$f")
	done
	return "$status"
}

report=$out/report.txt
row_format='%-12s %-7s %6s %7s %6s %5s %6s %6s  %s\n'
# shellcheck disable=SC2059 # the format is the one above
printf "$row_format" row arch objs series base new other secs status >"$report"
failed=0
details=$out/new-warnings.txt
: >"$details"

# Row $1: warnings per file, series ($2, "FILE COUNT" lines) and base
# ($3); prints the new ones, with their lines in the series' log $4, to
# $details; echoes their total.
new_warnings() {
	local row=$1 f n new=0
	declare -A b=()
	while read -r f n; do b[$f]=$n; done <"$3"
	while read -r f n; do
		[ "$n" -gt "${b[$f]:-0}" ] || continue
		new=$((new + n - ${b[$f]:-0}))
		printf '%s: %s: %d in the series, %d in the base\n' "$row" "$f" \
			"$n" "${b[$f]:-0}" >>"$details"
		grep -E " $warning_re:" "$4" | grep -F "$f:" | sed 's/^/    /' \
			>>"$details" || true
	done <"$2"
	echo "$new"
}
# Total of the counts in "FILE COUNT" file $1.
total() { awk '{s += $2} END {print s + 0}' "$1"; }
# A row of the table: NAME ARCH OBJS SERIES-COUNTS BASE-COUNTS (or "": no
# base) SERIES-LOG SECS STATUS.  series, base and new are the warnings in
# the files the series touches; other the new ones in the rest.
add_row() {
	local sw bw=- new other=- status=$8
	split_counts "$4" in >"$4.in"
	split_counts "$4" out >"$4.out"
	sw=$(total "$4.in")
	if [ -n "$5" ]; then
		split_counts "$5" in >"$5.in"
		split_counts "$5" out >"$5.out"
		bw=$(total "$5.in")
		new=$(new_warnings "$1" "$4.in" "$5.in" "$6")
		other=$(new_warnings "$1" "$4.out" "$5.out" "$6")
	else
		new=$(new_warnings "$1" "$4.in" /dev/null "$6")
	fi
	if [ "$status" = ok ] && { [ "$new" -gt 0 ] || [ "${other/-/0}" -gt 0 ]; }; then
		status=NEW-WARNINGS
	fi
	[ "$status" = ok ] || failed=$((failed + 1))
	# shellcheck disable=SC2059
	printf "$row_format" "$1" "$2" "$3" "$sw" "$bw" "$new" "$other" "$7" \
		"$status" >>"$report"
}

for row in "${rows[@]}"; do
	case $row in
	i386 | arm64) arch=$row ;;
	*) arch=x86_64 ;;
	esac
	stage "$row ($arch): configure, then build series and base"
	t=$(date +%s)
	configure "$row"
	status=ok
	declare -A nbuilt=()
	for tree in series base; do
		if [ "$tree" = base ] && [ -n "$quick" ] && [ "$status" = ok ] &&
			[ ! -s "$logs/$row-series.warnings" ]; then
			echo "  base: not built (--quick: the series has no warning)"
			continue
		fi
		built=()
		if build_tree "$tree" "$row"; then
			:
		elif [ "$tree" = series ]; then
			status="FAILED: $logs/$row-series.log"
		elif [ "$status" = ok ]; then
			status="BASE-FAILED: $logs/$row-base.log"
		fi
		nbuilt[$tree]=${#built[@]}
		log=$logs/$row-$tree.log
		[ "$row" != sparse ] || log=$logs/$row-$tree.sparse.log
		[ -f "$log" ] || : >"$log"
		warnings_per_file "$log" >"$logs/$row-$tree.warnings"
		echo "  $tree: built ${built[*]:-none of the touched .c files}"
	done
	if [ "${nbuilt[series]}" -eq 0 ]; then
		status="FAILED: no file of the series built"
	fi
	log=$logs/$row-series.log
	[ "$row" != sparse ] || log=$logs/$row-series.sparse.log
	base_warnings=$logs/$row-base.warnings
	[ -f "$base_warnings" ] || base_warnings=
	add_row "$row" "$arch" "${nbuilt[series]}/${#touched_c[@]}" \
		"$logs/$row-series.warnings" "$base_warnings" "$log" \
		$(($(date +%s) - t)) "$status"
	stage_done
done

stage "kernel-doc -none -Wall on the series' .c and .h files"
t=$(date +%s)
for tree in series base; do
	src=$series_src
	[ "$tree" = series ] || src=$base_src
	: >"$logs/kernel-doc-$tree.log"
	for f in "${touched_ch[@]}"; do
		[ ! -f "$src/$f" ] ||
			(cd "$src" && nice -n 19 scripts/kernel-doc -none -Wall "$f") \
				>>"$logs/kernel-doc-$tree.log" 2>&1
	done
	warnings_per_file "$logs/kernel-doc-$tree.log" >"$logs/kernel-doc-$tree.warnings"
done
add_row kernel-doc - "${#touched_ch[@]}" "$logs/kernel-doc-series.warnings" \
	"$logs/kernel-doc-base.warnings" "$logs/kernel-doc-series.log" \
	$(($(date +%s) - t)) ok
stage_done

if [ -n "$htmldocs" ]; then
	# The series' documents alone: the base has no Documentation/xen/, and
	# a full htmldocs takes an hour here.  Sphinx's warnings name the .rst
	# (or, through its kernel-doc directives, the .c) file.
	stage "make SPHINXDIRS=xen htmldocs (series)"
	t=$(date +%s)
	status=ok
	log=$logs/htmldocs-series.log
	if ! nice -n 19 make -C "$series_src" O="$out/obj/htmldocs" -s SPHINXDIRS=xen \
		htmldocs >"$log" 2>&1; then
		status="FAILED: $log"
	fi
	warnings_per_file "$log" >"$logs/htmldocs-series.warnings"
	add_row htmldocs - "$(find "$series_src/Documentation/xen" -name '*.rst' | wc -l)" \
		"$logs/htmldocs-series.warnings" "" "$log" $(($(date +%s) - t)) "$status"
	stage_done
fi

{
	echo
	echo "objs: the series' ${#touched_c[@]} kernel .c files built (kernel-doc:"
	echo "files checked; htmldocs: .rst files); series/base: warnings located"
	echo "in the files the series touches; new: series minus base, per file;"
	echo "other: the same in every other file the row compiles."
	echo "series $series_commit, base $base_commit"
	if [ -s "$details" ]; then
		echo
		echo "new warnings:"
		cat "$details"
	fi
} >>"$report"
cat "$report"
echo "logs: $logs"
[ "$failed" -eq 0 ] || die "$failed of the rows fail (build failure or new warnings)"
echo "the series compiles in every row with no new warning"
