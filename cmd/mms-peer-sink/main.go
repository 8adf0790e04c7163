// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Command mms-peer-sink is a stand-in for a peer MMSC in trials and
// benchmarks: an SMTP server on loopback that accepts every message and
// prints it (envelope and header, or the whole message with -body) to
// standard output, or only counts messages with -quiet.
//
//	go run ./cmd/mms-peer-sink -listen 127.0.0.1:2526
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
)

type backend struct {
	body  bool
	quiet bool
	mu    sync.Mutex
	out   *bufio.Writer
	count atomic.Int64
}

type session struct {
	b     *backend
	from  string
	rcpts []string
}

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

func (s *session) Reset()        { s.from, s.rcpts = "", nil }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	n := s.b.count.Add(1)
	if s.b.quiet {
		return nil
	}
	if !s.b.body {
		if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
			data = data[:i+2]
		}
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	fmt.Fprintf(s.b.out, "=== message %d at %s\nMAIL FROM:<%s>\n", n, time.Now().Format(time.RFC3339), s.from)
	for _, r := range s.rcpts {
		fmt.Fprintf(s.b.out, "RCPT TO:<%s>\n", r)
	}
	s.b.out.Write(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")))
	fmt.Fprintln(s.b.out)
	return s.b.out.Flush()
}

func main() {
	listen := flag.String("listen", "127.0.0.1:2526", "address to listen on")
	body := flag.Bool("body", false, "print whole messages, not only their header")
	quiet := flag.Bool("quiet", false, "print nothing per message; print the count on exit")
	flag.Parse()

	b := &backend{body: *body, quiet: *quiet, out: bufio.NewWriter(os.Stdout)}
	srv := smtp.NewServer(b)
	srv.Addr = *listen
	srv.Domain = "mms-peer-sink.localhost"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 64 << 20
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sig
		srv.Close()
	}()
	log.Printf("mms-peer-sink listening on %s", *listen)
	if err := srv.ListenAndServe(); err != nil && err != smtp.ErrServerClosed {
		log.Fatal(err)
	}
	log.Printf("received %d messages", b.count.Load())
}
