#!/bin/bash
# The main job: install what is needed, build the patched dom0 kernel,
# boot it under Xen in QEMU, run the suite and print the report.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
S=$TOP/scripts

start=$(date +%s)
"$S/deps.sh"
"$S/base.sh"
"$S/series.sh" apply
"$S/build-kernel.sh" dom0
"$S/build-selftests.sh"
"$S/mkinitramfs.sh" dom0
"$S/run-suite.sh" dom0 || true
echo "==> total $(($(date +%s) - start))s"
"$S/report.py" check dom0 "$TOP/tests/expected-failures-dom0.txt"
