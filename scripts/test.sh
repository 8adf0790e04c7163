#!/usr/bin/env bash
# The whole maddy-mms test suite, as CI runs it (.ci/run) and as README.md
# tells users to: installs what the tests need on a fresh Debian machine
# with Go, then vets and runs every test (unit, fuzz seed corpora, and the
# end-to-end tests that build and start the real maddy-mms binary on
# loopback).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v python3 >/dev/null || need+=(python3)   # second MIME parser in e2e tests
command -v gcc >/dev/null || need+=(gcc libc6-dev)  # cgo (SQLite) build
command -v swaks >/dev/null || need+=(swaks)        # README walk-through, run by e2e tests
command -v curl >/dev/null || need+=(curl)          # ditto (IMAP read)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)  # real PostgreSQL for the request store
command -v runuser >/dev/null || need+=(util-linux) # tests start PostgreSQL as the postgres user
if [ ${#need[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
    # The tests start their own PostgreSQL clusters on loopback ports; the
    # packaged service is not needed.
fi

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
    echo "gofmt would change: $unformatted" >&2
    exit 1
fi
go vet ./...
# The CGO_ENABLED=0 build must keep working too (pure-Go SQLite).
CGO_ENABLED=0 go build -o /dev/null ./cmd/maddy-mms
go test -count=1 -timeout 30m ./...
