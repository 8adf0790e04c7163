// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"mime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// An Internet mail message becomes an MM4_forward.REQ (3GPP TS 23.140 §8.4.1) by the mapping of
// RFC 4356 §2.1.3.3 "Internet mail to MMS" (its Table 1 lists the information elements), sent with
// the SMTP envelope of TS 23.140 §8.4.5. The body is made 7-bit clean separately, by
// sevenbit.Body: TS 23.140 §8.4.5 does not promise 8BITMIME on MM4.

// MaxForwardRecipients bounds the envelope recipients of one MM4_forward.REQ. RFC 5321 §4.5.3.1.8
// asks servers to take at least 100 RCPT commands; carriers cap group MMS near 10 recipients.
const MaxForwardRecipients = 1000

// ForwardOptions says how an Internet mail message becomes an MM4_forward.REQ to one peer.
type ForwardOptions struct {
	Version          string            // X-Mms-3GPP-MMS-Version, e.g. "6.10.0"
	TransactionID    string            // unique per REQ (caller generates)
	MessageID        string            // X-Mms-Message-ID (caller generates; reports refer to it)
	AckRequest       bool              // X-Mms-Ack-Request: Yes, asking for an MM4_forward.RES
	OriginatorSystem string            // our system address, where the peer sends RES and reports
	Sender           mmsmap.Address    // the sender's MMS address (number or short code, normalised)
	SenderDomain     string            // our MMS domain, for From/Sender/MAIL FROM
	Recipients       []mmsmap.Address  // envelope recipients this REQ goes to (normalised numbers)
	Form             mmsmap.Form       // how numbers are written to this peer
	PeerDomain       string            // the peer's MMS domain for recipients
	Plan             mmsmap.NumberPlan // to normalise numbers found in To/Cc
	DeliveryReport   bool              // requested via DSN NOTIFY=SUCCESS, or an admin setting (the SMTP layer knows it)
	Now              time.Time         // Date when the mail has none, and the time X-Mms-Expiry counts from; time.Now() when zero

	// ClientFields: the sender may set X-Mms-Delivery-Report, X-Mms-Read-Reply (or X-Mms-Read-Report),
	// X-Mms-Expiry, X-Mms-Priority and X-Mms-Message-Class in its mail; they are read (leniently as
	// mm4.Parse reads them; a bad value is an error naming the field) and written into the REQ. When false
	// every X-Mms-* field of the mail is dropped, as today.
	ClientFields bool
	ReadReply    bool          // ask for a read reply whatever the mail says (admin setting)
	DeliverBy    time.Duration // RFC 2852 DELIVER-BY with by-mode R (0: none) → X-Mms-Expiry (relative seconds)
	Auto         bool          // MAIL FROM was <>: X-Mms-Message-Class: Auto (else Personal when no class was set)
}

// ForwardRequest is the result: the REQ header and its SMTP envelope.
type ForwardRequest struct {
	Header         textproto.Header
	MailFrom       string   // sender's MMS address in Form at SenderDomain (3GPP TS 23.140 §8.4.5)
	RcptTo         []string // Recipients in Form at PeerDomain
	DeliveryReport bool     // the REQ asks for a delivery report (X-Mms-Delivery-Report: Yes)
	ReadReply      bool     // the REQ asks for a read reply (X-Mms-Read-Reply: Yes)
}

// The RFC 5322 fields NewForwardRequest reads and rewrites.
const (
	hdrFrom            = "From"
	hdrTo              = "To"
	hdrCc              = "Cc"
	hdrSubject         = "Subject"
	hdrDate            = "Date"
	hdrRFC822MessageID = "Message-ID"
)

// forwardAction is what NewForwardRequest does with one field of the Internet mail.
type forwardAction int

const (
	fieldDrop    forwardAction = iota // not written (the default for every field not in the table)
	fieldKeep                         // copied as received, after MIME-Version, in received order
	fieldRewrite                      // read, and written anew in the REQ (addresses, Subject, Date, …)
	fieldMap                          // read, mapped to an X-Mms-* field, not written itself
	fieldRefuse                       // its presence (with certain values) refuses the message
	fieldTrace                        // Received: copied as received, at the top, and counted (mail loops)
	fieldResent                       // Resent-*: read as resending history (X-Mms-Previously-sent-*)
	fieldClient                       // an X-Mms-* field the sender may set: read when o.ClientFields
)

