// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mdn

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	gotextproto "github.com/emersion/go-message/textproto"
)

var testDate = time.Date(2026, 3, 14, 15, 9, 26, 0, time.FixedZone("", 3600))

// mdnHeaderFields is the exact set of fields of every generated MDN header.
var mdnHeaderFields = []string{
	"Auto-Submitted", "Content-Type", "Date", "From", "Message-Id",
	"Mime-Version", "Subject", "To",
}

// dnFields are the fields a generated disposition-notification part may
// have (RFC 8098 §3.1), in canonical MIME form.
var dnFields = map[string]bool{
	"Reporting-Ua": true, "Mdn-Gateway": true, "Original-Recipient": true,
	"Final-Recipient": true, "Original-Message-Id": true, "Disposition": true,
}

// baseReport is the MDN a gateway makes from an MMS read report "Read".
func baseReport() Report {
	h := mustHeader("From: +491701234567/TYPE=PLMN@mms.example.net\r\nTo: bob@example.org\r\n" +
		"Subject: Holiday pictures\r\nMessage-ID: <orig.1@mms.example.net>\r\n\r\n")
	return Report{
		MsgID:             "mdn.4711@mms.example.net",
		Date:              testDate,
		From:              "postmaster@mms.example.net",
		FromName:          "MMS Relay",
		To:                "bob@example.org",
		Subject:           "Holiday pictures",
		ReportingUA:       "mms.example.net; maddy-mms",
		Gateway:           "dns; mms.example.net",
		FinalRecipient:    "+491701234567/TYPE=PLMN@mms.example.net",
		OriginalMessageID: "<orig.1@mms.example.net>",
		Disposition:       Displayed,
		OrigHeader:        &h,
	}
}

func mustHeader(s string) gotextproto.Header {
	h, err := gotextproto.ReadHeader(bufio.NewReader(strings.NewReader(s)))
	if err != nil {
		panic(err)
	}
	return h
}

func serialize(t testing.TB, h gotextproto.Header, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := gotextproto.WriteHeader(&buf, h); err != nil {
		t.Fatalf("WriteHeader: %v", err)
	}
	buf.Write(body)
	return buf.Bytes()
}

func generate(t testing.TB, r Report) []byte {
	t.Helper()
	h, body, err := Generate(r)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return serialize(t, h, body)
}

// splitMessage reads a whole message into a go-message header and the body.
func splitMessage(t testing.TB, msg []byte) (gotextproto.Header, io.Reader) {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(msg))
	h, err := gotextproto.ReadHeader(br)
	if err != nil {
		t.Fatalf("ReadHeader: %v", err)
	}
	return h, br
}

// check7bit asserts RFC 5322 §2.1.1 / RFC 2045 §2.7 line rules.
func check7bit(t testing.TB, msg []byte) {
	t.Helper()
	for i, c := range msg {
		switch {
		case c >= 0x80:
			t.Fatalf("8-bit byte %#x at offset %d", c, i)
		case c == 0:
			t.Fatalf("NUL at offset %d", i)
		case c == '\r' && (i+1 >= len(msg) || msg[i+1] != '\n'):
			t.Fatalf("bare CR at offset %d", i)
		case c == '\n' && (i == 0 || msg[i-1] != '\r'):
			t.Fatalf("bare LF at offset %d", i)
		}
	}
	for n, line := range strings.Split(string(msg), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("line %d is %d octets long", n+1, len(line))
		}
	}
}

type goPart struct {
	header  textproto.MIMEHeader
	content []byte // transfer-decoded
}

type goMDN struct {
	header    mail.Header
	mediaType string
	params    map[string]string
	parts     []goPart
	fields    textproto.MIMEHeader // the disposition-notification fields
	orig      gotextproto.Header   // text/rfc822-headers, if present
}

