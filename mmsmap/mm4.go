// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mmsmap

import (
	"errors"
	"fmt"
	"math"
	"mime"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"
)

// In this file "spec" is ../shared/spec/mms-over-smtp.md. Its §2 restates the MM4 messages of
// 3GPP TS 23.140 §8.4 (§8.4.1 forward, §8.4.2 delivery report, §8.4.3 read-reply report, encoded per
// §8.4.4 and carried per §8.4.5); its §3 covers SMTP transport and §7 the implementation checklist.

// Header field names of the MM4 information elements, spelled exactly as in the tables of
// ../shared/spec/mms-over-smtp.md §2 (3GPP TS 23.140 §8.4.1–§8.4.3, encoded per §8.4.4).
// [Parse] matches them ignoring ASCII case; [Message.Header] writes them as spelled here.
const (
	HdrVersion                    = "X-Mms-3GPP-MMS-Version"               // §2.1–§2.6, M
	HdrMessageType                = "X-Mms-Message-Type"                   // §2.1–§2.6, M
	HdrTransactionID              = "X-Mms-Transaction-ID"                 // §2.1–§2.6, M; copied into the RES
	HdrMessageID                  = "X-Mms-Message-ID"                     // §2.1–§2.5, M; not in read_reply_report.RES
	HdrAckRequest                 = "X-Mms-Ack-Request"                    // REQ types, O
	HdrOriginatorSystem           = "X-Mms-Originator-System"              // §2.1 transport field: where RES go
	HdrRequestStatusCode          = "X-Mms-Request-Status-Code"            // RES types, M
	HdrStatusText                 = "X-Mms-Status-Text"                    // O
	HdrMMStatusCode               = "X-Mms-MM-Status-Code"                 // §2.3, M
	HdrMMStatusExtension          = "X-Mms-MM-Status-Extension"            // §2.3, O
	HdrReadStatus                 = "X-Mms-Read-Status"                    // §2.5, M
	HdrDeliveryReport             = "X-Mms-Delivery-Report"                // §2.1, O
	HdrOriginatorRSDeliveryReport = "X-Mms-Originator-R/S-Delivery-Report" // §2.1, O
	HdrReadReply                  = "X-Mms-Read-Reply"                     // §2.1, O
	HdrMessageClass               = "X-Mms-Message-Class"                  // §2.1, O
	HdrPriority                   = "X-Mms-Priority"                       // §2.1, O
	HdrExpiry                     = "X-Mms-Expiry"                         // §2.1, O
	HdrSenderVisibility           = "X-Mms-Sender-Visibility"              // §2.1, O
	HdrForwardCounter             = "X-Mms-Forward-Counter"                // §2.1, C
	HdrForwardToOriginatorUA      = "X-Mms-Forward-To-Originator-UA"       // §2.3, O
	HdrPreviouslySentBy           = "X-Mms-Previously-sent-by"             // §2.1, C; may repeat
	HdrPreviouslySentDate         = "X-Mms-Previously-sent-date-and-time"  // §2.1, C; may repeat
	HdrVASPID                     = "X-Mms-VASP-ID"                        // §2.1, O (Rel-6, MM7-originated)
	HdrVASID                      = "X-Mms-VAS-ID"                         // §2.1, O
	HdrServiceCode                = "X-Mms-Service-Code"                   // §2.1, O
	HdrApplicID                   = "X-Mms-Applic-ID"                      // §2.1, §2.3, §2.5, O
	HdrReplyApplicID              = "X-Mms-Reply-Applic-ID"                // §2.1, §2.3, §2.5, O
	HdrAuxApplicInfo              = "X-Mms-Aux-Applic-Info"                // §2.1, §2.3, §2.5, O
	HdrContentClass               = "X-Mms-Content-Class"                  // §2.1, O
	HdrDRMContent                 = "X-Mms-DRM-Content"                    // §2.1, O
	HdrAdaptationAllowed          = "X-Mms-Adaptation-Allowed"             // §2.1, O
)

// RFC 5322 fields that carry MM4 information elements or accompany them (spec §2.1, §2.2).
const (
	hdrSender          = "Sender"
	hdrFrom            = "From"
	hdrTo              = "To"
	hdrCc              = "Cc"
	hdrSubject         = "Subject"
	hdrDate            = "Date"
	hdrRFC822MessageID = "Message-ID"
	hdrMIMEVersion     = "MIME-Version"

	// hdrMMReadStatus is a non-standard spelling of HdrReadStatus sent by one Python gateway
	// (spec §2.5); Parse accepts it as an alias.
	hdrMMReadStatus = "X-Mms-MM-Read-Status"
)

// Limits on hostile input. Every value is measured before it is scanned or decoded.
const (
	// maxValueLength bounds every single-valued field: IDs, tokens, dates, addresses and text.
	maxValueLength = 4096
	// maxListValueLength bounds one To or Cc field, which may list many recipients.
	maxListValueLength = 64 << 10
	// maxRecipientFields bounds how many To fields, and separately how many Cc fields, a message may have.
	maxRecipientFields = 10000
	// maxFieldNameLength is longer than every field name Parse knows; longer names are skipped unread.
	maxFieldNameLength = 64
)

