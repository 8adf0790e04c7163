// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package state is the durable memory of the MMS Relay/Server: one store,
// one interface, two drivers (SQLite in the state directory, PostgreSQL for
// several instances behind one MX). It holds
//
//   - the MM4 transactions received from each peer, so that a request sent
//     again is processed once and answered with the same status
//     (3GPP TS 23.140 §8.4.5: delivery over SMTP is at least once);
//   - the requests we sent that asked for a response, with the SMTP envelope
//     exactly as sent, per recipient, until every recipient is answered or
//     the response is overdue (§8.4.1);
//   - the MMs we sent, by X-Mms-Message-ID: sender, recipients, the peer and
//     transaction each recipient went with, the reports asked for, and the
//     delivery and read reports received (§8.4.2, §8.4.3);
//   - the MMs we received, by peer and X-Mms-Message-ID: the originating
//     peer and originator system, sender, recipients and reports asked for,
//     so that reports can be sent back;
//   - the MMs stored for our subscribers' handsets until they fetch them
//     over MM1 (OMA MMS): where each is in its life (stored, retrieved,
//     acknowledged, rejected, expired) and whether its notification was
//     pushed.
//
// Every state change is one conditional SQL statement (or one transaction
// of them), so several instances sharing one PostgreSQL database act
// exactly once: of two sessions claiming the same transaction one wins, a
// response seen by two instances resolves a recipient once, and two
// pollers get disjoint sets of overdue requests. A SQLite store belongs to
// one instance: there a claim on a received transaction is held in the
// process's memory (by every handle on the file), so that a received
// request costs one write. Sweep deletes what has expired, which bounds
// the store's size.
package state

import (
	"context"
	"errors"
	"time"
)

// Store is the state of one relay. Implementations are safe for concurrent
// use, also by several Store handles (processes, instances) opened on the
// same database.
type Store interface {
	Transactions
	Requests
	Messages
	Handsets

	// Sweep deletes what expired before now: remembered transactions,
	// requests resolved before now minus the retention given at Open,
	// sent or received MMs past their expiry, and handset MMs that
	// reached a final state (acknowledged, rejected, expired) before now
	// minus that same retention. It then forgets the
	// oldest transactions beyond Options.MaxTransactions.
	Sweep(ctx context.Context, now time.Time) (Swept, error)

	// Counts returns how many rows each part of the store holds, for
	// the state store size metric: one COUNT per table, so it is meant
	// for a periodic sweep, not for every message.
	Counts(ctx context.Context) (Rows, error)

	Close() error
}

// Rows is how many rows each part of a store holds.
type Rows struct {
	Transactions int // received transactions remembered, and claims in flight (PostgreSQL)
	Requests     int // requests we sent, pending or resolved and kept for request_retention
	Sent         int // MMs we sent, kept for reports
	Received     int // MMs we received, kept to send reports back
	Handsets     int // MMs stored for handsets, in any state
}

// Swept counts what one Sweep deleted, and how many received transactions
// are remembered afterwards.
type Swept struct {
	Transactions, Requests, Sent, Received int
	// Handsets is the number of handset MMs deleted (in a final state
	// for longer than the retention).
	Handsets int
	// Remembered is the number of processed received transactions kept
	// (claims in flight not counted).
	Remembered int
}

// Options say which database to open and how this instance is known in it.
type Options struct {
	// Driver is "sqlite3" (alias "sqlite") or "postgres" (alias
	// "postgresql"). The SQLite names select whichever SQLite the binary
	// was built with, like maddy's own storage: mattn/go-sqlite3 with cgo,
	// modernc.org/sqlite without, so one configuration works with both.
	Driver string
	// DSN is a file path (or "file:" URI) for SQLite, a lib/pq DSN
	// ("host=… dbname=…" or a postgres:// URL) for PostgreSQL.
	DSN string
	// Owner names this instance's in-flight claims (e.g. its host name
	// and state directory). Claims it left behind in a crash are released
	// when it opens the store again.
	Owner string
	// RequestRetention is how long a resolved request is kept (for
	// GetRequest, for a late duplicate response) before Sweep deletes it,
	// and how long a handset MM is kept in a final state (for a late or
	// repeated M-NotifyResp.ind or M-Acknowledge.ind). Zero means seven
	// days.
	RequestRetention time.Duration
	// MaxTransactions bounds how many received transactions are
	// remembered: Sweep forgets the oldest beyond it, even before their
	// time. Zero means DefaultMaxTransactions.
	MaxTransactions int
}

