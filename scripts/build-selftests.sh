#!/bin/bash
# Build and install tools/testing/selftests/xen from the series' work tree
# into build/selftests, with the harness's eagain benchmark program
# (tests/bench-eagain) in build/selftests/bench. Both kernels run these
# same binaries: the stock run checks that the tests of a fix fail
# without it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -d "$SRC_DOM0/tools/testing/selftests/xen" ] ||
	die "no tools/testing/selftests/xen in $SRC_DOM0 (run scripts/series.sh apply)"
stage "build the xen selftests into $BUILD/selftests"
hdr=$BUILD/selftests-headers
obj=$BUILD/selftests-obj
rm -rf "$BUILD/selftests" "$obj"
mkdir -p "$obj"
make -s -C "$SRC_DOM0" headers_install INSTALL_HDR_PATH="$hdr" >/dev/null
make -s -C "$SRC_DOM0/tools/testing/selftests" TARGETS=xen \
	KHDR_INCLUDES="-isystem $hdr/include" O="$obj" \
	INSTALL_PATH="$BUILD/selftests" install >/dev/null
# The eagain rows of the benchmark (tests/bench-eagain): a program of the
# harness on the selftests' helpers, which tests/init runs after
# grant_bench.  Not in kselftest-list.txt: it is no test.
mkdir -p "$BUILD/selftests/bench"
gcc -Wall -Werror -O2 -isystem "$hdr/include" -I"$SRC_DOM0/tools/testing/selftests/xen" \
	-o "$BUILD/selftests/bench/eagain_bench" "$TOP/tests/bench-eagain/eagain_bench.c" \
	"$SRC_DOM0/tools/testing/selftests/xen/xen_util.c"
stage_done
