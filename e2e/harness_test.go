// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package e2e drives the real maddy-mms binary, started with the project's
// maddy.conf.example on loopback ports, over SMTP and IMAP as peers and
// subscribers would. A go-smtp server stands in for the demo peer MMSC.
package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	imapclient "github.com/emersion/go-imap/client"
	gosmtp "github.com/emersion/go-smtp"
)

var binary string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	binary = os.Getenv("MMS_TEST_BINARY")
	if binary == "" {
		dir, err := os.MkdirTemp("", "maddy-mms-e2e-bin")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		binary = filepath.Join(dir, "maddy-mms")
		cmd := exec.Command("go", "build", "-o", binary, "../cmd/maddy-mms")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building maddy-mms:", err)
			return 1
		}
	}
	return m.Run()
}

const exampleConfig = "../maddy.conf.example"

// server is one running maddy-mms with the example configuration.
type server struct {
	t        *testing.T
	stateDir string
	ports    map[string]int // MMS_*_PORT variable → port
	config   string         // configuration file
	cmd      *exec.Cmd
	log      *lockedBuffer
	done     chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// handedOut are the ports freePort returned: the kernel may offer a port
// again once its probe is closed, and a server given the same port twice
// (now six listeners each) fails to start.
var handedOut sync.Map

func freePort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 100; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if _, dup := handedOut.LoadOrStore(port, true); !dup {
			return port
		}
	}
	t.Fatal("no port that was not handed out already")
	return 0
}

// newServer prepares a server with fresh ports and state; the demo peer
// port is peerPort. It is started by start.
func newServer(t *testing.T, peerPort int) *server {
	return newServerWith(t, peerPort, nil)
}

