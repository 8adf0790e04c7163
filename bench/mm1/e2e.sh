#!/usr/bin/env bash
# maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
# Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).
#
# MM1 submission throughput end to end, against maddy's own submission path
# carrying the same MM in the same server. See bench/README.md, "MM1
# submission".
#
#   submission: mail on the submission endpoint (mm4load -mode mail, AUTH
#               PLAIN once per connection) → mms_sender → target.mms_send
#               → MM4_forward.REQ → queue → sink
#   mm1:        M-send.req POSTed to the mm1 endpoint (mm1load, HTTP Basic
#               on every request, checked against bcrypt cost 10 as the
#               submission account) → the same msgpipeline steps → the same
#               REQ → the same queue → the same sink
#   mm1-fast:   the same on a second mm1 endpoint whose password hash has
#               bcrypt cost 4 (a diagnostic: MM1 without most of the
#               per-request password check)
#
#   ./bench/mm1/e2e.sh
#
# Environment (all optional):
#   BENCH_N_SMALL  timed messages per run for the 1.4 KB MM (default 2000)
#   BENCH_N_LARGE  timed messages per run for the 300 KB MM (default 300)
#   BENCH_C        parallel senders, connections (default 10)
#   BENCH_ROUNDS   runs per path and size; the best counts (default 2)
#   BENCH_SIZE_IS  mm1load -size-is: mail (default; the PDU carries the
#                  image of the -size mail, so both paths queue REQs of
#                  about the same size) or pdu (the PDU itself is -size)
#   BENCH_KEEP     if set, keep the work directory (binaries, state, logs)
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
export BENCH_CONN_REUSE=${BENCH_CONN_REUSE:-100} # conn_reuse_limit of the queue's target.smtp (common.conf)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=$ROOT/bench
N_SMALL=${BENCH_N_SMALL:-2000}
N_LARGE=${BENCH_N_LARGE:-300}
CONC=${BENCH_C:-10}
ROUNDS=${BENCH_ROUNDS:-2}
SIZE_IS=${BENCH_SIZE_IS:-mail}
WARMUP=50
# The submission account (common-out.conf), bound to +15550001111 by the
# senders table (mms-out.conf), and a number that is not local, so both
# paths route it to the peer (the sink).
USER_=alice@example.net
PASSWORD=bench-password
RCPT_MAIL='+15550002222@mms.example.net'
RCPT_MM1='+15550002222/TYPE=PLMN'

WORK=$(mktemp -d "${TMPDIR:-/tmp}/maddy-mms-mm1-bench.XXXXXX")
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

# sink_count: messages the sink has printed (one "=== message N" line each).
sink_count() {
	local n
	n=$(grep -c '^=== message ' "$WORK/sink.out" 2>/dev/null || true)
	echo $((${n:-0}))
}

# reqs_queued: MM4_forward.REQs target.mms_send has queued so far.
reqs_queued() {
	local n
	n=$(grep -c 'MM4_forward.REQ queued' "$WORK/server.log" 2>/dev/null || true)
	echo $((${n:-0}))
}

label() {
	case $1 in
	1400) echo "1.4 KB" ;;
	300000) echo "300 KB" ;;
	*) echo "$1 B" ;;
	esac
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# ---------------------------------------------------------------------------

log "building into $WORK/bin"
mkdir -p "$WORK/bin" "$WORK/state"
(
	cd "$ROOT"
	go build -o "$WORK/bin/maddy-mms" ./cmd/maddy-mms
	go build -o "$WORK/bin/mms-peer-sink" ./cmd/mms-peer-sink
	go build -o "$WORK/bin/mm4load" ./bench/mm4load
	go build -o "$WORK/bin/mm1load" ./bench/mm1load
)

# One sink (not -quiet: it prints each message's header, which is how it is
# counted while it runs) and one server for the whole benchmark; a start
# that fails because a port was taken meanwhile is retried on other ports.
started=
for ((try = 1; try <= 5; try++)); do
	sink_port=$(free_port)
	"$WORK/bin/mms-peer-sink" -listen "127.0.0.1:$sink_port" >"$WORK/sink.out" 2>"$WORK/sink.log" &
	sink_pid=$!
	if wait_port "$sink_port" "$sink_pid" mms-peer-sink; then started=1; break; fi
	stop "$sink_pid"; sink_pid=
	grep -q 'address already in use' "$WORK/sink.log" || break
