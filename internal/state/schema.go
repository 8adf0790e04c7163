// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package state

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// The schema is versioned: mms_schema holds the version a database is at,
// and Open applies the migrations after it in order, each in its own
// transaction with the version update, under a lock (BEGIN IMMEDIATE on
// SQLite, an advisory lock on PostgreSQL), so instances starting at once
// migrate once. The SQL is understood by SQLite (3.35 or later, bundled by
// both drivers) and PostgreSQL (9.5 or later); where they differ a
// migration has a statement per database.

// migration is one forward step of the schema.
type migration struct {
	name     string
	sqlite   []string
	postgres []string // nil: the same as sqlite
}

// pgMigrationLock is the pg_advisory_xact_lock key serialising schema
// changes ("mmsreq" in ASCII, as maddy-mms 0.1 used for its request store).
const pgMigrationLock int64 = 0x6d6d73726571

// migrations are the schema versions 1, 2, …: never edit one that was
// released, add a new one.
var migrations = []migration{
	{
		// Version 1 is the request store of maddy-mms 0.1 as it was, so
		// that its databases upgrade in place.
		name: "requests",
		sqlite: []string{
			`CREATE TABLE IF NOT EXISTS mm4_requests (
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
				PRIMARY KEY (peer, transaction_id))`,
			`CREATE INDEX IF NOT EXISTS mm4_requests_pending_deadline
				ON mm4_requests (deadline) WHERE state = 'pending'`,
		},
	},
	{
		// Version 2: one store for the relay. Requests get their envelope
		// and per-recipient answers (mm4_requests.sender is now the
		// address DSNs go to; its recipients column is no longer
		// written); received transactions replace the duplicate log;
		// MMs sent and received are remembered for reports.
		name: "relay state",
		sqlite: []string{
			`ALTER TABLE mm4_requests ADD COLUMN mail_from TEXT NOT NULL DEFAULT ''`,
			`CREATE TABLE mm4_request_rcpts (
				peer           TEXT   NOT NULL,
				transaction_id TEXT   NOT NULL,
				number         TEXT   NOT NULL,
				rcpt_to        TEXT   NOT NULL DEFAULT '',
				state          TEXT   NOT NULL,
				status         TEXT   NOT NULL DEFAULT '',
				status_text    TEXT   NOT NULL DEFAULT '',
				resolved_at    BIGINT NOT NULL DEFAULT 0,
				PRIMARY KEY (peer, transaction_id, number)) WITHOUT ROWID`,
			// The recipients of version 1 requests become rows; their
			// envelope is unknown, so they are never sent again.
			`INSERT INTO mm4_request_rcpts (peer, transaction_id, number, state, status, status_text, resolved_at)
				SELECT r.peer, r.transaction_id, j.value, r.state, r.status, r.status_text, r.resolved_at
				FROM mm4_requests r, json_each(r.recipients) j
				WHERE true
				ON CONFLICT DO NOTHING`,
			`CREATE TABLE mm4_transactions (
				peer           TEXT   NOT NULL,
				transaction_id TEXT   NOT NULL,
				state          TEXT   NOT NULL,
				owner          TEXT   NOT NULL DEFAULT '',
				status         TEXT   NOT NULL DEFAULT '',
				status_text    TEXT   NOT NULL DEFAULT '',
				expires_at     BIGINT NOT NULL,
				PRIMARY KEY (peer, transaction_id)) WITHOUT ROWID`,
			`CREATE INDEX mm4_transactions_expires ON mm4_transactions (expires_at)`,
			`CREATE TABLE mms_sent (
				message_id        TEXT    NOT NULL PRIMARY KEY,
				sender            TEXT    NOT NULL DEFAULT '',
				notify_to         TEXT    NOT NULL DEFAULT '',
				rfc822_message_id TEXT    NOT NULL DEFAULT '',
				subject           TEXT    NOT NULL DEFAULT '',
				delivery_report   INTEGER NOT NULL DEFAULT 0,
				read_reply        INTEGER NOT NULL DEFAULT 0,
				sent_at           BIGINT  NOT NULL DEFAULT 0,
				expires_at        BIGINT  NOT NULL) WITHOUT ROWID`,
			`CREATE INDEX mms_sent_expires ON mms_sent (expires_at)`,
			`CREATE TABLE mms_sent_rcpts (
				message_id     TEXT   NOT NULL,
				number         TEXT   NOT NULL,
				peer           TEXT   NOT NULL DEFAULT '',
				transaction_id TEXT   NOT NULL DEFAULT '',
				delivery_status TEXT   NOT NULL DEFAULT '',
				delivery_text  TEXT   NOT NULL DEFAULT '',
				delivery_at    BIGINT NOT NULL DEFAULT 0,
				read_status    TEXT   NOT NULL DEFAULT '',
				read_at        BIGINT NOT NULL DEFAULT 0,
				PRIMARY KEY (message_id, number)) WITHOUT ROWID`,
			`CREATE TABLE mms_received (
				peer              TEXT    NOT NULL,
				message_id        TEXT    NOT NULL,
				transaction_id    TEXT    NOT NULL DEFAULT '',
				originator_system TEXT    NOT NULL DEFAULT '',
				sender            TEXT    NOT NULL DEFAULT '',
				recipients        TEXT    NOT NULL DEFAULT '[]',
				delivery_report   INTEGER NOT NULL DEFAULT 0,
				read_reply        INTEGER NOT NULL DEFAULT 0,
				received_at       BIGINT  NOT NULL DEFAULT 0,
				expires_at        BIGINT  NOT NULL,
				PRIMARY KEY (peer, message_id, transaction_id)) WITHOUT ROWID`,
			`CREATE INDEX mms_received_expires ON mms_received (expires_at)`,
		},
	},
	{
		// Version 3: an MM received is also found by the RFC 5322
		// Message-ID it was delivered with, which a subscriber's MDN
		// names (RFC 8098 Original-Message-ID): its read report goes to
		// the peer the MM came from.
		name: "received by rfc822 message id",
		sqlite: []string{
			`ALTER TABLE mms_received ADD COLUMN rfc822_message_id TEXT NOT NULL DEFAULT ''`,
			`CREATE INDEX mms_received_rfc822 ON mms_received (rfc822_message_id)`,
		},
	},
	{
		// Version 4: the MMs stored for retrieval by handsets over MM1
		// (OMA MMS: M-Notification.ind, a GET of its Content-Location,
		// M-NotifyResp.ind or M-Acknowledge.ind). The partial indexes
		// serve the notifier (stored, not yet notified), the expiry of
		// what was not fetched, a handset's listing and Sweep; their
		// conditions are repeated word for word by the queries, which
		// SQLite needs to use them.
		name: "handset mms",
		sqlite: []string{
			`CREATE TABLE mms_handset (
				id              TEXT    NOT NULL PRIMARY KEY,
				transaction_id  TEXT    NOT NULL,
				number          TEXT    NOT NULL,
				message_id      TEXT    NOT NULL DEFAULT '',
				peer            TEXT    NOT NULL DEFAULT '',
				sender          TEXT    NOT NULL DEFAULT '',
				subject         TEXT    NOT NULL DEFAULT '',
				class           TEXT    NOT NULL DEFAULT '',
				size            BIGINT  NOT NULL DEFAULT 0,
				delivery_report INTEGER NOT NULL DEFAULT 0,
				read_reply      INTEGER NOT NULL DEFAULT 0,
				received_at     BIGINT  NOT NULL DEFAULT 0,
				expires_at      BIGINT  NOT NULL DEFAULT 0,
				notified_at     BIGINT  NOT NULL DEFAULT 0,
				state           TEXT    NOT NULL,
				state_at        BIGINT  NOT NULL DEFAULT 0,
				notify_to       TEXT    NOT NULL DEFAULT '',
				rfc822_message_id TEXT  NOT NULL DEFAULT '')`,
			`CREATE UNIQUE INDEX mms_handset_transaction ON mms_handset (transaction_id)`,
			`CREATE INDEX mms_handset_pending ON mms_handset (received_at, id)
				WHERE state = 'stored' AND notified_at = 0`,
			`CREATE INDEX mms_handset_expires ON mms_handset (expires_at, id)
				WHERE state IN ('stored', 'retrieved') AND expires_at <> 0`,
			`CREATE INDEX mms_handset_number ON mms_handset (number, received_at, id)
				WHERE state IN ('stored', 'retrieved')`,
			`CREATE INDEX mms_handset_final ON mms_handset (state_at)
				WHERE state IN ('acknowledged', 'rejected', 'expired')`,
		},
	},
}

