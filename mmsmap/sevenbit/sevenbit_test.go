// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package sevenbit

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/msgtest"
)

// sbLeaf is a leaf part as a second parser sees it: media type and decoded content.
type sbLeaf struct {
	mediaType string
	content   string
}

func (l sbLeaf) String() string { return fmt.Sprintf("%s %q", l.mediaType, l.content) }

// sbSecondParse re-reads a whole message with Go's net/mail and mime/multipart (not go-message, which
// Body uses) and returns its leaves, depth first, each decoded from its transfer encoding.
func sbSecondParse(msg []byte) ([]sbLeaf, error) {
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		return nil, err
	}
	var leaves []sbLeaf
	err = sbWalk(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body, 0, &leaves)
	return leaves, err
}

func sbWalk(ct, cte string, body io.Reader, depth int, leaves *[]sbLeaf) error {
	if depth > 50 {
		return errors.New("too deep")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil {
		mt = "text/plain"
	}
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := sbWalk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1, leaves); err != nil {
				return err
			}
		}
	case mt == "message/rfc822":
		inner, err := mail.ReadMessage(body)
		if err != nil {
			return err
		}
		return sbWalk(inner.Header.Get("Content-Type"), inner.Header.Get("Content-Transfer-Encoding"), inner.Body, depth+1, leaves)
	}
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	*leaves = append(*leaves, sbLeaf{mt, string(b)})
	return nil
}

// sbRun runs Convert on a message given as header and body (LF line ends in the header are
// turned into CRLF; the body is taken as it is) and returns the new header and the whole output.
func sbRun(t testing.TB, header string, body []byte) (textproto.Header, []byte, error) {
	t.Helper()
	h := msgtest.Header(t, strings.TrimSuffix(header, "\n"))
	var out bytes.Buffer
	nh, err := Convert(h, sbOpener(body), &out, Limits{})
	if err != nil {
		return nh, nil, err
	}
	return nh, append([]byte(msgtest.Text(t, nh)), out.Bytes()...), nil
}

