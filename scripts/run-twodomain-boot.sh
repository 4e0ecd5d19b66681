#!/bin/bash
# One two-domain boot: scripts/run-twodomain-boot.sh KIND
# Boots Xen with build/KIND/vmlinuz as dom0 and the initramfs of
# scripts/mkinitramfs-xl.sh (Xen's toolstack, PV domUs running the
# series' kernel, tests/twodomain); results in build/KIND-twodomain, for
# "report.py check" against tests/expected-failures-KIND-twodomain.txt.
# scripts/run.sh (make run, make test) and scripts/run-twodomain.sh
# (make twodomain) call it once the kernels are built.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kind=${1:?usage: run-twodomain-boot.sh KIND}
out=$BUILD/$kind-twodomain
"$TOP/scripts/mkinitramfs-xl.sh" "$out"
t=$(date +%s)
# kunit.enable=0: KUnit runs in the kind's own suite.  A dom0 that
# stalls (the stock base, once a grant page is freed under a pin) hangs
# instead of crashing: panic, so that the harness resumes at once
# instead of after the boot's timeout.
KERNEL=$BUILD/$kind/vmlinuz INITRAMFS=$out/initramfs.gz \
	XENTEST_ARGS="kunit.enable=0 sysctl.kernel.panic_on_rcu_stall=1 softlockup_panic=1 ${XENTEST_ARGS:-}" \
	"$TOP/scripts/run-suite.sh" "$out" || true
echo "==> $kind-twodomain: $(($(date +%s) - t))s"
