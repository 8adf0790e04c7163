package reqstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/maddy-mms/maddy-mms/internal/pgtest"
)

// backend hands out fresh, empty databases of one kind.
type backend struct {
	name  string
	fresh func(t *testing.T) (driver, dsn string)
}

// backends returns SQLite (a new file per call, under t.TempDir) and
// PostgreSQL (one real server per top-level test, a new database per call).
func backends(t *testing.T) []backend {
	t.Helper()
	pgDSN := pgtest.Start(t)
	admin, err := sql.Open("postgres", pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	var n atomic.Int64
	return []backend{
		{"sqlite", func(t *testing.T) (string, string) {
			return "sqlite3", filepath.Join(t.TempDir(), "reqstore.db")
		}},
		{"postgres", func(t *testing.T) (string, string) {
			name := fmt.Sprintf("reqstore_%d", n.Add(1))
			if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
				t.Fatalf("create database: %v", err)
			}
			return "postgres", strings.Replace(pgDSN, "dbname="+pgtest.DBName, "dbname="+name, 1)
		}},
	}
}

func open(t *testing.T, driver, dsn string) Store {
	t.Helper()
	s, err := Open(driver, dsn)
	if err != nil {
		t.Fatalf("Open(%q, %q): %v", driver, dsn, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

var base = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)

func req(peer, tx string, deadline time.Time) Request {
	return Request{
		TransactionID:   tx,
		Peer:            peer,
		MessageID:       "msg-" + tx,
		Sender:          "alice@example.org",
		Recipients:      []string{"+15551230001", "+15551230002"},
		RFC822MessageID: "<" + tx + "@example.org>",
		Subject:         "Grüße – ☃",
		Message:         []byte("X-Mms-Message-Type: MM4_forward.REQ\r\n\r\n\x00\xffbinary"),
		SentAt:          base,
		Deadline:        deadline,
		Attempts:        1,
		State:           Pending,
	}
}

func norm(r Request) Request {
	if !r.SentAt.IsZero() {
		r.SentAt = r.SentAt.UTC().Round(0)
	}
	if !r.Deadline.IsZero() {
		r.Deadline = r.Deadline.UTC().Round(0)
	}
	return r
}

func mustGet(t *testing.T, s Store, peer, tx string) Request {
	t.Helper()
	r, ok, err := s.Get(context.Background(), peer, tx)
	if err != nil || !ok {
		t.Fatalf("Get(%s, %s) = ok %v, err %v", peer, tx, ok, err)
	}
	return r
}

func mustPut(t *testing.T, s Store, r Request) {
	t.Helper()
	if err := s.Put(context.Background(), r); err != nil {
		t.Fatalf("Put(%s, %s): %v", r.Peer, r.TransactionID, err)
	}
}

func txIDs(rs []Request) []string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.Peer+"/"+r.TransactionID)
	}
	return ids
}

