#!/bin/bash
# Install the Debian 12 packages the harness needs. Idempotent: does
# nothing when all are installed, and refreshes the apt lists only when
# they are missing or older than a day.
set -euo pipefail

pkgs=(
	linux-source-6.12		# the base kernel (scripts/base.sh)
	gcc make bc bison flex libelf-dev libssl-dev ccache kmod perl rsync
	xz-utils git			# kernel build, series handling
	xen-hypervisor-4.17-amd64 qemu-system-x86	# boot
	busybox-static cpio		# initramfs
	libxen-dev			# the libxengnttab tests (tests/libxengnttab)
	python3				# report, KUnit parser
	gnuplot-nox			# bench plots
	shellcheck
)

missing=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	[ "$status" = "ii " ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "all ${#pkgs[@]} packages installed"
	exit 0
fi

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive

if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null)" ]; then
	echo "==> apt-get update"
	"${sudo[@]}" apt-get update -q
fi
# xen-hypervisor's postinst runs update-grub only when grub is there, so
# this also works in a container without a boot loader.
echo "==> apt-get install ${missing[*]}"
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
