// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// WriteText writes p in a line-oriented text form meant for people (maddy-mms mms decode and
// encode), which [ParseText] reads back exactly: the same Headers, Parts and Body, value for
// value, so that Encode of what ParseText read writes what Encode of p writes.
//
// Header lines. One field a line, "Name: value", in the order of [PDU.Headers]. Name is the
// field's OMA-MMS-ENC §7.4 name (ASCII case ignored when read), or 0xNN, its code, for a code
// the table lacks; an application header (WSP §8.4.2.6, Field 0) has its name in double
// quotes, `"X-Foo": "bar"` (a bare name the table lacks is read as one too). Values, by the
// field's grammar (OMA-MMS-ENC §7.3):
//
//	Text                  "text" — a Go-syntax quoted string; every string value is quoted
//	Token                 its name from the field's table (m-send-req, Yes, Personal, Ok …) or 0xNN;
//	                      X-Mms-MMS-Version as major.minor (1.3)
//	Integer               decimal
//	Date                  RFC 3339 in UTC (2011-06-03T14:37:02Z), or @seconds beyond year 9999
//	Encoded-string-value  "text", with "; charset=utf-8" (an IANA name or the MIBenum) when the
//	                      Value-length form with a Char-set was sent (§7.2.9)
//	From                  <insert-address> (Insert-address-token) or an Encoded-string-value (§7.3.21)
//	Expiry, Delivery-Time +86400s (Delta-seconds-value) or a Date (§7.3.12, §7.3.20)
//	Previously-Sent-By    count "address"  (§7.3.44)
//	Previously-Sent-Date  count date       (§7.3.45)
//	MM-Flags              add|remove|filter|0xNN "keyword"  (§7.3.28)
//	Mbox-Totals, -Quotas  count messages|octets|0xNN        (§7.3.25, §7.3.26)
//	Content-Location      "uri", or index "uri" (m-mbox-delete-conf, m-delete-conf, §7.3.10)
//	Content-Type          media/type; name=value; … (WSP §8.4.2.24), the media type bare, or
//	                      quoted when it has to be; likewise Content-Disposition and
//	                      X-Mms-Element-Descriptor (§7.3.18)
//	undecoded ([Raw])     raw:HEX, the wire octets of the value, whatever the field
//
// A parameter (WSP §8.4.2.4) sent with its well-known code is written with its name (charset,
// type, start, name, filename …; type is code 0x89, the others the WSP 1.1–1.3 codes) or as
// 0xNN=value for another code (the WSP 1.4 Text-value codes 0x97–0x9D …); one sent as
// Token-text has its name quoted, "charset"="iso-8859-1". Parameter values are decimal
// integers or quoted text; the Charset parameter's integer may be written by its name.
//
// Body. After the headers, for a multipart body each entry (WSP §8.5.3) starts with a blank line
// and "--- part N of M" (N counting from 1), then "Content-Type: …" (the entry's content type),
// its headers (Content-ID, Content-Location, Content-Disposition — 0xc5 for the WSP 1.4 code
// —, 0xNN, "name"), and its data, last. A multipart body of no entries is "--- no parts"; a body that is not a multipart (or
// that Decode could not read as one) is "--- body" and its data. Data is either
//
//	Data: text            (or "Data: text, crlf" when its lines end with CR LF)
//	| first line
//	| second line
//
// for data that is printable UTF-8 text: each line after "| " ("|" alone for an empty one),
// the data the lines joined with LF (or CR LF), so data that ends with a line end has a last
// "|"; or
//
//	Data: base64, 1234 bytes
//	/9j/4AAQSkZJRgABAQEASABIAAD…
//
// for any other data, the lines up to the next blank line or "---" line (the count, which may
// be left out, is checked). An entry with no data has no Data line. A nested multipart is
// data like any other.
//
// Blank lines and lines starting with "#" are ignored outside data; a CR before a line's LF is
// ignored everywhere.
//
// WriteText fails, as [PDU.Encode] does, on a
// value whose type does not fit its field, a token or parameter code without its high bit, or a
// PDU with both Body and Parts; it does not check the grammar of the values otherwise (a text
// with a NUL is written, and Encode refuses it). The Name of a well-known header or typed
// parameter is not written: ParseText sets it from the code, as Decode does.
func (p *PDU) WriteText(w io.Writer) error {
	if len(p.Body) > 0 && p.Parts != nil {
		return errors.New("mm1: both Body and Parts are set")
	}
	var b bytes.Buffer
	for _, h := range p.Headers {
		if err := writeHeaderText(&b, h, pduTextTable); err != nil {
			return err
		}
	}
	switch {
	case p.Parts != nil && len(p.Parts) == 0:
		b.WriteString("\n--- no parts\n")
	case p.Parts != nil:
		for i, part := range p.Parts {
			fmt.Fprintf(&b, "\n--- part %d of %d\n", i+1, len(p.Parts))
			ct, err := formatParamsText(part.ContentType.MediaType, part.ContentType.Params, paramTextCT)
			if err != nil {
				return fmt.Errorf("mm1: entry %d: Content-Type: %w", i+1, err)
			}
			b.WriteString("Content-Type: " + ct + "\n")
			for _, h := range part.Headers {
				if err := writeHeaderText(&b, h, partTextTable); err != nil {
					return fmt.Errorf("mm1: entry %d: %w", i+1, err)
				}
			}
			writeDataText(&b, part.Data)
		}
	case len(p.Body) > 0:
		b.WriteString("\n--- body\n")
		writeDataText(&b, p.Body)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// TextError tells on which line ParseText found the text malformed.
type TextError struct {
	Line int // counting from 1
	Err  error
}

func (e *TextError) Error() string { return fmt.Sprintf("mm1: line %d: %v", e.Line, e.Err) }

func (e *TextError) Unwrap() error { return e.Err }

// ParseText reads a PDU in the text form [PDU.WriteText] writes, to be written with
// [PDU.Encode]; the names of well-known fields and typed parameters are set from their codes,
// as Decode sets them. For text written by hand it also takes names in any ASCII case, bare
// application header and parameter names, dates with a UTC offset, and "--- part N" and
// "Data: base64" without their counts (N must count from 1, and counts given must be right).
// Errors are [*TextError]s that name the line. It checks the syntax of the text and that Raw
// values delimit themselves; whether Encode can write the PDU (a Content-Type for the body, a
// multipart one for parts, no NUL in text …) is left to Encode.
func ParseText(r io.Reader) (*PDU, error) {
	in, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(in), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	tp := textParser{lines: lines}
	p, err := tp.parse()
	if err != nil {
		return nil, &TextError{Line: tp.n, Err: err}
	}
	return p, nil
}

// A textTable is the header table of a context: the PDU's header fields or a multipart entry's.
type textTable struct {
	lookup func(byte) field
	code   func(name string) (byte, bool) // well-known names (case ignored) and their codes
}

var (
	pduTextTable  = textTable{lookup: lookup, code: FieldCode}
	partTextTable = textTable{lookup: lookupPart, code: func(name string) (byte, bool) {
		for _, c := range []byte{0xC0, 0x8E, 0xAE} { // Content-Disposition: the WSP 1.1–1.3 code
			if equalFold(partFields[c&0x7F].name, name) {
				return c, true
			}
		}
		return 0, false
	}}
)

func writeHeaderText(b *bytes.Buffer, h Header, t textTable) error {
	var f field
	switch {
	case h.Field == 0:
		f = field{codec: textCodec}
		b.WriteString(strconv.Quote(h.Name))
	case h.Field >= 0x80:
		f = t.lookup(h.Field)
		if c, ok := t.code(f.name); ok && f.name != "" && c == h.Field {
			b.WriteString(f.name)
		} else {
			fmt.Fprintf(b, "0x%02x", h.Field)
		}
	default:
		return fmt.Errorf("mm1: field code %#02x without its high bit", h.Field)
	}
	v, err := formatValueText(f, h.Value)
	if err != nil {
		return fmt.Errorf("mm1: %s: %w", headerLabel(h), err)
	}
	b.WriteString(": " + v + "\n")
	return nil
}

// formatValueText formats v, the value of a field of row f.
func formatValueText(f field, v Value) (string, error) {
	if r, ok := v.(Raw); ok {
		if len(r) == 0 {
			return "", errors.New("empty raw value")
		}
		return "raw:" + hex.EncodeToString(r), nil
	}
	misfit := fmt.Errorf("a %T value does not fit the field", v)
	switch f.codec {
	case textCodec, quotedCodec:
		if t, ok := v.(Text); ok {
			return strconv.Quote(string(t)), nil
		}
	case longCodec, integerCodec:
		if i, ok := v.(Integer); ok {
			return strconv.FormatUint(uint64(i), 10), nil
		}
	case dateCodec:
		if d, ok := v.(Date); ok {
			return formatDateText(uint64(d)), nil
		}
	case tokenCodec, tokenOrTextCodec:
		switch t := v.(type) {
		case Token:
			return formatTokenText(f, t)
		case Text:
			if f.codec == tokenOrTextCodec {
				return strconv.Quote(string(t)), nil
			}
		}
	case encodedStringCodec:
		if e, ok := v.(EncodedString); ok {
			return formatEncodedText(e), nil
		}
	case fromCodec:
		if fr, ok := v.(From); ok {
			if fr.Insert {
				return insertAddressText, nil
			}
			return formatEncodedText(fr.Address), nil
		}
	case timeCodec:
		if t, ok := v.(TimeSpec); ok {
			if t.Relative {
				return "+" + strconv.FormatUint(t.Seconds, 10) + "s", nil
			}
			return formatDateText(t.Seconds), nil
		}
	case prevSentByCodec:
		if p, ok := v.(PreviouslySentBy); ok {
			return strconv.FormatUint(p.Count, 10) + " " + formatEncodedText(p.Address), nil
		}
	case prevSentDateCodec:
		if p, ok := v.(PreviouslySentDate); ok {
			return strconv.FormatUint(p.Count, 10) + " " + formatDateText(uint64(p.Date)), nil
		}
	case flagsCodec:
		if m, ok := v.(MMFlags); ok {
			if m.Op < 0x80 {
				return "", errors.New("operation token without its high bit")
			}
			return tokenName(flagOps, m.Op) + " " + formatEncodedText(m.Keyword), nil
		}
	case quotaCodec:
		if q, ok := v.(Quota); ok {
			if q.Unit < 0x80 {
				return "", errors.New("unit token without its high bit")
			}
			return strconv.FormatUint(q.Count, 10) + " " + tokenName(quotaUnits, q.Unit), nil
		}
	case contentLocationCodec:
		switch t := v.(type) {
		case Text:
			return strconv.Quote(string(t)), nil
		case IndexedText:
			return strconv.FormatUint(t.Index, 10) + " " + strconv.Quote(t.Text), nil
		}
	case contentTypeCodec:
		if ct, ok := v.(ContentType); ok {
			return formatParamsText(ct.MediaType, ct.Params, paramTextCT)
		}
	case dispositionCodec:
		if d, ok := v.(ContentDisposition); ok {
			return formatParamsText(d.Disposition, d.Params, paramTextCT)
		}
	case elementDescriptorCodec:
		if d, ok := v.(ElementDescriptor); ok {
			return formatParamsText(d.Reference, d.Params, paramTextED)
		}
	}
	return "", misfit
}

// insertAddressText stands for the Insert-address-token of From (OMA-MMS-ENC §7.3.21).
const insertAddressText = "<insert-address>"

// maxRFC3339 is the last second RFC 3339 can write, 9999-12-31T23:59:59Z.
const maxRFC3339 = 253402300799

func formatDateText(d uint64) string {
	if d > maxRFC3339 {
		return "@" + strconv.FormatUint(d, 10)
	}
	return Date(d).Time().Format(time.RFC3339)
}

func parseDateText(s string) (uint64, error) {
	if n, ok := strings.CutPrefix(s, "@"); ok {
		return strconv.ParseUint(n, 10, 64)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, fmt.Errorf("date %s: want RFC 3339 (2006-01-02T15:04:05Z) or @seconds", quoteGo(s))
	}
	if t.Unix() < 0 {
		return 0, fmt.Errorf("date %s before 1970", quoteGo(s))
	}
	return uint64(t.Unix()), nil
}

// isVersionField tells whether f is X-Mms-MMS-Version, whose tokens are written major.minor.
func isVersionField(f field) bool {
	return f.codec == tokenCodec && f.name == FieldName(FieldMMSVersion)
}

func formatTokenText(f field, t Token) (string, error) {
	if t < 0x80 {
		return "", errors.New("token without its high bit")
	}
	if isVersionField(f) {
		return fmt.Sprintf("%d.%d", int(t>>4)&7, int(t)&0x0F), nil
	}
	return tokenName(f.enum, t), nil
}

func parseTokenText(f field, s string) (Token, error) {
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		return parseCodeText(s)
	}
	if isVersionField(f) {
		maj, min, ok := strings.Cut(s, ".")
		a, err1 := strconv.ParseUint(maj, 10, 8)
		b, err2 := strconv.ParseUint(min, 10, 8)
		if !ok || err1 != nil || err2 != nil || a > 7 || b > 15 {
			return 0, fmt.Errorf("version %s: want major.minor (1.3), major 0–7, minor 0–15", quoteGo(s))
		}
		return Token(0x80 | a<<4 | b), nil
	}
	for t, name := range f.enum {
		if equalFold(name, s) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown token %s", quoteGo(s))
}

// parseCodeText reads 0xNN, a code with its high bit set.
func parseCodeText(s string) (Token, error) {
	if len(s) != 4 || (s[:2] != "0x" && s[:2] != "0X") {
		return 0, fmt.Errorf("code %s: want 0xNN", quoteGo(s))
	}
	c, err := strconv.ParseUint(s[2:], 16, 8)
	if err != nil {
		return 0, fmt.Errorf("code %s: want 0xNN", quoteGo(s))
	}
	if c < 0x80 {
		return 0, fmt.Errorf("code %s without its high bit (0x80–0xff)", s)
	}
	return Token(c), nil
}

// Character sets by IANA MIBenum, for Encoded-string-value (OMA-MMS-ENC §7.2.9) and the Charset
// parameter (WSP §8.4.2.8): the common ones; others are written as the number.
var charsetNames = map[uint64]string{
	3: "us-ascii", 4: "iso-8859-1", 5: "iso-8859-2", 6: "iso-8859-3", 7: "iso-8859-4",
	8: "iso-8859-5", 9: "iso-8859-6", 10: "iso-8859-7", 11: "iso-8859-8", 12: "iso-8859-9",
	17: "shift_jis", 18: "euc-jp", 38: "euc-kr", 39: "iso-2022-jp", 106: "utf-8",
	109: "iso-8859-13", 111: "iso-8859-15", 1000: "iso-10646-ucs-2", 1013: "utf-16be",
	1014: "utf-16le", 1015: "utf-16", 2025: "gb2312", 2026: "big5", 2252: "windows-1252",
}

func charsetText(cs uint64) string {
	if s, ok := charsetNames[cs]; ok {
		return s
	}
	return strconv.FormatUint(cs, 10)
}

func parseCharsetText(s string) (uint64, error) {
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return n, nil
	}
	for n, name := range charsetNames {
		if equalFold(name, s) {
			return n, nil
		}
	}
	return 0, fmt.Errorf("unknown charset %s (give its MIBenum)", quoteGo(s))
}

func formatEncodedText(e EncodedString) string {
	s := strconv.Quote(e.Text)
	if e.Charset != 0 {
		s += "; charset=" + charsetText(e.Charset)
	}
	return s
}

func parseEncodedText(s string) (EncodedString, error) {
	q, rest, err := leadingQuoted(s)
	if err != nil {
		return EncodedString{}, err
	}
	e := EncodedString{Text: q}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return e, nil
	}
	rest, ok := strings.CutPrefix(rest, ";")
	key, val, ok2 := strings.Cut(strings.TrimSpace(rest), "=")
	if !ok || !ok2 || !equalFold(strings.TrimSpace(key), "charset") {
		return EncodedString{}, fmt.Errorf("after the text, want `; charset=NAME`, not %s", quoteGo(rest))
	}
	if e.Charset, err = parseCharsetText(strings.TrimSpace(val)); err != nil {
		return EncodedString{}, err
	}
	return e, nil
}

