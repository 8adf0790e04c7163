// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/msgtest"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
	"github.com/maddy-mms/maddy-mms/mmsmap/sevenbit"
)

// updateGolden rewrites the files under testdata/golden: go test ./mmsmap -run Golden -update
var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// fwdPlan is a NANP number plan for the tests of this file.
var fwdPlan = mmsmap.NumberPlan{CountryCode: "1", InternationalPrefixes: []string{"011"}, NationalPrefixes: []string{"1"},
	NationalLengths: []int{10}, BareInternational: true}

var fwdNow = time.Date(2025, 7, 1, 10, 0, 0, 0, time.UTC)

func fwdNumber(n string) mmsmap.Address {
	return mmsmap.Address{Type: mmsmap.TypePLMN, Value: n, TypeName: "PLMN"}
}

// fwdOptions are the options of most tests: one recipient at a German peer, acks and the default form.
func fwdOptions() ForwardOptions {
	return ForwardOptions{
		Version:          "6.10.0",
		TransactionID:    "T0001@mms.example.net",
		MessageID:        "M0001@mms.example.net",
		AckRequest:       true,
		OriginatorSystem: "system-user@mms.example.net",
		Sender:           fwdNumber("+15550001111"),
		SenderDomain:     "mms.example.net",
		Recipients:       []mmsmap.Address{fwdNumber("+4915112345678")},
		Form:             mmsmap.FormPLMN,
		PeerDomain:       "mms.mnc001.mcc262.gprs",
		Plan:             fwdPlan,
		Now:              fwdNow,
	}
}

// fwdConvert runs the whole outbound path on a mail: NewForwardRequest, then sevenbit.Body. It returns
// the request and the message to send (header and body).
func fwdConvert(t testing.TB, mail []byte, o ForwardOptions) (*ForwardRequest, []byte) {
	t.Helper()
	h, body := msgtest.Split(t, mail)
	req, err := NewForwardRequest(h, o)
	if err != nil {
		t.Fatalf("NewForwardRequest: %v", err)
	}
	var out bytes.Buffer
	hdr, err := sevenbit.Body(req.Header, bytes.NewReader(body), &out)
	if err != nil {
		t.Fatalf("sevenbit.Body: %v", err)
	}
	return req, append([]byte(msgtest.Text(t, hdr)), out.Bytes()...)
}

// fwdTranscript writes an envelope and message as an SMTP transaction (TS 23.140 §8.4.5).
func fwdTranscript(req *ForwardRequest, msg []byte) []byte {
	var b bytes.Buffer
	b.WriteString("MAIL FROM:<" + req.MailFrom + ">\r\n")
	for _, r := range req.RcptTo {
		b.WriteString("RCPT TO:<" + r + ">\r\n")
	}
	b.WriteString("DATA\r\n")
	b.Write(msg)
	return b.Bytes()
}

// fwdGoldenCases are the golden files: testdata/golden/<name>.in.eml is the mail, <name>.golden the
// SMTP transaction that carries the REQ (envelope, "DATA", message).
var fwdGoldenCases = []struct {
	name string
	opts func(*ForwardOptions)
}{
	{"forward-req-basic", func(*ForwardOptions) {}},
	{"forward-req-mapping", func(o *ForwardOptions) {
		o.DeliveryReport = true
		o.Recipients = []mmsmap.Address{fwdNumber("+15550002222"), fwdNumber("+15550009999")}
		o.PeerDomain = "mms.peer.example"
	}},
	{"forward-req-8bit", func(*ForwardOptions) {}},
	{"forward-req-wap", func(o *ForwardOptions) {
		o.Form = mmsmap.FormE164NoPlus
		o.AckRequest, o.OriginatorSystem = false, ""
		o.Recipients = []mmsmap.Address{fwdNumber("+4915112345678")}
	}},
	{"forward-req-7bit", func(o *ForwardOptions) {
		o.Form = mmsmap.FormE164
		o.Recipients = []mmsmap.Address{fwdNumber("+4915112345678"), fwdNumber("+4915112345678")}
	}},
}

func TestForwardGolden(t *testing.T) {
	for _, tc := range fwdGoldenCases {
		t.Run(tc.name, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", "golden", tc.name+".in.eml"))
			if err != nil {
				t.Fatal(err)
			}
			o := fwdOptions()
			tc.opts(&o)
			req, msg := fwdConvert(t, in, o)
			got := fwdTranscript(req, msg)
			path := filepath.Join("testdata", "golden", tc.name+".golden")
			if *updateGolden {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
			}
			if i := bytes.IndexFunc(msg, func(r rune) bool { return r >= 0x80 || r == 0 }); i >= 0 {
				t.Errorf("message is not 7-bit at offset %d", i)
			}
			reqHeader, _ := msgtest.Split(t, msg)
			if _, err := mm4.Parse(reqHeader); err != nil {
				t.Errorf("Parse(REQ): %v", err)
			}
		})
	}
}

