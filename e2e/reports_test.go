// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/maddy-mms/maddy-mms/internal/state"
)

// Delivery and read reports in all four directions (RFC 4356 §2.1.4, TS
// 23.140 §8.4.2–§8.4.3), on the real binary with the example
// configuration: the demo peer is asked for delivery reports on every MM.

// waitAlice waits for a message in alice's mailbox holding every needle.
func (s *server) waitAlice(t *testing.T, timeout time.Duration, needles ...string) []byte {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
	next:
		for _, m := range s.mailboxFor(t, "alice@example.net", "alice-password") {
			u := unfold(m)
			for _, n := range needles {
				if !strings.Contains(u, n) {
					continue next
				}
			}
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing holding %q in alice's mailbox after %v", needles, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// peerReport is an MM4 report REQ as the demo peer sends it about an MM
// of ours: From the recipient, To the sender, as TS 23.140 says (real
// peers swap them; both are accepted).
func peerReport(typ, txID, msgID, rcpt, statusField string) string {
	return strings.Join([]string{
		"X-Mms-3GPP-MMS-Version: 6.10.0",
		"X-Mms-Message-Type: " + typ,
		`X-Mms-Transaction-ID: "` + txID + `"`,
		`X-Mms-Message-ID: "` + msgID + `"`,
		"X-Mms-Ack-Request: Yes",
		"X-Mms-Originator-System: system-user@mms.peer.example",
		statusField,
		"From: " + rcpt + "/TYPE=PLMN@mms.peer.example",
		"To: " + alice,
		"Sender: system-user@mms.peer.example",
		"Date: Tue, 01 Jul 2025 10:00:00 +0000",
		"Message-ID: <" + txID + "@mms.peer.example>",
	}, "\r\n") + "\r\n\r\n"
}

// checkReportMail checks a DSN or MDN with net/mail and Python's email
// package, and returns its text.
func checkReportMail(t *testing.T, raw []byte, reportType string) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot read it: %v\n%s", err, raw)
	}
	ct := m.Header.Get("Content-Type")
	if !strings.Contains(ct, "multipart/report") || !strings.Contains(ct, reportType) {
		t.Errorf("Content-Type = %q, want multipart/report; report-type=%s", ct, reportType)
	}
	if _, err := mail.ParseAddress(m.Header.Get("From")); err != nil {
		t.Errorf("From %q: %v", m.Header.Get("From"), err)
	}
	py := pythonCheck(t, raw)
	if d := py["defects"].([]any); len(d) != 0 {
		t.Errorf("Python's email parser found defects: %v\n%s", d, raw)
	}
	return unfold(raw)
}