// leadingQuoted reads the Go-syntax quoted string at the start of s and returns it unquoted
// and what follows it.
func leadingQuoted(s string) (string, string, error) {
	n, err := quotedLen(s)
	if err != nil {
		return "", "", err
	}
	q, err := strconv.Unquote(s[:n])
	if err != nil {
		return "", "", fmt.Errorf("quoted string %s: %v", quoteGo(s[:n]), err)
	}
	return q, s[n:], nil
}

// quotedLen returns the length of the quoted string at the start of s, quotes included.
func quotedLen(s string) (int, error) {
	if s == "" || s[0] != '"' {
		return 0, fmt.Errorf("want a quoted string, not %s", quoteGo(s))
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated quoted string %s", quoteGo(s))
}

// parseQuotedText reads a value that is one quoted string.
func parseQuotedText(s string) (string, error) {
	q, rest, err := leadingQuoted(s)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(rest) != "" {
		return "", fmt.Errorf("%s after the quoted string", quoteGo(rest))
	}
	return q, nil
}

// splitUnquoted splits s at each sep that is not in a quoted string.
func splitUnquoted(s string, sep byte) ([]string, error) {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			n, err := quotedLen(s[i:])
			if err != nil {
				return nil, err
			}
			i += n - 1
		case sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:]), nil
}