// sbCRLF turns LF line ends into CRLF.
func sbCRLF(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// sbSevenBit returns the offset of the first octet of b that is not 7-bit (above 127 or NUL), or -1.
func sbSevenBit(b []byte) int {
	for i, c := range b {
		if c >= 0x80 || c == 0 {
			return i
		}
	}
	return -1
}

var (
	sbJPEG   = "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\r\n--b1\r\n\x00\xff\xd9"
	sbUTF8   = "Grüße aus Köln — schön!\r\nZweite Zeile."
	sbLatin1 = "caf\xe9 cr\xe8me"
)

func TestBody(t *testing.T) {
	for _, tc := range []struct {
		name      string
		header    string // top-level header, LF line ends
		body      []byte
		identical bool     // the output must equal the input byte for byte, header included
		leaves    []sbLeaf // what a second parser must decode from the output
		contains  []string // lines the output must contain
		absent    []string // what it must not contain
	}{
		{
			name:      "7-bit text/plain",
			header:    "Subject: x\nContent-Type: text/plain; charset=us-ascii",
			body:      sbCRLF("Hello,\nworld.\n"),
			identical: true,
			leaves:    []sbLeaf{{"text/plain", "Hello,\r\nworld.\r\n"}},
		},
		{
			name:      "7-bit, no Content-Type, no final line end",
			header:    "Subject: x",
			body:      []byte("abc"),
			identical: true,
			leaves:    []sbLeaf{{"text/plain", "abc"}},
		},
		{
			name:   "7-bit multipart with preamble, epilogue, padding, QP and base64",
			header: "Content-Type: multipart/mixed; boundary=\"b1\"",
			body: sbCRLF("preamble\n--b1 \t\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n" +
				"caf=C3=A9=\nsoft\n--b1\nContent-Type: image/gif\nContent-Transfer-Encoding: BASE64\n\n" +
				"R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7\n--b1--  \nepilogue\nmore\n"),
			identical: true,
			leaves: []sbLeaf{{"text/plain", "café" + "soft"},
				{"image/gif", sbDecode64("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")}},
		},
		{
			name:      "7-bit with LF line ends",
			header:    "Content-Type: multipart/alternative; boundary=zz",
			body:      []byte("--zz\nContent-Type: text/plain\n\nplain\n--zz\nContent-Type: text/html\n\n<p>html</p>\n--zz--\n"),
			identical: true,
			leaves:    []sbLeaf{{"text/plain", "plain"}, {"text/html", "<p>html</p>"}},
		},
		{
			name:     "top-level 8bit text",
			header:   "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\nX-After: kept",
			body:     []byte(sbUTF8),
			leaves:   []sbLeaf{{"text/plain", sbUTF8}},
			contains: []string{"Content-Transfer-Encoding: base64\r\nX-After: kept\r\n\r\n"},
		},
		{
			name:     "top-level text without CTE, UTF-8",
			header:   "Content-Type: text/plain; charset=utf-8",
			body:     []byte(sbUTF8),
			leaves:   []sbLeaf{{"text/plain", sbUTF8}},
			contains: []string{"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"},
		},
		{
			name:     "8bit label on ASCII content: relabelled 7bit",
			header:   "Content-Type: text/plain\nContent-Transfer-Encoding: 8BIT",
			body:     []byte("just ASCII\r\n"),
			leaves:   []sbLeaf{{"text/plain", "just ASCII\r\n"}},
			contains: []string{"Content-Transfer-Encoding: 7bit\r\n\r\njust ASCII\r\n"},
		},
		{
			name:   "binary image part",
			header: "Content-Type: multipart/mixed; boundary=b1",
			body: []byte("--b1\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b1\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
				sbJPEG[:10] + "\r\n--b1--\r\n"),
			leaves:   []sbLeaf{{"text/plain", "hi"}, {"image/jpeg", sbJPEG[:10]}},
			contains: []string{"Content-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQSkZJRg==\r\n--b1--\r\n"},
		},
		{
			name:   "image without CTE, with CR LF and a delimiter-like line inside",
			header: "Content-Type: multipart/mixed; boundary=b2",
			body:   []byte("--b2\r\nContent-Type: image/jpeg\r\n\r\n" + sbJPEG + "\r\n--b2--\r\n"),
			leaves: []sbLeaf{{"image/jpeg", sbJPEG}},
		},
		{
			name:   "multipart/related nested in multipart/mixed",
			header: "Content-Type: multipart/mixed; boundary=\"outer\"\nMIME-Version: 1.0",
			body: []byte("--outer\r\nContent-Type: multipart/related; type=\"application/smil\"; start=\"<s>\"; boundary=\"inner\"\r\n\r\n" +
				"--inner\r\nContent-Type: application/smil\r\nContent-ID: <s>\r\n\r\n<smil/>\r\n" +
				"--inner\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + sbUTF8 + "\r\n" +
				"--inner\r\nContent-Type: image/jpeg\r\n\r\n" + sbJPEG + "\r\n--inner--\r\n" +
				"--outer\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n" + sbLatin1 + "\r\n--outer--\r\n"),
			leaves: []sbLeaf{{"application/smil", "<smil/>"}, {"text/plain", sbUTF8}, {"image/jpeg", sbJPEG},
				{"text/plain", sbLatin1}},
		},
		{
			name:   "vnd.wap.multipart.related, top level and nested",
			header: "Content-Type: application/vnd.wap.multipart.related; type=\"application/smil\";\n start=\"<smil>\"; boundary=w1",
			body: []byte("--w1\r\nContent-Type: application/smil\r\nContent-ID: <smil>\r\n\r\n<smil/>\r\n" +
				"--w1\r\nContent-Type: Application/Vnd.Wap.Multipart.Mixed;boundary=w2\r\n\r\n" +
				"--w2\r\nContent-Type: text/plain\r\n\r\nnested\r\n--w2--\r\n--w1--\r\n"),
			leaves: []sbLeaf{{"application/smil", "<smil/>"}, {"text/plain", "nested"}},
			contains: []string{"Content-Type: multipart/related; type=\"application/smil\"; start=\"<smil>\";\r\n boundary=w1\r\n",
				"\r\nContent-Type: multipart/mixed;boundary=w2\r\n"},
			absent: []string{"vnd.wap", "Vnd.Wap"},
		},
		{
			name:     "quoted-printable with raw 8-bit octets: decoded, then base64",
			header:   "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable",
			body:     []byte("Gr=C3=BC=C3=9Fe, schön=\r\n!\r\n"),
			leaves:   []sbLeaf{{"text/plain", "Grüße, schön!\r\n"}},
			contains: []string{"Content-Transfer-Encoding: base64\r\n"},
		},
		{
			name:     "base64 in one over-long line: re-wrapped",
			header:   "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64",
			body:     []byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xAB, 0xCD, 0xEF}, 1000))),
			leaves:   []sbLeaf{{"application/octet-stream", string(bytes.Repeat([]byte{0xAB, 0xCD, 0xEF}, 1000))}},
			contains: []string{"\r\nq83vq83vq83vq83vq83vq83vq83vq83vq83vq83vq83vq83vq83vq83vq83vq83vq83vq83vq83v\r\n"},
		},
		{
			name:   "base64 with 8-bit garbage: garbage ignored (RFC 2045 §6.8)",
			header: "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64",
			body:   []byte("aGVs\xffbG8g\x00d29y\r\nbGQ=\r\n\xe9"),
			leaves: []sbLeaf{{"application/octet-stream", "hello world"}},
		},
		{
			name:   "message/rfc822 labelled 8bit",
			header: "Content-Type: multipart/mixed; boundary=m1",
			body: []byte("--m1\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
				"From: Jürgen <j@example.com>\r\nSubject: Grüße\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + sbUTF8 +
				"\r\n--m1--\r\n"),
			leaves: []sbLeaf{{"text/plain", sbUTF8}},
			contains: []string{"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 7bit\r\n\r\n",
				"From: =?utf-8?b?SsO8cmdlbg==?= <j@example.com>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n" +
					"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"},
		},
		{
			name:   "8-bit parameters and description in a part header",
			header: "Content-Type: multipart/mixed; boundary=p1",
			body: []byte("--p1\r\nContent-Type: image/png; name=\"Köln.png\"\r\nContent-Disposition: attachment; filename=\"Köln.png\"\r\n" +
				"Content-Description: Blick auf den Dom \xe9\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--p1--\r\n"),
			leaves: []sbLeaf{{"image/png", "\x89PNG\r\n\x1a\n"}},
			contains: []string{"Content-Type: image/png; name*=utf-8''K%C3%B6ln.png\r\n",
				"Content-Disposition: attachment; filename*=utf-8''K%C3%B6ln.png\r\n",
				"Content-Description: =?unknown-8bit?q?Blick_auf_den_Dom_=E9?=\r\n"},
		},
		{
			name:     "over-long line in a 7bit part",
			header:   "Content-Type: text/plain",
			body:     []byte(strings.Repeat("x", 999) + "\r\n"),
			leaves:   []sbLeaf{{"text/plain", strings.Repeat("x", 999) + "\r\n"}},
			contains: []string{"Content-Transfer-Encoding: base64\r\n"},
		},
		{
			name:      "998-octet line is still 7bit",
			header:    "Content-Type: text/plain",
			body:      []byte(strings.Repeat("x", 998) + "\r\n"),
			identical: true,
		},
		{
			name:     "bare CR",
			header:   "Content-Type: text/plain",
			body:     []byte("a\rb\r\n"),
			leaves:   []sbLeaf{{"text/plain", "a\rb\r\n"}},
			contains: []string{"Content-Transfer-Encoding: base64\r\n"},
		},
		{
			name:     "NUL",
			header:   "Content-Type: text/plain\nContent-Transfer-Encoding: 7bit",
			body:     []byte("a\x00b"),
			leaves:   []sbLeaf{{"text/plain", "a\x00b"}},
			contains: []string{"Content-Transfer-Encoding: base64\r\n\r\nYQBi\r\n"},
		},
		{
			name:   "8-bit preamble and epilogue dropped",
			header: "Content-Type: multipart/mixed; boundary=e1",
			body:   []byte("pr\xe9amble\r\n--e1\r\nContent-Type: text/plain\r\n\r\nbody\r\n--e1--\r\n\xe9pilogue\r\n"),
			leaves: []sbLeaf{{"text/plain", "body"}},
			absent: []string{"amble", "pilogue"},
		},
		{
			name:     "8bit multipart relabelled 7bit",
			header:   "Content-Type: multipart/mixed; boundary=l1\nContent-Transfer-Encoding: 8bit",
			body:     []byte("--l1\r\nContent-Type: text/plain\r\n\r\n" + sbUTF8 + "\r\n--l1--\r\n"),
			leaves:   []sbLeaf{{"text/plain", sbUTF8}},
			contains: []string{"Content-Transfer-Encoding: 7bit\r\n\r\n--l1\r\n"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := msgtest.Header(t, strings.TrimSuffix(tc.header, "\n"))
			in := append([]byte(msgtest.Text(t, h)), tc.body...)
			_, out, err := sbRun(t, tc.header, tc.body)
			if err != nil {
				t.Fatalf("Body: %v", err)
			}
			if i := sbSevenBit(out); i >= 0 {
				t.Errorf("output not 7-bit at %d:\n%s", i, out)
			}
			if tc.identical && !bytes.Equal(out, in) {
				t.Errorf("7-bit input changed:\n--- got\n%q\n--- want\n%q", out, in)
			}
			for _, s := range tc.contains {
				if !bytes.Contains(out, []byte(s)) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.absent {
				if bytes.Contains(out, []byte(s)) {
					t.Errorf("output keeps %q:\n%s", s, out)
				}
			}
			if tc.leaves != nil {
				leaves, err := sbSecondParse(out)
				if err != nil {
					t.Fatalf("second parser: %v\n%s", err, out)
				}
				if fmt.Sprint(leaves) != fmt.Sprint(tc.leaves) {
					t.Errorf("second parser reads\n %v\nwant\n %v\noutput:\n%s", leaves, tc.leaves, out)
				}
			}
			// Idempotent: the output is 7-bit, so it comes out of a second pass unchanged.
			h2, body2 := msgtest.Split(t, out)
			var again bytes.Buffer
			nh2, err := Body(h2, bytes.NewReader(body2), &again)
			if err != nil || msgtest.Text(t, nh2)+again.String() != string(out) {
				t.Errorf("second pass: err = %v, changed = %v", err, err == nil)
			}
		})
	}
}

