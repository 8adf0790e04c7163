// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package mailfmt holds the 7-bit formatting and sanitising helpers shared by
// the report generators of maddy-mms: delivery status notifications
// (internal/dsn, RFC 3464) and message disposition notifications
// (internal/mdn, RFC 8098). Both are multipart/report messages (RFC 6522)
// built from values that partly come from outside (peer status texts, the
// original header), so both need the same guarantees: every line is 7-bit
// and CRLF-terminated (RFC 5322 §2.1.1, RFC 2045 §2.7), nothing taken from
// outside can add a header field, a report field or a MIME part, and every
// value is bounded in size.
package mailfmt

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// Size limits shared by the report generators.
const (
	// MaxAddressLen bounds a mailbox or a typed report address (bytes).
	MaxAddressLen = 512
	// MaxSubjectText is the number of bytes of the original Subject kept
	// in a report's Subject.
	MaxSubjectText = 200
	// MaxFieldNameLen bounds the name of a returned original header field.
	MaxFieldNameLen = 200
	// MaxOrigFieldLen bounds one returned original header field value.
	MaxOrigFieldLen = 16 << 10
	// MaxMTANameLen bounds an mta-name of a type other than "dns".
	MaxMTANameLen = 255
	// DateLayout is the RFC 5322 §3.3 date-time layout of every date
	// written.
	DateLayout = "Mon, 02 Jan 2006 15:04:05 -0700"
)

// FormatMailbox validates a single RFC 5322 mailbox and formats it 7-bit
// clean (RFC 2047 for a non-ASCII display name). A non-ASCII address is
// refused: it cannot appear in a 7-bit header.
func FormatMailbox(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", errors.New("empty address")
	}
	if len(s) > MaxAddressLen {
		return "", errors.New("address too long")
	}
	for _, r := range s {
		if IsControl(r) || IsLineBreak(r) {
			return "", errors.New("address contains control characters")
		}
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", fmt.Errorf("invalid address: %w", err)
	}
	if !IsASCII(a.Address) {
		return "", errors.New("non-ASCII address cannot be used in a 7-bit message")
	}
	out := a.String() // encodes a non-ASCII display name (RFC 2047)
	if a.Name == "" {
		out = strings.TrimSuffix(strings.TrimPrefix(out, "<"), ">")
	}
	if !IsASCII(out) {
		return "", errors.New("address cannot be represented in 7-bit")
	}
	return out, nil
}

// FormatTypedAddress turns "type; address" or a bare address into the
// address-type ";" generic-address form of RFC 3464 §2.3.1/§2.3.2 and
// RFC 8098 §3.2.3/§3.2.4. A bare address gets the type "rfc822"; a
// non-ASCII address of type rfc822 or utf-8 is written with the "utf-8" type
// in its 7-bit xtext form (RFC 6533 §3).
func FormatTypedAddress(s string) (string, error) {
	typ, addr, ok := SplitType(s)
	if !ok {
		typ, addr = "rfc822", strings.TrimSpace(s)
	}
	if addr == "" {
		return "", errors.New("empty address")
	}
	if len(addr) > MaxAddressLen {
		return "", errors.New("address too long")
	}
	for _, r := range addr {
		if IsControl(r) || IsLineBreak(r) || IsBidiControl(r) || r == '\uFFFD' {
			return "", errors.New("address contains control characters or invalid UTF-8")
		}
	}
	if IsASCII(addr) {
		return typ + "; " + addr, nil
	}
	switch strings.ToLower(typ) {
	case "rfc822", "utf-8":
		return "utf-8; " + UTF8AddrXtext(addr), nil
	}
	return "", fmt.Errorf("non-ASCII address of type %q", typ)
}

// FormatMTA formats an mta-name field value (RFC 3464 §2.2.2, §2.2.3,
// §2.3.5; RFC 8098 §3.2.2): "dns; host" for a bare name or one of type dns
// (which must be a valid host name or address literal; a trailing dot is
// dropped), "type; name" with the name made a clean ASCII line otherwise.
func FormatMTA(s string) (string, error) {
	typ, name, ok := SplitType(s)
	if !ok {
		typ, name = "dns", strings.TrimSpace(s)
	}
	if strings.EqualFold(typ, "dns") {
		name = strings.TrimSuffix(name, ".")
		if !IsHostname(name) {
			return "", errors.New("invalid host name")
		}
		return "dns; " + name, nil
	}
	name = CleanLine(name, MaxMTANameLen, true)
	if name == "" {
		return "", errors.New("empty MTA name")
	}
	return typ + "; " + name, nil
}

