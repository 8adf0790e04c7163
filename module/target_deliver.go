// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-smtp"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/config"
	modconfig "github.com/foxcpp/maddy/framework/config/module"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/log"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/internal/seen"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm3"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// deliverTarget is the target.mms_deliver module: it delivers MMs for local
// subscribers to their mailboxes and acknowledges MM4 requests.
//
//	deliver_to mms_deliver &mmsc {
//	    mailbox_table file /etc/maddy/mms_subscribers   # +E164 → mailbox
//	    deliver_to &local_mailboxes                     # e.g. storage.imapsql
//	}
//
// For every recipient (canonical `+E164@domain`, see modify.mms_rcpt) the
// number is looked up in mailbox_table; an unknown subscriber is refused at
// RCPT. An MM4 request from a configured peer is converted to Internet
// mail (mm3.ToInternetMail) and handed to deliver_to; when it asks for
// an acknowledgement (X-Mms-Ack-Request: Yes) the matching RES is handed to
// the peer's send_via target (a durable queue) before the message gets its
// 250, and it goes only to the peer's configured originator-system address.
// A request whose transaction ID was already processed for that peer is
// answered again but not delivered again. Plain Internet mail (no
// X-Mms-Message-Type) is delivered unchanged.
type deliverTarget struct {
	instName   string
	inlineArgs []string
	log        log.Logger

	relay      *Relay
	mailboxes  module.Table
	next       module.DeliveryTarget
	autoCreate bool
	storage    module.Storage // next, when it is a storage and auto_create is on
	created    sync.Map       // mailboxes known to exist
}

func NewDeliverTarget(modName, instName string, _, inlineArgs []string) (module.Module, error) {
	return &deliverTarget{instName: instName, inlineArgs: inlineArgs, log: log.Logger{Name: modName}}, nil
}

func (t *deliverTarget) Name() string         { return "target.mms_deliver" }
func (t *deliverTarget) InstanceName() string { return t.instName }

func (t *deliverTarget) Init(cfg *config.Map) error {
	cfg.Bool("debug", true, false, &t.log.Debug)
	modconfig.Table(cfg, "mailbox_table", false, true, nil, &t.mailboxes)
	cfg.Custom("deliver_to", false, true, nil, modconfig.DeliveryDirective, &t.next)
	cfg.Bool("auto_create", false, true, &t.autoCreate)
	var relayRef string
	cfg.String("relay", false, false, "", &relayRef)
	if _, err := cfg.Process(); err != nil {
		return err
	}
	var err error
	if t.relay, err = relayFromArgs(t.Name(), t.inlineArgs, relayRef); err != nil {
		return err
	}
	if st, ok := t.next.(module.Storage); ok && t.autoCreate {
		t.storage = st
	}
	return nil
}

func (t *deliverTarget) Start(ctx context.Context, meta *module.MsgMetadata, mailFrom string) (module.Delivery, error) {
	next, err := t.next.Start(ctx, meta, mailFrom)
	if err != nil {
		return nil, err
	}
	l := t.log
	l.Fields = map[string]any{"msg_id": meta.ID}
	return &delivery{
		t:         t,
		log:       l,
		meta:      meta,
		peer:      t.relay.IdentifyPeer(meta.Conn),
		next:      next,
		mailboxes: map[string][]string{},
	}, nil
}

// ensureMailbox creates the subscriber's mailbox in the storage on first
// use (storage.imapsql creates accounts only at IMAP login otherwise).
func (t *deliverTarget) ensureMailbox(mailbox string) error {
	if t.storage == nil {
		return nil
	}
	if _, ok := t.created.Load(mailbox); ok {
		return nil
	}
	u, err := t.storage.GetOrCreateIMAPAcct(mailbox)
	if err != nil {
		return err
	}
	if err := u.Logout(); err != nil {
		t.log.Error("logout after account creation failed", err, "mailbox", mailbox)
	}
	t.created.Store(mailbox, struct{}{})
	return nil
}

type delivery struct {
	t    *deliverTarget
	log  log.Logger
	meta *module.MsgMetadata
	peer *Peer
	next module.Delivery

	toSystem  bool                // addressed to our system_address
	mailboxes map[string][]string // mailbox → the numbers delivered to it
	numbers   []string

	msg      *mm4.Message
	dupKey   string
	claimed  bool // dupKey claimed in the seen log, not yet added
	skipNext bool // nothing for next to commit (duplicate or RES)
	res      *pendingResponse
	// resolution is the REQ of ours an inbound RES answers.
	resolution *pendingResolution
}

