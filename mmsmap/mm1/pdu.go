// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// PDU is an MM1 PDU (OMA-MMS-ENC §6): header fields in wire order, then, after Content-Type, a
// body: the entries of a WSP multipart (Parts) or, for any other content type or a multipart
// that does not parse, the octets as they are (Body).
type PDU struct {
	Headers []Header
	Parts   []Part
	Body    []byte
}

// Header is one header field. Field is the well-known code with its high bit set (see the
// Field constants) and Name its OMA-MMS-ENC name ("" for a code the table lacks); an
// application header (WSP §8.4.2.6) has Field 0 and the Token-text name it was sent with.
// Value's dynamic type is set by the field's row in the table: [Token] for enumerations,
// [EncodedString] for addresses and subjects, [From], [TimeSpec], [ContentType]…, or [Raw].
type Header struct {
	Field byte
	Name  string
	Value Value
}

// Part is one entry of a WSP multipart body (WSP §8.5.3).
type Part struct {
	ContentType ContentType
	Headers     []Header // Content-ID (0xC0), Content-Location (0x8E), Content-Disposition (0xAE, 0xC5); others Raw, or by name
	Data        []byte
}

// Limits that bound the work of Decode.
const (
	// MaxHeaders is the most header fields Decode reads from a PDU or a multipart entry.
	MaxHeaders = 1000
	// MaxParts is the most entries Decode reads from a multipart body.
	MaxParts = 1000
)

// DecodeError tells where a PDU could not be decoded.
type DecodeError struct {
	Offset int    // octet offset in the PDU
	Field  string // name of the field being read, if any
	Err    error
}