// TestForwardHeaderOrder checks the exact field names and order of a REQ, independently of the
// golden files (TS 23.140 §8.4.1, §8.4.4).
func TestForwardHeaderOrder(t *testing.T) {
	mail := msgtest.Header(t, `Received: from x by y; Tue, 01 Jul 2025 09:00:00 +0000
Content-Type: text/plain; charset=us-ascii
From: Alice <+15550001111@mms.example.net>
X-Mailer: Example
To: +4915112345678@mms.mnc001.mcc262.gprs
In-Reply-To: <a@b.example>
Importance: low
Subject: hi
Disposition-Notification-To: <+15550001111@mms.example.net>
Content-ID: <body@client.example>`)
	o := fwdOptions()
	o.DeliveryReport = true
	req, err := NewForwardRequest(mail, o)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for f := req.Header.Fields(); f.Next(); {
		raw, _ := f.Raw()
		names = append(names, string(raw[:bytes.IndexByte(raw, ':')]))
	}
	var want []string
	if keepReceived {
		want = append(want, "Received")
	}
	want = append(want, mm4.HdrVersion, mm4.HdrMessageType, mm4.HdrTransactionID, mm4.HdrMessageID)
	if writeDefaultClass {
		want = append(want, mm4.HdrMessageClass)
	}
	want = append(want, mm4.HdrDeliveryReport, mm4.HdrPriority, mm4.HdrReadReply, mm4.HdrAckRequest, mm4.HdrOriginatorSystem,
		"Sender", "From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
		"Content-Type", "In-Reply-To", "Content-ID")
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Errorf("field order\n got %q\nwant %q", names, want)
	}
	text := msgtest.Text(t, req.Header)
	for _, line := range []string{
		"X-Mms-3GPP-MMS-Version: 6.10.0\r\n",
		"X-Mms-Message-Type: MM4_forward.REQ\r\n",
		"X-Mms-Transaction-ID: T0001@mms.example.net\r\n",
		"X-Mms-Message-ID: M0001@mms.example.net\r\n",
		"X-Mms-Delivery-Report: Yes\r\n",
		"X-Mms-Priority: Low\r\n",
		"X-Mms-Read-Reply: Yes\r\n",
		"X-Mms-Ack-Request: Yes\r\n",
		"X-Mms-Originator-System: system-user@mms.example.net\r\n",
		"Sender: +15550001111/TYPE=PLMN@mms.example.net\r\n",
		"From: Alice <+15550001111/TYPE=PLMN@mms.example.net>\r\n",
		"To: +4915112345678/TYPE=PLMN@mms.mnc001.mcc262.gprs\r\n",
		"Date: Tue, 01 Jul 2025 10:00:00 +0000\r\n",
		"Message-ID: <M0001@mms.example.net>\r\n",
		"MIME-Version: 1.0\r\n",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("header lacks %q:\n%s", line, text)
		}
	}
	if req.MailFrom != "+15550001111/TYPE=PLMN@mms.example.net" {
		t.Errorf("MailFrom = %q", req.MailFrom)
	}
	if strings.Join(req.RcptTo, ",") != "+4915112345678/TYPE=PLMN@mms.mnc001.mcc262.gprs" {
		t.Errorf("RcptTo = %q", req.RcptTo)
	}
}

