// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"bufio"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/msgtest"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

var nanp = mmsmap.NumberPlan{CountryCode: "1", InternationalPrefixes: []string{"011"}, NationalPrefixes: []string{"1"},
	NationalLengths: []int{10}, ShortCodeMaxLength: 6, BareInternational: true}

// tmFixed is the clock of the ToInternetMail tests.
var tmFixed = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// tmView is the MailView of the ToInternetMail tests: a local mailbox at mms.example.net.
func tmView() MailView {
	return MailView{Domain: "mms.example.net", Plan: nanp, Now: func() time.Time { return tmFixed },
		ReceivedFrom: "mms.peer.example", ReceivedBy: "mms.example.net", ReceivedID: "tx1"}
}

// tmReceived is the Received field tmView adds.
const tmReceivedLine = "Received: from mms.peer.example by mms.example.net with MMS id tx1; Sun, 22 Nov 2026 10:00:00 +0000"

// tmMadeID matches a Message-ID ToInternetMail made up.
var tmMadeID = regexp.MustCompile(`^Message-ID: <[0-9a-z]+\.[0-9a-f]{24}@mms\.example\.net>$`)

// tmCase is one table-driven ToInternetMail case: the output header, unfolded, must hold the lines
// of want in this order (a line "~re" is a regular expression), none of absent as a substring,
// and count[name] fields of each name listed.
type tmCase struct {
	name     string
	view     func(*MailView)
	in       string
	want     []string
	absent   []string
	count    map[string]int
	refusal  *Refusal // the error expected (Field, Rule and a Reason prefix), nil for none
	exactOut bool     // want is the whole output, line by line
}

// TestToInternetMailRules runs the tables of the rules of RFC 4356 §2.1.3.2, one subtest each,
// then reads every message they made with Python's email package, in one run (it is slow to
// start): none may have a defect.
func TestToInternetMailRules(t *testing.T) {
	var py tmPyBatch
	for _, r := range []struct {
		name string
		f    func(*testing.T, *tmPyBatch)
	}{
		{"Basic", tmRuleBasic},
		{"Removed", tmRuleRemoved},
		{"MessageID", tmRuleMessageID},
		{"Recipients", tmRuleRecipients},
		{"Priority", tmRulePriority},
		{"ReadReply", tmRuleReadReply},
		{"Resending", tmRuleResending},
		{"Received", tmRuleReceived},
		{"Loop", tmRuleLoop},
		{"HiddenSender", tmRuleHiddenSender},
		{"ReplyCharging", tmRuleReplyCharging},
		{"Sensitivity", tmRuleSensitivity},
		{"Subject", tmRuleSubject},
		{"Precedence", tmRulePrecedence},
	} {
		t.Run(r.name, func(t *testing.T) { r.f(t, &py) })
	}
	for i, v := range tmPython(t, py.msgs) {
		if len(v.Defects) != 0 {
			t.Errorf("%s: Python's email package finds defects: %q\n%s", py.names[i], v.Defects, py.msgs[i])
		}
	}
}

// tmPyBatch collects converted messages for one run of Python's parser.
type tmPyBatch struct {
	msgs  [][]byte
	names []string
}

