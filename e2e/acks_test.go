// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package e2e

import (
	"bytes"
	"fmt"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/maddy-mms/maddy-mms/internal/pgtest"
)

// aliceSends submits an MM from alice to +15550002222 and returns the
// transaction and message IDs of the REQ the peer got.
func aliceSends(t *testing.T, s *server, p *peer, subject string) (txID, msgID string) {
	t.Helper()
	mustAccept(t, s.submit(submission{auth: aliceAuth, from: "alice@example.net",
		rcpts: []string{"+15550002222@mms.example.net"},
		data:  mailFromAlice(subject, "+15550002222@mms.example.net", "Message-ID: <"+subject+"@example.net>")}))
	req := p.waitFor(20*time.Second, 1, "Subject: "+subject)[0]
	m, _ := parseREQ(t, req.data)
	return m.TransactionID, m.MessageID
}

// res is an MM4_forward.RES as the demo peer sends it (no From, Date or
// MIME-Version, like real peers).
func res(txID, msgID, status, text string) string {
	return fmt.Sprintf("X-Mms-3GPP-MMS-Version: 6.3.0\nX-Mms-Message-Type: MM4_forward.RES\nX-Mms-Transaction-ID: %s\n"+
		"X-Mms-Message-ID: \"peer-own-%s\"\nX-Mms-Request-Status-Code: %s\nX-Mms-Status-Text: %s\n"+
		"Sender: system-user@mms.peer.example\nTo: system-user@mms.example.net\n\n", txID, msgID, status, text)
}

func sendRES(t *testing.T, addr, localIP string, auth any, data string) {
	t.Helper()
	sub := submission{localIP: localIP, from: "system-user@mms.peer.example", rcpts: []string{"system-user@mms.example.net"}, data: data}
	if a, ok := auth.(loginAuth); ok {
		sub.auth = a
	}
	mustAccept(t, sendTo(t, addr, sub))
}