// parseGo reads msg with the standard library only (net/mail,
// mime/multipart, net/textproto), which shares no code with the generator.
func parseGo(t testing.TB, msg []byte) goMDN {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("net/mail: %v", err)
	}
	var d goMDN
	d.header = m.Header
	d.mediaType, d.params, err = mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || d.mediaType != "multipart/report" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, d.params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		content, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("part: %v", err)
		}
		d.parts = append(d.parts, goPart{p.Header, content})
		mt, _, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("part Content-Type: %v", err)
		}
		r := textproto.NewReader(bufio.NewReader(io.MultiReader(bytes.NewReader(content), strings.NewReader("\r\n"))))
		switch mt {
		case "message/disposition-notification":
			if d.fields, err = r.ReadMIMEHeader(); err != nil {
				t.Fatalf("disposition-notification: %v\n%q", err, content)
			}
		case "text/rfc822-headers":
			// go-message, not net/textproto: RFC 5322 field names may hold
			// characters that are not HTTP tokens, which net/textproto refuses.
			if d.orig, err = gotextproto.ReadHeader(bufio.NewReader(io.MultiReader(bytes.NewReader(content), strings.NewReader("\r\n")))); err != nil {
				t.Fatalf("text/rfc822-headers: %v", err)
			}
		}
	}
	return d
}