// A paramText is how the parameters of a context are named: a content type's or
// disposition's (WSP Table 38), or an element descriptor's (OMA-MMS-ENC §7.3.18), which names
// only type (0x82).
type paramText struct {
	name  func(code byte) string // Param.Name of a typed parameter, as Decode sets it
	codes map[string]byte        // the codes written by name
}

var (
	paramTextCT = paramText{
		name: paramName,
		codes: func() map[string]byte {
			m := map[string]byte{}
			for i, s := range paramNames {
				if _, ok := m[s]; !ok && s != "" {
					m[s] = byte(i) | 0x80
				}
			}
			m["type"] = 0x89 // the Type of multipart/related (WSP 1.2), which MMS uses
			return m
		}(),
	}
	paramTextED = paramText{
		name: func(code byte) string {
			if code == 0x82 {
				return "type"
			}
			return ""
		},
		codes: map[string]byte{"type": 0x82},
	}
)

// charsetParam is the code of the Charset parameter, whose integer values are written by name.
const charsetParam = 0x81

// bareText tells whether s can be written unquoted as the first item of a parameter list.
func bareText(s string) bool {
	if s == "" || strings.HasPrefix(s, "raw:") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= 0x20 || c >= 0x7F || c == '"' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}

func formatParamsText(first string, params []Param, pt paramText) (string, error) {
	var sb strings.Builder
	if bareText(first) {
		sb.WriteString(first)
	} else {
		sb.WriteString(strconv.Quote(first))
	}
	for _, p := range params {
		sb.WriteString("; ")
		switch {
		case p.Code == 0:
			sb.WriteString(strconv.Quote(p.Name))
		case p.Code < 0x80:
			return "", fmt.Errorf("parameter code %#02x without its high bit", p.Code)
		default:
			if n := pt.name(p.Code); n != "" && pt.codes[n] == p.Code {
				sb.WriteString(n)
			} else {
				fmt.Fprintf(&sb, "0x%02x", p.Code)
			}
		}
		sb.WriteByte('=')
		switch v := p.Value.(type) {
		case Integer:
			if p.Code == charsetParam && pt.codes["charset"] == charsetParam {
				sb.WriteString(charsetText(uint64(v)))
			} else {
				sb.WriteString(strconv.FormatUint(uint64(v), 10))
			}
		case Text:
			sb.WriteString(strconv.Quote(string(v)))
		default:
			return "", fmt.Errorf("parameter %s: a %T value", p.Name, p.Value)
		}
	}
	return sb.String(), nil
}

