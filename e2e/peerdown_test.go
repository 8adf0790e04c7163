// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPeerDownThenBack: a REQ for a peer that is down is queued (the
// submitter gets 250), retried, and delivered once the peer is back.
// maddy v0.8.2's queue retries 15 minutes after a failed attempt (not
// configurable), so this test takes about 16 minutes; it runs in parallel
// with the rest of the suite.
func TestPeerDownThenBack(t *testing.T) {
	t.Parallel()
	port := freePort(t) // nobody listens there yet: the peer is down
	s := newServer(t, port)
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
	time.Sleep(3 * time.Second) // the first attempt has failed by now
	p := newPeerOn(t, port)
	p.waitFor(20*time.Minute, 1, "Subject: peer-down-1")
	time.Sleep(3 * time.Second)
	if n := len(p.find("Subject: peer-down-1")); n != 1 {
		t.Errorf("the REQ arrived %d times once the peer was back, want once", n)
	}
}
