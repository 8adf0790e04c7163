#!/usr/bin/env bash
# maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
# Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).
#
# Throughput of maddy-mms against plain maddy relaying the same messages
# through the same queue, in both directions. See bench/README.md.
#
#   inbound:  MM4_forward.REQ from a peer MMSC (mm4load) → maddy → queue → sink
#   outbound: Internet mail on submission (mm4load -mode mail, AUTH PLAIN)
#             → maddy → queue → sink (maddy-mms: as an MM4_forward.REQ)
#   mailbox:  MM4_forward.REQ from a peer MMSC → maddy → storage.imapsql
#             (SQLite, one mailbox); maddy-mms as the example configures it
#             (mailbox-mms.conf: check.mm4, modify.mms_rcpt, mms_deliver with
#             auto_create, the MM4_forward.RES queued to the sink) against
#             plain maddy storing the same REQs unchanged (mailbox-plain.conf)
#             Part of the default run (it adds under a minute on two
#             cores); BENCH_ONLY=mailbox runs it alone.
#
#   ./bench/run.sh
#
# Environment (all optional):
#   BENCH_N_SMALL  timed messages per run for the 1.4 KB message (default 2000)
#   BENCH_N_LARGE  timed messages per run for the 300 KB message (default 300)
#   BENCH_N_HUGE   timed messages per run for the 1.5 MB message (default 60;
#                  carriers take MMs up to about 1.5 MB)
#   BENCH_C        parallel senders (default 10)
#   BENCH_ROUNDS   runs per configuration and size; the best counts (default 2)
#   BENCH_ONLY     inbound, outbound or mailbox: run only that part
#                  (default: all three)
#   BENCH_N_MBOX_SMALL, BENCH_N_MBOX_LARGE  mailbox part: timed messages per
#                  run at 1.4 KB (default 1000) and 300 KB (default 150);
#                  every run starts from an empty mailbox, which grows by
#                  the warm-up and these
#   BENCH_KEEP     if set, keep the work directory (binaries, state, logs)
#   BENCH_CONN_REUSE  conn_reuse_limit of the queue's target.smtp, for both
#                  servers (default 100; 0: a new connection per message)
#   BENCH_SIZES, BENCH_MBOX_SIZES  message sizes in bytes (defaults
#                  "1400 300000 1500000" and "1400 300000")
#   BENCH_STOCK    1 (default): also run stock maddy v0.8.2, built from the
#                  module proxy's source without maddy-mms' patches, on the
#                  plain configurations (without conn_reuse_limit, which it
#                  lacks), as a second reference: what an admin runs today;
#                  0: skip it
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
N_SMALL=${BENCH_N_SMALL:-2000}
N_LARGE=${BENCH_N_LARGE:-300}
N_HUGE=${BENCH_N_HUGE:-60}
SIZES=${BENCH_SIZES:-1400 300000 1500000}
MBOX_SIZES=${BENCH_MBOX_SIZES:-1400 300000}
N_MBOX_SMALL=${BENCH_N_MBOX_SMALL:-1000}
N_MBOX_LARGE=${BENCH_N_MBOX_LARGE:-150}
CONC=${BENCH_C:-10}
ROUNDS=${BENCH_ROUNDS:-2}
export BENCH_CONN_REUSE=${BENCH_CONN_REUSE:-100}
ONLY=${BENCH_ONLY:-}
STOCK=${BENCH_STOCK:-1}
WARMUP=50
# Targets (issue 10): inbound with RES and the mailbox path >= 0.90x plain
# maddy, outbound >= 0.95x.
TARGET=0.90
TARGET_OUT=0.95
TARGET_MBOX=0.90
RCPT='+15550001111/TYPE=PLMN@mms.example.net'
# Outbound: the submission account (common-out.conf), its MAIL FROM, and a
# number that is not local, so maddy-mms routes it to the peer (the sink).
OUT_USER=alice@example.net
OUT_PASSWORD=bench-password
OUT_FROM=alice@example.net
OUT_RCPT='+15550002222@mms.example.net'

case $ONLY in
'' | inbound | outbound | mailbox) ;;
*)
	echo "BENCH_ONLY must be inbound, outbound or mailbox" >&2
	exit 2
	;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/maddy-mms-bench.XXXXXX")
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

# ---------------------------------------------------------------------------

