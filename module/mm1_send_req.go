// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm1"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm1mime"
)

// M-send.req (OMA-MMS-ENC §6.1.1): the handset submits an MM. It enters
// the same routing as a submission by SMTP (deliver_to, e.g. a msgpipeline
// with modify.mms_sender and target.mms_send): the sender is bound to the
// account's numbers, local numbers are delivered here, other numbers go to
// their peer as MM4_forward.REQ, e-mail addresses as Internet mail
// (RFC 4356). The answer is an M-send.conf (§6.1.2) with the MM's
// Message-ID, or an X-Mms-Response-Status saying what is wrong.

// X-Mms-Response-Status values we answer with (OMA-MMS-ENC §7.3.48).
const (
	mm1StatusOk                  mm1.Token = 0x80
	mm1StatusFormatCorrupt       mm1.Token = 0x83 // Error-message-format-corrupt
	mm1StatusUnsupported         mm1.Token = 0x88 // Error-unsupported-message
	mm1StatusTransient           mm1.Token = 0xC0 // Error-transient-failure
	mm1StatusPartialSuccess      mm1.Token = 0xC4 // Error-transient-partial-success
	mm1StatusPermanent           mm1.Token = 0xE0 // Error-permanent-failure
	mm1StatusServiceDenied       mm1.Token = 0xE1 // Error-permanent-service-denied
	mm1StatusAddressUnresolved   mm1.Token = 0xE3 // Error-permanent-sending-address-unresolved
	mm1StatusContentNotAccepted  mm1.Token = 0xE5 // Error-permanent-content-not-accepted
	mm1StatusTransientAddressErr mm1.Token = 0xC1 // Error-transient-sending-address-unresolved
)

// mm1MessageIDKey carries the X-Mms-Message-ID an MM1 submission gets into
// target.mms_send (the M-send.conf names it before the MM is routed).
type mm1MessageIDKey struct{}

