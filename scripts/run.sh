#!/bin/bash
# The main job and the full test, one pipeline:
#   run.sh        install what is needed, build the patched dom0 kernel,
#                 boot it under Xen in QEMU, run the suite, print the report
#   run.sh --all  every test: series hygiene (each patch applies in order,
#                 checkpatch --strict --no-signoff), then the same suite on
#                 the series and on the stock base, each checked against
#                 its expected-failures list
set -euo pipefail
. "$(dirname "$0")/lib.sh"
S=$TOP/scripts

kinds=(dom0)
[ "${1:-}" != --all ] || kinds=(dom0 stock)
start=$(date +%s)
"$S/deps.sh"
"$S/base.sh"
"$S/series.sh" apply
[ "${#kinds[@]}" -eq 1 ] || "$S/series.sh" check
"$S/build-selftests.sh"
checks=()
for kind in "${kinds[@]}"; do
	"$S/build-kernel.sh" "$kind"
	"$S/mkinitramfs.sh" "$kind"
	"$S/run-suite.sh" "$kind" || true
	checks+=("$kind" "$TOP/tests/expected-failures-$kind.txt")
done
echo "==> total $(($(date +%s) - start))s"
"$S/report.py" check "${checks[@]}"