func parseParamsText(s string, pt paramText) (string, []Param, error) {
	items, err := splitUnquoted(s, ';')
	if err != nil {
		return "", nil, err
	}
	first := strings.TrimSpace(items[0])
	if strings.HasPrefix(first, `"`) {
		if first, err = parseQuotedText(first); err != nil {
			return "", nil, err
		}
	} else if first == "" {
		return "", nil, errors.New("empty value")
	}
	var params []Param
	for _, it := range items[1:] {
		kv, err := splitUnquoted(it, '=')
		if err != nil {
			return "", nil, err
		}
		if len(kv) != 2 {
			return "", nil, fmt.Errorf("parameter %s: want name=value", quoteGo(strings.TrimSpace(it)))
		}
		key, val := strings.TrimSpace(kv[0]), strings.TrimSpace(kv[1])
		var p Param
		switch {
		case strings.HasPrefix(key, `"`):
			if p.Name, err = parseQuotedText(key); err != nil {
				return "", nil, err
			}
		case strings.HasPrefix(key, "0x") || strings.HasPrefix(key, "0X"):
			c, err := parseCodeText(key)
			if err != nil {
				return "", nil, err
			}
			p.Code, p.Name = byte(c), pt.name(byte(c))
		case key == "":
			return "", nil, fmt.Errorf("parameter %s without a name", quoteGo(strings.TrimSpace(it)))
		default:
			p.Name = key
			for n, c := range pt.codes {
				if equalFold(n, key) {
					p.Code, p.Name = c, pt.name(c)
				}
			}
		}
		switch {
		case strings.HasPrefix(val, `"`):
			t, err := parseQuotedText(val)
			if err != nil {
				return "", nil, err
			}
			p.Value = Text(t)
		case val != "" && val[0] >= '0' && val[0] <= '9':
			n, err := strconv.ParseUint(val, 10, 64)
			if err != nil {
				return "", nil, fmt.Errorf("parameter %s: %s is not a number", key, quoteGo(val))
			}
			p.Value = Integer(n)
		case p.Code == charsetParam && pt.codes["charset"] == charsetParam:
			n, err := parseCharsetText(val)
			if err != nil {
				return "", nil, err
			}
			p.Value = Integer(n)
		default:
			return "", nil, fmt.Errorf("parameter %s: want a number or a quoted string, not %s", key, quoteGo(val))
		}
		params = append(params, p)
	}
	return first, params, nil
}

