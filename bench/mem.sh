#!/usr/bin/env bash
# maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
# Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).
#
# Peak memory (RSS) of maddy-mms against plain maddy relaying the same large
# 8-bit mails, submitted by an authenticated subscriber, through the same
# queue to the sink. See bench/README.md.
#
#   memload (AUTH PLAIN, 8-bit mail) → submission → queue → mms-peer-sink
#   (maddy-mms: the mail made 7-bit clean and sent as an MM4_forward.REQ)
#
#   ./bench/mem.sh
#
# Every case runs on a fresh server, so the server's VmHWM (peak RSS) is
# that case's peak; it is read once the sink has every message, and VmRSS
# again BENCH_MEM_SETTLE seconds later.
#
# Environment (all optional):
#   BENCH_MEM_SETTLE   seconds between the end of a case and the RSS after (default 5)
#   BENCH_MEM_PAR      mails sent at once in the parallel case (default 10)
#   BENCH_MEM_CASES    which cases to run, e.g. "1 3 5" (default: all, 1 to 5)
#   BENCH_MEM_ROUNDS   runs per case and configuration; the table shows the
#                      highest peak (default 1)
#   BENCH_MEM_GCTRACE  if set, run the servers with GODEBUG=gctrace=1 and
#                      print the largest Go heap each run reached
#   BENCH_MEM_PROFILE  a directory: build maddy-mms with a pprof listener
#                      (see below), save a heap profile before and after
#                      every case there, and print where each case
#                      allocated most (needs curl; figures of such a run
#                      include the listener)
#   BENCH_KEEP         if set, keep the work directory (binaries, state, logs)
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export BENCH_CONN_REUSE=${BENCH_CONN_REUSE:-100} # conn_reuse_limit of the queue's target.smtp (common.conf)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
SETTLE=${BENCH_MEM_SETTLE:-5}
PAR=${BENCH_MEM_PAR:-10}
ROUNDS=${BENCH_MEM_ROUNDS:-1}
GOAL=1.2
USER_NAME=alice@example.net
PASSWORD=bench-password
# A number that is not local, so maddy-mms routes it to the peer (the sink).
RCPT='+15550002222@mms.example.net'
MB=1000000

# The cases: label, memload -kind, mail size in bytes, mails sent at once.
CASE_LABEL=("1 MB text" "10 MB text" "30 MB text" "30 MB multipart" "${PAR}x 30 MB text")
CASE_KIND=(text text text multipart text)
CASE_SIZE=($((1 * MB)) $((10 * MB)) $((30 * MB)) $((30 * MB)) $((30 * MB)))
CASE_COUNT=(1 1 1 1 "$PAR")
CASES=${BENCH_MEM_CASES:-1 2 3 4 5}
PROFILE=${BENCH_MEM_PROFILE:-}
if [[ -n $PROFILE ]]; then
	command -v curl >/dev/null || { echo "BENCH_MEM_PROFILE needs curl" >&2; exit 2; }
	mkdir -p "$PROFILE"
	PROFILE=$(cd "$PROFILE" && pwd)
fi

