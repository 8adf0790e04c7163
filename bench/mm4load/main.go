// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Command mm4load is a load generator for maddy-mms over SMTP. It reports
// how many messages the server accepted per second.
//
// Each of -c senders keeps one SMTP connection and sends its share of the
// messages one after another over it (MAIL, RCPT, DATA, RSET). A warm-up
// of -warmup messages is sent (and must succeed) before the clock starts.
//
// With -mode mm4 (the default) it drives the inbound MM4 path: it plays a
// peer MMSC sending MM4_forward.REQ messages. Every message carries its own
// X-Mms-Transaction-ID and X-Mms-Message-ID, so maddy-mms' duplicate
// detection never short-cuts delivery. The MM is a multipart/related
// message with a SMIL part, a text part and a base64 image part padded so
// that the whole message is about -size bytes.
//
// With -mode mail it drives the outbound path: it plays subscribers'
// phones or mail clients submitting ordinary Internet mail (not MM4) to a
// submission endpoint, each connection logged in with AUTH PLAIN (-user,
// -password; also usable in mm4 mode, for peers that log in). The mail is
// multipart/mixed, a text part and a base64 JPEG attachment, like a phone's
// reply to an MMS, padded so that the whole message is about -size bytes;
// every mail has its own Message-ID.
//
// It prints one line, msgs=N errors=E seconds=S rate=R (rate counts only
// accepted messages), and exits with status 1 if any message, warm-up
// included, failed.
//
//	mm4load -addr 127.0.0.1:2525 -n 2000 -c 10 -size 1400 -ack Yes
//	mm4load -mode mail -addr 127.0.0.1:2587 -user alice@example.net -password bench-password \
//	    -n 2000 -c 10 -size 300000 -rcpt +15550002222@mms.example.net
package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type config struct {
	mode     string // "mm4" or "mail"
	addr     string
	from     string
	rcpt     string
	origSys  string
	ack      string
	user     string // AUTH PLAIN after EHLO when set
	password string
	size     int
	timeout  time.Duration
}

// Defaults of -from and -rcpt per mode.
var modeDefaults = map[string]struct{ from, rcpt string }{
	"mm4":  {"+48600000001/TYPE=PLMN@mms.peer.example", "+15550001111/TYPE=PLMN@mms.example.net"},
	"mail": {"alice@example.net", "+15550002222@mms.example.net"},
}

