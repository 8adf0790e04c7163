// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1

import (
	"errors"
	"fmt"
	"time"

	"github.com/maddy-mms/maddy-mms/mmsmap"
)

// Value is the decoded value of a header field or a content-type parameter. Its dynamic type is
// one of those in this file, or [ContentType] for Content-Type. [Raw] holds the wire octets of a
// value that the field's codec could not decode (or a field this package does not know); it is
// written back unchanged.
type Value interface {
	isValue()
}

// Text is a Text-string, Quoted-string or Token-text value (WSP §8.4.2.1), without its quote
// and NUL.
type Text string

// Integer is a Long-integer or Integer-value (WSP §8.4.2.1, §8.4.2.3).
type Integer uint64

// Date is a Date-value (WSP §8.4.2.24): seconds since 1970-01-01T00:00:00Z.
type Date uint64

// Token is a one-octet enumerated value (a Short-integer with the high bit set, as on the wire:
// 0x80 Yes, 0x81 No, …). [Header.String] names it from the field's table.
type Token byte

// EncodedString is an Encoded-string-value (OMA-MMS-ENC §7.2.9): text and, when it was sent in
// the Value-length form, the IANA MIBenum of its character set (106 UTF-8, 4 ISO-8859-1, 3
// US-ASCII, 1000 UCS-2); 0 means none was given (US-ASCII, or UTF-8 in practice).
type EncodedString struct {
	Charset uint64
	Text    string
}

// Address parses the text of an address field (To, Cc, Bcc, From), "+15551234567/TYPE=PLMN"
// or "user@example.net" (OMA-MMS-ENC §8).
func (e EncodedString) Address() (mmsmap.Address, error) { return mmsmap.ParseAddress(e.Text) }

// From is the value of the From field (OMA-MMS-ENC §7.3.21): an address, or, with Insert set,
// the Insert-address-token by which the terminal asks the MMSC to fill in its address.
type From struct {
	Insert  bool
	Address EncodedString // when !Insert
}

// TimeSpec is the value of X-Mms-Expiry, X-Mms-Delivery-Time and X-Mms-Reply-Charging-Deadline
// (OMA-MMS-ENC §7.3.12, §7.3.20): an absolute Date-value or, with Relative set, a
// Delta-seconds-value.
type TimeSpec struct {
	Relative bool
	Seconds  uint64
}

// PreviouslySentBy is an X-Mms-Previously-Sent-By entry (OMA-MMS-ENC §7.3.44): the forwarding
// count and the address of the one who forwarded.
type PreviouslySentBy struct {
	Count   uint64
	Address EncodedString
}

// PreviouslySentDate is an X-Mms-Previously-Sent-Date entry (OMA-MMS-ENC §7.3.45).
type PreviouslySentDate struct {
	Count uint64
	Date  Date
}

// MMFlags is the value of X-Mms-MM-Flags (OMA-MMS-ENC §7.3.28): an operation (0x80 add,
// 0x81 remove, 0x82 filter) and a keyword.
type MMFlags struct {
	Op      Token
	Keyword EncodedString
}

// Quota is the value of X-Mms-Mbox-Totals and X-Mms-Mbox-Quotas (OMA-MMS-ENC §7.3.25,
// §7.3.26): a unit (0x80 messages, 0x81 octets) and a number.
type Quota struct {
	Unit  Token
	Count uint64
}

// IndexedText is the form X-Mms-Content-Location takes in m-mbox-delete-conf and m-delete-conf
// (OMA-MMS-ENC §7.3.10): the index of the status it belongs to and the URI.
type IndexedText struct {
	Index uint64
	Text  string
}

// Raw holds the wire octets of a value kept undecoded (self-delimiting, WSP §8.4.1.2).
type Raw []byte

func (Text) isValue()               {}
func (Integer) isValue()            {}
func (Date) isValue()               {}
func (Token) isValue()              {}
func (EncodedString) isValue()      {}
func (From) isValue()               {}
func (TimeSpec) isValue()           {}
func (PreviouslySentBy) isValue()   {}
func (PreviouslySentDate) isValue() {}
func (MMFlags) isValue()            {}
func (Quota) isValue()              {}
func (IndexedText) isValue()        {}
func (Raw) isValue()                {}
func (ContentType) isValue()        {}

// Time returns d as a time in UTC.
func (d Date) Time() time.Time { return time.Unix(int64(d), 0).UTC() }

// Time returns the moment t names, relative ones counted from now.
func (t TimeSpec) Time(now time.Time) time.Time {
	if t.Relative {
		return now.Add(time.Duration(t.Seconds) * time.Second)
	}
	return time.Unix(int64(t.Seconds), 0).UTC()
}

