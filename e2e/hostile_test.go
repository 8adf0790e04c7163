// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package e2e

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// This file sends hostile input to the real binary: over-long lines,
// oversize messages, broken MIME, control and non-UTF-8 octets in every
// header field the MM4 and submission paths read. The rule under test: every
// refusal is a precise SMTP reply or, for a peer's MM4 request, an Error-*
// RES naming the problem; never "Internal server error", never a panic,
// never an Ok RES for garbage. A raw SMTP client writes the exact octets
// (a bare CR inside a header line, a NUL), which net/smtp would not.

// hostileVia is how a case is sent.
type hostileVia int

const (
	// viaPeer: an MM4_forward.REQ on the MM4 port from the demo peer
	// (127.0.0.1), to alice's number; it asks for a RES.
	viaPeer hostileVia = iota
	// viaPlain: plain Internet mail on the MM4 port from a host that is no
	// peer (127.0.0.3), unauthenticated, to alice's number.
	viaPlain
	// viaSubmission: mail submitted by alice (AUTH PLAIN) on the submission
	// port to a number the demo peer serves.
	viaSubmission
)

func (v hostileVia) String() string {
	return [...]string{"peer REQ", "plain mail", "submission"}[v]
}

// hostileCase is one row of the table.
type hostileCase struct {
	name string
	via  hostileVia
	// msg returns the message, header and body, lines ending in CRLF,
	// exactly as it is to be written (before dot-stuffing). tag is unique
	// to the case; it is in the transaction ID, message ID and Subject.
	msg func(tag string) []byte

	code int    // the reply at the end of DATA (or the first refusal)
	enh  string // its enhanced status code
	word string // a word its text must contain ("" = none)

	// For a peer's REQ answered 250: the RES status expected, and a word of
	// its X-Mms-Status-Text. noRES: none may come (the request asked for
	// none, e.g. its X-Mms-Ack-Request was not understood).
	res, resWord string
	noRES        bool
	// ignored: the server must log that it ignored this optional field.
	ignored string
	// clean, when not "": the header of the MM delivered to alice must not
	// hold the case's octets (a value taken as absent is not delivered
	// either); octetCases puts them here.
	clean string
}

// hostileRun is one server and peer shared by the cases of a test.
type hostileRun struct {
	s *server
	p *peer
	n int
}

func newHostileRun(t *testing.T) *hostileRun {
	p := newPeer(t)
	s := newServer(t, p.port)
	s.start()
	return &hostileRun{s: s, p: p}
}

// smtpExchange is what the server answered in one SMTP transaction.
type smtpExchange struct {
	replies []string // every reply, "CODE TEXT"
	stage   string   // the command whose reply ended the transaction
	code    int      // that reply
	text    string
	err     error // an I/O error (no reply)
}

// rawSMTP runs one SMTP transaction writing data exactly as given (only
// dot-stuffed and terminated), with a deadline on every read and write.
func rawSMTP(addr, localIP, user, pass, from string, rcpts []string, data []byte) (x smtpExchange) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)}, Timeout: 5 * time.Second}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		x.err = err
		return x
	}
	defer conn.Close()
	r := textproto.NewReader(bufio.NewReader(conn))
	w := bufio.NewWriterSize(conn, 64<<10)
	reply := func(stage string) bool {
		conn.SetDeadline(time.Now().Add(30 * time.Second))
		code, text, err := r.ReadResponse(0)
		x.stage, x.code, x.text = stage, code, text
		if err != nil {
			x.err = fmt.Errorf("%s: %w", stage, err)
			return false
		}
		x.replies = append(x.replies, fmt.Sprintf("%d %s", code, text))
		return true
	}
	cmd := func(stage, line string, want int) bool {
		conn.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := w.WriteString(line + "\r\n"); err != nil {
			x.err = err
			return false
		}
		if err := w.Flush(); err != nil {
			x.err = err
			return false
		}
		return reply(stage) && x.code == want
	}
	if !reply("greeting") || x.code != 220 {
		return x
	}
	if !cmd("EHLO", "EHLO hostile.test", 250) {
		return x
	}
	if user != "" {
		ir := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))
		if !cmd("AUTH", "AUTH PLAIN "+ir, 235) {
			return x
		}
	}
	if !cmd("MAIL", "MAIL FROM:<"+from+">", 250) {
		return x
	}
	for _, rc := range rcpts {
		if !cmd("RCPT", "RCPT TO:<"+rc+">", 250) {
			return x
		}
	}
	if !cmd("DATA", "DATA", 354) {
		return x
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if err := writeDotStuffed(w, data); err != nil {
		// The server may have answered before taking everything.
		x.err = err
		reply("end of DATA")
		return x
	}
	if !reply("end of DATA") {
		return x
	}
	w.WriteString("QUIT\r\n")
	w.Flush()
	return x
}