// forwardFields is the allow-list of NewForwardRequest: the fate of every field of the Internet mail,
// after RFC 4356 Table 1 and §2.1.3.3. Names match ignoring ASCII case; a field
// that is not listed, and matches no prefix in forwardPrefixes, is dropped.
var forwardFields = map[string]forwardAction{
	// RFC 4356 Table 1, rewritten: the sender is the authenticated one, numbers go in the peer's form.
	"from":         fieldRewrite, // address replaced by o.Sender; the display name is kept
	"sender":       fieldRewrite, // replaced by o.Sender
	"to":           fieldRewrite, // numbers in o.Form at o.PeerDomain, e-mail addresses kept
	"cc":           fieldRewrite, // likewise
	"subject":      fieldRewrite, // kept; RFC 2047 encoded when it holds 8-bit text or cannot be folded
	"date":         fieldRewrite, // kept (as an RFC 5322 date-time), or o.Now
	"message-id":   fieldRewrite, // kept, or made from o.MessageID
	"mime-version": fieldRewrite, // always 1.0

	// RFC 4356 Table 1, mapped to X-Mms-* fields and then dropped.
	"importance":                  fieldMap, // → X-Mms-Priority
	"x-priority":                  fieldMap, // → X-Mms-Priority (when there is no Importance)
	"disposition-notification-to": fieldMap, // → X-Mms-Read-Reply: Yes (RFC 3798)

	// RFC 4356 §2.1.3.3: a personal or private message must not be sent into MMS (5.6.0).
	"sensitivity": fieldRefuse,

	// RFC 4356 §2.1.3.3: the hop trace is kept, and bounds mail loops (maxForwardReceived).
	"received": fieldTrace,

	// The MM4 fields a sender may set itself when o.ClientFields (TS 23.140 §8.4.1); any other X-Mms-*
	// field is dropped (forwardPrefixes).
	"x-mms-delivery-report": fieldClient,
	"x-mms-read-reply":      fieldClient,
	"x-mms-read-report":     fieldClient, // the MM1 name of X-Mms-Read-Reply (OMA-MMS-ENC)
	"x-mms-expiry":          fieldClient,
	"x-mms-priority":        fieldClient,
	"x-mms-message-class":   fieldClient,

	// Kept: threading, so that the recipient's replies can refer to the message.
	"in-reply-to": fieldKeep,
	"references":  fieldKeep,

	// Dropped, named for the reader (any other field is dropped too):
	"bcc":            fieldDrop, // RFC 4356 §2.1.3.3: Bcc recipients never appear in a header
	"return-path":    fieldDrop, // set by the final delivery agent only (RFC 5321 §4.4)
	"dkim-signature": fieldDrop, // would no longer verify: the header and body are rewritten
	"reply-to":       fieldDrop, // MMS has no Reply-To; replies go to From
	"content-length": fieldDrop, // not MIME, and wrong once the body is re-encoded
	"privacy":        fieldDrop, // VPIM (RFC 3801 §4.2.9): not supported by RFC 4356 §2.1.3.3
}

// forwardPrefixes complete forwardFields for families of fields.
var forwardPrefixes = []struct {
	prefix string // lower case
	action forwardAction
}{
	{"x-mms-", fieldDrop},    // never trust a client's other MM4 fields; the REQ's own are written from o
	{"content-", fieldKeep},  // the MIME fields of RFC 2045 §9 and the like: they describe the body
	{"resent-", fieldResent}, // → X-Mms-Previously-sent-*, X-Mms-Forward-Counter; never written themselves
}

// forwardActionOf returns what NewForwardRequest does with the field name.
func forwardActionOf(name string) forwardAction {
	if len(name) > lex.MaxFieldNameLength {
		return fieldDrop
	}
	lower := strings.ToLower(name)
	if a, ok := forwardFields[lower]; ok {
		return a
	}
	for _, p := range forwardPrefixes {
		if strings.HasPrefix(lower, p.prefix) {
			return p.action
		}
	}
	return fieldDrop
}

// importanceValues maps Importance (RFC 2156 §5.3.4) to X-Mms-Priority (RFC 4356 §2.1.3.3); normal
// maps to no X-Mms-Priority at all ("").
var importanceValues = map[string]string{"high": "High", "normal": "", "low": "Low"}

