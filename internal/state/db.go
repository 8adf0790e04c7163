// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	_ "github.com/lib/pq" // registers "postgres"
)

// db is the SQL store. Queries are written once, with PostgreSQL's $N
// placeholders; for SQLite they are rewritten to ?N, which both SQLite
// drivers bind by number (a bare $N is a named parameter in SQLite).
type db struct {
	sql       *sql.DB
	postgres  bool
	owner     string
	file      string // SQLite: the database file, for its claims (claims.go)
	retention time.Duration
	maxTx     int
	stmts     map[string]*sql.Stmt // fixedQueries prepared, by their PostgreSQL text
}

func openSQL(ctx context.Context, opts Options) (*db, error) {
	d := &db{owner: opts.Owner, retention: opts.RequestRetention, maxTx: opts.MaxTransactions}
	if d.retention <= 0 {
		d.retention = 7 * 24 * time.Hour
	}
	if d.maxTx <= 0 {
		d.maxTx = DefaultMaxTransactions
	}
	switch opts.Driver {
	case "sqlite3", "sqlite":
		if sqliteImpl == "" {
			return nil, errors.New("state: SQLite support is not compiled in (built with the nosqlite3 tag)")
		}
		if opts.DSN == "" {
			return nil, errors.New("state: empty SQLite database path")
		}
		sep := "?"
		if strings.Contains(opts.DSN, "?") {
			sep = "&"
		}
		s, err := sql.Open(sqliteImpl, opts.DSN+sep+sqliteParams)
		if err != nil {
			return nil, fmt.Errorf("state: open %s: %w", opts.Driver, err)
		}
		// One connection: SQLite has one writer anyway; this avoids
		// SQLITE_BUSY between our own goroutines and keeps a ":memory:"
		// database alive and shared.
		s.SetMaxOpenConns(1)
		s.SetMaxIdleConns(1)
		s.SetConnMaxLifetime(0)
		s.SetConnMaxIdleTime(0)
		d.sql = s
		d.file = claimFile(opts.DSN)
	case "postgres", "postgresql":
		s, err := sql.Open("postgres", opts.DSN)
		if err != nil {
			return nil, fmt.Errorf("state: open %s: %w", opts.Driver, err)
		}
		s.SetMaxIdleConns(8)
		d.sql = s
		d.postgres = true
	default:
		return nil, fmt.Errorf("state: unknown driver %q (want sqlite3, sqlite or postgres)", opts.Driver)
	}

	// Switching a fresh SQLite file to WAL takes a lock that the busy
	// timeout does not cover: instances opening it at once retry briefly.
	var err error
	for try := 0; try < 50; try++ {
		if err = d.sql.PingContext(ctx); err == nil || d.postgres || !strings.Contains(err.Error(), "locked") {
			break
		}
		time.Sleep(time.Duration(10+try*10) * time.Millisecond)
	}
	if err != nil {
		d.sql.Close()
		return nil, fmt.Errorf("state: connect (%s): %w", opts.Driver, err)
	}
	if err := d.migrate(ctx); err != nil {
		d.sql.Close()
		return nil, err
	}
	if err := d.prepare(ctx); err != nil {
		d.Close()
		return nil, err
	}
	if !d.postgres {
		d.dropOwnClaims()
	} else if d.owner != "" {
		if _, err := d.exec(ctx, nil, qReleaseOwnClaims, d.owner); err != nil {
			d.Close()
			return nil, fmt.Errorf("state: release old claims: %w", err)
		}
	}
	return d, nil
}

func (d *db) Close() error {
	if !d.postgres {
		d.dropOwnClaims()
	}
	for _, st := range d.stmts {
		st.Close()
	}
	if err := d.sql.Close(); err != nil {
		return fmt.Errorf("state: close: %w", err)
	}
	return nil
}

var dollarParam = regexp.MustCompile(`\$([0-9]+)`)

// q returns query text for this database.
func (d *db) q(query string) string {
	if d.postgres {
		return query
	}
	return dollarParam.ReplaceAllString(query, "?$1")
}

