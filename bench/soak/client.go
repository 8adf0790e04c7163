// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync/atomic"
	"time"
)

// inFlight counts transactions between the end of DATA and its reply:
// the killer waits for one, so that kills fall where the server commits.
var inFlight atomic.Int64

// outcome is what one SMTP transaction came to, as a sender that must
// decide whether to send again sees it.
type outcome int

const (
	accepted  outcome = iota // 250 after DATA
	temporary                // a 4xx reply: nothing was taken, send again
	refused                  // a 5xx reply
	lostEarly                // connection lost before the end of DATA was sent: nothing can have been taken
	noReply                  // connection lost after the end of DATA was sent: taken or not, unknown
)

func (o outcome) String() string {
	return [...]string{"accepted", "4xx", "5xx", "connection lost before end of DATA", "no reply to end of DATA"}[o]
}

// smtpClient is a small SMTP client that, unlike net/smtp, tells a
// connection lost before the end of DATA from one lost while waiting for
// the reply to it.
type smtpClient struct {
	conn   net.Conn
	tp     *textproto.Conn
	broken bool // the connection is lost or out of step: replace it
}

// dial connects from 127.0.0.1, says EHLO and, when user is set, logs in
// with AUTH PLAIN.
func dial(addr, helo, user, password string) (*smtpClient, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, Timeout: 5 * time.Second}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &smtpClient{conn: conn, tp: textproto.NewConn(conn)}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, _, err := c.tp.ReadResponse(220); err != nil {
		c.close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	if _, err := c.cmd(250, "EHLO %s", helo); err != nil {
		c.close()
		return nil, fmt.Errorf("EHLO: %w", err)
	}
	if user != "" {
		resp := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password))
		if _, err := c.cmd(235, "AUTH PLAIN %s", resp); err != nil {
			c.close()
			return nil, fmt.Errorf("AUTH PLAIN as %s: %w", user, err)
		}
	}
	return c, nil
}

func (c *smtpClient) cmd(expect int, format string, args ...any) (string, error) {
	if err := c.tp.PrintfLine(format, args...); err != nil {
		return "", err
	}
	_, msg, err := c.tp.ReadResponse(expect)
	return msg, err
}

func (c *smtpClient) close() {
	if c != nil {
		c.conn.Close()
	}
}

// send is one transaction: MAIL, RCPT, DATA, then RSET when it was
// accepted. data has CRLF line ends and ends with one. Afterwards, when
// c.broken is set, the connection must be replaced.
func (c *smtpClient) send(from, rcpt string, data []byte, timeout time.Duration) (outcome, error) {
	c.conn.SetDeadline(time.Now().Add(timeout))
	step := func(expect int, what, format string, args ...any) (outcome, error, bool) {
		_, err := c.cmd(expect, format, args...)
		if err == nil {
			return accepted, nil, true
		}
		var reply *textproto.Error
		if errors.As(err, &reply) {
			o := refused
			if reply.Code/100 == 4 {
				o = temporary
			}
			if _, err := c.cmd(250, "RSET"); err != nil {
				c.broken = true
			}
			return o, fmt.Errorf("%s: %w", what, err), false
		}
		c.broken = true
		return lostEarly, fmt.Errorf("%s: %w", what, err), false
	}
	if o, err, ok := step(250, "MAIL", "MAIL FROM:<%s>", from); !ok {
		return o, err
	}
	if o, err, ok := step(250, "RCPT", "RCPT TO:<%s>", rcpt); !ok {
		return o, err
	}
	if o, err, ok := step(354, "DATA", "DATA"); !ok {
		return o, err
	}
	// The message, dot-stuffed, then (separately) the end of DATA: a
	// failure before that line went out means the server cannot have
	// taken the message.
	stuffed := strings.ReplaceAll("\r\n"+string(data), "\r\n.", "\r\n..")[2:]
	if _, err := c.tp.W.WriteString(stuffed); err != nil {
		c.broken = true
		return lostEarly, fmt.Errorf("DATA: %w", err)
	}
	if err := c.tp.W.Flush(); err != nil {
		c.broken = true
		return lostEarly, fmt.Errorf("DATA: %w", err)
	}
	inFlight.Add(1)
	defer inFlight.Add(-1)
	c.tp.W.WriteString(".\r\n")
	if err := c.tp.W.Flush(); err != nil {
		c.broken = true
		return noReply, fmt.Errorf("end of DATA: %w", err)
	}
	_, _, err := c.tp.ReadResponse(250)
	if err != nil {
		var reply *textproto.Error
		if errors.As(err, &reply) {
			o := refused
			if reply.Code/100 == 4 {
				o = temporary
			}
			if _, err := c.cmd(250, "RSET"); err != nil {
				c.broken = true
			}
			return o, fmt.Errorf("end of DATA: %w", err)
		}
		c.broken = true
		return noReply, fmt.Errorf("end of DATA: %w", err)
	}
	if _, err := c.cmd(250, "RSET"); err != nil {
		c.broken = true // the message is accepted all the same
	}
	return accepted, nil
}
