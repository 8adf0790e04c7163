// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Command memload submits large 8-bit mails for bench/mem.sh, the memory
// benchmark. It plays -c subscribers at once: each opens its own SMTP
// connection, logs in with AUTH PLAIN (-user, -password; sent over plain
// TCP, the benchmark servers have TLS off), sends one mail and quits. All
// connections log in first, then all send at the same moment.
//
// Every mail is about -size bytes and 8-bit: UTF-8 text full of non-ASCII
// characters (Cyrillic, Greek, Chinese, Japanese, Arabic, Hebrew, Thai,
// Hindi and a few emoji) in lines of 30 to about 80 characters, sent as
// Content-Transfer-Encoding: 8bit, MAIL FROM with BODY=8BITMIME when the
// server offers it (net/smtp adds it). With -kind text the mail is a single
// text/plain; charset=utf-8 part; with -kind multipart it is a
// multipart/mixed with a short 7-bit text part and the big 8-bit text as an
// attachment (notes.txt). Each mail has its own Message-ID.
//
// It prints one line, sent=N errors=E seconds=S bytes=B (B is the size of
// one mail as generated, before dot-stuffing), and exits with status 1 if
// any mail failed.
//
//	memload -addr 127.0.0.1:2587 -user alice@example.net -password bench-password \
//	    -rcpt +15550002222@mms.example.net -size 30000000 -c 10
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"os"
	"strings"
	"sync"
	"time"
)

type config struct {
	addr, user, password, from, rcpt, kind string
	size                                   int
	timeout                                time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.addr, "addr", "127.0.0.1:2587", "submission endpoint (host:port)")
	flag.StringVar(&cfg.user, "user", "", "log in with AUTH PLAIN as this user (required)")
	flag.StringVar(&cfg.password, "password", "", "password for -user")
	flag.StringVar(&cfg.from, "from", "", "MAIL FROM and From: (default: -user)")
	flag.StringVar(&cfg.rcpt, "rcpt", "+15550002222@mms.example.net", "RCPT TO and To:")
	flag.StringVar(&cfg.kind, "kind", "text", "text (one 8-bit text/plain) or multipart (multipart/mixed, one big 8-bit part)")
	flag.IntVar(&cfg.size, "size", 1000000, "approximate size of each mail in bytes")
	c := flag.Int("c", 1, "mails sent at once, one connection each")
	flag.DurationVar(&cfg.timeout, "timeout", 3*time.Minute, "timeout for one connection, login to QUIT")
	flag.Parse()

	if cfg.user == "" {
		fail(2, "-user is required (submission needs AUTH)")
	}
	if *c < 1 || cfg.size < 4096 {
		fail(2, "-c must be positive and -size at least 4096")
	}
	if cfg.kind != "text" && cfg.kind != "multipart" {
		fail(2, "-kind must be text or multipart")
	}
	if cfg.from == "" {
		cfg.from = cfg.user
	}

	run := fmt.Sprintf("%x", time.Now().UnixNano())
	hdr := func(k int) string { return header(cfg, fmt.Sprintf("memload-%s-%d", run, k)) }
	// The body is the same for every mail (only the header differs), so
	// the client holds one copy however many mails it sends.
	body := makeBody(cfg.kind, cfg.size-len(hdr(*c)))
	size := len(hdr(*c)) + len(body)

	// Log everyone in first, so that the DATA transfers overlap.
	conns := make([]*smtp.Client, *c)
	for i := range conns {
		cl, err := login(cfg)
		if err != nil {
			fail(1, fmt.Sprintf("connection %d: %v", i+1, err))
		}
		conns[i] = cl
	}

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []string
	)
	start := time.Now()
	for i, cl := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := send(cl, cfg, hdr(i+1), body); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Sprintf("mail %d: %v", i+1, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()

	fmt.Printf("sent=%d errors=%d seconds=%.3f bytes=%d\n", *c-len(errs), len(errs), secs, size)
	for _, e := range errs {
		fmt.Fprintln(os.Stderr, "memload:", e)
	}
	if len(errs) > 0 {
		os.Exit(1)
	}
}

func fail(code int, msg string) {
	fmt.Fprintln(os.Stderr, "memload:", msg)
	os.Exit(code)
}

func login(cfg config) (*smtp.Client, error) {
	conn, err := net.DialTimeout("tcp", cfg.addr, cfg.timeout)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(cfg.timeout))
	host, _, _ := net.SplitHostPort(cfg.addr)
	cl, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if err := cl.Hello("memload.example.net"); err != nil {
		cl.Close()
		return nil, err
	}
	if err := cl.Auth(plainAuth{cfg.user, cfg.password}); err != nil {
		cl.Close()
		return nil, fmt.Errorf("AUTH PLAIN as %s: %w", cfg.user, err)
	}
	return cl, nil
}

