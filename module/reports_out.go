// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/log"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/internal/state"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// Reports we originate (TS 23.140 §8.4.2, §8.4.3): an MM4_delivery_report.REQ
// when an MM a peer sent us reached a subscriber's mailbox or could not,
// an MM4_read_reply_report.REQ when its reader's mail client sent an MDN.
// Each goes only to the peer the MM came from, through that peer's
// send_via queue, prepared with what caused it and committed before its
// 250; when the peer is asked for a response (ack_request), the report is
// recorded as a request of ours first, so that its RES is matched and a
// missing one times out like a forward request's.

// originReport is what a report says about one recipient of an MM.
type originReport struct {
	Type       mm4.MessageType // DeliveryReportReq or ReadReplyReportReq
	MM         state.ReceivedMM
	RawMsgID   string // the MM's X-Mms-Message-ID as received, when known
	Recipient  string // the recipient's number (+E164 or short code)
	MMStatus   mmsmap.MMStatus
	ReadStatus mmsmap.ReadStatus
	Text       string
	// ToUA is X-Mms-Forward-To-Originator-UA: the sender's user agent
	// asked for the report (not only the originator R/S).
	ToUA bool
}

// pendingReport is a report handed to its peer's queue, not committed.
type pendingReport struct {
	peer     *Peer
	delivery module.Delivery
	req      *state.Request // recorded before the commit when a RES is asked for
	kind     state.ReportKind
	typ      mm4.MessageType
	what     string // for the log: type, status, recipient
}

// prepareReport builds the report REQ and hands it to the peer's send_via
// target uncommitted. It returns nil, nil when the report cannot be
// addressed (the MM's sender is not a number the peer serves).
func (r *Relay) prepareReport(ctx context.Context, peer *Peer, o originReport) (*pendingReport, error) {
	sender, err := mmsmap.ParseAddress(o.MM.Sender)
	if err == nil {
		sender, err = r.Plan.NormalizeAddress(sender)
	}
	if err != nil || !sender.IsNumber() {
		return nil, nil
	}
	rcptTo := sender.Format(peer.Form, peer.Domains[0])
	rcpt, err := mmsmap.ParseAddress(o.Recipient)
	if err != nil {
		return nil, err
	}
	msg := &mm4.Message{
		Type:             o.Type,
		Version:          peer.Version,
		TransactionID:    reportTransactionID(peer, o, r.Domains[0]),
		MessageID:        o.MM.MessageID,
		RawMessageID:     o.RawMsgID,
		AckRequest:       peer.AckRequest,
		Sender:           r.SystemAddress,
		From:             rcpt.Format(peer.Form, r.Domains[0]),
		To:               []string{rcptTo},
		Date:             time.Now(),
		StatusText:       clip(o.Text, 512),
		RFC822MessageID:  "<" + newID("rep.", r.Domains[0]) + ">",
		MMStatus:         o.MMStatus,
		ReadStatus:       o.ReadStatus,
		OriginatorSystem: "",
	}
	if o.Type == mm4.DeliveryReportReq {
		msg.ForwardToOriginatorUA = o.ToUA
	}
	if peer.AckRequest {
		msg.OriginatorSystem = r.SystemAddress
	}
	h, err := msg.Header()
	if err != nil {
		return nil, err
	}
	out := outgoing{From: r.SystemAddress, To: []string{rcptTo}, Header: h}
	kind := state.DeliveryReport
	if o.Type == mm4.ReadReplyReportReq {
		kind = state.ReadReport
	}
	p := &pendingReport{peer: peer, kind: kind, typ: o.Type, what: o.Type.String() + " " + string(o.MMStatus) + string(o.ReadStatus) + " for " + o.Recipient}
	if peer.AckRequest {
		p.req = &state.Request{Peer: peer.Name, TransactionID: msg.TransactionID, MessageID: o.MM.MessageID,
			MailFrom: r.SystemAddress, Recipients: []state.Recipient{{Number: sender.Value, RcptTo: rcptTo}},
			SentAt: time.Now(), Deadline: time.Now().Add(r.tracker.timeout), Attempts: 1}
		if r.tracker.RetryKeepsMessage() {
			if p.req.Message, err = messageBytes(h, buffer.MemoryBuffer{}); err != nil {
				return nil, err
			}
		}
	}
	if p.delivery, err = out.prepare(ctx, peer.SendVia); err != nil {
		return nil, err
	}
	return p, nil
}

// recordReports records the reports that ask for a response as requests
// of ours, before anything they are about is committed (a RES may come
// back within milliseconds). A report recorded already (the same report
// made again: a re-sent MDN, a REQ processed again after a crash) is not
// sent again: it is aborted and left out of the result. Any other failure
// aborts them all.
func (r *Relay) recordReports(ctx context.Context, l log.Logger, reports []*pendingReport) ([]*pendingReport, error) {
	kept := reports[:0:0]
	for i, p := range reports {
		if p.req == nil {
			kept = append(kept, p)
			continue
		}
		err := r.state.PutRequests(ctx, []state.Request{*p.req})
		if errors.Is(err, state.ErrDuplicate) {
			l.Msg("MM4 report made again: sent already, not sent twice", "peer", p.peer.Name, "report", p.what,
				"transaction_id", p.req.TransactionID)
			p.delivery.Abort(ctx)
			continue
		}
		if err != nil {
			abortReports(ctx, kept)
			abortReports(ctx, reports[i:])
			return nil, err
		}
		kept = append(kept, p)
	}
	return kept, nil
}

// commitReports commits recorded reports. A report that cannot be
// committed is logged: what caused it is done already, and a report that
// asks for a response times out like a request of ours.
func (r *Relay) commitReports(ctx context.Context, l log.Logger, reports []*pendingReport) {
	for _, p := range reports {
		if err := p.delivery.Commit(ctx); err != nil {
			p.delivery.Abort(ctx)
			l.Error("MM4 report could not be queued", err, "peer", p.peer.Name, "report", p.what)
			continue
		}
		mm4ReportsSent.WithLabelValues(p.peer.Name, string(p.kind)).Inc()
		mm4SentAll.WithLabelValues(p.peer.Name, p.typ.String()).Inc()
		if p.req != nil {
			r.tracker.changed()
		}
		l.Msg("MM4 report queued", "peer", p.peer.Name, "report", p.what)
	}
}

// reportTransactionID is the X-Mms-Transaction-ID of a report: the same
// whenever the same report is made again (TS 23.140 §8.4.5 lets the peer
// drop what it has seen), different for another status.
func reportTransactionID(peer *Peer, o originReport, domain string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{peer.Name, o.MM.MessageID, o.Recipient, o.Type.String(),
		string(o.MMStatus), string(o.ReadStatus)}, "\x00")))
	return "r" + hex.EncodeToString(sum[:12]) + "@" + domain
}

// sendReport prepares, records and commits one report on its own, outside
// any delivery (a handset's answer over MM1). It reports false when the
// report cannot be addressed (see prepareReport).
func (r *Relay) sendReport(ctx context.Context, l log.Logger, peer *Peer, o originReport) (bool, error) {
	p, err := r.prepareReport(ctx, peer, o)
	if err != nil || p == nil {
		return false, err
	}
	kept, err := r.recordReports(ctx, l, []*pendingReport{p})
	if err != nil {
		return false, err
	}
	r.commitReports(ctx, l, kept)
	return true, nil
}

func abortReports(ctx context.Context, reports []*pendingReport) {
	for _, p := range reports {
		p.delivery.Abort(ctx)
	}
}
