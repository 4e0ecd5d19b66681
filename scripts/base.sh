#!/bin/bash
# Extract the pinned Debian linux-source into a git work tree whose first
# commit is the pristine base, and a second worktree that stays at it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tarball=/usr/src/linux-source-6.12.tar.xz
have=$(dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null || true)
[ -n "$have" ] || die "linux-source-6.12 is not installed (run scripts/deps.sh)"
# The series, its tests and its package name the base they were built
# from: another version is an error, not a warning.
[ "$have" = "$BASE_VERSION" ] ||
	die "BASE pins linux-source-6.12 $BASE_VERSION but $have is installed (run scripts/deps.sh)"

if [ -d "$SRC_DOM0/.git" ] && [ "$(cat "$SRC_DOM0/.git/base-version" 2>/dev/null)" = "$have" ]; then
	echo "base $have already extracted in $SRC_DOM0"
	exit 0
fi

stage "extract linux-source $have"
# The harness's other worktrees of the old base (build/src/debian,
# matrix-*, bisect, deb, bench-*: detached) would point at a repository
# that is gone; one on a branch is someone's work, left for them.
if [ -d "$SRC_DOM0/.git" ]; then
	# The first entry is the main worktree; only detached ones in
	# build/src/ are the harness's.
	git -C "$SRC_DOM0" worktree list --porcelain |
		awk -v src="$(realpath "$BUILD/src")/" '
			/^worktree / { n++; path = substr($0, 10) }
			/^detached$/ && n > 1 && index(path, src) == 1 { print path }' |
		xargs -r -d '\n' rm -rf
	git -C "$SRC_DOM0" worktree prune
	git -C "$SRC_DOM0" worktree list | tail -n +2 |
		sed 's/^/    left, now without its repository: /'
fi
rm -rf "$SRC_DOM0" "$SRC_STOCK"
mkdir -p "$BUILD/src"
tmp=$(mktemp -d "$BUILD/src/extract.XXXXXX")
tar -xJf "$tarball" -C "$tmp"
mv "$tmp"/linux-source-6.12 "$SRC_DOM0"
rmdir "$tmp"
stage_done

stage "commit pristine base"
cd "$SRC_DOM0"
git init -q -b work
git config user.name "Xen grant PTE series"
git config user.email "xen-grant-ptes@invalid"
git config core.autocrlf false
git add -A -f .
GIT_COMMITTER_DATE="2025-01-01T00:00:00Z" \
	git commit -q --date="2025-01-01T00:00:00Z" -m "Debian linux-source-6.12 $have"
git tag -f "$BASE_TAG" >/dev/null
echo "$have" > .git/base-version
git worktree add -q --detach "$SRC_STOCK" "$BASE_TAG"
stage_done
