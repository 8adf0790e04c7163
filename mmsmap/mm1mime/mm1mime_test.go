// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1mime

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/mm1"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// corpusDir holds third-party PDUs (GPLv2, kept outside the repository; see its README.md).
var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus", "mm1-pdus")

// mm4Dir holds MM4 messages as real MMSCs write them.
var mm4Dir = filepath.Join("..", "..", "..", "shared", "corpus", "mm4-wire")

const testDomain = "mms.example.net"

var testNow = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

// corpus returns the PDUs of the corpus that ToMIME converts (m-send-req, m-retrieve-conf).
func corpus(t testing.TB) map[string]*mm1.PDU {
	t.Helper()
	ents, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Skipf("corpus %s: %v", corpusDir, err)
	}
	out := map[string]*mm1.PDU{}
	for _, e := range ents {
		if !strings.EqualFold(filepath.Ext(e.Name()), ".mms") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(corpusDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		p, err := mm1.Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		if mt := p.MessageType(); mt == mm1.MSendReq || mt == mm1.MRetrieveConf {
			out[e.Name()] = p
		}
	}
	if len(out) < 10 {
		t.Fatalf("corpus %s: only %d send-req/retrieve-conf PDUs", corpusDir, len(out))
	}
	return out
}

// wire returns the message as it goes over SMTP: header, blank line, body.
func wire(t testing.TB, m *Message) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := textproto.WriteHeader(&b, m.Header); err != nil {
		t.Fatal(err)
	}
	b.Write(m.Body)
	return b.Bytes()
}

// leaf is a leaf entry of an MM1 body, or a leaf body part of a MIME body, for comparison.
type leaf struct {
	mediaType string
	params    map[string]string // charset as its MIBenum
	id        string            // Content-ID in angle brackets
	location  string
	data      []byte
}

func normParams(ps []mm1.Param) map[string]string {
	m := map[string]string{}
	for _, p := range ps {
		name := strings.ToLower(p.Name)
		var v string
		switch x := p.Value.(type) {
		case mm1.Text:
			v = string(x)
		case mm1.Integer:
			v = fmt.Sprint(uint64(x))
		}
		if name == "charset" {
			if mib, ok := CharsetMIB(v); ok {
				v = fmt.Sprint(mib)
			}
		}
		if name == "start" {
			v = angleID(v)
		}
		m[name] = v
	}
	return m
}

// mm1Leaves flattens the entries of an MM1 body, nested multiparts included.
func mm1Leaves(t testing.TB, parts []mm1.Part) []leaf {
	var out []leaf
	for _, p := range parts {
		if p.ContentType.IsMultipart() {
			if sub, err := mm1.DecodeMultipart(p.Data); err == nil {
				out = append(out, mm1Leaves(t, sub)...)
				continue
			}
		}
		l := leaf{mediaType: strings.ToLower(p.ContentType.MediaType), params: normParams(p.ContentType.Params), data: p.Data}
		for _, h := range p.Headers {
			if t, ok := h.Value.(mm1.Text); ok {
				switch h.Name {
				case "Content-ID":
					l.id = angleID(string(t))
				case "Content-Location":
					l.location = string(t)
				}
			}
		}
		if l.data == nil {
			l.data = []byte{}
		}
		out = append(out, l)
	}
	return out
}

// mimeLeaves parses a MIME entity with the standard library (mime/multipart, transfer
// encodings decoded here) and returns its leaves.
func mimeLeaves(t testing.TB, h map[string][]string, body io.Reader, depth int) []leaf {
	t.Helper()
	get := func(k string) string {
		if v := h[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	mt, params, err := mime.ParseMediaType(get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", get("Content-Type"), err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		if depth > MaxDepth {
			t.Fatal("too deep")
		}
		mr := multipart.NewReader(body, params["boundary"])
		var out []leaf
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			out = append(out, mimeLeaves(t, p.Header, p, depth+1)...)
		}
		return out
	}
	var r io.Reader = body
	switch cte := strings.ToLower(get("Content-Transfer-Encoding")); cte {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "7bit", "":
	default:
		t.Fatalf("transfer encoding %q", cte)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("part %s: %v", mt, err)
	}
	l := leaf{mediaType: mt, params: map[string]string{}, id: get("Content-Id"), location: get("Content-Location"), data: data}
	for k, v := range params {
		if k == "charset" {
			if mib, ok := CharsetMIB(v); ok {
				v = fmt.Sprint(mib)
			}
		}
		l.params[k] = v
	}
	if strings.HasPrefix(l.location, "=?") {
		if s, err := new(mime.WordDecoder).DecodeHeader(l.location); err == nil {
			l.location = s
		}
	}
	return []leaf{l}
}

