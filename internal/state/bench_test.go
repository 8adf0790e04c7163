// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package state

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkReceive is the store's work for one inbound MM4_forward.REQ:
// claim the transaction, finish it with the MM received, from 10
// sessions at once (SQLite).
func BenchmarkReceive(b *testing.B) {
	s, err := Open(ctx, Options{Driver: "sqlite3", DSN: filepath.Join(b.TempDir(), "b.db"), Owner: "a"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var n atomic.Int64
	b.SetParallelism(5)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tx := fmt.Sprintf("tx-%d", n.Add(1))
			if _, err := s.ClaimTransaction(ctx, "peer", tx); err != nil {
				b.Error(err)
				return
			}
			now := time.Now()
			m := ReceivedMM{Peer: "peer", MessageID: "m" + tx, TransactionID: tx, Sender: "+48600000001/TYPE=PLMN@peer.example",
				Recipients: []string{"+15550001111"}, ReceivedAt: now, Expires: now.Add(time.Hour)}
			if err := s.FinishTransaction(ctx, Finish{Peer: "peer", TransactionID: tx, Status: "Ok", Until: now.Add(time.Hour), Received: &m}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkSend is the store's work for one submitted MM to one peer that
// is asked for a response.
func BenchmarkSend(b *testing.B) {
	s, err := Open(ctx, Options{Driver: "sqlite3", DSN: filepath.Join(b.TempDir(), "b.db"), Owner: "a"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var n atomic.Int64
	b.SetParallelism(5)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			m, reqs := sent(fmt.Sprintf("m%d", i), "peer", fmt.Sprintf("t%d", i))
			if err := s.PutSent(ctx, m, reqs); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
