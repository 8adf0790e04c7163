// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1

import (
	"errors"
	"strings"
)

// Wire primitives of WAP-230-WSP §8.4.2 (basic rules, §8.4.2.1; lengths, §8.4.2.2), as used by
// OMA-MMS-ENC §7.2. Each reader takes the octets from the start of a value and returns what it
// read and how many octets that took; each writer appends to dst.

var (
	errTruncated = errors.New("mm1: truncated value")
	errBadValue  = errors.New("mm1: malformed value")
)

// maxUintvar is the largest Uintvar: WSP §8.1.2 limits it to 32 bits (at most 5 octets).
const maxUintvar = 1<<32 - 1

// lengthQuote (WSP §8.4.2.2) announces a Uintvar length of 31 octets or more.
const lengthQuote = 31

// readUintvar reads a Uintvar (WSP §8.1.2): big-endian base-128, bit 7 set on every octet but
// the last, at most 5 octets and 32 bits.
func readUintvar(b []byte) (uint32, int, error) {
	var v uint64
	for i := 0; i < 5; i++ {
		if i >= len(b) {
			return 0, 0, errTruncated
		}
		v = v<<7 | uint64(b[i]&0x7F)
		if b[i]&0x80 == 0 {
			if v > maxUintvar {
				return 0, 0, errBadValue
			}
			return uint32(v), i + 1, nil
		}
	}
	return 0, 0, errBadValue
}

// appendUintvar appends v as a Uintvar of the fewest octets.
func appendUintvar(dst []byte, v uint32) []byte {
	var tmp [5]byte
	i := len(tmp) - 1
	tmp[i] = byte(v & 0x7F)
	for v >>= 7; v != 0; v >>= 7 {
		i--
		tmp[i] = byte(v&0x7F) | 0x80
	}
	return append(dst, tmp[i:]...)
}

// readValueLength reads a Value-length (WSP §8.4.2.2): a Short-length (0–30), or Length-quote
// (31) and a Uintvar. It checks that the announced octets follow.
func readValueLength(b []byte) (int, int, error) {
	if len(b) == 0 {
		return 0, 0, errTruncated
	}
	var l, n int
	switch {
	case b[0] < lengthQuote:
		l, n = int(b[0]), 1
	case b[0] == lengthQuote:
		v, m, err := readUintvar(b[1:])
		if err != nil {
			return 0, 0, err
		}
		l, n = int(v), 1+m
	default:
		return 0, 0, errBadValue
	}
	if l > len(b)-n {
		return 0, 0, errTruncated
	}
	return l, n, nil
}

// appendValueLength appends l as a Short-length when it is below 31, else Length-quote and a
// Uintvar.
func appendValueLength(dst []byte, l int) []byte {
	if l < lengthQuote {
		return append(dst, byte(l))
	}
	return appendUintvar(append(dst, lengthQuote), uint32(l))
}

// readShortInteger reads a Short-integer (WSP §8.4.2.1): one octet with the high bit set,
// value 0–127.
func readShortInteger(b []byte) (byte, int, error) {
	if len(b) == 0 {
		return 0, 0, errTruncated
	}
	if b[0] < 0x80 {
		return 0, 0, errBadValue
	}
	return b[0] & 0x7F, 1, nil
}

// readLongInteger reads a Long-integer (WSP §8.4.2.1): a Short-length N (1–30) and N octets,
// big-endian. Values wider than 64 bits are refused.
func readLongInteger(b []byte) (uint64, int, error) {
	if len(b) == 0 {
		return 0, 0, errTruncated
	}
	n := int(b[0])
	if n == 0 || n > 8 {
		return 0, 0, errBadValue
	}
	if len(b) < 1+n {
		return 0, 0, errTruncated
	}
	var v uint64
	for _, c := range b[1 : 1+n] {
		v = v<<8 | uint64(c)
	}
	return v, 1 + n, nil
}

// appendLongInteger appends v as a Long-integer of the fewest octets (at least one).
func appendLongInteger(dst []byte, v uint64) []byte {
	var tmp [8]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte(v)
		v >>= 8
		if v == 0 {
			break
		}
	}
	dst = append(dst, byte(len(tmp)-i))
	return append(dst, tmp[i:]...)
}

// readIntegerValue reads an Integer-value (WSP §8.4.2.3): a Short-integer or a Long-integer.
func readIntegerValue(b []byte) (uint64, int, error) {
	if len(b) == 0 {
		return 0, 0, errTruncated
	}
	if b[0] >= 0x80 {
		return uint64(b[0] & 0x7F), 1, nil
	}
	return readLongInteger(b)
}

// appendIntegerValue appends v as a Short-integer when it is below 128, else as a Long-integer.
func appendIntegerValue(dst []byte, v uint64) []byte {
	if v < 0x80 {
		return append(dst, byte(v)|0x80)
	}
	return appendLongInteger(dst, v)
}

// readCString reads octets up to and including the terminating NUL (End-of-string).
func readCString(b []byte) (string, int, error) {
	for i, c := range b {
		if c == 0 {
			return string(b[:i]), i + 1, nil
		}
	}
	return "", 0, errTruncated
}

