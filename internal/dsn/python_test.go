// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package dsn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	gotextproto "github.com/emersion/go-message/textproto"
)

// pyParse is a second, independent parser: Python's email package. It
// parses the message with both the modern (policy.default) and the legacy
// (compat32) policy, collects every defect it registers on any part or
// header field, and reports the structure it sees. Python parses
// message/delivery-status specially: get_payload() is a list of header
// blocks, one per DSN field group (RFC 3464 §2.1).
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
parts = m.get_payload()
out["parts"] = [p.get_content_type() for p in parts]
out["explanation"] = parts[0].get_content()
status = parts[1]
payload = status.get_payload()
out["blocks"] = [[[k, str(v)] for k, v in block.items()] for block in payload]
if len(parts) > 2:
    text = parts[2].get_content()
    h = HeaderParser(policy=email.policy.compat32).parsestr(text)
    out["orig_header"] = [[k, str(v)] for k, v in h.items()]
    out["orig_header_defects"] = [repr(d) for d in h.defects]
print(json.dumps(out))
`

type pyResult struct {
	Defects      []string      `json:"defects"`
	ContentType  string        `json:"content_type"`
	ReportType   string        `json:"report_type"`
	Header       [][2]string   `json:"header"`
	Subject      string        `json:"subject"`
	Parts        []string      `json:"parts"`
	Explanation  string        `json:"explanation"`
	Blocks       [][][2]string `json:"blocks"`
	OrigHeader   [][2]string   `json:"orig_header"`
	OrigDefects  []string      `json:"orig_header_defects"`
	blockLookups []map[string][]string
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
	for _, b := range res.Blocks {
		m := map[string][]string{}
		for _, kv := range b {
			m[strings.ToLower(kv[0])] = append(m[strings.ToLower(kv[0])], kv[1])
		}
		res.blockLookups = append(res.blockLookups, m)
	}
	return res
}

func (p pyResult) field(block int, name string) []string {
	return p.blockLookups[block][strings.ToLower(name)]
}

func TestPythonEmailParser(t *testing.T) {
	type rcptWant struct{ action, status, diag string }
	tests := []struct {
		name    string
		mod     func(r *Report)
		subject string
		parts   []string
		rcpts   []rcptWant
		gateway string // expected DSN-Gateway, "" for none
	}{
		{
			name:    "peer refused",
			mod:     func(r *Report) {},
			subject: "Undelivered MMS: Holiday pictures",
			parts:   []string{"text/plain", "message/delivery-status", "text/rfc822-headers"},
			rcpts:   []rcptWant{{"failed", "5.6.0", "X-MMS; Error-content-not-accepted: Image too large"}},
		},
		{
			name: "delayed, generated explanation, no original header",
			mod: func(r *Report) {
				r.Recipients[0].Action = ActionDelayed
				r.Recipients[0].Status = [3]int{4, 4, 1}
				r.Recipients[0].DiagnosticCode = ""
				r.Recipients[0].WillRetryUntil = testDate.Add(time.Hour)
				r.Explanation = ""
				r.OriginalHeader = gotextproto.Header{}
			},
			subject: "Delayed MMS",
			parts:   []string{"text/plain", "message/delivery-status"},
			rcpts:   []rcptWant{{"delayed", "4.4.1", ""}},
		},
		{
			name: "non-ASCII everywhere",
			mod: func(r *Report) {
				r.Envelope.From = "Relais MMS Ünïcode <postmaster@mms.example.net>"
				r.Recipients[0].FinalRecipient = "jöhn@bücher.example"
				r.Recipients[0].DiagnosticCode = "X-MMS; Error-content-not-accepted: Bild zu groß"
				r.Explanation = "Ihre MMS wurde abgelehnt: „Bild zu groß“ 😀\n" + strings.Repeat("ü", 700)
				r.OriginalHeader = mustHeader("Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_=E2=82=AC?= " + strings.Repeat("lang ", 60) + "\r\nX-Raw: Grüße \xff roh\r\n\r\n")
			},
			// The original subject is cut to 200 bytes including "...".
			subject: "Undelivered MMS: " + strings.TrimRight(("Grüße € " + strings.Repeat("lang ", 60))[:197], " ") + "...",
			parts:   []string{"text/plain", "message/delivery-status", "text/rfc822-headers"},
			rcpts:   []rcptWant{{"failed", "5.6.0", "X-MMS; Error-content-not-accepted: Bild zu gro?"}},
		},
		{
			name: "header injection via status text",
			mod: func(r *Report) {
				r.Recipients[0].DiagnosticCode = "X-MMS; Error-content-not-accepted: x\r\nBcc: victim@x\r\n\r\nFinal-Recipient: rfc822; evil@x\r\nAction: delivered"
				r.Explanation = "The peer said: x\r\nBcc: victim@x"
				var h gotextproto.Header
				h.Add("Subject", "x\r\nBcc: victim@x")
				h.Add("X-Mms-Status-Text", "x\nBcc: victim@x\r\n\r\nbody")
				r.OriginalHeader = h
			},
			subject: "Undelivered MMS: x Bcc: victim@x",
			parts:   []string{"text/plain", "message/delivery-status", "text/rfc822-headers"},
			rcpts: []rcptWant{{"failed", "5.6.0",
				"X-MMS; Error-content-not-accepted: x Bcc: victim@x Final-Recipient: rfc822; evil@x Action: delivered"}},
		},
		{
			name: "MMS delivery report Retrieved: delivered, DSN-Gateway, Arrival-Date",
			mod: func(r *Report) {
				r.Recipients = []Recipient{{
					FinalRecipient: "+33612345678/TYPE=PLMN@mms.peer.example",
					Action:         ActionDelivered,
					Status:         [3]int{2, 0, 0},
					DiagnosticCode: "X-MMS; Retrieved",
					LastAttempt:    testDate,
				}}
				r.Explanation = ""
				r.Gateway = "mms.example.net"
				r.ArrivalDate = testDate.Add(-time.Hour)
				r.OriginalHeader = mustHeader("Message-ID: <orig.1@mms.example.net>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\n")
			},
			subject: "Delivered MMS: Grüße",
			parts:   []string{"text/plain", "message/delivery-status", "text/rfc822-headers"},
			rcpts:   []rcptWant{{"delivered", "2.0.0", "X-MMS; Retrieved"}},
			gateway: "dns; mms.example.net",
		},
		{
			name: "relayed and delayed, gateway, hostile status text",
			mod: func(r *Report) {
				r.Recipients = []Recipient{
					{FinalRecipient: "a@peer.example", Action: ActionRelayed, Status: [3]int{2, 0, 0},
						DiagnosticCode: "X-MMS; Indeterminate: x\r\nAction: failed"},
					{FinalRecipient: "b@peer.example", Action: ActionDelayed, Status: [3]int{4, 0, 0}},
				}
				r.Explanation = "Status text: weitergeleitet\r\nBcc: victim@x"
				r.Gateway = "dns; gw.example.net"
			},
			subject: "MMS delivery status: Holiday pictures",
			parts:   []string{"text/plain", "message/delivery-status", "text/rfc822-headers"},
			rcpts: []rcptWant{
				{"relayed", "2.0.0", "X-MMS; Indeterminate: x Action: failed"},
				{"delayed", "4.0.0", ""},
			},
			gateway: "dns; gw.example.net",
		},
		{
			name: "many recipients, long diagnostics",
			mod: func(r *Report) {
				r.Recipients = nil
				for i := 0; i < 40; i++ {
					r.Recipients = append(r.Recipients, Recipient{
						FinalRecipient: fmt.Sprintf("+3361234%04d/TYPE=PLMN@mms.peer.example", i),
						Action:         ActionFailed,
						Status:         [3]int{5, 1, 1},
						RemoteMTA:      "mms.peer.example",
						DiagnosticCode: "X-MMS; Error-unsupported-message: " + strings.Repeat("very long reason ", 10),
					})
				}
			},
			subject: "Undelivered MMS: Holiday pictures",
			parts:   []string{"text/plain", "message/delivery-status", "text/rfc822-headers"},
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
			if py.ContentType != "multipart/report" || py.ReportType != "delivery-status" {
				t.Errorf("Python sees %s; report-type=%s", py.ContentType, py.ReportType)
			}
			if !reflect.DeepEqual(py.Parts, tc.parts) {
				t.Errorf("Python parts = %v, want %v", py.Parts, tc.parts)
			}
			if py.Subject != tc.subject {
				t.Errorf("Python Subject = %q, want %q", py.Subject, tc.subject)
			}
			for _, kv := range py.Header {
				if strings.EqualFold(kv[0], "Bcc") {
					t.Errorf("Python sees a Bcc header: %v", kv)
				}
			}
			for _, kv := range py.OrigHeader {
				if strings.EqualFold(kv[0], "Bcc") {
					t.Errorf("Python sees a Bcc field in the original header: %v", kv)
				}
			}
			if len(py.OrigDefects) != 0 {
				t.Errorf("original header defects: %v", py.OrigDefects)
			}

			// Python and Go agree on the explanation.
			goText := strings.ReplaceAll(string(g.parts[0].content), "\r\n", "\n")
			if pyText := strings.ReplaceAll(py.Explanation, "\r\n", "\n"); pyText != goText {
				t.Errorf("explanation differs:\npython %q\n    go %q", pyText, goText)
			}

			nRcpt := len(r.Recipients)
			if len(py.Blocks) != nRcpt+1 {
				t.Fatalf("Python sees %d delivery-status blocks, want %d", len(py.Blocks), nRcpt+1)
			}
			if got := py.field(0, "Reporting-MTA"); !reflect.DeepEqual(got, []string{"dns; mms.example.net"}) {
				t.Errorf("Reporting-MTA = %v", got)
			}
			if got := py.field(0, "DSN-Gateway"); (tc.gateway == "" && len(got) != 0) || (tc.gateway != "" && !reflect.DeepEqual(got, []string{tc.gateway})) {
				t.Errorf("DSN-Gateway = %q, want %q", got, tc.gateway)
			}
			for i := 1; i <= nRcpt; i++ {
				for k := range py.blockLookups[i] {
					if !perRecipientFields[canonical(k)] {
						t.Errorf("block %d: unexpected field %q", i, k)
					}
				}
				// Python and Go see the same fields.
				for _, name := range []string{"Final-Recipient", "Action", "Status", "Remote-MTA", "Diagnostic-Code", "Last-Attempt-Date", "Will-Retry-Until"} {
					got := py.field(i, name)
					want := g.blocks[i].Values(canonical(name))
					if len(got) != len(want) || (len(got) == 1 && got[0] != want[0]) {
						t.Errorf("block %d %s: python %q, go %q", i, name, got, want)
					}
				}
			}
			for i, w := range tc.rcpts {
				b := i + 1
				if got := py.field(b, "Action"); !reflect.DeepEqual(got, []string{w.action}) {
					t.Errorf("block %d Action = %q, want %q", b, got, w.action)
				}
				if got := py.field(b, "Status"); !reflect.DeepEqual(got, []string{w.status}) {
					t.Errorf("block %d Status = %q, want %q", b, got, w.status)
				}
				got := py.field(b, "Diagnostic-Code")
				if w.diag == "" {
					if len(got) != 0 {
						t.Errorf("block %d Diagnostic-Code = %q, want none", b, got)
					}
				} else if !reflect.DeepEqual(got, []string{w.diag}) {
					t.Errorf("block %d Diagnostic-Code = %q, want %q", b, got, w.diag)
				}
			}
		})
	}
}

// canonical maps a DSN field name to the canonical MIME form used by
// net/textproto ("remote-mta" → "Remote-Mta").
func canonical(s string) string {
	parts := strings.Split(strings.ToLower(s), "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}
