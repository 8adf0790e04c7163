// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mailfmt

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Everything in this file treats its input as hostile: peer MMSCs choose the
// X-Mms-Status-Text that ends up in Diagnostic-Code and in the explanation,
// and the original sender chooses the original header. The helpers make sure
// nothing taken from outside can end a header line (RFC 5322 §2.2), start a
// new report field or field group (RFC 3464 §2.1.1, RFC 8098 §3.1.1), or
// smuggle 8-bit data into a 7-bit message (RFC 2045 §2.7).

// TruncMarker is appended to a value cut short by a size limit.
const TruncMarker = "..."

// IsBidiControl reports whether r is an invisible Unicode formatting
// character that can make displayed text differ from its logical order
// (the "Trojan Source" class); such characters are dropped from text that
// a human will read.
func IsBidiControl(r rune) bool {
	switch {
	case r == 0x061C, r == 0x200E, r == 0x200F:
		return true
	case r >= 0x202A && r <= 0x202E:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// IsLineBreak reports whether r is something a reader might render as a line
// break: CR, LF, VT, FF, NEL and the Unicode line and paragraph separators.
func IsLineBreak(r rune) bool {
	switch r {
	case '\r', '\n', '\v', '\f', 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// IsControl reports whether r is a C0 or C1 control character or DEL.
func IsControl(r rune) bool {
	return r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0x9F)
}

// CleanLine turns s into a single line of text suitable for a header or DSN
// field value: invalid UTF-8 becomes U+FFFD, every control character and line
// break becomes a space, bidi controls are dropped, runs of white space
// collapse to one space and the result is trimmed. If asciiOnly is set, every
// non-ASCII character becomes '?' (DSN fields are US-ASCII, RFC 3464 §2.1.1).
// The result is at most max bytes long (max > len(TruncMarker)); when input
// was cut, it ends with "...". The work done is bounded by max, not by len(s).
func CleanLine(s string, max int, asciiOnly bool) string {
	var b strings.Builder
	limit := max - len(TruncMarker)
	pendingSpace := false
	truncated := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		// r == RuneError with size 1 is an invalid byte; it is kept as
		// U+FFFD (or '?').
		switch {
		case IsBidiControl(r):
			continue
		case r == ' ' || r == '\t' || IsLineBreak(r) || IsControl(r):
			if b.Len() > 0 {
				pendingSpace = true
			}
			continue
		}
		var enc string
		if asciiOnly && r >= utf8.RuneSelf {
			enc = "?"
		} else {
			enc = string(r)
		}
		need := len(enc)
		if pendingSpace {
			need++
		}
		if b.Len()+need > limit {
			truncated = true
			break
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteString(enc)
	}
	if truncated {
		b.WriteString(TruncMarker)
	}
	return b.String()
}

// CleanText sanitizes multi-line human-readable text (the first part of the
// report, RFC 6522 §2): line breaks of any kind become "\n", other control
// characters except TAB become spaces, bidi controls are dropped, invalid
// UTF-8 becomes U+FFFD and trailing white space is removed from every line.
// The result is at most about max bytes; when input was cut it ends with a
// note saying so.
func CleanText(s string, max int) string {
	out := make([]byte, 0, min(len(s), max)+32)
	truncated := false
	lineStart := 0 // offset in out of the start of the current line
	trimLine := func() {
		for len(out) > lineStart && (out[len(out)-1] == ' ' || out[len(out)-1] == '\t') {
			out = out[:len(out)-1]
		}
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == '\r' && i < len(s) && s[i] == '\n' {
			continue // CRLF: the LF that follows makes the break
		}
		if len(out)+utf8.RuneLen(r) > max {
			truncated = true
			break
		}
		switch {
		case IsBidiControl(r):
		case IsLineBreak(r):
			trimLine()
			out = append(out, '\n')
			lineStart = len(out)
		case r == '\t':
			out = append(out, '\t')
		case IsControl(r):
			out = append(out, ' ')
		default:
			out = utf8.AppendRune(out, r)
		}
	}
	trimLine()
	text := strings.TrimRight(string(out), "\n")
	if truncated {
		text += "\n[... text truncated]"
	}
	return text
}

// IsASCII reports whether s consists of 7-bit characters only.
func IsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// IsTypeToken reports whether s is usable as the "*-type" part of a DSN
// field (address-type, diagnostic-type, mta-name-type; RFC 3464 §2.1.2):
// an atom restricted here to letters, digits, '-', '.' and '_'.
func IsTypeToken(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '.', c == '_':
		default:
			return false
		}
	}
	return true
}

// SplitType splits a DSN sub-field value "type; value" (RFC 3464 §2.1.2)
// into its parts. ok is false if s has no valid type prefix.
func SplitType(s string) (typ, rest string, ok bool) {
	i := strings.IndexByte(s, ';')
	if i <= 0 {
		return "", s, false
	}
	typ = strings.TrimSpace(s[:i])
	if !IsTypeToken(typ) {
		return "", s, false
	}
	return typ, strings.TrimSpace(s[i+1:]), true
}

// UTF8AddrXtext encodes addr as utf-8-addr-xtext (RFC 6533 §3): printable
// ASCII other than '+', '=' and '\' is kept, everything else becomes
// "\x{HEX}". It lets an internationalized address appear in a 7-bit
// message/delivery-status part.
func UTF8AddrXtext(addr string) string {
	var b strings.Builder
	for _, r := range addr {
		if r > 0x20 && r < 0x7F && r != '+' && r != '=' && r != '\\' {
			b.WriteRune(r)
			continue
		}
		b.WriteString(`\x{`)
		h := strings.ToUpper(strconv.FormatInt(int64(r), 16))
		if len(h) < 2 {
			h = "0" + h
		}
		b.WriteString(h)
		b.WriteByte('}')
	}
	return b.String()
}

// IsHostname reports whether s looks like a domain name or an address
// literal ("[192.0.2.1]", "[IPv6:2001:db8::1]") as used in mta-name with
// type "dns" (RFC 3464 §2.2.2, §2.3.5). It is deliberately strict: these
// values come from configuration, and anything odd is a bug worth reporting.
func IsHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	if s[0] == '[' {
		if s[len(s)-1] != ']' || len(s) < 3 {
			return false
		}
		for i := 1; i < len(s)-1; i++ {
			c := s[i]
			switch {
			case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			case c == '.', c == ':':
			case c == 'I' || c == 'P' || c == 'v': // "IPv6:" tag
			default:
				return false
			}
		}
		return true
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			case c == '-', c == '_':
			default:
				return false
			}
		}
	}
	return true
}