// readTextString reads a Text-string (WSP §8.4.2.1): [Quote 127] TEXT End-of-string. The quote,
// which the sender must put before text whose first octet is 128 or more, is removed.
func readTextString(b []byte) (string, int, error) {
	s, n, err := readCString(b)
	if err != nil {
		return "", 0, err
	}
	if len(s) > 0 && s[0] == 0x7F {
		s = s[1:]
	}
	return s, n, nil
}

// appendTextString appends s as a Text-string. The Quote 127 goes before text whose first octet
// would otherwise be read as something else (below 32, or 127 and above).
func appendTextString(dst []byte, s string) ([]byte, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, errors.New("mm1: text contains NUL")
	}
	if len(s) > 0 && (s[0] < 0x20 || s[0] >= 0x7F) {
		dst = append(dst, 0x7F)
	}
	dst = append(dst, s...)
	return append(dst, 0), nil
}

// readTextValue reads a Text-value (WSP §8.4.2.3): No-value (a lone NUL), Token-text or
// Quoted-string (the quote 34 removed). Leniently, as real handsets send them, a Text-string
// with the Quote 127 is accepted too.
func readTextValue(b []byte) (string, int, error) {
	s, n, err := readCString(b)
	if err != nil {
		return "", 0, err
	}
	if len(s) > 0 && (s[0] == 0x7F || s[0] == '"') {
		s = s[1:]
	}
	return s, n, nil
}

// appendTextValue appends s as a Text-value that readTextValue reads back: No-value for "",
// a Quoted-string when s starts with a quote, the Quote 127 before an octet that cannot start a
// token, else Token-text.
func appendTextValue(dst []byte, s string) ([]byte, error) {
	if len(s) > 0 && s[0] == '"' {
		return appendQuotedString(dst, s)
	}
	return appendTextString(dst, s)
}

// appendQuotedString appends s as a Quoted-string (WSP §8.4.2.1): the quote 34, s, NUL.
// readTextValue reads it back.
func appendQuotedString(dst []byte, s string) ([]byte, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, errors.New("mm1: text contains NUL")
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, 0), nil
}

// readTokenText reads a Token-text (WSP §8.4.2.1) as written, up to its NUL.
func readTokenText(b []byte) (string, int, error) {
	if len(b) == 0 {
		return "", 0, errTruncated
	}
	if b[0] >= 0x80 {
		return "", 0, errBadValue
	}
	return readCString(b)
}

// appendTokenText appends s and its NUL. s must not be empty, contain NUL or start with an octet
// that would be read as a Short-integer or a length.
func appendTokenText(dst []byte, s string) ([]byte, error) {
	if s == "" || s[0] < 0x20 || s[0] >= 0x80 || strings.IndexByte(s, 0) >= 0 {
		return nil, errors.New("mm1: bad token " + quoteGo(s))
	}
	dst = append(dst, s...)
	return append(dst, 0), nil
}

// readEncodedString reads an Encoded-string-value (OMA-MMS-ENC §7.2.9): a Text-string, or
// Value-length Char-set Text-string, the Char-set an IANA MIBenum as an Integer-value. A lone
// NUL is the empty text.
func readEncodedString(b []byte) (EncodedString, int, error) {
	if len(b) == 0 {
		return EncodedString{}, 0, errTruncated
	}
	if b[0] == 0 {
		return EncodedString{}, 1, nil
	}
	if b[0] >= 0x80 {
		return EncodedString{}, 0, errBadValue
	}
	if b[0] > lengthQuote {
		s, n, err := readTextString(b)
		return EncodedString{Text: s}, n, err
	}
	l, n, err := readValueLength(b)
	if err != nil {
		return EncodedString{}, 0, err
	}
	v := b[n : n+l]
	cs, m, err := readIntegerValue(v)
	if err != nil {
		return EncodedString{}, 0, err
	}
	s, k, err := readTextString(v[m:])
	if err != nil {
		return EncodedString{}, 0, err
	}
	if m+k != l {
		return EncodedString{}, 0, errBadValue
	}
	return EncodedString{Charset: cs, Text: s}, n + l, nil
}

// appendEncodedString appends e: a bare Text-string when it has no Charset, else the
// Value-length form.
func appendEncodedString(dst []byte, e EncodedString) ([]byte, error) {
	if e.Charset == 0 {
		return appendTextString(dst, e.Text)
	}
	v := appendIntegerValue(nil, e.Charset)
	v, err := appendTextString(v, e.Text)
	if err != nil {
		return nil, err
	}
	return append(appendValueLength(dst, len(v)), v...), nil
}

// valueExtent tells how many octets the value at the start of b takes, by the general rule of
// WSP §8.4.1.2 that lets a reader skip a header it does not know: 0–30 a Short-length and that
// many octets, 31 Length-quote and a Uintvar length, 32–127 text up to NUL, 128–255 one octet.
func valueExtent(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, errTruncated
	}
	switch c := b[0]; {
	case c <= lengthQuote:
		l, n, err := readValueLength(b)
		if err != nil {
			return 0, err
		}
		return n + l, nil
	case c < 0x80:
		_, n, err := readCString(b)
		return n, err
	default:
		return 1, nil
	}
}

// quoteGo quotes s for an error message, shortened.
func quoteGo(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return "\"" + strings.ToValidUTF8(s, "?") + "\""
}
