// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package state

import (
	"testing"
	"time"
)

// TestCounts: CountPending counts the requests with a recipient still
// pending, Counts the rows of each table, on both databases.
func TestCounts(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			o := b.fresh(t)
			s, other := open(t, o), open(t, as(o, "b"))
			pending := func(want int) {
				t.Helper()
				for _, st := range []Store{s, other} {
					if n, err := st.CountPending(ctx); err != nil || n != want {
						t.Errorf("CountPending: %d, %v; want %d", n, err, want)
					}
				}
			}
			counts := func(want Rows) {
				t.Helper()
				if r, err := s.Counts(ctx); err != nil || r != want {
					t.Errorf("Counts: %+v, %v; want %+v", r, err, want)
				}
			}
			pending(0)
			counts(Rows{})

			putSent(t, s, "m1", "peer", "t1")
			putSent(t, other, "m2", "peer", "t2")
			pending(2)
			// One recipient of two answered: still pending.
			resolve(t, s, Resolution{Peer: "peer", TransactionID: "t1", Numbers: []string{"+15550002222"}, State: Acknowledged, Status: "Ok"})
			pending(2)
			resolve(t, s, Resolution{Peer: "peer", TransactionID: "t1", State: Failed, Status: "Error-unspecified"})
			pending(1)
			resolve(t, other, Resolution{Peer: "peer", TransactionID: "t2", State: TimedOut, Status: "Error-network-problem"})
			pending(0)

			claim(t, s, "peer", "rx1")
			finish(t, s, Finish{Peer: "peer", TransactionID: "rx1", Status: "Ok",
				Received: &ReceivedMM{Peer: "peer", MessageID: "mm-r", TransactionID: "rx1", Recipients: []string{"+15550001111"},
					ReceivedAt: time.Now(), Expires: time.Now().Add(time.Hour)}})
			claim(t, s, "peer", "rx2")
			finish(t, s, Finish{Peer: "peer", TransactionID: "rx2", Status: "Ok"})
			putHandset(t, s, handsetMM("h1", "+15550007777", hnow()))
			counts(Rows{Transactions: 2, Requests: 2, Sent: 2, Received: 1, Handsets: 1})

			// After the sweep (everything expired and past retention):
			// nothing left.
			if _, err := s.Sweep(ctx, time.Now().Add(30*24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			r, err := s.Counts(ctx)
			if err != nil || r.Transactions != 0 || r.Requests != 0 || r.Sent != 0 || r.Received != 0 {
				t.Errorf("Counts after the sweep: %+v, %v", r, err)
			}
		})
	}
}