// IsFieldName reports whether s is a valid header field name (RFC 5322
// §2.2: printable US-ASCII except ':'), of a sane length.
func IsFieldName(s string) bool {
	if s == "" || len(s) > MaxFieldNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < '!' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// IsMsgID reports whether id can be used as the content of a Message-ID
// "<id-left@id-right>" (RFC 5322 §3.6.4, dot-atom-text on both sides).
func IsMsgID(id string) bool {
	if len(id) < 3 || len(id) > 250 {
		return false
	}
	at := strings.IndexByte(id, '@')
	if at <= 0 || at == len(id)-1 || strings.IndexByte(id[at+1:], '@') >= 0 {
		return false
	}
	return isDotAtomText(id[:at]) && isDotAtomText(id[at+1:])
}

func isDotAtomText(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-/=?^_`{|}~.", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// FoldField formats "name: value" as one header field (or DSN field),
// folded (RFC 5322 §2.2.3) at the spaces of value so that lines stay within
// 78 characters where possible. value must already be a single clean line
// (see CleanLine); runs of spaces are treated as one. A word too long to fit
// in a 998-character line (RFC 5322 §2.1.1) is split, which inserts a space
// on unfolding; with the size limits of this package that only happens to
// pathological original header fields. The result ends with CRLF.
func FoldField(name, value string) string {
	const (
		softLimit = 78
		maxWord   = 900
	)
	var b strings.Builder
	b.Grow(len(name) + len(value) + 8)
	b.WriteString(name)
	b.WriteByte(':')
	lineLen := len(name) + 1
	first := true
	put := func(w string) {
		if !first && lineLen+1+len(w) > softLimit {
			b.WriteString("\r\n")
			lineLen = 0
		}
		b.WriteByte(' ')
		b.WriteString(w)
		lineLen += 1 + len(w)
		first = false
	}
	for _, w := range strings.Split(value, " ") {
		for len(w) > maxWord {
			cut := maxWord
			for cut > 0 && !utf8.RuneStart(w[cut]) {
				cut--
			}
			if cut == 0 {
				cut = maxWord
			}
			put(w[:cut])
			w = w[cut:]
		}
		if w != "" {
			put(w)
		}
	}
	if first {
		// Empty value: keep a single space after the colon.
		b.WriteByte(' ')
	}
	b.WriteString("\r\n")
	return b.String()
}