// xPriorityValues maps the first digit of the de-facto X-Priority field ("1 (Highest)" … "5 (Lowest)")
// to X-Mms-Priority (RFC 4356 §2.1.3.3): 3 is normal, written as no X-Mms-Priority. Importance wins
// when both are present.
var xPriorityValues = map[byte]string{'1': "High", '2': "High", '3': "", '4': "Low", '5': "Low"}

// maxForwardReceived is the most Received fields a mail may carry into MMS: more is taken for a mail
// loop and refused (RFC 4356 §2.1.3.3, with the limit of §2.1.3.2, at least 100).
const maxForwardReceived = 100

// maxResentBlocks bounds the Resent-* blocks (resendings) whose history is written as
// X-Mms-Previously-sent-* entries; older ones are counted in X-Mms-Forward-Counter only.
const maxResentBlocks = 20

// keepReceived and writeDefaultClass are false until FuzzNewForwardRequest (fuzz_test.go) accepts
// Received and X-Mms-Message-Class in a REQ: with them false, the Received fields are counted (the
// mail-loop refusal stands) but not written, and X-Mms-Message-Class is written only for Auto or a
// class the sender set. Setting both to true gives what NewForwardRequest documents (RFC 4356
// §2.1.3.3: the hop trace kept; Table 1: class Personal by default); the tests follow them.
const (
	keepReceived      = true
	writeDefaultClass = true
)

// The Refusals of NewForwardRequest (RFC 4356 §2.1.3.3).
const ruleFromMail = "RFC 4356 §2.1.3.3"

// undisclosedRecipients is the empty group RFC 4356 uses when no recipient may be disclosed.
const undisclosedRecipients = "undisclosed-recipients:;"

