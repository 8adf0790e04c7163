// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	alice      = "+15550001111/TYPE=PLMN@mms.example.net"
	peerSender = "+48600000001/TYPE=PLMN@mms.peer.example"
)

// req is an MM4_forward.REQ as a peer would send it, in the slightly
// non-conformant spelling real peers use (header and value case vary).
type req struct {
	txID, msgID string
	ack         string // "Yes", "No" or "" (no header)
	origSystem  string
	to          string
	omit        string // a header name to leave out
	subject     string
}

func (r req) String() string {
	if r.to == "" {
		r.to = alice
	}
	if r.origSystem == "" {
		r.origSystem = "system-user@mms.peer.example"
	}
	if r.subject == "" {
		r.subject = "hi " + r.txID
	}
	fields := []string{
		"X-Mms-3GPP-MMS-Version: 5.5.0",
		"X-Mms-message-Type: MM4_Forward.REQ",
		`X-Mms-Transaction-ID: "` + r.txID + `"`,
		`X-Mms-Message-ID: "` + r.msgID + `"`,
	}
	if r.ack != "" {
		fields = append(fields, "X-Mms-Ack-Request: "+r.ack)
	}
	fields = append(fields,
		"X-Mms-Originator-System: "+r.origSystem,
		"X-Mms-Delivery-Report: No",
		"x-mms-originator-r/s-delivery-report: no",
		"X-Mms-Message-Class: Personal",
		"X-Mms-Expiry: 86400",
		"From: "+peerSender,
		"To: "+r.to,
		"Sender: "+peerSender,
		"Subject: "+r.subject,
		"Date: Tue, 01 Jul 2025 10:00:00 +0000",
		"Message-ID: <"+r.msgID+"@mms.peer.example>",
		"MIME-Version: 1.0",
		`Content-Type: multipart/related; type="application/smil"; start="<smil>"; boundary="b1"`,
	)
	var b strings.Builder
	for _, f := range fields {
		name, _, _ := strings.Cut(f, ":")
		if r.omit != "" && strings.EqualFold(name, r.omit) {
			continue
		}
		b.WriteString(f + "\n")
	}
	b.WriteString("\n--b1\nContent-Type: application/smil\nContent-ID: <smil>\n\n<smil><body><par><text src=\"t.txt\"/></par></body></smil>\n")
	b.WriteString("--b1\nContent-Type: text/plain; charset=utf-8\nContent-Location: t.txt\n\nHello from the peer, " + r.txID + "\n")
	b.WriteString("--b1\nContent-Type: image/gif\nContent-Location: a.gif\nContent-Transfer-Encoding: base64\n\nR0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7\n--b1--\n")
	return b.String()
}

func (s *server) sendREQ(r req) result {
	if r.to == "" {
		r.to = alice
	}
	return s.send(submission{from: peerSender, rcpts: []string{r.to}, data: r.String()})
}

func mustAccept(t *testing.T, res result) {
	t.Helper()
	if res.err != nil {
		t.Fatalf("transaction failed: %v", res.err)
	}
	for i, e := range res.rcptErrs {
		if e != nil {
			t.Fatalf("RCPT %d refused: %v", i, e)
		}
	}
	if res.dataErr != nil {
		t.Fatalf("DATA refused: %v", res.dataErr)
	}
}

// unfold returns a message with its header fields unfolded (RFC 5322
// §2.2.3), for matching text that may have been folded.
func unfold(raw []byte) string {
	return strings.ReplaceAll(string(raw), "\r\n ", " ")
}

// headerLines returns the message's header section as lines.
func headerLines(raw []byte) []string {
	hdr, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	return strings.Split(string(hdr), "\r\n")
}

func hasLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

