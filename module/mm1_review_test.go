// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/log"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/internal/state"
	"github.com/maddy-mms/maddy-mms/mmsmap"
)

// memBlobs is an in-memory storage.blob.
type memBlobs struct {
	mu sync.Mutex
	m  map[string][]byte
}

type memBlob struct {
	s   *memBlobs
	key string
	buf bytes.Buffer
}

func (b *memBlob) Write(p []byte) (int, error) { return b.buf.Write(p) }
func (b *memBlob) Sync() error {
	b.s.mu.Lock()
	b.s.m[b.key] = append([]byte(nil), b.buf.Bytes()...)
	b.s.mu.Unlock()
	return nil
}
func (b *memBlob) Close() error { return nil }

func (s *memBlobs) Create(_ context.Context, key string, _ int64) (module.Blob, error) {
	return &memBlob{s: s, key: key}, nil
}

func (s *memBlobs) Open(_ context.Context, key string) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[key]
	if !ok {
		return nil, module.ErrNoSuchBlob
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (s *memBlobs) Delete(_ context.Context, keys []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.m, k)
	}
	return nil
}

// hookTarget is a fakeTarget whose deliveries run onCommit when committed.
type hookTarget struct {
	fakeTarget
	onCommit func()
}

type hookDelivery struct {
	*fakeDelivery
	onCommit func()
}

func (h *hookTarget) Start(ctx context.Context, meta *module.MsgMetadata, from string) (module.Delivery, error) {
	d, _ := h.fakeTarget.Start(ctx, meta, from)
	return &hookDelivery{fakeDelivery: d.(*fakeDelivery), onCommit: h.onCommit}, nil
}

func (d *hookDelivery) Commit(ctx context.Context) error {
	d.fakeDelivery.Commit(ctx)
	if d.onCommit != nil {
		d.onCommit()
	}
	return nil
}

func committedReports(f *fakeTarget) int {
	n := 0
	for _, d := range f.deliveries {
		if d.committed {
			n++
		}
	}
	return n
}

func newReviewHandsets(t *testing.T, f *deliverFixture) *Handsets {
	t.Helper()
	h := &Handsets{relay: f.relay, blobs: &memBlobs{m: map[string][]byte{}}, URL: "http://mmsc.test/mms",
		DefaultExpiry: time.Hour, Interval: time.Hour, MaxSize: 1 << 20, log: log.Logger{Name: "test"},
		client: &http.Client{Timeout: 30 * time.Second}, wake: make(chan struct{}, 1), stop: make(chan struct{})}
	t.Cleanup(func() { h.Close() })
	return h
}

func putReviewMM(t *testing.T, f *deliverFixture, h *Handsets, id string) state.HandsetMM {
	t.Helper()
	now := time.Now()
	m := state.HandsetMM{ID: id, TransactionID: "t" + id, Number: "+15550002222", MessageID: "msg-" + id,
		Peer: "demo", Sender: "+48600000001/TYPE=PLMN", Size: 3, DeliveryReport: true, ReceivedAt: now,
		Expires: now.Add(time.Hour), State: state.HandsetStored, StateAt: now}
	if err := f.relay.state.PutHandsetMM(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if err := h.writeBlob(context.Background(), id, []byte("pdu")); err != nil {
		t.Fatal(err)
	}
	return m
}

// The handset's acknowledgement and the expiry (or two acknowledgements)
// read the same open MM: only the first settles it and reports; the other
// must not send a second, contradicting report (Retrieved and Expired).
func TestReviewSettleRaceReportsOnce(t *testing.T) {
	f := newDeliverFixture(t)
	h := newReviewHandsets(t, f)
	m := putReviewMM(t, f, h, "00000000000000000000000000000001")
	ctx := context.Background()
	// Both callers looked the MM up before either settled it.
	moved, err := h.settle(ctx, h.log, m, state.HandsetAcknowledged, mmsmap.MMStatusRetrieved, true)
	if err != nil || !moved {
		t.Fatalf("first settle: moved %v, %v", moved, err)
	}
	moved, err = h.settle(ctx, h.log, m, state.HandsetExpired, mmsmap.MMStatusExpired, true)
	if err != nil || moved {
		t.Fatalf("second settle: moved %v, %v", moved, err)
	}
	if n := committedReports(f.out); n != 1 {
		t.Errorf("%d delivery reports for one MM settled twice", n)
	}
}

// A report queued is followed by the state move even when the request's
// context ends in between (the handset hung up): else the MM stays open
// and its expiry reports it again, Expired after Retrieved.
func TestReviewSettleSurvivesCancelledRequest(t *testing.T) {
	f := newDeliverFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &hookTarget{onCommit: cancel}
	for _, p := range f.relay.Peers {
		p.SendVia = out
	}
	h := newReviewHandsets(t, f)
	m := putReviewMM(t, f, h, "00000000000000000000000000000002")
	if moved, err := h.settle(ctx, h.log, m, state.HandsetAcknowledged, mmsmap.MMStatusRetrieved, true); err != nil || !moved {
		t.Fatalf("settle: moved %v, %v", moved, err)
	}
	got, ok, err := f.relay.state.HandsetMM(context.Background(), m.ID)
	if err != nil || !ok || got.State != state.HandsetAcknowledged {
		t.Fatalf("state after the report was queued: %q (%v, %v)", got.State, ok, err)
	}
}

// Close does not wait for a push gateway that does not answer.
func TestReviewCloseDoesNotWaitForPushGateway(t *testing.T) {
	f := newDeliverFixture(t)
	arrived := make(chan struct{}, 10)
	release := make(chan struct{})
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer gw.Close()
	defer close(release)
	h := newReviewHandsets(t, f)
	h.PushURL = gw.URL
	putReviewMM(t, f, h, "00000000000000000000000000000003")
	h.start()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("no push")
	}
	start := time.Now()
	done := make(chan struct{})
	go func() { h.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waits for the push gateway")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v", d)
	}
}

