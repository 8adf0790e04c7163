// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/maddy-mms/maddy-mms/internal/state"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// request is the handling every MM4 request type shares (TS 23.140 §8.4.1
// to §8.4.3, §8.4.5): the transaction is claimed so that a request sent
// again is processed once and answered as the first time; a request with a
// bad or missing mandatory field is answered Error-message-format-corrupt
// naming the field; otherwise its kind does the work and chooses the
// status. The response, when the request asked for one, goes to the peer's
// configured originator system through its send_via queue at Commit, after
// the work is durable and the transaction remembered.
type request struct {
	kind requestKind
	msg  *mm4.Message

	claimed   bool // the transaction is ours to finish or release
	processed bool // kind.process ran and succeeded: its work is to commit
	status    mmsmap.RequestStatus
	text      string
}

// requestKind is what differs between the request types.
type requestKind interface {
	// process does the work of a well-formed request and returns the
	// answer; an error is the SMTP reply (nothing was done).
	process(ctx context.Context, d *delivery, msg *mm4.Message, h textproto.Header, body buffer.Buffer) (mmsmap.RequestStatus, string, error)
	// commit makes the work durable; record adds it to the remembered
	// transaction; abort undoes it. inFinish reports whether the work is
	// only what record adds (so that the transaction cannot be finished
	// without it).
	commit(ctx context.Context, d *delivery) error
	record(f *state.Finish)
	abort(ctx context.Context, d *delivery)
	inFinish() bool
}

func (q *request) body(ctx context.Context, d *delivery, c *classified, h textproto.Header, body buffer.Buffer) error {
	q.msg = c.Msg
	relay := d.t.relay
	claim, err := relay.state.ClaimTransaction(ctx, d.peer.Name, q.msg.TransactionID)
	if err != nil {
		return d.temporary("Cannot process the MM4 request now, try again later", err)
	}
	switch claim.State {
	case state.InFlight:
		return exterrors.WithTemporary(d.targetErr(451, exterrors.EnhancedCode{4, 5, 0},
			"Same MM4 transaction is being received on another connection, try again later", nil), true)
	case state.Duplicate:
		mm4Duplicates.WithLabelValues(d.peer.Name).Inc()
		d.log.Msg("duplicate MM4 request: answered again as the first time, not processed again")
		q.status, q.text = mmsmap.ParseRequestStatus(claim.Status), claim.StatusText
		if q.status == "" {
			q.status = mmsmap.StatusOk
		}
		return nil
	}
	q.claimed = true
	if c.Err != nil {
		// TS 23.140 §8.4.5: answered, not refused; nothing is done.
		q.status, q.text = mmsmap.StatusErrorMessageFormatCorrupt, c.Err.Error()
		mm4FormatErrors.WithLabelValues(d.peer.Name, q.msg.Type.String()).Inc()
		d.log.Msg("malformed MM4 request answered Error-message-format-corrupt", "reason", c.Err.Error(),
			"ack_request", q.msg.AckRequest)
		return nil
	}
	q.status, q.text, err = q.kind.process(ctx, d, q.msg, h, body)
	if err != nil {
		q.release(ctx, d)
		return err
	}
	q.processed = true
	return nil
}

func (q *request) commit(ctx context.Context, d *delivery) error {
	relay := d.t.relay
	did := q.processed
	if q.processed {
		q.processed = false
		if err := q.kind.commit(ctx, d); err != nil {
			q.release(ctx, d)
			return err
		}
	}
	if q.claimed {
		f := state.Finish{Peer: d.peer.Name, TransactionID: q.msg.TransactionID,
			Status: string(q.status), StatusText: q.text, Until: time.Now().Add(relay.DuplicateWindow)}
		if did {
			q.kind.record(&f)
		}
		if err := relay.state.FinishTransaction(ctx, f); err != nil {
			if did && q.kind.inFinish() {
				// The transaction is the work (a report): nothing is
				// done, the peer sends it again.
				q.release(ctx, d)
				return d.temporary("Cannot record the MM4 request now, try again later", err)
			}
			// The work is done. A re-send meets the claim (451) until it
			// expires, and is then processed again.
			d.log.Error("cannot remember the MM4 transaction; a request sent again later may be processed again", err)
		}
		q.claimed = false
	}
	if !q.msg.AckRequest {
		return nil
	}
	to, forged := d.peer.ReplyAddress(q.msg.OriginatorSystem)
	if forged {
		d.log.Msg("X-Mms-Originator-System is not an address of this peer; answering its configured address instead",
			"requested", q.msg.OriginatorSystem, "used", to)
	}
	res, err := relay.response(q.msg, q.status, q.text, to)
	if err == nil {
		err = res.send(ctx, d.peer.SendVia)
	}
	if err != nil {
		// What the request asked for is done and its transaction
		// remembered: the peer's re-send is answered without doing it again.
		return d.temporary("Cannot queue the MM4 response, try again later", err)
	}
	mm4Responses.WithLabelValues(d.peer.Name, string(q.status)).Inc()
	mm4SentAll.WithLabelValues(d.peer.Name, q.msg.Type.Response().String()).Inc()
	d.log.Msg("MM4 response queued", "status", string(q.status), "status_text", q.text, "to", to)
	return nil
}

func (q *request) abort(ctx context.Context, d *delivery) {
	if q.processed {
		q.processed = false
		q.kind.abort(ctx, d)
	}
	q.release(ctx, d)
}

func (q *request) release(ctx context.Context, d *delivery) {
	if !q.claimed {
		return
	}
	q.claimed = false
	if err := d.t.relay.state.ReleaseTransaction(ctx, d.peer.Name, q.msg.TransactionID); err != nil {
		d.log.Error("cannot release the MM4 transaction; a re-send is refused until the claim expires", err)
	}
}

// response builds the RES answering req (TS 23.140 §8.4.1–§8.4.3): the
// request's transaction and message IDs echoed as received, our system
// address as MAIL FROM, Sender and From (RFC 5322 §3.6.2 requires From),
// to the peer's address to.
func (r *Relay) response(req *mm4.Message, status mmsmap.RequestStatus, text, to string) (outgoing, error) {
	res := mm4.NewResponse(req, status, clip(text, 1024))
	res.Version = r.Version
	res.Sender = r.SystemAddress
	res.From = r.SystemAddress
	res.To = []string{to}
	res.Date = time.Now()
	res.RFC822MessageID = "<" + newID("res.", r.Domains[0]) + ">"
	h, err := res.Header()
	if err != nil {
		return outgoing{}, err
	}
	return outgoing{From: r.SystemAddress, To: []string{to}, Header: h}, nil
}