// A codec reads and writes the values of one kind of field. dec gets exactly the octets of the
// value (valueExtent); enc appends v, which is of the codec's type (Raw is handled by the caller).
type codec struct {
	dec func(b []byte) (Value, error)
	enc func(dst []byte, v Value) ([]byte, error)
}

var errType = errors.New("mm1: value of the wrong type for its field")

// whole checks that a reader consumed all of b.
func whole(n int, b []byte, err error) error {
	if err != nil {
		return err
	}
	if n != len(b) {
		return errBadValue
	}
	return nil
}

// The codecs, one per value grammar of OMA-MMS-ENC §7.3.
var (
	textCodec = &codec{
		dec: func(b []byte) (Value, error) {
			if len(b) == 1 && b[0] == 0 {
				return Text(""), nil
			}
			if b[0] < 0x20 && b[0] != 0 {
				return nil, errBadValue
			}
			s, n, err := readTextString(b)
			return Text(s), whole(n, b, err)
		},
		enc: func(dst []byte, v Value) ([]byte, error) {
			t, ok := v.(Text)
			if !ok {
				return nil, errType
			}
			return appendTextString(dst, string(t))
		},
	}
	quotedCodec = &codec{
		dec: func(b []byte) (Value, error) {
			if b[0] < 0x20 && !(len(b) == 1 && b[0] == 0) {
				return nil, errBadValue
			}
			s, n, err := readTextValue(b)
			return Text(s), whole(n, b, err)
		},
		enc: func(dst []byte, v Value) ([]byte, error) {
			t, ok := v.(Text)
			if !ok {
				return nil, errType
			}
			return appendQuotedString(dst, string(t))
		},
	}
	longCodec = &codec{
		dec: func(b []byte) (Value, error) {
			if b[0] >= 0x80 { // lenient: a Short-integer where a Long-integer belongs
				return Integer(b[0] & 0x7F), nil
			}
			v, n, err := readLongInteger(b)
			return Integer(v), whole(n, b, err)
		},
		enc: func(dst []byte, v Value) ([]byte, error) {
			i, ok := v.(Integer)
			if !ok {
				return nil, errType
			}
			return appendLongInteger(dst, uint64(i)), nil
		},
	}
	integerCodec = &codec{
		dec: func(b []byte) (Value, error) {
			v, n, err := readIntegerValue(b)
			return Integer(v), whole(n, b, err)
		},
		enc: func(dst []byte, v Value) ([]byte, error) {
			i, ok := v.(Integer)
			if !ok {
				return nil, errType
			}
			return appendIntegerValue(dst, uint64(i)), nil
		},
	}
	dateCodec = &codec{
		dec: func(b []byte) (Value, error) {
			v, n, err := readLongInteger(b)
			return Date(v), whole(n, b, err)
		},
		enc: func(dst []byte, v Value) ([]byte, error) {
			d, ok := v.(Date)
			if !ok {
				return nil, errType
			}
			return appendLongInteger(dst, uint64(d)), nil
		},
	}
	tokenCodec = &codec{
		dec: func(b []byte) (Value, error) {
			if len(b) != 1 || b[0] < 0x80 {
				return nil, errBadValue
			}
			return Token(b[0]), nil
		},
		enc: func(dst []byte, v Value) ([]byte, error) {
			t, ok := v.(Token)
			if !ok || t < 0x80 {
				return nil, errType
			}
			return append(dst, byte(t)), nil
		},
	}
	// tokenOrTextCodec: X-Mms-Message-Class (Class-identifier | Token-text).
	tokenOrTextCodec = &codec{
		dec: func(b []byte) (Value, error) {
			if b[0] >= 0x80 {
				return tokenCodec.dec(b)
			}
			if b[0] < 0x20 || b[0] == 0x7F {
				return nil, errBadValue
			}
			s, n, err := readTokenText(b)
			return Text(s), whole(n, b, err)
		},
		enc: func(dst []byte, v Value) ([]byte, error) {
			if t, ok := v.(Text); ok {
				if len(t) > 0 && t[0] == 0x7F {
					return nil, errBadValue
				}
				return appendTokenText(dst, string(t))
			}
			return tokenCodec.enc(dst, v)
		},
	}
	encodedStringCodec = &codec{
		dec: func(b []byte) (Value, error) {
			e, n, err := readEncodedString(b)
			return e, whole(n, b, err)
		},
		enc: func(dst []byte, v Value) ([]byte, error) {
			e, ok := v.(EncodedString)
			if !ok {
				return nil, errType
			}
			return appendEncodedString(dst, e)
		},
	}
	fromCodec = &codec{
		dec: func(b []byte) (Value, error) {
			v, err := lengthBody(b)
			if err != nil || len(v) == 0 {
				return nil, errBadValue
			}
			switch v[0] {
			case 0x80: // Address-present-token
				e, n, err := readEncodedString(v[1:])
				if err := whole(n, v[1:], err); err != nil {
					return nil, err
				}
				return From{Address: e}, nil
			case 0x81: // Insert-address-token
				if len(v) != 1 {
					return nil, errBadValue
				}
				return From{Insert: true}, nil
			}
			return nil, errBadValue
		},
		enc: func(dst []byte, v Value) ([]byte, error) {
			f, ok := v.(From)
			if !ok {
				return nil, errType
			}
			if f.Insert {
				return append(dst, 1, 0x81), nil
			}
			body, err := appendEncodedString([]byte{0x80}, f.Address)
			if err != nil {
				return nil, err
			}
			return withLength(dst, body), nil
		},
	}
	timeCodec = &codec{
		dec: func(b []byte) (Value, error) {
			v, err := lengthBody(b)
			if err != nil || len(v) < 2 || (v[0] != 0x80 && v[0] != 0x81) {
				return nil, errBadValue
			}
			// Delta-seconds-value is a Long-integer; some senders use an Integer-value.
			n, m, err := readIntegerValue(v[1:])
			if err := whole(m, v[1:], err); err != nil {
				return nil, err
			}
			return TimeSpec{Relative: v[0] == 0x81, Seconds: n}, nil
		},
		enc: func(dst []byte, v Value) ([]byte, error) {
			t, ok := v.(TimeSpec)
			if !ok {
				return nil, errType
			}
			tok := byte(0x80)
			if t.Relative {
				tok = 0x81
			}
			return withLength(dst, appendLongInteger([]byte{tok}, t.Seconds)), nil
		},
	}
	prevSentByCodec = &codec{
		dec: func(b []byte) (Value, error) {
			v, err := lengthBody(b)
			if err != nil {
				return nil, err
			}
			c, n, err := readIntegerValue(v)
			if err != nil {
				return nil, err
			}
			e, m, err := readEncodedString(v[n:])
			if err := whole(m, v[n:], err); err != nil {
				return nil, err
			}
			return PreviouslySentBy{Count: c, Address: e}, nil
		},
		enc: func(dst []byte, v Value) ([]byte, error) {
			p, ok := v.(PreviouslySentBy)
			if !ok {
				return nil, errType
			}
			body, err := appendEncodedString(appendIntegerValue(nil, p.Count), p.Address)
			if err != nil {
				return nil, err
			}
			return withLength(dst, body), nil
		},
	}
	prevSentDateCodec = &codec{
		dec: func(b []byte) (Value, error) {
			v, err := lengthBody(b)
			if err != nil {
				return nil, err
			}
			c, n, err := readIntegerValue(v)
			if err != nil {
				return nil, err
			}
			d, m, err := readLongInteger(v[n:])
			if err := whole(m, v[n:], err); err != nil {
				return nil, err
			}
			return PreviouslySentDate{Count: c, Date: Date(d)}, nil
		},
		enc: func(dst []byte, v Value) ([]byte, error) {
			p, ok := v.(PreviouslySentDate)
			if !ok {
				return nil, errType
			}
			body := appendLongInteger(appendIntegerValue(nil, p.Count), uint64(p.Date))
			return withLength(dst, body), nil
		},
	}
	flagsCodec = &codec{
		dec: func(b []byte) (Value, error) {
			v, err := lengthBody(b)
			if err != nil || len(v) < 2 || v[0] < 0x80 {
				return nil, errBadValue
			}
			e, m, err := readEncodedString(v[1:])
			if err := whole(m, v[1:], err); err != nil {
				return nil, err
			}
			return MMFlags{Op: Token(v[0]), Keyword: e}, nil
		},
		enc: func(dst []byte, v Value) ([]byte, error) {
			f, ok := v.(MMFlags)
			if !ok || f.Op < 0x80 {
				return nil, errType
			}
			body, err := appendEncodedString([]byte{byte(f.Op)}, f.Keyword)
			if err != nil {
				return nil, err
			}
			return withLength(dst, body), nil
		},
	}
	quotaCodec = &codec{
		dec: func(b []byte) (Value, error) {
			v, err := lengthBody(b)
			if err != nil || len(v) < 2 || v[0] < 0x80 {
				return nil, errBadValue
			}
			c, m, err := readIntegerValue(v[1:])
			if err := whole(m, v[1:], err); err != nil {
				return nil, err
			}
			return Quota{Unit: Token(v[0]), Count: c}, nil
		},
		enc: func(dst []byte, v Value) ([]byte, error) {
			q, ok := v.(Quota)
			if !ok || q.Unit < 0x80 {
				return nil, errType
			}
			return withLength(dst, appendIntegerValue([]byte{byte(q.Unit)}, q.Count)), nil
		},
	}
	// contentLocationCodec: a Text-string URI, or (m-mbox-delete-conf, m-delete-conf)
	// Value-length Status-count-value Content-location-value.
	contentLocationCodec = &codec{
		dec: func(b []byte) (Value, error) {
			if b[0] > lengthQuote || (len(b) == 1 && b[0] == 0) {
				return textCodec.dec(b)
			}
			v, err := lengthBody(b)
			if err != nil {
				return nil, err
			}
			c, n, err := readIntegerValue(v)
			if err != nil {
				return nil, err
			}
			if n >= len(v) || (v[n] < 0x20 && v[n] != 0) { // 0: an empty text
				return nil, errBadValue
			}
			s, m, err := readTextString(v[n:])
			if err := whole(m, v[n:], err); err != nil {
				return nil, err
			}
			return IndexedText{Index: c, Text: s}, nil
		},
		enc: func(dst []byte, v Value) ([]byte, error) {
			t, ok := v.(IndexedText)
			if !ok {
				return textCodec.enc(dst, v)
			}
			body, err := appendTextString(appendIntegerValue(nil, t.Index), t.Text)
			if err != nil {
				return nil, err
			}
			return withLength(dst, body), nil
		},
	}
	contentTypeCodec = &codec{
		dec: func(b []byte) (Value, error) {
			ct, n, err := readContentType(b)
			return ct, whole(n, b, err)
		},
		enc: func(dst []byte, v Value) ([]byte, error) {
			ct, ok := v.(ContentType)
			if !ok {
				return nil, errType
			}
			return appendContentType(dst, ct)
		},
	}
	// rawCodec keeps the octets: fields whose grammar this package does not decode.
	rawCodec = &codec{
		dec: func(b []byte) (Value, error) { return nil, errBadValue },
		enc: func(dst []byte, v Value) ([]byte, error) { return nil, errType },
	}
)