// pythonCheck parses raw with Python's email package (an independent MIME
// parser) and returns its view: defects, selected headers and part types.
func pythonCheck(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	const script = `
import sys, json, email
from email import policy
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)
out = {"defects": [type(d).__name__ for d in m.defects], "parts": [], "headers": {}}
for k in ("From", "To", "Subject", "Message-ID", "Date", "Content-Type"):
    v = m.get(k)
    out["headers"][k] = str(v) if v is not None else None
for p in m.walk():
    out["parts"].append(p.get_content_type())
    out["defects"] += [type(d).__name__ for d in p.defects]
out["x_mms"] = [k for k in m.keys() if k.lower().startswith("x-mms-")]
print(json.dumps(out))
`
	cmd := exec.Command("python3", "-c", script)
	cmd.Stdin = bytes.NewReader(raw)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 email parser: %v", err)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestInbound runs the inbound MM4 scenarios against one server.
func TestInbound(t *testing.T) {
	p := newPeer(t)
	s := newServer(t, p.port)
	s.start()

	t.Run("REQ delivered, readable over IMAP, acknowledged", func(t *testing.T) {
		mustAccept(t, s.sendREQ(req{txID: "tx-1@mms.peer.example", msgID: "mm-1", ack: "Yes"}))

		// The RES, at the peer: envelope, exact header spelling, echoed IDs.
		got := p.waitFor(20*time.Second, 1, "tx-1@mms.peer.example")
		res := got[0]
		if res.from != "system-user@mms.example.net" {
			t.Errorf("RES MAIL FROM = %q", res.from)
		}
		if len(res.rcpts) != 1 || res.rcpts[0] != "system-user@mms.peer.example" {
			t.Errorf("RES RCPT = %q", res.rcpts)
		}
		lines := headerLines(res.data)
		for _, want := range []string{
			"X-Mms-3GPP-MMS-Version: 6.10.0",
			"X-Mms-Message-Type: MM4_forward.RES",
			`X-Mms-Transaction-ID: "tx-1@mms.peer.example"`,
			`X-Mms-Message-ID: "mm-1"`,
			"X-Mms-Request-Status-Code: Ok",
			"To: system-user@mms.peer.example",
		} {
			if !hasLine(lines, want) {
				t.Errorf("RES lacks line %q; header:\n%s", want, strings.Join(lines, "\n"))
			}
		}
		if !strings.HasPrefix(lines[0], "X-Mms-3GPP-MMS-Version:") || !strings.HasPrefix(lines[1], "X-Mms-Message-Type:") {
			t.Errorf("RES does not start with version and type:\n%s", strings.Join(lines, "\n"))
		}
		if _, err := mail.ReadMessage(bytes.NewReader(res.data)); err != nil {
			t.Errorf("RES is not a valid message for net/mail: %v", err)
		}

		// The MM, in alice's mailbox, as Internet mail.
		msgs := s.aliceMessages("tx-1@mms.peer.example")
		if len(msgs) != 1 {
			t.Fatalf("alice has %d copies of the MM, want 1", len(msgs))
		}
		m, err := mail.ReadMessage(bytes.NewReader(msgs[0]))
		if err != nil {
			t.Fatalf("delivered MM does not parse: %v", err)
		}
		for k := range m.Header {
			if strings.HasPrefix(strings.ToLower(k), "x-mms-") || strings.EqualFold(k, "Sender") {
				t.Errorf("transport header %s left in the delivered mail", k)
			}
		}
		from, err := mail.ParseAddress(m.Header.Get("From"))
		if err != nil || from.Address != "+48600000001@mms.example.net" {
			t.Errorf("From = %q (%v), want a replyable +48600000001@mms.example.net", m.Header.Get("From"), err)
		}
		to, err := mail.ParseAddress(m.Header.Get("To"))
		if err != nil || to.Address != "+15550001111@mms.example.net" {
			t.Errorf("To = %q (%v)", m.Header.Get("To"), err)
		}
		if got := m.Header.Get("Message-Id"); got != "<mm-1@mms.peer.example>" {
			t.Errorf("Message-ID = %q, want the peer's", got)
		}
		py := pythonCheck(t, msgs[0])
		if d := py["defects"].([]any); len(d) != 0 {
			t.Errorf("Python's email parser found defects: %v", d)
		}
		if x := py["x_mms"].([]any); len(x) != 0 {
			t.Errorf("Python sees X-Mms headers: %v", x)
		}
		parts := fmt.Sprint(py["parts"])
		// The SMIL presentation as mail clients show it (mmsmap/content):
		// text inline, media attached, SMIL last.
		if parts != "[multipart/mixed text/plain image/gif application/smil]" {
			t.Errorf("MIME structure = %s", parts)
		}
	})

	t.Run("no RES when none asked", func(t *testing.T) {
		mustAccept(t, s.sendREQ(req{txID: "tx-noack", msgID: "mm-noack", ack: "No"}))
		mustAccept(t, s.sendREQ(req{txID: "tx-noack-hdr", msgID: "mm-noack2"}))
		// A later REQ with an ack is our marker: the queue has run by then.
		mustAccept(t, s.sendREQ(req{txID: "tx-marker", msgID: "mm-marker", ack: "yes"}))
		p.waitFor(20*time.Second, 1, `"tx-marker"`)
		time.Sleep(time.Second)
		if n := len(p.find("tx-noack")); n != 0 {
			t.Errorf("peer got %d RES for REQs that asked for none", n)
		}
		if n := len(s.aliceMessages("tx-noack")); n != 2 {
			t.Errorf("alice has %d of the 2 un-acked MMs", n)
		}
	})

	t.Run("unanswerable MM4 refused at DATA with a clear reply", func(t *testing.T) {
		res := s.sendREQ(req{txID: "tx-bad-notx", msgID: "mm-bad", ack: "Yes", omit: "X-Mms-Transaction-ID"})
		if code, msg := smtpCode(res.dataErr); code != 554 || !strings.Contains(msg, "5.6.0") || !strings.Contains(msg, "X-Mms-Transaction-ID") {
			t.Errorf("without X-Mms-Transaction-ID: DATA reply %d %q, want 554 5.6.0 naming it", code, msg)
		}
		res = s.send(submission{from: peerSender, rcpts: []string{alice},
			data: strings.Replace(req{txID: "tx-bad-type", msgID: "m"}.String(), "MM4_Forward.REQ", "MM4_bogus.REQ", 1)})
		if code, msg := smtpCode(res.dataErr); code != 554 || !strings.Contains(msg, "X-Mms-Message-Type") {
			t.Errorf("unknown message type: DATA reply %d %q", code, msg)
		}
		if n := len(s.aliceMessages("tx-bad")); n != 0 {
			t.Errorf("%d unanswerable REQs were delivered", n)
		}
	})

	t.Run("bad mandatory field: 250 and Error-message-format-corrupt naming it", func(t *testing.T) {
		for _, omit := range []string{"X-Mms-Message-ID", "X-Mms-3GPP-MMS-Version", "From"} {
			tx := "tx-corrupt-" + omit
			mustAccept(t, s.sendREQ(req{txID: tx, msgID: "mm-corrupt", ack: "Yes", omit: omit}))
			got := p.waitFor(20*time.Second, 1, `"`+tx+`"`)
			lines := headerLines(got[0].data)
			if !hasLine(lines, "X-Mms-Request-Status-Code: Error-message-format-corrupt") || !strings.Contains(unfold(got[0].data), "X-Mms-Status-Text: "+omit) {
				t.Errorf("without %s: RES\n%s", omit, got[0].data)
			}
		}
		if n := len(s.aliceMessages("tx-corrupt")); n != 0 {
			t.Errorf("%d malformed REQs were delivered", n)
		}
	})

	t.Run("recipient forms, and refusals at RCPT", func(t *testing.T) {
		for _, rcpt := range []string{
			"+15550001111/TYPE=PLMN@mms.example.net",
			"+15550001111/type=plmn@MMS.Example.NET",
			"15550001111/TYPE=PLMN@mms.example.net",
			"15550001111@mms.example.net",
			"+15550001111@mms.example.net",
			"5550001111@mms.example.net",
			"0111-555-000-1111@mms.example.net",
		} {
			res := s.send(submission{from: peerSender, rcpts: []string{rcpt},
				data: req{txID: "tx-form-" + rcpt, msgID: "m", to: rcpt}.String()})
			if res.err != nil || res.rcptErrs[0] != nil || res.dataErr != nil {
				t.Errorf("RCPT %s: %v %v %v", rcpt, res.err, res.rcptErrs, res.dataErr)
			}
		}
		for _, tc := range []struct {
			ip, rcpt string
			code     int
			enh      string
		}{
			{"127.0.0.1", "+15550001111/TYPE=PLMN@elsewhere.example", 550, "5.7.1"}, // not ours at all, even from a peer
			{"127.0.0.1", "+15550001111/TYPE=PLMN", 501, "5.5.2"},                   // no domain: refused by the SMTP parser already
			{"127.0.0.3", "+15550009999/TYPE=PLMN@mms.example.net", 550, "5.1.1"},   // unknown subscriber, not from a peer
			{"127.0.0.3", "postmaster@mms.example.net", 550, "5.1.1"},
		} {
			res := s.send(submission{localIP: tc.ip, from: peerSender, rcpts: []string{tc.rcpt}, data: "x"})
			if res.err != nil {
				t.Errorf("RCPT %s: %v", tc.rcpt, res.err)
				continue
			}
			code, msg := smtpCode(res.rcptErrs[0])
			if code != tc.code || !strings.Contains(msg, tc.enh) {
				t.Errorf("RCPT %s from %s: %d %q, want %d %s", tc.rcpt, tc.ip, code, msg, tc.code, tc.enh)
			}
		}
	})

	t.Run("alice and an unknown number: 250 to both, delivered to alice, Error-* RES naming the other", func(t *testing.T) {
		unknown := "+15550009999/TYPE=PLMN@mms.example.net"
		res := s.send(submission{from: peerSender, rcpts: []string{alice, unknown, "15550001111@mms.example.net"},
			data: req{txID: "tx-multi", msgID: "mm-multi", ack: "Yes", to: alice + ", " + unknown}.String()})
		mustAccept(t, res)
		got := p.waitFor(20*time.Second, 1, `"tx-multi"`)
		time.Sleep(500 * time.Millisecond)
		if n := len(p.find(`"tx-multi"`)); n != 1 {
			t.Errorf("%d RES for one REQ", n)
		}
		lines := headerLines(got[0].data)
		if !hasLine(lines, "X-Mms-Request-Status-Code: Error-sending-address-unresolved") ||
			!strings.Contains(unfold(got[0].data), "+15550009999 (unknown subscriber)") ||
			!strings.Contains(unfold(got[0].data), "delivered to the other 1 recipient(s)") {
			t.Errorf("RES:\n%s", got[0].data)
		}
		if n := len(s.aliceMessages("tx-multi")); n != 1 {
			t.Errorf("alice (addressed twice) has %d copies", n)
		}
	})

	t.Run("unknown peer refused, Internet mail still accepted", func(t *testing.T) {
		res := s.send(submission{localIP: "127.0.0.3", from: peerSender, rcpts: []string{alice},
			data: req{txID: "tx-stranger", msgID: "m", ack: "Yes"}.String()})
		if code, msg := smtpCode(res.dataErr); code != 550 || !strings.Contains(msg, "5.7.1") {
			t.Errorf("MM4 from an unknown host: %d %q, want 550 5.7.1", code, msg)
		}
		plain := "From: bob@internet.example\nTo: +15550001111@mms.example.net\nSubject: plain mm3-stranger\nMessage-ID: <p1@internet.example>\n\nhello\n"
		mustAccept(t, s.send(submission{localIP: "127.0.0.3", from: "bob@internet.example",
			rcpts: []string{"+15550001111@mms.example.net"}, data: plain}))
		if n := len(s.aliceMessages("tx-stranger")); n != 0 {
			t.Errorf("MM4 from an unknown peer was delivered")
		}
		if n := len(s.aliceMessages("mm3-stranger")); n != 1 {
			t.Errorf("Internet mail delivered %d times, want 1", n)
		}
		// An authenticated account that is no peer's is no peer either.
		res = s.send(submission{localIP: "127.0.0.3", auth: loginAuth{"alice@example.net", "alice-password"},
			from: peerSender, rcpts: []string{alice}, data: req{txID: "tx-alice-auth", msgID: "m"}.String()})
		if res.err == nil {
			if code, _ := smtpCode(res.dataErr); code != 550 {
				t.Errorf("MM4 from a non-peer account: DATA %d", code)
			}
		}
	})

	t.Run("AUTH LOGIN peer", func(t *testing.T) {
		mustAccept(t, s.send(submission{localIP: "127.0.0.2", auth: loginAuth{"hub1", "hub1-password"},
			from: peerSender, rcpts: []string{alice},
			data: req{txID: "tx-hub", msgID: "mm-hub", ack: "Yes", origSystem: "mm4@mms.hub.example"}.String()}))
		got := p.waitFor(20*time.Second, 1, `"tx-hub"`)
		if got[0].rcpts[0] != "mm4@mms.hub.example" {
			t.Errorf("RES to the hub went to %q", got[0].rcpts)
		}
		res := s.send(submission{localIP: "127.0.0.2", auth: loginAuth{"hub1", "wrong"}, from: peerSender, rcpts: []string{alice}, data: "x"})
		if res.err == nil {
			t.Errorf("wrong password accepted")
		}
		mustAccept(t, s.send(submission{localIP: "127.0.0.2", auth: plainAuth{"hub1", "hub1-password"},
			from: peerSender, rcpts: []string{alice}, data: req{txID: "tx-hub-plain", msgID: "m"}.String()}))
	})

	t.Run("forged originator system gets no mail", func(t *testing.T) {
		mustAccept(t, s.sendREQ(req{txID: "tx-forged", msgID: "mm-forged", ack: "Yes", origSystem: "victim@third-party.example"}))
		got := p.waitFor(20*time.Second, 1, `"tx-forged"`)
		for _, m := range got {
			for _, r := range m.rcpts {
				if r != "system-user@mms.peer.example" {
					t.Errorf("RES sent to %q", r)
				}
			}
			if bytes.Contains(m.data, []byte("victim@")) {
				t.Errorf("RES mentions the forged address:\n%s", m.data)
			}
		}
		for _, m := range p.find() {
			for _, r := range m.rcpts {
				if strings.Contains(r, "third-party") {
					t.Errorf("mail sent to the forged address %q", r)
				}
			}
		}
	})

	t.Run("empty DATA keep-alive accepted, nothing delivered", func(t *testing.T) {
		before := len(s.mailbox("alice@example.net", "alice-password"))
		mustAccept(t, s.send(submission{from: peerSender, rcpts: []string{alice}, data: ""}))
		if after := len(s.mailbox("alice@example.net", "alice-password")); after != before {
			t.Errorf("empty DATA delivered %d message(s)", after-before)
		}
	})

	t.Run("duplicate REQ delivered once, answered again", func(t *testing.T) {
		r := req{txID: "tx-dup", msgID: "mm-dup", ack: "Yes"}
		mustAccept(t, s.sendREQ(r))
		mustAccept(t, s.sendREQ(r))
		p.waitFor(20*time.Second, 2, `"tx-dup"`, "Request-Status-Code: Ok")
		if n := len(s.aliceMessages("tx-dup")); n != 1 {
			t.Errorf("alice has %d copies of a REQ sent twice", n)
		}
	})
}

// TestCrashAfterAccept kills the server with SIGKILL right after the 250
// for a REQ whose RES could not be sent yet; after a restart the MM is in
// the mailbox and the RES arrives, once.
func TestCrashAfterAccept(t *testing.T) {
	p := newPeer(t)
	p.setStall(true) // the peer takes the RES but never answers its DATA
	s := newServer(t, p.port)
	s.start()
	mustAccept(t, s.sendREQ(req{txID: "tx-crash", msgID: "mm-crash", ack: "Yes"}))
	s.kill9()
	p.setStall(false)

	s.start()
	if n := len(s.aliceMessages("tx-crash")); n != 1 {
		t.Fatalf("after the crash alice has %d copies of the MM, want 1", n)
	}
	p.waitFor(60*time.Second, 1, `"tx-crash"`)
	// The peer re-sends the REQ (it never saw our 250? here: it did; a
	// cautious peer may still re-send): not delivered again.
	mustAccept(t, s.sendREQ(req{txID: "tx-crash", msgID: "mm-crash", ack: "No"}))
	time.Sleep(3 * time.Second)
	if n := len(p.find(`"tx-crash"`)); n != 1 {
		t.Errorf("RES arrived %d times, want once", n)
	}
	if n := len(s.aliceMessages("tx-crash")); n != 1 {
		t.Errorf("alice has %d copies after the re-send", n)
	}
}

// TestCommands covers the non-server subcommands.
func TestCommands(t *testing.T) {
	out, err := exec.Command(binary, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "maddy-mms ") {
		t.Errorf("version: %v %q", err, out)
	}
	out, err = exec.Command(binary, "hash", "s3cret").Output()
	if err != nil || !strings.HasPrefix(string(out), "bcrypt:$2") {
		t.Errorf("hash: %v %q", err, out)
	}

	env := []string{"MMS_STATE_DIR=" + t.TempDir(), "MMS_MM4_PORT=1", "MMS_SUBMISSION_PORT=2", "MMS_IMAP_PORT=3", "MMS_PEER_PORT=4", "MMS_MM1_PORT=5", "MMS_METRICS_PORT=6"}
	cmd := exec.Command(binary, "-config", exampleConfig, "verify-config")
	cmd.Env = append(cmd.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("verify-config on the example: %v\n%s", err, out)
	}

	// A mistake inside a maddy-mms block is found without starting.
	example, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(t.TempDir(), "broken.conf")
	os.WriteFile(broken, bytes.Replace(example, []byte("source_ip 127.0.0.1"), []byte("source_ip 127.0.0.300"), 1), 0o600)
	cmd = exec.Command(binary, "-config", broken, "verify-config")
	cmd.Env = append(cmd.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "source_ip") {
		t.Errorf("verify-config on a broken config: %v\n%s", err, out)
	}
}
