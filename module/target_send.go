// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-smtp"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/config"
	modconfig "github.com/foxcpp/maddy/framework/config/module"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/log"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/internal/reqstore"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm3"
	"github.com/maddy-mms/maddy-mms/mmsmap/sevenbit"
)

// sendTarget is the target.mms_send module: it turns Internet mail from
// subscribers and VASPs into MM4_forward.REQ for the peer that serves each
// recipient, and hands MMs for local numbers to a local target.
//
//	deliver_to mms_send &mmsc {
//	    local &mms_local     # a target.mms_deliver: its numbers never leave
//	}
//
// Recipients are `NUMBER@our-domain` in any form modify.mms_rcpt accepts;
// the relay's routes table (longest prefix) or default_route picks the
// peer, whose settings say how numbers are written, whether a RES is asked
// for, and how large and how many recipients a REQ may be. The sender must
// be an MMS number (modify.mms_sender makes it one). Every REQ is handed
// to the peer's send_via target (a durable queue) before the 250.
type sendTarget struct {
	instName   string
	inlineArgs []string
	log        log.Logger

	relay *Relay
	local module.DeliveryTarget
	// localNumbers answers whether a number is served here: the local
	// target's mailbox table when it is a target.mms_deliver.
	localNumbers module.Table
}

func NewSendTarget(modName, instName string, _, inlineArgs []string) (module.Module, error) {
	return &sendTarget{instName: instName, inlineArgs: inlineArgs, log: log.Logger{Name: modName}}, nil
}

func (t *sendTarget) Name() string         { return "target.mms_send" }
func (t *sendTarget) InstanceName() string { return t.instName }

func (t *sendTarget) Init(cfg *config.Map) error {
	var relayRef string
	cfg.Bool("debug", true, false, &t.log.Debug)
	cfg.String("relay", false, false, "", &relayRef)
	cfg.Custom("local", false, false, nil, modconfig.DeliveryDirective, &t.local)
	modconfig.Table(cfg, "local_numbers", false, false, nil, &t.localNumbers)
	if _, err := cfg.Process(); err != nil {
		return err
	}
	var err error
	if t.relay, err = relayFromArgs(t.Name(), t.inlineArgs, relayRef); err != nil {
		return err
	}
	if dt, ok := t.local.(*deliverTarget); ok && t.localNumbers == nil {
		t.localNumbers = dt.mailboxes
	}
	if t.local != nil && t.localNumbers == nil {
		return fmt.Errorf("%s: local is not a target.mms_deliver: say which numbers it serves with local_numbers", t.Name())
	}
	if t.local == nil && t.localNumbers != nil {
		return fmt.Errorf("%s: local_numbers needs a local target", t.Name())
	}
	return nil
}

func (t *sendTarget) Start(ctx context.Context, meta *module.MsgMetadata, mailFrom string) (module.Delivery, error) {
	d := &sendDelivery{t: t, meta: meta, mailFrom: mailFrom, groups: map[*Peer]*peerGroup{}}
	d.log = t.log
	d.log.Fields = map[string]any{"msg_id": meta.ID}
	from, err := mmsmap.ParseAddress(mailFrom)
	if err == nil {
		from, err = t.relay.Plan.NormalizeAddress(from)
	}
	if err != nil || !from.IsNumber() {
		return nil, &exterrors.SMTPError{Code: 550, EnhancedCode: exterrors.EnhancedCode{5, 7, 1},
			Message: "The sender of an MMS must be an MMS number", TargetName: t.Name(), Err: err}
	}
	d.sender = from
	return d, nil
}

type peerGroup struct {
	peer   *Peer
	rcpts  []mmsmap.Address
	report bool // a delivery report was asked for (DSN NOTIFY=SUCCESS)
}

// pendingREQ is one REQ handed to a peer's send_via target, committed with
// the message.
type pendingREQ struct {
	peer          *Peer
	transactionID string
	messageID     string
	rcpts         []mmsmap.Address
	delivery      module.Delivery
	message       []byte // the REQ as queued, kept for a retry
}