func init() {
	// PostgreSQL differs in version 2: its tables have no rowid to leave
	// out (SQLite's WITHOUT ROWID keeps a table keyed by its primary key
	// in one B-tree, so a row is one write), and JSON arrays are expanded
	// with jsonb_array_elements_text.
	m := &migrations[1]
	for _, stmt := range m.sqlite {
		m.postgres = append(m.postgres, strings.ReplaceAll(stmt, ") WITHOUT ROWID", ")"))
	}
	m.postgres[2] = `INSERT INTO mm4_request_rcpts (peer, transaction_id, number, state, status, status_text, resolved_at)
		SELECT r.peer, r.transaction_id, j.value, r.state, r.status, r.status_text, r.resolved_at
		FROM mm4_requests r CROSS JOIN LATERAL jsonb_array_elements_text(r.recipients::jsonb) AS j(value)
		ON CONFLICT DO NOTHING`
}

// SchemaVersion is the schema version this build creates and understands.
var SchemaVersion = len(migrations)

// migrate brings the schema to SchemaVersion.
func (d *db) migrate(ctx context.Context) error {
	if d.postgres {
		// Issue no DDL at all when the schema is current, so that a role
		// without CREATE privilege can use a database set up by another.
		var exists bool
		if err := d.sql.QueryRowContext(ctx, `SELECT to_regclass('mms_schema') IS NOT NULL`).Scan(&exists); err != nil {
			return fmt.Errorf("state: schema: %w", err)
		}
		if exists {
			v, err := d.schemaVersion(ctx, d.sql)
			if err != nil {
				return err
			}
			if v == SchemaVersion {
				return nil
			}
		}
	}
	for {
		done, err := d.migrateOne(ctx)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration, if any, in one transaction.
func (d *db) migrateOne(ctx context.Context) (done bool, err error) {
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		if d.postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, pgMigrationLock); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS mms_schema (version INTEGER NOT NULL)`); err != nil {
			return err
		}
		v, err := d.schemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		if v > SchemaVersion {
			return fmt.Errorf("the database is at schema version %d, newer than this maddy-mms knows (%d): use a newer maddy-mms", v, SchemaVersion)
		}
		if v == SchemaVersion {
			done = true
			return nil
		}
		m := migrations[v]
		stmts := m.sqlite
		if d.postgres && m.postgres != nil {
			stmts = m.postgres
		}
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("version %d (%s): %w", v+1, m.name, err)
			}
		}
		if v == 0 {
			_, err = tx.ExecContext(ctx, `INSERT INTO mms_schema (version) VALUES (1)`)
		} else {
			_, err = tx.ExecContext(ctx, d.q(`UPDATE mms_schema SET version = $1`), v+1)
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("state: schema: %w", err)
	}
	return done, nil
}

// schemaVersion reads the version; 0 when mms_schema is empty.
func (d *db) schemaVersion(ctx context.Context, on interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	err := on.QueryRowContext(ctx, `SELECT version FROM mms_schema`).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("state: schema version: %w", err)
	}
	return v, nil
}
