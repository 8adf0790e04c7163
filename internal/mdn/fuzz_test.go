// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mdn

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	gotextproto "github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/internal/dsn/mailfmt"
)

// FuzzParse feeds Parse hostile MDNs: raw is a whole message (header and
// body); fields is the content of a disposition-notification part, which
// is also parsed inside a well-formed MDN (with cte as its
// Content-Transfer-Encoding) so that the fuzzer reaches the field parser
// without having to find the multipart structure first.
//
// Invariants: Parse never panics; it reads at most MaxBody bytes of the
// body; an error starts with "mdn: "; a Notification comes only from a
// header IsMDN accepts, has a Disposition (a lower-case token) and a
// Final-Recipient, at most 10 modifiers, an Original-Message-ID that is ""
// or in angle brackets, and values that are valid UTF-8 single lines of at
// most 998 bytes without control characters.
func FuzzParse(f *testing.F) {
	disp := "Final-Recipient: rfc822; a@b.example\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n"
	for _, raw := range []string{sampleThunderbird, sampleAppleMail, sampleOutlook} {
		f.Add([]byte(raw), []byte(disp), "7bit")
	}
	h, body, err := Generate(baseReport())
	if err != nil {
		f.Fatal(err)
	}
	var gen bytes.Buffer
	_ = gotextproto.WriteHeader(&gen, h)
	gen.Write(body)
	f.Add(gen.Bytes(), []byte("FINAL-RECIPIENT: utf-8; j\\x{F6}hn@x\r\nDISPOSITION: Automatic-Action/MDN-Sent-Automatically (c);\r\n deleted/error,warning\r\n"), "")
	f.Add([]byte(mdnMessage(dnType, disp)), []byte("RmluYWwtUmVjaXBpZW50OiBhQGIKRGlzcG9zaXRpb246IGRpc3BsYXllZAo="), "base64")
	f.Add([]byte(mdnMessage(dnType+"\r\n", "Disposition: x\r\n")), []byte("Final-Recipient: a=40b\r\nDisposition: dis=\r\nplayed\r\n"), "quoted-printable")
	f.Add([]byte("Content-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n\r\n--b\r\n"+dnType),
		[]byte("Original-Message-ID: <\x00>\r\nFinal-Recipient: \xff\r\nDisposition: ;/,\r\n"), "x")

	f.Fuzz(func(t *testing.T, raw, fields []byte, cte string) {
		fuzzParseOne(t, raw)
		if strings.ContainsAny(cte, "\r\n") {
			cte = ""
		}
		wrapped := "Content-Type: multipart/report; report-type=disposition-notification; boundary=\"=_b\"\r\n\r\n" +
			"--=_b\r\nContent-Type: text/plain\r\n\r\nx\r\n--=_b\r\n" + dnType +
			"Content-Transfer-Encoding: " + cte + "\r\n\r\n" + string(fields) + "\r\n--=_b--\r\n"
		fuzzParseOne(t, []byte(wrapped))
	})
}

func fuzzParseOne(t *testing.T, raw []byte) {
	br := bufio.NewReader(bytes.NewReader(raw))
	h, err := gotextproto.ReadHeader(br)
	if err != nil {
		return
	}
	cr := &countingReader{r: br}
	n, err := Parse(h, cr)
	if cr.n > MaxBody {
		t.Fatalf("Parse read %d bytes", cr.n)
	}
	if err != nil {
		if !strings.HasPrefix(err.Error(), "mdn: ") {
			t.Fatalf("error %q", err)
		}
		return
	}
	if !IsMDN(h) {
		t.Fatalf("a Notification from a header IsMDN refuses")
	}
	if n.Disposition == "" || n.Disposition != token(n.Disposition) || n.FinalRecipient == "" {
		t.Fatalf("Notification %+v", n)
	}
	if n.ActionMode != token(n.ActionMode) || n.SendingMode != token(n.SendingMode) || len(n.Modifiers) > maxModifiers {
		t.Fatalf("Notification %+v", n)
	}
	for _, m := range n.Modifiers {
		if m == "" || m != token(m) {
			t.Fatalf("modifier %q", m)
		}
	}
	if id := n.OriginalMessageID; id != "" && (!strings.HasPrefix(id, "<") || !strings.HasSuffix(id, ">") || len(id) > 998) {
		t.Fatalf("Original-Message-ID %q", id)
	}
	for _, v := range []string{n.OriginalMessageID, n.FinalRecipient, n.OriginalRecipient, n.ReportingUA, n.Gateway} {
		if len(v) > 998 || !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool {
			return mailfmt.IsControl(r) || mailfmt.IsLineBreak(r) || mailfmt.IsBidiControl(r)
		}) {
			t.Fatalf("value %q", v)
		}
	}
}