type sendDelivery struct {
	t        *sendTarget
	log      log.Logger
	meta     *module.MsgMetadata
	mailFrom string
	sender   mmsmap.Address

	local      module.Delivery
	localCount int
	groups     map[*Peer]*peerGroup
	order      []*Peer
	reqs       []pendingREQ
	bounce     module.Delivery // DSN for recipients no REQ went to
	subject    string          // of the original mail, for a later DSN
	rfc822ID   string
}

func (d *sendDelivery) err(code int, enh exterrors.EnhancedCode, msg string, err error) error {
	return &exterrors.SMTPError{Code: code, EnhancedCode: enh, Message: msg, TargetName: d.t.Name(), Err: err}
}

func (d *sendDelivery) AddRcpt(ctx context.Context, rcpt string, opts smtp.RcptOptions) error {
	a, serr := canonicalRecipient(d.t.relay, rcpt)
	if serr != nil {
		serr.TargetName = d.t.Name()
		return serr
	}
	if d.t.localNumbers != nil {
		_, ok, err := d.t.localNumbers.Lookup(ctx, a.Value)
		if err != nil {
			return exterrors.WithTemporary(d.err(451, exterrors.EnhancedCode{4, 3, 0}, "Subscriber lookup failed, try again later", err), true)
		}
		if ok {
			if d.local == nil {
				if d.local, err = d.t.local.Start(ctx, d.meta, d.mailFrom); err != nil {
					return err
				}
			}
			if err := d.local.AddRcpt(ctx, a.Format(mmsmap.FormE164, d.t.relay.Domains[0]), opts); err != nil {
				return err
			}
			d.localCount++
			return nil
		}
	}
	peer, err := d.t.relay.Route(ctx, a.Value)
	if err != nil {
		return exterrors.WithTemporary(d.err(451, exterrors.EnhancedCode{4, 4, 3}, "MMS routing failed, try again later", err), true)
	}
	if peer == nil {
		return d.err(550, exterrors.EnhancedCode{5, 1, 2}, "No route to this MMS recipient", nil)
	}
	g := d.groups[peer]
	if g == nil {
		g = &peerGroup{peer: peer}
		d.groups[peer] = g
		d.order = append(d.order, peer)
	}
	for _, have := range g.rcpts {
		if have.Value == a.Value {
			return nil
		}
	}
	g.rcpts = append(g.rcpts, a)
	for _, n := range opts.Notify {
		if n == smtp.DSNNotifySuccess {
			g.report = true
		}
	}
	return nil
}

