// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package seen is a small durable set of keys with expiry: it remembers
// which MM4 transactions were already processed, so that a REQ re-sent by a
// peer is delivered once. It is an append-only log file, compacted when it
// is opened and when it has grown to twice the number of live entries; the
// live set is kept in memory. Add returns only after its record is fsynced;
// concurrent Adds share one fsync (group commit), so parallel sessions do
// not queue behind each other's disk flushes.
package seen

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrInFlight is returned by Claim when another session is processing the
// same key right now.
var ErrInFlight = errors.New("seen: key is being processed by another session")

// Log is the durable set. It is safe for concurrent use.
type Log struct {
	path string
	ttl  time.Duration
	now  func() time.Time

	mu       sync.Mutex
	f        *os.File
	live     map[string]time.Time // key → expiry
	inflight map[string]struct{}
	lines    int    // lines in the file, live or not
	written  uint64 // records appended so far

	syncMu sync.Mutex // held while fsyncing or compacting; taken before mu
	synced uint64     // records known to be on disk
}

// Open loads (and compacts) the log at path, creating it if needed. Keys
// are remembered for ttl after they are added.
func Open(path string, ttl time.Duration) (*Log, error) {
	if ttl <= 0 {
		return nil, fmt.Errorf("seen: ttl must be positive")
	}
	l := &Log{path: path, ttl: ttl, now: time.Now, live: map[string]time.Time{}, inflight: map[string]struct{}{}}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := l.load(); err != nil {
		return nil, err
	}
	if err := l.compact(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Log) load() error {
	f, err := os.Open(l.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	now := l.now()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		// "<unix expiry> <quoted key>"; a torn last line (crash during
		// append) fails to parse and is skipped.
		exp, qkey, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		secs, err := strconv.ParseInt(exp, 10, 64)
		if err != nil {
			continue
		}
		key, err := strconv.Unquote(qkey)
		if err != nil {
			continue
		}
		if t := time.Unix(secs, 0); t.After(now) {
			l.live[key] = t
		}
	}
	return sc.Err()
}

// compact rewrites the file with the live entries only (atomically, by
// rename) and reopens it for appending. Called with mu held or before use.
func (l *Log) compact() error {
	now := l.now()
	tmp := l.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	l.lines = 0
	for k, exp := range l.live {
		if !exp.After(now) {
			delete(l.live, k)
			continue
		}
		fmt.Fprintf(w, "%d %s\n", exp.Unix(), strconv.Quote(k))
		l.lines++
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, l.path); err != nil {
		return err
	}
	if l.f != nil {
		l.f.Close()
	}
	l.f, err = os.OpenFile(l.path, os.O_APPEND|os.O_WRONLY, 0o600)
	return err
}

// Claim reports whether key was seen (and not expired). If it was not, the
// key is marked in flight until Add or Release; a second Claim of an
// in-flight key returns ErrInFlight.
func (l *Log) Claim(key string) (seen bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if exp, ok := l.live[key]; ok && exp.After(l.now()) {
		return true, nil
	}
	if _, ok := l.inflight[key]; ok {
		return false, ErrInFlight
	}
	l.inflight[key] = struct{}{}
	return false, nil
}

// Release drops the in-flight mark of key without remembering it.
func (l *Log) Release(key string) {
	l.mu.Lock()
	delete(l.inflight, key)
	l.mu.Unlock()
}

// Add remembers key durably (its record is fsynced before Add returns) and
// clears its in-flight mark.
func (l *Log) Add(key string) error {
	l.mu.Lock()
	delete(l.inflight, key)
	if l.f == nil {
		l.mu.Unlock()
		return errors.New("seen: log is closed")
	}
	exp := l.now().Add(l.ttl)
	if _, err := fmt.Fprintf(l.f, "%d %s\n", exp.Unix(), strconv.Quote(key)); err != nil {
		l.mu.Unlock()
		return err
	}
	l.live[key] = exp
	l.lines++
	l.written++
	mine := l.written
	l.mu.Unlock()
	return l.syncUpTo(mine)
}

// syncUpTo makes sure record n is on disk: one fsync covers every record
// written before it started, so waiting writers usually find their record
// already synced by the one that went first.
func (l *Log) syncUpTo(n uint64) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if l.synced >= n {
		return nil
	}
	l.mu.Lock()
	f, upTo := l.f, l.written
	l.mu.Unlock()
	if f == nil {
		return errors.New("seen: log is closed")
	}
	if err := f.Sync(); err != nil {
		return err
	}
	l.synced = upTo
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil && l.lines > 1024 && l.lines > 2*len(l.live) {
		// Every record is synced and we hold syncMu: safe to swap files.
		return l.compact()
	}
	return nil
}

// Len returns the number of live keys.
func (l *Log) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.live)
}

// Close closes the file.
func (l *Log) Close() error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