// reasonMissing is the FieldError reason for an absent (or empty) mandatory field.
const reasonMissing = "missing mandatory header"

// MessageType is the value of X-Mms-Message-Type: one of the six MM4 transactions of spec §2
// (3GPP TS 23.140 §8.4.1 forward, §8.4.2 delivery report, §8.4.3 read-reply report).
// There are no other MM4 messages (no cancel or replace).
type MessageType int

// The MM4 message types, spec §2.
const (
	ForwardReq         MessageType = iota + 1 // MM4_forward.REQ, spec §2.1
	ForwardRes                                // MM4_forward.RES, spec §2.2
	DeliveryReportReq                         // MM4_delivery_report.REQ, spec §2.3
	DeliveryReportRes                         // MM4_delivery_report.RES, spec §2.4
	ReadReplyReportReq                        // MM4_read_reply_report.REQ, spec §2.5
	ReadReplyReportRes                        // MM4_read_reply_report.RES, spec §2.6
)

// typeSpec is one MM4 message type as data: its token, its response, the header fields it carries
// and which of them are mandatory.
type typeSpec struct {
	token    string      // X-Mms-Message-Type value, exact spelling
	response MessageType // the RES answering this type; a RES answers itself
	// fields are the type's MM4 header fields in spec table order; [Message.Header] writes them in
	// this order, followed by [rfc5322Fields].
	fields []string
	// mandatory lists the fields Parse and Header insist on; a row with several names is satisfied
	// by any one of them. Date and Content-Type are mandatory in TS 23.140 but peers omit them
	// (field notes), so they are optional here.
	mandatory [][]string

	order  []*fieldSpec // fields then rfc5322Fields, resolved by init
	parsed uint64       // bit set of the fieldSpecs Parse reads for this type, computed by init
}

// mandatoryRES is the mandatory set shared by the three RES types (spec §2.2, §2.4, §2.6). The
// X-Mms-Message-ID of a forward.RES is mandatory in TS 23.140, but correlation uses the
// Transaction-ID alone (spec §3.2) and one peer sends its own id, so its absence is tolerated.
var mandatoryRES = [][]string{{HdrVersion}, {HdrMessageType}, {HdrTransactionID}, {HdrRequestStatusCode}}

// messageTypes is the MM4 transaction set, spec §2.1–§2.6, indexed by MessageType.
var messageTypes = [...]typeSpec{
	ForwardReq: { // spec §2.1; TS 23.140 §8.4.1
		token:    "MM4_forward.REQ",
		response: ForwardRes,
		fields: []string{HdrVersion, HdrMessageType, HdrTransactionID, HdrMessageID,
			HdrMessageClass, HdrExpiry, HdrDeliveryReport, HdrOriginatorRSDeliveryReport, HdrPriority,
			HdrSenderVisibility, HdrReadReply, HdrAckRequest, HdrOriginatorSystem, HdrForwardCounter},
		mandatory: [][]string{{HdrVersion}, {HdrMessageType}, {HdrTransactionID}, {HdrMessageID},
			{hdrFrom}, {hdrTo, hdrCc}},
	},
	ForwardRes: { // spec §2.2; TS 23.140 §8.4.1
		token:     "MM4_forward.RES",
		response:  ForwardRes,
		fields:    []string{HdrVersion, HdrMessageType, HdrTransactionID, HdrMessageID, HdrRequestStatusCode, HdrStatusText},
		mandatory: mandatoryRES,
	},
	DeliveryReportReq: { // spec §2.3; TS 23.140 §8.4.2
		token:    "MM4_delivery_report.REQ",
		response: DeliveryReportRes,
		fields: []string{HdrVersion, HdrMessageType, HdrTransactionID, HdrMessageID,
			HdrAckRequest, HdrOriginatorSystem, HdrForwardToOriginatorUA, HdrMMStatusCode,
			HdrMMStatusExtension, HdrStatusText},
		mandatory: [][]string{{HdrVersion}, {HdrMessageType}, {HdrTransactionID}, {HdrMessageID},
			{hdrFrom}, {hdrTo}, {HdrMMStatusCode}},
	},
	DeliveryReportRes: { // spec §2.4; TS 23.140 §8.4.2
		token:     "MM4_delivery_report.RES",
		response:  DeliveryReportRes,
		fields:    []string{HdrVersion, HdrMessageType, HdrTransactionID, HdrMessageID, HdrRequestStatusCode, HdrStatusText},
		mandatory: mandatoryRES,
	},
	ReadReplyReportReq: { // spec §2.5; TS 23.140 §8.4.3
		token:    "MM4_read_reply_report.REQ",
		response: ReadReplyReportRes,
		fields: []string{HdrVersion, HdrMessageType, HdrTransactionID, HdrMessageID,
			HdrAckRequest, HdrOriginatorSystem, HdrReadStatus, HdrStatusText},
		mandatory: [][]string{{HdrVersion}, {HdrMessageType}, {HdrTransactionID}, {HdrMessageID},
			{hdrFrom}, {hdrTo}, {HdrReadStatus}},
	},
	ReadReplyReportRes: { // spec §2.6; TS 23.140 §8.4.3: no X-Mms-Message-ID
		token:     "MM4_read_reply_report.RES",
		response:  ReadReplyReportRes,
		fields:    []string{HdrVersion, HdrMessageType, HdrTransactionID, HdrRequestStatusCode, HdrStatusText},
		mandatory: mandatoryRES,
	},
}

