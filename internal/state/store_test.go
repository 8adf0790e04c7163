// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
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
	fresh func(t *testing.T) Options
}

// backends returns SQLite (a new file per call) and PostgreSQL (one real
// server per top-level test, a new database per call).
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
		{"sqlite", func(t *testing.T) Options {
			return Options{Driver: "sqlite3", DSN: filepath.Join(t.TempDir(), "state.db"), Owner: "a"}
		}},
		{"postgres", func(t *testing.T) Options {
			name := fmt.Sprintf("state_%d", n.Add(1))
			if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
				t.Fatalf("create database: %v", err)
			}
			return Options{Driver: "postgres", DSN: strings.Replace(pgDSN, "dbname="+pgtest.DBName, "dbname="+name, 1), Owner: "a"}
		}},
	}
}

func open(t *testing.T, o Options) Store {
	t.Helper()
	s, err := Open(context.Background(), o)
	if err != nil {
		t.Fatalf("Open(%+v): %v", o, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// as returns o for another instance (another owner).
func as(o Options, owner string) Options {
	o.Owner = owner
	return o
}

var ctx = context.Background()

func claim(t *testing.T, s Store, peer, tx string) Claim {
	t.Helper()
	c, err := s.ClaimTransaction(ctx, peer, tx)
	if err != nil {
		t.Fatalf("ClaimTransaction(%s, %s): %v", peer, tx, err)
	}
	return c
}

func finish(t *testing.T, s Store, f Finish) {
	t.Helper()
	if f.Until.IsZero() {
		f.Until = time.Now().Add(time.Hour)
	}
	if err := s.FinishTransaction(ctx, f); err != nil {
		t.Fatalf("FinishTransaction(%+v): %v", f, err)
	}
}

// sent is an MM to two numbers through peer p with one request.
func sent(id, p, tx string) (SentMM, []Request) {
	now := time.Now()
	m := SentMM{
		MessageID: id, Sender: "+15550001111", NotifyTo: "alice@example.net",
		RFC822MessageID: "<" + id + "@example.net>", Subject: "Grüße – ☃", DeliveryReport: true,
		SentAt: now, Expires: now.Add(time.Hour),
		Recipients: []SentRecipient{{Number: "+15550002222", Peer: p, TransactionID: tx}, {Number: "+15550003333", Peer: p, TransactionID: tx}},
	}
	r := Request{
		Peer: p, TransactionID: tx, MessageID: id, MailFrom: "+15550001111/TYPE=PLMN@mms.example.net",
		Recipients: []Recipient{
			{Number: "+15550002222", RcptTo: "+15550002222/TYPE=PLMN@peer.example"},
			{Number: "+15550003333", RcptTo: "+15550003333/TYPE=PLMN@peer.example"},
		},
		NotifyTo: "alice@example.net", RFC822MessageID: m.RFC822MessageID, Subject: m.Subject,
		Message: []byte("X-Mms-Message-Type: MM4_forward.REQ\r\n\r\n\x00\xffbinary"),
		SentAt:  now, Deadline: now.Add(time.Hour), Attempts: 1,
	}
	return m, []Request{r}
}

func putSent(t *testing.T, s Store, id, p, tx string) Request {
	t.Helper()
	m, reqs := sent(id, p, tx)
	if err := s.PutSent(ctx, m, reqs); err != nil {
		t.Fatalf("PutSent: %v", err)
	}
	return reqs[0]
}

func getRequest(t *testing.T, s Store, p, tx string) Request {
	t.Helper()
	r, ok, err := s.GetRequest(ctx, p, tx)
	if err != nil || !ok {
		t.Fatalf("GetRequest(%s, %s): ok %v, err %v", p, tx, ok, err)
	}
	return r
}

func resolve(t *testing.T, s Store, r Resolution) Resolved {
	t.Helper()
	out, err := s.Resolve(ctx, r)
	if err != nil {
		t.Fatalf("Resolve(%+v): %v", r, err)
	}
	return out
}

var behaviours = []struct {
	name string
	fn   func(t *testing.T, o Options)
}{
	{"schema is created once and re-opened", func(t *testing.T, o Options) {
		s1 := open(t, o)
		s2 := open(t, as(o, "b"))
		putSent(t, s1, "m1", "peer", "t1")
		getRequest(t, s2, "peer", "t1")
		var v int
		if err := s1.(*db).sql.QueryRow(`SELECT version FROM mms_schema`).Scan(&v); err != nil || v != SchemaVersion {
			t.Errorf("schema version %d (%v), want %d", v, err, SchemaVersion)
		}
	}},
	{"a newer schema is refused", func(t *testing.T, o Options) {
		s := open(t, o)
		if _, err := s.(*db).sql.Exec(`UPDATE mms_schema SET version = 99`); err != nil {
			t.Fatal(err)
		}
		_, err := Open(ctx, as(o, "b"))
		if err == nil || !strings.Contains(err.Error(), "newer") {
			t.Errorf("Open on schema 99: %v", err)
		}
	}},
	{"claim, finish, duplicate with the first answer", func(t *testing.T, o Options) {
		s := open(t, o)
		if c := claim(t, s, "peer", "tx1"); c.State != Claimed {
			t.Fatalf("first claim: %+v", c)
		}
		if c := claim(t, s, "peer", "tx1"); c.State != InFlight {
			t.Errorf("second claim while in flight: %+v", c)
		}
		if c := claim(t, s, "other", "tx1"); c.State != Claimed {
			t.Errorf("same ID from another peer: %+v", c)
		}
		finish(t, s, Finish{Peer: "peer", TransactionID: "tx1", Status: "Error-service-denied", StatusText: "+15550009999 unknown"})
		c := claim(t, s, "peer", "tx1")
		if c.State != Duplicate || c.Status != "Error-service-denied" || c.StatusText != "+15550009999 unknown" {
			t.Errorf("claim after finish: %+v", c)
		}
		if err := s.FinishTransaction(ctx, Finish{Peer: "peer", TransactionID: "tx1", Until: time.Now()}); !errors.Is(err, ErrNotClaimed) {
			t.Errorf("finish of a finished transaction: %v", err)
		}
	}},
	{"release lets the re-send be processed", func(t *testing.T, o Options) {
		s := open(t, o)
		claim(t, s, "peer", "tx")
		if err := s.ReleaseTransaction(ctx, "peer", "tx"); err != nil {
			t.Fatal(err)
		}
		if c := claim(t, s, "peer", "tx"); c.State != Claimed {
			t.Errorf("claim after release: %+v", c)
		}
	}},
	{"a finished transaction is forgotten after its time", func(t *testing.T, o Options) {
		s := open(t, o)
		claim(t, s, "peer", "tx")
		finish(t, s, Finish{Peer: "peer", TransactionID: "tx", Status: "Ok", Until: time.Now().Add(-time.Second)})
		if c := claim(t, s, "peer", "tx"); c.State != Claimed {
			t.Errorf("claim of an expired transaction: %+v", c)
		}
	}},
	{"an instance's claims are released when it starts again", func(t *testing.T, o Options) {
		s := open(t, o)
		claim(t, s, "peer", "tx")
		other := open(t, as(o, "b"))
		if c := claim(t, other, "peer", "tx"); c.State != InFlight {
			t.Fatalf("another instance's claim: %+v", c)
		}
		s.Close()
		open(t, o) // the same owner again: its claim is gone
		if c := claim(t, other, "peer", "tx"); c.State != Claimed {
			t.Errorf("claim after the owner restarted: %+v", c)
		}
	}},
	{"concurrent claims from two instances: one wins", func(t *testing.T, o Options) {
		a, b := open(t, o), open(t, as(o, "b"))
		for i := 0; i < 20; i++ {
			tx := "race-" + strconv.Itoa(i)
			var claimed atomic.Int32
			var wg sync.WaitGroup
			for j, s := range []Store{a, b, a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, err := s.ClaimTransaction(ctx, "peer", tx)
					if err != nil {
						t.Errorf("claim %d: %v", j, err)
						return
					}
					if c.State == Claimed {
						claimed.Add(1)
					}
				}()
			}
			wg.Wait()
			if n := claimed.Load(); n != 1 {
				t.Fatalf("%s: %d claims won, want 1", tx, n)
			}
		}
	}},
	{"a transaction finished while another session claims it is a duplicate", func(t *testing.T, o Options) {
		a, b := open(t, o), open(t, as(o, "b"))
		for i := 0; i < 300; i++ {
			tx := "busy-" + strconv.Itoa(i)
			var processed atomic.Int32
			var wg sync.WaitGroup
			for _, s := range []Store{a, b, a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, err := s.ClaimTransaction(ctx, "peer", tx)
					if err != nil || c.State != Claimed {
						return
					}
					processed.Add(1)
					if err := s.FinishTransaction(ctx, Finish{Peer: "peer", TransactionID: tx, Status: "Ok", Until: time.Now().Add(time.Hour)}); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if n := processed.Load(); n != 1 {
				t.Fatalf("%s processed %d times", tx, n)
			}
		}
	}},
	{"the MM received over several requests", func(t *testing.T, o Options) {
		s := open(t, o)
		now := time.Now().UTC().Round(0)
		for i, rc := range []string{"+15550001111", "+15550002222"} {
			tx := "split-" + strconv.Itoa(i)
			claim(t, s, "peer", tx)
			m := ReceivedMM{Peer: "peer", MessageID: "mm-split", TransactionID: tx, Recipients: []string{rc},
				ReadReply: i == 1, ReceivedAt: now, Expires: now.Add(time.Duration(i+1) * time.Hour)}
			finish(t, s, Finish{Peer: "peer", TransactionID: tx, Status: "Ok", Received: &m})
		}
		got, ok, err := s.Received(ctx, "peer", "mm-split")
		if err != nil || !ok || !reflect.DeepEqual(got.Recipients, []string{"+15550001111", "+15550002222"}) ||
			!got.ReadReply || got.TransactionID != "split-0" || !got.Expires.Equal(now.Add(2*time.Hour)) {
			t.Errorf("Received = %+v %v %v", got, ok, err)
		}
	}},
	{"finish records the MM received", func(t *testing.T, o Options) {
		s := open(t, o)
		claim(t, s, "peer", "tx")
		now := time.Now().UTC().Round(0)
		m := ReceivedMM{Peer: "peer", MessageID: "mm-1", TransactionID: "tx", OriginatorSystem: "system@peer.example",
			Sender: "+48600000001/TYPE=PLMN@peer.example", Recipients: []string{"+15550001111"},
			DeliveryReport: true, ReceivedAt: now, Expires: now.Add(time.Hour), RFC822MessageID: "<mail-1@peer.example>"}
		finish(t, s, Finish{Peer: "peer", TransactionID: "tx", Status: "Ok", Received: &m})
		got, ok, err := s.Received(ctx, "peer", "mm-1")
		if err != nil || !ok || !reflect.DeepEqual(got, m) {
			t.Errorf("Received = %+v %v %v, want %+v", got, ok, err, m)
		}
		// A reader's MDN names the Message-ID it was delivered with.
		list, err := s.ReceivedByRFC822ID(ctx, "<mail-1@peer.example>")
		if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0], m) {
			t.Errorf("ReceivedByRFC822ID = %+v %v, want %+v", list, err, m)
		}
		for _, id := range []string{"", "<other@peer.example>"} {
			if list, err := s.ReceivedByRFC822ID(ctx, id); len(list) != 0 || err != nil {
				t.Errorf("ReceivedByRFC822ID(%q) = %v %v", id, list, err)
			}
		}
		// The same Internet mail relayed by another peer to someone else:
		// both are found, so the reader's MDN finds the reader's MM.
		claim(t, s, "other", "tx-o")
		m2 := m
		m2.Peer, m2.TransactionID, m2.MessageID, m2.Recipients = "other", "tx-o", "mm-o", []string{"+15550002222"}
		finish(t, s, Finish{Peer: "other", TransactionID: "tx-o", Status: "Ok", Received: &m2})
		if list, err := s.ReceivedByRFC822ID(ctx, "<mail-1@peer.example>"); err != nil || len(list) != 2 {
			t.Errorf("ReceivedByRFC822ID after a second peer = %+v %v, want both", list, err)
		}
		if _, ok, _ := s.Received(ctx, "other", "mm-1"); ok {
			t.Errorf("another peer's MM found")
		}
		// The same MM again under a new transaction: no error.
		claim(t, s, "peer", "tx2")
		finish(t, s, Finish{Peer: "peer", TransactionID: "tx2", Status: "Ok", Received: &m})
	}},
	{"requests without an MM of ours", func(t *testing.T, o Options) {
		s := open(t, o)
		now := time.Now().UTC().Round(0)
		r := Request{Peer: "peer", TransactionID: "dr-1", MessageID: "their-mm", MailFrom: "system@here.example",
			Recipients: []Recipient{{Number: "+48600000001", RcptTo: "+48600000001/TYPE=PLMN@peer.example"}},
			SentAt:     now, Deadline: now.Add(time.Hour)}
		if err := s.PutRequests(ctx, []Request{r}); err != nil {
			t.Fatal(err)
		}
		got, ok, err := s.GetRequest(ctx, "peer", "dr-1")
		if err != nil || !ok || got.State != Pending || got.MessageID != "their-mm" || len(got.Recipients) != 1 {
			t.Errorf("GetRequest = %+v %v %v", got, ok, err)
		}
		if err := s.PutRequests(ctx, []Request{r}); !errors.Is(err, ErrDuplicate) {
			t.Errorf("the same request again: %v, want ErrDuplicate", err)
		}
	}},
	{"seen file import", func(t *testing.T, o Options) {
		s := open(t, o)
		now := time.Now().Unix()
		lines := []string{
			fmt.Sprintf("%d %s", now+3600, strconv.Quote("peer\x00live-1")),
			fmt.Sprintf("%d %s", now-10, strconv.Quote("peer\x00expired")),
			fmt.Sprintf("%d %s", now-10, strconv.Quote("peer\x00renewed")),
			fmt.Sprintf("%d %s", now+3600, strconv.Quote("peer\x00renewed")),
			fmt.Sprintf("%d %s", now+3600, strconv.Quote("hub\x00\"quoted\"\x01")),
			"garbage",
			fmt.Sprintf("%d \"peer\\x00torn", now+3600),
		}
		path := filepath.Join(t.TempDir(), "mmsc.seen")
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
			t.Fatal(err)
		}
		n, err := s.ImportSeen(ctx, path)
		if err != nil || n != 3 {
			t.Fatalf("ImportSeen = %d, %v; want 3", n, err)
		}
		for _, k := range [][2]string{{"peer", "live-1"}, {"peer", "renewed"}, {"hub", "\"quoted\"\x01"}} {
			if c := claim(t, s, k[0], k[1]); c.State != Duplicate || c.Status != "Ok" {
				t.Errorf("%q after import: %+v", k, c)
			}
		}
		if c := claim(t, s, "peer", "expired"); c.State != Claimed {
			t.Errorf("expired entry imported: %+v", c)
		}
		if n, err := s.ImportSeen(ctx, path); err != nil || n != 0 {
			t.Errorf("second import = %d, %v; want 0", n, err)
		}
	}},
	{"request: envelope as sent, per-recipient resolution", func(t *testing.T, o Options) {
		s := open(t, o)
		want := putSent(t, s, "m1", "peer", "t1")
		got := getRequest(t, s, "peer", "t1")
		if got.MailFrom != want.MailFrom || string(got.Message) != string(want.Message) || got.Subject != want.Subject ||
			got.NotifyTo != want.NotifyTo || got.State != Pending || len(got.Recipients) != 2 ||
			got.Recipients[0].RcptTo != want.Recipients[0].RcptTo || got.Recipients[1].State != Pending {
			t.Fatalf("stored request %+v, want %+v", got, want)
		}
		r := resolve(t, s, Resolution{Peer: "peer", TransactionID: "t1", Numbers: []string{"+15550002222"},
			State: Acknowledged, Status: "Ok"})
		if r.Done || len(r.Recipients) != 1 || r.Recipients[0].Number != "+15550002222" || r.Request.State != Pending {
			t.Fatalf("first RES: %+v", r)
		}
		r = resolve(t, s, Resolution{Peer: "peer", TransactionID: "t1", Numbers: []string{"+15550002222"},
			State: Failed, Status: "Error-unspecified"})
		if len(r.Recipients) != 0 || r.Done {
			t.Errorf("the same recipient answered twice: %+v", r)
		}
		r = resolve(t, s, Resolution{Peer: "other", TransactionID: "t1", State: Failed, Status: "Error-unspecified"})
		if len(r.Recipients) != 0 {
			t.Errorf("another peer resolved it: %+v", r)
		}
		r = resolve(t, s, Resolution{Peer: "peer", TransactionID: "t1", State: Failed, Status: "Error-content-not-accepted", StatusText: "too big"})
		if !r.Done || len(r.Recipients) != 1 || r.Recipients[0].Number != "+15550003333" ||
			r.Recipients[0].State != Failed || r.Recipients[0].StatusText != "too big" || r.Request.State != Failed {
			t.Errorf("second RES: %+v", r)
		}
		r = resolve(t, s, Resolution{Peer: "peer", TransactionID: "t1", State: Acknowledged, Status: "Ok"})
		if len(r.Recipients) != 0 || r.Done {
			t.Errorf("a resolved request resolved again: %+v", r)
		}
		if r := resolve(t, s, Resolution{Peer: "peer", TransactionID: "nope", State: Acknowledged}); len(r.Recipients) != 0 || r.Done {
			t.Errorf("unknown request: %+v", r)
		}
		if err := s.PutSent(ctx, SentMM{MessageID: "m1", Expires: time.Now()}, nil); !errors.Is(err, ErrDuplicate) {
			t.Errorf("PutSent of the same message ID: %v", err)
		}
		m2, reqs := sent("m2", "peer", "t1")
		if err := s.PutSent(ctx, m2, reqs); !errors.Is(err, ErrDuplicate) {
			t.Errorf("PutSent of the same transaction: %v", err)
		}
		if _, ok, _ := s.Sent(ctx, "m2"); ok {
			t.Errorf("a failed PutSent left its MM behind")
		}
	}},
	{"concurrent responses for different recipients: one finishes", func(t *testing.T, o Options) {
		a, b := open(t, o), open(t, as(o, "b"))
		// Each resolver pauses between its two updates, so that without
		// the serialisation both would see the other's recipient pending.
		testHookResolved = func() { time.Sleep(100 * time.Millisecond) }
		defer func() { testHookResolved = nil }()
		for i := 0; i < 3; i++ {
			tx := "t" + strconv.Itoa(i)
			putSent(t, a, "m"+tx, "peer", tx)
			var done atomic.Int32
			var wg sync.WaitGroup
			for j, s := range []Store{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n := []string{"+15550002222", "+15550003333"}[j]
					r, err := s.Resolve(ctx, Resolution{Peer: "peer", TransactionID: tx, Numbers: []string{n}, State: Acknowledged, Status: "Ok"})
					if err != nil {
						t.Error(err)
					}
					if len(r.Recipients) != 1 || r.Recipients[0].Number != n {
						t.Errorf("resolver of %s resolved %+v", n, r.Recipients)
					}
					if r.Done {
						done.Add(1)
					}
				}()
			}
			wg.Wait()
			if n := done.Load(); n != 1 {
				t.Fatalf("%s: %d resolvers finished the request, want 1", tx, n)
			}
			if r := getRequest(t, a, "peer", tx); r.State != Acknowledged {
				t.Errorf("%s: state %s", tx, r.State)
			}
		}
	}},
	{"overdue requests: claimed once, retried, timed out", func(t *testing.T, o Options) {
		a, b := open(t, o), open(t, as(o, "b"))
		putSent(t, a, "m1", "peer", "t1")
		putSent(t, a, "m2", "peer", "t2")
		later := time.Now().Add(2 * time.Hour)
		due, err := a.DueRequests(ctx, later, 10, time.Minute)
		if err != nil || len(due) != 2 {
			t.Fatalf("DueRequests = %d, %v", len(due), err)
		}
		if again, _ := b.DueRequests(ctx, later, 10, time.Minute); len(again) != 0 {
			t.Errorf("claimed requests returned again: %d", len(again))
		}
		if err := a.RetryRequest(ctx, "peer", "t1", later.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if r := getRequest(t, a, "peer", "t1"); r.Attempts != 2 || !r.Deadline.Equal(later.Add(time.Hour).UTC().Round(0)) {
			t.Errorf("after retry: attempts %d deadline %v", r.Attempts, r.Deadline)
		}
		r := resolve(t, a, Resolution{Peer: "peer", TransactionID: "t2", State: TimedOut, StatusText: "no answer"})
		if !r.Done || len(r.Recipients) != 2 || r.Request.State != TimedOut {
			t.Errorf("timeout: %+v", r)
		}
		if err := a.RetryRequest(ctx, "peer", "t2", later); !errors.Is(err, ErrNotPending) {
			t.Errorf("retry of a resolved request: %v", err)
		}
		if due, _ := b.DueRequests(ctx, later.Add(2*time.Minute), 10, time.Minute); len(due) != 0 {
			t.Errorf("due after retry and timeout: %d", len(due))
		}
		if due, _ := b.DueRequests(ctx, later.Add(2*time.Hour), 10, time.Minute); len(due) != 1 || due[0].TransactionID != "t1" {
			t.Errorf("due after the new deadline: %+v", due)
		}
	}},
	{"reports match the MM by its ID, whichever way From and To point", func(t *testing.T, o Options) {
		s := open(t, o)
		putSent(t, s, "m1", "peer", "t1")
		match := func(r Report) []string {
			t.Helper()
			n, err := s.MatchReport(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := match(Report{Peer: "peer", MessageID: "m1", Candidates: []string{"+15550003333", "+15550001111"}}); !reflect.DeepEqual(n, []string{"+15550003333"}) {
			t.Errorf("swapped From/To: %v", n)
		}
		if n := match(Report{Peer: "peer", MessageID: "m1", Candidates: []string{"+19999"}}); n != nil {
			t.Errorf("two recipients, none named: %v", n)
		}
		if n := match(Report{Peer: "hub", MessageID: "m1", Candidates: []string{"+15550003333"}}); n != nil {
			t.Errorf("a peer the MM did not go through: %v", n)
		}
		if n := match(Report{Peer: "peer", MessageID: "nope", Candidates: []string{"+15550003333"}}); n != nil {
			t.Errorf("unknown MM: %v", n)
		}
		m := SentMM{MessageID: "solo", Expires: time.Now().Add(time.Hour),
			Recipients: []SentRecipient{{Number: "+15550004444", Peer: "peer", TransactionID: "t9"}}}
		if err := s.PutSent(ctx, m, nil); err != nil {
			t.Fatal(err)
		}
		if n := match(Report{Peer: "peer", MessageID: "solo", Candidates: []string{"+1999", "+1888"}}); !reflect.DeepEqual(n, []string{"+15550004444"}) {
			t.Errorf("one recipient, not named: %v", n)
		}

		at := time.Now().UTC().Round(0)
		claim(t, s, "peer", "dr-1")
		finish(t, s, Finish{Peer: "peer", TransactionID: "dr-1", Status: "Ok", Report: &Report{Peer: "peer", MessageID: "m1",
			Kind: DeliveryReport, Candidates: []string{"+15550002222"}, Status: "Retrieved", StatusText: "on the handset", At: at}})
		claim(t, s, "peer", "rr-1")
		finish(t, s, Finish{Peer: "peer", TransactionID: "rr-1", Status: "Ok", Report: &Report{Peer: "peer", MessageID: "m1",
			Kind: ReadReport, Candidates: []string{"+15550002222"}, Status: "Read", At: at}})
		got, ok, err := s.Sent(ctx, "m1")
		if err != nil || !ok || len(got.Recipients) != 2 {
			t.Fatalf("Sent = %+v %v %v", got, ok, err)
		}
		r := got.Recipients[0]
		if r.Number != "+15550002222" || r.Delivery != "Retrieved" || r.DeliveryText != "on the handset" ||
			!r.DeliveryAt.Equal(at) || r.Read != "Read" || !r.ReadAt.Equal(at) {
			t.Errorf("recipient after reports: %+v", r)
		}
		if r := got.Recipients[1]; r.Delivery != "" || r.Read != "" {
			t.Errorf("the other recipient got a report: %+v", r)
		}
		if !got.DeliveryReport || got.NotifyTo != "alice@example.net" || got.Subject != "Grüße – ☃" {
			t.Errorf("Sent = %+v", got)
		}
	}},
	{"sweep deletes what expired, never a pending request", func(t *testing.T, o Options) {
		s := open(t, o)
		putSent(t, s, "m1", "peer", "t1")
		putSent(t, s, "m2", "peer", "t2")
		resolve(t, s, Resolution{Peer: "peer", TransactionID: "t2", State: Acknowledged, Status: "Ok"})
		claim(t, s, "peer", "in")
		now := time.Now().UTC()
		m := ReceivedMM{Peer: "peer", MessageID: "r1", ReceivedAt: now, Expires: now.Add(time.Hour)}
		finish(t, s, Finish{Peer: "peer", TransactionID: "in", Status: "Ok", Until: now.Add(time.Hour), Received: &m})

		sw, err := s.Sweep(ctx, now)
		if err != nil || sw != (Swept{Remembered: 1}) {
			t.Errorf("sweep now: %+v %v", sw, err)
		}
		sw, err = s.Sweep(ctx, now.Add(8*24*time.Hour))
		if err != nil || sw != (Swept{Transactions: 1, Requests: 1, Sent: 2, Received: 1, Remembered: 0}) {
			t.Errorf("sweep later: %+v %v", sw, err)
		}
		if r := getRequest(t, s, "peer", "t1"); r.State != Pending || len(r.Recipients) != 2 {
			t.Errorf("pending request after sweep: %+v", r)
		}
		if _, ok, _ := s.GetRequest(ctx, "peer", "t2"); ok {
			t.Errorf("resolved request kept")
		}
		var n int
		s.(*db).sql.QueryRow(`SELECT COUNT(*) FROM mm4_request_rcpts`).Scan(&n)
		if n != 2 {
			t.Errorf("%d request recipients left, want the pending request's 2", n)
		}
		s.(*db).sql.QueryRow(`SELECT COUNT(*) FROM mms_sent_rcpts`).Scan(&n)
		if n != 0 {
			t.Errorf("%d sent recipients left", n)
		}
	}},
	{"the remembered transactions are bounded by count, oldest first", func(t *testing.T, o Options) {
		o.MaxTransactions = 3
		s := open(t, o)
		now := time.Now()
		for i := 0; i < 5; i++ {
			tx := fmt.Sprintf("t%d", i)
			claim(t, s, "peer", tx)
			finish(t, s, Finish{Peer: "peer", TransactionID: tx, Status: "Ok", Until: now.Add(time.Hour + time.Duration(i)*time.Second)})
		}
		inFlight := claim(t, s, "peer", "in-flight")
		if inFlight.State != Claimed {
			t.Fatalf("claim: %+v", inFlight)
		}
		sw, err := s.Sweep(ctx, now)
		if err != nil || sw.Transactions != 2 {
			t.Errorf("sweep: %+v %v, want the 2 oldest forgotten", sw, err)
		}
		// On PostgreSQL the claim in flight is a row too: kept, not counted.
		if sw.Remembered != 3 {
			t.Errorf("remembered %d, want 3", sw.Remembered)
		}
		for i, want := range []ClaimState{Claimed, Claimed, Duplicate, Duplicate, Duplicate} {
			if c := claim(t, s, "peer", fmt.Sprintf("t%d", i)); c.State != want {
				t.Errorf("t%d after the sweep: %+v, want %v", i, c, want)
			}
		}
		if err := s.ReleaseTransaction(ctx, "peer", "in-flight"); err != nil {
			t.Errorf("the claim in flight was lost: %v", err)
		}
	}},
}

func TestStore(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			for _, bh := range behaviours {
				t.Run(bh.name, func(t *testing.T) { bh.fn(t, b.fresh(t)) })
			}
		})
	}
}