func runTMCases(t *testing.T, py *tmPyBatch, cases []tmCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := tmView()
			if tc.view != nil {
				tc.view(&v)
			}
			out, err := ToInternetMail(msgtest.Header(t, tc.in), v)
			if tc.refusal != nil {
				var r *Refusal
				if !errors.As(err, &r) {
					t.Fatalf("err = %v (%T), want a *Refusal", err, err)
				}
				if r.Field != tc.refusal.Field || r.Rule != tc.refusal.Rule || !strings.HasPrefix(r.Reason, tc.refusal.Reason) {
					t.Fatalf("refusal = %+v, want %+v", *r, *tc.refusal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			text := msgtest.Text(t, out)
			lines := tmLines(text)
			if tc.exactOut {
				if len(lines) != len(tc.want) {
					t.Errorf("got %d lines, want %d:\n%s", len(lines), len(tc.want), text)
				}
			}
			i := 0
			for _, l := range lines {
				if i < len(tc.want) && tmLineMatches(tc.want[i], l) {
					i++
				} else if tc.exactOut && i < len(tc.want) {
					t.Errorf("line %q, want %q", l, tc.want[i])
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
			for name, n := range tc.count {
				if got := len(out.Values(name)); got != n {
					t.Errorf("%d %s fields, want %d:\n%s", got, name, n, text)
				}
			}
			tmCheckMail(t, text+"body\r\n")
			if !tmUnparseableInput(tc.in) {
				py.msgs, py.names = append(py.msgs, []byte(text+tmBody(out.Get("Content-Type")))), append(py.names, t.Name())
			}
		})
	}
}

// tmBody returns a body that fits the Content-Type: one part for a multipart.
func tmBody(contentType string) string {
	if t, params, err := mime.ParseMediaType(contentType); err == nil && strings.HasPrefix(t, "multipart/") && params["boundary"] != "" {
		return "--" + params["boundary"] + "\r\n\r\nbody\r\n--" + params["boundary"] + "--\r\n"
	}
	return "body\r\n"
}

// tmLines returns the fields of a written header, unfolded, one a line.
func tmLines(text string) []string {
	text = strings.TrimSuffix(text, "\r\n\r\n")
	text = strings.ReplaceAll(text, "\r\n ", " ")
	text = strings.ReplaceAll(text, "\r\n\t", "\t")
	return strings.Split(text, "\r\n")
}

func tmLineMatches(want, got string) bool {
	if re, ok := strings.CutPrefix(want, "~"); ok {
		return regexp.MustCompile("^" + re + "$").MatchString(got)
	}
	return want == got
}

// tmCheckMail checks a converted message with net/mail: it reads, its address fields parse (From,
// To, Cc, Reply-To, Disposition-Notification-To, Resent-From/-To/-Cc, each occurrence), its Date
// and Resent-Date parse, and it has one Date and one Message-ID.
func tmCheckMail(t *testing.T, msg string) *mail.Message {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(msg))
	if err != nil {
		t.Fatalf("net/mail: %v\n%s", err, msg)
	}
	for _, name := range []string{"From", "To", "Cc", "Reply-To", "Disposition-Notification-To", "Resent-From", "Resent-To", "Resent-Cc"} {
		for _, v := range m.Header[name] {
			if _, err := (&mail.Header{name: {v}}).AddressList(name); err != nil && !tmUnparseableInput(v) {
				t.Errorf("net/mail cannot read %s: %q: %v", name, v, err)
			}
		}
	}
	for _, name := range []string{"Date", "Resent-Date"} {
		for _, v := range m.Header[name] {
			if _, err := mail.ParseDate(v); err != nil {
				t.Errorf("net/mail cannot read %s: %q: %v", name, v, err)
			}
		}
	}
	if n := len(m.Header["Date"]); n != 1 {
		t.Errorf("%d Date fields", n)
	}
	if n := len(m.Header["Message-Id"]); n != 1 {
		t.Errorf("%d Message-ID fields", n)
	}
	return m
}

// tmUnparseableInput reports whether an address value is one the tests give unparseable on
// purpose (ToInternetMail keeps what it cannot read as written).
func tmUnparseableInput(v string) bool {
	return strings.Contains(v, "<<<")
}

func tmRuleBasic(t *testing.T, py *tmPyBatch) {
	runTMCases(t, py, []tmCase{
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
				tmReceivedLine,
				"From: <+48600000001@mms.example.net>",
				"To: <+15550001111@mms.example.net>, <+15550002222@mms.example.net>",
				`Cc: "Bob Example" <bob@internet.example>`,
				"Subject: =?UTF-8?B?SMOp?=",
				"Date: Tue, 01 Jul 2025 10:00:00 +0000",
				"Message-ID: <abc@mms.peer.example>",
				"MIME-Version: 1.0",
				`Content-Type: multipart/related; boundary="b1"`,
			},
			exactOut: true,
			absent:   []string{"X-Mms", "x-mms", "Sender:", "TYPE=PLMN"},
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
			in:   "Subject: a long\n subject\nDate: Tue, 01 Jul 2025 10:00:00 +0000\nMessage-ID: <x@y>\nTo: a@b.example",
			want: []string{"Subject: a long subject"},
		},
		{
			name:  "fields outside Table 1 pass unchanged, in order",
			in:    "X-Mailer: Foo 1.0\nTo: a@b.example\nKeywords: k1, k2\nIn-Reply-To: <p@x>\nX-Custom: \"quoted\" (comment)\nDate: Tue, 01 Jul 2025 10:00:00 +0000\nMessage-ID: <x@y>",
			want:  []string{tmReceivedLine, "X-Mailer: Foo 1.0", "To: <a@b.example>", "Keywords: k1, k2", "In-Reply-To: <p@x>", `X-Custom: "quoted" (comment)`},
			count: map[string]int{"Received": 1},
		},
	})
}

// Rule 1: X-Mms-* removed, Sender dropped.
func tmRuleRemoved(t *testing.T, py *tmPyBatch) {
	runTMCases(t, py, []tmCase{{
		name: "every X-Mms field of Table 1, any case, and Sender",
		in: `X-Mms-3GPP-MMS-Version: 6.10.0
X-MMS-MESSAGE-TYPE: MM4_forward.REQ
x-mms-transaction-id: t
X-Mms-Expiry: 3600
X-Mms-Delivery-Time: 60
X-Mms-Delivery-Report: Yes
X-Mms-Priority: Normal
X-Mms-Sender-Visibility: Show
X-Mms-Read-Reply: No
X-Mms-Forward-Counter: 2
X-Mms-Reply-Charging: Requested
X-Mms-Reply-Charging-Deadline: 3600
X-Mms-Reply-Charging-Size: 1000
X-Mms-Reply-Charging-ID: abc
X-Mms-Ack-Request: Yes
X-Mms-Originator-System: system-user@mms.peer.example
Sender: +15550001111/TYPE=PLMN@mms.peer.example
From: +15550001111/TYPE=PLMN@mms.peer.example
To: +15550002222/TYPE=PLMN@mms.example.net`,
		absent: []string{"X-Mms", "X-MMS", "x-mms", "Sender:", "Importance", "Disposition"},
		count:  map[string]int{"From": 1, "To": 1},
	}})
}

