// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package dsn

import (
	"bytes"
	"fmt"
	"mime"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	gotextproto "github.com/emersion/go-message/textproto"
)

// dsnHeaderFields is the exact set of fields of every generated DSN header.
var dsnHeaderFields = []string{
	"Auto-Submitted", "Content-Type", "Date", "From", "Message-Id",
	"Mime-Version", "Subject", "To",
}

// perMessageFields are the fields the per-message group may contain
// (RFC 3464 §2.2), in canonical MIME form.
var perMessageFields = map[string]bool{"Reporting-Mta": true, "Dsn-Gateway": true, "Arrival-Date": true}

// perRecipientFields are the fields a per-recipient group may contain
// (RFC 3464 §2.3), in canonical MIME form.
var perRecipientFields = map[string]bool{
	"Original-Recipient": true, "Final-Recipient": true, "Action": true,
	"Status": true, "Remote-Mta": true, "Diagnostic-Code": true,
	"Last-Attempt-Date": true, "Will-Retry-Until": true,
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkCommon asserts what holds for every DSN: 7-bit, the exact header
// field set, one field each, multipart/report; report-type=delivery-status,
// a per-message group with Reporting-MTA and only known per-recipient fields.
func checkCommon(t *testing.T, msg []byte, d goDSN, nRcpt int) {
	t.Helper()
	check7bit(t, msg)
	if got := sortedKeys(d.header); !reflect.DeepEqual(got, dsnHeaderFields) {
		t.Errorf("header fields = %v, want %v", got, dsnHeaderFields)
	}
	for k, v := range d.header {
		if len(v) != 1 {
			t.Errorf("header field %s occurs %d times", k, len(v))
		}
	}
	if d.mediaType != "multipart/report" || d.params["report-type"] != "delivery-status" {
		t.Errorf("Content-Type = %s %v", d.mediaType, d.params)
	}
	if d.header.Get("Auto-Submitted") != "auto-replied" || d.header.Get("Mime-Version") != "1.0" {
		t.Errorf("Auto-Submitted/MIME-Version wrong: %v", d.header)
	}
	if len(d.blocks) != nRcpt+1 {
		t.Fatalf("delivery-status has %d groups, want %d", len(d.blocks), nRcpt+1)
	}
	if d.blocks[0].Get("Reporting-Mta") == "" {
		t.Errorf("per-message group lacks Reporting-MTA: %v", d.blocks[0])
	}
	for k, v := range d.blocks[0] {
		if !perMessageFields[k] || len(v) != 1 {
			t.Errorf("per-message field %s (%d times)", k, len(v))
		}
	}
	for i, b := range d.blocks[1:] {
		for k, v := range b {
			if !perRecipientFields[k] {
				t.Errorf("group %d: unexpected field %s", i+1, k)
			}
			if len(v) != 1 {
				t.Errorf("group %d: field %s occurs %d times", i+1, k, len(v))
			}
		}
		for _, req := range []string{"Final-Recipient", "Action", "Status"} {
			if b.Get(req) == "" {
				t.Errorf("group %d: %s missing", i+1, req)
			}
		}
	}
}

func decodeHeader(t *testing.T, s string) string {
	t.Helper()
	out, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return out
}

func TestGenerateStructure(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(r *Report)
		subject string
		parts   []string
		rcpts   []map[string]string // expected per-recipient fields (exact set)
		text    string              // substring expected in the explanation
		perMsg  map[string]string   // expected per-message fields; nil: Reporting-MTA only
	}{
		{
			name:    "peer refused (MM4_forward.RES Error-content-not-accepted)",
			mod:     func(r *Report) {},
			subject: "Undelivered MMS: Holiday pictures",
			parts:   []string{"text/plain", "message/delivery-status", "text/rfc822-headers"},
			rcpts: []map[string]string{{
				"Final-Recipient":   "rfc822; +33612345678/TYPE=PLMN@mms.peer.example",
				"Action":            "failed",
				"Status":            "5.6.0",
				"Remote-Mta":        "dns; mms.peer.example",
				"Diagnostic-Code":   "X-MMS; Error-content-not-accepted: Image too large",
				"Last-Attempt-Date": "Sat, 14 Mar 2026 15:08:26 +0100",
			}},
			text: "Reason: Image too large",
		},
		{
			name: "too large for the peer, nothing sent",
			mod: func(r *Report) {
				r.Recipients = []Recipient{{
					FinalRecipient: "+33612345678/TYPE=PLMN@mms.peer.example",
					Action:         ActionFailed,
					Status:         [3]int{5, 3, 4},
					DiagnosticCode: "Message size 612345 exceeds the peer's limit of 300000",
				}}
				r.Explanation = ""
			},
			subject: "Undelivered MMS: Holiday pictures",
			parts:   []string{"text/plain", "message/delivery-status", "text/rfc822-headers"},
			rcpts: []map[string]string{{
				"Final-Recipient": "rfc822; +33612345678/TYPE=PLMN@mms.peer.example",
				"Action":          "failed",
				"Status":          "5.3.4",
				"Diagnostic-Code": "X-MMS; Message size 612345 exceeds the peer's limit of 300000",
			}},
			text: "could not be delivered",
		},
		{
			name: "no response yet: delayed",
			mod: func(r *Report) {
				r.Recipients = []Recipient{{
					FinalRecipient:    "rfc822; +33612345678/TYPE=PLMN@mms.peer.example",
					OriginalRecipient: "rfc822; +33612345678/TYPE=PLMN@mms.peer.example",
					Action:            ActionDelayed,
					Status:            [3]int{4, 4, 1},
					RemoteMTA:         "mms.peer.example.",
					LastAttempt:       testDate,
					WillRetryUntil:    testDate.Add(48 * time.Hour),
				}}
				r.Explanation = ""
			},
			subject: "Delayed MMS: Holiday pictures",
			parts:   []string{"text/plain", "message/delivery-status", "text/rfc822-headers"},
			rcpts: []map[string]string{{
				"Original-Recipient": "rfc822; +33612345678/TYPE=PLMN@mms.peer.example",
				"Final-Recipient":    "rfc822; +33612345678/TYPE=PLMN@mms.peer.example",
				"Action":             "delayed",
				"Status":             "4.4.1",
				"Remote-Mta":         "dns; mms.peer.example",
				"Last-Attempt-Date":  "Sat, 14 Mar 2026 15:09:26 +0100",
				"Will-Retry-Until":   "Mon, 16 Mar 2026 15:09:26 +0100",
			}},
			text: "has not yet been delivered",
		},
		{
			name: "no response in time: failed 4.4.7, smtp diagnostic, no original header",
			mod: func(r *Report) {
				r.Recipients = []Recipient{{
					FinalRecipient: "rfc822;a@peer.example",
					Action:         ActionFailed,
					Status:         [3]int{4, 4, 7},
					DiagnosticCode: "smtp; 451 4.4.7 no MM4_forward.RES received",
				}}
				r.OriginalHeader = gotextproto.Header{}
			},
			subject: "Undelivered MMS",
			parts:   []string{"text/plain", "message/delivery-status"},
			rcpts: []map[string]string{{
				"Final-Recipient": "rfc822; a@peer.example",
				"Action":          "failed",
				"Status":          "4.4.7",
				"Diagnostic-Code": "smtp; 451 4.4.7 no MM4_forward.RES received",
			}},
		},
		{
			name: "mixed failed and delayed",
			mod: func(r *Report) {
				r.Recipients = append(r.Recipients, Recipient{
					FinalRecipient: "b@other.example", Action: ActionDelayed, Status: [3]int{4, 4, 1},
				})
			},
			subject: "Undelivered MMS: Holiday pictures",
			parts:   []string{"text/plain", "message/delivery-status", "text/rfc822-headers"},
			rcpts: []map[string]string{
				{
					"Final-Recipient":   "rfc822; +33612345678/TYPE=PLMN@mms.peer.example",
					"Action":            "failed",
					"Status":            "5.6.0",
					"Remote-Mta":        "dns; mms.peer.example",
					"Diagnostic-Code":   "X-MMS; Error-content-not-accepted: Image too large",
					"Last-Attempt-Date": "Sat, 14 Mar 2026 15:08:26 +0100",
				},
				{
					"Final-Recipient": "rfc822; b@other.example",
					"Action":          "delayed",
					"Status":          "4.4.1",
				},
			},
		},
		{
			name: "MMS delivery report Retrieved: delivered, with DSN-Gateway",
			mod: func(r *Report) {
				r.Recipients = []Recipient{{
					FinalRecipient: "+33612345678/TYPE=PLMN@mms.peer.example",
					Action:         ActionDelivered,
					Status:         [3]int{2, 0, 0},
					DiagnosticCode: "X-MMS; Retrieved",
					LastAttempt:    testDate,
				}}
				r.Explanation = ""
				r.Gateway = "dns; mms.example.net."
				r.ArrivalDate = testDate.Add(-time.Hour)
			},
			subject: "Delivered MMS: Holiday pictures",
			parts:   []string{"text/plain", "message/delivery-status", "text/rfc822-headers"},
			rcpts: []map[string]string{{
				"Final-Recipient":   "rfc822; +33612345678/TYPE=PLMN@mms.peer.example",
				"Action":            "delivered",
				"Status":            "2.0.0",
				"Diagnostic-Code":   "X-MMS; Retrieved",
				"Last-Attempt-Date": "Sat, 14 Mar 2026 15:09:26 +0100",
			}},
			text: "has been delivered to the recipients listed below.\r\n\r\n" +
				"  +33612345678/TYPE=PLMN@mms.peer.example: delivered (2.0.0)\r\n    Retrieved\r\n\r\n" +
				"This report was made by the MMS gateway mms.example.net from a delivery report\r\n" +
				"of the MMS network (RFC 4356).\r\n",
			perMsg: map[string]string{
				"Reporting-Mta": "dns; mms.example.net",
				"Dsn-Gateway":   "dns; mms.example.net",
				"Arrival-Date":  "Sat, 14 Mar 2026 14:09:26 +0100",
			},
		},
		{
			name: "MMS delivery report Forwarded: relayed, caller's text as given",
			mod: func(r *Report) {
				r.Recipients = []Recipient{{
					FinalRecipient: "rfc822; +33612345678/TYPE=PLMN@mms.peer.example",
					Action:         ActionRelayed,
					Status:         [3]int{2, 0, 0},
				}}
				r.Explanation = "Status text of the MMSC: forwarded to another phone"
				r.Gateway = "gw.example.net"
			},
			subject: "Relayed MMS: Holiday pictures",
			parts:   []string{"text/plain", "message/delivery-status", "text/rfc822-headers"},
			rcpts: []map[string]string{{
				"Final-Recipient": "rfc822; +33612345678/TYPE=PLMN@mms.peer.example",
				"Action":          "relayed",
				"Status":          "2.0.0",
			}},
			text: "Status text of the MMSC: forwarded to another phone\r\n",
			perMsg: map[string]string{
				"Reporting-Mta": "dns; mms.example.net",
				"Dsn-Gateway":   "dns; gw.example.net",
			},
		},
		{
			name: "delivered and delayed: mixed",
			mod: func(r *Report) {
				r.Recipients = []Recipient{
					{FinalRecipient: "a@peer.example", Action: ActionDelivered, Status: [3]int{2, 0, 0}},
					{FinalRecipient: "b@peer.example", Action: ActionDelayed, Status: [3]int{4, 4, 1}},
				}
				r.Explanation = ""
			},
			subject: "MMS delivery status: Holiday pictures",
			parts:   []string{"text/plain", "message/delivery-status", "text/rfc822-headers"},
			rcpts: []map[string]string{
				{"Final-Recipient": "rfc822; a@peer.example", "Action": "delivered", "Status": "2.0.0"},
				{"Final-Recipient": "rfc822; b@peer.example", "Action": "delayed", "Status": "4.4.1"},
			},
			text: "The delivery status of your MMS for each of its recipients is listed below.",
		},
		{
			name: "delivered and relayed: mixed",
			mod: func(r *Report) {
				r.Recipients = []Recipient{
					{FinalRecipient: "a@peer.example", Action: ActionDelivered, Status: [3]int{2, 0, 0}},
					{FinalRecipient: "b@peer.example", Action: ActionRelayed, Status: [3]int{2, 0, 0}},
				}
				r.OriginalHeader = gotextproto.Header{}
			},
			subject: "MMS delivery status",
			parts:   []string{"text/plain", "message/delivery-status"},
			rcpts: []map[string]string{
				{"Final-Recipient": "rfc822; a@peer.example", "Action": "delivered", "Status": "2.0.0"},
				{"Final-Recipient": "rfc822; b@peer.example", "Action": "relayed", "Status": "2.0.0"},
			},
		},
		{
			name: "delivered and failed: undelivered",
			mod: func(r *Report) {
				r.Recipients = []Recipient{
					{FinalRecipient: "a@peer.example", Action: ActionDelivered, Status: [3]int{2, 0, 0}},
					{FinalRecipient: "b@peer.example", Action: ActionFailed, Status: [3]int{5, 4, 7}, DiagnosticCode: "X-MMS; Expired"},
				}
				r.Explanation = ""
			},
			subject: "Undelivered MMS: Holiday pictures",
			parts:   []string{"text/plain", "message/delivery-status", "text/rfc822-headers"},
			rcpts: []map[string]string{
				{"Final-Recipient": "rfc822; a@peer.example", "Action": "delivered", "Status": "2.0.0"},
				{"Final-Recipient": "rfc822; b@peer.example", "Action": "failed", "Status": "5.4.7", "Diagnostic-Code": "X-MMS; Expired"},
			},
			text: "could not be delivered to one or more",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := baseReport()
			tc.mod(&r)
			msg := generate(t, r)
			d := parseGo(t, msg)
			checkCommon(t, msg, d, len(tc.rcpts))

			if got := decodeHeader(t, d.header.Get("Subject")); got != tc.subject {
				t.Errorf("Subject = %q, want %q", got, tc.subject)
			}
			if got := d.header.Get("From"); got != `"MMS Relay" <postmaster@mms.example.net>` {
				t.Errorf("From = %q", got)
			}
			if got := d.header.Get("To"); got != "+491701234567/TYPE=PLMN@mms.example.net" {
				t.Errorf("To = %q", got)
			}
			if got := d.header.Get("Message-Id"); got != "<dsn.4711@mms.example.net>" {
				t.Errorf("Message-ID = %q", got)
			}
			if got, err := d.header.Date(); err != nil || !got.Equal(testDate) {
				t.Errorf("Date = %v, %v", got, err)
			}
			if got := d.partTypes(); !reflect.DeepEqual(got, tc.parts) {
				t.Errorf("parts = %v, want %v", got, tc.parts)
			}
			wantMsg := tc.perMsg
			if wantMsg == nil {
				wantMsg = map[string]string{"Reporting-Mta": "dns; mms.example.net"}
			}
			gotMsg := map[string]string{}
			for k := range d.blocks[0] {
				gotMsg[k] = d.blocks[0].Get(k)
			}
			if !reflect.DeepEqual(gotMsg, wantMsg) {
				t.Errorf("per-message fields:\n got %v\nwant %v", gotMsg, wantMsg)
			}
			if len(tc.parts) == 3 {
				want := "Original MMS header"
				if strings.HasPrefix(tc.subject, "Undelivered") {
					want = "Undelivered MMS header"
				}
				if got := d.parts[2].header.Get("Content-Description"); got != want {
					t.Errorf("part 3 Content-Description = %q, want %q", got, want)
				}
			}
			if note := strings.Contains(string(d.parts[0].content), "MMS gateway"); note != (tc.perMsg["Dsn-Gateway"] != "" && r.Explanation == "") {
				t.Errorf("gateway note %v with DSN-Gateway %q and explanation %q", note, tc.perMsg["Dsn-Gateway"], r.Explanation)
			}
			for i, want := range tc.rcpts {
				got := map[string]string{}
				for k := range d.blocks[i+1] {
					got[k] = d.blocks[i+1].Get(k)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("recipient %d:\n got %v\nwant %v", i+1, got, want)
				}
			}
			if !strings.Contains(string(d.parts[0].content), tc.text) {
				t.Errorf("explanation %q lacks %q", d.parts[0].content, tc.text)
			}
			if len(tc.parts) == 3 {
				if d.orig.Get("Subject") != "Holiday pictures" || d.orig.Get("X-Mms-Message-Class") != "Personal" {
					t.Errorf("original header = %v", d.orig)
				}
			}
		})
	}
}