var behaviours = []struct {
	name string
	fn   func(t *testing.T, driver, dsn string)
}{
	{"PutGetRoundTrip", func(t *testing.T, driver, dsn string) {
		ctx := context.Background()
		s := open(t, driver, dsn)
		want := req("peerA", "tx-1", base.Add(time.Minute))
		want.Status, want.StatusText = "", ""
		mustPut(t, s, want)
		if got := mustGet(t, s, "peerA", "tx-1"); !reflect.DeepEqual(norm(got), norm(want)) {
			t.Errorf("Get:\n got %+v\nwant %+v", got, want)
		}
		// No recipients, no subject, local-time zone input, zero Attempts.
		minimal := Request{Peer: "peerA", TransactionID: "tx-2", SentAt: base.In(time.FixedZone("X", 3600)), Deadline: base}
		mustPut(t, s, minimal)
		got := mustGet(t, s, "peerA", "tx-2")
		minimal.State = Pending
		if !reflect.DeepEqual(norm(got), norm(minimal)) {
			t.Errorf("Get minimal:\n got %+v\nwant %+v", got, minimal)
		}
		for _, k := range [][2]string{{"peerB", "tx-1"}, {"peerA", "tx-3"}, {"", ""}} {
			if _, ok, err := s.Get(ctx, k[0], k[1]); ok || err != nil {
				t.Errorf("Get(%q, %q) = ok %v, err %v; want not found", k[0], k[1], ok, err)
			}
		}
		if err := s.Put(ctx, Request{Peer: "p"}); err == nil {
			t.Error("Put without TransactionID succeeded")
		}
		if err := s.Put(ctx, Request{Peer: "p", TransactionID: "t", State: "bogus"}); err == nil {
			t.Error("Put with invalid state succeeded")
		}
	}},

	{"DuplicatePutFails", func(t *testing.T, driver, dsn string) {
		ctx := context.Background()
		s := open(t, driver, dsn)
		orig := req("peerA", "tx-1", base)
		mustPut(t, s, orig)
		dup := req("peerA", "tx-1", base.Add(time.Hour))
		dup.Sender = "mallory@example.org"
		err := s.Put(ctx, dup)
		if !errors.Is(err, ErrDuplicate) || !strings.HasPrefix(err.Error(), "reqstore: ") {
			t.Fatalf("duplicate Put: err = %v, want ErrDuplicate", err)
		}
		if got := mustGet(t, s, "peerA", "tx-1"); !reflect.DeepEqual(norm(got), norm(orig)) {
			t.Errorf("duplicate Put changed the record: %+v", got)
		}
		// The same transaction ID towards another peer is a different request.
		mustPut(t, s, req("peerB", "tx-1", base))
	}},

	{"ResolveOnlyForTheRightPeer", func(t *testing.T, driver, dsn string) {
		ctx := context.Background()
		s := open(t, driver, dsn)
		mustPut(t, s, req("peerA", "tx-1", base))
		if _, ok, err := s.Resolve(ctx, "peerB", "tx-1", Acknowledged, "Ok", ""); ok || err != nil {
			t.Fatalf("Resolve by the wrong peer: ok %v, err %v", ok, err)
		}
		if _, ok, err := s.Resolve(ctx, "peerA", "tx-unknown", Acknowledged, "Ok", ""); ok || err != nil {
			t.Fatalf("Resolve of an unknown txID: ok %v, err %v", ok, err)
		}
		if got := mustGet(t, s, "peerA", "tx-1"); got.State != Pending {
			t.Fatalf("state after wrong-peer Resolve = %q", got.State)
		}
		if _, _, err := s.Resolve(ctx, "peerA", "tx-1", Pending, "", ""); err == nil {
			t.Fatal("Resolve to Pending succeeded")
		}
		r, ok, err := s.Resolve(ctx, "peerA", "tx-1", Failed, "Error-service-denied", "no such subscriber")
		if !ok || err != nil {
			t.Fatalf("Resolve: ok %v, err %v", ok, err)
		}
		want := req("peerA", "tx-1", base)
		want.State, want.Status, want.StatusText = Failed, "Error-service-denied", "no such subscriber"
		if !reflect.DeepEqual(norm(r), norm(want)) {
			t.Errorf("Resolve returned\n %+v\nwant %+v", r, want)
		}
		if got := mustGet(t, s, "peerA", "tx-1"); !reflect.DeepEqual(norm(got), norm(want)) {
			t.Errorf("Get after Resolve\n %+v\nwant %+v", got, want)
		}
	}},

	{"ResolveTwice", func(t *testing.T, driver, dsn string) {
		ctx := context.Background()
		s := open(t, driver, dsn)
		mustPut(t, s, req("peerA", "tx-1", base))
		if _, ok, err := s.Resolve(ctx, "peerA", "tx-1", Acknowledged, "Ok", "first"); !ok || err != nil {
			t.Fatalf("first Resolve: ok %v, err %v", ok, err)
		}
		if _, ok, err := s.Resolve(ctx, "peerA", "tx-1", Failed, "Error-unspecified", "second"); ok || err != nil {
			t.Fatalf("second Resolve: ok %v, err %v; want ok=false", ok, err)
		}
		if got := mustGet(t, s, "peerA", "tx-1"); got.State != Acknowledged || got.StatusText != "first" {
			t.Errorf("second Resolve changed the record: %+v", got)
		}
	}},

	{"ConcurrentResolveTwoInstances", func(t *testing.T, driver, dsn string) {
		ctx := context.Background()
		s1, s2 := open(t, driver, dsn), open(t, driver, dsn)
		const n = 30
		for i := 0; i < n; i++ {
			mustPut(t, s1, req("peerA", fmt.Sprint("tx-", i), base))
		}
		var wins [n]atomic.Int32
		var wg sync.WaitGroup
		startGun := make(chan struct{})
		for i := 0; i < n; i++ {
			for k, s := range []Store{s1, s2, s1, s2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-startGun
					st := Acknowledged
					if k%2 == 1 {
						st = Failed
					}
					_, ok, err := s.Resolve(ctx, "peerA", fmt.Sprint("tx-", i), st, "x", fmt.Sprint(k))
					if err != nil {
						t.Errorf("Resolve: %v", err)
					}
					if ok {
						wins[i].Add(1)
					}
				}()
			}
		}
		close(startGun)
		wg.Wait()
		for i := range wins {
			if w := wins[i].Load(); w != 1 {
				t.Errorf("tx-%d: %d Resolve calls returned ok=true, want exactly 1", i, w)
			}
		}
	}},

	{"DueClaims", func(t *testing.T, driver, dsn string) {
		ctx := context.Background()
		s1, s2 := open(t, driver, dsn), open(t, driver, dsn)
		now := base.Add(time.Hour)
		mustPut(t, s1, req("peerA", "late-2", now.Add(-time.Minute)))
		mustPut(t, s1, req("peerB", "late-1", now.Add(-2*time.Minute)))
		mustPut(t, s1, req("peerA", "exactly-now", now))
		mustPut(t, s1, req("peerA", "future", now.Add(time.Nanosecond)))
		mustPut(t, s1, req("peerA", "resolved", now.Add(-time.Hour)))
		if _, ok, err := s1.Resolve(ctx, "peerA", "resolved", Acknowledged, "Ok", ""); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if _, err := s1.Due(ctx, now, 0, time.Minute); err == nil {
			t.Error("Due with limit 0 succeeded")
		}
		if _, err := s1.Due(ctx, now, 1, 0); err == nil {
			t.Error("Due with claimFor 0 succeeded")
		}

		got, err := s1.Due(ctx, now, 2, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ids := txIDs(got); !reflect.DeepEqual(ids, []string{"peerB/late-1", "peerA/late-2"}) {
			t.Fatalf("Due(limit 2) = %v, want the two oldest deadlines", ids)
		}
		if got[0].State != Pending || got[0].Sender != "alice@example.org" || len(got[0].Recipients) != 2 {
			t.Errorf("Due returned incomplete request %+v", got[0])
		}
		got, err = s2.Due(ctx, now, 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ids := txIDs(got); !reflect.DeepEqual(ids, []string{"peerA/exactly-now"}) {
			t.Fatalf("second Due = %v, want only the unclaimed one", ids)
		}
		// Before the claims run out only the newly due request comes back.
		got, err = s1.Due(ctx, now.Add(time.Minute-1), 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ids := txIDs(got); !reflect.DeepEqual(ids, []string{"peerA/future"}) {
			t.Fatalf("Due before the claims ran out = %v, want only the newly due one", ids)
		}
		// The claims run out; a claimed request can still be resolved.
		if _, ok, err := s2.Resolve(ctx, "peerB", "late-1", TimedOut, "", ""); !ok || err != nil {
			t.Fatalf("Resolve of a claimed request: ok %v, err %v", ok, err)
		}
		got, err = s2.Due(ctx, now.Add(time.Minute), 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ids := txIDs(got); !reflect.DeepEqual(ids, []string{"peerA/late-2", "peerA/exactly-now"}) {
			t.Fatalf("Due after the claims ran out = %v", ids)
		}
	}},

	{"ConcurrentDueDisjoint", func(t *testing.T, driver, dsn string) {
		ctx := context.Background()
		s1, s2 := open(t, driver, dsn), open(t, driver, dsn)
		const n = 60
		for i := 0; i < n; i++ {
			mustPut(t, s1, req("peerA", fmt.Sprint("tx-", i), base.Add(time.Duration(i)*time.Second)))
		}
		now := base.Add(time.Hour)
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		startGun := make(chan struct{})
		for k, s := range []Store{s1, s2, s1, s2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-startGun
				for {
					got, err := s.Due(ctx, now, 7, time.Hour)
					if err != nil {
						t.Errorf("poller %d: Due: %v", k, err)
						return
					}
					if len(got) > 7 {
						t.Errorf("poller %d: Due returned %d > limit", k, len(got))
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, id := range txIDs(got) {
						seen[id]++
					}
					mu.Unlock()
				}
			}()
		}
		close(startGun)
		wg.Wait()
		if len(seen) != n {
			t.Errorf("pollers got %d distinct requests, want %d", len(seen), n)
		}
		for id, c := range seen {
			if c != 1 {
				t.Errorf("%s returned by Due %d times", id, c)
			}
		}
	}},

	{"Retry", func(t *testing.T, driver, dsn string) {
		ctx := context.Background()
		s := open(t, driver, dsn)
		now := base.Add(time.Hour)
		mustPut(t, s, req("peerA", "tx-1", now.Add(-time.Second)))
		if got, err := s.Due(ctx, now, 10, time.Hour); err != nil || len(got) != 1 {
			t.Fatalf("Due = %v, %v", txIDs(got), err)
		}
		before := time.Now()
		newDeadline := now.Add(10 * time.Minute)
		if err := s.Retry(ctx, "peerA", "tx-1", newDeadline); err != nil {
			t.Fatal(err)
		}
		r := mustGet(t, s, "peerA", "tx-1")
		if r.Attempts != 2 || r.State != Pending || !r.Deadline.Equal(newDeadline) || r.SentAt.Before(before.Add(-time.Second)) {
			t.Fatalf("after Retry: %+v", r)
		}
		if got, _ := s.Due(ctx, now, 10, time.Hour); len(got) != 0 {
			t.Fatalf("Due before the new deadline = %v", txIDs(got))
		}
		// Retry released the claim (which ran until now+1h).
		got, err := s.Due(ctx, newDeadline, 10, time.Hour)
		if err != nil || len(got) != 1 || got[0].Attempts != 2 {
			t.Fatalf("Due at the new deadline = %+v, %v", got, err)
		}
		if _, ok, err := s.Resolve(ctx, "peerA", "tx-1", TimedOut, "", ""); !ok || err != nil {
			t.Fatal(ok, err)
		}
		for _, k := range [][2]string{{"peerA", "tx-1"}, {"peerB", "tx-1"}, {"peerA", "nope"}} {
			if err := s.Retry(ctx, k[0], k[1], newDeadline); !errors.Is(err, ErrNotPending) {
				t.Errorf("Retry(%s, %s) = %v, want ErrNotPending", k[0], k[1], err)
			}
		}
		if r := mustGet(t, s, "peerA", "tx-1"); r.Attempts != 2 || r.State != TimedOut {
			t.Errorf("Retry of a resolved request changed it: %+v", r)
		}
	}},

	{"Expire", func(t *testing.T, driver, dsn string) {
		ctx := context.Background()
		s := open(t, driver, dsn)
		for i := 0; i < 5; i++ {
			mustPut(t, s, req("peerA", fmt.Sprint("tx-", i), base))
		}
		for i, st := range []State{Acknowledged, Failed, TimedOut} {
			if _, ok, err := s.Resolve(ctx, "peerA", fmt.Sprint("tx-", i), st, "", ""); !ok || err != nil {
				t.Fatal(ok, err)
			}
		}
		if n, err := s.Expire(ctx, time.Now().Add(-time.Hour)); n != 0 || err != nil {
			t.Fatalf("Expire(an hour ago) = %d, %v; want 0", n, err)
		}
		if n, err := s.Expire(ctx, time.Now().Add(time.Second)); n != 3 || err != nil {
			t.Fatalf("Expire(now) = %d, %v; want 3", n, err)
		}
		for i := 0; i < 5; i++ {
			_, ok, err := s.Get(ctx, "peerA", fmt.Sprint("tx-", i))
			if err != nil || ok != (i >= 3) {
				t.Errorf("tx-%d after Expire: present %v, err %v", i, ok, err)
			}
		}
		if n, err := s.Expire(ctx, time.Now().Add(time.Hour)); n != 0 || err != nil {
			t.Fatalf("Expire must not delete pending requests: %d, %v", n, err)
		}
	}},

	{"OpenConcurrentlyOnFreshDatabase", func(t *testing.T, driver, dsn string) {
		const n = 8
		stores := make([]Store, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		startGun := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-startGun
				stores[i], errs[i] = Open(driver, dsn)
			}()
		}
		close(startGun)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Open #%d: %v", i, err)
			} else {
				defer stores[i].Close()
			}
		}
		if t.Failed() {
			return
		}
		mustPut(t, stores[0], req("peerA", "tx-1", base))
		mustGet(t, stores[n-1], "peerA", "tx-1")
		// And once more on the existing schema.
		mustGet(t, open(t, driver, dsn), "peerA", "tx-1")
	}},
}