// Rule 2: Message-ID kept, made from X-Mms-Message-ID, or made up.
func tmRuleMessageID(t *testing.T, py *tmPyBatch) {
	runTMCases(t, py, []tmCase{
		{
			name:  "kept",
			in:    "X-Mms-Message-ID: \"m1\"\nMessage-ID: <keep@peer.example>\nTo: a@b.example",
			want:  []string{"Message-ID: <keep@peer.example>"},
			count: map[string]int{"Message-ID": 1},
		},
		{
			name: "from X-Mms-Message-ID, Date supplied",
			in: `X-Mms-Message-Type: MM4_forward.REQ
X-Mms-Message-ID: "mm 7"
From: 12345/TYPE=PLMN
To: +15550001111`,
			want: []string{
				"From: <12345@mms.example.net>",
				"To: <+15550001111@mms.example.net>",
				"Date: Sun, 22 Nov 2026 10:00:00 +0000",
				"Message-ID: <mm7@mms.example.net>",
			},
		},
		{
			name:  "made up when neither exists",
			in:    "From: +15550001111\nTo: +15550002222\nDate: Tue, 01 Jul 2025 10:00:00 +0000",
			want:  []string{`~Message-ID: <[0-9a-z]+\.[0-9a-f]{24}@mms\.example\.net>`},
			count: map[string]int{"Message-ID": 1},
		},
		{
			name:  "a second Message-ID is dropped",
			in:    "Message-ID: <one@x>\nMessage-ID: <two@x>\nTo: a@b.example",
			want:  []string{"Message-ID: <one@x>"},
			count: map[string]int{"Message-ID": 1},
		},
		{
			name: "an HTTP-date Date is rewritten as RFC 5322",
			in:   "Date: Sunday, 06-Nov-94 08:49:37 GMT\nTo: a@b.example",
			want: []string{"Date: Sun, 06 Nov 1994 08:49:37 +0000"},
		},
	})
	// Made-up IDs are unique.
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		out, err := ToInternetMail(msgtest.Header(t, "To: a@b.example"), tmView())
		if err != nil {
			t.Fatal(err)
		}
		id := out.Get("Message-Id")
		if seen[id] || !tmMadeID.MatchString("Message-ID: "+id) {
			t.Fatalf("made-up Message-ID %q repeated or malformed", id)
		}
		seen[id] = true
	}
}

// Rule 3: recipients.
func tmRuleRecipients(t *testing.T, py *tmPyBatch) {
	runTMCases(t, py, []tmCase{
		{
			name: "repeated To and Cc merged in place, Bcc never written",
			in: `To: +15550001111
From: +15550009999
To: "Bob" <bob@internet.example>, 5550002222
Cc: carol@internet.example
Bcc: +15550003333
Cc: 5550004444/TYPE=PLMN
Date: Tue, 01 Jul 2025 10:00:00 +0000`,
			want: []string{
				`To: <+15550001111@mms.example.net>, "Bob" <bob@internet.example>, <+15550002222@mms.example.net>`,
				"From: <+15550009999@mms.example.net>",
				"Cc: <carol@internet.example>, <+15550004444@mms.example.net>",
			},
			absent: []string{"Bcc", "5550003333"},
			count:  map[string]int{"To": 1, "Cc": 1},
		},
		{
			name:  "no To, Cc or Bcc: undisclosed-recipients",
			in:    "From: +15550009999\nDate: Tue, 01 Jul 2025 10:00:00 +0000",
			want:  []string{"To: undisclosed-recipients:;"},
			count: map[string]int{"To": 1, "Cc": 0},
		},
		{
			name:   "Bcc only: undisclosed-recipients, the Bcc not written",
			in:     "From: +15550009999\nBcc: +15550003333\nDate: Tue, 01 Jul 2025 10:00:00 +0000",
			want:   []string{"To: undisclosed-recipients:;"},
			absent: []string{"5550003333"},
		},
		{
			name:  "Cc only: no To added",
			in:    "From: +15550009999\nCc: +15550003333",
			want:  []string{"Cc: <+15550003333@mms.example.net>"},
			count: map[string]int{"To": 0},
		},
		{
			name:  "empty To fields are no recipients",
			in:    "To: \nTo:  \nFrom: +15550009999",
			want:  []string{"To: undisclosed-recipients:;"},
			count: map[string]int{"To": 1},
		},
		{
			name:  "an empty group lists nobody",
			in:    "To: Friends:;\nCc: 0\nCc: :",
			want:  []string{"Cc: <0@mms.example.net>"},
			count: map[string]int{"To": 0, "Cc": 1},
		},
		{
			name:  "undisclosed-recipients kept once",
			in:    "To: undisclosed-recipients:;\nFrom: +15550009999",
			want:  []string{"To: undisclosed-recipients:;"},
			count: map[string]int{"To": 1},
		},
		{
			name: "long lists are folded",
			in:   "To: " + strings.Repeat("+15550001111, ", 30) + "+15550001111",
			want: []string{"To: " + strings.Repeat("<+15550001111@mms.example.net>, ", 30) + "<+15550001111@mms.example.net>"},
		},
	})
}

