// Package reqstore remembers the MM4 requests (MM4_forward.REQ) maddy-mms sent
// to peer MMSCs, so that the MM4_forward.RES arriving later - possibly at
// another maddy-mms instance sharing the same PostgreSQL database - can be
// matched by (peer, X-Mms-Transaction-ID), and so that requests whose RES
// never came can be retried or timed out (spec/mms-over-smtp.md §3.2, §3.5,
// §7 "State").
//
// Life cycle of a request:
//
//	Put (State Pending, Attempts 1)
//	  ├─ RES arrives:      Resolve(peer, txID, Acknowledged|Failed, code, text)
//	  └─ no RES in time:   Due(now, …) claims it, then the caller either
//	                         Retry(peer, txID, newDeadline) and re-sends the REQ, or
//	                         Resolve(peer, txID, TimedOut, "", "")
//	Expire(before) deletes requests resolved before "before".
//
// Every state change is a single conditional SQL statement, so it is atomic
// across goroutines, processes and instances: a RES seen twice (or by two
// instances) is acted on once, and two instances polling Due at the same time
// get disjoint sets of requests.
package reqstore

import (
	"context"
	"errors"
	"time"
)

// State is the state of a Request.
type State string

const (
	// Pending: sent, no response yet.
	Pending State = "pending"
	// Acknowledged: the peer answered with X-Mms-Request-Status-Code Ok.
	Acknowledged State = "acknowledged"
	// Failed: the peer answered with an Error-* status code.
	Failed State = "failed"
	// TimedOut: no response arrived in time (after the retries).
	TimedOut State = "timed_out"
)

// Valid reports whether s is one of the four known states.
func (s State) Valid() bool {
	switch s {
	case Pending, Acknowledged, Failed, TimedOut:
		return true
	}
	return false
}

// Request is one MM4 request we sent and await a response for.
type Request struct {
	TransactionID   string    // X-Mms-Transaction-ID we generated (unique per peer)
	Peer            string    // peer name from the configuration
	MessageID       string    // X-Mms-Message-ID
	Sender          string    // the original sender (envelope address a DSN goes to)
	Recipients      []string  // the MMS recipients of this REQ (+E164 etc.); an empty list reads back as nil
	RFC822MessageID string    // the original mail's Message-ID (for the DSN)
	Subject         string    // the original mail's Subject (for the DSN); may be empty
	Message         []byte    // the REQ as sent (header and body), to send it again; may be empty
	SentAt          time.Time // stored with nanosecond precision, read back in UTC
	Deadline        time.Time // when a missing RES counts as timed out
	Attempts        int       // times sent (for "retry once")
	State           State     // Pending, Acknowledged, Failed, TimedOut; Put treats "" as Pending
	Status          string    // X-Mms-Request-Status-Code received, if any
	StatusText      string
}

// Store is the shared table of outstanding MM4 requests. Implementations are
// safe for concurrent use, also by several Store handles (processes,
// instances) opened on the same database.
type Store interface {
	// Put inserts r. It fails with an error wrapping ErrDuplicate if
	// (r.Peer, r.TransactionID) already exists. Peer and TransactionID must
	// not be empty; SentAt and Deadline must lie within years 1678-2262 (or be
	// zero).
	Put(ctx context.Context, r Request) error

	// Resolve records a response atomically: only a Pending request for
	// exactly (peer, txID) changes state; it returns the updated request and
	// ok=false when there is no such pending request (unknown txID, another
	// peer's txID, or already resolved - a RES answered twice, or the same
	// RES seen by two instances, must be acted on once). state must be
	// Acknowledged, Failed or TimedOut. A request claimed by Due is still
	// Pending and can be resolved.
	Resolve(ctx context.Context, peer, txID string, state State, status, text string) (Request, bool, error)

	// Due returns up to limit Pending requests whose Deadline is <= now,
	// oldest deadline first, and claims them atomically for the caller until
	// now+claimFor: a claimed request is not returned again by Due (by any
	// Store handle on the same database) until a Due call whose now is at or
	// after that time, or until Retry releases it. limit and claimFor must be
	// positive.
	Due(ctx context.Context, now time.Time, limit int, claimFor time.Duration) ([]Request, error)

	// Retry bumps Attempts, sets Deadline to deadline and SentAt to the
	// current time, keeps the request Pending and releases Due's claim. It
	// returns an error wrapping ErrNotPending if there is no pending request
	// (peer, txID), e.g. because its RES arrived after Due returned it; the
	// caller should then not re-send. Call Retry before re-sending the REQ, so
	// that a fast RES to the re-sent REQ finds the updated record.
	Retry(ctx context.Context, peer, txID string, deadline time.Time) error

	// Expire deletes resolved (non-Pending) requests that were resolved
	// before "before" (housekeeping) and returns how many it deleted. Pending
	// requests are never deleted; they leave through Resolve(…, TimedOut, …).
	Expire(ctx context.Context, before time.Time) (int, error)

	// Get returns the request (peer, txID) in any state; ok=false if unknown.
	Get(ctx context.Context, peer, txID string) (Request, bool, error)

	Close() error
}

var (
	// ErrDuplicate is returned (wrapped) by Put when (Peer, TransactionID)
	// is already stored.
	ErrDuplicate = errors.New("reqstore: request already exists")
	// ErrNotPending is returned (wrapped) by Retry when there is no pending
	// request for (peer, txID).
	ErrNotPending = errors.New("reqstore: no such pending request")
)

// Open opens a store and creates its schema if missing (idempotent, and safe
// when several instances start at once).
//
// driver is one of:
//   - "sqlite3" or "sqlite": dsn is a file path (or a "file:" URI). Both names
//     select whichever SQLite implementation the binary was built with, like
//     maddy's imapsql does: github.com/mattn/go-sqlite3 in cgo builds,
//     modernc.org/sqlite in CGO_ENABLED=0 builds (none with the nosqlite3
//     build tag). So configurations are portable between the two builds.
//     WAL journal mode, a busy timeout and BEGIN IMMEDIATE are set through
//     DSN parameters appended to dsn.
//   - "postgres" (alias "postgresql"): dsn is a lib/pq DSN, either
//     "host=… port=… user=… dbname=… sslmode=…" or a postgres:// URL.
func Open(driver, dsn string) (Store, error) {
	return OpenContext(context.Background(), driver, dsn)
}

// OpenContext is Open with a context bounding the connection test and the
// schema creation.
func OpenContext(ctx context.Context, driver, dsn string) (Store, error) {
	return openSQL(ctx, driver, dsn)
}