func (e *DecodeError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("mm1: offset %d (%s): %v", e.Offset, e.Field, e.Err)
	}
	return fmt.Sprintf("mm1: offset %d: %v", e.Offset, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Decode reads a PDU. It is lenient, as OMA-MMS-ENC §7.1 asks a receiver to be: a field it does
// not know, or whose value does not follow the field's grammar, is kept as [Raw] as long as the
// general rule of WSP §8.4.1.2 delimits it, and a multipart body that does not parse is kept as
// Body. It fails only where the header list itself cannot be followed (a value running past the
// end, a shift sequence); then it returns, with a [*DecodeError], the fields read before that
// point, which may be enough to answer a truncated request. It never keeps references to b.
func Decode(b []byte) (*PDU, error) {
	p := &PDU{}
	off := 0
	for off < len(b) {
		if len(p.Headers) >= MaxHeaders {
			return p, &DecodeError{Offset: off, Err: errors.New("too many header fields")}
		}
		h, n, err := readHeader(b[off:], lookup)
		if err != nil {
			return p, &DecodeError{Offset: off, Field: h.Name, Err: err}
		}
		off += n
		p.Headers = append(p.Headers, h)
		if h.Field == FieldContentType {
			break
		}
	}
	body := b[off:]
	if len(body) == 0 {
		return p, nil
	}
	if ct, ok := p.ContentType(); ok && ct.IsMultipart() {
		if parts, err := readMultipart(body); err == nil {
			p.Parts = parts
			return p, nil
		}
	}
	p.Body = append([]byte(nil), body...)
	return p, nil
}

// readHeader reads one header field: a well-known code and its value, or an application header.
func readHeader(b []byte, table func(byte) field) (Header, int, error) {
	var h Header
	n := 0
	var f field
	if b[0] >= 0x80 {
		h.Field = b[0]
		f = table(b[0])
		h.Name = f.name
		n = 1
	} else {
		if b[0] < 0x20 { // shift sequences (WSP §8.4.2.6) are not used by MMS
			return h, 0, errBadValue
		}
		name, k, err := readTokenText(b)
		if err != nil {
			return h, 0, err
		}
		h.Name, n = name, k
		f = field{codec: textCodec}
	}
	l, err := valueExtent(b[n:])
	if err != nil {
		return h, 0, err
	}
	h.Value = decodeValue(f.codec, b[n:n+l])
	return h, n + l, nil
}

// readMultipart reads a WSP multipart body (WSP §8.5): Uintvar count, then per entry Uintvar
// headers length, Uintvar data length, content type and headers, data.
func readMultipart(b []byte) ([]Part, error) {
	count, off, err := readUintvar(b)
	if err != nil {
		return nil, err
	}
	if count > MaxParts || int(count) > len(b) {
		return nil, errors.New("mm1: too many multipart entries")
	}
	parts := make([]Part, 0, count)
	for i := 0; i < int(count); i++ {
		hl, n, err := readUintvar(b[off:])
		if err != nil {
			return nil, err
		}
		off += n
		dl, n, err := readUintvar(b[off:])
		if err != nil {
			return nil, err
		}
		off += n
		if uint64(hl)+uint64(dl) > uint64(len(b)-off) {
			return nil, errTruncated
		}
		hdr := b[off : off+int(hl)]
		off += int(hl)
		var part Part
		ct, k, err := readContentType(hdr)
		if err != nil {
			return nil, err
		}
		part.ContentType = ct
		for hdr = hdr[k:]; len(hdr) > 0; {
			if len(part.Headers) >= MaxHeaders {
				return nil, errors.New("mm1: too many entry headers")
			}
			h, k, err := readHeader(hdr, lookupPart)
			if err != nil {
				return nil, err
			}
			part.Headers = append(part.Headers, h)
			hdr = hdr[k:]
		}
		if dl > 0 {
			part.Data = append([]byte(nil), b[off:off+int(dl)]...)
		}
		off += int(dl)
		parts = append(parts, part)
	}
	if off != len(b) {
		return nil, errors.New("mm1: octets after the last multipart entry")
	}
	return parts, nil
}

// Encode writes p. It follows the layout rule of OMA-MMS-ENC §7 (1.3: "the X-Mms-Message-Type,
// X-Mms-Transaction-ID and X-Mms-MMS-Version fields come first, in that order"): those fields
// are written first and the other fields in their order in Headers; Content-Type, of which there
// may be one, is written last, followed by the body. Values are written in the shortest form
// their grammar allows; [Raw] values are written as they are. A body needs a Content-Type.
func (p *PDU) Encode() ([]byte, error) {
	var ct *Header
	for i := range p.Headers {
		if p.Headers[i].Field == FieldContentType {
			if ct != nil {
				return nil, errors.New("mm1: more than one Content-Type")
			}
			ct = &p.Headers[i]
		}
	}
	if ct == nil && (len(p.Body) > 0 || p.Parts != nil) {
		return nil, errors.New("mm1: a body without a Content-Type")
	}
	if len(p.Body) > 0 && p.Parts != nil {
		return nil, errors.New("mm1: both Body and Parts are set")
	}
	var dst []byte
	var err error
	for _, h := range orderHeaders(p.Headers) {
		if dst, err = appendHeader(dst, h, lookup); err != nil {
			return nil, err
		}
	}
	if p.Parts != nil {
		if c, ok := ct.Value.(ContentType); !ok || !c.IsMultipart() {
			return nil, errors.New("mm1: Parts need a multipart Content-Type")
		}
		return appendMultipart(dst, p.Parts)
	}
	return append(dst, p.Body...), nil
}

// orderHeaders returns hs in the order Encode writes them.
func orderHeaders(hs []Header) []Header {
	out := make([]Header, 0, len(hs))
	for _, f := range []byte{FieldMessageType, FieldTransactionID, FieldMMSVersion} {
		for _, h := range hs {
			if h.Field == f {
				out = append(out, h)
			}
		}
	}
	var ct []Header
	for _, h := range hs {
		switch h.Field {
		case FieldMessageType, FieldTransactionID, FieldMMSVersion:
		case FieldContentType:
			ct = append(ct, h)
		default:
			out = append(out, h)
		}
	}
	return append(out, ct...)
}

func appendHeader(dst []byte, h Header, table func(byte) field) ([]byte, error) {
	var f field
	var err error
	switch {
	case h.Field >= 0x80:
		f = table(h.Field)
		dst = append(dst, h.Field)
	case h.Field == 0:
		f = field{codec: textCodec}
		if dst, err = appendTokenText(dst, h.Name); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("mm1: field code %#02x without its high bit", h.Field)
	}
	dst, err = encodeValue(dst, f.codec, h.Value)
	if err != nil {
		return nil, fmt.Errorf("mm1: %s: %w", headerLabel(h), err)
	}
	return dst, nil
}

func appendMultipart(dst []byte, parts []Part) ([]byte, error) {
	if len(parts) > MaxParts {
		return nil, errors.New("mm1: too many multipart entries")
	}
	dst = appendUintvar(dst, uint32(len(parts)))
	for i, part := range parts {
		hdr, err := appendContentType(nil, part.ContentType)
		if err != nil {
			return nil, fmt.Errorf("mm1: entry %d: %w", i, err)
		}
		for _, h := range part.Headers {
			if hdr, err = appendHeader(hdr, h, lookupPart); err != nil {
				return nil, fmt.Errorf("mm1: entry %d: %w", i, err)
			}
		}
		if uint64(len(hdr)) > maxUintvar || uint64(len(part.Data)) > maxUintvar {
			return nil, fmt.Errorf("mm1: entry %d too large", i)
		}
		dst = appendUintvar(dst, uint32(len(hdr)))
		dst = appendUintvar(dst, uint32(len(part.Data)))
		dst = append(dst, hdr...)
		dst = append(dst, part.Data...)
	}
	return dst, nil
}

func headerLabel(h Header) string {
	if h.Name != "" {
		return h.Name
	}
	return fmt.Sprintf("field %#02x", h.Field)
}

// Get returns the value of the first field called name (ASCII case ignored).
func (p *PDU) Get(name string) (Value, bool) {
	for _, h := range p.Headers {
		if equalFold(h.Name, name) {
			return h.Value, true
		}
	}
	return nil, false
}

// Add appends the field with code (high bit set) and value v, named from
// the field table.
func (p *PDU) Add(code byte, v Value) {
	p.Headers = append(p.Headers, Header{Field: code, Name: FieldName(code), Value: v})
}

// Field returns the value of the first field with code (high bit set).
func (p *PDU) Field(code byte) (Value, bool) {
	for _, h := range p.Headers {
		if h.Field == code {
			return h.Value, true
		}
	}
	return nil, false
}

// Values returns the values of every field with code, in order (To, Cc and Bcc repeat).
func (p *PDU) Values(code byte) []Value {
	var vs []Value
	for _, h := range p.Headers {
		if h.Field == code {
			vs = append(vs, h.Value)
		}
	}
	return vs
}

// MessageType returns X-Mms-Message-Type ([MSendReq] …), or 0 when it is missing or malformed.
func (p *PDU) MessageType() Token {
	t, _ := p.tokenField(FieldMessageType)
	return t
}

// TransactionID returns X-Mms-Transaction-Id, or "".
func (p *PDU) TransactionID() string {
	v, _ := p.Field(FieldTransactionID)
	t, _ := v.(Text)
	return string(t)
}

// Version returns X-Mms-MMS-Version (OMA-MMS-ENC §7.3.34: major in bits 6–4, minor in bits 3–0,
// 0x0F for none); ok is false when the field is missing.
func (p *PDU) Version() (major, minor int, ok bool) {
	t, ok := p.tokenField(FieldMMSVersion)
	if !ok {
		return 0, 0, false
	}
	return int(t>>4) & 7, int(t) & 0x0F, true
}

// ContentType returns the decoded Content-Type; ok is false when it is missing or kept Raw.
func (p *PDU) ContentType() (ContentType, bool) {
	v, _ := p.Field(FieldContentType)
	ct, ok := v.(ContentType)
	return ct, ok
}

func (p *PDU) tokenField(code byte) (Token, bool) {
	v, _ := p.Field(code)
	t, ok := v.(Token)
	return t, ok
}

// String formats h for reading, "X-Mms-Message-Type: m-send-req", naming tokens from the
// field's table.
func (h Header) String() string {
	label := headerLabel(h)
	f := lookup(h.Field)
	if h.Field == 0 {
		f = field{}
	}
	switch v := h.Value.(type) {
	case Token:
		if s, ok := f.enum[v]; ok {
			return label + ": " + s
		}
		if h.Field == FieldMMSVersion {
			return fmt.Sprintf("%s: %d.%d", label, int(v>>4)&7, int(v)&0x0F)
		}
		return fmt.Sprintf("%s: %#02x", label, byte(v))
	case Text:
		return label + ": " + string(v)
	case EncodedString:
		return label + ": " + v.Text
	case From:
		if v.Insert {
			return label + ": insert-address-token"
		}
		return label + ": " + v.Address.Text
	case TimeSpec:
		if v.Relative {
			return fmt.Sprintf("%s: +%ds", label, v.Seconds)
		}
		return label + ": " + Date(v.Seconds).Time().Format(time.RFC3339)
	case Date:
		return label + ": " + v.Time().Format(time.RFC3339)
	case Integer:
		return fmt.Sprintf("%s: %d", label, uint64(v))
	case ContentType:
		return label + ": " + v.String()
	case ContentDisposition:
		return label + ": " + v.String()
	case ElementDescriptor:
		return label + ": " + formatParams(v.Reference, v.Params)
	case PreviouslySentBy:
		return fmt.Sprintf("%s: %d %s", label, v.Count, v.Address.Text)
	case PreviouslySentDate:
		return fmt.Sprintf("%s: %d %s", label, v.Count, v.Date.Time().Format(time.RFC3339))
	case MMFlags:
		return fmt.Sprintf("%s: %s %s", label, tokenName(flagOps, v.Op), v.Keyword.Text)
	case Quota:
		return fmt.Sprintf("%s: %d %s", label, v.Count, tokenName(quotaUnits, v.Unit))
	case IndexedText:
		return fmt.Sprintf("%s: %d %s", label, v.Index, v.Text)
	case Raw:
		return fmt.Sprintf("%s: raw % x", label, []byte(v))
	}
	return fmt.Sprintf("%s: %+v", label, h.Value)
}

func tokenName(names map[Token]string, t Token) string {
	if s, ok := names[t]; ok {
		return s
	}
	return fmt.Sprintf("%#02x", byte(t))
}

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }

// DecodeMultipart reads a WSP multipart body (WSP §8.5), as Decode does for a PDU's body; use it
// for an entry whose Data is itself a multipart (application/vnd.wap.multipart.*).
func DecodeMultipart(b []byte) ([]Part, error) { return readMultipart(b) }

// EncodeMultipart writes parts as a WSP multipart body, as Encode does for a PDU's Parts.
func EncodeMultipart(parts []Part) ([]byte, error) { return appendMultipart(nil, parts) }