func compareLeaves(t testing.TB, got, want []leaf) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d leaves, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.mediaType != w.mediaType || g.id != w.id || g.location != w.location || !bytes.Equal(g.data, w.data) {
			t.Errorf("leaf %d: got %s id %q loc %q %d octets, want %s id %q loc %q %d octets",
				i, g.mediaType, g.id, g.location, len(g.data), w.mediaType, w.id, w.location, len(w.data))
		}
		for k, v := range w.params {
			if g.params[k] != v {
				t.Errorf("leaf %d: param %s = %q, want %q", i, k, g.params[k], v)
			}
		}
	}
}

// subjectText returns the text of a Subject as UTF-8, for comparing across charsets.
func subjectText(e mm1.EncodedString) string {
	if e.Charset == 4 {
		r := make([]rune, len(e.Text))
		for i := 0; i < len(e.Text); i++ {
			r[i] = rune(e.Text[i])
		}
		return string(r)
	}
	return e.Text
}

func addrTexts(vs []mm1.Value) []string {
	var out []string
	for _, v := range vs {
		switch v := v.(type) {
		case mm1.EncodedString:
			out = append(out, v.Text)
		case mm1.From:
			if !v.Insert {
				out = append(out, v.Address.Text)
			}
		}
	}
	return out
}

func TestCorpus(t *testing.T) {
	for name, p := range corpus(t) {
		t.Run(name, func(t *testing.T) {
			m, err := ToMIME(p, Options{Domain: testDomain, Now: testNow})
			if err != nil {
				t.Fatalf("ToMIME: %v", err)
			}
			raw := wire(t, m)
			for _, line := range bytes.Split(raw, []byte("\r\n")) {
				if len(line) > 998 {
					t.Fatalf("line of %d octets", len(line))
				}
			}
			for _, c := range raw {
				if c >= 0x80 || c == 0 {
					t.Fatalf("octet %#02x in the message", c)
				}
			}
			// net/mail and mime/multipart.
			msg, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("net/mail: %v", err)
			}
			for _, f := range []string{"To", "Cc"} {
				if msg.Header.Get(f) != "" {
					if _, err := msg.Header.AddressList(f); err != nil {
						t.Errorf("net/mail %s %q: %v", f, msg.Header.Get(f), err)
					}
				}
			}
			if _, err := msg.Header.Date(); err != nil {
				t.Errorf("Date: %v", err)
			}
			want := mm1Leaves(t, p.Parts)
			compareLeaves(t, mimeLeaves(t, msg.Header, msg.Body, 0), want)

			// mm4.Parse reads the X-Mms fields back without ignoring any.
			h := m.Header.Copy()
			h.Add(mm4.HdrTransactionID, "t1")
			h.Add(mm4.HdrMessageType, "MM4_forward.REQ")
			h.Add(mm4.HdrVersion, "6.10.0")
			if mm, err := mm4.Parse(h); mm == nil {
				t.Errorf("mm4.Parse: %v", err)
			} else if len(mm.Ignored) > 0 {
				t.Errorf("mm4.Parse ignored %v", mm.Ignored)
			}

			// And back.
			q, err := ToRetrieveConf(m.Header, bytes.NewReader(m.Body), FromOptions{TransactionID: "T1", Now: testNow})
			if err != nil {
				t.Fatalf("ToRetrieveConf: %v", err)
			}
			enc, err := q.Encode()
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			q2, err := mm1.Decode(enc)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(q2.Parts, q.Parts) && !(len(q.Parts) == 0 && len(q2.Parts) == 0) {
				t.Errorf("parts do not survive Encode/Decode")
			}
			compareLeaves(t, mm1Leaves(t, q.Parts), want)
			ct, _ := p.ContentType()
			qct, _ := q.ContentType()
			if !strings.EqualFold(ct.MediaType, qct.MediaType) {
				t.Errorf("Content-Type %s, want %s", qct.MediaType, ct.MediaType)
			}
			if sp, ok := ct.Param("start"); ok {
				qs, _ := qct.Param("start")
				if angleID(fmt.Sprint(sp)) != fmt.Sprint(qs) {
					t.Errorf("start %v, want %v", qs, sp)
				}
			}
			sv, _ := p.Field(mm1.FieldSubject)
			qv, _ := q.Field(mm1.FieldSubject)
			if s, ok := sv.(mm1.EncodedString); ok {
				if qs, _ := qv.(mm1.EncodedString); subjectText(qs) != subjectText(s) {
					t.Errorf("Subject %q, want %q", qs.Text, s.Text)
				}
			}
			wantTo := addrTexts(p.Values(mm1.FieldTo))
			if len(m.Invalid) == 0 {
				if got := addrTexts(q.Values(mm1.FieldTo)); !reflect.DeepEqual(got, wantTo) {
					t.Errorf("To %q, want %q", got, wantTo)
				}
			}
			if got, want := addrTexts(q.Values(mm1.FieldFrom)), addrTexts(p.Values(mm1.FieldFrom)); !reflect.DeepEqual(got, want) {
				t.Errorf("From %q, want %q", got, want)
			}
		})
	}
}