// parseValueText reads the value of a field of row f.
func parseValueText(f field, s string) (Value, error) {
	if h, ok := strings.CutPrefix(s, "raw:"); ok {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("raw value %s: want raw: and hex digits", quoteGo(s))
		}
		if n, err := valueExtent(b); err != nil || n != len(b) {
			return nil, fmt.Errorf("raw value %s does not delimit itself (WSP §8.4.1.2)", quoteGo(s))
		}
		return Raw(b), nil
	}
	if s == "" {
		return nil, errors.New("empty value")
	}
	switch f.codec {
	case textCodec, quotedCodec:
		t, err := parseQuotedText(s)
		return Text(t), err
	case longCodec, integerCodec:
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s is not a number", quoteGo(s))
		}
		return Integer(n), nil
	case dateCodec:
		d, err := parseDateText(s)
		return Date(d), err
	case tokenCodec:
		return parseTokenText(f, s)
	case tokenOrTextCodec:
		if strings.HasPrefix(s, `"`) {
			t, err := parseQuotedText(s)
			return Text(t), err
		}
		return parseTokenText(f, s)
	case encodedStringCodec:
		return parseEncodedText(s)
	case fromCodec:
		if s == insertAddressText {
			return From{Insert: true}, nil
		}
		e, err := parseEncodedText(s)
		return From{Address: e}, err
	case timeCodec:
		if n, ok := strings.CutPrefix(s, "+"); ok {
			n, ok = strings.CutSuffix(n, "s")
			secs, err := strconv.ParseUint(n, 10, 64)
			if !ok || err != nil {
				return nil, fmt.Errorf("relative time %s: want +SECONDSs", quoteGo(s))
			}
			return TimeSpec{Relative: true, Seconds: secs}, nil
		}
		d, err := parseDateText(s)
		return TimeSpec{Seconds: d}, err
	case prevSentByCodec:
		n, rest, err := leadingCount(s)
		if err != nil {
			return nil, err
		}
		e, err := parseEncodedText(rest)
		return PreviouslySentBy{Count: n, Address: e}, err
	case prevSentDateCodec:
		n, rest, err := leadingCount(s)
		if err != nil {
			return nil, err
		}
		d, err := parseDateText(rest)
		return PreviouslySentDate{Count: n, Date: Date(d)}, err
	case flagsCodec:
		op, rest, _ := strings.Cut(s, " ")
		t, err := parseTokenText(field{enum: flagOps}, op)
		if err != nil {
			return nil, err
		}
		e, err := parseEncodedText(strings.TrimSpace(rest))
		return MMFlags{Op: t, Keyword: e}, err
	case quotaCodec:
		n, rest, err := leadingCount(s)
		if err != nil {
			return nil, err
		}
		t, err := parseTokenText(field{enum: quotaUnits}, rest)
		return Quota{Unit: t, Count: n}, err
	case contentLocationCodec:
		if s[0] >= '0' && s[0] <= '9' {
			n, rest, err := leadingCount(s)
			if err != nil {
				return nil, err
			}
			t, err := parseQuotedText(rest)
			return IndexedText{Index: n, Text: t}, err
		}
		t, err := parseQuotedText(s)
		return Text(t), err
	case contentTypeCodec:
		mt, params, err := parseParamsText(s, paramTextCT)
		return ContentType{MediaType: mt, Params: params}, err
	case dispositionCodec:
		d, params, err := parseParamsText(s, paramTextCT)
		return ContentDisposition{Disposition: d, Params: params}, err
	case elementDescriptorCodec:
		ref, params, err := parseParamsText(s, paramTextED)
		return ElementDescriptor{Reference: ref, Params: params}, err
	}
	return nil, errors.New("this field takes only raw:HEX values")
}