func main() {
	var cfg config
	flag.StringVar(&cfg.mode, "mode", "mm4", "what to send: mm4 (MM4_forward.REQ from a peer MMSC) or mail (Internet mail to a submission endpoint)")
	flag.StringVar(&cfg.addr, "addr", "127.0.0.1:2525", "SMTP server to send to (host:port)")
	n := flag.Int("n", 1000, "number of timed messages")
	c := flag.Int("c", 10, "parallel senders, one SMTP connection each")
	flag.IntVar(&cfg.size, "size", 1400, "approximate size of each MM in bytes")
	flag.StringVar(&cfg.ack, "ack", "Yes", "mm4 mode: X-Mms-Ack-Request value: Yes or No")
	flag.StringVar(&cfg.rcpt, "rcpt", "", "recipient (RCPT TO and To:)\n(default mm4: "+modeDefaults["mm4"].rcpt+", mail: "+modeDefaults["mail"].rcpt+")")
	flag.StringVar(&cfg.from, "from", "", "originator (MAIL FROM and From:; mm4 mode: Sender: too)\n(default mm4: "+modeDefaults["mm4"].from+", mail: the -user if it is an address, else "+modeDefaults["mail"].from+")")
	flag.StringVar(&cfg.origSys, "originator-system", "system-user@mms.peer.example", "mm4 mode: X-Mms-Originator-System value")
	flag.StringVar(&cfg.user, "user", "", "log in with AUTH PLAIN as this user (required in mail mode)")
	flag.StringVar(&cfg.password, "password", "", "password for -user")
	warmup := flag.Int("warmup", 50, "messages sent before timing starts (not counted)")
	flag.DurationVar(&cfg.timeout, "timeout", time.Minute, "timeout for one SMTP transaction")
	flag.Parse()

	if *n < 1 || *c < 1 || *warmup < 0 || cfg.size < 1 {
		fmt.Fprintln(os.Stderr, "mm4load: -n and -c must be positive, -warmup not negative, -size positive")
		os.Exit(2)
	}
	if cfg.ack != "Yes" && cfg.ack != "No" {
		fmt.Fprintln(os.Stderr, "mm4load: -ack must be Yes or No")
		os.Exit(2)
	}
	defaults, known := modeDefaults[cfg.mode]
	if !known {
		fmt.Fprintln(os.Stderr, "mm4load: -mode must be mm4 or mail")
		os.Exit(2)
	}
	if cfg.mode == "mail" && cfg.user == "" {
		fmt.Fprintln(os.Stderr, "mm4load: -mode mail needs -user and -password (submission requires AUTH)")
		os.Exit(2)
	}
	if cfg.rcpt == "" {
		cfg.rcpt = defaults.rcpt
	}
	if cfg.from == "" {
		cfg.from = defaults.from
		if cfg.mode == "mail" && strings.Contains(cfg.user, "@") {
			cfg.from = cfg.user
		}
	}

	run := fmt.Sprintf("%x", time.Now().UnixNano())
	// hdr returns the header section of message k; body is the same for
	// every message.
	var hdr func(k int64) string
	var body []byte
	switch cfg.mode {
	case "mm4":
		txID := func(k int64) string { return fmt.Sprintf("bench-%s-%d@mms.peer.example", run, k) }
		msgID := func(k int64) string { return fmt.Sprintf("mm-%s-%d", run, k) }
		hdr = func(k int64) string { return header(cfg, txID(k), msgID(k)) }
		body = mmBody(cfg.size - len(hdr(1000)))
	case "mail":
		hdr = func(k int64) string { return mailHeader(cfg, fmt.Sprintf("mail-%s-%d", run, k)) }
		body = mailBody(cfg.size - len(hdr(1000)))
	}

	senders := make([]*sender, *c)
	for i := range senders {
		s, err := dial(cfg)
		if err != nil {
			fmt.Fprintf(os.Stderr, "mm4load: sender %d: %v\n", i, err)
			os.Exit(1)
		}
		senders[i] = s
	}

	errs := &errorLog{}
	// phase sends messages first+1 … first+count, shared out among the
	// senders as they become free, and returns how many were accepted.
	phase := func(first, count int64) int {
		var next, accepted atomic.Int64
		var wg sync.WaitGroup
		for _, s := range senders {
			wg.Add(1)
			go func(s *sender) {
				defer wg.Done()
				for i := next.Add(1); i <= count; i = next.Add(1) {
					k := first + i
					if err := s.send(cfg, hdr(k), body); err != nil {
						errs.add(err)
						continue
					}
					accepted.Add(1)
				}
			}(s)
		}
		wg.Wait()
		return int(accepted.Load())
	}

	phase(0, int64(*warmup))
	warmErrs := errs.count()
	start := time.Now()
	ok := phase(int64(*warmup), int64(*n))
	secs := time.Since(start).Seconds()

	for _, s := range senders {
		s.close()
	}

	failed := *n - ok
	fmt.Printf("msgs=%d errors=%d seconds=%.3f rate=%.1f\n", *n, failed, secs, float64(ok)/secs)
	if warmErrs > 0 {
		fmt.Fprintf(os.Stderr, "mm4load: %d warm-up messages failed\n", warmErrs)
	}
	errs.print(os.Stderr)
	if errs.count() > 0 {
		os.Exit(1)
	}
}