// DefaultMaxTransactions is the default Options.MaxTransactions: a week of
// a busy peer at more than one request a second, a few hundred megabytes of
// store at the longest transaction IDs a peer may send.
const DefaultMaxTransactions = 1000000

// ---------------------------------------------------------------------------
// Received transactions

// Transactions remembers the MM4 requests received from each peer, by
// transaction ID (TS 23.140 §8.4.5), for duplicate detection.
type Transactions interface {
	// ClaimTransaction claims (peer, txID) for processing by this
	// instance. It returns Claimed when nobody processed it (or a
	// previous claim or memory of it expired), Duplicate with the status
	// it was answered with when it was processed, or InFlight when
	// another session holds a live claim on it.
	ClaimTransaction(ctx context.Context, peer, txID string) (Claim, error)

	// FinishTransaction records the outcome of a claimed transaction and
	// keeps it until f.Until; in the same database transaction it records
	// f.Received and f.Report when they are set. It fails with an error
	// wrapping ErrNotClaimed when this instance does not hold the claim
	// (it expired and was taken over).
	FinishTransaction(ctx context.Context, f Finish) error

	// ReleaseTransaction drops this instance's claim without remembering
	// the transaction, so that the request sent again is processed anew.
	ReleaseTransaction(ctx context.Context, peer, txID string) error

	// ImportSeen reads a duplicate log of maddy-mms 0.1 (the
	// state_dir/mms/NAME.seen file) and remembers its live transactions
	// as processed with status Ok. It returns how many it imported.
	ImportSeen(ctx context.Context, path string) (int, error)
}

// ClaimState is the outcome of ClaimTransaction.
type ClaimState int

const (
	// Claimed: the caller processes the transaction and then calls
	// FinishTransaction or ReleaseTransaction.
	Claimed ClaimState = iota + 1
	// Duplicate: processed already; Claim.Status and Claim.StatusText are
	// what it was answered with.
	Duplicate
	// InFlight: another session is processing it right now.
	InFlight
)

// Claim is the outcome of ClaimTransaction.
type Claim struct {
	State              ClaimState
	Status, StatusText string // for a Duplicate: the answer given the first time
}

// Finish is the outcome of a claimed transaction.
type Finish struct {
	Peer, TransactionID string
	Status, StatusText  string    // the answer given (X-Mms-Request-Status-Code and text)
	Until               time.Time // remember the transaction until then
	Received            *ReceivedMM
	Report              *Report
}

// ClaimDuration is how long a claim in PostgreSQL lasts when its holder
// neither finishes nor releases it (another instance crashed while
// processing): a peer's re-send within it gets InFlight (a temporary SMTP
// error), after it the transaction is processed anew. (A SQLite claim
// ends with its process.)
const ClaimDuration = 5 * time.Minute

// ---------------------------------------------------------------------------
// Requests sent

// State is the state of a Request or of one of its recipients.
type State string

const (
	Pending      State = "pending"      // sent, no response yet
	Acknowledged State = "acknowledged" // answered Ok
	Failed       State = "failed"       // answered with an Error-* status
	TimedOut     State = "timed_out"    // no response in time
)

// Valid reports whether s is one of the four states.
func (s State) Valid() bool {
	switch s {
	case Pending, Acknowledged, Failed, TimedOut:
		return true
	}
	return false
}