// writeDotStuffed writes data as SMTP DATA: a dot at the start of a line
// (after CRLF, as go-smtp reads it) doubled, then the end marker.
func writeDotStuffed(w *bufio.Writer, data []byte) error {
	atStart := true
	for len(data) > 0 {
		if atStart && data[0] == '.' {
			w.WriteByte('.')
		}
		i := bytes.Index(data, []byte("\r\n"))
		if i < 0 {
			w.Write(data)
			data = nil
			atStart = false
			break
		}
		if _, err := w.Write(data[:i+2]); err != nil {
			return err
		}
		data = data[i+2:]
		atStart = true
	}
	if !atStart {
		w.WriteString("\r\n")
	}
	w.WriteString(".\r\n")
	return w.Flush()
}

// send runs c's transaction.
func (h *hostileRun) send(c hostileCase, tag string) smtpExchange {
	data := c.msg(tag)
	switch c.via {
	case viaPeer:
		return rawSMTP(h.s.addr("MMS_MM4_PORT"), "127.0.0.1", "", "", peerSender, []string{alice}, data)
	case viaPlain:
		return rawSMTP(h.s.addr("MMS_MM4_PORT"), "127.0.0.3", "", "", "bob@internet.example", []string{"+15550001111@mms.example.net"}, data)
	default:
		return rawSMTP(h.s.addr("MMS_SUBMISSION_PORT"), "127.0.0.1", "alice@example.net", "alice-password",
			"alice@example.net", []string{"+15550002222@mms.example.net"}, data)
	}
}

// run runs every case as a subtest, then checks that the server lived
// through them and still answers a valid REQ.
func (h *hostileRun) run(t *testing.T, cases []hostileCase) {
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("two cases named %q", c.name)
		}
		seen[c.name] = true
		h.n++
		tag := fmt.Sprintf("hx%04d", h.n)
		t.Run(c.name, func(t *testing.T) {
			h.check(t, c, tag)
		})
	}
	t.Run("the server survived", func(t *testing.T) {
		select {
		case <-h.s.done:
			t.Fatalf("maddy-mms exited")
		default:
		}
		if l := strings.ToLower(h.s.log.String()); strings.Contains(l, "panic") || strings.Contains(l, "goroutine ") {
			t.Errorf("the log shows a panic")
		}
		h.n++
		tag := fmt.Sprintf("hx%04d", h.n)
		h.check(t, hostileCase{via: viaPeer, msg: func(tag string) []byte { return hostileREQ(tag, nil) },
			code: 250, enh: "2.0.0", res: "Ok", resWord: "Message accepted"}, tag)
		if n := len(h.alice(t, tag)); n != 1 {
			t.Errorf("the valid REQ after the table was delivered %d times", n)
		}
	})
}

