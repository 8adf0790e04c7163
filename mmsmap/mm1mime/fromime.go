// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1mime

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"sort"
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

// FromOptions for ToRetrieveConf.
type FromOptions struct {
	TransactionID string    // written as X-Mms-Transaction-Id when non-empty
	Version       mm1.Token // X-Mms-MMS-Version; mm1.Version12 when zero
	Now           time.Time // Date when the header has none; time.Now() when zero
}

// ToRetrieveConf converts an MM in MIME form (header and body, as stored, or as received over
// MM4 or MM3) into an m-retrieve-conf PDU for the recipient's handset (OMA-MMS-ENC §6.3; 3GPP
// TS 23.140 Annex I).
//
// Fields: From (left out when X-Mms-Sender-Visibility is Hide, since the recipient must not see
// a hidden sender), To, Cc; Subject (RFC 2047 decoded, with charset 106 when not ASCII); Date
// (o.Now when missing or unreadable); X-Mms-Message-ID as Message-ID, else the RFC 5322
// Message-ID without its angle brackets; X-Mms-Message-Class, X-Mms-Priority,
// X-Mms-Delivery-Report, X-Mms-Read-Reply (or X-Mms-Read-Report) as X-Mms-Read-Report,
// X-Mms-Previously-sent-by and -date-and-time, X-Mms-Content-Class, X-Mms-DRM-Content,
// X-Mms-Applic-ID, X-Mms-Reply-Applic-ID and X-Mms-Aux-Applic-Info. Values are read leniently,
// as mm4.Parse reads them; one that does not read is left out. X-Mms-Expiry, X-Mms-Delivery-Time
// and X-Mms-Sender-Visibility have no place in an m-retrieve-conf. Addresses are read with
// mmsmap.ParseAddress: a number in any mail form (+15551234567/TYPE=PLMN@domain,
// +15551234567@domain) becomes +15551234567/TYPE=PLMN, a short code its digits, an e-mail
// address stays as it is with its display name; an address that does not parse is left out.
//
// Body: multipart/related, /mixed, /alternative (any multipart/*) become
// application/vnd.wap.multipart.* with type and start kept; each body part an entry with its
// content type (charset names as MIBenums where CharsetMIB knows them), Content-ID,
// Content-Location and Content-Disposition, and its data with the transfer encoding removed; a
// nested multipart a nested WSP multipart. A body that is not multipart becomes the PDU's body
// with its content type. A Content-Type that does not parse is read as application/octet-stream;
// a body part whose base64 or quoted-printable does not decode is an error, as is a multipart
// without a boundary. The work is bounded by MaxDepth, MaxParts and MaxSize; the PDU returned
// always encodes.
func ToRetrieveConf(h textproto.Header, body io.Reader, o FromOptions) (*mm1.PDU, error) {
	version := o.Version
	if version == 0 {
		version = mm1.Version12
	}
	if version < 0x80 {
		return nil, fmt.Errorf("mm1mime: bad version token %#02x", byte(version))
	}
	p := &mm1.PDU{}
	addH := func(code byte, v mm1.Value) {
		p.Headers = append(p.Headers, mm1.Header{Field: code, Name: mm1.FieldName(code), Value: v})
	}
	addH(mm1.FieldMessageType, mm1.MRetrieveConf)
	if o.TransactionID != "" {
		if strings.IndexByte(o.TransactionID, 0) >= 0 {
			return nil, errors.New("mm1mime: TransactionID holds NUL")
		}
		addH(mm1.FieldTransactionID, mm1.Text(o.TransactionID))
	}
	addH(mm1.FieldMMSVersion, version)

	// Message-ID.
	if id, ok := firstText(&h, mm4.HdrMessageID); ok {
		if id = lex.UnquoteID(id); id != "" && len(id) <= mm4.MaxIDLength && textOK(id) {
			addH(mm1.FieldMessageID, mm1.Text(id))
		}
	} else if id, ok := firstText(&h, "Message-ID"); ok {
		id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
		if id != "" && len(id) <= mm4.MaxIDLength && textOK(id) {
			addH(mm1.FieldMessageID, mm1.Text(id))
		}
	}
	// Date.
	date := o.Now
	if date.IsZero() {
		date = time.Now()
	}
	if v, ok := firstText(&h, "Date"); ok {
		if d, err := lex.ParseDate(v); err == nil && d.Unix() > 0 {
			date = d
		}
	}
	addH(mm1.FieldDate, mm1.Date(date.Unix()))

	// From, To, Cc.
	hidden := false
	if v, ok := firstText(&h, mm4.HdrSenderVisibility); ok && strings.EqualFold(v, "Hide") {
		hidden = true
	}
	if v, ok := firstText(&h, "From"); ok && !hidden {
		if as := parseList(v); len(as) > 0 {
			if e, ok := mm1Address(as[0]); ok {
				addH(mm1.FieldFrom, mm1.From{Address: e})
			}
		}
	}
	for _, f := range []struct {
		name string
		code byte
	}{{"To", mm1.FieldTo}, {"Cc", mm1.FieldCc}} {
		for _, v := range h.Values(f.name) {
			for _, a := range parseList(v) {
				if e, ok := mm1Address(a); ok {
					addH(f.code, e)
				}
			}
		}
	}
	// Subject.
	if raw := h.Get("Subject"); strings.TrimSpace(raw) != "" {
		if e, ok := decodeSubject(raw); ok {
			addH(mm1.FieldSubject, e)
		}
	}
	// Tokens.
	for _, f := range []struct {
		names []string
		code  byte
		set   map[mm1.Token]string
	}{
		{[]string{mm4.HdrMessageClass}, mm1.FieldMessageClass, messageClasses},
		{[]string{mm4.HdrPriority}, mm1.FieldPriority, priorities},
		{[]string{mm4.HdrDeliveryReport}, mm1.FieldDeliveryReport, yesNo},
		{[]string{mm4.HdrReadReply, hdrReadReport}, mm1.FieldReadReport, yesNo},
	} {
		for _, name := range f.names {
			if v, ok := firstText(&h, name); ok {
				if t, ok := tokenFor(f.set, v); ok {
					addH(f.code, t)
				}
				break
			}
		}
	}
	// Previously-sent entries.
	for _, v := range h.Values(mm4.HdrPreviouslySentBy) {
		if n, rest, ok := indexed(v); ok {
			if a, err := mmsmap.ParseAddress(rest); err == nil {
				if e, ok := mm1Address(a); ok {
					addH(mm1.FieldPreviouslySentBy, mm1.PreviouslySentBy{Count: n, Address: e})
				}
			}
		}
	}
	for _, v := range h.Values(mm4.HdrPreviouslySentDate) {
		if n, rest, ok := indexed(v); ok {
			if d, err := lex.ParseDate(rest); err == nil && d.Unix() > 0 {
				addH(mm1.FieldPreviouslySentDate, mm1.PreviouslySentDate{Count: n, Date: mm1.Date(d.Unix())})
			}
		}
	}
	for _, f := range []struct {
		name string
		code byte
		set  map[mm1.Token]string
	}{
		{mm4.HdrContentClass, mm1.FieldContentClass, contentClasses},
		{mm4.HdrDRMContent, mm1.FieldDRMContent, yesNo},
	} {
		if v, ok := firstText(&h, f.name); ok {
			if t, ok := tokenFor(f.set, v); ok {
				addH(f.code, t)
			}
		}
	}
	for _, f := range []struct {
		name string
		code byte
	}{{mm4.HdrApplicID, mm1.FieldApplicID}, {mm4.HdrReplyApplicID, mm1.FieldReplyApplicID}, {mm4.HdrAuxApplicInfo, mm1.FieldAuxApplicInfo}} {
		if v, ok := firstText(&h, f.name); ok && textOK(v) && len(v) <= lex.MaxValueLength {
			addH(f.code, mm1.Text(v))
		}
	}

	// The body.
	if body == nil {
		body = bytes.NewReader(nil)
	}
	r := &bodyReader{}
	lr := &io.LimitedReader{R: body, N: MaxSize + 1}
	part, err := r.read(h, lr, 0)
	if err != nil {
		return nil, err
	}
	if lr.N <= 0 {
		return nil, fmt.Errorf("mm1mime: body larger than %d octets", MaxSize)
	}
	addH(mm1.FieldContentType, part.ContentType)
	if part.ContentType.IsMultipart() && r.sub != nil {
		p.Parts = r.sub
	} else {
		p.Body = part.Data
	}
	if _, err := p.Encode(); err != nil {
		return nil, fmt.Errorf("mm1mime: the PDU does not encode: %v", err)
	}
	return p, nil
}

