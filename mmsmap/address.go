// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mmsmap

import (
	"fmt"
	"mime"
	"net"
	"strings"
	"unicode/utf8"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// The address grammar is OMA-MMS-ENC §8 "Addressing model". On MM3 and MM4 an address travels
// in the SMTP envelope and in RFC 5322 address fields (RFC 5322 §3.4) as
// `<device-address>@<domain>` (RFC 4356 §2.1.3.2; 3GPP TS 23.140 §8.4.5).

// MaxAddressLength bounds one address (RFC 5321 path limit is 256; we allow some slack for display names).
// Longer input is rejected before any other work is done.
const MaxAddressLength = 1024

// MaxListLength bounds the number of addresses ParseAddressList returns.
const MaxListLength = 10000

// maxPathLength is the RFC 5321 §4.5.3.1.3 path limit (256 octets including the angle
// brackets). Every address ParseAddress accepts can be written, in its canonical String
// form, into an SMTP envelope: RFC 4356 §2.1.3.2 "addresses must respect SMTP length limits".
const maxPathLength = 256 - 2

// maxDialledDigits bounds a number written without "+": up to 15 E.164 digits behind an
// international prefix of up to 5 digits ("00", "011", "0011", "00700", ...).
const maxDialledDigits = lex.MaxE164Digits + 5

// defaultShortCodeMaxLength is NumberPlan.ShortCodeMaxLength when it is zero. ParseAddress
// also uses it: a bare digit string of at most this many digits is a num-shortcode.
const defaultShortCodeMaxLength = 6

// typeMarker separates a device address value from its address-type (OMA-MMS-ENC §8).
const typeMarker = "/TYPE="

// AddressType is the kind of an MMS address (OMA-MMS-ENC §8).
type AddressType int

const (
	TypePLMN      AddressType = iota + 1 // global-phone-number, "/TYPE=PLMN" or a bare number
	TypeShortCode                        // num-shortcode ("12345", "*123", "#123") or alphanum-shortcode
	TypeIPv4                             // "/TYPE=IPv4"
	TypeIPv6                             // "/TYPE=IPv6"
	TypeOther                            // escaped-value "/TYPE=" address-type, any other type token
	TypeEmail                            // RFC 5322 addr-spec that is not a device address
)

// addressTypeNames is the String table of AddressType.
var addressTypeNames = [...]string{
	TypePLMN:      "PLMN",
	TypeShortCode: "short code",
	TypeIPv4:      "IPv4",
	TypeIPv6:      "IPv6",
	TypeOther:     "other",
	TypeEmail:     "email",
}

// String returns "PLMN", "short code", "IPv4", "IPv6", "other" or "email".
func (t AddressType) String() string {
	if t > 0 && int(t) < len(addressTypeNames) {
		return addressTypeNames[t]
	}
	return fmt.Sprintf("AddressType(%d)", int(t))
}

// deviceTypes is the table of address-type tokens the grammar names (OMA-MMS-ENC §8). The
// token is matched case-insensitively, as Mbuni does, and written in the canonical case
// given here. value checks a device-address value of that type and returns its
// canonical form, or a non-empty reason.
var deviceTypes = []struct {
	token string
	typ   AddressType
	value func(string) (canonical, reason string)
}{
	{"PLMN", TypePLMN, plmnValue},
	{"IPv4", TypeIPv4, ipv4Value},
	{"IPv6", TypeIPv6, ipv6Value},
}

// Address is one MMS address (OMA-MMS-ENC §8; RFC 5322 §3.4 for the mailbox forms).
type Address struct {
	Type AddressType
	// Value: for TypePLMN the number as written minus separators "-" "." (so "+15550001111" or "5550001111");
	// TypeShortCode the code; TypeIPv4/IPv6 the IP text; TypeOther the escaped value;
	// TypeEmail the local part (unquoted; String quotes it again when it needs quoting).
	Value       string
	TypeName    string // the /TYPE= token: canonical "PLMN","IPv4","IPv6" for known types, as written for TypeOther, "" otherwise
	Domain      string // lower-cased domain after the last '@' ("" when none)
	DisplayName string // decoded display name when the input was `Name <addr>` (RFC 2047 decoded), else ""
}

// AddressError reports an address (or number) that cannot be parsed or normalised.
type AddressError struct{ Input, Reason string }

// Error returns "mmsmap: bad MMS address %q: reason", with the input cut to 64 bytes.
func (e *AddressError) Error() string {
	in := e.Input
	if len(in) > 64 {
		in = in[:64]
	}
	return fmt.Sprintf("mmsmap: bad MMS address %q: %s", in, e.Reason)
}

func addressError(input, reason string) *AddressError {
	return &AddressError{Input: input, Reason: reason}
}

// ParseAddress parses one MMS address as it appears in an SMTP envelope or in one
// element of a From/To/Cc/Sender header (OMA-MMS-ENC §8, RFC 5322 §3.4).
//
// It accepts, leniently: "+E164/TYPE=PLMN", "E164/TYPE=PLMN", "+E164" and "E164", each
// with or without "@domain"; the TYPE token in any case ("/type=plmn"); "/TYPE=IPv4",
// "/TYPE=IPv6" (any IPv6 text net.ParseIP accepts, including "::" compression, quoted
// or not); "value/TYPE=other" with an escaped value (%XX allowed); short codes; RFC 5322
// mailboxes; the display-name forms `"Name" <addr>`, `Name <addr>` and `<addr>`; and
// surrounding whitespace. A local part may be a quoted-string.
//
// Without a /TYPE token the local part is classified as follows:
//   - phone-like ("+"? then digits with "-" "." separators): TypePLMN, except that a
//     digit string without "+" of at most 6 digits is a num-shortcode (TypeShortCode);
//   - "*" or "#" followed by digits, "*" and "#" ("*123", "#123", "*31#"): TypeShortCode;
//   - anything else: TypeEmail, which requires a domain.
//
// All errors are *AddressError: empty input, CR/LF/NUL or other control characters,
// input longer than MaxAddressLength, non-UTF-8 input, a non-ASCII local part or domain
// (RFC 4356 §2.1.3.2: domains must be IDNA A-labels), a malformed number ("+" alone,
// letters in a /TYPE=PLMN value, more than 15 digits after "+", more than 20 digits
// without), a bad IPv4 or IPv6 address, an empty or malformed TYPE token, an invalid
// escaped value, a bad domain (empty labels, spaces, ...), and an address whose
// canonical String form exceeds the RFC 5321 path limit.
//
// RFC 5322 comments (CFWS) are not supported.
func ParseAddress(s string) (Address, error) {
	if len(s) > MaxAddressLength {
		return Address{}, addressError(s, fmt.Sprintf("longer than %d bytes", MaxAddressLength))
	}
	if reason := checkAddressText(s); reason != "" {
		return Address{}, addressError(s, reason)
	}
	in := strings.Trim(s, " \t")
	if in == "" {
		return Address{}, addressError(s, "empty address")
	}

	name, spec, reason := splitDisplayName(in)
	if reason != "" {
		return Address{}, addressError(s, reason)
	}
	a, reason := parseAddrSpec(spec)
	if reason != "" {
		return Address{}, addressError(s, reason)
	}
	if len(a.String()) > maxPathLength {
		return Address{}, addressError(s, fmt.Sprintf("address longer than the SMTP path limit of %d bytes (RFC 5321 §4.5.3.1.3)", maxPathLength))
	}
	a.DisplayName = name
	return a, nil
}

// checkAddressText rejects what may never appear in an address: invalid UTF-8 and control
// characters (C0 except HTAB, DEL, C1). CR and LF in particular would let an address
// inject SMTP commands or header fields.
func checkAddressText(s string) string {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return fmt.Sprintf("invalid UTF-8 at byte %d", i)
		case r == '\r':
			return fmt.Sprintf("CR at byte %d", i)
		case r == '\n':
			return fmt.Sprintf("LF at byte %d", i)
		case r == 0:
			return fmt.Sprintf("NUL at byte %d", i)
		case r < 0x20 && r != '\t', r == 0x7f, r >= 0x80 && r <= 0x9f:
			return fmt.Sprintf("control character %U at byte %d", r, i)
		}
		i += size
	}
	return ""
}

