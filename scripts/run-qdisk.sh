#!/bin/bash
# The qdisk boot: scripts/run-qdisk.sh KIND
# Boots Xen with build/KIND/vmlinuz as dom0 and the two-domain
# initramfs with QEMU's qdisk backend (scripts/mkinitramfs-xl.sh with
# QDISK=1: tests/twodomain/qdisk.c); results in build/KIND-qdisk, for
# "report.py check" against tests/expected-failures-KIND-qdisk.txt.
# make qdisk calls it for dom0 and stock.
# Environment: XENTEST_ARGS (more dom0 command line), TIMEOUT (per boot,
# 1800 s).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kind=${1:?usage: run-qdisk.sh KIND}
out=$BUILD/$kind-qdisk
QDISK=1 DOM0_CONFIG=$BUILD/$kind/config "$TOP/scripts/mkinitramfs-xl.sh" "$out"
t=$(date +%s)
KERNEL=$BUILD/$kind/vmlinuz INITRAMFS=$out/initramfs.gz TIMEOUT=${TIMEOUT:-1800} \
	XENTEST_ARGS="kunit.enable=0 ${XENTEST_ARGS:-}" \
	"$TOP/scripts/run-suite.sh" "$out" || true
echo "==> $kind-qdisk: $(($(date +%s) - t))s"
boot_times "$out" "$kind-qdisk"