// Rule 4: X-Mms-Priority → Importance.
func tmRulePriority(t *testing.T, py *tmPyBatch) {
	cases := []tmCase{}
	for _, tc := range []struct {
		priority, importance, want string
	}{
		{"High", "", "High"},
		{"high", "", "High"},
		{"Low", "", "Low"},
		{" LOW ", "", "Low"},
		{"Normal", "", ""},
		{"Normal", "High", ""},
		{"High", "Low", "High"},
		{"", "Low", "Low"}, // no X-Mms-Priority: the MM's own Importance is kept
		{"", "", ""},
	} {
		in := "To: a@b.example\n"
		if tc.priority != "" {
			in += "X-Mms-Priority: " + tc.priority + "\n"
		}
		if tc.importance != "" {
			in += "Importance: " + tc.importance + "\nImportance: " + tc.importance + "\n"
		}
		c := tmCase{name: fmt.Sprintf("priority %q importance %q", tc.priority, tc.importance), in: in,
			count: map[string]int{"Importance": 0}}
		if tc.want != "" {
			c.want = []string{"Importance: " + tc.want}
			c.count["Importance"] = 1
		}
		cases = append(cases, c)
	}
	runTMCases(t, py, cases)
}

// Rule 5: X-Mms-Read-Reply → Disposition-Notification-To.
func tmRuleReadReply(t *testing.T, py *tmPyBatch) {
	runTMCases(t, py, []tmCase{
		{
			name:  "Yes: the From mailbox",
			in:    "From: \"Alice\" <+15550001111/TYPE=PLMN@mms.peer.example>\nTo: a@b.example\nX-Mms-Read-Reply: Yes",
			want:  []string{`From: "Alice" <+15550001111@mms.example.net>`, `Disposition-Notification-To: "Alice" <+15550001111@mms.example.net>`},
			count: map[string]int{"Disposition-Notification-To": 1},
		},
		{
			name:  "MM1 spelling X-Mms-Read-Report, any case",
			in:    "From: 5550001111/TYPE=PLMN\nTo: a@b.example\nx-mms-read-report: yes",
			want:  []string{"Disposition-Notification-To: <+15550001111@mms.example.net>"},
			count: map[string]int{"Disposition-Notification-To": 1},
		},
		{
			name:  "Yes replaces the MM's own",
			in:    "From: +15550001111\nDisposition-Notification-To: other@x.example\nTo: a@b.example\nX-Mms-Read-Reply: Yes",
			want:  []string{"Disposition-Notification-To: <+15550001111@mms.example.net>"},
			count: map[string]int{"Disposition-Notification-To": 1},
		},
		{
			name:  "No removes the MM's own",
			in:    "From: +15550001111\nDisposition-Notification-To: other@x.example\nTo: a@b.example\nX-Mms-Read-Reply: No",
			count: map[string]int{"Disposition-Notification-To": 0},
		},
		{
			name:  "no X-Mms-Read-Reply: the MM's own kept, rewritten like From",
			in:    "From: +15550001111\nDisposition-Notification-To: 5550002222/TYPE=PLMN@mms.peer.example\nTo: a@b.example",
			want:  []string{"Disposition-Notification-To: <+15550002222@mms.example.net>"},
			count: map[string]int{"Disposition-Notification-To": 1},
		},
		{
			name:  "hidden sender: none",
			in:    "From: +15550001111\nTo: a@b.example\nX-Mms-Read-Reply: Yes\nX-Mms-Sender-Visibility: Hide",
			count: map[string]int{"Disposition-Notification-To": 0},
		},
		{
			name:  "no From: none",
			in:    "To: a@b.example\nX-Mms-Read-Reply: Yes",
			count: map[string]int{"Disposition-Notification-To": 0},
		},
	})
}