// Subject builds a report's Subject: prefix, then ": " and subj if subj is
// not empty. subj is the original Subject field value: it is decoded
// (RFC 2047), sanitized, shortened to MaxSubjectText bytes and re-encoded as
// RFC 2047 encoded-words (RFC 2047 §5 (1)) if it is not plain ASCII.
func Subject(prefix, subj string) string {
	if subj == "" {
		return prefix
	}
	dec := new(mime.WordDecoder)
	decoded, err := dec.DecodeHeader(subj)
	wasDecoded := err == nil
	if !wasDecoded {
		// Unknown charset: keep the encoded-words as they are; they are
		// ASCII and the reader's client may know the charset.
		decoded = subj
	}
	s := CleanLine(decoded, MaxSubjectText, false)
	if s == "" {
		return prefix
	}
	// Re-encode if non-ASCII, or if decoded text would be mistaken for
	// encoded-words by the reader.
	if !IsASCII(s) || (wasDecoded && strings.Contains(s, "=?")) {
		s = mime.QEncoding.Encode("utf-8", s)
	}
	return prefix + ": " + s
}

// EncodeText returns text (lines separated by "\n") as a part body with
// CRLF line ends, its charset and its Content-Transfer-Encoding: 7bit for
// ASCII text with lines of at most 998 characters, quoted-printable
// (RFC 2045 §6.7) otherwise.
func EncodeText(text string) (body []byte, charset, cte string) {
	lines := strings.Split(text, "\n")
	ascii := IsASCII(text)
	short := true
	for _, l := range lines {
		if len(l) > 998 {
			short = false
			break
		}
	}
	charset = "us-ascii"
	if !ascii {
		charset = "utf-8"
	}
	if ascii && short {
		return []byte(strings.Join(lines, "\r\n") + "\r\n"), charset, "7bit"
	}
	var buf bytes.Buffer
	qp := quotedprintable.NewWriter(&buf)
	// Writes to a bytes.Buffer cannot fail.
	_, _ = qp.Write([]byte(text + "\n"))
	_ = qp.Close()
	return buf.Bytes(), charset, "quoted-printable"
}

// CharsetFor returns the charset of a part with the given
// Content-Transfer-Encoding as chosen by EncodeText and OriginalHeaderPart.
func CharsetFor(cte string) string {
	if cte == "7bit" {
		return "us-ascii"
	}
	return "utf-8"
}

// OriginalHeaderPart serializes h as the body of a text/rfc822-headers part
// (RFC 6522 §3). Every field is rebuilt from its name and unfolded value
// rather than copied raw: invalid names are skipped, control characters
// (including bare CR or LF) become spaces, invalid UTF-8 becomes U+FFFD, and
// the field is folded anew. Fields that would take the part past max bytes
// are left out. The part is quoted-printable if any value is non-ASCII
// (RFC 6532 header), 7bit otherwise. It returns nil if no field is kept.
func OriginalHeaderPart(h textproto.Header, max int) ([]byte, string) {
	var buf bytes.Buffer
	fields := h.Fields()
	for fields.Next() {
		name := fields.Key()
		// Keep the original spelling of the name if the raw field has one.
		if raw, err := fields.Raw(); err == nil {
			if i := bytes.IndexByte(raw, ':'); i > 0 {
				if n := string(bytes.TrimRight(raw[:i], " \t")); strings.EqualFold(n, name) {
					name = n
				}
			}
		}
		if !IsFieldName(name) {
			continue
		}
		f := FoldField(name, CleanLine(fields.Value(), MaxOrigFieldLen, false))
		if buf.Len()+len(f) > max {
			break
		}
		buf.WriteString(f)
	}
	if buf.Len() == 0 {
		return nil, ""
	}
	if IsASCII(buf.String()) {
		return buf.Bytes(), "7bit"
	}
	var enc bytes.Buffer
	qp := quotedprintable.NewWriter(&enc)
	_, _ = qp.Write(buf.Bytes())
	_ = qp.Close()
	return enc.Bytes(), "quoted-printable"
}

// PickBoundary returns a random multipart boundary (RFC 2046 §5.1.1) that
// starts with "=_" + tag + "_" and occurs in none of the parts. A boundary
// starting with "=_" can never occur in quoted-printable text. tag must be
// a few letters or digits.
func PickBoundary(tag string, parts ...[]byte) (string, error) {
	for range 8 {
		var rnd [18]byte
		if _, err := rand.Read(rnd[:]); err != nil {
			return "", fmt.Errorf("boundary: %w", err)
		}
		b := "=_" + tag + "_" + hex.EncodeToString(rnd[:])
		clash := false
		for _, p := range parts {
			if bytes.Contains(p, []byte(b)) {
				clash = true
				break
			}
		}
		if !clash {
			return b, nil
		}
	}
	return "", errors.New("cannot find a multipart boundary")
}

// WritePart writes one body part: delimiter, header fields (each a
// complete CRLF-terminated field as made by FoldField), blank line,
// content. The CRLF that precedes the next delimiter belongs to that
// delimiter (RFC 2046 §5.1.1), so a CRLF is added after the content.
func WritePart(w *bytes.Buffer, boundary string, fields []string, content []byte) {
	w.WriteString("\r\n--" + boundary + "\r\n")
	for _, f := range fields {
		w.WriteString(f)
	}
	w.WriteString("\r\n")
	w.Write(content)
	if !bytes.HasSuffix(content, []byte("\r\n")) {
		w.WriteString("\r\n")
	}
}