func TestReports(t *testing.T) {
	p := newPeer(t)
	s := newServer(t, p.port)
	s.start()

	// alice sends an MM to a number the demo peer serves; the REQ asks for
	// a delivery report (delivery_report yes) and a read reply (her mail
	// client asks with Disposition-Notification-To).
	sendMM := func(t *testing.T, subject, to string) string {
		t.Helper()
		mustAccept(t, s.submit(submission{auth: aliceAuth, from: "alice@example.net",
			rcpts: []string{to + "@mms.example.net"}, data: mailFromAlice(subject, to+"@mms.example.net")}))
		got := p.waitFor(20*time.Second, 1, "MM4_forward.REQ", subject)
		m, h := parseREQ(t, got[0].data)
		if !m.DeliveryReport {
			t.Errorf("the REQ does not ask for a delivery report:\n%s", got[0].data)
		}
		if !m.ReadReply {
			t.Errorf("the REQ does not ask for a read reply:\n%s", got[0].data)
		}
		_ = h
		return m.MessageID
	}

	t.Run("peer delivery report Retrieved becomes a DSN delivered", func(t *testing.T) {
		id := sendMM(t, "dr-retrieved", "+15550002222")
		mustAccept(t, s.send(submission{from: "system-user@mms.peer.example", rcpts: []string{"system-user@mms.example.net"},
			data: peerReport("MM4_delivery_report.REQ", "dr-1", id, "+15550002222", "X-Mms-MM-Status-Code: Retrieved")}))
		res := p.waitFor(20*time.Second, 1, "MM4_delivery_report.RES", "dr-1")
		if !bytes.Contains(res[0].data, []byte("X-Mms-Request-Status-Code: Ok")) {
			t.Errorf("the report was not answered Ok:\n%s", res[0].data)
		}
		text := checkReportMail(t, s.waitAlice(t, 20*time.Second, "Action: delivered", "dr-retrieved"), "delivery-status")
		for _, want := range []string{"Final-Recipient: rfc822; +15550002222@mms.example.net", "Status: 2.", "DSN-Gateway:", "Retrieved"} {
			if !strings.Contains(text, want) {
				t.Errorf("the DSN lacks %q:\n%s", want, text)
			}
		}
		// The same report again, under a new transaction ID (hubs do):
		// answered, the sender not told twice.
		mustAccept(t, s.send(submission{from: "system-user@mms.peer.example", rcpts: []string{"system-user@mms.example.net"},
			data: peerReport("MM4_delivery_report.REQ", "dr-1-again", id, "+15550002222", "X-Mms-MM-Status-Code: Retrieved")}))
		p.waitFor(20*time.Second, 1, "MM4_delivery_report.RES", "dr-1-again")
		time.Sleep(time.Second)
		if n := len(s.aliceMessages("dr-retrieved")); n != 1 {
			t.Errorf("alice has %d DSNs about one delivery, want 1", n)
		}
	})

	t.Run("peer delivery report Expired becomes a DSN failed", func(t *testing.T) {
		id := sendMM(t, "dr-expired", "+15550003333")
		mustAccept(t, s.send(submission{from: "system-user@mms.peer.example", rcpts: []string{"system-user@mms.example.net"},
			data: peerReport("MM4_delivery_report.REQ", "dr-2", id, "+15550003333", "X-Mms-MM-Status-Code: Expired")}))
		text := checkReportMail(t, s.waitAlice(t, 20*time.Second, "Action: failed", "dr-expired"), "delivery-status")
		if !strings.Contains(text, "Status: 5.") || !strings.Contains(text, "Expired") {
			t.Errorf("the DSN does not say the MM expired:\n%s", text)
		}
	})

	t.Run("peer read report becomes an MDN", func(t *testing.T) {
		id := sendMM(t, "rr-read", "+15550004444")
		mustAccept(t, s.send(submission{from: "system-user@mms.peer.example", rcpts: []string{"system-user@mms.example.net"},
			data: peerReport("MM4_read_reply_report.REQ", "rr-1", id, "+15550004444", "X-Mms-Read-Status: Read")}))
		text := checkReportMail(t, s.waitAlice(t, 20*time.Second, "disposition-notification", "rr-read"), "disposition-notification")
		for _, want := range []string{"displayed", "+15550004444@mms.example.net", "MDN-Gateway:"} {
			if !strings.Contains(text, want) {
				t.Errorf("the MDN lacks %q:\n%s", want, text)
			}
		}
	})

	t.Run("report on no MM of ours is answered, never delivered", func(t *testing.T) {
		mustAccept(t, s.send(submission{from: "system-user@mms.peer.example", rcpts: []string{"system-user@mms.example.net"},
			data: peerReport("MM4_delivery_report.REQ", "dr-unknown", "no-such-mm", "+15550002222", "X-Mms-MM-Status-Code: Retrieved")}))
		res := p.waitFor(20*time.Second, 1, "MM4_delivery_report.RES", "dr-unknown")
		if !bytes.Contains(res[0].data, []byte("Error-message-not-found")) {
			t.Errorf("answer:\n%s", res[0].data)
		}
		if n := len(s.aliceMessages("no-such-mm")); n != 0 {
			t.Errorf("alice got %d messages about an unknown MM", n)
		}
	})

	// A peer's MM that asks for reports: a delivery report goes back when
	// it reaches alice's mailbox, a read report when her client sends an MDN.
	t.Run("MM asking for reports: delivery report and read report to the peer", func(t *testing.T) {
		mm := strings.NewReplacer("X-Mms-Delivery-Report: No", "X-Mms-Delivery-Report: Yes",
			"X-Mms-Message-Class: Personal", "X-Mms-Message-Class: Personal\nX-Mms-Read-Reply: Yes").
			Replace(req{txID: "in-dr-1", msgID: "in-mm-1", ack: "Yes"}.String())
		mustAccept(t, s.send(submission{from: peerSender, rcpts: []string{alice}, data: mm}))

		got := p.waitFor(20*time.Second, 1, "MM4_delivery_report.REQ", "in-mm-1")
		rep := got[0]
		m, _ := parseREQ(t, rep.data)
		if m.MessageID != "in-mm-1" || m.MMStatus != "Retrieved" {
			t.Errorf("report: message ID %q, status %q:\n%s", m.MessageID, m.MMStatus, rep.data)
		}
		if !strings.Contains(m.From, "+15550001111") || len(m.To) != 1 || !strings.Contains(m.To[0], "+48600000001") {
			t.Errorf("report From %q To %q: want the recipient and the original sender", m.From, m.To)
		}
		if rep.from != "system-user@mms.example.net" || len(rep.rcpts) != 1 || !strings.Contains(rep.rcpts[0], "+48600000001") {
			t.Errorf("report envelope %q → %q", rep.from, rep.rcpts)
		}
		if _, err := mail.ReadMessage(bytes.NewReader(rep.data)); err != nil {
			t.Errorf("net/mail: %v", err)
		}
		if d := pythonCheck(t, rep.data)["defects"].([]any); len(d) != 0 {
			t.Errorf("Python: %v", d)
		}
		// The peer's RES to our report is matched like a forward RES.
		if !m.AckRequest {
			t.Errorf("the report asks for no RES (ack_request yes):\n%s", rep.data)
		}
		res := strings.Join([]string{
			"X-Mms-3GPP-MMS-Version: 6.10.0",
			"X-Mms-Message-Type: MM4_delivery_report.RES",
			"X-Mms-Transaction-ID: " + m.TransactionID,
			"X-Mms-Message-ID: in-mm-1",
			"X-Mms-Request-Status-Code: Ok",
			"From: system-user@mms.peer.example",
			"To: system-user@mms.example.net",
		}, "\r\n") + "\r\n\r\n"
		mustAccept(t, s.send(submission{from: "system-user@mms.peer.example", rcpts: []string{"system-user@mms.example.net"}, data: res}))
		st := s.stateOf(t)
		if r, ok, err := st.GetRequest(context.Background(), "demo", m.TransactionID); err != nil || !ok || r.State != state.Acknowledged {
			t.Errorf("our delivery report after its RES: %+v %v %v, want acknowledged", r, ok, err)
		}

		// alice's mailbox shows Disposition-Notification-To: her client answers.
		delivered := s.waitAlice(t, 20*time.Second, "in-dr-1")
		dm, err := mail.ReadMessage(bytes.NewReader(delivered))
		if err != nil {
			t.Fatal(err)
		}
		dnt, err := mail.ParseAddress(dm.Header.Get("Disposition-Notification-To"))
		if err != nil {
			t.Fatalf("Disposition-Notification-To %q: %v", dm.Header.Get("Disposition-Notification-To"), err)
		}
		mdnMsg := strings.Join([]string{
			"From: Alice <alice@example.net>",
			"To: " + dnt.Address,
			"Subject: Read: hi in-dr-1",
			"MIME-Version: 1.0",
			`Content-Type: multipart/report; report-type=disposition-notification; boundary="mdn"`,
			"",
			"--mdn",
			"Content-Type: text/plain; charset=utf-8",
			"",
			"The message was displayed.",
			"--mdn",
			"Content-Type: message/disposition-notification",
			"",
			"Reporting-UA: alice-laptop; Thunderbird 128",
			"Final-Recipient: rfc822;alice@example.net",
			"Original-Message-ID: " + dm.Header.Get("Message-Id"),
			"Disposition: manual-action/MDN-sent-manually; displayed",
			"--mdn--",
			"",
		}, "\r\n")
		mustAccept(t, s.submit(submission{auth: aliceAuth, from: "", rcpts: []string{dnt.Address}, data: mdnMsg}))
		got = p.waitFor(20*time.Second, 1, "MM4_read_reply_report.REQ", "in-mm-1")
		// Her client sends it again (a lost 250): the peer gets no
		// second read report.
		mustAccept(t, s.submit(submission{auth: aliceAuth, from: "", rcpts: []string{dnt.Address}, data: mdnMsg}))
		time.Sleep(time.Second)
		if n := len(p.find("MM4_read_reply_report.REQ", "in-mm-1")); n != 1 {
			t.Errorf("the same MDN twice made %d read reports", n)
		}
		m, _ = parseREQ(t, got[0].data)
		if m.ReadStatus != "Read" || m.MessageID != "in-mm-1" || !strings.Contains(m.From, "+15550001111") {
			t.Errorf("read report: status %q, message ID %q, From %q:\n%s", m.ReadStatus, m.MessageID, m.From, got[0].data)
		}
		if n := len(p.find("MM4_forward.REQ", "Read: hi in-dr-1")); n != 0 {
			t.Errorf("the MDN also went out as an MM (%d)", n)
		}
	})

	t.Run("an MM that asks for no delivery report gets none", func(t *testing.T) {
		mustAccept(t, s.sendREQ(req{txID: "in-nodr", msgID: "in-mm-nodr", ack: "Yes"}))
		p.waitFor(20*time.Second, 1, "MM4_forward.RES", "in-nodr")
		time.Sleep(time.Second)
		if n := len(p.find("MM4_delivery_report.REQ", "in-mm-nodr")); n != 0 {
			t.Errorf("%d delivery reports for an MM that asked for none", n)
		}
	})

	t.Run("a VASP's own X-Mms fields are honoured", func(t *testing.T) {
		mustAccept(t, s.submit(submission{auth: loginAuth{"vasp1", "vasp1-password"}, from: "12345@mms.example.net",
			rcpts: []string{"+15550005555@mms.example.net"},
			data: "From: 12345@mms.example.net\r\nTo: +15550005555@mms.example.net\r\nSubject: vasp-fields\r\n" +
				"X-Mms-Delivery-Report: Yes\r\nX-Mms-Read-Reply: Yes\r\nX-Mms-Priority: High\r\nX-Mms-Message-Class: Advertisement\r\n" +
				"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nOffer\r\n"}))
		got := p.waitFor(20*time.Second, 1, "MM4_forward.REQ", "vasp-fields")
		m, _ := parseREQ(t, got[0].data)
		if !m.DeliveryReport || !m.ReadReply || m.Priority != "High" || m.MessageClass != "Advertisement" {
			t.Errorf("REQ: delivery report %v, read reply %v, priority %q, class %q:\n%s",
				m.DeliveryReport, m.ReadReply, m.Priority, m.MessageClass, got[0].data)
		}
	})

	t.Run("a subscriber's X-Mms fields are dropped", func(t *testing.T) {
		mustAccept(t, s.submit(submission{auth: aliceAuth, from: "alice@example.net",
			rcpts: []string{"+15550006666@mms.example.net"},
			data:  mailFromAlice("alice-fields", "+15550006666@mms.example.net", "X-Mms-Message-Class: Advertisement", "X-Mms-Priority: Low")}))
		got := p.waitFor(20*time.Second, 1, "MM4_forward.REQ", "alice-fields")
		m, _ := parseREQ(t, got[0].data)
		if m.MessageClass != "Personal" || m.Priority != "High" { // Importance: high from her client
			t.Errorf("REQ: class %q, priority %q:\n%s", m.MessageClass, m.Priority, got[0].data)
		}
	})

	t.Run("a hidden sender never appears in alice's mailbox", func(t *testing.T) {
		mm := strings.Replace(req{txID: "hidden-1", msgID: "hidden-mm-1", ack: "Yes"}.String(),
			"X-Mms-Message-Class: Personal", "X-Mms-Message-Class: Personal\nX-Mms-Sender-Visibility: Hide", 1)
		mustAccept(t, s.send(submission{from: peerSender, rcpts: []string{alice}, data: mm}))
		got := s.waitAlice(t, 20*time.Second, "hidden-1")
		if bytes.Contains(got, []byte("48600000001")) {
			t.Errorf("the hidden sender's number is in alice's mailbox:\n%s", got)
		}
	})

	t.Run("Internet mail reaches alice; Sensitivity private is refused with 5.6.0", func(t *testing.T) {
		body := "From: Bob <bob@internet.example>\r\nTo: +15550001111@mms.example.net\r\nSubject: inet-1\r\n" +
			"Message-ID: <inet-1@internet.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nHi Alice\r\n"
		mustAccept(t, s.send(submission{from: "bob@internet.example", rcpts: []string{"+15550001111@mms.example.net"}, data: body}))
		s.waitAlice(t, 20*time.Second, "inet-1@internet.example")

		res := s.send(submission{from: "bob@internet.example", rcpts: []string{"+15550001111@mms.example.net"},
			data: strings.Replace(body, "Subject: inet-1", "Subject: inet-private\r\nSensitivity: Private", 1)})
		code, text := smtpCode(res.dataErr)
		if code != 554 || !strings.Contains(text, "5.6.0") {
			t.Errorf("Sensitivity: Private answered %d %q, want 554 5.6.0", code, text)
		}
	})
}

