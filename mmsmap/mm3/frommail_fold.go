// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"bufio"
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// RFC 5322 §2.1.1: a header line is at most 998 octets, CRLF excluded (lex.MaxLineOctets). The REQ
// goes over 7-bit SMTP, where longer lines may be broken or refused (RFC 5321 §4.5.3.1.6).

// fwdReasonLongLine is the reason given for a field that cannot be folded into lines of 998 octets.
const fwdReasonLongLine = "too long to fold into lines of at most 998 octets (RFC 5322 §2.1.1)"

// fwdLinesFit reports whether every line of a raw header field, folds included, is at most 998 octets
// long, not counting its CR LF (or LF).
func fwdLinesFit(raw []byte) bool {
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		if len(bytes.TrimSuffix(line, []byte("\r"))) > lex.MaxLineOctets {
			return false
		}
	}
	return true
}

// fwdFoldedFits reports whether the field name: v, folded by lex.FoldField, has lines of at most 998
// octets.
func fwdFoldedFits(name, v string) bool {
	return fwdLinesFit([]byte(lex.FoldField(name, v)))
}

// fwdFitLines returns a raw field of the mail as it is when its lines fit within 998 octets, else folded
// again at its spaces with lex.FoldField (value is the field's unfolded value); fits is false when
// even that leaves a longer line.
func fwdFitLines(raw []byte, value string) (_ []byte, fits bool) {
	if fwdLinesFit(raw) {
		return raw, true
	}
	colon := bytes.IndexByte(raw, ':')
	if colon < 0 {
		return raw, false
	}
	name := strings.TrimRight(string(raw[:colon]), " \t") // as the mail spells it
	f := []byte(lex.FoldField(name, lex.TrimFieldValue(value)))
	return f, fwdLinesFit(f)
}

// fwdFitMailbox writes a mailbox as lex.FormatMailbox does; fits is false when it leaves a line over
// 998 octets: an address, or a display name without spaces, of nearly 1000 octets. (Such a name
// could be written as encoded-words, which fold, but they would make the mailbox longer than
// mmsmap.MaxAddressLength, and a peer could not read it back.)
func fwdFitMailbox(name, addr string) (_ string, fits bool) {
	mb := lex.FormatMailbox(name, addr)
	return mb, fwdFoldedFits(hdrFrom, mb)
}

// fwdEncodeWords writes text as RFC 2047 Q encoded-words of at most 75 octets separated by spaces, so
// that it folds; a decoder joins adjacent encoded-words without the spaces (RFC 2047 §6.2). Only
// letters, digits and "!*+-/" are written as themselves, so the words would fit in a phrase as well
// as in unstructured text (RFC 2047 §5). The charset is utf-8, or unknown-8bit (RFC 1428) for
// text that is not UTF-8; a UTF-8 character is never split between two words. (mime.QEncoding
// leaves ASCII text as it is, however long its lines.)
func fwdEncodeWords(s string) string {
	charset := "utf-8"
	if !utf8.ValidString(s) {
		charset = "unknown-8bit"
	}
	prefix := "=?" + charset + "?q?"
	room := 75 - len(prefix) - len("?=")
	var b, word strings.Builder
	flush := func() {
		if word.Len() == 0 {
			return
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(prefix + word.String() + "?=")
		word.Reset()
	}
	var char strings.Builder
	for i := 0; i < len(s); {
		n := 1
		if charset == "utf-8" {
			_, n = utf8.DecodeRuneInString(s[i:])
		}
		char.Reset()
		for _, c := range []byte(s[i : i+n]) {
			switch {
			case lex.IsAlnum(c) || strings.IndexByte("!*+-/", c) >= 0:
				char.WriteByte(c)
			case c == ' ':
				char.WriteByte('_')
			default:
				char.WriteString("=" + fwdHex(c))
			}
		}
		if word.Len()+char.Len() > room {
			flush()
		}
		word.WriteString(char.String())
		i += n
	}
	flush()
	return b.String()
}

// fwdHex writes c as two upper-case hexadecimal digits.
func fwdHex(c byte) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[c>>4], digits[c&15]})
}

// assembleREQ builds the REQ header: the trace fields (Received) first, then the header Message.Header
// wrote with the history entries (X-Mms-Previously-sent-*) after its last X-Mms-* field, then the
// fields kept from the mail. Every field must end up with lines of at most 998 octets. (The header
// is written and read back, since textproto.Header only inserts at the top.)
func assembleREQ(trace [][]byte, gen textproto.Header, history []string, kept [][]byte) (textproto.Header, error) {
	var written [][]byte
	lastMMS := -1
	for f := gen.Fields(); f.Next(); {
		raw, err := f.Raw()
		if err != nil {
			return textproto.Header{}, err
		}
		if mm4.IsTransportField(f.Key()) {
			lastMMS = len(written)
		}
		written = append(written, raw)
	}
	var b bytes.Buffer
	put := func(f []byte) {
		b.Write(f)
		if !bytes.HasSuffix(f, []byte("\n")) {
			b.WriteString("\r\n")
		}
	}
	for _, f := range trace {
		put(f)
	}
	for i, f := range written {
		put(f)
		if i == lastMMS {
			for _, line := range history {
				put([]byte(line))
			}
		}
	}
	for _, f := range kept {
		put(f)
	}
	b.WriteString("\r\n")
	h, err := textproto.ReadHeader(bufio.NewReader(&b))
	if err != nil {
		return textproto.Header{}, err
	}
	for f := h.Fields(); f.Next(); {
		if raw, err := f.Raw(); err != nil || !fwdLinesFit(raw) {
			return textproto.Header{}, &mm4.FieldError{Field: f.Key(), Value: f.Value(), Reason: fwdReasonLongLine}
		}
	}
	return h, nil
}