// splitDisplayName splits `Name <addr>` or `<addr>` into the decoded display name and
// the addr-spec (RFC 5322 §3.4 name-addr). Input not ending in '>' is a bare addr-spec.
func splitDisplayName(s string) (name, spec, reason string) {
	if s[len(s)-1] != '>' {
		return "", s, ""
	}
	// The angle-addr starts at the first '<' that is not inside a quoted-string of
	// the display name.
	lt := -1
	for i := 0; i < len(s) && lt < 0; i++ {
		switch s[i] {
		case '"':
			_, n, r := readQuotedString(s[i:])
			if r != "" {
				return "", "", "display name: " + r
			}
			i += n - 1
		case '<':
			lt = i
		}
	}
	if lt < 0 {
		return "", "", "'>' without '<'"
	}
	return decodePhrase(strings.Trim(s[:lt], " \t")), strings.Trim(s[lt+1:len(s)-1], " \t"), ""
}

// readQuotedString reads the RFC 5322 §3.2.4 quoted-string at the start of s (s[0] == '"') and
// returns its content with quoted-pairs resolved and the number of bytes consumed.
func readQuotedString(s string) (content string, n int, reason string) {
	var b strings.Builder
	escaped := false
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			b.WriteByte(c)
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			return b.String(), i + 1, ""
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, "unterminated quoted-string"
}

