// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"errors"
	"strings"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm3"
)

// internetMail is Internet mail (no X-Mms-Message-Type) for our subscribers: the
// MM3 side, delivered as it is. It keeps SMTP's semantics even on a peer's
// connection: when a recipient accepted at RCPT turns out not to be served
// (there is no MM4 response to name it in), the message is refused at DATA
// naming it, so nothing is lost silently and we generate no bounce. The
// system address takes MM4 responses and reports only.
type internetMail struct{}

func (internetMail) body(ctx context.Context, d *delivery, _ *classified, h textproto.Header, body buffer.Buffer) error {
	if d.toSystem {
		return d.targetErr(550, exterrors.EnhancedCode{5, 7, 1}, "Only MM4 responses and reports are accepted for this address", nil)
	}
	if len(d.unserved) != 0 {
		mm4Unserved.WithLabelValues(d.peerName()).Add(float64(len(d.unserved)))
		return d.targetErr(550, exterrors.EnhancedCode{5, 1, 1}, "No such MMS subscriber: "+describeUnserved(d.unserved), nil)
	}
	if err := d.t.relay.checkMIME(h, body); err != nil {
		text, ok := mimeProblem(err)
		if !ok {
			return d.temporary("Cannot read the message now, try again later", err)
		}
		return d.targetErr(554, exterrors.EnhancedCode{5, 6, 0}, text, err)
	}
	if err := mm3.CheckMailToMMS(h); err != nil {
		// RFC 4356 §2.1.3.3: a personal or private message must not
		// reach MMS (5.6.0); a loop is cut (5.4.6, RFC 3463).
		code := exterrors.EnhancedCode{5, 6, 0}
		var ref *mm3.Refusal
		if errors.As(err, &ref) && ref.Field == "Received" {
			code = exterrors.EnhancedCode{5, 4, 6}
		}
		return d.targetErr(554, code, "Message cannot be delivered as an MMS: "+err.Error(), err)
	}
	mm := handsetMM{MessageID: strings.Trim(strings.TrimSpace(h.Get("X-Mms-Message-ID")), `"`), Sender: h.Get("From")}
	if mm.MessageID == "" {
		mm.MessageID = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
	}
	if lr, ok := ctx.Value(localReportKey{}).(localReport); ok && lr.NotifyTo != "" {
		mm.DeliveryReport, mm.NotifyTo, mm.RFC822MessageID = true, lr.NotifyTo, lr.RFC822MessageID
	}
	if err := d.storeForHandsets(ctx, mm, h, body); err != nil {
		if text, ok := errConversion(err); ok {
			return d.targetErr(554, exterrors.EnhancedCode{5, 6, 0}, text, err)
		}
		return d.temporary("Cannot store the MM for the handset now, try again later", err)
	}
	return d.bodyNext(ctx, h, body)
}

func (internetMail) commit(ctx context.Context, d *delivery) error { return d.commitNext(ctx) }
func (internetMail) abort(context.Context, *delivery)              {}