// TestUpgradeFromRequestStore opens a database written by maddy-mms 0.1's
// request store (schema version 1, no mms_schema table) and finds its
// requests, their recipients and their state.
func TestUpgradeFromRequestStore(t *testing.T) {
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
			for _, stmt := range migrations[0].sqlite {
				if _, err := raw.Exec(stmt); err != nil {
					t.Fatal(err)
				}
			}
			ins := `INSERT INTO mm4_requests (peer, transaction_id, message_id, sender, recipients, subject, sent_at, deadline, attempts, state, status)
				VALUES ('peer', 'old-1', 'm-old', 'alice@example.net', '["+15550002222","+15550003333"]', 's', 1, 2, 1, 'pending', ''),
				       ('peer', 'old-2', 'm-old2', 'alice@example.net', '["+15550002222"]', 's', 1, 2, 1, 'failed', 'Error-unspecified')`
			if driver != "postgres" {
				ins = strings.ReplaceAll(ins, "\t", " ")
			}
			if _, err := raw.Exec(ins); err != nil {
				t.Fatal(err)
			}
			raw.Close()

			s := open(t, o)
			r := getRequest(t, s, "peer", "old-1")
			if r.State != Pending || r.NotifyTo != "alice@example.net" || len(r.Recipients) != 2 ||
				r.Recipients[0].Number != "+15550002222" || r.Recipients[0].State != Pending || r.Recipients[0].RcptTo != "" {
				t.Errorf("upgraded pending request: %+v", r)
			}
			if r := getRequest(t, s, "peer", "old-2"); r.State != Failed || len(r.Recipients) != 1 || r.Recipients[0].State != Failed {
				t.Errorf("upgraded failed request: %+v", r)
			}
			res := resolve(t, s, Resolution{Peer: "peer", TransactionID: "old-1", State: Acknowledged, Status: "Ok"})
			if !res.Done || len(res.Recipients) != 2 {
				t.Errorf("resolving an upgraded request: %+v", res)
			}
		})
	}
}