// Request is one MM4 request we sent that asked for a response.
type Request struct {
	Peer          string // the peer's name in the configuration
	TransactionID string // X-Mms-Transaction-ID we generated (unique per peer)
	MessageID     string // X-Mms-Message-ID of the MM
	// MailFrom and every Recipient's RcptTo are the SMTP envelope exactly
	// as sent, so that a retry sends what was sent.
	MailFrom   string
	Recipients []Recipient
	// NotifyTo is where a DSN about this request goes: the address of the
	// authenticated account that submitted the MM; "" for nobody.
	NotifyTo        string
	RFC822MessageID string // the original mail's Message-ID, for the DSN
	Subject         string // the original mail's Subject, for the DSN
	Message         []byte // the request as sent (header and body), kept only to send it again
	SentAt          time.Time
	Deadline        time.Time // a missing response is overdue after it
	Attempts        int       // times sent
	// State is Pending until every recipient is resolved; then Failed if
	// any failed, else TimedOut if any timed out, else Acknowledged.
	State              State
	Status, StatusText string // of the last response received
}

// Recipient is one recipient of a Request and where its answer stands.
type Recipient struct {
	Number string // +E164 or short code
	RcptTo string // as sent in RCPT TO
	State  State
	// Status and StatusText are the peer's answer for this recipient.
	Status, StatusText string
}

// Resolution is a response (or the lack of one) for some recipients of a
// request.
type Resolution struct {
	Peer, TransactionID string
	// Numbers are the recipients the response covers; none means every
	// recipient still pending.
	Numbers            []string
	State              State // Acknowledged, Failed or TimedOut
	Status, StatusText string
}

// Resolved is what Resolve changed.
type Resolved struct {
	// Recipients are those this call moved out of Pending, with their new
	// state; none when nothing pending matched (unknown transaction,
	// another peer's, already answered).
	Recipients []Recipient
	// Done is set when this call resolved the request's last pending
	// recipient; Request.State is then final.
	Done    bool
	Request Request // the request after the change (zero when unknown)
}

// Requests tracks the requests we sent until their responses.
type Requests interface {
	// PutRequests records requests that carry no MM of ours (reports we
	// originate), before they are sent, so that their responses are
	// matched and their timeouts handled like a forward request's.
	PutRequests(ctx context.Context, reqs []Request) error

	// GetRequest returns the request (peer, txID) in any state.
	GetRequest(ctx context.Context, peer, txID string) (Request, bool, error)

	// Resolve records a response for some recipients of a request: only
	// recipients still pending change, each exactly once however many
	// instances see the response.
	Resolve(ctx context.Context, r Resolution) (Resolved, error)

	// DueRequests returns up to limit pending requests whose Deadline is
	// at or before now, oldest first, and claims them for the caller until
	// now+claimFor: no other DueRequests call returns them before that,
	// unless RetryRequest releases them.
	DueRequests(ctx context.Context, now time.Time, limit int, claimFor time.Duration) ([]Request, error)

	// RetryRequest counts one more attempt, sets a new deadline and
	// releases DueRequests' claim. It fails with an error wrapping
	// ErrNotPending when the request is no longer pending (its response
	// arrived meanwhile); the caller then does not send it again.
	RetryRequest(ctx context.Context, peer, txID string, deadline time.Time) error

	// CountPending returns how many requests await a response (some
	// recipient is still pending), from every instance sharing the store.
	CountPending(ctx context.Context) (int, error)
}

// ---------------------------------------------------------------------------
// MMs sent and received

// SentMM is an MM we sent to peers, by its X-Mms-Message-ID.
type SentMM struct {
	MessageID string
	Sender    string // the sender's MMS number or short code
	// NotifyTo is where reports and DSNs about it go ("" for nobody).
	NotifyTo        string
	RFC822MessageID string
	Subject         string
	DeliveryReport  bool // X-Mms-Delivery-Report: Yes was sent
	ReadReply       bool // X-Mms-Read-Reply: Yes was sent
	SentAt          time.Time
	Expires         time.Time // when the store forgets it
	Recipients      []SentRecipient
}

// SentRecipient is one recipient of a SentMM and the reports received for it.
type SentRecipient struct {
	Number        string
	Peer          string
	TransactionID string
	// Delivery and Read are the last X-Mms-MM-Status-Code and
	// X-Mms-Read-Status received ("" for none), with their times.
	Delivery, DeliveryText string
	DeliveryAt             time.Time
	Read                   string
	ReadAt                 time.Time
}

