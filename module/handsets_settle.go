// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"time"

	"github.com/foxcpp/maddy/framework/log"
	"github.com/maddy-mms/maddy-mms/internal/state"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// The end of a stored MM's life: the handset fetched it and said so
// (M-NotifyResp.ind Retrieved, or M-Acknowledge.ind after an immediate
// retrieval), refused it (M-NotifyResp.ind Rejected), or it expired. Each
// makes the delivery report the sender asked for (OMA-MMS-ENC §6.2;
// TS 23.140 §8.4.2 towards the peer the MM came from), queued before the
// MM's state moves, so a crash in between makes the same report again
// (with the same transaction ID, which the peer drops).

// openStates are the states a stored MM can still be settled from.
var openStates = []state.HandsetState{state.HandsetStored, state.HandsetRetrieved}

// settle moves a stored MM to its final state and reports it. reportAllowed
// is the handset's X-Mms-Report-Allowed (true when absent). It reports
// whether the MM was still open.
func (h *Handsets) settle(ctx context.Context, l log.Logger, m state.HandsetMM, to state.HandsetState, status mmsmap.MMStatus, reportAllowed bool) (bool, error) {
	if !containsState(openStates, m.State) {
		return false, nil
	}
	// One settle at a time, on the MM as it is now: two answers, or an
	// answer and the expiry, that looked it up at once report it once.
	// Once its report is queued the state move is not given up because
	// the handset hung up (the MM would stay open and expire reported).
	ctx = context.WithoutCancel(ctx)
	h.settleMu.Lock()
	defer h.settleMu.Unlock()
	cur, ok, err := h.relay.state.HandsetMM(ctx, m.ID)
	if err != nil {
		return false, err
	}
	if !ok || !containsState(openStates, cur.State) {
		return false, nil
	}
	m = cur
	if m.DeliveryReport && reportAllowed {
		if err := h.report(ctx, l, m, status); err != nil {
			return false, err
		}
	} else if m.DeliveryReport {
		l.Msg("delivery report not sent: the handset does not allow it (X-Mms-Report-Allowed: No)",
			"number", m.Number, "message_id", m.MessageID)
	}
	moved, err := h.relay.state.SetHandsetState(ctx, m.ID, openStates, to, time.Now())
	if err != nil || !moved {
		return moved, err
	}
	handsetSettled.WithLabelValues(string(to)).Inc()
	if to != state.HandsetRetrieved {
		// Fetched, refused or expired: the handset will not ask again.
		if err := h.blobs.Delete(ctx, []string{m.ID}); err != nil {
			l.Error("cannot delete a settled MM's blob", err, "id", m.ID)
		}
	}
	return true, nil
}

// report sends the delivery report on m: an MM4_delivery_report.REQ to
// the peer it came from, or a DSN to a local sender's own address
// (RFC 4356 §2.1.4, Table 4).
func (h *Handsets) report(ctx context.Context, l log.Logger, m state.HandsetMM, status mmsmap.MMStatus) error {
	if m.Peer == "" {
		return h.reportLocal(ctx, l, m, status)
	}
	r := h.relay
	peer := r.Peer(m.Peer)
	if peer == nil {
		l.Msg("delivery report not sent: the peer is no longer configured", "peer", m.Peer, "message_id", m.MessageID)
		return nil
	}
	mm, ok, err := r.state.Received(ctx, m.Peer, m.MessageID)
	if err != nil {
		return err
	}
	if !ok {
		mm = state.ReceivedMM{Peer: m.Peer, MessageID: m.MessageID, Sender: m.Sender}
	}
	sent, err := r.sendReport(ctx, l, peer, originReport{Type: mm4.DeliveryReportReq, MM: mm,
		Recipient: m.Number, MMStatus: status, ToUA: true})
	if err == nil && !sent {
		l.Msg("delivery report asked for, but the MM's sender is no number to address it to", "sender", m.Sender)
	}
	return err
}

// expire settles the MMs not fetched before their expiry: reported
// Expired, deleted.
func (h *Handsets) expire(ctx context.Context) {
	now := time.Now()
	list, err := h.relay.state.ExpiredHandsetMMs(ctx, now, 500)
	if err != nil {
		h.log.Error("cannot list expired MMs of handsets", err)
		return
	}
	for _, m := range list {
		// Fetched (GET answered) but never acknowledged: the handset has
		// it, and its answer was lost; it is not reported Expired.
		to, status, what := state.HandsetExpired, mmsmap.MMStatusExpired, "MM expired before the handset fetched it"
		if m.State == state.HandsetRetrieved {
			to, status, what = state.HandsetAcknowledged, mmsmap.MMStatusRetrieved, "MM fetched by the handset, never acknowledged: settled as retrieved at its expiry"
		}
		if _, err := h.settle(ctx, h.log, m, to, status, true); err != nil {
			h.log.Error("cannot expire an MM stored for a handset; tried again later", err, "id", m.ID)
			continue
		}
		h.log.Msg(what, "number", m.Number, "message_id", m.MessageID)
	}
}

func containsState(list []state.HandsetState, s state.HandsetState) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// reportLocal tells a local sender by DSN what became of the MM on the
// recipient's handset.
func (h *Handsets) reportLocal(ctx context.Context, l log.Logger, m state.HandsetMM, status mmsmap.MMStatus) error {
	if m.NotifyTo == "" {
		return nil
	}
	sent := state.SentMM{NotifyTo: m.NotifyTo, RFC822MessageID: m.RFC822MessageID, Subject: m.Subject, DeliveryReport: true}
	rep := state.Report{Kind: state.DeliveryReport, Status: string(status), At: time.Now()}
	dsn, err := h.relay.tellSender(ctx, sent, rep, nil, []string{m.Number})
	if err != nil || dsn == nil {
		return err
	}
	if err := dsn.Commit(ctx); err != nil {
		dsn.Abort(ctx)
		return err
	}
	l.Msg("delivery report told to the sender", "to", m.NotifyTo, "number", m.Number, "status", string(status))
	return nil
}
