// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Command mboxload measures how delivery into mailboxes keeps up as the
// mailboxes grow (bench/mailbox/run.sh, see bench/README.md).
//
// It plays a peer MMSC sending MM4_forward.REQ messages (the same 1.4 KB
// multipart/related MM as bench/mm4load, X-Mms-Ack-Request: No, so that
// nothing but the delivery into the mailbox is done per message) to -rcpts
// subscribers, +15550010000, +15550010001, …, message k going to subscriber
// k mod -rcpts. First one message goes to every subscriber over one
// connection (not timed: it creates the accounts); then -n messages in rounds of -round, and each
// round's rate is printed as it ends:
//
//	round 1 msgs 1-1000 seconds 2.345 rate 426.4
//	…
//	first 426.4 last 410.2 ratio 0.96 first3 420.3 last3 412.0 ratio3 0.98 total 20000 seconds 47.1 rate 424.6
//
// ratio is the last round's rate over the first's, ratio3 the same for the
// last three rounds over the first three (less sensitive to one round
// slowed by other work on the machine). It exits with status 1
// if any message failed.
//
//	mboxload -addr 127.0.0.1:2525 -n 20000 -rcpts 1000 -c 4
package main

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/smtp"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	firstNumber = 15550010000
	from        = "+48600000001/TYPE=PLMN@mms.peer.example"
	origSys     = "system-user@mms.peer.example"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:2525", "SMTP (MM4) server to send to")
	n := flag.Int("n", 20000, "number of timed messages")
	rcpts := flag.Int("rcpts", 1, "number of subscribers the messages are spread over (+15550010000 upwards)")
	round := flag.Int("round", 1000, "messages per reported round")
	c := flag.Int("c", 4, "parallel senders, one SMTP connection each")
	size := flag.Int("size", 1400, "approximate size of each MM in bytes")
	timeout := flag.Duration("timeout", time.Minute, "timeout for one SMTP transaction")
	flag.Parse()
	if *n < 1 || *rcpts < 1 || *round < 1 || *c < 1 || *size < 1 {
		fmt.Fprintln(os.Stderr, "mboxload: -n, -rcpts, -round, -c and -size must be positive")
		os.Exit(2)
	}

	run := fmt.Sprintf("%x", time.Now().UnixNano())
	body := mmBody(*size - len(header(run, 1000000, 0)))

	senders := make([]*sender, *c)
	for i := range senders {
		s, err := dial(*addr, *timeout)
		if err != nil {
			fmt.Fprintf(os.Stderr, "mboxload: sender %d: %v\n", i, err)
			os.Exit(1)
		}
		senders[i] = s
	}

	var failed atomic.Int64
	var firstErr atomic.Value
	// phase sends messages first … first+count-1, message k to subscriber
	// k mod rcpts, shared out among the senders as they become free.
	phase := func(senders []*sender, first, count int) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for _, s := range senders {
			wg.Add(1)
			go func(s *sender) {
				defer wg.Done()
				for i := int(next.Add(1)) - 1; i < count; i = int(next.Add(1)) - 1 {
					k := first + i
					rcpt := k % *rcpts
					if err := s.send(header(run, k, rcpt), body, rcptAddr(rcpt)); err != nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					}
				}
			}(s)
		}
		wg.Wait()
	}

	// One message to every subscriber first, over one connection: creates
	// the accounts (concurrent creation on SQLite can get "database is
	// locked", answered 451).
	phase(senders[:1], 0, *rcpts)
	if failed.Load() > 0 {
		fmt.Fprintf(os.Stderr, "mboxload: %d messages of the first round to every subscriber failed: %v\n", failed.Load(), firstErr.Load())
		os.Exit(1)
	}

	var rates []float64
	start := time.Now()
	for done := 0; done < *n; {
		count := min(*round, *n-done)
		t0 := time.Now()
		phase(senders, *rcpts+done, count)
		secs := time.Since(t0).Seconds()
		rate := float64(count) / secs
		rates = append(rates, rate)
		fmt.Printf("round %d msgs %d-%d seconds %.3f rate %.1f\n", len(rates), done+1, done+count, secs, rate)
		done += count
	}
	total := time.Since(start).Seconds()
	for _, s := range senders {
		s.close()
	}
	first, last := rates[0], rates[len(rates)-1]
	// The same over the first and the last three rounds (time-weighted:
	// messages over seconds), less at the mercy of one noisy round.
	k := min(3, len(rates))
	first3, last3 := mean(rates[:k]), mean(rates[len(rates)-k:])
	fmt.Printf("first %.1f last %.1f ratio %.2f first3 %.1f last3 %.1f ratio3 %.2f total %d seconds %.1f rate %.1f\n",
		first, last, last/first, first3, last3, last3/first3, *n, total, float64(*n)/total)
	if f := failed.Load(); f > 0 {
		fmt.Fprintf(os.Stderr, "mboxload: %d messages failed, the first: %v\n", f, firstErr.Load())
		os.Exit(1)
	}
}