// firstText returns the first non-empty value of the field name (ASCII case ignored), trimmed.
func firstText(h *textproto.Header, name string) (string, bool) {
	v, ok := lex.FirstValue(h, name)
	if !ok || len(v) > lex.MaxListValueLength {
		return "", false
	}
	return v, true
}

// textOK reports whether s can be an MM1 Text-string value of a field read from a header.
func textOK(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsAny(s, "\x00\r\n")
}

// tokenFor returns the token whose name is v (ASCII case ignored).
func tokenFor(set map[mm1.Token]string, v string) (mm1.Token, bool) {
	for t, name := range set {
		if lex.TokenEqualFold(name, strings.TrimSpace(v)) {
			return t, true
		}
	}
	return 0, false
}

// indexed splits "n, rest", the form of X-Mms-Previously-sent-by and -date-and-time.
func indexed(v string) (uint64, string, bool) {
	i, rest, ok := strings.Cut(v, ",")
	if !ok {
		return 0, "", false
	}
	n, err := strconv.ParseUint(strings.TrimSpace(i), 10, 32)
	if err != nil {
		return 0, "", false
	}
	return n, strings.TrimSpace(rest), true
}

// parseList parses an address list, leniently: when the whole list does not parse, the elements
// that do are kept.
func parseList(v string) []mmsmap.Address {
	if len(v) > lex.MaxListValueLength {
		return nil
	}
	as, err := mmsmap.ParseAddressList(v)
	if err == nil {
		return as
	}
	as = nil
	for _, s := range strings.Split(v, ",") {
		if a, err := mmsmap.ParseAddress(s); err == nil {
			as = append(as, a)
		}
		if len(as) >= mmsmap.MaxListLength {
			break
		}
	}
	return as
}

