//go:build !cgo && !nosqlite3

// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package state

import (
	_ "modernc.org/sqlite" // registers "sqlite"
)

// sqliteImpl is the database/sql driver name used for "sqlite3"/"sqlite"
// configurations in this build (CGO_ENABLED=0: modernc.org/sqlite).
const sqliteImpl = "sqlite"

// sqliteParams are the DSN parameters (modernc.org/sqlite syntax) appended to
// a SQLite DSN; same settings as the cgo build (see sqlite_cgo.go).
const sqliteParams = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