// Rule 6: resending (X-Mms-Previously-sent-*).
func tmRuleResending(t *testing.T, py *tmPyBatch) {
	runTMCases(t, py, []tmCase{
		{
			name: "indexed entries: newest Resent block on top",
			in: `X-Mms-Message-Type: MM4_forward.REQ
X-Mms-Previously-sent-by: 0, +15551110000/TYPE=PLMN
X-Mms-Previously-sent-date-and-time: 0, Mon, 30 Jun 2025 08:00:00 +0000
X-Mms-Previously-sent-by: 1, carol@internet.example
X-Mms-Previously-sent-date-and-time: 1, Mon, 30 Jun 2025 09:00:00 +0000
X-Mms-Previously-sent-by: 2, +15552220000/TYPE=PLMN@mms.peer.example
X-Mms-Previously-sent-date-and-time: 2, Mon, 30 Jun 2025 09:30:00 +0000
From: "Dave" <+15553330000/TYPE=PLMN@mms.peer.example>
To: +15554440000/TYPE=PLMN@mms.example.net
Cc: erin@internet.example
Subject: Fwd: picture
Date: Tue, 01 Jul 2025 10:00:00 +0000
Message-ID: <current@mms.peer.example>
Content-Type: text/plain`,
			want: []string{
				tmReceivedLine,
				`Resent-From: "Dave" <+15553330000@mms.example.net>`,
				"Resent-To: <+15554440000@mms.example.net>",
				"Resent-Cc: <erin@internet.example>",
				"Resent-Date: Tue, 01 Jul 2025 10:00:00 +0000",
				"Resent-Message-ID: <current@mms.peer.example>",
				"Resent-From: <+15552220000@mms.example.net>",
				"Resent-Date: Mon, 30 Jun 2025 09:30:00 +0000",
				"Resent-From: <carol@internet.example>",
				"Resent-Date: Mon, 30 Jun 2025 09:00:00 +0000",
				"From: <+15551110000@mms.example.net>",
				"To: unrecoverable-recipients:;",
				"Subject: Fwd: picture",
				"Date: Mon, 30 Jun 2025 08:00:00 +0000",
				`~Message-ID: <[0-9a-z]+\.[0-9a-f]{24}@mms\.example\.net>`,
				"Content-Type: text/plain",
			},
			exactOut: true,
			absent:   []string{"Resent-Count", "X-Mms"},
		},
		{
			name: "plain entries take their position, HTTP-dates converted, unparseable ignored",
			in: `X-Mms-Previously-sent-by: +15551110000/TYPE=PLMN
X-Mms-Previously-sent-by: not an address <<<
X-Mms-Previously-sent-date-and-time: Sun, 06 Nov 1994 08:49:37 GMT
X-Mms-Previously-sent-date-and-time: no date
From: +15553330000
To: +15554440000
Date: Tue, 01 Jul 2025 10:00:00 +0000`,
			want: []string{
				tmReceivedLine,
				"Resent-From: <+15553330000@mms.example.net>",
				"Resent-To: <+15554440000@mms.example.net>",
				"Resent-Date: Tue, 01 Jul 2025 10:00:00 +0000",
				"From: <+15551110000@mms.example.net>",
				"To: unrecoverable-recipients:;",
				"Date: Sun, 06 Nov 1994 08:49:37 +0000",
			},
			count:  map[string]int{"Resent-From": 1, "Resent-Date": 1, "Resent-Message-ID": 0},
			absent: []string{"<<<", "no date"},
		},
		{
			name: "no entry 0: From and Date stay the current ones",
			in: `X-Mms-Previously-sent-by: 1, +15551110000
X-Mms-Previously-sent-date-and-time: 1, Mon, 30 Jun 2025 08:00:00 +0000
From: +15553330000
To: +15554440000
Date: Tue, 01 Jul 2025 10:00:00 +0000
Message-ID: <m@x>`,
			want: []string{
				"Resent-From: <+15553330000@mms.example.net>",
				"Resent-Message-ID: <m@x>",
				"Resent-From: <+15551110000@mms.example.net>",
				"Resent-Date: Mon, 30 Jun 2025 08:00:00 +0000",
				"From: <+15553330000@mms.example.net>",
				"To: unrecoverable-recipients:;",
				"Date: Tue, 01 Jul 2025 10:00:00 +0000",
			},
		},
		{
			name: "an entry ≥ 1 without a date is ignored",
			in: `X-Mms-Previously-sent-by: 0, +15551110000
X-Mms-Previously-sent-by: 1, +15552220000
From: +15553330000
To: +15554440000`,
			want:   []string{"From: <+15551110000@mms.example.net>"},
			count:  map[string]int{"Resent-From": 1},
			absent: []string{"5552220000"},
		},
		{
			name:  "only unusable entries: no resending",
			in:    "X-Mms-Previously-sent-by: <<<\nX-Mms-Previously-sent-date-and-time: 0, never\nFrom: +15553330000\nTo: +15554440000",
			want:  []string{"From: <+15553330000@mms.example.net>", "To: <+15554440000@mms.example.net>"},
			count: map[string]int{"Resent-From": 0},
		},
	})
}

// Rule 7: the Received field.
func tmRuleReceived(t *testing.T, py *tmPyBatch) {
	runTMCases(t, py, []tmCase{
		{
			name:  "on top, above the MM's own",
			in:    "Received: from a by b; Tue, 01 Jul 2025 09:00:00 +0000\nTo: a@b.example",
			want:  []string{tmReceivedLine, "Received: from a by b; Tue, 01 Jul 2025 09:00:00 +0000"},
			count: map[string]int{"Received": 2},
		},
		{
			name: "empty parts left out",
			view: func(v *MailView) { v.ReceivedFrom, v.ReceivedID = "", "" },
			in:   "To: a@b.example",
			want: []string{"Received: by mms.example.net with MMS; Sun, 22 Nov 2026 10:00:00 +0000"},
		},
		{
			name: "all parts empty",
			view: func(v *MailView) { *v = MailView{Domain: "mms.example.net", Now: v.Now} },
			in:   "To: a@b.example",
			want: []string{"Received: with MMS; Sun, 22 Nov 2026 10:00:00 +0000"},
		},
		{
			name: "hostile parts cannot inject",
			view: func(v *MailView) { v.ReceivedFrom, v.ReceivedID = "a b;\r\nBcc: x", "\x00id" },
			in:   "To: a@b.example",
			want: []string{"Received: from abBcc:x by mms.example.net with MMS id id; Sun, 22 Nov 2026 10:00:00 +0000"},
		},
	})
}

