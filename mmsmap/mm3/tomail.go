// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// DefaultMaxReceived is the loop limit [ToInternetMail] applies when MailView.MaxReceived is 0: an
// MM with more Received fields is refused (RFC 4356 §2.1.3.2 asks for a local limit of at least
// 100).
const DefaultMaxReceived = 100

// MailView says how an MM is shown as Internet mail: RFC 4356 §2.1.3.2 (the MM3 direction "MMS to
// Internet mail") and its Table 1, for a mail that leaves for another mail system (Internet) or
// goes into a subscriber's mailbox here. [ToInternetMail] maps the header with it; [MailEnvelope]
// gives the SMTP side (MAIL FROM, DSN NOTIFY, DELIVER-BY). docs/rfc4356.md lists every rule and
// what is done with it.
type MailView struct {
	// Domain is the MMS domain numbers are shown at, so that a reply from
	// a mail client comes back to this relay as `+E164@Domain` and can be
	// routed as an MM (RFC 4356 §2.1.3.2: addresses are fully qualified).
	// Made-up Message-IDs and the anonymous sender are at Domain too.
	Domain string
	// Plan normalises numbers before they are shown.
	Plan mmsmap.NumberPlan
	// Now is the clock for a missing Date and the Received field (time.Now when nil).
	Now func() time.Time
	// Internet is true when the mail leaves for the Internet (another mail
	// system); false when it goes into a subscriber's mailbox here.
	Internet bool
	// Received trace line: added on top as
	//   Received: from ReceivedFrom by ReceivedBy with MMS id ReceivedID; <date>
	// (RFC 4356 §2.1.3.2: MUST add one "with MMS"; RFC 5321 §4.4 syntax). Empty parts are left out; the line is always added.
	ReceivedFrom, ReceivedBy, ReceivedID string
	// MaxReceived is the loop limit: an MM with more Received fields is refused (Refusal). 0 means DefaultMaxReceived.
	MaxReceived int
}

// Envelope is the SMTP side of an MM shown as Internet mail (RFC 4356 §2.1.3.2, Table 1).
type Envelope struct {
	NullSender bool          // MAIL FROM <>: the MM is automatic (X-Mms-Message-Class: Auto)
	Notify     []string      // DSN NOTIFY for each recipient (RFC 3461): ["SUCCESS"] when X-Mms-Delivery-Report: Yes, ["NEVER"] when No, nil when absent
	DeliverBy  time.Duration // RFC 2852 BY with by-mode R: the time left until X-Mms-Expiry (relative or absolute, from now); 0 when none; at least 1s when set
}

// MailEnvelope returns the SMTP envelope of msg shown as Internet mail (RFC 4356 §2.1.3.2, Table 1):
//
//   - NullSender for an automatic MM: X-Mms-Message-Class Auto, and the delivery and read-reply
//     reports (RFC 4356: MAIL FROM is <> for every automatically generated MM).
//   - Notify ["SUCCESS"] when the MM asks for a delivery report. mm4.Message keeps
//     X-Mms-Delivery-Report as a bool, so "No" and an absent field both give nil (no NOTIFY
//     parameter; the receiving MTA's default) rather than ["NEVER"].
//   - DeliverBy from X-Mms-Expiry: a relative expiry as it is (it counts from this handling), an
//     absolute one as the time left from now, in whole seconds and at least 1s (an expiry already
//     past gives 1s, so the mail system gives up at once rather than never).
func MailEnvelope(msg *mm4.Message, now time.Time) Envelope {
	var e Envelope
	if msg == nil {
		return e
	}
	e.NullSender = msg.MessageClass == "Auto" || msg.Type == mm4.DeliveryReportReq || msg.Type == mm4.ReadReplyReportReq
	if msg.DeliveryReport {
		e.Notify = []string{"SUCCESS"}
	}
	var left time.Duration
	switch {
	case msg.Expiry.Relative > 0:
		left = msg.Expiry.Relative
	case !msg.Expiry.Absolute.IsZero():
		left = msg.Expiry.Absolute.Sub(now)
	default:
		return e
	}
	left = left.Truncate(time.Second)
	if left < time.Second {
		left = time.Second
	}
	e.DeliverBy = left
	return e
}