// NewForwardRequest maps the header of an Internet mail message to the header of an MM4_forward.REQ
// to one peer and its SMTP envelope (3GPP TS 23.140 §8.4.1, §8.4.5; RFC 4356 §2.1.3.3). The body is not
// touched: pass the result's Header to sevenbit.Body with the body to make both 7-bit clean
// (TS 23.140 §8.4.5 does not promise 8BITMIME).
//
// The header is built as a Message and written by [mm4.Message.Header], so it has the exact
// TS 23.140 spellings and order. It begins with the Received fields of the mail, as received and in
// order (the hop trace, RFC 4356 §2.1.3.3), then X-Mms-3GPP-MMS-Version, X-Mms-Message-Type,
// X-Mms-Transaction-ID, X-Mms-Message-ID, X-Mms-Message-Class, then X-Mms-Expiry,
// X-Mms-Delivery-Report, X-Mms-Priority, X-Mms-Read-Reply, X-Mms-Ack-Request,
// X-Mms-Originator-System and X-Mms-Forward-Counter as set, then the X-Mms-Previously-sent-by and
// X-Mms-Previously-sent-date-and-time entries of a resent mail, then Sender, From, To, Cc, Subject,
// Date, Message-ID and MIME-Version: 1.0. The fields forwardFields keeps (Content-*, In-Reply-To,
// References) follow as received. Everything else is dropped: Bcc, Resent-*, Return-Path,
// DKIM-Signature, Reply-To, Privacy, any X-Mms-* field of the mail (but those o.ClientFields lets
// the sender set, which are read) and any field not in the table. Every line of the header is at
// most 998 octets (RFC 5322 §2.1.1): a kept field with a longer line is folded again at its spaces.
// (While keepReceived and writeDefaultClass are false, the Received fields are not written and
// X-Mms-Message-Class is not written as Personal: see there.)
//
//   - From is o.Sender in o.Form at o.SenderDomain with the mail's display name; Sender is the same
//     address alone; MailFrom is that address too (TS 23.140 §8.4.5).
//   - To and Cc keep their addresses and display names (groups are flattened): numbers are
//     normalised by o.Plan when it can and written in o.Form at o.PeerDomain, whether or not this REQ
//     serves them; e-mail addresses are kept. When neither names anybody, To is the only envelope
//     recipient, or "undisclosed-recipients:;" when there are several (RFC 4356 §2.1.3.3: envelope-only
//     recipients are Bcc).
//   - RcptTo is o.Recipients, duplicates removed, in o.Form at o.PeerDomain.
//   - X-Mms-Priority: Importance high/low, else X-Priority 1–2/4–5, gives High/Low; Importance normal
//     or X-Priority 3 gives none (RFC 4356 §2.1.3.3), and Importance wins over X-Priority even when
//     normal. A sender's own X-Mms-Priority (o.ClientFields) wins over both.
//   - X-Mms-Read-Reply: Yes when the mail has Disposition-Notification-To (RFC 3798), when
//     o.ReadReply, or when the sender set X-Mms-Read-Reply (or X-Mms-Read-Report): Yes
//     (o.ClientFields). X-Mms-Delivery-Report: Yes when o.DeliveryReport (DSN NOTIFY=SUCCESS, or an
//     admin setting) or the sender set X-Mms-Delivery-Report: Yes (o.ClientFields); a sender's No
//     does not cancel o.DeliveryReport. The result's DeliveryReport and ReadReply say what the REQ
//     asks for.
//   - X-Mms-Expiry: o.DeliverBy in seconds (RFC 2852 DELIVER-BY, by-mode R); else the sender's
//     X-Mms-Expiry (o.ClientFields), relative or absolute as written; with both, the earlier one.
//   - X-Mms-Message-Class: Auto when o.Auto (MAIL FROM <>), else the sender's class (o.ClientFields:
//     Personal, Advertisement, Informational or Auto), else Personal (RFC 4356 Table 1).
//   - Resent-* blocks (RFC 5322 §3.6.6; a block ends at a field that is not Resent-* or at a
//     Resent-* name the block already has) make the history of a resent mail (RFC 4356 §2.1.3.3,
//     TS 23.140 §8.4.1): X-Mms-Forward-Counter is the number of blocks; entry 0 of
//     X-Mms-Previously-sent-by and X-Mms-Previously-sent-date-and-time ("0, address", "0, HTTP-date")
//     is the mail's own From and Date, entry k the k-th resending counted from the oldest (bottom-most)
//     block, from its Resent-From (else Resent-Sender) and Resent-Date. The latest resending, the
//     top-most block, is the REQ itself: its Resent-Date becomes Date and its Resent-Message-ID
//     Message-ID (else one is made from o.MessageID), while From stays o.Sender. Numbers are
//     normalised by o.Plan and written in o.Form at o.SenderDomain, e-mail addresses kept. At most
//     maxResentBlocks (20) blocks are read, the latest; older ones are only counted.
//   - Subject is kept as received; one holding 8-bit text is RFC 2047 encoded (encoded-words in it
//     are decoded first, so they are not encoded twice), and so is one with a run of text too long to
//     fold within 998 octets. Date is kept, or o.Now. Message-ID is kept when it is a well-formed
//     msg-id, else made from o.MessageID at o.SenderDomain.
//
// A *Refusal is returned for a message RFC 4356 §2.1.3.3 keeps out of MMS: a Sensitivity of personal
// or private, or more than maxForwardReceived (100) Received fields (a mail loop). Other errors are
// *mm4.FieldError; Field names the REQ field or SMTP command (MAIL FROM, RCPT TO) concerned:
// a missing Version, TransactionID or MessageID; an option holding CR, LF, NUL, other control or
// non-ASCII octets, or longer than 4096 bytes; AckRequest without OriginatorSystem (the peer would
// not know where to send the RES); an invalid or unnormalised sender or recipient, a bad domain or
// Form; no recipients, or more than MaxForwardRecipients; a To or Cc that does not parse, that lists
// more than MaxListLength addresses, or a mailbox too long for one line (as is a From display name of
// nearly 1000 octets without spaces); a bad value in a field the
// sender may set (o.ClientFields); a Content-* field that cannot be folded within 998 octets; and
// whatever [Message.Header] refuses, notably a Subject or a rewritten To or Cc over its length
// limit (4096 bytes; 64 KiB).
func NewForwardRequest(mail textproto.Header, o ForwardOptions) (*ForwardRequest, error) {
	env, err := o.envelope()
	if err != nil {
		return nil, err
	}
	if n := mail.FieldsByKey("Received").Len(); n > maxForwardReceived {
		return nil, &Refusal{Field: "Received", Rule: ruleFromMail, Reason: "Mail loop: " + strconv.Itoa(n) + " Received fields"}
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	m := &mm4.Message{
		Type:             mm4.ForwardReq,
		Version:          o.Version,
		TransactionID:    o.TransactionID,
		MessageID:        o.MessageID,
		AckRequest:       o.AckRequest,
		OriginatorSystem: o.OriginatorSystem,
		DeliveryReport:   o.DeliveryReport,
		ReadReply:        o.ReadReply,
		Sender:           env.MailFrom,
	}
	var (
		kept, trace           [][]byte
		toList, ccList        []string
		from                  mmsmap.Address
		fromSeen, subjSeen    bool
		dateSeen, msgIDSeen   bool
		importance, xPriority string
		client                fwdClientFields
		resent                fwdResentHistory
	)
	for f := mail.Fields(); f.Next(); {
		key := f.Key()
		action := forwardActionOf(key)
		if action != fieldResent {
			resent.endBlock()
		}
		switch action {
		case fieldKeep:
			raw, err := f.Raw()
			if err != nil {
				continue
			}
			content := strings.HasPrefix(strings.ToLower(key), "content-")
			if !content && !printableASCII(string(raw)) {
				continue // a threading field must be ASCII msg-ids
			}
			raw, fits := fwdFitLines(raw, f.Value())
			switch {
			case fits:
				kept = append(kept, raw)
			case content:
				return nil, &mm4.FieldError{Field: key, Value: f.Value(), Reason: fwdReasonLongLine}
			}
		case fieldTrace:
			raw, err := f.Raw()
			if err != nil || !printableASCII(string(raw)) {
				continue // an 8-bit trace field (SMTPUTF8) cannot travel in a 7-bit REQ
			}
			if raw, fits := fwdFitLines(raw, f.Value()); fits && keepReceived {
				trace = append(trace, raw)
			}
		case fieldResent:
			resent.add(key, f.Value())
		case fieldClient:
			if o.ClientFields {
				client.add(key, f.Value())
			}
		case fieldRefuse:
			if v := lex.TrimFieldValue(f.Value()); sensitivityRefused(v) {
				return nil, &Refusal{Field: "Sensitivity", Rule: ruleFromMail,
					Reason: "Personal or private mail (Sensitivity) must not be sent as MMS"}
			}
		case fieldMap:
			v := lex.TrimFieldValue(f.Value())
			switch {
			case lex.TokenEqualFold(key, "Importance") && importance == "":
				importance = v
			case lex.TokenEqualFold(key, "X-Priority") && xPriority == "":
				xPriority = v
			case lex.TokenEqualFold(key, "Disposition-Notification-To") && v != "":
				m.ReadReply = true
			}
		case fieldRewrite:
			v := lex.TrimFieldValue(f.Value())
			switch {
			case lex.TokenEqualFold(key, hdrFrom) && !fromSeen:
				fromSeen = true
				from, _ = fwdFirstAddress(v)
			case lex.TokenEqualFold(key, hdrTo):
				if toList, err = o.rewriteList(hdrTo, v, toList); err != nil {
					return nil, err
				}
			case lex.TokenEqualFold(key, hdrCc):
				if ccList, err = o.rewriteList(hdrCc, v, ccList); err != nil {
					return nil, err
				}
			case lex.TokenEqualFold(key, hdrSubject) && !subjSeen && v != "":
				subjSeen = true
				if m.Subject, err = forwardSubject(v); err != nil {
					return nil, err
				}
			case lex.TokenEqualFold(key, hdrDate) && !dateSeen:
				if len(v) <= lex.MaxValueLength {
					if d, err := lex.ParseDate(v); err == nil {
						m.Date, dateSeen = d, true
					}
				}
			case lex.TokenEqualFold(key, hdrRFC822MessageID) && !msgIDSeen:
				if isMsgID(v) {
					m.RFC822MessageID, msgIDSeen = v, true
				}
			}
		}
	}

	cf, err := client.read()
	if err != nil {
		return nil, err
	}
	m.DeliveryReport = m.DeliveryReport || cf.DeliveryReport
	m.ReadReply = m.ReadReply || cf.ReadReply
	m.Priority = mapPriority(importance, xPriority)
	if cf.Priority != "" {
		m.Priority = cf.Priority
	}
	switch {
	case o.Auto:
		m.MessageClass = fwdClassAuto
	case cf.MessageClass != "":
		m.MessageClass = cf.MessageClass
	case writeDefaultClass:
		m.MessageClass = fwdClassPersonal
	}
	m.Expiry = fwdExpiry(o.DeliverBy, cf.Expiry, now)

	var fits bool
	if m.From, fits = fwdFitMailbox(from.DisplayName, env.MailFrom); !fits {
		return nil, &mm4.FieldError{Field: hdrFrom, Value: from.DisplayName, Reason: "display name " + fwdReasonLongLine}
	}
	switch {
	case len(toList) > 0 || len(ccList) > 0:
		m.To, m.Cc = joinList(toList), joinList(ccList)
	case len(env.RcptTo) == 1:
		m.To = []string{env.RcptTo[0]}
	default:
		m.To = []string{undisclosedRecipients}
	}
	var history []string
	if resent.count > 0 {
		// The latest resending is this REQ (RFC 4356 §2.1.3.3); the mail's own Date and the earlier
		// resendings are its history.
		history = o.previouslySent(&resent, from, fromSeen, m.Date)
		m.ForwardCounter = resent.count
		top := resent.blocks[0]
		m.Date, dateSeen = top.date, !top.date.IsZero()
		m.RFC822MessageID, msgIDSeen = top.msgID, top.msgID != ""
	}
	if !dateSeen {
		m.Date = now
	}
	if !msgIDSeen {
		m.RFC822MessageID = msgIDFromMMS(o.MessageID, strings.ToLower(o.SenderDomain))
	}

	h, err := m.Header()
	if err != nil {
		return nil, err
	}
	if !mail.Has("Content-Type") {
		// Content-Type is mandatory in the REQ (TS 23.140 §8.4.1); RFC 2045 §5.2
		// gives the default a mail without one has.
		kept = append(kept, []byte("Content-Type: text/plain; charset=us-ascii\r\n"))
	}
	if env.Header, err = assembleREQ(trace, h, history, kept); err != nil {
		return nil, err
	}
	env.DeliveryReport, env.ReadReply = m.DeliveryReport, m.ReadReply
	return env, nil
}

// envelope checks o and returns the envelope of the REQ (TS 23.140 §8.4.5).
func (o *ForwardOptions) envelope() (*ForwardRequest, error) {
	for _, opt := range []struct {
		field, value string
		mandatory    bool
	}{
		{mm4.HdrVersion, o.Version, true},
		{mm4.HdrTransactionID, o.TransactionID, true},
		{mm4.HdrMessageID, o.MessageID, true},
		{mm4.HdrOriginatorSystem, o.OriginatorSystem, false},
	} {
		if err := checkOption(opt.field, opt.value, opt.mandatory); err != nil {
			return nil, err
		}
	}
	if o.AckRequest && o.OriginatorSystem == "" {
		return nil, &mm4.FieldError{Field: mm4.HdrOriginatorSystem,
			Reason: lex.ReasonMissing + " (X-Mms-Ack-Request is Yes: the RES goes there)"}
	}
	if o.OriginatorSystem != "" {
		if a, err := mmsmap.ParseAddress(o.OriginatorSystem); err != nil || a.Domain == "" {
			return nil, &mm4.FieldError{Field: mm4.HdrOriginatorSystem, Value: o.OriginatorSystem,
				Reason: "not a mailbox with a domain"}
		}
	}
	if !validForm(o.Form) {
		return nil, &mm4.FieldError{Field: "RCPT TO", Value: o.Form.String(), Reason: "unknown number form"}
	}
	senderDomain, reason := checkOptionDomain(o.SenderDomain)
	if reason != "" {
		return nil, &mm4.FieldError{Field: "MAIL FROM", Value: o.SenderDomain, Reason: "SenderDomain: " + reason}
	}
	peerDomain, reason := checkOptionDomain(o.PeerDomain)
	if reason != "" {
		return nil, &mm4.FieldError{Field: "RCPT TO", Value: o.PeerDomain, Reason: "PeerDomain: " + reason}
	}

	env := &ForwardRequest{}
	var err error
	if env.MailFrom, err = envelopeAddress(o.Sender, o.Form, senderDomain); err != nil {
		return nil, &mm4.FieldError{Field: "MAIL FROM", Value: o.Sender.Value, Reason: "sender: " + err.Error()}
	}
	switch {
	case len(o.Recipients) == 0:
		return nil, &mm4.FieldError{Field: "RCPT TO", Reason: "no recipients"}
	case len(o.Recipients) > MaxForwardRecipients:
		return nil, &mm4.FieldError{Field: "RCPT TO", Value: strconv.Itoa(len(o.Recipients)),
			Reason: "more than " + strconv.Itoa(MaxForwardRecipients) + " recipients"}
	}
	seen := make(map[string]bool, len(o.Recipients))
	for _, r := range o.Recipients {
		rcpt, err := envelopeAddress(r, o.Form, peerDomain)
		if err != nil {
			return nil, &mm4.FieldError{Field: "RCPT TO", Value: r.Value, Reason: "recipient: " + err.Error()}
		}
		if key := strings.ToLower(rcpt); !seen[key] {
			seen[key] = true
			env.RcptTo = append(env.RcptTo, rcpt)
		}
	}
	return env, nil
}

// checkOption checks an option that becomes a header value: printable ASCII only (no CR, LF, NUL or
// other control octet, which could inject header fields), at most lex.MaxValueLength bytes.
func checkOption(field, v string, mandatory bool) error {
	switch {
	case v == "" && mandatory:
		return &mm4.FieldError{Field: field, Reason: lex.ReasonMissing}
	case len(v) > lex.MaxValueLength:
		return &mm4.FieldError{Field: field, Value: v, Reason: lex.ReasonTooLong(lex.MaxValueLength)}
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' || c > '~' {
			return &mm4.FieldError{Field: field, Value: v, Reason: "octet " + lex.DescribeByte(c) + " (only printable ASCII)"}
		}
	}
	if strings.Trim(v, " ") != v {
		return &mm4.FieldError{Field: field, Value: v, Reason: "leading or trailing space"}
	}
	return nil
}

