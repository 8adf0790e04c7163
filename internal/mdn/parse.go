// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mdn

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/internal/dsn/mailfmt"
)

// Bounds of the parser.
const (
	// MaxBody is the most Parse reads of an MDN's body (bytes); an MDN
	// whose disposition-notification part does not end within it is
	// refused with ErrTooLarge.
	MaxBody = 1 << 20
	// MaxFields is the most fields a disposition-notification part may
	// have (RFC 8098 §3.1 defines nine kinds, some repeatable).
	MaxFields = 100
	// maxParts bounds the body parts looked at before the
	// disposition-notification part.
	maxParts = 50
	// maxValue bounds each value Parse returns (bytes).
	maxValue = 998
	// maxModifiers bounds the disposition modifiers kept.
	maxModifiers = 10
)

// Errors of Parse. Every error Parse returns starts with "mdn: ".
var (
	// ErrNotMDN: the header is not that of a multipart/report with
	// report-type=disposition-notification.
	ErrNotMDN = errors.New("mdn: not a multipart/report; report-type=disposition-notification")
	// ErrTooLarge: a bound (MaxBody, MaxFields, the number of parts) was
	// exceeded.
	ErrTooLarge = errors.New("mdn: too large")
)

// Notification is the machine-readable content of an MDN (RFC 8098 §3.2).
// Every value is a single line without control characters, at most 998
// bytes.
type Notification struct {
	// OriginalMessageID is the Original-Message-ID with its angle brackets
	// (added if the MDN left them out), "" if absent.
	OriginalMessageID string
	// FinalRecipient is the address of Final-Recipient without its
	// address type ("rfc822;"), trimmed; a "utf-8" xtext address
	// (RFC 6533 §3) is decoded.
	FinalRecipient string
	// OriginalRecipient is the address of Original-Recipient, like
	// FinalRecipient; "" if absent.
	OriginalRecipient string
	// Disposition is the disposition type in lower case: displayed,
	// deleted, dispatched, processed, or RFC 3798's denied and failed, or
	// an extension.
	Disposition string
	// Modifiers are the disposition modifiers in lower case (RFC 8098
	// §3.2.6.3, e.g. "error"; RFC 2298's "expired", "warning", …), at most
	// 10.
	Modifiers []string
	// ActionMode is "automatic-action" or "manual-action" (lower case), ""
	// if the Disposition has no mode.
	ActionMode string
	// SendingMode is "mdn-sent-automatically" or "mdn-sent-manually"
	// (lower case), "" if absent.
	SendingMode string
	// ReportingUA is the Reporting-UA value, "" if absent.
	ReportingUA string
	// Gateway is the MDN-Gateway value ("dns; host"), "" if absent: the MDN
	// was made from a foreign notification by that gateway.
	Gateway string
}

// IsMDN reports whether h is the header of a multipart/report with
// report-type disposition-notification (RFC 8098 §3), or its
// internationalized form global-disposition-notification (RFC 6533 §6),
// ignoring case.
func IsMDN(h textproto.Header) bool {
	_, ok := reportBoundary(h)
	return ok
}

