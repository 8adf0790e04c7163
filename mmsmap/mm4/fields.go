// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm4

import (
	"errors"
	"mime"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// Header field names of the MM4 information elements, spelled exactly as in the tables of
// 3GPP TS 23.140 §8.4.1–§8.4.3 (encoded per §8.4.4). The comments give the section and the
// presence (M mandatory, O optional, C conditional). [Parse] matches the names ignoring ASCII case;
// [Message.Header] writes them as spelled here, since some peers match them case-sensitively.
const (
	HdrVersion                    = "X-Mms-3GPP-MMS-Version"               // §8.4.1–§8.4.3, M
	HdrMessageType                = "X-Mms-Message-Type"                   // §8.4.1–§8.4.3, M
	HdrTransactionID              = "X-Mms-Transaction-ID"                 // §8.4.1–§8.4.3, M; copied into the RES
	HdrMessageID                  = "X-Mms-Message-ID"                     // §8.4.1–§8.4.3, M; not in read_reply_report.RES
	HdrAckRequest                 = "X-Mms-Ack-Request"                    // REQ types, O
	HdrOriginatorSystem           = "X-Mms-Originator-System"              // §8.4.1 transport field: where RES go
	HdrRequestStatusCode          = "X-Mms-Request-Status-Code"            // RES types, M
	HdrStatusText                 = "X-Mms-Status-Text"                    // O
	HdrMMStatusCode               = "X-Mms-MM-Status-Code"                 // §8.4.2, M
	HdrMMStatusExtension          = "X-Mms-MM-Status-Extension"            // §8.4.2, O
	HdrReadStatus                 = "X-Mms-Read-Status"                    // §8.4.3, M
	HdrDeliveryReport             = "X-Mms-Delivery-Report"                // §8.4.1, O
	HdrOriginatorRSDeliveryReport = "X-Mms-Originator-R/S-Delivery-Report" // §8.4.1, O
	HdrReadReply                  = "X-Mms-Read-Reply"                     // §8.4.1, O
	HdrMessageClass               = "X-Mms-Message-Class"                  // §8.4.1, O
	HdrPriority                   = "X-Mms-Priority"                       // §8.4.1, O
	HdrExpiry                     = "X-Mms-Expiry"                         // §8.4.1, O
	HdrSenderVisibility           = "X-Mms-Sender-Visibility"              // §8.4.1, O
	HdrForwardCounter             = "X-Mms-Forward-Counter"                // §8.4.1, C
	HdrForwardToOriginatorUA      = "X-Mms-Forward-To-Originator-UA"       // §8.4.2, O
	HdrPreviouslySentBy           = "X-Mms-Previously-sent-by"             // §8.4.1, C; may repeat
	HdrPreviouslySentDate         = "X-Mms-Previously-sent-date-and-time"  // §8.4.1, C; may repeat
	HdrVASPID                     = "X-Mms-VASP-ID"                        // §8.4.1, O (Rel-6, MM7-originated)
	HdrVASID                      = "X-Mms-VAS-ID"                         // §8.4.1, O
	HdrServiceCode                = "X-Mms-Service-Code"                   // §8.4.1, O
	HdrApplicID                   = "X-Mms-Applic-ID"                      // §8.4.1–§8.4.3, O
	HdrReplyApplicID              = "X-Mms-Reply-Applic-ID"                // §8.4.1–§8.4.3, O
	HdrAuxApplicInfo              = "X-Mms-Aux-Applic-Info"                // §8.4.1–§8.4.3, O
	HdrContentClass               = "X-Mms-Content-Class"                  // §8.4.1, O
	HdrDRMContent                 = "X-Mms-DRM-Content"                    // §8.4.1, O
	HdrAdaptationAllowed          = "X-Mms-Adaptation-Allowed"             // §8.4.1, O

	// HdrRequestRecipients is not in TS 23.140: one Python MM4 gateway adds it to a RES to say
	// which recipients of the REQ the status covers (the standard RES covers the whole REQ). It may
	// repeat; Parse keeps every occurrence, as for To.
	HdrRequestRecipients = "X-Mms-Request-Recipients" // RES types, O (non-standard); may repeat
)

// RFC 5322 fields that carry MM4 information elements or accompany them (TS 23.140 §8.4.1, §8.4.4).
const (
	hdrSender          = "Sender"
	hdrFrom            = "From"
	hdrTo              = "To"
	hdrCc              = "Cc"
	hdrSubject         = "Subject"
	hdrDate            = "Date"
	hdrRFC822MessageID = "Message-ID"
	hdrMIMEVersion     = "MIME-Version"

	// hdrMMReadStatus is a non-standard spelling of HdrReadStatus sent by one Python MM4
	// gateway; Parse accepts it as an alias.
	hdrMMReadStatus = "X-Mms-MM-Read-Status"
	// hdrReadReport is the MM1 name of HdrReadReply (OMA-MMS-ENC X-Mms-Read-Report), which a real
	// open-source MMSC writes in MM4_forward.REQ; Parse accepts it as an alias.
	hdrReadReport = "X-Mms-Read-Report"
)

// Limits on hostile input. Every value is measured before it is scanned or decoded.
const (
	// maxValueLength bounds every other single-valued field: tokens, dates, addresses and text.
	maxValueLength = lex.MaxValueLength
	// maxListValueLength bounds one To or Cc field, which may list many recipients.
	maxListValueLength = lex.MaxListValueLength
	// maxRecipientFields bounds how many To fields, and separately how many Cc (or
	// X-Mms-Request-Recipients) fields, a message may have.
	maxRecipientFields = 10000
	// maxFieldNameLength is longer than every field name Parse knows; longer names are skipped unread.
	maxFieldNameLength = lex.MaxFieldNameLength
)

// reasonMissing is the FieldError reason for an absent (or empty) mandatory field.
const reasonMissing = lex.ReasonMissing

// fieldSpec is one header field as data: its spelling, its limits and how it maps to Message.
type fieldSpec struct {
	name   string // exact TS 23.140 spelling
	limit  int    // maximum value length in bytes
	text   bool   // free text: any octets but CR, LF and NUL; otherwise the value must also be UTF-8 without control characters
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
	if !f.text {
		if !utf8.ValidString(v) {
			return &FieldError{Field: f.name, Value: v, Reason: "not valid UTF-8"}
		}
		// IDs, tokens and addresses are echoed in responses and written
		// into mailboxes: no control characters (ESC, DEL, …) either.
		if i := strings.IndexFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }); i >= 0 {
			return &FieldError{Field: f.name, Value: v, Reason: "contains a control character " + lex.DescribeByte(v[i])}
		}
	}
	if f.decode == nil {
		return nil
	}
	if err := f.decode(m, v); err != nil {
		return &FieldError{Field: f.name, Value: v, Reason: err.Error()}
	}
	return nil
}

