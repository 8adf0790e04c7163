package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-smtp"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/foxcpp/maddy/internal/testutils"
)

// queueFiles lists the queue directory's file names with the message ID
// replaced by "ID".
func queueFiles(t *testing.T, q *Queue, id string) []string {
	t.Helper()
	entries, err := os.ReadDir(q.location)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, strings.Replace(e.Name(), id, "ID", 1))
	}
	sort.Strings(names)
	return names
}

func checkRcpts(t *testing.T, msg *testutils.Msg, rcpts ...string) {
	t.Helper()
	if msg.MailFrom != "tester@example.com" || strings.Join(msg.RcptTo, " ") != strings.Join(rcpts, " ") {
		t.Errorf("delivered from %s to %v, want tester@example.com to %v", msg.MailFrom, msg.RcptTo, rcpts)
	}
}

// queueMessage hands one message with the given header and body to q.
func queueMessage(t *testing.T, q *Queue, id string, hdr textproto.Header, body []byte, rcpts ...string) {
	t.Helper()
	ctx := context.Background()
	d, err := q.Start(ctx, &module.MsgMetadata{ID: id, OriginalFrom: "tester@example.com"}, "tester@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, rcpt := range rcpts {
		if err := d.AddRcpt(ctx, rcpt, smtp.RcptOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Body(ctx, hdr, buffer.MemoryBuffer{Slice: body}); err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestQueueDelivery_Inline: a small message is one file, ID.meta, from
// acceptance to delivery, including an attempt after a restart, and is
// delivered exactly as it was given; a large one is three files.
func TestQueueDelivery_Inline(t *testing.T) {
	t.Parallel()

	hdr := textproto.Header{}
	hdr.AddRaw([]byte("X-Mms-Message-Type: MM4_forward.RES\r\n"))
	hdr.Add("Subject", "inline")
	cases := []struct {
		name      string
		body      []byte
		inlineMax int
		files     []string
	}{
		{"EmptyBody", nil, defaultInlineMax, []string{"ID.meta"}},
		{"Small", []byte("foobar\r\n"), defaultInlineMax, []string{"ID.meta"}},
		{"AtLimit", bytes.Repeat([]byte("x"), 8), 8 + 56, []string{"ID.meta"}},
		{"OverLimit", bytes.Repeat([]byte("x"), 8), 8 + 55, []string{"ID.body", "ID.header", "ID.meta"}},
		{"Large", bytes.Repeat([]byte("y"), defaultInlineMax+1), defaultInlineMax, []string{"ID.body", "ID.header", "ID.meta"}},
		{"Off", nil, 0, []string{"ID.body", "ID.header", "ID.meta"}},
	}
	var hb bytes.Buffer
	if err := textproto.WriteHeader(&hb, hdr); err != nil || hb.Len() != 56 {
		t.Fatalf("the header is %d octets (%v), the cases expect 56", hb.Len(), err)
	}
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dt := unreliableTarget{
				rcptFailures: []map[string]error{
					{"tester1@example.org": exterrors.WithTemporary(errors.New("go away"), true)},
				},
				committed: make(chan testutils.Msg, 10),
			}
			q := newTestQueue(t, &dt)
			defer cleanQueue(t, q)
			q.initialRetryTime = time.Hour // the retry comes from the restart
			q.postInitDelay = 0
			q.inlineMax = c.inlineMax

			const id = "inline0123"
			queueMessage(t, q, id, hdr, c.body, "tester1@example.org", "tester2@example.org")
			msg := readMsgChanTimeout(t, dt.committed, 5*time.Second)
			checkRcpts(t, msg, "tester2@example.org")
			q.Close()

			if got := queueFiles(t, q, id); strings.Join(got, " ") != strings.Join(c.files, " ") {
				t.Fatalf("queue directory after the first attempt: %v, want %v", got, c.files)
			}

			// Restarted: the message is read from disk and tried again.
			q = newTestQueueDir(t, &dt, q.location)
			msg = readMsgChanTimeout(t, dt.committed, 5*time.Second)
			checkRcpts(t, msg, "tester1@example.org")
			if !bytes.Equal(msg.Body, c.body) {
				t.Errorf("body after the restart: %d octets, want %d (%.40q)", len(msg.Body), len(c.body), msg.Body)
			}
			if got := msg.Header.Get("X-Mms-Message-Type"); got != "MM4_forward.RES" {
				t.Errorf("header after the restart: X-Mms-Message-Type %q", got)
			}
			var got bytes.Buffer
			textproto.WriteHeader(&got, msg.Header)
			if got.String() != hb.String() {
				t.Errorf("header after the restart:\n%q\nwant\n%q", got.String(), hb.String())
			}
			q.Close()
			checkQueueDir(t, q, []string{})
		})
	}
}