// rfc5322Fields are the Internet-mail fields every MM4 message may carry, in the order
// [Message.Header] writes them after the type's own fields (spec §2.1, §2.2, §7 "Emission").
var rfc5322Fields = []string{hdrSender, hdrFrom, hdrTo, hdrCc, hdrSubject, hdrDate, hdrRFC822MessageID, hdrMIMEVersion}

// spec returns the table row of t, or nil for a value outside the six types.
func (t MessageType) spec() *typeSpec {
	if t < ForwardReq || t > ReadReplyReportRes {
		return nil
	}
	return &messageTypes[t]
}

// String returns the exact X-Mms-Message-Type token ("MM4_forward.REQ", "MM4_delivery_report.RES", …),
// or "MessageType(n)" for a value outside spec §2.
func (t MessageType) String() string {
	if s := t.spec(); s != nil {
		return s.token
	}
	return "MessageType(" + strconv.Itoa(int(t)) + ")"
}

// IsRequest reports whether t is one of the three REQ types.
func (t MessageType) IsRequest() bool {
	s := t.spec()
	return s != nil && s.response != t
}

// Response returns the RES type answering t (spec §2: forward.REQ → forward.RES, …). A RES, or a value
// outside spec §2, is returned unchanged.
func (t MessageType) Response() MessageType {
	if s := t.spec(); s != nil {
		return s.response
	}
	return t
}

// ParseMessageType interprets an X-Mms-Message-Type value, trimmed and ignoring ASCII case, since real
// traffic varies it ("MM4_Forward.REQ"; spec §2). The error is a *FieldError for HdrMessageType that
// names the value.
func ParseMessageType(s string) (MessageType, error) {
	s = strings.TrimSpace(s)
	t, err := parseMessageTypeToken(s)
	if err != nil {
		return 0, &FieldError{Field: HdrMessageType, Value: s, Reason: err.Error()}
	}
	return t, nil
}

// parseMessageTypeToken looks the trimmed token up in messageTypes.
func parseMessageTypeToken(s string) (MessageType, error) {
	if s == "" {
		return 0, errors.New(reasonMissing)
	}
	for t := ForwardReq; t <= ReadReplyReportRes; t++ {
		if tokenEqualFold(s, messageTypes[t].token) {
			return t, nil
		}
	}
	return 0, errors.New("unknown MM4 message type")
}

// IsMM4 reports whether h carries an X-Mms-Message-Type whose value begins with "MM4_", ignoring case:
// the inbound classification of spec §7 (anything else from an Internet peer is MM3, RFC 4356).
// The type need not be one of the six Parse knows.
func IsMM4(h textproto.Header) bool {
	v, ok := firstValue(&h, HdrMessageType)
	const prefix = "MM4_"
	return ok && len(v) >= len(prefix) && tokenEqualFold(v[:len(prefix)], prefix)
}

// IsTransportField reports whether name is an MM4 transport field, that is any "X-Mms-*" field
// (spec §2), so that a converter can drop them when it turns an MM into Internet mail (RFC 4356).
func IsTransportField(name string) bool {
	const prefix = "X-Mms-"
	return len(name) > len(prefix) && tokenEqualFold(name[:len(prefix)], prefix)
}

// firstValue returns the first non-empty value, trimmed, of the field name in h, matching the name
// ignoring ASCII case (textproto.Header.Get would miss "x-mms-originator-r/s-delivery-report", whose
// "/" stops net/textproto from canonicalising it).
func firstValue(h *textproto.Header, name string) (string, bool) {
	for fields := h.Fields(); fields.Next(); {
		if !tokenEqualFold(fields.Key(), name) {
			continue
		}
		if v := trimFieldValue(fields.Value()); v != "" {
			return v, true
		}
	}
	return "", false
}

// Expiry is the value of X-Mms-Expiry (spec §2.1). Both forms occur on the wire: relative seconds
// ("600") and an absolute date. At most one of the fields is set; both zero means no expiry.
type Expiry struct {
	Relative time.Duration // time to live from the message's handling; whole seconds on the wire
	Absolute time.Time     // expiry instant
}