// Notifications the push gateway keeps refusing (a number it does not
// reach) do not hold up everyone else's: 500 refused MMs for one number
// used to fill every cycle's list until they expired.
func TestReviewRefusedPushesDoNotBlockOthers(t *testing.T) {
	f := newDeliverFixture(t)
	var mu sync.Mutex
	pushed := map[string]int{}
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		to := r.URL.Query().Get("to")
		mu.Lock()
		pushed[to]++
		mu.Unlock()
		if to == "+15550002222" {
			http.Error(w, "unknown subscriber", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer gw.Close()
	h := newReviewHandsets(t, f)
	h.PushURL = gw.URL
	ctx := context.Background()
	now := time.Now()
	for i := 0; i < 500; i++ {
		m := state.HandsetMM{ID: fmt.Sprintf("b%031d", i), TransactionID: fmt.Sprintf("tb%d", i), Number: "+15550002222",
			ReceivedAt: now.Add(-time.Hour), Expires: now.Add(time.Hour), State: state.HandsetStored, StateAt: now}
		if err := f.relay.state.PutHandsetMM(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	m := state.HandsetMM{ID: "c0000000000000000000000000000001", TransactionID: "tc1", Number: "+15550001111",
		ReceivedAt: now, Expires: now.Add(time.Hour), State: state.HandsetStored, StateAt: now}
	if err := f.relay.state.PutHandsetMM(ctx, m); err != nil {
		t.Fatal(err)
	}
	h.pushPending(ctx)
	h.pushPending(ctx)
	mu.Lock()
	defer mu.Unlock()
	if pushed["+15550001111"] != 1 {
		t.Errorf("the other subscriber's notification pushed %d times; the refused number tried %d times",
			pushed["+15550001111"], pushed["+15550002222"])
	}
}

// failingDelete is a blob store whose Delete fails (an S3 outage).
type failingDelete struct{ *memBlobs }

func (failingDelete) Delete(context.Context, []string) error { return errors.New("blob store down") }

// An MM stored for a handset and then aborted (the sender was refused) is
// not left behind as a stored MM when its blob cannot be deleted: its row
// would have its notification pushed, the handset fetch what was refused.
func TestReviewAbortWithBlobStoreDownLeavesNoMM(t *testing.T) {
	f := newDeliverFixture(t)
	h := newReviewHandsets(t, f)
	h.blobs = failingDelete{&memBlobs{m: map[string][]byte{}}}
	ctx := context.Background()
	s, err := h.Store(ctx, []string{"+15550002222"}, handsetMM{MessageID: "abort-1", Sender: "+48600000001/TYPE=PLMN"},
		parseHdr(t, "From: +48600000001/TYPE=PLMN@mms.peer.example\nSubject: aborted\nContent-Type: text/plain\n\n"),
		buffer.MemoryBuffer{Slice: []byte("hello\r\n")})
	if err != nil {
		t.Fatal(err)
	}
	ids := append([]string(nil), s.ids...)
	s.Abort(ctx)
	for _, id := range ids {
		if m, ok, err := f.relay.state.HandsetMM(ctx, id); err != nil || ok {
			t.Errorf("aborted MM %s still stored (state %q, %v)", id, m.State, err)
		}
	}
	if p, err := f.relay.state.PendingNotifications(ctx, 10); err != nil || len(p) != 0 {
		t.Errorf("%d notifications pending for an aborted MM (%v)", len(p), err)
	}
}
