// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package state

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// A row of mm4_transactions is a processed transaction (state 'done',
// expires_at when it is forgotten) or, on PostgreSQL, a claim (state
// 'claimed', expires_at the end of the claim, owner the claiming
// instance). A claim takes over any row that has expired, whatever its
// state. On SQLite claims are kept in memory (claims.go).
const (
	qClaim = `INSERT INTO mm4_transactions (peer, transaction_id, state, owner, expires_at)
		VALUES ($1, $2, 'claimed', $3, $4)
		ON CONFLICT (peer, transaction_id) DO UPDATE
			SET state = 'claimed', owner = $3, expires_at = $4, status = '', status_text = ''
			WHERE mm4_transactions.expires_at <= $5`

	qClaimed = `SELECT state, status, status_text FROM mm4_transactions
		WHERE peer = $1 AND transaction_id = $2`

	qFinish = `UPDATE mm4_transactions SET state = 'done', status = $3, status_text = $4, expires_at = $5, owner = ''
		WHERE peer = $1 AND transaction_id = $2 AND state = 'claimed' AND owner = $6`

	qRelease = `DELETE FROM mm4_transactions
		WHERE peer = $1 AND transaction_id = $2 AND state = 'claimed' AND owner = $3`

	qReleaseOwnClaims = `DELETE FROM mm4_transactions WHERE state = 'claimed' AND owner = $1`

	// SQLite: the transaction as it stands, and finishing it by writing
	// the row (over an expired one).
	qSeen = `SELECT status, status_text FROM mm4_transactions
		WHERE peer = $1 AND transaction_id = $2 AND state = 'done' AND expires_at > $3`
	qFinishSQLite = `INSERT INTO mm4_transactions (peer, transaction_id, state, status, status_text, expires_at)
		VALUES ($1, $2, 'done', $3, $4, $5)
		ON CONFLICT (peer, transaction_id) DO UPDATE
			SET state = 'done', owner = '', status = $3, status_text = $4, expires_at = $5`

	qImport = `INSERT INTO mm4_transactions (peer, transaction_id, state, status, expires_at)
		VALUES ($1, $2, 'done', 'Ok', $3)
		ON CONFLICT (peer, transaction_id) DO NOTHING`

	qPutReceived = `INSERT INTO mms_received (peer, message_id, transaction_id, originator_system, sender,
			recipients, delivery_report, read_reply, received_at, expires_at, rfc822_message_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (peer, message_id, transaction_id) DO NOTHING`
)

func (d *db) ClaimTransaction(ctx context.Context, peer, txID string) (Claim, error) {
	if peer == "" || txID == "" {
		return Claim{}, errors.New("state: claim: empty peer or transaction ID")
	}
	if !d.postgres {
		return d.claimSQLite(ctx, peer, txID)
	}
	// A row deleted by a sweep between the two statements is claimed on
	// the second round.
	for round := 0; round < 2; round++ {
		now := time.Now()
		n, err := d.exec(ctx, nil, qClaim, peer, txID, d.owner, nanos(now.Add(ClaimDuration)), nanos(now))
		if err != nil {
			return Claim{}, fmt.Errorf("state: claim %s/%s: %w", peer, txID, err)
		}
		if n == 1 {
			return Claim{State: Claimed}, nil
		}
		var c Claim
		var st string
		err = d.queryRow(ctx, nil, qClaimed, peer, txID).Scan(&st, &c.Status, &c.StatusText)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return Claim{}, fmt.Errorf("state: claim %s/%s: %w", peer, txID, err)
		}
		if st == "done" {
			c.State = Duplicate
		} else {
			c.State = InFlight
		}
		return c, nil
	}
	return Claim{State: InFlight}, nil
}