// Rule 8: loop protection.
func tmRuleLoop(t *testing.T, py *tmPyBatch) {
	received := func(n int) string {
		return strings.Repeat("Received: from a by b; Tue, 01 Jul 2025 09:00:00 +0000\n", n) + "To: a@b.example"
	}
	loop := func(n int) *Refusal {
		return &Refusal{Field: "Received", Rule: "RFC 4356 §2.1.3.2", Reason: fmt.Sprintf("Mail loop: %d Received fields", n)}
	}
	runTMCases(t, py, []tmCase{
		{name: "100 pass", in: received(100), count: map[string]int{"Received": 101}},
		{name: "101 refused", in: received(101), refusal: loop(101)},
		{name: "local limit", view: func(v *MailView) { v.MaxReceived = 3 }, in: received(4), refusal: loop(4)},
		{name: "local limit, at it", view: func(v *MailView) { v.MaxReceived = 3 }, in: received(3)},
		{name: "case-insensitive", in: strings.ReplaceAll(received(101), "Received:", "RECEIVED:"), refusal: loop(101)},
	})
}

// Rule 9: sender visibility.
func tmRuleHiddenSender(t *testing.T, py *tmPyBatch) {
	const in = `Received: from mms.peer.example by mms.example.net with ESMTP id 1; envelope-sender <+15551234567/TYPE=PLMN@mms.peer.example>; Tue, 01 Jul 2025 09:00:00 +0000
X-Mms-Message-Type: MM4_forward.REQ
X-Mms-Transaction-ID: "+15551234567/TYPE=PLMN-tx"
X-Mms-Message-ID: "+15551234567/TYPE=PLMN-mbuni-1"
X-Mms-Sender-Visibility: Hide
X-Mms-Read-Reply: Yes
X-Mms-Previously-sent-by: 0, 555-123-4567/TYPE=PLMN
X-Mms-Previously-sent-date-and-time: 0, Mon, 30 Jun 2025 08:00:00 +0000
X-Mms-Previously-sent-by: 1, +15552220000
X-Mms-Previously-sent-date-and-time: 1, Mon, 30 Jun 2025 09:00:00 +0000
Sender: +15551234567/TYPE=PLMN@mms.peer.example
From: "Alice 5551234567" <+1 (555) 123-4567/TYPE=PLMN@mms.peer.example>
Reply-To: alice@internet.example
To: +15550002222
Subject: call me at 555.123.4567
Comments: =?utf-8?q?from_+1555123?= =?utf-8?q?4567?=
Disposition-Notification-To: +15551234567
Date: Tue, 01 Jul 2025 10:00:00 +0000
Content-Type: multipart/related; boundary="5551234567"`
	hidden := tmCase{
		name: "local mailbox: Anonymous everywhere",
		in:   in,
		want: []string{
			tmReceivedLine,
			`Resent-From: "Anonymous" <anonymous@mms.example.net>`,
			"Resent-To: <+15550002222@mms.example.net>",
			"Resent-Date: Tue, 01 Jul 2025 10:00:00 +0000",
			"Resent-Message-ID: <anonymous/TYPE=PLMN-mbuni-1@mms.example.net>",
			"Resent-From: <+15552220000@mms.example.net>",
			"~Received: from mms.peer.example by mms.example.net with ESMTP id 1; envelope-sender <anonymous/TYPE=PLMN@mms.peer.example>; .*",
			`From: "Anonymous" <anonymous@mms.example.net>`,
			"Subject: call me at anonymous",
			"Content-Type: multipart/related; boundary=\"5551234567\"",
		},
		absent: []string{"Sender:", "Reply-To", "Disposition-Notification-To", "alice@internet.example"},
	}
	runTMCases(t, py, []tmCase{
		hidden,
		{
			name: "Show: nothing hidden",
			in:   "X-Mms-Sender-Visibility: Show\nFrom: +15551234567\nTo: a@b.example\nX-Mms-Read-Reply: Yes",
			want: []string{"From: <+15551234567@mms.example.net>", "Disposition-Notification-To: <+15551234567@mms.example.net>"},
		},
		{
			name:    "Internet: refused",
			view:    func(v *MailView) { v.Internet = true },
			in:      in,
			refusal: &Refusal{Field: "X-Mms-Sender-Visibility", Rule: "RFC 4356 §2.1.3.2", Reason: "The sender asked to be hidden, which Internet mail cannot do"},
		},
		{
			name: "e-mail sender hidden",
			in:   "X-Mms-Sender-Visibility: hide\nFrom: Alice <Alice@Internet.example>\nTo: a@b.example\nKeywords: alice@internet.example",
			want: []string{`From: "Anonymous" <anonymous@mms.example.net>`, "Keywords: anonymous@mms.example.net"},
		},
		{
			name: "unreadable From: its digits hidden",
			in:   "X-Mms-Sender-Visibility: Hide\nFrom: +1 555 123 4567 <<<\nTo: a@b.example\nKeywords: 555 123 4567",
			want: []string{`From: "Anonymous" <anonymous@mms.example.net>`, "Keywords: anonymous"},
		},
		{
			name:   "short code sender hidden, other digits left alone",
			in:     "X-Mms-Sender-Visibility: Hide\nFrom: 12345/TYPE=PLMN\nTo: a@b.example\nKeywords: 12345, 123456, 99912345\nDate: Tue, 01 Jul 2025 10:00:00 +0000",
			want:   []string{"Keywords: anonymous, 123456, 99912345", "Date: Tue, 01 Jul 2025 10:00:00 +0000"},
			absent: []string{"12345/"},
		},
	})

	// The property: the national digits of the sender occur in no header value but the MIME ones.
	out, err := ToInternetMail(msgtest.Header(t, in), tmView())
	if err != nil {
		t.Fatal(err)
	}
	tmCheckHidden(t, out, "5551234567")
}

