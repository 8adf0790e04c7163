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
# prints a table: milliseconds per MB (10^6 octets) and microseconds per
# message, and ratios of ms/MB to io.Copy's and to the line copy's for the
# same size. Then TestPeakMemory, which asserts the memory target.
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

# Benchmark lines: name, iterations, ns/op, "ns/op", MB/s, "MB/s", B/op, "B/op", allocs, "allocs/op".
awk '
/^Benchmark/ && $6 == "MB/s" {
	name = $1
	sub(/^Benchmark/, "", name)
	sub(/-[0-9]+$/, "", name)
	split(name, part, "/")
	key = part[1] SUBSEP part[2]
	if (!(key in ns) || $3 < ns[key]) {
		ns[key] = $3; mbs[key] = $5; bop[key] = $7; aop[key] = $9
	}
	if (!(part[1] in seenb)) { seenb[part[1]] = 1; benches[++nb] = part[1] }
	if (!(part[2] in seens)) { seens[part[2]] = 1; sizes[++ns_] = part[2] }
}
END {
	printf "%-16s %-6s %10s %11s %9s %9s %9s %7s\n", "benchmark", "size", "ms/MB", "µs/message", "×io.Copy", "×lines", "B/op", "allocs"
	for (i = 1; i <= nb; i++) {
		b = benches[i]
		for (j = 1; j <= ns_; j++) {
			s = sizes[j]
			key = b SUBSEP s
			if (!(key in ns)) continue
			msmb = 1000 / mbs[key]
			rc = "-"; rl = "-"
			if ((("IOCopy" SUBSEP s) in mbs)) rc = sprintf("%.1f", msmb / (1000 / mbs["IOCopy" SUBSEP s]))
			if ((("LineCopy" SUBSEP s) in mbs)) rl = sprintf("%.1f", msmb / (1000 / mbs["LineCopy" SUBSEP s]))
			printf "%-16s %-6s %10.3f %11.1f %9s %9s %9d %7d\n", b, s, msmb, ns[key] / 1000, rc, rl, bop[key], aop[key]
		}
	}
	print ""
	print "Target (b): a conversion within 1.5× io.Copy per MB (×io.Copy ≤ 1.5); not asserted."
}' "$out"

echo
echo "Target (a): peak memory of a 5 MB conversion within 2× a 1.4 KB one (asserted by TestPeakMemory):"
if ! go test -count=1 -run '^TestPeakMemory$' -v ./bench/convert >"$out" 2>&1; then
	cat "$out"
	exit 1
fi
grep -E 'allocated' "$out" | sed 's/^ *convert_test.go:[0-9]*: /  /'
