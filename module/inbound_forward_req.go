// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/internal/state"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/content"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm3"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// forwardReq is an MM4_forward.REQ (TS 23.140 §8.4.1): the MM goes to the
// mailboxes of the recipients we serve, as Internet mail. Recipients we do
// not serve are named in the response, which is then
// Error-sending-address-unresolved (OMA-MMS-ENC: "the address of a
// recipient could not be resolved"); with none served nothing is
// delivered. When some mailboxes fail and others take the MM, the response
// names those that failed.
type forwardReq struct {
	delivered []string // numbers the MM went to
	received  *state.ReceivedMM
	reports   []*pendingReport // delivery reports to the peer, when the MM asked for them
}

// statusUnserved is the status answering a request with recipients we do
// not serve.
const statusUnserved = mmsmap.StatusErrorSendingAddressUnresolved

func (k *forwardReq) process(ctx context.Context, d *delivery, msg *mm4.Message, h textproto.Header, body buffer.Buffer) (mmsmap.RequestStatus, string, error) {
	missing := append([]unserved(nil), d.unserved...)
	if d.toSystem {
		missing = append(missing, unserved{Rcpt: d.t.relay.SystemAddress, Reason: "the system address takes responses and reports only"})
	}
	if len(missing) != 0 && !msg.AckRequest {
		d.log.Msg("MM4 request for recipients not served here; no response was asked for", "unserved", describeUnserved(missing))
	}
	if len(missing) != 0 {
		mm4Unserved.WithLabelValues(d.peer.Name).Add(float64(len(missing)))
	}
	if len(d.numbers) == 0 {
		if err := k.report(ctx, d, msg, nil, mmsmap.MMStatusRetrieved, "", missing); err != nil {
			return "", "", err
		}
		return statusUnserved, "Not delivered: " + describeUnserved(missing), nil
	}
	if err := d.t.relay.checkMIME(h, body); err != nil {
		text, ok := mimeProblem(err)
		if !ok {
			return "", "", d.temporary("Cannot read the MM now, try again later", err)
		}
		mm4FormatErrors.WithLabelValues(d.peer.Name, msg.Type.String()).Inc()
		d.log.Msg("MM with a malformed MIME structure: answered Error-message-format-corrupt", "reason", text)
		return mmsmap.StatusErrorMessageFormatCorrupt, text, nil
	}

	r := d.t.relay
	mailHdr, err := mm3.ToInternetMail(h, mm3.MailView{Domain: r.Domains[0], Plan: r.Plan,
		ReceivedFrom: d.peer.Domains[0], ReceivedBy: r.hostname, ReceivedID: msg.TransactionID})
	var refusal *mm3.Refusal
	if errors.As(err, &refusal) {
		// RFC 4356: Sensitivity personal/private, a mail loop. A
		// delivery report, when asked for, says Rejected (also to a peer
		// that asked for no RES).
		d.log.Msg("MM refused by the MMS/mail mapping: answered Error-content-not-accepted", "reason", err.Error())
		if err := k.report(ctx, d, msg, d.numbers, mmsmap.MMStatusRejected, clip(refusal.Reason, 256), missing); err != nil {
			return "", "", err
		}
		return mmsmap.StatusErrorContentNotAccepted, clip(refusal.Reason, 512), nil
	}
	if err != nil {
		mm4FormatErrors.WithLabelValues(d.peer.Name, msg.Type.String()).Inc()
		d.log.Msg("MM cannot be converted to Internet mail: answered Error-message-format-corrupt", "reason", err.Error())
		return mmsmap.StatusErrorMessageFormatCorrupt, clip("Cannot convert the MM: "+err.Error(), 512), nil
	}
	// Its SMIL presentation becomes what mail clients show well
	// (mmsmap/content): text inline, media attachments.
	mailHdr, mailBody, err := r.adapt(content.ForMail, mailHdr, body)
	if err != nil {
		if text, ok := mimeProblem(err); ok {
			mm4FormatErrors.WithLabelValues(d.peer.Name, msg.Type.String()).Inc()
			return mmsmap.StatusErrorMessageFormatCorrupt, text, nil
		}
		return "", "", d.temporary("Cannot convert the MM now, try again later", err)
	}
	defer mailBody.Remove()
	// Handsets get the MM as it came (its SMIL presentation too), as an
	// M-retrieve.conf; the delivery report of a recipient without a
	// mailbox waits for the handset.
	err = d.storeForHandsets(ctx, handsetMM{Peer: d.peer.Name, MessageID: msg.MessageID, Sender: msg.From,
		DeliveryReport: msg.DeliveryReport || msg.OriginatorRSDeliveryReport, ReadReply: msg.ReadReply,
		Expires: expiryTime(msg.Expiry, time.Now())}, h, body)
	if text, ok := errConversion(err); ok {
		d.log.Msg("MM cannot be converted for a handset: answered Error-content-not-accepted", "reason", text)
		return mmsmap.StatusErrorContentNotAccepted, text, nil
	} else if err != nil {
		return "", "", d.temporary("Cannot store the MM for the handset now, try again later", err)
	}
	body = mailBody
	if senderHidden(h) {
		// The envelope sender would show as Return-Path in the mailbox.
		if err := d.restartNext(ctx, ""); err != nil {
			return "", "", err
		}
	}
	var failed []string
	var failure error
	pd, partial := d.next.(module.PartialDelivery)
	if !partial || !msg.AckRequest || len(d.mailboxOrder) == 0 {
		// Without a response to report a partial failure in, the whole
		// message fails or succeeds, so the peer retries rather than
		// losing an MM for some recipients.
		if err := d.bodyNext(ctx, mailHdr, body); err != nil {
			return "", "", err
		}
	} else {
		c := &statusCollector{statuses: map[string]error{}}
		pd.BodyNonAtomic(ctx, c, mailHdr, body)
		for mailbox, numbers := range d.mailboxes {
			if err := c.statuses[mailbox]; err != nil {
				failed = append(failed, numbers...)
				if failure == nil || exterrors.IsTemporaryOrUnspec(err) {
					failure = err
				}
			}
		}
		if len(failed) == len(d.numbers) {
			return "", "", failure
		}
	}
	for _, n := range d.numbers {
		if !contains(failed, n) {
			k.delivered = append(k.delivered, n)
		}
	}
	now := time.Now()
	k.received = &state.ReceivedMM{
		Peer: d.peer.Name, MessageID: msg.MessageID, TransactionID: msg.TransactionID,
		OriginatorSystem: msg.OriginatorSystem, Sender: msg.From, Recipients: k.delivered,
		DeliveryReport: msg.DeliveryReport || msg.OriginatorRSDeliveryReport, ReadReply: msg.ReadReply,
		ReceivedAt: now, Expires: d.t.relay.keepUntil(now, expiryTime(msg.Expiry, now)),
		RFC822MessageID: strings.TrimSpace(mailHdr.Get("Message-Id")),
	}

	if err := k.report(ctx, d, msg, without(k.delivered, d.handsetOnly), mmsmap.MMStatusRetrieved, "", missing); err != nil {
		d.abortNext(ctx)
		return "", "", err
	}

	var notes []string
	status := mmsmap.StatusOk
	if len(failed) != 0 {
		d.log.Error("MM delivered to some recipients only", failure, "failed", failed)
		status = mmsmap.StatusErrorUnspecified
		if exterrors.IsTemporaryOrUnspec(failure) {
			status = mmsmap.StatusErrorNetworkProblem
		}
		var parts []string
		for _, n := range failed {
			parts = append(parts, n+" (mailbox unavailable)")
		}
		notes = append(notes, listWithin(parts))
	}
	if len(missing) != 0 {
		status = statusUnserved
		notes = append(notes, describeUnserved(missing))
	}
	if len(notes) == 0 {
		return status, "", nil
	}
	return status, fmt.Sprintf("Not delivered to %s; delivered to the other %d recipient(s)",
		strings.Join(notes, ", "), len(k.delivered)), nil
}

