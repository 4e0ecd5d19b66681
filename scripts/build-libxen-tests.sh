#!/bin/bash
# Build the libxengnttab tests (tests/libxengnttab, Debian's libxen-dev)
# and install them into $BUILD/selftests as a second kselftest
# collection, "libxen", after the xen selftests (tests/init runs the
# collections in the order of kselftest-list.txt).  They use the kernel's
# kselftest_harness.h, copied from the series' tree: the same TAP and
# -l/-r options as the selftests.  Run after scripts/build-selftests.sh,
# which starts $BUILD/selftests afresh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$TOP/tests/libxengnttab
ksft=$SRC_DOM0/tools/testing/selftests
dest=$BUILD/selftests
list=$dest/kselftest-list.txt
[ -f "$ksft/kselftest_harness.h" ] ||
	die "no $ksft/kselftest_harness.h (run scripts/series.sh apply)"
[ -f "$list" ] || die "no $list (run scripts/build-selftests.sh)"
[ -f /usr/include/xengnttab.h ] || die "no libxen-dev (run scripts/deps.sh)"

stage "build the libxen tests into $dest/libxen"
obj=$BUILD/libxen-tests-obj
rm -rf "$obj" "$dest/libxen"
mkdir -p "$obj" "$dest/libxen"
cp "$ksft/kselftest_harness.h" "$ksft/kselftest.h" "$obj/"
for c in "$src"/*.c; do
	prog=$(basename "$c" .c)
	gcc -Wall -Werror -O2 -I"$obj" -o "$dest/libxen/$prog" "$c" \
		-lxengnttab -lxenctrl
	grep -qx "libxen:$prog" "$list" || echo "libxen:$prog" >>"$list"
done
cp "$src/settings" "$dest/libxen/"
stage_done
