// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package e2e

import (
	"fmt"
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
