# shellcheck shell=bash disable=SC2034
# Shared settings and helpers for the harness scripts.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
SRC_DOM0=$BUILD/src/dom0	# work tree: pristine base commit + patches/series
SRC_STOCK=$BUILD/src/stock	# git worktree of the base commit alone
BASE_VERSION=$(cat "$TOP/BASE")
BASE_TAG=base
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/dom0-ccache}
export CCACHE_BASEDIR=$BUILD/src
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Fixed build identity, so both kernels and every rebuild share ccache hits.
export KBUILD_BUILD_USER=dom0 KBUILD_BUILD_HOST=harness
export KBUILD_BUILD_TIMESTAMP="2025-01-01 00:00:00 UTC"

stage_start=0
stage() {
	stage_start=$(date +%s)
	printf '==> %s\n' "$*"
}
stage_done() {
	printf '==> done in %ss\n' $(($(date +%s) - stage_start))
}
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# check_config CONFIG SRC FRAGMENT...: every option the fragments ask for
# ("CONFIG_X=v", "# CONFIG_X is not set") must have that value in the
# .config CONFIG, since a missing dependency drops one silently.  A
# "#check CONFIG_X=v" line says what must follow from the rest, and wins
# over an asked value: nosplit asks for the records and checks that they
# are off.  v may name alternatives: "y|m".  With a source tree SRC, an
# option that its Kconfig lacks is left out (the stock base lacks the
# series' own).  Prints each option; dies on a mismatch.
check_config() {
	local cfg=$1 src=$2 symbols='' name want kind got bad=''
	shift 2
	[ -z "$src" ] || symbols=$(find "$src" -name 'Kconfig*' -exec sed -n \
		's/^\(menu\)\{0,1\}config[[:space:]]*\([A-Za-z0-9_]*\).*/\2/p' {} +)
	while IFS=$'\t' read -r name want kind; do
		if [ -n "$src" ] && ! grep -qx "$name" <<<"$symbols"; then
			printf '    %-40s %s\n' "CONFIG_$name" "(not in $src)"
			continue
		fi
		got=$(sed -n "s/^CONFIG_$name=//p" "$cfg")
		got=${got:-n}
		if [[ "|$want|" == *"|$got|"* ]]; then
			printf '    %-40s %s\n' "CONFIG_$name=$got" "($kind)"
		else
			printf '    %-40s %s\n' "CONFIG_$name=$got" "(MISMATCH: $kind $want)"
			bad+=" CONFIG_$name=$got ($kind $want)"
		fi
	done < <(awk -v OFS='\t' '
		function want(line, kind,   name) {
			name = line
			sub(/=.*/, "", name)
			if (!(name in kinds))
				order[++n] = name
			# A check wins over what is asked, whatever the order.
			if (kind == "check" || kinds[name] != "check") {
				values[name] = substr(line, length(name) + 2)
				kinds[name] = kind
			}
		}
		/^CONFIG_[A-Za-z0-9_]+=/ { want(substr($0, 8), "asked") }
		/^# CONFIG_[A-Za-z0-9_]+ is not set$/ { want(substr($2, 8) "=n", "asked") }
		/^#check CONFIG_[A-Za-z0-9_]+=/ { want(substr($2, 8), "check") }
		END { for (i = 1; i <= n; i++) print order[i], values[order[i]], kinds[order[i]] }
	' "$@")
	[ -z "$bad" ] || die "$cfg: options not as asked:$bad"
}

# Boots of their own for tests that need a Xen option (in a normal boot
# they SKIP), one line each:  NAME  XENTEST_ONLY  XEN_EXTRA...
extra_boots=(
	"maptrack maptrack.* gnttab_max_maptrack_frames=1"
)

# run_extra_boots KIND: after KIND's suite, each of $extra_boots with
# build/KIND/vmlinuz and the initramfs run-suite.sh just built, XEN_EXTRA
# on Xen's command line and only the tests the glob XENTEST_ONLY selects
# (xentest.only, tests/init); results in build/KIND-NAME, judged by
# tests/expected-failures-KIND-NAME.txt, a pair the function adds to the
# caller's array `checks`.  The caller's XEN_EXTRA and XENTEST_ARGS do not
# reach these boots.
run_extra_boots() {
	local kind=$1 boot name only xen

	for boot in "${extra_boots[@]}"; do
		read -r name only xen <<<"$boot"
		# kunit.enable=0: KUnit ran in the kind's own boot already.
		KERNEL=$BUILD/$kind/vmlinuz INITRAMFS=$BUILD/$kind/initramfs.gz \
			XEN_EXTRA="$xen" \
			XENTEST_ARGS="xentest.only=$only kunit.enable=0" \
			"$TOP/scripts/run-suite.sh" "$kind-$name" || true
		checks+=("$kind-$name" "$TOP/tests/expected-failures-$kind-$name.txt")
	done
}

# boot_times DIR NAME: dom0's boot up to the tests, from the first boot's
# log in DIR (the kernel's timestamps): /init started (the initramfs
# unpacked), then the setup script (tests/init's "XENTEST: setup").
boot_times() {
	local log=$1/boot-1.log init setup
	[ -f "$log" ] || log=$1/console.log
	[ -f "$log" ] || return 0
	init=$(tr -d '\r' <"$log" | grep -m1 'Run /init as init process' |
		sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p' || true)
	setup=$(tr -d '\r' <"$log" | grep -m1 'XENTEST: setup$' |
		sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p' || true)
	echo "==> $2: dom0 ran /init at ${init:-?} s, XENTEST: setup at ${setup:-?} s (kernel time, $log)"
}
