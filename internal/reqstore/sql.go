package reqstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	_ "github.com/lib/pq" // registers "postgres"
)

// The schema is plain SQL understood by both SQLite (>= 3.35 for RETURNING,
// bundled by both drivers) and PostgreSQL (>= 9.5). Times are Unix
// nanoseconds in BIGINT columns (0 = unset), so comparisons are plain integer
// comparisons on both backends and times round-trip exactly.
const tableName = "mm4_requests"

var schema = []string{
	`CREATE TABLE IF NOT EXISTS ` + tableName + ` (
	peer              TEXT    NOT NULL,
	transaction_id    TEXT    NOT NULL,
	message_id        TEXT    NOT NULL DEFAULT '',
	sender            TEXT    NOT NULL DEFAULT '',
	recipients        TEXT    NOT NULL DEFAULT '[]',
	rfc822_message_id TEXT    NOT NULL DEFAULT '',
	subject           TEXT    NOT NULL DEFAULT '',
	sent_at           BIGINT  NOT NULL DEFAULT 0,
	deadline          BIGINT  NOT NULL DEFAULT 0,
	attempts          INTEGER NOT NULL DEFAULT 0,
	state             TEXT    NOT NULL,
	status            TEXT    NOT NULL DEFAULT '',
	status_text       TEXT    NOT NULL DEFAULT '',
	claim_until       BIGINT  NOT NULL DEFAULT 0,
	resolved_at       BIGINT  NOT NULL DEFAULT 0,
	message           TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (peer, transaction_id)
)`,
	`CREATE INDEX IF NOT EXISTS ` + tableName + `_pending_deadline
	ON ` + tableName + ` (deadline) WHERE state = 'pending'`,
}

// pgSchemaLockKey is the pg_advisory_xact_lock key serialising schema
// creation between instances starting at once ("mmsreq" in ASCII).
const pgSchemaLockKey int64 = 0x6d6d73726571

// columns is the column list matching scanRequest, optionally qualified.
func columns(prefix string) string {
	cols := []string{"peer", "transaction_id", "message_id", "sender", "recipients",
		"rfc822_message_id", "subject", "sent_at", "deadline", "attempts", "state",
		"status", "status_text", "message"}
	for i := range cols {
		cols[i] = prefix + cols[i]
	}
	return strings.Join(cols, ", ")
}

// Queries are written with PostgreSQL's $N placeholders; for SQLite they are
// rewritten to ?N, which SQLite binds by number in both drivers (a bare $N is
// a *named* parameter in SQLite and would be numbered by first appearance).
var (
	qGet = `SELECT ` + columns("") + ` FROM ` + tableName + `
		WHERE peer = $1 AND transaction_id = $2`

	qPut = `INSERT INTO ` + tableName + ` (` + columns("") + `, claim_until, resolved_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0, $15)
		ON CONFLICT (peer, transaction_id) DO NOTHING`

	qResolve = `UPDATE ` + tableName + `
		SET state = $3, status = $4, status_text = $5, claim_until = 0, resolved_at = $6
		WHERE peer = $1 AND transaction_id = $2 AND state = 'pending'
		RETURNING ` + columns("")

	qRetry = `UPDATE ` + tableName + `
		SET attempts = attempts + 1, deadline = $3, sent_at = $4, claim_until = 0
		WHERE peer = $1 AND transaction_id = $2 AND state = 'pending'`

	qExpire = `DELETE FROM ` + tableName + `
		WHERE state <> 'pending' AND resolved_at < $1`

	// $1 now, $2 limit, $3 claim until. The outer WHERE re-checks state and
	// claim_until, so even without row locks (SQLite serialises writers
	// anyway) a row is claimed by one caller only.
	qDueSQLite = `UPDATE ` + tableName + ` SET claim_until = $3
		WHERE state = 'pending' AND claim_until <= $1 AND (peer, transaction_id) IN (
			SELECT peer, transaction_id FROM ` + tableName + `
			WHERE state = 'pending' AND deadline <= $1 AND claim_until <= $1
			ORDER BY deadline LIMIT $2)
		RETURNING ` + columns("")

	// On PostgreSQL, FOR UPDATE SKIP LOCKED lets a concurrent poller pick
	// other rows instead of waiting for (and then losing) the same ones; the
	// outer re-check keeps it correct under READ COMMITTED regardless.
	qDuePostgres = `WITH due AS (
			SELECT peer, transaction_id FROM ` + tableName + `
			WHERE state = 'pending' AND deadline <= $1 AND claim_until <= $1
			ORDER BY deadline LIMIT $2
			FOR UPDATE SKIP LOCKED)
		UPDATE ` + tableName + ` AS r SET claim_until = $3
		FROM due
		WHERE r.peer = due.peer AND r.transaction_id = due.transaction_id
			AND r.state = 'pending' AND r.claim_until <= $1
		RETURNING ` + columns("r.")
)

var dollarParam = regexp.MustCompile(`\$([0-9]+)`)

