// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDuplicateMemoryBounded: with duplicate_max_entries 3 the relay
// remembers the three newest transactions only; a REQ sent again after
// its transaction was forgotten is processed again, a newer one is still
// a duplicate.
func TestDuplicateMemoryBounded(t *testing.T) {
	p := newPeer(t)
	s := newServerWith(t, p.port, func(c string) string {
		return strings.Replace(c, "    duplicate_max_entries 1000000\n",
			"    duplicate_max_entries 3\n    timeout_check_interval 1s\n", 1)
	})
	s.start()
	for i := 0; i < 5; i++ {
		mustAccept(t, s.sendREQ(req{txID: fmt.Sprintf("dm-%d", i), msgID: fmt.Sprintf("dm-mm-%d", i), ack: "Yes"}))
		p.waitFor(20*time.Second, 1, fmt.Sprintf(`"dm-%d"`, i), "Request-Status-Code: Ok")
		time.Sleep(10 * time.Millisecond) // distinct expiry times: oldest first is well defined
	}
	time.Sleep(2500 * time.Millisecond) // a sweep (every second here)
	mustAccept(t, s.sendREQ(req{txID: "dm-0", msgID: "dm-mm-0", ack: "Yes"}))
	mustAccept(t, s.sendREQ(req{txID: "dm-4", msgID: "dm-mm-4", ack: "Yes"}))
	p.waitFor(20*time.Second, 2, `"dm-0"`, "Request-Status-Code: Ok")
	p.waitFor(20*time.Second, 2, `"dm-4"`, "Request-Status-Code: Ok")
	if n := len(s.aliceMessages("dm-0")); n != 2 {
		t.Errorf("the oldest transaction, forgotten, was delivered %d times, want 2", n)
	}
	if n := len(s.aliceMessages("dm-4")); n != 1 {
		t.Errorf("the newest transaction, remembered, was delivered %d times, want 1", n)
	}
}

// TestTruncatedDATA: a REQ whose connection is lost before the final dot
// is not taken (maddy's buffer took a short read for the end of the
// message); the peer's complete re-send is delivered whole.
func TestTruncatedDATA(t *testing.T) {
	p := newPeer(t)
	s := newServer(t, p.port)
	s.start()
	// A single-part MM: cut off, it is still a well-formed message.
	full := "X-Mms-3GPP-MMS-Version: 6.10.0\r\nX-Mms-Message-Type: MM4_forward.REQ\r\n" +
		"X-Mms-Transaction-ID: \"cut-1\"\r\nX-Mms-Message-ID: \"cut-mm-1\"\r\nX-Mms-Ack-Request: Yes\r\n" +
		"From: " + peerSender + "\r\nTo: " + alice + "\r\nSubject: cut-1\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nHello from the peer, this is the whole of cut-1.\r\n"
	cut := full[:strings.Index(full, "Hello from the peer")+len("Hello from")]

	c, err := net.DialTimeout("tcp", s.addr("MMS_MM4_PORT"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	rd := bufio.NewReader(c)
	expect := func(prefix string) {
		t.Helper()
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("waiting for %s: %v", prefix, err)
			}
			if len(line) > 3 && line[3] == '-' {
				continue
			}
			if !strings.HasPrefix(line, prefix) {
				t.Fatalf("got %q, want %s", line, prefix)
			}
			return
		}
	}
	expect("220")
	for _, cmd := range []struct{ line, want string }{
		{"EHLO peer.example", "250"}, {"MAIL FROM:<" + peerSender + ">", "250"}, {"RCPT TO:<" + alice + ">", "250"}, {"DATA", "354"},
	} {
		fmt.Fprintf(c, "%s\r\n", cmd.line)
		expect(cmd.want)
	}
	io.WriteString(c, cut)
	c.(*net.TCPConn).CloseWrite()
	if line, err := rd.ReadString('\n'); err == nil && strings.HasPrefix(line, "250") {
		t.Fatalf("a transfer cut off before the final dot got %q", line)
	}
	c.Close()

	mustAccept(t, s.send(submission{from: peerSender, rcpts: []string{alice}, data: full}))
	p.waitFor(20*time.Second, 1, `"cut-1"`, "Request-Status-Code: Ok")
	msgs := s.aliceMessages("cut-1")
	if len(msgs) != 1 || !strings.Contains(string(msgs[0]), "this is the whole of cut-1") {
		t.Fatalf("alice has %d messages for the REQ; want the whole MM once", len(msgs))
	}
}

// TestQueueLeftoversRemoved: what a crash in the middle of queueing leaves
// in a queue directory (ID.header and ID.body without ID.meta, ID.meta.new)
// is removed when the server starts again; a queued message is kept and
// delivered.
func TestQueueLeftoversRemoved(t *testing.T) {
	p := newPeer(t)
	p.setStall(true) // the RES stays queued
	s := newServer(t, p.port)
	s.start()
	mustAccept(t, s.sendREQ(req{txID: "left-1", msgID: "left-mm-1", ack: "Yes"}))
	s.kill9()
	p.setStall(false)

	dir := filepath.Join(s.stateDir, "mm4_out")
	leftovers := []string{"dead1.header", "dead1.body", "dead2.header", "dead3.meta.new"}
	for _, name := range leftovers {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s.start()
	p.waitFor(60*time.Second, 1, `"left-1"`, "Request-Status-Code: Ok")
	for _, name := range leftovers {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s left in the queue directory after a restart (%v)", name, err)
		}
	}
}
