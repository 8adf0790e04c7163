// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"strings"
	"sync"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-smtp"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/config"
	modconfig "github.com/foxcpp/maddy/framework/config/module"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/log"
	"github.com/foxcpp/maddy/framework/module"
)

// deliverTarget is the target.mms_deliver module: everything that arrives
// for this relay, MMs for local subscribers and MM4 messages from peers.
//
//	target.mms_deliver mms_local {
//	    relay &mmsc                 # subscribers: the relay's table
//	    deliver_to &local_mailboxes # e.g. storage.imapsql
//	}
//
// Recipients are canonical `+E164@domain` (see modify.mms_rcpt); the
// relay's subscribers table gives each number's mailbox. On a connection
// from a peer, recipients in our MMS domains that are not served get 250
// and are named in the response (TS 23.140 §8.4.5) unless the peer has
// unserved_rcpt reject; elsewhere they are refused at RCPT. At DATA the
// message goes to the handler of its kind (inbound.go): one per MM4
// message type, one for Internet mail.
type deliverTarget struct {
	instName   string
	inlineArgs []string
	log        log.Logger

	relay      *Relay
	next       module.DeliveryTarget
	autoCreate bool
	storage    module.Storage // next, when it is a storage and auto_create is on
	created    sync.Map       // mailboxes known to exist
	createMu   sync.Mutex     // one account creation at a time (concurrent creations of one account fail)
	handsets   *Handsets      // subscribers who read MMs on a handset (MM1), if any
}

func NewDeliverTarget(modName, instName string, _, inlineArgs []string) (module.Module, error) {
	return &deliverTarget{instName: instName, inlineArgs: inlineArgs, log: log.Logger{Name: modName}}, nil
}

func (t *deliverTarget) Name() string         { return "target.mms_deliver" }
func (t *deliverTarget) InstanceName() string { return t.instName }

