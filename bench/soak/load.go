// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package main

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	peerSender  = "+48600000001/TYPE=PLMN@mms.peer.example"
	aliceMM4    = "+15550001111/TYPE=PLMN@mms.example.net"
	aliceLogin  = "alice@example.net"
	alicePass   = "alice-password"
	outRcpt     = "+15550002222@mms.example.net" // routed to the demo peer
	peerDomain  = "mms.peer.example"
	ourSystem   = "system-user@mms.example.net"
	peerSystem  = "system-user@mms.peer.example"
	outRcptPeer = "+15550002222/TYPE=PLMN@mms.peer.example" // as the demo peer gets it (address_form plmn)
)

// Names of what is sent, for message k of run r. Each inbound REQ has its
// own transaction and message ID; the delivered mail keeps the REQ's
// Message-ID and Subject, which repeats the transaction ID, so a copy in
// the mailbox says which transaction it came from. Each submission has
// its own Message-ID and Subject; the REQ made of it keeps the Subject.
func inTxID(r string, k int) string    { return fmt.Sprintf("soak-%s-%d@%s", r, k, peerDomain) }
func inMMID(r string, k int) string    { return fmt.Sprintf("soak-mm-%s-%d@%s", r, k, peerDomain) }
func inSubject(r string, k int) string { return fmt.Sprintf("soak-in %s-%d tx %s", r, k, inTxID(r, k)) }
func outSubject(r string, k int) string {
	return fmt.Sprintf("soak-out %s-%d", r, k)
}

// inboundREQ is MM4_forward.REQ k as the peer MMSC sends it.
func inboundREQ(r string, k int) []byte {
	fields := []string{
		"X-Mms-3GPP-MMS-Version: 6.10.0",
		"X-Mms-Message-Type: MM4_forward.REQ",
		`X-Mms-Transaction-ID: "` + inTxID(r, k) + `"`,
		`X-Mms-Message-ID: "` + inMMID(r, k) + `"`,
		"X-Mms-Ack-Request: Yes",
		"X-Mms-Originator-System: " + peerSystem,
		"X-Mms-Delivery-Report: No",
		"X-Mms-Originator-R/S-Delivery-Report: No",
		"X-Mms-Message-Class: Personal",
		"X-Mms-Expiry: 86400",
		"From: " + peerSender,
		"To: " + aliceMM4,
		"Sender: " + peerSender,
		"Subject: " + inSubject(r, k),
		"Date: " + time.Now().UTC().Format(time.RFC1123Z),
		"Message-ID: <" + inMMID(r, k) + ">",
		"MIME-Version: 1.0",
		`Content-Type: multipart/related; type="application/smil"; start="<smil>"; boundary="soak-part"`,
	}
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f + "\r\n")
	}
	b.WriteString("\r\n--soak-part\r\nContent-Type: application/smil\r\nContent-ID: <smil>\r\n\r\n")
	b.WriteString(`<smil><body><par dur="5000ms"><img src="a.gif"/><text src="t.txt"/></par></body></smil>` + "\r\n")
	b.WriteString("--soak-part\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Location: t.txt\r\n\r\n")
	b.WriteString("Soak traffic from the peer MMSC, " + inTxID(r, k) + "\r\n")
	b.WriteString("--soak-part\r\nContent-Type: image/gif\r\nContent-Location: a.gif\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7\r\n--soak-part--\r\n")
	return []byte(b.String())
}

// submission is mail k as alice's mail client sends it.
func submission(r string, k int) []byte {
	var b strings.Builder
	for _, f := range []string{
		"From: Alice <" + aliceLogin + ">",
		"To: " + outRcpt,
		"Subject: " + outSubject(r, k),
		"Date: " + time.Now().UTC().Format(time.RFC1123Z),
		fmt.Sprintf("Message-ID: <soak-out-%s-%d@example.net>", r, k),
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
	} {
		b.WriteString(f + "\r\n")
	}
	b.WriteString("\r\nSoak traffic from alice, " + outSubject(r, k) + ".\r\n")
	return []byte(b.String())
}

// record is what happened to one message on the sending side.
type record struct {
	acked     bool
	attempts  int
	noReply   int // attempts whose end of DATA got no reply
	lost      int // attempts lost before the end of DATA
	temporary int // 4xx replies
	refused   string
	lastErr   string
}

// load sends n messages over conns connections, message k no earlier than
// start + k×interval, and records every message's fate.
type load struct {
	name     string
	addr     string
	helo     string
	user     string
	password string
	from     string
	rcpt     string
	msg      func(k int) []byte
	// resendNoReply: send a message again after its end of DATA got no
	// reply (inbound: the peer re-sends with the same transaction ID).
	resendNoReply bool
	giveUp        time.Duration // stop sending a message this long after its first attempt

	n        int
	conns    int
	start    time.Time
	interval time.Duration

	recs  []record
	acked atomic.Int64
	sent  atomic.Int64
}

func (l *load) run() {
	l.recs = make([]record, l.n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < l.conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c *smtpClient
			defer func() { c.close() }()
			for k := int(next.Add(1)) - 1; k < l.n; k = int(next.Add(1)) - 1 {
				time.Sleep(time.Until(l.start.Add(time.Duration(k) * l.interval)))
				c = l.deliver(c, k)
				l.sent.Add(1)
			}
		}()
	}
	wg.Wait()
}

// deliver sends message k until it is accepted, refused, given up, or
// (outbound) its end of DATA got no reply. It returns the connection to
// go on with (nil when there is none).
func (l *load) deliver(c *smtpClient, k int) *smtpClient {
	rec := &l.recs[k]
	data := l.msg(k)
	first := time.Now()
	for {
		if time.Since(first) > l.giveUp {
			return c
		}
		if c == nil {
			var err error
			c, err = dial(l.addr, l.helo, l.user, l.password)
			if err != nil {
				c = nil
				rec.lastErr = err.Error()
				time.Sleep(100 * time.Millisecond) // the server is restarting
				continue
			}
		}
		rec.attempts++
		o, err := c.send(l.from, l.rcpt, data, time.Minute)
		if err != nil {
			rec.lastErr = err.Error()
		}
		if c.broken {
			c.close()
			c = nil
		}
		switch o {
		case accepted:
			rec.acked = true
			l.acked.Add(1)
			return c
		case refused:
			rec.refused = err.Error()
			return c
		case temporary:
			rec.temporary++
			time.Sleep(200 * time.Millisecond)
		case lostEarly:
			rec.lost++
		case noReply:
			rec.noReply++
			if !l.resendNoReply {
				return c
			}
		}
	}
}