// TestQueueDelivery_RecoverRename: a crash can lose the rename of ID.meta.new
// to ID.meta (it is not fsynced); a meta.new that decodes whole, with the
// header and body files of a message that is not inline, is the message, and
// is delivered after the restart. One that is incomplete, or whose body file
// is missing, is removed.
func TestQueueDelivery_RecoverRename(t *testing.T) {
	t.Parallel()

	hdr := textproto.Header{}
	hdr.Add("Subject", "recovered")
	body := []byte("foobar\r\n")
	cases := []struct {
		name      string
		inlineMax int
		damage    func(t *testing.T, dir, id string)
		delivered bool
	}{
		{"Inline", defaultInlineMax, nil, true},
		{"ThreeFiles", 0, nil, true},
		{"Truncated", defaultInlineMax, func(t *testing.T, dir, id string) {
			p := filepath.Join(dir, id+".meta.new")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b[:len(b)/2], 0o600); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"NoBody", 0, func(t *testing.T, dir, id string) {
			if err := os.Remove(filepath.Join(dir, id+".body")); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dt := unreliableTarget{
				rcptFailures: []map[string]error{
					{"tester1@example.org": exterrors.WithTemporary(errors.New("go away"), true)},
				},
				committed: make(chan testutils.Msg, 10),
				aborted:   make(chan testutils.Msg, 10),
			}
			q := newTestQueue(t, &dt)
			defer cleanQueue(t, q)
			q.initialRetryTime = time.Hour
			q.postInitDelay = 0
			q.inlineMax = c.inlineMax

			const id = "renamed0123"
			queueMessage(t, q, id, hdr, body, "tester1@example.org")
			readMsgChanTimeout(t, dt.aborted, 5*time.Second) // the failed attempt
			q.Close()

			// What a crash before the rename reached the disk leaves.
			dir := q.location
			if err := os.Rename(filepath.Join(dir, id+".meta"), filepath.Join(dir, id+".meta.new")); err != nil {
				t.Fatal(err)
			}
			if c.damage != nil {
				c.damage(t, dir, id)
			}

			q = newTestQueueDir(t, &dt, dir)
			if c.delivered {
				msg := readMsgChanTimeout(t, dt.committed, 5*time.Second)
				checkRcpts(t, msg, "tester1@example.org")
				if !bytes.Equal(msg.Body, body) || msg.Header.Get("Subject") != "recovered" {
					t.Errorf("delivered %q with Subject %q", msg.Body, msg.Header.Get("Subject"))
				}
			} else {
				select {
				case msg := <-dt.committed:
					t.Fatalf("an incomplete message was delivered: %+v", msg)
				case <-time.After(200 * time.Millisecond):
				}
			}
			q.Close()
			checkQueueDir(t, q, []string{})
		})
	}
}

// hookTarget calls hook(attempt) at the start of each delivery attempt.
type hookTarget struct {
	*unreliableTarget
	attempt int
	hook    func(attempt int)
}

func (h *hookTarget) Start(ctx context.Context, m *module.MsgMetadata, from string) (module.Delivery, error) {
	h.attempt++
	if h.hook != nil {
		h.hook(h.attempt)
	}
	return h.unreliableTarget.Start(ctx, m, from)
}

