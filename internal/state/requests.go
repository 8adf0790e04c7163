// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package state

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"time"
)

// A request is a row of mm4_requests and one row per recipient in
// mm4_request_rcpts. A response changes recipients from 'pending' with one
// conditional UPDATE; the request leaves 'pending' with a second one, run
// by whichever resolver finds no recipient pending, so exactly one of
// several concurrent resolvers reports Done.

const requestColumns = `r.peer, r.transaction_id, r.message_id, r.mail_from, r.sender, r.rfc822_message_id,
	r.subject, r.message, r.sent_at, r.deadline, r.attempts, r.state, r.status, r.status_text`

const (
	qPutRequest = `INSERT INTO mm4_requests (peer, transaction_id, message_id, mail_from, sender, rfc822_message_id,
			subject, message, sent_at, deadline, attempts, state, recipients)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', '[]')
		ON CONFLICT (peer, transaction_id) DO NOTHING`

	qPutRequestRcpt = `INSERT INTO mm4_request_rcpts (peer, transaction_id, number, rcpt_to, state)
		VALUES ($1, $2, $3, $4, 'pending')
		ON CONFLICT (peer, transaction_id, number) DO NOTHING`

	qGetRequest = `SELECT ` + requestColumns + ` FROM mm4_requests r
		WHERE r.peer = $1 AND r.transaction_id = $2`

	qGetRequestRcpts = `SELECT number, rcpt_to, state, status, status_text FROM mm4_request_rcpts
		WHERE peer = $1 AND transaction_id = $2 ORDER BY number`

	// qResolveRcpts: $1 peer, $2 txID, $3 state, $4 status, $5 text,
	// $6 now; the number list, if any, is appended as $7…
	qResolveRcpts = `UPDATE mm4_request_rcpts SET state = $3, status = $4, status_text = $5, resolved_at = $6
		WHERE peer = $1 AND transaction_id = $2 AND state = 'pending'`

	qFinishRequest = `UPDATE mm4_requests SET
			state = CASE
				WHEN EXISTS (SELECT 1 FROM mm4_request_rcpts x
					WHERE x.peer = $1 AND x.transaction_id = $2 AND x.state = 'failed') THEN 'failed'
				WHEN EXISTS (SELECT 1 FROM mm4_request_rcpts x
					WHERE x.peer = $1 AND x.transaction_id = $2 AND x.state = 'timed_out') THEN 'timed_out'
				ELSE 'acknowledged' END,
			claim_until = 0, resolved_at = $3
		WHERE peer = $1 AND transaction_id = $2 AND state = 'pending'
			AND NOT EXISTS (SELECT 1 FROM mm4_request_rcpts x
				WHERE x.peer = $1 AND x.transaction_id = $2 AND x.state = 'pending')`

	qLockRequest = `SELECT 1 FROM mm4_requests WHERE peer = $1 AND transaction_id = $2 FOR UPDATE`

	qSetRequestStatus = `UPDATE mm4_requests SET status = $3, status_text = $4
		WHERE peer = $1 AND transaction_id = $2`

	qRetry = `UPDATE mm4_requests SET attempts = attempts + 1, deadline = $3, sent_at = $4, claim_until = 0
		WHERE peer = $1 AND transaction_id = $2 AND state = 'pending'`

	// $1 now, $2 limit, $3 claim until. The outer WHERE checks state and
	// claim again, so a row is claimed by one caller even without row
	// locks (SQLite serialises writers anyway).
	qDueSQLite = `UPDATE mm4_requests SET claim_until = $3
		WHERE state = 'pending' AND claim_until <= $1 AND (peer, transaction_id) IN (
			SELECT peer, transaction_id FROM mm4_requests
			WHERE state = 'pending' AND deadline <= $1 AND claim_until <= $1
			ORDER BY deadline LIMIT $2)
		RETURNING peer, transaction_id`

	// On PostgreSQL, FOR UPDATE SKIP LOCKED lets a concurrent poller take
	// other rows instead of waiting for these.
	qDuePostgres = `WITH due AS (
			SELECT peer, transaction_id FROM mm4_requests
			WHERE state = 'pending' AND deadline <= $1 AND claim_until <= $1
			ORDER BY deadline LIMIT $2
			FOR UPDATE SKIP LOCKED)
		UPDATE mm4_requests AS r SET claim_until = $3
		FROM due
		WHERE r.peer = due.peer AND r.transaction_id = due.transaction_id
			AND r.state = 'pending' AND r.claim_until <= $1
		RETURNING r.peer, r.transaction_id`

	qExpireRequestRcpts = `DELETE FROM mm4_request_rcpts WHERE EXISTS (
			SELECT 1 FROM mm4_requests r
			WHERE r.peer = mm4_request_rcpts.peer AND r.transaction_id = mm4_request_rcpts.transaction_id
				AND r.state <> 'pending' AND r.resolved_at < $1)`
	qExpireRequests = `DELETE FROM mm4_requests WHERE state <> 'pending' AND resolved_at < $1`

	// qCountPending can be answered from the partial index
	// mm4_requests_pending_deadline.
	qCountPending = `SELECT count(*) FROM mm4_requests WHERE state = 'pending'`
)

