// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

const (
	qPutSent = `INSERT INTO mms_sent (message_id, sender, notify_to, rfc822_message_id, subject,
			delivery_report, read_reply, sent_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (message_id) DO NOTHING`

	qPutSentRcpt = `INSERT INTO mms_sent_rcpts (message_id, number, peer, transaction_id)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (message_id, number) DO NOTHING`

	qGetSent = `SELECT message_id, sender, notify_to, rfc822_message_id, subject, delivery_report, read_reply,
			sent_at, expires_at
		FROM mms_sent WHERE message_id = $1`

	qGetSentRcpts = `SELECT number, peer, transaction_id, delivery_status, delivery_text, delivery_at, read_status, read_at
		FROM mms_sent_rcpts WHERE message_id = $1 ORDER BY number`

	// qReportRcpts: $1 message ID, $2 peer; the candidates are appended.
	qReportRcpts    = `SELECT number FROM mms_sent_rcpts WHERE message_id = $1 AND peer = $2`
	qReportSoleRcpt = qReportRcpts + ` ORDER BY number LIMIT 2`

	qRecordDelivery = `UPDATE mms_sent_rcpts SET delivery_status = $3, delivery_text = $4, delivery_at = $5
		WHERE message_id = $1 AND number = $2`
	qRecordRead = `UPDATE mms_sent_rcpts SET read_status = $3, read_at = $4
		WHERE message_id = $1 AND number = $2`

	qGetReceived = `SELECT peer, message_id, transaction_id, originator_system, sender, recipients,
			delivery_report, read_reply, received_at, expires_at, rfc822_message_id
		FROM mms_received WHERE peer = $1 AND message_id = $2 ORDER BY received_at, transaction_id`

	qReceivedByRFC822 = `SELECT DISTINCT peer, message_id FROM mms_received WHERE rfc822_message_id = $1
		LIMIT 20`
)