// lengthBody returns the octets a Value-length at the start of b announces, checking that
// nothing follows them.
func lengthBody(b []byte) ([]byte, error) {
	l, n, err := readValueLength(b)
	if err != nil {
		return nil, err
	}
	if n+l != len(b) {
		return nil, errBadValue
	}
	return b[n:], nil
}

// withLength appends body preceded by its Value-length.
func withLength(dst, body []byte) []byte {
	return append(appendValueLength(dst, len(body)), body...)
}

// decodeValue decodes the value octets b with c, keeping them as Raw when c cannot.
func decodeValue(c *codec, b []byte) Value {
	if v, err := c.dec(b); err == nil {
		return v
	}
	return Raw(append([]byte(nil), b...))
}

// encodeValue appends v with c; Raw is written as it is, after checking that it delimits itself.
func encodeValue(dst []byte, c *codec, v Value) ([]byte, error) {
	if r, ok := v.(Raw); ok {
		n, err := valueExtent(r)
		if err != nil || n != len(r) {
			return nil, fmt.Errorf("mm1: raw value % x does not delimit itself", []byte(r))
		}
		return append(dst, r...), nil
	}
	if v == nil {
		return nil, errors.New("mm1: nil value")
	}
	return c.enc(dst, v)
}

// ElementDescriptor is the value of X-Mms-Element-Descriptor in m-mbox-descr (OMA-MMS-ENC
// §7.3.18): a content reference (the URI of the element) and parameters, of which MMS defines
// "type" (code 0x82, a media type as a well-known Integer or Text).
type ElementDescriptor struct {
	Reference string
	Params    []Param
}

