// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"crypto/sha256"
	"sync"
	"time"
)

// authCache remembers logins the auth module accepted, for a short while.
// HTTP Basic sends the password with every request, and a password hash
// worth its name (bcrypt) costs tens of milliseconds of CPU to check: a
// handset posting and fetching MMs would pay it per request, where SMTP
// submission pays it once per connection. Only a digest of login and
// password is kept, so a changed password, or one that differs, is
// checked again; a removed account keeps working until its entry expires.
type authCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	entries map[[sha256.Size]byte]time.Time // digest → expiry
}

func newAuthCache(ttl time.Duration, max int) *authCache {
	return &authCache{ttl: ttl, max: max, entries: map[[sha256.Size]byte]time.Time{}}
}

func authDigest(user, pass string) [sha256.Size]byte {
	return sha256.Sum256([]byte(user + "\x00" + pass))
}

// valid reports whether user and pass were accepted within the TTL.
func (c *authCache) valid(user, pass string, now time.Time) bool {
	if c == nil || c.ttl <= 0 {
		return false
	}
	d := authDigest(user, pass)
	c.mu.Lock()
	defer c.mu.Unlock()
	exp, ok := c.entries[d]
	if ok && now.After(exp) {
		delete(c.entries, d)
		return false
	}
	return ok
}

// add remembers an accepted login. When full, expired entries go first,
// then everything (the cache only saves work).
func (c *authCache) add(user, pass string, now time.Time) {
	if c == nil || c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for d, exp := range c.entries {
			if now.After(exp) {
				delete(c.entries, d)
			}
		}
		if len(c.entries) >= c.max {
			clear(c.entries)
		}
	}
	c.entries[authDigest(user, pass)] = now.Add(c.ttl)
}