// phraseDecoder decodes RFC 2047 encoded-words (UTF-8, ISO-8859-1 and US-ASCII; words
// in other charsets are kept as written).
var phraseDecoder = new(mime.WordDecoder)

// decodePhrase turns a display name (RFC 5322 phrase) into text: quoted-strings are
// unquoted, encoded-words decoded (RFC 2047 §6.2: whitespace between two adjacent
// encoded-words is dropped), and words joined by single spaces. Leniently, and like
// many mail clients, encoded-words inside a quoted-string are decoded too (real peers get
// RFC 2047 in To and Cc wrong in many ways). A word that does not decode to
// clean UTF-8 text is kept as written.
func decodePhrase(s string) string {
	var b strings.Builder
	prevEncoded := false
	for i := 0; i < len(s); {
		var word string
		encoded := false
		switch c := s[i]; {
		case c == ' ' || c == '\t':
			i++
			continue
		case c == '"':
			content, n, _ := readQuotedString(s[i:]) // balanced: splitDisplayName checked it
			if n == 0 {
				n = len(s) - i
			}
			i += n
			word = content
			if dec, err := phraseDecoder.DecodeHeader(content); err == nil && checkAddressText(dec) == "" {
				word = dec
			}
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '"' {
				j++
			}
			word = s[i:j]
			i = j
			if strings.HasPrefix(word, "=?") && strings.HasSuffix(word, "?=") {
				if dec, err := phraseDecoder.Decode(word); err == nil && checkAddressText(dec) == "" {
					word, encoded = dec, true
				}
			}
		}
		if b.Len() > 0 && !(encoded && prevEncoded) {
			b.WriteByte(' ')
		}
		b.WriteString(word)
		prevEncoded = encoded
	}
	return b.String()
}

// parseAddrSpec parses `local-part ["@" domain]`, where local-part is a dot-atom-like
// run of characters or a quoted-string, and classifies the local part (OMA-MMS-ENC §8).
func parseAddrSpec(spec string) (Address, string) {
	if spec == "" {
		return Address{}, "empty address"
	}
	var local, domain string
	hasDomain, quoted := false, false
	if spec[0] == '"' {
		content, n, reason := readQuotedString(spec)
		if reason != "" {
			return Address{}, reason
		}
		local, quoted = content, true
		switch rest := spec[n:]; {
		case rest == "":
		case rest[0] == '@':
			domain, hasDomain = rest[1:], true
		default:
			return Address{}, "text after the quoted local part"
		}
	} else if at := strings.LastIndexByte(spec, '@'); at >= 0 {
		local, domain, hasDomain = spec[:at], spec[at+1:], true
	} else {
		local = spec
	}

	if local == "" {
		return Address{}, "empty local part"
	}
	if reason := checkASCIIText(local); reason != "" {
		return Address{}, "local part: " + reason + " (RFC 4356 §2.1.3.2)"
	}
	if hasDomain {
		d, reason := lex.ParseDomain(domain)
		if reason != "" {
			return Address{}, "domain: " + reason
		}
		domain = d
	}

	a, reason := classifyLocal(local, quoted)
	if reason != "" {
		return Address{}, reason
	}
	if a.Type == TypeEmail && !hasDomain {
		return Address{}, "not a device address, and no domain for an e-mail address"
	}
	a.Domain = domain
	return a, ""
}

