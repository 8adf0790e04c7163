// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"bufio"
	"bytes"
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
	DeliveryReport   bool              // requested via DSN NOTIFY=SUCCESS (the SMTP layer knows it)
	Now              time.Time         // Date when the mail has none; time.Now() when zero
}

// ForwardRequest is the result: the REQ header and its SMTP envelope.
type ForwardRequest struct {
	Header   textproto.Header
	MailFrom string   // sender's MMS address in Form at SenderDomain (3GPP TS 23.140 §8.4.5)
	RcptTo   []string // Recipients in Form at PeerDomain
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
	"subject":      fieldRewrite, // kept; RFC 2047 encoded when it holds 8-bit text
	"date":         fieldRewrite, // kept (as an RFC 5322 date-time), or o.Now
	"message-id":   fieldRewrite, // kept, or made from o.MessageID
	"mime-version": fieldRewrite, // always 1.0

	// RFC 4356 Table 1, mapped to X-Mms-* fields and then dropped.
	"importance":                  fieldMap, // → X-Mms-Priority
	"x-priority":                  fieldMap, // → X-Mms-Priority (when there is no Importance)
	"disposition-notification-to": fieldMap, // → X-Mms-Read-Reply: Yes (RFC 3798)

	// RFC 4356 §2.1.3.3: a personal or private message must not be sent into MMS (5.6.0).
	"sensitivity": fieldRefuse,

	// Kept: threading, so that the recipient's replies can refer to the message.
	"in-reply-to": fieldKeep,
	"references":  fieldKeep,

	// Dropped, named for the reader (any other field is dropped too):
	"bcc":            fieldDrop, // RFC 4356 §2.1.3.3: Bcc recipients never appear in a header
	"received":       fieldDrop, // the hop trace of the mail; TS 23.140 has no MM4 trace
	"return-path":    fieldDrop, // set by the final delivery agent only (RFC 5321 §4.4)
	"dkim-signature": fieldDrop, // would no longer verify: the header and body are rewritten
	"reply-to":       fieldDrop, // MMS has no Reply-To; replies go to From
	"content-length": fieldDrop, // not MIME, and wrong once the body is re-encoded
	// Resent-* (→ X-Mms-Previously-Sent-*, RFC 4356 §2.1.3.3) are not mapped yet: dropped.
}