// tmCheckHidden checks that digits occur in no field value of h, Content-* and MIME-Version aside,
// neither as written nor with encoded-words decoded.
func tmCheckHidden(t *testing.T, h textproto.Header, digits string) {
	t.Helper()
	for f := h.Fields(); f.Next(); {
		k := strings.ToLower(f.Key())
		if strings.HasPrefix(k, "content-") || k == "mime-version" {
			continue
		}
		if v := f.Value(); strings.Contains(v, digits) || strings.Contains(decodeWords(v), digits) {
			t.Errorf("%s: %q holds the hidden sender %s", f.Key(), v, digits)
		}
	}
}

// Rule 10: reply charging.
func tmRuleReplyCharging(t *testing.T, py *tmPyBatch) {
	usage := func(v string) string {
		return "X-Mms-Reply-Charging: " + v + "\nX-Mms-Reply-Charging-ID: rc-1\nX-Mms-Reply-Charging-Deadline: 3600\nTo: a@b.example"
	}
	internet := func(v *MailView) { v.Internet = true }
	refused := &Refusal{Field: "X-Mms-Reply-Charging", Rule: "RFC 4356 §2.1.3.2", Reason: "The MM uses reply charging"}
	var cases []tmCase
	for _, v := range []string{"Accepted", "accepted", "Accepted text only", "Accepted (text only)", "accepted-text-only", " ACCEPTED  TEXT ONLY "} {
		cases = append(cases,
			tmCase{name: "Internet " + v, view: internet, in: usage(v), refusal: refused},
			tmCase{name: "local " + v, in: usage(v), absent: []string{"Reply-Charging"}})
	}
	cases = append(cases,
		tmCase{name: "Internet Requested: not a usage", view: internet, in: usage("Requested"), absent: []string{"Reply-Charging"}},
		tmCase{name: "Internet Accepted without an ID", view: internet, in: "X-Mms-Reply-Charging: Accepted\nTo: a@b.example", absent: []string{"Reply-Charging"}},
	)
	runTMCases(t, py, cases)
}

// Rule 11: Sensitivity.
func tmRuleSensitivity(t *testing.T, py *tmPyBatch) {
	refused := &Refusal{Field: "Sensitivity", Rule: "RFC 4356 §2.1.3.3", Reason: "A "}
	var cases []tmCase
	for _, v := range []string{"Personal", "private", "PRIVATE", " Personal (comment)"} {
		for _, internet := range []bool{false, true} {
			cases = append(cases, tmCase{name: fmt.Sprintf("%q internet=%v", v, internet), view: func(mv *MailView) { mv.Internet = internet },
				in: "To: a@b.example\nSensitivity: " + v, refusal: refused})
		}
	}
	cases = append(cases, tmCase{name: "Company-Confidential passes", in: "To: a@b.example\nSensitivity: Company-Confidential",
		want: []string{"Sensitivity: Company-Confidential"}})
	runTMCases(t, py, cases)
}

// Rule 12: Subject.
func tmRuleSubject(t *testing.T, py *tmPyBatch) {
	runTMCases(t, py, []tmCase{
		{name: "ASCII kept", in: "To: a@b.example\nSubject: Hello (there)", want: []string{"Subject: Hello (there)"}},
		{name: "encoded-words kept", in: "To: a@b.example\nSubject: =?ISO-8859-1?Q?Gr=FC=DFe?=", want: []string{"Subject: =?ISO-8859-1?Q?Gr=FC=DFe?="}},
		{name: "8-bit UTF-8 encoded", in: "To: a@b.example\nSubject: Grüße aus Köln", want: []string{"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?="}},
		{name: "8-bit with encoded-words: decoded once, encoded once", in: "To: a@b.example\nSubject: Grüße =?UTF-8?Q?K=C3=B6ln?=",
			want: []string{"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_K=C3=B6ln?="}},
		{name: "not UTF-8: unknown-8bit", in: "To: a@b.example\nSubject: Gr\xfc\xdfe", want: []string{"Subject: =?unknown-8bit?q?Gr=FC=DFe?="}},
	})
}

// Rule 13, Table 1: Precedence for automatic and advertisement MMs.
func tmRulePrecedence(t *testing.T, py *tmPyBatch) {
	var cases []tmCase
	for class, want := range map[string]int{"Auto": 1, "auto": 1, "Advertisement": 1, "Personal": 0, "Informational": 0, "": 0} {
		in := "To: a@b.example\nPrecedence: list\n"
		if class != "" {
			in += "X-Mms-Message-Class: " + class + "\n"
		}
		c := tmCase{name: "class " + class, in: in, count: map[string]int{"Precedence": 1}}
		if want == 1 {
			c.want = []string{"Precedence: bulk"}
		} else {
			c.want = []string{"Precedence: list"}
		}
		cases = append(cases, c)
	}
	runTMCases(t, py, cases)
}

