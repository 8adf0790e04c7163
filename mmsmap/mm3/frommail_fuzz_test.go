// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// fwdRulesSeeds add to fuzzSeeds the fields of RFC 4356 §2.1.3.3 that FuzzNewForwardRequest leaves
// out: Resent-* blocks, the sender's X-Mms-* fields, long runs of text, Received.
var fwdRulesSeeds = []string{
	"Resent-From: +15550001111@mms.example.net\r\nResent-Date: Thu, 03 Jul 2025 10:00:00 +0000\r\nResent-Message-ID: <r@x>\r\n" +
		"Received: from x by y; Thu, 03 Jul 2025 10:00:00 +0000\r\nResent-Sender: <011-49-151-12345678@e.example>\r\n" +
		"Resent-Date: Tue, 01 Jul 2025 10:00:00 +0000\r\nResent-From: a@b.example\r\nResent-From: c@d.example\r\n" +
		"From: Bob <5550002222@mms.example.net>\r\nTo: +4915112345678@mms.mnc001.mcc262.gprs\r\nDate: Mon, 30 Jun 2025 08:00:00 -0400\r\n\r\n",
	"X-Mms-Delivery-Report: yes\r\nX-Mms-Read-Report: Yes\r\nX-Mms-Expiry: Wed, 02 Jul 2025 10:00:00 GMT\r\nX-Mms-Priority: HIGH\r\n" +
		"X-Mms-Message-Class: advertisement\r\nX-Mms-Sender-Visibility: Hide\r\nImportance: normal\r\nX-Priority: 1\r\n" +
		"From: +15550001111@mms.example.net\r\nTo: +4915112345678@mms.mnc001.mcc262.gprs\r\n\r\n",
	"Subject: " + strings.Repeat("x", 1200) + "\r\nReferences: " + strings.Repeat("<a@b> ", 300) + "\r\nTo: a@b.example\r\n\r\n",
	"X-Mms-Expiry: 99999999999999999999\r\nX-Mms-Priority: \x01\r\nSensitivity: private\r\nTo: a@b.example\r\n\r\n",
}

// FuzzForwardRules turns hostile mail headers into an MM4_forward.REQ with the options of RFC 4356
// §2.1.3.3 set at random (ClientFields, ReadReply, DeliverBy, Auto, DeliveryReport). Invariants: no
// panic; an error is a *mm4.FieldError or a *Refusal with an SMTP-safe message; no line of the REQ is
// over 998 octets and every field is printable ASCII (the REQ travels over 7-bit SMTP); mm4.Parse
// reads a usable REQ without ignored fields, whose DeliveryReport and ReadReply are the result's and
// at least what the options ask; X-Mms-Expiry is at most DeliverBy when that is set; a class is
// always one of TS 23.140's, Auto when Auto; X-Mms-Forward-Counter counts the Resent blocks and the
// X-Mms-Previously-sent-* entries are "index, value" with increasing indexes below it, at most
// maxResentBlocks of each; no Resent-* or Bcc field is written.
func FuzzForwardRules(f *testing.F) {
	for i, s := range append(append([]string(nil), fuzzSeeds...), fwdRulesSeeds...) {
		f.Add([]byte(s), uint8(i), uint32(3600))
	}
	f.Fuzz(func(t *testing.T, raw []byte, flags uint8, deliverBy uint32) {
		h, err := textproto.ReadHeader(bufio.NewReader(io.LimitReader(bytes.NewReader(raw), 1<<20)))
		if err != nil {
			return
		}
		o := fwdOptions()
		o.ClientFields = flags&1 != 0
		o.ReadReply = flags&2 != 0
		o.Auto = flags&4 != 0
		o.DeliveryReport = flags&8 != 0
		if flags&16 != 0 {
			o.DeliverBy = time.Duration(deliverBy) * time.Millisecond
		}
		req, err := NewForwardRequest(h, o)
		if err != nil {
			var fe *mm4.FieldError
			var r *Refusal
			if !errors.As(err, &fe) && !errors.As(err, &r) {
				t.Fatalf("error %v is a %T", err, err)
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\r\n\x00") || len(msg) > 400 {
				t.Fatalf("error message unsafe for an SMTP reply: %q", msg)
			}
			return
		}
		back := fuzzReparse(t, req.Header)
		for f := back.Fields(); f.Next(); {
			raw, _ := f.Raw()
			if !fwdLinesFit(raw) {
				t.Fatalf("%s: a line over 998 octets", f.Key())
			}
			k := strings.ToLower(f.Key())
			if strings.HasPrefix(k, "resent-") || k == "bcc" {
				t.Fatalf("%s written", f.Key())
			}
			if !strings.HasPrefix(k, "content-") && !printableASCII(string(raw)) {
				t.Fatalf("%s: not printable ASCII: %q", f.Key(), raw)
			}
		}
		m, err := mm4.Parse(back)
		if err != nil || len(m.Ignored) != 0 {
			t.Fatalf("mm4.Parse of the REQ: %v, ignored %v", err, m.Ignored)
		}
		if m.DeliveryReport != req.DeliveryReport || m.ReadReply != req.ReadReply ||
			o.DeliveryReport && !m.DeliveryReport || o.ReadReply && !m.ReadReply {
			t.Fatalf("DeliveryReport %v, ReadReply %v; result %v, %v", m.DeliveryReport, m.ReadReply, req.DeliveryReport, req.ReadReply)
		}
		if o.DeliverBy > 0 && (m.Expiry.Relative == 0 && m.Expiry.Absolute.IsZero() ||
			m.Expiry.Relative > o.DeliverBy+time.Second || !m.Expiry.Absolute.IsZero() && m.Expiry.Absolute.After(o.Now.Add(o.DeliverBy))) {
			t.Fatalf("DeliverBy %v, X-Mms-Expiry %+v", o.DeliverBy, m.Expiry)
		}
		if o.Auto && m.MessageClass != "Auto" || writeDefaultClass && m.MessageClass == "" {
			t.Fatalf("class %q (Auto %v)", m.MessageClass, o.Auto)
		}
		resent := 0
		open, names := false, map[string]bool{}
		for f := h.Fields(); f.Next(); {
			k := strings.ToLower(f.Key())
			if !strings.HasPrefix(k, "resent-") || len(k) > lex.MaxFieldNameLength {
				open = false
				continue
			}
			known := lex.ContainsFold(fwdResentNames, k)
			if !open || known && names[k] {
				resent++
				open, names = true, map[string]bool{}
			}
			names[k] = known
		}
		if m.ForwardCounter != resent {
			t.Fatalf("X-Mms-Forward-Counter %d for %d Resent blocks", m.ForwardCounter, resent)
		}
		for _, name := range []string{mm4.HdrPreviouslySentBy, mm4.HdrPreviouslySentDate} {
			last := -1
			values := fwdValues(back, name)
			if len(values) > maxResentBlocks || resent == 0 && len(values) > 0 {
				t.Fatalf("%d %s for %d Resent blocks", len(values), name, resent)
			}
			for _, v := range values {
				index, value, ok := strings.Cut(v, ", ")
				n, err := strconv.Atoi(index)
				if !ok || err != nil || n <= last || n >= resent || value == "" {
					t.Fatalf("%s: %q (after index %d, %d blocks)", name, v, last, resent)
				}
				last = n
				if name == mm4.HdrPreviouslySentDate {
					if _, err := time.Parse(fwdHTTPDate, value); err != nil {
						t.Fatalf("%s: %q: %v", name, v, err)
					}
				}
			}
		}
	})
}
