// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1mime

import (
	"bytes"
	"encoding/base64"
)

// Content-Transfer-Encodings written (RFC 2045 §6).
const (
	cte7bit   = "7bit"
	cteQP     = "quoted-printable"
	cteBase64 = "base64"
)

// maxLine is the longest body line written, CRLF excluded (RFC 2045 §6.7 for quoted-printable and
// base64; the same for 7bit text, well within RFC 5322's 998).
const maxLine = 76

// chooseEncoding picks the transfer encoding of a leaf part: 7bit for text that is already safe,
// quoted-printable for other text in an ASCII-compatible charset that is mostly ASCII, base64 for
// the rest.
func chooseEncoding(textual bool, charset string, data []byte) string {
	if !textual || !asciiCompatible(charset) {
		return cteBase64
	}
	if sevenBitSafe(data) {
		return cte7bit
	}
	high := 0
	for _, c := range data {
		if c >= 0x80 || c == 0 {
			high++
		}
	}
	if high*4 > len(data) {
		return cteBase64
	}
	return cteQP
}

// sevenBitSafe reports whether data can go as it is in a 7bit part and back unchanged: printable
// ASCII and HTAB in lines ended by CRLF (no lone CR or LF), lines of at most maxLine octets, and no
// "=_", the prefix of every boundary this package writes, so that no line can look like one.
func sevenBitSafe(data []byte) bool {
	if bytes.Contains(data, []byte("=_")) {
		return false
	}
	line := 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '\r':
			if i+1 >= len(data) || data[i+1] != '\n' {
				return false
			}
			i++
			line = 0
			continue
		case c == '\n', c >= 0x7F, c < 0x20 && c != '\t':
			return false
		}
		line++
		if line > maxLine {
			return false
		}
	}
	return true
}

const hexUpper = "0123456789ABCDEF"

// encodeQP writes data in quoted-printable (RFC 2045 §6.7) so that it decodes to exactly data:
// CRLF pairs are hard line breaks, a lone CR or LF is encoded (=0D, =0A), as is white space at
// the end of a line, and lines are kept within 76 octets with soft line breaks.
func encodeQP(dst *bytes.Buffer, data []byte) {
	line := 0
	put := func(tok []byte, lastOnLine bool) {
		limit := maxLine - 1 // room for the "=" of a soft break
		if lastOnLine {
			limit = maxLine
		}
		if line+len(tok) > limit {
			dst.WriteString("=\r\n")
			line = 0
		}
		dst.Write(tok)
		line += len(tok)
	}
	var tok [3]byte
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			dst.WriteString("\r\n")
			line = 0
			i++
			continue
		}
		endOfLine := i+1 == len(data) || (data[i+1] == '\r' && i+2 < len(data) && data[i+2] == '\n')
		switch {
		case c >= 33 && c <= 126 && c != '=',
			(c == ' ' || c == '\t') && !endOfLine:
			tok[0] = c
			put(tok[:1], endOfLine)
		default:
			tok[0], tok[1], tok[2] = '=', hexUpper[c>>4], hexUpper[c&0x0F]
			put(tok[:3], endOfLine)
		}
	}
}

// encodeBase64 writes data in base64 in lines of 76 octets ended by CRLF.
func encodeBase64(dst *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding
	const chunk = maxLine / 4 * 3
	buf := make([]byte, maxLine)
	for len(data) > 0 {
		n := len(data)
		if n > chunk {
			n = chunk
		}
		m := enc.EncodedLen(n)
		enc.Encode(buf[:m], data[:n])
		dst.Write(buf[:m])
		data = data[n:]
		if len(data) > 0 {
			dst.WriteString("\r\n")
		}
	}
}