// leadingCount reads the decimal number and the space that start s.
func leadingCount(s string) (uint64, string, error) {
	num, rest, ok := strings.Cut(s, " ")
	n, err := strconv.ParseUint(num, 10, 64)
	if !ok || err != nil {
		return 0, "", fmt.Errorf("%s: want a number, a space and a value", quoteGo(s))
	}
	return n, strings.TrimSpace(rest), nil
}

// Data lines.

const base64Width = 76

// textData tells whether b is shown as text lines, and whether they end with CR LF: printable
// UTF-8 (no control characters but tab and line ends, no U+2028/U+2029), whose CRs all come
// before an LF and either all LFs or none after a CR.
func textData(b []byte) (ok, crlf bool) {
	if len(b) == 0 || !utf8.Valid(b) {
		return false, false
	}
	cr, lf, crlfs := bytes.Count(b, []byte{'\r'}), bytes.Count(b, []byte{'\n'}), bytes.Count(b, []byte("\r\n"))
	if cr != 0 && (cr != lf || cr != crlfs) {
		return false, false
	}
	for _, r := range string(b) {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20 || (r >= 0x7F && r < 0xA0) || r == 0x2028 || r == 0x2029:
			return false, false
		}
	}
	return true, cr != 0
}

func writeDataText(b *bytes.Buffer, data []byte) {
	if len(data) == 0 {
		return
	}
	if ok, crlf := textData(data); ok {
		sep := "\n"
		if crlf {
			sep = "\r\n"
			b.WriteString("Data: text, crlf\n")
		} else {
			b.WriteString("Data: text\n")
		}
		for _, l := range strings.Split(string(data), sep) {
			if l == "" {
				b.WriteString("|\n")
			} else {
				b.WriteString("| " + l + "\n")
			}
		}
		return
	}
	fmt.Fprintf(b, "Data: base64, %d bytes\n", len(data))
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > base64Width {
		b.WriteString(enc[:base64Width] + "\n")
		enc = enc[base64Width:]
	}
	b.WriteString(enc + "\n")
}

