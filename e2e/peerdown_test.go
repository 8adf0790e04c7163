// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPeerDownThenBack: a REQ for a peer that is down is queued (the
// submitter gets 250), retried, and delivered once the peer is back.
// maddy v0.8.2's queue retries 15 minutes after a failed attempt; with
// patch maddy-0005 the test sets initial_retry_time 2s, so the retry, and
// the REQ surviving a restart while the peer is down, show in seconds.
func TestPeerDownThenBack(t *testing.T) {
	t.Parallel()
	port := freePort(t) // nobody listens there yet: the peer is down
	// The queue retries after 2 s instead of 15 minutes (maddy-0005:
	// initial_retry_time), so the retry shows within the test.
	s := newServerWith(t, port, func(c string) string {
		return strings.Replace(c, "target.queue mm4_out {\n", "target.queue mm4_out {\n    initial_retry_time 2s\n    retry_time_scale 1\n", 1)
	})
	s.start()
	mustAccept(t, s.submit(submission{auth: aliceAuth, from: "alice@example.net",
		rcpts: []string{"+15550002222@mms.example.net"},
		data:  mailFromAlice("peer-down-1", "+15550002222@mms.example.net")}))

	// Queued on disk, not lost.
	deadline := time.Now().Add(20 * time.Second)
	for {
		entries, _ := os.ReadDir(filepath.Join(s.stateDir, "mm4_out"))
		if len(entries) != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the REQ for the unreachable peer is not in the queue directory")
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // the first attempts have failed by now
	// A restart while the peer is down keeps the REQ queued.
	s.stop()
	s.start()
	time.Sleep(3 * time.Second)
	if len(s.log.String()) == 0 {
		t.Fatal("no log after the restart")
	}
	p := newPeerOn(t, port)
	p.waitFor(60*time.Second, 1, "Subject: peer-down-1")
	time.Sleep(3 * time.Second)
	if n := len(p.find("Subject: peer-down-1")); n != 1 {
		t.Errorf("the REQ arrived %d times once the peer was back, want once", n)
	}
}