log "building into $WORK/bin"
mkdir -p "$WORK/bin"
(
	cd "$ROOT"
	go build -o "$WORK/bin/maddy-mms" ./cmd/maddy-mms
	go build -o "$WORK/bin/mms-peer-sink" ./cmd/mms-peer-sink
	go build -o "$WORK/bin/mm4load" ./bench/mm4load
)
if [[ $STOCK == 1 ]]; then
	log "building stock maddy v0.8.2 into $WORK/bin/maddy-stock"
	stock_src=$(go mod download -json github.com/foxcpp/maddy@v0.8.2 | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
	cp -r "$stock_src" "$WORK/maddy-stock-src"
	chmod -R u+w "$WORK/maddy-stock-src"
	(cd "$WORK/maddy-stock-src" && go build -o "$WORK/bin/maddy-stock" ./cmd/maddy)
	# The same configurations, less the directive stock maddy lacks.
	mkdir -p "$WORK/stock-conf"
	cp "$BENCH"/*.conf "$WORK/stock-conf/"
	sed -i '/conn_reuse_limit/d' "$WORK/stock-conf/common.conf"
fi

failed=0
declare -A best   # "$size $conf" → best rate

# run_one CONF SIZE N ROUND: one server run; records the rate in best[].
#
#   CONF       configuration file  load                      sink gets per message
#   plain      plain.conf          MM4 REQ, ack Yes          1 (the REQ as it is)
#   mms        mms.conf            MM4 REQ, ack Yes          2 (converted MM + RES)
#   mms-noack  mms.conf            MM4 REQ, ack No           1 (converted MM)
#   plain-out  plain-out.conf      mail on submission        1 (the mail as it is)
#   mms-out    mms-out.conf        mail on submission        1 (the MM4_forward.REQ)
#   mbox-plain mailbox-plain.conf  MM4 REQ, ack Yes          0 (the REQ stored as it is)
#   mbox-mms   mailbox-mms.conf    MM4 REQ, ack Yes          1 (the RES; the MM stored)
#   stock, stock-out, mbox-stock: plain, plain-out and mbox-plain run by
#              stock maddy v0.8.2 (BENCH_STOCK)
#
# mbox-*: storage.imapsql in maddy v0.8.2 creates accounts only at IMAP
# login, so for mbox-plain one MM (ack No) is first delivered through
# mailbox-mms.conf (auto_create yes) into the same state directory, which
# creates the account alice@sink.example; then the configuration under test
# is started on it. mbox-mms gets the same first MM, so both start from the
# same mailbox (one message) - and because mms_deliver's auto_create is not
# safe against concurrent first deliveries to one new account (some fail
# with 451 "CreateUser: sql: no rows in result set" while another creates
# it), which would fail the warm-up.
run_one() {
	local conf=$1 size=$2 n=$3 round=$4 name=$1
	local dir=$WORK/run-$size-$conf-$round
	local cfgfile=$conf per=1 load precreate= bin=$WORK/bin/maddy-mms confdir=$BENCH
	case $conf in
	stock) conf=plain ;;
	stock-out) conf=plain-out ;;
	mbox-stock) conf=mbox-plain ;;
	esac
	if [[ $name != "$conf" ]]; then
		bin=$WORK/bin/maddy-stock confdir=$WORK/stock-conf cfgfile=$conf
	fi
	case $conf in
	mbox-plain) cfgfile=mailbox-plain load=(-ack Yes -rcpt "$RCPT") per=0 precreate=1 ;;
	mbox-mms) cfgfile=mailbox-mms load=(-ack Yes -rcpt "$RCPT") precreate=1 ;;
	plain) load=(-ack Yes -rcpt "$RCPT") ;;
	mms) load=(-ack Yes -rcpt "$RCPT") per=2 ;;
	mms-noack) cfgfile=mms load=(-ack No -rcpt "$RCPT") ;;
	plain-out | mms-out)
		load=(-mode mail -user "$OUT_USER" -password "$OUT_PASSWORD" -from "$OUT_FROM" -rcpt "$OUT_RCPT")
		;;
	*)
		echo "run_one: unknown configuration $conf" >&2
		return 1
		;;
	esac
	local port sink_port out rc=0 rate line t0 drain left=? received expect i reqs=
	mkdir -p "$dir/state"

	# Start the sink, then the server, each on a free port; a start that
	# fails because the port was taken meanwhile is retried on another one.
	local try started=
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
	if [[ -n $precreate ]]; then
		started=
		for ((try = 1; try <= 5; try++)); do
			port=$(free_port "$sink_port")
			BENCH_STATE_DIR=$dir/state BENCH_PORT=$port BENCH_SINK_PORT=$sink_port \
				"$WORK/bin/maddy-mms" -config "$BENCH/mailbox-mms.conf" run >"$dir/precreate.log" 2>&1 &
			server_pid=$!
			if wait_port "$port" "$server_pid" "maddy-mms (mailbox-mms.conf, account creation)"; then started=1; break; fi
			stop "$server_pid"; server_pid=
			grep -q 'address already in use' "$dir/precreate.log" || break
			rm -rf "$dir/state" && mkdir -p "$dir/state"
		done
		if [[ -n $started ]] && ! "$WORK/bin/mm4load" -addr "127.0.0.1:$port" -n 1 -c 1 -warmup 0 -ack No \
			-rcpt "$RCPT" >/dev/null 2>"$dir/precreate.err"; then
			started=
			sed 's/^/    mm4load: /' "$dir/precreate.err"
		fi
		stop "$server_pid"; server_pid=
		if [[ -z $started ]] || ! grep -q 'auto-creating storage account' "$dir/precreate.log"; then
			log "  !! $conf: creating the mailbox through mailbox-mms.conf failed:"
			sed 's/^/    server: /' "$dir/precreate.log" | tail -n 20
			failed=1
			stop "$sink_pid"; sink_pid=
			return 0
		fi
	fi
	started=
	for ((try = 1; try <= 5; try++)); do
		port=$(free_port "$sink_port")
		BENCH_STATE_DIR=$dir/state BENCH_PORT=$port BENCH_SINK_PORT=$sink_port \
			"$bin" -config "$confdir/$cfgfile.conf" run >"$dir/server.log" 2>&1 &
		server_pid=$!
		if wait_port "$port" "$server_pid" "$(basename "$bin") ($cfgfile.conf)"; then started=1; break; fi
		stop "$server_pid"; server_pid=
		grep -q 'address already in use' "$dir/server.log" || break
		log "  (server port $port taken, retrying)"
		# Fresh state, except for the account mbox-plain has just created.
		[[ -n $precreate ]] || { rm -rf "$dir/state" && mkdir -p "$dir/state"; }
	done
	if [[ -z $started ]]; then
		sed 's/^/    server: /' "$dir/server.log" | tail -n 20
		failed=1
		stop "$sink_pid"; sink_pid=
		return 0
	fi

	out=$("$WORK/bin/mm4load" -addr "127.0.0.1:$port" -n "$n" -c "$CONC" -size "$size" \
		-warmup "$WARMUP" "${load[@]}" 2>"$dir/mm4load.err") || rc=$?
	line=$(grep '^msgs=' <<<"$out" || true)

	# Let the queue drain (at most 120 s), so that the next run starts on
	# an idle machine and the sink's count can be checked.
	t0=$(now)
	for ((i = 0; i < 1200; i++)); do
		left=$(queued "$dir/state/out")
		[[ $left -gt 0 ]] || break
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	drain=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')

	if ! kill -0 "$server_pid" 2>/dev/null; then
		log "  !! $(basename "$bin") ($cfgfile.conf) died during the run"
		failed=1
	fi
	stop "$server_pid"; server_pid=
	stop "$sink_pid"; sink_pid=

	received=$(sed -n 's/.*received \([0-9]*\) messages.*/\1/p' "$dir/sink.log" | tail -n 1)
	received=${received:-?}
	expect=$((per * (n + WARMUP)))
	# maddy-mms outbound: every mail must have become a REQ (one log line
	# each); otherwise the sink could be counting something else.
	if [[ $conf == mms-out ]]; then
		reqs=$(grep -c 'MM4_forward.REQ queued' "$dir/server.log" || true)
	fi

	log "  $(printf '%-10s %-5s round %d:' "$name" "$(label "$size")" "$round") ${line:-no result} | queue drained ${drain}s after, ${left} left | sink got $received (expected $expect)${reqs:+ | $reqs REQs queued}"
	if [[ $rc -ne 0 || -z $line ]]; then
		failed=1
		log "  !! mm4load failed (exit $rc):"
		sed 's/^/    mm4load: /' "$dir/mm4load.err"
	fi
	if [[ $received != "$expect" ]]; then
		failed=1
		log "  !! the sink did not get every message"
	fi
	if [[ -n $reqs && $reqs != $((n + WARMUP)) ]]; then
		failed=1
		log "  !! maddy-mms queued $reqs REQs, expected $((n + WARMUP))"
	fi
	if [[ $rc -ne 0 || $received != "$expect" || ( -n $reqs && $reqs != $((n + WARMUP)) ) ]] || grep -qiE 'panic|fatal' "$dir/server.log"; then
		log "  server log ($dir/server.log), errors and last lines:"
		{ grep -iE 'error|panic|fatal|fail' "$dir/server.log" | head -n 20; tail -n 10 "$dir/server.log"; } | sed 's/^/    server: /'
	fi

	rate=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<<"$line")
	if [[ -n $rate && $rc -eq 0 ]]; then
		local key="$size $name"
		if [[ -z ${best[$key]:-} ]] || awk -v a="$rate" -v b="${best[$key]}" 'BEGIN { exit !(a > b) }'; then
			best[$key]=$rate
		fi
	fi
	[[ -n ${BENCH_KEEP:-} ]] || rm -rf "$dir/state"
}

