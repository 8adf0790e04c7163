// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1mime

import (
	"bufio"
	"bytes"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/mm1"
)

// FuzzToMIME converts decoded PDUs into MIME and back. ToMIME must not panic; what it writes
// must be 7-bit, in lines of at most 998 octets, readable by net/mail, and convert back with
// ToRetrieveConf to the same leaf data.
func FuzzToMIME(f *testing.F) {
	p := buildPDU(f)
	b, err := p.Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	small := &mm1.PDU{Headers: []mm1.Header{
		{Field: mm1.FieldMessageType, Value: mm1.MRetrieveConf},
		{Field: mm1.FieldMMSVersion, Value: mm1.Version10},
		{Field: mm1.FieldFrom, Value: mm1.From{Address: mm1.EncodedString{Text: "a@b.c"}}},
		{Field: mm1.FieldSubject, Value: mm1.EncodedString{Charset: 4, Text: "caf\xe9 =?x?= " + string(bytes.Repeat([]byte("y"), 1000))}},
		{Field: mm1.FieldContentType, Value: mm1.ContentType{MediaType: "text/plain", Params: []mm1.Param{{Code: 0x81, Name: "charset", Value: mm1.Integer(106)}}}},
	}, Body: []byte("h\xc3\xa9\n\r")}
	if b, err = small.Encode(); err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	empty := &mm1.PDU{Headers: []mm1.Header{
		{Field: mm1.FieldMessageType, Value: mm1.MSendReq},
		{Field: mm1.FieldContentType, Value: mm1.ContentType{MediaType: "application/vnd.wap.multipart.mixed"}},
	}, Parts: []mm1.Part{}}
	if b, err = empty.Encode(); err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		defer watchdog()()
		p, err := mm1.Decode(b)
		if err != nil {
			return
		}
		m, err := ToMIME(p, Options{Domain: testDomain, Now: testNow})
		if err != nil {
			return
		}
		raw := wire(t, m)
		for _, c := range raw {
			if c >= 0x80 || c == 0 {
				t.Fatalf("octet %#02x in\n%q", c, raw)
			}
		}
		for _, line := range bytes.Split(raw, []byte("\r\n")) {
			if len(line) > 998 {
				t.Fatalf("line of %d octets", len(line))
			}
		}
		if _, err := mail.ReadMessage(bytes.NewReader(raw)); err != nil {
			t.Fatalf("net/mail: %v\n%q", err, raw)
		}
		if p.MessageType() == mm1.MForwardReq {
			return
		}
		q, err := ToRetrieveConf(m.Header, bytes.NewReader(m.Body), FromOptions{Now: testNow})
		if err != nil {
			t.Fatalf("ToRetrieveConf: %v\n%q", err, raw)
		}
		want, got := mm1Leaves(t, p.Parts), mm1Leaves(t, q.Parts)
		if p.Parts == nil {
			if !bytes.Equal(q.Body, p.Body) {
				t.Fatalf("body %q, want %q", q.Body, p.Body)
			}
			return
		}
		if len(got) != len(want) {
			t.Fatalf("%d leaves, want %d\n%q", len(got), len(want), raw)
		}
		for i := range got {
			if !bytes.Equal(got[i].data, want[i].data) {
				t.Fatalf("leaf %d: %q, want %q", i, got[i].data, want[i].data)
			}
		}
	})
}

// FuzzToRetrieveConf reads MIME messages (header and body) into m-retrieve-conf PDUs. It must
// not panic, and a PDU it returns must encode and decode to the same entries.
func FuzzToRetrieveConf(f *testing.F) {
	for _, s := range []string{
		"Content-Type: text/plain\r\nSubject: =?utf-8?q?h=C3=A9?=\r\nFrom: +15550001111/TYPE=PLMN@x.y\r\n\r\nhello\r\n",
		"Content-Type: multipart/related; type=\"application/smil\"; start=\"<s>\"; boundary=b\r\nTo: a@b.c, +1555\r\n\r\n--b\r\nContent-Type: application/smil\r\nContent-ID: <s>\r\n\r\n<smil/>\r\n--b\r\nContent-Type: image/gif; name=a.gif\r\nContent-Transfer-Encoding: base64\r\nContent-Location: a.gif\r\nContent-Disposition: attachment; filename=a.gif\r\n\r\nR0lGODlh\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n--i\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9\r\n--i--\r\n--o--\r\n",
		"X-Mms-Message-Class: auto\r\nX-Mms-Priority: HIGH\r\nX-Mms-Read-Report: yes\r\nX-Mms-Previously-sent-by: 0, +15550001111@x.y\r\nX-Mms-Previously-sent-date-and-time: 0, Tue, 14 Nov 2023 19:26:40 GMT\r\nDate: Tue, 14 Nov 2023 19:26:40 +0000\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		defer watchdog()()
		br := bufio.NewReader(bytes.NewReader(b))
		h, err := textproto.ReadHeader(br)
		if err != nil {
			return
		}
		p, err := ToRetrieveConf(h, br, FromOptions{TransactionID: "T", Now: testNow})
		if err != nil {
			return
		}
		enc, err := p.Encode()
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		q, err := mm1.Decode(enc)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if len(q.Parts) != len(p.Parts) {
			t.Fatalf("%d parts decoded, %d encoded", len(q.Parts), len(p.Parts))
		}
		// And back to MIME: the same leaves, unless the nesting ToRetrieveConf accepted is
		// too deep once the message's own multipart counts.
		m, err := ToMIME(p, Options{Domain: testDomain, Now: testNow})
		if err != nil {
			if !strings.Contains(err.Error(), "deeper") {
				t.Fatalf("ToMIME: %v", err)
			}
			return
		}
		r, err := ToRetrieveConf(m.Header, bytes.NewReader(m.Body), FromOptions{Now: testNow})
		if err != nil {
			t.Fatalf("ToRetrieveConf(ToMIME): %v\n%q", err, wire(t, m))
		}
		if p.Parts == nil {
			if !bytes.Equal(r.Body, p.Body) {
				t.Fatalf("body %q, want %q", r.Body, p.Body)
			}
			return
		}
		want, got := mm1Leaves(t, p.Parts), mm1Leaves(t, r.Parts)
		if len(got) != len(want) {
			t.Fatalf("%d leaves, want %d", len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i].data, want[i].data) {
				t.Fatalf("leaf %d: %q, want %q", i, got[i].data, want[i].data)
			}
		}
	})
}

// watchdog makes a fuzz input that takes more than 10 s a crash, so that the fuzzer keeps it.
func watchdog() func() {
	t := time.AfterFunc(10*time.Second, func() { panic("mm1mime: fuzz input took more than 10 s") })
	return func() { t.Stop() }
}
