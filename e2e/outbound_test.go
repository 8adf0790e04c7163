// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

func (s *server) submit(sub submission) result {
	s.t.Helper()
	return sendTo(s.t, s.addr("MMS_SUBMISSION_PORT"), sub)
}

var aliceAuth = plainAuth{"alice@example.net", "alice-password"}

func mailFromAlice(subject, to string, extra ...string) string {
	return strings.Join(append([]string{
		"From: Alice <alice@example.net>",
		"To: " + to,
		"Subject: " + subject,
		"Importance: high",
		"Disposition-Notification-To: alice@example.net",
		"MIME-Version: 1.0",
		`Content-Type: multipart/mixed; boundary="xx"`,
	}, extra...), "\n") + "\n\n--xx\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nHéllo Bob, " + subject + "\n--xx\nContent-Type: image/png\nContent-Transfer-Encoding: binary\n\n\x89PNG\r\n\x1a\n\x00\x00binary\n--xx--\n"
}

// parseREQ reads a REQ as the peer got it, with mmsmap's own parser.
func parseREQ(t *testing.T, data []byte) (*mm4.Message, textproto.Header) {
	t.Helper()
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		t.Fatal(err)
	}
	m, err := mm4.Parse(h)
	if err != nil {
		t.Fatalf("the REQ does not parse as MM4: %v\n%s", err, data)
	}
	return m, h
}

