// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/log"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/internal/dsn"
	"github.com/maddy-mms/maddy-mms/internal/state"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// Tracker follows the MM4 requests we sent until every recipient is
// answered (TS 23.140 §8.4.1): it records them before they can leave,
// matches each MM4_forward.RES to the recipients it covers, and tells the
// sender by DSN about recipients a peer refused, recipients no response
// came for within response_timeout (after sending the request once more
// with timeout_action retry) and MMs no request could carry. It also
// sweeps the state store.
type Tracker struct {
	relay *Relay
	store state.Store
	log   log.Logger
	trackerConfig

	stopCh, stopped chan struct{}
	// dirty is set when requests may have started or stopped awaiting a
	// response; run then counts them again (at most once a second).
	dirty atomic.Bool
}

type trackerConfig struct {
	dsnVia    module.DeliveryTarget
	timeout   time.Duration // response_timeout
	action    string        // timeout_action: retry (once, then bounce), bounce or ignore
	interval  time.Duration // timeout_check_interval
	retention time.Duration // request_retention
}

func newTracker(r *Relay, c trackerConfig) (*Tracker, error) {
	if c.timeout <= 0 || c.interval <= 0 || c.retention <= 0 {
		return nil, errors.New("response_timeout, timeout_check_interval and request_retention must be positive")
	}
	return &Tracker{relay: r, store: r.state, log: log.Logger{Name: "mms.relay/tracker", Debug: r.log.Debug}, trackerConfig: c}, nil
}

// Track records an MM we are sending and the requests carrying it that ask
// for a response. The caller hands the requests to their targets after
// Track returns and commits them only then: a response may come back
// within milliseconds.
func (t *Tracker) Track(ctx context.Context, m state.SentMM, reqs []state.Request) error {
	now := time.Now()
	m.SentAt = now
	m.Expires = now.Add(t.relay.ReportWindow)
	for i := range reqs {
		reqs[i].SentAt = now
		reqs[i].Deadline = now.Add(t.timeout)
		reqs[i].Attempts = 1
		if t.action != "retry" {
			reqs[i].Message = nil // kept only to send it again
		}
	}
	defer t.changed()
	return t.store.PutSent(ctx, m, reqs)
}

// Withdraw marks requests that were recorded by Track but never sent as
// failed, without a DSN, so that they do not time out into one.
func (t *Tracker) Withdraw(ctx context.Context, reqs []state.Request) {
	defer t.changed()
	for _, r := range reqs {
		_, err := t.store.Resolve(ctx, state.Resolution{Peer: r.Peer, TransactionID: r.TransactionID,
			State: state.Failed, StatusText: "not sent"})
		if err != nil {
			t.log.Error("cannot withdraw an MM4 request that was not sent; it will time out", err,
				"peer", r.Peer, "transaction_id", r.TransactionID)
		}
	}
}

// RetryKeepsMessage reports whether Track keeps a request's bytes, so that
// callers build them only then.
func (t *Tracker) RetryKeepsMessage() bool { return t.action == "retry" }

// resolution is an MM4_forward.RES matched to a request of ours, staged
// during DATA: commit records it and releases the DSN for the recipients
// it failed.
type resolution struct {
	t   *Tracker
	res state.Resolution
	req state.Request
	typ string // the response's message type, for the metrics
	// bounce is the DSN prepared for the recipients this response fails,
	// as they stood when it was prepared.
	bounce  module.Delivery
	bounced []string
}

