#!/usr/bin/env bash
# maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
# Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).
#
# Crash-and-restart soak under load: inbound MM4_forward.REQs and outbound
# submissions while maddy-mms is killed with SIGKILL and restarted, then
# a check that nothing acknowledged was lost and that every duplicate
# carries its original's transaction ID. Run by hand; see bench/README.md.
#
#   ./bench/soak.sh                  # the commit HEAD points at
#   ./bench/soak.sh -seed 42 -in 1000 -out 400 -load-time 1m   # flags of bench/soak
#
# Environment (all optional):
#   SOAK_REV        commit to build maddy-mms from (default HEAD), or
#                   "worktree" for the working tree as it is
#   SOAK_LEFTOVERS  fail or warn: what leftover temp files in the queue
#                   directories after the final restart do (default: fail
#                   when the commit's history mentions the queue's clean-up
#                   of interrupted transactions at start, else warn)
#   SOAK_KEEP       if set, keep the work directory even when the soak passes
#
# Exit status: 0 pass; 1 loss, a duplicate with another transaction ID, or
# a run that went wrong (the work directory is then kept); 2 bad usage.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REV=${SOAK_REV:-HEAD}
LEFTOVERS=${SOAK_LEFTOVERS:-}
case $LEFTOVERS in
'' | fail | warn) ;;
*)
	echo "SOAK_LEFTOVERS must be fail or warn" >&2
	exit 2
	;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/maddy-mms-soak.XXXXXX")
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n ${SOAK_KEEP:-} || $rc -ne 0 ]]; then
		echo "work directory kept: $WORK (server.log, sink.log, details.txt, state/)" >&2
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t0=$(date +%s)

# maddy-mms is built from a clean copy of the commit (git archive), not
# from the working tree, which others may be editing: the figures belong
# to that commit. bench/soak.conf imports ../maddy.conf.example, so it is
# copied into the copy and imports the commit's example.
if [[ $REV == worktree ]]; then
	COMMIT="$(git -C "$ROOT" rev-parse HEAD)+worktree"
	LOGREV=HEAD
	SRC=$ROOT
else
	COMMIT=$(git -C "$ROOT" rev-parse --verify "$REV^{commit}")
	LOGREV=$COMMIT
	SRC=$WORK/src
	mkdir -p "$SRC"
	git -C "$ROOT" archive "$COMMIT" | tar -x -C "$SRC"
	mkdir -p "$SRC/bench"
	cp "$ROOT/bench/soak.conf" "$SRC/bench/soak.conf"
fi

if [[ -z $LEFTOVERS ]]; then
	cleanup_commit=$(git -C "$ROOT" log -1 --format=%h -i -E \
		--grep='queue.*(remov|clean).*(interrupted|left)' "$LOGREV" -- || true)
	if [[ -n $cleanup_commit ]]; then
		LEFTOVERS=fail
		echo "leftover temp files after the final restart fail the soak: commit $cleanup_commit in the history says the queue cleans them at start"
	else
		LEFTOVERS=warn
		echo "leftover temp files after the final restart are a warning: no commit in the history says the queue cleans them at start"
	fi
fi

echo "building maddy-mms from $COMMIT into $WORK/bin"
mkdir -p "$WORK/bin"
(cd "$SRC" && go build -trimpath -o "$WORK/bin/maddy-mms" ./cmd/maddy-mms)
(cd "$ROOT" && go build -o "$WORK/bin/soak" ./bench/soak)

mkdir -p "$WORK/run"
rc=0
"$WORK/bin/soak" -binary "$WORK/bin/maddy-mms" -config "$SRC/bench/soak.conf" -work "$WORK/run" \
	-commit "$COMMIT" -leftovers "$LEFTOVERS" "$@" || rc=$?
echo "soak.sh: $(($(date +%s) - t0)) s in all, exit status $rc"
exit "$rc"