// validForm reports whether f is one of the Forms mmsmap defines.
func validForm(f mmsmap.Form) bool {
	g, err := mmsmap.ParseForm(f.String())
	return err == nil && g == f
}

// checkOptionDomain checks an MMS domain option and returns it in lower case.
func checkOptionDomain(d string) (string, string) {
	if d == "" {
		return "", "missing"
	}
	return lex.ParseDomain(d)
}

// envelopeAddress writes a device address in form f at domain and checks that the result is an MMS
// address that reads back (so that no CR, LF or other octet can reach the SMTP envelope). A number
// must be normalised (+E164); e-mail addresses are refused: MM4 carries MMS addresses (OMA-MMS-ENC §8).
func envelopeAddress(a mmsmap.Address, f mmsmap.Form, domain string) (string, error) {
	switch a.Type {
	case mmsmap.TypeEmail:
		return "", addressError(a.String(), "an e-mail address, not an MMS device address")
	case mmsmap.TypePLMN:
		digits, plus := strings.CutPrefix(a.Value, "+")
		if !plus {
			return "", addressError(a.Value, "number not normalised to +E164")
		}
		if reason := lex.CheckE164(digits); reason != "" {
			return "", addressError(a.Value, reason)
		}
	case mmsmap.TypeShortCode, mmsmap.TypeIPv4, mmsmap.TypeIPv6, mmsmap.TypeOther:
	default:
		return "", addressError(a.Value, "unknown address type")
	}
	s := a.Format(f, domain)
	if _, err := mmsmap.ParseAddress(s); err != nil {
		return "", err
	}
	return s, nil
}

