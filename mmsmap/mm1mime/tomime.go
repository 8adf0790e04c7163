// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1mime

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm1"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// Limits that bound the work of ToMIME and ToRetrieveConf.
const (
	// MaxDepth is the deepest nesting of multiparts accepted: a multipart body is depth 1, a
	// multipart inside one of its parts depth 2, and so on.
	MaxDepth = 8
	// MaxParts is the most body parts, leaves and multiparts at every depth together, accepted.
	MaxParts = 1000
	// MaxSize is the most octets of MIME body ToRetrieveConf reads.
	MaxSize = 64 << 20
)

// Header field names written and read besides those of mm4 (TS 23.140 spells the MM4 ones).
const (
	hdrDeliveryTime = "X-Mms-Delivery-Time" // OMA-MMS-ENC §7.3.12; no MM4 counterpart
	hdrReadReport   = "X-Mms-Read-Report"   // the MM1 name of X-Mms-Read-Reply, read too
)

// httpDate is the form of X-Mms-Previously-sent-date-and-time, as mm3 writes it.
const httpDate = "Mon, 02 Jan 2006 15:04:05 GMT"

// Options for ToMIME.
type Options struct {
	// Domain is appended to number addresses (+15551234567/TYPE=PLMN →
	// +15551234567/TYPE=PLMN@Domain). Required.
	Domain string
	// Now is the Date written when the PDU has none; time.Now() when zero.
	Now time.Time
	// MessageID is the RFC 5322 Message-ID to write ("<...>"); one is made from Now, random
	// octets and Domain when it is empty.
	MessageID string
}

// Message is an MM in its MIME form.
type Message struct {
	// Header is the RFC 5322 header: From, To, Cc, Subject, Date, Message-ID, the X-Mms-* fields
	// in the spellings of the mm4 package, MIME-Version and Content-Type (and, for a single-part
	// body, Content-Transfer-Encoding). Write it with textproto.WriteHeader, then Body.
	Header textproto.Header
	// Body is the MIME body, 7-bit clean: non-text parts in base64, text parts in 7bit, or
	// quoted-printable or base64 when they are not 7-bit.
	Body []byte
	// From is the sender's address in mail form, "" for the insert-address-token (the MMSC fills
	// it in; Header then has no From).
	From string
	// Recipients are the addresses of To, Cc and Bcc in mail form, in that order, duplicates
	// removed (Bcc is not in Header).
	Recipients []string
	// Invalid lists, as received, the texts of address fields (From, To, Cc, Bcc) that are not
	// MMS addresses; they are left out of Header, From and Recipients. A send-req with any may be
	// answered with Error-sending-address-unresolved.
	Invalid []string
}