// Names of the RFC 5322 and other fields ToInternetMail reads or writes (matched ignoring case).
const (
	tmFrom        = "From"
	tmTo          = "To"
	tmCc          = "Cc"
	tmReplyTo     = "Reply-To"
	tmDate        = "Date"
	tmMessageID   = "Message-ID"
	tmSubject     = "Subject"
	tmReceived    = "Received"
	tmImportance  = "Importance"
	tmDNT         = "Disposition-Notification-To"
	tmPrecedence  = "Precedence"
	tmSensitivity = "Sensitivity"

	// X-Mms-* fields read before they are removed that mm4 has no constant for: the MM1 name of
	// X-Mms-Read-Reply, and the reply-charging fields (OMA-MMS-ENC §7.3.43–§7.3.46; absent from
	// MM4 but written by MM1 gateways).
	tmReadReport         = "X-Mms-Read-Report"
	tmReplyCharging      = "X-Mms-Reply-Charging"
	tmReplyChargingID    = "X-Mms-Reply-Charging-ID"
	tmUndisclosed        = "undisclosed-recipients:;"
	tmUnrecoverable      = "unrecoverable-recipients:;"
	tmAnonymousName      = "Anonymous"
	tmAnonymousLocalPart = "anonymous"
)

// addressFields are the fields whose MMS addresses are rewritten into replyable mailboxes at the
// view's domain; To, Cc and Reply-To are merged into one field each.
var addressFields = []string{tmFrom, tmTo, tmCc, tmReplyTo, tmDNT,
	"Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc", "Resent-Reply-To"}

// droppedFields are not X-Mms-* but are never written: Sender names the peer's system or the
// unqualified MMS sender (3GPP TS 23.140 §8.4.1, §8.4.5); Bcc and Resent-Bcc are blind (RFC 4356
// Table 1: Bcc omitted).
var droppedFields = []string{"Sender", "Bcc", "Resent-Bcc"}

// mmView is what ToInternetMail reads from an MM before it writes anything.
type mmView struct {
	received int

	priority, readReply, visibility, class, sensitivity string
	readReplySeen, prioritySeen                         bool
	chargingAccepted, chargingID                        bool
	mmsMessageID                                        string

	from, sender string // first From and Sender values
	fromSeen     bool
	to, cc       []string // non-empty To and Cc values
	replyTo      []string
	date         string // first clean Date that parses
	messageID    string // first clean Message-ID
	dnt          string // first Disposition-Notification-To
	importance   string // first Importance

	sentBy, sentDate []prevEntry // X-Mms-Previously-sent-by / -date-and-time
}

// prevEntry is one X-Mms-Previously-sent-* value with its index (explicit, or its position).
type prevEntry struct {
	index int
	value string
}

