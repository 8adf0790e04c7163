// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Command mm1load is a load generator for maddy-mms' mm1 endpoint: it
// plays handsets submitting MMs (M-send.req, OMA-MMS-ENC §6.1.1) over HTTP
// and reports how many the server accepted per second.
//
// Each of -c senders has its own http.Client and one keep-alive connection,
// and POSTs its share of the messages one after another over it, logged in
// with HTTP Basic (-user, -password). Every M-send.req has its own
// X-Mms-Transaction-ID, From is the Insert-address-token (the MMSC fills in
// the account's number) and To is -to. The MM is
// application/vnd.wap.multipart.related: a SMIL part, a text part and a GIF
// padded with incompressible bytes. With -size-is pdu (the default) the
// whole PDU is about -size octets; with -size-is mail the GIF is as large as
// the JPEG in the -size bytes of mail that mm4load -mode mail sends, so both
// tools hand the server the same content.
//
// An answer counts as accepted when it is 200 with an M-send.conf whose
// X-Mms-Response-Status is Ok and whose Transaction-Id is the request's.
// A warm-up of -warmup messages is sent (and must succeed) before the
// clock starts. It prints one line, msgs=N errors=E seconds=S rate=R (rate
// counts only accepted messages), and exits with status 1 if any message,
// warm-up included, failed.
//
//	mm1load -url http://127.0.0.1:8080/mms -user alice@example.net -password bench-password \
//	    -n 2000 -c 10 -size 1400
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maddy-mms/maddy-mms/mmsmap/mm1"
)

const mediaType = "application/vnd.wap.mms-message"

