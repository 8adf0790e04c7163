#!/usr/bin/env bash
# The whole maddy-mms test suite, as CI runs it (.ci/run) and as README.md
# tells users to: installs what the tests need on a fresh Debian machine
# with Go, then vets and runs every test (unit, fuzz seed corpora, and the
# end-to-end tests that build and start the real maddy-mms binary on
# loopback), then fuzzes briefly: every fuzz target (func FuzzXxx in a
# _test.go file of a package of this module, found by name, so a new one is
# picked up without editing this script) runs $FUZZEXECS more inputs (default
# 10000x, -parallel 2) beyond its seed corpus. The budget is a count, not a
# duration: Go 1.26's fuzz coordinator can fail a duration-bounded run with
# "context deadline exceeded" at its end without any failing input
# (go.dev/issue/75804, fixed in Go 1.27). A fuzzer that finds a failing input
# fails the script; Go writes that input to testdata/fuzz/FuzzXxx/ of the
# package (commit it as a regression seed once fixed); the inputs that only
# widen coverage stay in Go's cache (GOCACHE), not in the tree.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v python3 >/dev/null || need+=(python3)   # second MIME parser in e2e tests
command -v gcc >/dev/null || need+=(gcc libc6-dev)  # cgo (SQLite) build
command -v swaks >/dev/null || need+=(swaks)        # README walk-through, run by e2e tests
command -v curl >/dev/null || need+=(curl)          # ditto (IMAP read)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)  # real PostgreSQL for the request store
command -v runuser >/dev/null || need+=(util-linux) # tests start PostgreSQL as the postgres user
command -v tshark >/dev/null || need+=(tshark)      # MM1 PDUs checked by Wireshark's MMSE dissector
if [ ${#need[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    # tshark's wireshark-common asks whether non-root users may capture: answer no, unasked.
    if command -v debconf-set-selections >/dev/null; then
        echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
    fi
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
# The patched packages of maddy, go-smtp and go-imap-sql (third_party/, docs/patches/).
go test -count=1 github.com/foxcpp/maddy/internal/endpoint/smtp \
    github.com/foxcpp/maddy/internal/target/queue github.com/foxcpp/maddy/internal/target/smtp github.com/emersion/go-smtp \
    github.com/foxcpp/go-imap-sql

# Bounded fuzzing (about a dozen targets × (FUZZEXECS + build and baseline)).
fuzztime=${FUZZEXECS:-10000x}
fuzz_failed=()
while IFS=$'\t' read -r pkg dir; do
    targets=$(grep -ho '^func Fuzz[A-Za-z0-9_]*(' "$dir"/*_test.go 2>/dev/null | sed 's/^func //; s/($//' | sort -u || true)
    for fn in $targets; do
        echo "fuzz: $pkg $fn for $fuzztime"
        if ! go test -run '^$' -fuzz "^$fn\$" -fuzztime "$fuzztime" -parallel 2 "$pkg"; then
            fuzz_failed+=("$pkg $fn")
        fi
    done
done < <(go list -f '{{.ImportPath}}{{"\t"}}{{.Dir}}' ./...)
if [ ${#fuzz_failed[@]} -gt 0 ]; then
    printf 'fuzzing failed: %s\n' "${fuzz_failed[@]}" >&2
    exit 1
fi