// TestBodyHeaderUntouched checks that the caller's header is not modified and that an
// unchanged header is returned as it is.
func TestBodyHeaderUntouched(t *testing.T) {
	h := msgtest.Header(t, "Content-Type: text/plain\nContent-Transfer-Encoding: 8bit")
	before := msgtest.Text(t, h)
	nh, err := Body(h, strings.NewReader("é"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if msgtest.Text(t, h) != before {
		t.Error("the caller's header was modified")
	}
	if nh.Get("Content-Transfer-Encoding") != "base64" {
		t.Errorf("returned CTE = %q", nh.Get("Content-Transfer-Encoding"))
	}
}

func TestBodyErrors(t *testing.T) {
	nest := sbNest
	manyParts := func(n int) (string, []byte) {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString("--m\r\nContent-Type: text/plain\r\n\r\nx\r\n")
		}
		b.WriteString("--m--\r\n")
		return "Content-Type: multipart/mixed; boundary=m", []byte(b.String())
	}
	for _, tc := range []struct {
		name   string
		header string
		body   []byte
		ok     bool // within the limits
	}{
		{name: "no delimiter at all", header: "Content-Type: multipart/mixed; boundary=x", body: []byte("just text\r\n")},
		{name: "no delimiter, 8-bit", header: "Content-Type: multipart/mixed; boundary=x", body: []byte("caf\xe9\r\n")},
		{name: "multipart without boundary", header: "Content-Type: multipart/mixed", body: []byte("--x\r\n")},
		// RFC 2045 §5.2: a Content-Type that does not parse is text/plain.
		{name: "multipart with a duplicate parameter", header: "Content-Type: multipart/mixed; boundary=x; boundary=y", body: []byte("--x\r\n"), ok: true},
		{name: "boundary with 8-bit", header: "Content-Type: multipart/mixed; boundary=\"caf\xe9\"", body: []byte("--caf\xe9\r\n")},
		{name: "boundary too long", header: "Content-Type: multipart/mixed; boundary=" + strings.Repeat("b", 201), body: []byte("x")},
		{name: "unknown CTE with 8-bit", header: "Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode", body: []byte("caf\xe9")},
		{name: "unknown CTE, clean", header: "Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode", body: []byte("begin 644 x\r\n"), ok: true},
		{name: "quoted-printable with 8-bit and control octets", header: "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable", body: []byte("caf\xe9\x01")},
		{name: "malformed part header", header: "Content-Type: multipart/mixed; boundary=x", body: []byte("--x\r\nno colon here\r\n\r\nbody\r\n--x--\r\n")},
		{name: "part header too long", header: "Content-Type: multipart/mixed; boundary=x",
			body: []byte("--x\r\nX-Long: " + strings.Repeat("a", 70000) + "\r\n\r\nbody\r\n--x--\r\n")},
		{name: "8-bit Content-Type that does not parse", header: "Content-Type: multipart/mixed; boundary=x",
			body: []byte("--x\r\nContent-Type: text/plain; name=caf\xe9\r\n\r\nbody\r\n--x--\r\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := sbRun(t, tc.header, tc.body)
			var me *MIMEError
			switch {
			case tc.ok && err != nil:
				t.Errorf("err = %v", err)
			case !tc.ok && !errors.As(err, &me):
				t.Errorf("err = %v (%T), want a *MIMEError", err, err)
			}
		})
	}
	t.Run("depth", func(t *testing.T) {
		h, b := nest(DefaultLimits.Depth)
		if _, _, err := sbRun(t, h, b); err != nil {
			t.Errorf("depth %d: %v", DefaultLimits.Depth, err)
		}
		h, b = nest(DefaultLimits.Depth + 5)
		var me *MIMEError
		if _, _, err := sbRun(t, h, b); !errors.As(err, &me) || !strings.Contains(err.Error(), "nested") {
			t.Errorf("depth %d: err = %v", DefaultLimits.Depth+5, err)
		}
		h, b = nest(10000)
		start := time.Now()
		if _, _, err := sbRun(t, h, b); !errors.As(err, &me) || time.Since(start) > time.Second {
			t.Errorf("depth 10000: err = %v after %v", err, time.Since(start))
		}
	})
	t.Run("parts", func(t *testing.T) {
		h, b := manyParts(DefaultLimits.Parts)
		if _, _, err := sbRun(t, h, b); err != nil {
			t.Errorf("%d parts: %v", DefaultLimits.Parts, err)
		}
		h, b = manyParts(DefaultLimits.Parts + 1)
		var me *MIMEError
		if _, _, err := sbRun(t, h, b); !errors.As(err, &me) || !strings.Contains(err.Error(), "parts") {
			t.Errorf("%d parts: err = %v", DefaultLimits.Parts+1, err)
		}
	})
	t.Run("read error", func(t *testing.T) {
		h := msgtest.Header(t, "Content-Type: multipart/mixed; boundary=x")
		boom := errors.New("boom")
		r := io.MultiReader(strings.NewReader("--x\r\nContent-Type: text/plain\r\n\r\nabc"), sbErrReader{boom})
		if _, err := Body(h, r, io.Discard); !errors.Is(err, boom) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("write error", func(t *testing.T) {
		h := msgtest.Header(t, "Content-Type: text/plain")
		boom := errors.New("boom")
		if _, err := Body(h, strings.NewReader("abc"), sbErrWriter{boom}); !errors.Is(err, boom) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestBodyLarge: a 5 MB binary part is re-encoded in bounded time, and long lines without
// line ends are read in pieces.
func TestBodyLarge(t *testing.T) {
	data := make([]byte, 5<<20)
	for i := range data {
		data[i] = byte(i*7 + i>>8)
	}
	body := append([]byte("--b\r\nContent-Type: video/mp4\r\n\r\n"), data...)
	body = append(body, "\r\n--b--\r\n"...)
	start := time.Now()
	_, out, err := sbRun(t, "Content-Type: multipart/mixed; boundary=b", body)
	if err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("took %v", elapsed)
	}
	leaves, err := sbSecondParse(out)
	if err != nil || len(leaves) != 1 || leaves[0].content != string(data) {
		t.Errorf("second parser: err = %v, %d leaves", err, len(leaves))
	}
}

func sbDecode64(s string) string {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

type sbErrReader struct{ err error }

func (r sbErrReader) Read([]byte) (int, error) { return 0, r.err }

type sbErrWriter struct{ err error }

func (w sbErrWriter) Write([]byte) (int, error) { return 0, w.err }

// FuzzBody: Convert never panics; it fails only with a *MIMEError; on success its output
// is 7-bit, is what Body writes, still reads as a message wherever the input did, and passes
// through Convert again unchanged (it re-parses to itself). Seeds are in testdata/fuzz/FuzzBody.
func FuzzBody(f *testing.F) {
	f.Fuzz(func(t *testing.T, msg []byte) {
		br := bufio.NewReader(bytes.NewReader(msg))
		h, err := textproto.ReadHeader(br)
		if err != nil {
			return
		}
		body, _ := io.ReadAll(br)
		var out, viaBody bytes.Buffer
		nh, err := Convert(h, sbOpener(body), &out, Limits{})
		nhBody, errBody := Body(h, bytes.NewReader(body), &viaBody)
		if (err == nil) != (errBody == nil) || err == nil && (!bytes.Equal(out.Bytes(), viaBody.Bytes()) ||
			msgtest.Text(t, nh) != msgtest.Text(t, nhBody)) {
			t.Fatalf("Body and Convert differ: %v, %v", errBody, err)
		}
		if err != nil {
			var me *MIMEError
			if !errors.As(err, &me) {
				t.Fatalf("error is not a *MIMEError: %v", err)
			}
			return
		}
		var hb bytes.Buffer
		if err := textproto.WriteHeader(&hb, nh); err != nil {
			t.Fatalf("returned header does not write: %v", err)
		}
		whole := append(hb.Bytes(), out.Bytes()...)
		if i := sbSevenBit(whole); i >= 0 {
			t.Fatalf("output not 7-bit at %d: %q", i, whole)
		}
		if _, err := mail.ReadMessage(bytes.NewReader(msg)); err == nil {
			if _, err := mail.ReadMessage(bytes.NewReader(whole)); err != nil {
				t.Fatalf("output does not read as a message: %v\n%q", err, whole)
			}
		}
		var again bytes.Buffer
		nh2, err := Convert(nh, sbOpener(out.Bytes()), &again, Limits{})
		if err != nil {
			t.Fatalf("second pass: %v\n%q", err, whole)
		}
		var hb2 bytes.Buffer
		_ = textproto.WriteHeader(&hb2, nh2)
		if !bytes.Equal(again.Bytes(), out.Bytes()) || !bytes.Equal(hb2.Bytes(), hb.Bytes()) {
			t.Fatalf("second pass changed the output:\n%q\n%q", whole, append(hb2.Bytes(), again.Bytes()...))
		}
	})
}

// TestCleanChunks puts a word that must be found across the scan's
// 32 KiB chunk boundary, at every offset around it.
func TestCleanChunks(t *testing.T) {
	var h textproto.Header
	h.Set("Content-Type", `multipart/mixed; boundary="b"`)
	line := strings.Repeat("A", 58) + "\r\n"
	for n := 32*1024 - 40; n < 32*1024+40; n++ {
		pad := strings.Repeat(line, n/len(line)) + strings.Repeat("B", n%len(line))
		body := pad + "Content-Transfer-Encoding: BINARY\r\n"
		if got, err := Clean(h, strings.NewReader(body)); err != nil || got {
			t.Fatalf("word after %d octets: Clean = %v, %v; want false", n, got, err)
		}
		if got, err := Clean(h, strings.NewReader(pad+"\r\n")); err != nil || !got {
			t.Fatalf("clean body of %d octets: Clean = %v, %v; want true", n, got, err)
		}
	}
}

func TestClean(t *testing.T) {
	hdr := func(ct, cte string) textproto.Header {
		var h textproto.Header
		if ct != "" {
			h.Set("Content-Type", ct)
		}
		if cte != "" {
			h.Set("Content-Transfer-Encoding", cte)
		}
		return h
	}
	mixed := "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n"
	for _, tc := range []struct {
		name string
		h    textproto.Header
		body string
		want bool
	}{
		{"plain ascii", hdr("text/plain", ""), "hello\r\n", true},
		{"multipart with base64", hdr(`multipart/mixed; boundary="b"`, ""), mixed, true},
		{"8-bit octet", hdr("text/plain", ""), "h\xe9llo\r\n", false},
		{"NUL", hdr("text/plain", ""), "a\x00b\r\n", false},
		{"long line", hdr("text/plain", ""), strings.Repeat("x", 1000) + "\r\n", false},
		{"998 octets is fine", hdr("text/plain", ""), strings.Repeat("x", 998) + "\r\n", true},
		{"top-level 8bit label", hdr("text/plain", "8bit"), "hello\r\n", false},
		{"part labelled binary", hdr(`multipart/mixed; boundary="b"`, ""), strings.Replace(mixed, "base64", "BINARY", 1), false},
		{"wap multipart", hdr(`application/vnd.wap.multipart.related; boundary="b"`, ""), mixed, false},
		// Random base64 spells the labels now and then: not a label.
		{"8bit inside base64", hdr(`multipart/mixed; boundary="b"`, ""), strings.Replace(mixed, "iVBORw0KGgo=", "iVBO8bitRw0Binary+Kgo=", 1), true},
		{"wap multipart in a part", hdr(`multipart/mixed; boundary="b"`, ""), strings.Replace(mixed, "Content-Type: text/plain", "Content-Type: application/vnd.wap.multipart.mixed", 1), false},
		{"label without a space", hdr(`multipart/mixed; boundary="b"`, ""), strings.Replace(mixed, "Transfer-Encoding: base64", "Transfer-Encoding:8bit", 1), false},
	} {
		if got, err := Clean(tc.h, iotest.OneByteReader(strings.NewReader(tc.body))); err != nil || got != tc.want {
			t.Errorf("%s: Clean = %v, %v; want %v", tc.name, got, err, tc.want)
		}

		if !tc.want {
			continue
		}
		// Whatever the fast path lets through, Body leaves alone.
		var out bytes.Buffer
		h2, err := Body(tc.h, strings.NewReader(tc.body), &out)
		if err != nil || out.String() != tc.body || h2.Get("Content-Transfer-Encoding") != tc.h.Get("Content-Transfer-Encoding") {
			t.Errorf("%s: Body changed a clean message: %v\n%q", tc.name, err, out.String())
		}
	}
}

// sbOpener returns an open function for Convert that reads body.
func sbOpener(body []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}
