#!/usr/bin/env bash
# maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
# Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).
#
# Does delivery keep up as mailboxes grow? MM4_forward.REQs (1.4 KB) from a
# peer MMSC into storage.imapsql (mailbox.conf), throughput per 1,000
# messages, (a) all into ONE mailbox and (b) spread over 1,000 subscribers'
# mailboxes, on SQLite and on PostgreSQL, for maddy-mms as built (go-imap-sql
# with docs/patches/go-imap-sql-0001-delivery-mailbox-lookup.patch) and, in
# the same sitting, for a build with go-imap-sql as upstream serves it (the
# go.mod replace line removed, via -modfile). See bench/README.md.
#
#   ./bench/mailbox/run.sh
#
# Environment (all optional):
#   BENCH_N       timed messages per run (default 20000)
#   BENCH_ROUND   messages per reported round (default 1000)
#   BENCH_RCPTS   subscribers for the spread case (default 1000)
#   BENCH_C       parallel SMTP connections (default 4)
#   BENCH_DBS     which storages: "sqlite postgres" (default both; postgres
#                 needs Debian's postgresql package, /usr/lib/postgresql/*/bin)
#   BENCH_CASES   "one spread" (default both)
#   BENCH_BUILDS  "unpatched patched" (default both, run alternately)
#   BENCH_KEEP    if set, keep the work directory (binaries, state, logs)
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/bench/mailbox
N=${BENCH_N:-20000}
ROUND=${BENCH_ROUND:-1000}
RCPTS=${BENCH_RCPTS:-1000}
CONC=${BENCH_C:-4}
DBS=${BENCH_DBS:-sqlite postgres}
CASES=${BENCH_CASES:-one spread}
BUILDS=${BENCH_BUILDS:-unpatched patched}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/maddy-mms-mailbox-bench.XXXXXX")
chmod 755 "$WORK"
server_pid=
pg_data=
pg_run=()

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop "$server_pid"
	if [[ -n $pg_data ]]; then
		"${pg_run[@]}" "$PG_BIN/pg_ctl" stop -s -m fast -w -t 30 -D "$pg_data" >/dev/null 2>&1 || true
	fi
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

echo "building into $WORK/bin"
mkdir -p "$WORK/bin" "$WORK/unpatched"
# The unpatched build: the same tree with go.mod's go-imap-sql replace line
# removed (go.sum keeps the upstream module's hash).
grep -v '^replace github.com/foxcpp/go-imap-sql ' "$ROOT/go.mod" >"$WORK/unpatched/go.mod"
cp "$ROOT/go.sum" "$WORK/unpatched/go.sum"
(
	cd "$ROOT"
	go build -o "$WORK/bin/maddy-mms-patched" ./cmd/maddy-mms
	go build -modfile="$WORK/unpatched/go.mod" -o "$WORK/bin/maddy-mms-unpatched" ./cmd/maddy-mms
	go build -o "$WORK/bin/mboxload" ./bench/mailbox/mboxload
)
for b in patched unpatched; do
	printf '%-9s %s\n' "$b" "$(go version -m "$WORK/bin/maddy-mms-$b" |
		awk '$2 == "github.com/foxcpp/go-imap-sql" { printf "%s %s", $2, $3; getline; if ($1 == "=>") printf " => %s", $2 }')"
done

# The subscribers table: RCPTS numbers, each with its own mailbox.
for ((i = 0; i < RCPTS; i++)); do
	printf '+%d: s%04d@example.net\n' $((15550010000 + i)) "$i"
done >"$WORK/subscribers"

if [[ " $DBS " == *" postgres "* ]]; then
	PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[[ -n $PG_BIN ]] || { echo "no PostgreSQL in /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2; exit 1; }
	# As internal/pgtest: a private cluster on loopback, trust auth, fsync
	# off; as root it runs as the postgres user.
	if [[ $(id -u) == 0 ]]; then
		pg_run=(runuser -u postgres --)
		mkdir -p "$WORK/pg" && chown postgres "$WORK/pg"
	else
		pg_run=(env)
		mkdir -p "$WORK/pg"
	fi
	"${pg_run[@]}" "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$WORK/initdb.log" 2>&1
	PG_PORT=$(free_port)
	pg_data=$WORK/pg/data
	"${pg_run[@]}" "$PG_BIN/pg_ctl" start -s -w -t 60 -D "$pg_data" -l "$WORK/pg/postgres.log" \
		-o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
	echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{ print $3 }') on 127.0.0.1:$PG_PORT (fsync off)"
fi

summary=()
failed=0
runs=0

# run_one DB CASE BUILD
run_one() {
	local db=$1 case=$2 build=$3 rc=0
	local dir=$WORK/run-$db-$case-$build rcpts=1 port driver dsn
	[[ $case == spread ]] && rcpts=$RCPTS
	mkdir -p "$dir/state"
	runs=$((runs + 1))
	case $db in
	sqlite)
		driver=sqlite3 dsn=$dir/state/imapsql.db
		;;
	postgres)
		local dbname=mbox$runs
		"${pg_run[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$dbname"
		driver=postgres dsn="postgres://postgres@127.0.0.1:$PG_PORT/$dbname?sslmode=disable"
		;;
	esac
	port=$(free_port)
	BENCH_STATE_DIR=$dir/state BENCH_PORT=$port BENCH_SUBSCRIBERS=$WORK/subscribers \
		BENCH_DRIVER=$driver BENCH_DSN=$dsn \
		"$WORK/bin/maddy-mms-$build" -config "$HERE/mailbox.conf" run >"$dir/server.log" 2>&1 &
	server_pid=$!
	if ! wait_port "$port" "$server_pid"; then
		echo "$db $case $build: maddy-mms did not start:"
		tail -n 5 "$dir/server.log" | sed 's/^/    /'
		stop "$server_pid"; server_pid=
		failed=1
		return 0
	fi
	echo "== $db, $case mailbox$([[ $rcpts -gt 1 ]] && echo "es ($rcpts subscribers)"), $build go-imap-sql, load $(cut -d' ' -f1-3 /proc/loadavg)"
	"$WORK/bin/mboxload" -addr "127.0.0.1:$port" -n "$N" -round "$ROUND" -rcpts "$rcpts" -c "$CONC" \
		>"$dir/load.out" 2>"$dir/load.err" || rc=$?
	stop "$server_pid"; server_pid=
	awk '/^round/ { printf "  %s", $8; if (++k % 10 == 0) printf "\n" } END { if (k % 10) printf "\n" }' "$dir/load.out"
	local last
	last=$(grep '^first' "$dir/load.out" || true)
	echo "  $last"
	if [[ $rc != 0 ]]; then
		sed 's/^/  /' "$dir/load.err" | head -n 5
		failed=1
	fi
	summary+=("$(printf '%-8s %-6s %-9s %s' "$db" "$case" "$build" "$last")")
}

for db in $DBS; do
	for case in $CASES; do
		for build in $BUILDS; do
			run_one "$db" "$case" "$build"
		done
	done
done

echo
echo "msg/s per $ROUND messages: first and last round, last/first; first3/last3 the same over three rounds; N=$N, $CONC connections"
printf '%s\n' "${summary[@]}"
exit $failed
