//go:build cgo && !nosqlite3

package reqstore

import (
	_ "github.com/mattn/go-sqlite3" // registers "sqlite3"
)

// sqliteImpl is the database/sql driver name used for "sqlite3"/"sqlite"
// configurations in this build (cgo: mattn/go-sqlite3).
const sqliteImpl = "sqlite3"

// sqliteParams are the DSN parameters (mattn/go-sqlite3 syntax) appended to a
// SQLite DSN: wait up to 10 s for a lock held by another connection or
// process, WAL journal, synchronous=NORMAL (a committed request survives a
// crash of maddy-mms; a power loss may forget the last ones, which only
// means their RES is logged and dropped: the MMs themselves are in the
// queue), and BEGIN IMMEDIATE for transactions.
const sqliteParams = "_busy_timeout=10000&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate"
