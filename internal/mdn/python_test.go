// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mdn

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	gotextproto "github.com/emersion/go-message/textproto"
)

// pyParse is a second, independent parser: Python's email package. It
// parses the message with the modern (policy.default) and the legacy
// (compat32) policy, collects every defect registered on the message, its
// parts and their header fields, and reports the structure it sees. Python
// parses a message/* part other than delivery-status as an embedded
// message, so the disposition-notification fields are the header of the
// part's only payload.
const pyParse = `
import sys, json, email, email.policy
from email.parser import HeaderParser

data = sys.stdin.buffer.read()
out = {"defects": []}
for name, pol in (("default", email.policy.default), ("compat32", email.policy.compat32)):
    m = email.message_from_bytes(data, policy=pol)
    for part in m.walk():
        out["defects"] += ["%s: %s: %r" % (name, part.get_content_type(), d) for d in part.defects]
        if name == "default":
            for k, v in part.items():
                out["defects"] += ["%s: header %s: %r" % (name, k, d) for d in getattr(v, "defects", ())]

m = email.message_from_bytes(data, policy=email.policy.default)
out["content_type"] = m.get_content_type()
out["report_type"] = m.get_param("report-type")
out["header"] = [[k, str(v)] for k, v in m.items()]
out["subject"] = str(m["subject"])
out["from"] = str(m["from"])
parts = m.get_payload()
out["parts"] = [p.get_content_type() for p in parts]
out["text"] = parts[0].get_content()
dn = parts[1].get_payload()
out["fields"] = [[k, str(v)] for k, v in dn[0].items()]
if len(parts) > 2:
    h = HeaderParser(policy=email.policy.compat32).parsestr(parts[2].get_content())
    out["orig_header"] = [[k, str(v)] for k, v in h.items()]
    out["orig_header_defects"] = [repr(d) for d in h.defects]
print(json.dumps(out))
`

type pyResult struct {
	Defects     []string    `json:"defects"`
	ContentType string      `json:"content_type"`
	ReportType  string      `json:"report_type"`
	Header      [][2]string `json:"header"`
	Subject     string      `json:"subject"`
	From        string      `json:"from"`
	Parts       []string    `json:"parts"`
	Text        string      `json:"text"`
	Fields      [][2]string `json:"fields"`
	OrigHeader  [][2]string `json:"orig_header"`
	OrigDefects []string    `json:"orig_header_defects"`
}

func runPython(t *testing.T, msg []byte) pyResult {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is needed as the independent MIME parser (scripts/test.sh installs it)")
	}
	cmd := exec.Command(py, "-c", pyParse)
	cmd.Stdin = bytes.NewReader(msg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s\nmessage:\n%s", err, stderr.Bytes(), msg)
	}
	var res pyResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("python3 output: %v\n%s", err, out)
	}
	return res
}