func TestStore(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			for _, bh := range behaviours {
				t.Run(bh.name, func(t *testing.T) {
					driver, dsn := b.fresh(t)
					bh.fn(t, driver, dsn)
				})
			}
		})
	}
}

// Both SQLite driver names open the same database in either build (cgo:
// mattn/go-sqlite3, CGO_ENABLED=0: modernc.org/sqlite).
func TestSQLiteDriverNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	mustPut(t, open(t, "sqlite3", path), req("peerA", "tx-1", base))
	mustGet(t, open(t, "sqlite", path), "peerA", "tx-1")
	t.Logf("SQLite implementation in this build: %q", sqliteImpl)

	var mode string
	s := open(t, "sqlite", path).(*sqlStore)
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestOpenErrors(t *testing.T) {
	for _, c := range [][2]string{
		{"mysql", "x"},
		{"sqlite3", ""},
		{"sqlite3", filepath.Join(t.TempDir(), "no", "such", "dir", "r.db")},
		{"postgres", "host=127.0.0.1 port=1 user=postgres dbname=x sslmode=disable connect_timeout=2"},
	} {
		s, err := Open(c[0], c[1])
		if err == nil {
			s.Close()
			t.Errorf("Open(%q, %q) succeeded", c[0], c[1])
		} else if !strings.HasPrefix(err.Error(), "reqstore: ") {
			t.Errorf("Open(%q, %q) error %q lacks the reqstore: prefix", c[0], c[1], err)
		}
	}
}
