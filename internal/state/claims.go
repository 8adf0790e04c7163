// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package state

import (
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// On SQLite an in-flight claim lives in the memory of the process, shared
// by every handle the process has open on the same database file, rather
// than in a row: a SQLite store belongs to one instance, a claim does not
// outlive the process that holds it, and a received request then costs
// one write to the database (when it is finished) instead of two. On
// PostgreSQL, shared by several instances, a claim is a row (see
// transactions.go).

type claimKey struct{ peer, txID string }

// heldClaim is who holds a claim and until when: a claim whose holder
// neither finishes nor releases it ends after ClaimDuration, as on
// PostgreSQL.
type heldClaim struct {
	owner string
	until time.Time
}

// sqliteClaims maps a database file to its claims.
var sqliteClaims = struct {
	sync.Mutex
	files map[string]map[claimKey]heldClaim
}{files: map[string]map[claimKey]heldClaim{}}

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

// takeClaim claims k for owner; false when a live claim holds it.
func (d *db) takeClaim(k claimKey) bool {
	sqliteClaims.Lock()
	defer sqliteClaims.Unlock()
	m := sqliteClaims.files[d.file]
	if m == nil {
		m = map[claimKey]heldClaim{}
		sqliteClaims.files[d.file] = m
	}
	now := time.Now()
	if c, held := m[k]; held && c.until.After(now) {
		return false
	}
	m[k] = heldClaim{owner: d.owner, until: now.Add(ClaimDuration)}
	return true
}

// dropClaim releases k if owner holds it and reports whether it did.
func (d *db) dropClaim(k claimKey) bool {
	sqliteClaims.Lock()
	defer sqliteClaims.Unlock()
	m := sqliteClaims.files[d.file]
	if c, held := m[k]; held && c.owner == d.owner {
		delete(m, k)
		return true
	}
	return false
}

// holdsClaim reports whether this handle's owner holds k.
func (d *db) holdsClaim(k claimKey) bool {
	sqliteClaims.Lock()
	defer sqliteClaims.Unlock()
	c, held := sqliteClaims.files[d.file][k]
	return held && c.owner == d.owner
}

// dropOwnClaims releases every claim of this handle's owner.
func (d *db) dropOwnClaims() {
	sqliteClaims.Lock()
	defer sqliteClaims.Unlock()
	for k, c := range sqliteClaims.files[d.file] {
		if c.owner == d.owner {
			delete(sqliteClaims.files[d.file], k)
		}
	}
}