[[ $SETTLE =~ ^[0-9]+$ ]] || { echo "BENCH_MEM_SETTLE must be a whole number of seconds" >&2; exit 2; }
[[ $PAR =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_MEM_PAR must be a positive number" >&2; exit 2; }
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_MEM_ROUNDS must be a positive number" >&2; exit 2; }
for c in $CASES; do
	[[ $c =~ ^[1-5]$ ]] || { echo "BENCH_MEM_CASES: cases are numbered 1 to 5" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/maddy-mms-mem.XXXXXX")
server_pid=
sink_pid=

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop "$server_pid"
	stop "$sink_pid"
	if [[ -n ${BENCH_KEEP:-} ]]; then
		echo "work directory kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# mem PID FIELD: VmHWM or VmRSS of PID in MiB (one decimal), empty if PID is gone.
mem() {
	awk -v f="$2:" '$1 == f { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || true
}

# ---------------------------------------------------------------------------

rev=
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	rev=$(git -C "$ROOT" rev-parse --short HEAD)
	if [[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
		rev="$rev, working tree with uncommitted changes"
	fi
fi
log "source: $ROOT${rev:+ (commit $rev)}"
log "building into $WORK/bin"
mkdir -p "$WORK/bin"
(
	cd "$ROOT"
	if [[ -n $PROFILE ]]; then
		# maddy-mms has its own command line, without maddy's -debug.pprof
		# (-tags debugflags does not add it), so a file that starts
		# net/http/pprof on $BENCH_PPROF_ADDR is compiled into cmd/maddy-mms
		# through a build overlay; the source tree is not touched.
		cat >"$WORK/pprof.go" <<'GO'
package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if addr := os.Getenv("BENCH_PPROF_ADDR"); addr != "" {
		go http.ListenAndServe(addr, nil)
	}
}
GO
		printf '{"Replace":{"%s":"%s"}}\n' "$ROOT/cmd/maddy-mms/zz_bench_pprof.go" "$WORK/pprof.go" >"$WORK/overlay.json"
		go build -overlay "$WORK/overlay.json" -o "$WORK/bin/maddy-mms" ./cmd/maddy-mms
		cp "$WORK/bin/maddy-mms" "$PROFILE/maddy-mms"
	else
		go build -o "$WORK/bin/maddy-mms" ./cmd/maddy-mms
	fi
	go build -o "$WORK/bin/mms-peer-sink" ./cmd/mms-peer-sink
	go build -o "$WORK/bin/memload" ./bench/memload
)
log "$(go version); GOGC=${GOGC:-unset} GOMEMLIMIT=${GOMEMLIMIT:-unset}; $(nproc) CPUs"

failed=0
declare -A peak after # "$case $conf" → MiB

# run_one CONF CASE ROUND: one fresh sink and server, one case; records
# peak[] and after[] (of the round with the highest peak).
#   plain  mem-plain.conf  the mail relayed as it is (8-bit)
#   mms    mem-mms.conf    the mail made 7-bit clean, sent as an MM4_forward.REQ
run_one() {
	local conf=$1 c=$2 round=$3
	local kind=${CASE_KIND[c - 1]} size=${CASE_SIZE[c - 1]} count=${CASE_COUNT[c - 1]}
	local dir=$WORK/run-$c-$conf-$round
	local port sink_port out rc=0 line t0 drain left=? received reqs= hwm= rss= idle i try started=
	local -a genv=()
	[[ -z ${BENCH_MEM_GCTRACE:-} ]] || genv+=(GODEBUG=gctrace=1)
	local pprof_port= prof=
	if [[ -n $PROFILE ]]; then
		prof=$PROFILE/case$c-$conf-$round
	fi
	mkdir -p "$dir/state"

	for ((try = 1; try <= 5; try++)); do
		sink_port=$(free_port)
		"$WORK/bin/mms-peer-sink" -quiet -listen "127.0.0.1:$sink_port" >"$dir/sink.out" 2>"$dir/sink.log" &
		sink_pid=$!
		if wait_port "$sink_port" "$sink_pid" mms-peer-sink; then started=1; break; fi
		stop "$sink_pid"; sink_pid=
		grep -q 'address already in use' "$dir/sink.log" || break
		log "  (sink port $sink_port taken, retrying)"
	done
	if [[ -z $started ]]; then
		sed 's/^/    sink: /' "$dir/sink.log" | tail -n 5
		failed=1
		return 0
	fi
	started=
	for ((try = 1; try <= 5; try++)); do
		port=$(free_port "$sink_port")
		if [[ -n $prof ]]; then
			pprof_port=$(free_port "$port")
			genv+=(BENCH_PPROF_ADDR="127.0.0.1:$pprof_port")
		fi
		env "${genv[@]}" BENCH_STATE_DIR="$dir/state" BENCH_PORT="$port" BENCH_SINK_PORT="$sink_port" \
			"$WORK/bin/maddy-mms" -config "$BENCH/mem-$conf.conf" run >"$dir/server.log" 2>&1 &
		server_pid=$!
		if wait_port "$port" "$server_pid" "maddy-mms (mem-$conf.conf)"; then started=1; break; fi
		stop "$server_pid"; server_pid=
		grep -q 'address already in use' "$dir/server.log" || break
		log "  (server port $port taken, retrying)"
		rm -rf "$dir/state" && mkdir -p "$dir/state"
	done
	if [[ -z $started ]]; then
		sed 's/^/    server: /' "$dir/server.log" | tail -n 20
		failed=1
		stop "$sink_pid"; sink_pid=
		return 0
	fi
	sleep 1
	idle=$(mem "$server_pid" VmRSS)
	if [[ -n $prof ]]; then
		# ?gc=1: the profile as of a fresh GC, with every allocation so far.
		curl -sf -o "$prof-before.pb.gz" "http://127.0.0.1:$pprof_port/debug/pprof/heap?gc=1" ||
			log "  (no heap profile from 127.0.0.1:$pprof_port)"
	fi

	out=$("$WORK/bin/memload" -addr "127.0.0.1:$port" -user "$USER_NAME" -password "$PASSWORD" \
		-rcpt "$RCPT" -kind "$kind" -size "$size" -c "$count" 2>"$dir/memload.err") || rc=$?
	line=$(grep '^sent=' <<<"$out" || true)

	# The case ends when the queue is empty: every accepted mail (every REQ)
	# is at the sink, or given up on, which the sink's count shows below.
	t0=$(now)
	for ((i = 0; i < 1200; i++)); do
		left=$(queued "$dir/state/out")
		[[ $left -gt 0 ]] || break
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	drain=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
	# VmHWM is read after the pause too: the kernel's RSS counters lag a
	# little, and the later reading is the larger (the server is idle).
	hwm=$(mem "$server_pid" VmHWM)
	if [[ -n $hwm ]]; then
		sleep "$SETTLE"
		rss=$(mem "$server_pid" VmRSS)
		hwm=$(mem "$server_pid" VmHWM)
	fi

	if [[ -z $hwm || -z $rss ]] || ! kill -0 "$server_pid" 2>/dev/null; then
		log "  !! maddy-mms (mem-$conf.conf) died during the run"
		failed=1
		hwm= rss=
	fi
	if [[ -n $prof && -n $hwm ]]; then
		curl -sf -o "$prof-after.pb.gz" "http://127.0.0.1:$pprof_port/debug/pprof/heap?gc=1" ||
			log "  (no heap profile from 127.0.0.1:$pprof_port)"
	fi
	stop "$server_pid"; server_pid=
	stop "$sink_pid"; sink_pid=

	received=$(sed -n 's/.*received \([0-9]*\) messages.*/\1/p' "$dir/sink.log" | tail -n 1)
	received=${received:-?}
	# maddy-mms: every mail must have become a REQ (one log line each), so
	# the sink's count is REQs and not something else.
	if [[ $conf == mms ]]; then
		reqs=$(grep -c 'MM4_forward.REQ queued' "$dir/server.log" || true)
	fi
	local gc=
	if [[ -n ${BENCH_MEM_GCTRACE:-} ]]; then
		# gctrace: "A->B->C MB": heap at GC start, at GC end, live heap.
		gc=$(sed -n 's/.* \([0-9]*\)->\([0-9]*\)->\([0-9]*\) MB.*/\1 \3/p' "$dir/server.log" |
			awk '$1 > h { h = $1 } $2 > l { l = $2 } END { printf "Go heap max %d MB, live max %d MB", h, l }')
	fi

	log "  $(printf '%-5s %-18s' "$conf" "${CASE_LABEL[c - 1]}${round_label:+ $round_label}:") ${line:-no result} | RSS at start ${idle:-?} MiB, peak ${hwm:-?} MiB, ${SETTLE}s after ${rss:-?} MiB | queue empty ${drain}s after, ${left} left | sink got $received (expected $count)${reqs:+ | $reqs REQs queued}${gc:+ | $gc}"
	if [[ -s $prof-before.pb.gz && -s $prof-after.pb.gz ]]; then
		log "    allocated during the case, largest (go tool pprof -sample_index=alloc_space -top -base $prof-before.pb.gz $PROFILE/maddy-mms $prof-after.pb.gz):"
		go tool pprof -sample_index=alloc_space -top -nodecount=4 -base "$prof-before.pb.gz" \
			"$PROFILE/maddy-mms" "$prof-after.pb.gz" 2>/dev/null | sed -n '/^ *flat/,$p' | sed 's/^/      /'
	fi
	local bad=
	if [[ $rc -ne 0 || -z $line ]]; then
		bad=1
		log "  !! memload failed (exit $rc):"
		sed 's/^/    /' "$dir/memload.err"
	fi
	if [[ $received != "$count" ]]; then
		bad=1
		log "  !! the sink did not get every message"
	fi
	if [[ -n $reqs && $reqs != "$count" ]]; then
		bad=1
		log "  !! maddy-mms queued $reqs REQs, expected $count"
	fi
	if [[ -n $bad ]] || grep -qiE 'panic|fatal' "$dir/server.log"; then
		failed=1
		log "  server log ($dir/server.log), errors and last lines:"
		{ grep -iE 'error|panic|fatal|fail|too large' "$dir/server.log" | grep -v '^gc ' | head -n 20; grep -v '^gc ' "$dir/server.log" | tail -n 10; } | sed 's/^/    server: /'
	fi
	if [[ -z $bad && -n $hwm ]]; then
		if [[ -z ${peak["$c $conf"]:-} ]] || awk -v a="$hwm" -v b="${peak["$c $conf"]}" 'BEGIN { exit !(a > b) }'; then
			peak["$c $conf"]=$hwm
			after["$c $conf"]=$rss
		fi
	fi
	[[ -n ${BENCH_KEEP:-} ]] || rm -rf "$dir/state"
}

log "each case: fresh sink and server, empty state; plain (mem-plain.conf) then mms (mem-mms.conf); RSS after = ${SETTLE}s after the sink has everything"
round_label=
for c in $CASES; do
	for ((round = 1; round <= ROUNDS; round++)); do
		[[ $ROUNDS -eq 1 ]] || round_label="round $round"
		for conf in plain mms; do
			run_one "$conf" "$c" "$round"
		done
	done
done

ratio_of() {
	if [[ -n $1 && -n $2 ]]; then awk -v m="$1" -v p="$2" 'BEGIN { printf "%.2f", m / p }'; else echo n/a; fi
}
met() { awk -v r="$1" -v t="$GOAL" 'BEGIN { print (r == "n/a") ? "n/a" : (r <= t) ? "met" : "NOT met" }'; }

echo
echo "Peak RSS of the server (VmHWM, MiB; the highest of $ROUNDS run(s)), 8-bit mail on submission → queue → sink; RSS after: VmRSS ${SETTLE}s after the case"
echo "  plain: stock maddy relays the mail as it is; mms: maddy-mms makes it 7-bit clean and sends an MM4_forward.REQ"
printf '%-18s %11s %11s %7s %12s %12s  %s\n' case "plain peak" "mms peak" ratio "plain after" "mms after" "goal <= $GOAL"
for c in $CASES; do
	p=${peak["$c plain"]:-}
	m=${peak["$c mms"]:-}
	r=$(ratio_of "$m" "$p")
	printf '%-18s %11s %11s %7s %12s %12s  %s\n' "${CASE_LABEL[c - 1]}" "${p:-n/a}" "${m:-n/a}" "$r" \
		"${after["$c plain"]:-n/a}" "${after["$c mms"]:-n/a}" "$(met "$r")"
done

if [[ $failed -ne 0 ]]; then
	echo "Some runs had problems (see above); their figures are not in the table."
	exit 1
fi