// ToInternetMail returns the header of an MM (an MM4_forward.REQ or an MM from any other source) as
// Internet mail, after RFC 4356 §2.1.3.2 and Table 1 (docs/rfc4356.md has the whole table):
//
//   - A Received field "with MMS" on top (v.ReceivedFrom, v.ReceivedBy, v.ReceivedID, date v.Now).
//     More Received fields than v.MaxReceived (DefaultMaxReceived) is a mail loop: refused.
//   - X-Mms-* (the MM4 transport fields), Sender, Bcc and Resent-Bcc are removed.
//   - From, To, Cc, Reply-To, Disposition-Notification-To and the address Resent-* fields are
//     rewritten: numbers normalised by v.Plan and fully qualified at v.Domain, e-mail addresses
//     kept. To, Cc and Reply-To are merged into one field each; an MM without To or Cc gets
//     "To: undisclosed-recipients:;".
//   - Message-ID is kept, else made from X-Mms-Message-ID, else made up at v.Domain; a Date that
//     is missing or does not parse is v.Now.
//   - X-Mms-Priority High/Low gives Importance High/Low (Normal: none); the MM's own Importance is
//     kept only when it has no X-Mms-Priority. X-Mms-Read-Reply (or X-Mms-Read-Report) Yes gives
//     Disposition-Notification-To with the From mailbox. X-Mms-Message-Class Auto or
//     Advertisement gives "Precedence: bulk".
//   - X-Mms-Previously-sent-by/-date-and-time: entry 0 becomes From and Date, the others Resent-From
//     and Resent-Date blocks, newest on top, under a top-most block made from the current From,
//     To, Cc, Date and Message-ID; To becomes "unrecoverable-recipients:;" and the Message-ID new.
//   - A non-ASCII Subject is written as RFC 2047 encoded-words.
//   - A hidden sender (X-Mms-Sender-Visibility: Hide) is refused towards the Internet; into a local
//     mailbox the sender becomes "Anonymous" <anonymous@v.Domain> and its number or address is
//     replaced by "anonymous" in every other field (Content-* and MIME-Version aside), Reply-To and
//     Disposition-Notification-To are dropped.
//   - Refused in both directions: a Sensitivity of personal or private (§2.1.3.3). Refused towards
//     the Internet: a reply-charging usage (X-Mms-Reply-Charging-ID with X-Mms-Reply-Charging
//     Accepted or Accepted text only).
//
// Every other field is kept in its original order and spelling (a control octet in it removed);
// the body is not touched, so its MIME structure and Content-* fields stay as they are. The work is
// proportional to the size of the header. A refusal is a *Refusal; any other error comes from
// reading back the header written.
func ToInternetMail(h textproto.Header, v MailView) (textproto.Header, error) {
	mm := readMM(&h)
	if err := mm.refusal(v); err != nil {
		return textproto.Header{}, err
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	t := now()
	hide := !v.Internet && lex.TokenEqualFold(mm.visibility, "Hide")
	w := &mailWriter{v: v}
	if hide {
		w.needles = senderNeedles(v, mm.from, mm.sender)
	}
	var out bytes.Buffer
	out.WriteString(w.field(tmReceived, v.receivedValue(t)))

	// The sender's mailbox as the rewritten From shows it: the current From, or Anonymous.
	fromBox, fromOK := "", false
	if hide {
		fromBox, fromOK = w.anonymous(), true
	} else if mm.fromSeen {
		if addrs, err := mmsmap.ParseAddressList(mm.from); err == nil && len(addrs) > 0 {
			fromBox, fromOK = v.mailbox(addrs[0]), true
		}
	}
	fromValue := ""
	switch {
	case hide:
		fromValue = fromBox
	case mm.fromSeen:
		fromValue = v.mailboxList(mm.from)
	}
	msgID := mm.messageID
	if msgID == "" && mm.mmsMessageID != "" {
		msgID = msgIDFromMMS(lex.UnquoteID(mm.mmsMessageID), v.Domain)
	}
	date := mm.date
	if date == "" {
		date = t.UTC().Format(time.RFC1123Z)
	}
	to, cc := v.mergedList(mm.to), v.mergedList(mm.cc)

	// Resending (RFC 4356 §2.1.3.2): the current From/To/Cc/Date/Message-ID move into the top-most
	// Resent block; the previously-sent entries ≥ 1 follow, newest first; entry 0 gives From and
	// Date.
	resend := v.previouslySent(mm, hide, w)
	if resend != nil {
		if fromValue != "" {
			out.WriteString(w.field("Resent-From", fromValue))
		}
		if to != "" {
			out.WriteString(w.field("Resent-To", to))
		}
		if cc != "" {
			out.WriteString(w.field("Resent-Cc", cc))
		}
		out.WriteString(w.dateField("Resent-Date", date))
		if msgID != "" {
			out.WriteString(w.field("Resent-Message-ID", msgID))
		}
		for _, b := range resend.blocks {
			out.WriteString(w.field("Resent-From", b.from))
			out.WriteString(w.dateField("Resent-Date", b.date))
		}
		if resend.from != "" {
			fromValue = resend.from
		}
		if resend.date != "" {
			date = resend.date
		}
		to, cc, msgID = tmUnrecoverable, "", newMessageID(v.Domain)
	}
	if msgID == "" {
		msgID = newMessageID(v.Domain)
	}
	if to == "" && cc == "" {
		to = tmUndisclosed
	}

	// The fields ToInternetMail writes itself, at the place of the MM's first one (else at the end).
	slots := []*slot{
		{name: tmFrom, value: fromValue},
		{name: tmTo, value: to},
		{name: tmCc, value: cc},
		{name: tmDate, value: date},
		{name: tmMessageID, value: msgID},
	}
	if hide {
		slots = append(slots, &slot{name: tmReplyTo}) // it could name the sender
	} else {
		slots = append(slots, &slot{name: tmReplyTo, value: v.mergedList(mm.replyTo)})
	}
	switch {
	case mm.prioritySeen:
		// X-Mms-Priority decides: the MM's own Importance fields go, and ours is written at the end.
		switch strings.ToLower(mm.priority) {
		case "high":
			slots = append(slots, &slot{name: tmImportance, value: "High", last: true})
		case "low":
			slots = append(slots, &slot{name: tmImportance, value: "Low", last: true})
		default:
			slots = append(slots, &slot{name: tmImportance})
		}
	default:
		slots = append(slots, &slot{name: tmImportance, value: mm.importance})
	}
	switch {
	case hide:
		slots = append(slots, &slot{name: tmDNT})
	case mm.readReplySeen:
		dnt := ""
		if lex.TokenEqualFold(mm.readReply, "Yes") && fromOK {
			dnt = fromBox
		}
		slots = append(slots, &slot{name: tmDNT, value: dnt, last: true})
	default:
		slots = append(slots, &slot{name: tmDNT, value: v.mailboxList(mm.dnt)})
	}
	if lex.TokenEqualFold(mm.class, "Auto") || lex.TokenEqualFold(mm.class, "Advertisement") {
		slots = append(slots, &slot{name: tmPrecedence, value: "bulk", last: true})
	}

	for f := h.Fields(); f.Next(); {
		key := f.Key()
		switch {
		case mm4.IsTransportField(key) || lex.TokenEqualFold(key, "X-Mms-") || lex.ContainsFold(droppedFields, key):
			continue
		}
		if s := findSlot(slots, key); s != nil {
			if !s.done && !s.last {
				s.done = true
				if s.value != "" {
					out.WriteString(w.slotField(s))
				}
			}
			continue
		}
		if lex.ContainsFold(addressFields, key) { // the address Resent-* fields
			out.WriteString(w.field(key, v.mailboxList(f.Value())))
			continue
		}
		raw, err := f.Raw()
		if err != nil {
			return textproto.Header{}, err
		}
		switch {
		case lex.TokenEqualFold(key, tmSubject) && !lex.SevenBitOctets(raw):
			// The hidden sender is looked for before encoding: an encoded-word could split it.
			out.WriteString(w.field(key, encodeSubject(w.maskField(key, sanitizeValue(f.Value())))))
		case w.hides(key) && w.encodedMentionsSender(f.Value()):
			// Encoded-words holding the hidden sender: decoded, masked, encoded again.
			out.WriteString(w.field(key, encodeSubject(w.mask(decodeWords(sanitizeValue(f.Value()))))))
		case hasControlOctets(raw):
			// Control octets (a bare CR, NUL, ESC, DEL …) are not
			// stored in a mailbox: the value is written without them.
			out.WriteString(w.field(key, sanitizeValue(f.Value())))
		case w.hides(key) && w.mentionsSender(f.Value()):
			out.WriteString(w.field(key, f.Value()))
		default:
			out.Write(raw)
		}
	}
	for _, s := range slots {
		if !s.done && s.value != "" {
			out.WriteString(w.slotField(s))
		}
	}
	out.WriteString("\r\n")
	return textproto.ReadHeader(bufio.NewReader(&out))
}

// slot is a field ToInternetMail writes itself, once: at the place of the MM's first field of that
// name, or (last, or when the MM has none) after the MM's fields. An empty value writes nothing
// and removes the MM's fields of that name.
type slot struct {
	name, value string
	last, done  bool
}

func findSlot(slots []*slot, key string) *slot {
	for _, s := range slots {
		if lex.TokenEqualFold(s.name, key) {
			return s
		}
	}
	return nil
}

// readMM reads, in one pass, what the mapping needs from the MM's header.
func readMM(h *textproto.Header) *mmView {
	mm := &mmView{}
	for f := h.Fields(); f.Next(); {
		key := f.Key()
		if len(key) > lex.MaxFieldNameLength {
			continue
		}
		val := lex.TrimFieldValue(f.Value())
		switch {
		case lex.TokenEqualFold(key, tmReceived):
			mm.received++
		case lex.TokenEqualFold(key, tmSensitivity):
			if mm.sensitivity == "" || !sensitivityRefused(mm.sensitivity) {
				mm.sensitivity = firstToken(val)
			}
		case lex.TokenEqualFold(key, mm4.HdrPriority):
			if !mm.prioritySeen {
				mm.priority, mm.prioritySeen = val, true
			}
		case lex.TokenEqualFold(key, mm4.HdrReadReply) || lex.TokenEqualFold(key, tmReadReport):
			if !mm.readReplySeen || lex.TokenEqualFold(val, "Yes") {
				mm.readReply, mm.readReplySeen = val, true
			}
		case lex.TokenEqualFold(key, mm4.HdrSenderVisibility):
			if !lex.TokenEqualFold(mm.visibility, "Hide") {
				mm.visibility = val
			}
		case lex.TokenEqualFold(key, mm4.HdrMessageClass):
			if mm.class == "" {
				mm.class = val
			}
		case lex.TokenEqualFold(key, tmReplyCharging):
			if t := lettersLower(val); t == "accepted" || t == "acceptedtextonly" {
				mm.chargingAccepted = true
			}
		case lex.TokenEqualFold(key, tmReplyChargingID):
			if val != "" {
				mm.chargingID = true
			}
		case lex.TokenEqualFold(key, mm4.HdrMessageID):
			if mm.mmsMessageID == "" {
				mm.mmsMessageID = val
			}
		case lex.TokenEqualFold(key, mm4.HdrPreviouslySentBy):
			mm.sentBy = append(mm.sentBy, prevValue(val, len(mm.sentBy)))
		case lex.TokenEqualFold(key, mm4.HdrPreviouslySentDate):
			mm.sentDate = append(mm.sentDate, prevValue(val, len(mm.sentDate)))
		case lex.TokenEqualFold(key, tmFrom):
			if !mm.fromSeen {
				mm.from, mm.fromSeen = sanitizeValue(val), true
			}
		case lex.TokenEqualFold(key, "Sender"):
			if mm.sender == "" {
				mm.sender = sanitizeValue(val)
			}
		case lex.TokenEqualFold(key, tmTo):
			if val != "" {
				mm.to = append(mm.to, val)
			}
		case lex.TokenEqualFold(key, tmCc):
			if val != "" {
				mm.cc = append(mm.cc, val)
			}
		case lex.TokenEqualFold(key, tmReplyTo):
			if val != "" {
				mm.replyTo = append(mm.replyTo, val)
			}
		case lex.TokenEqualFold(key, tmDNT):
			if mm.dnt == "" {
				mm.dnt = val
			}
		case lex.TokenEqualFold(key, tmImportance):
			if mm.importance == "" {
				mm.importance = sanitizeValue(val)
			}
		case lex.TokenEqualFold(key, tmMessageID), lex.TokenEqualFold(key, tmDate):
			raw, err := f.Raw()
			// A Message-ID that is not clean UTF-8 is treated as absent (made
			// from X-Mms-Message-ID), as mm4.Parse does; likewise a Date that is
			// not a date (the time of receipt is supplied).
			if err != nil || hasControlOctets(raw) || !utf8.Valid(raw) || val == "" {
				continue
			}
			if lex.TokenEqualFold(key, tmDate) {
				if mm.date != "" {
					continue
				}
				// Kept as written when it is an RFC 5322 date-time; an HTTP-date
				// (RFC 850, asctime) is rewritten as one.
				if _, err := mail.ParseDate(val); err == nil {
					mm.date = val
				} else if t, err := lex.ParseDate(val); err == nil {
					mm.date = t.Format(time.RFC1123Z)
				}
			} else if mm.messageID == "" {
				mm.messageID = val
			}
		}
	}
	return mm
}

// refusal returns the *Refusal for an MM that must not be shown as mail v describes, or nil.
func (mm *mmView) refusal(v MailView) error {
	limit := v.MaxReceived
	if limit <= 0 {
		limit = DefaultMaxReceived
	}
	if mm.received > limit {
		return &Refusal{Field: tmReceived, Rule: "RFC 4356 §2.1.3.2",
			Reason: fmt.Sprintf("Mail loop: %d Received fields", mm.received)}
	}
	if sensitivityRefused(mm.sensitivity) {
		return &Refusal{Field: tmSensitivity, Rule: "RFC 4356 §2.1.3.3",
			Reason: "A " + strings.ToLower(mm.sensitivity) + " message (Sensitivity) must not cross between MMS and Internet mail"}
	}
	if !v.Internet {
		return nil
	}
	if lex.TokenEqualFold(mm.visibility, "Hide") {
		return &Refusal{Field: mm4.HdrSenderVisibility, Rule: "RFC 4356 §2.1.3.2",
			Reason: "The sender asked to be hidden, which Internet mail cannot do"}
	}
	if mm.chargingAccepted && mm.chargingID {
		return &Refusal{Field: tmReplyCharging, Rule: "RFC 4356 §2.1.3.2",
			Reason: "The MM uses reply charging, which Internet mail cannot honour"}
	}
	return nil
}

// firstToken returns the leading RFC 2045 token of v in lower case ("Private (x)" → "private").
func firstToken(v string) string {
	i := strings.IndexFunc(v, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?=", r)
	})
	if i >= 0 {
		v = v[:i]
	}
	return strings.ToLower(v)
}