// TestQueueDelivery_FailedMetaUpdate: updateMetadataOnDisk fails after the
// meta.new file was written in full (here: its rename fails; the same state
// is left by a failing fsync). Nobody removes the meta.new: the message is
// delivered and removed, the meta.new stays in the queue directory, and at the
// next start recoverRenames turns it back into a queued message, which is
// delivered a second time (inline) or dropped (three files).
func TestQueueDelivery_FailedMetaUpdate(t *testing.T) {
	for _, c := range []struct {
		name      string
		inlineMax int
	}{{"Inline", defaultInlineMax}, {"ThreeFiles", 0}} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			const id = "stale0123"
			ut := &unreliableTarget{
				rcptFailures: []map[string]error{
					{"tester1@example.org": exterrors.WithTemporary(errors.New("go away"), true)},
				},
				committed: make(chan testutils.Msg, 10),
				aborted:   make(chan testutils.Msg, 10),
			}
			dir := t.TempDir()
			var saved []byte
			ht := &hookTarget{unreliableTarget: ut, hook: func(attempt int) {
				if attempt != 1 {
					return
				}
				// Make the rename of ID.meta.new over ID.meta fail (EISDIR).
				p := filepath.Join(dir, id+".meta")
				var err error
				if saved, err = os.ReadFile(p); err != nil {
					panic(err)
				}
				os.Remove(p)
				os.Mkdir(p, 0o700)
				os.WriteFile(filepath.Join(p, "x"), nil, 0o600)
			}}
			q := newTestQueueDir(t, ht, dir)
			q.inlineMax = c.inlineMax
			q.initialRetryTime = 1500 * time.Millisecond

			hdr := textproto.Header{}
			hdr.Add("Subject", "stale")
			queueMessage(t, q, id, hdr, []byte("foobar\r\n"), "tester1@example.org")
			readMsgChanTimeout(t, ut.aborted, 5*time.Second)
			time.Sleep(300 * time.Millisecond) // tryDelivery's failed update is done
			// The directory is gone again (the failure was transient).
			p := filepath.Join(dir, id+".meta")
			os.RemoveAll(p)
			if err := os.WriteFile(p, saved, 0o600); err != nil {
				t.Fatal(err)
			}
			t.Logf("after the failed update: %v", queueFiles(t, q, id))

			msg := readMsgChanTimeout(t, ut.committed, 5*time.Second)
			checkRcpts(t, msg, "tester1@example.org")
			time.Sleep(100 * time.Millisecond)
			q.Close()
			t.Logf("after successful delivery and removal: %v", queueFiles(t, q, id))

			q = newTestQueueDir(t, ut, dir)
			select {
			case msg := <-ut.committed:
				t.Errorf("delivered again after the restart: rcpts %v body %q", msg.RcptTo, msg.Body)
			case <-time.After(500 * time.Millisecond):
				t.Logf("not delivered again after restart")
			}
			q.Close()
			checkQueueDir(t, q, []string{})
		})
	}
}

type blockTarget struct {
	*unreliableTarget
	release chan struct{}
}

func (b *blockTarget) Start(ctx context.Context, m *module.MsgMetadata, from string) (module.Delivery, error) {
	<-b.release
	return b.unreliableTarget.Start(ctx, m, from)
}

// TestQueueDelivery_InlineBacklogMemory: messages waiting for a delivery slot
// (the target slow or down) are not held in memory with their bodies; an
// inline message is read again from its file when its turn comes.
func TestQueueDelivery_InlineBacklogMemory(t *testing.T) {
	for _, max := range []int{defaultInlineMax, 0} {
		bt := &blockTarget{unreliableTarget: &unreliableTarget{}, release: make(chan struct{})}
		q := newTestQueueDir(t, bt, t.TempDir())
		q.inlineMax = max
		hdr := textproto.Header{}
		hdr.Add("Subject", "x")
		body := bytes.Repeat([]byte("y"), 30*1024)
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		const n = 500
		for i := 0; i < n; i++ {
			queueMessage(t, q, fmt.Sprintf("mem%04d", i), hdr, body, "a@example.org")
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		held := float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc)) / (1 << 20)
		t.Logf("inlineMax=%d: %d messages waiting hold %.1f MiB of heap", max, n, held)
		// 500 bodies of 30 KiB are 14.6 MiB; the 16 being delivered hold
		// theirs (0.5 MiB).
		if held > 4 {
			t.Errorf("inlineMax=%d: %d messages waiting hold %.1f MiB of heap", max, n, held)
		}
		close(bt.release)
		q.Close()
	}
}