// classifyLocal decides what kind of MMS address a local part is (OMA-MMS-ENC §8).
func classifyLocal(local string, quoted bool) (Address, string) {
	if i := lastIndexFoldASCII(local, typeMarker); i >= 0 {
		return deviceAddress(local[:i], local[i+len(typeMarker):])
	}
	switch {
	case isPhoneLike(local):
		v, reason := plmnValue(local)
		if reason != "" {
			return Address{}, reason
		}
		if v[0] != '+' && len(v) <= defaultShortCodeMaxLength {
			return Address{Type: TypeShortCode, Value: v}, ""
		}
		return Address{Type: TypePLMN, Value: v, TypeName: "PLMN"}, ""
	case isStarCode(local):
		return Address{Type: TypeShortCode, Value: local}, ""
	}
	if !quoted {
		for i := 0; i < len(local); i++ {
			if c := local[i]; !lex.IsAtext(c) && c != '.' {
				return Address{}, fmt.Sprintf("local part: character %q not allowed outside a quoted-string", c)
			}
		}
	} else if strings.IndexByte(local, '\t') >= 0 {
		return Address{}, "local part: tab in quoted-string"
	}
	return Address{Type: TypeEmail, Value: local}, ""
}

// deviceAddress parses `value "/TYPE=" address-type` (OMA-MMS-ENC §8).
func deviceAddress(value, token string) (Address, string) {
	if token == "" {
		return Address{}, "empty TYPE"
	}
	for i := 0; i < len(token); i++ {
		if c := token[i]; !lex.IsAlnum(c) && c != '_' {
			return Address{}, fmt.Sprintf("TYPE: character %q not allowed in an address-type", c)
		}
	}
	if value == "" {
		return Address{}, "empty value before /TYPE="
	}
	for _, t := range deviceTypes {
		if strings.EqualFold(token, t.token) {
			v, reason := t.value(value)
			if reason != "" {
				return Address{}, t.token + " value: " + reason
			}
			return Address{Type: t.typ, Value: v, TypeName: t.token}, ""
		}
	}
	if reason := escapedValue(value); reason != "" {
		return Address{}, "TYPE=" + token + " value: " + reason
	}
	return Address{Type: TypeOther, Value: value, TypeName: token}, ""
}

// plmnValue checks a global-phone-number (OMA-MMS-ENC §8: ["+"] 1*(DIGIT / "-" / ".")) and
// returns it without its written separators.
func plmnValue(v string) (string, string) {
	digits := v
	plus := strings.HasPrefix(v, "+")
	if plus {
		digits = v[1:]
	}
	b := make([]byte, 0, len(v))
	if plus {
		b = append(b, '+')
	}
	n := 0
	for i := 0; i < len(digits); i++ {
		switch c := digits[i]; {
		case lex.IsDigit(c):
			b = append(b, c)
			n++
		case c == '-' || c == '.':
		case c == '+':
			return "", "'+' allowed only at the start of a number"
		default:
			return "", fmt.Sprintf("character %q in a phone number", c)
		}
	}
	switch {
	case n == 0:
		return "", "number without digits"
	case plus && n > lex.MaxE164Digits:
		return "", fmt.Sprintf("more than %d digits after '+' (E.164)", lex.MaxE164Digits)
	case n > maxDialledDigits:
		return "", fmt.Sprintf("more than %d digits", maxDialledDigits)
	}
	return string(b), ""
}