func (d *delivery) targetErr(code int, enh exterrors.EnhancedCode, msg string, err error) error {
	return &exterrors.SMTPError{
		Code: code, EnhancedCode: enh, Message: msg, TargetName: d.t.Name(), Err: err,
		Misc: map[string]any{"peer": d.peerName()},
	}
}

func (d *delivery) peerName() string {
	if d.peer == nil {
		return ""
	}
	return d.peer.Name
}

func (d *delivery) AddRcpt(ctx context.Context, rcpt string, opts smtp.RcptOptions) error {
	if d.t.relay.IsSystemAddress(rcpt) {
		d.toSystem = true // checked at DATA: MM4 responses only
		return nil
	}
	a, serr := canonicalRecipient(d.t.relay, rcpt)
	if serr != nil {
		serr.TargetName = d.t.Name()
		return serr
	}
	mailbox, ok, err := d.t.mailboxes.Lookup(ctx, a.Value)
	if err != nil {
		return exterrors.WithTemporary(d.targetErr(451, exterrors.EnhancedCode{4, 3, 0},
			"Subscriber lookup failed, try again later", err), true)
	}
	if !ok {
		return d.targetErr(550, exterrors.EnhancedCode{5, 1, 1}, "No such MMS subscriber", nil)
	}
	if err := d.t.ensureMailbox(mailbox); err != nil {
		return exterrors.WithTemporary(d.targetErr(451, exterrors.EnhancedCode{4, 3, 0},
			"Subscriber mailbox unavailable, try again later", err), true)
	}
	if _, dup := d.mailboxes[mailbox]; !dup {
		if err := d.next.AddRcpt(ctx, mailbox, opts); err != nil {
			return err
		}
	}
	d.mailboxes[mailbox] = append(d.mailboxes[mailbox], a.Value)
	d.numbers = append(d.numbers, a.Value)
	return nil
}

func (d *delivery) Body(ctx context.Context, header textproto.Header, body buffer.Buffer) error {
	if body.Len() == 0 && onlyTraceFields(header) {
		// Some peers keep sessions alive with an empty DATA: there is
		// nothing to deliver.
		d.log.Msg("empty message accepted and discarded (keep-alive)", "peer", d.peerName())
		d.skipNext = true
		return nil
	}
	if !mm4.IsMM4(header) {
		if d.toSystem {
			return d.targetErr(550, exterrors.EnhancedCode{5, 7, 1}, "Only MM4 responses are accepted for this address", nil)
		}
		// MM3: Internet mail to a subscriber, delivered as it is.
		return d.next.Body(ctx, header, body)
	}
	if d.peer == nil {
		e := errUnknownPeer(d.meta)
		e.TargetName = d.t.Name()
		return e
	}
	msg, err := mm4.Parse(header)
	if err == nil && d.toSystem && msg.Type.IsRequest() {
		err = fmt.Errorf("%s is not accepted for the system address", msg.Type)
	}
	if err != nil {
		e := errMalformedMM4(err, d.peer)
		e.TargetName = d.t.Name()
		return e
	}
	d.msg = msg
	d.log.Fields["peer"] = d.peer.Name
	d.log.Fields["mm4_type"] = msg.Type.String()
	d.log.Fields["transaction_id"] = msg.TransactionID
	mm4Received.WithLabelValues(d.peer.Name, msg.Type.String()).Inc()

	if !msg.Type.IsRequest() {
		d.skipNext = true
		if msg.Type != mm4.ForwardRes {
			d.log.Msg("MM4 response received and dropped: no such request is sent from here",
				"status", string(msg.RequestStatus), "status_text", msg.StatusText)
			return nil
		}
		p, err := d.t.relay.prepareResolution(ctx, d.peer, msg)
		if err != nil {
			return exterrors.WithTemporary(d.targetErr(451, exterrors.EnhancedCode{4, 3, 0},
				"Cannot process the MM4 response now, try again later", err), true)
		}
		if p == nil {
			d.log.Msg("MM4 response for no pending request of this peer: logged and dropped",
				"status", string(msg.RequestStatus), "status_text", msg.StatusText)
		}
		d.resolution = p
		return nil
	}

	d.dupKey = d.peer.Name + "\x00" + msg.TransactionID
	isDup, err := d.t.relay.Seen.Claim(d.dupKey)
	if errors.Is(err, seen.ErrInFlight) {
		return exterrors.WithTemporary(d.targetErr(451, exterrors.EnhancedCode{4, 5, 0},
			"Same MM4 transaction is being received on another connection, try again later", err), true)
	}
	status, text := mmsmap.StatusOk, ""
	if isDup {
		mm4Duplicates.WithLabelValues(d.peer.Name).Inc()
		d.log.Msg("duplicate MM4 request: answered again, not delivered again")
		d.skipNext = true
		text = "Message already received"
	} else {
		d.claimed = true
		status, text, err = d.deliverMM(ctx, header, body)
		if err != nil {
			d.release()
			return err
		}
	}

	if msg.AckRequest {
		if err := d.prepareResponse(status, text); err != nil {
			d.release()
			return exterrors.WithTemporary(d.targetErr(451, exterrors.EnhancedCode{4, 3, 0},
				"Cannot build the MM4 response, try again later", err), true)
		}
	}
	return nil
}