// mean returns the rate of rounds of equal size taken together: their
// harmonic mean.
func mean(rates []float64) float64 {
	var inv float64
	for _, r := range rates {
		inv += 1 / r
	}
	return float64(len(rates)) / inv
}

func rcptAddr(i int) string {
	return fmt.Sprintf("+%d/TYPE=PLMN@mms.example.net", firstNumber+i)
}

// header returns the MM4_forward.REQ header section of message k to
// subscriber rcpt, ending with the blank line.
func header(run string, k, rcpt int) string {
	msgID := fmt.Sprintf("mbox-%s-%d", run, k)
	var b strings.Builder
	for _, f := range []string{
		"X-Mms-3GPP-MMS-Version: 5.5.0",
		"X-Mms-Message-Type: MM4_forward.REQ",
		`X-Mms-Transaction-ID: "` + fmt.Sprintf("bench-%s-%d@mms.peer.example", run, k) + `"`,
		`X-Mms-Message-ID: "` + msgID + `"`,
		"X-Mms-Ack-Request: No",
		"X-Mms-Originator-System: " + origSys,
		"X-Mms-Delivery-Report: No",
		"X-Mms-Originator-R/S-Delivery-Report: No",
		"X-Mms-Message-Class: Personal",
		"X-Mms-Expiry: 86400",
		"From: " + from,
		"To: " + rcptAddr(rcpt),
		"Sender: " + from,
		"Subject: mboxload " + msgID,
		"Date: " + time.Now().UTC().Format(time.RFC1123Z),
		"Message-ID: <" + msgID + "@mms.peer.example>",
		"MIME-Version: 1.0",
		`Content-Type: multipart/related; type="application/smil"; start="<smil>"; boundary="mboxload-part"`,
	} {
		b.WriteString(f)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// mmBody returns the multipart body (SMIL, text, base64 GIF image padded
// with incompressible filler) of about want bytes, as bench/mm4load's.
func mmBody(want int) []byte {
	var b bytes.Buffer
	b.WriteString("--mboxload-part\r\nContent-Type: application/smil\r\nContent-ID: <smil>\r\n\r\n")
	b.WriteString(`<smil><body><par dur="5000ms"><img src="image.gif"/><text src="text.txt"/></par></body></smil>` + "\r\n")
	b.WriteString("--mboxload-part\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Location: text.txt\r\n\r\n")
	b.WriteString("Hello from the mboxload peer MMSC. This multimedia message is benchmark traffic.\r\n")
	b.WriteString("--mboxload-part\r\nContent-Type: image/gif\r\nContent-Location: image.gif\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	const trailer = "--mboxload-part--\r\n"
	img := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	if extra := (want-b.Len()-len(trailer))*57/78 - len(img); extra > 0 {
		pad := make([]byte, extra)
		rand.New(rand.NewSource(1)).Read(pad)
		img = append(img, pad...)
	}
	enc := base64.StdEncoding.EncodeToString(img)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	b.WriteString(trailer)
	return b.Bytes()
}

type sender struct {
	addr    string
	timeout time.Duration
	conn    net.Conn
	c       *smtp.Client
}

func dial(addr string, timeout time.Duration) (*sender, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(timeout))
	host, _, _ := net.SplitHostPort(addr)
	c, err := smtp.NewClient(conn, host)
	if err == nil {
		err = c.Hello("mboxload.mms.peer.example")
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &sender{addr: addr, timeout: timeout, conn: conn, c: c}, nil
}

// send performs one transaction; after an error the connection is
// replaced.
func (s *sender) send(hdr string, body []byte, rcpt string) error {
	if s.c == nil {
		ns, err := dial(s.addr, s.timeout)
		if err != nil {
			return fmt.Errorf("reconnect: %w", err)
		}
		*s = *ns
	}
	s.conn.SetDeadline(time.Now().Add(s.timeout))
	err := s.transaction(hdr, body, rcpt)
	if err == nil {
		err = s.c.Reset()
	}
	if err != nil {
		s.c.Close()
		s.c = nil
	}
	return err
}

func (s *sender) transaction(hdr string, body []byte, rcpt string) error {
	if err := s.c.Mail(from); err != nil {
		return fmt.Errorf("MAIL: %w", err)
	}
	if err := s.c.Rcpt(rcpt); err != nil {
		return fmt.Errorf("RCPT: %w", err)
	}
	w, err := s.c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := io.WriteString(w, hdr); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of DATA: %w", err)
	}
	return nil
}

func (s *sender) close() {
	if s.c != nil {
		s.conn.SetDeadline(time.Now().Add(5 * time.Second))
		s.c.Quit()
		s.c = nil
	}
}
