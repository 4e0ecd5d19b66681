#!/bin/bash
# Write the .config of a dom0 kernel built as Debian builds it:
#   scripts/debian-config.sh debian|debian-test SRC OBJ
# (OBJ is the O= build directory; SRC stays clean.)
# Starts from Debian's own amd64 configuration (linux-config-6.12 at the
# BASE version, config.amd64_none_amd64.xz) and changes only what makes
# it build in minutes instead of hours, each change printed:
#   - every module (=m) is off except Xen's own (CONFIG_XEN*), the
#     block frontend's and backend's, and loop: 4000 drivers nobody
#     loads in a dom0 under QEMU;
#   - no debug information (DEBUG_INFO_NONE, so no BTF either): it
#     changes no code, and makes the build and the package several
#     times larger.
# debian-test also merges configs/debian-test.config (debugfs, fault
# injection, KUnit) for the tests that need them.  olddefconfig then
# drops what only the dropped modules selected or depended on (some 900
# built-in options, among them MEMORY_BALLOON, BALLOON_COMPACTION and
# HMM_MIRROR, which virtio's and VMware's balloons and GPU drivers
# select: none is on a grant path) and builds in SCSI_MOD (a built-in
# user needs it).  Two Xen modules go with what they depend on: the
# SCSI frontend, and scsiback (TARGET_CORE, the SCSI target's
# core), which maps grants only with gnttab_map_refs() into kernel
# pages, as blkback does in the two-domain boot, paging injected; the
# series changes no line of it.  Every difference from Debian's file is written to
# OBJ/debian.diffconfig (the kernel's scripts/diffconfig) and the ones
# that are not an option dropped are printed.  The rest is Debian's:
# modules compressed with xz, ZONE_DEVICE and with it
# XEN_UNPOPULATED_ALLOC, memory hotplug, the balloon's hotplug, THP
# "always", soft-dirty, NR_CPUS=8192.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage="usage: debian-config.sh debian|debian-test SRC OBJ"
variant=${1:?$usage}
src=${2:?$usage}
obj=${3:?$usage}
debian=/usr/src/linux-config-6.12/config.amd64_none_amd64.xz
have=$(dpkg-query -W -f '${Version}' linux-config-6.12 2>/dev/null || true)
[ "$have" = "$BASE_VERSION" ] ||
	die "linux-config-6.12 is '${have:-not installed}', BASE pins $BASE_VERSION (run scripts/deps.sh)"
keep='^CONFIG_(XEN[A-Z0-9_]*|BLK_DEV_LOOP)=m$'

mkdir -p "$obj"
cfg=$obj/.config
xzcat "$debian" >"$cfg"
dropped=$(grep -E '=m$' "$cfg" | grep -cvE "$keep")
sed -i -E "/$keep/!s/^(CONFIG_[A-Z0-9_]+)=m$/# \1 is not set/" "$cfg"
{
	echo "CONFIG_DEBUG_INFO_NONE=y"
	echo "# CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT is not set"
	if [ "$variant" = debian-test ]; then
		grep -v '^#' "$TOP/configs/debian-test.config" | grep .
	fi
} >"$obj/fragment.config"
(cd "$src" && scripts/kconfig/merge_config.sh -m -O "$obj" "$cfg" "$obj/fragment.config" >/dev/null)
make -C "$src" -s O="$obj" olddefconfig
# What the README says of this configuration, and the fragment as asked.
check_config "$obj/.config" '' "$obj/fragment.config" <(printf '#check CONFIG_%s\n' \
	XEN_PV_GRANT_PTES=y XEN_GNTDEV=m XEN_GRANT_DEV_ALLOC=m \
	ZONE_DEVICE=y XEN_UNPOPULATED_ALLOC=y DEBUG_INFO_NONE=y) >/dev/null
"$src/scripts/diffconfig" <(xzcat "$debian") "$obj/.config" >"$obj/debian.diffconfig"
awk '/^-/ { dropped++ } /^-.* m$/ { dropped_m++ } /^-.* y$/ { dropped_y++ }
	/ m -> n$/ { m_off++ } !/^-/ && !/ m -> n$/ { rest[++n] = $0 }
	END {
		printf "    %d options differ from Debian'"'"'s (%s): %d modules off,\n",
			NR, FILENAME, dropped_m + m_off
		printf "    %d built-in and %d other options dropped with them, and:\n",
			dropped_y, dropped - dropped_m - dropped_y
		for (i = 1; i <= n; i++) print "        " rest[i]
	}' "$obj/debian.diffconfig"
echo "    Debian's amd64 config $have: $dropped modules off," \
	"$(grep -cE '=m$' "$cfg") kept: $(grep -E '=m$' "$cfg" | sed 's/^CONFIG_//; s/=m$//' | tr '\n' ' ')"