// check sends c and checks what came back.
func (h *hostileRun) check(t *testing.T, c hostileCase, tag string) {
	start := time.Now()
	x := h.send(c, tag)
	defer func() {
		if t.Failed() {
			h.logLinesFor(t, tag, x.text)
		}
	}()
	for _, r := range x.replies {
		if strings.Contains(r, "Internal server error") {
			t.Errorf("reply %q", r)
		}
	}
	if x.err != nil && x.code == 0 {
		t.Fatalf("%s: no reply (%v) after %v; replies %q", c.via, x.err, time.Since(start).Round(time.Millisecond), x.replies)
	}
	if x.code != c.code || !strings.HasPrefix(x.text, c.enh+" ") || !containsFold(x.text, c.word) {
		t.Errorf("%s: %s reply %d %q; want %d %s containing %q", c.via, x.stage, x.code, x.text, c.code, c.enh, c.word)
		if x.code == 250 {
			h.describeAccepted(t, c, tag)
		}
		return
	}
	if c.code != 250 {
		return
	}
	switch c.via {
	case viaSubmission:
		// What leaves for the peer is a 7-bit REQ without the octets.
		req := h.waitPeer(tag, 10*time.Second)
		if req == nil {
			t.Errorf("no REQ at the peer within 10 s")
		} else if why := unclean(req.data, "\x80"); why != "" {
			t.Errorf("the REQ sent to the peer holds %s:\n%q", why, req.data)
		}
		return
	case viaPlain:
		return
	}
	if c.ignored != "" && !h.logHas(2*time.Second, tag, `"field":"`+c.ignored+`"`, "MM4 field ignored") {
		t.Errorf("the log does not say %s was ignored", c.ignored)
	}
	if c.noRES {
		// A RES, if one were wrongly sent, is queued before the 250.
		time.Sleep(200 * time.Millisecond)
		if got := h.p.find(tag); len(got) != 0 {
			t.Errorf("a RES for a request that asked for none:\n%s", got[0].data)
		}
		return
	}
	res := h.waitPeer(tag, 10*time.Second)
	if res == nil {
		t.Errorf("no RES within 10 s")
		return
	}
	hdr := unfold(res.data)
	if !hasLine(headerLines([]byte(hdr)), "X-Mms-Request-Status-Code: "+c.res) {
		t.Errorf("RES status is not %s:\n%s", c.res, res.data)
		return
	}
	_, text, _ := strings.Cut(hdr, "\r\nX-Mms-Status-Text: ")
	text, _, _ = strings.Cut(text, "\r\n")
	if !containsFold(text, c.resWord) {
		t.Errorf("RES X-Mms-Status-Text %q lacks %q", text, c.resWord)
	}
	if c.res == "Ok" && c.clean != "" {
		// A value taken as absent is not delivered either.
		msgs := h.alice(t, tag)
		if len(msgs) != 1 {
			t.Errorf("alice has %d copies of the MM", len(msgs))
		}
		for _, m := range msgs {
			hdr, _, _ := bytes.Cut(m, []byte("\r\n\r\n"))
			if why := unclean(hdr, c.clean); why != "" {
				t.Errorf("the MM in alice's mailbox holds %s in its header:\n%q", why, hdr)
			}
		}
	}
}

// describeAccepted logs what became of a message accepted against
// expectations: the RES the peer got, or the REQ sent for a submission.
func (h *hostileRun) describeAccepted(t *testing.T, c hostileCase, tag string) {
	t.Helper()
	if c.via == viaPlain {
		return
	}
	m := h.waitPeer(tag, 5*time.Second)
	switch {
	case m == nil:
		t.Logf("nothing reached the peer")
	case c.via == viaPeer:
		st, _, _ := strings.Cut(unfold(m.data), "\r\nSender:")
		t.Logf("the RES:\n%s", st)
	default:
		t.Logf("the REQ sent to the peer (%s):\n%q", unclean(m.data, "\x80"), m.data)
	}
}

