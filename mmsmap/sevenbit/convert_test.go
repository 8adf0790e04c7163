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
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/backend/backendutil"
	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/msgtest"
)

const sbAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// sbPattern reads n octets of an 8-bit pattern (base64 alphabet octets and others) with a line end
// now and then, without holding them.
type sbPattern struct{ i, n int }

func (p *sbPattern) Read(b []byte) (int, error) {
	if p.i >= p.n {
		return 0, io.EOF
	}
	b = b[:min(len(b), p.n-p.i)]
	for k := range b {
		switch j := p.i + k; {
		case j%1000 == 999:
			b[k] = '\n'
		case j%4 == 0:
			b[k] = byte(0x80 + j%97)
		default:
			b[k] = sbAlphabet[j%len(sbAlphabet)]
		}
	}
	p.i += len(b)
	return len(b), nil
}

// sbSevenBitWriter counts what is written to it and fails on an octet that is not 7-bit.
type sbSevenBitWriter struct{ n int }

func (w *sbSevenBitWriter) Write(b []byte) (int, error) {
	if i := sbSevenBit(b); i >= 0 {
		return 0, fmt.Errorf("8-bit octet %#x written at %d", b[i], w.n+i)
	}
	w.n += len(b)
	return len(b), nil
}

// TestConvertMemory: converting a 30 MB 8-bit body, alone or as one part of a multipart, and
// checking it, allocates a few hundred KiB at most, nothing like the size of the part. (Reading a leaf
// whole, as Body did before it streamed, allocates at least the 30 MB of the part.)
func TestConvertMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("30 MB messages")
	}
	const size = 30 << 20
	const budget = 8 << 20
	mp := "Content-Type: multipart/mixed; boundary=b"
	for _, tc := range []struct {
		name   string
		header string
		before string // body before the 30 MB
		after  string // body after the 30 MB
	}{
		{name: "single part, binary", header: "Content-Type: application/octet-stream\nContent-Transfer-Encoding: binary"},
		{name: "single part, no label", header: "Content-Type: text/plain; charset=utf-8"},
		{name: "multipart, binary part", header: mp,
			before: "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: video/mp4\r\nContent-Transfer-Encoding: binary\r\n\r\n",
			after:  "\r\n--b--\r\n"},
		{name: "multipart, dirty base64 part", header: mp,
			before: "--b\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n",
			after:  "\r\n--b\r\nContent-Type: text/plain\r\n\r\nbye\r\n--b--\r\n"},
		{name: "nested multipart, 8-bit quoted-printable part", header: mp,
			before: "--b\r\nContent-Type: multipart/related; boundary=c\r\n\r\n--c\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
			after:  "\r\n--c--\r\n--b--\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := msgtest.Header(t, tc.header)
			open := func() (io.ReadCloser, error) {
				return io.NopCloser(io.MultiReader(strings.NewReader(tc.before), &sbPattern{n: size}, strings.NewReader(tc.after))), nil
			}
			var w sbSevenBitWriter
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Convert(h, open, &w, Limits{})
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("Convert: %d octets written, %d octets allocated", w.n, alloc)
			if alloc > budget {
				t.Errorf("Convert allocated %d octets for a %d-octet part", alloc, size)
			}
			if w.n < size/2 {
				t.Errorf("wrote %d octets", w.n)
			}

			r, _ := open()
			runtime.GC()
			runtime.ReadMemStats(&before)
			err = Check(h, r, Limits{})
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			alloc = after.TotalAlloc - before.TotalAlloc
			t.Logf("Check: %d octets allocated", alloc)
			if alloc > budget {
				t.Errorf("Check allocated %d octets for a %d-octet part", alloc, size)
			}
		})
	}
}

// sbNest returns a message of n multiparts nested one in the other (the innermost holding a
// text/plain part at depth n), as header and body.
func sbNest(n int) (string, []byte) {
	var b strings.Builder
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "--d%d\r\nContent-Type: multipart/mixed; boundary=d%d\r\n\r\n", i-1, i)
	}
	fmt.Fprintf(&b, "--d%d\r\nContent-Type: text/plain\r\n\r\nx\r\n", n-1)
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--d%d--\r\n", i)
	}
	return "Content-Type: multipart/mixed; boundary=d0", []byte(b.String())
}