func TestMailEnvelope(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		msg  *mm4.Message
		want Envelope
	}{
		{"personal, nothing asked", &mm4.Message{Type: mm4.ForwardReq, MessageClass: "Personal"}, Envelope{}},
		{"no class", &mm4.Message{Type: mm4.ForwardReq}, Envelope{}},
		{"auto", &mm4.Message{Type: mm4.ForwardReq, MessageClass: "Auto"}, Envelope{NullSender: true}},
		{"advertisement is not automatic", &mm4.Message{Type: mm4.ForwardReq, MessageClass: "Advertisement"}, Envelope{}},
		{"delivery report", &mm4.Message{Type: mm4.DeliveryReportReq}, Envelope{NullSender: true}},
		{"read reply report", &mm4.Message{Type: mm4.ReadReplyReportReq}, Envelope{NullSender: true}},
		{"delivery report wanted", &mm4.Message{Type: mm4.ForwardReq, DeliveryReport: true}, Envelope{Notify: []string{"SUCCESS"}}},
		{"relative expiry", &mm4.Message{Expiry: mm4.Expiry{Relative: 2 * time.Hour}}, Envelope{DeliverBy: 2 * time.Hour}},
		{"absolute expiry", &mm4.Message{Expiry: mm4.Expiry{Absolute: now.Add(90*time.Minute + 500*time.Millisecond)}}, Envelope{DeliverBy: 90 * time.Minute}},
		{"absolute expiry past", &mm4.Message{Expiry: mm4.Expiry{Absolute: now.Add(-time.Hour)}}, Envelope{DeliverBy: time.Second}},
		{"absolute expiry now", &mm4.Message{Expiry: mm4.Expiry{Absolute: now}}, Envelope{DeliverBy: time.Second}},
		{"sub-second relative", &mm4.Message{Expiry: mm4.Expiry{Relative: time.Millisecond}}, Envelope{DeliverBy: time.Second}},
		{"nil", nil, Envelope{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := MailEnvelope(tc.msg, now)
			if got.NullSender != tc.want.NullSender || fmt.Sprint(got.Notify) != fmt.Sprint(tc.want.Notify) ||
				(got.Notify == nil) != (tc.want.Notify == nil) || got.DeliverBy != tc.want.DeliverBy {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	// From a parsed REQ.
	h := msgtest.Header(t, `X-Mms-3GPP-MMS-Version: 6.10.0
X-Mms-Message-Type: MM4_forward.REQ
X-Mms-Transaction-ID: t1
X-Mms-Message-ID: m1
X-Mms-Message-Class: Auto
X-Mms-Delivery-Report: Yes
X-Mms-Expiry: Thu, 01 Jan 2026 13:00:00 GMT
From: +15550001111/TYPE=PLMN@mms.peer.example
To: +15550002222/TYPE=PLMN@mms.example.net
Date: Thu, 01 Jan 2026 11:00:00 +0000`)
	msg, err := mm4.Parse(h)
	if err != nil {
		t.Fatal(err)
	}
	if got := MailEnvelope(msg, now); !got.NullSender || fmt.Sprint(got.Notify) != "[SUCCESS]" || got.DeliverBy != time.Hour {
		t.Errorf("parsed REQ: %+v", got)
	}
}

// Rule 14: control octets are cleaned.
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
			got := msgtest.Text(t, out)
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
	text := msgtest.Text(t, out)
	m, err := mail.ReadMessage(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	list, err := m.Header.AddressList("To")
	if err != nil || len(list) != 10000 || list[9999].Address != "+15550009999@mms.example.net" {
		t.Fatalf("To: %d addresses, err %v", len(list), err)
	}
	for _, l := range strings.Split(text, "\r\n") {
		if len(l) > 998 {
			t.Fatalf("line of %d octets", len(l))
		}
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

// TestToInternetMailLinear checks that the cost grows with the header, not faster: a header ten
// times as large (recipients, previously-sent entries, Received fields, a hidden sender to look
// for) takes well under a hundred times as long.
func TestToInternetMailLinear(t *testing.T) {
	build := func(n int) textproto.Header {
		var b strings.Builder
		b.WriteString("X-Mms-Sender-Visibility: Hide\nFrom: +15551234567\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "To: +1555%07d\nCc: +1666%07d, x%d@internet.example\n", i, i, i)
			fmt.Fprintf(&b, "X-Mms-Previously-sent-by: %d, +1777%07d\nX-Mms-Previously-sent-date-and-time: %d, Mon, 30 Jun 2025 08:00:00 +0000\n", i, i, i)
			fmt.Fprintf(&b, "Keywords: 5551234567 %d\n", i)
		}
		b.WriteString("Date: Tue, 01 Jul 2025 10:00:00 +0000")
		return msgtest.Header(t, b.String())
	}
	v := tmView()
	v.MaxReceived = 1 << 20
	measure := func(h textproto.Header) time.Duration {
		best := time.Duration(1 << 62)
		for i := 0; i < 3; i++ {
			start := time.Now()
			if _, err := ToInternetMail(h, v); err != nil {
				t.Fatal(err)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	small, large := measure(build(200)), measure(build(2000))
	if large > 40*small+50*time.Millisecond {
		t.Errorf("200 entries: %v, 2000 entries: %v: not linear", small, large)
	}
}