// unclean says which of the octets no message may carry as they are
// (NUL, a CR not before LF) or of extra (octets, or "\x80": any 8-bit
// octet) data holds; "" if none.
func unclean(data []byte, extra string) string {
	for i, b := range data {
		switch {
		case b == 0:
			return "a NUL"
		case b == '\r' && (i+1 == len(data) || data[i+1] != '\n'):
			return "a bare CR"
		case extra == "\x80" && b >= 0x80:
			return fmt.Sprintf("the 8-bit octet %#x", b)
		}
	}
	if extra != "" && extra != "\x80" && extra != "\r" && bytes.Contains(data, []byte(extra)) {
		return fmt.Sprintf("%q", extra)
	}
	return ""
}

// alice returns the messages in alice's mailbox holding needle.
func (h *hostileRun) alice(t *testing.T, needle string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, m := range h.s.mailboxFor(t, "alice@example.net", "alice-password") {
		if bytes.Contains(m, []byte(needle)) {
			out = append(out, m)
		}
	}
	return out
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// waitPeer waits for a message at the peer naming tag.
func (h *hostileRun) waitPeer(tag string, timeout time.Duration) *received {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if got := h.p.find(tag); len(got) != 0 {
			return &got[0]
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// logHas reports whether, within timeout, one line of the server log
// holds every needle (the log reaches the test through a pipe).
func (h *hostileRun) logHas(timeout time.Duration, needles ...string) bool {
	deadline := time.Now().Add(timeout)
	for {
	next:
		for _, l := range strings.Split(h.s.log.String(), "\n") {
			for _, n := range needles {
				if !strings.Contains(l, n) {
					continue next
				}
			}
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// logLinesFor logs the server's log lines about a case: those naming its
// tag or the msg ID of its reply.
func (h *hostileRun) logLinesFor(t *testing.T, tag, reply string) {
	t.Helper()
	time.Sleep(200 * time.Millisecond) // the log reaches the test through a pipe
	needles := []string{tag}
	if _, id, ok := strings.Cut(reply, "(msg ID = "); ok {
		id, _, _ = strings.Cut(id, ")")
		needles = append(needles, id)
	}
	var out []string
	for _, l := range strings.Split(h.s.log.String(), "\n") {
		for _, n := range needles {
			if strings.Contains(l, n) {
				if len(l) > 600 {
					l = l[:600] + "..."
				}
				out = append(out, l)
				break
			}
		}
	}
	t.Logf("server log lines for %s %v:\n%s", tag, needles[1:], strings.Join(out, "\n"))
}

// ---------------------------------------------------------------------------
// Messages

type hdrField struct{ name, value string }

// reqFields are the header fields of a well-formed MM4_forward.REQ from the
// demo peer to alice, asking for a RES: every field the MM4 path reads.
func reqFields(tag string) []hdrField {
	return []hdrField{
		{"X-Mms-3GPP-MMS-Version", "6.10.0"},
		{"X-Mms-Message-Type", "MM4_forward.REQ"},
		{"X-Mms-Transaction-ID", `"` + tag + `-tx@mms.peer.example"`},
		{"X-Mms-Message-ID", `"` + tag + `-mm@mms.peer.example"`},
		{"X-Mms-Message-Class", "Personal"},
		{"X-Mms-Expiry", "86400"},
		{"X-Mms-Delivery-Report", "No"},
		{"X-Mms-Originator-R/S-Delivery-Report", "No"},
		{"X-Mms-Priority", "Normal"},
		{"X-Mms-Sender-Visibility", "Show"},
		{"X-Mms-Read-Reply", "No"},
		{"X-Mms-Ack-Request", "Yes"},
		{"X-Mms-Originator-System", "system-user@mms.peer.example"},
		{"X-Mms-Forward-Counter", "1"},
		{"Sender", peerSender},
		{"From", peerSender},
		{"To", alice},
		{"Cc", "+15550001111@mms.example.net"},
		{"Subject", "hostile " + tag},
		{"Date", "Tue, 01 Jul 2025 10:00:00 +0000"},
		{"Message-ID", "<" + tag + "@mms.peer.example>"},
		{"MIME-Version", "1.0"},
		{"Content-Type", `multipart/related; type="application/smil"; start="<smil>"; boundary="b1"`},
	}
}

const reqBody = "--b1\r\nContent-Type: application/smil\r\nContent-ID: <smil>\r\n\r\n<smil><body><par><text src=\"t.txt\"/></par></body></smil>\r\n" +
	"--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Location: t.txt\r\n\r\nHello from a hostile peer\r\n--b1--\r\n"

// mailFields are the header fields of alice's mail, for submission, or of
// plain mail to her.
func mailFields(tag string, via hostileVia) []hdrField {
	if via == viaPlain {
		return []hdrField{
			{"From", "Bob <bob@internet.example>"},
			{"To", "+15550001111@mms.example.net"},
			{"Subject", "hostile " + tag},
			{"Message-ID", "<" + tag + "@internet.example>"},
			{"MIME-Version", "1.0"},
			{"Content-Type", "text/plain; charset=us-ascii"},
		}
	}
	return []hdrField{
		{"From", "Alice <alice@example.net>"},
		{"To", "Bob <+15550002222@mms.example.net>"},
		{"Cc", "+15550003333@mms.example.net"},
		{"Subject", "hostile " + tag},
		{"Message-ID", "<" + tag + "@example.net>"},
		{"Importance", "high"},
		{"X-Mms-Priority", "Low"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=us-ascii"},
	}
}

// render writes fields and body as a message with CRLF line ends.
func render(fields []hdrField, body string) []byte {
	var b bytes.Buffer
	for _, f := range fields {
		b.WriteString(f.name + ": " + f.value + "\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return b.Bytes()
}

// setField replaces the value of the field named name, or appends one.
func setField(fields []hdrField, name, value string) []hdrField {
	for i := range fields {
		if strings.EqualFold(fields[i].name, name) {
			fields[i].value = value
			return fields
		}
	}
	return append(fields, hdrField{name, value})
}

// hostileREQ is the REQ with its fields changed by edit (nil: none).
func hostileREQ(tag string, edit func([]hdrField) []hdrField) []byte {
	f := reqFields(tag)
	if edit != nil {
		f = edit(f)
	}
	return render(f, reqBody)
}

// withField returns a message builder for via with one field set to value
// (made from the tag).
func withField(via hostileVia, name string, value func(tag string) string) func(string) []byte {
	return func(tag string) []byte {
		if via == viaPeer {
			return hostileREQ(tag, func(f []hdrField) []hdrField { return setField(f, name, value(tag)) })
		}
		return render(setField(mailFields(tag, via), name, value(tag)), "Hello, "+tag+"\r\n")
	}
}

// withMIME returns a message builder for via with the given Content-Type
// and body.
func withMIME(via hostileVia, contentType string, body func(tag string) string) func(string) []byte {
	return func(tag string) []byte {
		if via == viaPeer {
			return render(setField(reqFields(tag), "Content-Type", contentType), body(tag))
		}
		return render(setField(mailFields(tag, via), "Content-Type", contentType), body(tag))
	}
}

// nestedMultipart returns the Content-Type and body of a message whose
// MIME tree is levels multipart/mixed entities, each inside the one
// before (the message itself is the first), the innermost holding one
// text/plain part.
func nestedMultipart(levels int) (string, func(tag string) string) {
	bnd := func(i int) string { return fmt.Sprintf("n%05d", i) }
	return `multipart/mixed; boundary="` + bnd(1) + `"`, func(tag string) string {
		var b strings.Builder
		for i := 1; i < levels; i++ {
			b.WriteString("--" + bnd(i) + "\r\nContent-Type: multipart/mixed; boundary=\"" + bnd(i+1) + "\"\r\n\r\n")
		}
		b.WriteString("--" + bnd(levels) + "\r\nContent-Type: text/plain\r\n\r\nHello, " + tag + "\r\n--" + bnd(levels) + "--\r\n")
		for i := levels - 1; i >= 1; i-- {
			b.WriteString("--" + bnd(i) + "--\r\n")
		}
		return b.String()
	}
}

// hostileByte is an octet sequence no header field may carry as it is.
type hostileByte struct{ name, b string }

var (
	octetCR   = hostileByte{"CR", "\r"}
	octetNUL  = hostileByte{"NUL", "\x00"}
	octetESC  = hostileByte{"ESC", "\x1b"}
	octetDEL  = hostileByte{"DEL", "\x7f"}
	octet8bit = hostileByte{"non-UTF-8", "\xff\xfe"}
)

// inject puts o into v: after the tag when v holds it, else at position
// at (-1: the middle).
func inject(v, tag string, o hostileByte, at int) string {
	if i := strings.Index(v, tag); i >= 0 {
		at = i + len(tag)
	} else if at < 0 || at > len(v) {
		at = len(v) / 2
	}
	return v[:at] + o.b + v[at:]
}

// fieldOf returns the value field name has in a message for via.
func fieldOf(via hostileVia, tag, name string) string {
	fields := reqFields(tag)
	if via != viaPeer {
		fields = mailFields(tag, via)
	}
	for _, f := range fields {
		if strings.EqualFold(f.name, name) {
			return f.value
		}
	}
	panic("no field " + name)
}

// octetCases are the cases where field carries one of octets, inserted at
// at (-1: after the tag, or in the middle), each expected to get want.
func octetCases(via hostileVia, field string, at int, octets []hostileByte, want hostileCase) []hostileCase {
	var out []hostileCase
	for _, o := range octets {
		c := want
		c.name = fmt.Sprintf("%s/%s in %s", via, o.name, field)
		c.via = via
		c.msg = withField(via, field, func(tag string) string { return inject(fieldOf(via, tag, field), tag, o, at) })
		if c.clean != "" {
			c.clean = o.b
		}
		out = append(out, c)
	}
	return out
}

// mimeCases are the cases of one MIME structure, on each path.
func mimeCases(name, contentType string, body func(tag string) string, want func(via hostileVia) hostileCase, vias ...hostileVia) []hostileCase {
	var out []hostileCase
	for _, via := range vias {
		c := want(via)
		c.name, c.via, c.msg = fmt.Sprintf("%s/%s", via, name), via, withMIME(via, contentType, body)
		out = append(out, c)
	}
	return out
}

// partsWith is a multipart body with one text part, delimited by boundary.
func partsWith(boundary string) func(tag string) string {
	return func(tag string) string {
		return "--" + boundary + "\r\nContent-Type: text/plain\r\n\r\nHello, " + tag + "\r\n--" + boundary + "--\r\n"
	}
}

// Octet sets.
var (
	allOctets = []hostileByte{octetCR, octetNUL, octetESC, octetDEL, octet8bit}
	// badOctets make any value bad but a free-text one (docs/reference/check-mm4.md,
	// "What MM4 parses": CR, LF, NUL, not UTF-8; other control characters
	// too in IDs, tokens and addresses).
	badOctets = []hostileByte{octetCR, octetNUL, octet8bit}
)

// Expectations, by the rules of README.md ("What a peer gets") and
// docs/reference.
var (
	// accepted: 250 and, for a REQ, an Ok RES.
	accepted = hostileCase{code: 250, enh: "2.0.0", res: "Ok", resWord: "Message accepted"}
	// noRES: 250 and no RES (the request asked for none).
	noRES = func(ignored string) hostileCase {
		return hostileCase{code: 250, enh: "2.0.0", noRES: true, ignored: ignored}
	}
)

// unanswerable: 554 5.6.0 naming the header (no RES can refer to it).
func unanswerable(field string) hostileCase {
	return hostileCase{code: 554, enh: "5.6.0", word: field}
}

// formatCorrupt: 250 and an Error-message-format-corrupt RES naming the field.
func formatCorrupt(field string) hostileCase {
	return hostileCase{code: 250, enh: "2.0.0", res: "Error-message-format-corrupt", resWord: field}
}

// ignoredField: an optional field whose value is not understood is taken as
// absent: 250, an Ok RES, the field logged, and the value not in the MM
// delivered to alice.
func ignoredField(field string) hostileCase {
	c := accepted
	c.ignored, c.clean = field, "the octets"
	return c
}

// refused: an SMTP refusal.
func refused(code int, enh, word string) hostileCase {
	return hostileCase{code: code, enh: enh, word: word}
}

// brokenMIME is the answer to a MIME structure that cannot be taken: an
// Error-message-format-corrupt RES for a peer's REQ, 554 5.6.0 otherwise,
// naming what is broken.
func brokenMIME(word string) func(hostileVia) hostileCase {
	return func(via hostileVia) hostileCase {
		if via == viaPeer {
			return formatCorrupt(word)
		}
		return refused(554, "5.6.0", word)
	}
}

func acceptedOn(hostileVia) hostileCase { return accepted }

// bigField returns a message builder for the REQ with field's line made
// about n octets long.
func bigField(field string, n int) func(string) []byte {
	return func(tag string) []byte {
		return hostileREQ(tag, func(f []hdrField) []hdrField {
			switch field {
			case "To":
				var b strings.Builder
				b.WriteString(alice)
				for b.Len() < n {
					b.WriteString(", +15550001111/TYPE=PLMN@mms.example.net")
				}
				return setField(f, field, b.String())
			case "X-Mms-Transaction-ID", "X-Mms-Message-ID":
				return setField(f, field, longID(n)(tag))
			}
			v := fieldOf(viaPeer, tag, field)
			return setField(f, field, v+" "+strings.Repeat("x", max(0, n-len(v))))
		})
	}
}

// longID returns an ID of n characters (quotes not counted) that starts
// with the tag.
func longID(n int) func(tag string) string {
	return func(tag string) string { return `"` + tag + "-" + strings.Repeat("i", n-len(tag)-1) + `"` }
}

// TestHostileInput sends hostile input of every kind on the three ways in
// and checks the answers, then that the server still runs and answers a
// valid REQ.
func TestHostileInput(t *testing.T) {
	h := newHostileRun(t)
	cases := []hostileCase{
		// Lines and headers over the limits.
		{name: "4 KB X-Mms-Transaction-ID", via: viaPeer, msg: bigField("X-Mms-Transaction-ID", 4096),
			code: 554, enh: "5.6.0", word: "Header field X-Mms-Transaction-ID has a line longer than 4000 bytes"},
		{name: "900 KB Subject", via: viaPeer, msg: bigField("Subject", 900<<10),
			code: 554, enh: "5.6.0", word: "Header field Subject has a line longer than 4000 bytes"},
		{name: "64 KB To", via: viaPeer, msg: bigField("To", 64<<10),
			code: 554, enh: "5.6.0", word: "Header field To has a line longer than 4000 bytes"},
		// The example sets no max_header_size: maddy's default, 1 MiB.
		{name: "header block over max_header_size", via: viaPeer, msg: func(tag string) []byte {
			return hostileREQ(tag, func(f []hdrField) []hdrField {
				for i := 0; i < 300; i++ {
					f = append(f, hdrField{fmt.Sprintf("X-Filler-%03d", i), strings.Repeat("y", 3900)})
				}
				return f
			})
		}, code: 552, enh: "5.3.4", word: "Message header size exceeds limit (1048576 bytes)"},
		// IDs over mm4.MaxIDLength (255).
		{name: "300-character X-Mms-Transaction-ID", via: viaPeer, msg: bigField("X-Mms-Transaction-ID", 300),
			code: 554, enh: "5.6.0", word: "X-Mms-Transaction-ID"},
		{name: "300-character X-Mms-Message-ID", via: viaPeer, msg: bigField("X-Mms-Message-ID", 300),
			code: 250, enh: "2.0.0", res: "Error-message-format-corrupt", resWord: "X-Mms-Message-ID"},
	}
	ct, body := nestedMultipart(32)
	cases = append(cases, mimeCases("32 nested multipart levels", ct, body, acceptedOn, viaPeer, viaPlain, viaSubmission)...)

	// Control and non-UTF-8 octets in every header field the MM4 path reads
	// (mmsmap/mm4/fields.go, for MM4_forward.REQ).
	for _, f := range []struct {
		field  string
		octets []hostileByte
		want   hostileCase
	}{
		{"X-Mms-3GPP-MMS-Version", allOctets, formatCorrupt("X-Mms-3GPP-MMS-Version")},
		{"X-Mms-Message-Type", allOctets, unanswerable("X-Mms-Message-Type")},
		{"X-Mms-Transaction-ID", allOctets, unanswerable("X-Mms-Transaction-ID")},
		{"X-Mms-Message-ID", allOctets, formatCorrupt("X-Mms-Message-ID")},
		{"From", allOctets, formatCorrupt("From")},
		{"To", allOctets, formatCorrupt("To")},
		{"Cc", allOctets, formatCorrupt("Cc")},
		{"Subject", []hostileByte{octetESC, octetDEL, octet8bit}, accepted}, // free text
		{"X-Mms-Message-Class", allOctets, ignoredField("X-Mms-Message-Class")},
		{"X-Mms-Priority", allOctets, ignoredField("X-Mms-Priority")},
		{"X-Mms-Delivery-Report", allOctets, ignoredField("X-Mms-Delivery-Report")},
		{"X-Mms-Originator-R/S-Delivery-Report", allOctets, ignoredField("X-Mms-Originator-R/S-Delivery-Report")},
		{"X-Mms-Read-Reply", allOctets, ignoredField("X-Mms-Read-Reply")},
		{"X-Mms-Sender-Visibility", allOctets, ignoredField("X-Mms-Sender-Visibility")},
		{"X-Mms-Expiry", allOctets, ignoredField("X-Mms-Expiry")},
		{"X-Mms-Forward-Counter", allOctets, ignoredField("X-Mms-Forward-Counter")},
		{"X-Mms-Ack-Request", allOctets, noRES("X-Mms-Ack-Request")},
		{"X-Mms-Originator-System", allOctets, ignoredField("X-Mms-Originator-System")},
		{"Sender", allOctets, ignoredField("Sender")},
		{"Message-ID", allOctets, ignoredField("Message-ID")},
		{"Date", allOctets, ignoredField("Date")},
	} {
		cases = append(cases, octetCases(viaPeer, f.field, -1, f.octets, f.want)...)
	}

	// ... and in the header fields the submission path reads (maddy's
	// submission checks, modify.mms_sender, target.mms_send).
	for _, f := range []struct {
		field  string
		octets []hostileByte
		want   hostileCase
	}{
		{"From", allOctets, refused(554, "5.6.0", "Invalid address in From")},
		{"To", allOctets, refused(554, "5.6.0", "Invalid address in To")},
		{"Cc", allOctets, refused(554, "5.6.0", "Invalid address in Cc")},
		{"Subject", []hostileByte{octetCR, octetNUL}, refused(554, "5.6.0", "Subject")},
		{"Subject", []hostileByte{octetESC, octetDEL, octet8bit}, accepted},
		{"Message-ID", allOctets, accepted},     // replaced when it is no msg-id
		{"X-Mms-Priority", allOctets, accepted}, // a client's X-Mms-* fields are dropped
		{"Importance", allOctets, accepted},     // a value not understood sets no priority
	} {
		cases = append(cases, octetCases(viaSubmission, f.field, -1, f.octets, f.want)...)
	}

	start := time.Now()
	h.run(t, cases)
	t.Logf("%d cases in %v", len(cases), time.Since(start).Round(time.Millisecond))
}