// TestGolden pins the exact bytes of the header and of the
// message/delivery-status part for a typical report.
func TestGolden(t *testing.T) {
	h, body, err := Generate(baseReport())
	if err != nil {
		t.Fatal(err)
	}
	var hb bytes.Buffer
	if err := gotextproto.WriteHeader(&hb, h); err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	boundary := params["boundary"]
	if !strings.HasPrefix(boundary, "=_dsn_") {
		t.Fatalf("boundary %q", boundary)
	}
	wantHeader := "From: \"MMS Relay\" <postmaster@mms.example.net>\r\n" +
		"To: +491701234567/TYPE=PLMN@mms.example.net\r\n" +
		"Subject: Undelivered MMS: Holiday pictures\r\n" +
		"Date: Sat, 14 Mar 2026 15:09:26 +0100\r\n" +
		"Message-ID: <dsn.4711@mms.example.net>\r\n" +
		"Auto-Submitted: auto-replied\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status;\r\n" +
		" boundary=\"" + boundary + "\"\r\n" +
		"\r\n"
	if hb.String() != wantHeader {
		t.Errorf("header:\n%s\nwant:\n%s", hb.String(), wantHeader)
	}
	wantBody := "This is a MIME-formatted delivery status notification (RFC 3464).\r\n" +
		"\r\n--" + boundary + "\r\n" +
		"Content-Type: text/plain; charset=us-ascii\r\n" +
		"Content-Transfer-Encoding: 7bit\r\n" +
		"Content-Description: Notification\r\n" +
		"\r\n" +
		"Your MMS was refused by the recipient's operator.\r\n" +
		"Reason: Image too large\r\n" +
		"\r\n--" + boundary + "\r\n" +
		"Content-Type: message/delivery-status\r\n" +
		"Content-Description: Delivery report\r\n" +
		"\r\n" +
		"Reporting-MTA: dns; mms.example.net\r\n" +
		"\r\n" +
		"Final-Recipient: rfc822; +33612345678/TYPE=PLMN@mms.peer.example\r\n" +
		"Action: failed\r\n" +
		"Status: 5.6.0\r\n" +
		"Remote-MTA: dns; mms.peer.example\r\n" +
		"Diagnostic-Code: X-MMS; Error-content-not-accepted: Image too large\r\n" +
		"Last-Attempt-Date: Sat, 14 Mar 2026 15:08:26 +0100\r\n" +
		"\r\n--" + boundary + "\r\n" +
		"Content-Type: text/rfc822-headers; charset=us-ascii\r\n" +
		"Content-Description: Undelivered MMS header\r\n" +
		"\r\n" +
		"From: +491701234567/TYPE=PLMN@mms.example.net\r\n" +
		"To: +33612345678/TYPE=PLMN@mms.peer.example\r\n" +
		"Subject: Holiday pictures\r\n" +
		"X-Mms-Message-Class: Personal\r\n" +
		"Message-ID: <orig.1@mms.example.net>\r\n" +
		"\r\n--" + boundary + "--\r\n"
	if string(body) != wantBody {
		t.Errorf("body:\n%s\nwant:\n%s", body, wantBody)
	}
	// All lines of this ordinary report respect the 78-character
	// recommendation of RFC 5322 §2.1.1.
	for _, l := range strings.Split(hb.String()+string(body), "\r\n") {
		if len(l) > 78 {
			t.Errorf("line longer than 78: %q", l)
		}
	}
}