func (d *sendDelivery) Body(ctx context.Context, header textproto.Header, body buffer.Buffer) error {
	if d.local != nil {
		if err := d.local.Body(ctx, header, body); err != nil {
			return err
		}
	}
	if len(d.order) == 0 {
		return nil
	}
	// One 7-bit clean body serves every REQ (spec §3.4): the submitted one
	// when it is clean already (the queue copies it), else a re-encoded copy.
	rd, err := body.Open()
	if err != nil {
		return err
	}
	clean, err := sevenbit.Clean(header, rd)
	rd.Close()
	if err != nil {
		return err
	}
	h7, mm := header, body
	if !clean {
		if rd, err = body.Open(); err != nil {
			return err
		}
		var out bytes.Buffer
		h7, err = sevenbit.Body(header, rd, &out)
		rd.Close()
		if err != nil {
			return d.err(554, exterrors.EnhancedCode{5, 6, 0}, "Message cannot be sent as an MMS: malformed MIME", err)
		}
		mm = buffer.MemoryBuffer{Slice: out.Bytes()}
	}
	d.subject, d.rfc822ID = header.Get("Subject"), header.Get("Message-Id")
	size := int64(mm.Len()) + int64(headerSize(h7))
	var tooLarge []failure
	for _, peer := range d.order {
		g := d.groups[peer]
		if size > peer.MaxMessageSize {
			// Nothing goes to this peer; the sender gets a DSN saying why.
			text := fmt.Sprintf("Message too large for the recipient's MMS network: %d bytes as MMS, the limit is %d", size, peer.MaxMessageSize)
			for _, a := range g.rcpts {
				tooLarge = append(tooLarge, failure{number: a.Value, status: mmsmap.StatusErrorContentNotAccepted, text: text, peer: peer})
			}
			d.log.Msg("MM too large for peer, not sent", "peer", peer.Name, "size", size, "limit", peer.MaxMessageSize)
			continue
		}
		for start := 0; start < len(g.rcpts); start += peer.MaxRecipients {
			end := min(start+peer.MaxRecipients, len(g.rcpts))
			if err := d.queueREQ(ctx, g, g.rcpts[start:end], h7, mm); err != nil {
				return err
			}
		}
	}
	if len(tooLarge) != 0 {
		if d.bounce, err = d.t.relay.prepareBounce(ctx, d.dsnTo(ctx), header, tooLarge); err != nil {
			if exterrors.IsTemporary(err) {
				return exterrors.WithTemporary(d.err(451, exterrors.EnhancedCode{4, 3, 0}, "Cannot queue the delivery report, try again later", err), true)
			}
			// Nobody to tell by DSN: say it here instead.
			return d.err(552, exterrors.EnhancedCode{5, 3, 4}, "Message too large for the recipient's MMS network", err)
		}
	}
	return nil
}

func headerSize(h textproto.Header) int {
	n := 0
	for f := h.Fields(); f.Next(); {
		n += len(f.Key()) + len(f.Value()) + 4
	}
	return n
}

// newID returns a globally unique identifier at our domain.
func newID(prefix, domain string) string {
	var b [12]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s%d.%s@%s", prefix, time.Now().Unix(), hex.EncodeToString(b[:]), domain)
}

func (d *sendDelivery) queueREQ(ctx context.Context, g *peerGroup, rcpts []mmsmap.Address, h textproto.Header, body buffer.Buffer) error {
	r, peer := d.t.relay, g.peer
	txID, msgID := newID("t", r.Domains[0]), newID("m", r.Domains[0])
	fr, err := mm3.NewForwardRequest(h, mm3.ForwardOptions{
		Version:          peer.Version,
		TransactionID:    txID,
		MessageID:        msgID,
		AckRequest:       peer.AckRequest,
		OriginatorSystem: r.SystemAddress,
		Sender:           d.sender,
		SenderDomain:     r.Domains[0],
		Recipients:       rcpts,
		Form:             peer.Form,
		PeerDomain:       peer.Domains[0],
		Plan:             r.Plan,
		DeliveryReport:   g.report,
	})
	if err != nil {
		return d.err(554, exterrors.EnhancedCode{5, 6, 0}, "Message cannot be sent as an MMS: "+err.Error(), err)
	}
	q := pendingREQ{peer: peer, transactionID: txID, messageID: msgID, rcpts: rcpts}
	if peer.AckRequest && r.TimeoutAction == "retry" {
		// Kept only to send it again after a timeout.
		if q.message, err = messageBytes(fr.Header, body); err != nil {
			return err
		}
	}
	// Each REQ is its own message in the queue, which names its files by
	// this ID: never reuse the submitted mail's.
	id, err := module.GenerateMsgID()
	if err != nil {
		return err
	}
	meta := &module.MsgMetadata{ID: id, OriginalFrom: fr.MailFrom}
	rd, err := peer.SendVia.Start(ctx, meta, fr.MailFrom)
	if err != nil {
		return err
	}
	for _, rcpt := range fr.RcptTo {
		if err := rd.AddRcpt(ctx, rcpt, smtp.RcptOptions{}); err != nil {
			rd.Abort(ctx)
			return err
		}
	}
	if err := rd.Body(ctx, fr.Header, body); err != nil {
		rd.Abort(ctx)
		return err
	}
	q.delivery = rd
	d.reqs = append(d.reqs, q)
	return nil
}