func (d *db) claimSQLite(ctx context.Context, peer, txID string) (Claim, error) {
	// The claim first, then the look-up: a session finishing the same
	// transaction meanwhile has written it before it dropped its claim.
	k := claimKey{peer, txID}
	if !d.takeClaim(k) {
		return Claim{State: InFlight}, nil
	}
	c := Claim{State: Duplicate}
	err := d.queryRow(ctx, nil, qSeen, peer, txID, nanos(time.Now())).Scan(&c.Status, &c.StatusText)
	switch {
	case err == sql.ErrNoRows:
		return Claim{State: Claimed}, nil
	case err != nil:
		d.dropClaim(k)
		return Claim{}, fmt.Errorf("state: claim %s/%s: %w", peer, txID, err)
	}
	d.dropClaim(k)
	return c, nil
}

func (d *db) FinishTransaction(ctx context.Context, f Finish) error {
	k := claimKey{f.Peer, f.TransactionID}
	if !d.postgres && !d.holdsClaim(k) {
		return fmt.Errorf("state: finish %s/%s: %w", f.Peer, f.TransactionID, ErrNotClaimed)
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if d.postgres {
			n, err := d.exec(ctx, tx, qFinish, f.Peer, f.TransactionID, f.Status, f.StatusText, nanos(f.Until), d.owner)
			if err != nil {
				return err
			}
			if n == 0 {
				return ErrNotClaimed
			}
		} else if _, err := d.exec(ctx, tx, qFinishSQLite, f.Peer, f.TransactionID, f.Status, f.StatusText, nanos(f.Until)); err != nil {
			return err
		}
		if m := f.Received; m != nil {
			rcpts, err := json.Marshal(nonNil(m.Recipients))
			if err != nil {
				return err
			}
			if _, err := d.exec(ctx, tx, qPutReceived, m.Peer, m.MessageID, m.TransactionID, m.OriginatorSystem,
				m.Sender, string(rcpts), boolInt(m.DeliveryReport), boolInt(m.ReadReply),
				nanos(m.ReceivedAt), nanos(m.Expires), m.RFC822MessageID); err != nil {
				return err
			}
		}
		if f.Report != nil {
			if _, err := d.recordReport(ctx, tx, *f.Report); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state: finish %s/%s: %w", f.Peer, f.TransactionID, err)
	}
	if !d.postgres {
		d.dropClaim(k)
	}
	return nil
}

func (d *db) ReleaseTransaction(ctx context.Context, peer, txID string) error {
	if !d.postgres {
		d.dropClaim(claimKey{peer, txID})
		return nil
	}
	if _, err := d.exec(ctx, nil, qRelease, peer, txID, d.owner); err != nil {
		return fmt.Errorf("state: release %s/%s: %w", peer, txID, err)
	}
	return nil
}

// ImportSeen reads the duplicate log format of maddy-mms 0.1: one line
// per transaction, "<unix expiry> <Go-quoted peer NUL transaction ID>",
// possibly with superseded and torn lines.
func (d *db) ImportSeen(ctx context.Context, path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("state: import %s: %w", path, err)
	}
	defer f.Close()
	type entry struct {
		peer, txID string
		expires    time.Time
	}
	entries := map[string]entry{} // the last line of a key wins
	now := time.Now()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		exp, qkey, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		secs, err := strconv.ParseInt(exp, 10, 64)
		if err != nil {
			continue
		}
		key, err := strconv.Unquote(qkey)
		if err != nil {
			continue
		}
		peer, txID, ok := strings.Cut(key, "\x00")
		if !ok || peer == "" || txID == "" {
			continue
		}
		entries[key] = entry{peer, txID, time.Unix(secs, 0)}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("state: import %s: %w", path, err)
	}
	n := 0
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		for _, e := range entries {
			if !e.expires.After(now) {
				continue
			}
			c, err := d.exec(ctx, tx, qImport, e.peer, e.txID, nanos(e.expires))
			if err != nil {
				return err
			}
			n += int(c)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("state: import %s: %w", path, err)
	}
	return n, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