n_for() { # timed messages for a size (mbox_n_for: in the mailbox part)
	case $1 in
	1400) echo "$N_SMALL" ;;
	300000) echo "$N_LARGE" ;;
	*) echo "$N_HUGE" ;;
	esac
}

mbox_n_for() {
	case $1 in
	1400) echo "$N_MBOX_SMALL" ;;
	*) echo "$N_MBOX_LARGE" ;;
	esac
}

label() {
	case $1 in
	1400) echo "1.4 KB" ;;
	300000) echo "300 KB" ;;
	1500000) echo "1.5 MB" ;;
	*) echo "$1 B" ;;
	esac
}

ratio_of() {
	if [[ -n $1 && -n $2 ]]; then awk -v m="$1" -v p="$2" 'BEGIN { printf "%.2f", m / p }'; else echo n/a; fi
}
# stock_cell ON MMS KEY: stock maddy's rate for KEY and maddy-mms' ratio to
# it ("" when the stock column is off).
stock_cell() {
	[[ -n $1 ]] || return 0
	echo "${best["$3"]:-n/a} ($(ratio_of "$2" "${best["$3"]:-}"))"
}
met() { awk -v r="$1" -v t="${2:-$TARGET}" 'BEGIN { print (r != "n/a" && r >= t) ? "met" : "NOT met" }'; }

