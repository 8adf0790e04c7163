// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
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

	mailHdr, err := mm3.ToInternetMail(h, mm3.MailView{Domain: d.t.relay.Domains[0], Plan: d.t.relay.Plan})
	if err != nil {
		mm4FormatErrors.WithLabelValues(d.peer.Name, msg.Type.String()).Inc()
		d.log.Msg("MM cannot be converted to Internet mail: answered Error-message-format-corrupt", "reason", err.Error())
		return mmsmap.StatusErrorMessageFormatCorrupt, clip("Cannot convert the MM: "+err.Error(), 512), nil
	}
	var failed []string
	var failure error
	pd, partial := d.next.(module.PartialDelivery)
	if !partial || !msg.AckRequest {
		// Without a response to report a partial failure in, the whole
		// message fails or succeeds, so the peer retries rather than
		// losing an MM for some recipients.
		if err := d.next.Body(ctx, mailHdr, body); err != nil {
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
	if len(k.delivered) == 0 {
		return nil
	}
	if err := d.commitNext(ctx); err != nil {
		return err
	}
	d.log.Msg("MM4 request delivered", "rcpts", k.delivered)
	return nil
}

func (k *forwardReq) record(f *state.Finish) { f.Received = k.received }

func (k *forwardReq) inFinish() bool { return false }

func (k *forwardReq) abort(ctx context.Context, d *delivery) { d.abortNext(ctx) }

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