// sbNestRFC822 returns a message of n messages encapsulated one in the other (the innermost at
// depth n), as header and body.
func sbNestRFC822(n int) (string, []byte) {
	var b strings.Builder
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "Subject: level %d\r\nContent-Type: message/rfc822\r\n\r\n", i)
	}
	b.WriteString("Subject: innermost\r\n\r\nhello\r\n")
	return "Content-Type: message/rfc822", []byte(b.String())
}

// sbParts returns a multipart of n parts.
func sbParts(n int) (string, []byte) {
	var b strings.Builder
	for range n {
		b.WriteString("--m\r\nContent-Type: text/plain\r\n\r\nx\r\n")
	}
	b.WriteString("--m--\r\n")
	return "Content-Type: multipart/mixed; boundary=m", []byte(b.String())
}

// sbCheck runs Check on a message given as header and body.
func sbCheck(t testing.TB, header string, body []byte, lim Limits) error {
	t.Helper()
	return Check(msgtest.Header(t, header), bytes.NewReader(body), lim)
}

func TestCheck(t *testing.T) {
	depth, parts := DefaultLimits.Depth, DefaultLimits.Parts
	for _, tc := range []struct {
		name   string
		header string
		body   []byte
		lim    Limits
		part   string // of the *MIMEError expected
		reason string // what its reason holds; "" when Check must accept the message
		conv   bool   // Convert fails (not for the structure), although Check accepts the message
	}{
		{name: "7-bit text", header: "Content-Type: text/plain", body: []byte("hello\r\n")},
		{name: "8-bit text", header: "Content-Type: text/plain; charset=utf-8", body: []byte(sbUTF8)},
		{name: "8-bit under an unknown transfer encoding", header: "Content-Transfer-Encoding: x-uuencode", body: []byte("caf\xe9"),
			conv: true},
		{name: "8-bit quoted-printable that does not decode", header: "Content-Transfer-Encoding: quoted-printable",
			body: []byte("caf\xe9\x01"), conv: true},
		{name: "8-bit Content-Type that does not parse in a part", header: "Content-Type: multipart/mixed; boundary=x",
			body: []byte("--x\r\nContent-Type: text/plain; name=caf\xe9\r\n\r\nbody\r\n--x--\r\n"), conv: true},
		{name: "nested multiparts, message/rfc822, WAP", header: "Content-Type: application/vnd.wap.multipart.mixed; boundary=o",
			body: []byte("--o\r\nContent-Type: message/rfc822\r\n\r\nSubject: fwd\r\nContent-Type: multipart/related; boundary=i\r\n\r\n" +
				"--i\r\nContent-Type: text/plain\r\n\r\nK\xc3\xb6ln\r\n--i--\r\n--o--\r\n")},
		{name: "closed structure, composites labelled 8bit and binary", header: "Content-Type: multipart/mixed; boundary=b1\nContent-Transfer-Encoding: 8bit",
			body: []byte("preamble\r\n--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\nContent-Transfer-Encoding: BINARY\r\n\r\n" +
				"--b2\r\nContent-Type: text/plain\r\n\r\nK\xc3\xb6ln\r\n--b2\r\n\r\nx\r\n--b2--\r\n" +
				"--b1\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: 7bit\r\n\r\nSubject: fwd\r\n\r\nbody\r\n" +
				"--b1\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b1--\r\nepilogue")},
		{name: "empty part header", header: "Content-Type: multipart/mixed; boundary=b",
			body: []byte("--b\r\n\r\nx\r\n--b--\r\n")},

		// RFC 2045 §6.4: a store walks a composite entity whatever its transfer encoding.
		{name: "quoted-printable multipart", header: "Content-Type: multipart/mixed; boundary=\"b0\"\nContent-Transfer-Encoding: quoted-printable",
			body: []byte("--b0\r\nContent-Type: text/plain\r\n\r\nx\r\n--b0--\r\n"), part: "",
			reason: "multipart/mixed with Content-Transfer-Encoding quoted-printable (RFC 2045 §6.4 allows only 7bit, 8bit and binary on composite types)"},
		{name: "40 levels behind a quoted-printable multipart", header: "Content-Type: multipart/mixed; boundary=\"d0\"\nContent-Transfer-Encoding: Quoted-Printable",
			body: func() []byte { _, b := sbNest(40); return b }(), part: "",
			reason: "multipart/mixed with Content-Transfer-Encoding quoted-printable"},
		{name: "base64 multipart", header: "Content-Type: multipart/related; boundary=b\nContent-Transfer-Encoding: base64",
			body: []byte(base64.StdEncoding.EncodeToString([]byte("--b\r\n\r\nx\r\n--b--\r\n"))), part: "",
			reason: "multipart/related with Content-Transfer-Encoding base64 (RFC 2045 §6.4"},
		{name: "base64 multipart in a part", header: "Content-Type: multipart/mixed; boundary=o",
			body: []byte("--o\r\nContent-Type: multipart/alternative; boundary=i\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
				"--i\r\n\r\nx\r\n--i--\r\n--o--\r\n"), part: "1",
			reason: "multipart/alternative with Content-Transfer-Encoding base64"},
		{name: "base64 message/rfc822", header: "Content-Type: multipart/mixed; boundary=o",
			body: []byte("--o\r\nContent-Type: text/plain\r\n\r\nx\r\n--o\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
				base64.StdEncoding.EncodeToString([]byte("Subject: x\r\n\r\nhi\r\n")) + "\r\n--o--\r\n"), part: "2",
			reason: "message/rfc822 with Content-Transfer-Encoding base64 (RFC 2045 §6.4"},
		{name: "quoted-printable message/rfc822 at the top", header: "Content-Type: message/rfc822\nContent-Transfer-Encoding: quoted-printable",
			body: []byte("Subject: x\r\n\r\nhi\r\n"), part: "", reason: "message/rfc822 with Content-Transfer-Encoding quoted-printable"},
		{name: "unknown transfer encoding on a WAP multipart", header: "Content-Type: application/vnd.wap.multipart.related; boundary=w\nContent-Transfer-Encoding: x-\x01foo",
			body: []byte("--w\r\n\r\nx\r\n--w--\r\n"), part: "",
			reason: `application/vnd.wap.multipart.related with Content-Transfer-Encoding "x-\x01foo" (RFC 2045 §6.4`},

		// A store's multipart reader fails without the close delimiter.
		{name: "missing close delimiter", header: "Content-Type: multipart/mixed; boundary=c",
			body: []byte("--c\r\nContent-Type: text/plain\r\n\r\nunterminated"), part: "",
			reason: `multipart/mixed without its close delimiter "--c--"`},
		{name: "missing close delimiter after a part", header: "Content-Type: multipart/mixed; boundary=b1",
			body: []byte("--b1\r\n\r\nfirst\r\n--b1\r\n\r\nsecond\r\n"), part: "",
			reason: `multipart/mixed without its close delimiter "--b1--"`},
		{name: "missing nested close delimiter", header: "Content-Type: multipart/mixed; boundary=o",
			body: []byte("--o\r\nContent-Type: text/plain\r\n\r\nx\r\n--o\r\nContent-Type: multipart/related; boundary=\"i i\"\r\n\r\n" +
				"--i i\r\n\r\ninner\r\n--o--\r\n"), part: "2",
			reason: `multipart/related without its close delimiter "--i i--"`},
		{name: "missing nested close delimiter in an encapsulated message", header: "Content-Type: message/rfc822",
			body: []byte("Subject: x\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\n\r\nx\r\n"), part: "",
			reason: `multipart/mixed without its close delimiter "--m--"`},

		// go-message's multipart reader: line ends and lines that begin like a delimiter.
		{name: "LF line ends, nested", header: "Content-Type: multipart/mixed; boundary=o",
			body: []byte("--o\nContent-Type: multipart/alternative; boundary=i\n\n--i\n\nx\n--i--\n--o\n\ny\n--o--\n")},
		{name: "no body part", header: "Content-Type: multipart/mixed; boundary=z", body: []byte("--z--\r\n"),
			part: "", reason: "multipart/mixed without any body part"},
		{name: "close delimiter in LF after delimiters in CRLF", header: "Content-Type: multipart/mixed; boundary=b",
			body: []byte("--b\r\n\r\nx\n--b--\n"), part: "", reason: `a line beginning with the delimiter "--b" is not a delimiter line ending in "\r\n"`},
		{name: "nested close delimiter in CRLF inside LF", header: "Content-Type: multipart/mixed; boundary=d0",
			body: []byte("--d0\nContent-Type: multipart/mixed; boundary=d1\n\n--d1\n\nx\n--d1--\r\n--d0--"), part: "1",
			reason: `a line beginning with the delimiter "--d1" is not a delimiter line ending in "\n"`},
		{name: "delimiter after a bare LF in a CRLF multipart", header: "Content-Type: multipart/mixed; boundary=b",
			body: []byte("--b\r\n\r\nx\n--b--\r\n"), part: "", reason: `multipart/mixed delimiter line "--b" not after a CRLF`},
		{name: "a line beginning like a delimiter", header: "Content-Type: multipart/mixed; boundary=b",
			body: []byte("--b\r\n\r\nx\r\n--b-x\r\n--b--\r\n"), part: "", reason: `a line beginning with the delimiter "--b" is not a delimiter line`},
		{name: "a longer boundary is not a delimiter", header: "Content-Type: multipart/mixed; boundary=b",
			body: []byte("--b\r\n\r\nx\r\n--bb\r\n--b--\r\n")},

		// go-message's header parser reads a header up to an empty line.
		{name: "part header running into a delimiter", header: "Content-Type: multipart/mixed; boundary=h1",
			body: []byte("--h1\r\nContent-Type: text/plain\r\n--h1\r\nContent-Type: text/plain\r\n\r\nok\r\n--h1--\r\n"), part: "1",
			reason: "header not ended by an empty line"},
		{name: "part without a header before a delimiter", header: "Content-Type: multipart/mixed; boundary=h1",
			body: []byte("--h1\r\n--h1--\r\n"), part: "1", reason: "header not ended by an empty line"},
		{name: "header of an encapsulated message running into the end", header: "Content-Type: message/rfc822",
			body: []byte("Subject: x\r\n"), part: "", reason: "header not ended by an empty line"},
		{name: "empty encapsulated message", header: "Content-Type: multipart/mixed; boundary=e",
			body: []byte("--e\r\nContent-Type: message/rfc822\r\n\r\n--e--\r\n"), part: "1", reason: "header not ended by an empty line"},

		{name: "no boundary", header: "Content-Type: multipart/mixed", body: []byte("--x\r\n\r\nbody\r\n--x--\r\n"),
			part: "", reason: "multipart/mixed without a boundary parameter"},
		{name: "no boundary, WAP", header: "Content-Type: application/vnd.wap.multipart.related; type=application/smil", body: []byte("x"),
			part: "", reason: "application/vnd.wap.multipart.related without a boundary parameter"},
		{name: "empty boundary", header: "Content-Type: multipart/alternative; boundary=\"\"", body: []byte("--\r\n\r\nbody\r\n----\r\n"),
			part: "", reason: "multipart/alternative with an empty boundary parameter"},
		{name: "boundary too long", header: "Content-Type: multipart/mixed; boundary=" + strings.Repeat("b", 201), body: []byte("x"),
			part: "", reason: "boundary longer than 200 characters"},
		{name: "no delimiter", header: "Content-Type: multipart/mixed; boundary=x", body: []byte("just text\r\n--y\r\n"),
			part: "", reason: `multipart/mixed body without any delimiter line for its boundary "x"`},
		{name: "no delimiter in a part", header: "Content-Type: multipart/mixed; boundary=x",
			body: []byte("--x\r\nContent-Type: multipart/related; boundary=y\r\n\r\ntext\r\n--x--\r\n"),
			part: "1", reason: `multipart/related body without any delimiter line for its boundary "y"`},
		{name: "broken part header", header: "Content-Type: multipart/mixed; boundary=x",
			body: []byte("--x\r\nContent-Type: text/plain\r\n\r\nok\r\n--x\r\nno colon here\r\n\r\nbody\r\n--x--\r\n"),
			part: "2", reason: "malformed header"},
		{name: "part header beginning with a continuation", header: "Content-Type: multipart/mixed; boundary=x",
			body: []byte("--x\r\n folded\r\nContent-Type: text/plain\r\n\r\nbody\r\n--x--\r\n"),
			part: "1", reason: "malformed header: it begins with a continuation line"},
		{name: "broken header of an encapsulated message", header: "Content-Type: message/rfc822",
			body: []byte("Subject: x\r\nbroken\r\n\r\nbody\r\n"), part: "", reason: "malformed header"},
		{name: "part header too long", header: "Content-Type: multipart/mixed; boundary=x",
			body: []byte("--x\r\nX-Long: " + strings.Repeat("a", 70000) + "\r\n\r\nbody\r\n--x--\r\n"),
			part: "1", reason: "header longer than 65536 octets"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := sbCheck(t, tc.header, tc.body, tc.lim)
			var me *MIMEError
			switch {
			case tc.reason == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tc.reason != "" && !errors.As(err, &me):
				t.Fatalf("Check: err = %v, want a *MIMEError", err)
			case tc.reason != "" && (me.Part != tc.part || !strings.Contains(me.Reason, tc.reason)):
				t.Fatalf("Check: part %q, %q; want part %q, %q", me.Part, me.Reason, tc.part, tc.reason)
			}
			// The IMAP store can walk what Check accepts.
			if tc.reason == "" {
				if err := sbStore(msgtest.Header(t, tc.header), tc.body); err != nil {
					t.Errorf("the IMAP store fails on what Check accepts: %v", err)
				}
			}
			// Convert agrees.
			_, _, cerr := sbRun(t, tc.header, tc.body)
			var cme *MIMEError
			switch {
			case tc.reason != "":
				if !errors.As(cerr, &cme) || *cme != *me {
					t.Errorf("Convert: err = %v; Check: %v", cerr, err)
				}
			case tc.conv:
				if !errors.As(cerr, &cme) || !cme.conversion {
					t.Errorf("Convert: err = %v, want a conversion error", cerr)
				}
			case cerr != nil:
				t.Errorf("Convert: %v", cerr)
			}
		})
	}

	// The limits: depth and parts, by default and as given.
	for _, tc := range []struct {
		name   string
		lim    Limits
		msg    func(int) (string, []byte)
		n      int
		reason string // "" when the message is within lim
	}{
		{"multipart depth 32", Limits{}, sbNest, depth, ""},
		{"multipart depth 33", Limits{}, sbNest, depth + 1, "nested deeper than 32 levels"},
		{"message/rfc822 depth 32", Limits{}, sbNestRFC822, depth, ""},
		{"message/rfc822 depth 33", Limits{}, sbNestRFC822, depth + 1, "nested deeper than 32 levels"},
		{"mixed nesting depth 32", Limits{}, sbNestMixed, depth, ""},
		{"mixed nesting depth 33", Limits{}, sbNestMixed, depth + 1, "nested deeper than 32 levels"},
		{"1000 parts", Limits{}, sbParts, parts, ""},
		{"1001 parts", Limits{}, sbParts, parts + 1, "more than 1000 body parts"},
		{"DefaultLimits, depth 33", DefaultLimits, sbNest, depth + 1, "nested deeper than 32 levels"},
		{"negative limits are the defaults", Limits{Depth: -1, Parts: -1}, sbParts, parts + 1, "more than 1000 body parts"},
		{"custom depth 3", Limits{Depth: 3}, sbNest, 3, ""},
		{"custom depth 3, 4 levels", Limits{Depth: 3}, sbNest, 4, "nested deeper than 3 levels"},
		{"custom depth 3, 4 messages", Limits{Depth: 3}, sbNestRFC822, 4, "nested deeper than 3 levels"},
		{"custom depth 3, default parts", Limits{Depth: 3}, sbParts, parts, ""},
		{"custom parts 5", Limits{Parts: 5}, sbParts, 5, ""},
		{"custom parts 5, 6 parts", Limits{Parts: 5}, sbParts, 6, "more than 5 body parts"},
		{"custom parts 40, default depth", Limits{Parts: 40}, sbNest, depth, ""},
		{"custom depth 100", Limits{Depth: 100}, sbNest, 100, ""},
		{"custom depth 100, 101 levels", Limits{Depth: 100}, sbNest, 101, "nested deeper than 100 levels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			header, body := tc.msg(tc.n)
			err := sbCheck(t, header, body, tc.lim)
			var out bytes.Buffer
			_, cerr := Convert(msgtest.Header(t, header), sbOpener(body), &out, tc.lim)
			var me *MIMEError
			switch {
			case tc.reason == "":
				if err != nil || cerr != nil {
					t.Errorf("Check: %v; Convert: %v", err, cerr)
				}
			case !errors.As(err, &me) || me.Reason != tc.reason:
				t.Errorf("Check: err = %v, want %q", err, tc.reason)
			case cerr == nil || cerr.Error() != err.Error():
				t.Errorf("Convert: err = %v; Check: %v", cerr, err)
			}
		})
	}
}