// TestInternetMail: alice's mail to an Internet address leaves as
// ordinary mail (maddy's target.remote in the example; here a loopback
// stand-in for the recipient's MX).
func TestInternetMail(t *testing.T) {
	p := newPeer(t)
	mx := newPeer(t)
	s := newServerWith(t, p.port, func(c string) string {
		c = strings.Replace(c, "entry vasp1 12345 mms_fields\n", "entry vasp1 12345 mms_fields reports@vasp.example\n", 1)
		return strings.Replace(c, "target.remote internet_remote {\n    hostname mms.example.net\n}",
			fmt.Sprintf("target.smtp internet_remote {\n    targets tcp://127.0.0.1:%d\n    starttls no\n}", mx.port), 1)
	})
	s.start()
	mustAccept(t, s.submit(submission{auth: aliceAuth, from: "alice@example.net", rcpts: []string{"bob@internet.example"},
		data: "From: Alice <alice@example.net>\r\nTo: bob@internet.example\r\nSubject: to-the-internet\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nHi Bob\r\n"}))
	got := mx.waitFor(30*time.Second, 1, "to-the-internet")
	if len(got[0].rcpts) != 1 || got[0].rcpts[0] != "bob@internet.example" {
		t.Errorf("RCPT %q", got[0].rcpts)
	}
	m, err := mail.ReadMessage(bytes.NewReader(got[0].data))
	if err != nil {
		t.Fatal(err)
	}
	if from, err := mail.ParseAddress(m.Header.Get("From")); err != nil || from.Address != "+15550001111@mms.example.net" {
		t.Errorf("From = %q: want alice's number, so a reply comes back as MMS", m.Header.Get("From"))
	}
	if n := len(p.find("to-the-internet")); n != 0 {
		t.Errorf("the mail also reached the MMS peer")
	}

	// A VASP's delivery report reaches its own address on the Internet.
	mustAccept(t, s.submit(submission{auth: loginAuth{"vasp1", "vasp1-password"}, from: "12345@mms.example.net",
		rcpts: []string{"+15550002222@mms.example.net"},
		data:  "From: 12345@mms.example.net\r\nTo: +15550002222@mms.example.net\r\nSubject: vasp-report\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nCode 42\r\n"}))
	reqMsg, _ := parseREQ(t, p.waitFor(20*time.Second, 1, "MM4_forward.REQ", "vasp-report")[0].data)
	mustAccept(t, s.send(submission{from: "system-user@mms.peer.example", rcpts: []string{"system-user@mms.example.net"},
		data: peerReport("MM4_delivery_report.REQ", "vasp-dr-1", reqMsg.MessageID, "+15550002222", "X-Mms-MM-Status-Code: Retrieved")}))
	dsn := mx.waitFor(30*time.Second, 1, "vasp-report", "Action: delivered")[0]
	if len(dsn.rcpts) != 1 || dsn.rcpts[0] != "reports@vasp.example" || dsn.from != "" {
		t.Errorf("DSN envelope %q → %q, want <> → reports@vasp.example", dsn.from, dsn.rcpts)
	}
	checkReportMail(t, dsn.data, "delivery-status")
}