// Parsing.

type textParser struct {
	lines []string
	n     int // the number of the line being read, from 1
}

// next returns the next line, or false at the end.
func (tp *textParser) next() (string, bool) {
	if tp.n >= len(tp.lines) {
		return "", false
	}
	tp.n++
	return tp.lines[tp.n-1], true
}

func (tp *textParser) peek() (string, bool) {
	if tp.n >= len(tp.lines) {
		return "", false
	}
	return tp.lines[tp.n], true
}

func skippable(l string) bool { return strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") }

func (tp *textParser) parse() (*PDU, error) {
	p := &PDU{}
	// Headers, up to the first section line.
	for {
		l, ok := tp.peek()
		if !ok || strings.HasPrefix(l, "---") {
			break
		}
		tp.next()
		if skippable(l) {
			continue
		}
		if len(p.Headers) >= MaxHeaders {
			return nil, errors.New("too many header fields")
		}
		h, err := parseHeaderText(l, pduTextTable)
		if err != nil {
			return nil, err
		}
		p.Headers = append(p.Headers, h)
	}
	total := -1 // M of "part N of M", once given
	totalLine := 0
	for {
		l, ok := tp.next()
		if !ok {
			break
		}
		if skippable(l) {
			continue
		}
		sec := strings.Join(strings.Fields(strings.TrimPrefix(l, "---")), " ")
		switch {
		case !strings.HasPrefix(l, "---"):
			return nil, fmt.Errorf("%s: want a \"--- part N of M\" or \"--- body\" line", quoteGo(l))
		case sec == "body":
			if p.Body != nil || p.Parts != nil {
				return nil, errors.New("a second body")
			}
			if err := tp.parseSection(nil, &p.Body); err != nil {
				return nil, err
			}
			if p.Body == nil {
				p.Body = []byte{} // a body section, if empty; set back to nil below
			}
		case sec == "no parts":
			if p.Body != nil || p.Parts != nil {
				return nil, errors.New("\"--- no parts\" after a body or parts")
			}
			p.Parts = []Part{}
			total = 0
		case strings.HasPrefix(sec, "part "):
			if p.Body != nil {
				return nil, errors.New("parts after a body")
			}
			if total == 0 && p.Parts != nil && len(p.Parts) == 0 {
				return nil, errors.New("a part after \"--- no parts\"")
			}
			num, of, hasOf := strings.Cut(strings.TrimPrefix(sec, "part "), " of ")
			if n, err := strconv.Atoi(num); err != nil || n != len(p.Parts)+1 {
				return nil, fmt.Errorf("%s: want part %d", quoteGo(l), len(p.Parts)+1)
			}
			if hasOf {
				m, err := strconv.Atoi(of)
				if err != nil || m < 1 || (total > 0 && m != total) {
					return nil, fmt.Errorf("%s: bad part count", quoteGo(l))
				}
				if total < 0 {
					totalLine = tp.n
				}
				total = m
			}
			if len(p.Parts) >= MaxParts {
				return nil, errors.New("too many parts")
			}
			var part Part
			if err := tp.parseSection(&part, &part.Data); err != nil {
				return nil, err
			}
			p.Parts = append(p.Parts, part)
		default:
			return nil, fmt.Errorf("%s: want \"--- part N of M\", \"--- body\" or \"--- no parts\"", quoteGo(l))
		}
	}
	if len(p.Body) == 0 {
		p.Body = nil
	}
	if total > 0 && len(p.Parts) != total {
		tp.n = totalLine
		return nil, fmt.Errorf("the part lines announce %d parts, but there are %d", total, len(p.Parts))
	}
	return p, nil
}

// parseSection reads the lines of a part (part != nil: Content-Type, headers, Data) or of the
// body (only Data) after its "---" line.
func (tp *textParser) parseSection(part *Part, data *[]byte) error {
	start := tp.n
	hasCT := false
	for {
		l, ok := tp.peek()
		if !ok || strings.HasPrefix(l, "---") {
			break
		}
		tp.next()
		if skippable(l) {
			continue
		}
		key, val, _ := strings.Cut(l, ":")
		if equalFold(strings.TrimSpace(key), "Data") {
			d, err := tp.parseData(strings.TrimSpace(val))
			if err != nil {
				return err
			}
			*data = d
			// Nothing but blank lines and comments may follow, up to the next section.
			for {
				l, ok := tp.peek()
				if !ok || strings.HasPrefix(l, "---") {
					break
				}
				tp.next()
				if !skippable(l) {
					return fmt.Errorf("%s after the data (a blank line and \"--- part N\" start the next part)", quoteGo(l))
				}
			}
			break
		}
		if part == nil {
			return fmt.Errorf("%s: the body has only a Data line", quoteGo(l))
		}
		if equalFold(strings.TrimSpace(key), "Content-Type") {
			if hasCT {
				return errors.New("a second Content-Type in the part")
			}
			mt, params, err := parseParamsText(strings.TrimSpace(val), paramTextCT)
			if err != nil {
				return fmt.Errorf("Content-Type: %w", err)
			}
			part.ContentType = ContentType{MediaType: mt, Params: params}
			hasCT = true
			continue
		}
		if len(part.Headers) >= MaxHeaders {
			return errors.New("too many part headers")
		}
		h, err := parseHeaderText(l, partTextTable)
		if err != nil {
			return err
		}
		part.Headers = append(part.Headers, h)
	}
	if part != nil && !hasCT {
		tp.n = start
		return errors.New("the part has no Content-Type line")
	}
	if len(*data) == 0 {
		*data = nil
	}
	return nil
}

// parseData reads the lines of data after "Data: how".
func (tp *textParser) parseData(how string) ([]byte, error) {
	start := tp.n
	switch how {
	case "text", "text, crlf":
		var lines []string
		for {
			l, ok := tp.peek()
			if !ok || !strings.HasPrefix(l, "|") {
				break
			}
			tp.next()
			switch {
			case l == "|":
				lines = append(lines, "")
			case strings.HasPrefix(l, "| "):
				lines = append(lines, l[2:])
			default:
				return nil, errors.New("a text data line starts with \"| \" (or is a lone \"|\")")
			}
		}
		if len(lines) == 0 {
			return nil, errors.New("\"Data: text\" without \"| \" lines")
		}
		sep := "\n"
		if how == "text, crlf" {
			sep = "\r\n"
		}
		return []byte(strings.Join(lines, sep)), nil
	}
	size := -1
	if rest, ok := strings.CutPrefix(how, "base64"); ok {
		rest = strings.TrimSpace(rest)
		if rest != "" {
			num, ok := strings.CutPrefix(rest, ",")
			num, ok2 := strings.CutSuffix(strings.TrimSpace(num), " bytes")
			n, err := strconv.Atoi(num)
			if !ok || !ok2 || err != nil || n < 0 {
				return nil, fmt.Errorf("Data: %s: want \"base64, N bytes\"", how)
			}
			size = n
		}
	} else {
		return nil, fmt.Errorf("Data: %s: want \"text\", \"text, crlf\" or \"base64, N bytes\"", quoteGo(how))
	}
	var sb strings.Builder
	for {
		l, ok := tp.peek()
		if !ok || skippable(l) || strings.HasPrefix(l, "---") {
			break
		}
		tp.next()
		sb.WriteString(strings.TrimSpace(l))
	}
	b, err := base64.StdEncoding.DecodeString(sb.String())
	if err != nil {
		tp.n = start
		return nil, fmt.Errorf("base64 data: %v", err)
	}
	if size >= 0 && len(b) != size {
		tp.n = start
		return nil, fmt.Errorf("base64 data of %d bytes, announced %d", len(b), size)
	}
	return b, nil
}

// parseHeaderText reads one "Name: value" line of the context t.
func parseHeaderText(l string, t textTable) (Header, error) {
	var h Header
	var rest string
	if strings.HasPrefix(l, `"`) {
		name, r, err := leadingQuoted(l)
		if err != nil {
			return h, err
		}
		r = strings.TrimLeft(r, " \t")
		if !strings.HasPrefix(r, ":") {
			return h, fmt.Errorf("%s: want \"Name: value\"", quoteGo(l))
		}
		h.Name, rest = name, r[1:]
	} else {
		key, r, ok := strings.Cut(l, ":")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return h, fmt.Errorf("%s: want \"Name: value\"", quoteGo(l))
		}
		rest = r
		switch c, known := t.code(key); {
		case strings.HasPrefix(key, "0x") || strings.HasPrefix(key, "0X"):
			c, err := parseCodeText(key)
			if err != nil {
				return h, err
			}
			h.Field, h.Name = byte(c), t.lookup(byte(c)).name
		case known:
			h.Field, h.Name = c, t.lookup(c).name
		default:
			h.Name = key // an application header
		}
	}
	f := field{codec: textCodec}
	if h.Field != 0 {
		f = t.lookup(h.Field)
	}
	v, err := parseValueText(f, strings.TrimSpace(rest))
	if err != nil {
		return h, fmt.Errorf("%s: %w", headerLabel(h), err)
	}
	h.Value = v
	return h, nil
}