// TestForwardMapping checks every row of the RFC 4356 §2.1.3.3 mappings: Importance and X-Priority to
// X-Mms-Priority, Disposition-Notification-To to X-Mms-Read-Reply, DSN NOTIFY=SUCCESS to
// X-Mms-Delivery-Report. The mapped fields themselves never reach the REQ.
func TestForwardMapping(t *testing.T) {
	for _, tc := range []struct {
		name, fields   string
		deliveryReport bool
		priority       string // X-Mms-Priority, "" for none
		readReply      bool
	}{
		{name: "none"},
		{name: "Importance high", fields: "Importance: high", priority: "High"},
		{name: "Importance normal", fields: "Importance: normal"},
		{name: "Importance low", fields: "Importance: low", priority: "Low"},
		{name: "Importance case", fields: "importance: HIGH", priority: "High"},
		{name: "Importance unknown", fields: "Importance: urgent"},
		{name: "X-Priority 1", fields: "X-Priority: 1", priority: "High"},
		{name: "X-Priority 1 (Highest)", fields: "X-Priority: 1 (Highest)", priority: "High"},
		{name: "X-Priority 2", fields: "X-Priority: 2 (High)", priority: "High"},
		{name: "X-Priority 3", fields: "X-Priority: 3 (Normal)"},
		{name: "X-Priority 4", fields: "X-Priority: 4", priority: "Low"},
		{name: "X-Priority 5", fields: "X-Priority: 5 (Lowest)", priority: "Low"},
		{name: "X-Priority 0", fields: "X-Priority: 0"},
		{name: "X-Priority 12", fields: "X-Priority: 12"},
		{name: "X-Priority text", fields: "X-Priority: high"},
		{name: "Importance wins", fields: "X-Priority: 1\nImportance: low", priority: "Low"},
		{name: "Importance normal wins", fields: "X-Priority: 1\nImportance: Normal"},
		{name: "X-Priority 3 and Importance high", fields: "X-Priority: 3\nImportance: high", priority: "High"},
		{name: "bad Importance, X-Priority used", fields: "Importance: whatever\nX-Priority: 4", priority: "Low"},
		{name: "Disposition-Notification-To", fields: "Disposition-Notification-To: <+15550001111@mms.example.net>", readReply: true},
		{name: "empty Disposition-Notification-To", fields: "Disposition-Notification-To: "},
		{name: "DSN NOTIFY=SUCCESS", deliveryReport: true},
		{name: "all", fields: "Importance: High\nDisposition-Notification-To: a@b.example", deliveryReport: true,
			priority: "High", readReply: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "From: +15550001111@mms.example.net\nTo: +4915112345678@mms.mnc001.mcc262.gprs\nSubject: x"
			if tc.fields != "" {
				src += "\n" + tc.fields
			}
			o := fwdOptions()
			o.DeliveryReport = tc.deliveryReport
			req, err := NewForwardRequest(msgtest.Header(t, src), o)
			if err != nil {
				t.Fatal(err)
			}
			m, err := mm4.Parse(req.Header)
			if err != nil {
				t.Fatalf("Parse(REQ): %v", err)
			}
			if m.Priority != tc.priority || m.ReadReply != tc.readReply || m.DeliveryReport != tc.deliveryReport {
				t.Errorf("Priority, ReadReply, DeliveryReport = %q, %v, %v; want %q, %v, %v",
					m.Priority, m.ReadReply, m.DeliveryReport, tc.priority, tc.readReply, tc.deliveryReport)
			}
			text := strings.ToLower(msgtest.Text(t, req.Header))
			for _, gone := range []string{"\nimportance:", "\nx-priority:", "\ndisposition-notification-to:"} {
				if strings.Contains(text, gone) {
					t.Errorf("REQ keeps %q", gone)
				}
			}
		})
	}
}

