// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// tmFuzzSeeds add to fuzzSeeds the cases of RFC 4356 §2.1.3.2 ToInternetMail maps.
var tmFuzzSeeds = []string{
	"X-Mms-Priority: High\r\nX-Mms-Read-Reply: Yes\r\nX-Mms-Message-Class: Auto\r\nFrom: \"Al\" <+15550001111/TYPE=PLMN@p.example>\r\n" +
		"To: 5550002222\r\nTo: b@x.example\r\nCc: c@x.example\r\nCc: 5550003333\r\nImportance: Low\r\nPrecedence: list\r\n\r\n",
	"X-Mms-Previously-sent-by: 0, +15551110000/TYPE=PLMN\r\nX-Mms-Previously-sent-date-and-time: 0, Mon, 30 Jun 2025 08:00:00 +0000\r\n" +
		"X-Mms-Previously-sent-by: 1, c@x.example\r\nX-Mms-Previously-sent-date-and-time: 1, Sunday, 06-Nov-94 08:49:37 GMT\r\n" +
		"From: +15553330000\r\nTo: +15554440000\r\nDate: Tue, 01 Jul 2025 10:00:00 +0000\r\nMessage-ID: <m@x>\r\n\r\n",
	"Received: from a by b; envelope-sender <+15551234567/TYPE=PLMN@p>; Tue, 01 Jul 2025 09:00:00 +0000\r\nX-Mms-Sender-Visibility: Hide\r\n" +
		"From: +1-555-123-4567\r\nReply-To: r@x.example\r\nSubject: =?utf-8?q?5551?= =?utf-8?q?234567?= 555-123-4567\r\nX-Mms-Message-ID: \"+15551234567-1\"\r\n\r\n",
	"X-Mms-Reply-Charging: Accepted (text only)\r\nX-Mms-Reply-Charging-ID: x\r\nSensitivity: Company-Confidential\r\nTo: a@b.example\r\n\r\n",
	"Sensitivity: private\r\nTo: a@b.example\r\n\r\n",
	"X-Mms-Sender-Visibility: Hide\r\nFrom: \"x\" <+15551234567/TYPE=PLMN@p>\r\nX-Mms-Previously-sent-by: 0, 5551234567/TYPE=PLMN\r\n" +
		"X-Mms-Previously-sent-date-and-time: 0, Mon, 30 Jun 2025 08:00:00 +0000\r\nTo: +15551234567\r\nKeywords: 15551234567\r\n\r\n",
	"Subject: Grüße =?UTF-8?Q?K=C3=B6ln?= \xff\r\nBcc: a@b.example\r\nResent-Bcc: c@d.example\r\nResent-To: 5550001111\r\n\r\n",
}

// tmFuzzDigits is the national number of the hidden sender the fuzz target looks for, when the
// From of the input is that number.
const tmFuzzDigits = "5551234567"

// FuzzToInternetMail shows hostile headers read from the wire as Internet mail, into a local
// mailbox and towards the Internet. Invariants:
//   - no panic; an error is a *Refusal, exactly when the input asks for one (more than 100
//     Received fields, a personal or private Sensitivity; towards the Internet a hidden sender or
//     a reply-charging usage);
//   - the result written and read back has the same fields; none holds a control octet; the
//     first is the added Received field "with MMS";
//   - no X-Mms-*, Sender, Bcc or Resent-Bcc field; one Date and one Message-ID; at most one From,
//     To, Cc, Reply-To, Importance, Disposition-Notification-To and Precedence; a To or a Cc;
//   - every field ToInternetMail does not write itself is the input's, in the input's order;
//   - Date and Resent-Date read with net/mail; From, To, Cc and Reply-To read with net/mail, and
//     mmsmap reads them back as the same addresses, when mmsmap read the input's;
//   - a hidden sender whose From is the number +1 555 123 4567, in any form, appears in no field
//     (Content-* and MIME-Version aside).
func FuzzToInternetMail(f *testing.F) {
	for _, s := range append(append([]string{}, fuzzSeeds...), tmFuzzSeeds...) {
		f.Add([]byte(s))
	}
	fixed := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		h, err := textproto.ReadHeader(bufio.NewReader(io.LimitReader(bytes.NewReader(raw), 1<<20)))
		if err != nil {
			return
		}
		for _, internet := range []bool{false, true} {
			view := MailView{Domain: tmFuzzDomain, Plan: nanp, Now: func() time.Time { return fixed },
				Internet: internet, ReceivedFrom: "peer", ReceivedBy: "me", ReceivedID: "1"}
			out, err := ToInternetMail(h, view)
			want := tmFuzzRefusal(&h, internet)
			if err != nil {
				var r *Refusal
				if !errors.As(err, &r) {
					t.Fatalf("internet=%v: error %v is a %T, not a *Refusal", internet, err, err)
				}
				if want == "" {
					t.Fatalf("internet=%v: refused (%v) for no reason", internet, err)
				}
				if r.Field != want {
					t.Fatalf("internet=%v: refused for %s, want %s", internet, r.Field, want)
				}
				_ = r.Error()
				continue
			}
			if want != "" {
				t.Fatalf("internet=%v: not refused, want a refusal for %s", internet, want)
			}
			tmFuzzCheck(t, &h, tmFuzzReparse(t, out), !internet)
		}
	})
}