// fixedQueries are the statements with a fixed text, prepared once when
// the store opens so that neither database parses them again per message
// (and so that no statement is prepared while a transaction holds
// SQLite's only connection). Statements whose text depends on the input
// (a list of recipients) run unprepared (see dynamic).
func (d *db) fixedQueries() []string {
	due := qDueSQLite
	if d.postgres {
		due = qDuePostgres
	}
	return []string{
		qClaim, qClaimed, qFinish, qRelease, qReleaseOwnClaims, qSeen, qFinishSQLite, qImport, qPutReceived,
		qPutRequest, qPutRequestRcpt, qGetRequest, qGetRequestRcpts, qResolveRcpts, qFinishRequest,
		qSetRequestStatus, qRetry, due, qExpireRequestRcpts, qExpireRequests,
		qPutSent, qPutSentRcpt, qGetSent, qGetSentRcpts, qReportSoleRcpt, qRecordDelivery, qRecordRead,
		qGetReceived, qReceivedByRFC822, qSweepTransactions, qTrimTransactions, qCountTransactions, qSweepSentRcpts, qSweepSent, qSweepReceived,
		qPutHandset, qGetHandset, qGetHandsetByTx, qMarkHandsetNotify, qDeleteHandset, qPendingHandset, qExpiredHandset,
		qHandsetFor, qSweepHandset, qCountPending, qCountRows,
	}
}

// prepare prepares fixedQueries.
func (d *db) prepare(ctx context.Context) error {
	d.stmts = map[string]*sql.Stmt{}
	for _, q := range d.fixedQueries() {
		st, err := d.sql.PrepareContext(ctx, d.q(q))
		if err != nil {
			return fmt.Errorf("state: prepare: %w", err)
		}
		d.stmts[q] = st
	}
	return nil
}

// stmt returns the prepared statement of a fixed query, for tx when it is
// not nil.
func (d *db) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	st, ok := d.stmts[query]
	if !ok {
		return nil, fmt.Errorf("state: statement not prepared: %.40q", query)
	}
	if tx != nil {
		return tx.StmtContext(ctx, st), nil
	}
	return st, nil
}

// exec runs a fixed statement, in tx when it is not nil, and returns the
// number of rows it changed.
func (d *db) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (int64, error) {
	st, err := d.stmt(ctx, tx, query)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// query runs a fixed query, in tx when it is not nil.
func (d *db) query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	st, err := d.stmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// queryRow runs a fixed query returning one row, in tx when it is not nil.
func (d *db) queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	st, err := d.stmt(ctx, tx, query)
	if err != nil {
		// Unprepared, the same error comes back from Scan.
		return d.sql.QueryRowContext(ctx, d.q(query), args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// dynamic runs a query whose text depends on the input, unprepared.
func (d *db) dynamic(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if tx != nil {
		return tx.QueryContext(ctx, d.q(query), args...)
	}
	return d.sql.QueryContext(ctx, d.q(query), args...)
}

// execDynamic is dynamic for a statement returning no rows.
func (d *db) execDynamic(ctx context.Context, tx *sql.Tx, query string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, d.q(query), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// inTx runs fn in one database transaction (BEGIN IMMEDIATE on SQLite).
func (d *db) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// maxListed bounds the lists of numbers a statement names (the recipients
// a response covers, the numbers a report names): a request has at most
// this many recipients that matter, and the databases limit parameters.
const maxListed = 1000

// distinct returns list without duplicates, at most max of them.
func distinct(list []string, max int) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range list {
		if !seen[s] && len(out) < max {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// placeholders returns "$from, $from+1, …" for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// Times are stored as Unix nanoseconds in BIGINT columns (0 = unset), so
// they compare as integers on both databases and round-trip exactly.
var (
	minTime = time.Unix(0, math.MinInt64+1)
	maxTime = time.Unix(0, math.MaxInt64)
)

// nanos converts t for storage; a zero time is 0 and times outside the
// representable range are clamped.
func nanos(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Before(minTime):
		return minTime.UnixNano()
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
