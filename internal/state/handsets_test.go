// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package state

import (
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

// hnow is a time as the store returns it (UTC, no monotonic reading).
func hnow() time.Time { return time.Unix(0, time.Now().UnixNano()).UTC() }

// handsetMM is an MM for number received at at, expiring a day later.
func handsetMM(id, number string, at time.Time) HandsetMM {
	return HandsetMM{
		ID: id, TransactionID: "tx-" + id, Number: number, MessageID: "mid-" + id, Peer: "peer",
		Sender: "+48600000001/TYPE=PLMN", Subject: "Grüße – ☃", Class: "Personal", Size: 12345,
		DeliveryReport: true, ReceivedAt: at, Expires: at.Add(24 * time.Hour),
	}
}

func putHandset(t *testing.T, s Store, m HandsetMM) {
	t.Helper()
	if err := s.PutHandsetMM(ctx, m); err != nil {
		t.Fatalf("PutHandsetMM(%s): %v", m.ID, err)
	}
}

func getHandset(t *testing.T, s Store, id string) HandsetMM {
	t.Helper()
	m, ok, err := s.HandsetMM(ctx, id)
	if err != nil || !ok {
		t.Fatalf("HandsetMM(%s): ok %v, err %v", id, ok, err)
	}
	return m
}

func setHandset(t *testing.T, s Store, id string, from []HandsetState, to HandsetState, at time.Time) bool {
	t.Helper()
	ok, err := s.SetHandsetState(ctx, id, from, to, at)
	if err != nil {
		t.Fatalf("SetHandsetState(%s, %v, %s): %v", id, from, to, err)
	}
	return ok
}

func ids(list []HandsetMM) []string {
	out := []string{}
	for _, m := range list {
		out = append(out, m.ID)
	}
	return out
}

var handsetBehaviours = []struct {
	name string
	fn   func(t *testing.T, o Options)
}{
	{"put, get by ID and by transaction", func(t *testing.T, o Options) {
		s := open(t, o)
		now := hnow()
		m := handsetMM("a1", "+15550001111", now)
		m.ReadReply, m.Peer = true, ""
		m.State, m.StateAt = HandsetAcknowledged, time.Time{} // ignored: stored at ReceivedAt
		putHandset(t, s, m)
		want := m
		want.State, want.StateAt = HandsetStored, now
		if got := getHandset(t, s, "a1"); !reflect.DeepEqual(got, want) {
			t.Errorf("HandsetMM = %+v\nwant        %+v", got, want)
		}
		got, ok, err := s.HandsetMMByTransaction(ctx, "tx-a1")
		if err != nil || !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("HandsetMMByTransaction = %+v %v %v", got, ok, err)
		}
		if _, ok, err := s.HandsetMM(ctx, "nope"); ok || err != nil {
			t.Errorf("unknown ID: %v %v", ok, err)
		}
		if _, ok, err := s.HandsetMMByTransaction(ctx, "a1"); ok || err != nil {
			t.Errorf("unknown transaction: %v %v", ok, err)
		}
		// StateAt given, zero expiry, notified already.
		m2 := handsetMM("a2", "+15550001111", now)
		m2.Expires, m2.StateAt, m2.NotifiedAt = time.Time{}, now.Add(time.Second), now.Add(2*time.Second)
		putHandset(t, s, m2)
		want2 := m2
		want2.State = HandsetStored
		if got := getHandset(t, s, "a2"); !reflect.DeepEqual(got, want2) {
			t.Errorf("HandsetMM = %+v\nwant        %+v", got, want2)
		}
		for _, bad := range []HandsetMM{{TransactionID: "x"}, {ID: "x"}} {
			if err := s.PutHandsetMM(ctx, bad); err == nil {
				t.Errorf("PutHandsetMM(%+v) succeeded", bad)
			}
		}
	}},
	{"a duplicate ID or transaction ID is refused", func(t *testing.T, o Options) {
		s := open(t, o)
		now := hnow()
		putHandset(t, s, handsetMM("a", "+15550001111", now))
		dupID := handsetMM("a", "+15550002222", now)
		dupID.TransactionID = "other"
		dupTx := handsetMM("b", "+15550002222", now)
		dupTx.TransactionID = "tx-a"
		for _, m := range []HandsetMM{dupID, dupTx} {
			if err := s.PutHandsetMM(ctx, m); !errors.Is(err, ErrDuplicate) {
				t.Errorf("PutHandsetMM(%s, %s): %v, want ErrDuplicate", m.ID, m.TransactionID, err)
			}
		}
		if got := getHandset(t, s, "a"); got.Number != "+15550001111" || got.TransactionID != "tx-a" {
			t.Errorf("the first MM changed: %+v", got)
		}
		if _, ok, _ := s.HandsetMM(ctx, "b"); ok {
			t.Errorf("the duplicate transaction was stored")
		}
	}},
	{"state moves only from the states named", func(t *testing.T, o Options) {
		s := open(t, o)
		now := hnow()
		putHandset(t, s, handsetMM("a", "+15550001111", now))
		at := now.Add(time.Minute)
		if !setHandset(t, s, "a", []HandsetState{HandsetStored}, HandsetRetrieved, at) {
			t.Fatalf("stored → retrieved did not move")
		}
		if m := getHandset(t, s, "a"); m.State != HandsetRetrieved || !m.StateAt.Equal(at) {
			t.Errorf("after the move: %s at %v", m.State, m.StateAt)
		}
		// A second GET of the same MM: still retrieved, the first time kept.
		if setHandset(t, s, "a", []HandsetState{HandsetStored}, HandsetRetrieved, at.Add(time.Second)) {
			t.Errorf("stored → retrieved moved a retrieved MM")
		}
		if setHandset(t, s, "a", nil, HandsetAcknowledged, at) {
			t.Errorf("a move from no state moved")
		}
		if setHandset(t, s, "nope", []HandsetState{HandsetStored, HandsetRetrieved}, HandsetAcknowledged, at) {
			t.Errorf("an unknown MM moved")
		}
		at2 := at.Add(time.Minute)
		if !setHandset(t, s, "a", []HandsetState{HandsetStored, HandsetRetrieved, HandsetStored}, HandsetAcknowledged, at2) {
			t.Errorf("retrieved → acknowledged did not move")
		}
		if m := getHandset(t, s, "a"); m.State != HandsetAcknowledged || !m.StateAt.Equal(at2) {
			t.Errorf("after the move: %s at %v", m.State, m.StateAt)
		}
		if setHandset(t, s, "a", []HandsetState{HandsetStored, HandsetRetrieved}, HandsetExpired, at2) {
			t.Errorf("an acknowledged MM expired")
		}
		for _, c := range []struct {
			from []HandsetState
			to   HandsetState
		}{{[]HandsetState{HandsetStored}, "gone"}, {[]HandsetState{"bogus"}, HandsetExpired}, {nil, ""}} {
			if _, err := s.SetHandsetState(ctx, "a", c.from, c.to, at); err == nil {
				t.Errorf("SetHandsetState(%v, %q) accepted an invalid state", c.from, c.to)
			}
		}
		if m := getHandset(t, s, "a"); m.State != HandsetAcknowledged {
			t.Errorf("state now %s", m.State)
		}
	}},
	{"concurrent movers from two instances: exactly one wins", func(t *testing.T, o Options) {
		stores := []Store{open(t, o), open(t, as(o, "b"))}
		now := hnow()
		const mms, movers = 10, 8
		for i := 0; i < mms; i++ {
			putHandset(t, stores[0], handsetMM(fmt.Sprint("m", i), "+15550001111", now))
		}
		for i := 0; i < mms; i++ {
			id := fmt.Sprint("m", i)
			var wg sync.WaitGroup
			var mu sync.Mutex
			var won []HandsetState
			start := make(chan struct{})
			for j := 0; j < movers; j++ {
				// Half acknowledge, half expire it: one outcome only.
				to := []HandsetState{HandsetAcknowledged, HandsetExpired}[j%2]
				s := stores[j%len(stores)]
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					ok, err := s.SetHandsetState(ctx, id, []HandsetState{HandsetStored, HandsetRetrieved}, to, now)
					if err != nil {
						t.Errorf("SetHandsetState: %v", err)
					}
					if ok {
						mu.Lock()
						won = append(won, to)
						mu.Unlock()
					}
				}()
			}
			close(start)
			wg.Wait()
			if len(won) != 1 {
				t.Fatalf("%s: %d movers won, want 1", id, len(won))
			}
			if m := getHandset(t, stores[1], id); m.State != won[0] {
				t.Errorf("%s: state %s, the winner moved it to %s", id, m.State, won[0])
			}
		}
	}},
	{"pending notifications: stored, not notified, oldest first", func(t *testing.T, o Options) {
		s := open(t, o)
		now := hnow()
		// Put newest first, so that the order is the store's.
		for i := 4; i >= 0; i-- {
			putHandset(t, s, handsetMM(fmt.Sprint("p", i), "+15550001111", now.Add(time.Duration(i)*time.Second)))
		}
		pending := func(limit int) []string {
			t.Helper()
			l, err := s.PendingNotifications(ctx, limit)
			if err != nil {
				t.Fatalf("PendingNotifications: %v", err)
			}
			return ids(l)
		}
		if got := pending(10); !reflect.DeepEqual(got, []string{"p0", "p1", "p2", "p3", "p4"}) {
			t.Errorf("pending: %v", got)
		}
		if got := pending(2); !reflect.DeepEqual(got, []string{"p0", "p1"}) {
			t.Errorf("pending, limit 2: %v", got)
		}
		if got := pending(0); len(got) != 0 {
			t.Errorf("pending, limit 0: %v", got)
		}
		if err := s.MarkHandsetNotified(ctx, "p0", now); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkHandsetNotified(ctx, "nope", now); err != nil {
			t.Errorf("MarkHandsetNotified of an unknown MM: %v", err)
		}
		if err := s.MarkHandsetNotified(ctx, "p1", time.Time{}); err == nil {
			t.Errorf("MarkHandsetNotified at the zero time succeeded")
		}
		if m := getHandset(t, s, "p0"); !m.NotifiedAt.Equal(now) {
			t.Errorf("NotifiedAt = %v", m.NotifiedAt)
		}
		// Fetched before its notification was sent (a re-sent one): not pending.
		setHandset(t, s, "p2", []HandsetState{HandsetStored}, HandsetRetrieved, now)
		setHandset(t, s, "p3", []HandsetState{HandsetStored}, HandsetRejected, now)
		if got := pending(10); !reflect.DeepEqual(got, []string{"p1", "p4"}) {
			t.Errorf("pending after notifying, retrieving and rejecting some: %v", got)
		}
	}},
	{"expired: stored or retrieved, expiry reached, earliest first", func(t *testing.T, o Options) {
		s := open(t, o)
		now := hnow()
		put := func(id string, expires time.Time) {
			m := handsetMM(id, "+15550001111", now.Add(-time.Hour))
			m.Expires = expires
			putHandset(t, s, m)
		}
		put("late", now.Add(-time.Minute))
		put("early", now.Add(-time.Hour))
		put("exact", now)
		put("future", now.Add(time.Nanosecond))
		put("never", time.Time{})
		put("got", now.Add(-2*time.Minute))
		put("acked", now.Add(-3*time.Hour))
		put("done", now.Add(-4*time.Hour))
		setHandset(t, s, "got", []HandsetState{HandsetStored}, HandsetRetrieved, now)
		setHandset(t, s, "acked", []HandsetState{HandsetStored}, HandsetAcknowledged, now)
		setHandset(t, s, "done", []HandsetState{HandsetStored}, HandsetExpired, now)
		expired := func(at time.Time, limit int) []string {
			t.Helper()
			l, err := s.ExpiredHandsetMMs(ctx, at, limit)
			if err != nil {
				t.Fatalf("ExpiredHandsetMMs: %v", err)
			}
			return ids(l)
		}
		if got := expired(now, 10); !reflect.DeepEqual(got, []string{"early", "got", "late", "exact"}) {
			t.Errorf("expired: %v", got)
		}
		if got := expired(now, 2); !reflect.DeepEqual(got, []string{"early", "got"}) {
			t.Errorf("expired, limit 2: %v", got)
		}
		if got := expired(now.Add(-24*time.Hour), 10); len(got) != 0 {
			t.Errorf("expired a day ago: %v", got)
		}
		// The expirer's move, racing a late GET's.
		if !setHandset(t, s, "early", []HandsetState{HandsetStored, HandsetRetrieved}, HandsetExpired, now) ||
			setHandset(t, s, "early", []HandsetState{HandsetStored}, HandsetRetrieved, now) {
			t.Errorf("expiring then retrieving: not one move")
		}
		if got := expired(now.Add(time.Hour), 10); !reflect.DeepEqual(got, []string{"got", "late", "exact", "future"}) {
			t.Errorf("expired an hour later: %v", got)
		}
	}},
	{"listing per number: what the handset can still fetch, oldest first", func(t *testing.T, o Options) {
		s := open(t, o)
		now := hnow()
		for i, n := range []string{"+1", "+2", "+1", "+1", "+1", "+1"} {
			putHandset(t, s, handsetMM(fmt.Sprint("n", i), n, now.Add(-time.Duration(i)*time.Second)))
		}
		setHandset(t, s, "n2", []HandsetState{HandsetStored}, HandsetRetrieved, now)
		setHandset(t, s, "n3", []HandsetState{HandsetStored}, HandsetRejected, now)
		setHandset(t, s, "n4", []HandsetState{HandsetStored}, HandsetExpired, now)
		list := func(n string, limit int) []string {
			t.Helper()
			l, err := s.HandsetMMsFor(ctx, n, limit)
			if err != nil {
				t.Fatalf("HandsetMMsFor: %v", err)
			}
			return ids(l)
		}
		if got := list("+1", 10); !reflect.DeepEqual(got, []string{"n5", "n2", "n0"}) {
			t.Errorf("+1: %v", got)
		}
		if got := list("+1", 1); !reflect.DeepEqual(got, []string{"n5"}) {
			t.Errorf("+1, limit 1: %v", got)
		}
		if got := list("+2", 10); !reflect.DeepEqual(got, []string{"n1"}) {
			t.Errorf("+2: %v", got)
		}
		if got := list("+3", 10); len(got) != 0 {
			t.Errorf("+3: %v", got)
		}
	}},
	{"delete", func(t *testing.T, o Options) {
		s := open(t, o)
		now := hnow()
		putHandset(t, s, handsetMM("a", "+1", now))
		putHandset(t, s, handsetMM("b", "+1", now))
		if err := s.DeleteHandsetMM(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteHandsetMM(ctx, "a"); err != nil {
			t.Errorf("deleting again: %v", err)
		}
		if _, ok, err := s.HandsetMM(ctx, "a"); ok || err != nil {
			t.Errorf("deleted MM found: %v %v", ok, err)
		}
		if _, ok, err := s.HandsetMMByTransaction(ctx, "tx-a"); ok || err != nil {
			t.Errorf("deleted MM found by transaction: %v %v", ok, err)
		}
		getHandset(t, s, "b")
		// Its ID and transaction ID are free again.
		putHandset(t, s, handsetMM("a", "+2", now))
	}},
	{"sweep deletes handset MMs final for longer than the retention", func(t *testing.T, o Options) {
		o.RequestRetention = time.Hour
		s := open(t, o)
		now := hnow()
		old := now.Add(-2 * time.Hour)
		for _, c := range []struct {
			id string
			to HandsetState
			at time.Time
		}{
			{"ack-old", HandsetAcknowledged, old},
			{"rej-old", HandsetRejected, old},
			{"exp-old", HandsetExpired, old},
			{"ack-new", HandsetAcknowledged, now},
			{"got-old", HandsetRetrieved, old},
			{"stored-old", "", old},
		} {
			m := handsetMM(c.id, "+1", old.Add(-time.Hour))
			m.Expires = old // expired long ago, yet not final: the expirer's
			putHandset(t, s, m)
			if c.to != "" {
				setHandset(t, s, c.id, []HandsetState{HandsetStored}, c.to, c.at)
			}
		}
		sw, err := s.Sweep(ctx, now)
		if err != nil || sw != (Swept{Handsets: 3}) {
			t.Errorf("sweep: %+v %v, want 3 handset MMs", sw, err)
		}
		for _, id := range []string{"ack-old", "rej-old", "exp-old"} {
			if _, ok, _ := s.HandsetMM(ctx, id); ok {
				t.Errorf("%s kept", id)
			}
		}
		for _, id := range []string{"ack-new", "got-old", "stored-old"} {
			getHandset(t, s, id)
		}
		if sw, err := s.Sweep(ctx, now.Add(2*time.Hour)); err != nil || sw.Handsets != 1 {
			t.Errorf("sweep later: %+v %v, want ack-new", sw, err)
		}
	}},
}