// lettersLower returns the ASCII letters of v in lower case ("Accepted (text only)" →
// "acceptedtextonly"), so that a token matches whatever its spacing and punctuation.
func lettersLower(v string) string {
	var b strings.Builder
	for i := 0; i < len(v) && b.Len() < 32; i++ {
		if c := v[i]; lex.IsAlpha(c) {
			b.WriteByte(lex.TokenLowerByte(c))
		}
	}
	return b.String()
}

// prevValue reads an X-Mms-Previously-sent-* value: "index, value" or a plain value, which takes
// its position among the fields of that name as its index.
func prevValue(v string, pos int) prevEntry {
	i := 0
	for i < len(v) && i < 6 && lex.IsDigit(v[i]) {
		i++
	}
	if i > 0 {
		rest := lex.TrimFieldValue(v[i:])
		if strings.HasPrefix(rest, ",") {
			n, _ := strconv.Atoi(v[:i])
			return prevEntry{index: n, value: lex.TrimFieldValue(rest[1:])}
		}
	}
	return prevEntry{index: pos, value: v}
}

// resending is what the X-Mms-Previously-sent-* entries of an MM give.
type resending struct {
	from, date string // entry 0: the original author and date, "" when it has none
	blocks     []resentBlock
}

type resentBlock struct{ from, date string }

