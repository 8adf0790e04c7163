// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm4

import (
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// Message is one MM4 message header, any of the six types (3GPP TS 23.140 §8.4.1–§8.4.3). Parse fills it from a received
// header; [Message.Header] encodes it. Fields an MM4 message may carry but Message does not model
// (X-Mms-Previously-sent-*, X-Mms-Applic-ID, …) stay in the original header.
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
	// X-Mms-Sender-Visibility, in canonical spelling when known ("Personal", "High", "Show").
	MessageClass, Priority, SenderVisibility string
	Expiry                                   Expiry // X-Mms-Expiry

	// X-Mms-Delivery-Report, X-Mms-Originator-R/S-Delivery-Report, X-Mms-Read-Reply and
	// X-Mms-Forward-To-Originator-UA.
	DeliveryReport, OriginatorRSDeliveryReport, ReadReply, ForwardToOriginatorUA bool
	ForwardCounter                                                               int // X-Mms-Forward-Counter

	RequestStatus     mmsmap.RequestStatus // X-Mms-Request-Status-Code (RES types)
	StatusText        string               // X-Mms-Status-Text
	MMStatus          mmsmap.MMStatus      // X-Mms-MM-Status-Code (delivery_report.REQ)
	MMStatusExtension string               // X-Mms-MM-Status-Extension, as received (spellings differ between peers)
	ReadStatus        mmsmap.ReadStatus    // X-Mms-Read-Status (read_reply_report.REQ)
	RFC822MessageID   string               // the RFC 5322 Message-ID, with its angle brackets
}

// Parse reads an MM4 message of any of the six types from h (TS 23.140 §8.4.1–§8.4.4).
//
// It is lenient where real peers differ: field names and token values match ignoring ASCII case,
// Transaction-ID and Message-ID lose their double quotes, X-Mms-Expiry may be seconds or a date,
// unknown X-Mms-* fields and fields that do not belong to the message type are ignored (TS 23.140
// §8.4.6), an empty field counts as absent, and of repeated fields the first non-empty one wins
// (To and Cc keep every occurrence). Date and Content-Type are optional.
//
// It is strict about what it uses: the message type must be one of the six, the type's mandatory
// fields must be present (TS 23.140 §8.4.1–§8.4.3, see messageTypes), and a value it reads is refused if it
// contains CR, LF or NUL, exceeds its length limit (4096 bytes; 64 KiB for one To or Cc field, of
// which there may be 10000 each), is not UTF-8 (except Subject and X-Mms-Status-Text, kept as raw
// octets), or does not parse (Yes/No flags, X-Mms-Expiry, X-Mms-Forward-Counter,
// X-Mms-MM-Status-Code, X-Mms-Read-Status). Unknown X-Mms-Request-Status-Code values are kept; an
// unreadable Date is left zero, like a missing one.
//
// Every error is a *FieldError, the first one found; a missing or unknown X-Mms-Message-Type gives
// one for HdrMessageType.
func Parse(h textproto.Header) (*Message, error) {
	v, ok := lex.FirstValue(&h, HdrMessageType)
	if !ok {
		return nil, &FieldError{Field: HdrMessageType, Reason: reasonMissing}
	}
	if len(v) > maxValueLength {
		return nil, &FieldError{Field: HdrMessageType, Value: v, Reason: reasonTooLong(maxValueLength)}
	}
	typ, err := ParseMessageType(v)
	if err != nil {
		return nil, err
	}
	ts := typ.spec()
	m := &Message{Type: typ}
	var seen uint64
	for fields := h.Fields(); fields.Next(); {
		f := lookupField(fields.Key())
		if f == nil || f.decode == nil || ts.parsed&f.bit == 0 || (!f.repeat && seen&f.bit != 0) {
			continue
		}
		v := lex.TrimFieldValue(fields.Value())
		if v == "" {
			continue
		}
		if err := f.apply(m, v); err != nil {
			return nil, err
		}
		seen |= f.bit
	}
	if err := ts.checkMandatory(m); err != nil {
		return nil, err
	}
	return m, nil
}

// Header encodes m as an MM4 header (TS 23.140 §8.4.4) with the exact TS 23.140 spellings, in the
// order of its tables, the MM4 fields first: X-Mms-3GPP-MMS-Version, X-Mms-Message-Type, X-Mms-Transaction-ID and
// X-Mms-Message-ID (not for read_reply_report.RES), then the type's fields in table order, then
// Sender, From, To, Cc, Subject (RFC 2047 encoded when not ASCII), Date (RFC 5322), Message-ID and
// MIME-Version: 1.0.
//
// Only set fields are written: non-empty strings, true flags (X-Mms-Ack-Request is always written
// on a REQ, as Yes or No), a positive forward counter, a non-zero date or expiry. The
// Transaction-ID is written from RawTransactionID when set, so that a RES echoes the REQ exactly,
// else from TransactionID; likewise the Message-ID. Long values are folded at single spaces
// (RFC 5322 §2.2.3). Header does not check that an ack request comes with X-Mms-Originator-System
// (where the peer sends the RES); the caller should set both.
//
// Every written value is checked with the decoder Parse uses, so the result always parses back:
// a value with CR, LF or NUL, an over-long or non-UTF-8 value, an unknown X-Mms-MM-Status-Code or
// X-Mms-Read-Status, or a missing mandatory field gives a *FieldError and no header.
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
	lines := make([]string, 0, len(ts.order)+len(m.To)+len(m.Cc))
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

// NewResponse returns the RES answering req (TS 23.140 §8.4.1–§8.4.3): the
// REQ's version, the matching RES type, the Transaction-ID echoed (raw and unquoted), the
// Message-ID echoed except for a read_reply_report.RES, which has none, and the status with its text
// (status.Text() when text is ""). The caller sets Sender, To (the REQ's OriginatorSystem, TS 23.140 §8.4.5),
// Date and RFC822MessageID. A nil req gives a message with only the status set.
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

// IsMM4 reports whether h carries an X-Mms-Message-Type whose value begins with "MM4_", ignoring case:
// the usual way an MMSC tells MM4 from MM3 on its SMTP port (anything else from an Internet peer is
// MM3, RFC 4356).
// The type need not be one of the six Parse knows.
func IsMM4(h textproto.Header) bool {
	v, ok := lex.FirstValue(&h, HdrMessageType)
	const prefix = "MM4_"
	return ok && len(v) >= len(prefix) && lex.TokenEqualFold(v[:len(prefix)], prefix)
}

// IsTransportField reports whether name is an MM4 transport field, that is any "X-Mms-*" field
// (TS 23.140 §8.4.4), so that a converter can drop them when it turns an MM into Internet mail (RFC 4356).
func IsTransportField(name string) bool {
	const prefix = "X-Mms-"
	return len(name) > len(prefix) && lex.TokenEqualFold(name[:len(prefix)], prefix)
}