func TestOutbound(t *testing.T) {
	p := newPeer(t)
	s := newServer(t, p.port)
	s.start()

	t.Run("subscriber mail becomes a REQ at the peer", func(t *testing.T) {
		mustAccept(t, s.submit(submission{auth: aliceAuth, from: "alice@example.net",
			rcpts: []string{"+15550002222@mms.example.net", "15550003333@mms.example.net"},
			data:  mailFromAlice("out-1", "+15550002222@mms.example.net")}))
		got := p.waitFor(20*time.Second, 1, "out-1")
		req := got[0]
		if req.from != "+15550001111/TYPE=PLMN@mms.example.net" {
			t.Errorf("MAIL FROM = %q", req.from)
		}
		if fmt.Sprint(req.rcpts) != "[+15550002222/TYPE=PLMN@mms.peer.example +15550003333/TYPE=PLMN@mms.peer.example]" {
			t.Errorf("RCPT TO = %v", req.rcpts)
		}
		m, h := parseREQ(t, req.data)
		if m.Type != mm4.ForwardReq || m.TransactionID == "" || m.MessageID == "" || !m.AckRequest ||
			m.OriginatorSystem != "system-user@mms.example.net" || m.Version != "6.10.0" {
			t.Errorf("REQ fields: %+v", m)
		}
		lines := headerLines(req.data)
		for _, prefix := range []string{"X-Mms-3GPP-MMS-Version: ", "X-Mms-Message-Type: MM4_forward.REQ", "X-Mms-Transaction-ID: ",
			"X-Mms-Message-ID: ", "X-Mms-Ack-Request: Yes", "X-Mms-Originator-System: system-user@mms.example.net",
			"X-Mms-Priority: High", "X-Mms-Read-Reply: Yes",
			"From: ", "To: ", "Date: ", "Message-ID: ", "MIME-Version: 1.0", "Subject: out-1"} {
			found := false
			for _, l := range lines {
				found = found || strings.HasPrefix(l, prefix)
			}
			if !found {
				t.Errorf("REQ lacks %q:\n%s", prefix, strings.Join(lines, "\n"))
			}
		}
		if !strings.Contains(h.Get("From"), "+15550001111/TYPE=PLMN@mms.example.net") ||
			!strings.Contains(h.Get("To"), "+15550002222/TYPE=PLMN@mms.peer.example") {
			t.Errorf("From %q To %q", h.Get("From"), h.Get("To"))
		}
		if h.Has("Bcc") || strings.Contains(h.Get("To")+h.Get("Cc"), "3333") {
			t.Errorf("the Bcc-only recipient shows in the header: To %q Cc %q", h.Get("To"), h.Get("Cc"))
		}
		for _, b := range req.data {
			if b >= 0x80 || b == 0 {
				t.Fatalf("REQ is not 7-bit clean")
			}
		}
		py := pythonCheck(t, req.data)
		if d := py["defects"].([]any); len(d) != 0 {
			t.Errorf("Python's email parser found defects: %v", d)
		}
		if fmt.Sprint(py["parts"]) != "[multipart/mixed text/plain image/png]" {
			t.Errorf("MIME structure %v", py["parts"])
		}
	})

	t.Run("VASP with AUTH LOGIN sends from its short code", func(t *testing.T) {
		mustAccept(t, s.submit(submission{auth: loginAuth{"vasp1", "vasp1-password"}, from: "12345@mms.example.net",
			rcpts: []string{"+15550002222/TYPE=PLMN@mms.example.net"},
			data:  "From: 12345@mms.example.net\nTo: +15550002222/TYPE=PLMN@mms.example.net\nSubject: vasp-1\n\nYour code is 42\n"}))
		req := p.waitFor(20*time.Second, 1, "vasp-1")[0]
		if req.from != "12345@mms.example.net" {
			t.Errorf("MAIL FROM = %q", req.from)
		}
		m, h := parseREQ(t, req.data)
		if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("REQ Content-Type = %q (mandatory; the mail had none)", ct)
		}
		if m.Type != mm4.ForwardReq || !strings.HasPrefix(m.From, "12345@mms.example.net") && !strings.Contains(m.From, "<12345@mms.example.net>") {
			t.Errorf("REQ From %q", m.From)
		}
	})

	t.Run("sender not owning the number refused", func(t *testing.T) {
		for _, tc := range []struct {
			auth submission
			from string
		}{
			{submission{auth: aliceAuth}, "+15550009999@mms.example.net"},
			{submission{auth: aliceAuth}, "12345@mms.example.net"},
			{submission{auth: loginAuth{"vasp1", "vasp1-password"}}, "+15550001111@mms.example.net"},
			// Not a number at all: only the account's own address may stand
			// for its numbers (maddy's authorize_sender semantics).
			{submission{auth: aliceAuth}, "bob@example.org"},
			{submission{auth: loginAuth{"vasp1", "vasp1-password"}}, "alice@example.net"},
		} {
			sub := tc.auth
			sub.from, sub.rcpts, sub.data = tc.from, []string{"+15550002222@mms.example.net"}, "From: "+tc.from+"\nSubject: forged-sender\n\nx\n"
			res := s.submit(sub)
			err := res.err
			if err == nil && len(res.rcptErrs) == 1 {
				err = res.rcptErrs[0]
			}
			if code, msg := smtpCode(err); code != 550 || !strings.Contains(msg, "5.7.1") {
				t.Errorf("MAIL FROM %s: %d %q, want 550 5.7.1", tc.from, code, msg)
			}
		}
		time.Sleep(500 * time.Millisecond)
		if n := len(p.find("forged-sender")); n != 0 {
			t.Errorf("%d REQs sent for forged senders", n)
		}
	})

	t.Run("unauthenticated relay refused", func(t *testing.T) {
		res := s.submit(submission{from: "+15550001111@mms.example.net", rcpts: []string{"+15550002222@mms.example.net"}, data: "Subject: relay-1\n\nx\n"})
		if code, _ := smtpCode(res.err); code/100 != 5 {
			t.Errorf("submission without AUTH: %v", res.err)
		}
		// The MM4 port serves local subscribers only: no relaying through it.
		// A peer's RCPT in our domains gets 250 (TS 23.140 §8.4.5), but
		// mail that is no MM4 is then refused at DATA, naming it.
		for _, ip := range []string{"127.0.0.1", "127.0.0.3"} {
			res = s.send(submission{localIP: ip, from: "+15550001111@mms.example.net",
				rcpts: []string{"+15550002222@mms.example.net", "+15550002222/TYPE=PLMN@mms.peer.example", "someone@internet.example"},
				data:  "Subject: relay-2\n\nx\n"})
			for i, e := range res.rcptErrs {
				code, _ := smtpCode(e)
				if want := 550; i == 0 && ip == "127.0.0.1" {
					if code != 250 {
						t.Errorf("MM4 port from the peer, RCPT %d: %v, want 250", i, e)
					}
				} else if code != want {
					t.Errorf("MM4 port from %s, RCPT %d: %v", ip, i, e)
				}
			}
			if ip == "127.0.0.1" {
				if code, msg := smtpCode(res.dataErr); code != 550 || !strings.Contains(msg, "5.1.1") || !strings.Contains(msg, "+15550002222") {
					t.Errorf("non-MM4 mail from the peer for an unserved number: DATA %d %q, want 550 5.1.1 naming it", code, msg)
				}
			}
		}
		time.Sleep(500 * time.Millisecond)
		if n := len(p.find("relay-")); n != 0 {
			t.Errorf("%d messages relayed", n)
		}
	})

	t.Run("more recipients than the peer takes: split into several REQs", func(t *testing.T) {
		var rcpts []string
		for i := 0; i < 23; i++ {
			rcpts = append(rcpts, fmt.Sprintf("+1555001%04d@mms.example.net", i))
		}
		mustAccept(t, s.submit(submission{auth: aliceAuth, from: "alice@example.net", rcpts: rcpts,
			data: mailFromAlice("split-1", strings.Join(rcpts, ", "))}))
		got := p.waitFor(20*time.Second, 3, "Subject: split-1")
		seen := map[string]bool{}
		txIDs := map[string]bool{}
		for _, m := range got {
			if len(m.rcpts) > 10 {
				t.Errorf("a REQ with %d recipients (max_recipients 10)", len(m.rcpts))
			}
			for _, r := range m.rcpts {
				if seen[r] {
					t.Errorf("%s in two REQs", r)
				}
				seen[r] = true
			}
			req, _ := parseREQ(t, m.data)
			txIDs[req.TransactionID] = true
		}
		if len(seen) != 23 || len(txIDs) != 3 {
			t.Errorf("%d recipients in %d REQs with %d transaction IDs, want 23, 3, 3", len(seen), len(got), len(txIDs))
		}
	})

	t.Run("local number delivered locally, never leaves", func(t *testing.T) {
		mustAccept(t, s.submit(submission{auth: loginAuth{"vasp1", "vasp1-password"}, from: "12345@mms.example.net",
			rcpts: []string{"+15550001111@mms.example.net"},
			data:  "From: 12345@mms.example.net\nTo: +15550001111@mms.example.net\nSubject: local-1\n\nhi alice\n"}))
		if n := len(s.aliceMessages("local-1")); n != 1 {
			t.Errorf("alice has %d copies", n)
		}
		time.Sleep(500 * time.Millisecond)
		if n := len(p.find("local-1")); n != 0 {
			t.Errorf("a local MM was sent to the peer")
		}
	})
}