// ReceivedMM is an MM a peer sent us, by peer and X-Mms-Message-ID.
type ReceivedMM struct {
	Peer             string
	MessageID        string
	TransactionID    string
	OriginatorSystem string // where the peer asked responses and reports to go
	Sender           string // the original sender as the MM names it
	Recipients       []string
	DeliveryReport   bool // a delivery report was asked for (by the user or the originator R/S)
	ReadReply        bool // a read reply was asked for
	ReceivedAt       time.Time
	Expires          time.Time
	// RFC822MessageID is the Message-ID it was delivered with, with its
	// angle brackets (what a reader's MDN names).
	RFC822MessageID string
}

// ReportKind tells a delivery report from a read report.
type ReportKind string

const (
	DeliveryReport ReportKind = "delivery" // MM4_delivery_report.REQ, TS 23.140 §8.4.2
	ReadReport     ReportKind = "read"     // MM4_read_reply_report.REQ, TS 23.140 §8.4.3
)

// Report is a delivery or read report a peer sent about an MM of ours.
type Report struct {
	Peer      string
	MessageID string
	Kind      ReportKind
	// Candidates are the numbers the report names (its From and To: real
	// peers swap them); the recipient is the one of them the MM went to
	// through this peer, or its only recipient through this peer.
	Candidates         []string
	Status, StatusText string
	At                 time.Time
}

// Messages remembers the MMs we sent and received.
type Messages interface {
	// PutSent records an MM we sent and, in the same database transaction,
	// the requests that carry it and ask for a response. It fails with an
	// error wrapping ErrDuplicate when the message ID or a (peer,
	// transaction ID) exists already.
	PutSent(ctx context.Context, m SentMM, reqs []Request) error

	// Sent returns the MM we sent with this X-Mms-Message-ID.
	Sent(ctx context.Context, messageID string) (SentMM, bool, error)

	// MatchReport returns the recipients of the MM a report is about that
	// went through the reporting peer and that the report names (see
	// Report.Candidates), without recording anything; none when the MM
	// is unknown or no recipient matches.
	MatchReport(ctx context.Context, r Report) ([]string, error)

	// Received returns the MM peer sent with this X-Mms-Message-ID.
	Received(ctx context.Context, peer, messageID string) (ReceivedMM, bool, error)

	// ReceivedByRFC822ID returns the MMs delivered with this RFC 5322
	// Message-ID (angle brackets included): a reader's MDN names it.
	ReceivedByRFC822ID(ctx context.Context, id string) ([]ReceivedMM, error)
}

// ---------------------------------------------------------------------------
// MMs stored for handsets (MM1)

// HandsetState is where a stored MM is in its MM1 life.
type HandsetState string

const (
	HandsetStored       HandsetState = "stored"       // waiting for retrieval
	HandsetRetrieved    HandsetState = "retrieved"    // fetched by GET, not acknowledged yet
	HandsetAcknowledged HandsetState = "acknowledged" // M-NotifyResp.ind Retrieved / M-Acknowledge.ind
	HandsetRejected     HandsetState = "rejected"     // M-NotifyResp.ind Rejected
	HandsetExpired      HandsetState = "expired"      // not retrieved before its expiry
)

// Valid reports whether s is one of the five handset states.
func (s HandsetState) Valid() bool {
	switch s {
	case HandsetStored, HandsetRetrieved, HandsetAcknowledged, HandsetRejected, HandsetExpired:
		return true
	}
	return false
}

// Final reports whether s is a state an MM does not leave by itself
// (acknowledged, rejected, expired): Sweep deletes such MMs after the
// retention.
func (s HandsetState) Final() bool {
	return s == HandsetAcknowledged || s == HandsetRejected || s == HandsetExpired
}