log "each run: fresh state, $WARMUP warm-up messages, then N timed; $CONC senders; configurations interleaved"
STOCK_IN= STOCK_OUT= STOCK_MBOX=
if [[ $STOCK == 1 ]]; then
	STOCK_IN=stock STOCK_OUT=stock-out STOCK_MBOX=mbox-stock
	log "stock, stock-out, mbox-stock: the plain configurations run by stock maddy v0.8.2 (no conn_reuse_limit)"
fi

if [[ -z $ONLY || $ONLY == inbound ]]; then
	log
	log "== inbound MM4 (peer MMSC → smtp endpoint → queue → sink)"
	log "plain: plain.conf relays each REQ once through the queue"
	log "mms: mms.conf, X-Mms-Ack-Request: Yes: the converted MM and its MM4_forward.RES are queued (2 queued messages per MM)"
	log "mms-noack: mms.conf, X-Mms-Ack-Request: No: the converted MM only (same queued messages as plain)"
	for size in $SIZES; do
		n=$(n_for "$size")
		log "$(label "$size") MM, n=$n:"
		for ((round = 1; round <= ROUNDS; round++)); do
			for conf in plain mms mms-noack $STOCK_IN; do
				run_one "$conf" "$size" "$n" "$round"
			done
		done
	done
fi

if [[ -z $ONLY || $ONLY == outbound ]]; then
	log
	log "== outbound (subscriber mail on submission, AUTH PLAIN → queue → sink)"
	log "plain-out: plain-out.conf relays each mail once through the queue, unchanged"
	log "mms-out: mms-out.conf checks the sender, routes the number, converts the mail to an MM4_forward.REQ (ack requested, recorded in the request store) and queues the REQ (1 queued message per mail)"
	for size in $SIZES; do
		n=$(n_for "$size")
		log "$(label "$size") mail, n=$n:"
		for ((round = 1; round <= ROUNDS; round++)); do
			for conf in plain-out mms-out $STOCK_OUT; do
				run_one "$conf" "$size" "$n" "$round"
			done
		done
	done
fi

