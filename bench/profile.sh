#!/usr/bin/env bash
# maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
# Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).
#
# Where the CPU goes, per message, for two or more of run.sh's
# configurations side by side: each runs under `perf record -a -g`, and the
# server's samples are put into buckets by the functions on their stacks
# (bench/profile_buckets.py). See bench/README.md, "Profiles".
#
#   ./bench/profile.sh [CONF...]      default: plain mms mms-noack
#
# CONF is one of run.sh's: plain, mms, mms-noack (inbound MM4), plain-out,
# mms-out (submission), mbox-plain, mbox-mms (into storage.imapsql).
#
# Environment (all optional):
#   PROFILE_SIZE   message size in bytes (default 1400)
#   PROFILE_N      timed messages per configuration (default 3000)
#   PROFILE_C      parallel senders (default 10)
#   BENCH_CONN_REUSE  as for run.sh (default 100)
#   BENCH_KEEP     keep the work directory (perf.data, logs)
#
# Needs perf (Debian: linux-perf) and python3, and root (or
# kernel.perf_event_paranoid 0 or less) for perf record -a.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
SIZE=${PROFILE_SIZE:-1400}
N=${PROFILE_N:-3000}
CONC=${PROFILE_C:-10}
export BENCH_CONN_REUSE=${BENCH_CONN_REUSE:-100}
RCPT='+15550001111/TYPE=PLMN@mms.example.net'
OUT_LOAD=(-mode mail -user alice@example.net -password bench-password -from alice@example.net
	-rcpt '+15550002222@mms.example.net')
CONFS=("$@")
[[ ${#CONFS[@]} -gt 0 ]] || CONFS=(plain mms mms-noack)

command -v perf >/dev/null || { echo "perf is needed (Debian: apt-get install linux-perf)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/maddy-mms-profile.XXXXXX")
server_pid= sink_pid= perf_pid=
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	[[ -z $perf_pid ]] || { kill -INT "$perf_pid" 2>/dev/null; wait "$perf_pid" 2>/dev/null || true; }
	stop "$server_pid"
	stop "$sink_pid"
	if [[ -n ${BENCH_KEEP:-} ]]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$WORK/bin"
(
	cd "$ROOT"
	go build -o "$WORK/bin/maddy-mms" ./cmd/maddy-mms
	go build -o "$WORK/bin/mms-peer-sink" ./cmd/mms-peer-sink
	go build -o "$WORK/bin/mm4load" ./bench/mm4load
)

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime
TCK=$(getconf CLK_TCK)

# start_server CONF DIR PORT SINK_PORT: starts maddy-mms in the background
start_server() {
	BENCH_STATE_DIR=$2/state BENCH_PORT=$3 BENCH_SINK_PORT=$4 \
		"$WORK/bin/maddy-mms" -config "$BENCH/$1.conf" run >>"$2/server.log" 2>&1 &
	server_pid=$!
	wait_port "$3" "$server_pid" "maddy-mms ($1.conf)"
}

profile_one() {
	local conf=$1 dir=$WORK/$1 cfg=$1 load precreate=
	case $conf in
	plain | mms) load=(-ack Yes -rcpt "$RCPT") ;;
	mms-noack) cfg=mms load=(-ack No -rcpt "$RCPT") ;;
	plain-out | mms-out) load=("${OUT_LOAD[@]}") ;;
	mbox-plain) cfg=mailbox-plain load=(-ack Yes -rcpt "$RCPT") precreate=1 ;;
	mbox-mms) cfg=mailbox-mms load=(-ack Yes -rcpt "$RCPT") ;;
	*) echo "unknown configuration $conf" >&2; return 1 ;;
	esac
	mkdir -p "$dir/state"
	local sink_port port
	sink_port=$(free_port)
	"$WORK/bin/mms-peer-sink" -quiet -listen "127.0.0.1:$sink_port" >/dev/null 2>"$dir/sink.log" &
	sink_pid=$!
	wait_port "$sink_port" "$sink_pid" mms-peer-sink
	port=$(free_port "$sink_port")
	if [[ -n $precreate ]]; then
		# storage.imapsql creates accounts at IMAP login only (see run.sh).
		start_server mailbox-mms "$dir" "$port" "$sink_port"
		"$WORK/bin/mm4load" -addr "127.0.0.1:$port" -n 1 -c 1 -warmup 0 -ack No -rcpt "$RCPT" >/dev/null
		stop "$server_pid"
		port=$(free_port "$sink_port")
	fi
	start_server "$cfg" "$dir" "$port" "$sink_port"
	"$WORK/bin/mm4load" -addr "127.0.0.1:$port" -n 50 -c "$CONC" -size "$SIZE" -warmup 0 "${load[@]}" >/dev/null
	sleep 1

	local s0 k0 s1 k1 line
	s0=$(cpu_ticks "$server_pid") k0=$(cpu_ticks "$sink_pid")
	perf record -q -a -g -F 499 -o "$dir/perf.data" -- sleep 100000 2>"$dir/perf.log" &
	perf_pid=$!
	sleep 0.5
	line=$(/usr/bin/env time -f '%U %S' -o "$dir/load.time" "$WORK/bin/mm4load" -addr "127.0.0.1:$port" \
		-n "$N" -c "$CONC" -size "$SIZE" -warmup 0 "${load[@]}" | grep '^msgs=')
	# The queue drains into the sink before the profile stops: its
	# deliveries are part of each message's cost.
	local i
	for ((i = 0; i < 1200; i++)); do
		[[ $(queued "$dir/state/out") -gt 0 ]] || break
		sleep 0.1
	done
	kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true; perf_pid=
	s1=$(cpu_ticks "$server_pid") k1=$(cpu_ticks "$sink_pid")
	stop "$server_pid"; server_pid=
	stop "$sink_pid"; sink_pid=

	perf script -i "$dir/perf.data" --comm maddy-mms -F ip,sym 2>/dev/null >"$dir/stacks.txt"
	awk -v s=$((s1 - s0)) -v k=$((k1 - k0)) -v t="$TCK" -v n="$N" -v l="$(cat "$dir/load.time")" \
		-v c="$conf" -v line="$line" 'BEGIN {
		split(l, a, " ")
		printf "%s: %s\n  CPU per message (ms): server %.2f, sink %.2f, load generator %.2f\n",
			c, line, s / t / n * 1000, k / t / n * 1000, (a[1] + a[2]) / n * 1000
	}' | tee "$dir/summary.txt"
	echo "$conf $(awk -v s=$((s1 - s0)) -v t="$TCK" -v n="$N" 'BEGIN { printf "%.4f", s / t / n * 1000 }')" >>"$WORK/server-ms"
}

echo "$SIZE-byte messages, $N timed, $CONC senders; perf record -a -g at 499 Hz"
for conf in "${CONFS[@]}"; do
	profile_one "$conf"
done

echo
echo "maddy-mms server CPU per message (ms), by what its samples were doing (bench/profile_buckets.py):"
args=()
while read -r conf ms; do args+=("$conf=$ms:$WORK/$conf/stacks.txt"); done <"$WORK/server-ms"
python3 "$BENCH/profile_buckets.py" "${args[@]}"