func (d goMDN) partTypes() []string {
	var out []string
	for _, p := range d.parts {
		mt, _, _ := mime.ParseMediaType(p.header.Get("Content-Type"))
		out = append(out, mt)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkCommon asserts what holds for every generated MDN.
func checkCommon(t testing.TB, msg []byte, d goMDN) {
	t.Helper()
	check7bit(t, msg)
	if got := sortedKeys(d.header); !reflect.DeepEqual(got, mdnHeaderFields) {
		t.Errorf("header fields = %v, want %v", got, mdnHeaderFields)
	}
	for k, v := range d.header {
		if len(v) != 1 {
			t.Errorf("header field %s occurs %d times", k, len(v))
		}
	}
	if d.params["report-type"] != "disposition-notification" {
		t.Errorf("report-type = %q", d.params["report-type"])
	}
	if d.header.Get("Auto-Submitted") != "auto-replied" || d.header.Get("Mime-Version") != "1.0" {
		t.Errorf("Auto-Submitted/MIME-Version wrong: %v", d.header)
	}
	if pt := d.partTypes(); len(pt) < 2 || pt[0] != "text/plain" || pt[1] != "message/disposition-notification" ||
		(len(pt) == 3 && pt[2] != "text/rfc822-headers") || len(pt) > 3 {
		t.Errorf("parts = %v", pt)
	}
	for k, v := range d.fields {
		if !dnFields[k] || len(v) != 1 {
			t.Errorf("disposition-notification field %s (%d times)", k, len(v))
		}
	}
	for _, req := range []string{"Final-Recipient", "Disposition"} {
		if d.fields.Get(req) == "" {
			t.Errorf("%s missing", req)
		}
	}
}

func decodeHeader(t testing.TB, s string) string {
	t.Helper()
	out, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return out
}

func TestGenerateStructure(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(r *Report)
		subject string
		from    string
		fields  map[string]string // exact disposition-notification fields
		parts   int
		text    string // substring of part 1
	}{
		{
			name:    "MMS read report Read, gateway",
			mod:     func(r *Report) {},
			subject: "Read: Holiday pictures",
			from:    `"MMS Relay" <postmaster@mms.example.net>`,
			fields: map[string]string{
				"Reporting-Ua":        "mms.example.net; maddy-mms",
				"Mdn-Gateway":         "dns; mms.example.net",
				"Final-Recipient":     "rfc822; +491701234567/TYPE=PLMN@mms.example.net",
				"Original-Message-Id": "<orig.1@mms.example.net>",
				"Disposition":         "manual-action/MDN-sent-manually; displayed",
			},
			parts: 3,
			text: "Your message to +491701234567/TYPE=PLMN@mms.example.net\r\nhas been displayed to the recipient.\r\n" +
				"This is no guarantee that it has been read or understood.\r\n\r\nSubject: Holiday pictures\r\n\r\n" +
				"This notification was made by the MMS gateway mms.example.net\r\nfrom an MMS read report (RFC 4356).\r\n",
		},
		{
			name: "Deleted without being read, automatic, no original header, no gateway",
			mod: func(r *Report) {
				r.Disposition = "Deleted"
				r.Automatic = true
				r.OrigHeader = nil
				r.Gateway = ""
				r.FromName = ""
				r.OriginalRecipient = "rfc822; +491701234567@mms.example.net"
			},
			subject: "Deleted: Holiday pictures",
			from:    "postmaster@mms.example.net",
			fields: map[string]string{
				"Reporting-Ua":        "mms.example.net; maddy-mms",
				"Original-Recipient":  "rfc822; +491701234567@mms.example.net",
				"Final-Recipient":     "rfc822; +491701234567/TYPE=PLMN@mms.example.net",
				"Original-Message-Id": "<orig.1@mms.example.net>",
				"Disposition":         "automatic-action/MDN-sent-automatically; deleted",
			},
			parts: 2,
			text:  "\r\nhas been deleted.\r\nThe recipient may or may not have seen it.\r\n\r\nSubject: Holiday pictures\r\n",
		},
		{
			name: "dispatched, caller's text, no subject, no UA, Message-ID without brackets",
			mod: func(r *Report) {
				r.Disposition = Dispatched
				r.Text = "Forwarded by the recipient."
				r.Subject = ""
				r.ReportingUA = ""
				r.OriginalMessageID = "orig.1@mms.example.net"
				empty := gotextproto.Header{}
				r.OrigHeader = &empty
			},
			subject: "Dispatched",
			from:    `"MMS Relay" <postmaster@mms.example.net>`,
			fields: map[string]string{
				"Mdn-Gateway":         "dns; mms.example.net",
				"Final-Recipient":     "rfc822; +491701234567/TYPE=PLMN@mms.example.net",
				"Original-Message-Id": "<orig.1@mms.example.net>",
				"Disposition":         "manual-action/MDN-sent-manually; dispatched",
			},
			parts: 2,
			text:  "Forwarded by the recipient.\r\n",
		},
		{
			name: "processed, hostile Original-Message-ID left out",
			mod: func(r *Report) {
				r.Disposition = Processed
				r.OriginalMessageID = "<a b@c>"
			},
			subject: "Processed: Holiday pictures",
			from:    `"MMS Relay" <postmaster@mms.example.net>`,
			fields: map[string]string{
				"Reporting-Ua":    "mms.example.net; maddy-mms",
				"Mdn-Gateway":     "dns; mms.example.net",
				"Final-Recipient": "rfc822; +491701234567/TYPE=PLMN@mms.example.net",
				"Disposition":     "manual-action/MDN-sent-manually; processed",
			},
			parts: 3,
			text:  "has been processed without being displayed",
		},
		{
			name: "non-ASCII subject, name and final recipient",
			mod: func(r *Report) {
				r.Subject = "=?utf-8?q?Gr=C3=BC=C3=9Fe?="
				r.FromName = "MMS-Relais Köln"
				r.FinalRecipient = "rfc822; jöhn@bücher.example"
				r.Gateway = "mms.example.net."
			},
			subject: "Read: Grüße",
			from:    `=?utf-8?q?MMS-Relais_K=C3=B6ln?= <postmaster@mms.example.net>`,
			fields: map[string]string{
				"Reporting-Ua":        "mms.example.net; maddy-mms",
				"Mdn-Gateway":         "dns; mms.example.net",
				"Final-Recipient":     `utf-8; j\x{F6}hn@b\x{FC}cher.example`,
				"Original-Message-Id": "<orig.1@mms.example.net>",
				"Disposition":         "manual-action/MDN-sent-manually; displayed",
			},
			parts: 3,
			text:  "Your message to j\\x{F6}hn@b\\x{FC}cher.example\r\nhas been displayed to the recipient.\r\nThis is no guarantee that it has been read or understood.\r\n\r\nSubject: Grüße\r\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := baseReport()
			tc.mod(&r)
			msg := generate(t, r)
			d := parseGo(t, msg)
			checkCommon(t, msg, d)
			if got := decodeHeader(t, d.header.Get("Subject")); got != tc.subject {
				t.Errorf("Subject = %q, want %q", got, tc.subject)
			}
			if got := d.header.Get("From"); got != tc.from {
				t.Errorf("From = %q, want %q", got, tc.from)
			}
			if got := d.header.Get("To"); got != "bob@example.org" {
				t.Errorf("To = %q", got)
			}
			if got := d.header.Get("Message-Id"); got != "<mdn.4711@mms.example.net>" {
				t.Errorf("Message-ID = %q", got)
			}
			if got, err := d.header.Date(); err != nil || !got.Equal(testDate) {
				t.Errorf("Date = %v, %v", got, err)
			}
			got := map[string]string{}
			for k := range d.fields {
				got[k] = d.fields.Get(k)
			}
			if !reflect.DeepEqual(got, tc.fields) {
				t.Errorf("fields:\n got %v\nwant %v", got, tc.fields)
			}
			if len(d.parts) != tc.parts {
				t.Errorf("%d parts, want %d", len(d.parts), tc.parts)
			}
			if !strings.Contains(string(d.parts[0].content), tc.text) {
				t.Errorf("text %q lacks %q", d.parts[0].content, tc.text)
			}
			if tc.parts == 3 && d.orig.Get("Message-Id") != "<orig.1@mms.example.net>" {
				t.Errorf("original header = %v", d.orig)
			}
		})
	}
}

