// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/mail"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/msgtest"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// The tests of this file check the rules of RFC 4356 §2.1.3.3 one table each; every REQ they make is
// also checked by fwdCheck.

// fwdMail is the start of the mails of this file's tables.
const fwdMail = "From: Alice <+15550001111@mms.example.net>\nTo: +4915112345678@mms.mnc001.mcc262.gprs\nSubject: x\n"

// fwdRun converts fwdMail plus fields with the options fwdOptions changed by opts; the REQ passes
// fwdCheck.
func fwdRun(t *testing.T, fields string, opts func(*ForwardOptions)) (*ForwardRequest, *mm4.Message, error) {
	t.Helper()
	o := fwdOptions()
	if opts != nil {
		opts(&o)
	}
	req, err := NewForwardRequest(msgtest.Header(t, fwdMail+fields), o)
	if err != nil {
		return nil, nil, err
	}
	return req, fwdCheck(t, req.Header, []byte("x\r\n")), nil
}

// fwdCheck checks a REQ header (with a body): every line at most 998 octets; mm4.Parse reads a
// usable MM4_forward.REQ without ignored fields; Go's net/mail reads the message, its Date and its
// address fields; Python's email package (when installed) reports no defect on the message or any
// header. It returns what mm4.Parse read.
func fwdCheck(t *testing.T, h textproto.Header, body []byte) *mm4.Message {
	t.Helper()
	text := msgtest.Text(t, h)
	for i, line := range strings.Split(text, "\r\n") {
		if len(line) > 998 {
			t.Errorf("line %d is %d octets long: %.80q…", i+1, len(line), line)
		}
	}
	m, err := mm4.Parse(h)
	if err != nil || len(m.Ignored) > 0 {
		t.Fatalf("mm4.Parse(REQ): %v, ignored %v\n%s", err, m.Ignored, text)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(append([]byte(text), body...)))
	if err != nil {
		t.Fatalf("net/mail: %v\n%s", err, text)
	}
	if _, err := msg.Header.Date(); err != nil {
		t.Errorf("net/mail Date: %v", err)
	}
	for _, k := range []string{"From", "Sender", "To", "Cc"} {
		v := msg.Header.Get(k)
		if v == "" || v == undisclosedRecipients {
			continue
		}
		if _, err := mail.ParseAddressList(v); err != nil {
			t.Errorf("net/mail %s %q: %v", k, v, err)
		}
	}
	fwdPy.add(t, append([]byte(text), body...))
	return m
}

// fwdParams writes n distinct MIME parameters.
func fwdParams(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(" x-p" + strconv.Itoa(i) + "=v;")
	}
	return b.String()
}

// fwdPyQueue gathers the messages fwdCheck sees, for Python to read in one run (a Python process
// per message would make the tests slow): TestMain-free, each test that makes REQs checks the
// queue as it ends (fwdPy.check).
type fwdPyQueue struct {
	mu   sync.Mutex
	msgs map[string][][]byte // by test name
}

var fwdPy = &fwdPyQueue{msgs: map[string][][]byte{}}

func (q *fwdPyQueue) add(t *testing.T, msg []byte) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.msgs[t.Name()] = append(q.msgs[t.Name()], msg)
}

// fwdPyBatch reads messages (a JSON list of base64 strings) with Python's email package and reports,
// for each, the defects on the message, its parts and its header fields, and its decoded Subject.
const fwdPyBatch = `
import base64, email, email.policy, json, sys
out = []
for data in json.load(sys.stdin):
    msg = email.message_from_bytes(base64.b64decode(data), policy=email.policy.default)
    defects = []
    for part in msg.walk():
        defects += ["%s: %r" % (part.get_content_type(), d) for d in part.defects]
        for k, v in part.items():
            defects += ["%s: %r" % (k, d) for d in getattr(v, "defects", ())]
    out.append({"defects": defects, "subject": str(msg["subject"])})
json.dump(out, sys.stdout)
`

