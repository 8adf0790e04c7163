// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-smtp"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/config"
	modconfig "github.com/foxcpp/maddy/framework/config/module"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/log"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/internal/state"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/content"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm3"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
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
// Recipients are `NUMBER@our-domain` in any form modify.mms_rcpt accepts.
// A number in the relay's subscribers table goes to local; the others are
// routed by the relay's routes (longest prefix) or default_route to a peer,
// whose settings say how numbers are written, whether a response is asked
// for, and how large and how many recipients a request may be. The sender
// must be an MMS number (modify.mms_sender makes it one). One MM has one
// X-Mms-Message-ID, whatever requests carry it; the MM and its requests are
// recorded (Tracker) before the requests are handed to their peers'
// send_via targets (durable queues), all before the 250.
type sendTarget struct {
	instName   string
	inlineArgs []string
	log        log.Logger

	relay *Relay
	local module.DeliveryTarget
}

func NewSendTarget(modName, instName string, _, inlineArgs []string) (module.Module, error) {
	return &sendTarget{instName: instName, inlineArgs: inlineArgs, log: log.Logger{Name: modName}}, nil
}

func (t *sendTarget) Name() string         { return "target.mms_send" }
func (t *sendTarget) InstanceName() string { return t.instName }

func (t *sendTarget) Init(cfg *config.Map) error {
	var ref relayRef
	var moved module.Table
	ref.register(cfg)
	cfg.Bool("debug", true, false, &t.log.Debug)
	cfg.Custom("local", false, false, nil, modconfig.DeliveryDirective, &t.local)
	modconfig.Table(cfg, "local_numbers", false, false, nil, &moved)
	if _, err := cfg.Process(); err != nil {
		return err
	}
	if moved != nil {
		return config.NodeErr(cfg.Block, "%s: local_numbers is gone: the local numbers are the relay's subscribers table", t.Name())
	}
	var err error
	if t.relay, err = ref.resolve(cfg, t.Name(), t.inlineArgs); err != nil {
		return err
	}
	if t.local != nil && t.relay.Subscribers == nil {
		return config.NodeErr(cfg.Block, "%s: local needs the relay's subscribers table, which says which numbers it serves", t.Name())
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
	// Generated mail about this MM goes to the submitting account's own
	// address only, never to one the client typed.
	acc, err := t.relay.Account(ctx, meta)
	if err != nil {
		d.log.Msg("no address of the submitting account to send DSNs to", "reason", err.Error())
	}
	d.notify, d.opts, d.accountNumbers = acc.Notify, acc.Options, acc.Numbers
	if meta.Conn != nil && meta.Conn.Proto == mm1Proto {
		// A handset's X-Mms-* fields are its own MM1 fields (the mm1
		// endpoint wrote them from the PDU), not a mail client's.
		d.opts.MMSFields = true
	}
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
	rcpts         []mmsmap.Address
	rcptTo        []string // as sent
	mailFrom      string
	delivery      module.Delivery
	message       []byte // the REQ as queued, kept for a retry
}

type sendDelivery struct {
	t        *sendTarget
	log      log.Logger
	meta     *module.MsgMetadata
	mailFrom string
	sender   mmsmap.Address
	notify   string // where DSNs about this MM go ("" for nobody)
	opts     senderOptions
	// accountNumbers are the numbers the account may send as.
	accountNumbers []mmsmap.Address

	local          module.Delivery
	groups         map[*Peer]*peerGroup
	order          []*Peer
	messageID      string // X-Mms-Message-ID of the MM, whatever REQs carry it
	reqs           []pendingREQ
	tooLarge       []failure        // recipients no REQ went to, for a DSN
	origHeader     textproto.Header // of the submitted mail, for that DSN
	subject        string           // of the original mail, for a later DSN
	rfc822ID       string
	readReply      bool
	deliveryReport bool
	// reportOnly: the message is a read report for a peer (an MDN,
	// send_mdn.go) and reports holds it, or it was dropped.
	reportOnly bool
	reports    []*pendingReport
	// localNumbers are the local recipients; localReport: the sender asked
	// for a delivery report, which for them is a DSN at once.
	localNumbers []string
	localReport  bool
	handsetLocal []string // local numbers whose report waits for their handset (mms.handsets)
}

func (d *sendDelivery) err(code int, enh exterrors.EnhancedCode, msg string, err error) error {
	return &exterrors.SMTPError{Code: code, EnhancedCode: enh, Message: msg, TargetName: d.t.Name(), Err: err}
}

// temporary is the reply to a local failure (reading the buffered body,
// writing the 7-bit copy): the client tries again later.
func (d *sendDelivery) temporary(err error) error {
	return exterrors.WithTemporary(d.err(451, exterrors.EnhancedCode{4, 3, 0}, "Cannot process the message now, try again later", err), true)
}

func (d *sendDelivery) AddRcpt(ctx context.Context, rcpt string, opts smtp.RcptOptions) error {
	r := d.t.relay
	a, rerr := r.canonicalRecipient(rcpt)
	if rerr != nil {
		return rerr.target(d.t.Name())
	}
	if d.t.local != nil {
		_, ok, err := r.Mailbox(ctx, a.Value)
		if err != nil {
			return exterrors.WithTemporary(d.err(451, exterrors.EnhancedCode{4, 3, 0}, "Subscriber lookup failed, try again later", err), true)
		}
		if ok {
			if d.local == nil {
				// The local target sees no connection: what a submitter
				// sends is no peer's MM4, whatever its source address.
				meta := d.meta.DeepCopy()
				meta.Conn = nil
				if d.local, err = d.t.local.Start(ctx, meta, d.mailFrom); err != nil {
					return err
				}
			}
			if err := d.local.AddRcpt(ctx, a.Format(mmsmap.FormE164, r.Domains[0]), opts); err != nil {
				return err
			}
			d.localNumbers = append(d.localNumbers, a.Value)
			return nil
		}
	}
	peer, err := r.Route(ctx, a.Value)
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

func (d *sendDelivery) Body(ctx context.Context, header textproto.Header, body buffer.Buffer) (err error) {
	// maddy does not abort a delivery whose Body failed: what was handed
	// on (the local delivery's open write, REQs in the queue) is undone here.
	defer func() {
		if err != nil {
			d.Abort(ctx)
		}
	}()
	// The MIME structure is checked first, for every path (mailbox, IMAP
	// BODYSTRUCTURE, 7-bit conversion): nothing is half done.
	if err := d.t.relay.checkMIME(header, body); err != nil {
		text, ok := mimeProblem(err)
		if !ok {
			return d.temporary(err)
		}
		return d.err(554, exterrors.EnhancedCode{5, 6, 0}, "Message cannot be sent as an MMS: "+text, err)
	}
	reportOnly, err := d.readReport(ctx, header, body)
	if err != nil {
		return err
	}
	d.subject, d.rfc822ID = header.Get("Subject"), header.Get("Message-Id")
	d.localReport = d.opts.DeliveryReport ||
		d.opts.MMSFields && strings.EqualFold(strings.TrimSpace(header.Get("X-Mms-Delivery-Report")), "yes")
	if d.local != nil {
		lctx := ctx
		if d.localReport {
			lctx = context.WithValue(ctx, localReportKey{}, localReport{NotifyTo: d.notify, RFC822MessageID: d.rfc822ID})
		}
		if err := d.local.Body(lctx, header, body); err != nil {
			return err
		}
		if ld, ok := d.local.(*delivery); ok {
			d.handsetLocal = ld.handsetOnly
		}
	}
	if len(d.order) == 0 || reportOnly {
		return nil
	}
	d.messageID = newID("m", d.t.relay.Domains[0])
	if id, ok := ctx.Value(mm1MessageIDKey{}).(string); ok && id != "" {
		d.messageID = id // named in the handset's M-send.conf already
	}

	// Peers too small for the MM as submitted are known before any
	// conversion; the 7-bit form is checked again below.
	var tooLarge []failure
	fits := d.order[:0:0]
	size := int64(body.Len()) + int64(headerSize(header))
	for _, peer := range d.order {
		if size > peer.MaxMessageSize {
			tooLarge = d.tooLargeFor(tooLarge, peer, size, "as submitted")
		} else {
			fits = append(fits, peer)
		}
	}
	if len(fits) != 0 {
		// What handsets show (mmsmap/content: the text of HTML and
		// alternatives, UTF-8), then 7-bit clean for MM4.
		ha, adapted, err := d.t.relay.adapt(content.ForMMS, header, body)
		if err != nil {
			if text, ok := mimeProblem(err); ok {
				return d.err(554, exterrors.EnhancedCode{5, 6, 0}, "Message cannot be sent as an MMS: "+text, err)
			}
			return d.temporary(err)
		}
		defer adapted.Remove()
		h7, mm, err := d.sevenBit(ha, adapted)
		if err != nil {
			return err
		}
		defer mm.Remove() // the queue keeps its own copy
		size = int64(mm.Len()) + int64(headerSize(h7))
		for _, peer := range fits {
			if size > peer.MaxMessageSize {
				tooLarge = d.tooLargeFor(tooLarge, peer, size, "as MMS")
				continue
			}
			g := d.groups[peer]
			for start := 0; start < len(g.rcpts); start += peer.MaxRecipients {
				end := min(start+peer.MaxRecipients, len(g.rcpts))
				if err := d.queueREQ(ctx, g, g.rcpts[start:end], h7, mm); err != nil {
					return err
				}
			}
		}
	}
	if len(tooLarge) != 0 {
		if (d.local == nil && len(d.reqs) == 0) || !d.t.relay.tracker.CanBounce(d.notify) {
			// Nothing else goes anywhere, or nobody to tell by DSN: say
			// it here instead.
			return d.err(552, exterrors.EnhancedCode{5, 3, 4}, tooLarge[0].text, nil)
		}
		// The DSN is made at Commit, once the local delivery (which may
		// be into the same storage as the DSN) is committed.
		d.tooLarge, d.origHeader = tooLarge, header.Copy()
	}
	return nil
}

// tooLargeFor adds the recipients served by peer to tooLarge: an MM of
// size octets is over its limit, and nothing goes to it.
func (d *sendDelivery) tooLargeFor(tooLarge []failure, peer *Peer, size int64, as string) []failure {
	text := fmt.Sprintf("Message too large for the recipient's MMS network: %d bytes %s, the limit is %d", size, as, peer.MaxMessageSize)
	for _, a := range d.groups[peer].rcpts {
		tooLarge = append(tooLarge, failure{number: a.Value, status: mmsmap.StatusErrorContentNotAccepted, text: text, peer: peer})
	}
	d.log.Msg("MM too large for peer, not sent", "peer", peer.Name, "size", size, "limit", peer.MaxMessageSize)
	return tooLarge
}

// sevenBit returns the 7-bit clean form of the MM that every REQ carries
// (TS 23.140 §8.4.5): the submitted body when it is clean already, else a
// re-encoded copy made by streaming (kept in a file in maddy's buffer
// directory when large, so that memory does not grow with the MM). The
// caller removes the returned buffer.
func (d *sendDelivery) sevenBit(header textproto.Header, body buffer.Buffer) (textproto.Header, buffer.Buffer, error) {
	rd, err := body.Open()
	if err != nil {
		return textproto.Header{}, nil, d.temporary(err)
	}
	clean, err := sevenbit.Clean(header, rd)
	rd.Close()
	if err != nil {
		return textproto.Header{}, nil, d.temporary(err)
	}
	if clean {
		return header, keptBuffer{body}, nil
	}
	open := func() (io.ReadCloser, error) { return body.Open() }
	fail := func(err error) (textproto.Header, buffer.Buffer, error) {
		if text, ok := mimeProblem(err); ok {
			return textproto.Header{}, nil, d.err(554, exterrors.EnhancedCode{5, 6, 0}, "Message cannot be sent as an MMS: "+text, err)
		}
		return textproto.Header{}, nil, d.temporary(err)
	}
	if body.Len() < inMemoryConversion {
		var out bytes.Buffer
		h7, err := sevenbit.Convert(header, open, &out, d.t.relay.MIMELimits)
		if err != nil {
			return fail(err)
		}
		return h7, buffer.MemoryBuffer{Slice: out.Bytes()}, nil
	}
	dir := filepath.Join(config.StateDirectory, "buffer")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return textproto.Header{}, nil, d.temporary(err)
	}
	f, err := os.CreateTemp(dir, "mms-7bit-")
	if err != nil {
		return textproto.Header{}, nil, d.temporary(err)
	}
	w := &countingWriter{w: bufio.NewWriterSize(f, 64<<10)}
	h7, err := sevenbit.Convert(header, open, w, d.t.relay.MIMELimits)
	if err == nil {
		err = w.w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return fail(err)
	}
	return h7, buffer.FileBuffer{Path: f.Name(), LenHint: int(w.n)}, nil
}

type countingWriter struct {
	w *bufio.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// inMemoryConversion is the body size from which the 7-bit copy is made in
// a file rather than in memory (maddy's SMTP endpoint keeps bodies under
// 1 MiB in memory, larger ones in files, likewise).
const inMemoryConversion = 1 << 20

// keptBuffer hands on a buffer that belongs to someone else: Remove does
// nothing.
type keptBuffer struct{ buffer.Buffer }

func (keptBuffer) Remove() error { return nil }

func headerSize(h textproto.Header) int {
	n := 0
	for f := h.Fields(); f.Next(); {
		n += len(f.Key()) + len(f.Value()) + 4
	}
	return n
}

func (d *sendDelivery) queueREQ(ctx context.Context, g *peerGroup, rcpts []mmsmap.Address, h textproto.Header, body buffer.Buffer) error {
	r, peer := d.t.relay, g.peer
	txID := newID("t", r.Domains[0])
	fr, err := mm3.NewForwardRequest(h, mm3.ForwardOptions{
		Version:          peer.Version,
		TransactionID:    txID,
		MessageID:        d.messageID,
		AckRequest:       peer.AckRequest,
		OriginatorSystem: r.SystemAddress,
		Sender:           d.sender,
		SenderDomain:     r.Domains[0],
		Recipients:       rcpts,
		Form:             peer.Form,
		PeerDomain:       peer.Domains[0],
		Plan:             r.Plan,
		// maddy's endpoints take no DSN NOTIFY: reports are asked for
		// per peer and per sender by the admin, and by senders allowed
		// to set X-Mms-* fields (mms_fields).
		DeliveryReport: g.report || peer.DeliveryReport || d.opts.DeliveryReport,
		ReadReply:      peer.ReadReply || d.opts.ReadReply,
		ClientFields:   d.opts.MMSFields,
		Auto:           d.meta.OriginalFrom == "",
	})
	if err != nil {
		return d.err(554, exterrors.EnhancedCode{5, 6, 0}, "Message cannot be sent as an MMS: "+err.Error(), err)
	}
	if len(fr.RcptTo) != len(rcpts) {
		return fmt.Errorf("%s: %d recipients became %d RCPT TO", d.t.Name(), len(rcpts), len(fr.RcptTo))
	}
	d.deliveryReport = d.deliveryReport || fr.DeliveryReport
	d.readReply = d.readReply || fr.ReadReply
	q := pendingREQ{peer: peer, transactionID: txID, rcpts: rcpts, rcptTo: fr.RcptTo, mailFrom: fr.MailFrom}
	if peer.AckRequest && r.tracker.RetryKeepsMessage() {
		if q.message, err = messageBytes(fr.Header, body); err != nil {
			return err
		}
	}
	q.delivery, err = outgoing{From: fr.MailFrom, To: fr.RcptTo, Header: fr.Header, Body: body}.prepare(ctx, peer.SendVia)
	if err != nil {
		return err
	}
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
		d.local = nil
	}
	d.abortREQs(ctx, 0)
	abortReports(ctx, d.reports)
	d.reports = nil
	return nil
}

// abortREQs aborts the REQs from the i-th on.
func (d *sendDelivery) abortREQs(ctx context.Context, i int) {
	for _, q := range d.reqs[i:] {
		q.delivery.Abort(ctx)
	}
	d.reqs = d.reqs[:i]
}

// Commit records the MM and its REQs first (a RES may come back within
// milliseconds of a REQ being queued), then commits the local delivery,
// the REQs and the DSN. Until one of these commits, which cannot be undone,
// a failure is the client's error and nothing is left behind (the records
// are withdrawn); after it, failures are logged rather than making the
// client send everything again: a REQ that could not be queued then times
// out into a DSN to the sender.
func (d *sendDelivery) Commit(ctx context.Context) error {
	if d.reportOnly {
		return d.commitReport(ctx)
	}
	tracked, err := d.track(ctx)
	if err != nil {
		d.Abort(ctx)
		return exterrors.WithTemporary(d.err(451, exterrors.EnhancedCode{4, 3, 0}, "Cannot record the MMS for tracking, try again later", err), true)
	}
	done := false // something was committed
	fail := func(err error) error {
		d.Abort(ctx)
		d.t.relay.tracker.Withdraw(ctx, tracked)
		return err
	}
	if d.local != nil {
		if err := d.local.Commit(ctx); err != nil {
			d.local = nil
			return fail(err)
		}
		d.local, done = nil, true
		d.reportLocal(ctx)
	}
	for i, q := range d.reqs {
		if err := q.delivery.Commit(ctx); err != nil {
			q.delivery.Abort(ctx)
			if !done {
				d.reqs = d.reqs[i+1:]
				return fail(err)
			}
			d.log.Error("MM4_forward.REQ could not be queued; the sender is told when its response is overdue", err,
				"peer", q.peer.Name, "transaction_id", q.transactionID)
			continue
		}
		done = true
		mm4Sent.WithLabelValues(q.peer.Name).Inc()
		mm4SentAll.WithLabelValues(q.peer.Name, mm4.ForwardReq.String()).Inc()
		d.log.Msg("MM4_forward.REQ queued", "peer", q.peer.Name, "transaction_id", q.transactionID,
			"message_id", d.messageID, "sender", d.sender.Value, "rcpts", numbersOf(q.rcpts))
	}
	d.reqs = nil
	if len(d.tooLarge) != 0 {
		err := d.t.relay.tracker.sendBounce(ctx, d.notify, d.origHeader, d.tooLarge)
		if err != nil && !done {
			// The DSN is all this mail became: the client tries again.
			return exterrors.WithTemporary(d.err(451, exterrors.EnhancedCode{4, 3, 0}, "Cannot queue the delivery report, try again later", err), true)
		}
		if err != nil {
			d.log.Error("DSN for an MM too large for the peer could not be queued", err, "to", d.notify)
		}
	}
	return nil
}

// reportLocal tells the sender, when they asked for delivery reports, that
// the MM reached the local recipients' mailboxes: between local
// subscribers the report is a DSN (RFC 4356 §2.1.4, Table 4: Retrieved).
func (d *sendDelivery) reportLocal(ctx context.Context) {
	numbers := without(d.localNumbers, d.handsetLocal)
	if !d.localReport || len(numbers) == 0 {
		return
	}
	sent := state.SentMM{NotifyTo: d.notify, RFC822MessageID: d.rfc822ID, Subject: d.subject, DeliveryReport: true}
	rep := state.Report{Kind: state.DeliveryReport, Status: string(mmsmap.MMStatusRetrieved), At: time.Now()}
	dsn, err := d.t.relay.tellSender(ctx, sent, rep, nil, numbers)
	if err == nil && dsn != nil {
		if err = dsn.Commit(ctx); err != nil {
			dsn.Abort(ctx)
		}
	}
	if err != nil {
		// The MM is delivered; only the report is lost, and logged.
		d.log.Error("delivery report for local recipients could not be queued", err, "to", d.notify)
	}
}

// commitReport commits a read report (and the MDN for local recipients).
func (d *sendDelivery) commitReport(ctx context.Context) error {
	if len(d.reports) != 0 {
		kept, err := d.t.relay.recordReports(ctx, d.log, d.reports)
		d.reports = kept
		if err != nil {
			d.Abort(ctx)
			return exterrors.WithTemporary(d.err(451, exterrors.EnhancedCode{4, 3, 0}, "Cannot record the read report, try again later", err), true)
		}
	}
	if d.local != nil {
		if err := d.local.Commit(ctx); err != nil {
			d.Abort(ctx)
			return err
		}
		d.local = nil
	}
	reports := d.reports
	d.reports = nil
	if len(reports) == 0 {
		return nil
	}
	d.t.relay.commitReports(ctx, d.log, reports)
	return nil
}

// track records the MM and the REQs that ask for a RES, and returns those.
func (d *sendDelivery) track(ctx context.Context) ([]state.Request, error) {
	if len(d.reqs) == 0 {
		return nil, nil
	}
	m := state.SentMM{MessageID: d.messageID, Sender: d.sender.Value, NotifyTo: d.notify,
		RFC822MessageID: d.rfc822ID, Subject: d.subject, DeliveryReport: d.deliveryReport, ReadReply: d.readReply}
	var reqs []state.Request
	for _, q := range d.reqs {
		req := state.Request{Peer: q.peer.Name, TransactionID: q.transactionID, MessageID: d.messageID,
			MailFrom: q.mailFrom, NotifyTo: d.notify, RFC822MessageID: d.rfc822ID, Subject: d.subject, Message: q.message}
		for i, a := range q.rcpts {
			m.Recipients = append(m.Recipients, state.SentRecipient{Number: a.Value, Peer: q.peer.Name, TransactionID: q.transactionID})
			req.Recipients = append(req.Recipients, state.Recipient{Number: a.Value, RcptTo: q.rcptTo[i]})
		}
		if q.peer.AckRequest {
			reqs = append(reqs, req)
		}
	}
	return reqs, d.t.relay.tracker.Track(ctx, m, reqs)
}

func numbersOf(list []mmsmap.Address) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Value
	}
	return out
}

func init() {
	module.Register("target.mms_send", NewSendTarget)
}

// localReportKey carries, into target.mms_deliver, that the sender of an MM
// delivered locally asked for a delivery report: a recipient who reads MMs
// on a handset only is reported when the handset fetches it (mms.handsets).
type localReportKey struct{}

type localReport struct{ NotifyTo, RFC822MessageID string }
