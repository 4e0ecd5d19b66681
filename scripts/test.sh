#!/bin/bash
# Every test: series hygiene (each patch applies in order, checkpatch
# --strict --no-signoff), then the same suite on the series and on the
# stock base, each checked against its expected-failures list.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
S=$TOP/scripts

start=$(date +%s)
"$S/deps.sh"
"$S/base.sh"
"$S/series.sh" apply
"$S/series.sh" check
"$S/build-kernel.sh" dom0
"$S/build-selftests.sh"
"$S/build-kernel.sh" stock
status=0
for kind in dom0 stock; do
	"$S/mkinitramfs.sh" "$kind"
	"$S/run-suite.sh" "$kind" || true
done
echo "==> total $(($(date +%s) - start))s"
"$S/report.py" check \
	dom0 "$TOP/tests/expected-failures-dom0.txt" \
	stock "$TOP/tests/expected-failures-stock.txt" || status=1
exit $status