// TestQueueDelivery_InlineRetriesAndDSN: an inline message fails temporarily
// three times (each retry reads it from disk), one recipient is delivered on
// the third attempt, the other fails for good on the fourth, and the DSN is
// made from the stored header.
func TestQueueDelivery_InlineRetriesAndDSN(t *testing.T) {
	tmp := exterrors.WithTemporary(errors.New("go away"), true)
	dsnTarget := unreliableTarget{committed: make(chan testutils.Msg, 10), aborted: make(chan testutils.Msg, 10)}
	dt := unreliableTarget{
		rcptFailures: []map[string]error{
			{"a@example.org": tmp, "b@example.org": tmp},
			{"a@example.org": tmp, "b@example.org": tmp},
			{"a@example.org": tmp},
			{"a@example.org": tmp},
		},
		committed: make(chan testutils.Msg, 10),
		aborted:   make(chan testutils.Msg, 10),
	}
	q := newTestQueue(t, &dt)
	q.maxTries = 4
	q.hostname = "mx.example.org"
	q.autogenMsgDomain = "example.org"
	q.dsnPipeline = &dsnTarget
	q.initialRetryTime = 50 * time.Millisecond
	hdr := textproto.Header{}
	hdr.Add("Subject", "retry-inline")
	body := []byte("hello\r\nworld\r\n")
	queueMessage(t, q, "retry0123", hdr, body, "a@example.org", "b@example.org")
	readMsgChanTimeout(t, dt.aborted, 5*time.Second)
	readMsgChanTimeout(t, dt.aborted, 5*time.Second)
	m := readMsgChanTimeout(t, dt.committed, 5*time.Second) // attempt 3: b delivered
	if !bytes.Equal(m.Body, body) || m.Header.Get("Subject") != "retry-inline" || strings.Join(m.RcptTo, ",") != "b@example.org" {
		t.Errorf("attempt 3 delivered %q %q %v", m.Body, m.Header.Get("Subject"), m.RcptTo)
	}
	readMsgChanTimeout(t, dt.aborted, 5*time.Second) // attempt 4: a fails for good
	d := readMsgChanTimeout(t, dsnTarget.committed, 5*time.Second)
	if !bytes.Contains(d.Body, []byte("retry-inline")) || !bytes.Contains(d.Body, []byte("a@example.org")) {
		t.Errorf("DSN lacks original header / rcpt: %q", d.Body)
	}
	time.Sleep(100 * time.Millisecond)
	q.Close()
	checkQueueDir(t, q, []string{})
}

// TestQueueDelivery_RecoverRenameUnreadable: a meta.new that cannot be read
// (here a dangling symbolic link: opening it fails, which says nothing about
// whether the message was complete) is kept at the start, with the message's
// header and body, instead of being removed as an unfinished transaction.
func TestQueueDelivery_RecoverRenameUnreadable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"k1.header", "k1.body", "gone.header", "gone.body"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "k1.meta.new")); err != nil {
		t.Fatal(err)
	}
	dt := unreliableTarget{committed: make(chan testutils.Msg, 10)}
	q := newTestQueueDir(t, &dt, dir)
	q.Close()
	var left []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		left = append(left, e.Name())
	}
	sort.Strings(left)
	if got := strings.Join(left, " "); got != "k1.body k1.header k1.meta.new" {
		t.Fatalf("left in the queue directory: %s", got)
	}
}