// TestForwardRecipients checks To and Cc rewriting, Bcc and the envelope (RFC 4356 §2.1.3.3: only the
// envelope recipients are recipients; Bcc recipients never appear in a header).
func TestForwardRecipients(t *testing.T) {
	for _, tc := range []struct {
		name       string
		fields     string
		form       mmsmap.Form
		recipients []string
		wantTo     string // "" for none
		wantCc     string
		wantRcpt   []string
	}{
		{
			name:       "numbers rewritten, e-mail kept, display names kept",
			fields:     "To: \"Bob B.\" <555-000-2222@mms.example.net>, bob@internet.example\nCc: 011 49 151 12345678 <4915112345678@elsewhere.example>",
			recipients: []string{"+15550002222"},
			wantTo:     `"Bob B." <+15550002222/TYPE=PLMN@mms.mnc001.mcc262.gprs>, bob@internet.example`,
			wantCc:     "011 49 151 12345678 <+4915112345678/TYPE=PLMN@mms.mnc001.mcc262.gprs>",
			wantRcpt:   []string{"+15550002222/TYPE=PLMN@mms.mnc001.mcc262.gprs"},
		},
		{
			name:       "number forms",
			fields:     "To: 15550002222@mms.example.net, *123@mms.example.net, 12345",
			form:       mmsmap.FormE164NoPlus,
			recipients: []string{"+15550002222"},
			wantTo:     "15550002222@mms.mnc001.mcc262.gprs, *123@mms.mnc001.mcc262.gprs, 12345@mms.mnc001.mcc262.gprs",
			wantRcpt:   []string{"15550002222@mms.mnc001.mcc262.gprs"},
		},
		{
			name:       "non-ASCII display name",
			fields:     "To: =?UTF-8?B?TcO8bGxlcg==?= <+4915112345678@x.example>",
			recipients: []string{"+4915112345678"},
			wantTo:     "=?utf-8?b?TcO8bGxlcg==?= <+4915112345678/TYPE=PLMN@mms.mnc001.mcc262.gprs>",
			wantRcpt:   []string{"+4915112345678/TYPE=PLMN@mms.mnc001.mcc262.gprs"},
		},
		{
			name:       "Bcc only, one recipient: written in To",
			fields:     "Bcc: +15550009999@mms.example.net",
			recipients: []string{"+15550009999"},
			wantTo:     "+15550009999/TYPE=PLMN@mms.mnc001.mcc262.gprs",
			wantRcpt:   []string{"+15550009999/TYPE=PLMN@mms.mnc001.mcc262.gprs"},
		},
		{
			name:       "Bcc only, several recipients: undisclosed",
			fields:     "Bcc: +15550009999@mms.example.net, +15550008888@mms.example.net",
			recipients: []string{"+15550009999", "+15550008888", "+15550009999"},
			wantTo:     "undisclosed-recipients:;",
			wantRcpt: []string{"+15550009999/TYPE=PLMN@mms.mnc001.mcc262.gprs",
				"+15550008888/TYPE=PLMN@mms.mnc001.mcc262.gprs"},
		},
		{
			name:       "To and hidden Bcc",
			fields:     "To: +15550002222@mms.example.net\nBcc: +15550009999@mms.example.net",
			recipients: []string{"+15550002222", "+15550009999"},
			wantTo:     "+15550002222/TYPE=PLMN@mms.mnc001.mcc262.gprs",
			wantRcpt: []string{"+15550002222/TYPE=PLMN@mms.mnc001.mcc262.gprs",
				"+15550009999/TYPE=PLMN@mms.mnc001.mcc262.gprs"},
		},
		{
			name:       "two To fields merged",
			fields:     "To: +15550002222@mms.example.net\nTo: +15550003333@mms.example.net",
			recipients: []string{"+15550002222"},
			wantTo:     "+15550002222/TYPE=PLMN@mms.mnc001.mcc262.gprs, +15550003333/TYPE=PLMN@mms.mnc001.mcc262.gprs",
			wantRcpt:   []string{"+15550002222/TYPE=PLMN@mms.mnc001.mcc262.gprs"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := fwdOptions()
			o.Form = tc.form
			o.Recipients = nil
			for _, r := range tc.recipients {
				o.Recipients = append(o.Recipients, fwdNumber(r))
			}
			req, err := NewForwardRequest(msgtest.Header(t, "From: x <+15550001111@mms.example.net>\n"+tc.fields), o)
			if err != nil {
				t.Fatal(err)
			}
			if got := req.Header.Get("To"); got != tc.wantTo {
				t.Errorf("To = %q\n want %q", got, tc.wantTo)
			}
			if got := req.Header.Get("Cc"); got != tc.wantCc {
				t.Errorf("Cc = %q\n want %q", got, tc.wantCc)
			}
			if strings.Join(req.RcptTo, " ") != strings.Join(tc.wantRcpt, " ") {
				t.Errorf("RcptTo = %q\n want %q", req.RcptTo, tc.wantRcpt)
			}
			text := msgtest.Text(t, req.Header)
			if strings.Contains(strings.ToLower(text), "bcc") || strings.Contains(text, "9999") && !strings.Contains(tc.wantTo, "9999") {
				t.Errorf("a Bcc recipient leaks into the header:\n%s", text)
			}
			if _, err := mm4.Parse(req.Header); err != nil {
				t.Errorf("Parse(REQ): %v", err)
			}
		})
	}
}