// mm1Address writes a as an MM1 address (OMA-MMS-ENC §8): a number or other device address
// without domain or display name, an e-mail address as a mailbox with its display name.
func mm1Address(a mmsmap.Address) (mm1.EncodedString, bool) {
	if a.Type != mmsmap.TypeEmail {
		s := a.DeviceAddress()
		return mm1.EncodedString{Text: s}, s != "" && textOK(s)
	}
	addr := a.String()
	if !textOK(addr) {
		return mm1.EncodedString{}, false
	}
	name := a.DisplayName
	if name == "" || !textOK(name) {
		return mm1.EncodedString{Text: addr}, true
	}
	if isASCII(name) {
		return mm1.EncodedString{Text: lex.FormatMailbox(name, addr)}, true
	}
	return mm1.EncodedString{Charset: 106, Text: lex.QuoteString(name) + " <" + addr + ">"}, true
}

// decodeSubject decodes RFC 2047 encoded-words in a Subject. UTF-8, ISO-8859-1 and US-ASCII words
// give UTF-8 text (charset 106 when not ASCII); words all in one other charset MM1 knows keep
// their octets with its MIBenum; anything else is kept as received.
func decodeSubject(raw string) (mm1.EncodedString, bool) {
	raw = strings.TrimSpace(unfold(raw))
	if len(raw) > lex.MaxValueLength || strings.ContainsAny(raw, "\x00\r\n") {
		return mm1.EncodedString{}, false
	}
	dec := &mime.WordDecoder{CharsetReader: func(string, io.Reader) (io.Reader, error) {
		return nil, errors.New("charset")
	}}
	if s, err := dec.DecodeHeader(raw); err == nil {
		return textString(s)
	}
	// One charset MM1 can name: keep the octets.
	var used []string
	dec = &mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
		used = append(used, strings.ToLower(cs))
		if _, ok := CharsetMIB(cs); !ok {
			return nil, errors.New("charset")
		}
		return r, nil
	}}
	s, err := dec.DecodeHeader(raw)
	if err == nil && len(used) > 0 && !strings.Contains(s, "\x00") {
		same := true
		for _, u := range used {
			same = same && u == used[0]
		}
		if mib, _ := CharsetMIB(used[0]); same {
			return mm1.EncodedString{Charset: mib, Text: s}, true
		}
	}
	return textString(raw)
}