// HandsetMM is an MM stored for one recipient's handset.
type HandsetMM struct {
	ID             string // blob key and the token in its Content-Location (unique)
	TransactionID  string // of its M-Notification.ind and M-retrieve.conf (unique)
	Number         string // the recipient (+E164 or short code)
	MessageID      string // the MM's X-Mms-Message-ID
	Peer           string // the peer it came from, "" when local
	Sender         string // its sender as received (MMS address)
	Subject        string
	Class          string // Personal, Advertisement, Informational, Auto
	Size           int64  // octets of the stored M-retrieve.conf
	DeliveryReport bool   // the sender asked for a delivery report
	ReadReply      bool
	// Expires zero means never (ExpiredHandsetMMs does not list it).
	ReceivedAt, Expires time.Time
	NotifiedAt          time.Time // zero until the notification was handed to the push hook
	State               HandsetState
	StateAt             time.Time
	// NotifyTo is where the delivery report of an MM from a local sender
	// goes as a DSN (the sending account's own address), "" for none;
	// RFC822MessageID is the Message-ID of that MM's mail form.
	NotifyTo, RFC822MessageID string
}

// Handsets holds the MMs waiting for retrieval by handsets over MM1 (OMA
// MMS: the MMSC stores the MM, sends an M-Notification.ind naming it in a
// Content-Location, the handset fetches it, then answers M-NotifyResp.ind
// or M-Acknowledge.ind). The MM itself is a blob kept elsewhere under ID.
type Handsets interface {
	// PutHandsetMM stores m in State stored (whatever m.State says; its
	// StateAt is m.StateAt, or m.ReceivedAt when that is zero). It fails
	// with an error wrapping ErrDuplicate when its ID or TransactionID
	// exists.
	PutHandsetMM(ctx context.Context, m HandsetMM) error

	// HandsetMM returns the MM with this ID, in any state.
	HandsetMM(ctx context.Context, id string) (HandsetMM, bool, error)

	// HandsetMMByTransaction returns the MM whose M-Notification.ind had
	// this transaction ID (what an M-NotifyResp.ind names), in any state.
	HandsetMMByTransaction(ctx context.Context, txID string) (HandsetMM, bool, error)

	// SetHandsetState moves an MM to state to at at only when it is in
	// one of from, in one conditional UPDATE: of several instances moving
	// the same MM at once exactly one does. It reports whether it moved
	// the MM (false, nil when the MM is unknown or in another state).
	SetHandsetState(ctx context.Context, id string, from []HandsetState, to HandsetState, at time.Time) (bool, error)

	// MarkHandsetNotified records that the MM's notification was handed
	// to the push hook at at (non-zero). An unknown ID is no error.
	MarkHandsetNotified(ctx context.Context, id string, at time.Time) error

	// PendingNotifications returns up to limit MMs in State stored whose
	// NotifiedAt is zero, oldest (ReceivedAt) first.
	PendingNotifications(ctx context.Context, limit int) ([]HandsetMM, error)

	// ExpiredHandsetMMs returns up to limit MMs in State stored or
	// retrieved whose Expires is non-zero and at or before now, the
	// earliest expiry first.
	ExpiredHandsetMMs(ctx context.Context, now time.Time, limit int) ([]HandsetMM, error)

	// HandsetMMsFor returns up to limit MMs for number in State stored or
	// retrieved (what its handset can still fetch), oldest first.
	HandsetMMsFor(ctx context.Context, number string, limit int) ([]HandsetMM, error)

	// DeleteHandsetMM deletes the MM with this ID; an unknown ID is no
	// error.
	DeleteHandsetMM(ctx context.Context, id string) error
}

var (
	// ErrDuplicate is returned (wrapped) when a key exists already.
	ErrDuplicate = errors.New("state: already exists")
	// ErrNotPending is returned (wrapped) by RetryRequest for a request
	// that is no longer pending.
	ErrNotPending = errors.New("state: no such pending request")
	// ErrNotClaimed is returned (wrapped) by FinishTransaction when this
	// instance does not hold the claim.
	ErrNotClaimed = errors.New("state: transaction not claimed by this instance")
)

// Open opens a store, creating or upgrading its schema (safe when several
// instances start at once), and releases the claims opts.Owner left behind.
func Open(ctx context.Context, opts Options) (Store, error) {
	return openSQL(ctx, opts)
}