func TestPythonEmailParser(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(r *Report)
		subject string
		from    string
		parts   []string
		fields  [][2]string
	}{
		{
			name:    "MMS read report Read",
			mod:     func(r *Report) {},
			subject: "Read: Holiday pictures",
			from:    "MMS Relay <postmaster@mms.example.net>",
			parts:   []string{"text/plain", "message/disposition-notification", "text/rfc822-headers"},
			fields: [][2]string{
				{"Reporting-UA", "mms.example.net; maddy-mms"},
				{"MDN-Gateway", "dns; mms.example.net"},
				{"Final-Recipient", "rfc822; +491701234567/TYPE=PLMN@mms.example.net"},
				{"Original-Message-ID", "<orig.1@mms.example.net>"},
				{"Disposition", "manual-action/MDN-sent-manually; displayed"},
			},
		},
		{
			name: "deleted, automatic, no original header",
			mod: func(r *Report) {
				r.Disposition = Deleted
				r.Automatic = true
				r.OrigHeader = nil
				r.OriginalRecipient = "rfc822; +491701234567@mms.example.net"
				r.ReportingUA = ""
			},
			subject: "Deleted: Holiday pictures",
			from:    "MMS Relay <postmaster@mms.example.net>",
			parts:   []string{"text/plain", "message/disposition-notification"},
			fields: [][2]string{
				{"MDN-Gateway", "dns; mms.example.net"},
				{"Original-Recipient", "rfc822; +491701234567@mms.example.net"},
				{"Final-Recipient", "rfc822; +491701234567/TYPE=PLMN@mms.example.net"},
				{"Original-Message-ID", "<orig.1@mms.example.net>"},
				{"Disposition", "automatic-action/MDN-sent-automatically; deleted"},
			},
		},
		{
			name: "non-ASCII everywhere",
			mod: func(r *Report) {
				r.FromName = "MMS-Relais Köln"
				r.Subject = "=?utf-8?q?Gr=C3=BC=C3=9Fe_=E2=82=AC?= " + strings.Repeat("lang ", 60)
				r.FinalRecipient = "jöhn@bücher.example"
				r.Text = "Ihre MMS wurde gelesen: „Grüße“ 😀\n" + strings.Repeat("ü", 700)
				h := mustHeader("Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nX-Raw: Grüße \xff roh\r\n\r\n")
				r.OrigHeader = &h
			},
			subject: "Read: " + strings.TrimRight(("Grüße € " + strings.Repeat("lang ", 60))[:197], " ") + "...",
			from:    "MMS-Relais Köln <postmaster@mms.example.net>",
			parts:   []string{"text/plain", "message/disposition-notification", "text/rfc822-headers"},
			fields: [][2]string{
				{"Reporting-UA", "mms.example.net; maddy-mms"},
				{"MDN-Gateway", "dns; mms.example.net"},
				{"Final-Recipient", `utf-8; j\x{F6}hn@b\x{FC}cher.example`},
				{"Original-Message-ID", "<orig.1@mms.example.net>"},
				{"Disposition", "manual-action/MDN-sent-manually; displayed"},
			},
		},
		{
			name: "header injection attempts",
			mod: func(r *Report) {
				r.Subject = "x\r\nBcc: victim@x"
				r.Text = "x\r\nBcc: victim@x\r\n\r\nDisposition: y"
				r.ReportingUA = "ua\r\nDisposition: automatic-action/MDN-sent-automatically; deleted"
				h := gotextproto.Header{}
				h.Add("Subject", "x\r\nBcc: victim@x")
				r.OrigHeader = &h
			},
			subject: "Read: x Bcc: victim@x",
			from:    "MMS Relay <postmaster@mms.example.net>",
			parts:   []string{"text/plain", "message/disposition-notification", "text/rfc822-headers"},
			fields: [][2]string{
				{"Reporting-UA", "ua Disposition: automatic-action/MDN-sent-automatically; deleted"},
				{"MDN-Gateway", "dns; mms.example.net"},
				{"Final-Recipient", "rfc822; +491701234567/TYPE=PLMN@mms.example.net"},
				{"Original-Message-ID", "<orig.1@mms.example.net>"},
				{"Disposition", "manual-action/MDN-sent-manually; displayed"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := baseReport()
			tc.mod(&r)
			msg := generate(t, r)
			check7bit(t, msg)
			py := runPython(t, msg)
			g := parseGo(t, msg)
			if len(py.Defects) != 0 {
				t.Errorf("Python registered defects: %v", py.Defects)
			}
			if py.ContentType != "multipart/report" || py.ReportType != "disposition-notification" {
				t.Errorf("Python sees %s; report-type=%s", py.ContentType, py.ReportType)
			}
			if !reflect.DeepEqual(py.Parts, tc.parts) {
				t.Errorf("Python parts = %v, want %v", py.Parts, tc.parts)
			}
			if py.Subject != tc.subject {
				t.Errorf("Python Subject = %q, want %q", py.Subject, tc.subject)
			}
			if py.From != tc.from {
				t.Errorf("Python From = %q, want %q", py.From, tc.from)
			}
			var names []string
			for _, kv := range py.Header {
				names = append(names, kv[0])
			}
			if want := []string{"From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted", "MIME-Version", "Content-Type"}; !reflect.DeepEqual(names, want) {
				t.Errorf("Python header fields %v, want %v", names, want)
			}
			for _, kv := range py.OrigHeader {
				if strings.EqualFold(kv[0], "Bcc") {
					t.Errorf("Python sees a Bcc field in the original header: %v", kv)
				}
			}
			if len(py.OrigDefects) != 0 {
				t.Errorf("original header defects: %v", py.OrigDefects)
			}
			if !reflect.DeepEqual(py.Fields, tc.fields) {
				t.Errorf("Python disposition-notification fields:\n got %q\nwant %q", py.Fields, tc.fields)
			}
			goText := strings.ReplaceAll(string(g.parts[0].content), "\r\n", "\n")
			if pyText := strings.ReplaceAll(py.Text, "\r\n", "\n"); pyText != goText {
				t.Errorf("text differs:\npython %q\n    go %q", pyText, goText)
			}
		})
	}
}