type config struct {
	url      string
	user     string
	password string
	to       string
	timeout  time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.url, "url", "http://127.0.0.1:8080/mms", "the MMSC URL to POST to")
	flag.StringVar(&cfg.user, "user", "", "HTTP Basic login (required)")
	flag.StringVar(&cfg.password, "password", "", "password for -user")
	flag.StringVar(&cfg.to, "to", "+15550002222/TYPE=PLMN", "recipient (To)")
	n := flag.Int("n", 1000, "number of timed messages")
	c := flag.Int("c", 10, "parallel senders, one HTTP client and keep-alive connection each")
	size := flag.Int("size", 1400, "approximate size of each MM in octets (see -size-is)")
	sizeIs := flag.String("size-is", "pdu", "what -size measures: pdu (the M-send.req) or mail (the mail of mm4load -mode mail with the same image)")
	warmup := flag.Int("warmup", 50, "messages sent before timing starts (not counted)")
	flag.DurationVar(&cfg.timeout, "timeout", time.Minute, "timeout for one request")
	flag.Parse()

	if *n < 1 || *c < 1 || *warmup < 0 || *size < 1 {
		fmt.Fprintln(os.Stderr, "mm1load: -n and -c must be positive, -warmup not negative, -size positive")
		os.Exit(2)
	}
	if cfg.user == "" {
		fmt.Fprintln(os.Stderr, "mm1load: -user is required (HTTP Basic)")
		os.Exit(2)
	}
	if *sizeIs != "pdu" && *sizeIs != "mail" {
		fmt.Fprintln(os.Stderr, "mm1load: -size-is must be pdu or mail")
		os.Exit(2)
	}

	run := fmt.Sprintf("%x", time.Now().UnixNano())
	txID := func(k int64) string { return fmt.Sprintf("mm1load-%s-%d", run, k) }
	tail, err := build(cfg, txID(1000), *size, *sizeIs == "mail")
	if err != nil {
		fmt.Fprintln(os.Stderr, "mm1load:", err)
		os.Exit(1)
	}
	// pdu returns message k: only the leading fields (Message-Type,
	// Transaction-Id, MMS-Version) differ; the rest is shared.
	pdu := func(k int64) (string, []byte, error) {
		id := txID(k)
		h, err := leading(id)
		return id, h, err
	}

	senders := make([]*sender, *c)
	for i := range senders {
		senders[i] = newSender(cfg, *c)
	}

	errs := &errorLog{}
	phase := func(first, count int64) int {
		var next, accepted atomic.Int64
		var wg sync.WaitGroup
		for _, s := range senders {
			wg.Add(1)
			go func(s *sender) {
				defer wg.Done()
				for i := next.Add(1); i <= count; i = next.Add(1) {
					id, h, err := pdu(first + i)
					if err == nil {
						err = s.send(id, h, tail)
					}
					if err != nil {
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
		s.client.CloseIdleConnections()
	}

	fmt.Printf("msgs=%d errors=%d seconds=%.3f rate=%.1f\n", *n, *n-ok, secs, float64(ok)/secs)
	if warmErrs > 0 {
		fmt.Fprintf(os.Stderr, "mm1load: %d warm-up messages failed\n", warmErrs)
	}
	errs.print(os.Stderr)
	if errs.count() > 0 {
		os.Exit(1)
	}
}

func hdr(field byte, v mm1.Value) mm1.Header {
	return mm1.Header{Field: field, Name: mm1.FieldName(field), Value: v}
}

// leading encodes the fields Encode writes first (OMA-MMS-ENC §7): the
// message type, the transaction ID and the version.
func leading(txID string) ([]byte, error) {
	p := &mm1.PDU{Headers: []mm1.Header{
		hdr(mm1.FieldMessageType, mm1.MSendReq),
		hdr(mm1.FieldTransactionID, mm1.Text(txID)),
		hdr(mm1.FieldMMSVersion, mm1.Version12),
	}}
	return p.Encode()
}

// gif is a 1x1 GIF; the filler after it is never decoded.
const gif = "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"

// mailOverhead is about how much of mm4load -mode mail's -size is not the
// JPEG's base64 (header section, text part, part headers, boundaries).
const mailOverhead = 740

// build encodes a whole M-send.req with transaction ID tx and returns what
// follows its leading fields, which is the same for every message. The GIF is padded so that the PDU is about size
// octets or, with asMail, so that it is as large as the image of a
// size-byte mail from mm4load -mode mail (base64 in 76-column lines).
func build(cfg config, tx string, size int, asMail bool) ([]byte, error) {
	mk := func(img []byte) *mm1.PDU {
		p := &mm1.PDU{Headers: []mm1.Header{
			hdr(mm1.FieldMessageType, mm1.MSendReq),
			hdr(mm1.FieldTransactionID, mm1.Text(tx)),
			hdr(mm1.FieldMMSVersion, mm1.Version12),
			hdr(mm1.FieldDate, mm1.Date(time.Now().Unix())),
			hdr(mm1.FieldFrom, mm1.From{Insert: true}),
			hdr(mm1.FieldTo, mm1.EncodedString{Text: cfg.to}),
			hdr(mm1.FieldSubject, mm1.EncodedString{Charset: 106, Text: "mm1load: a handset's MM"}),
			hdr(mm1.FieldMessageClass, mm1.Token(0x80)), // Personal
			hdr(mm1.FieldExpiry, mm1.TimeSpec{Relative: true, Seconds: 86400}),
			hdr(mm1.FieldDeliveryReport, mm1.No),
			hdr(mm1.FieldReadReport, mm1.No),
			hdr(mm1.FieldContentType, mm1.ContentType{MediaType: "application/vnd.wap.multipart.related",
				Params: []mm1.Param{{Name: "type", Value: mm1.Text("application/smil")}, {Name: "start", Value: mm1.Text("<smil>")}}}),
		}}
		loc := func(id, name string) []mm1.Header {
			return []mm1.Header{{Field: 0xC0, Name: "Content-ID", Value: mm1.Text(id)},
				{Field: 0x8E, Name: "Content-Location", Value: mm1.Text(name)}}
		}
		p.Parts = []mm1.Part{
			{ContentType: mm1.ContentType{MediaType: "application/smil"}, Headers: loc("<smil>", "smil.xml"),
				Data: []byte(`<smil><body><par dur="5000ms"><img src="image.gif"/><text src="text.txt"/></par></body></smil>`)},
			{ContentType: mm1.ContentType{MediaType: "text/plain", Params: []mm1.Param{{Name: "charset", Value: mm1.Integer(106)}}},
				Headers: loc("<text>", "text.txt"),
				Data:    []byte("Hello from the mm1load handset. This multimedia message is benchmark traffic.")},
			{ContentType: mm1.ContentType{MediaType: "image/gif"}, Headers: loc("<image>", "image.gif"), Data: img},
		}
		return p
	}
	bare, err := mk([]byte(gif)).Encode()
	if err != nil {
		return nil, err
	}
	var raw int
	if asMail {
		raw = (size - mailOverhead) * 57 / 78
	} else {
		// The GIF's length is a uintvar in the part header: a few octets
		// more for a large image.
		raw = size - (len(bare) - len(gif)) - 4
	}
	img := []byte(gif)
	if extra := raw - len(img); extra > 0 {
		pad := make([]byte, extra)
		rand.New(rand.NewSource(1)).Read(pad)
		img = append(img, pad...)
	}
	whole, err := mk(img).Encode()
	if err != nil {
		return nil, err
	}
	head, err := leading(tx)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(whole, head) {
		return nil, errors.New("the encoded PDU does not start with its leading fields")
	}
	return whole[len(head):], nil
}

type sender struct {
	cfg    config
	client *http.Client
}

func newSender(cfg config, c int) *sender {
	tr := &http.Transport{
		MaxIdleConns:        c,
		MaxIdleConnsPerHost: c,
		MaxConnsPerHost:     1,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &sender{cfg: cfg, client: &http.Client{Transport: tr, Timeout: cfg.timeout}}
}

// send POSTs one M-send.req (head, then tail) and checks the M-send.conf.
func (s *sender) send(txID string, head, tail []byte) error {
	req, err := http.NewRequest(http.MethodPost, s.cfg.url, io.MultiReader(bytes.NewReader(head), bytes.NewReader(tail)))
	if err != nil {
		return err
	}
	req.ContentLength = int64(len(head) + len(tail))
	req.Header.Set("Content-Type", mediaType)
	req.SetBasicAuth(s.cfg.user, s.cfg.password)
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	io.Copy(io.Discard, resp.Body) // so the connection is reused
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %s: %.200q", resp.Status, body)
	}
	p, err := mm1.Decode(body)
	if err != nil {
		return fmt.Errorf("the answer is no PDU: %v", err)
	}
	if p.MessageType() != mm1.MSendConf {
		return fmt.Errorf("the answer is no M-send.conf (X-Mms-Message-Type 0x%02x)", byte(p.MessageType()))
	}
	if got := p.TransactionID(); got != txID {
		return fmt.Errorf("M-send.conf for transaction %q, sent %q", got, txID)
	}
	v, ok := p.Field(mm1.FieldResponseStatus)
	if !ok {
		return errors.New("M-send.conf without X-Mms-Response-Status")
	}
	if st, _ := v.(mm1.Token); st != 0x80 {
		msg := hdr(mm1.FieldResponseStatus, v).String()
		if t, ok := p.Field(mm1.FieldResponseText); ok {
			msg += " (" + hdr(mm1.FieldResponseText, t).String() + ")"
		}
		return errors.New("M-send.conf: " + msg)
	}
	return nil
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
		fmt.Fprintf(w, "mm1load: %d× %s\n", l.sample[m], m)
	}
}