func textString(s string) (mm1.EncodedString, bool) {
	if strings.IndexByte(s, 0) >= 0 {
		return mm1.EncodedString{}, false
	}
	if isASCII(s) {
		return mm1.EncodedString{Text: s}, true
	}
	if utf8.ValidString(s) {
		return mm1.EncodedString{Charset: 106, Text: s}, true
	}
	return mm1.EncodedString{Text: s}, true
}

// unfold removes the CRLF of folded lines.
func unfold(s string) string {
	return strings.NewReplacer("\r\n ", " ", "\r\n\t", "\t", "\n ", " ", "\n\t", "\t").Replace(s)
}

// bodyReader reads a MIME body into MM1 entries.
type bodyReader struct {
	parts int
	sub   []mm1.Part // the entries of the top-level multipart
}

// read reads the body r of an entity with header h at depth (0 for the message) and returns it as
// an MM1 entry; for the message's multipart its entries are in b.sub.
func (b *bodyReader) read(h textproto.Header, r io.Reader, depth int) (mm1.Part, error) {
	var part mm1.Part
	mt, params := "text/plain", map[string]string{}
	if v := h.Get("Content-Type"); strings.TrimSpace(v) != "" {
		t, ps, err := lex.ParseMediaType(unfold(v))
		if err == nil {
			mt, params = strings.ToLower(t), ps
		} else {
			mt = "application/octet-stream" // RFC 2045 §5.2 says text/plain; the octets are kept
		}
	}
	if strings.HasPrefix(mt, "multipart/") {
		if depth+1 > MaxDepth {
			return part, fmt.Errorf("mm1mime: multiparts nested deeper than %d", MaxDepth)
		}
		boundary := params["boundary"]
		if boundary == "" || len(boundary) > 200 {
			return part, errors.New("mm1mime: multipart without a usable boundary")
		}
		sub := strings.TrimPrefix(mt, "multipart/")
		part.ContentType = mm1.ContentType{MediaType: "application/vnd.wap.multipart." + sub, Params: wspParams(params, true)}
		if sub == "*" || !isToken(sub) {
			part.ContentType.MediaType = "application/vnd.wap.multipart.mixed"
		}
		mr := textproto.NewMultipartReader(r, boundary)
		entries := []mm1.Part{}
		for {
			np, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return part, fmt.Errorf("mm1mime: multipart: %v", err)
			}
			b.parts++
			if b.parts > MaxParts {
				return part, fmt.Errorf("mm1mime: more than %d body parts", MaxParts)
			}
			e, err := b.read(np.Header, np, depth+1)
			if err != nil {
				return part, err
			}
			e.Headers = append(e.Headers, entryHeaders(np.Header)...)
			entries = append(entries, e)
		}
		if depth == 0 {
			b.sub = entries
			return part, nil
		}
		data, err := mm1.EncodeMultipart(entries)
		if err != nil {
			return part, fmt.Errorf("mm1mime: %v", err)
		}
		part.Data = data
		return part, nil
	}
	part.ContentType = mm1.ContentType{MediaType: mt, Params: wspParams(params, false)}
	if _, err := mm1.EncodeMultipart([]mm1.Part{{ContentType: part.ContentType}}); err != nil {
		// A media type or parameter the WSP encoding cannot carry.
		part.ContentType = mm1.ContentType{MediaType: "application/octet-stream"}
	}
	var dr io.Reader = r
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "base64":
		dr = base64.NewDecoder(base64.StdEncoding, &base64Filter{r: bufio.NewReader(r)})
	case "quoted-printable":
		dr = quotedprintable.NewReader(r)
	}
	data, err := io.ReadAll(dr)
	if err != nil {
		return part, fmt.Errorf("mm1mime: body part: %v", err)
	}
	if len(data) > 0 {
		part.Data = data
	}
	return part, nil
}