// sbNestMixed alternates multiparts and encapsulated messages, down to depth n.
func sbNestMixed(n int) (string, []byte) {
	var b strings.Builder
	var closes []string
	for i := 1; i < n; i++ {
		if i%2 == 1 {
			fmt.Fprintf(&b, "--d%d\r\nContent-Type: message/rfc822\r\n\r\n", i-1)
			closes = append(closes, fmt.Sprintf("--d%d--\r\n", i-1))
		} else {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=d%d\r\n\r\n", i)
		}
	}
	if n%2 == 1 {
		fmt.Fprintf(&b, "--d%d\r\nContent-Type: text/plain\r\n\r\nx\r\n", n-1)
		closes = append(closes, fmt.Sprintf("--d%d--\r\n", n-1))
	} else {
		b.WriteString("Content-Type: text/plain\r\n\r\nx\r\n")
	}
	for i := len(closes) - 1; i >= 0; i-- {
		b.WriteString(closes[i])
	}
	return "Content-Type: multipart/mixed; boundary=d0", []byte(b.String())
}

// TestDeepNesting: 5,000 levels are refused at depth 33, quickly, without the walk going deeper
// (the part named is at depth 33).
func TestDeepNesting(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  func(int) (string, []byte)
		part string
	}{
		{"multipart", sbNest, strings.TrimSuffix(strings.Repeat("1.", DefaultLimits.Depth+1), ".")},
		{"message/rfc822", sbNestRFC822, ""},
		{"both", sbNestMixed, strings.TrimSuffix(strings.Repeat("1.", (DefaultLimits.Depth+2)/2), ".")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			header, body := tc.msg(5000)
			want := "nested deeper than 32 levels"
			start := time.Now()
			err := sbCheck(t, header, body, Limits{})
			var me *MIMEError
			if !errors.As(err, &me) || me.Reason != want || me.Part != tc.part {
				t.Errorf("Check: err = %v, want part %q: %s", err, tc.part, want)
			}
			_, cerr := Convert(msgtest.Header(t, header), sbOpener(body), io.Discard, Limits{})
			if !errors.As(cerr, &me) || me.Reason != want || me.Part != tc.part {
				t.Errorf("Convert: err = %v, want part %q: %s", cerr, tc.part, want)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// sbOpenSeq returns an open function giving bodies[i] on the i-th call (the last one after), and
// counts the calls and the closes.
func sbOpenSeq(opened, closed *int, bodies ...string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		b := bodies[min(*opened, len(bodies)-1)]
		*opened++
		return sbCloser{strings.NewReader(b), closed}, nil
	}
}

type sbCloser struct {
	io.Reader
	closed *int
}

func (c sbCloser) Close() error {
	*c.closed++
	return nil
}

// TestConvertInputChanged: input that is not the same in the second pass gives ErrInputChanged
// (and never 8-bit output); open is called twice and what it returns closed.
func TestConvertInputChanged(t *testing.T) {
	mp := "Content-Type: multipart/mixed; boundary=b"
	part := func(ct, cte, body string) string {
		return "--b\r\nContent-Type: " + ct + "\r\nContent-Transfer-Encoding: " + cte + "\r\n\r\n" + body + "\r\n"
	}
	for _, tc := range []struct {
		name          string
		header        string
		first, second string
		want          error
	}{
		{"unchanged", mp, part("text/plain", "8bit", "caf\xe9") + "--b--\r\n", "", nil},
		{"a clean part turns 8-bit", mp, part("text/plain", "7bit", "cafe") + "--b--\r\n",
			part("text/plain", "7bit", "caf\xe9") + "--b--\r\n", ErrInputChanged},
		{"a part more", mp, part("text/plain", "7bit", "a") + "--b--\r\n",
			part("text/plain", "7bit", "a") + part("text/plain", "7bit", "b") + "--b--\r\n", ErrInputChanged},
		{"a part less", mp, part("text/plain", "7bit", "a") + part("text/plain", "7bit", "b") + "--b--\r\n",
			part("text/plain", "7bit", "a") + "--b--\r\n", ErrInputChanged},
		{"another transfer encoding", mp, part("text/plain", "base64", "YQ==") + "--b--\r\n",
			part("text/plain", "7bit", "YQ==") + "--b--\r\n", ErrInputChanged},
		{"another text, same structure", mp, part("text/plain", "7bit", "hello") + "--b--\r\n",
			part("text/plain", "7bit", "world") + "--b--\r\n", ErrInputChanged},
		{"a leaf turns multipart", "Content-Type: text/plain", "caf\xe9", "", nil},
		{"longer", "Content-Type: text/plain", "hello\r\n", "hello\r\nworld\r\n", ErrInputChanged},
		{"ends in a bare CR", "Content-Type: text/plain", "hello\r\n", "hello\r", ErrInputChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opened, closed int
			bodies := []string{tc.first}
			if tc.second != "" {
				bodies = append(bodies, tc.second)
			}
			var w sbSevenBitWriter
			_, err := Convert(msgtest.Header(t, tc.header), sbOpenSeq(&opened, &closed, bodies...), &w, Limits{})
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if opened != 2 || closed != 2 {
				t.Errorf("opened %d times, closed %d times", opened, closed)
			}
		})
	}

	t.Run("open fails", func(t *testing.T) {
		boom := errors.New("boom")
		calls := 0
		open := func() (io.ReadCloser, error) {
			if calls++; calls == 2 {
				return nil, boom
			}
			return io.NopCloser(strings.NewReader("x")), nil
		}
		if _, err := Convert(msgtest.Header(t, "Subject: x"), open, io.Discard, Limits{}); !errors.Is(err, boom) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestConvertBeforeWriting: a *MIMEError, for the structure or not, is found before anything is
// written.
func TestConvertBeforeWriting(t *testing.T) {
	mp := "Content-Type: multipart/mixed; boundary=b"
	for _, body := range []string{
		"--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--b\r\nContent-Transfer-Encoding: x-foo\r\n\r\n\xe9\r\n--b--\r\n",
		"--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\xe9\x01\r\n--b--\r\n",
		"--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--b\r\nContent-Type: multipart/mixed\r\n\r\n--b--\r\n",
		"--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--b\r\nContent-Type: text/plain; name=caf\xe9\r\n\r\nx\r\n--b--\r\n",
	} {
		var w sbSevenBitWriter
		var me *MIMEError
		if _, err := Convert(msgtest.Header(t, mp), sbOpener([]byte(body)), &w, Limits{}); !errors.As(err, &me) || w.n != 0 {
			t.Errorf("err = %v, %d octets written", err, w.n)
		}
	}
}

// TestConvertPieces: long lines, read in pieces, with the line end before a delimiter split
// between two pieces; the output is the same whatever the size of the reads.
func TestConvertPieces(t *testing.T) {
	mp := "Content-Type: multipart/mixed; boundary=b"
	for _, n := range []int{readBufferSize - 3, readBufferSize - 2, readBufferSize - 1, readBufferSize, readBufferSize + 1, 3*readBufferSize - 1} {
		for _, fill := range []string{"x", "\xe9"} {
			line := strings.Repeat(fill, n)
			for _, body := range []string{
				"--b\r\nContent-Type: text/plain\r\n\r\n" + line + "\r\n--b--\r\n",
				"--b\n\n" + line + "\n\n--b\n\n" + line + "\r\n\r\n--b--\n",
				"--b\r\n\r\n" + line + "\r\r\n--b--",
				"--b\r\nContent-Transfer-Encoding: base64\r\n\r\n" + line + "QQ\r\n--b--\r\n",
			} {
				_, want, err := sbRun(t, mp, []byte(body))
				if err != nil {
					t.Fatal(err)
				}
				h := msgtest.Header(t, mp)
				var out bytes.Buffer
				open := func() (io.ReadCloser, error) {
					return io.NopCloser(bufio.NewReaderSize(strings.NewReader(body), 16)), nil
				}
				nh, err := Convert(h, open, &out, Limits{})
				if got := append([]byte(msgtest.Text(t, nh)), out.Bytes()...); err != nil || !bytes.Equal(got, want) {
					t.Fatalf("%d × %q: err = %v; small reads change the output", n, fill, err)
				}
				if i := sbSevenBit(want); i >= 0 {
					t.Fatalf("%d × %q: 8-bit output", n, fill)
				}
				leaves, err := sbSecondParse(want)
				if err != nil || len(leaves) == 0 {
					t.Fatalf("%d × %q: second parser: %v\n%.600q", n, fill, err, want)
				}
			}
		}
	}
}

// sbStore walks a message as maddy's IMAP store (go-imap-sql) does when it stores it: it builds
// the BODYSTRUCTURE with go-imap's backendutil, which reads every multipart with go-message's
// multipart reader and the header of every encapsulated message with go-message's header parser,
// whatever the transfer encodings say, to the end of every part.
func sbStore(h textproto.Header, body []byte) error {
	_, err := backendutil.FetchBodyStructure(h, bufio.NewReader(bytes.NewReader(body)), true)
	return err
}

// FuzzCheck: Check never panics and fails only with a *MIMEError; when it accepts a message,
// Convert does not refuse its structure (and writes 7-bit output when it succeeds); when Convert
// refuses the structure, Check refuses it for the same reason.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nK\xc3\xb6ln\r\n--b--\r\n",
		"Content-Type: multipart/mixed\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n\r\nx\r\n----\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\nno delimiter\r\n",
		"Content-Type: message/rfc822\r\n\r\nSubject: x\r\nContent-Type: message/rfc822\r\n\r\nSubject: y\r\n\r\nbody\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nbroken header\r\n\r\nx\r\n--b--\r\n",
		"Content-Type: application/vnd.wap.multipart.related; boundary=w\r\n\r\n--w\r\nContent-Transfer-Encoding: x-foo\r\n\r\n\xe9\r\n--w--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\n\r\n\xe9\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogeA0KDQp4DQo=\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n--b\r\n\r\nx\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: y\r\n\r\nz\r\n--b--\r\nepilogue\r\n",
	} {
		f.Add([]byte(s), uint8(0), uint8(0))
		f.Add([]byte(s), uint8(1), uint8(1))
	}
	header, body := sbNest(6)
	f.Add(append(sbCRLF(header+"\n\n"), body...), uint8(4), uint8(0))
	header, body = sbNestMixed(6)
	f.Add(append(sbCRLF(header+"\n\n"), body...), uint8(5), uint8(3))
	f.Fuzz(func(t *testing.T, msg []byte, depth, parts uint8) {
		br := bufio.NewReader(bytes.NewReader(msg))
		h, err := textproto.ReadHeader(br)
		if err != nil {
			return
		}
		body, _ := io.ReadAll(br)
		lim := Limits{Depth: int(depth % 40), Parts: int(parts)}
		checkErr := Check(h, bytes.NewReader(body), lim)
		var checkME *MIMEError
		if checkErr != nil && !errors.As(checkErr, &checkME) {
			t.Fatalf("Check: error is not a *MIMEError: %v", checkErr)
		}
		if checkErr == nil {
			if err := sbStore(h, body); err != nil {
				t.Fatalf("Check accepts a message the IMAP store cannot walk: %v", err)
			}
		}
		var out bytes.Buffer
		nh, err := Convert(h, sbOpener(body), &out, lim)
		var me *MIMEError
		switch {
		case err == nil:
			if checkErr != nil {
				t.Fatalf("Convert succeeds where Check says %v", checkErr)
			}
			var hb bytes.Buffer
			if err := textproto.WriteHeader(&hb, nh); err != nil {
				t.Fatalf("returned header does not write: %v", err)
			}
			whole := append(hb.Bytes(), out.Bytes()...)
			if i := sbSevenBit(whole); i >= 0 {
				t.Fatalf("output not 7-bit at %d: %q", i, whole)
			}
		case !errors.As(err, &me):
			t.Fatalf("Convert: error is not a *MIMEError: %v", err)
		case me.conversion:
			// Found before the walk got as far as a structural error, if any.
		case checkErr == nil:
			t.Fatalf("Check accepts a structure Convert refuses: %v", err)
		case *me != *checkME:
			t.Fatalf("Convert: %v; Check: %v", err, checkErr)
		}
	})
}

// TestCheckEncapsulatedHeaderAtDelimiter: an encapsulated message whose header's empty line is
// followed by a delimiter line is refused only when the store cannot walk it (a CRLF empty line
// before LF delimiters); a header-only forwarded message is accepted.
func TestCheckEncapsulatedHeaderAtDelimiter(t *testing.T) {
	for _, c := range []struct {
		msg string
		ok  bool
	}{
		{"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: y\r\n\r\n--b--\r\n", true},
		{"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nSubject: y\n\n--b--\n", true},
		{"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b \t\r\nContent-Type: message/rfc822\r\n\r\nSubject: y\r\n\r\n--b\r\n\r\nx\r\n--b--", true},
		{"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nSubject: y\r\n\r\n--b--", false},
	} {
		br := bufio.NewReader(strings.NewReader(c.msg))
		h, err := textproto.ReadHeader(br)
		if err != nil {
			t.Fatal(err)
		}
		err = Check(h, br, Limits{})
		if (err == nil) != c.ok {
			t.Errorf("%q: Check = %v, want ok %v", c.msg, err, c.ok)
		}
	}
}
