#!/bin/bash
# Build the libxengnttab tests (tests/libxengnttab, Debian's libxen-dev)
# and the checks of the selftests themselves (tests/selftest-checks), and
# install them into $BUILD/selftests as two more kselftest collections,
# "libxen" and "checks", after the xen selftests (tests/init runs the
# collections in the order of kselftest-list.txt).  They use the kernel's
# kselftest_harness.h, copied from the series' tree: the same TAP and
# -l/-r options as the selftests.  Run after scripts/build-selftests.sh,
# which starts $BUILD/selftests afresh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ksft=$SRC_DOM0/tools/testing/selftests
dest=$BUILD/selftests
list=$dest/kselftest-list.txt
[ -f "$ksft/kselftest_harness.h" ] ||
	die "no $ksft/kselftest_harness.h (run scripts/series.sh apply)"
[ -f "$list" ] || die "no $list (run scripts/build-selftests.sh)"
[ -f /usr/include/xengnttab.h ] || die "no libxen-dev (run scripts/deps.sh)"

stage "build the libxen tests and the selftest checks into $dest"
obj=$BUILD/libxen-tests-obj
rm -rf "$obj"
mkdir -p "$obj"
cp "$ksft/kselftest_harness.h" "$ksft/kselftest.h" "$obj/"
# COLLECTION:SOURCE DIR:LIBRARIES
for collection in "libxen:$TOP/tests/libxengnttab:-lxengnttab -lxenctrl" \
		  "checks:$TOP/tests/selftest-checks:"; do
	IFS=: read -r name src libs <<<"$collection"
	rm -rf "${dest:?}/$name"
	mkdir -p "$dest/$name"
	for c in "$src"/*.c; do
		prog=$(basename "$c" .c)
		# shellcheck disable=SC2086 # $libs is a list of options
		gcc -Wall -Werror -O2 -I"$obj" -o "$dest/$name/$prog" "$c" $libs
		grep -qx "$name:$prog" "$list" || echo "$name:$prog" >>"$list"
	done
	cp "$src/settings" "$dest/$name/"
done
stage_done