// ipv4Value checks ipv4 = 1*3DIGIT 3("." 1*3DIGIT) (OMA-MMS-ENC §8), each part at most 255.
// The address is kept as written.
func ipv4Value(v string) (string, string) {
	parts := 0
	for _, p := range strings.SplitN(v, ".", 5) {
		parts++
		if p == "" || len(p) > 3 {
			return "", "not a dotted-quad IPv4 address"
		}
		n := 0
		for i := 0; i < len(p); i++ {
			if !lex.IsDigit(p[i]) {
				return "", "not a dotted-quad IPv4 address"
			}
			n = n*10 + int(p[i]-'0')
		}
		if n > 255 {
			return "", "IPv4 part above 255"
		}
	}
	if parts != 4 {
		return "", "not a dotted-quad IPv4 address"
	}
	return v, ""
}

// ipv6Value checks an IPv6 address. The grammar asks for the full 8-group form
// (OMA-MMS-ENC §8); leniently any form net.ParseIP accepts ("::" compression too) is taken, and
// kept as written.
func ipv6Value(v string) (string, string) {
	if !strings.Contains(v, ":") || net.ParseIP(v) == nil {
		return "", "not an IPv6 address"
	}
	return v, ""
}

// escapedValue checks escaped-value = 1*safe-char, with every "%" starting a
// "%" 2HEXDIG escape (OMA-MMS-ENC §8).
func escapedValue(v string) string {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '%':
			if i+2 >= len(v) || !isHexByte(v[i+1]) || !isHexByte(v[i+2]) {
				return "'%' not followed by two hex digits"
			}
			i += 2
		case lex.IsAlnum(c) || c == '+' || c == '-' || c == '.' || c == '_':
		default:
			return fmt.Sprintf("unsafe character %q must be written as %%%02X", c, c)
		}
	}
	return ""
}

// ParseAddressList splits a header value like To or Cc into addresses (RFC 5322 §3.4
// address-list) and parses each with ParseAddress. Commas inside quoted-strings and
// angle brackets do not split; group syntax ("Friends: a, b;") is flattened to its
// members and the group name dropped; ";" outside a group is also taken as a separator;
// empty elements are skipped. Folding (CRLF followed by a space or tab) is removed
// first; any other CR or LF, or any other control character, is an error. An empty
// value gives no addresses and no error. At most MaxListLength addresses are accepted;
// one more is an error, detected before the rest of the list is parsed. Errors are
// *AddressError; for a bad element it is that element's error from ParseAddress.
func ParseAddressList(s string) ([]Address, error) {
	if len(s) > MaxListLength*(MaxAddressLength+2) {
		return nil, addressError(s, fmt.Sprintf("address list longer than %d bytes", MaxListLength*(MaxAddressLength+2)))
	}
	s = unfoldList(s)
	// Checked here, not only per element: a group name is dropped unparsed.
	if reason := checkAddressText(s); reason != "" {
		return nil, addressError(s, reason)
	}

	var out []Address
	add := func(elem string) error {
		elem = strings.Trim(elem, " \t")
		if elem == "" {
			return nil
		}
		if len(out) == MaxListLength {
			return addressError(s, fmt.Sprintf("more than %d addresses", MaxListLength))
		}
		a, err := ParseAddress(elem)
		if err != nil {
			return err
		}
		out = append(out, a)
		return nil
	}

	start := 0
	inQuote, escaped, inAngle, inGroup, notGroup := false, false, false, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inQuote {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inQuote = false
			}
			continue
		}
		switch {
		case c == '"':
			inQuote = true
		case inAngle:
			inAngle = c != '>'
		case c == '<':
			inAngle = true
		case c == ',' || c == ';':
			if err := add(s[start:i]); err != nil {
				return nil, err
			}
			start, notGroup = i+1, false
			if c == ';' {
				inGroup = false
			}
		case c == ':' && !inGroup && !notGroup:
			// A group's display-name is a phrase: no '@' before the ':'. An unquoted
			// IPv6 device address ("2001:db8::1/TYPE=IPv6@d") also has a ':' there.
			// Looking ahead no further than the next separator keeps the whole scan linear.
			elem := s[i:]
			if end := strings.IndexAny(elem, ",;"); end >= 0 {
				elem = elem[:end]
			}
			if strings.IndexByte(s[start:i], '@') >= 0 || lastIndexFoldASCII(elem, "/TYPE=IPv6") >= 0 {
				notGroup = true
				continue
			}
			inGroup, start = true, i+1
		}
	}
	if err := add(s[start:]); err != nil {
		return nil, err
	}
	return out, nil
}