// Response matches a forward.RES from peer to the pending recipients it
// covers: those X-Mms-Request-Recipients names, else every recipient still
// pending. It returns nil when the response answers nothing pending here
// (unknown transaction, another peer's, answered already).
func (t *Tracker) Response(ctx context.Context, peer *Peer, res *mm4.Message) (*resolution, error) {
	req, ok, err := t.store.GetRequest(ctx, peer.Name, res.TransactionID)
	if err != nil || !ok || req.State != state.Pending {
		return nil, err
	}
	numbers, err := t.scope(req, res.RequestRecipients)
	if err != nil {
		t.log.Msg("MM4 response names recipients its request does not have: taken for all pending recipients",
			"peer", peer.Name, "transaction_id", res.TransactionID, "reason", err.Error())
		numbers = nil
	}
	covered := pendingAmong(req, numbers)
	if len(covered) == 0 {
		return nil, nil
	}
	st := state.Acknowledged
	if !res.RequestStatus.OK() {
		st = state.Failed
	}
	p := &resolution{t: t, req: req, typ: res.Type.String(), res: state.Resolution{Peer: peer.Name, TransactionID: req.TransactionID,
		Numbers: numbers, State: st, Status: string(res.RequestStatus), StatusText: res.StatusText}}
	if st == state.Failed {
		failures := failuresOf(covered, peer, res.RequestStatus, res.StatusText)
		if p.bounce, err = t.Bounce(ctx, req.NotifyTo, originalHeader(req.RFC822MessageID, req.Subject), failures); err != nil {
			if exterrors.IsTemporary(err) {
				return nil, err
			}
			// Nobody can be told (no route for the DSN): the response is
			// still recorded.
			t.log.Error("DSN for a refused MM cannot be delivered", err, "to", req.NotifyTo, "transaction_id", req.TransactionID)
		}
		p.bounced = state.Numbers(covered)
	}
	return p, nil
}

// scope turns X-Mms-Request-Recipients values into the request's numbers;
// none means all.
func (t *Tracker) scope(req state.Request, fields []string) ([]string, error) {
	var numbers []string
	for _, f := range fields {
		list, err := mmsmap.ParseAddressList(f)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			n, err := t.relay.Plan.NormalizeAddress(a)
			if err != nil || !n.IsNumber() {
				return nil, fmt.Errorf("%q is not a number", a.String())
			}
			numbers = append(numbers, n.Value)
		}
	}
	for _, n := range numbers {
		found := false
		for _, rc := range req.Recipients {
			found = found || rc.Number == n
		}
		if !found {
			return nil, fmt.Errorf("%s is not a recipient of it", n)
		}
	}
	return numbers, nil
}