func (d *db) CountPending(ctx context.Context) (int, error) {
	var n int
	if err := d.queryRow(ctx, nil, qCountPending).Scan(&n); err != nil {
		return 0, fmt.Errorf("state: count pending requests: %w", err)
	}
	return n, nil
}

// putRequest inserts one request and its recipients within tx.
func (d *db) putRequest(ctx context.Context, tx *sql.Tx, r Request) error {
	if r.Peer == "" || r.TransactionID == "" {
		return errors.New("empty peer or transaction ID")
	}
	if len(r.Recipients) == 0 {
		return fmt.Errorf("request %s/%s has no recipients", r.Peer, r.TransactionID)
	}
	n, err := d.exec(ctx, tx, qPutRequest, r.Peer, r.TransactionID, r.MessageID, r.MailFrom, r.NotifyTo,
		r.RFC822MessageID, r.Subject, base64.StdEncoding.EncodeToString(r.Message),
		nanos(r.SentAt), nanos(r.Deadline), int64(max(r.Attempts, 1)))
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("request %s/%s: %w", r.Peer, r.TransactionID, ErrDuplicate)
	}
	for _, rc := range r.Recipients {
		if _, err := d.exec(ctx, tx, qPutRequestRcpt, r.Peer, r.TransactionID, rc.Number, rc.RcptTo); err != nil {
			return err
		}
	}
	return nil
}

func (d *db) PutRequests(ctx context.Context, reqs []Request) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		for _, r := range reqs {
			if err := d.putRequest(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state: put requests: %w", err)
	}
	return nil
}

func (d *db) GetRequest(ctx context.Context, peer, txID string) (Request, bool, error) {
	r, ok, err := d.getRequest(ctx, nil, peer, txID)
	if err != nil {
		return Request{}, false, fmt.Errorf("state: get request %s/%s: %w", peer, txID, err)
	}
	return r, ok, nil
}

func (d *db) getRequest(ctx context.Context, tx *sql.Tx, peer, txID string) (Request, bool, error) {
	var r Request
	var msg, st string
	var sentAt, deadline, attempts int64
	err := d.queryRow(ctx, tx, qGetRequest, peer, txID).Scan(&r.Peer, &r.TransactionID, &r.MessageID,
		&r.MailFrom, &r.NotifyTo, &r.RFC822MessageID, &r.Subject, &msg, &sentAt, &deadline, &attempts,
		&st, &r.Status, &r.StatusText)
	if err == sql.ErrNoRows {
		return Request{}, false, nil
	}
	if err != nil {
		return Request{}, false, err
	}
	if msg != "" {
		if r.Message, err = base64.StdEncoding.DecodeString(msg); err != nil {
			return Request{}, false, fmt.Errorf("stored message: %w", err)
		}
	}
	r.SentAt, r.Deadline, r.Attempts, r.State = fromNanos(sentAt), fromNanos(deadline), int(attempts), State(st)
	rows, err := d.query(ctx, tx, qGetRequestRcpts, peer, txID)
	if err != nil {
		return Request{}, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var rc Recipient
		var st string
		if err := rows.Scan(&rc.Number, &rc.RcptTo, &st, &rc.Status, &rc.StatusText); err != nil {
			return Request{}, false, err
		}
		rc.State = State(st)
		r.Recipients = append(r.Recipients, rc)
	}
	return r, true, rows.Err()
}

// testHookResolved, when set by a test, runs between a resolver's two
// updates: it widens the window in which concurrent resolvers overlap.
var testHookResolved func()