// TestForwardKeptFields checks the allow-list: what is kept, dropped and rewritten.
func TestForwardKeptFields(t *testing.T) {
	mail := msgtest.Header(t, `Return-Path: <x@y.example>
Received: from a by b; Tue, 01 Jul 2025 09:00:00 +0000
DKIM-Signature: v=1; d=example.com; b=abc
ARC-Seal: i=1; cv=none
Authentication-Results: mx.example; spf=pass
X-Mms-Message-Type: MM4_forward.RES
X-MMS-ORIGINATOR-SYSTEM: evil@attacker.example
x-mms-originator-r/s-delivery-report: Yes
X-Mms-Transaction-ID: forged
Sender: forged@attacker.example
From: Alice <forged@attacker.example>
To: +4915112345678@mms.mnc001.mcc262.gprs
Bcc: +15550009999@mms.example.net
Reply-To: elsewhere@attacker.example
Privacy: private
List-Unsubscribe: <mailto:u@list.example>
Content-Length: 12
MIME-Version: 2.0
Message-ID: <kept@client.example>
Date: Mon, 30 Jun 2025 08:00:00 -0400
In-Reply-To: <prev@client.example>
References: <first@client.example> <prev@client.example>
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit
Content-Language: en
Content-ID: <c1@client.example>
Sensitivity: Company-Confidential`)
	req, err := NewForwardRequest(mail, fwdOptions())
	if err != nil {
		t.Fatal(err)
	}
	text := msgtest.Text(t, req.Header)
	gone := []string{"Return-Path", "DKIM", "Privacy", "ARC-Seal", "Authentication-Results",
		"MM4_forward.RES", "evil", "forged", "Bcc", "\nReply-To", "Resent", "List-Unsubscribe", "Content-Length",
		"2.0", "Sensitivity", "x-mms-originator-r/s", "X-Mms-Originator-R/S", "9999"}
	if !keepReceived {
		gone = append(gone, "Received")
	}
	for _, gone := range gone {
		if strings.Contains(text, gone) {
			t.Errorf("REQ keeps %q:\n%s", gone, text)
		}
	}
	for _, line := range []string{
		"X-Mms-Transaction-ID: T0001@mms.example.net\r\n",
		"X-Mms-Originator-System: system-user@mms.example.net\r\n",
		"From: Alice <+15550001111/TYPE=PLMN@mms.example.net>\r\n",
		"Message-ID: <kept@client.example>\r\n",
		"Date: Mon, 30 Jun 2025 08:00:00 -0400\r\n",
		"MIME-Version: 1.0\r\n" +
			"In-Reply-To: <prev@client.example>\r\n" +
			"References: <first@client.example> <prev@client.example>\r\n" +
			"Content-Type: text/plain; charset=us-ascii\r\n" +
			"Content-Transfer-Encoding: 7bit\r\n" +
			"Content-Language: en\r\n" +
			"Content-ID: <c1@client.example>\r\n\r\n",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("REQ lacks %q:\n%s", line, text)
		}
	}
	if top := "Received: from a by b; Tue, 01 Jul 2025 09:00:00 +0000\r\nX-Mms-3GPP-MMS-Version: 6.10.0\r\n"; keepReceived && !strings.HasPrefix(text, top) {
		t.Errorf("REQ does not begin with %q:\n%s", top, text)
	}
}

func TestForwardDefaults(t *testing.T) {
	// No Date, no Message-ID, a malformed Message-ID: Date from Now, Message-ID from MessageID.
	for _, fields := range []string{"", "Message-ID: not-an-id", "Message-ID: <a@b@c>", "Date: yesterday"} {
		src := "From: +15550001111@mms.example.net\nTo: +4915112345678@mms.mnc001.mcc262.gprs"
		if fields != "" {
			src += "\n" + fields
		}
		req, err := NewForwardRequest(msgtest.Header(t, src), fwdOptions())
		if err != nil {
			t.Fatal(err)
		}
		if got := req.Header.Get("Date"); got != "Tue, 01 Jul 2025 10:00:00 +0000" {
			t.Errorf("%q: Date = %q", fields, got)
		}
		if got := req.Header.Get("Message-Id"); got != "<M0001@mms.example.net>" && fields != "Date: yesterday" {
			t.Errorf("%q: Message-ID = %q", fields, got)
		}
	}
	// A zero Now means the current time.
	o := fwdOptions()
	o.Now = time.Time{}
	o.AckRequest = false
	o.OriginatorSystem = ""
	req, err := NewForwardRequest(msgtest.Header(t, "To: +4915112345678@x.example"), o)
	if err != nil {
		t.Fatal(err)
	}
	d, err := lex.ParseDate(req.Header.Get("Date"))
	if err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date = %q", req.Header.Get("Date"))
	}
	if got := req.Header.Get(mm4.HdrAckRequest); got != "No" {
		t.Errorf("X-Mms-Ack-Request = %q, want No", got)
	}
	if req.Header.Has(mm4.HdrOriginatorSystem) {
		t.Error("X-Mms-Originator-System written without a value")
	}
	if got := req.Header.Get("From"); got != "+15550001111/TYPE=PLMN@mms.example.net" {
		t.Errorf("From = %q", got)
	}
}