func (ElementDescriptor) isValue() {}

var elementDescriptorCodec = &codec{
	dec: func(b []byte) (Value, error) {
		v, err := lengthBody(b)
		if err != nil || len(v) == 0 || v[0] < 0x20 {
			return nil, errBadValue
		}
		ref, n, err := readTextString(v)
		if err != nil || ref == "" {
			return nil, errBadValue
		}
		d := ElementDescriptor{Reference: ref}
		for v = v[n:]; len(v) > 0; {
			var p Param
			k := 1
			switch c := v[0]; {
			case c == 0x80: // no Q here, but keep appendParams' rule
				return nil, errBadValue
			case c >= 0x80:
				p.Code = c
				if c == 0x82 {
					p.Name = "type"
				}
			case c < 0x20:
				return nil, errBadValue
			default:
				if p.Name, k, err = readTokenText(v); err != nil {
					return nil, err
				}
			}
			val, m, err := readParamValue(v[k:])
			if err != nil {
				return nil, err
			}
			p.Value = val
			d.Params = append(d.Params, p)
			v = v[k+m:]
		}
		return d, nil
	},
	enc: func(dst []byte, v Value) ([]byte, error) {
		d, ok := v.(ElementDescriptor)
		if !ok || d.Reference == "" {
			return nil, errType
		}
		body, err := appendTextString(nil, d.Reference)
		if err != nil {
			return nil, err
		}
		if body, err = appendParams(body, d.Params); err != nil {
			return nil, err
		}
		return withLength(dst, body), nil
	},
}