func (d *db) Resolve(ctx context.Context, res Resolution) (Resolved, error) {
	if res.State == Pending || !res.State.Valid() {
		return Resolved{}, fmt.Errorf("state: resolve %s/%s: invalid final state %q", res.Peer, res.TransactionID, res.State)
	}
	var out Resolved
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		now := nanos(time.Now())
		q := qResolveRcpts
		args := []any{res.Peer, res.TransactionID, string(res.State), res.Status, res.StatusText, now}
		res.Numbers = distinct(res.Numbers, maxListed)
		if len(res.Numbers) > 0 {
			q += ` AND number IN (` + placeholders(len(args)+1, len(res.Numbers)) + `)`
			for _, n := range res.Numbers {
				args = append(args, n)
			}
		}
		// Resolvers of one request run one after the other: on
		// PostgreSQL the request row is locked first (SQLite's BEGIN
		// IMMEDIATE serialises every writer), so the last one to
		// resolve a recipient sees the others' changes and finishes the
		// request. The changed rows are read back in the same
		// transaction rather than with RETURNING.
		if d.postgres {
			if _, err := tx.ExecContext(ctx, qLockRequest, res.Peer, res.TransactionID); err != nil {
				return err
			}
		}
		before, ok, err := d.getRequest(ctx, tx, res.Peer, res.TransactionID)
		if err != nil || !ok {
			return err
		}
		var n int64
		if len(res.Numbers) > 0 {
			n, err = d.execDynamic(ctx, tx, q, args...)
		} else {
			n, err = d.exec(ctx, tx, q, args...)
		}
		if err != nil || n == 0 {
			return err
		}
		if testHookResolved != nil {
			testHookResolved()
		}
		if _, err := d.exec(ctx, tx, qSetRequestStatus, res.Peer, res.TransactionID, res.Status, res.StatusText); err != nil {
			return err
		}
		done, err := d.exec(ctx, tx, qFinishRequest, res.Peer, res.TransactionID, now)
		if err != nil {
			return err
		}
		after, _, err := d.getRequest(ctx, tx, res.Peer, res.TransactionID)
		if err != nil {
			return err
		}
		was := map[string]State{}
		for _, rc := range before.Recipients {
			was[rc.Number] = rc.State
		}
		for _, rc := range after.Recipients {
			if was[rc.Number] == Pending && rc.State != Pending {
				out.Recipients = append(out.Recipients, rc)
			}
		}
		out.Done = done == 1
		out.Request = after
		return nil
	})
	if err != nil {
		return Resolved{}, fmt.Errorf("state: resolve %s/%s: %w", res.Peer, res.TransactionID, err)
	}
	return out, nil
}

func (d *db) DueRequests(ctx context.Context, now time.Time, limit int, claimFor time.Duration) ([]Request, error) {
	if limit <= 0 || claimFor <= 0 {
		return nil, fmt.Errorf("state: due: limit %d and claim duration %v must be positive", limit, claimFor)
	}
	n := nanos(now)
	q := qDueSQLite
	if d.postgres {
		q = qDuePostgres
	}
	rows, err := d.query(ctx, nil, q, n, int64(limit), nanos(now.Add(claimFor)))
	if err != nil {
		return nil, fmt.Errorf("state: due: %w", err)
	}
	type key struct{ peer, txID string }
	var keys []key
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.peer, &k.txID); err != nil {
			rows.Close()
			return nil, fmt.Errorf("state: due: %w", err)
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: due: %w", err)
	}
	var out []Request
	for _, k := range keys {
		r, ok, err := d.getRequest(ctx, nil, k.peer, k.txID)
		if err != nil {
			return nil, fmt.Errorf("state: due: %w", err)
		}
		if ok {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Deadline.Equal(b.Deadline) {
			return a.Deadline.Before(b.Deadline)
		}
		return a.Peer+"\x00"+a.TransactionID < b.Peer+"\x00"+b.TransactionID
	})
	return out, nil
}

func (d *db) RetryRequest(ctx context.Context, peer, txID string, deadline time.Time) error {
	n, err := d.exec(ctx, nil, qRetry, peer, txID, nanos(deadline), nanos(time.Now()))
	if err != nil {
		return fmt.Errorf("state: retry %s/%s: %w", peer, txID, err)
	}
	if n == 0 {
		return fmt.Errorf("state: retry %s/%s: %w", peer, txID, ErrNotPending)
	}
	return nil
}

// Pending returns the recipients of r still waiting for an answer.
func (r Request) Pending() []Recipient {
	var out []Recipient
	for _, rc := range r.Recipients {
		if rc.State == Pending {
			out = append(out, rc)
		}
	}
	return out
}

// Numbers returns the numbers of rcpts.
func Numbers(rcpts []Recipient) []string {
	out := make([]string, len(rcpts))
	for i, rc := range rcpts {
		out[i] = rc.Number
	}
	return out
}