func (t *deliverTarget) Init(cfg *config.Map) error {
	var ref relayRef
	var moved module.Table
	ref.register(cfg)
	cfg.Bool("debug", true, false, &t.log.Debug)
	modconfig.Table(cfg, "mailbox_table", false, false, nil, &moved)
	cfg.Custom("deliver_to", false, true, nil, modconfig.DeliveryDirective, &t.next)
	cfg.Bool("auto_create", false, true, &t.autoCreate)
	cfg.Custom("handsets", false, false, nil, func(m *config.Map, node config.Node) (any, error) {
		var h *Handsets
		err := modconfig.ModuleFromNode("mms", node.Args, node, m.Globals, &h)
		return h, err
	}, &t.handsets)
	if _, err := cfg.Process(); err != nil {
		return err
	}
	if moved != nil {
		return config.NodeErr(cfg.Block, "%s: mailbox_table has moved to the mms.relay block, as `subscribers`, so that every module reads one table", t.Name())
	}
	var err error
	if t.relay, err = ref.resolve(cfg, t.Name(), t.inlineArgs); err != nil {
		return err
	}
	if t.relay.Subscribers == nil {
		return config.NodeErr(cfg.Block, "%s: the relay has no subscribers table", t.Name())
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
		peer:      t.relay.PeerOf(meta.Conn),
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
	// go-imap-sql's GetOrCreateIMAPAcct fails ("CreateUser: sql: no rows
	// in result set") when another delivery creates the same account at
	// the same time: creations are serialised, and only the first MMs of
	// a new subscriber wait.
	t.createMu.Lock()
	defer t.createMu.Unlock()
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

// delivery is one message to target.mms_deliver.
type delivery struct {
	t    *deliverTarget
	log  log.Logger
	meta *module.MsgMetadata
	peer *Peer // the connection's peer, nil for none

	// next is the delivery to the mailboxes; nextDone is set once it was
	// committed or aborted.
	next     module.Delivery
	nextDone bool

	toSystem     bool                // addressed to our system_address
	mailboxes    map[string][]string // mailbox → the numbers delivered to it
	mailboxOrder []string            // the mailboxes, as added to next
	numbers      []string            // served numbers, in RCPT order
	unserved     []unserved          // accepted from a peer, not served
	handsetNums  []string            // served numbers that read MMs on a handset (MM1)
	handsetOnly  []string            // ... of them, those without a mailbox
	stored       *storedMMs          // the MM stored for them, until the commit

	handler inbound // chosen at DATA
}

func (d *delivery) targetErr(code int, enh exterrors.EnhancedCode, msg string, err error) *exterrors.SMTPError {
	return &exterrors.SMTPError{
		Code: code, EnhancedCode: enh, Message: msg, TargetName: d.t.Name(), Err: err,
		Misc: map[string]any{"peer": d.peerName()},
	}
}

// temporary is a 451 for a local failure; the client tries again later.
func (d *delivery) temporary(msg string, err error) error {
	return exterrors.WithTemporary(d.targetErr(451, exterrors.EnhancedCode{4, 3, 0}, msg, err), true)
}

func (d *delivery) peerName() string {
	if d.peer == nil {
		return ""
	}
	return d.peer.Name
}

// restartNext starts the delivery to the mailboxes again with another
// envelope sender (an MM whose sender is hidden must not show it as
// Return-Path), with the same mailboxes.
func (d *delivery) restartNext(ctx context.Context, mailFrom string) error {
	d.next.Abort(ctx)
	next, err := d.t.next.Start(ctx, d.meta, mailFrom)
	if err != nil {
		d.nextDone = true
		return d.temporary("Subscriber mailbox unavailable, try again later", err)
	}
	d.next = next
	for _, mailbox := range d.mailboxOrder {
		if err := next.AddRcpt(ctx, mailbox, smtp.RcptOptions{}); err != nil {
			return d.temporary("Subscriber mailbox unavailable, try again later", err)
		}
	}
	return nil
}

func (d *delivery) AddRcpt(ctx context.Context, rcpt string, opts smtp.RcptOptions) error {
	if d.t.relay.IsSystemAddress(rcpt) {
		d.toSystem = true // checked at DATA: responses and reports only
		return nil
	}
	a, mailbox, rerr := d.t.relay.subscriber(ctx, rcpt)
	if rerr != nil {
		if rerr.Ours && d.peer != nil && !d.peer.RejectUnserved {
			// TS 23.140 §8.4.5: accepted, answered in the response.
			name := rcpt
			if a.IsNumber() {
				name = a.Value
			}
			d.unserved = append(d.unserved, unserved{Rcpt: name, Reason: rerr.Reason})
			return nil
		}
		return rerr.count(d.peer).target(d.t.Name())
	}
	if contains(d.numbers, a.Value) {
		return nil // the same number in another form
	}
	mode := DeliveryMode{Mailbox: true}
	if d.t.handsets != nil {
		var err error
		if mode, err = d.t.handsets.Mode(ctx, a.Value); err != nil {
			return d.temporary("Subscriber lookup failed, try again later", err)
		}
	}
	if mode.Handset {
		d.handsetNums = append(d.handsetNums, a.Value)
		if !mode.Mailbox {
			d.handsetOnly = append(d.handsetOnly, a.Value)
			d.numbers = append(d.numbers, a.Value)
			return nil
		}
	}
	if err := d.t.ensureMailbox(mailbox); err != nil {
		return d.temporary("Subscriber mailbox unavailable, try again later", err)
	}
	if _, dup := d.mailboxes[mailbox]; !dup {
		if err := d.next.AddRcpt(ctx, mailbox, opts); err != nil {
			if _, ok := exterrors.Fields(err)["smtp_code"]; !ok {
				// An error of the storage that says nothing of its
				// kind (a lock, say) is not a verdict on the recipient.
				return d.temporary("Subscriber mailbox unavailable, try again later", err)
			}
			return err
		}
	}
	if _, dup := d.mailboxes[mailbox]; !dup {
		d.mailboxOrder = append(d.mailboxOrder, mailbox)
	}
	d.mailboxes[mailbox] = append(d.mailboxes[mailbox], a.Value)
	d.numbers = append(d.numbers, a.Value)
	return nil
}

func (d *delivery) Body(ctx context.Context, header textproto.Header, body buffer.Buffer) (err error) {
	// maddy does not abort a delivery whose Body failed: the mailbox
	// delivery (an open write in the storage) and any claim are released
	// here.
	defer func() {
		if err != nil {
			d.Abort(ctx)
		}
	}()
	if body.Len() == 0 && onlyTraceFields(header) {
		// Some peers keep sessions alive with an empty DATA: there is
		// nothing to deliver.
		d.log.Msg("empty message accepted and discarded (keep-alive)", "peer", d.peerName())
		d.handler = discard{}
		return nil
	}
	c := d.t.relay.classify(d.meta, header)
	if !c.MM4 {
		d.handler = internetMail{}
		return d.handler.body(ctx, d, c, header, body)
	}
	if d.peer == nil {
		e := errUnknownPeer(d.meta)
		e.TargetName = d.t.Name()
		return e
	}
	if c.Msg == nil {
		// No usable message type or transaction ID: nothing to answer.
		e := errUnanswerable(c.Err, d.peer)
		e.TargetName = d.t.Name()
		return e
	}
	d.log.Fields["peer"] = d.peer.Name
	d.log.Fields["mm4_type"] = c.Msg.Type.String()
	d.log.Fields["transaction_id"] = c.Msg.TransactionID
	mm4Received.WithLabelValues(d.peer.Name, c.Msg.Type.String()).Inc()
	for _, f := range c.Msg.Ignored {
		d.log.Msg("MM4 field ignored: its value is not understood (TS 23.140 §8.4.6)", "field", f.Field, "reason", f.Error())
		mm4IgnoredFields.WithLabelValues(d.peer.Name, f.Field).Inc()
	}
	d.handler = inboundHandlers[c.Msg.Type]()
	return d.handler.body(ctx, d, c, header, body)
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

// commitNext stores the message in the mailboxes (when it goes to any:
// MMs for handsets only do not).
func (d *delivery) commitNext(ctx context.Context) error {
	if len(d.mailboxOrder) == 0 {
		d.abortNext(ctx)
		return nil
	}
	d.nextDone = true
	return d.next.Commit(ctx)
}

// bodyNext hands the message to the mailboxes, when it goes to any.
func (d *delivery) bodyNext(ctx context.Context, h textproto.Header, body buffer.Buffer) error {
	if len(d.mailboxOrder) == 0 {
		return nil
	}
	return d.next.Body(ctx, h, body)
}

// storeForHandsets stores the MM for the recipients who read MMs on a
// handset (see Handsets.Store), before it is committed anywhere. The
// delivery report of a recipient who also has a mailbox is made when the
// mailbox takes the MM; the others' waits for their handset.
func (d *delivery) storeForHandsets(ctx context.Context, mm handsetMM, h textproto.Header, body buffer.Buffer) error {
	both := without(d.handsetNums, d.handsetOnly)
	var stored *storedMMs
	for _, group := range []struct {
		numbers []string
		report  bool
		mailbox bool
	}{{d.handsetOnly, mm.DeliveryReport, false}, {both, false, true}} {
		if len(group.numbers) == 0 {
			continue
		}
		m := mm
		m.DeliveryReport = group.report
		s, err := d.t.handsets.Store(ctx, group.numbers, m, h, body)
		if text, ok := errConversion(err); ok && group.mailbox {
			// Their mailbox takes what their handset cannot show.
			d.log.Msg("MM not stored for the handset, delivered to the mailbox only", "rcpts", group.numbers, "reason", text)
			continue
		}
		if err != nil {
			stored.Abort(ctx)
			return err
		}
		if stored == nil {
			stored = s
		} else {
			stored.ids = append(stored.ids, s.ids...)
		}
	}
	d.stored = stored
	return nil
}

func (d *delivery) abortNext(ctx context.Context) {
	if !d.nextDone {
		d.nextDone = true
		if err := d.next.Abort(ctx); err != nil {
			d.log.Error("abort of the mailbox delivery failed", err)
		}
	}
}

func (d *delivery) Abort(ctx context.Context) error {
	if d.stored != nil {
		d.stored.Abort(ctx)
		d.stored = nil
	}
	if d.handler != nil {
		d.handler.abort(ctx, d)
		d.handler = nil
	}
	d.abortNext(ctx)
	return nil
}

func (d *delivery) Commit(ctx context.Context) error {
	defer d.abortNext(ctx) // whatever the handler did not deliver
	if d.handler == nil {
		return nil
	}
	if err := d.handler.commit(ctx, d); err != nil {
		d.stored.Abort(ctx)
		d.stored = nil
		return err
	}
	d.stored.Commit()
	d.stored = nil
	return nil
}

// discard is the handler of a keep-alive message: nothing to do.
type discard struct{}

func (discard) body(context.Context, *delivery, *classified, textproto.Header, buffer.Buffer) error {
	return nil
}
func (discard) commit(context.Context, *delivery) error { return nil }
func (discard) abort(context.Context, *delivery)        {}

func init() {
	module.Register("target.mms_deliver", NewDeliverTarget)
}