// pendingAmong returns the pending recipients of req among numbers (all
// pending ones when numbers is empty).
func pendingAmong(req state.Request, numbers []string) []state.Recipient {
	var out []state.Recipient
	for _, rc := range req.Pending() {
		if len(numbers) == 0 || contains(numbers, rc.Number) {
			out = append(out, rc)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// commit records the response, then settles the DSN prepared for it.
func (p *resolution) commit(ctx context.Context) error {
	t := p.t
	out, err := t.store.Resolve(ctx, p.res)
	if err != nil {
		p.abort(ctx)
		return err
	}
	t.resolved(p.req.Peer, p.req.TransactionID, out, p.res)
	if len(out.Recipients) != 0 {
		// p.req.SentAt is when the request was last sent (a retry
		// counts from its own sending).
		mm4ResponseSeconds.WithLabelValues(p.req.Peer, p.typ).Observe(time.Since(p.req.SentAt).Seconds())
	}
	var failed []state.Recipient
	for _, rc := range out.Recipients {
		if rc.State == state.Failed {
			failed = append(failed, rc)
		}
	}
	t.settle(ctx, "a refused MM", p.req, p.bounce, p.bounced, failed, true)
	p.bounce = nil
	return nil
}

func (p *resolution) abort(ctx context.Context) {
	if p.bounce != nil {
		p.bounce.Abort(ctx)
		p.bounce = nil
	}
}

// resolved logs and counts what a Resolve changed.
func (t *Tracker) resolved(peer, txID string, out state.Resolved, res state.Resolution) {
	if len(out.Recipients) == 0 {
		return
	}
	t.log.Msg("MM4 request answered", "peer", peer, "transaction_id", txID, "rcpts", state.Numbers(out.Recipients),
		"state", string(res.State), "status", res.Status, "status_text", res.StatusText)
	if out.Done {
		mm4Resolved.WithLabelValues(peer, string(out.Request.State)).Inc()
		t.changed()
	}
}

func equalSets(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	return true
}

// settle finishes a DSN prepared before a change of state: it is committed
// when the change failed exactly the recipients it names (prepared);
// otherwise it is dropped and, when tell is set and some recipients did
// fail (another session answered some meanwhile), a DSN for those is sent
// now. Failures are logged: the change of state is made already.
func (t *Tracker) settle(ctx context.Context, what string, req state.Request, bounce module.Delivery, prepared []string, failed []state.Recipient, tell bool) {
	if bounce != nil && len(failed) != 0 && equalSets(state.Numbers(failed), prepared) {
		if err := bounce.Commit(ctx); err != nil {
			bounce.Abort(ctx)
			t.log.Error("DSN for "+what+" could not be queued", err, "to", req.NotifyTo, "transaction_id", req.TransactionID)
		}
		return
	}
	if bounce != nil {
		bounce.Abort(ctx)
	}
	if !tell || len(failed) == 0 {
		return
	}
	peer := t.relay.Peer(req.Peer)
	var failures []failure
	for _, rc := range failed {
		failures = append(failures, failure{number: rc.Number, status: mmsmap.ParseRequestStatus(rc.Status), text: rc.StatusText, peer: peer})
	}
	if err := t.sendBounce(ctx, req.NotifyTo, originalHeader(req.RFC822MessageID, req.Subject), failures); err != nil {
		t.log.Error("DSN for "+what+" could not be queued", err, "to", req.NotifyTo, "transaction_id", req.TransactionID)
	}
}

// ---------------------------------------------------------------------------
// Overdue responses

func (t *Tracker) start() {
	t.stopCh, t.stopped = make(chan struct{}), make(chan struct{})
	go t.run()
}

// startSweep sweeps once when the relay starts, so that a lowered
// duplicate_max_entries applies at once and the metric has a value.
func (t *Tracker) startSweep() {
	defer func() {
		if err := recover(); err != nil {
			t.log.Printf("panic during the state store sweep: %v\n%s", err, debug.Stack())
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t.sweep(ctx)
}

// sweep deletes what the state store need not keep any longer, and
// publishes how many received transactions it remembers, how many rows
// each table holds and how many requests await a response.
func (t *Tracker) sweep(ctx context.Context) {
	n, err := t.store.Sweep(ctx, time.Now())
	if err != nil {
		t.log.Error("cannot sweep the state store", err)
		return
	}
	relay := t.relay.InstanceName() // the block name, e.g. mmsc
	duplicateLogEntries.WithLabelValues(relay).Set(float64(n.Remembered))
	if n.Transactions+n.Requests+n.Sent+n.Received+n.Handsets != 0 {
		t.log.Debugf("swept %+v", n)
	}
	rows, err := t.store.Counts(ctx)
	if err != nil {
		t.log.Error("cannot count the state store's rows", err)
	} else {
		for table, c := range map[string]int{"transactions": rows.Transactions, "requests": rows.Requests,
			"sent": rows.Sent, "received": rows.Received, "handset": rows.Handsets} {
			stateRows.WithLabelValues(relay, table).Set(float64(c))
		}
	}
	t.dirty.Store(false)
	t.countPending(ctx)
}

// changed notes that requests may have started or stopped awaiting a
// response: run counts them again within a second.
func (t *Tracker) changed() {
	if t != nil {
		t.dirty.Store(true)
	}
}

// countPending publishes how many requests await a response, from every
// instance sharing the store.
func (t *Tracker) countPending(ctx context.Context) {
	n, err := t.store.CountPending(ctx)
	if err != nil {
		t.log.Error("cannot count the MM4 requests awaiting a response", err)
		return
	}
	mm4RequestsPending.WithLabelValues(t.relay.InstanceName()).Set(float64(n))
}

// refreshPending counts the requests awaiting a response again when
// something changed them since the last count.
func (t *Tracker) refreshPending() {
	if !t.dirty.Swap(false) {
		return
	}
	defer func() {
		if err := recover(); err != nil {
			t.log.Printf("panic while counting pending MM4 requests: %v\n%s", err, debug.Stack())
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t.countPending(ctx)
}

func (t *Tracker) stop() {
	if t.stopCh != nil {
		close(t.stopCh)
		<-t.stopped
		t.stopCh = nil
	}
}

// run checks every timeout_check_interval for requests whose response is
// overdue, and sweeps the state store, until stop.
func (t *Tracker) run() {
	defer close(t.stopped)
	tick := time.NewTicker(t.interval)
	defer tick.Stop()
	// The pending count follows sends and responses within a second,
	// without a query per message.
	pending := time.NewTicker(time.Second)
	defer pending.Stop()
	t.startSweep()
	for {
		select {
		case <-t.stopCh:
			return
		case <-tick.C:
			t.check()
		case <-pending.C:
			t.refreshPending()
		}
	}
}

func (t *Tracker) check() {
	defer func() {
		if err := recover(); err != nil {
			t.log.Printf("panic during the response timeout check: %v\n%s", err, debug.Stack())
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t.sweep(ctx)
	due, err := t.store.DueRequests(ctx, time.Now(), 100, 5*time.Minute)
	if err != nil {
		t.log.Error("cannot read overdue MM4 requests", err)
		return
	}
	for _, req := range due {
		t.timedOut(ctx, req)
	}
}

func (t *Tracker) timedOut(ctx context.Context, req state.Request) {
	peer := t.relay.Peer(req.Peer)
	if t.action == "retry" && req.Attempts < 2 && peer != nil && t.canResend(req) {
		err := t.store.RetryRequest(ctx, req.Peer, req.TransactionID, time.Now().Add(t.timeout))
		if errors.Is(err, state.ErrNotPending) {
			return // its response arrived meanwhile
		}
		if err == nil {
			err = t.resend(ctx, peer, req)
		}
		if err != nil {
			t.log.Error("cannot send an unanswered MM4 request again", err, "peer", req.Peer, "transaction_id", req.TransactionID)
		} else {
			t.log.Msg("no MM4 response in time: request sent again", "peer", req.Peer, "transaction_id", req.TransactionID)
		}
		return
	}
	text := fmt.Sprintf("No acknowledgement from the recipient's MMS network within %v", t.timeout)
	pending := req.Pending()
	// The DSN is prepared before the recipients change state: if it cannot
	// be made now, the request stays pending and the next check tries again.
	var bounce module.Delivery
	if t.action != "ignore" {
		var err error
		bounce, err = t.Bounce(ctx, req.NotifyTo, originalHeader(req.RFC822MessageID, req.Subject),
			failuresOf(pending, peer, mmsmap.StatusErrorNetworkProblem, text))
		if err != nil && exterrors.IsTemporary(err) {
			t.log.Error("DSN for an unanswered MM cannot be made now; trying again later", err, "to", req.NotifyTo, "transaction_id", req.TransactionID)
			return
		}
		if err != nil {
			t.log.Error("DSN for an unanswered MM cannot be delivered", err, "to", req.NotifyTo, "transaction_id", req.TransactionID)
		}
	}
	res := state.Resolution{Peer: req.Peer, TransactionID: req.TransactionID, State: state.TimedOut,
		Status: string(mmsmap.StatusErrorNetworkProblem), StatusText: text}
	out, err := t.store.Resolve(ctx, res)
	if err != nil || len(out.Recipients) == 0 {
		if bounce != nil {
			bounce.Abort(ctx)
		}
		if err != nil {
			t.log.Error("cannot mark an MM4 request timed out", err, "peer", req.Peer, "transaction_id", req.TransactionID)
		}
		return
	}
	t.resolved(req.Peer, req.TransactionID, out, res)
	t.log.Msg("no MM4 response in time", "peer", req.Peer, "transaction_id", req.TransactionID, "action", t.action)
	t.settle(ctx, "an unanswered MM", out.Request, bounce, state.Numbers(pending), out.Recipients, t.action != "ignore")
}

// canResend reports whether req can be sent again exactly as it was: its
// bytes and the envelope of its pending recipients are stored.
func (t *Tracker) canResend(req state.Request) bool {
	if len(req.Message) == 0 || req.MailFrom == "" {
		return false
	}
	for _, rc := range req.Pending() {
		if rc.RcptTo == "" {
			return false
		}
	}
	return true
}

// resend hands a stored request to the peer's send_via target once more,
// as it was sent, to its recipients still pending.
func (t *Tracker) resend(ctx context.Context, peer *Peer, req state.Request) error {
	br := bufio.NewReader(bytes.NewReader(req.Message))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		return err
	}
	o := outgoing{From: req.MailFrom, Header: h, Body: buffer.MemoryBuffer{Slice: req.Message[len(req.Message)-br.Buffered():]}}
	for _, rc := range req.Pending() {
		o.To = append(o.To, rc.RcptTo)
	}
	if err := o.send(ctx, peer.SendVia); err != nil {
		return err
	}
	typ, err := mm4.ParseMessageType(h.Get(mm4.HdrMessageType))
	if err != nil {
		typ = mm4.ForwardReq // our own request: never happens
	}
	mm4SentAll.WithLabelValues(peer.Name, typ.String()).Inc()
	return nil
}

// ---------------------------------------------------------------------------
// DSNs

// failure is one MM recipient a peer did not take, for a DSN.
type failure struct {
	number string               // +E164 or short code
	status mmsmap.RequestStatus // the peer's, or the one we chose
	text   string               // the peer's status text, or ours
	peer   *Peer
}

func failuresOf(rcpts []state.Recipient, peer *Peer, status mmsmap.RequestStatus, text string) []failure {
	out := make([]failure, 0, len(rcpts))
	for _, rc := range rcpts {
		out = append(out, failure{number: rc.Number, status: status, text: text, peer: peer})
	}
	return out
}

// originalHeader is what a DSN shows of the sender's message.
func originalHeader(rfc822ID, subject string) textproto.Header {
	var h textproto.Header
	if rfc822ID != "" {
		h.Add("Message-Id", rfc822ID)
	}
	if subject != "" {
		h.Add("Subject", subject)
	}
	return h
}

// CanBounce reports whether a DSN to "to" can be made: there is an
// address and a dsn_via.
func (t *Tracker) CanBounce(to string) bool { return to != "" && t.dsnVia != nil }

// sendBounce is Bounce, committed at once.
func (t *Tracker) sendBounce(ctx context.Context, to string, orig textproto.Header, failures []failure) error {
	d, err := t.Bounce(ctx, to, orig, failures)
	if err != nil || d == nil {
		return err
	}
	if err := d.Commit(ctx); err != nil {
		d.Abort(ctx)
		return err
	}
	return nil
}

// Bounce builds a DSN (RFC 3464) telling to that an MM of theirs did not
// reach the failures and hands it to dsn_via uncommitted, for the caller
// to commit with what caused it. It returns nil, nil when there is nobody
// to tell (no address, no dsn_via).
func (t *Tracker) Bounce(ctx context.Context, to string, orig textproto.Header, failures []failure) (module.Delivery, error) {
	if len(failures) == 0 {
		return nil, nil
	}
	if to == "" || t.dsnVia == nil {
		t.log.Msg("nobody to tell of a failed MM (no notify address or no dsn_via)", "to", to, "failed", len(failures))
		return nil, nil
	}
	r := t.relay
	now := time.Now()
	rep := dsn.Report{
		Envelope: dsn.Envelope{
			MsgID:        newID("dsn.", r.Domains[0]),
			From:         "MMS Relay <" + r.SystemAddress + ">",
			To:           to,
			ReportingMTA: r.hostname,
			Date:         now,
		},
		OriginalHeader: orig,
	}
	var lines []string
	for _, f := range failures {
		text := f.text
		if text == "" {
			text = f.status.Text()
		}
		ec := f.status.EnhancedCode()
		rc := dsn.Recipient{
			FinalRecipient: "rfc822; " + f.number + "@" + r.Domains[0],
			Action:         dsn.ActionFailed,
			Status:         ec,
			DiagnosticCode: "X-MMS; " + string(f.status) + ": " + text,
			LastAttempt:    now,
		}
		if ec[0] == 2 { // not a failure status: report it as unspecified
			rc.Status = [3]int{5, 0, 0}
		}
		if f.peer != nil {
			rc.RemoteMTA = "dns; " + f.peer.Domains[0]
		}
		rep.Recipients = append(rep.Recipients, rc)
		lines = append(lines, fmt.Sprintf("  %s: %s (%s)", f.number, text, f.status))
	}
	rep.Explanation = "Your MMS could not be delivered to:\n\n" + strings.Join(lines, "\n") +
		"\n\nThe header of your message follows.\n"
	h, body, err := dsn.Generate(rep)
	if err != nil {
		return nil, err
	}
	d, err := outgoing{To: []string{to}, Header: h, Body: buffer.MemoryBuffer{Slice: body}}.prepare(ctx, t.dsnVia)
	if err != nil {
		return nil, err
	}
	mm4Bounces.Inc()
	return d, nil
}