// header returns the MM4_forward.REQ header section for one message,
// ending with the blank line.
func header(cfg config, txID, msgID string) string {
	var b strings.Builder
	for _, f := range []string{
		"X-Mms-3GPP-MMS-Version: 5.5.0",
		"X-Mms-Message-Type: MM4_forward.REQ",
		`X-Mms-Transaction-ID: "` + txID + `"`,
		`X-Mms-Message-ID: "` + msgID + `"`,
		"X-Mms-Ack-Request: " + cfg.ack,
		"X-Mms-Originator-System: " + cfg.origSys,
		"X-Mms-Delivery-Report: No",
		"X-Mms-Originator-R/S-Delivery-Report: No",
		"X-Mms-Message-Class: Personal",
		"X-Mms-Expiry: 86400",
		"From: " + cfg.from,
		"To: " + cfg.rcpt,
		"Sender: " + cfg.from,
		"Subject: mm4load " + msgID,
		"Date: " + time.Now().UTC().Format(time.RFC1123Z),
		"Message-ID: <" + msgID + "@mms.peer.example>",
		"MIME-Version: 1.0",
		`Content-Type: multipart/related; type="application/smil"; start="<smil>"; boundary="mm4load-part"`,
	} {
		b.WriteString(f)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// mmBody returns the multipart body (SMIL, text, base64 GIF image), the
// image padded so that the body is about want bytes long. It is the same
// for every message; only the header differs.
func mmBody(want int) []byte {
	var b bytes.Buffer
	b.WriteString("--mm4load-part\r\nContent-Type: application/smil\r\nContent-ID: <smil>\r\n\r\n")
	b.WriteString(`<smil><body><par dur="5000ms"><img src="image.gif"/><text src="text.txt"/></par></body></smil>` + "\r\n")
	b.WriteString("--mm4load-part\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Location: text.txt\r\n\r\n")
	b.WriteString("Hello from the mm4load peer MMSC. This multimedia message is benchmark traffic.\r\n")
	b.WriteString("--mm4load-part\r\nContent-Type: image/gif\r\nContent-Location: image.gif\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	const trailer = "--mm4load-part--\r\n"

	// A 1x1 GIF, then deterministic filler bytes, so the image is about as
	// incompressible as a real photo.
	img := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	writeImage(&b, img, want-b.Len()-len(trailer))
	b.WriteString(trailer)
	return b.Bytes()
}

// writeImage writes img, padded with deterministic incompressible filler
// bytes, as base64 in 76-character lines taking about room bytes.
func writeImage(b *bytes.Buffer, img []byte, room int) {
	// base64 with 76-character lines: 57 input bytes per 78 output bytes.
	if extra := room*57/78 - len(img); extra > 0 {
		pad := make([]byte, extra)
		rand.New(rand.NewSource(1)).Read(pad)
		img = append(img, pad...)
	}
	enc := base64.StdEncoding.EncodeToString(img)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteString("\r\n")
}

// mailHeader returns the header section of one Internet mail (mail mode),
// ending with the blank line: what a phone's mail client sends when its
// user replies to an MMS with a photo.
func mailHeader(cfg config, id string) string {
	domain := "example.net"
	if i := strings.LastIndexByte(cfg.from, '@'); i >= 0 {
		domain = cfg.from[i+1:]
	}
	var b strings.Builder
	for _, f := range []string{
		"From: Alice <" + cfg.from + ">",
		"To: " + cfg.rcpt,
		"Subject: Re: mailload " + id,
		"Date: " + time.Now().UTC().Format(time.RFC1123Z),
		"Message-ID: <" + id + "@" + domain + ">",
		"User-Agent: mailload",
		"MIME-Version: 1.0",
		`Content-Type: multipart/mixed; boundary="mailload-part"`,
	} {
		b.WriteString(f)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// mailBody returns the multipart/mixed body of the Internet mail (a text
// part and a base64 JPEG attachment), the image padded so that the body is
// about want bytes long. It is the same for every message.
func mailBody(want int) []byte {
	var b bytes.Buffer
	b.WriteString("This is a multi-part message in MIME format.\r\n")
	b.WriteString("--mailload-part\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n")
	b.WriteString("Thanks! Here is the photo from yesterday. Sent from my phone; this mail is benchmark traffic.\r\n")
	b.WriteString("--mailload-part\r\nContent-Type: image/jpeg; name=\"IMG_0001.jpg\"\r\n" +
		"Content-Disposition: attachment; filename=\"IMG_0001.jpg\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	const trailer = "--mailload-part--\r\n"
	// A JPEG start (SOI, JFIF APP0), then the filler; the image is never
	// decoded.
	img := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
	writeImage(&b, img, want-b.Len()-len(trailer))
	b.WriteString(trailer)
	return b.Bytes()
}

type sender struct {
	conn net.Conn
	c    *smtp.Client
}

func dial(cfg config) (*sender, error) {
	conn, err := net.DialTimeout("tcp", cfg.addr, cfg.timeout)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(cfg.timeout))
	host, _, _ := net.SplitHostPort(cfg.addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return nil, err
	}
	helo := "mm4load.mms.peer.example"
	if cfg.mode == "mail" {
		helo = "mailload.example.net"
	}
	if err := c.Hello(helo); err != nil {
		c.Close()
		return nil, err
	}
	if cfg.user != "" {
		if err := c.Auth(plainAuth{cfg.user, cfg.password}); err != nil {
			c.Close()
			return nil, fmt.Errorf("AUTH PLAIN as %s: %w", cfg.user, err)
		}
	}
	return &sender{conn: conn, c: c}, nil
}

// plainAuth is AUTH PLAIN without net/smtp's refusal to send a password
// over an unencrypted connection to a host not named localhost: the
// benchmark server has TLS off on purpose.
type plainAuth struct{ user, password string }

func (a plainAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.password), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected AUTH PLAIN challenge")
	}
	return nil, nil
}

// send performs one transaction. A refusal (an SMTP reply) leaves the
// connection usable; any other error replaces the connection.
func (s *sender) send(cfg config, hdr string, body []byte) error {
	if s.c == nil {
		ns, err := dial(cfg)
		if err != nil {
			return fmt.Errorf("reconnect: %w", err)
		}
		*s = *ns
	}
	s.conn.SetDeadline(time.Now().Add(cfg.timeout))
	err := s.transaction(cfg, hdr, body)
	var reply *textproto.Error
	switch {
	case err == nil:
		if rerr := s.c.Reset(); rerr != nil {
			s.drop()
			return fmt.Errorf("RSET after an accepted message: %w", rerr)
		}
		return nil
	case errors.As(err, &reply):
		if rerr := s.c.Reset(); rerr != nil {
			s.drop()
		}
		return err
	default:
		s.drop()
		return err
	}
}

func (s *sender) transaction(cfg config, hdr string, body []byte) error {
	if err := s.c.Mail(cfg.from); err != nil {
		return fmt.Errorf("MAIL: %w", err)
	}
	if err := s.c.Rcpt(cfg.rcpt); err != nil {
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

func (s *sender) drop() {
	if s.c != nil {
		s.c.Close()
		s.c = nil
	}
}

func (s *sender) close() {
	if s.c != nil {
		s.conn.SetDeadline(time.Now().Add(5 * time.Second))
		s.c.Quit()
		s.c = nil
	}
}

// errorLog counts failures and keeps the first few distinct messages.
type errorLog struct {
	mu     sync.Mutex
	n      int
	sample map[string]int
	order  []string
}

func (l *errorLog) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	if l.sample == nil {
		l.sample = map[string]int{}
	}
	msg := err.Error()
	if _, ok := l.sample[msg]; !ok && len(l.order) >= 10 {
		return
	} else if !ok {
		l.order = append(l.order, msg)
	}
	l.sample[msg]++
}

func (l *errorLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

func (l *errorLog) print(w io.Writer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.order {
		fmt.Fprintf(w, "mm4load: %d× %s\n", l.sample[m], m)
	}
}
