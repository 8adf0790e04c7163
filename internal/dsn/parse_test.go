// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package dsn

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
	"time"

	gotextproto "github.com/emersion/go-message/textproto"
)

// Test helpers: serialize a generated DSN and read it back with the
// standard library (net/mail, mime/multipart, net/textproto), which shares
// no code with the generator.

var testDate = time.Date(2026, 3, 14, 15, 9, 26, 0, time.FixedZone("", 3600))

// baseReport is a typical "peer MMSC refused the MM" report.
func baseReport() Report {
	return Report{
		Envelope: Envelope{
			MsgID:        "dsn.4711@mms.example.net",
			From:         "MMS Relay <postmaster@mms.example.net>",
			To:           "+491701234567/TYPE=PLMN@mms.example.net",
			ReportingMTA: "mms.example.net",
			Date:         testDate,
		},
		Recipients: []Recipient{{
			FinalRecipient: "rfc822;+33612345678/TYPE=PLMN@mms.peer.example",
			Action:         ActionFailed,
			Status:         [3]int{5, 6, 0},
			RemoteMTA:      "dns; mms.peer.example",
			DiagnosticCode: "X-MMS; Error-content-not-accepted: Image too large",
			LastAttempt:    testDate.Add(-time.Minute),
		}},
		Explanation:    "Your MMS was refused by the recipient's operator.\nReason: Image too large",
		OriginalHeader: mustHeader("From: +491701234567/TYPE=PLMN@mms.example.net\r\nTo: +33612345678/TYPE=PLMN@mms.peer.example\r\nSubject: Holiday pictures\r\nX-Mms-Message-Class: Personal\r\nMessage-ID: <orig.1@mms.example.net>\r\n\r\n"),
	}
}

func mustHeader(s string) gotextproto.Header {
	h, err := gotextproto.ReadHeader(bufio.NewReader(strings.NewReader(s)))
	if err != nil {
		panic(err)
	}
	return h
}

// serialize returns the complete DSN message.
func serialize(t *testing.T, h gotextproto.Header, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := gotextproto.WriteHeader(&buf, h); err != nil {
		t.Fatalf("WriteHeader: %v", err)
	}
	buf.Write(body)
	return buf.Bytes()
}

func generate(t *testing.T, r Report) []byte {
	t.Helper()
	h, body, err := Generate(r)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return serialize(t, h, body)
}

// check7bit asserts RFC 5322 §2.1.1 / RFC 2045 §2.7 line rules: only 7-bit
// characters, no NUL, CR and LF only as CRLF, lines of at most 998 octets.
func check7bit(t *testing.T, msg []byte) {
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

type goDSN struct {
	header    mail.Header
	mediaType string
	params    map[string]string
	parts     []goPart
	blocks    []textproto.MIMEHeader // message/delivery-status field groups
	orig      textproto.MIMEHeader   // text/rfc822-headers, if present
}

// parseGo reads msg with the standard library.
func parseGo(t *testing.T, msg []byte) goDSN {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("net/mail: %v", err)
	}
	var d goDSN
	d.header = m.Header
	d.mediaType, d.params, err = mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	if !strings.HasPrefix(d.mediaType, "multipart/") {
		t.Fatalf("not multipart: %s", d.mediaType)
	}
	mr := multipart.NewReader(m.Body, d.params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		content, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("multipart part: %v", err)
		}
		d.parts = append(d.parts, goPart{header: p.Header, content: content})
	}
	for _, p := range d.parts {
		mt, _, err := mime.ParseMediaType(p.header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("part Content-Type: %v", err)
		}
		switch mt {
		case "message/delivery-status":
			d.blocks = parseBlocks(t, p.content)
		case "text/rfc822-headers":
			r := textproto.NewReader(bufio.NewReader(io.MultiReader(bytes.NewReader(p.content), strings.NewReader("\r\n"))))
			h, err := r.ReadMIMEHeader()
			if err != nil {
				t.Fatalf("text/rfc822-headers: %v", err)
			}
			d.orig = h
		}
	}
	return d
}

// parseBlocks splits a message/delivery-status body into its field groups
// (RFC 3464 §2.1: groups are separated by blank lines).
func parseBlocks(t *testing.T, content []byte) []textproto.MIMEHeader {
	t.Helper()
	var blocks []textproto.MIMEHeader
	for _, raw := range strings.Split(strings.TrimRight(string(content), "\r\n"), "\r\n\r\n") {
		r := textproto.NewReader(bufio.NewReader(strings.NewReader(raw + "\r\n\r\n")))
		h, err := r.ReadMIMEHeader()
		if err != nil {
			t.Fatalf("delivery-status group %q: %v", raw, err)
		}
		blocks = append(blocks, h)
	}
	return blocks
}

// partTypes returns the media types of d's parts.
func (d goDSN) partTypes() []string {
	var out []string
	for _, p := range d.parts {
		mt, _, _ := mime.ParseMediaType(p.header.Get("Content-Type"))
		out = append(out, mt)
	}
	return out
}