// TestLocalReports: between local subscribers a delivery report is a DSN
// (RFC 4356 §2.1.4) and a read receipt is the MDN itself, delivered as mail.
func TestLocalReports(t *testing.T) {
	p := newPeer(t)
	s := newServerWith(t, p.port, func(c string) string {
		return strings.Replace(c, "entry alice@example.net +15550001111\n", "entry alice@example.net +15550001111 delivery_report\n", 1)
	})
	s.start()
	mustAccept(t, s.submit(submission{auth: aliceAuth, from: "alice@example.net",
		rcpts: []string{"+15550001111@mms.example.net"}, data: mailFromAlice("local-dr", "+15550001111@mms.example.net")}))
	mm := s.waitAlice(t, 20*time.Second, "Héllo Bob, local-dr")
	text := checkReportMail(t, s.waitAlice(t, 20*time.Second, "Action: delivered", "local-dr"), "delivery-status")
	if !strings.Contains(text, "Final-Recipient: rfc822; +15550001111@mms.example.net") {
		t.Errorf("the DSN does not name the local recipient:\n%s", text)
	}
	if n := len(p.find("local-dr")); n != 0 {
		t.Errorf("%d messages about a local MM reached the peer", n)
	}

	// Her own MDN about it goes to her as mail: no peer is involved.
	m, err := mail.ReadMessage(bytes.NewReader(mm))
	if err != nil {
		t.Fatal(err)
	}
	mdnMsg := "From: alice@example.net\r\nTo: +15550001111@mms.example.net\r\nSubject: Read: local-dr\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=disposition-notification; boundary=\"m\"\r\n\r\n--m\r\n" +
		"Content-Type: text/plain\r\n\r\nDisplayed.\r\n--m\r\nContent-Type: message/disposition-notification\r\n\r\n" +
		"Final-Recipient: rfc822;alice@example.net\r\nOriginal-Message-ID: " + m.Header.Get("Message-Id") + "\r\n" +
		"Disposition: manual-action/MDN-sent-manually; displayed\r\n--m--\r\n"
	mustAccept(t, s.submit(submission{auth: aliceAuth, from: "", rcpts: []string{"+15550001111@mms.example.net"}, data: mdnMsg}))
	s.waitAlice(t, 20*time.Second, "Subject: Read: local-dr", "disposition-notification")
	if n := len(p.find("MM4_read_reply_report.REQ")); n != 0 {
		t.Errorf("a read report went to the peer for a local MM")
	}
}