// previouslySent reads the MM's previously-sent entries (unparseable ones ignored). It returns nil
// when none is usable.
func (v MailView) previouslySent(mm *mmView, hide bool, w *mailWriter) *resending {
	if len(mm.sentBy) == 0 && len(mm.sentDate) == 0 {
		return nil
	}
	by := map[int]string{}
	for _, e := range mm.sentBy {
		if _, dup := by[e.index]; dup {
			continue
		}
		a, err := mmsmap.ParseAddress(e.value)
		if err != nil {
			continue
		}
		box := v.mailbox(a)
		if hide && w.mentionsSender(box) {
			box = w.anonymous()
		}
		by[e.index] = box
	}
	dates := map[int]string{}
	for _, e := range mm.sentDate {
		if _, dup := dates[e.index]; dup {
			continue
		}
		if t, err := lex.ParseDate(e.value); err == nil {
			dates[e.index] = t.Format(time.RFC1123Z)
		}
	}
	r := &resending{from: by[0], date: dates[0]}
	var idx []int
	for i := range by {
		if _, ok := dates[i]; ok && i > 0 {
			idx = append(idx, i)
		}
	}
	slices.Sort(idx)
	slices.Reverse(idx)
	for _, i := range idx {
		r.blocks = append(r.blocks, resentBlock{from: by[i], date: dates[i]})
	}
	if r.from == "" && r.date == "" && len(r.blocks) == 0 {
		return nil
	}
	return r
}