// rewriteList parses one To or Cc value of the mail and appends its addresses, rewritten for the
// peer, to list (see NewForwardRequest). Every value of the field counts toward MaxListLength.
func (o *ForwardOptions) rewriteList(field, v string, list []string) ([]string, error) {
	if len(v) > lex.MaxListValueLength*4 {
		return nil, &mm4.FieldError{Field: field, Value: v, Reason: lex.ReasonTooLong(lex.MaxListValueLength * 4)}
	}
	addrs, err := mmsmap.ParseAddressList(v)
	if err != nil {
		return nil, &mm4.FieldError{Field: field, Value: v, Reason: err.Error()}
	}
	if len(list)+len(addrs) > mmsmap.MaxListLength {
		return nil, &mm4.FieldError{Field: field, Reason: "more than " + strconv.Itoa(mmsmap.MaxListLength) + " addresses"}
	}
	for _, a := range addrs {
		mb, fits := fwdFitMailbox(a.DisplayName, o.peerAddress(a))
		if !fits {
			return nil, &mm4.FieldError{Field: field, Value: a.String(), Reason: "address " + fwdReasonLongLine}
		}
		list = append(list, mb)
	}
	return list, nil
}

// peerAddress writes one address of To or Cc for the peer: numbers normalised (when the plan can)
// and, like the other device addresses, in o.Form at o.PeerDomain; e-mail addresses as they are.
func (o *ForwardOptions) peerAddress(a mmsmap.Address) string {
	switch {
	case a.Type == mmsmap.TypeEmail:
		return a.String()
	case a.IsNumber():
		if n, err := o.Plan.NormalizeAddress(a); err == nil {
			a = n
		}
	}
	return a.Format(o.Form, strings.ToLower(o.PeerDomain))
}