func TestForwardSubject(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"ASCII", "Lunch?", "Lunch?"},
		{"encoded-words untouched", "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from =?ISO-8859-1?Q?K=F6ln?=", "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from =?ISO-8859-1?Q?K=F6ln?="},
		{"raw UTF-8", "Grüße", "=?utf-8?q?Gr=C3=BC=C3=9Fe?="},
		{"raw UTF-8 and a word", "Grüße =?UTF-8?Q?aus_K=C3=B6ln?=", "=?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?="},
		{"not UTF-8", "caf\xe9", "=?unknown-8bit?q?caf=E9?="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := NewForwardRequest(msgtest.Header(t, "To: +4915112345678@x.example\nSubject: "+tc.in), fwdOptions())
			if err != nil {
				t.Fatal(err)
			}
			if got := req.Header.Get("Subject"); got != tc.want {
				t.Errorf("Subject = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestForwardErrors covers invalid options and refused mail, including header injection through
// the options.
func TestForwardErrors(t *testing.T) {
	const inject = "x\r\nX-Mms-Message-Type: MM4_forward.RES"
	for _, tc := range []struct {
		name  string
		mail  string
		opts  func(*ForwardOptions)
		field string // FieldError.Field
	}{
		{"no recipients", "", func(o *ForwardOptions) { o.Recipients = nil }, "RCPT TO"},
		{"too many recipients", "", func(o *ForwardOptions) {
			o.Recipients = make([]mmsmap.Address, MaxForwardRecipients+1)
			for i := range o.Recipients {
				o.Recipients[i] = fwdNumber("+1555" + strconv.Itoa(1000000+i))
			}
		}, "RCPT TO"},
		{"recipient not normalised", "", func(o *ForwardOptions) { o.Recipients = []mmsmap.Address{fwdNumber("5550002222")} }, "RCPT TO"},
		{"recipient e-mail", "", func(o *ForwardOptions) {
			o.Recipients = []mmsmap.Address{{Type: mmsmap.TypeEmail, Value: "bob", Domain: "example.com"}}
		}, "RCPT TO"},
		{"recipient CRLF", "", func(o *ForwardOptions) { o.Recipients = []mmsmap.Address{fwdNumber("+1555\r\nRSET")} }, "RCPT TO"},
		{"recipient short code CRLF", "", func(o *ForwardOptions) {
			o.Recipients = []mmsmap.Address{{Type: mmsmap.TypeShortCode, Value: "123\r\nDATA"}}
		}, "RCPT TO"},
		{"recipient zero", "", func(o *ForwardOptions) { o.Recipients = []mmsmap.Address{{}} }, "RCPT TO"},
		{"sender missing", "", func(o *ForwardOptions) { o.Sender = mmsmap.Address{} }, "MAIL FROM"},
		{"sender e-mail", "", func(o *ForwardOptions) {
			o.Sender = mmsmap.Address{Type: mmsmap.TypeEmail, Value: "a", Domain: "b.example"}
		}, "MAIL FROM"},
		{"sender not normalised", "", func(o *ForwardOptions) { o.Sender = fwdNumber("015550001111") }, "MAIL FROM"},
		{"sender too long", "", func(o *ForwardOptions) { o.Sender = fwdNumber("+1555000111122223333") }, "MAIL FROM"},
		{"sender CRLF", "", func(o *ForwardOptions) { o.Sender = fwdNumber("+1555\r\n") }, "MAIL FROM"},
		{"sender domain CRLF", "", func(o *ForwardOptions) { o.SenderDomain = "mms.example.net\r\nRCPT TO:<x@y>" }, "MAIL FROM"},
		{"sender domain missing", "", func(o *ForwardOptions) { o.SenderDomain = "" }, "MAIL FROM"},
		{"peer domain CRLF", "", func(o *ForwardOptions) { o.PeerDomain = "peer.example\r\n" }, "RCPT TO"},
		{"peer domain bad", "", func(o *ForwardOptions) { o.PeerDomain = "peer..example" }, "RCPT TO"},
		{"unknown form", "", func(o *ForwardOptions) { o.Form = mmsmap.Form(9) }, "RCPT TO"},
		{"version missing", "", func(o *ForwardOptions) { o.Version = "" }, mm4.HdrVersion},
		{"version CRLF", "", func(o *ForwardOptions) { o.Version = "6.10.0" + inject }, mm4.HdrVersion},
		{"transaction ID missing", "", func(o *ForwardOptions) { o.TransactionID = "" }, mm4.HdrTransactionID},
		{"transaction ID CRLF", "", func(o *ForwardOptions) { o.TransactionID = inject }, mm4.HdrTransactionID},
		{"transaction ID LF", "", func(o *ForwardOptions) { o.TransactionID = "a\nb" }, mm4.HdrTransactionID},
		{"transaction ID NUL", "", func(o *ForwardOptions) { o.TransactionID = "a\x00b" }, mm4.HdrTransactionID},
		{"transaction ID non-ASCII", "", func(o *ForwardOptions) { o.TransactionID = "café" }, mm4.HdrTransactionID},
		{"transaction ID too long", "", func(o *ForwardOptions) { o.TransactionID = strings.Repeat("t", 5000) }, mm4.HdrTransactionID},
		{"message ID missing", "", func(o *ForwardOptions) { o.MessageID = "" }, mm4.HdrMessageID},
		{"message ID CRLF", "", func(o *ForwardOptions) { o.MessageID = inject }, mm4.HdrMessageID},
		{"originator system CRLF", "", func(o *ForwardOptions) { o.OriginatorSystem = "a@b.example" + inject }, mm4.HdrOriginatorSystem},
		{"originator system not a mailbox", "", func(o *ForwardOptions) { o.OriginatorSystem = "system-user" }, mm4.HdrOriginatorSystem},
		{"ack without originator system", "", func(o *ForwardOptions) { o.OriginatorSystem = "" }, mm4.HdrOriginatorSystem},
		{"bad To", "To: <unterminated", nil, "To"},
		{"non-UTF-8 To", "To: +15550002222@mms.example.net, b\xe9b@example.com", nil, "To"},
		{"CRLF smuggled in Cc", "Cc: a@b.example\r\n =?UTF-8?Q?x?= <c@d\x00.example>", nil, "Cc"},
		{"1 MB Subject", "Subject: " + strings.Repeat("spam ", 200000), nil, "Subject"},
		{"1 MB Subject, no spaces", "Subject: " + strings.Repeat("x", 1<<20), nil, "Subject"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := fwdOptions()
			if tc.opts != nil {
				tc.opts(&o)
			}
			src := "From: +15550001111@mms.example.net\r\nTo: +4915112345678@x.example\r\n"
			if tc.mail != "" {
				src = "From: +15550001111@mms.example.net\r\n" + tc.mail + "\r\n"
				if !strings.Contains(tc.mail, "To:") {
					src += "To: +4915112345678@x.example\r\n"
				}
			}
			mail, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(src + "\r\n")))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			req, err := NewForwardRequest(mail, o)
			if elapsed := time.Since(start); elapsed > time.Second {
				t.Errorf("took %v", elapsed)
			}
			var fe *mm4.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v (%T), req = %+v; want a *mm4.FieldError", err, err, req)
			}
			if fe.Field != tc.field {
				t.Errorf("Field = %q, want %q (%v)", fe.Field, tc.field, err)
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\r\n\x00") || len(msg) > 400 {
				t.Errorf("error message unsafe for an SMTP reply: %q", msg)
			}
		})
	}
}