func (d *db) PutSent(ctx context.Context, m SentMM, reqs []Request) error {
	if m.MessageID == "" {
		return fmt.Errorf("state: put sent: empty message ID")
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		n, err := d.exec(ctx, tx, qPutSent, m.MessageID, m.Sender, m.NotifyTo, m.RFC822MessageID, m.Subject,
			boolInt(m.DeliveryReport), boolInt(m.ReadReply), nanos(m.SentAt), nanos(m.Expires))
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("message %s: %w", m.MessageID, ErrDuplicate)
		}
		for _, rc := range m.Recipients {
			if _, err := d.exec(ctx, tx, qPutSentRcpt, m.MessageID, rc.Number, rc.Peer, rc.TransactionID); err != nil {
				return err
			}
		}
		for _, r := range reqs {
			if err := d.putRequest(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state: put sent %s: %w", m.MessageID, err)
	}
	return nil
}

func (d *db) Sent(ctx context.Context, messageID string) (SentMM, bool, error) {
	var m SentMM
	var dr, rr, sentAt, expires int64
	err := d.queryRow(ctx, nil, qGetSent, messageID).Scan(&m.MessageID, &m.Sender, &m.NotifyTo,
		&m.RFC822MessageID, &m.Subject, &dr, &rr, &sentAt, &expires)
	if err == sql.ErrNoRows {
		return SentMM{}, false, nil
	}
	if err != nil {
		return SentMM{}, false, fmt.Errorf("state: sent %s: %w", messageID, err)
	}
	m.DeliveryReport, m.ReadReply = dr != 0, rr != 0
	m.SentAt, m.Expires = fromNanos(sentAt), fromNanos(expires)
	rows, err := d.query(ctx, nil, qGetSentRcpts, messageID)
	if err != nil {
		return SentMM{}, false, fmt.Errorf("state: sent %s: %w", messageID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var rc SentRecipient
		var dAt, rAt int64
		if err := rows.Scan(&rc.Number, &rc.Peer, &rc.TransactionID, &rc.Delivery, &rc.DeliveryText, &dAt,
			&rc.Read, &rAt); err != nil {
			return SentMM{}, false, fmt.Errorf("state: sent %s: %w", messageID, err)
		}
		rc.DeliveryAt, rc.ReadAt = fromNanos(dAt), fromNanos(rAt)
		m.Recipients = append(m.Recipients, rc)
	}
	if err := rows.Err(); err != nil {
		return SentMM{}, false, fmt.Errorf("state: sent %s: %w", messageID, err)
	}
	return m, true, nil
}

func (d *db) MatchReport(ctx context.Context, r Report) ([]string, error) {
	numbers, err := d.matchReport(ctx, nil, r)
	if err != nil {
		return nil, fmt.Errorf("state: match report on %s: %w", r.MessageID, err)
	}
	return numbers, nil
}

// matchReport finds the recipients a report is about: those named among
// its candidates, else the MM's only recipient through the reporting peer.
func (d *db) matchReport(ctx context.Context, tx *sql.Tx, r Report) ([]string, error) {
	r.Candidates = distinct(r.Candidates, maxListed)
	if len(r.Candidates) > 0 {
		args := []any{r.MessageID, r.Peer}
		for _, c := range r.Candidates {
			args = append(args, c)
		}
		rows, err := d.dynamic(ctx, tx, qReportRcpts+` AND number IN (`+placeholders(3, len(r.Candidates))+`) ORDER BY number`, args...)
		numbers, err := readStrings(rows, err)
		if err != nil || len(numbers) > 0 {
			return numbers, err
		}
	}
	numbers, err := readStrings(d.query(ctx, tx, qReportSoleRcpt, r.MessageID, r.Peer))
	if err != nil || len(numbers) != 1 {
		return nil, err
	}
	return numbers, nil
}

// recordReport stores a report on the recipients it matches.
func (d *db) recordReport(ctx context.Context, tx *sql.Tx, r Report) ([]string, error) {
	numbers, err := d.matchReport(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	for _, n := range numbers {
		if r.Kind == ReadReport {
			_, err = d.exec(ctx, tx, qRecordRead, r.MessageID, n, r.Status, nanos(r.At))
		} else {
			_, err = d.exec(ctx, tx, qRecordDelivery, r.MessageID, n, r.Status, r.StatusText, nanos(r.At))
		}
		if err != nil {
			return nil, err
		}
	}
	return numbers, nil
}

// readStrings reads the rows of a query returning one text column.
func readStrings(rows *sql.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Received merges the requests that carried the MM (a peer may split one
// MM over several requests with one X-Mms-Message-ID): the recipients of
// all, the reports asked for by any, the first request's other fields.
func (d *db) Received(ctx context.Context, peer, messageID string) (ReceivedMM, bool, error) {
	rows, err := d.query(ctx, nil, qGetReceived, peer, messageID)
	if err != nil {
		return ReceivedMM{}, false, fmt.Errorf("state: received %s/%s: %w", peer, messageID, err)
	}
	defer rows.Close()
	var m ReceivedMM
	found := false
	for rows.Next() {
		var r ReceivedMM
		var rcpts string
		var dr, rr, at, exp int64
		if err := rows.Scan(&r.Peer, &r.MessageID, &r.TransactionID, &r.OriginatorSystem, &r.Sender, &rcpts,
			&dr, &rr, &at, &exp, &r.RFC822MessageID); err != nil {
			return ReceivedMM{}, false, fmt.Errorf("state: received %s/%s: %w", peer, messageID, err)
		}
		if err := json.Unmarshal([]byte(rcpts), &r.Recipients); err != nil {
			return ReceivedMM{}, false, fmt.Errorf("state: received %s/%s: recipients: %w", peer, messageID, err)
		}
		r.DeliveryReport, r.ReadReply = dr != 0, rr != 0
		r.ReceivedAt, r.Expires = fromNanos(at), fromNanos(exp)
		if !found {
			m, found = r, true
			m.Recipients = nil
		}
		for _, n := range r.Recipients {
			if !containsString(m.Recipients, n) {
				m.Recipients = append(m.Recipients, n)
			}
		}
		m.DeliveryReport = m.DeliveryReport || r.DeliveryReport
		m.ReadReply = m.ReadReply || r.ReadReply
		if r.Expires.After(m.Expires) {
			m.Expires = r.Expires
		}
	}
	if err := rows.Err(); err != nil {
		return ReceivedMM{}, false, fmt.Errorf("state: received %s/%s: %w", peer, messageID, err)
	}
	return m, found, nil
}

// ReceivedByRFC822ID finds the MMs that were delivered with this RFC 5322
// Message-ID: usually one, but two peers may relay the same Internet mail
// (at most 20 are returned).
func (d *db) ReceivedByRFC822ID(ctx context.Context, id string) ([]ReceivedMM, error) {
	if id == "" {
		return nil, nil
	}
	rows, err := d.query(ctx, nil, qReceivedByRFC822, id)
	if err != nil {
		return nil, fmt.Errorf("state: received as %s: %w", id, err)
	}
	type key struct{ peer, messageID string }
	var keys []key
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.peer, &k.messageID); err != nil {
			rows.Close()
			return nil, fmt.Errorf("state: received as %s: %w", id, err)
		}
		keys = append(keys, k)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("state: received as %s: %w", id, err)
	}
	var out []ReceivedMM
	for _, k := range keys {
		m, ok, err := d.Received(ctx, k.peer, k.messageID)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, m)
		}
	}
	return out, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const (
	qSweepTransactions = `DELETE FROM mm4_transactions WHERE expires_at <= $1`
	// Processed transactions are forgotten oldest first (by when they
	// expire: every one is remembered for the same window) beyond a count;
	// claims in flight are kept.
	// $1 is how many are over the count, minus one: the index is walked
	// from the oldest end only that far.
	qTrimTransactions = `DELETE FROM mm4_transactions WHERE state = 'done' AND expires_at <= (
		SELECT expires_at FROM mm4_transactions WHERE state = 'done' ORDER BY expires_at ASC LIMIT 1 OFFSET $1)`
	qCountTransactions = `SELECT count(*) FROM mm4_transactions WHERE state = 'done'`
	qSweepSentRcpts    = `DELETE FROM mms_sent_rcpts WHERE EXISTS (
		SELECT 1 FROM mms_sent s WHERE s.message_id = mms_sent_rcpts.message_id AND s.expires_at <= $1)`
	qSweepSent     = `DELETE FROM mms_sent WHERE expires_at <= $1`
	qSweepReceived = `DELETE FROM mms_received WHERE expires_at <= $1`

	qCountRows = `SELECT (SELECT count(*) FROM mm4_transactions), (SELECT count(*) FROM mm4_requests),
		(SELECT count(*) FROM mms_sent), (SELECT count(*) FROM mms_received), (SELECT count(*) FROM mms_handset)`
)

func (d *db) Counts(ctx context.Context) (Rows, error) {
	var r Rows
	err := d.queryRow(ctx, nil, qCountRows).Scan(&r.Transactions, &r.Requests, &r.Sent, &r.Received, &r.Handsets)
	if err != nil {
		return Rows{}, fmt.Errorf("state: count rows: %w", err)
	}
	return r, nil
}

func (d *db) Sweep(ctx context.Context, now time.Time) (Swept, error) {
	var s Swept
	n := nanos(now)
	steps := []struct {
		query string
		arg   int64
		count *int
	}{
		{qSweepTransactions, n, &s.Transactions},
		{qExpireRequestRcpts, nanos(now.Add(-d.retention)), nil},
		{qExpireRequests, nanos(now.Add(-d.retention)), &s.Requests},
		{qSweepSentRcpts, n, nil},
		{qSweepSent, n, &s.Sent},
		{qSweepReceived, n, &s.Received},
	}
	for _, st := range steps {
		c, err := d.exec(ctx, nil, st.query, st.arg)
		if err != nil {
			return s, fmt.Errorf("state: sweep: %w", err)
		}
		if st.count != nil {
			*st.count = int(c)
		}
	}
	// A handset MM in a final state is kept, for a late or repeated
	// M-NotifyResp.ind or M-Acknowledge.ind, as long as a resolved
	// request.
	c, err := d.sweepHandsets(ctx, now.Add(-d.retention))
	if err != nil {
		return s, fmt.Errorf("state: sweep: %w", err)
	}
	s.Handsets = c
	if err := d.queryRow(ctx, nil, qCountTransactions).Scan(&s.Remembered); err != nil {
		return s, fmt.Errorf("state: sweep: %w", err)
	}
	if over := s.Remembered - d.maxTx; over > 0 {
		c, err := d.exec(ctx, nil, qTrimTransactions, over-1)
		if err != nil {
			return s, fmt.Errorf("state: sweep: %w", err)
		}
		s.Transactions += int(c)
		s.Remembered -= int(c)
	}
	return s, nil
}
