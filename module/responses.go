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
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-smtp"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/internal/reqstore"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// This file tracks the MM4_forward.REQ we sent (spec §3.2, §7 "State"):
// a RES from the peer a REQ went to resolves it by transaction ID; an
// Error-* status, or no RES within response_timeout, tells the sender by
// DSN (or, with timeout_action retry, sends the REQ once more first).

// originalHeader is what the DSN shows of the sender's message.
func originalHeader(req reqstore.Request) textproto.Header {
	var h textproto.Header
	if req.RFC822MessageID != "" {
		h.Add("Message-Id", req.RFC822MessageID)
	}
	if req.Subject != "" {
		h.Add("Subject", req.Subject)
	}
	return h
}

func failuresOf(req reqstore.Request, peer *Peer, status mmsmap.RequestStatus, text string) []failure {
	out := make([]failure, 0, len(req.Recipients))
	for _, n := range req.Recipients {
		out = append(out, failure{number: n, status: status, text: text, peer: peer})
	}
	return out
}

// pendingResolution is an inbound RES matched to a REQ of ours; Commit
// resolves it (atomically: one instance, once) and releases its DSN.
type pendingResolution struct {
	req    reqstore.Request
	state  reqstore.State
	status mmsmap.RequestStatus
	text   string
	bounce module.Delivery
}

// prepareResolution looks up the REQ a RES answers and, for an error
// status, prepares the DSN. It returns nil when the RES answers nothing
// pending here (unknown transaction, another peer's, already resolved).
func (r *Relay) prepareResolution(ctx context.Context, peer *Peer, res *mm4.Message) (*pendingResolution, error) {
	req, ok, err := r.Store.Get(ctx, peer.Name, res.TransactionID)
	if err != nil {
		return nil, err
	}
	if !ok || req.State != reqstore.Pending {
		return nil, nil
	}
	p := &pendingResolution{req: req, state: reqstore.Acknowledged, status: res.RequestStatus, text: res.StatusText}
	if !res.RequestStatus.OK() {
		p.state = reqstore.Failed
		if p.bounce, err = r.prepareBounce(ctx, req.Sender, originalHeader(req), failuresOf(req, peer, res.RequestStatus, res.StatusText)); err != nil {
			if exterrors.IsTemporary(err) {
				return nil, err
			}
			// The sender cannot be told (no route for the DSN): the RES
			// is still recorded.
			r.log.Error("DSN for a refused MM cannot be delivered", err, "to", req.Sender, "transaction_id", req.TransactionID)
		}
	}
	return p, nil
}

// commit resolves the REQ and releases the DSN, or drops the DSN when
// another session or instance resolved it first.
func (r *Relay) commitResolution(ctx context.Context, p *pendingResolution) error {
	_, ok, err := r.Store.Resolve(ctx, p.req.Peer, p.req.TransactionID, p.state, string(p.status), p.text)
	if err != nil || !ok {
		if p.bounce != nil {
			p.bounce.Abort(ctx)
		}
		return err
	}
	mm4Resolved.WithLabelValues(p.req.Peer, string(p.state)).Inc()
	r.log.Msg("MM4_forward.REQ resolved", "peer", p.req.Peer, "transaction_id", p.req.TransactionID,
		"state", string(p.state), "status", string(p.status), "status_text", p.text)
	if p.bounce != nil {
		if err := p.bounce.Commit(ctx); err != nil {
			r.log.Error("DSN for a refused MM could not be queued", err, "to", p.req.Sender, "transaction_id", p.req.TransactionID)
		}
	}
	return nil
}

// pollTimeouts runs until Close: every timeout_check_interval it acts on
// the REQs whose RES is overdue.
func (r *Relay) pollTimeouts() {
	defer close(r.stopped)
	t := time.NewTicker(r.pollInterval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.checkTimeouts()
		}
	}
}

func (r *Relay) checkTimeouts() {
	defer func() {
		if err := recover(); err != nil {
			r.log.Printf("panic during the response timeout check: %v\n%s", err, debug.Stack())
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if n, err := r.Store.Expire(ctx, time.Now().Add(-r.retention)); err != nil {
		r.log.Error("cannot delete old MM4 requests", err)
	} else if n != 0 {
		r.log.Debugf("deleted %d resolved MM4 requests older than %v", n, r.retention)
	}
	due, err := r.Store.Due(ctx, time.Now(), 100, 5*time.Minute)
	if err != nil {
		r.log.Error("cannot read overdue MM4 requests", err)
		return
	}
	for _, req := range due {
		r.timedOut(ctx, req)
	}
}

func (r *Relay) timedOut(ctx context.Context, req reqstore.Request) {
	peer := r.Peer(req.Peer)
	if r.TimeoutAction == "retry" && req.Attempts < 2 && peer != nil && len(req.Message) != 0 {
		err := r.Store.Retry(ctx, req.Peer, req.TransactionID, time.Now().Add(r.ResponseTimeout))
		if errors.Is(err, reqstore.ErrNotPending) {
			return // its RES arrived meanwhile
		}
		if err == nil {
			err = r.resend(ctx, peer, req)
		}
		if err != nil {
			r.log.Error("cannot send an unanswered MM4 request again", err, "peer", req.Peer, "transaction_id", req.TransactionID)
		} else {
			r.log.Msg("no MM4 response in time: request sent again", "peer", req.Peer, "transaction_id", req.TransactionID)
		}
		return
	}
	text := fmt.Sprintf("No acknowledgement from the recipient's MMS network within %v", r.ResponseTimeout)
	_, ok, err := r.Store.Resolve(ctx, req.Peer, req.TransactionID, reqstore.TimedOut, "", text)
	if err != nil || !ok {
		if err != nil {
			r.log.Error("cannot mark an MM4 request timed out", err, "peer", req.Peer, "transaction_id", req.TransactionID)
		}
		return
	}
	mm4Resolved.WithLabelValues(req.Peer, string(reqstore.TimedOut)).Inc()
	r.log.Msg("no MM4 response in time", "peer", req.Peer, "transaction_id", req.TransactionID, "action", r.TimeoutAction)
	if r.TimeoutAction == "ignore" {
		return
	}
	d, err := r.prepareBounce(ctx, req.Sender, originalHeader(req), failuresOf(req, peer, mmsmap.StatusErrorNetworkProblem, text))
	if err == nil && d != nil {
		err = d.Commit(ctx)
	}
	if err != nil {
		r.log.Error("DSN for an unanswered MM could not be queued", err, "to", req.Sender, "transaction_id", req.TransactionID)
	}
}

// resend hands a stored REQ to the peer's send_via target once more.
func (r *Relay) resend(ctx context.Context, peer *Peer, req reqstore.Request) error {
	br := bufio.NewReader(bytes.NewReader(req.Message))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		return err
	}
	body := req.Message[len(req.Message)-br.Buffered():]
	from := h.Get("Sender")
	id, _ := module.GenerateMsgID()
	d, err := peer.SendVia.Start(ctx, &module.MsgMetadata{ID: id, OriginalFrom: from}, from)
	if err != nil {
		return err
	}
	for _, n := range req.Recipients {
		a, err := mmsmap.ParseAddress(n)
		if err == nil {
			err = d.AddRcpt(ctx, a.Format(peer.Form, peer.Domains[0]), smtp.RcptOptions{})
		}
		if err != nil {
			d.Abort(ctx)
			return err
		}
	}
	if err := d.Body(ctx, h, buffer.MemoryBuffer{Slice: body}); err != nil {
		d.Abort(ctx)
		return err
	}
	return d.Commit(ctx)
}