func TestSQLiteDriverNames(t *testing.T) {
	for _, name := range []string{"sqlite3", "sqlite"} {
		s := open(t, Options{Driver: name, DSN: filepath.Join(t.TempDir(), "x.db")})
		putSent(t, s, "m", "p", "t")
	}
}

func TestOpenErrors(t *testing.T) {
	for _, o := range []Options{
		{Driver: "mysql", DSN: "x"},
		{Driver: "sqlite3", DSN: ""},
		{Driver: "sqlite3", DSN: filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")},
	} {
		if s, err := Open(ctx, o); err == nil {
			s.Close()
			t.Errorf("Open(%+v) succeeded", o)
		}
	}
}

// TestSQLiteClaimExpires: a claim whose holder never finishes nor releases
// it ends after ClaimDuration, as a claim row does on PostgreSQL.
func TestSQLiteClaimExpires(t *testing.T) {
	o := Options{Driver: "sqlite3", DSN: filepath.Join(t.TempDir(), "x.db"), Owner: "a"}
	a, b := open(t, o), open(t, as(o, "b"))
	claim(t, a, "peer", "stuck")
	if c := claim(t, b, "peer", "stuck"); c.State != InFlight {
		t.Fatalf("live claim: %+v", c)
	}
	sqliteClaims.Lock()
	k := claimKey{"peer", "stuck"}
	c := sqliteClaims.files[a.(*db).file][k]
	c.until = time.Now().Add(-time.Second)
	sqliteClaims.files[a.(*db).file][k] = c
	sqliteClaims.Unlock()
	if c := claim(t, b, "peer", "stuck"); c.State != Claimed {
		t.Errorf("expired claim: %+v", c)
	}
	if err := a.FinishTransaction(ctx, Finish{Peer: "peer", TransactionID: "stuck", Until: time.Now().Add(time.Hour)}); !errors.Is(err, ErrNotClaimed) {
		t.Errorf("finish by the holder of an expired claim: %v", err)
	}
}
