// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/textproto"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// sinkMsg is one message the peer MMSC (the sink) accepted, as the header
// fields the soak checks.
type sinkMsg struct {
	at      time.Time
	from    string
	rcpts   []string
	typ     string // X-Mms-Message-Type
	txID    string // X-Mms-Transaction-ID, quotes removed
	mmID    string // X-Mms-Message-ID, quotes removed
	status  string // X-Mms-Request-Status-Code
	subject string
	err     string // the header could not be read
}

// sink is the far-end peer MMSC: an SMTP server on loopback, up for the
// whole soak, that answers 250 to every message once it has recorded it.
type sink struct {
	srv *smtp.Server

	mu   sync.Mutex
	msgs []sinkMsg
	last time.Time
}

// startSink listens on addr; its connection errors (many: maddy-mms is
// killed in the middle of deliveries) go to logPath.
func startSink(addr, logPath string) (*sink, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	s := &sink{}
	s.srv = smtp.NewServer(s)
	s.srv.ErrorLog = log.New(f, "sink ", log.LstdFlags|log.Lmicroseconds)
	s.srv.Addr = addr
	s.srv.Domain = "mms.peer.example"
	s.srv.AllowInsecureAuth = true
	s.srv.MaxMessageBytes = 16 << 20
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	go s.srv.Serve(l)
	return s, nil
}

func (s *sink) close() { s.srv.Close() }

// snapshot returns the messages received so far and when the last came.
func (s *sink) snapshot() ([]sinkMsg, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sinkMsg(nil), s.msgs...), s.last
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

func (s *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }

type sinkSession struct {
	s     *sink
	from  string
	rcpts []string
}

func (ss *sinkSession) Reset()        { ss.from, ss.rcpts = "", nil }
func (ss *sinkSession) Logout() error { return nil }
func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := sinkMsg{at: time.Now(), from: ss.from, rcpts: append([]string(nil), ss.rcpts...)}
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(data))).ReadMIMEHeader()
	if err != nil {
		m.err = fmt.Sprintf("header: %v", err)
	}
	m.typ = strings.TrimSpace(h.Get("X-Mms-Message-Type"))
	m.txID = unquote(h.Get("X-Mms-Transaction-Id"))
	m.mmID = unquote(h.Get("X-Mms-Message-Id"))
	m.status = strings.TrimSpace(h.Get("X-Mms-Request-Status-Code"))
	m.subject = strings.TrimSpace(h.Get("Subject"))
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, m)
	ss.s.last = m.at
	ss.s.mu.Unlock()
	return nil
}

// unquote returns an MM4 ID without the quotes a quoted-string has.
func unquote(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`)
	}
	return v
}