// addressError is the *mmsmap.AddressError for a refused envelope address.
func addressError(input, reason string) *mmsmap.AddressError {
	return &mmsmap.AddressError{Input: input, Reason: reason}
}

// joinList writes a list of mailboxes as one field value, or none.
func joinList(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	return []string{strings.Join(list, ", ")}
}

// mapPriority maps Importance, else X-Priority, to X-Mms-Priority (RFC 4356 §2.1.3.3); "" when
// the one that counts is normal, or neither gives a known value.
func mapPriority(importance, xPriority string) string {
	if p, ok := importanceValues[strings.ToLower(importance)]; ok {
		return p // normal, too, wins over X-Priority
	}
	if xPriority != "" {
		if p, ok := xPriorityValues[xPriority[0]]; ok && (len(xPriority) == 1 || !lex.IsDigit(xPriority[1])) {
			return p
		}
	}
	return ""
}

// forwardSubject returns the Subject to send: as received when it is ASCII (encoded-words untouched)
// and folds within 998 octets, as encoded-words when it does not fold (its own encoded-words
// decoded first); otherwise with its encoded-words decoded, so that [Message.Header] encodes the whole text once
// (RFC 2047, charset utf-8). Text that is not UTF-8 is encoded here with charset unknown-8bit
// (RFC 1428), since labelling it utf-8 would be false.
func forwardSubject(v string) (string, error) {
	if len(v) > lex.MaxValueLength {
		return "", &mm4.FieldError{Field: hdrSubject, Value: v, Reason: lex.ReasonTooLong(lex.MaxValueLength)}
	}
	if lex.SevenBitOctets([]byte(v)) {
		if fwdFoldedFits(hdrSubject, v) {
			return v, nil
		}
		// A run of text too long for one line: as encoded-words, which fold (RFC 2047 §2).
		if d, err := phraseDecoder.DecodeHeader(v); err == nil && utf8.ValidString(d) {
			v = d
		}
		return fwdEncodeWords(v), nil
	}
	if !utf8.ValidString(v) {
		return lex.EncodeWords(v), nil
	}
	if d, err := phraseDecoder.DecodeHeader(v); err == nil && utf8.ValidString(d) {
		return d, nil
	}
	return v, nil
}

// phraseDecoder decodes the RFC 2047 encoded-words of a Subject (UTF-8, ISO-8859-1 and US-ASCII;
// words in other charsets are kept as written).
var phraseDecoder = new(mime.WordDecoder)

// isMsgID reports whether v is a plain RFC 5322 §3.6.4 msg-id: "<" left "@" right ">" in visible
// ASCII, without white space, brackets or a second "@" where they do not belong.
func isMsgID(v string) bool {
	if len(v) < 5 || len(v) > lex.MaxLineOctets-len("Message-ID: ") || v[0] != '<' || v[len(v)-1] != '>' {
		return false
	}
	inner := v[1 : len(v)-1]
	at := strings.IndexByte(inner, '@')
	if at <= 0 || at == len(inner)-1 || strings.Count(inner, "@") != 1 {
		return false
	}
	for i := 0; i < len(inner); i++ {
		if c := inner[i]; c <= ' ' || c > '~' || c == '<' || c == '>' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// printableASCII reports whether s holds only printable ASCII, HTAB, CR and LF.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' || c > '~') && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}
