// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package state

import (
	"path/filepath"
	"strings"
	"sync"
)

// On SQLite an in-flight claim lives in the memory of the process, shared
// by every handle the process has open on the same database file, rather
// than in a row: a SQLite store belongs to one instance, a claim does not
// outlive the process that holds it, and a received request then costs
// one write to the database (when it is finished) instead of two. On
// PostgreSQL, shared by several instances, a claim is a row (see
// transactions.go).

type claimKey struct{ peer, txID string }

// sqliteClaims maps a database file to its claims and their owners.
var sqliteClaims = struct {
	sync.Mutex
	files map[string]map[claimKey]string
}{files: map[string]map[claimKey]string{}}

// claimFile is the key of a SQLite database in sqliteClaims.
func claimFile(dsn string) string {
	if strings.HasPrefix(dsn, "file:") || dsn == ":memory:" {
		return dsn
	}
	if abs, err := filepath.Abs(dsn); err == nil {
		return abs
	}
	return dsn
}

// takeClaim claims k for owner; false when it is claimed already.
func (d *db) takeClaim(k claimKey) bool {
	sqliteClaims.Lock()
	defer sqliteClaims.Unlock()
	m := sqliteClaims.files[d.file]
	if m == nil {
		m = map[claimKey]string{}
		sqliteClaims.files[d.file] = m
	}
	if _, held := m[k]; held {
		return false
	}
	m[k] = d.owner
	return true
}

// dropClaim releases k if owner holds it and reports whether it did.
func (d *db) dropClaim(k claimKey) bool {
	sqliteClaims.Lock()
	defer sqliteClaims.Unlock()
	m := sqliteClaims.files[d.file]
	if owner, held := m[k]; held && owner == d.owner {
		delete(m, k)
		return true
	}
	return false
}

// holdsClaim reports whether this handle's owner holds k.
func (d *db) holdsClaim(k claimKey) bool {
	sqliteClaims.Lock()
	defer sqliteClaims.Unlock()
	owner, held := sqliteClaims.files[d.file][k]
	return held && owner == d.owner
}

// dropOwnClaims releases every claim of this handle's owner.
func (d *db) dropOwnClaims() {
	sqliteClaims.Lock()
	defer sqliteClaims.Unlock()
	for k, owner := range sqliteClaims.files[d.file] {
		if owner == d.owner {
			delete(sqliteClaims.files[d.file], k)
		}
	}
}
