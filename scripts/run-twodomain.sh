#!/bin/bash
# The two-domain tests (make twodomain): scripts/run-twodomain.sh [KIND...]
# For each KIND (default: dom0 stock), boots Xen with build/KIND/vmlinuz
# as dom0 and an initramfs from scripts/mkinitramfs-xl.sh: Xen's
# toolstack starts two PV domUs running the series' kernel
# (build/dom0/vmlinuz) that grant pages to dom0, and
# tests/twodomain runs the teardown cases on their frames and the backend
# tests (scripts/run-twodomain-boot.sh).  Results in build/KIND-twodomain,
# checked against tests/expected-failures-KIND-twodomain.txt.  The same
# boots are part of `make run` (dom0) and `make test` (both kernels);
# this runs them alone.  With QDISK=1 (make qdisk) each boot runs
# QEMU's qdisk backend instead (scripts/run-qdisk.sh,
# tests/twodomain/qdisk.c), into build/KIND-qdisk, checked against
# tests/expected-failures-KIND-qdisk.txt.
# Environment: NO_BUILD=1 boots the kernels already in build/ (no deps,
# series or kernel build), TIMEOUT (seconds per boot, default 900);
# DOMU_KERNEL, KSFT: see scripts/mkinitramfs-xl.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
S=$TOP/scripts

kinds=("$@")
[ "${#kinds[@]}" -gt 0 ] || kinds=(dom0 stock)
start=$(date +%s)
if [ -z "${NO_BUILD:-}" ]; then
	"$S/deps.sh"
	"$S/base.sh"
	"$S/series.sh" apply
	"$S/build-kernel.sh" dom0	# the domUs' kernel, whatever dom0 runs
	"$S/build-selftests.sh"		# grant_fuzz, for tests/twodomain/fuzz.c
fi
boot=run-twodomain-boot.sh name=twodomain
[ "${QDISK:-}" != 1 ] || boot=run-qdisk.sh name=qdisk
checks=()
for kind in "${kinds[@]}"; do
	[ -n "${NO_BUILD:-}" ] || [ "$kind" = dom0 ] || "$S/build-kernel.sh" "$kind"
	"$S/$boot" "$kind"
	checks+=("$BUILD/$kind-$name" "$TOP/tests/expected-failures-$kind-$name.txt")
done
echo "==> total $(($(date +%s) - start))s"
"$S/report.py" check "${checks[@]}"
