#!/bin/bash
# The series with Debian's own configuration (make debian):
#   scripts/run-debian.sh [KIND...]
# For each KIND (default: debian-test debian; scripts/debian-config.sh
# says what each is; make nosplit gives nosplit, scripts/build-kernel.sh
# says what it is), builds the kernel (scripts/build-kernel.sh KIND),
# boots it under Xen as dom0 and runs the suite, then the two-domain boot
# with the same kernel in the domUs (Debian's blkfront and netfront
# modules).  Results in build/KIND and build/KIND-twodomain, checked
# against tests/expected-failures-KIND.txt and -KIND-twodomain.txt.
# Cost on 2 cores: the first build of Debian's configuration takes
# about an hour, later ones minutes (ccache); each boot's suite 6-8
# minutes, each two-domain boot 10-12.
# Environment: NO_BUILD=1 boots the kernels already in build/; NO_TWODOMAIN=1
# leaves out the two-domain boots.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
S=$TOP/scripts

kinds=("$@")
[ "${#kinds[@]}" -gt 0 ] || kinds=(debian-test debian)
start=$(date +%s)
if [ -z "${NO_BUILD:-}" ]; then
	"$S/deps.sh"
	"$S/base.sh"
	"$S/series.sh" apply
	"$S/build-selftests.sh"
	"$S/build-libxen-tests.sh"
fi
checks=()
for kind in "${kinds[@]}"; do
	[ -n "${NO_BUILD:-}" ] || "$S/build-kernel.sh" "$kind"
	"$S/run-suite.sh" "$kind" || true
	checks+=("$kind" "$TOP/tests/expected-failures-$kind.txt")
	run_extra_boots "$kind"
	[ -z "${NO_TWODOMAIN:-}" ] || continue
	# dom0's modules (xenfs, gntdev, the backends: modules in Debian's
	# configuration), which tests/init loads before the setup starts
	# Xen's toolstack; mkinitramfs.sh packs DIR/modules.
	mkdir -p "$BUILD/$kind-twodomain"
	ln -sfn "$BUILD/$kind/modules" "$BUILD/$kind-twodomain/modules"
	DOMU_KERNEL=$BUILD/$kind/vmlinuz XENTEST_ARGS='' TIMEOUT='' \
		"$S/run-twodomain-boot.sh" "$kind"
	checks+=("$kind-twodomain" "$TOP/tests/expected-failures-$kind-twodomain.txt")
done
echo "==> total $(($(date +%s) - start))s"
"$S/report.py" check "${checks[@]}"