// sendConf writes an M-send.conf.
func (e *mm1Endpoint) sendConf(w http.ResponseWriter, txID string, status mm1.Token, text, messageID string) {
	p := &mm1.PDU{}
	p.Add(mm1.FieldMessageType, mm1.MSendConf)
	p.Add(mm1.FieldTransactionID, mm1.Text(txID))
	p.Add(mm1.FieldMMSVersion, mm1.Version12)
	p.Add(mm1.FieldResponseStatus, status)
	if text != "" {
		p.Add(mm1.FieldResponseText, mm1.EncodedString{Charset: 106, Text: text})
	}
	if messageID != "" {
		p.Add(mm1.FieldMessageID, mm1.Text(messageID))
	}
	b, err := p.Encode()
	if err != nil {
		e.log.Error("cannot encode an M-send.conf", err)
		http.Error(w, "Server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", mm1MediaType)
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func (e *mm1Endpoint) sendReq(c *mm1Call) {
	ctx := c.r.Context()
	tx := c.pdu.TransactionID()
	c.log.Fields["transaction_id"] = tx
	answer := func(status mm1.Token, outcome, text, msgID string) {
		mm1Requests.WithLabelValues("m-send-req", outcome).Inc()
		e.sendConf(c.w, tx, status, text, msgID)
	}
	if major, _, ok := c.pdu.Version(); ok && major > 1 {
		// OMA-MMS-ENC version management: a major version we
		// do not implement is answered Error-unsupported-message.
		c.log.Msg("M-send.req refused: unsupported MMS major version", "major", major)
		answer(mm1StatusUnsupported, "unsupported", "MMS major version not supported (this MMSC speaks 1.x)", "")
		return
	}
	if err := c.pdu.Check(); err != nil {
		c.log.Msg("M-send.req refused: malformed", "reason", err.Error())
		answer(mm1StatusFormatCorrupt, "corrupt", clip(err.Error(), 256), "")
		return
	}
	r := e.relay
	now := time.Now()
	msgID := newID("m", r.Domains[0])
	m, err := mm1mime.ToMIME(c.pdu, mm1mime.Options{Domain: r.Domains[0], Now: now,
		MessageID: "<" + newID("mm1.", r.Domains[0]) + ">"})
	if err != nil {
		c.log.Msg("M-send.req refused: cannot convert", "reason", err.Error())
		answer(mm1StatusFormatCorrupt, "corrupt", clip(err.Error(), 256), "")
		return
	}
	if len(m.Recipients) == 0 && len(m.Invalid) != 0 {
		answer(mm1StatusAddressUnresolved, "refused", clip("Not an MMS address: "+strings.Join(m.Invalid, ", "), 256), "")
		return
	}
	if len(m.Recipients) == 0 {
		answer(mm1StatusFormatCorrupt, "corrupt", "No recipients (To, Cc or Bcc)", "")
		return
	}
	meta := &module.MsgMetadata{Conn: &module.ConnState{Proto: mm1Proto, RemoteAddr: c.caller.Remote,
		AuthUser: c.caller.Login, Hostname: "handset"}}
	if meta.ID, err = module.GenerateMsgID(); err != nil {
		answer(mm1StatusTransient, "error", "Try again later", "")
		return
	}
	acc, err := r.Account(ctx, meta)
	if err != nil {
		status, text := mm1StatusFor(err)
		c.log.Msg("M-send.req refused: the account may not send MMs", "reason", err.Error())
		answer(status, "refused", text, "")
		return
	}
	mailFrom := m.From
	if mailFrom == "" {
		// Insert-address-token: the MMSC fills in the sender.
		mailFrom = acc.Numbers[0].Format(mmsmap.FormE164, r.Domains[0])
		m.Header.Set("From", mailFrom)
	}
	meta.OriginalFrom = mailFrom
	c.log.Fields["msg_id"] = meta.ID
	ctx = context.WithValue(ctx, mm1MessageIDKey{}, msgID)

	status, text, err := e.route(ctx, meta, mailFrom, m)
	if err != nil {
		st, t := mm1StatusFor(err)
		c.log.Msg("M-send.req refused", "reason", err.Error(), "status", mm1.Header{Field: mm1.FieldResponseStatus, Value: st}.String())
		answer(st, "refused", t, "")
		return
	}
	c.log.Msg("M-send.req accepted", "message_id", msgID, "rcpts", len(m.Recipients))
	if len(m.Invalid) != 0 {
		note := "Not an MMS address: " + strings.Join(m.Invalid, ", ")
		if text != "" {
			note += "; " + text
		}
		status, text = mm1StatusPartialSuccess, clip(note, 256)
	}
	if status == mm1StatusOk {
		answer(status, "ok", "", msgID)
		return
	}
	answer(status, "partial", text, msgID)
}

// route delivers the MM through deliver_to, one recipient at a time, so
// that some can fail and the rest still go (Error-transient-partial-success).
func (e *mm1Endpoint) route(ctx context.Context, meta *module.MsgMetadata, mailFrom string, m *mm1mime.Message) (mm1.Token, string, error) {
	d, err := e.deliverTo.Start(ctx, meta, mailFrom)
	if err != nil {
		return 0, "", err
	}
	var failed []string
	var firstErr error
	for _, rcpt := range m.Recipients {
		if err := d.AddRcpt(ctx, rcpt, smtp.RcptOptions{}); err != nil {
			failed = append(failed, rcpt)
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if len(failed) == len(m.Recipients) {
		d.Abort(ctx)
		return 0, "", firstErr
	}
	if err := d.Body(ctx, m.Header, buffer.MemoryBuffer{Slice: m.Body}); err != nil {
		d.Abort(ctx)
		return 0, "", err
	}
	if err := d.Commit(ctx); err != nil {
		d.Abort(ctx)
		return 0, "", err
	}
	if len(failed) != 0 {
		_, text := mm1StatusFor(firstErr)
		return mm1StatusPartialSuccess, clip("Not sent to "+strings.Join(failed, ", ")+": "+text, 256), nil
	}
	return mm1StatusOk, "", nil
}

// mm1StatusFor maps an SMTP-style refusal to X-Mms-Response-Status and
// its text (the client text of the error, never internal detail).
func mm1StatusFor(err error) (mm1.Token, string) {
	var se *exterrors.SMTPError
	if !errors.As(err, &se) {
		if exterrors.IsTemporaryOrUnspec(err) {
			return mm1StatusTransient, "Temporary failure, try again later"
		}
		return mm1StatusPermanent, "The MM cannot be sent"
	}
	text := clip(se.Message, 256)
	enh := se.EnhancedCode
	switch {
	case se.Code/100 == 4 && enh[1] == 1:
		return mm1StatusTransientAddressErr, text
	case se.Code/100 == 4:
		return mm1StatusTransient, text
	case enh[1] == 7 && (enh[2] == 0 || enh[2] == 1):
		return mm1StatusServiceDenied, text
	case enh[1] == 1:
		return mm1StatusAddressUnresolved, text
	case enh[1] == 6 || enh[1] == 3:
		return mm1StatusContentNotAccepted, text
	default:
		return mm1StatusPermanent, text
	}
}