// forwardPrefixes complete forwardFields for families of fields.
var forwardPrefixes = []struct {
	prefix string // lower case
	action forwardAction
}{
	{"x-mms-", fieldDrop},   // never trust a client's MM4 fields; the REQ's own are written from o
	{"content-", fieldKeep}, // the MIME fields of RFC 2045 §9 and the like: they describe the body
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

// importanceValues maps Importance (RFC 2156 §5.3.4) to X-Mms-Priority (RFC 4356 §2.1.3.3).
var importanceValues = map[string]string{"high": "High", "normal": "Normal", "low": "Low"}

// xPriorityValues maps the first digit of the de-facto X-Priority field ("1 (Highest)" … "5 (Lowest)")
// to X-Mms-Priority (RFC 4356 §2.1.3.3). Importance wins when both are present.
var xPriorityValues = map[byte]string{'1': "High", '2': "High", '3': "Normal", '4': "Low", '5': "Low"}

// refusedSensitivities are the Sensitivity values (RFC 2156 §5.3.4) that RFC 4356 §2.1.3.3 keeps out
// of MMS.
var refusedSensitivities = []string{"personal", "private"}

// undisclosedRecipients is the empty group RFC 4356 uses when no recipient may be disclosed.
const undisclosedRecipients = "undisclosed-recipients:;"

// NewForwardRequest maps the header of an Internet mail message to the header of an MM4_forward.REQ
// to one peer and its SMTP envelope (3GPP TS 23.140 §8.4.1, §8.4.5; RFC 4356 §2.1.3.3). The body is not
// touched: pass the result's Header to sevenbit.Body with the body to make both 7-bit clean
// (TS 23.140 §8.4.5 does not promise 8BITMIME).
//
// The header is built as a Message and written by [mm4.Message.Header], so it has the exact
// TS 23.140 spellings and order: X-Mms-3GPP-MMS-Version, X-Mms-Message-Type, X-Mms-Transaction-ID,
// X-Mms-Message-ID, then X-Mms-Delivery-Report, X-Mms-Priority, X-Mms-Read-Reply, X-Mms-Ack-Request
// and X-Mms-Originator-System as set, then Sender, From, To, Cc, Subject, Date, Message-ID and
// MIME-Version: 1.0. The fields forwardFields keeps (Content-*, In-Reply-To, References) follow as
// received. Everything else is dropped: Bcc, Received, Return-Path, DKIM-Signature, Reply-To, any
// X-Mms-* field of the mail (never trust a client's MM4 fields) and any field not in the table.
//
//   - From is o.Sender in o.Form at o.SenderDomain with the mail's display name; Sender is the same
//     address alone; MailFrom is that address too (TS 23.140 §8.4.5).
//   - To and Cc keep their addresses and display names (groups are flattened): numbers are
//     normalised by o.Plan when it can and written in o.Form at o.PeerDomain, whether or not this REQ
//     serves them; e-mail addresses are kept. When neither names anybody, To is the only envelope
//     recipient, or "undisclosed-recipients:;" when there are several (RFC 4356 §2.1.3.3: envelope-only
//     recipients are Bcc).
//   - RcptTo is o.Recipients, duplicates removed, in o.Form at o.PeerDomain.
//   - Importance high/normal/low, else X-Priority 1–2/3/4–5, gives X-Mms-Priority High/Normal/Low;
//     Disposition-Notification-To gives X-Mms-Read-Reply: Yes; o.DeliveryReport gives
//     X-Mms-Delivery-Report: Yes (RFC 4356 Table 1, §2.1.3.3).
//   - Subject is kept as received; one holding 8-bit text is RFC 2047 encoded (encoded-words in it
//     are decoded first, so they are not encoded twice). Date is kept, or o.Now. Message-ID is kept
//     when it is a well-formed msg-id, else made from o.MessageID at o.SenderDomain.
//
// Errors are *FieldError; Field names the REQ field or SMTP command (MAIL FROM, RCPT TO) concerned:
// a missing Version, TransactionID or MessageID; an option holding CR, LF, NUL, other control or
// non-ASCII octets, or longer than 4096 bytes; AckRequest without OriginatorSystem (the peer would not know where to send the RES); an
// invalid or unnormalised sender or recipient, a bad domain or Form; no recipients, or more than
// MaxForwardRecipients; a To or Cc that does not parse, or that lists more than MaxListLength
// addresses; a Sensitivity of personal or private (RFC 4356 §2.1.3.3); and whatever
// [Message.Header] refuses, notably a Subject or a rewritten To or Cc over its length limit (4096
// bytes; 64 KiB).
func NewForwardRequest(mail textproto.Header, o ForwardOptions) (*ForwardRequest, error) {
	env, err := o.envelope()
	if err != nil {
		return nil, err
	}
	m := &mm4.Message{
		Type:             mm4.ForwardReq,
		Version:          o.Version,
		TransactionID:    o.TransactionID,
		MessageID:        o.MessageID,
		AckRequest:       o.AckRequest,
		OriginatorSystem: o.OriginatorSystem,
		DeliveryReport:   o.DeliveryReport,
		Sender:           env.MailFrom,
	}
	var (
		kept                  [][]byte
		toList, ccList        []string
		fromName              string
		fromSeen, subjSeen    bool
		dateSeen, msgIDSeen   bool
		importance, xPriority string
	)
	for f := mail.Fields(); f.Next(); {
		key := f.Key()
		switch forwardActionOf(key) {
		case fieldKeep:
			raw, err := f.Raw()
			if err != nil {
				continue
			}
			if !strings.HasPrefix(strings.ToLower(key), "content-") && !printableASCII(string(raw)) {
				continue // a threading field must be ASCII msg-ids
			}
			kept = append(kept, raw)
		case fieldRefuse:
			if v := lex.TrimFieldValue(f.Value()); lex.ContainsFold(refusedSensitivities, v) {
				return nil, &mm4.FieldError{Field: "Sensitivity", Value: v,
					Reason: "a personal or private message must not be sent into MMS (RFC 4356 §2.1.3.3)"}
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
				if len(v) <= mmsmap.MaxAddressLength {
					if a, err := mmsmap.ParseAddress(v); err == nil {
						fromName = a.DisplayName
					}
				}
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

	m.Priority = mapPriority(importance, xPriority)
	m.From = lex.FormatMailbox(fromName, env.MailFrom)
	switch {
	case len(toList) > 0 || len(ccList) > 0:
		m.To, m.Cc = joinList(toList), joinList(ccList)
	case len(env.RcptTo) == 1:
		m.To = []string{env.RcptTo[0]}
	default:
		m.To = []string{undisclosedRecipients}
	}
	if !dateSeen {
		m.Date = o.Now
		if m.Date.IsZero() {
			m.Date = time.Now()
		}
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
	if len(kept) > 0 {
		if h, err = appendFields(h, kept); err != nil {
			return nil, err
		}
	}
	env.Header = h
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
		list = append(list, lex.FormatMailbox(a.DisplayName, o.peerAddress(a)))
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
// neither gives a known value.
func mapPriority(importance, xPriority string) string {
	if p, ok := importanceValues[strings.ToLower(importance)]; ok {
		return p
	}
	if xPriority != "" {
		if p, ok := xPriorityValues[xPriority[0]]; ok && (len(xPriority) == 1 || !lex.IsDigit(xPriority[1])) {
			return p
		}
	}
	return ""
}

// forwardSubject returns the Subject to send: as received when it is ASCII (encoded-words untouched);
// otherwise with its encoded-words decoded, so that [Message.Header] encodes the whole text once
// (RFC 2047, charset utf-8). Text that is not UTF-8 is encoded here with charset unknown-8bit
// (RFC 1428), since labelling it utf-8 would be false.
func forwardSubject(v string) (string, error) {
	if len(v) > lex.MaxValueLength {
		return "", &mm4.FieldError{Field: hdrSubject, Value: v, Reason: lex.ReasonTooLong(lex.MaxValueLength)}
	}
	if lex.SevenBitOctets([]byte(v)) {
		return v, nil
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

// appendFields returns h with the raw fields added after its last field, in order. (textproto.Header
// only inserts at the top, so the header is written and read back.)
func appendFields(h textproto.Header, fields [][]byte) (textproto.Header, error) {
	var b bytes.Buffer
	if err := textproto.WriteHeader(&b, h); err != nil {
		return textproto.Header{}, err
	}
	b.Truncate(b.Len() - 2) // the empty line
	for _, f := range fields {
		b.Write(f)
		if !bytes.HasSuffix(f, []byte("\n")) {
			b.WriteString("\r\n")
		}
	}
	b.WriteString("\r\n")
	return textproto.ReadHeader(bufio.NewReader(&b))
}