done
[[ -n $started ]] || { sed 's/^/  sink: /' "$WORK/sink.log" | tail -n 5; exit 1; }
started=
for ((try = 1; try <= 5; try++)); do
	port=$(free_port "$sink_port")
	mm1_port=$(free_port "$sink_port" "$port")
	fast_port=$(free_port "$sink_port" "$port" "$mm1_port")
	BENCH_STATE_DIR=$WORK/state BENCH_PORT=$port BENCH_SINK_PORT=$sink_port \
		BENCH_MM1_PORT=$mm1_port BENCH_MM1_FAST_PORT=$fast_port \
		"$WORK/bin/maddy-mms" -config "$BENCH/mms-mm1.conf" run >"$WORK/server.log" 2>&1 &
	server_pid=$!
	if wait_port "$port" "$server_pid" maddy-mms && wait_port "$mm1_port" "$server_pid" maddy-mms &&
		wait_port "$fast_port" "$server_pid" maddy-mms; then
		started=1
		break
	fi
	stop "$server_pid"; server_pid=
	grep -q 'address already in use' "$WORK/server.log" || break
	rm -rf "$WORK/state" && mkdir -p "$WORK/state"
done
[[ -n $started ]] || { sed 's/^/  server: /' "$WORK/server.log" | tail -n 20; exit 1; }

failed=0
expect=0 # messages the sink should have got so far
declare -A best # "$size $path" → best rate

# run_one PATH SIZE N ROUND: one load run against the running server; waits
# until the sink has every message; records the rate in best[].
run_one() {
	local path=$1 size=$2 n=$3 round=$4
	local out rc=0 line rate t0 drain got reqs i tool
	case $path in
	submission)
		tool=mm4load
		out=$("$WORK/bin/mm4load" -mode mail -addr "127.0.0.1:$port" -user "$USER_" -password "$PASSWORD" \
			-from "$USER_" -rcpt "$RCPT_MAIL" -n "$n" -c "$CONC" -size "$size" -warmup "$WARMUP" \
			2>"$WORK/load.err") || rc=$?
		;;
	mm1 | mm1-fast)
		tool=mm1load
		local p=$mm1_port
		[[ $path == mm1 ]] || p=$fast_port
		out=$("$WORK/bin/mm1load" -url "http://127.0.0.1:$p/mms" -user "$USER_" -password "$PASSWORD" \
			-to "$RCPT_MM1" -n "$n" -c "$CONC" -size "$size" -size-is "$SIZE_IS" -warmup "$WARMUP" \
			2>"$WORK/load.err") || rc=$?
		;;
	esac
	line=$(grep '^msgs=' <<<"$out" || true)
	# Every message sent, warm-up included, is one REQ at the sink (a failed
	# one would be none, and is reported below anyway).
	expect=$((expect + n + WARMUP))

	# Wait for the sink to get every message (at most 180 s), so that the
	# next run starts on an idle machine.
	t0=$(now)
	for ((i = 0; i < 1800; i++)); do
		got=$(sink_count)
		[[ $got -lt $expect ]] || break
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	drain=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
	reqs=$(reqs_queued)

	log "  $(printf '%-10s %-6s round %d:' "$path" "$(label "$size")" "$round") ${line:-no result} | sink caught up ${drain}s after; has $got of $expect, $reqs REQs queued | load $(loadavg)"
	if [[ $rc -ne 0 || -z $line ]]; then
		failed=1
		log "  !! $tool failed (exit $rc):"
		sed 's/^/    '"$tool"': /' "$WORK/load.err"
	fi
	if [[ $got != "$expect" || $reqs != "$expect" ]]; then
		failed=1
		log "  !! the sink got $got and the server queued $reqs REQs; expected $expect"
		expect=$got # the next run's check starts from what is there
	fi
	if ! kill -0 "$server_pid" 2>/dev/null; then
		log "  !! maddy-mms died"
		sed 's/^/    server: /' "$WORK/server.log" | tail -n 20
		exit 1
	fi
	rate=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<<"$line")
	if [[ -n $rate && $rc -eq 0 ]]; then
		local key="$size $path"
		if [[ -z ${best[$key]:-} ]] || awk -v a="$rate" -v b="${best[$key]}" 'BEGIN { exit !(a > b) }'; then
			best[$key]=$rate
		fi
	fi
}

