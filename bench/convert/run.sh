#!/usr/bin/env bash
# maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
# Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).
#
# The cost of converting MMs to Internet mail and back (RFC 4356), at 1.4 KB,
# 300 KB, 1.5 MB and 5 MB, against two copies of the same octets: io.Copy
# and a line-by-line copy. See bench/README.md.
#
#   ./bench/convert/run.sh
#
# It runs the benchmarks of bench/convert COUNT times each, takes the fastest
# run of each (the least disturbed by whatever else the machine does), and
# prints a table: CPU time (the process's user and system time, which other
# load on the machine inflates far less than the time on the clock) in
# milliseconds per MB (10^6 octets) and in microseconds per message, the
# time on the clock per MB, and the ratios of CPU ms/MB to io.Copy's and to
# the line copy's for the same size. Then TestPeakMemory, which asserts the
# memory target.
# Nothing fails on timing; the script exits non-zero when a benchmark or the
# memory test fails.
#
# Environment (all optional):
#   COUNT       runs per benchmark (default 5)
#   BENCHTIME   go test -benchtime (default 1s)
#   BENCH       go test -bench pattern (default .)
set -euo pipefail
cd "$(dirname "$0")/../.."

COUNT=${COUNT:-5}
BENCHTIME=${BENCHTIME:-1s}
BENCH=${BENCH:-.}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

go test -run '^$' -bench "$BENCH" -benchmem -count "$COUNT" -benchtime "$BENCHTIME" ./bench/convert >"$out" || {
	cat "$out"
	exit 1
}
grep -E '^(goos|goarch|cpu):' "$out" || true
echo

# A benchmark line: name, iterations, then value-unit pairs (ns/op, MB/s,
# cpu-ns/op, B/op, allocs/op).
awk '
/^Benchmark/ {
	name = $1
	sub(/^Benchmark/, "", name)
	sub(/-[0-9]+$/, "", name)
	split(name, part, "/")
	key = part[1] SUBSEP part[2]
	for (i = 3; i < NF; i += 2) v[$(i + 1)] = $i
	octets = v["MB/s"] * v["ns/op"] / 1000
	if (!(key in cpu) || v["cpu-ns/op"] < cpu[key]) {
		cpu[key] = v["cpu-ns/op"]; size[key] = octets; bop[key] = v["B/op"]; aop[key] = v["allocs/op"]
	}
	if (!(key in wall) || v["ns/op"] < wall[key]) wall[key] = v["ns/op"]
	if (!(part[1] in seenb)) { seenb[part[1]] = 1; benches[++nb] = part[1] }
	if (!(part[2] in seens)) { seens[part[2]] = 1; sizes[++nsz] = part[2] }
}
END {
	printf "%-15s %-5s %9s %9s %10s %8s %7s %8s %7s\n", "benchmark", "size", "CPU ms/MB", "wall ms/MB", "CPU µs/msg", "×io.Copy", "×lines", "B/op", "allocs"
	for (i = 1; i <= nb; i++) {
		b = benches[i]
		for (j = 1; j <= nsz; j++) {
			s = sizes[j]
			key = b SUBSEP s
			if (!(key in cpu)) continue
			per = cpu[key] / size[key] # ns per octet: ms per 10^6 octets
			rc = "-"; rl = "-"
			kc = "IOCopy" SUBSEP s; kl = "LineCopy" SUBSEP s
			if (kc in cpu) rc = sprintf("%.1f", per / (cpu[kc] / size[kc]))
			if (kl in cpu) rl = sprintf("%.1f", per / (cpu[kl] / size[kl]))
			printf "%-15s %-5s %9.3f %9.3f %10.1f %8s %7s %8d %7d\n", b, s, per, wall[key] / size[key], cpu[key] / 1000, rc, rl, bop[key], aop[key]
		}
	}
	print ""
	print "CPU: the process'"'"'s user and system time per run (GC included), the fastest of the runs;"
	print "wall: the time on the clock, the fastest run. Ratios are of CPU ms/MB, size for size."
	print "Target (b): a conversion within 1.5× io.Copy per MB (×io.Copy ≤ 1.5); not asserted."
}' "$out"

echo
echo "Target (a): peak memory of a 5 MB conversion within 2× a 1.4 KB one (asserted by TestPeakMemory):"
if ! go test -count=1 -run '^TestPeakMemory$' -v ./bench/convert >"$out" 2>&1; then
	cat "$out"
	exit 1
fi
grep -E 'allocated' "$out" | sed 's/^ *convert_test.go:[0-9]*: /  /'
