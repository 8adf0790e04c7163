// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package seen

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestClaimAddReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seen.log")
	l, err := Open(path, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"peer\x00tx-1", "peer\x00\"quoted\" id", "peer\x00line\nbreak"}
	for _, k := range keys {
		if seen, err := l.Claim(k); seen || err != nil {
			t.Fatalf("Claim(%q) = %v, %v; want false, nil", k, seen, err)
		}
		if _, err := l.Claim(k); !errors.Is(err, ErrInFlight) {
			t.Fatalf("second Claim(%q) err = %v; want ErrInFlight", k, err)
		}
		if err := l.Add(k); err != nil {
			t.Fatal(err)
		}
	}
	l.Release("never-claimed")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	// A torn line at the end (crash during append) is ignored.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
	f.WriteString("17")
	f.Close()

	l, err = Open(path, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, k := range keys {
		if seen, err := l.Claim(k); !seen || err != nil {
			t.Fatalf("after reopen Claim(%q) = %v, %v; want true, nil", k, seen, err)
		}
	}
	if seen, _ := l.Claim("other"); seen {
		t.Fatal("unrelated key reported seen")
	}
	if l.Len() != len(keys) {
		t.Fatalf("Len = %d, want %d", l.Len(), len(keys))
	}
}

func TestExpiry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seen.log")
	l, err := Open(path, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	l.now = func() time.Time { return now }
	l.Claim("a")
	l.Add("a")
	now = now.Add(2 * time.Minute)
	if seen, _ := l.Claim("a"); seen {
		t.Fatal("expired key reported seen")
	}
	l.Close()
	l2, err := Open(path, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	l2.now = func() time.Time { return now }
	if seen, _ := l2.Claim("a"); seen {
		t.Fatal("expired key survived reopen")
	}
}

func TestCompaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seen.log")
	l, err := Open(path, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	now := time.Now()
	l.now = func() time.Time { return now }
	for i := 0; i < 3000; i++ {
		now = now.Add(time.Second) // older entries expire as we go
		k := string(rune('a'+i%26)) + time.Duration(i).String()
		l.Claim(k)
		if err := l.Add(k); err != nil {
			t.Fatal(err)
		}
	}
	if l.lines > 2*len(l.live)+1024 {
		t.Fatalf("log not compacted: %d lines for %d live keys", l.lines, len(l.live))
	}
}

func TestBadTTL(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "x"), 0); err == nil {
		t.Fatal("Open with zero ttl succeeded")
	}
}

func TestConcurrentAdd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seen.log")
	l, err := Open(path, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 16, 200
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		go func(w int) {
			for i := 0; i < each; i++ {
				k := fmt.Sprintf("w%d-%d", w, i)
				if _, err := l.Claim(k); err != nil {
					errs <- err
					return
				}
				if err := l.Add(k); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}(w)
	}
	for w := 0; w < workers; w++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	l, err = Open(path, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Len() != workers*each {
		t.Fatalf("after reopen %d keys, want %d", l.Len(), workers*each)
	}
}