// fwdPyResult is what fwdPyBatch reports of one message.
type fwdPyResult struct {
	Defects []string
	Subject string
}

// check has Python read the messages fwdCheck saw in the test t and its subtests, reports any defect,
// and returns what Python read by test name, in the order fwdCheck saw them. Without python3 it
// returns nil.
func (q *fwdPyQueue) check(t *testing.T) map[string][]fwdPyResult {
	t.Helper()
	q.mu.Lock()
	var names []string
	var input []string
	for name := range q.msgs {
		if name == t.Name() || strings.HasPrefix(name, t.Name()+"/") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var order []string
	for _, name := range names {
		for _, msg := range q.msgs[name] {
			input = append(input, base64.StdEncoding.EncodeToString(msg))
			order = append(order, name)
		}
		delete(q.msgs, name)
	}
	q.mu.Unlock()
	python, err := exec.LookPath("python3")
	if err != nil || len(input) == 0 {
		return nil
	}
	in, _ := json.Marshal(input)
	cmd := exec.Command(python, "-c", fwdPyBatch)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	var results []fwdPyResult
	if err := json.Unmarshal(stdout, &results); err != nil || len(results) != len(order) {
		t.Fatalf("python3: %v: %d results for %d messages", err, len(results), len(order))
	}
	out := map[string][]fwdPyResult{}
	for i, r := range results {
		if len(r.Defects) > 0 {
			t.Errorf("%s: Python reports defects: %q", order[i], r.Defects)
		}
		out[order[i]] = append(out[order[i]], r)
	}
	return out
}

// fwdDefaultClass is the X-Mms-Message-Class of a REQ that asks for none: Personal (RFC 4356 Table
// 1), or none while writeDefaultClass is false.
func fwdDefaultClass() string {
	if writeDefaultClass {
		return "Personal"
	}
	return ""
}

// fwdValues returns the values of a field of h, in order.
func fwdValues(h textproto.Header, name string) []string {
	var out []string
	for f := h.FieldsByKey(name); f.Next(); {
		out = append(out, f.Value())
	}
	return out
}

// TestForwardRefusals: RFC 4356 §2.1.3.3 keeps personal and private mail out of MMS, and a mail loop
// is stopped; both are *Refusal, never *mm4.FieldError.
func TestForwardRefusals(t *testing.T) {
	defer fwdPy.check(t)
	received := func(n int) string {
		return strings.Repeat("Received: from a by b; Tue, 01 Jul 2025 09:00:00 +0000\n", n)
	}
	sensitivity := &Refusal{Field: "Sensitivity", Rule: "RFC 4356 §2.1.3.3",
		Reason: "Personal or private mail (Sensitivity) must not be sent as MMS"}
	for _, tc := range []struct {
		name, fields string
		want         *Refusal // nil: accepted
	}{
		{"Sensitivity private", "Sensitivity: Private\n", sensitivity},
		{"Sensitivity personal", "Sensitivity:  personal \n", sensitivity},
		{"Sensitivity after a Received", "Received: from a by b; Tue, 01 Jul 2025 09:00:00 +0000\nSensitivity: PRIVATE\n", sensitivity},
		{"Sensitivity company-confidential", "Sensitivity: Company-Confidential\n", nil},
		{"Privacy private (VPIM, not supported)", "Privacy: private\n", nil},
		{"100 Received", received(100), nil},
		{"101 Received", received(101), &Refusal{Field: "Received", Rule: "RFC 4356 §2.1.3.3", Reason: "Mail loop: 101 Received fields"}},
		{"500 Received", received(500), &Refusal{Field: "Received", Rule: "RFC 4356 §2.1.3.3", Reason: "Mail loop: 500 Received fields"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _, err := fwdRun(t, tc.fields, nil)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				for _, gone := range []string{"Sensitivity", "Privacy"} {
					if req.Header.Has(gone) {
						t.Errorf("REQ keeps %s", gone)
					}
				}
				return
			}
			var r *Refusal
			if !errors.As(err, &r) || *r != *tc.want {
				t.Fatalf("err = %#v (%v), want %#v", err, err, tc.want)
			}
			var fe *mm4.FieldError
			if errors.As(err, &fe) {
				t.Errorf("a Refusal is also a FieldError")
			}
		})
	}
}