// plainAuth is AUTH PLAIN without net/smtp's refusal to send a password
// over an unencrypted connection to a host not named localhost.
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

// send performs one transaction and quits; the reply to the end of DATA
// comes once the server has queued the mail.
func send(cl *smtp.Client, cfg config, hdr string, body []byte) error {
	defer cl.Close()
	if err := cl.Mail(cfg.from); err != nil {
		return fmt.Errorf("MAIL: %w", err)
	}
	if err := cl.Rcpt(cfg.rcpt); err != nil {
		return fmt.Errorf("RCPT: %w", err)
	}
	w, err := cl.Data()
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
	if err := cl.Quit(); err != nil {
		return fmt.Errorf("QUIT: %w", err)
	}
	return nil
}

// boundary separates the parts of -kind multipart.
const boundary = "memload-part"

// header returns the header section of one mail, ending with the blank
// line. It is ASCII only: the 8-bit octets are in the body.
func header(cfg config, id string) string {
	domain := "example.net"
	if i := strings.LastIndexByte(cfg.from, '@'); i >= 0 {
		domain = cfg.from[i+1:]
	}
	fields := []string{
		"From: Alice <" + cfg.from + ">",
		"To: " + cfg.rcpt,
		"Subject: memload " + cfg.kind + " " + id,
		"Date: " + time.Now().UTC().Format(time.RFC1123Z),
		"Message-ID: <" + id + "@" + domain + ">",
		"User-Agent: memload",
		"MIME-Version: 1.0",
	}
	if cfg.kind == "multipart" {
		fields = append(fields, `Content-Type: multipart/mixed; boundary="`+boundary+`"`)
	} else {
		fields = append(fields, "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit")
	}
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// makeBody returns a body of about want bytes for kind.
func makeBody(kind string, want int) []byte {
	var b bytes.Buffer
	b.Grow(want + 256)
	if kind == "text" {
		writeText(&b, want)
		return b.Bytes()
	}
	b.WriteString("This is a multi-part message in MIME format.\r\n")
	b.WriteString("--" + boundary + "\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n")
	b.WriteString("Here are my notes from the trip, attached. This mail is benchmark traffic.\r\n")
	b.WriteString("--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8; name=\"notes.txt\"\r\n" +
		"Content-Disposition: attachment; filename=\"notes.txt\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	trailer := "--" + boundary + "--\r\n"
	writeText(&b, want-len(trailer))
	b.WriteString(trailer)
	return b.Bytes()
}

// words are what the text is made of: mostly non-ASCII, from several
// scripts, so the UTF-8 runs 2, 3 and 4 octets a character.
var words = strings.Fields(`
привет мир сообщение телефон фотография вчера завтра спасибо
γεια σου κόσμε μήνυμα τηλέφωνο φωτογραφία αύριο ευχαριστώ
你好 世界 消息 电话 照片 昨天 明天 谢谢 朋友 旅行
こんにちは 世界 メッセージ 電話 写真 昨日 明日 ありがとう
مرحبا عالم رسالة هاتف صورة أمس غدا شكرا
שלום עולם הודעה טלפון תמונה אתמול מחר תודה
สวัสดี โลก ข้อความ โทรศัพท์ รูปภาพ ขอบคุณ
नमस्ते दुनिया संदेश फ़ोन तस्वीर धन्यवाद
Grüße Straße Ärger café naïve São Paulo Łódź Ørsted
😀 📷 🎉 ✈️ ☀️`)

// writeText appends 8-bit UTF-8 text of about room bytes to b: lines of
// 30 to about 80 characters (the last word may run past 70), each ending
// in CRLF, never starting with a dot.
// The choice of words is deterministic.
func writeText(b *bytes.Buffer, room int) {
	end := b.Len() + room
	var seed uint32 = 1
	rnd := func(n int) int {
		seed = seed*1664525 + 1013904223
		return int(seed>>8) % n
	}
	line := make([]byte, 0, 512)
	for b.Len() < end {
		line = line[:0]
		limit := 30 + rnd(41)
		for chars := 0; chars < limit; {
			w := words[rnd(len(words))]
			if len(line) > 0 {
				line = append(line, ' ')
				chars++
			}
			line = append(line, w...)
			chars += len([]rune(w))
		}
		if left := end - b.Len() - 2; len(line) > left {
			// The last line: cut at a character boundary.
			for left > 0 && left < len(line) && line[left]&0xC0 == 0x80 {
				left--
			}
			line = line[:max(left, 0)]
		}
		b.Write(line)
		b.WriteString("\r\n")
	}
}
