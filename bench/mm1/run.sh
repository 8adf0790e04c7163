#!/usr/bin/env bash
# maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
# Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).
#
# Throughput of the MM1 codec (mmsmap/mm1): BenchmarkDecodeCorpus and
# BenchmarkEncodeCorpus, each operation decoding (encoding) every PDU of the
# corpus in ../shared/corpus/mm1-pdus once. Prints go test's output, then per
# benchmark the median of the runs: MB/s, ns/op, B/op, allocs/op.
#
#   ./bench/mm1/run.sh
#
# Environment (optional):
#   BENCH_COUNT      runs of each benchmark (default 3)
#   BENCH_BENCHTIME  go test -benchtime (default: Go's, 1s)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
count=${BENCH_COUNT:-3}
args=(-run '^$' -bench 'Corpus' -benchmem -count "$count")
[ -n "${BENCH_BENCHTIME:-}" ] && args+=(-benchtime "$BENCH_BENCHTIME")

out=$(go test "${args[@]}" ./mmsmap/mm1)
echo "$out"
echo
# Lines: BenchmarkX-N  iters  ns ns/op  MB MB/s  B B/op  allocs allocs/op
echo "$out" | awk '
/^Benchmark/ {
    name = $1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
    for (i = 3; i < NF; i++) {
        if ($(i+1) == "ns/op") ns[name] = ns[name] " " $i
        if ($(i+1) == "MB/s") mbs[name] = mbs[name] " " $i
        if ($(i+1) == "B/op") bop[name] = bop[name] " " $i
        if ($(i+1) == "allocs/op") aop[name] = aop[name] " " $i
    }
    if (!(name in seen)) { seen[name] = 1; order[++n] = name }
}
function median(s,    a, k, i, j, t) {
    k = split(s, a, " ")
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return a[int((k + 1) / 2)]
}
END {
    if (n == 0) { print "no benchmark results" > "/dev/stderr"; exit 1 }
    printf "%-14s %10s %12s %12s %10s\n", "MM1 codec", "MB/s", "ns/op", "B/op", "allocs/op"
    for (i = 1; i <= n; i++) {
        m = order[i]
        printf "%-14s %10s %12s %12s %10s\n", m, median(mbs[m]), median(ns[m]), median(bop[m]), median(aop[m])
    }
    print "(median of the runs; one op = every corpus PDU once)"
}'