// TestInjection feeds hostile values (a peer's X-Mms-Status-Text, the
// original header) and checks that no header field, DSN field or DSN field
// group appears that the generator did not write.
func TestInjection(t *testing.T) {
	payloads := []string{
		"x\r\nBcc: victim@x",
		"x\nBcc: victim@x",
		"x\rBcc: victim@x",
		"x\r\n\r\nFinal-Recipient: rfc822; victim@x\r\nAction: delivered",
		"x\r\n Bcc: victim@x", // would be a continuation line
		"x\x00\x1b[31m\x7f\u0085Bcc: victim@x",
		"x\u2028Bcc: victim@x\u2029",
		"x\u202eBcc: victim@x",
		"x\r\n--=_dsn_\r\nContent-Type: text/html\r\n\r\n<b>",
		"\xff\xfe invalid UTF-8 \xc3",
	}
	places := []struct {
		name string
		set  func(r *Report, p string)
	}{
		{"diagnostic", func(r *Report, p string) { r.Recipients[0].DiagnosticCode = "X-MMS; Error-content-not-accepted: " + p }},
		{"diagnostic without type", func(r *Report, p string) { r.Recipients[0].DiagnosticCode = p }},
		{"explanation", func(r *Report, p string) { r.Explanation = "The peer said: " + p }},
		{"original subject", func(r *Report, p string) {
			var h gotextproto.Header
			h.Add("Subject", p)
			r.OriginalHeader = h
		}},
		{"original header value", func(r *Report, p string) {
			var h gotextproto.Header
			h.Add("X-Mms-Status-Text", p)
			h.Add("Subject", "hi")
			r.OriginalHeader = h
		}},
		{"remote MTA of non-dns type", func(r *Report, p string) { r.Recipients[0].RemoteMTA = "x-mms-peer; " + p }},
	}
	for _, pl := range places {
		for i, p := range payloads {
			t.Run(fmt.Sprintf("%s/%d", pl.name, i), func(t *testing.T) {
				r := baseReport()
				pl.set(&r, p)
				h, body, err := Generate(r)
				if err != nil {
					t.Fatalf("Generate: %v", err)
				}
				msg := serialize(t, h, body)
				d := parseGo(t, msg)
				checkCommon(t, msg, d, 1)
				if d.blocks[1].Get("Action") != "failed" || d.blocks[1].Get("Final-Recipient") != "rfc822; +33612345678/TYPE=PLMN@mms.peer.example" {
					t.Errorf("recipient group altered: %v", d.blocks[1])
				}
				if len(d.parts) != 3 {
					t.Errorf("got %d parts", len(d.parts))
				}
				if _, ok := d.orig["Bcc"]; ok {
					t.Errorf("Bcc injected into the original header part: %v", d.orig)
				}
				if dc := d.blocks[1].Get("Diagnostic-Code"); strings.ContainsAny(dc, "\r\n\x00\x1b\x7f") {
					t.Errorf("control characters in Diagnostic-Code %q", dc)
				}
				for _, pt := range d.parts {
					if bytes.Contains(pt.content, []byte("\u202e")) {
						t.Errorf("bidi override survived in %v", pt.header)
					}
				}
			})
		}
	}
}