// receivedValue is the value of the Received field ToInternetMail adds.
func (v MailView) receivedValue(t time.Time) string {
	var parts []string
	for _, p := range []struct{ word, value string }{
		{"from", v.ReceivedFrom}, {"by", v.ReceivedBy}, {"with", "MMS"}, {"id", v.ReceivedID},
	} {
		if val := receivedToken(p.value); val != "" {
			parts = append(parts, p.word+" "+val)
		}
	}
	return strings.Join(parts, " ") + "; " + t.Format(time.RFC1123Z)
}

// receivedToken keeps the printable ASCII of a Received clause but ";" (which ends the clauses)
// and blanks, so that one clause stays one token.
func receivedToken(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r > '~' || r == ';' {
			return -1
		}
		return r
	}, s)
}

// newMessageID makes a unique msg-id at domain (RFC 5322 §3.6.4).
func newMessageID(domain string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	if domain == "" {
		domain = "localhost"
	}
	return "<" + strconv.FormatInt(time.Now().UnixNano(), 36) + "." + hex.EncodeToString(b[:]) + "@" + domain + ">"
}

// encodeSubject writes an 8-bit Subject as RFC 2047 encoded-words: UTF-8 text (its encoded-words
// decoded first, so that they are not encoded twice) as charset utf-8, other octets as
// unknown-8bit.
func encodeSubject(v string) string {
	if utf8.ValidString(v) {
		v = decodeWords(v)
	}
	if lex.SevenBitOctets([]byte(v)) && !strings.Contains(v, "=?") {
		return v
	}
	return lex.EncodeWords(v)
}