// FuzzGenerate feeds Generate hostile values and reads the MDN back.
//
// Invariants: Generate fails exactly when the same report without its
// untrusted text (Subject, Text, ReportingUA, OriginalMessageID,
// OrigHeader) fails; a generated MDN is 7-bit with CRLF lines of at most
// 998 octets; net/mail and mime/multipart read it with exactly the
// documented header fields, once each, and only RFC 8098 fields in the
// disposition-notification part; Parse reads back the disposition, the
// mode and the final recipient.
func FuzzGenerate(f *testing.F) {
	b := baseReport()
	f.Add(b.From, b.FromName, b.To, b.Subject, b.ReportingUA, b.FinalRecipient, b.OriginalMessageID, "text", []byte("Subject: x\r\n\r\n"), uint8(0))
	f.Add("a@b.example", "Ünïcode \"q\" \\", "c@d.example", "=?utf-8?q?Gr=C3=BC=C3=9Fe?= x\r\nBcc: y", "ua\r\nDisposition: x",
		"rfc822; jöhn@bücher.example", "<a b>", "x\r\n--=_mdn_\r\n\u202e\x00", []byte("X-Raw: \xff\xfe\r\nSubject: x\r\n\r\n"), uint8(7))
	f.Add("a@b", "", "c@d", "", "", "utf-8; x", "", "", []byte{}, uint8(2))
	f.Add("x\r\nBcc: y", "", "a, b", "", "", "a@b\r\nDisposition: x", "", "", []byte{}, uint8(1))

	f.Fuzz(func(t *testing.T, from, name, to, subject, ua, final, origID, text string, header []byte, sel uint8) {
		r := Report{
			MsgID: "mdn.1@mms.example.net", Date: testDate,
			From: from, FromName: name, To: to, Subject: subject, ReportingUA: ua,
			FinalRecipient: final, OriginalMessageID: origID, Text: text,
			Disposition: dispositions[sel%4].disposition, Automatic: sel&4 != 0,
		}
		if sel&8 != 0 {
			r.Gateway = "mms.example.net"
		}
		if oh, err := gotextproto.ReadHeader(bufio.NewReader(bytes.NewReader(header))); err == nil {
			r.OrigHeader = &oh
		}
		structure := r
		structure.Subject, structure.Text, structure.ReportingUA, structure.OriginalMessageID, structure.OrigHeader = "", "", "", "", nil
		_, _, structErr := Generate(structure)
		h, body, err := Generate(r)
		if (err == nil) != (structErr == nil) {
			t.Fatalf("Generate: %v; without the untrusted text: %v", err, structErr)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "mdn: ") {
				t.Fatalf("error %q", err)
			}
			return
		}
		msg := serialize(t, h, body)
		check7bit(t, msg)
		d := parseGo(t, msg)
		checkCommon(t, msg, d)
		if t.Failed() {
			t.FailNow()
		}
		n, err := Parse(h, bytes.NewReader(body))
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		wantMode := "manual-action"
		if r.Automatic {
			wantMode = "automatic-action"
		}
		if n.Disposition != r.Disposition || n.ActionMode != wantMode || n.FinalRecipient == "" {
			t.Fatalf("Parse: %+v for %+v", n, r)
		}
	})
}