if [[ -z $ONLY || $ONLY == mailbox ]]; then
	log
	log "== mailbox path (peer MMSC → smtp endpoint → storage.imapsql, SQLite, one mailbox; fresh storage per run)"
	log "mbox-plain: mailbox-plain.conf stores each REQ unchanged (replace_rcpt to alice@sink.example)"
	log "mbox-mms: mailbox-mms.conf, X-Mms-Ack-Request: Yes: check.mm4, mms_rcpt, mms_deliver converts and stores the MM (auto_create) and queues its MM4_forward.RES to the sink"
	for size in $MBOX_SIZES; do
		n=$(mbox_n_for "$size")
		log "$(label "$size") MM, n=$n, the mailbox ending each run with about $((n + WARMUP)):"
		for ((round = 1; round <= ROUNDS; round++)); do
			for conf in mbox-plain mbox-mms $STOCK_MBOX; do
				run_one "$conf" "$size" "$n" "$round"
			done
		done
	done
fi

if [[ -z $ONLY || $ONLY == inbound ]]; then
	echo
	echo "Inbound MM4 throughput, accepted messages/s (best of $ROUNDS runs; $CONC senders)"
	echo "  with RES: X-Mms-Ack-Request: Yes, every MM also queues and sends an MM4_forward.RES (plain relays once)"
	echo "  no RES:   X-Mms-Ack-Request: No, the same queued messages as plain"
	printf '%-8s %12s %16s %8s %16s %8s  %-38s %s\n' size "plain" "mms with RES" ratio "mms no RES" ratio "target >= $TARGET" \
		"${STOCK_IN:+stock v0.8.2 (with RES/stock)}"
	for size in $SIZES; do
		p=${best["$size plain"]:-}
		m=${best["$size mms"]:-}
		q=${best["$size mms-noack"]:-}
		r1=$(ratio_of "$m" "$p")
		r2=$(ratio_of "$q" "$p")
		verdict="with RES $(met "$r1"), no RES $(met "$r2")"
		st=$(stock_cell "$STOCK_IN" "$m" "$size stock")
		printf '%-8s %12s %16s %8s %16s %8s  %-38s %s\n' "$(label "$size")" "${p:-n/a}" "${m:-n/a}" "$r1" "${q:-n/a}" "$r2" "$verdict" "$st"
	done
fi

if [[ -z $ONLY || $ONLY == outbound ]]; then
	echo
	echo "Outbound throughput, mail in on submission → MM4_forward.REQ out at the sink, accepted messages/s (best of $ROUNDS runs; $CONC senders)"
	echo "  plain: the same mails relayed unchanged through the same queue; both queue one message per mail"
	printf '%-8s %12s %12s %8s  %-16s %s\n' size "plain" "mms" ratio "target >= $TARGET_OUT" "${STOCK_OUT:+stock v0.8.2 (mms/stock)}"
	for size in $SIZES; do
		p=${best["$size plain-out"]:-}
		m=${best["$size mms-out"]:-}
		r=$(ratio_of "$m" "$p")
		st=$(stock_cell "$STOCK_OUT" "$m" "$size stock-out")
		printf '%-8s %12s %12s %8s  %-16s %s\n' "$(label "$size")" "${p:-n/a}" "${m:-n/a}" "$r" "$(met "$r" "$TARGET_OUT")" "$st"
	done
fi

if [[ -z $ONLY || $ONLY == mailbox ]]; then
	echo
	echo "Mailbox path: MM4_forward.REQ into storage.imapsql (SQLite, one mailbox), accepted messages/s (best of $ROUNDS runs; $CONC senders)"
	echo "  plain: stored unchanged; mms: X-Mms-Ack-Request: Yes, converted, stored, and its MM4_forward.RES queued to the sink"
	printf '%-8s %20s %16s %8s  %-16s %s\n' size "plain into imapsql" "mms (with RES)" ratio "target >= $TARGET_MBOX" \
		"${STOCK_MBOX:+stock v0.8.2 (mms/stock)}"
	for size in $MBOX_SIZES; do
		p=${best["$size mbox-plain"]:-}
		m=${best["$size mbox-mms"]:-}
		r=$(ratio_of "$m" "$p")
		st=$(stock_cell "$STOCK_MBOX" "$m" "$size mbox-stock")
		printf '%-8s %20s %16s %8s  %-16s %s\n' "$(label "$size")" "${p:-n/a}" "${m:-n/a}" "$r" "$(met "$r" "$TARGET_MBOX")" "$st"
	done
fi

if [[ $failed -ne 0 ]]; then
	echo "Some runs had problems (see above); runs where mm4load failed are not in the tables."
	exit 1
fi