// decodeWords returns v with its encoded-words decoded, or v when they do not decode to UTF-8.
func decodeWords(v string) string {
	if d, err := subjectDecoder.DecodeHeader(v); err == nil && utf8.ValidString(d) {
		return d
	}
	return v
}

// subjectDecoder decodes the encoded-words of a Subject (UTF-8, ISO-8859-1 and US-ASCII; words in
// other charsets are kept as written).
var subjectDecoder = new(mime.WordDecoder)

// mergedList rewrites the values of repeated To, Cc or Reply-To fields into one value. A value
// that lists nobody (an empty group such as "undisclosed-recipients:;") adds nothing.
func (v MailView) mergedList(values []string) string {
	parts := make([]string, 0, len(values))
	for _, val := range values {
		if addrs, err := mmsmap.ParseAddressList(val); err == nil && len(addrs) == 0 {
			continue
		}
		if l := v.mailboxList(val); strings.TrimSpace(l) != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, ", ")
}

// mailboxList rewrites one address-list value. Addresses that do not parse
// are kept as written, so nothing the sender wrote is lost.
func (v MailView) mailboxList(val string) string {
	addrs, err := mmsmap.ParseAddressList(val)
	if err != nil || len(addrs) == 0 {
		return sanitizeValue(val)
	}
	parts := make([]string, 0, len(addrs))
	for _, a := range addrs {
		parts = append(parts, v.mailbox(a))
	}
	return strings.Join(parts, ", ")
}