// TestForwardHostileScale: 10,000 envelope recipients are refused, 1000 are fine; 10,000 To
// addresses give a To over its limit; all in bounded time.
func TestForwardHostileScale(t *testing.T) {
	numbers := func(n int) []mmsmap.Address {
		out := make([]mmsmap.Address, n)
		for i := range out {
			out[i] = fwdNumber("+1555" + strconv.Itoa(1000000+i))
		}
		return out
	}
	o := fwdOptions()
	o.Recipients = numbers(10000)
	start := time.Now()
	if _, err := NewForwardRequest(msgtest.Header(t, "To: +4915112345678@x.example"), o); err == nil {
		t.Error("10,000 recipients accepted")
	}
	o.Recipients = numbers(MaxForwardRecipients)
	req, err := NewForwardRequest(msgtest.Header(t, "To: +4915112345678@x.example"), o)
	if err != nil || len(req.RcptTo) != MaxForwardRecipients {
		t.Errorf("%d recipients: err = %v", MaxForwardRecipients, err)
	}

	// 10,000 addresses are refused before they are parsed (over 4×64 KiB); 2,500 are parsed, and
	// the rewritten To exceeds the 64 KiB limit of [Message.Header].
	for _, n := range []int{10000, 2500} {
		var to strings.Builder
		to.WriteString("To: ")
		for i := 0; i < n; i++ {
			if i > 0 {
				to.WriteString(", ")
			}
			to.WriteString("+1555" + strconv.Itoa(1000000+i) + "@mms.example.net")
		}
		_, err = NewForwardRequest(msgtest.Header(t, to.String()), fwdOptions())
		var fe *mm4.FieldError
		if !errors.As(err, &fe) || fe.Field != "To" {
			t.Errorf("%d To addresses: err = %v, want a *mm4.FieldError for To", n, err)
		}
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("took %v", elapsed)
	}
}