// unfoldList removes RFC 5322 §2.2.3 folding: a CRLF (or bare LF) immediately followed by a
// space or tab.
func unfoldList(s string) string {
	if strings.IndexByte(s, '\n') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' && i+2 < len(s) && s[i+1] == '\n' && (s[i+2] == ' ' || s[i+2] == '\t') {
			i++
			continue
		}
		if s[i] == '\n' && i+1 < len(s) && (s[i+1] == ' ' || s[i+1] == '\t') {
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// DeviceAddress returns the canonical address without a domain (OMA-MMS-ENC §8):
// "+15550001111/TYPE=PLMN", "12345", "192.0.2.1/TYPE=IPv4", "x%2Fy/TYPE=FOO". For an
// e-mail address it returns "local@domain".
func (a Address) DeviceAddress() string {
	switch a.Type {
	case TypePLMN:
		return a.Value + typeMarker + "PLMN"
	case TypeIPv4:
		return a.Value + typeMarker + "IPv4"
	case TypeIPv6:
		return a.Value + typeMarker + "IPv6"
	case TypeOther:
		return a.Value + typeMarker + a.TypeName
	case TypeEmail:
		if a.Domain == "" {
			return quoteLocal(a.Value)
		}
		return quoteLocal(a.Value) + "@" + a.Domain
	}
	return a.Value
}

// String returns the address in the `<device-address>@<domain>` form of RFC 4356 §2.1.3.2, or
// DeviceAddress when there is no domain, or "local@domain" for e-mail. A local part
// that is not atext (an IPv6 device address, or an e-mail local part with spaces, ...)
// is written as a quoted-string, as RFC 5322 §3.4.1 requires.
func (a Address) String() string {
	if a.Type == TypeEmail || a.Domain == "" {
		return a.DeviceAddress()
	}
	return quoteLocal(a.DeviceAddress()) + "@" + a.Domain
}

// IsNumber reports whether a is a phone number or a short code.
func (a Address) IsNumber() bool {
	return a.Type == TypePLMN || a.Type == TypeShortCode
}

// quoteLocal writes a local part as is when it is a dot-atom (atext, with single dots between
// atoms, RFC 5322 §3.2.3), and as a quoted-string otherwise (".", "a..b", "a.").
func quoteLocal(local string) string {
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c == '.' && i > 0 && i < len(local)-1 && local[i-1] != '.' {
			continue
		}
		if !lex.IsAtext(c) {
			return lex.QuoteString(local)
		}
	}
	if local == "" {
		return `""`
	}
	return local
}

// lastIndexFoldASCII is strings.LastIndex with ASCII case folding.
func lastIndexFoldASCII(s, sub string) int {
	for i := len(s) - len(sub); i >= 0; i-- {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// isPhoneLike reports whether a local part is written as a number: "+" signs, then
// digits and the written separators "-" and ".", with a leading "+" or at least one
// digit. ("++1" is phone-like, and then rejected as a malformed number.)
func isPhoneLike(s string) bool {
	rest := strings.TrimLeft(s, "+")
	digit := false
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case lex.IsDigit(c):
			digit = true
		case c == '-' || c == '.':
		default:
			return false
		}
	}
	return digit || len(rest) < len(s)
}

// isStarCode reports whether s is a num-shortcode starting with "*" or "#" ("*123",
// "#123", "*31#"): "*" / "#" / DIGIT only, starting with "*" or "#", with a digit.
func isStarCode(s string) bool {
	if s == "" || (s[0] != '*' && s[0] != '#') {
		return false
	}
	digit := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case lex.IsDigit(c):
			digit = true
		case c == '*' || c == '#':
		default:
			return false
		}
	}
	return digit
}

// checkASCIIText rejects non-ASCII text where RFC 4356 §2.1.3.2 forbids it (local parts) or
// requires IDNA A-labels (domains).
func checkASCIIText(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return "non-ASCII character"
		}
	}
	return ""
}

// isHexByte reports whether c is an ASCII hexadecimal digit.
func isHexByte(c byte) bool { return lex.IsDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
