// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package state

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The conditions of the partial indexes of schema version 4 are repeated
// word for word here: SQLite uses a partial index only for a query whose
// WHERE contains its condition as written.
const (
	handsetColumns = `id, transaction_id, number, message_id, peer, sender, subject, class, size,
			delivery_report, read_reply, received_at, expires_at, notified_at, state, state_at, notify_to,
			rfc822_message_id`

	// ON CONFLICT without a target: a duplicate ID or transaction ID.
	qPutHandset = `INSERT INTO mms_handset (` + handsetColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT DO NOTHING`

	qGetHandset        = `SELECT ` + handsetColumns + ` FROM mms_handset WHERE id = $1`
	qGetHandsetByTx    = `SELECT ` + handsetColumns + ` FROM mms_handset WHERE transaction_id = $1`
	qMarkHandsetNotify = `UPDATE mms_handset SET notified_at = $2 WHERE id = $1`
	qDeleteHandset     = `DELETE FROM mms_handset WHERE id = $1`

	qPendingHandset = `SELECT ` + handsetColumns + ` FROM mms_handset
		WHERE state = 'stored' AND notified_at = 0
		ORDER BY received_at, id LIMIT $1`
	qExpiredHandset = `SELECT ` + handsetColumns + ` FROM mms_handset
		WHERE state IN ('stored', 'retrieved') AND expires_at <> 0 AND expires_at <= $1
		ORDER BY expires_at, id LIMIT $2`
	qHandsetFor = `SELECT ` + handsetColumns + ` FROM mms_handset
		WHERE state IN ('stored', 'retrieved') AND number = $1
		ORDER BY received_at, id LIMIT $2`

	// qSetHandsetState: the states moved from are appended from $4.
	qSetHandsetState = `UPDATE mms_handset SET state = $1, state_at = $2 WHERE id = $3 AND state IN (`

	qSweepHandset = `DELETE FROM mms_handset
		WHERE state IN ('acknowledged', 'rejected', 'expired') AND state_at <= $1`
)

// maxHandsetList bounds the limit of the listing methods.
const maxHandsetList = 10000

// hexec runs a handset statement: prepared when it is among the store's
// fixed queries, else unprepared (outside any transaction, so it never
// waits for SQLite's only connection held by the caller).
func (d *db) hexec(ctx context.Context, query string, args ...any) (int64, error) {
	if _, ok := d.stmts[query]; ok {
		return d.exec(ctx, nil, query, args...)
	}
	res, err := d.sql.ExecContext(ctx, d.q(query), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// hquery is hexec for a query returning rows.
func (d *db) hquery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if _, ok := d.stmts[query]; ok {
		return d.query(ctx, nil, query, args...)
	}
	return d.sql.QueryContext(ctx, d.q(query), args...)
}

func (d *db) PutHandsetMM(ctx context.Context, m HandsetMM) error {
	if m.ID == "" || m.TransactionID == "" {
		return fmt.Errorf("state: put handset MM %q: empty ID or transaction ID", m.ID)
	}
	stateAt := m.StateAt
	if stateAt.IsZero() {
		stateAt = m.ReceivedAt
	}
	n, err := d.hexec(ctx, qPutHandset, m.ID, m.TransactionID, m.Number, m.MessageID, m.Peer, m.Sender,
		m.Subject, m.Class, m.Size, boolInt(m.DeliveryReport), boolInt(m.ReadReply),
		nanos(m.ReceivedAt), nanos(m.Expires), nanos(m.NotifiedAt), string(HandsetStored), nanos(stateAt),
		m.NotifyTo, m.RFC822MessageID)
	if err != nil {
		return fmt.Errorf("state: put handset MM %s: %w", m.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("state: put handset MM %s (transaction %s): %w", m.ID, m.TransactionID, ErrDuplicate)
	}
	return nil
}

func (d *db) HandsetMM(ctx context.Context, id string) (HandsetMM, bool, error) {
	return d.handsetOne(ctx, qGetHandset, id)
}

func (d *db) HandsetMMByTransaction(ctx context.Context, txID string) (HandsetMM, bool, error) {
	return d.handsetOne(ctx, qGetHandsetByTx, txID)
}

func (d *db) handsetOne(ctx context.Context, query, key string) (HandsetMM, bool, error) {
	list, err := readHandsets(d.hquery(ctx, query, key))
	if err != nil {
		return HandsetMM{}, false, fmt.Errorf("state: handset MM %s: %w", key, err)
	}
	if len(list) == 0 {
		return HandsetMM{}, false, nil
	}
	return list[0], true, nil
}

func (d *db) SetHandsetState(ctx context.Context, id string, from []HandsetState, to HandsetState, at time.Time) (bool, error) {
	if !to.Valid() {
		return false, fmt.Errorf("state: handset MM %s: invalid state %q", id, to)
	}
	args := []any{string(to), nanos(at), id}
	seen := map[HandsetState]bool{}
	for _, f := range from {
		if !f.Valid() {
			return false, fmt.Errorf("state: handset MM %s: invalid state %q", id, f)
		}
		if !seen[f] {
			seen[f] = true
			args = append(args, string(f))
		}
	}
	if len(seen) == 0 {
		return false, nil
	}
	n, err := d.hexec(ctx, qSetHandsetState+placeholders(4, len(seen))+`)`, args...)
	if err != nil {
		return false, fmt.Errorf("state: handset MM %s to %s: %w", id, to, err)
	}
	return n > 0, nil
}

func (d *db) MarkHandsetNotified(ctx context.Context, id string, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("state: handset MM %s: notified at the zero time", id)
	}
	if _, err := d.hexec(ctx, qMarkHandsetNotify, id, nanos(at)); err != nil {
		return fmt.Errorf("state: handset MM %s notified: %w", id, err)
	}
	return nil
}

func (d *db) PendingNotifications(ctx context.Context, limit int) ([]HandsetMM, error) {
	if limit <= 0 {
		return nil, nil
	}
	list, err := readHandsets(d.hquery(ctx, qPendingHandset, min(limit, maxHandsetList)))
	if err != nil {
		return nil, fmt.Errorf("state: pending handset notifications: %w", err)
	}
	return list, nil
}

func (d *db) ExpiredHandsetMMs(ctx context.Context, now time.Time, limit int) ([]HandsetMM, error) {
	if limit <= 0 {
		return nil, nil
	}
	list, err := readHandsets(d.hquery(ctx, qExpiredHandset, nanos(now), min(limit, maxHandsetList)))
	if err != nil {
		return nil, fmt.Errorf("state: expired handset MMs: %w", err)
	}
	return list, nil
}

func (d *db) HandsetMMsFor(ctx context.Context, number string, limit int) ([]HandsetMM, error) {
	if limit <= 0 {
		return nil, nil
	}
	list, err := readHandsets(d.hquery(ctx, qHandsetFor, number, min(limit, maxHandsetList)))
	if err != nil {
		return nil, fmt.Errorf("state: handset MMs for %s: %w", number, err)
	}
	return list, nil
}

func (d *db) DeleteHandsetMM(ctx context.Context, id string) error {
	if _, err := d.hexec(ctx, qDeleteHandset, id); err != nil {
		return fmt.Errorf("state: delete handset MM %s: %w", id, err)
	}
	return nil
}

// sweepHandsets deletes the handset MMs in a final state since before
// horizon.
func (d *db) sweepHandsets(ctx context.Context, horizon time.Time) (int, error) {
	n, err := d.hexec(ctx, qSweepHandset, nanos(horizon))
	return int(n), err
}

// readHandsets reads the rows of a query returning handsetColumns.
func readHandsets(rows *sql.Rows, err error) ([]HandsetMM, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HandsetMM
	for rows.Next() {
		var m HandsetMM
		var dr, rr, received, expires, notified, stateAt int64
		var st string
		if err := rows.Scan(&m.ID, &m.TransactionID, &m.Number, &m.MessageID, &m.Peer, &m.Sender,
			&m.Subject, &m.Class, &m.Size, &dr, &rr, &received, &expires, &notified, &st, &stateAt,
			&m.NotifyTo, &m.RFC822MessageID); err != nil {
			return nil, err
		}
		m.DeliveryReport, m.ReadReply = dr != 0, rr != 0
		m.ReceivedAt, m.Expires, m.NotifiedAt = fromNanos(received), fromNanos(expires), fromNanos(notified)
		m.State, m.StateAt = HandsetState(st), fromNanos(stateAt)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