// mailbox renders one address as an RFC 5322 mailbox: "<addr>", or the
// display name, quoted or (when it is not ASCII or holds "=?") as encoded-words,
// and "<addr>". (Not mail.Address.String: it quotes the quoted local part of
// a.String() again, and leaves a '\' in a Q encoded-word of a display name, where
// RFC 2047 §5(3) allows none and net/mail cannot read it.)
func (v MailView) mailbox(a mmsmap.Address) string {
	name, addr := a.DisplayName, ""
	switch {
	case a.IsNumber():
		if n, err := v.Plan.NormalizeAddress(a); err == nil {
			a = n
		}
		addr = a.Format(mmsmap.FormE164, v.Domain)
	case a.Type == mmsmap.TypeEmail:
		addr = a.String()
	default:
		// IPv4/IPv6/other device addresses have no mailbox form; keep
		// the device address, qualified, as the display name.
		name = a.DeviceAddress()
		addr = "postmaster@" + v.Domain
	}
	switch {
	case name == "":
		return "<" + addr + ">"
	case !strings.ContainsFunc(name, func(r rune) bool { return (r < ' ' || r > '~') && r != '\t' }) &&
		!strings.Contains(name, "=?"):
		return lex.QuoteString(name) + " <" + addr + ">" // as mail.Address.String writes it
	}
	return lex.FormatMailbox(name, addr) // B encoded-words
}

// msgIDFromMMS makes an RFC 5322 msg-id from an X-Mms-Message-ID.
func msgIDFromMMS(id, domain string) string {
	id = strings.Map(func(r rune) rune {
		if r <= ' ' || r > '~' || strings.ContainsRune("<>()[]\\,;:\"", r) {
			return -1
		}
		return r
	}, id)
	if id == "" {
		id = "mms"
	}
	if !strings.Contains(id, "@") {
		id += "@" + domain
	}
	return "<" + id + ">"
}

// hasControlOctets reports whether a raw header field holds a control octet
// other than HTAB and the line ends of its lines and folds (CRLF, or LF as
// some peers write them): NUL, a bare CR, ESC, DEL and the like (RFC 5322
// §2.2 allows none of them).
func hasControlOctets(raw []byte) bool {
	for i, c := range raw {
		switch {
		case c == '\r':
			if i+1 == len(raw) || raw[i+1] != '\n' {
				return true
			}
		case c < ' ' && c != '\t' && c != '\n', c == 0x7f:
			return true
		}
	}
	return false
}

// sanitizeValue drops control characters from a header value (a folded
// value arrives unfolded from Fields().Value()). It works on octets, so that
// text that is not UTF-8 stays as it was (strings.Map would turn it into
// U+FFFD).
func sanitizeValue(s string) string {
	keep := func(c byte) bool { return c >= ' ' && c != 0x7f || c == '\t' }
	i := 0
	for i < len(s) && keep(s[i]) {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s[:i])
	for ; i < len(s); i++ {
		if keep(s[i]) {
			b = append(b, s[i])
		}
	}
	return string(b)
}