func (k *forwardReq) commit(ctx context.Context, d *delivery) error {
	if len(k.reports) != 0 {
		// Recorded before the MM is in the mailboxes, while a failure
		// can still make the peer send it again.
		kept, err := d.t.relay.recordReports(ctx, d.log, k.reports)
		k.reports = kept
		if err != nil {
			return d.temporary("Cannot record the MM4 delivery report now, try again later", err)
		}
	}
	if len(k.delivered) != 0 {
		if err := d.commitNext(ctx); err != nil {
			abortReports(ctx, k.reports)
			k.reports = nil
			return err
		}
		d.log.Msg("MM4 request delivered", "rcpts", k.delivered)
	}
	if len(k.reports) != 0 {
		// The MM is in the mailboxes: a report that cannot be queued
		// is logged, not a reason for the peer to send the MM again.
		d.t.relay.commitReports(ctx, d.log, k.reports)
		k.reports = nil
	}
	return nil
}

// report prepares the delivery reports an MM asked for (X-Mms-Delivery-Report
// or X-Mms-Originator-R/S-Delivery-Report: Yes, TS 23.140 §8.4.2): status
// (Retrieved; Rejected when RFC 4356 refuses the MM) for each recipient
// whose mailbox took it (an MM in a mailbox is as
// retrieved as it gets: RFC 4356 §2.1.5 lets a gateway call it delivered
// once it is handed on), Unrecognised for each number in our domains that we
// do not serve. They go to the peer the MM came from only.
func (k *forwardReq) report(ctx context.Context, d *delivery, msg *mm4.Message, delivered []string, status mmsmap.MMStatus, text string, missing []unserved) error {
	if !msg.DeliveryReport && !msg.OriginatorRSDeliveryReport {
		return nil
	}
	r := d.t.relay
	mm := state.ReceivedMM{Peer: d.peer.Name, MessageID: msg.MessageID, Sender: msg.From}
	add := func(number string, status mmsmap.MMStatus, text string) error {
		p, err := r.prepareReport(ctx, d.peer, originReport{Type: mm4.DeliveryReportReq, MM: mm, RawMsgID: msg.RawMessageID,
			Recipient: number, MMStatus: status, Text: text, ToUA: msg.DeliveryReport})
		if err != nil {
			abortReports(ctx, k.reports)
			k.reports = nil
			return d.temporary("Cannot queue the MM4 delivery report now, try again later", err)
		}
		if p == nil {
			d.log.Msg("delivery report asked for, but the MM's sender is no number to address it to", "sender", msg.From)
			return nil
		}
		k.reports = append(k.reports, p)
		return nil
	}
	for _, n := range delivered {
		if err := add(n, status, text); err != nil {
			return err
		}
	}
	for _, u := range missing {
		a, err := mmsmap.ParseAddress(u.Rcpt)
		if err == nil {
			a, err = r.Plan.NormalizeAddress(a)
		}
		if err != nil || !a.IsNumber() {
			continue
		}
		if err := add(a.Value, mmsmap.MMStatusUnrecognised, clip(u.Reason, 256)); err != nil {
			return err
		}
	}
	return nil
}

