// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package lex holds the lexical helpers that more than one package of mmsmap needs: ASCII case
// folding for header names and tokens, header field values (trimming, lookup, folding), RFC 5322
// quoting and mailboxes, RFC 2047 encoded-words, dates, byte classes, domain names and E.164
// digits, and the size limits the MM4 codec and the MM3 mapping share.
//
// Helpers that only one package uses live in that package.
package lex

import (
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"
)

// Limits on hostile input shared by the MM4 codec and the MM3 mapping. Every value is measured
// before it is scanned or decoded.
const (
	// MaxValueLength bounds every single-valued MM4 field: IDs, tokens, dates, addresses and text.
	MaxValueLength = 4096
	// MaxListValueLength bounds one To or Cc field, which may list many recipients.
	MaxListValueLength = 64 << 10
	// MaxFieldNameLength is longer than every field name the codec knows; longer names are skipped unread.
	MaxFieldNameLength = 64
	// MaxLineOctets is the longest line 7-bit SMTP carries, CRLF excluded (RFC 5321 §4.5.3.1.6,
	// RFC 5322 §2.1.1).
	MaxLineOctets = 998
	// MaxE164Digits is the longest E.164 number (ITU-T E.164 §6: at most 15 digits).
	MaxE164Digits = 15
)

// ReasonMissing is the reason given for an absent (or empty) mandatory field.
const ReasonMissing = "missing mandatory header"

// ReasonTooLong is the reason given for a value over its length limit.
func ReasonTooLong(limit int) string { return "longer than " + strconv.Itoa(limit) + " bytes" }

// TokenEqualFold reports whether a and b are equal under ASCII case folding. Header names and MM4
// tokens are ASCII (RFC 5322 §2.2); unlike strings.EqualFold this does not match, for example, the
// Kelvin sign against "k".
func TokenEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if TokenLowerByte(a[i]) != TokenLowerByte(b[i]) {
			return false
		}
	}
	return true
}

// TokenLowerByte lower-cases one ASCII letter and leaves every other byte alone.
func TokenLowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// ContainsFold reports whether list holds s, ignoring case.
func ContainsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// TrimFieldValue removes the RFC 5322 white space (SP and HTAB) around s. It deliberately does not
// trim other Unicode space, so that a value written by the MM4 encoder reads back byte for byte.
func TrimFieldValue(s string) string { return strings.Trim(s, " \t") }

// FirstValue returns the first non-empty value, trimmed, of the field name in h, matching the name
// ignoring ASCII case (textproto.Header.Get would miss "x-mms-originator-r/s-delivery-report",
// whose "/" stops net/textproto from canonicalising it).
func FirstValue(h *textproto.Header, name string) (string, bool) {
	for fields := h.Fields(); fields.Next(); {
		if !TokenEqualFold(fields.Key(), name) {
			continue
		}
		if v := TrimFieldValue(fields.Value()); v != "" {
			return v, true
		}
	}
	return "", false
}

// foldLineLength is the line length RFC 5322 §2.2.3 recommends, excluding CRLF.
const foldLineLength = 78

// FoldField formats one header field as "Name: value\r\n", folding the value at single spaces so
// that lines stay within 78 octets (RFC 5322 §2.2.3) where the value allows. Only a space between
// two non-blank octets is a fold point, so unfolding (which joins lines with one space) restores
// the value exactly. A value with no such space stays on one line.
func FoldField(name, value string) string {
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

// UnquoteID removes the double quotes some MMSCs put around X-Mms-Transaction-ID and
// X-Mms-Message-ID (real peers, Mbuni among them, quote both), undoing quoted-pair escapes inside
// them. A value that is not a single quoted string is returned unchanged.
func UnquoteID(v string) string {
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

// QuoteString writes s as an RFC 5322 §3.2.4 quoted-string.
func QuoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// FormatMailbox writes an RFC 5322 mailbox: addr alone, or `phrase <addr>` with the display name as
// atoms, a quoted-string or, when it is not ASCII or holds "=?", RFC 2047 encoded-words (B encoding,
// which is safe in a phrase, RFC 2047 §5(3)). Text with "=?" could otherwise be read back as an
// encoded-word: mmsmap.ParseAddress, like many mail clients, decodes them even in a quoted-string.
func FormatMailbox(name, addr string) string {
	if name == "" {
		return addr
	}
	return formatPhrase(name) + " <" + addr + ">"
}

// formatPhrase writes a display name as an RFC 5322 phrase.
func formatPhrase(name string) string {
	atoms := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 0x80 || c < ' ' && c != '\t' || c == 0x7f: // (mime.BEncoding leaves a HTAB as it is)
			charset := "utf-8"
			if !utf8.ValidString(name) {
				charset = "unknown-8bit"
			}
			return mime.BEncoding.Encode(charset, name)
		case c != ' ' && !IsAtext(c):
			atoms = false
		}
	}
	if strings.Contains(name, "=?") {
		return asciiBWords(name)
	}
	if atoms && strings.Trim(name, " ") == name && !strings.Contains(name, "  ") {
		return name
	}
	return QuoteString(name)
}

// asciiBWords writes ASCII text as RFC 2047 B encoded-words of at most 75 characters (RFC 2047 §2),
// separated by spaces, which a decoder drops between encoded-words (§6.2). (mime.BEncoding leaves
// printable ASCII as it is.)
func asciiBWords(s string) string {
	const chunk = 45 // 60 base64 characters, 72 with "=?utf-8?b?" and "?="
	var b strings.Builder
	for len(s) > 0 {
		n := min(chunk, len(s))
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(s[:n])) + "?=")
		s = s[n:]
	}
	return b.String()
}

