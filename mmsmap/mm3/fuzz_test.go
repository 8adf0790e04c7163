// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// fuzzSeeds are headers for both fuzz targets: mails of the golden tests (trimmed), an MM4_forward.REQ
// of a real peer (/work/shared/corpus/mm4-wire/open-mmsc-forward-req.eml, Mbuni 1.4) and hostile ones.
var fuzzSeeds = []string{
	"Received: from client.example.com (client.example.com [192.0.2.7])\r\n\tby mms.example.net; Tue, 01 Jul 2025 09:59:59 +0000\r\n" +
		"From: Alice Example <+15550001111@mms.example.net>\r\nTo: +4915112345678/TYPE=PLMN@mms.mnc001.mcc262.gprs\r\n" +
		"Subject: Lunch tomorrow?\r\nDate: Tue, 01 Jul 2025 10:00:00 +0000\r\nMessage-ID: <20250701100000.4f1a@client.example.com>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n",
	"X-Mms-Message-Type: MM4_forward.RES\r\nX-Mms-Originator-System: evil@attacker.example\r\nSender: someone-else@attacker.example\r\n" +
		"From: \"Doe, Jane\" <jane@mms.example.net>\r\nTo: Family: 555-000-2222@mms.example.net, \"Bob\" <4915112345678/type=plmn@x.example>;,\r\n bob@internet.example\r\n" +
		"Cc: 1-555-000-3333@mms.example.net, \"Carol C.\" <carol@internet.example>\r\nBcc: +15550009999@mms.example.net\r\n" +
		"Importance: High\r\nX-Priority: 5 (Lowest)\r\nDisposition-Notification-To: jane@mms.example.net\r\n" +
		"In-Reply-To: <prev@mms.example.net>\r\nReferences: <first@mms.example.net> <prev@mms.example.net>\r\n" +
		"Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the family\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
	"From: =?UTF-8?Q?J=C3=BCrgen?= <+15550001111@mms.example.net>\r\nTo: =?UTF-8?B?TcO8bGxlcg==?= <+4915112345678@mms.mnc001.mcc262.gprs>\r\n" +
		"Subject: Grüße aus Köln\r\nDate: Wed, 02 Jul 2025 08:30:00 +0200\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n",
	"X-Mms-MMS-Version: 1.0\r\nFrom: +16660002222/TYPE=PLMN\r\nTo: +15550001111/TYPE=PLMN\r\nSubject: Hello from Mbuni\r\n" +
		"X-Mms-Delivery-Report: Yes\r\nX-Mms-Read-Report: Yes\r\nDate: Fri, 27 Nov 2026 14:17:55 GMT\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed;  boundary=_boundary_5055531_1795789075_L_v_bd1041446497\r\nX-Mbuni-Tool: mmssend\r\n" +
		"X-Mms-Message-ID: \"g-qf9075.1.x924.83@mbuni\"\r\nMessage-ID: <g-qf9075.1.x924.83@mbuni>\r\nX-Mms-3GPP-MMS-Version: 5.5.0\r\n" +
		"X-Mms-Originator-System: system-user@mms.mbuni.test\r\nX-Mms-Message-Type: MM4_forward.REQ\r\nX-Mms-Ack-Request: Yes\r\n" +
		"Sender: +16660002222/TYPE=PLMN\r\nX-Mms-Transaction-ID: \"+15550001111/TYPE=PLMN-mbuni-g-qf9075.1.x924.83\"\r\n\r\n",
	"From: \xff\xfe <\x01a@b>\r\nTo: a@b\rBcc: c@d, \"x\r\n y\" <+1555/TYPE=PLMN@z>\r\nCc: 2001:db8::1/TYPE=IPv6@d, 1.2.3.4/TYPE=IPv4, a%41/TYPE=x@y\r\n" +
		"Subject: =?utf-8?q?a=0D=0ABcc:_x?= \xc3\r\nMessage-ID: <a@b@c>\r\nIn-Reply-To: <\xff@x>\r\nContent-Type: text/plain;\x00 x\r\n" +
		"Reply-To: undisclosed-recipients:;\r\nSensitivity: company-confidential\r\n\r\n",
	"To: \"=?utf-8?q?x?=\" <+15550001111@mms.example.net>\r\nFrom: \"a  b\" <*123@x>\r\nX-Mms-Message-ID: <m1 x@y>\r\n\r\n",
	"From: =?UTF-8?Q?\\=C2=A0?= <0>\r\n\r\n",
	"To: \"a b\"@example.org, \"\\\\\" <x@example.org>\r\n\r\n",
}