// ParseExpiry interprets an X-Mms-Expiry value: a decimal number of seconds (a relative expiry; "0"
// gives the zero Expiry), or an RFC 5322 date-time or HTTP-date (RFC 9110 §5.6.7, the obsolete RFC 850
// and asctime forms included). The error is a *FieldError for HdrExpiry.
func ParseExpiry(s string) (Expiry, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxValueLength {
		return Expiry{}, &FieldError{Field: HdrExpiry, Value: s, Reason: reasonTooLong(maxValueLength)}
	}
	e, err := parseExpiry(s)
	if err != nil {
		return Expiry{}, &FieldError{Field: HdrExpiry, Value: s, Reason: err.Error()}
	}
	return e, nil
}

// maxExpirySeconds is the longest relative expiry a time.Duration holds.
const maxExpirySeconds = math.MaxInt64 / int64(time.Second)

// parseExpiry is ParseExpiry on a trimmed value of bounded length.
func parseExpiry(s string) (Expiry, error) {
	if s == "" {
		return Expiry{}, errors.New("empty value")
	}
	if decimalDigitsOnly(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > maxExpirySeconds {
			return Expiry{}, errors.New("relative expiry out of range")
		}
		return Expiry{Relative: time.Duration(n) * time.Second}, nil
	}
	t, err := parseMM4Date(s)
	if err != nil {
		return Expiry{}, errors.New("neither a number of seconds nor a date")
	}
	return Expiry{Absolute: t}, nil
}

// headerValue formats e for X-Mms-Expiry: an absolute expiry as an RFC 5322 date-time, a relative one
// in whole seconds (at least 1). When both are set the absolute one wins. It returns "" for none.
func (e Expiry) headerValue() string {
	switch {
	case !e.Absolute.IsZero():
		return e.Absolute.Format(time.RFC1123Z)
	case e.Relative > 0:
		secs := int64(e.Relative / time.Second)
		if secs == 0 {
			secs = 1
		}
		return strconv.FormatInt(secs, 10)
	}
	return ""
}

// httpDateLayouts are the HTTP-date forms (RFC 9110 §5.6.7) that net/mail.ParseDate does not accept;
// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is an RFC 5322 date-time and needs no layout.
var httpDateLayouts = []string{time.RFC850, time.ANSIC}

// obsZones are the North American zone names of RFC 5322 §4.3 (obs-zone) with their offsets in
// seconds. The time package gives an unknown zone name a zero offset; these are corrected.
var obsZones = map[string]int{
	"EST": -5 * 3600, "EDT": -4 * 3600,
	"CST": -6 * 3600, "CDT": -5 * 3600,
	"MST": -7 * 3600, "MDT": -6 * 3600,
	"PST": -8 * 3600, "PDT": -7 * 3600,
}

// parseMM4Date reads an RFC 5322 date-time (Date:, spec §2.1) or an HTTP-date (X-Mms-Expiry, as
// written by Mbuni and the C++ implementation).
func parseMM4Date(s string) (time.Time, error) {
	t, err := mail.ParseDate(s)
	for _, layout := range httpDateLayouts {
		if err == nil {
			break
		}
		t, err = time.Parse(layout, s)
	}
	if err != nil {
		return time.Time{}, errors.New("not an RFC 5322 date-time or HTTP-date")
	}
	if name, offset := t.Zone(); offset == 0 {
		if obs, ok := obsZones[name]; ok {
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(),
				time.FixedZone(name, obs))
		}
	}
	return t, nil
}

// Message is one MM4 message header, any of the six types (spec §2). Parse fills it from a received
// header; [Message.Header] encodes it. Fields an MM4 message may carry but Message does not model
// (X-Mms-Previously-sent-*, X-Mms-Applic-ID, …) stay in the original header.
type Message struct {
	Type    MessageType // X-Mms-Message-Type
	Version string      // X-Mms-3GPP-MMS-Version, e.g. "6.10.0"

	// TransactionID and MessageID are X-Mms-Transaction-ID and X-Mms-Message-ID with surrounding
	// double quotes removed ("\"abc\"" → "abc"); they are the correlation keys (spec §3.2).
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

	RequestStatus     RequestStatus // X-Mms-Request-Status-Code (RES types)
	StatusText        string        // X-Mms-Status-Text
	MMStatus          MMStatus      // X-Mms-MM-Status-Code (delivery_report.REQ)
	MMStatusExtension string        // X-Mms-MM-Status-Extension, as received (spellings differ, spec §2.3)
	ReadStatus        ReadStatus    // X-Mms-Read-Status (read_reply_report.REQ)
	RFC822MessageID   string        // the RFC 5322 Message-ID, with its angle brackets
}

// FieldError reports a bad or missing MM4 header field. Field is the exact spec spelling of the
// field, so the error suits a 554 5.6.0 reply or an Error-message-format-corrupt status text.
type FieldError struct {
	Field  string // header field name, spec spelling
	Value  string // the offending value; "" for a missing field
	Reason string
}

// maxErrorValueLength bounds how much of a bad value an error message quotes.
const maxErrorValueLength = 64

