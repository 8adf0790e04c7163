// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm4

import (
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// Message is one MM4 message header, any of the six types (3GPP TS 23.140 §8.4.1–§8.4.3). Parse
// fills it from a received header; [Message.Header] encodes it. Fields an MM4 message may carry but
// Message does not model (X-Mms-Previously-sent-*, X-Mms-Applic-ID, …) stay in the original header.
type Message struct {
	Type    MessageType // X-Mms-Message-Type
	Version string      // X-Mms-3GPP-MMS-Version, e.g. "6.10.0"

	// TransactionID and MessageID are X-Mms-Transaction-ID and X-Mms-Message-ID with surrounding
	// double quotes removed ("\"abc\"" → "abc"); they are the correlation keys (TS 23.140 §8.4.5).
	TransactionID, MessageID string
	// RawTransactionID and RawMessageID are the same fields exactly as received (trimmed), to echo
	// back in a RES; Header writes them in preference to the unquoted forms.
	RawTransactionID string
	RawMessageID     string

	AckRequest       bool   // X-Mms-Ack-Request: a RES is wanted
	OriginatorSystem string // X-Mms-Originator-System as an addr-spec, angle brackets removed: where RES go

	From, Sender string   // raw From and Sender values, trimmed
	To, Cc       []string // raw To and Cc values, one per field occurrence, trimmed
	Date         time.Time
	Subject      string // raw, RFC 2047 encoded words left as received

	// MessageClass, Priority and SenderVisibility are X-Mms-Message-Class, X-Mms-Priority and
	// X-Mms-Sender-Visibility in canonical spelling ("Personal", "High", "Show"), or "".
	MessageClass, Priority, SenderVisibility string
	Expiry                                   Expiry // X-Mms-Expiry

	// X-Mms-Delivery-Report, X-Mms-Originator-R/S-Delivery-Report, X-Mms-Read-Reply (or its MM1
	// name X-Mms-Read-Report) and X-Mms-Forward-To-Originator-UA.
	DeliveryReport, OriginatorRSDeliveryReport, ReadReply, ForwardToOriginatorUA bool
	ForwardCounter                                                               int // X-Mms-Forward-Counter

	RequestStatus mmsmap.RequestStatus // X-Mms-Request-Status-Code (RES types)
	StatusText    string               // X-Mms-Status-Text
	// RequestRecipients are the raw values of the non-standard X-Mms-Request-Recipients (RES
	// types; see HdrRequestRecipients), one per field occurrence, trimmed: the recipients of the
	// REQ that the RES's status covers. None means the whole REQ, as in TS 23.140.
	RequestRecipients []string
	MMStatus          mmsmap.MMStatus   // X-Mms-MM-Status-Code (delivery_report.REQ)
	MMStatusExtension string            // X-Mms-MM-Status-Extension, as received (spellings differ between peers)
	ReadStatus        mmsmap.ReadStatus // X-Mms-Read-Status (read_reply_report.REQ)
	RFC822MessageID   string            // the RFC 5322 Message-ID, with its angle brackets

	// Ignored lists, in header order, the fields whose value Parse found bad and ignored because
	// they are not mandatory for the type: the field is treated as absent (at most 100 are listed).
	// It is for logging and diagnostics; Header does not read it.
	Ignored []*FieldError
}

// maxIgnored bounds Message.Ignored, so that a hostile header cannot make it grow with its size.
const maxIgnored = 100

// Parse reads an MM4 message of any of the six types from h (3GPP TS 23.140 §8.4.1–§8.4.4).
//
// As TS 23.140 §8.4.6 asks of a receiver, it processes what it understands and ignores the rest,
// for real peers differ: field names and token values match ignoring ASCII case;
// X-Mms-Transaction-ID and X-Mms-Message-ID lose their double quotes; X-Mms-Expiry may be seconds
// or a date; the non-standard X-Mms-MM-Read-Status and the MM1 name X-Mms-Read-Report are read as
// X-Mms-Read-Status and X-Mms-Read-Reply; unknown fields, and fields that do not belong to the
// message type, are skipped; an empty field counts as absent; of a repeated field only the first
// non-empty occurrence is read (To, Cc and X-Mms-Request-Recipients keep every occurrence). Date
// and Content-Type are optional, since peers omit them.
//
// A value is bad when it exceeds its length limit (4096 bytes; 64 KiB for one To, Cc or
// X-Mms-Request-Recipients field, of which there may be 10000 each), holds CR, LF or NUL, is not
// UTF-8 (Subject and X-Mms-Status-Text excepted: they are kept as raw octets), or does not decode:
// a Yes/No flag, X-Mms-Expiry, X-Mms-Forward-Counter, Date, or a token outside its set
// (X-Mms-Message-Class, X-Mms-Priority, X-Mms-Sender-Visibility, X-Mms-MM-Status-Code,
// X-Mms-Read-Status). An unknown X-Mms-Request-Status-Code is not bad: it is kept as received, and
// any value but Ok is a failure.
//
// The outcome is one of three:
//
//   - Unanswerable: X-Mms-Message-Type is missing or not one of the six, or X-Mms-Transaction-ID
//     is missing, or its value is bad or empty once unquoted. Parse returns a nil *Message and a
//     *FieldError naming that field, whose [FieldError.Unanswerable] reports true. No RES can
//     refer to such a message: refuse it at the SMTP level (554 5.6.0) instead.
//   - Usable: Parse returns the message and a nil error. A bad value in a field that is not
//     mandatory for the type was treated as absent and recorded in [Message.Ignored].
//   - Answerable but not usable: a field mandatory for the type (TS 23.140 §8.4.1–§8.4.3; for
//     MM4_forward.REQ, To and Cc both count, as they carry the mandatory recipients) is missing or
//     has a bad value. Parse returns the partial message, holding every field it could read, and a
//     *FieldError for the first problem: the first bad mandatory value in header order, else the
//     first missing mandatory field in table order. A REQ that asked for an acknowledgement can be
//     answered with a RES ([NewResponse]) of status Error-message-format-corrupt naming the field.
//
// Every error is a *FieldError.
func Parse(h textproto.Header) (*Message, error) {
	v, ok := lex.FirstValue(&h, HdrMessageType)
	if !ok {
		return nil, &FieldError{Field: HdrMessageType, Reason: reasonMissing}
	}
	// Checked as the loop below reads it (ParseMessageType would trim more, e.g. a leading VT or
	// NEL, and the loop would then refuse the value of a message already deemed answerable).
	var scratch Message
	if err := lookupField(HdrMessageType).apply(&scratch, v); err != nil {
		return nil, err
	}
	typ := scratch.Type
	if err := checkTransactionID(&h); err != nil {
		return nil, err
	}
	ts := typ.spec()
	m := &Message{Type: typ}
	var (
		seen  uint64
		first error // the first bad mandatory value
	)
	for fields := h.Fields(); fields.Next(); {
		f := lookupField(fields.Key())
		if f == nil || f.decode == nil || ts.parsed&f.bit == 0 || (!f.repeat && seen&f.bit != 0) {
			continue
		}
		v := lex.TrimFieldValue(fields.Value())
		if v == "" {
			continue
		}
		seen |= f.bit // a bad value is read too: it is not replaced by a later occurrence
		err := f.apply(m, v)
		switch {
		case err == nil:
		case ts.mandatoryBits&f.bit != 0:
			if first == nil {
				first = err
			}
		case len(m.Ignored) < maxIgnored:
			m.Ignored = append(m.Ignored, err.(*FieldError))
		}
	}
	if first != nil {
		return m, first
	}
	if err := ts.checkMandatory(m); err != nil {
		return m, err
	}
	return m, nil
}

// checkTransactionID returns the *FieldError that makes a message unanswerable when its first
// non-empty X-Mms-Transaction-ID is missing, bad, or empty once unquoted; nil otherwise.
func checkTransactionID(h *textproto.Header) error {
	v, ok := lex.FirstValue(h, HdrTransactionID)
	if !ok {
		return &FieldError{Field: HdrTransactionID, Reason: reasonMissing}
	}
	var scratch Message
	if err := lookupField(HdrTransactionID).apply(&scratch, v); err != nil {
		return err
	}
	if scratch.TransactionID == "" {
		return &FieldError{Field: HdrTransactionID, Value: v, Reason: "empty once unquoted"}
	}
	return nil
}

// Header encodes m as an MM4 header (3GPP TS 23.140 §8.4.4) with the exact TS 23.140 spellings, in
// the order of its tables: X-Mms-3GPP-MMS-Version, X-Mms-Message-Type, X-Mms-Transaction-ID and
// X-Mms-Message-ID (not for read_reply_report.RES), then the type's other fields in table order,
// then Sender, From, To, Cc, Subject (RFC 2047 encoded when not ASCII), Date (RFC 5322 §3.3),
// Message-ID and MIME-Version: 1.0.
//
// Only set fields are written: non-empty strings, true flags (X-Mms-Ack-Request is always written
// on a REQ, as Yes or No), a positive forward counter, a non-zero date or expiry. The
// Transaction-ID is written from RawTransactionID when set, so that a RES echoes the REQ exactly,
// else from TransactionID; likewise the Message-ID. Long values are folded at single spaces
// (RFC 5322 §2.2.3). Header does not check that an ack request comes with X-Mms-Originator-System
// (where the peer sends the RES); the caller should set both.
//
// Header is strict where Parse is lenient: every value it would write is checked with the decoder
// Parse uses, so the result always parses back without an error or an Ignored field. A value with
// CR, LF or NUL, an over-long or non-UTF-8 value, a token outside its set (X-Mms-Message-Class,
// X-Mms-Priority, X-Mms-Sender-Visibility, X-Mms-MM-Status-Code, X-Mms-Read-Status), or a missing
// mandatory field gives a *FieldError and no header.
func (m *Message) Header() (textproto.Header, error) {
	if m == nil {
		return textproto.Header{}, &FieldError{Field: HdrMessageType, Reason: reasonMissing}
	}
	ts := m.Type.spec()
	if ts == nil {
		if m.Type == 0 {
			return textproto.Header{}, &FieldError{Field: HdrMessageType, Reason: reasonMissing}
		}
		return textproto.Header{}, &FieldError{Field: HdrMessageType, Value: m.Type.String(), Reason: "unknown MM4 message type"}
	}
	written := &Message{} // what a receiver will read back; checked like a parsed message
	lines := make([]string, 0, len(ts.order)+len(m.To)+len(m.Cc)+len(m.RequestRecipients))
	for _, f := range ts.order {
		for _, v := range f.encode(m) {
			v = lex.TrimFieldValue(v)
			if v == "" {
				continue
			}
			if err := f.apply(written, v); err != nil {
				return textproto.Header{}, err
			}
			lines = append(lines, lex.FoldField(f.name, v))
		}
	}
	if err := ts.checkMandatory(written); err != nil {
		return textproto.Header{}, err
	}
	// textproto.Header.AddRaw puts each field above those already present (go-message v0.18.2), so the
	// fields go in last first.
	var h textproto.Header
	for i := len(lines) - 1; i >= 0; i-- {
		h.AddRaw([]byte(lines[i]))
	}
	return h, nil
}

// NewResponse returns the RES answering req (3GPP TS 23.140 §8.4.1–§8.4.3): the REQ's version, the
// matching RES type, the Transaction-ID echoed (raw and unquoted), the Message-ID echoed except for
// a read_reply_report.RES, which has none, and the status with its text (status.Text() when text
// is ""). The caller sets Sender, To (the REQ's OriginatorSystem, TS 23.140 §8.4.5), Date and
// RFC822MessageID, and Version when req has none (a partial message from Parse). A nil req gives a
// message with only the status set.
func NewResponse(req *Message, status mmsmap.RequestStatus, text string) *Message {
	if text == "" {
		text = status.Text()
	}
	res := &Message{RequestStatus: status, StatusText: text}
	if req == nil {
		return res
	}
	res.Type = req.Type.Response()
	res.Version = req.Version
	res.TransactionID, res.RawTransactionID = req.TransactionID, req.RawTransactionID
	if res.Type != ReadReplyReportRes {
		res.MessageID, res.RawMessageID = req.MessageID, req.RawMessageID
	}
	return res
}

// IsMM4 reports whether h carries an X-Mms-Message-Type whose value begins with "MM4_", ignoring
// case: the usual way an MMSC tells MM4 from MM3 on its SMTP port (anything else from an Internet
// peer is MM3, RFC 4356). The type need not be one of the six Parse knows.
func IsMM4(h textproto.Header) bool {
	v, ok := lex.FirstValue(&h, HdrMessageType)
	const prefix = "MM4_"
	return ok && len(v) >= len(prefix) && lex.TokenEqualFold(v[:len(prefix)], prefix)
}

// IsTransportField reports whether name is an MM4 transport field, that is any "X-Mms-*" field
// (TS 23.140 §8.4.4), so that a converter can drop them when it turns an MM into Internet mail
// (RFC 4356 §2.1.3.2).
func IsTransportField(name string) bool {
	const prefix = "X-Mms-"
	return len(name) > len(prefix) && lex.TokenEqualFold(name[:len(prefix)], prefix)
}