// waitDSN waits for a DSN about subject in alice's mailbox.
func (s *server) waitDSN(t *testing.T, subject string, timeout time.Duration) []byte {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, m := range s.aliceMessages("Undelivered MMS") {
			if bytes.Contains(m, []byte(subject)) {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no DSN about %q in alice's mailbox after %v", subject, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func checkDSN(t *testing.T, dsn []byte, wants ...string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(dsn))
	if err != nil {
		t.Fatalf("DSN does not parse: %v", err)
	}
	if ct := m.Header.Get("Content-Type"); !strings.Contains(ct, "multipart/report") || !strings.Contains(ct, "delivery-status") {
		t.Errorf("DSN Content-Type %q", ct)
	}
	py := pythonCheck(t, dsn)
	if d := py["defects"].([]any); len(d) != 0 {
		t.Errorf("Python's email parser found defects in the DSN: %v", d)
	}
	flat := strings.ReplaceAll(string(dsn), "\r\n ", " ")
	for _, w := range wants {
		if !strings.Contains(flat, w) {
			t.Errorf("DSN lacks %q:\n%s", w, dsn)
		}
	}
}

func TestAcknowledgements(t *testing.T) {
	p := newPeer(t)
	s := newServer(t, p.port)
	s.start()
	mm4 := s.addr("MMS_MM4_PORT")

	t.Run("Ok: no bounce", func(t *testing.T) {
		tx, mid := aliceSends(t, s, p, "ack-ok")
		sendRES(t, mm4, "127.0.0.1", nil, res(tx, mid, "Ok", "Message accepted"))
		time.Sleep(time.Second)
		if n := len(s.aliceMessages("Undelivered MMS")); n != 0 {
			t.Errorf("alice got %d DSNs for an acknowledged MM", n)
		}
	})

	t.Run("Error-content-not-accepted: DSN with the status text", func(t *testing.T) {
		tx, mid := aliceSends(t, s, p, "ack-refused")
		// The same transaction ID from another peer (the hub) changes nothing.
		sendRES(t, mm4, "127.0.0.2", loginAuth{"hub1", "hub1-password"}, res(tx, mid, "Error-service-denied", "not yours"))
		time.Sleep(time.Second)
		if n := len(s.aliceMessages("ack-refused")); n != 0 {
			t.Fatalf("another peer's RES made a DSN")
		}
		sendRES(t, mm4, "127.0.0.1", nil, res(tx, mid, "error-content-not-accepted", "Image too large for the handset"))
		dsn := s.waitDSN(t, "ack-refused", 20*time.Second)
		checkDSN(t, dsn, "Image too large for the handset", "Error-content-not-accepted", "+15550002222",
			"Action: failed", "Status: 5.6.0", "Subject: ack-refused")
		// The RES answered twice: acted on once.
		sendRES(t, mm4, "127.0.0.1", nil, res(tx, mid, "Error-content-not-accepted", "Image too large for the handset"))
		time.Sleep(time.Second)
		n := 0
		for _, m := range s.aliceMessages("Undelivered MMS") {
			if bytes.Contains(m, []byte("ack-refused")) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d DSNs for one refused MM", n)
		}
	})

	t.Run("RES for an unknown transaction is dropped", func(t *testing.T) {
		sendRES(t, mm4, "127.0.0.1", nil, res("no-such-transaction", "x", "Error-unspecified", "whatever"))
		res := sendTo(t, mm4, submission{localIP: "127.0.0.3", from: "x@stranger.example", rcpts: []string{"system-user@mms.example.net"},
			data: res("no-such-transaction", "x", "Error-unspecified", "whatever")})
		if code, _ := smtpCode(res.dataErr); code != 550 {
			t.Errorf("RES from a stranger: %v", res.dataErr)
		}
		plain := sendTo(t, mm4, submission{localIP: "127.0.0.3", from: "x@stranger.example", rcpts: []string{"system-user@mms.example.net"},
			data: "Subject: hello system\n\nspam\n"})
		if code, _ := smtpCode(plain.dataErr); code != 550 {
			t.Errorf("plain mail to the system address: %v", plain.dataErr)
		}
	})

	t.Run("too large for the peer: refused at DATA with the limit, nothing sent", func(t *testing.T) {
		big := strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n", 10000) // ~370 KB of base64
		r := s.submit(submission{auth: aliceAuth, from: "alice@example.net", rcpts: []string{"+15550002222@mms.example.net"},
			data: "From: alice@example.net\nTo: +15550002222@mms.example.net\nSubject: too-big-1\nMessage-ID: <big@example.net>\nMIME-Version: 1.0\n" +
				"Content-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n" + big})
		if code, text := smtpCode(r.dataErr); code != 552 || !strings.Contains(text, "5.3.4") || !strings.Contains(text, "the limit is 307200") {
			t.Errorf("an MM too large for its only peer: %v, want 552 5.3.4 naming the limit", r.dataErr)
		}
		time.Sleep(500 * time.Millisecond)
		if n := len(p.find("too-big-1")); n != 0 {
			t.Errorf("an oversize MM was sent to the peer")
		}
		if n := len(s.aliceMessages("too-big-1")); n != 0 {
			t.Errorf("a DSN was made although the submission was refused")
		}
	})
}

func TestResponseTimeout(t *testing.T) {
	p := newPeer(t)
	s := newServerWith(t, p.port, func(c string) string {
		return strings.Replace(c, "    response_timeout 1h\n", "    response_timeout 2s\n    timeout_check_interval 500ms\n", 1)
	})
	s.start()
	aliceSends(t, s, p, "never-answered")
	dsn := s.waitDSN(t, "never-answered", 30*time.Second)
	checkDSN(t, dsn, "No acknowledgement from the recipient's MMS network within 2s", "Action: failed")
}

// sharedStateServers starts two instances of the example configuration on
// one real PostgreSQL state store, both sending to peer p.
func sharedStateServers(t *testing.T, p *peer) (a, b *server) {
	t.Helper()
	dsn := pgtest.Start(t)
	withPG := func(c string) string {
		return strings.Replace(c, "    response_timeout 1h\n", "    response_timeout 1h\n    state_store postgres \""+dsn+"\"\n", 1)
	}
	a, b = newServerWith(t, p.port, withPG), newServerWith(t, p.port, withPG)
	a.start()
	b.start()
	return a, b
}

// TestSharedPostgreSQL runs two instances on one PostgreSQL request store:
// a REQ sent by one is resolved by a RES the other receives.
func TestSharedPostgreSQL(t *testing.T) {
	p := newPeer(t)
	a, b := sharedStateServers(t, p)

	tx, mid := aliceSends(t, a, p, "shared-pg")
	sendRES(t, b.addr("MMS_MM4_PORT"), "127.0.0.1", nil, res(tx, mid, "Error-unsupported-message", "No MMS on this line"))
	dsnMsg := b.waitDSN(t, "shared-pg", 20*time.Second)
	checkDSN(t, dsnMsg, "No MMS on this line", "Error-unsupported-message")
	// Instance a sees it resolved: the same RES there is dropped, no DSN.
	sendRES(t, a.addr("MMS_MM4_PORT"), "127.0.0.1", nil, res(tx, mid, "Error-unsupported-message", "No MMS on this line"))
	time.Sleep(time.Second)
	if n := len(a.aliceMessages("Undelivered MMS")); n != 0 {
		t.Errorf("the RES was acted on twice (instance a made %d DSNs)", n)
	}
}

// TestResponseTimeoutRetry: with timeout_action retry an unanswered REQ is
// sent once more (same transaction), then bounced; with ignore, nothing.
func TestResponseTimeoutRetry(t *testing.T) {
	p := newPeer(t)
	s := newServerWith(t, p.port, func(c string) string {
		c = strings.Replace(c, "    response_timeout 1h\n", "    response_timeout 2s\n    timeout_check_interval 500ms\n", 1)
		return strings.Replace(c, "    timeout_action bounce\n", "    timeout_action retry\n", 1)
	})
	s.start()
	tx, _ := aliceSends(t, s, p, "retry-once")
	got := p.waitFor(30*time.Second, 2, "Subject: retry-once")
	for _, m := range got {
		if r, _ := parseREQ(t, m.data); r.TransactionID != tx {
			t.Errorf("the retry has transaction ID %q, want %q", r.TransactionID, tx)
		}
	}
	dsn := s.waitDSN(t, "retry-once", 30*time.Second)
	checkDSN(t, dsn, "No acknowledgement from the recipient's MMS network", "Action: failed")
	if n := len(p.find("Subject: retry-once")); n != 2 {
		t.Errorf("the REQ was sent %d times, want twice", n)
	}

	q := newPeer(t)
	s2 := newServerWith(t, q.port, func(c string) string {
		c = strings.Replace(c, "    response_timeout 1h\n", "    response_timeout 1s\n    timeout_check_interval 300ms\n", 1)
		return strings.Replace(c, "    timeout_action bounce\n", "    timeout_action ignore\n", 1)
	})
	s2.start()
	aliceSends(t, s2, q, "ignored-1")
	time.Sleep(4 * time.Second)
	if n := len(s2.aliceMessages("Undelivered MMS")); n != 0 {
		t.Errorf("timeout_action ignore sent %d DSNs", n)
	}
	if n := len(q.find("Subject: ignored-1")); n != 1 {
		t.Errorf("timeout_action ignore: REQ sent %d times", n)
	}
}