// Token values of TS 23.140 §8.4.1, canonical spelling.
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
		decode:  func(m *Message, v string) error { m.RequestStatus = mmsmap.ParseRequestStatus(v); return nil },
		encode:  func(m *Message) []string { return nonEmpty(string(m.RequestStatus)) },
		present: func(m *Message) bool { return m.RequestStatus != "" },
	},
	textField(HdrStatusText, func(m *Message) *string { return &m.StatusText }),
	{
		name:  HdrMMStatusCode,
		limit: maxValueLength,
		decode: func(m *Message, v string) error {
			s, ok := mmsmap.ParseMMStatus(v)
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
			s, ok := mmsmap.ParseReadStatus(v)
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
	listField(HdrRequestRecipients, func(m *Message) *[]string { return &m.RequestRecipients }),
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
		// Date is mandatory in TS 23.140 but real peers omit it, so it is optional here: an
		// unreadable one is ignored like any bad optional value.
		name:   hdrDate,
		limit:  maxValueLength,
		decode: func(m *Message, v string) (err error) { m.Date, err = lex.ParseDate(v); return err },
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
var fieldAliases = map[string]string{hdrMMReadStatus: HdrReadStatus, hdrReadReport: HdrReadReply}

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
		for _, row := range ts.mandatory {
			for _, name := range row {
				if f := lookupField(name); f != nil {
					ts.mandatoryBits |= f.bit
				}
			}
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
		lower[i] = lex.TokenLowerByte(name[i])
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
// correlation (TS 23.140 §8.4.5; real peers quote them). It is present when the unquoted form is not empty.
func idField(name string, p func(*Message) (raw, bare *string)) *fieldSpec {
	return &fieldSpec{
		name:  name,
		limit: MaxIDLength,
		decode: func(m *Message, v string) error {
			raw, bare := p(m)
			*raw, *bare = v, lex.UnquoteID(v)
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

// flagField is a Yes/No field (TS 23.140 §8.4.1). Header writes "Yes" when the flag is set and, when
// always is set, "No" otherwise.
func flagField(name string, always bool, p func(*Message) *bool) *fieldSpec {
	return &fieldSpec{
		name:  name,
		limit: maxValueLength,
		decode: func(m *Message, v string) error {
			switch {
			case lex.TokenEqualFold(v, "Yes"):
				*p(m) = true
			case lex.TokenEqualFold(v, "No"):
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

// tokenField is a field with a known set of tokens, matched ignoring ASCII case and stored in
// canonical spelling. Any other value is bad: Parse ignores it (TS 23.140 §8.4.6: process what
// is understood) and Header refuses to write it.
func tokenField(name string, tokens []string, p func(*Message) *string) *fieldSpec {
	return &fieldSpec{
		name:  name,
		limit: maxValueLength,
		decode: func(m *Message, v string) error {
			for _, t := range tokens {
				if lex.TokenEqualFold(v, t) {
					*p(m) = t
					return nil
				}
			}
			return errors.New("not one of " + strings.Join(tokens, ", "))
		},
		encode: func(m *Message) []string { return nonEmpty(*p(m)) },
	}
}

// listField is To, Cc or X-Mms-Request-Recipients: every occurrence is kept, up to
// maxRecipientFields of them.
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

// messageTypeToken returns the token of t, or "" outside the six.
func messageTypeToken(t MessageType) string {
	if s := t.spec(); s != nil {
		return s.token
	}
	return ""
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
