//go:build cgo && !nosqlite3

// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package state

import (
	_ "github.com/mattn/go-sqlite3" // registers "sqlite3"
)

// sqliteImpl is the database/sql driver name used for "sqlite3"/"sqlite"
// configurations in this build (cgo: mattn/go-sqlite3).
const sqliteImpl = "sqlite3"

// sqliteParams are the DSN parameters (mattn/go-sqlite3 syntax) appended to a
// SQLite DSN: wait up to 10 s for a lock held by another connection or
// process, WAL journal, synchronous=NORMAL and BEGIN IMMEDIATE for
// transactions. synchronous=NORMAL is what maddy's own SQLite storage
// uses: a commit survives a crash of maddy-mms (the WAL is written before
// the commit returns) without an fsync per commit; a power loss may forget
// the last commits, which at worst means a duplicate delivery or a response
// logged and dropped, never a lost MM (the MMs are in maddy's queue and
// storage).
const sqliteParams = "_busy_timeout=10000&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate"
