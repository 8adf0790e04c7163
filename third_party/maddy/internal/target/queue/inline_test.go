package queue

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
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
