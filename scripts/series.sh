#!/bin/bash
# The patch series and its work tree (build/src/dom0).
#   series.sh apply   reset the work tree to the base and `git am` patches/series
#   series.sh export  write the work tree's commits back to patches/ and series
#   series.sh check   checkpatch --strict --no-signoff on every patch
set -euo pipefail
. "$(dirname "$0")/lib.sh"

patches=$TOP/patches
cmd=${1:?usage: series.sh apply|export|check}

series_files() {
	grep -v -e '^#' -e '^[[:space:]]*$' "$patches/series" || true
}

# The applied series' fingerprint, kept in the work tree's .git.
series_stamp() {
	(cd "$patches" && series_files | xargs cat series | sha1sum)
}

unexported_commits() {
	local subjects
	# Subjects as git sees them: format-patch folds long ones.
	subjects=$(series_files | while read -r p; do
		git mailinfo /dev/null /dev/null <"$patches/$p" |
			sed -n 's/^Subject: //p'
	done)
	git -C "$SRC_DOM0" log --format=%s "$BASE_TAG..HEAD" |
		while IFS= read -r s; do
			grep -qxF "$s" <<<"$subjects" || echo "  $s"
		done
}

# patches/0000-cover-letter.patch, as git format-patch --cover-letter
# writes it (shortlog, diffstat), its subject and text from
# patches/cover-letter.txt (first line: the subject), Cc: whom
# get_maintainer.pl names for the series.  Not in patches/series:
# apply and check skip it.
cover_letter() {
	local tmp cc=()
	tmp=$(mktemp -d)
	while read -r who; do
		cc+=("--cc=$who")
	done < <(cd "$SRC_DOM0" && series_files | sed "s|^|$patches/|" |
		xargs scripts/get_maintainer.pl --no-git --no-git-fallback \
			--no-rolestats 2>/dev/null)
	# Dated as the last commit, so that an export changes it only when
	# the series or its text changes.
	GIT_COMMITTER_DATE=$(git -C "$SRC_DOM0" log -1 --format=%cI) \
	git -C "$SRC_DOM0" format-patch -q --cover-letter --numbered \
		--zero-commit --no-signature --subject-prefix=PATCH "${cc[@]}" \
		-o "$tmp" "$BASE_TAG..HEAD"
	python3 - "$tmp/0000-cover-letter.patch" "$patches/cover-letter.txt" \
		"$patches/0000-cover-letter.patch" <<'PY'
import sys
cover, text, out = sys.argv[1:]
subject, _, blurb = open(text).read().partition("\n")
s = open(cover).read()
assert "*** SUBJECT HERE ***" in s and "*** BLURB HERE ***" in s
s = s.replace("*** SUBJECT HERE ***", subject.strip(), 1)
s = s.replace("*** BLURB HERE ***", blurb.strip(), 1)
open(out, "w").write(s)
PY
	rm -rf "$tmp"
}

case $cmd in
apply)
	[ -d "$SRC_DOM0/.git" ] || "$TOP/scripts/base.sh"
	stamp=$(series_stamp)
	if [ "$(cat "$SRC_DOM0/.git/applied-series" 2>/dev/null)" = "$stamp" ] &&
	   [ -z "$(git -C "$SRC_DOM0" status --porcelain --untracked-files=no)" ]; then
		echo "patches/series already applied in $SRC_DOM0"
		exit 0
	fi
	lost=$(unexported_commits)
	if [ -n "$lost" ] && [ -z "${FORCE:-}" ]; then
		die "the work tree has commits not in patches/ (export them, or FORCE=1):
$lost"
	fi
	stage "apply patches/series to the base in $SRC_DOM0"
	cd "$SRC_DOM0"
	git am --abort >/dev/null 2>&1 || true
	git reset -q --hard "$BASE_TAG"
	n=0
	while read -r p; do
		n=$((n + 1))
		if ! git am -q --keep-cr --committer-date-is-author-date "$patches/$p"; then
			git am --abort
			die "patch $n ($p) does not apply to $(cat .git/base-version)"
		fi
	done < <(series_files)
	echo "$stamp" > .git/applied-series
	echo "applied $n patches"
	stage_done
	;;
export)
	stage "export $SRC_DOM0 commits to patches/"
	rm -f "$patches"/*.patch
	git -C "$SRC_DOM0" format-patch -q --no-numbered --zero-commit \
		--no-signature --subject-prefix=PATCH -o "$patches" "$BASE_TAG..HEAD"
	{
		echo "# Applied in order with git am on top of Debian linux-source-$BASE_VERSION."
		(cd "$patches" && ls -1 -- *.patch 2>/dev/null) |
			grep -v '^0000-cover-letter.patch$' || true
	} > "$patches/series"
	cover_letter
	git -C "$SRC_DOM0" log --reverse --format='  %s' "$BASE_TAG..HEAD"
	# The work tree is the series now: no need to apply it again.
	series_stamp > "$SRC_DOM0/.git/applied-series"
	stage_done
	;;
check)
	stage "checkpatch --strict --no-signoff on every patch"
	bad=0
	# Fixes: tags name upstream commits, which the Debian base's history
	# does not have (UNKNOWN_COMMIT_ID).  checkpatch also asks for a
	# MAINTAINERS change with every new file (FILE_PATH_CHANGES); the
	# series adds its files under paths that existing entries cover, and
	# the loop after this one checks that instead.
	while read -r p; do
		if ! "$SRC_DOM0/scripts/checkpatch.pl" --quiet --strict --no-signoff \
			--no-tree --ignore UNKNOWN_COMMIT_ID,FILE_PATH_CHANGES \
			"$patches/$p" > "$BUILD/checkpatch.out" 2>&1; then
			echo "checkpatch: $p"
			sed 's/^/    /' "$BUILD/checkpatch.out"
			bad=1
		fi
	done < <(series_files)
	# Every file the series adds has a maintainer (an M: line) in the
	# MAINTAINERS of the work tree.
	while read -r f; do
		if ! (cd "$SRC_DOM0" && scripts/get_maintainer.pl --no-git \
			--no-git-fallback --no-rolestats --no-l --no-r -f "$f" |
			grep -q '@'); then
			echo "MAINTAINERS: no maintainer for $f"
			bad=1
		fi
	done < <(git -C "$SRC_DOM0" diff --name-only --diff-filter=A "$BASE_TAG" HEAD)
	[ $bad = 0 ] || die "checkpatch found problems"
	echo "every patch is checkpatch clean; every new file has a maintainer"
	stage_done
	;;
*)
	die "unknown command '$cmd'"
	;;
esac