// fwdPythonScript reads a message with Python's email package and reports its defects (message,
// parts and header values), its leaves (media type and SHA-256 of the decoded content), some
// header values and the file names.
const fwdPythonScript = `
import email, email.policy, hashlib, json, sys
msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
out = {"defects": [], "leaves": [], "headers": {}}
for part in msg.walk():
    out["defects"] += ["%s: %r" % (part.get_content_type(), d) for d in part.defects]
    for k, v in part.items():
        out["defects"] += ["%s: %r" % (k, d) for d in getattr(v, "defects", ())]
    if not part.is_multipart():
        out["leaves"].append([part.get_content_type(), hashlib.sha256(part.get_payload(decode=True)).hexdigest()])
for k in ("X-Mms-Message-Type", "From", "To", "Subject", "Sender"):
    out["headers"][k] = str(msg[k])
out["filename"] = [p.get_filename() for p in msg.walk() if p.get_filename()]
json.dump(out, sys.stdout)
`

type fwdPythonView struct {
	Defects  []string
	Leaves   [][2]string
	Headers  map[string]string
	Filename []string
}

func fwdPython(t *testing.T, python string, msg []byte) fwdPythonView {
	t.Helper()
	cmd := exec.Command(python, "-c", fwdPythonScript)
	cmd.Stdin = bytes.NewReader(msg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	var v fwdPythonView
	if err := json.Unmarshal(stdout, &v); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	return v
}

// TestForwardPython checks with Python's email package, a second and independent parser, that every
// golden REQ with its 7-bit body parses without defects, and that the leaves of the 8-bit one decode
// to the content the mail carried.
func TestForwardPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	for _, tc := range fwdGoldenCases {
		in, err := os.ReadFile(filepath.Join("testdata", "golden", tc.name+".in.eml"))
		if err != nil {
			t.Fatal(err)
		}
		o := fwdOptions()
		tc.opts(&o)
		_, msg := fwdConvert(t, in, o)
		got := fwdPython(t, python, msg)
		if len(got.Defects) > 0 {
			t.Errorf("%s: Python reports defects: %q", tc.name, got.Defects)
		}
		if got.Headers["X-Mms-Message-Type"] != "MM4_forward.REQ" {
			t.Errorf("%s: Python reads X-Mms-Message-Type as %q", tc.name, got.Headers["X-Mms-Message-Type"])
		}
		if tc.name != "forward-req-8bit" {
			continue
		}
		// The leaves of forward-req-8bit.in.eml, decoded, as the file carries them.
		_, body := msgtest.Split(t, in)
		inner := bytes.Split(body, []byte("\r\n--inner"))
		content := func(part []byte) []byte { return part[bytes.Index(part, []byte("\r\n\r\n"))+4:] }
		sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
		want := [][2]string{
			{"application/smil", sum(content(inner[1]))},
			{"text/plain", sum(content(inner[2]))},
			{"image/jpeg", sum(content(inner[3]))},
			{"text/plain", sum([]byte("Sent from my phone."))},
		}
		if fmt.Sprint(got.Leaves) != fmt.Sprint(want) {
			t.Errorf("leaves = %q, want %q", got.Leaves, want)
		}
		for k, v := range map[string]string{
			"From":    "Jürgen <+15550001111/TYPE=PLMN@mms.example.net>",
			"To":      "Müller <+4915112345678/TYPE=PLMN@mms.mnc001.mcc262.gprs>",
			"Subject": "Grüße aus Köln",
			"Sender":  "+15550001111/TYPE=PLMN@mms.example.net",
		} {
			if got.Headers[k] != v {
				t.Errorf("Python reads %s as %q, want %q", k, got.Headers[k], v)
			}
		}
		if strings.Join(got.Filename, ",") != "Köln.jpg" {
			t.Errorf("filenames = %q", got.Filename)
		}
	}
}
