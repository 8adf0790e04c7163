// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"testing"
	"time"
)

func TestAuthCache(t *testing.T) {
	now := time.Unix(1000, 0)
	c := newAuthCache(time.Minute, 2)
	if c.valid("alice", "pw", now) {
		t.Fatal("valid before add")
	}
	c.add("alice", "pw", now)
	for _, tc := range []struct {
		user, pass string
		at         time.Duration
		want       bool
	}{
		{"alice", "pw", 0, true},
		{"alice", "pw", 59 * time.Second, true},
		{"alice", "other", 0, false},
		{"alic", "epw", 0, false},
		{"bob", "pw", 0, false},
		{"alice", "pw", 61 * time.Second, false}, // expired
		{"alice", "pw", 0, false},                // and forgotten
	} {
		if got := c.valid(tc.user, tc.pass, now.Add(tc.at)); got != tc.want {
			t.Errorf("valid(%q, %q, +%v) = %v", tc.user, tc.pass, tc.at, got)
		}
	}
	c.add("a", "1", now)
	c.add("b", "2", now)
	c.add("c", "3", now) // full: cleared
	if len(c.entries) > 2 || !c.valid("c", "3", now) {
		t.Errorf("bounded: %d entries", len(c.entries))
	}
	var off *authCache
	off.add("a", "1", now)
	if off.valid("a", "1", now) || newAuthCache(0, 10).valid("a", "1", now) {
		t.Error("a disabled cache remembers")
	}
}
