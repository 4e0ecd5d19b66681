#!/bin/bash
# make kunit-kasan: the series' KUnit suites under KASAN in plain QEMU
# (configs/kunit-kasan.config says which and why), with the kernel's own
# tools/testing/kunit/kunit.py for x86_64; built in build/kunit-kasan
# from the series' worktree without objects (kunit.py's O= needs a clean
# source tree), with ccache.  Exits non-zero if a case fails or KASAN
# reports anything (its report fails the case it came in).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
S=$TOP/scripts

"$S/deps.sh"
"$S/base.sh"
"$S/series.sh" apply
commit=$(git -C "$SRC_DOM0" rev-parse HEAD)
src=$BUILD/src/debian
[ -d "$src" ] || git -C "$SRC_DOM0" worktree add -q --detach "$src" "$commit"
git -C "$src" checkout -q --detach "$commit"
cd "$src"
python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	--build_dir="$BUILD/kunit-kasan" \
	--kunitconfig="$TOP/configs/kunit-kasan.config" \
	--make_options="CC=ccache gcc" --jobs="$(nproc)" --timeout=900 \
	'xen-grant-*' | tee "$BUILD/kunit-kasan.log"
# A KASAN report inside a case fails it; one outside any case, and the
# other kernel reports (a sleep in atomic context, a WARN, lockdep) fail
# no case: the raw console (kunit.py writes it to test.log) must have
# none of report.py's.
log=$BUILD/kunit-kasan/test.log
[ -s "$log" ] || die "no $log"
PYTHONPATH=$S python3 -c '
import sys, report
bad = [l.rstrip() for l in open(sys.argv[1], errors="replace") if report.BAD.search(l)]
print("\n".join(bad))
sys.exit(1 if bad else 0)' "$log"