// tmFuzzDomain is the MailView.Domain of FuzzToInternetMail.
const tmFuzzDomain = "mms.example.net"

// tmFuzzRefusal returns the Field of the Refusal the input asks for, or "".
func tmFuzzRefusal(h *textproto.Header, internet bool) string {
	received, sensitive, hide, charging, chargingID := 0, false, false, false, false
	for f := h.Fields(); f.Next(); {
		k, v := strings.ToLower(f.Key()), strings.ToLower(strings.Trim(f.Value(), " \t"))
		switch k {
		case "received":
			received++
		case "sensitivity":
			// The value's first RFC 2045 token: it ends at a space, a
			// tspecial or any octet outside printable ASCII.
			tok := v
			if i := strings.IndexFunc(v, func(r rune) bool {
				return r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?=", r)
			}); i >= 0 {
				tok = v[:i]
			}
			sensitive = sensitive || tok == "personal" || tok == "private"
		case "x-mms-sender-visibility":
			hide = hide || v == "hide"
		case "x-mms-reply-charging":
			var letters strings.Builder
			for _, c := range []byte(v) {
				if 'a' <= c && c <= 'z' {
					letters.WriteByte(c)
				}
			}
			charging = charging || letters.String() == "accepted" || letters.String() == "acceptedtextonly"
		case "x-mms-reply-charging-id":
			chargingID = chargingID || v != ""
		}
	}
	switch {
	case received > DefaultMaxReceived:
		return "Received"
	case sensitive:
		return "Sensitivity"
	case internet && hide:
		return "X-Mms-Sender-Visibility"
	case internet && charging && chargingID:
		return "X-Mms-Reply-Charging"
	}
	return ""
}

// tmWritten are the fields ToInternetMail writes itself (lower case), at most once each (Resent-*
// may repeat, in the blocks it adds on top).
var tmWritten = map[string]bool{"from": true, "to": true, "cc": true, "reply-to": true, "date": true, "message-id": true,
	"importance": true, "disposition-notification-to": true, "precedence": true}

// tmFuzzCheck checks the output header back against the input header in.
func tmFuzzCheck(t *testing.T, in *textproto.Header, back textproto.Header, local bool) {
	t.Helper()
	// The input's fields that pass through, in order; its address fields by name.
	var passed []string
	inValues := map[string][]string{}
	hidden := false
	for f := in.Fields(); f.Next(); {
		k := strings.ToLower(f.Key())
		inValues[k] = append(inValues[k], f.Value())
		if k == "x-mms-sender-visibility" && strings.EqualFold(strings.Trim(f.Value(), " \t"), "hide") {
			hidden = true
		}
		if strings.HasPrefix(k, "x-mms-") || k == "sender" || k == "bcc" || k == "resent-bcc" || tmWritten[k] {
			continue
		}
		passed = append(passed, k)
	}
	hidden = hidden && local

	count := map[string]int{}
	i, first := 0, true
	for f := back.Fields(); f.Next(); {
		k := strings.ToLower(f.Key())
		raw, _ := f.Raw()
		if fuzzControlOctetTM(raw) {
			t.Fatalf("control octet in %q", raw)
		}
		count[k]++
		if first {
			if k != "received" || !strings.Contains(f.Value(), " with MMS") {
				t.Fatalf("first field %s: %q, not our Received", f.Key(), f.Value())
			}
			first = false
			continue
		}
		switch {
		case strings.HasPrefix(k, "x-mms-") || k == "sender" || k == "bcc" || k == "resent-bcc":
			t.Fatalf("field %s written", f.Key())
		case tmWritten[k]:
			if count[k] > 1 {
				t.Fatalf("%d %s fields", count[k], f.Key())
			}
		case i < len(passed) && passed[i] == k:
			i++
		case strings.HasPrefix(k, "resent-") && i == 0:
			// A Resent block added on top.
		default:
			t.Fatalf("field %s out of place (after %d of %d input fields %v)", f.Key(), i, len(passed), passed)
		}
		if k == "date" || k == "resent-date" {
			if _, err := mail.ParseDate(f.Value()); err != nil {
				t.Fatalf("%s: %q: %v", f.Key(), f.Value(), err)
			}
		}
	}
	if i != len(passed) {
		t.Fatalf("field %s lost", passed[i])
	}
	if count["date"] != 1 || count["message-id"] != 1 || count["to"]+count["cc"] == 0 {
		t.Fatalf("%d Date, %d Message-ID, %d To, %d Cc", count["date"], count["message-id"], count["to"], count["cc"])
	}

	// Address fields read back, when the input's did.
	resend := len(inValues["x-mms-previously-sent-by"])+len(inValues["x-mms-previously-sent-date-and-time"]) > 0
	for _, k := range []string{"from", "to", "cc", "reply-to"} {
		out, ok := back.Values(k), len(back.Values(k)) == 1
		if !ok || hidden || resend && (k != "reply-to") {
			continue
		}
		var addrs []mmsmap.Address
		good := true
		for _, v := range inValues[k] {
			a, err := mmsmap.ParseAddressList(v)
			if err != nil {
				good = false
			}
			if k == "from" {
				addrs = append(addrs, a...)
				break
			}
			addrs = append(addrs, a...)
		}
		if !good || len(addrs) == 0 {
			continue
		}
		tmFuzzCheckAddresses(t, k, addrs, out[0])
	}

	if hidden && tmFuzzFromIsHidden(inValues["from"]) {
		tmCheckHidden(t, back, tmFuzzDigits)
	}
}

