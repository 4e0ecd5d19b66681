# shellcheck shell=bash disable=SC2034
# Shared settings and helpers for the harness scripts.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
SRC_DOM0=$BUILD/src/dom0	# work tree: pristine base commit + patches/series
SRC_STOCK=$BUILD/src/stock	# git worktree of the base commit alone
BASE_VERSION=$(cat "$TOP/BASE")
BASE_TAG=base
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/dom0-ccache}
export CCACHE_BASEDIR=$BUILD/src
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Fixed build identity, so both kernels and every rebuild share ccache hits.
export KBUILD_BUILD_USER=dom0 KBUILD_BUILD_HOST=harness
export KBUILD_BUILD_TIMESTAMP="2025-01-01 00:00:00 UTC"

stage_start=0
stage() {
	stage_start=$(date +%s)
	printf '==> %s\n' "$*"
}
stage_done() {
	printf '==> done in %ss\n' $(($(date +%s) - stage_start))
}
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}
