// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package main

import (
	"errors"
	"fmt"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is the maddy-mms process under test: started, killed with
// SIGKILL and started again on the same state directory and ports.
type server struct {
	binary   string
	config   string
	stateDir string
	logPath  string
	ports    map[string]int // MMS_*_PORT → port

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}
	starts int
}

// start runs the server and waits until its MM4, submission and IMAP
// ports accept connections.
func (s *server) start() error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.starts++
	fmt.Fprintf(logf, "=== soak: start %d at %s\n", s.starts, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(s.binary, "-config", s.config, "run")
	cmd.Env = append(os.Environ(), "MMS_STATE_DIR="+s.stateDir)
	for k, v := range s.ports {
		cmd.Env = append(cmd.Env, k+"="+strconv.Itoa(v))
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		logf.Close()
		return err
	}
	done := make(chan struct{})
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	go func() {
		cmd.Wait()
		logf.Close()
		close(done)
	}()

	deadline := time.Now().Add(60 * time.Second)
	for _, name := range []string{"MMS_MM4_PORT", "MMS_SUBMISSION_PORT", "MMS_IMAP_PORT"} {
		addr := fmt.Sprintf("127.0.0.1:%d", s.ports[name])
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-done:
				return fmt.Errorf("maddy-mms exited during start-up (see %s)", s.logPath)
			default:
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("maddy-mms did not listen on %s within 60 s (see %s)", addr, s.logPath)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// kill ends the server with SIGKILL: nothing of it runs afterwards.
func (s *server) kill() {
	s.signal(syscall.SIGKILL, 0)
}

// stop ends the server with SIGTERM (SIGKILL after 20 s).
func (s *server) stop() {
	s.signal(syscall.SIGTERM, 20*time.Second)
}

func (s *server) signal(sig syscall.Signal, grace time.Duration) {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(sig)
	if grace > 0 {
		select {
		case <-done:
			return
		case <-time.After(grace):
			cmd.Process.Kill()
		}
	}
	<-done
}

// alive reports whether the server process is running.
func (s *server) alive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// freePorts returns n distinct loopback ports nobody listens on, below the
// kernel's ephemeral range: the server is restarted many times on the same
// ports, and an outgoing connection (the load's, the queue's) must never
// hold one of them as its local port while the server is down.
func freePorts(rnd *rand.Rand, n int) ([]int, error) {
	lo := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if v, err := strconv.Atoi(f[0]); err == nil && v > 12000 {
				lo = v
			}
		}
	}
	const base = 10000
	var out []int
	seen := map[int]bool{}
	for tries := 0; len(out) < n && tries < 1000; tries++ {
		p := base + rnd.Intn(lo-base)
		if seen[p] {
			continue
		}
		seen[p] = true
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		l.Close()
		out = append(out, p)
	}
	if len(out) < n {
		return nil, errors.New("no free loopback ports found")
	}
	return out, nil
}