func (k *forwardReq) record(f *state.Finish) { f.Received = k.received }

func (k *forwardReq) inFinish() bool { return false }

func (k *forwardReq) abort(ctx context.Context, d *delivery) {
	abortReports(ctx, k.reports)
	k.reports = nil
	d.abortNext(ctx)
}

type statusCollector struct {
	mu       sync.Mutex
	statuses map[string]error
}

func (c *statusCollector) SetStatus(rcpt string, err error) {
	c.mu.Lock()
	c.statuses[rcpt] = err
	c.mu.Unlock()
}

// expiryTime is when an MM with expiry e, handled at now, expires; zero
// for none.
func expiryTime(e mm4.Expiry, now time.Time) time.Time {
	switch {
	case !e.Absolute.IsZero():
		return e.Absolute
	case e.Relative > 0:
		return now.Add(e.Relative)
	}
	return time.Time{}
}

// senderHidden reports whether any X-Mms-Sender-Visibility field of the MM
// says Hide, as mm3.ToInternetMail decides it.
func senderHidden(h textproto.Header) bool {
	for f := h.FieldsByKey("X-Mms-Sender-Visibility"); f.Next(); {
		if strings.EqualFold(strings.TrimSpace(f.Value()), "hide") {
			return true
		}
	}
	return false
}

// without returns the strings of list that are not in drop.
func without(list, drop []string) []string {
	if len(drop) == 0 {
		return list
	}
	var out []string
	for _, s := range list {
		if !contains(drop, s) {
			out = append(out, s)
		}
	}
	return out
}