// reportBoundary returns the boundary of an MDN's header.
func reportBoundary(h textproto.Header) (string, bool) {
	ct := h.Get("Content-Type")
	if len(ct) > 4096 {
		return "", false
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "multipart/report" {
		return "", false
	}
	switch strings.ToLower(strings.TrimSpace(params["report-type"])) {
	case "disposition-notification", "global-disposition-notification":
		return params["boundary"], true
	}
	return "", false
}

// Parse reads an MDN: h is its header, body its body. It finds the
// message/disposition-notification part (or RFC 6533's
// message/global-disposition-notification) and returns its fields.
//
// Parse is lenient in what mail clients are known to write: field names in
// any case, folded fields, comments, a missing optional field, field
// values without the address type, a Message-ID without angle brackets, the
// part's fields with or without the blank line after the part header, LF
// line ends, quoted-printable or base64 transfer encoding, and the
// RFC 2298/3798 forms of Disposition (modifiers such as "displayed/error").
// Disposition and Final-Recipient are required.
//
// It is strict in what it reads: at most MaxBody bytes of body — it reads
// the body as a stream and stops at the end of the disposition-notification
// part, so a large original returned after it does not count —, at most
// MaxFields fields and a bounded number of parts; beyond that it returns
// ErrTooLarge.
func Parse(h textproto.Header, body io.Reader) (*Notification, error) {
	boundary, ok := reportBoundary(h)
	if !ok {
		return nil, ErrNotMDN
	}
	if boundary == "" || len(boundary) > 70 {
		return nil, errors.New("mdn: missing or invalid multipart boundary")
	}
	lr := &limitReader{r: body, n: MaxBody}
	br := bufio.NewReaderSize(lr, maxLine)
	delim := []byte("--" + boundary)

	// isDelim tells a delimiter line (RFC 2046 §5.1.1, trailing white
	// space allowed) and whether it is the close delimiter.
	isDelim := func(line []byte) (delimiter, closing bool) {
		if !bytes.HasPrefix(line, delim) {
			return false, false
		}
		rest := bytes.TrimRight(line[len(delim):], " \t\r\n")
		switch string(rest) {
		case "":
			return true, false
		case "--":
			return true, true
		}
		return false, false
	}

	// Skip the preamble.
	for {
		line, err := readLine(br)
		if d, closing := isDelim(line); d {
			if closing {
				return nil, errors.New("mdn: no message/disposition-notification part")
			}
			break
		}
		if err == io.EOF {
			return nil, errors.New("mdn: no message/disposition-notification part")
		}
		if err != nil {
			return nil, readError(lr, err)
		}
	}
	for part := 0; ; part++ {
		if part >= maxParts {
			return nil, ErrTooLarge
		}
		// Part header: up to a blank line, or up to the next delimiter if
		// the writer left the blank line out.
		var header, content []byte
		inHeader := true
		isDN := false // known once the header has ended
		last := false
		for {
			line, err := readLine(br)
			if d, closing := isDelim(line); d {
				last = closing
				break
			}
			if err == io.EOF && len(line) == 0 {
				last = true
				break
			}
			if err != nil && err != io.EOF {
				return nil, readError(lr, err)
			}
			switch {
			case inHeader && len(bytes.TrimRight(line, "\r\n")) == 0:
				inHeader = false
				hf, err := parseFields(header)
				if err != nil {
					return nil, err
				}
				isDN = isDNType(hf.get("content-type"))
			case inHeader:
				header = append(header, line...)
			case isDN: // the content of other parts is not kept
				content = append(content, line...)
			}
			if err == io.EOF {
				last = true
				break
			}
		}
		hf, err := parseFields(header)
		if err != nil {
			return nil, err
		}
		if isDNType(hf.get("content-type")) {
			fields, err := parseFields(decodePart(content, hf.get("content-transfer-encoding")))
			if err != nil {
				return nil, err
			}
			if fields.get("disposition") == "" {
				// Without the blank line after the part header, the MDN
				// fields were read as part of it.
				fields = hf
			}
			return notification(fields)
		}
		if last {
			return nil, errors.New("mdn: no message/disposition-notification part")
		}
	}
}

// isDNType reports whether a Content-Type value is that of the
// machine-readable part of an MDN.
func isDNType(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "message/disposition-notification" || mt == "message/global-disposition-notification"
}

// maxLine is the longest line Parse looks at; the rest of a longer line is
// skipped (no line of a disposition-notification part is that long, and a
// delimiter is at most 76 octets).
const maxLine = 8 << 10

// readLine returns the next line with its line end, at most maxLine bytes
// of it. At the end of the input it returns the last line (maybe empty)
// and io.EOF.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		line = append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			_, err = br.ReadSlice('\n')
		}
		if err == nil {
			line = append(line, '\n')
		}
	} else {
		line = append([]byte(nil), line...)
	}
	return line, err
}