// base64Filter passes only the octets of the base64 alphabet and "=", as RFC 2045 §6.8 asks a
// decoder to ignore the others (line breaks, white space).
type base64Filter struct{ r *bufio.Reader }

func (f *base64Filter) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c, err := f.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' {
			p[n] = c
			n++
		}
	}
	return n, nil
}

// entryHeaders returns the WSP entry headers of a MIME body part: Content-ID, Content-Location
// and Content-Disposition.
func entryHeaders(h textproto.Header) []mm1.Header {
	var hs []mm1.Header
	if v, ok := firstText(&h, "Content-ID"); ok && textOK(v) && len(v) <= lex.MaxValueLength {
		hs = append(hs, mm1.Header{Field: 0xC0, Name: "Content-ID", Value: mm1.Text(v)})
	}
	if v, ok := firstText(&h, "Content-Location"); ok && len(v) <= lex.MaxValueLength {
		v = unfold(v)
		if s, err := new(mime.WordDecoder).DecodeHeader(v); err == nil {
			v = s
		}
		if textOK(v) {
			hs = append(hs, mm1.Header{Field: 0x8E, Name: "Content-Location", Value: mm1.Text(v)})
		}
	}
	if v, ok := firstText(&h, "Content-Disposition"); ok && len(v) <= lex.MaxValueLength {
		if d, ps, err := lex.ParseMediaType(unfold(v)); err == nil && isToken(d) {
			cd := mm1.ContentDisposition{Disposition: strings.ToLower(d), Params: wspParams(ps, false)}
			if _, err := mm1.EncodeMultipart([]mm1.Part{{ContentType: mm1.ContentType{MediaType: "x/y"}, Headers: []mm1.Header{{Field: 0xAE, Value: cd}}}}); err == nil {
				hs = append(hs, mm1.Header{Field: 0xAE, Name: "Content-Disposition", Value: cd})
			}
		}
	}
	return hs
}

// Well-known WSP parameter codes (WSP Table 38, high bit set) for the parameters MMS uses.
var paramCodes = map[string]byte{"charset": 0x81, "name": 0x85, "filename": 0x86, "type": 0x89, "start": 0x8A, "start-info": 0x8B}

// wspParams maps MIME parameters to WSP ones in a stable order: charset first (as a MIBenum when
// known), then the well-known ones, then the others by name; boundary is dropped.
func wspParams(ps map[string]string, multipart bool) []mm1.Param {
	order := []string{"charset", "type", "start", "start-info", "name", "filename"}
	var rest []string
	for k := range ps {
		if _, ok := paramCodes[k]; !ok && k != "boundary" {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	var out []mm1.Param
	for _, k := range append(order, rest...) {
		v, ok := ps[k]
		if !ok || !textOK(v) || len(v) > lex.MaxValueLength || !isToken(k) {
			continue
		}
		code := paramCodes[k]
		if code == 0x89 || code == 0x8A || code == 0x8B {
			if !multipart {
				code = 0
			}
		}
		p := mm1.Param{Code: code, Name: k, Value: mm1.Text(v)}
		if k == "charset" {
			if mib, ok := CharsetMIB(v); ok {
				p.Value = mm1.Integer(mib)
			}
		}
		if t, ok := p.Value.(mm1.Text); ok && t == "" {
			continue
		}
		out = append(out, p)
	}
	return out
}