func TestNonASCII(t *testing.T) {
	r := baseReport()
	r.Envelope.From = "Relais MMS Ünïcode <postmaster@mms.example.net>"
	r.Recipients[0].FinalRecipient = "jöhn+x=y@bücher.example"
	r.Recipients[0].OriginalRecipient = "rfc822; jöhn+x=y@bücher.example"
	r.Recipients[0].DiagnosticCode = "X-MMS; Error-content-not-accepted: Bild zu groß"
	r.Explanation = "Ihre MMS wurde abgelehnt: Bild zu groß.\n" + strings.Repeat("ä", 600) // long line
	r.OriginalHeader = mustHeader("Subject: =?iso-8859-1?q?Gr=FC=DFe?= aus =?utf-8?b?S8O2bG4=?=\r\nX-Raw: Grüße \xff roh\r\n\r\n")
	msg := generate(t, r)
	d := parseGo(t, msg)
	checkCommon(t, msg, d, 1)

	if got := decodeHeader(t, d.header.Get("Subject")); got != "Undelivered MMS: Grüße aus Köln" {
		t.Errorf("Subject = %q", got)
	}
	if got := decodeHeader(t, d.header.Get("From")); got != `Relais MMS Ünïcode <postmaster@mms.example.net>` {
		t.Errorf("From = %q", got)
	}
	b := d.blocks[1]
	if got := b.Get("Final-Recipient"); got != `utf-8; j\x{F6}hn\x{2B}x\x{3D}y@b\x{FC}cher.example` {
		t.Errorf("Final-Recipient = %q", got)
	}
	if got := b.Get("Original-Recipient"); got != b.Get("Final-Recipient") {
		t.Errorf("Original-Recipient = %q", got)
	}
	if got := b.Get("Diagnostic-Code"); got != "X-MMS; Error-content-not-accepted: Bild zu gro?" {
		t.Errorf("Diagnostic-Code = %q", got)
	}
	expl := d.parts[0]
	if expl.header.Get("Content-Transfer-Encoding") != "" { // decoded by mime/multipart
		t.Errorf("CTE left after decoding: %v", expl.header)
	}
	wantText := strings.ReplaceAll(r.Explanation, "\n", "\r\n") + "\r\n"
	if string(expl.content) != wantText {
		t.Errorf("explanation = %q", expl.content)
	}
	if _, p, _ := mime.ParseMediaType(expl.header.Get("Content-Type")); p["charset"] != "utf-8" {
		t.Errorf("explanation charset = %q", p["charset"])
	}
	if got := d.orig.Get("X-Raw"); got != "Grüße \uFFFD roh" {
		t.Errorf("original X-Raw = %q", got)
	}
}