ratio_of() {
	if [[ -n $1 && -n $2 ]]; then awk -v m="$1" -v p="$2" 'BEGIN { printf "%.2f", m / p }'; else echo n/a; fi
}

log "one maddy-mms (bench/mms-mm1.conf): submission 127.0.0.1:$port, mm1 127.0.0.1:$mm1_port, mm1 (bcrypt cost 4) 127.0.0.1:$fast_port; sink 127.0.0.1:$sink_port"
log "each run: $WARMUP warm-up messages, then N timed; $CONC senders; paths interleaved; mm1load -size-is $SIZE_IS"
log "load average at start: $(loadavg) ($(nproc) CPUs)"
for size in 1400 300000; do
	if [[ $size == 1400 ]]; then n=$N_SMALL; else n=$N_LARGE; fi
	log "$(label "$size") MM, n=$n:"
	for ((round = 1; round <= ROUNDS; round++)); do
		for path in submission mm1 mm1-fast; do
			run_one "$path" "$size" "$n" "$round"
		done
	done
done

# A sample REQ from each path (the sink prints headers), for the eye: both
# are MM4_forward.REQs from the account's number to the peer.
for path in submission:mailload mm1:mm1load; do
	log "first REQ at the sink from ${path%%:*}:"
	awk -v tag="${path#*:}" '
		/^=== message / { if (found) exit; blk = ""; keep = 0 }
		/^Subject: / && index($0, tag) { keep = 1 }
		/^(MAIL FROM|RCPT TO|X-Mms-Message-Type|X-Mms-Ack-Request|From|To|Subject|Content-Type):/ { blk = blk "    " $0 "\n" }
		/^$/ && keep && blk != "" { printf "%s", blk; found = 1; exit }
	' "$WORK/sink.out"
done
if grep -qiE 'panic|fatal' "$WORK/server.log"; then
	failed=1
	log "!! the server log has a panic or fatal error:"
	grep -iE 'panic|fatal' "$WORK/server.log" | head -n 10 | sed 's/^/    server: /'
fi
errs=$(grep -ciE 'error|fail' "$WORK/server.log" || true)
log "server log: $((${errs:-0})) lines mention an error or failure (one, from the port probe, is harmless)"
log "load average at end: $(loadavg)"

echo
echo "MM1 submission throughput: the same MM in, the same MM4_forward.REQ out at the sink, accepted messages/s (best of $ROUNDS runs; $CONC senders)"
echo "  submission: mail on the submission endpoint, AUTH PLAIN once per connection"
echo "  MM1:        M-send.req over HTTP, HTTP Basic checked on every request (bcrypt cost 10, as the submission account)"
echo "  MM1 cost 4: the same, the password hashed with bcrypt cost 4 (diagnostic)"
printf '%-8s %14s %10s %14s %12s %16s\n' size "submission" "MM1" "MM1/submission" "MM1 cost 4" "cost 4/submission"
for size in 1400 300000; do
	s=${best["$size submission"]:-}
	m=${best["$size mm1"]:-}
	f=${best["$size mm1-fast"]:-}
	printf '%-8s %14s %10s %14s %12s %16s\n' "$(label "$size")" "${s:-n/a}" "${m:-n/a}" "$(ratio_of "$m" "$s")" "${f:-n/a}" "$(ratio_of "$f" "$s")"
done

if [[ $failed -ne 0 ]]; then
	echo "Some runs had problems (see above); runs where the load generator failed are not in the table."
	exit 1
fi
