#!/bin/bash
# The main job and the full test, one pipeline:
#   run.sh        install what is needed, build the patched dom0 kernel and
#                 its Debian packages (build/deb-dom0), boot the packaged
#                 kernel under Xen in QEMU, run the suite, print the report
#   run.sh --all  every test: series hygiene (each patch applies in order,
#                 checkpatch --strict --no-signoff), then the same suite on
#                 the series and on the stock base, each checked against
#                 its expected-failures list, every patch built on its
#                 own (scripts/bisect-check.sh) and the series compiled in
#                 three more configurations (compile-matrix.sh --quick)
# After each kind's suite come the boots of $extra_boots (scripts/lib.sh),
# the two-domain boot (scripts/run-twodomain-boot.sh) and, for the series,
# make qdisk's reduced form (scripts/run-qdisk.sh), each with its own
# results directory and list.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
S=$TOP/scripts

kinds=(dom0)
[ "${1:-}" != --all ] || kinds=(dom0 stock)
matrix=ok
start=$(date +%s)
"$S/deps.sh"
"$S/base.sh"
"$S/series.sh" apply
if [ "${#kinds[@]}" -gt 1 ]; then
	"$S/series.sh" check
	# The harness's own blame logic (report.py), on synthetic consoles,
	# and make bench-io's table (bench-io-report.py), on synthetic rounds.
	python3 "$TOP/tests/harness/test_report.py"
	python3 "$TOP/tests/harness/test_bench_io_report.py"
	# make compile-matrix's reduced form: the series with W=1 in Debian's
	# configuration (also make debian's: its options checked), in PV
	# without the records and in 32-bit x86, and kernel-doc.  Judged at
	# the end, like bisect-check.
	"$S/compile-matrix.sh" --quick || matrix=failed
fi
"$S/build-selftests.sh"
"$S/build-libxen-tests.sh"
checks=()
for kind in "${kinds[@]}"; do
	"$S/build-kernel.sh" "$kind"
	# The series' kernel as users install it: its Debian packages, whose
	# kernel and modules replace the build's in build/dom0.
	[ "$kind" != dom0 ] || "$S/build-deb.sh" dom0
	"$S/mkinitramfs.sh" "$kind"
	"$S/run-suite.sh" "$kind" || true
	checks+=("$kind" "$TOP/tests/expected-failures-$kind.txt")
	run_extra_boots "$kind"
	# dom0 with Xen's toolstack and PV domUs (the series' kernel, built
	# first): grant teardown on their frames, blkback and netback.
	XENTEST_ARGS='' TIMEOUT='' "$S/run-twodomain-boot.sh" "$kind"
	checks+=("$kind-twodomain" "$TOP/tests/expected-failures-$kind-twodomain.txt")
	# make qdisk's reduced form, on the series: QEMU's qdisk backend
	# killed mid-I/O, stopped, inside gntdev's grant copy retries and
	# inside a grant copy with nothing held back, then a new domU
	# served by a new QEMU (qdisk.start, the three qdisk.kill_*,
	# qdisk.new_domu_after_kills; the data round trip, xl destroy and
	# the base run in make qdisk).
	if [ "$kind" = dom0 ]; then
		XENTEST_ARGS='xentest.only=qdisk.[skn][tie][alw]*' TIMEOUT='' \
			"$S/run-qdisk.sh" dom0
		checks+=(dom0-qdisk "$TOP/tests/expected-failures-dom0-qdisk.txt")
	fi
done
# Every patch built on its own, with W=1 (the dom0 kernel's .config,
# which the loop above wrote).
bisect=ok
if [ "${#kinds[@]}" -gt 1 ]; then
	"$S/bisect-check.sh" || bisect=failed
fi
echo "==> total $(($(date +%s) - start))s"
# Every verdict printed; the run fails if one failed.
report=ok
"$S/report.py" check "${checks[@]}" || report=failed
[ "$matrix" = ok ] || echo "error: compile-matrix.sh --quick failed: the series does not build or brings a warning in Debian's configuration, PV without records or i386 ($BUILD/matrix-quick/report.txt), or the check could not run (its output above)" >&2
[ "$bisect" = ok ] || echo "error: bisect-check failed: a patch does not build on its own ($BUILD/bisect/report.txt), or the check could not run (its output above)" >&2
[ "$report" = ok ] && [ "$matrix" = ok ] && [ "$bisect" = ok ]