// decodePart undoes a part's Content-Transfer-Encoding: quoted-printable or
// base64 (ignoring characters outside the alphabet); anything else, or a
// part that does not decode, is taken as it is.
func decodePart(content []byte, cte string) []byte {
	var r io.Reader
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(bytes.NewReader(content))
	case "base64":
		clean := bytes.Map(func(c rune) rune {
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
				return c
			}
			return -1
		}, content)
		if len(clean)%4 == 1 { // a lone trailing character encodes nothing
			clean = clean[:len(clean)-1]
		}
		r = base64.NewDecoder(base64.RawStdEncoding, bytes.NewReader(clean))
	default:
		return content
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return content
	}
	return out
}

// readError returns ErrTooLarge if the body limit caused err.
func readError(lr *limitReader, err error) error {
	if lr.exceeded || errors.Is(err, ErrTooLarge) {
		return ErrTooLarge
	}
	return errors.New("mdn: reading the body: " + mailfmt.CleanLine(err.Error(), 200, true))
}

// limitReader reads at most n bytes from r, then fails with ErrTooLarge.
type limitReader struct {
	r        io.Reader
	n        int64
	exceeded bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		l.exceeded = true
		return 0, ErrTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// fieldSet is the fields of a disposition-notification part: lower-case
// name → values in order.
type fieldSet struct {
	m map[string][]string
	n int
}

func (f *fieldSet) add(name, value string) error {
	f.n++
	if f.n > MaxFields {
		return ErrTooLarge
	}
	if f.m == nil {
		f.m = map[string][]string{}
	}
	f.m[name] = append(f.m[name], value)
	return nil
}

// get returns the first value of a field, "" if absent.
func (f *fieldSet) get(name string) string {
	if v := f.m[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// parseFields reads the fields of a disposition-notification part
// (RFC 8098 §3.1.1: header-field syntax), leniently: CRLF or LF line ends,
// blank lines anywhere (some writers put one before the fields or between
// groups), continuation lines, lines without a colon ignored.
func parseFields(content []byte) (*fieldSet, error) {
	fs := &fieldSet{}
	var name string
	var value []byte
	flush := func() error {
		if name == "" {
			return nil
		}
		err := fs.add(name, string(value))
		name, value = "", nil
		return err
	}
	for len(content) > 0 {
		line := content
		if i := bytes.IndexByte(content, '\n'); i >= 0 {
			line, content = content[:i], content[i+1:]
		} else {
			content = nil
		}
		line = bytes.TrimRight(line, "\r")
		switch {
		case len(bytes.TrimSpace(line)) == 0:
			if err := flush(); err != nil {
				return nil, err
			}
		case line[0] == ' ' || line[0] == '\t':
			if name != "" && len(value) < 4*maxValue {
				value = append(append(value, ' '), bytes.TrimSpace(line)...)
			}
		default:
			if err := flush(); err != nil {
				return nil, err
			}
			i := bytes.IndexByte(line, ':')
			if i <= 0 {
				continue
			}
			n := strings.ToLower(string(bytes.TrimSpace(line[:i])))
			if !mailfmt.IsFieldName(n) {
				continue
			}
			name = n
			value = append([]byte(nil), bytes.TrimSpace(line[i+1:])...)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return fs, nil
}

// notification extracts the Notification from the fields.
func notification(fs *fieldSet) (*Notification, error) {
	n := &Notification{
		OriginalMessageID: msgIDValue(fs.get("original-message-id")),
		FinalRecipient:    addressValue(fs.get("final-recipient")),
		OriginalRecipient: addressValue(fs.get("original-recipient")),
		ReportingUA:       mailfmt.CleanLine(stripComments(fs.get("reporting-ua")), maxValue, false),
		Gateway:           mailfmt.CleanLine(stripComments(fs.get("mdn-gateway")), maxValue, false),
	}
	disp := stripComments(fs.get("disposition"))
	if disp == "" {
		return nil, errors.New("mdn: no Disposition field")
	}
	if n.FinalRecipient == "" {
		return nil, errors.New("mdn: no Final-Recipient field")
	}
	// disposition-mode ";" disposition-type ["/" modifier *("," modifier)]
	// (RFC 8098 §3.2.6); a missing mode is tolerated.
	typ := disp
	if i := strings.IndexByte(disp, ';'); i >= 0 {
		mode := disp[:i]
		typ = disp[i+1:]
		action, sending, _ := strings.Cut(mode, "/")
		n.ActionMode = token(action)
		n.SendingMode = token(sending)
	}
	typ, mods, _ := strings.Cut(typ, "/")
	n.Disposition = token(typ)
	if n.Disposition == "" {
		return nil, errors.New("mdn: invalid Disposition field")
	}
	for _, m := range strings.Split(mods, ",") {
		if m = token(m); m != "" && len(n.Modifiers) < maxModifiers {
			n.Modifiers = append(n.Modifiers, m)
		}
	}
	return n, nil
}

// token returns s trimmed and in lower case if it is a token of letters,
// digits, '-', '.' and '_' of at most 64 bytes, "" otherwise.
func token(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 64 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return ""
		}
	}
	return strings.ToLower(s)
}

// stripComments removes RFC 5322 comments — parenthesized text, nested,
// with quoted-pairs — and trims the result. Quoted strings are kept as
// they are. An unclosed comment runs to the end.
func stripComments(s string) string {
	if strings.IndexByte(s, '(') < 0 {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	depth := 0
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && (depth > 0 || quoted) && i+1 < len(s):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
		case quoted:
			b.WriteByte(c)
			if c == '"' {
				quoted = false
			}
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		case c == '"':
			quoted = true
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}

// addressValue returns the address of an address field ("type; address",
// RFC 8098 §3.2.3/§3.2.4): without the type, comments and angle brackets;
// a "utf-8" address is xtext-decoded (RFC 6533 §3). It is "" if empty.
func addressValue(v string) string {
	typ, addr, ok := mailfmt.SplitType(v)
	if !ok {
		addr = v
	}
	addr = stripComments(addr)
	if strings.EqualFold(typ, "utf-8") {
		addr = decodeXtext(addr)
	}
	addr = strings.TrimSpace(addr)
	if strings.HasPrefix(addr, "<") && strings.HasSuffix(addr, ">") {
		addr = strings.TrimSpace(addr[1 : len(addr)-1])
	}
	return mailfmt.CleanLine(addr, maxValue, false)
}

// decodeXtext decodes utf-8-addr-xtext (RFC 6533 §3: "\x{HEX}").
// Invalid escapes are kept as they are.
func decodeXtext(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.HasPrefix(s[i:], `\x{`) {
			end := strings.IndexByte(s[i:], '}')
			if end > 3 && end <= 9 {
				if r, err := strconv.ParseUint(s[i+3:i+end], 16, 32); err == nil && r <= 0x10FFFF {
					b.WriteRune(rune(r))
					i += end
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// msgIDValue returns the Message-ID of an Original-Message-ID value in
// angle brackets, "" if there is none.
func msgIDValue(v string) string {
	v = stripComments(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			v = v[i+1 : i+j]
		} else {
			v = v[i+1:]
		}
	}
	v = strings.TrimSpace(v)
	if v == "" || len(v) > maxValue-2 || !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool {
		return r <= ' ' || r == 0x7F || r == '<' || r == '>' || mailfmt.IsControl(r) || mailfmt.IsBidiControl(r) || mailfmt.IsLineBreak(r)
	}) {
		return ""
	}
	return "<" + v + ">"
}