func TestLimits(t *testing.T) {
	t.Run("diagnostic text", func(t *testing.T) {
		r := baseReport()
		r.Recipients[0].DiagnosticCode = "X-MMS; " + strings.Repeat("A", 100000)
		d := parseGo(t, generate(t, r))
		dc := d.blocks[1].Get("Diagnostic-Code")
		text := strings.TrimPrefix(dc, "X-MMS; ")
		if len(text) > MaxDiagnosticText || !strings.HasSuffix(text, "...") {
			t.Errorf("Diagnostic-Code text is %d bytes: %.40q…", len(text), text)
		}
	})
	t.Run("recipients", func(t *testing.T) {
		r := baseReport()
		for i := 0; i < 1500; i++ {
			r.Recipients = append(r.Recipients, Recipient{
				FinalRecipient: fmt.Sprintf("r%d@peer.example", i), Action: ActionFailed, Status: [3]int{5, 1, 1},
			})
		}
		msg := generate(t, r)
		d := parseGo(t, msg)
		checkCommon(t, msg, d, MaxRecipients)
		if !strings.Contains(string(d.parts[0].content), "501 further recipients") {
			t.Errorf("explanation does not mention the omitted recipients")
		}
	})
	t.Run("original header", func(t *testing.T) {
		var h gotextproto.Header
		for i := 0; i < 5000; i++ {
			h.Add(fmt.Sprintf("X-Filler-%d", i), strings.Repeat("y", 100))
		}
		h.Add("X-Huge", strings.Repeat("z ", 100000))
		r := baseReport()
		r.OriginalHeader = h
		msg := generate(t, r)
		d := parseGo(t, msg)
		checkCommon(t, msg, d, 1)
		if n := len(d.parts[2].content); n > MaxOriginalHeader || n < MaxOriginalHeader/2 {
			t.Errorf("original header part is %d bytes", n)
		}
		if len(msg) > MaxOriginalHeader+MaxExplanation+8192 {
			t.Errorf("DSN is %d bytes", len(msg))
		}
	})
	t.Run("explanation", func(t *testing.T) {
		r := baseReport()
		r.Explanation = strings.Repeat("blah ", 1<<20)
		d := parseGo(t, generate(t, r))
		text := string(d.parts[0].content)
		if len(text) > MaxExplanation+64 || !strings.Contains(text, "[... text truncated]") {
			t.Errorf("explanation is %d bytes", len(text))
		}
	})
	t.Run("long word in original header", func(t *testing.T) {
		var h gotextproto.Header
		h.Add("X-Long", strings.Repeat("w", 5000))
		r := baseReport()
		r.OriginalHeader = h
		msg := generate(t, r)
		check7bit(t, msg)
		d := parseGo(t, msg)
		if got := strings.ReplaceAll(d.orig.Get("X-Long"), " ", ""); got != strings.Repeat("w", 5000) {
			t.Errorf("X-Long mangled: %d bytes", len(got))
		}
	})
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		mod  func(r *Report)
	}{
		{"empty To (null reverse-path)", func(r *Report) { r.Envelope.To = "" }},
		{"To with CRLF", func(r *Report) { r.Envelope.To = "a@b.example\r\nBcc: victim@x" }},
		{"To with two addresses", func(r *Report) { r.Envelope.To = "a@b.example, c@d.example" }},
		{"To non-ASCII address", func(r *Report) { r.Envelope.To = "jöhn@bücher.example" }},
		{"From missing domain", func(r *Report) { r.Envelope.From = "postmaster" }},
		{"empty Message-ID", func(r *Report) { r.Envelope.MsgID = "" }},
		{"Message-ID with brackets", func(r *Report) { r.Envelope.MsgID = "<a@b>" }},
		{"Message-ID with CRLF", func(r *Report) { r.Envelope.MsgID = "a@b\r\nBcc: x" }},
		{"empty Reporting-MTA", func(r *Report) { r.Envelope.ReportingMTA = "" }},
		{"Reporting-MTA with CRLF", func(r *Report) { r.Envelope.ReportingMTA = "mms.example.net\r\nX: y" }},
		{"no recipients", func(r *Report) { r.Recipients = nil }},
		{"empty Final-Recipient", func(r *Report) { r.Recipients[0].FinalRecipient = "rfc822; " }},
		{"Final-Recipient with CRLF", func(r *Report) { r.Recipients[0].FinalRecipient = "a@b\r\nAction: delivered" }},
		{"Final-Recipient non-ASCII of foreign type", func(r *Report) { r.Recipients[0].FinalRecipient = "x400; jöhn" }},
		{"Original-Recipient with LF", func(r *Report) { r.Recipients[0].OriginalRecipient = "rfc822; a@b\nX: y" }},
		{"unknown action", func(r *Report) { r.Recipients[0].Action = "bounced" }},
		{"expanded (RFC 4356: SHOULD NOT)", func(r *Report) {
			r.Recipients[0].Action = "expanded"
			r.Recipients[0].Status = [3]int{2, 0, 0}
		}},
		{"delivered with 5.x.x", func(r *Report) { r.Recipients[0].Action = ActionDelivered }},
		{"delivered with 4.x.x", func(r *Report) {
			r.Recipients[0].Action = ActionDelivered
			r.Recipients[0].Status = [3]int{4, 0, 0}
		}},
		{"relayed with 5.x.x", func(r *Report) { r.Recipients[0].Action = ActionRelayed }},
		{"Gateway with CRLF", func(r *Report) { r.Gateway = "mms.example.net\r\nX: y" }},
		{"Gateway bad host", func(r *Report) { r.Gateway = "dns; not a host" }},
		{"Gateway of non-dns type", func(r *Report) { r.Gateway = "x-mms; gw" }},
		{"empty action", func(r *Report) { r.Recipients[0].Action = "" }},
		{"failed with 2.x.x", func(r *Report) { r.Recipients[0].Status = [3]int{2, 0, 0} }},
		{"delayed with 5.x.x", func(r *Report) { r.Recipients[0].Action = ActionDelayed }},
		{"status subject out of range", func(r *Report) { r.Recipients[0].Status = [3]int{5, 1000, 0} }},
		{"negative status detail", func(r *Report) { r.Recipients[0].Status = [3]int{5, 1, -1} }},
		{"Remote-MTA bad host", func(r *Report) { r.Recipients[0].RemoteMTA = "dns; mms peer\r\nX: y" }},
		{"second recipient invalid", func(r *Report) {
			r.Recipients = append(r.Recipients, Recipient{FinalRecipient: "x@y", Action: "bounced", Status: [3]int{5, 0, 0}})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := baseReport()
			tc.mod(&r)
			h, body, err := Generate(r)
			if err == nil {
				t.Fatalf("no error; header has %d fields, body %d bytes", h.Len(), len(body))
			}
			if !strings.HasPrefix(err.Error(), "dsn: ") {
				t.Errorf("error %q lacks package prefix", err)
			}
		})
	}
}

func TestZeroDate(t *testing.T) {
	r := baseReport()
	r.Envelope.Date = time.Time{}
	before := time.Now().Add(-time.Second)
	d := parseGo(t, generate(t, r))
	got, err := d.header.Date()
	if err != nil || got.Before(before) || got.After(time.Now().Add(time.Second)) {
		t.Errorf("Date = %v, %v", got, err)
	}
}
