// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"strings"
	"time"

	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/internal/state"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// A report from a peer (MM4_delivery_report.REQ, TS 23.140 §8.4.2;
// MM4_read_reply_report.REQ, §8.4.3) is about an MM we sent: it is
// matched by X-Mms-Message-ID to that MM and to the recipients of it that
// went through this peer, then recorded against them. Real peers swap
// From and To in reports (or write the same address in both), so the
// recipient is whichever of the two the MM went to, or the MM's only
// recipient through this peer. The sender learns of it by DSN or MDN when
// they asked for the report (reports_tell.go); a report on no MM of ours
// is logged, counted and answered, never delivered.

// reportKind is the common part of the two report request kinds.
type reportKind struct {
	kind   state.ReportKind
	report *state.Report   // nil when it matched nothing
	tell   module.Delivery // the DSN or MDN for the sender, uncommitted
}

// match finds the MM and recipients msg reports on, and chooses the answer:
// Ok when it matched, Error-message-not-found when no MM of ours sent
// through this peer has that X-Mms-Message-ID.
func (k *reportKind) match(ctx context.Context, d *delivery, msg *mm4.Message, status, text string) (mmsmap.RequestStatus, string, error) {
	rep := state.Report{Peer: d.peer.Name, MessageID: msg.MessageID, Kind: k.kind,
		Candidates: d.t.relay.numbersIn(append([]string{msg.From}, msg.To...)), Status: status, StatusText: text, At: time.Now()}
	numbers, err := d.t.relay.state.MatchReport(ctx, rep)
	if err != nil {
		return "", "", d.temporary("Cannot process the MM4 report now, try again later", err)
	}
	mm4Reports.WithLabelValues(d.peer.Name, string(k.kind), boolLabel(len(numbers) != 0)).Inc()
	if len(numbers) == 0 {
		d.log.Msg("MM4 report for no MM sent through this peer", "message_id", msg.MessageID, "report_status", status)
		return mmsmap.StatusErrorMessageNotFound, "No MM with this X-Mms-Message-ID was sent to you from here", nil
	}
	rep.Candidates = numbers
	k.report = &rep
	sent, ok, err := d.t.relay.state.Sent(ctx, msg.MessageID)
	if err != nil {
		return "", "", d.temporary("Cannot process the MM4 report now, try again later", err)
	}
	if fresh := newsIn(sent, rep, numbers); ok && len(fresh) != 0 {
		// Told once per recipient and status: a peer that sends the same
		// report again under a new transaction ID does not tell the
		// sender twice.
		if k.tell, err = d.t.relay.tellSender(ctx, sent, rep, d.peer, fresh); err != nil {
			if exterrors.IsTemporaryOrUnspec(err) {
				return "", "", d.temporary("Cannot process the MM4 report now, try again later", err)
			}
			// Refused for good (dsn_via has no route to the sender's
			// address): the report is still recorded and answered.
			d.log.Error("the report cannot be told to the sender", err, "to", sent.NotifyTo, "message_id", msg.MessageID)
			k.tell = nil
		}
	}
	d.log.Msg("MM4 report received", "message_id", msg.MessageID, "rcpts", numbers, "report_status", status, "report_text", text)
	return mmsmap.StatusOk, "", nil
}

func (k *reportKind) record(f *state.Finish) { f.Report = k.report }

func (k *reportKind) inFinish() bool { return true }

// commit hands the sender's DSN or MDN to its queue; the report itself is
// recorded with the transaction.
func (k *reportKind) commit(ctx context.Context, d *delivery) error {
	if k.tell == nil {
		return nil
	}
	err := k.tell.Commit(ctx)
	if err != nil {
		k.tell.Abort(ctx)
	}
	k.tell = nil
	if err != nil {
		return d.temporary("Cannot queue the report for the sender, try again later", err)
	}
	d.log.Msg("report told to the sender", "kind", string(k.kind))
	return nil
}

func (k *reportKind) abort(ctx context.Context, _ *delivery) {
	if k.tell != nil {
		k.tell.Abort(ctx)
		k.tell = nil
	}
}

// newsIn returns the numbers whose recorded report of rep's kind is not
// rep's status already.
func newsIn(sent state.SentMM, rep state.Report, numbers []string) []string {
	var out []string
	for _, n := range numbers {
		known := ""
		for _, rc := range sent.Recipients {
			if rc.Number == n {
				known = rc.Delivery
				if rep.Kind == state.ReadReport {
					known = rc.Read
				}
			}
		}
		if !strings.EqualFold(known, rep.Status) {
			out = append(out, n)
		}
	}
	return out
}

// numbersIn returns the numbers among address-list values, normalised.
func (r *Relay) numbersIn(values []string) []string {
	var out []string
	for _, v := range values {
		list, err := mmsmap.ParseAddressList(v)
		if err != nil {
			continue
		}
		for _, a := range list {
			if n, err := r.Plan.NormalizeAddress(a); err == nil && n.IsNumber() && !contains(out, n.Value) {
				out = append(out, n.Value)
			}
		}
	}
	return out
}

func boolLabel(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
