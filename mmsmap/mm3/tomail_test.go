// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"bufio"
	"fmt"
	"net/mail"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"
	"time"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/msgtest"
)

var nanp = mmsmap.NumberPlan{CountryCode: "1", InternationalPrefixes: []string{"011"}, NationalPrefixes: []string{"1"},
	NationalLengths: []int{10}, ShortCodeMaxLength: 6, BareInternational: true}

func TestToInternetMail(t *testing.T) {
	fixed := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	view := MailView{Domain: "mms.example.net", Plan: nanp, Now: func() time.Time { return fixed }}
	for _, tc := range []struct {
		name, in string
		want     []string // lines expected in the output header, in this order
		absent   []string // substrings that must not appear
	}{
		{
			name: "forward REQ",
			in: `X-Mms-3GPP-MMS-Version: 5.5.0
X-Mms-Message-Type: MM4_forward.REQ
X-Mms-Transaction-ID: "t1"
X-Mms-Message-ID: "m1@peer"
x-mms-originator-r/s-delivery-report: No
From: +48600000001/TYPE=PLMN@mms.peer.example
To: +15550001111/TYPE=PLMN@mms.example.net, 5550002222/type=plmn
Cc: "Bob Example" <bob@internet.example>
Sender: +48600000001/TYPE=PLMN@mms.peer.example
Subject: =?UTF-8?B?SMOp?=
Date: Tue, 01 Jul 2025 10:00:00 +0000
Message-ID: <abc@mms.peer.example>
MIME-Version: 1.0
Content-Type: multipart/related; boundary="b1"`,
			want: []string{
				"From: <+48600000001@mms.example.net>",
				"To: <+15550001111@mms.example.net>, <+15550002222@mms.example.net>",
				`Cc: "Bob Example" <bob@internet.example>`,
				"Subject: =?UTF-8?B?SMOp?=",
				"Date: Tue, 01 Jul 2025 10:00:00 +0000",
				"Message-ID: <abc@mms.peer.example>",
				"MIME-Version: 1.0",
				`Content-Type: multipart/related; boundary="b1"`,
			},
			absent: []string{"X-Mms", "x-mms", "Sender:", "TYPE=PLMN"},
		},
		{
			name: "no Message-ID, no Date: derived and supplied",
			in: `X-Mms-Message-Type: MM4_forward.REQ
X-Mms-Message-ID: "mm 7"
From: 12345/TYPE=PLMN
To: +15550001111`,
			want: []string{
				"From: <12345@mms.example.net>",
				"To: <+15550001111@mms.example.net>",
				"Message-ID: <mm7@mms.example.net>",
				"Date: Sun, 22 Nov 2026 10:00:00 +0000",
			},
		},
		{
			name: "unparseable From kept as written, other device types shown by name",
			in: `From: not an address <<<
To: 192.0.2.1/TYPE=IPv4@mms.example.net
Date: Tue, 01 Jul 2025 10:00:00 +0000`,
			want: []string{
				"From: not an address <<<",
				`To: "192.0.2.1/TYPE=IPv4" <postmaster@mms.example.net>`,
			},
		},
		{
			name: "folded header kept byte for byte",
			in:   "Subject: a long\n subject\nDate: Tue, 01 Jul 2025 10:00:00 +0000\nMessage-ID: <x@y>",
			want: []string{"Subject: a long", " subject"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ToInternetMail(msgtest.Header(t, tc.in), view)
			if err != nil {
				t.Fatal(err)
			}
			text := msgtest.Text(t, out)
			lines := strings.Split(strings.TrimSuffix(text, "\r\n\r\n"), "\r\n")
			i := 0
			for _, l := range lines {
				if i < len(tc.want) && l == tc.want[i] {
					i++
				}
			}
			if i != len(tc.want) {
				t.Errorf("missing or out of order: %q\ngot:\n%s", tc.want[i], text)
			}
			for _, a := range tc.absent {
				if strings.Contains(text, a) {
					t.Errorf("output contains %q:\n%s", a, text)
				}
			}
			// A second parser agrees it is a well-formed header.
			m, err := mail.ReadMessage(strings.NewReader(text))
			if err != nil {
				t.Fatalf("net/mail: %v", err)
			}
			if _, err := m.Header.AddressList("From"); err != nil && strings.Contains(tc.in, "From: +") {
				t.Errorf("net/mail cannot read From: %v", err)
			}
		})
	}
}

func TestToInternetMailHostile(t *testing.T) {
	view := MailView{Domain: "mms.example.net", Plan: nanp}
	// 10,000 recipients in one To: every one rewritten, still one valid field.
	var to []string
	for i := 0; i < 10000; i++ {
		to = append(to, fmt.Sprintf("+1555000%04d/TYPE=PLMN@mms.peer.example", i))
	}
	h := msgtest.Header(t, "From: +15550001111\nTo: "+strings.Join(to, ",\n ")+"\nDate: Tue, 01 Jul 2025 10:00:00 +0000")
	out, err := ToInternetMail(h, view)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(strings.NewReader(msgtest.Text(t, out)))
	if err != nil {
		t.Fatal(err)
	}
	list, err := m.Header.AddressList("To")
	if err != nil || len(list) != 10000 || list[9999].Address != "+15550009999@mms.example.net" {
		t.Fatalf("To: %d addresses, err %v", len(list), err)
	}

	// Non-UTF-8 and control bytes in an address field never produce a
	// broken header.
	h = msgtest.Header(t, "From: \xff\xfe <\x01a@b>\nDate: Tue, 01 Jul 2025 10:00:00 +0000")
	out, err = ToInternetMail(h, view)
	if err != nil {
		t.Fatal(err)
	}
	if text := msgtest.Text(t, out); strings.ContainsRune(text, 1) {
		t.Errorf("control character kept: %q", text)
	}
}

func TestToInternetMailControlOctets(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	for _, bad := range []string{"\r", "\x00", "\x1b", "\x7f"} {
		for _, eol := range []string{"\r\n", "\n"} {
			raw := "X-Mms-Message-ID: \"m1\"" + eol +
				"Subject: he" + bad + "llo" + eol +
				"Date: Tue, 01 Jul 202" + bad + "5 10:00:00 +0000" + eol +
				"Message-ID: <x" + bad + "@peer.example>" + eol +
				"Keywords: fine" + eol + eol
			h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(raw)))
			if err != nil {
				t.Fatalf("%q: %v", bad, err)
			}
			out, err := ToInternetMail(h, MailView{Domain: "mms.example.net", Now: now})
			if err != nil {
				t.Fatalf("%q: %v", bad, err)
			}
			var b strings.Builder
			if err := textproto.WriteHeader(&b, out); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			if strings.Contains(strings.ReplaceAll(got, "\r\n", ""), bad) {
				t.Errorf("%q (eol %q) kept: %q", bad, eol, got)
			}
			for _, want := range []string{"Subject: hello\r\n", "Date: Fri, 02 Jan 2026 03:04:05 +0000\r\n", "Message-ID: <m1@mms.example.net>\r\n", "Keywords: fine\r\n"} {
				if !strings.Contains(got, want) {
					t.Errorf("%q (eol %q): %q lacks %q", bad, eol, got, want)
				}
			}
		}
	}
}