type sqlStore struct {
	db       *sql.DB
	postgres bool

	get, put, resolve, retry, expire, due string
}

func openSQL(ctx context.Context, driver, dsn string) (Store, error) {
	s := &sqlStore{}
	switch driver {
	case "sqlite3", "sqlite":
		if sqliteImpl == "" {
			return nil, errors.New("reqstore: SQLite support is not compiled in (built with the nosqlite3 tag)")
		}
		if dsn == "" {
			return nil, errors.New("reqstore: empty SQLite database path")
		}
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		db, err := sql.Open(sqliteImpl, dsn+sep+sqliteParams)
		if err != nil {
			return nil, fmt.Errorf("reqstore: open %s: %w", driver, err)
		}
		// One connection: SQLite has one writer anyway, this avoids
		// SQLITE_BUSY between our own goroutines, and keeps a ":memory:"
		// database alive and shared.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		s.db = db
	case "postgres", "postgresql":
		db, err := sql.Open("postgres", dsn)
		if err != nil {
			return nil, fmt.Errorf("reqstore: open %s: %w", driver, err)
		}
		s.db = db
		s.postgres = true
	default:
		return nil, fmt.Errorf("reqstore: unknown driver %q (want sqlite3, sqlite or postgres)", driver)
	}

	s.get = s.rebind(qGet)
	s.put = s.rebind(qPut)
	s.resolve = s.rebind(qResolve)
	s.retry = s.rebind(qRetry)
	s.expire = s.rebind(qExpire)
	if s.postgres {
		s.due = qDuePostgres
	} else {
		s.due = s.rebind(qDueSQLite)
	}

	// Switching a fresh SQLite file to WAL takes a lock that the busy
	// timeout does not cover: instances opening it at once retry briefly.
	var err error
	for try := 0; try < 50; try++ {
		if err = s.db.PingContext(ctx); err == nil || s.postgres || !strings.Contains(err.Error(), "locked") {
			break
		}
		time.Sleep(time.Duration(10+try*10) * time.Millisecond)
	}
	if err != nil {
		s.db.Close()
		return nil, fmt.Errorf("reqstore: connect (%s): %w", driver, err)
	}
	if err := s.createSchema(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

func (s *sqlStore) rebind(q string) string {
	if s.postgres {
		return q
	}
	return dollarParam.ReplaceAllString(q, "?$1")
}

func (s *sqlStore) createSchema(ctx context.Context) (err error) {
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE on SQLite (_txlock)
	if err != nil {
		return fmt.Errorf("reqstore: create schema: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if s.postgres {
		// Concurrent CREATE TABLE IF NOT EXISTS can fail on PostgreSQL
		// (unique violation in pg_type); serialise instances starting at
		// once. The lock is released at commit.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, pgSchemaLockKey); err != nil {
			return fmt.Errorf("reqstore: create schema: lock: %w", err)
		}
		// Do not issue DDL at all if the table exists, so a role without
		// CREATE privilege can use a schema made by someone else. The
		// table and its index are created in one transaction, so the
		// table existing implies the index does.
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL`, tableName).Scan(&exists); err != nil {
			return fmt.Errorf("reqstore: create schema: %w", err)
		}
		if exists {
			return tx.Commit()
		}
	}
	for _, stmt := range schema {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("reqstore: create schema: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("reqstore: create schema: commit: %w", err)
	}
	return nil
}

func (s *sqlStore) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("reqstore: close: %w", err)
	}
	return nil
}

func (s *sqlStore) Put(ctx context.Context, r Request) error {
	if r.Peer == "" || r.TransactionID == "" {
		return errors.New("reqstore: put: empty peer or transaction ID")
	}
	if r.State == "" {
		r.State = Pending
	}
	if !r.State.Valid() {
		return fmt.Errorf("reqstore: put %s/%s: invalid state %q", r.Peer, r.TransactionID, r.State)
	}
	sentAt, ok1 := toNanos(r.SentAt)
	deadline, ok2 := toNanos(r.Deadline)
	if !ok1 || !ok2 {
		return fmt.Errorf("reqstore: put %s/%s: SentAt or Deadline out of range", r.Peer, r.TransactionID)
	}
	rcpts := r.Recipients
	if rcpts == nil {
		rcpts = []string{}
	}
	rcptJSON, err := json.Marshal(rcpts)
	if err != nil {
		return fmt.Errorf("reqstore: put %s/%s: recipients: %w", r.Peer, r.TransactionID, err)
	}
	var resolvedAt int64
	if r.State != Pending {
		resolvedAt = time.Now().UnixNano()
	}
	res, err := s.db.ExecContext(ctx, s.put,
		r.Peer, r.TransactionID, r.MessageID, r.Sender, string(rcptJSON),
		r.RFC822MessageID, r.Subject, sentAt, deadline, int64(r.Attempts), string(r.State),
		r.Status, r.StatusText, base64.StdEncoding.EncodeToString(r.Message), resolvedAt)
	if err != nil {
		return fmt.Errorf("reqstore: put %s/%s: %w", r.Peer, r.TransactionID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("reqstore: put %s/%s: %w", r.Peer, r.TransactionID, err)
	}
	if n == 0 {
		return fmt.Errorf("reqstore: put %s/%s: %w", r.Peer, r.TransactionID, ErrDuplicate)
	}
	return nil
}

func (s *sqlStore) Get(ctx context.Context, peer, txID string) (Request, bool, error) {
	reqs, err := s.query(ctx, s.get, peer, txID)
	if err != nil {
		return Request{}, false, fmt.Errorf("reqstore: get %s/%s: %w", peer, txID, err)
	}
	if len(reqs) == 0 {
		return Request{}, false, nil
	}
	return reqs[0], true, nil
}

func (s *sqlStore) Resolve(ctx context.Context, peer, txID string, state State, status, text string) (Request, bool, error) {
	if state == Pending || !state.Valid() {
		return Request{}, false, fmt.Errorf("reqstore: resolve %s/%s: invalid final state %q", peer, txID, state)
	}
	reqs, err := s.query(ctx, s.resolve, peer, txID, string(state), status, text, time.Now().UnixNano())
	if err != nil {
		return Request{}, false, fmt.Errorf("reqstore: resolve %s/%s: %w", peer, txID, err)
	}
	if len(reqs) == 0 {
		return Request{}, false, nil
	}
	return reqs[0], true, nil
}

func (s *sqlStore) Due(ctx context.Context, now time.Time, limit int, claimFor time.Duration) ([]Request, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("reqstore: due: limit %d is not positive", limit)
	}
	if claimFor <= 0 {
		return nil, fmt.Errorf("reqstore: due: claim duration %v is not positive", claimFor)
	}
	n := clampNanos(now)
	until := n + int64(claimFor)
	if until < n { // overflow
		until = math.MaxInt64
	}
	reqs, err := s.query(ctx, s.due, n, int64(limit), until)
	if err != nil {
		return nil, fmt.Errorf("reqstore: due: %w", err)
	}
	// RETURNING order is unspecified.
	sort.Slice(reqs, func(i, j int) bool {
		a, b := reqs[i], reqs[j]
		if !a.Deadline.Equal(b.Deadline) {
			return a.Deadline.Before(b.Deadline)
		}
		if a.Peer != b.Peer {
			return a.Peer < b.Peer
		}
		return a.TransactionID < b.TransactionID
	})
	return reqs, nil
}

func (s *sqlStore) Retry(ctx context.Context, peer, txID string, deadline time.Time) error {
	d, ok := toNanos(deadline)
	if !ok {
		return fmt.Errorf("reqstore: retry %s/%s: deadline out of range", peer, txID)
	}
	res, err := s.db.ExecContext(ctx, s.retry, peer, txID, d, time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("reqstore: retry %s/%s: %w", peer, txID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("reqstore: retry %s/%s: %w", peer, txID, err)
	}
	if n == 0 {
		return fmt.Errorf("reqstore: retry %s/%s: %w", peer, txID, ErrNotPending)
	}
	return nil
}

func (s *sqlStore) Expire(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, s.expire, clampNanos(before))
	if err != nil {
		return 0, fmt.Errorf("reqstore: expire: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("reqstore: expire: %w", err)
	}
	return int(n), nil
}

// query runs a statement returning columns("") rows and reads them all.
func (s *sqlStore) query(ctx context.Context, q string, args ...any) ([]Request, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var reqs []Request
	for rows.Next() {
		var (
			r                Request
			rcpts, state     string
			msg              string
			sentAt, deadline int64
			attempts         int64
		)
		if err := rows.Scan(&r.Peer, &r.TransactionID, &r.MessageID, &r.Sender, &rcpts,
			&r.RFC822MessageID, &r.Subject, &sentAt, &deadline, &attempts, &state,
			&r.Status, &r.StatusText, &msg); err != nil {
			return nil, err
		}
		if msg != "" {
			b, err := base64.StdEncoding.DecodeString(msg)
			if err != nil {
				return nil, fmt.Errorf("message of %s/%s: %w", r.Peer, r.TransactionID, err)
			}
			r.Message = b
		}
		if err := json.Unmarshal([]byte(rcpts), &r.Recipients); err != nil {
			return nil, fmt.Errorf("recipients of %s/%s: %w", r.Peer, r.TransactionID, err)
		}
		if len(r.Recipients) == 0 {
			r.Recipients = nil
		}
		r.SentAt = fromNanos(sentAt)
		r.Deadline = fromNanos(deadline)
		r.Attempts = int(attempts)
		r.State = State(state)
		reqs = append(reqs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return reqs, nil
}

var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// toNanos converts t for storage: zero time is 0, other times must be
// representable as Unix nanoseconds.
func toNanos(t time.Time) (int64, bool) {
	if t.IsZero() {
		return 0, true
	}
	if t.Before(minTime) || t.After(maxTime) {
		return 0, false
	}
	return t.UnixNano(), true
}

// clampNanos converts a comparison bound, saturating out-of-range times.
func clampNanos(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
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