// ToMIME converts an m-send-req, m-retrieve-conf or m-forward-req into MIME (3GPP TS 23.140
// Annex I; the body as described in the package documentation). An m-forward-req has no
// content: its Message has the header fields and recipients and an empty Body, without
// Content-Type.
//
// Fields: From, To, Cc (Bcc only into Recipients); Subject (an Encoded-string-value with a
// charset as RFC 2047 encoded-words, ASCII as it is); Date (o.Now when missing); Message-ID as
// X-Mms-Message-ID, and o.MessageID as Message-ID; X-Mms-Message-Class, X-Mms-Priority,
// X-Mms-Delivery-Report, X-Mms-Read-Report as X-Mms-Read-Reply, X-Mms-Sender-Visibility as tokens;
// X-Mms-Expiry and X-Mms-Delivery-Time as seconds when relative, as a date when absolute;
// X-Mms-Previously-Sent-By and -Date as X-Mms-Previously-sent-by and
// X-Mms-Previously-sent-date-and-time ("n, address", "n, HTTP-date"); X-Mms-Content-Class,
// X-Mms-DRM-Content, X-Mms-Adaptation-Allowed, X-Mms-Applic-ID, X-Mms-Reply-Applic-ID and
// X-Mms-Aux-Applic-Info as they are. A value outside its field's set (a token MMS does not
// define, a message class given as text, a field kept Raw by mm1.Decode) is left out. Numbers are
// written in the +15551234567/TYPE=PLMN@Domain form, e-mail addresses as they are.
func ToMIME(p *mm1.PDU, o Options) (*Message, error) {
	if p == nil {
		return nil, errors.New("mm1mime: nil PDU")
	}
	switch t := p.MessageType(); t {
	case mm1.MSendReq, mm1.MRetrieveConf, mm1.MForwardReq:
	default:
		return nil, fmt.Errorf("mm1mime: PDU type %#02x is not m-send-req, m-retrieve-conf or m-forward-req", byte(t))
	}
	domain, reason := lex.ParseDomain(o.Domain)
	if reason != "" {
		return nil, fmt.Errorf("mm1mime: Domain %q: %s", o.Domain, reason)
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	msgID := strings.TrimSpace(o.MessageID)
	if msgID == "" {
		var r [8]byte
		if _, err := rand.Read(r[:]); err != nil {
			return nil, err
		}
		msgID = "<" + now.UTC().Format("20060102150405") + "." + hex.EncodeToString(r[:]) + "@" + domain + ">"
	} else if !printableASCII(msgID) {
		return nil, fmt.Errorf("mm1mime: MessageID %q is not printable ASCII", o.MessageID)
	}

	m := &Message{}
	var lines []string
	add := func(name, value string) {
		if value = strings.TrimSpace(value); value != "" {
			if line := lex.FoldField(name, value); fits(line) {
				lines = append(lines, line)
			}
		}
	}

	// From, To, Cc, Bcc.
	seen := map[string]bool{}
	var to, cc []string
	for _, h := range p.Headers {
		switch h.Field {
		case mm1.FieldFrom:
			f, ok := h.Value.(mm1.From)
			if !ok {
				m.Invalid = append(m.Invalid, rawText(h.Value))
				continue
			}
			if f.Insert || m.From != "" {
				continue
			}
			mailbox, addr, ok := mailAddress(f.Address, domain)
			if !ok {
				m.Invalid = append(m.Invalid, f.Address.Text)
				continue
			}
			if len(mailbox) > maxWord {
				mailbox = addr
			}
			if len(addr) > maxWord {
				m.Invalid = append(m.Invalid, f.Address.Text)
				continue
			}
			m.From = addr
			add("From", mailbox)
		case mm1.FieldTo, mm1.FieldCc, mm1.FieldBcc:
			e, ok := h.Value.(mm1.EncodedString)
			if !ok {
				m.Invalid = append(m.Invalid, rawText(h.Value))
				continue
			}
			mailbox, addr, ok := mailAddress(e, domain)
			if !ok {
				m.Invalid = append(m.Invalid, e.Text)
				continue
			}
			if len(mailbox) > maxWord {
				mailbox = addr
			}
			if len(addr) > maxWord {
				m.Invalid = append(m.Invalid, e.Text)
				continue
			}
			if k := strings.ToLower(addr); !seen[k] {
				seen[k] = true
				m.Recipients = append(m.Recipients, addr)
			}
			switch h.Field {
			case mm1.FieldTo:
				to = append(to, mailbox)
			case mm1.FieldCc:
				cc = append(cc, mailbox)
			}
		}
	}
	add("To", strings.Join(to, ", "))
	add("Cc", strings.Join(cc, ", "))

	if v, ok := p.Field(mm1.FieldSubject); ok {
		if e, ok := v.(mm1.EncodedString); ok {
			add("Subject", encodeSubject(e))
		}
	}
	date := now
	if v, ok := p.Field(mm1.FieldDate); ok {
		if d, ok := v.(mm1.Date); ok && uint64(d) < 1<<40 {
			date = d.Time()
		}
	}
	add("Date", date.Format(time.RFC1123Z))
	add("Message-ID", msgID)

	if v, ok := p.Field(mm1.FieldMessageID); ok {
		if t, ok := v.(mm1.Text); ok && printableASCII(string(t)) && len(t) <= mm4.MaxIDLength {
			add(mm4.HdrMessageID, string(t))
		}
	}
	add(mm4.HdrMessageClass, tokenName(p, mm1.FieldMessageClass, messageClasses))
	add(mm4.HdrExpiry, timeSpec(p, mm1.FieldExpiry))
	add(hdrDeliveryTime, timeSpec(p, mm1.FieldDeliveryTime))
	add(mm4.HdrDeliveryReport, tokenName(p, mm1.FieldDeliveryReport, yesNo))
	add(mm4.HdrPriority, tokenName(p, mm1.FieldPriority, priorities))
	add(mm4.HdrReadReply, tokenName(p, mm1.FieldReadReport, yesNo))
	add(mm4.HdrSenderVisibility, tokenName(p, mm1.FieldSenderVisibility, senderVisibilities))
	for _, h := range p.Headers {
		switch v := h.Value.(type) {
		case mm1.PreviouslySentBy:
			if h.Field != mm1.FieldPreviouslySentBy {
				continue
			}
			if _, addr, ok := mailAddress(v.Address, domain); ok {
				add(mm4.HdrPreviouslySentBy, strconv.FormatUint(v.Count, 10)+", "+addr)
			}
		case mm1.PreviouslySentDate:
			if h.Field == mm1.FieldPreviouslySentDate && uint64(v.Date) < 1<<40 {
				add(mm4.HdrPreviouslySentDate, strconv.FormatUint(v.Count, 10)+", "+v.Date.Time().Format(httpDate))
			}
		}
	}
	add(mm4.HdrContentClass, tokenName(p, mm1.FieldContentClass, contentClasses))
	add(mm4.HdrDRMContent, tokenName(p, mm1.FieldDRMContent, yesNo))
	add(mm4.HdrAdaptationAllowed, tokenName(p, mm1.FieldAdaptationAllowed, yesNo))
	for _, f := range []struct {
		code byte
		name string
	}{{mm1.FieldApplicID, mm4.HdrApplicID}, {mm1.FieldReplyApplicID, mm4.HdrReplyApplicID}, {mm1.FieldAuxApplicInfo, mm4.HdrAuxApplicInfo}} {
		if v, ok := p.Field(f.code); ok {
			if t, ok := v.(mm1.Text); ok && printableASCII(string(t)) && len(t) <= lex.MaxValueLength {
				add(f.name, string(t))
			}
		}
	}

	// The body.
	if p.MessageType() != mm1.MForwardReq {
		add("MIME-Version", "1.0")
		w := &bodyWriter{}
		var ct mm1.ContentType
		v, hasCT := p.Field(mm1.FieldContentType)
		if hasCT {
			if ct, hasCT = v.(mm1.ContentType); !hasCT {
				return nil, errors.New("mm1mime: Content-Type does not decode")
			}
		}
		var hdr []string
		var err error
		switch {
		case !hasCT:
			if len(p.Body) > 0 || p.Parts != nil {
				return nil, errors.New("mm1mime: a body without Content-Type")
			}
			hdr = []string{lex.FoldField("Content-Type", "text/plain; charset=us-ascii")}
		case ct.IsMultipart():
			if p.Parts == nil && len(p.Body) > 0 {
				return nil, errors.New("mm1mime: the multipart body does not decode")
			}
			hdr, err = w.multipart(ct, p.Parts, 1)
		default:
			if p.Parts != nil {
				return nil, errors.New("mm1mime: parts with a Content-Type that is not multipart")
			}
			hdr, err = w.leaf(mm1.Part{ContentType: ct, Data: p.Body})
		}
		if err != nil {
			return nil, err
		}
		lines = append(lines, hdr...)
		m.Body = w.buf.Bytes()
	}

	// textproto.Header.AddRaw puts each field above those already present, so the fields go in
	// last first.
	for i := len(lines) - 1; i >= 0; i-- {
		m.Header.AddRaw([]byte(lines[i]))
	}
	return m, nil
}

// Token names of the fields mapped (OMA-MMS-ENC §7.3; the MM4 spellings of TS 23.140 §8.4.1).
var (
	yesNo              = map[mm1.Token]string{0x80: "Yes", 0x81: "No"}
	messageClasses     = map[mm1.Token]string{0x80: "Personal", 0x81: "Advertisement", 0x82: "Informational", 0x83: "Auto"}
	priorities         = map[mm1.Token]string{0x80: "Low", 0x81: "Normal", 0x82: "High"}
	senderVisibilities = map[mm1.Token]string{0x80: "Hide", 0x81: "Show"}
	contentClasses     = map[mm1.Token]string{
		0x80: "text", 0x81: "image-basic", 0x82: "image-rich", 0x83: "video-basic",
		0x84: "video-rich", 0x85: "megapixel", 0x86: "content-basic", 0x87: "content-rich",
	}
)

// tokenName returns the name of the token in the first field code of p, or "".
func tokenName(p *mm1.PDU, code byte, names map[mm1.Token]string) string {
	if v, ok := p.Field(code); ok {
		if t, ok := v.(mm1.Token); ok {
			return names[t]
		}
	}
	return ""
}

// timeSpec formats the first field code of p, a TimeSpec, as mm4 writes X-Mms-Expiry: whole
// seconds when relative, an RFC 5322 date-time when absolute.
func timeSpec(p *mm1.PDU, code byte) string {
	v, ok := p.Field(code)
	if !ok {
		return ""
	}
	t, ok := v.(mm1.TimeSpec)
	if !ok || t.Seconds == 0 || t.Seconds >= 1<<40 {
		return ""
	}
	if t.Relative {
		return strconv.FormatUint(t.Seconds, 10)
	}
	return time.Unix(int64(t.Seconds), 0).UTC().Format(time.RFC1123Z)
}

// mailAddress parses the text of an MM1 address field and returns it as a mailbox for a header
// (the display name of an e-mail address kept) and as an address for an envelope.
func mailAddress(e mm1.EncodedString, domain string) (mailbox, addr string, ok bool) {
	text := e.Text
	if e.Charset != 0 && e.Charset != 106 && e.Charset != 3 && !isASCII(text) {
		return "", "", false
	}
	a, err := mmsmap.ParseAddress(text)
	if err != nil {
		return "", "", false
	}
	if a.Type == mmsmap.TypeEmail {
		addr = a.String()
		return lex.FormatMailbox(a.DisplayName, addr), addr, true
	}
	addr = a.Format(mmsmap.FormPLMN, domain)
	return addr, addr, true
}

// encodeSubject writes an Encoded-string-value for Subject: as it is when it is printable
// ASCII, else as RFC 2047 encoded-words in its charset (UTF-8, or unknown-8bit when it names
// none and is not UTF-8).
func encodeSubject(e mm1.EncodedString) string {
	s := e.Text
	if plainText(s) {
		return s
	}
	name := CharsetName(e.Charset)
	switch {
	case utf8.ValidString(s) && (name == "" || name == "us-ascii" || name == "utf-8"):
		name = "utf-8"
	case name == "" || name == "us-ascii" || name == "utf-8":
		name = "unknown-8bit"
	}
	return encodeWords(name, s)
}

// maxWord bounds what is written without a fold point: a word of a header field (an address,
// a parameter, a Content-ID), well within the 998 octets of a line (RFC 5322 §2.1.1).
const maxWord = 900

// fits reports whether every line of a formatted field is within 998 octets.
func fits(field string) bool {
	for _, l := range strings.Split(field, "\r\n") {
		if len(l) > lex.MaxLineOctets {
			return false
		}
	}
	return true
}

// plainText reports whether s can be an unstructured field value as it is: printable ASCII,
// no "=?" that a reader would take for an encoded-word, and no run longer than maxWord without
// a space to fold at.
func plainText(s string) bool {
	if !printableASCII(s) || strings.Contains(s, "=?") {
		return false
	}
	for _, w := range strings.Split(s, " ") {
		if len(w) > maxWord {
			return false
		}
	}
	return true
}

// encodeWords writes s, octets in charset, as RFC 2047 encoded-words: Q encoding as Go writes it
// when that splits s into words, else B encoding in words of at most 45 octets (60 base64
// characters), split between UTF-8 characters when charset is utf-8.
func encodeWords(charset, s string) string {
	if q := mime.QEncoding.Encode(charset, s); q != s {
		return q
	}
	var b strings.Builder
	for len(s) > 0 {
		n := len(s)
		if n > 45 {
			n = 45
			if charset == "utf-8" {
				for n > 0 && !utf8.RuneStart(s[n]) {
					n--
				}
				if n == 0 {
					n = 45
				}
			}
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("=?" + charset + "?b?" + base64.StdEncoding.EncodeToString([]byte(s[:n])) + "?=")
		s = s[n:]
	}
	return b.String()
}

// rawText is the text of a value that is not of its field's type, for Message.Invalid.
func rawText(v mm1.Value) string {
	switch v := v.(type) {
	case mm1.Raw:
		return fmt.Sprintf("% x", []byte(v))
	case mm1.EncodedString:
		return v.Text
	}
	return fmt.Sprint(v)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// bodyWriter writes a MIME body from the entries of an MM1 body.
type bodyWriter struct {
	buf   bytes.Buffer
	parts int
}

// newBoundary returns a boundary that cannot occur in the parts: "=_" (which neither base64,
// quoted-printable nor the 7bit text sevenBitSafe admits holds) and random octets.
func newBoundary() (string, error) {
	var r [12]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	return "=_mm1mime_" + hex.EncodeToString(r[:]), nil
}

// multipartHeader returns the boundary and the Content-Type field of the MIME multipart for a
// WSP multipart whose Content-Type is ct.
func multipartHeader(ct mm1.ContentType) (string, string, error) {
	boundary, err := newBoundary()
	if err != nil {
		return "", "", err
	}
	sub := strings.ToLower(strings.TrimPrefix(ct.MediaType, "application/vnd.wap.multipart."))
	if sub == "" || sub == "*" || !isToken(sub) {
		sub = "mixed"
	}
	params := append(mimeParams(ct.Params, true), [2]string{"boundary", boundary})
	return boundary, lex.FoldField("Content-Type", formatMediaType("multipart/"+sub, params)), nil
}

// multipart writes the entries parts of a multipart whose WSP Content-Type is ct at depth, and
// returns the header fields of the MIME multipart.
func (w *bodyWriter) multipart(ct mm1.ContentType, parts []mm1.Part, depth int) ([]string, error) {
	boundary, hdr, err := multipartHeader(ct)
	if err != nil {
		return nil, err
	}
	return []string{hdr}, w.multipartBody(boundary, parts, depth)
}

// multipartBody writes the body parts of a multipart at depth (1 for the message's body).
func (w *bodyWriter) multipartBody(boundary string, parts []mm1.Part, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("mm1mime: multiparts nested deeper than %d", MaxDepth)
	}
	if len(parts) == 0 {
		// RFC 2046 §5.1.1 wants one body part at least; an empty multipart is written with none
		// and read back as none.
		w.buf.WriteString("--" + boundary + "--\r\n")
		return nil
	}
	for _, part := range parts {
		w.parts++
		if w.parts > MaxParts {
			return fmt.Errorf("mm1mime: more than %d body parts", MaxParts)
		}
		w.buf.WriteString("--" + boundary + "\r\n")
		var subParts []mm1.Part
		nested := false
		if part.ContentType.IsMultipart() {
			var err error
			subParts, err = mm1.DecodeMultipart(part.Data)
			nested = err == nil
		}
		if nested {
			b, ch, err := multipartHeader(part.ContentType)
			if err != nil {
				return err
			}
			w.buf.WriteString(ch)
			writeLines(&w.buf, w.partHeader(part))
			w.buf.WriteString("\r\n")
			if err := w.multipartBody(b, subParts, depth+1); err != nil {
				return err
			}
		} else {
			writeLines(&w.buf, w.leafHeader(part))
			w.buf.WriteString("\r\n")
			w.leafBody(part)
		}
		w.buf.WriteString("\r\n")
	}
	w.buf.WriteString("--" + boundary + "--\r\n")
	return nil
}

func writeLines(b *bytes.Buffer, lines []string) {
	for _, l := range lines {
		b.WriteString(l)
	}
}

// leaf writes the single part of a body that is not multipart and returns its header fields.
func (w *bodyWriter) leaf(part mm1.Part) ([]string, error) {
	hdr := w.leafHeader(part)
	w.leafBody(part)
	return hdr, nil
}

// leafHeader returns the header of a leaf part: Content-Type, the entry headers, and
// Content-Transfer-Encoding.
func (w *bodyWriter) leafHeader(part mm1.Part) []string {
	mt := mimeMediaType(part.ContentType.MediaType)
	hdr := []string{lex.FoldField("Content-Type", formatMediaType(mt, mimeParams(part.ContentType.Params, false)))}
	hdr = append(hdr, w.partHeader(part)...)
	return append(hdr, lex.FoldField("Content-Transfer-Encoding", leafEncoding(part)))
}

func leafEncoding(part mm1.Part) string {
	mt := mimeMediaType(part.ContentType.MediaType)
	charset := ""
	if v, ok := part.ContentType.Param("charset"); ok {
		charset = paramString(v, true)
	}
	return chooseEncoding(isTextual(mt), charset, part.Data)
}

// leafBody writes the data of a leaf part in its transfer encoding.
func (w *bodyWriter) leafBody(part mm1.Part) {
	switch leafEncoding(part) {
	case cte7bit:
		w.buf.Write(part.Data)
	case cteQP:
		encodeQP(&w.buf, part.Data)
	default:
		encodeBase64(&w.buf, part.Data)
	}
}

// partHeader returns Content-ID, Content-Location, Content-Disposition and the other entry
// headers with a text value, as MIME header fields.
func (w *bodyWriter) partHeader(part mm1.Part) (hdr []string) {
	defer func() {
		kept := hdr[:0]
		for _, l := range hdr {
			if fits(l) {
				kept = append(kept, l)
			}
		}
		hdr = kept
	}()
	for _, h := range part.Headers {
		switch strings.ToLower(h.Name) {
		case "content-id":
			if t, ok := h.Value.(mm1.Text); ok {
				if id := angleID(string(t)); id != "" {
					hdr = append(hdr, lex.FoldField("Content-ID", id))
				}
			}
		case "content-location":
			if t, ok := h.Value.(mm1.Text); ok && t != "" {
				hdr = append(hdr, lex.FoldField("Content-Location", headerText(string(t))))
			}
		case "content-disposition":
			if d, ok := h.Value.(mm1.ContentDisposition); ok {
				disp := strings.ToLower(d.Disposition)
				if isToken(disp) {
					hdr = append(hdr, lex.FoldField("Content-Disposition", formatMediaType(disp, mimeParams(d.Params, false))))
				}
			}
		case "content-type", "content-transfer-encoding", "mime-version":
		default:
			t, ok := h.Value.(mm1.Text)
			if ok && h.Field == 0 && isToken(h.Name) && len(h.Name) <= lex.MaxFieldNameLength && strings.TrimSpace(string(t)) != "" {
				hdr = append(hdr, lex.FoldField(h.Name, headerText(string(t))))
			}
		}
	}
	return hdr
}

// angleID returns a Content-ID or start value in angle brackets, adding them when missing, or ""
// when it cannot be written in a header.
func angleID(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || !printableASCII(s) || len(s) > maxWord {
		return ""
	}
	if !strings.HasPrefix(s, "<") {
		s = "<" + s
	}
	if !strings.HasSuffix(s, ">") {
		s += ">"
	}
	return s
}

// headerText returns text for an unstructured header field: as it is when printable ASCII,
// else RFC 2047 encoded.
func headerText(s string) string {
	if plainText(s) {
		return s
	}
	if utf8.ValidString(s) {
		return encodeWords("utf-8", s)
	}
	return encodeWords("unknown-8bit", s)
}

// mimeMediaType maps the WSP media type of a leaf to its MIME spelling: anything that is not
// type/subtype, and the composite types multipart/* and message/* (which MIME does not allow in
// base64, nor a multipart without its boundary), to application/octet-stream.
func mimeMediaType(mt string) string {
	mt = strings.ToLower(strings.TrimSpace(mt))
	if t, s, ok := strings.Cut(mt, "/"); ok && len(mt) <= 255 && isToken(t) && isToken(s) && !strings.Contains(s, "/") &&
		t != "multipart" && t != "message" {
		return mt
	}
	return "application/octet-stream"
}

// isTextual reports whether a media type holds text, for which 7bit or quoted-printable suits.
func isTextual(mt string) bool {
	return strings.HasPrefix(mt, "text/") || mt == "application/smil" || mt == "application/xml" ||
		strings.HasSuffix(mt, "+xml")
}

// mimeParams maps WSP parameters to MIME ones: charset MIBenums to names, start to a msg-id,
// integer values in decimal; a parameter with no MIME spelling is left out.
func mimeParams(ps []mm1.Param, multipart bool) [][2]string {
	var out [][2]string
	seen := map[string]bool{}
	for _, p := range ps {
		name := strings.ToLower(p.Name)
		if name == "" || !isToken(name) || name == "boundary" || seen[name] || len(name) > 64 {
			continue
		}
		seen[name] = true
		v := paramString(p.Value, name == "charset")
		switch {
		case v == "" && name == "charset":
			continue
		case name == "start" && multipart:
			if v = angleID(v); v == "" {
				continue
			}
		case name == "type" && multipart:
			if _, ok := p.Value.(mm1.Text); !ok {
				continue // a well-known media code: rare, not mapped
			}
		}
		out = append(out, [2]string{name, v})
	}
	return out
}

func paramString(v mm1.Value, charset bool) string {
	switch v := v.(type) {
	case mm1.Text:
		return string(v)
	case mm1.Integer:
		if charset {
			return CharsetName(uint64(v))
		}
		return strconv.FormatUint(uint64(v), 10)
	}
	return ""
}

// formatMediaType writes a media type (or disposition) and parameters in the given order, each
// formatted by mime.FormatMediaType (quoting, RFC 2231 for non-ASCII); one it refuses is left out.
func formatMediaType(mt string, params [][2]string) string {
	var b strings.Builder
	b.WriteString(mt)
	probe := "x/y"
	for _, p := range params {
		s := mime.FormatMediaType(probe, map[string]string{p[0]: p[1]})
		if s == "" || len(s) <= len(probe) || len(s) > maxWord {
			continue
		}
		b.WriteString(s[len(probe):])
	}
	return b.String()
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7F || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}