// TestGolden pins the exact bytes of a typical gateway MDN.
func TestGolden(t *testing.T) {
	h, body, err := Generate(baseReport())
	if err != nil {
		t.Fatal(err)
	}
	var hb bytes.Buffer
	if err := gotextproto.WriteHeader(&hb, h); err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	b := params["boundary"]
	if !strings.HasPrefix(b, "=_mdn_") {
		t.Fatalf("boundary %q", b)
	}
	wantHeader := "From: \"MMS Relay\" <postmaster@mms.example.net>\r\n" +
		"To: bob@example.org\r\n" +
		"Subject: Read: Holiday pictures\r\n" +
		"Date: Sat, 14 Mar 2026 15:09:26 +0100\r\n" +
		"Message-ID: <mdn.4711@mms.example.net>\r\n" +
		"Auto-Submitted: auto-replied\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=disposition-notification;\r\n" +
		" boundary=\"" + b + "\"\r\n" +
		"\r\n"
	if hb.String() != wantHeader {
		t.Errorf("header:\n%s\nwant:\n%s", hb.String(), wantHeader)
	}
	wantBody := "This is a MIME-formatted message disposition notification (RFC 8098).\r\n" +
		"\r\n--" + b + "\r\n" +
		"Content-Type: text/plain; charset=us-ascii\r\n" +
		"Content-Transfer-Encoding: 7bit\r\n" +
		"Content-Description: Notification\r\n" +
		"\r\n" +
		"Your message to +491701234567/TYPE=PLMN@mms.example.net\r\n" +
		"has been displayed to the recipient.\r\n" +
		"This is no guarantee that it has been read or understood.\r\n" +
		"\r\n" +
		"Subject: Holiday pictures\r\n" +
		"\r\n" +
		"This notification was made by the MMS gateway mms.example.net\r\n" +
		"from an MMS read report (RFC 4356).\r\n" +
		"\r\n--" + b + "\r\n" +
		"Content-Type: message/disposition-notification\r\n" +
		"Content-Description: Disposition notification\r\n" +
		"\r\n" +
		"Reporting-UA: mms.example.net; maddy-mms\r\n" +
		"MDN-Gateway: dns; mms.example.net\r\n" +
		"Final-Recipient: rfc822; +491701234567/TYPE=PLMN@mms.example.net\r\n" +
		"Original-Message-ID: <orig.1@mms.example.net>\r\n" +
		"Disposition: manual-action/MDN-sent-manually; displayed\r\n" +
		"\r\n--" + b + "\r\n" +
		"Content-Type: text/rfc822-headers; charset=us-ascii\r\n" +
		"Content-Description: Original message header\r\n" +
		"\r\n" +
		"From: +491701234567/TYPE=PLMN@mms.example.net\r\n" +
		"To: bob@example.org\r\n" +
		"Subject: Holiday pictures\r\n" +
		"Message-ID: <orig.1@mms.example.net>\r\n" +
		"\r\n--" + b + "--\r\n"
	if string(body) != wantBody {
		t.Errorf("body:\n%s\nwant:\n%s", body, wantBody)
	}
	for _, l := range strings.Split(hb.String()+string(body), "\r\n") {
		if len(l) > 78 {
			t.Errorf("line longer than 78: %q", l)
		}
	}
}