// TestForwardReceived: Received fields are kept (RFC 4356 §2.1.3.3: the hop trace), at the top of the
// REQ in the mail's order; 8-bit ones are left out, long ones folded again. (With keepReceived false,
// none is written.)
func TestForwardReceived(t *testing.T) {
	defer fwdPy.check(t)
	long := "Received: from a by b with ESMTP id " + strings.Repeat("x", 600) + " " + strings.Repeat("y", 600) + "; Tue, 01 Jul 2025 09:00:00 +0000\n"
	req, _, err := fwdRun(t, "Received: from b by c; Tue, 01 Jul 2025 09:00:02 +0000\n"+
		"Received: from a by b; Tue, 01 Jul 2025 09:00:01 +0000\n"+
		"Received: from \xc3\xa9 by a; Tue, 01 Jul 2025 09:00:00 +0000\n"+long, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := fwdValues(req.Header, "Received")
	want := []string{"from b by c; Tue, 01 Jul 2025 09:00:02 +0000", "from a by b; Tue, 01 Jul 2025 09:00:01 +0000",
		strings.TrimSuffix(long[len("Received: "):], "\n")}
	if !keepReceived {
		want = nil
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Received = %q\nwant %q", got, want)
	}
	f := req.Header.Fields()
	for i := range want {
		if !f.Next() || f.Key() != "Received" {
			t.Fatalf("field %d is not Received", i)
		}
	}
	if f.Next(); !strings.EqualFold(f.Key(), mm4.HdrVersion) {
		t.Errorf("after the Received fields: %s", f.Key())
	}
}

// TestForwardClientFields: with ClientFields the sender's X-Mms-Delivery-Report, X-Mms-Read-Reply (or
// X-Mms-Read-Report), X-Mms-Expiry, X-Mms-Priority and X-Mms-Message-Class are read; without, every
// X-Mms-* field of the mail is dropped. The admin settings (DeliveryReport, ReadReply) and
// Disposition-Notification-To ask whatever the sender says.
func TestForwardClientFields(t *testing.T) {
	defer fwdPy.check(t)
	type want struct {
		delivery, read  bool
		priority, class string
		expiry          string // X-Mms-Expiry as written, "" for none
	}
	base := want{class: fwdDefaultClass()}
	for _, tc := range []struct {
		name    string
		fields  string
		client  bool
		opts    func(*ForwardOptions)
		want    want
		errName string // FieldError.Field, when an error is expected
	}{
		{name: "none", want: base},
		{name: "dropped without ClientFields", fields: "X-Mms-Delivery-Report: Yes\nX-Mms-Read-Reply: Yes\nX-Mms-Expiry: 600\n" +
			"X-Mms-Priority: High\nX-Mms-Message-Class: Advertisement\n", want: base},
		{name: "bad values ignored without ClientFields", fields: "X-Mms-Priority: urgent\nX-Mms-Expiry: soon\n", want: base},
		{name: "all", client: true, fields: "X-Mms-Delivery-Report: Yes\nX-Mms-Read-Reply: Yes\nX-Mms-Expiry: 600\n" +
			"X-Mms-Priority: High\nX-Mms-Message-Class: Advertisement\n",
			want: want{delivery: true, read: true, priority: "High", class: "Advertisement", expiry: "600"}},
		{name: "lenient case", client: true, fields: "x-mms-delivery-report: yes\nX-MMS-PRIORITY: low\nx-mms-message-class: informational\n",
			want: want{delivery: true, priority: "Low", class: "Informational"}},
		{name: "X-Mms-Read-Report", client: true, fields: "X-Mms-Read-Report: Yes\n", want: want{read: true, class: base.class}},
		{name: "client No", client: true, fields: "X-Mms-Delivery-Report: No\nX-Mms-Read-Reply: No\n", want: base},
		{name: "client No does not cancel the admin", client: true, fields: "X-Mms-Delivery-Report: No\nX-Mms-Read-Reply: No\n",
			opts: func(o *ForwardOptions) { o.DeliveryReport, o.ReadReply = true, true }, want: want{delivery: true, read: true, class: base.class}},
		{name: "admin without ClientFields", opts: func(o *ForwardOptions) { o.DeliveryReport, o.ReadReply = true, true },
			want: want{delivery: true, read: true, class: base.class}},
		{name: "Disposition-Notification-To without ClientFields", fields: "Disposition-Notification-To: a@b.example\n",
			want: want{read: true, class: base.class}},
		{name: "Disposition-Notification-To with ClientFields No", client: true,
			fields: "Disposition-Notification-To: a@b.example\nX-Mms-Read-Reply: No\n", want: want{read: true, class: base.class}},
		{name: "first non-empty wins", client: true, fields: "X-Mms-Priority: \nX-Mms-Priority: Low\nX-Mms-Priority: High\n",
			want: want{priority: "Low", class: base.class}},
		{name: "client priority wins over Importance", client: true, fields: "Importance: high\nX-Mms-Priority: Low\n",
			want: want{priority: "Low", class: base.class}},
		{name: "client Normal is written", client: true, fields: "X-Mms-Priority: Normal\n", want: want{priority: "Normal", class: base.class}},
		{name: "absolute expiry", client: true, fields: "X-Mms-Expiry: Wed, 02 Jul 2025 10:00:00 +0000\n",
			want: want{class: base.class, expiry: "Wed, 02 Jul 2025 10:00:00 +0000"}},
		{name: "other X-Mms fields dropped", client: true, fields: "X-Mms-Sender-Visibility: Hide\nX-Mms-Originator-System: evil@x.example\n" +
			"X-Mms-Message-Type: MM4_forward.RES\nX-Mms-Forward-Counter: 3\n", want: base},
		{name: "bad priority", client: true, fields: "X-Mms-Priority: urgent\n", errName: mm4.HdrPriority},
		{name: "bad class", client: true, fields: "X-Mms-Message-Class: Spam\n", errName: mm4.HdrMessageClass},
		{name: "bad delivery report", client: true, fields: "X-Mms-Delivery-Report: maybe\n", errName: mm4.HdrDeliveryReport},
		{name: "bad read report", client: true, fields: "X-Mms-Read-Report: 1\n", errName: mm4.HdrReadReply},
		{name: "bad expiry", client: true, fields: "X-Mms-Expiry: tomorrow\n", errName: mm4.HdrExpiry},
		{name: "control octet", client: true, fields: "X-Mms-Priority: High\x01\n", errName: mm4.HdrPriority},
		{name: "too long", client: true, fields: "X-Mms-Message-Class: " + strings.Repeat("a", 5000) + "\n", errName: mm4.HdrMessageClass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, m, err := fwdRun(t, tc.fields, func(o *ForwardOptions) {
				o.ClientFields = tc.client
				if tc.opts != nil {
					tc.opts(o)
				}
			})
			if tc.errName != "" {
				var fe *mm4.FieldError
				if !errors.As(err, &fe) || fe.Field != tc.errName {
					t.Fatalf("err = %v, want a FieldError for %s", err, tc.errName)
				}
				if msg := err.Error(); strings.ContainsAny(msg, "\r\n\x00") || len(msg) > 400 {
					t.Errorf("error message unsafe for an SMTP reply: %q", msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := want{m.DeliveryReport, m.ReadReply, m.Priority, m.MessageClass, req.Header.Get(mm4.HdrExpiry)}
			if got != tc.want {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
			if req.DeliveryReport != m.DeliveryReport || req.ReadReply != m.ReadReply {
				t.Errorf("ForwardRequest says DeliveryReport %v, ReadReply %v; the header %v, %v",
					req.DeliveryReport, req.ReadReply, m.DeliveryReport, m.ReadReply)
			}
			for _, name := range []string{"X-Mms-Read-Report", mm4.HdrSenderVisibility, mm4.HdrForwardCounter} {
				if req.Header.Has(name) {
					t.Errorf("REQ has %s", name)
				}
			}
			if v := fwdValues(req.Header, mm4.HdrOriginatorSystem); len(v) != 1 || v[0] != "system-user@mms.example.net" {
				t.Errorf("X-Mms-Originator-System = %q", v)
			}
		})
	}
}

// TestForwardMessageClass: Personal unless MAIL FROM was <> (Auto), or the sender set a class
// (ClientFields); Auto wins (RFC 4356 Table 1).
func TestForwardMessageClass(t *testing.T) {
	defer fwdPy.check(t)
	for _, tc := range []struct {
		name         string
		fields       string
		client, auto bool
		want         string
	}{
		{"default", "", false, false, fwdDefaultClass()},
		{"MAIL FROM <>", "", false, true, "Auto"},
		{"client class ignored", "X-Mms-Message-Class: Informational\n", false, false, fwdDefaultClass()},
		{"client class", "X-Mms-Message-Class: Informational\n", true, false, "Informational"},
		{"client Auto", "X-Mms-Message-Class: auto\n", true, false, "Auto"},
		{"Auto wins over the client", "X-Mms-Message-Class: Personal\n", true, true, "Auto"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _, err := fwdRun(t, tc.fields, func(o *ForwardOptions) { o.ClientFields, o.Auto = tc.client, tc.auto })
			if err != nil {
				t.Fatal(err)
			}
			if got := fwdValues(req.Header, mm4.HdrMessageClass); strings.Join(got, "|") != tc.want {
				t.Errorf("X-Mms-Message-Class = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestForwardExpiry: DELIVER-BY (by-mode R) gives a relative X-Mms-Expiry; the sender's own is used
// without it (ClientFields); with both, the earlier one.
func TestForwardExpiry(t *testing.T) {
	defer fwdPy.check(t)
	for _, tc := range []struct {
		name      string
		deliverBy time.Duration
		client    string // the sender's X-Mms-Expiry, "" for none
		want      string // "" for none
	}{
		{"none", 0, "", ""},
		{"DELIVER-BY", time.Hour, "", "3600"},
		{"DELIVER-BY under a second", time.Millisecond, "", "1"},
		{"DELIVER-BY, fraction dropped", 90*time.Second + 500*time.Millisecond, "", "90"},
		{"negative DELIVER-BY", -time.Hour, "", ""},
		{"client relative", 0, "600", "600"},
		{"client zero", 0, "0", ""},
		{"client absolute", 0, "Wed, 02 Jul 2025 10:00:00 GMT", "Wed, 02 Jul 2025 10:00:00 +0000"},
		{"client relative earlier", time.Hour, "600", "600"},
		{"DELIVER-BY earlier than client relative", 10 * time.Minute, "7200", "600"},
		{"client absolute earlier", time.Hour, "Tue, 01 Jul 2025 10:30:00 +0000", "Tue, 01 Jul 2025 10:30:00 +0000"},
		{"DELIVER-BY earlier than client absolute", time.Hour, "Tue, 01 Jul 2025 12:00:00 +0000", "3600"},
		{"client absolute already past", time.Hour, "Mon, 30 Jun 2025 12:00:00 +0000", "Mon, 30 Jun 2025 12:00:00 +0000"},
		{"huge client relative", time.Hour, "9223372036", "3600"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fields := ""
			if tc.client != "" {
				fields = "X-Mms-Expiry: " + tc.client + "\n"
			}
			req, m, err := fwdRun(t, fields, func(o *ForwardOptions) { o.DeliverBy, o.ClientFields = tc.deliverBy, true })
			if err != nil {
				t.Fatal(err)
			}
			if got := req.Header.Get(mm4.HdrExpiry); got != tc.want {
				t.Errorf("X-Mms-Expiry = %q, want %q (parsed %+v)", got, tc.want, m.Expiry)
			}
		})
	}
}

// TestForwardResent: Resent-* blocks become the MM's forwarding history (RFC 4356 §2.1.3.3, TS 23.140
// §8.4.1): the counter, entry 0 for the original From and Date, entry k for the k-th resending from
// the oldest; the latest resending gives the REQ's Date and Message-ID, never its From.
func TestForwardResent(t *testing.T) {
	defer fwdPy.check(t)
	const orig = "From: Bob <5550002222@mms.example.net>\nTo: +4915112345678@mms.mnc001.mcc262.gprs\n" +
		"Date: Mon, 30 Jun 2025 08:00:00 -0400\nMessage-ID: <orig@client.example>\nSubject: fwd\n"
	for _, tc := range []struct {
		name    string
		top     string // fields above orig (the Resent-* blocks, latest first)
		form    mmsmap.Form
		counter string
		by      []string
		date    []string
		reqDate string
		msgID   string
	}{
		{
			name:    "not resent",
			reqDate: "Mon, 30 Jun 2025 08:00:00 -0400",
			msgID:   "<orig@client.example>",
		},
		{
			name: "one resending",
			top: "Resent-From: Alice <+15550001111@mms.example.net>\nResent-Date: Tue, 01 Jul 2025 09:00:00 +0200\n" +
				"Resent-To: +4915112345678@mms.mnc001.mcc262.gprs\nResent-Message-ID: <r1@client.example>\n",
			counter: "1",
			by:      []string{"0, +15550002222/TYPE=PLMN@mms.example.net"},
			date:    []string{"0, Mon, 30 Jun 2025 12:00:00 GMT"},
			reqDate: "Tue, 01 Jul 2025 09:00:00 +0200",
			msgID:   "<r1@client.example>",
		},
		{
			name: "three resendings, with trace fields between, in form E164",
			top: "Resent-Date: Thu, 03 Jul 2025 10:00:00 +0000\nResent-From: +15550001111@mms.example.net\n" +
				"Received: from x by y; Thu, 03 Jul 2025 10:00:00 +0000\n" +
				"Resent-From: carol@internet.example\nResent-Date: Wed, 02 Jul 2025 10:00:00 +0000\nResent-Message-ID: <r2@x>\n" +
				"Resent-Date: Tue, 01 Jul 2025 10:00:00 +0000\nResent-Sender: Dave <011-49-151-12345678@elsewhere.example>\n",
			form:    mmsmap.FormE164,
			counter: "3",
			by:      []string{"0, +15550002222@mms.example.net", "1, +4915112345678@mms.example.net", "2, carol@internet.example"},
			date:    []string{"0, Mon, 30 Jun 2025 12:00:00 GMT", "1, Tue, 01 Jul 2025 10:00:00 GMT", "2, Wed, 02 Jul 2025 10:00:00 GMT"},
			reqDate: "Thu, 03 Jul 2025 10:00:00 +0000",
			msgID:   "<M0001@mms.example.net>",
		},
		{
			name:    "latest block without date or message-id",
			top:     "Resent-From: +15550001111@mms.example.net\nResent-Bcc: secret@hidden.example\n",
			counter: "1",
			by:      []string{"0, +15550002222/TYPE=PLMN@mms.example.net"},
			date:    []string{"0, Mon, 30 Jun 2025 12:00:00 GMT"},
			reqDate: "Tue, 01 Jul 2025 10:00:00 +0000",
			msgID:   "<M0001@mms.example.net>",
		},
		{
			name: "an entry without a readable address or date",
			top: "Resent-From: +15550001111@mms.example.net\nResent-Date: Thu, 03 Jul 2025 10:00:00 +0000\n" +
				"Resent-From: <unterminated\nResent-Date: whenever\n",
			counter: "2",
			by:      []string{"0, +15550002222/TYPE=PLMN@mms.example.net"},
			date:    []string{"0, Mon, 30 Jun 2025 12:00:00 GMT"},
			reqDate: "Thu, 03 Jul 2025 10:00:00 +0000",
			msgID:   "<M0001@mms.example.net>",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := fwdOptions()
			o.Form = tc.form
			req, err := NewForwardRequest(msgtest.Header(t, tc.top+orig), o)
			if err != nil {
				t.Fatal(err)
			}
			m := fwdCheck(t, req.Header, []byte("x\r\n"))
			if got := req.Header.Get(mm4.HdrForwardCounter); got != tc.counter {
				t.Errorf("X-Mms-Forward-Counter = %q, want %q", got, tc.counter)
			}
			if got := fwdValues(req.Header, mm4.HdrPreviouslySentBy); strings.Join(got, "|") != strings.Join(tc.by, "|") {
				t.Errorf("X-Mms-Previously-sent-by = %q\nwant %q", got, tc.by)
			}
			if got := fwdValues(req.Header, mm4.HdrPreviouslySentDate); strings.Join(got, "|") != strings.Join(tc.date, "|") {
				t.Errorf("X-Mms-Previously-sent-date-and-time = %q\nwant %q", got, tc.date)
			}
			if got := req.Header.Get("Date"); got != tc.reqDate {
				t.Errorf("Date = %q, want %q", got, tc.reqDate)
			}
			if got := req.Header.Get("Message-Id"); got != tc.msgID {
				t.Errorf("Message-ID = %q, want %q", got, tc.msgID)
			}
			if want := "Bob <" + req.MailFrom + ">"; m.From != want {
				t.Errorf("From = %q, want %q (the authenticated sender)", m.From, want)
			}
			text := msgtest.Text(t, req.Header)
			if strings.Contains(strings.ToLower(text), "resent") || strings.Contains(text, "secret") {
				t.Errorf("a Resent field is written:\n%s", text)
			}
			// The history follows the X-Mms-* fields Message.Header writes, before Sender.
			if i, j := strings.Index(text, "X-Mms-Previously"), strings.Index(text, "\r\nSender:"); i >= 0 && (i > j ||
				!strings.HasPrefix(text[i:], "X-Mms-Previously-sent-by: 0,")) {
				t.Errorf("history out of place:\n%s", text)
			}
		})
	}
}

// TestForwardResentBounded: 1000 resendings are counted, and only the latest maxResentBlocks are read.
func TestForwardResentBounded(t *testing.T) {
	defer fwdPy.check(t)
	var top strings.Builder
	const n = 1000
	for i := n; i >= 1; i-- {
		top.WriteString("Resent-From: +1555" + strconv.Itoa(1000000+i) + "@mms.example.net\n")
		top.WriteString("Resent-Date: Tue, 01 Jul 2025 10:00:00 +0000\n")
	}
	start := time.Now()
	req, _, err := fwdRun(t, top.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("took %v", elapsed)
	}
	if got := req.Header.Get(mm4.HdrForwardCounter); got != strconv.Itoa(n) {
		t.Errorf("X-Mms-Forward-Counter = %q", got)
	}
	by := fwdValues(req.Header, mm4.HdrPreviouslySentBy)
	if len(by) != maxResentBlocks || by[0] != "0, +15550001111/TYPE=PLMN@mms.example.net" ||
		by[len(by)-1] != strconv.Itoa(n-1)+", +1555"+strconv.Itoa(1000000+n-1)+"/TYPE=PLMN@mms.example.net" ||
		by[1] != strconv.Itoa(n-maxResentBlocks+1)+", +1555"+strconv.Itoa(1000000+n-maxResentBlocks+1)+"/TYPE=PLMN@mms.example.net" {
		t.Errorf("%d X-Mms-Previously-sent-by: %q … %q", len(by), by[:2], by[len(by)-1])
	}
}

// TestForwardLineLength: every line of the REQ is at most 998 octets (RFC 5322 §2.1.1), however long
// the runs of text without spaces in the mail: a Subject or display name becomes encoded-words that
// read back as the same text; a kept field is folded again; what cannot fold is refused.
func TestForwardLineLength(t *testing.T) {
	run := strings.Repeat("x", 1500)
	subjects := map[string]string{} // subtest name → the Subject Python must read
	defer func() {
		for name, results := range fwdPy.check(t) {
			if want, ok := subjects[name]; ok && results[0].Subject != want {
				t.Errorf("%s: Python reads Subject as %.60q…, want %.60q…", name, results[0].Subject, want)
			}
		}
	}()
	for _, tc := range []struct {
		name, fields string
		subject      string // the Subject as Python reads it; "" not checked
		errField     string
	}{
		{name: "long unbroken Subject", fields: "Subject: " + run + "\n", subject: run},
		{name: "long Subject among words", fields: "Subject: see " + run + " and more\n", subject: "see " + run + " and more"},
		{name: "long Subject with encoded-words", fields: "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= " + run + "\n", subject: "Grüße " + run},
		{name: "long 8-bit Subject", fields: "Subject: " + strings.Repeat("ü", 300) + "\n", subject: strings.Repeat("ü", 300)},
		{name: "Subject of 989 octets stays", fields: "Subject: " + strings.Repeat("s", 989) + "\n", subject: strings.Repeat("s", 989)},
		{name: "long References folded", fields: "References:" + strings.Repeat(" <"+strings.Repeat("r", 60)+"@client.example>", 40) + "\n"},
		{name: "long Content-Type folded", fields: "Content-Type: text/plain;" + fwdParams(200) + " charset=us-ascii\n"},
		{name: "Content-Type that cannot fold", fields: "Content-Type: text/plain; name=" + run + "\n", errField: "Content-Type"},
		// An address (display name included) is at most 1024 octets (mmsmap.MaxAddressLength), so
		// it always fits in a line once folded at its spaces; a longer one is refused as it is read.
		{name: "display names of 950 octets", fields: "From: " + strings.Repeat("A", 950) + " <+15550001111@mms.example.net>\n" +
			"Cc: \"" + strings.Repeat("b", 950) + "\" <+15550003333@mms.example.net>\n"},
		{name: "e-mail address too long", fields: "Cc: " + strings.Repeat("l", 1000) + "@internet.example\n", errField: "Cc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mail := "To: +4915112345678@mms.mnc001.mcc262.gprs\n" + tc.fields
			if !strings.Contains(tc.fields, "From:") {
				mail = "From: Alice <+15550001111@mms.example.net>\n" + mail
			}
			req, err := NewForwardRequest(msgtest.Header(t, mail), fwdOptions())
			if tc.errField != "" {
				var fe *mm4.FieldError
				if !errors.As(err, &fe) || fe.Field != tc.errField {
					t.Fatalf("err = %v, want a FieldError for %s", err, tc.errField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := fwdCheck(t, req.Header, []byte("x\r\n"))
			if tc.subject != "" {
				subjects[t.Name()] = tc.subject
			}
			if strings.Contains(tc.fields, "From:") {
				for _, v := range []string{m.From, strings.Join(m.Cc, "")} {
					if a, err := mmsmap.ParseAddressList(v); err != nil || len(a[0].DisplayName) < 900 {
						t.Errorf("%.60q…: display name lost (%v)", v, err)
					}
				}
			}
		})
	}
}