// newServerWith is newServer with the example configuration changed by
// edit (nil: unchanged).
func newServerWith(t *testing.T, peerPort int, edit func(string) string) *server {
	t.Helper()
	config := exampleConfig
	if edit != nil {
		b, err := os.ReadFile(exampleConfig)
		if err != nil {
			t.Fatal(err)
		}
		edited := edit(string(b))
		if edited == string(b) {
			t.Fatal("the configuration edit changed nothing")
		}
		config = filepath.Join(t.TempDir(), "maddy.conf")
		if err := os.WriteFile(config, []byte(edited), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := &server{
		t:        t,
		config:   config,
		stateDir: t.TempDir(),
		ports: map[string]int{
			"MMS_MM4_PORT":        freePort(t),
			"MMS_SUBMISSION_PORT": freePort(t),
			"MMS_IMAP_PORT":       freePort(t),
			"MMS_PEER_PORT":       peerPort,
			"MMS_MM1_PORT":        freePort(t),
			"MMS_METRICS_PORT":    freePort(t),
		},
	}
	t.Cleanup(s.stop)
	return s
}

func (s *server) start() {
	s.t.Helper()
	s.log = &lockedBuffer{}
	cmd := exec.Command(binary, "-config", s.config, "run")
	cmd.Env = append(os.Environ(), "MMS_STATE_DIR="+s.stateDir)
	for k, v := range s.ports {
		cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", k, v))
	}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd = cmd
	s.done = make(chan struct{})
	go func() { cmd.Wait(); close(s.done) }()

	deadline := time.Now().Add(30 * time.Second)
	for _, name := range []string{"MMS_MM4_PORT", "MMS_SUBMISSION_PORT", "MMS_IMAP_PORT", "MMS_MM1_PORT", "MMS_METRICS_PORT"} {
		if _, ok := s.ports[name]; !ok {
			continue // a configuration without it (docs/production.conf's test)
		}
		for {
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.ports[name]), time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-s.done:
				s.t.Fatalf("maddy-mms exited during start-up:\n%s", s.log)
			default:
			}
			if time.Now().After(deadline) {
				s.t.Fatalf("maddy-mms did not listen on %s in time:\n%s", name, s.log)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// stop ends the server with SIGTERM (SIGKILL after 10 s).
func (s *server) stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	if s.t.Failed() {
		s.t.Logf("maddy-mms log:\n%s", s.log)
	}
	s.cmd = nil
}

// kill9 ends the server the hard way: no shutdown hooks run.
func (s *server) kill9() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	s.cmd = nil
}

func (s *server) addr(name string) string {
	return fmt.Sprintf("127.0.0.1:%d", s.ports[name])
}

// smtpSession is one SMTP transaction's outcome, stage by stage.
type submission struct {
	from    string
	rcpts   []string
	data    string
	localIP string // source address on loopback; "" = 127.0.0.1
	auth    smtp.Auth
}

type result struct {
	rcptErrs []error // per recipient, nil when accepted
	dataErr  error   // DATA reply, nil when 250
	err      error   // failure before RCPT (connect, EHLO, AUTH, MAIL)
}

func (s *server) send(sub submission) result {
	s.t.Helper()
	return sendTo(s.t, s.addr("MMS_MM4_PORT"), sub)
}

func sendTo(t *testing.T, addr string, sub submission) (res result) {
	t.Helper()
	ip := sub.localIP
	if ip == "" {
		ip = "127.0.0.1"
	}
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return result{err: err}
	}
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	c, err := smtp.NewClient(conn, "127.0.0.1")
	if err != nil {
		return result{err: err}
	}
	defer c.Close()
	if err := c.Hello("peer.test"); err != nil {
		return result{err: err}
	}
	if sub.auth != nil {
		if err := c.Auth(sub.auth); err != nil {
			return result{err: err}
		}
	}
	if err := c.Mail(sub.from); err != nil {
		return result{err: err}
	}
	accepted := 0
	for _, r := range sub.rcpts {
		err := c.Rcpt(r)
		res.rcptErrs = append(res.rcptErrs, err)
		if err == nil {
			accepted++
		}
	}
	if accepted == 0 {
		c.Quit()
		return res
	}
	w, err := c.Data()
	if err != nil {
		res.dataErr = err
		return res
	}
	io.WriteString(w, strings.ReplaceAll(strings.ReplaceAll(sub.data, "\r\n", "\n"), "\n", "\r\n"))
	res.dataErr = w.Close()
	c.Quit()
	return res
}

// loginAuth is SMTP AUTH LOGIN (net/smtp has only PLAIN and CRAM-MD5).
type loginAuth struct{ user, pass string }

func (a loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return "LOGIN", nil, nil }

func (a loginAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch strings.ToLower(strings.TrimSpace(string(fromServer))) {
	case "username:":
		return []byte(a.user), nil
	case "password:":
		return []byte(a.pass), nil
	}
	return nil, fmt.Errorf("unexpected LOGIN challenge %q", fromServer)
}

// plainAuth is AUTH PLAIN without net/smtp's TLS-or-localhost rule (the
// server name given to NewClient is an IP).
type plainAuth struct{ user, pass string }

func (a plainAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}
func (a plainAuth) Next([]byte, bool) ([]byte, error) { return nil, nil }

// smtpCode returns the reply code and text of an SMTP error.
func smtpCode(err error) (int, string) {
	var te interface{ Error() string }
	if err == nil {
		return 250, ""
	}
	te = err
	msg := te.Error()
	var code int
	fmt.Sscanf(msg, "%d", &code)
	return code, msg
}

// ---------------------------------------------------------------------------
// The stand-in peer MMSC.

type received struct {
	from  string
	rcpts []string
	data  []byte
}

type peer struct {
	t    *testing.T
	port int
	srv  *gosmtp.Server

	mu      sync.Mutex
	msgs    []received
	stall   chan struct{} // non-nil: DATA blocks until closed, then fails
	arrived chan struct{}
}

func newPeer(t *testing.T) *peer {
	t.Helper()
	return newPeerOn(t, freePort(t))
}

// newPeerOn starts the stand-in peer on a given port.
func newPeerOn(t *testing.T, port int) *peer {
	t.Helper()
	p := &peer{t: t, port: port, arrived: make(chan struct{}, 1000)}
	p.srv = gosmtp.NewServer(p)
	p.srv.Addr = fmt.Sprintf("127.0.0.1:%d", p.port)
	p.srv.Domain = "mms.peer.example"
	p.srv.AllowInsecureAuth = true
	p.srv.ReadTimeout = 30 * time.Second
	p.srv.WriteTimeout = 30 * time.Second
	l, err := net.Listen("tcp", p.srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	go p.srv.Serve(l)
	t.Cleanup(func() {
		p.mu.Lock()
		if p.stall != nil {
			close(p.stall)
			p.stall = nil
		}
		p.mu.Unlock()
		p.srv.Close()
	})
	return p
}

func (p *peer) NewSession(*gosmtp.Conn) (gosmtp.Session, error) { return &peerSession{p: p}, nil }

type peerSession struct {
	p   *peer
	cur received
}

func (s *peerSession) Reset()        { s.cur = received{} }
func (s *peerSession) Logout() error { return nil }
func (s *peerSession) Mail(from string, _ *gosmtp.MailOptions) error {
	s.cur.from = from
	return nil
}
func (s *peerSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.cur.rcpts = append(s.cur.rcpts, to)
	return nil
}
func (s *peerSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.p.mu.Lock()
	stall := s.p.stall
	s.p.mu.Unlock()
	if stall != nil {
		<-stall
		return errors.New("stalled")
	}
	s.cur.data = b
	s.p.mu.Lock()
	s.p.msgs = append(s.p.msgs, s.cur)
	s.p.mu.Unlock()
	s.p.arrived <- struct{}{}
	return nil
}

func (p *peer) setStall(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on && p.stall == nil {
		p.stall = make(chan struct{})
	}
	if !on && p.stall != nil {
		close(p.stall)
		p.stall = nil
	}
}

// find returns the received messages whose data contains every needle.
func (p *peer) find(needles ...string) []received {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []received
next:
	for _, m := range p.msgs {
		for _, n := range needles {
			if !bytes.Contains(m.data, []byte(n)) {
				continue next
			}
		}
		out = append(out, m)
	}
	return out
}

// waitFor waits up to timeout for n messages containing every needle.
func (p *peer) waitFor(timeout time.Duration, n int, needles ...string) []received {
	p.t.Helper()
	deadline := time.After(timeout)
	for {
		if got := p.find(needles...); len(got) >= n {
			return got
		}
		select {
		case <-p.arrived:
		case <-deadline:
			p.t.Fatalf("peer: %d message(s) containing %q not received within %v (have %d)", n, needles, timeout, len(p.find(needles...)))
			return nil
		}
	}
}

// ---------------------------------------------------------------------------
// IMAP

// mailbox returns the raw messages in user's INBOX.
func (s *server) mailbox(user, pass string) [][]byte {
	s.t.Helper()
	return s.mailboxFor(s.t, user, pass)
}

// mailboxFor is mailbox for test t (e.g. a subtest, whose goroutine may
// fail).
func (s *server) mailboxFor(t testing.TB, user, pass string) [][]byte {
	t.Helper()
	c, err := imapclient.Dial(s.addr("MMS_IMAP_PORT"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Logout()
	c.Timeout = 30 * time.Second
	if err := c.Login(user, pass); err != nil {
		t.Fatal(err)
	}
	mbox, err := c.Select("INBOX", true)
	if err != nil {
		t.Fatal(err)
	}
	if mbox.Messages == 0 {
		return nil
	}
	seq := new(imap.SeqSet)
	seq.AddRange(1, mbox.Messages)
	section := &imap.BodySectionName{Peek: true}
	ch := make(chan *imap.Message, mbox.Messages)
	if err := c.Fetch(seq, []imap.FetchItem{section.FetchItem()}, ch); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for m := range ch {
		b, err := io.ReadAll(m.GetBody(section))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// mailboxWith returns alice's messages containing needle.
func (s *server) aliceMessages(needle string) [][]byte {
	s.t.Helper()
	var out [][]byte
	for _, m := range s.mailbox("alice@example.net", "alice-password") {
		if bytes.Contains(m, []byte(needle)) {
			out = append(out, m)
		}
	}
	return out
}