// TestPython parses the MIME of every corpus PDU with Python's email package (policy.default)
// and checks that it finds no defects and the same leaves.
func TestPython(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	dir := t.TempDir()
	pdus := corpus(t)
	pdus["built"] = buildPDU(t)
	for name, p := range pdus {
		m, err := ToMIME(p, Options{Domain: testDomain, Now: testNow})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".eml"), wire(t, m), 0o644); err != nil {
			t.Fatal(err)
		}
		var sizes []string
		for _, l := range mm1Leaves(t, p.Parts) {
			sizes = append(sizes, fmt.Sprint(len(l.data)))
		}
		if err := os.WriteFile(filepath.Join(dir, name+".sizes"), []byte(strings.Join(sizes, " ")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const script = `
import email, glob, sys
from email import policy
bad = 0
for f in sorted(glob.glob(sys.argv[1] + '/*.eml')):
    msg = email.message_from_bytes(open(f, 'rb').read(), policy=policy.default)
    sizes = open(f[:-4] + '.sizes').read().split()
    got = []
    for part in msg.walk():
        if not part.is_multipart():
            got.append(str(len(part.get_payload(decode=True))))
            part.get_content()
        if part.defects:  # after decoding, which records the transfer-encoding defects
            print(f, part.get_content_type(), part.defects); bad += 1
        for k, v in part.items():
            if getattr(v, 'defects', None):
                print(f, k, v.defects); bad += 1
    if got != sizes:
        print(f, 'sizes', got, sizes); bad += 1
    str(msg['subject']); str(msg['to'])
sys.exit(1 if bad else 0)
`
	out, err := runPython(script, dir)
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
}

func TestMM4Wire(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(mm4Dir, "open-mmsc-forward-req.eml"))
	if err != nil {
		t.Skipf("mm4 corpus: %v", err)
	}
	br := bufio.NewReader(bytes.NewReader(b))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ToRetrieveConf(h, br, FromOptions{TransactionID: "tx-1"})
	if err != nil {
		t.Fatalf("ToRetrieveConf: %v", err)
	}
	enc, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	q, err := mm1.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if q.MessageType() != mm1.MRetrieveConf || q.TransactionID() != "tx-1" {
		t.Errorf("type %v transaction %q", q.MessageType(), q.TransactionID())
	}
	if len(q.Parts) != 1 || !strings.HasPrefix(string(q.Parts[0].Data), "Hello Alice") {
		t.Fatalf("parts %+v", q.Parts)
	}
	if ct, _ := q.ContentType(); ct.MediaType != "application/vnd.wap.multipart.mixed" {
		t.Errorf("Content-Type %v", ct)
	}
	if v, _ := q.Parts[0].ContentType.Param("charset"); v != mm1.Integer(3) {
		t.Errorf("charset %v", v)
	}
	checks := map[byte]string{
		mm1.FieldFrom:      "{false {0 +16660002222/TYPE=PLMN}}",
		mm1.FieldTo:        "{0 +15550001111/TYPE=PLMN}",
		mm1.FieldSubject:   "{0 Hello from Mbuni}",
		mm1.FieldMessageID: "g-qf9075.1.x924.83@mbuni",
	}
	for code, want := range checks {
		if v, _ := q.Field(code); fmt.Sprint(v) != want {
			t.Errorf("%s = %v, want %s", mm1.FieldName(code), v, want)
		}
	}
	if v, _ := q.Field(mm1.FieldReadReport); v != mm1.Yes {
		t.Errorf("Read-Report %v", v)
	}
	if v, _ := q.Field(mm1.FieldDeliveryReport); v != mm1.Yes {
		t.Errorf("Delivery-Report %v", v)
	}
	if v, _ := q.Field(mm1.FieldDate); v != mm1.Date(time.Date(2026, 11, 27, 14, 17, 55, 0, time.UTC).Unix()) {
		t.Errorf("Date %v", v)
	}
}