// messageBytes is the whole message: header, then body.
func messageBytes(h textproto.Header, body buffer.Buffer) ([]byte, error) {
	var b bytes.Buffer
	if err := textproto.WriteHeader(&b, h); err != nil {
		return nil, err
	}
	r, err := body.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if _, err := io.Copy(&b, r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (d *sendDelivery) Abort(ctx context.Context) error {
	if d.local != nil {
		d.local.Abort(ctx)
	}
	for _, q := range d.reqs {
		q.delivery.Abort(ctx)
	}
	if d.bounce != nil {
		d.bounce.Abort(ctx)
	}
	return nil
}

func (d *sendDelivery) Commit(ctx context.Context) error {
	if d.local != nil {
		if err := d.local.Commit(ctx); err != nil {
			for _, q := range d.reqs {
				q.delivery.Abort(ctx)
			}
			return err
		}
	}
	// Remember every REQ that asks for a RES before any of them can be
	// sent: a RES may come back within milliseconds.
	if err := d.track(ctx); err != nil {
		for _, q := range d.reqs {
			q.delivery.Abort(ctx)
		}
		return exterrors.WithTemporary(d.err(451, exterrors.EnhancedCode{4, 3, 0}, "Cannot record the MMS for tracking, try again later", err), true)
	}
	for _, q := range d.reqs {
		if err := q.delivery.Commit(ctx); err != nil {
			return err
		}
		mm4Sent.WithLabelValues(q.peer.Name).Inc()
		numbers := make([]string, len(q.rcpts))
		for i, a := range q.rcpts {
			numbers[i] = a.Value
		}
		d.log.Msg("MM4_forward.REQ queued", "peer", q.peer.Name, "transaction_id", q.transactionID,
			"sender", d.sender.Value, "rcpts", numbers)
	}
	if d.bounce != nil {
		if err := d.bounce.Commit(ctx); err != nil {
			return err
		}
	}
	return nil
}

// dsnTo is where a DSN about this MM goes: a local subscriber's own MMS
// address (delivered to their mailbox like any MM), else the envelope
// sender as received.
func (d *sendDelivery) dsnTo(ctx context.Context) string {
	if d.t.localNumbers != nil {
		if _, ok, err := d.t.localNumbers.Lookup(ctx, d.sender.Value); err == nil && ok {
			return d.sender.Format(mmsmap.FormE164, d.t.relay.Domains[0])
		}
	}
	return d.meta.OriginalFrom
}

// track stores the REQs that ask for a RES; on failure the ones stored are
// withdrawn (resolved as failed), so they never time out into a DSN for an
// MM that was not sent.
func (d *sendDelivery) track(ctx context.Context) error {
	r := d.t.relay
	now := time.Now()
	var stored []pendingREQ
	for _, q := range d.reqs {
		if !q.peer.AckRequest {
			continue
		}
		numbers := make([]string, len(q.rcpts))
		for i, a := range q.rcpts {
			numbers[i] = a.Value
		}
		err := r.Store.Put(ctx, reqstore.Request{
			TransactionID:   q.transactionID,
			Peer:            q.peer.Name,
			MessageID:       q.messageID,
			Sender:          d.dsnTo(ctx),
			Recipients:      numbers,
			RFC822MessageID: d.rfc822ID,
			Subject:         d.subject,
			SentAt:          now,
			Deadline:        now.Add(r.ResponseTimeout),
			Attempts:        1,
			State:           reqstore.Pending,
			Message:         q.message,
		})
		if err != nil {
			for _, s := range stored {
				r.Store.Resolve(ctx, s.peer.Name, s.transactionID, reqstore.Failed, "", "not sent")
			}
			return err
		}
		stored = append(stored, q)
	}
	return nil
}

func init() {
	module.Register("target.mms_send", NewSendTarget)
}