// EncodeWords writes text as RFC 2047 encoded-words (Q encoding): charset utf-8 when s is UTF-8,
// else unknown-8bit (RFC 1428), which tells the reader that the octets' charset is not known.
func EncodeWords(s string) string {
	charset := "utf-8"
	if !utf8.ValidString(s) {
		charset = "unknown-8bit"
	}
	return mime.QEncoding.Encode(charset, s)
}

// SevenBitOctets reports whether b holds no octet above 127 and no NUL.
func SevenBitOctets(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 || c == 0 {
			return false
		}
	}
	return true
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

// ParseDate reads an RFC 5322 §3.3 date-time (Date:) or an HTTP-date (RFC 9110 §5.6.7; X-Mms-Expiry
// as Mbuni and other MMSCs write it).
func ParseDate(s string) (time.Time, error) {
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

// maxDomainLength and maxLabelLength are the RFC 1035 §2.3.4 limits.
const (
	maxDomainLength = 255
	maxLabelLength  = 63
)

// ParseDomain checks an RFC 5321 §4.1.2 Domain (dot-separated LDH labels) and returns it in lower
// case, or a non-empty reason. Address literals ("[192.0.2.1]") and U-labels are not accepted.
func ParseDomain(d string) (string, string) {
	if d == "" {
		return "", "empty"
	}
	if len(d) > maxDomainLength {
		return "", fmt.Sprintf("longer than %d bytes", maxDomainLength)
	}
	for i := 0; i < len(d); i++ {
		if d[i] >= 0x80 {
			return "", "non-ASCII character (IDNA A-labels required, RFC 4356 §2.1.3.2)"
		}
	}
	for _, label := range strings.Split(d, ".") {
		switch {
		case label == "":
			return "", "empty label"
		case len(label) > maxLabelLength:
			return "", fmt.Sprintf("label longer than %d bytes", maxLabelLength)
		case label[0] == '-' || label[len(label)-1] == '-':
			return "", "label starts or ends with '-'"
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !IsAlnum(c) && c != '-' {
				return "", fmt.Sprintf("character %q", c)
			}
		}
	}
	return strings.ToLower(d), ""
}

// CheckE164 checks the digits of an E.164 number after the "+": 1 to 15 digits, the first (the
// start of the country code) not "0". It returns the reason they are not, or "".
func CheckE164(digits string) string {
	switch {
	case digits == "":
		return "no digits after '+'"
	case len(digits) > MaxE164Digits:
		return fmt.Sprintf("more than %d digits (E.164)", MaxE164Digits)
	case digits[0] == '0':
		return "E.164 number starting with 0"
	}
	for i := 0; i < len(digits); i++ {
		if !IsDigit(digits[i]) {
			return "character " + DescribeByte(digits[i]) + " in an E.164 number"
		}
	}
	return ""
}

// DescribeByte names a byte in an error message: 'a' when it is ASCII, 0xC3 when it is part of a
// multi-byte character.
func DescribeByte(c byte) string {
	if c < 0x80 {
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("0x%02X", c)
}

// IsDigit reports whether c is an ASCII digit.
func IsDigit(c byte) bool { return '0' <= c && c <= '9' }

// IsAlpha reports whether c is an ASCII letter.
func IsAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// IsAlnum reports whether c is an ASCII letter or digit.
func IsAlnum(c byte) bool { return IsDigit(c) || IsAlpha(c) }

// IsAtext reports whether c is RFC 5322 §3.2.3 atext.
func IsAtext(c byte) bool {
	return IsAlnum(c) || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// ParseMediaType is mime.ParseMediaType, lenient about what handsets and
// MMSCs write: a parameter value that is not a token and not quoted
// (type=application/smil, start=<smil>, name=a b.jpg) is read as if it
// were quoted, where mime.ParseMediaType would drop every parameter,
// the boundary included.
func ParseMediaType(v string) (string, map[string]string, error) {
	mt, params, err := mime.ParseMediaType(v)
	if err == nil {
		return mt, params, nil
	}
	fixed, changed := quoteParams(v)
	if !changed {
		return mt, params, err
	}
	if mt2, params2, err2 := mime.ParseMediaType(fixed); err2 == nil {
		return mt2, params2, nil
	}
	return mt, params, err
}

// quoteParams quotes the unquoted parameter values of a Content-Type or
// Content-Disposition value that are printable ASCII but not RFC 2045
// tokens.
func quoteParams(v string) (string, bool) {
	parts := splitParams(v)
	changed := false
	for i := 1; i < len(parts); i++ {
		name, value, ok := strings.Cut(parts[i], "=")
		value = strings.TrimSpace(value)
		if !ok || value == "" || value[0] == '"' || isToken(value) || !isPrintableASCII(value) {
			continue
		}
		parts[i] = name + "=" + QuoteString(value)
		changed = true
	}
	return strings.Join(parts, ";"), changed
}

// splitParams splits at the semicolons outside quoted strings.
func splitParams(v string) []string {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == ';' && !quoted:
			parts = append(parts, v[start:i])
			start = i + 1
		}
	}
	return append(parts, v[start:])
}

// isPrintableASCII reports whether s holds printable ASCII and spaces only
// (an 8-bit value is left for the caller to refuse: its charset is unknown).
func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// isToken reports whether s is an RFC 2045 token.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return s != ""
}
