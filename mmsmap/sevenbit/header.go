// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package sevenbit

import (
	"bytes"
	"errors"
	"mime"
	"net/mail"
	"strconv"
	"strings"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// headerSevenBit reports whether every field of h is free of 8-bit octets and NUL.
func headerSevenBit(h *textproto.Header) bool {
	for f := h.Fields(); f.Next(); {
		raw, err := f.Raw()
		if err != nil || !lex.SevenBitOctets(raw) {
			return false
		}
	}
	return true
}

// rebuildHeader writes h with fix applied and every field that holds 8-bit octets rewritten (see
// sevenBitValue), without the empty line that ends a header. Fields are kept in order and, when
// unchanged, byte for byte. A new Content-Transfer-Encoding replaces the first such field (others
// are dropped), or is appended.
func rebuildHeader(h *textproto.Header, fix headerFix, path string) ([]byte, error) {
	var out bytes.Buffer
	ctDone, cteDone := false, false
	for f := h.Fields(); f.Next(); {
		key, value := f.Key(), f.Value()
		replaced := false
		switch {
		case fix.contentType != "" && !ctDone && lex.TokenEqualFold(key, "Content-Type"):
			value, replaced, ctDone = fix.contentType, true, true
		case fix.cte != "" && lex.TokenEqualFold(key, "Content-Transfer-Encoding"):
			if cteDone {
				continue
			}
			value, replaced, cteDone = fix.cte, true, true
		}
		raw, err := f.Raw()
		if err != nil {
			return nil, &MIMEError{Part: path, Reason: "header field " + strconv.Quote(key) + ": " + err.Error(), conversion: true}
		}
		if !replaced && lex.SevenBitOctets(raw) {
			out.Write(raw)
			continue
		}
		if !lex.SevenBitOctets([]byte(value)) {
			if value, err = sevenBitValue(key, value); err != nil {
				return nil, &MIMEError{Part: path, Reason: "header field " + key + ": " + err.Error(), conversion: true}
			}
		}
		out.WriteString(lex.FoldField(rawFieldName(raw, key), value))
	}
	if fix.cte != "" && !cteDone {
		out.WriteString(lex.FoldField("Content-Transfer-Encoding", fix.cte))
	}
	return out.Bytes(), nil
}

// rawFieldName returns a field's name as written in raw, falling back to the canonical key.
func rawFieldName(raw []byte, key string) string {
	if i := bytes.IndexByte(raw, ':'); i > 0 {
		if name := strings.Trim(string(raw[:i]), " \t"); lex.TokenEqualFold(name, key) {
			return name
		}
	}
	return key
}

// addressHeaderFields hold address lists (RFC 5322 §3.6.2, §3.6.3, §3.6.6): their 8-bit display
// names are RFC 2047 encoded one by one, so that the addresses stay readable.
var addressHeaderFields = []string{"From", "Sender", "Reply-To", "To", "Cc", "Bcc",
	"Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc", "Resent-Bcc", "Disposition-Notification-To"}

// sevenBitValue rewrites a field value holding 8-bit octets (or NUL) in 7-bit form:
//   - Content-Type, Content-Disposition: parameters in RFC 2231 §4 form (mime.FormatMediaType),
//     which also puts the type and parameter names in lower case and the parameters in order;
//   - address fields: every display name as an RFC 2047 encoded-word, when every address is ASCII;
//   - any other field, and an address field that does not parse: the whole value as RFC 2047 text.
func sevenBitValue(key, value string) (string, error) {
	switch {
	case lex.TokenEqualFold(key, "Content-Type"), lex.TokenEqualFold(key, "Content-Disposition"):
		mt, params, err := lex.ParseMediaType(value)
		if err != nil {
			return "", err
		}
		v := mime.FormatMediaType(mt, params)
		if v == "" {
			return "", errors.New("cannot be written in RFC 2231 form")
		}
		return v, nil
	case lex.ContainsFold(addressHeaderFields, key):
		if v, ok := sevenBitAddressList(value); ok {
			return v, nil
		}
	}
	return lex.EncodeWords(value), nil
}

// sevenBitAddressList writes an address list with RFC 2047 display names; ok is false when the
// list does not parse or an address itself is not ASCII.
func sevenBitAddressList(value string) (string, bool) {
	list, err := mail.ParseAddressList(value)
	if err != nil || len(list) == 0 {
		return "", false
	}
	parts := make([]string, 0, len(list))
	for _, a := range list {
		if !lex.SevenBitOctets([]byte(a.Address)) {
			return "", false
		}
		parts = append(parts, lex.FormatMailbox(a.Name, a.Address))
	}
	return strings.Join(parts, ", "), true
}