// tmFuzzCheckAddresses checks that a rewritten list reads, with net/mail and mmsmap, as the
// addresses of the input: e-mail addresses unchanged, numbers at the view's domain, other device
// addresses as the display name of its postmaster, display names unchanged.
func tmFuzzCheckAddresses(t *testing.T, k string, addrs []mmsmap.Address, out string) {
	t.Helper()
	list, err := mail.ParseAddressList(out)
	if err != nil || len(list) != len(addrs) {
		t.Fatalf("%s: %v rewritten as %q: net/mail reads %d of %d mailboxes: %v", k, addrs, out, len(list), len(addrs), err)
	}
	again, err := mmsmap.ParseAddressList(out)
	if err != nil || len(again) != len(addrs) {
		t.Fatalf("%s: rewritten as %q: mmsmap reads %d of %d addresses: %v", k, out, len(again), len(addrs), err)
	}
	for i, a := range addrs {
		b := again[i]
		var ok bool
		switch {
		case a.Type == mmsmap.TypeEmail:
			ok = b == a
		case a.IsNumber():
			ok = b.IsNumber() && b.Domain == tmFuzzDomain && b.DisplayName == a.DisplayName
		default:
			ok = b.Type == mmsmap.TypeEmail && b.Domain == tmFuzzDomain && b.DisplayName == a.DeviceAddress()
		}
		if !ok || list[i].Address != b.Value+"@"+b.Domain || list[i].Name != b.DisplayName {
			t.Fatalf("%s: rewritten as %q: address %d %#v read back as %#v (net/mail: %q)", k, out, i, a, b, list[i].Address)
		}
	}
}

// tmFuzzFromIsHidden reports whether the first From of the input is +1 555 123 4567 as mmsmap
// reads it (normalised by nanp).
func tmFuzzFromIsHidden(from []string) bool {
	if len(from) == 0 {
		return false
	}
	addrs, err := mmsmap.ParseAddressList(from[0])
	if err != nil || len(addrs) == 0 {
		return false
	}
	a, err := nanp.NormalizeAddress(addrs[0])
	return err == nil && a.Value == "+1"+tmFuzzDigits
}

// fuzzControlOctetTM reports whether a raw header field holds a control octet other than HTAB and
// the CRLF (or LF) of a line end.
func fuzzControlOctetTM(raw []byte) bool {
	for i, c := range raw {
		if c == '\r' && i+1 < len(raw) && raw[i+1] == '\n' || c == '\n' || c == '\t' {
			continue
		}
		if c < ' ' || c == 0x7f {
			return true
		}
	}
	return false
}

// tmFuzzReparse writes h and reads it back with go-message; both must have the same fields in the
// same order with the same values.
func tmFuzzReparse(t *testing.T, h textproto.Header) textproto.Header {
	t.Helper()
	var b bytes.Buffer
	if err := textproto.WriteHeader(&b, h); err != nil {
		t.Fatalf("WriteHeader: %v", err)
	}
	text := b.String()
	back, err := textproto.ReadHeader(bufio.NewReader(&b))
	if err != nil || b.Len() != 0 {
		t.Fatalf("ReadHeader: %v (%d bytes after the header)\n%q", err, b.Len(), text)
	}
	x, y := h.Fields(), back.Fields()
	for x.Next() {
		if !y.Next() || !lex.TokenEqualFold(x.Key(), y.Key()) || x.Value() != y.Value() {
			t.Fatalf("field %s: %q not read back the same\n%q", x.Key(), x.Value(), text)
		}
	}
	if y.Next() {
		t.Fatalf("field %s injected\n%q", y.Key(), text)
	}
	return back
}
