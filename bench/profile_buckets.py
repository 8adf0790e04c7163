#!/usr/bin/env python3
# maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
# Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).
"""Puts perf samples of the maddy-mms process into buckets, per configuration.

    profile_buckets.py NAME=MS_PER_MSG:STACKS ...

STACKS is `perf script -F ip,sym` output (one stack per blank-line-separated
block, leaf first). A sample goes to the first bucket below with a pattern
anywhere on its stack, so nested work is charged to the most specific one
(the queue write a conversion makes is the queue's). Each bucket's share of
the samples times MS_PER_MSG (the server's measured CPU per message) gives
milliseconds per message; the table prints one column per configuration.
"""
import collections
import sys

BUCKETS = [
    ("RES/report/REQ written to the queue by maddy-mms", ["module.outgoing.prepare", "module.outgoing.send"]),
    ("queue: message written", ["queue.(*Queue).storeNewMessage"]),
    ("queue: files removed after delivery", ["queue.(*Queue).removeFromDisk"]),
    ("queue: meta-data rewritten", ["queue.(*Queue).updateMetadataOnDisk"]),
    ("queue: delivery over SMTP (target.smtp)", ["queue.(*Queue).tryDelivery", "queue.(*Queue).dispatch", "target/smtp."]),
    ("mailbox storage (storage.imapsql)", ["go-imap-sql", "storage/imapsql"]),
    ("maddy-mms state store", ["maddy-mms/internal/state"]),
    ("maddy-mms: parsing, checks, conversion", ["maddy-mms/"]),
    ("smtp endpoint: body buffer", ["autoBufferMode"]),
    ("auth (submission)", ["/auth", "bcrypt", "pass_table"]),
    ("logging", ["framework/log."]),
    ("Go GC", ["runtime.gcBgMarkWorker", "runtime.gcAssist", "runtime.bgsweep", "runtime.bgscavenge", "runtime.gcDrain"]),
    # SQLite runs in C (mattn/go-sqlite3): its stacks do not reach the Go
    # caller, so storage.imapsql's and the state store's share is here.
    ("SQLite, C (storage.imapsql, state store)", [
        "sqlite3", "pager", "btree", "Btree", "pcache", "Vdbe", "walIndex", "walFrames", "walChecksum",
        "walWrite", "unixLock", "unixWrite", "unixSync", "unixRead", "__libc_pwrite", "__libc_pread",
        "__fcntl64", "fdatasync", "_int_malloc", "__libc_malloc", "_int_free", "cfree",
    ]),
    ("SMTP session (go-smtp, smtp endpoint)", ["go-smtp.(*Conn)", "go-smtp.(*Server)", "endpoint/smtp.", "msgpipeline."]),
]
OTHER = "other (scheduler, runtime, kernel)"


def buckets(path):
    count = collections.Counter()
    total = 0
    stack = []

    def flush():
        nonlocal total
        if not stack:
            return
        total += 1
        text = "\n".join(stack)
        for name, patterns in BUCKETS:
            if any(p in text for p in patterns):
                count[name] += 1
                return
        count[OTHER] += 1

    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line:
                stack.append(line)
            else:
                flush()
                stack = []
    flush()
    return count, total


def main():
    cols = []
    for arg in sys.argv[1:]:
        name, rest = arg.split("=", 1)
        ms, path = rest.split(":", 1)
        count, total = buckets(path)
        cols.append((name, float(ms), count, max(total, 1)))
    names = [b for b, _ in BUCKETS] + [OTHER]
    width = max(len(n) for n in names) + 2
    print("".ljust(width) + "".join(f"{c[0]:>12}" for c in cols))
    for b in names:
        row = [c[1] * c[2][b] / c[3] for c in cols]
        if all(v < 0.005 for v in row):
            continue
        print(b.ljust(width) + "".join(f"{v:12.2f}" for v in row))
    print("total (ms of server CPU per message)".ljust(width) + "".join(f"{c[1]:12.2f}" for c in cols))
    print("samples".ljust(width) + "".join(f"{c[3]:12d}" for c in cols))


if __name__ == "__main__":
    main()