// FuzzNewForwardRequest turns hostile mail headers, and a hostile envelope recipient, into an
// MM4_forward.REQ. Invariants: no panic; every error is a *mm4.FieldError (as documented); a REQ
// header written and read back has the same fields; it has only the fields NewForwardRequest
// documents (the REQ's own, once each, and the kept Content-*, In-Reply-To and References, no more
// often than the mail had them); those it writes itself are printable ASCII; mm4.Parse reads it as
// a usable MM4_forward.REQ without ignored fields, with the transaction and message IDs, sender and
// Subject given; the From display name survives; and the envelope addresses are MMS addresses.
func FuzzNewForwardRequest(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add([]byte(s), "+15550002222/TYPE=PLMN@mms.peer.example", uint8(i))
	}
	f.Add([]byte(fuzzSeeds[0]), "alice@example.org", uint8(0))
	f.Add([]byte(fuzzSeeds[0]), "5550002222", uint8(1))
	f.Fuzz(func(t *testing.T, raw []byte, rcpt string, flags uint8) {
		h, err := textproto.ReadHeader(bufio.NewReader(io.LimitReader(bytes.NewReader(raw), 1<<20)))
		if err != nil {
			return
		}
		o := fwdOptions()
		o.Form = mmsmap.Form(flags % 4)
		o.DeliveryReport = flags&4 != 0
		if flags&8 != 0 {
			o.AckRequest, o.OriginatorSystem = false, ""
		}
		if a, err := mmsmap.ParseAddress(rcpt); err == nil {
			o.Recipients = append(o.Recipients, a)
		}
		req, err := NewForwardRequest(h, o)
		if err != nil {
			var fe *mm4.FieldError
			var r *Refusal
			if !errors.As(err, &fe) && !errors.As(err, &r) {
				t.Fatalf("error %v is a %T, not a *mm4.FieldError or *Refusal", err, err)
			}
			_ = err.Error()
			return
		}
		back := fuzzReparse(t, req.Header)

		inCount := map[string]int{}
		for f := h.Fields(); f.Next(); {
			inCount[strings.ToLower(f.Key())]++
		}
		if inCount["content-type"] == 0 {
			inCount["content-type"] = 1 // the default NewForwardRequest adds
		}
		outCount := map[string]int{}
		for f := back.Fields(); f.Next(); {
			k := strings.ToLower(f.Key())
			outCount[k]++
			switch {
			case fuzzREQFields[k]:
				if outCount[k] > 1 {
					t.Fatalf("%s written %d times", f.Key(), outCount[k])
				}
				raw, _ := f.Raw()
				for _, c := range raw {
					if (c < ' ' || c > '~') && c != '\r' && c != '\n' && c != '\t' {
						t.Fatalf("%s: octet %#x in %q", f.Key(), c, raw)
					}
				}
			case k == "x-mms-previously-sent-by" || k == "x-mms-previously-sent-date-and-time":
				if outCount[k] > maxResentBlocks || !fuzzHasResent(inCount) {
					t.Fatalf("%s written %d times", f.Key(), outCount[k])
				}
			case strings.HasPrefix(k, "content-") || k == "in-reply-to" || k == "references" || k == "received":
				if outCount[k] > inCount[k] {
					t.Fatalf("%s written %d times, the mail had it %d times", f.Key(), outCount[k], inCount[k])
				}
			default:
				t.Fatalf("field %s in the REQ", f.Key())
			}
		}

		m, err := mm4.Parse(back)
		if err != nil || len(m.Ignored) != 0 {
			t.Fatalf("mm4.Parse of the REQ: %v, ignored %v", err, m.Ignored)
		}
		if m.Type != mm4.ForwardReq || m.TransactionID != o.TransactionID || m.MessageID != o.MessageID ||
			m.AckRequest != o.AckRequest || m.DeliveryReport != o.DeliveryReport || m.OriginatorSystem != o.OriginatorSystem {
			t.Fatalf("REQ parsed as %+v", *m)
		}
		sender, err := mmsmap.ParseAddress(m.Sender)
		if err != nil || m.Sender != req.MailFrom {
			t.Fatalf("Sender %q (MAIL FROM %q): %v", m.Sender, req.MailFrom, err)
		}
		from, err := mmsmap.ParseAddress(m.From)
		if err != nil || from.Value != sender.Value {
			t.Fatalf("From %q, sender %q: %v", m.From, m.Sender, err)
		}
		if v, ok := lex.FirstValue(&h, "From"); ok && len(v) <= mmsmap.MaxAddressLength {
			if a, err := mmsmap.ParseAddress(v); err == nil && a.DisplayName != from.DisplayName {
				t.Fatalf("From %q: display name %q written as %q, read back as %q", v, a.DisplayName, m.From, from.DisplayName)
			}
		}
		if m.To == nil && m.Cc == nil {
			t.Fatalf("REQ without To or Cc")
		}
		fuzzCheckRewrittenList(t, &h, "To", m.To, o.PeerDomain)
		fuzzCheckRewrittenList(t, &h, "Cc", m.Cc, o.PeerDomain)
		if v, ok := lex.FirstValue(&h, "Subject"); ok && !strings.ContainsFunc(v, func(r rune) bool { return (r < ' ' || r > '~') && r != '\t' }) && m.Subject != v {
			t.Fatalf("Subject %q sent as %q", v, m.Subject)
		}
		if len(req.RcptTo) == 0 || len(req.RcptTo) > len(o.Recipients) {
			t.Fatalf("RCPT TO %q for %d recipients", req.RcptTo, len(o.Recipients))
		}
		for _, r := range append([]string{req.MailFrom}, req.RcptTo...) {
			if _, err := mmsmap.ParseAddress(r); err != nil || strings.ContainsAny(r, "\r\n\x00<> ") {
				t.Fatalf("envelope address %q: %v", r, err)
			}
		}
	})
}