// onlyTraceFields reports whether h holds nothing but the trace fields the
// SMTP endpoint adds itself (an empty DATA gets a Received field).
func onlyTraceFields(h textproto.Header) bool {
	for f := h.Fields(); f.Next(); {
		if !strings.EqualFold(f.Key(), "Received") && !strings.EqualFold(f.Key(), "Return-Path") {
			return false
		}
	}
	return true
}

// deliverMM converts the MM and hands it to next. An error means nothing
// was delivered (the SMTP client gets it); a partial failure is reported
// in the status for the RES, naming the recipients that did not get it.
func (d *delivery) deliverMM(ctx context.Context, header textproto.Header, body buffer.Buffer) (mmsmap.RequestStatus, string, error) {
	mailHdr, err := mm3.ToInternetMail(header, mm3.MailView{Domain: d.t.relay.Domains[0], Plan: d.t.relay.Plan})
	if err != nil {
		return "", "", &exterrors.SMTPError{
			Code: 554, EnhancedCode: exterrors.EnhancedCode{5, 6, 0},
			Message: "Malformed MM4 message header", TargetName: d.t.Name(), Err: err,
		}
	}
	pd, ok := d.next.(module.PartialDelivery)
	if !ok || !d.msg.AckRequest {
		// Without a RES to report a partial failure in, the whole
		// message fails or succeeds, so the peer retries rather than
		// losing an MM for some recipients.
		return mmsmap.StatusOk, "", d.next.Body(ctx, mailHdr, body)
	}
	c := &statusCollector{statuses: map[string]error{}}
	pd.BodyNonAtomic(ctx, c, mailHdr, body)
	var failed []string
	var firstErr error
	temporary := false
	for mailbox, numbers := range d.mailboxes {
		if err := c.statuses[mailbox]; err != nil {
			failed = append(failed, numbers...)
			if firstErr == nil {
				firstErr = err
			}
			temporary = temporary || exterrors.IsTemporaryOrUnspec(err)
		}
	}
	sort.Strings(failed)
	switch {
	case len(failed) == 0:
		return mmsmap.StatusOk, "", nil
	case len(failed) == len(d.numbers):
		return "", "", firstErr
	}
	d.log.Error("MM delivered to some recipients only", firstErr, "failed", failed)
	status := mmsmap.StatusErrorUnspecified
	if temporary {
		status = mmsmap.StatusErrorNetworkProblem
	}
	return status, fmt.Sprintf("Not delivered to %s; delivered to the other %d recipient(s)",
		strings.Join(failed, ", "), len(d.numbers)-len(failed)), nil
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

// prepareResponse builds the RES for d.msg; Commit queues it, after the MM
// is stored and its transaction ID remembered.
func (d *delivery) prepareResponse(status mmsmap.RequestStatus, text string) error {
	r := d.t.relay
	to, forged := d.peer.ReplyAddress(d.msg.OriginatorSystem)
	if forged {
		d.log.Msg("X-Mms-Originator-System is not an address of this peer; answering its configured address instead",
			"requested", d.msg.OriginatorSystem, "used", to)
	}
	res := mm4.NewResponse(d.msg, status, text)
	res.Version = r.Version
	res.Sender = r.SystemAddress
	res.To = []string{to}
	res.Date = time.Now()
	id, err := module.GenerateMsgID()
	if err != nil {
		return err
	}
	res.RFC822MessageID = fmt.Sprintf("<res.%s.%d@%s>", id, time.Now().UnixNano(), r.Domains[0])
	h, err := res.Header()
	if err != nil {
		return err
	}
	d.res = &pendingResponse{id: id, to: to, status: status, header: h}
	return nil
}

// pendingResponse is a RES built during DATA, queued at Commit.
type pendingResponse struct {
	id, to string
	status mmsmap.RequestStatus
	header textproto.Header
}

// queueResponse hands the RES to the peer's send_via target (a durable
// queue): when it returns nil, the RES survives a crash.
func (d *delivery) queueResponse(ctx context.Context) error {
	r := d.t.relay
	meta := &module.MsgMetadata{ID: d.res.id, OriginalFrom: r.SystemAddress}
	rd, err := d.peer.SendVia.Start(ctx, meta, r.SystemAddress)
	if err != nil {
		return err
	}
	if err := rd.AddRcpt(ctx, d.res.to, smtp.RcptOptions{}); err != nil {
		rd.Abort(ctx)
		return err
	}
	if err := rd.Body(ctx, d.res.header, buffer.MemoryBuffer{Slice: []byte{}}); err != nil {
		rd.Abort(ctx)
		return err
	}
	if err := rd.Commit(ctx); err != nil {
		rd.Abort(ctx)
		return err
	}
	return nil
}

func (d *delivery) release() {
	if d.claimed {
		d.t.relay.Seen.Release(d.dupKey)
		d.claimed = false
	}
}

func (d *delivery) Abort(ctx context.Context) error {
	d.release()
	if d.resolution != nil && d.resolution.bounce != nil {
		d.resolution.bounce.Abort(ctx)
	}
	return d.next.Abort(ctx)
}

// Commit stores the MM, then remembers its transaction ID, then queues the
// RES; the SMTP client gets its 250 after that. A crash (or error) before
// the MM is stored leaves nothing behind: the peer re-sends. After it is
// stored and before the ID is remembered (one fsync), a re-sent REQ is
// delivered again. After the ID is remembered, a re-sent REQ is answered
// but not delivered again. No order of these steps loses an MM or its RES;
// this one only ever errs on the side of a duplicate.
func (d *delivery) Commit(ctx context.Context) error {
	if d.skipNext || len(d.mailboxes) == 0 {
		if err := d.next.Abort(ctx); err != nil {
			d.log.Error("abort of the unused delivery failed", err)
		}
	} else if err := d.next.Commit(ctx); err != nil {
		d.release()
		return err
	}
	if d.resolution != nil {
		if err := d.t.relay.commitResolution(ctx, d.resolution); err != nil {
			return exterrors.WithTemporary(d.targetErr(451, exterrors.EnhancedCode{4, 3, 0},
				"Cannot process the MM4 response now, try again later", err), true)
		}
	}
	if d.claimed {
		if err := d.t.relay.Seen.Add(d.dupKey); err != nil {
			d.log.Error("cannot remember MM4 transaction ID; a re-sent request would be delivered again", err)
		}
		d.claimed = false
	}
	if d.res != nil {
		if err := d.queueResponse(ctx); err != nil {
			// The MM is stored and its ID remembered: the peer's re-send
			// (after this 451) is answered without a second delivery.
			return exterrors.WithTemporary(d.targetErr(451, exterrors.EnhancedCode{4, 3, 0},
				"Cannot queue the MM4 response, try again later", err), true)
		}
		mm4Responses.WithLabelValues(d.peer.Name, string(d.res.status)).Inc()
		d.log.Msg("MM4 response queued", "status", string(d.res.status), "to", d.res.to)
	}
	if d.msg != nil && !d.skipNext {
		d.log.Msg("MM4 request delivered", "rcpts", d.numbers)
	}
	return nil
}

func init() {
	module.Register("target.mms_deliver", NewDeliverTarget)
}
