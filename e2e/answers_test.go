// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maddy-mms/maddy-mms/internal/state"
)

// This file checks what a peer gets in each situation of TS 23.140 §8.4.5
// (the table in docs/reference/target-mms-deliver.md), reports from a peer,
// several instances on one state store, and sender binding on submission.

// corpus reads a capture of a real peer's MM4 from shared/corpus/mm4-wire
// beside the repository.
func corpus(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "shared", "corpus", "mm4-wire", name))
	if err != nil {
		t.Fatalf("real peer corpus: %v", err)
	}
	return string(b)
}

// stateOf opens the server's state store (SQLite in its state directory)
// beside the running server, as a second instance would.
func (s *server) stateOf(t *testing.T) state.Store {
	t.Helper()
	st, err := state.Open(context.Background(), state.Options{Driver: "sqlite3", DSN: filepath.Join(s.stateDir, "mms", "mmsc.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestPeerAnswers(t *testing.T) {
	p := newPeer(t)
	s := newServer(t, p.port)
	s.start()
	unknown := "+15550009999/TYPE=PLMN@mms.example.net"

	t.Run("only unknown numbers: Error-* RES, nothing delivered", func(t *testing.T) {
		mustAccept(t, s.send(submission{from: peerSender, rcpts: []string{unknown, "+15550008888@mms.example.net"},
			data: req{txID: "tx-nobody", msgID: "mm-nobody", ack: "Yes", to: unknown}.String()}))
		got := p.waitFor(20*time.Second, 1, `"tx-nobody"`)
		if !hasLine(headerLines(got[0].data), "X-Mms-Request-Status-Code: Error-sending-address-unresolved") ||
			!strings.Contains(unfold(got[0].data), "+15550008888 (unknown subscriber)") || !strings.Contains(unfold(got[0].data), "+15550009999") {
			t.Errorf("RES:\n%s", got[0].data)
		}
		if n := len(s.aliceMessages("tx-nobody")); n != 0 {
			t.Errorf("delivered %d times", n)
		}
	})

	t.Run("no ack asked: 250, nothing delivered, nothing sent", func(t *testing.T) {
		mustAccept(t, s.send(submission{from: peerSender, rcpts: []string{unknown},
			data: req{txID: "tx-quiet", msgID: "mm-quiet", ack: "No", to: unknown}.String()}))
		mustAccept(t, s.sendREQ(req{txID: "tx-quiet-marker", msgID: "mm-qm", ack: "Yes"}))
		p.waitFor(20*time.Second, 1, `"tx-quiet-marker"`)
		time.Sleep(time.Second)
		if n := len(p.find(`"tx-quiet"`)); n != 0 {
			t.Errorf("%d messages sent for a REQ that asked for no RES", n)
		}
		if n := len(s.aliceMessages("<mm-quiet@mms.peer.example>")); n != 0 {
			t.Errorf("delivered %d times", n)
		}
	})

	t.Run("X-Mms-Delivery-Report: True is taken as absent: delivered, Ok", func(t *testing.T) {
		data := strings.Replace(req{txID: "tx-true", msgID: "mm-true", ack: "Yes"}.String(), "X-Mms-Delivery-Report: No", "X-Mms-Delivery-Report: True", 1)
		mustAccept(t, s.send(submission{from: peerSender, rcpts: []string{alice}, data: data}))
		got := p.waitFor(20*time.Second, 1, `"tx-true"`)
		if !hasLine(headerLines(got[0].data), "X-Mms-Request-Status-Code: Ok") {
			t.Errorf("RES:\n%s", got[0].data)
		}
		if n := len(s.aliceMessages("tx-true")); n != 1 {
			t.Errorf("delivered %d times", n)
		}
		if !strings.Contains(s.log.String(), `"field":"X-Mms-Delivery-Report"`) {
			t.Errorf("the ignored field is not logged")
		}
	})

	t.Run("a real peer's REQ (X-Mms-Read-Report, no domains in From/To)", func(t *testing.T) {
		mustAccept(t, s.send(submission{from: "+16660002222/TYPE=PLMN@mms.peer.example",
			rcpts: []string{"+15550001111/TYPE=PLMN@mms.example.net"}, data: corpus(t, "open-mmsc-forward-req.eml")}))
		got := p.waitFor(20*time.Second, 1, "+15550001111/TYPE=PLMN-mbuni-g-qf9075.1.x924.83")
		if !hasLine(headerLines(got[0].data), "X-Mms-Request-Status-Code: Ok") {
			t.Errorf("RES:\n%s", got[0].data)
		}
		if n := len(s.aliceMessages("queued in Mbuni 1.4")); n != 1 {
			t.Errorf("delivered %d times", n)
		}
	})

	t.Run("reports from the peer: answered, recorded, told to the sender", func(t *testing.T) {
		_, msgID := aliceSends(t, s, p, "reported-1")
		before := len(s.mailbox("alice@example.net", "alice-password"))
		for _, tc := range []struct{ file, txNeedle string }{
			{"open-mmsc-delivery-report-req.eml", "mbuni-e-qf9270.1.x200.20"},
			{"open-mmsc-read-reply-report-req.eml", "mbuni-9-7r-qf9356.1.x348.38"},
		} {
			data := corpus(t, tc.file)
			// The capture reports on another MM of ours, to another number.
			for _, old := range []string{"m-interop-dlr-0001@mms.example.net", "m1795789221.e1647cc22c5dc035ec67daeb@mms.example.net"} {
				data = strings.ReplaceAll(data, old, msgID)
			}
			data = strings.ReplaceAll(data, "+16660002222", "+15550002222")
			mustAccept(t, s.send(submission{from: "+15550002222/TYPE=PLMN@mms.peer.example",
				rcpts: []string{"+15550001111/TYPE=PLMN@mms.example.net"}, data: data}))
			got := p.waitFor(20*time.Second, 1, tc.txNeedle)
			lines := headerLines(got[0].data)
			if !hasLine(lines, "X-Mms-Request-Status-Code: Ok") || got[0].rcpts[0] != "system-user@mms.peer.example" ||
				!(hasLine(lines, "X-Mms-Message-Type: MM4_delivery_report.RES") || hasLine(lines, "X-Mms-Message-Type: MM4_read_reply_report.RES")) {
				t.Errorf("%s: RES to %v:\n%s", tc.file, got[0].rcpts, got[0].data)
			}
		}
		// Real reports (From and To swapped, as this peer writes them)
		// reach alice as a DSN and an MDN: she asked for both (the demo
		// peer's delivery_report, her client's Disposition-Notification-To).
		s.waitAlice(t, 20*time.Second, "Action: delivered", "reported-1")
		s.waitAlice(t, 20*time.Second, "displayed", "reported-1")
		if after := len(s.mailbox("alice@example.net", "alice-password")); after != before+2 {
			t.Errorf("reports put %d messages in alice's mailbox, want a DSN and an MDN", after-before)
		}
		m, ok, err := s.stateOf(t).Sent(context.Background(), msgID)
		if err != nil || !ok || len(m.Recipients) != 1 {
			t.Fatalf("sent MM %s: %+v %v %v", msgID, m, ok, err)
		}
		if r := m.Recipients[0]; r.Number != "+15550002222" || r.Delivery != "Retrieved" || r.Read != "Read" {
			t.Errorf("reports not recorded against the MM: %+v", r)
		}
		// A report on an MM never sent from here.
		data := strings.ReplaceAll(corpus(t, "open-mmsc-delivery-report-req.eml"), "qf9270", "qf0000")
		mustAccept(t, s.send(submission{from: "+15550002222/TYPE=PLMN@mms.peer.example",
			rcpts: []string{"system-user@mms.example.net"}, data: data}))
		got := p.waitFor(20*time.Second, 1, "mbuni-e-qf0000")
		if !hasLine(headerLines(got[0].data), "X-Mms-Request-Status-Code: Error-message-not-found") {
			t.Errorf("report on an unknown MM: RES\n%s", got[0].data)
		}
	})

	t.Run("two RESs for one two-recipient REQ: one DSN naming the one that failed", func(t *testing.T) {
		mustAccept(t, s.submit(submission{auth: aliceAuth, from: "alice@example.net",
			rcpts: []string{"+15550002222@mms.example.net", "+15550003333@mms.example.net"},
			data:  mailFromAlice("two-res", "+15550002222@mms.example.net, +15550003333@mms.example.net")}))
		r := p.waitFor(20*time.Second, 1, "Subject: two-res")[0]
		m, _ := parseREQ(t, r.data)
		mm4 := s.addr("MMS_MM4_PORT")
		scoped := func(status, text, rcpt string) string {
			return strings.Replace(res(m.TransactionID, m.MessageID, status, text), "Sender:", "X-Mms-Request-Recipients: "+rcpt+"\nSender:", 1)
		}
		sendRES(t, mm4, "127.0.0.1", nil, scoped("Ok", "Message accepted", "+15550002222/TYPE=PLMN@mms.peer.example"))
		sendRES(t, mm4, "127.0.0.1", nil, scoped("Error-service-denied", "Roaming subscriber", "+15550003333/TYPE=PLMN@mms.peer.example"))
		dsn := s.waitDSN(t, "two-res", 20*time.Second)
		checkDSN(t, dsn, "+15550003333", "Roaming subscriber", "Action: failed")
		if bytes.Contains(dsn, []byte("+15550002222@")) {
			t.Errorf("the DSN names the acknowledged recipient:\n%s", dsn)
		}
		time.Sleep(time.Second)
		n := 0
		for _, d := range s.aliceMessages("Undelivered MMS") {
			if bytes.Contains(d, []byte("two-res")) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d DSNs", n)
		}
	})
}

// TestUnservedRcptReject: a peer with unserved_rcpt reject gets SMTP
// rejections at RCPT instead of 250 and an Error-* RES.
func TestUnservedRcptReject(t *testing.T) {
	p := newPeer(t)
	s := newServerWith(t, p.port, func(c string) string {
		return strings.Replace(c, "        unserved_rcpt res\n", "        unserved_rcpt reject\n", 1)
	})
	s.start()
	res := s.send(submission{from: peerSender, rcpts: []string{"+15550009999/TYPE=PLMN@mms.example.net", alice},
		data: req{txID: "tx-strict", msgID: "mm-strict", ack: "Yes"}.String()})
	if code, msg := smtpCode(res.rcptErrs[0]); code != 550 || !strings.Contains(msg, "5.1.1") {
		t.Errorf("unknown subscriber: RCPT %d %q, want 550 5.1.1", code, msg)
	}
	if res.rcptErrs[1] != nil || res.dataErr != nil {
		t.Fatalf("alice: %v %v", res.rcptErrs[1], res.dataErr)
	}
	got := p.waitFor(20*time.Second, 1, `"tx-strict"`)
	if !hasLine(headerLines(got[0].data), "X-Mms-Request-Status-Code: Ok") {
		t.Errorf("RES for the served recipient:\n%s", got[0].data)
	}
}

// TestSharedStateDuplicates: two instances on one PostgreSQL state store;
// the same REQ sent to each is delivered once and answered by both.
func TestSharedStateDuplicates(t *testing.T) {
	p := newPeer(t)
	a, b := sharedStateServers(t, p)
	r := req{txID: "tx-twice", msgID: "mm-twice", ack: "Yes"}
	mustAccept(t, a.sendREQ(r))
	mustAccept(t, b.sendREQ(r))
	got := p.waitFor(20*time.Second, 2, `"tx-twice"`)
	for _, g := range got {
		if !hasLine(headerLines(g.data), "X-Mms-Request-Status-Code: Ok") {
			t.Errorf("RES:\n%s", g.data)
		}
	}
	if n := len(a.aliceMessages("tx-twice")) + len(b.aliceMessages("tx-twice")); n != 1 {
		t.Errorf("delivered %d times across the two instances, want once", n)
	}
}

// TestSenderBinding: a submitting account may use only its own address or
// numbers, the MM shows the bound sender, and generated mail goes only to
// the account's own address.
func TestSenderBinding(t *testing.T) {
	p := newPeer(t)
	s := newServer(t, p.port)
	s.start()
	vasp := loginAuth{"vasp1", "vasp1-password"}

	t.Run("a VASP cannot cause a DSN in alice's mailbox", func(t *testing.T) {
		big := strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n", 10000)
		res := s.submit(submission{auth: vasp, from: "12345@mms.example.net", rcpts: []string{"+15550002222@mms.example.net"},
			data: "From: alice@example.net\nSubject: vasp-big\nMIME-Version: 1.0\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n" + big})
		if code, msg := smtpCode(res.dataErr); code != 552 || !strings.Contains(msg, "5.3.4") {
			t.Errorf("oversize MM from a VASP with no address of its own: DATA %d %q, want 552 5.3.4", code, msg)
		}
		time.Sleep(time.Second)
		if n := len(s.aliceMessages("vasp-big")); n != 0 {
			t.Errorf("alice got %d messages about the VASP's MM", n)
		}
	})

	t.Run("local and too large for the peer: delivered locally, DSN for the peer's number", func(t *testing.T) {
		big := strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n", 10000)
		mustAccept(t, s.submit(submission{auth: aliceAuth, from: "alice@example.net",
			rcpts: []string{"+15550001111@mms.example.net", "+15550002222@mms.example.net"},
			data: "From: alice@example.net\nSubject: local-and-big\nMIME-Version: 1.0\nContent-Type: image/jpeg\n" +
				"Content-Transfer-Encoding: base64\n\n" + big}))
		dsn := s.waitDSN(t, "local-and-big", 20*time.Second)
		checkDSN(t, dsn, "+15550002222", "too large", "Action: failed")
		n := 0
		for _, m := range s.aliceMessages("local-and-big") {
			if !bytes.Contains(m, []byte("Undelivered MMS")) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("alice has %d copies of her MM to herself", n)
		}
		// The storage is still usable: an MM from the peer is delivered.
		mustAccept(t, s.sendREQ(req{txID: "tx-after-big", msgID: "mm-after-big", ack: "Yes"}))
		if n := len(s.aliceMessages("tx-after-big")); n != 1 {
			t.Errorf("after the DSN, an MM from the peer was delivered %d times", n)
		}
		if n := len(p.find("local-and-big")); n != 0 {
			t.Errorf("the oversize MM was sent to the peer")
		}
	})

	t.Run("a submission refused at DATA leaves nothing behind", func(t *testing.T) {
		// Local and remote recipients; the REQ cannot be built (Subject
		// over its limit), so the whole mail is refused.
		res := s.submit(submission{auth: aliceAuth, from: "alice@example.net",
			rcpts: []string{"+15550001111@mms.example.net", "+15550002222@mms.example.net"},
			data:  "From: alice@example.net\nSubject: refused-x" + strings.Repeat(" xxxxxxxxxx\n", 500) + "\nbody\n"})
		if code, msg := smtpCode(res.dataErr); code != 554 || !strings.Contains(msg, "Subject") {
			t.Fatalf("DATA %d %q, want 554 naming Subject", code, msg)
		}
		// The mailbox storage is not left locked, nothing was queued.
		mustAccept(t, s.sendREQ(req{txID: "tx-after-refused", msgID: "mm-after-refused", ack: "Yes"}))
		if n := len(s.aliceMessages("tx-after-refused")); n != 1 {
			t.Errorf("after the refused submission an MM from the peer was delivered %d times", n)
		}
		if n := len(s.aliceMessages("refused-x")); n != 0 {
			t.Errorf("the refused mail reached alice")
		}
		time.Sleep(500 * time.Millisecond)
		if n := len(p.find("refused-x")); n != 0 {
			t.Errorf("the refused mail was sent to the peer")
		}
	})

	t.Run("a forged From does not reach the mailbox as written", func(t *testing.T) {
		mustAccept(t, s.submit(submission{auth: vasp, from: "12345@mms.example.net", rcpts: []string{"+15550001111@mms.example.net"},
			data: "From: +15550002222@mms.example.net\nSender: bank@example.org\nTo: +15550001111@mms.example.net\nSubject: forged-from\n\nhi\n"}))
		msgs := s.aliceMessages("forged-from")
		if len(msgs) != 1 {
			t.Fatalf("alice has %d copies", len(msgs))
		}
		hdr, _, _ := bytes.Cut(msgs[0], []byte("\r\n\r\n"))
		if !bytes.Contains(hdr, []byte("From: <12345@mms.example.net>")) || bytes.Contains(hdr, []byte("+15550002222")) ||
			bytes.Contains(hdr, []byte("bank@example.org")) {
			t.Errorf("the MM shows a sender the VASP may not use:\n%s", hdr)
		}
	})
}