// Error returns "Field: Reason" for a missing field and `Field: bad value "…": Reason` otherwise, the
// value cut to 64 bytes and quoted in ASCII so that the message is safe in an SMTP reply.
func (e *FieldError) Error() string {
	if e.Value == "" {
		return e.Field + ": " + e.Reason
	}
	v, more := e.Value, ""
	if len(v) > maxErrorValueLength {
		v, more = v[:maxErrorValueLength], "..."
	}
	return fmt.Sprintf("%s: bad value %+q%s: %s", e.Field, v, more, e.Reason)
}

// reasonTooLong is the FieldError reason for a value over its length limit.
func reasonTooLong(limit int) string { return "longer than " + strconv.Itoa(limit) + " bytes" }

// Parse reads an MM4 message of any of the six types from h (spec §2, §7 "Parsing").
//
// It is lenient where real peers differ: field names and token values match ignoring ASCII case,
// Transaction-ID and Message-ID lose their double quotes, X-Mms-Expiry may be seconds or a date,
// unknown X-Mms-* fields and fields that do not belong to the message type are ignored (TS 23.140
// §8.4.6), an empty field counts as absent, and of repeated fields the first non-empty one wins
// (To and Cc keep every occurrence). Date and Content-Type are optional.
//
// It is strict about what it uses: the message type must be one of the six, the type's mandatory
// fields must be present (spec §2.1–§2.6, see messageTypes), and a value it reads is refused if it
// contains CR, LF or NUL, exceeds its length limit (4096 bytes; 64 KiB for one To or Cc field, of
// which there may be 10000 each), is not UTF-8 (except Subject and X-Mms-Status-Text, kept as raw
// octets), or does not parse (Yes/No flags, X-Mms-Expiry, X-Mms-Forward-Counter,
// X-Mms-MM-Status-Code, X-Mms-Read-Status). Unknown X-Mms-Request-Status-Code values are kept; an
// unreadable Date is left zero, like a missing one.
//
// Every error is a *FieldError, the first one found; a missing or unknown X-Mms-Message-Type gives
// one for HdrMessageType.
func Parse(h textproto.Header) (*Message, error) {
	v, ok := firstValue(&h, HdrMessageType)
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
		v := trimFieldValue(fields.Value())
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

// Header encodes m as an MM4 header with the exact spec spellings, in spec order (spec §7
// "Emission"): X-Mms-3GPP-MMS-Version, X-Mms-Message-Type, X-Mms-Transaction-ID and
// X-Mms-Message-ID (not for read_reply_report.RES), then the type's fields in table order, then
// Sender, From, To, Cc, Subject (RFC 2047 encoded when not ASCII), Date (RFC 5322), Message-ID and
// MIME-Version: 1.0.
//
// Only set fields are written: non-empty strings, true flags (X-Mms-Ack-Request is always written
// on a REQ, as Yes or No), a positive forward counter, a non-zero date or expiry. The
// Transaction-ID is written from RawTransactionID when set, so that a RES echoes the REQ exactly,
// else from TransactionID; likewise the Message-ID. Long values are folded at single spaces
// (RFC 5322 §2.2.3). Header does not check that an ack request comes with X-Mms-Originator-System
// (spec §7); the caller should set both.
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
			v = trimFieldValue(v)
			if v == "" {
				continue
			}
			if err := f.apply(written, v); err != nil {
				return textproto.Header{}, err
			}
			lines = append(lines, foldField(f.name, v))
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

// NewResponse returns the RES answering req (spec §2.2, §2.4, §2.6; TS 23.140 §8.4.1–§8.4.3): the
// REQ's version, the matching RES type, the Transaction-ID echoed (raw and unquoted), the
// Message-ID echoed except for a read_reply_report.RES, which has none, and the status with its text
// (status.Text() when text is ""). The caller sets Sender, To (the REQ's OriginatorSystem, spec §3.1),
// Date and RFC822MessageID. A nil req gives a message with only the status set.
func NewResponse(req *Message, status RequestStatus, text string) *Message {
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

// checkMandatory returns a *FieldError for the first row of ts.mandatory that m does not satisfy.
func (ts *typeSpec) checkMandatory(m *Message) error {
	for _, row := range ts.mandatory {
		satisfied := false
		for _, name := range row {
			if f := lookupField(name); f != nil && f.present != nil && f.present(m) {
				satisfied = true
				break
			}
		}
		if !satisfied {
			reason := reasonMissing
			if len(row) > 1 {
				reason += " (or " + strings.Join(row[1:], ", ") + ")"
			}
			return &FieldError{Field: row[0], Reason: reason}
		}
	}
	return nil
}

// fieldSpec is one header field as data: its spelling, its limits and how it maps to Message.
type fieldSpec struct {
	name   string // exact spec spelling
	limit  int    // maximum value length in bytes
	text   bool   // free text: any octets but CR, LF and NUL; otherwise the value must also be UTF-8
	repeat bool   // every occurrence is kept (To, Cc); otherwise the first wins
	// decode stores the trimmed, checked value v in m or returns the reason it is bad;
	// nil for a field that is written but not read (MIME-Version).
	decode func(m *Message, v string) error
	// encode returns the values to write for m, none when the field is unset.
	encode func(m *Message) []string
	// present reports whether m has the field, for the mandatory checks; nil if never mandatory.
	present func(m *Message) bool

	bit uint64 // 1 << index in fieldSpecs
}

// apply checks v against f's limits and decodes it into m. The length is checked first, so that an
// over-long value is refused before it is scanned.
func (f *fieldSpec) apply(m *Message, v string) error {
	if len(v) > f.limit {
		return &FieldError{Field: f.name, Value: v, Reason: reasonTooLong(f.limit)}
	}
	if strings.ContainsAny(v, "\r\n\x00") {
		return &FieldError{Field: f.name, Value: v, Reason: "contains CR, LF or NUL"}
	}
	if !f.text && !utf8.ValidString(v) {
		return &FieldError{Field: f.name, Value: v, Reason: "not valid UTF-8"}
	}
	if f.decode == nil {
		return nil
	}
	if err := f.decode(m, v); err != nil {
		return &FieldError{Field: f.name, Value: v, Reason: err.Error()}
	}
	return nil
}

// Token values of spec §2.1, canonical spelling.
var (
	messageClasses     = []string{"Personal", "Advertisement", "Informational", "Auto"}
	priorities         = []string{"Low", "Normal", "High"}
	senderVisibilities = []string{"Hide", "Show"}
)

// fieldSpecs are all the header fields Parse reads and Header writes.
var fieldSpecs = []*fieldSpec{
	stringField(HdrVersion, false, func(m *Message) *string { return &m.Version }),
	{
		name:    HdrMessageType,
		limit:   maxValueLength,
		decode:  func(m *Message, v string) (err error) { m.Type, err = parseMessageTypeToken(v); return err },
		encode:  func(m *Message) []string { return nonEmpty(messageTypeToken(m.Type)) },
		present: func(m *Message) bool { return m.Type.spec() != nil },
	},
	idField(HdrTransactionID, func(m *Message) (*string, *string) { return &m.RawTransactionID, &m.TransactionID }),
	idField(HdrMessageID, func(m *Message) (*string, *string) { return &m.RawMessageID, &m.MessageID }),
	flagField(HdrAckRequest, true, func(m *Message) *bool { return &m.AckRequest }),
	{
		name:   HdrOriginatorSystem,
		limit:  maxValueLength,
		decode: func(m *Message, v string) error { m.OriginatorSystem = originatorAddrSpec(v); return nil },
		encode: func(m *Message) []string { return nonEmpty(m.OriginatorSystem) },
	},
	{
		name:    HdrRequestStatusCode,
		limit:   maxValueLength,
		decode:  func(m *Message, v string) error { m.RequestStatus = ParseRequestStatus(v); return nil },
		encode:  func(m *Message) []string { return nonEmpty(string(m.RequestStatus)) },
		present: func(m *Message) bool { return m.RequestStatus != "" },
	},
	textField(HdrStatusText, func(m *Message) *string { return &m.StatusText }),
	{
		name:  HdrMMStatusCode,
		limit: maxValueLength,
		decode: func(m *Message, v string) error {
			s, ok := ParseMMStatus(v)
			if !ok {
				return errors.New("unknown MM status")
			}
			m.MMStatus = s
			return nil
		},
		encode:  func(m *Message) []string { return nonEmpty(string(m.MMStatus)) },
		present: func(m *Message) bool { return m.MMStatus != "" },
	},
	stringField(HdrMMStatusExtension, false, func(m *Message) *string { return &m.MMStatusExtension }),
	{
		name:  HdrReadStatus,
		limit: maxValueLength,
		decode: func(m *Message, v string) error {
			s, ok := ParseReadStatus(v)
			if !ok {
				return errors.New("unknown read status")
			}
			m.ReadStatus = s
			return nil
		},
		encode:  func(m *Message) []string { return nonEmpty(string(m.ReadStatus)) },
		present: func(m *Message) bool { return m.ReadStatus != "" },
	},
	flagField(HdrDeliveryReport, false, func(m *Message) *bool { return &m.DeliveryReport }),
	flagField(HdrOriginatorRSDeliveryReport, false, func(m *Message) *bool { return &m.OriginatorRSDeliveryReport }),
	flagField(HdrReadReply, false, func(m *Message) *bool { return &m.ReadReply }),
	flagField(HdrForwardToOriginatorUA, false, func(m *Message) *bool { return &m.ForwardToOriginatorUA }),
	tokenField(HdrMessageClass, messageClasses, func(m *Message) *string { return &m.MessageClass }),
	tokenField(HdrPriority, priorities, func(m *Message) *string { return &m.Priority }),
	tokenField(HdrSenderVisibility, senderVisibilities, func(m *Message) *string { return &m.SenderVisibility }),
	{
		name:   HdrExpiry,
		limit:  maxValueLength,
		decode: func(m *Message, v string) (err error) { m.Expiry, err = parseExpiry(v); return err },
		encode: func(m *Message) []string { return nonEmpty(m.Expiry.headerValue()) },
	},
	{
		name:  HdrForwardCounter,
		limit: maxValueLength,
		decode: func(m *Message, v string) error {
			if len(v) > 9 || !decimalDigitsOnly(v) {
				return errors.New("not a non-negative integer below 10^9")
			}
			m.ForwardCounter, _ = strconv.Atoi(v)
			return nil
		},
		encode: func(m *Message) []string {
			if m.ForwardCounter <= 0 {
				return nil
			}
			return []string{strconv.Itoa(m.ForwardCounter)}
		},
	},
	stringField(hdrSender, false, func(m *Message) *string { return &m.Sender }),
	stringField(hdrFrom, false, func(m *Message) *string { return &m.From }),
	listField(hdrTo, func(m *Message) *[]string { return &m.To }),
	listField(hdrCc, func(m *Message) *[]string { return &m.Cc }),
	{
		name:   hdrSubject,
		limit:  maxValueLength,
		text:   true,
		decode: func(m *Message, v string) error { m.Subject = v; return nil },
		encode: func(m *Message) []string {
			if strings.ContainsAny(m.Subject, "\r\n\x00") {
				return nonEmpty(m.Subject) // left unencoded, so that apply refuses it
			}
			return nonEmpty(mime.QEncoding.Encode("utf-8", m.Subject))
		},
	},
	{
		// Date is mandatory in TS 23.140 but peers omit it (field notes); an unreadable one is
		// treated like a missing one rather than failing the whole message.
		name:   hdrDate,
		limit:  maxValueLength,
		decode: func(m *Message, v string) error { m.Date, _ = parseMM4Date(v); return nil },
		encode: func(m *Message) []string {
			if m.Date.IsZero() {
				return nil
			}
			return []string{m.Date.Format(time.RFC1123Z)}
		},
	},
	stringField(hdrRFC822MessageID, false, func(m *Message) *string { return &m.RFC822MessageID }),
	{
		name:   hdrMIMEVersion,
		limit:  maxValueLength,
		encode: func(*Message) []string { return []string{"1.0"} },
	},
}

// fieldAliases are other spellings Parse accepts for a field.
var fieldAliases = map[string]string{hdrMMReadStatus: HdrReadStatus}

// fieldsByName maps the ASCII-lower-cased field names and aliases to their fieldSpec.
var fieldsByName = map[string]*fieldSpec{}

func init() {
	for i, f := range fieldSpecs {
		f.bit = 1 << uint(i)
		fieldsByName[strings.ToLower(f.name)] = f
	}
	for alias, name := range fieldAliases {
		fieldsByName[strings.ToLower(alias)] = fieldsByName[strings.ToLower(name)]
	}
	for t := range messageTypes {
		ts := &messageTypes[t]
		if ts.token == "" {
			continue
		}
		for _, name := range append(append([]string(nil), ts.fields...), rfc5322Fields...) {
			if f := lookupField(name); f != nil {
				ts.order = append(ts.order, f)
				ts.parsed |= f.bit
			}
		}
		// Every type reads X-Mms-Message-ID, even read_reply_report.RES, which should not carry it.
		if f := lookupField(HdrMessageID); f != nil {
			ts.parsed |= f.bit
		}
	}
}

// lookupField returns the fieldSpec for a header field name in any ASCII case, or nil.
func lookupField(name string) *fieldSpec {
	if len(name) > maxFieldNameLength {
		return nil
	}
	var buf [maxFieldNameLength]byte
	lower := buf[:len(name)]
	for i := 0; i < len(name); i++ {
		lower[i] = tokenLowerByte(name[i])
	}
	return fieldsByName[string(lower)]
}

// stringField is a single-valued field stored as received.
func stringField(name string, text bool, p func(*Message) *string) *fieldSpec {
	return &fieldSpec{
		name:    name,
		limit:   maxValueLength,
		text:    text,
		decode:  func(m *Message, v string) error { *p(m) = v; return nil },
		encode:  func(m *Message) []string { return nonEmpty(*p(m)) },
		present: func(m *Message) bool { return *p(m) != "" },
	}
}

// textField is a free-text field: any octets but CR, LF and NUL.
func textField(name string, p func(*Message) *string) *fieldSpec {
	return stringField(name, true, p)
}

// idField is X-Mms-Transaction-ID or X-Mms-Message-ID: kept raw for echoing and unquoted for
// correlation (spec §3.2, field notes). It is present when the unquoted form is not empty.
func idField(name string, p func(*Message) (raw, bare *string)) *fieldSpec {
	return &fieldSpec{
		name:  name,
		limit: maxValueLength,
		decode: func(m *Message, v string) error {
			raw, bare := p(m)
			*raw, *bare = v, unquoteID(v)
			return nil
		},
		encode: func(m *Message) []string {
			raw, bare := p(m)
			if *raw != "" {
				return []string{*raw}
			}
			return nonEmpty(*bare)
		},
		present: func(m *Message) bool { _, bare := p(m); return *bare != "" },
	}
}

// flagField is a Yes/No field (spec §2.1). Header writes "Yes" when the flag is set and, when
// always is set, "No" otherwise.
func flagField(name string, always bool, p func(*Message) *bool) *fieldSpec {
	return &fieldSpec{
		name:  name,
		limit: maxValueLength,
		decode: func(m *Message, v string) error {
			switch {
			case tokenEqualFold(v, "Yes"):
				*p(m) = true
			case tokenEqualFold(v, "No"):
				*p(m) = false
			default:
				return errors.New(`neither "Yes" nor "No"`)
			}
			return nil
		},
		encode: func(m *Message) []string {
			switch {
			case *p(m):
				return []string{"Yes"}
			case always:
				return []string{"No"}
			}
			return nil
		},
	}
}

// tokenField is a field with a known set of tokens: a known token is stored in its canonical
// spelling, any other value as received (TS 23.140 §8.4.6: process what is understood).
func tokenField(name string, tokens []string, p func(*Message) *string) *fieldSpec {
	return &fieldSpec{
		name:  name,
		limit: maxValueLength,
		decode: func(m *Message, v string) error {
			*p(m) = v
			for _, t := range tokens {
				if tokenEqualFold(v, t) {
					*p(m) = t
					break
				}
			}
			return nil
		},
		encode: func(m *Message) []string { return nonEmpty(*p(m)) },
	}
}

// listField is To or Cc: every occurrence is kept, up to maxRecipientFields of them.
func listField(name string, p func(*Message) *[]string) *fieldSpec {
	return &fieldSpec{
		name:   name,
		limit:  maxListValueLength,
		repeat: true,
		decode: func(m *Message, v string) error {
			l := p(m)
			if len(*l) >= maxRecipientFields {
				return errors.New("more than " + strconv.Itoa(maxRecipientFields) + " fields")
			}
			*l = append(*l, v)
			return nil
		},
		encode:  func(m *Message) []string { return *p(m) },
		present: func(m *Message) bool { return len(*p(m)) > 0 },
	}
}

// nonEmpty returns v as a one-element list, or nil when v is empty.
func nonEmpty(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

// messageTypeToken returns the token of t, or "" outside spec §2.
func messageTypeToken(t MessageType) string {
	if s := t.spec(); s != nil {
		return s.token
	}
	return ""
}

// unquoteID removes the double quotes some MMSCs put around X-Mms-Transaction-ID and
// X-Mms-Message-ID (Mbuni, Play; spec §2.1), undoing quoted-pair escapes inside them. A value that
// is not a single quoted string is returned unchanged.
func unquoteID(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	inner := v[1 : len(v)-1]
	if !strings.ContainsAny(inner, `"\`) {
		return inner
	}
	var b strings.Builder
	b.Grow(len(inner))
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		switch {
		case c == '\\' && i+1 < len(inner):
			i++
			c = inner[i]
		case c == '"':
			return v // an unescaped quote inside: not one quoted string
		}
		b.WriteByte(c)
	}
	return b.String()
}

// originatorAddrSpec extracts the addr-spec from an X-Mms-Originator-System value, which some
// peers write as a mailbox ("System <postmaster@mmsc>"). A value net/mail cannot parse, such as an
// MMS address with no domain, is taken as written minus surrounding angle brackets.
func originatorAddrSpec(v string) string {
	if a, err := mail.ParseAddress(v); err == nil {
		return a.Address
	}
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		v = v[i+1:]
		if j := strings.IndexByte(v, '>'); j >= 0 {
			v = v[:j]
		}
	}
	return strings.Trim(v, " \t<>")
}

// decimalDigitsOnly reports whether s is a non-empty string of ASCII digits.
func decimalDigitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// foldLineLength is the line length RFC 5322 §2.2.3 recommends, excluding CRLF.
const foldLineLength = 78

// foldField formats one header field as "Name: value\r\n", folding the value at single spaces so
// that lines stay within foldLineLength octets where the value allows. Only a space between two
// non-blank octets is a fold point, so unfolding (which joins lines with one space) restores the
// value exactly. A value with no such space stays on one line.
func foldField(name, value string) string {
	var b strings.Builder
	b.Grow(len(name) + len(value) + 8)
	b.WriteString(name)
	b.WriteString(": ")
	line := len(name) + 2
	start := 0
	for i := 1; i <= len(value); i++ {
		if i < len(value) && !(value[i] == ' ' && i+1 < len(value) && !isBlank(value[i-1]) && !isBlank(value[i+1])) {
			continue
		}
		word := value[start:i] // begins with the fold-point space, except the first
		if start > 0 && line+len(word) > foldLineLength {
			b.WriteString("\r\n")
			line = 0
		}
		b.WriteString(word)
		line += len(word)
		start = i
	}
	b.WriteString("\r\n")
	return b.String()
}

// isBlank reports whether c is RFC 5322 WSP.
func isBlank(c byte) bool { return c == ' ' || c == '\t' }
