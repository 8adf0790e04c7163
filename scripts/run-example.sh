#!/usr/bin/env bash
# Builds maddy-mms and runs it with maddy.conf.example for a one-machine
# trial. Every listener is on 127.0.0.1; override any port or the state
# directory through the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
export MMS_STATE_DIR="${MMS_STATE_DIR:-$PWD/state}"
export MMS_MM4_PORT="${MMS_MM4_PORT:-2525}"
export MMS_SUBMISSION_PORT="${MMS_SUBMISSION_PORT:-2587}"
export MMS_IMAP_PORT="${MMS_IMAP_PORT:-2143}"
export MMS_PEER_PORT="${MMS_PEER_PORT:-2526}"
export MMS_MM1_PORT="${MMS_MM1_PORT:-8080}"
export MMS_METRICS_PORT="${MMS_METRICS_PORT:-9749}"
go build -o maddy-mms ./cmd/maddy-mms
echo "maddy-mms: MM4 on 127.0.0.1:$MMS_MM4_PORT, submission on :$MMS_SUBMISSION_PORT, IMAP on :$MMS_IMAP_PORT," \
     "MM1 (handsets) at http://127.0.0.1:$MMS_MM1_PORT/mms, metrics at http://127.0.0.1:$MMS_METRICS_PORT/metrics;" \
     "demo peer expected on :$MMS_PEER_PORT; state in $MMS_STATE_DIR" >&2
exec ./maddy-mms -config maddy.conf.example run
