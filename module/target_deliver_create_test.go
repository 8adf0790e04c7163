// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	imapbackend "github.com/emersion/go-imap/backend"
	"github.com/foxcpp/maddy/framework/module"
)

// racyStorage fails an account creation that overlaps another, as
// go-imap-sql does ("CreateUser: sql: no rows in result set").
type racyStorage struct {
	module.Storage
	busy, calls atomic.Int32
}

type nopUser struct{ imapbackend.User }

func (nopUser) Logout() error { return nil }

func (s *racyStorage) GetOrCreateIMAPAcct(string) (imapbackend.User, error) {
	s.calls.Add(1)
	if s.busy.Add(1) > 1 {
		s.busy.Add(-1)
		return nil, errors.New("CreateUser: sql: no rows in result set")
	}
	time.Sleep(20 * time.Millisecond)
	s.busy.Add(-1)
	return nopUser{}, nil
}

// TestEnsureMailboxConcurrent: the first MMs of a new subscriber, arriving
// at once, all find the mailbox (auto_create).
func TestEnsureMailboxConcurrent(t *testing.T) {
	st := &racyStorage{}
	tgt := &deliverTarget{storage: st}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- tgt.ensureMailbox("new@example.net")
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("ensureMailbox: %v", err)
		}
	}
	if n := st.calls.Load(); n != 1 {
		t.Errorf("%d creations, want 1", n)
	}
}
