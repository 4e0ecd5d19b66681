#!/bin/bash
# Install the Debian 12 packages the harness needs: scripts/deps.sh
# [--matrix] [--deb-full] (--matrix: also make compile-matrix's cross
# compiler, sparse and Sphinx; --deb-full: pahole, for the BTF of make
# deb-debian-full; make run and make test need neither). Idempotent: does
# nothing when all are installed, and refreshes the apt lists only when
# they are missing or older than a day.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

# The base kernel and Debian's configuration of it, at the version BASE
# names, not whatever apt has newest (scripts/base.sh refuses others).
pinned=(linux-source-6.12 linux-config-6.12)
pkgs=(
	gcc make bc bison flex libelf-dev libssl-dev ccache kmod perl rsync
	xz-utils git			# kernel build, series handling
	dpkg-dev debhelper fakeroot	# make deb (bindeb-pkg's build dependencies)
	openssl				# the key the build signs its modules with
	xen-hypervisor-4.17-amd64 qemu-system-x86	# boot
	qemu-system-xen			# the qdisk tests' device model (make qdisk)
	busybox-static cpio		# initramfs
	libxen-dev			# the libxengnttab tests (tests/libxengnttab)
	python3				# report, KUnit parser
	gnuplot-nox			# bench plots
	shellcheck
)

for arg in "$@"; do
	case $arg in
	--matrix) pkgs+=(gcc-aarch64-linux-gnu sparse python3-sphinx) ;;
	--deb-full) pkgs+=(dwarves) ;;
	*) die "usage: deps.sh [--matrix] [--deb-full]" ;;
	esac
done

missing=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	[ "$status" = "ii " ] || missing+=("$p")
done
for p in "${pinned[@]}"; do
	have=$(dpkg-query -W -f '${db:Status-Abbrev}${Version}' "$p" 2>/dev/null || true)
	[ "$have" = "ii $BASE_VERSION" ] || missing+=("$p=$BASE_VERSION")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "all $((${#pkgs[@]} + ${#pinned[@]})) packages installed (base $BASE_VERSION)"
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
# --allow-downgrades: an upgrade may have moved the base past BASE.  If
# Debian's archive no longer serves BASE_VERSION, this fails: move BASE to
# a version it serves and check that patches/series still applies.
"${sudo[@]}" apt-get install -y -q --no-install-recommends --allow-downgrades "${missing[@]}"
