#!/bin/bash
# One two-domain boot: scripts/run-twodomain-boot.sh KIND
# Boots Xen with build/KIND/vmlinuz as dom0 and the initramfs of
# scripts/mkinitramfs-xl.sh (Xen's toolstack, PV domUs running the
# series' kernel, tests/twodomain); results in build/KIND-twodomain, for
# "report.py check" against tests/expected-failures-KIND-twodomain.txt.
# scripts/run.sh (make run, make test) and scripts/run-twodomain.sh
# (make twodomain) call it once the kernels are built.
# Environment: XENTEST_ARGS (more dom0 command line), TIMEOUT (per boot,
# 1800 s), OUT (the results' directory instead of build/KIND-twodomain).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kind=${1:?usage: run-twodomain-boot.sh KIND}
out=${OUT:-$BUILD/$kind-twodomain}
DOM0_CONFIG=$BUILD/$kind/config "$TOP/scripts/mkinitramfs-xl.sh" "$out"
t=$(date +%s)
# kunit.enable=0: KUnit runs in the kind's own suite.  TIMEOUT: the
# boot takes about 400 s on a quiet machine (two 32 s deadlines, three
# domU starts, some 300 MiB through the backends).
KERNEL=$BUILD/$kind/vmlinuz INITRAMFS=$out/initramfs.gz TIMEOUT=${TIMEOUT:-1800} \
	XENTEST_ARGS="kunit.enable=0 ${XENTEST_ARGS:-}" \
	"$TOP/scripts/run-suite.sh" "$out" || true
echo "==> $kind-twodomain: $(($(date +%s) - t))s"
boot_times "$out" "$kind-twodomain"