// TestInjection feeds hostile values into every field that can come from
// outside and checks that no header field, MDN field or MIME part appears
// that the generator did not write.
func TestInjection(t *testing.T) {
	payloads := []string{
		"x\r\nBcc: victim@x",
		"x\nBcc: victim@x",
		"x\rBcc: victim@x",
		"x\r\n\r\nDisposition: automatic-action/MDN-sent-automatically; deleted",
		"x\r\n Bcc: victim@x",
		"x\x00\x1b[31m\x7f\u0085Bcc: victim@x",
		"x\u2028Bcc: victim@x\u2029",
		"x\u202eBcc: victim@x",
		"x\r\n--=_mdn_\r\nContent-Type: text/html\r\n\r\n<b>",
		"\xff\xfe invalid UTF-8 \xc3",
	}
	places := []struct {
		name string
		set  func(r *Report, p string)
	}{
		{"subject", func(r *Report, p string) { r.Subject = p }},
		{"text", func(r *Report, p string) { r.Text = "The reader said: " + p }},
		{"reporting UA", func(r *Report, p string) { r.ReportingUA = "ua; " + p }},
		{"from name", func(r *Report, p string) { r.FromName = p }},
		{"original message id", func(r *Report, p string) { r.OriginalMessageID = "<" + p + ">" }},
		{"original header", func(r *Report, p string) {
			h := gotextproto.Header{}
			h.Add("Subject", p)
			h.Add("X-Mms-Status-Text", p)
			r.OrigHeader = &h
		}},
	}
	for _, pl := range places {
		for i, p := range payloads {
			t.Run(fmt.Sprintf("%s/%d", pl.name, i), func(t *testing.T) {
				r := baseReport()
				pl.set(&r, p)
				msg := generate(t, r)
				d := parseGo(t, msg)
				checkCommon(t, msg, d)
				if got := d.fields.Get("Disposition"); got != "manual-action/MDN-sent-manually; displayed" {
					t.Errorf("Disposition altered: %q", got)
				}
				if d.orig.Has("Bcc") {
					t.Errorf("Bcc in the original header part: %v", d.orig)
				}
				for _, pt := range d.parts {
					if bytes.Contains(pt.content, []byte("\u202e")) {
						t.Errorf("bidi override survived in %v", pt.header)
					}
				}
				n, err := Parse(splitMessage(t, msg))
				if err != nil || n.Disposition != Displayed || n.ActionMode != "manual-action" {
					t.Errorf("Parse: %+v, %v", n, err)
				}
			})
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		mod  func(r *Report)
	}{
		{"empty Message-ID", func(r *Report) { r.MsgID = "" }},
		{"Message-ID with brackets", func(r *Report) { r.MsgID = "<a@b>" }},
		{"Message-ID with CRLF", func(r *Report) { r.MsgID = "a@b\r\nBcc: x" }},
		{"empty From", func(r *Report) { r.From = "" }},
		{"From with display name", func(r *Report) { r.From = "X <a@b.example>" }},
		{"From with CRLF", func(r *Report) { r.From = "a@b.example\r\nBcc: x" }},
		{"empty To", func(r *Report) { r.To = "" }},
		{"To list", func(r *Report) { r.To = "a@b.example, c@d.example" }},
		{"To non-ASCII", func(r *Report) { r.To = "jöhn@bücher.example" }},
		{"empty disposition", func(r *Report) { r.Disposition = "" }},
		{"unknown disposition", func(r *Report) { r.Disposition = "read" }},
		{"obsolete disposition denied", func(r *Report) { r.Disposition = "denied" }},
		{"disposition with modifier", func(r *Report) { r.Disposition = "displayed/error" }},
		{"empty Final-Recipient", func(r *Report) { r.FinalRecipient = "" }},
		{"Final-Recipient with CRLF", func(r *Report) { r.FinalRecipient = "a@b\r\nDisposition: x" }},
		{"Original-Recipient with LF", func(r *Report) { r.OriginalRecipient = "a@b\nX: y" }},
		{"Gateway with CRLF", func(r *Report) { r.Gateway = "mms.example.net\r\nX: y" }},
		{"Gateway of foreign type", func(r *Report) { r.Gateway = "x-mms; gw" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := baseReport()
			tc.mod(&r)
			h, body, err := Generate(r)
			if err == nil {
				t.Fatalf("no error; header %d fields, body %d bytes", h.Len(), len(body))
			}
			if !strings.HasPrefix(err.Error(), "mdn: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestZeroDate(t *testing.T) {
	r := baseReport()
	r.Date = time.Time{}
	before := time.Now().Add(-time.Second)
	d := parseGo(t, generate(t, r))
	if got, err := d.header.Date(); err != nil || got.Before(before) || got.After(time.Now().Add(time.Second)) {
		t.Errorf("Date = %v, %v", got, err)
	}
}

func TestLimits(t *testing.T) {
	r := baseReport()
	r.Text = strings.Repeat("blah ", 1<<20)
	r.Subject = strings.Repeat("s", 10000)
	h := gotextproto.Header{}
	for i := 0; i < 5000; i++ {
		h.Add(fmt.Sprintf("X-Filler-%d", i), strings.Repeat("y", 100))
	}
	r.OrigHeader = &h
	msg := generate(t, r)
	d := parseGo(t, msg)
	checkCommon(t, msg, d)
	if n := len(d.parts[0].content); n > MaxText+64 || !strings.Contains(string(d.parts[0].content), "[... text truncated]") {
		t.Errorf("text of %d bytes", n)
	}
	if n := len(d.parts[2].content); n > MaxOriginalHeader {
		t.Errorf("original header of %d bytes", n)
	}
	if n := len(decodeHeader(t, d.header.Get("Subject"))); n > 220 {
		t.Errorf("Subject of %d bytes", n)
	}
}

// TestRoundTrip: Parse reads back what Generate wrote.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		mod  func(r *Report)
		want Notification
	}{
		{"read", func(r *Report) {}, Notification{
			OriginalMessageID: "<orig.1@mms.example.net>",
			FinalRecipient:    "+491701234567/TYPE=PLMN@mms.example.net",
			Disposition:       "displayed", ActionMode: "manual-action", SendingMode: "mdn-sent-manually",
			ReportingUA: "mms.example.net; maddy-mms", Gateway: "dns; mms.example.net",
		}},
		{"deleted automatically, original recipient, no Message-ID", func(r *Report) {
			r.Disposition = Deleted
			r.Automatic = true
			r.OriginalRecipient = "+491701234567@mms.example.net"
			r.OriginalMessageID = ""
			r.Gateway = ""
			r.ReportingUA = ""
		}, Notification{
			FinalRecipient:    "+491701234567/TYPE=PLMN@mms.example.net",
			OriginalRecipient: "+491701234567@mms.example.net",
			Disposition:       "deleted", ActionMode: "automatic-action", SendingMode: "mdn-sent-automatically",
		}},
		{"non-ASCII final recipient", func(r *Report) {
			r.FinalRecipient = "jöhn+x=y@bücher.example"
			r.Disposition = Processed
		}, Notification{
			OriginalMessageID: "<orig.1@mms.example.net>",
			FinalRecipient:    "jöhn+x=y@bücher.example",
			Disposition:       "processed", ActionMode: "manual-action", SendingMode: "mdn-sent-manually",
			ReportingUA: "mms.example.net; maddy-mms", Gateway: "dns; mms.example.net",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := baseReport()
			tc.mod(&r)
			h, body, err := Generate(r)
			if err != nil {
				t.Fatal(err)
			}
			if !IsMDN(h) {
				t.Errorf("IsMDN is false for a generated MDN")
			}
			n, err := Parse(h, bytes.NewReader(body))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(*n, tc.want) {
				t.Errorf("Parse:\n got %+v\nwant %+v", *n, tc.want)
			}
		})
	}
}
