// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/textproto"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap"
	imapclient "github.com/emersion/go-imap/client"
)

// queueFiles is what the queue directories in the state directory hold.
type queueFiles struct {
	queued    []queuedMsg // messages still to be delivered (ID.meta)
	leftovers []string    // *.meta.new, ID.header or ID.body without ID.meta
}

type queuedMsg struct {
	path        string
	tries       map[string]int
	lastAttempt time.Time
}

// scanQueues looks at every directory directly in the state directory
// that holds maddy queue files (ID.meta, ID.header, ID.body,
// ID.meta.new): the example configuration has one, mm4_out.
func scanQueues(stateDir string) (queueFiles, error) {
	var out queueFiles
	dirs, err := os.ReadDir(stateDir)
	if err != nil {
		return out, err
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		dir := filepath.Join(stateDir, d.Name())
		entries, err := os.ReadDir(dir)
		if err != nil {
			return out, err
		}
		names := map[string]bool{}
		for _, e := range entries {
			if !e.IsDir() {
				names[e.Name()] = true
			}
		}
		for name := range names {
			path := filepath.Join(dir, name)
			switch ext := filepath.Ext(name); {
			case strings.HasSuffix(name, ".meta.new"):
				out.leftovers = append(out.leftovers, path)
			case ext == ".header" || ext == ".body":
				if !names[strings.TrimSuffix(name, ext)+".meta"] {
					out.leftovers = append(out.leftovers, path)
				}
			case ext == ".meta":
				q := queuedMsg{path: path}
				var meta struct {
					TriesCount  map[string]int
					LastAttempt time.Time
				}
				if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &meta) == nil {
					q.tries, q.lastAttempt = meta.TriesCount, meta.LastAttempt
				}
				out.queued = append(out.queued, q)
			}
		}
	}
	sort.Strings(out.leftovers)
	sort.Slice(out.queued, func(i, j int) bool { return out.queued[i].path < out.queued[j].path })
	return out, nil
}

// failedBefore reports whether the queue recorded a failed attempt for
// the message: maddy retries it 15 min × 1.25^(tries−1) after its last
// attempt, restart or not.
func (q queuedMsg) failedBefore() bool {
	for _, n := range q.tries {
		if n > 0 {
			return true
		}
	}
	return false
}

// mailboxMsg is one message in alice's INBOX, by the header fields the
// soak matches.
type mailboxMsg struct {
	seq       uint32
	messageID string
	subject   string
}

// readMailbox returns the Message-ID and Subject of every message in
// user's INBOX, over IMAP.
func readMailbox(addr, user, password string) ([]mailboxMsg, error) {
	c, err := imapclient.Dial(addr)
	if err != nil {
		return nil, err
	}
	defer c.Logout()
	c.Timeout = 5 * time.Minute
	if err := c.Login(user, password); err != nil {
		return nil, fmt.Errorf("IMAP LOGIN: %w", err)
	}
	mbox, err := c.Select("INBOX", true)
	if err != nil {
		return nil, fmt.Errorf("IMAP SELECT: %w", err)
	}
	if mbox.Messages == 0 {
		return nil, nil
	}
	section := &imap.BodySectionName{BodyPartName: imap.BodyPartName{Specifier: imap.HeaderSpecifier}, Peek: true}
	var out []mailboxMsg
	const batch = 1000
	for lo := uint32(1); lo <= mbox.Messages; lo += batch {
		hi := lo + batch - 1
		if hi > mbox.Messages {
			hi = mbox.Messages
		}
		seq := new(imap.SeqSet)
		seq.AddRange(lo, hi)
		ch := make(chan *imap.Message, batch)
		done := make(chan error, 1)
		go func() { done <- c.Fetch(seq, []imap.FetchItem{imap.FetchUid, section.FetchItem()}, ch) }()
		for m := range ch {
			mm := mailboxMsg{seq: m.SeqNum}
			if r := m.GetBody(section); r != nil {
				b, _ := io.ReadAll(r)
				h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(b))).ReadMIMEHeader()
				mm.messageID = strings.TrimSpace(h.Get("Message-Id"))
				mm.subject = strings.TrimSpace(h.Get("Subject"))
			}
			out = append(out, mm)
		}
		if err := <-done; err != nil {
			return nil, fmt.Errorf("IMAP FETCH %d:%d: %w", lo, hi, err)
		}
	}
	if uint32(len(out)) != mbox.Messages {
		return nil, fmt.Errorf("IMAP FETCH gave %d of %d messages", len(out), mbox.Messages)
	}
	return out, nil
}