func TestHandsets(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			for _, bh := range handsetBehaviours {
				t.Run(bh.name, func(t *testing.T) { bh.fn(t, b.fresh(t)) })
			}
		})
	}
}

// TestUpgradeToHandsets opens a database at schema version 3 with an MM
// received in it, upgrades it and stores handset MMs.
func TestUpgradeToHandsets(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			o := b.fresh(t)
			driver := o.Driver
			if driver == "sqlite3" {
				driver = sqliteImpl
			}
			raw, err := sql.Open(driver, o.DSN)
			if err != nil {
				t.Fatal(err)
			}
			exec := func(q string) {
				t.Helper()
				if _, err := raw.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			for _, m := range migrations[:3] {
				stmts := m.sqlite
				if driver == "postgres" && m.postgres != nil {
					stmts = m.postgres
				}
				for _, q := range stmts {
					exec(q)
				}
			}
			exec(`CREATE TABLE mms_schema (version INTEGER NOT NULL)`)
			exec(`INSERT INTO mms_schema (version) VALUES (3)`)
			exec(`INSERT INTO mms_received (peer, message_id, transaction_id, sender, recipients, received_at, expires_at, rfc822_message_id) VALUES ('peer', 'm-old', 'tx-old', '+48600000001', '["+15550001111"]', 1, 9000000000000000000, '<old@peer.example>')`)
			raw.Close()

			s := open(t, o)
			var v int
			if err := s.(*db).sql.QueryRow(`SELECT version FROM mms_schema`).Scan(&v); err != nil || v != SchemaVersion {
				t.Errorf("schema version %d (%v), want %d", v, err, SchemaVersion)
			}
			if r, ok, err := s.Received(ctx, "peer", "m-old"); err != nil || !ok || r.RFC822MessageID != "<old@peer.example>" {
				t.Errorf("received MM after the upgrade: %+v %v %v", r, ok, err)
			}
			now := hnow()
			putHandset(t, s, handsetMM("h", "+15550001111", now))
			if l, err := s.HandsetMMsFor(ctx, "+15550001111", 10); err != nil || len(l) != 1 {
				t.Errorf("HandsetMMsFor after the upgrade: %v %v", ids(l), err)
			}
			// A second instance finds the schema current.
			open(t, as(o, "b"))
		})
	}
}

func TestHandsetStates(t *testing.T) {
	for _, s := range []HandsetState{HandsetStored, HandsetRetrieved, HandsetAcknowledged, HandsetRejected, HandsetExpired} {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
		if s.Final() != (s != HandsetStored && s != HandsetRetrieved) {
			t.Errorf("%s: Final %v", s, s.Final())
		}
	}
	if HandsetState("").Valid() || HandsetState("pending").Valid() {
		t.Errorf("an unknown state is valid")
	}
}