// fuzzCheckRewrittenList checks the To or Cc of a REQ against every such field of the mail: the
// same addresses in the same order and with the same display names, e-mail addresses unchanged,
// device addresses (numbers too) at the peer's domain; or, when the mail named nobody, a single
// envelope recipient or "undisclosed-recipients:;".
func fuzzCheckRewrittenList(t *testing.T, mail *textproto.Header, field string, written []string, peer string) {
	t.Helper()
	var want []mmsmap.Address
	for f := mail.Fields(); f.Next(); {
		if lex.TokenEqualFold(f.Key(), field) {
			l, err := mmsmap.ParseAddressList(lex.TrimFieldValue(f.Value()))
			if err != nil {
				t.Fatalf("%s %q accepted: %v", field, f.Value(), err)
			}
			want = append(want, l...)
		}
	}
	if len(written) > 1 {
		t.Fatalf("%d %s fields", len(written), field)
	}
	var got []mmsmap.Address
	if len(written) == 1 && written[0] != undisclosedRecipients {
		var err error
		if got, err = mmsmap.ParseAddressList(written[0]); err != nil {
			t.Fatalf("%s %q: %v", field, written[0], err)
		}
	}
	if len(want) == 0 {
		if len(got) > 1 {
			t.Fatalf("%s %q for a mail without one", field, written)
		}
		return
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d addresses written as %d: %q", field, len(want), len(got), written)
	}
	for i, a := range want {
		b := got[i]
		ok := b.DisplayName == a.DisplayName
		switch {
		case a.Type == mmsmap.TypeEmail:
			ok = ok && b == a
		case a.IsNumber():
			ok = ok && b.IsNumber() && b.Domain == peer
		default:
			ok = ok && b.Type == a.Type && b.Value == a.Value && b.Domain == peer
		}
		if !ok {
			t.Fatalf("%s: address %d %#v written as %#v in %q", field, i, a, b, written)
		}
	}
}

// fuzzHasResent reports whether a mail had a Resent-* field, given its field counts.
func fuzzHasResent(count map[string]int) bool {
	for k := range count {
		if strings.HasPrefix(k, "resent-") {
			return true
		}
	}
	return false
}

// fuzzREQFields are the fields (lower case) NewForwardRequest documents that the REQ writes itself.
var fuzzREQFields = map[string]bool{"sender": true, "from": true, "to": true, "cc": true, "subject": true,
	"date": true, "message-id": true, "mime-version": true,
	"x-mms-3gpp-mms-version": true, "x-mms-message-type": true, "x-mms-transaction-id": true, "x-mms-message-id": true,
	"x-mms-delivery-report": true, "x-mms-priority": true, "x-mms-read-reply": true, "x-mms-ack-request": true,
	"x-mms-originator-system": true, "x-mms-message-class": true, "x-mms-expiry": true, "x-mms-forward-counter": true}

// fuzzReparse writes h and reads it back with go-message; both must have the same fields in the
// same order with the same values.
func fuzzReparse(t *testing.T, h textproto.Header) textproto.Header {
	t.Helper()
	var b bytes.Buffer
	if err := textproto.WriteHeader(&b, h); err != nil {
		t.Fatalf("WriteHeader: %v", err)
	}
	text := b.String()
	back, err := textproto.ReadHeader(bufio.NewReader(&b))
	if err != nil {
		t.Fatalf("ReadHeader: %v\n%q", err, text)
	}
	if b.Len() != 0 {
		t.Fatalf("%d bytes after the header\n%q", b.Len(), text)
	}
	x, y := h.Fields(), back.Fields()
	for x.Next() {
		if !y.Next() {
			t.Fatalf("field %s lost on reading back\n%q", x.Key(), text)
		}
		if x.Key() != y.Key() || x.Value() != y.Value() {
			t.Fatalf("field %s: %q read back as %s: %q\n%q", x.Key(), x.Value(), y.Key(), y.Value(), text)
		}
	}
	if y.Next() {
		t.Fatalf("field %s injected\n%q", y.Key(), text)
	}
	return back
}