func TestQP(t *testing.T) {
	for _, s := range []string{
		"", "a", "a \r\nb", "a\nb\rc\r\n", "trailing \t", strings.Repeat("é", 100), strings.Repeat("x", 200) + "\r\n",
		"=3D==", " \r\n \r\n", "\x00\xff", strings.Repeat("a ", 50) + "\r\n" + strings.Repeat("=", 80),
	} {
		var b bytes.Buffer
		encodeQP(&b, []byte(s))
		for _, line := range strings.Split(b.String(), "\r\n") {
			if len(line) > maxLine {
				t.Errorf("%q: line %q longer than %d", s, line, maxLine)
			}
			if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
				t.Errorf("%q: trailing white space in %q", s, line)
			}
		}
		got, err := io.ReadAll(quotedprintable.NewReader(&b))
		if err != nil || string(got) != s {
			t.Errorf("%q: decodes to %q, %v", s, got, err)
		}
	}
}

// buildPDU returns an m-send-req with a nested multipart and text in several charsets.
func buildPDU(t testing.TB) *mm1.PDU {
	inner, err := mm1.EncodeMultipart([]mm1.Part{
		{ContentType: mm1.ContentType{MediaType: "text/plain", Params: []mm1.Param{{Code: 0x81, Name: "charset", Value: mm1.Integer(106)}}}, Data: []byte("plain\r\n")},
		{ContentType: mm1.ContentType{MediaType: "text/html", Params: []mm1.Param{{Code: 0x81, Name: "charset", Value: mm1.Integer(4)}}}, Data: []byte("<p>caf\xe9</p>\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &mm1.PDU{
		Headers: []mm1.Header{
			{Field: mm1.FieldMessageType, Value: mm1.MSendReq},
			{Field: mm1.FieldTransactionID, Value: mm1.Text("T1")},
			{Field: mm1.FieldMMSVersion, Value: mm1.Version12},
			{Field: mm1.FieldFrom, Value: mm1.From{Address: mm1.EncodedString{Text: "+15550001111/TYPE=PLMN"}}},
			{Field: mm1.FieldTo, Value: mm1.EncodedString{Text: "+15551234567/TYPE=PLMN"}},
			{Field: mm1.FieldCc, Value: mm1.EncodedString{Text: "Bob <bob@example.org>"}},
			{Field: mm1.FieldBcc, Value: mm1.EncodedString{Text: "+15557654321/TYPE=PLMN"}},
			{Field: mm1.FieldSubject, Value: mm1.EncodedString{Charset: 106, Text: "Grüße aus Köln"}},
			{Field: mm1.FieldDate, Value: mm1.Date(1700000000)},
			{Field: mm1.FieldMessageClass, Value: mm1.Token(0x81)},
			{Field: mm1.FieldPriority, Value: mm1.Token(0x82)},
			{Field: mm1.FieldDeliveryReport, Value: mm1.Yes},
			{Field: mm1.FieldReadReport, Value: mm1.No},
			{Field: mm1.FieldSenderVisibility, Value: mm1.Token(0x81)},
			{Field: mm1.FieldExpiry, Value: mm1.TimeSpec{Relative: true, Seconds: 86400}},
			{Field: mm1.FieldDeliveryTime, Value: mm1.TimeSpec{Seconds: 1700003600}},
			{Field: mm1.FieldPreviouslySentBy, Value: mm1.PreviouslySentBy{Count: 0, Address: mm1.EncodedString{Text: "+15550002222/TYPE=PLMN"}}},
			{Field: mm1.FieldPreviouslySentDate, Value: mm1.PreviouslySentDate{Count: 0, Date: 1699990000}},
			{Field: mm1.FieldContentType, Value: mm1.ContentType{MediaType: "application/vnd.wap.multipart.related", Params: []mm1.Param{
				{Code: 0x89, Name: "type", Value: mm1.Text("application/smil")},
				{Code: 0x8A, Name: "start", Value: mm1.Text("<smil>")},
			}}},
		},
		Parts: []mm1.Part{
			{ContentType: mm1.ContentType{MediaType: "application/smil"}, Headers: []mm1.Header{{Field: 0xC0, Name: "Content-ID", Value: mm1.Text("<smil>")}}, Data: []byte("<smil/>")},
			{ContentType: mm1.ContentType{MediaType: "application/vnd.wap.multipart.alternative"}, Data: inner},
			{ContentType: mm1.ContentType{MediaType: "image/jpeg", Params: []mm1.Param{{Code: 0x85, Name: "name", Value: mm1.Text("Ünï.jpg")}}},
				Headers: []mm1.Header{
					{Field: 0xC0, Name: "Content-ID", Value: mm1.Text("img")},
					{Field: 0x8E, Name: "Content-Location", Value: mm1.Text("Ünï.jpg")},
					{Field: 0xAE, Name: "Content-Disposition", Value: mm1.ContentDisposition{Disposition: "attachment", Params: []mm1.Param{{Code: 0x86, Name: "filename", Value: mm1.Text("Ünï.jpg")}}}},
				},
				Data: []byte{0xFF, 0xD8, 0xFF, 0x00, 0x0D, 0x0A}},
			{ContentType: mm1.ContentType{MediaType: "text/plain", Params: []mm1.Param{{Code: 0x81, Name: "charset", Value: mm1.Integer(1015)}}}, Data: []byte("\xfe\xff\x00h\x00i")},
		},
	}
}

func TestBuilt(t *testing.T) {
	p := buildPDU(t)
	m, err := ToMIME(p, Options{Domain: testDomain, Now: testNow, MessageID: "<x@y>"})
	if err != nil {
		t.Fatal(err)
	}
	raw := wire(t, m)
	if m.From != "+15550001111/TYPE=PLMN@"+testDomain {
		t.Errorf("From %q", m.From)
	}
	wantR := []string{"+15551234567/TYPE=PLMN@" + testDomain, "bob@example.org", "+15557654321/TYPE=PLMN@" + testDomain}
	if !reflect.DeepEqual(m.Recipients, wantR) {
		t.Errorf("Recipients %q", m.Recipients)
	}
	for _, want := range []string{
		"From: +15550001111/TYPE=PLMN@mms.example.net\r\n",
		"To: +15551234567/TYPE=PLMN@mms.example.net\r\n",
		"Cc: Bob <bob@example.org>\r\n",
		"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\r\n",
		"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n",
		"Message-ID: <x@y>\r\n",
		"X-Mms-Message-Class: Advertisement\r\n",
		"X-Mms-Priority: High\r\n",
		"X-Mms-Delivery-Report: Yes\r\n",
		"X-Mms-Read-Reply: No\r\n",
		"X-Mms-Sender-Visibility: Show\r\n",
		"X-Mms-Expiry: 86400\r\n",
		"X-Mms-Delivery-Time: Tue, 14 Nov 2023 23:13:20 +0000\r\n",
		"X-Mms-Previously-sent-by: 0, +15550002222/TYPE=PLMN@mms.example.net\r\n",
		"X-Mms-Previously-sent-date-and-time: 0, Tue, 14 Nov 2023 19:26:40 GMT\r\n",
		"MIME-Version: 1.0\r\n",
		"Content-Type: multipart/related; type=\"application/smil\"; start=\"<smil>\";",
		"Content-Type: multipart/alternative;",
		"Content-ID: <img>\r\n",
	} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("no %q in\n%s", want, raw)
		}
	}
	if bytes.Contains(raw, []byte("Bcc")) || bytes.Contains(raw, []byte("7654321")) {
		t.Errorf("Bcc in the header")
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := mm1Leaves(t, p.Parts)
	compareLeaves(t, mimeLeaves(t, msg.Header, msg.Body, 0), want)

	hdr := m.Header.Copy()
	hdr.Add(mm4.HdrTransactionID, "t1")
	hdr.Add(mm4.HdrMessageType, "MM4_forward.REQ")
	hdr.Add(mm4.HdrVersion, "6.10.0")
	hdr.Add(mm4.HdrMessageID, "m1")
	mm, err := mm4.Parse(hdr)
	if err != nil || len(mm.Ignored) > 0 {
		t.Fatalf("mm4.Parse: %v %v", err, mm)
	}
	if mm.MessageClass != "Advertisement" || mm.Priority != "High" || !mm.DeliveryReport || mm.ReadReply ||
		mm.Expiry.Relative != 24*time.Hour || mm.SenderVisibility != "Show" {
		t.Errorf("mm4.Parse: %+v", mm)
	}

	q, err := ToRetrieveConf(m.Header, bytes.NewReader(m.Body), FromOptions{})
	if err != nil {
		t.Fatal(err)
	}
	compareLeaves(t, mm1Leaves(t, q.Parts), want)
	if len(q.Parts) != 4 || q.Parts[1].ContentType.MediaType != "application/vnd.wap.multipart.alternative" {
		t.Fatalf("parts %+v", q.Parts)
	}
	for code, want := range map[byte]string{
		mm1.FieldSubject:            "{106 Grüße aus Köln}",
		mm1.FieldFrom:               "{false {0 +15550001111/TYPE=PLMN}}",
		mm1.FieldTo:                 "{0 +15551234567/TYPE=PLMN}",
		mm1.FieldCc:                 "{0 Bob <bob@example.org>}",
		mm1.FieldDate:               "1700000000",
		mm1.FieldMessageClass:       "129",
		mm1.FieldPriority:           "130",
		mm1.FieldDeliveryReport:     "128",
		mm1.FieldReadReport:         "129",
		mm1.FieldPreviouslySentBy:   "{0 {0 +15550002222/TYPE=PLMN}}",
		mm1.FieldPreviouslySentDate: "{0 1699990000}",
		mm1.FieldMMSVersion:         "146",
	} {
		if v, _ := q.Field(code); fmt.Sprint(v) != want {
			t.Errorf("%s = %v, want %s", mm1.FieldName(code), v, want)
		}
	}
	for _, code := range []byte{mm1.FieldBcc, mm1.FieldExpiry, mm1.FieldSenderVisibility, mm1.FieldTransactionID} {
		if v, ok := q.Field(code); ok {
			t.Errorf("%s = %v in the retrieve-conf", mm1.FieldName(code), v)
		}
	}
}

func TestHiddenSender(t *testing.T) {
	var h textproto.Header
	h.Add("Content-Type", "text/plain")
	h.Add("X-Mms-Sender-Visibility", "hide")
	h.Add("From", "+15550001111/TYPE=PLMN@mms.example.net")
	p, err := ToRetrieveConf(h, strings.NewReader("hi"), FromOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := p.Field(mm1.FieldFrom); ok {
		t.Errorf("From %v", v)
	}
	if string(p.Body) != "hi" {
		t.Errorf("body %q", p.Body)
	}
}

func TestAddresses(t *testing.T) {
	var h textproto.Header
	h.Add("Content-Type", "text/plain")
	h.Add("Cc", `"Ann" <ann@example.org>, =?utf-8?q?J=C3=B6rg?= <joerg@example.org>`)
	h.Add("To", "+15550001111/TYPE=PLMN@other.example, +15550002222@mms.example.net, 5550003333/type=plmn@x.y, 12345@short.example, bogus")
	p, err := ToRetrieveConf(h, nil, FromOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(p.Values(mm1.FieldTo), p.Values(mm1.FieldCc))
	want := "[{0 +15550001111/TYPE=PLMN} {0 +15550002222/TYPE=PLMN} {0 5550003333/TYPE=PLMN} {0 12345}] [{0 Ann <ann@example.org>} {106 \"Jörg\" <joerg@example.org>}]"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestLimits(t *testing.T) {
	// Nested multiparts deeper than MaxDepth.
	var b strings.Builder
	b.WriteString("\r\n")
	for i := 0; i < MaxDepth+1; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i, i+1)
	}
	var h textproto.Header
	h.Add("Content-Type", "multipart/mixed; boundary=b0")
	if _, err := ToRetrieveConf(h, strings.NewReader(b.String()), FromOptions{}); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Errorf("depth: %v", err)
	}
	// Too many parts.
	b.Reset()
	for i := 0; i < MaxParts+1; i++ {
		b.WriteString("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n")
	}
	b.WriteString("--b--\r\n")
	h = textproto.Header{}
	h.Add("Content-Type", "multipart/mixed; boundary=b")
	if _, err := ToRetrieveConf(h, strings.NewReader(b.String()), FromOptions{}); err == nil || !strings.Contains(err.Error(), "parts") {
		t.Errorf("parts: %v", err)
	}
	// A PDU nested too deep.
	data := []byte("x")
	for i := 0; i < MaxDepth+1; i++ {
		var err error
		data, err = mm1.EncodeMultipart([]mm1.Part{{ContentType: mm1.ContentType{MediaType: "application/vnd.wap.multipart.mixed"}, Data: data}})
		if err != nil {
			t.Fatal(err)
		}
	}
	parts, _ := mm1.DecodeMultipart(data)
	p := &mm1.PDU{Headers: []mm1.Header{
		{Field: mm1.FieldMessageType, Value: mm1.MSendReq},
		{Field: mm1.FieldContentType, Value: mm1.ContentType{MediaType: "application/vnd.wap.multipart.mixed"}},
	}, Parts: parts}
	if _, err := ToMIME(p, Options{Domain: testDomain}); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Errorf("ToMIME depth: %v", err)
	}
}

func TestSubjectCharsets(t *testing.T) {
	for _, c := range []struct {
		in   mm1.EncodedString
		want mm1.EncodedString
	}{
		{mm1.EncodedString{Text: "plain"}, mm1.EncodedString{Text: "plain"}},
		{mm1.EncodedString{Charset: 106, Text: "ascii"}, mm1.EncodedString{Text: "ascii"}},
		{mm1.EncodedString{Charset: 106, Text: "Hé"}, mm1.EncodedString{Charset: 106, Text: "Hé"}},
		{mm1.EncodedString{Charset: 4, Text: "H\xe9"}, mm1.EncodedString{Charset: 106, Text: "Hé"}},
		{mm1.EncodedString{Charset: 17, Text: "\x93\xfa\x96\x7b"}, mm1.EncodedString{Charset: 17, Text: "\x93\xfa\x96\x7b"}},
		{mm1.EncodedString{Charset: 111, Text: "\xa4 euro"}, mm1.EncodedString{Charset: 111, Text: "\xa4 euro"}},
	} {
		s := encodeSubject(c.in)
		if !printableASCII(s) {
			t.Errorf("%v: %q", c.in, s)
		}
		got, ok := decodeSubject(s)
		if !ok || got != c.want {
			t.Errorf("%v: %q → %v, want %v", c.in, s, got, c.want)
		}
	}
}

func TestInvalidAddress(t *testing.T) {
	p := &mm1.PDU{Headers: []mm1.Header{
		{Field: mm1.FieldMessageType, Value: mm1.MSendReq},
		{Field: mm1.FieldFrom, Value: mm1.From{Insert: true}},
		{Field: mm1.FieldTo, Value: mm1.EncodedString{Text: "Jg"}},
		{Field: mm1.FieldTo, Value: mm1.EncodedString{Text: "0738345664/TYPE=PLMN"}},
		{Field: mm1.FieldContentType, Value: mm1.ContentType{MediaType: "text/plain"}},
	}, Body: []byte("hello")}
	m, err := ToMIME(p, Options{Domain: testDomain})
	if err != nil {
		t.Fatal(err)
	}
	if m.From != "" || m.Header.Has("From") {
		t.Errorf("From %q", m.From)
	}
	if !reflect.DeepEqual(m.Invalid, []string{"Jg"}) || !reflect.DeepEqual(m.Recipients, []string{"0738345664/TYPE=PLMN@" + testDomain}) {
		t.Errorf("Invalid %q Recipients %q", m.Invalid, m.Recipients)
	}
	if got := m.Header.Get("Content-Transfer-Encoding"); got != "7bit" || string(m.Body) != "hello" {
		t.Errorf("%s %q", got, m.Body)
	}
	if !utf8.Valid(m.Body) {
		t.Error("body")
	}
}
