// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package content

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/msgtest"
	"github.com/maddy-mms/maddy-mms/mmsmap/sevenbit"
)

// fuzzSeeds are the test messages, the real MMSC's messages and hostile structures.
func fuzzSeeds(f *testing.F) {
	ins, _ := filepath.Glob(filepath.Join("testdata", "in", "*.eml"))
	corpus, err := filepath.Glob(filepath.Join(corpusDir(), "*.eml"))
	if err != nil || len(corpus) == 0 {
		f.Fatalf("real peer corpus in %s: %v", corpusDir(), err)
	}
	for _, name := range append(ins, corpus...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"Content-Type: multipart/related; type=\"application/smil\"; boundary=b\n\n--b\nContent-Type: application/smil\n\n<smil/>\n--b\n" +
			"Content-Type: text/plain; charset=utf-16le\nContent-Transfer-Encoding: binary\n\nh\x00i\x00\n--b\nContent-Type: image/jpeg\n\n\xff\xd8\x00\r\n--b--\n",
		"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html; charset=iso-8859-1\r\n" +
			"Content-Transfer-Encoding: quoted-printable\r\n\r\n<p>caf=E9 &amp; <br>x=\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n",
		"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--b\r\n" +
			"Content-Type: text/plain\r\n\r\nx\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n--c\r\n" +
			"Content-Type: text/html\r\n\r\n<script>x</script>y\r\n--c--\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: x\r\n\r\nbody\r\n--b--\r\n",
		"Content-Type: text/html; charset=shift_jis\r\nContent-Transfer-Encoding: base64\r\n\r\n=?bad base64 ==\r\n",
		"Content-Type: application/vnd.wap.multipart.related; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=ucs-2\r\n\r\n\x00a\r\n--b--",
		"Content-Type: multipart/related; boundary=b\r\n\r\n--b\r\nContent-Location: ../../etc/passwd\r\nContent-Type: image/gif; name=\"\x01\"\r\n\r\nGIF\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n--b \r\n\r\n--b--",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/mixed\r\n\r\nx\r\n--b--\r\n",
	} {
		f.Add([]byte(s))
	}
}

// fuzzAdapt runs fn on a hostile message: it must not panic; an error is a *sevenbit.MIMEError,
// given exactly when sevenbit.Check refuses the input (or for quoted-printable to transcode that
// does not decode); the output passes sevenbit.Check with the header returned; a result without
// Changed is the input; and reading the body line by line, without bodyReader.fastFill, gives
// the same result.
func fuzzAdapt(t *testing.T, dir direction, data []byte) {
	br := bufio.NewReader(bytes.NewReader(data))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		return
	}
	body, _ := io.ReadAll(br)
	var out bytes.Buffer
	lim := sevenbit.Limits{Depth: 8, Parts: 50}
	nh, res, err := walk(dir, h, bytes.NewReader(body), &out, lim, false)
	var slowOut bytes.Buffer
	slowH, slowRes, slowErr := walk(dir, h, bytes.NewReader(body), &slowOut, lim, true)
	if !bytes.Equal(out.Bytes(), slowOut.Bytes()) || contentPairs(nh) != contentPairs(slowH) || res != slowRes ||
		(err == nil) != (slowErr == nil) || err != nil && err.Error() != slowErr.Error() {
		t.Fatalf("line by line: %v, %v, %q; fast: %v, %v, %q", slowErr, slowRes, slowOut.Bytes(), err, res, out.Bytes())
	}
	checkErr := sevenbit.Check(h, bytes.NewReader(body), lim)
	if err != nil {
		var me *sevenbit.MIMEError
		if !errors.As(err, &me) {
			t.Fatalf("error %v (%T), want a *sevenbit.MIMEError", err, err)
		}
		if checkErr == nil && !strings.HasPrefix(me.Reason, "quoted-printable") && !strings.Contains(me.Reason, "rewrite") {
			t.Fatalf("refused what sevenbit.Check accepts: %v", err)
		}
		return
	}
	if checkErr != nil {
		t.Fatalf("accepted what sevenbit.Check refuses (%v)", checkErr)
	}
	if err := sevenbit.Check(withContent(h, nh), bytes.NewReader(out.Bytes()), sevenbit.Limits{}); err != nil {
		t.Fatalf("output refused by sevenbit.Check: %v\n%q", err, out.Bytes())
	}
	if !res.Changed && (!bytes.Equal(out.Bytes(), body) || contentPairs(nh) != contentPairs(h)) {
		t.Fatalf("not Changed, but the output differs:\n%q", out.Bytes())
	}
}

func FuzzForMail(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzAdapt(t, toMail, data) })
}

func FuzzForMMS(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzAdapt(t, toMMS, data) })
}

// TestFastFillSame compares the two ways of reading bodies on large random messages, whose lines
// cross the 16 KiB read buffer at every offset: lines beginning with "-", "--b" lookalikes, bare
// CR and LF, long lines and base64.
func TestFastFillSame(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"-", "--", "--b", "--b-", "--bb", "--b--", "\r", "\n", "\r\n", "x", "abc ", "QUJD", "=",
		strings.Repeat("y", 5000), strings.Repeat("z", 20000)}
	ok := 0
	for i := range 300 {
		var b strings.Builder
		b.WriteString("Content-Type: multipart/related; boundary=b\r\n\r\n--b\r\nContent-Type: image/jpeg\r\n")
		if i%3 == 0 {
			b.WriteString("Content-Transfer-Encoding: base64\r\n")
		}
		b.WriteString("\r\n")
		for b.Len() < 40000+rng.IntN(60000) {
			p := pieces[rng.IntN(len(pieces))]
			if strings.HasPrefix(p, "--b") && rng.IntN(4) > 0 {
				p = "-" + p // mostly not a delimiter line
			}
			b.WriteString(p)
		}
		b.WriteString("\r\n--b\r\nContent-Type: text/plain; charset=utf-16\r\n\r\n\xfe\xff\x00h\r\n--b--\r\n")
		h, body := msgtest.Split(t, []byte(b.String()))
		for _, dir := range []direction{toMail, toMMS} {
			var fast, slow bytes.Buffer
			fh, fr, ferr := walk(dir, h, bytes.NewReader(body), &fast, sevenbit.Limits{}, false)
			sh, sr, serr := walk(dir, h, bytes.NewReader(body), &slow, sevenbit.Limits{}, true)
			if !bytes.Equal(fast.Bytes(), slow.Bytes()) || contentPairs(fh) != contentPairs(sh) || fr != sr ||
				fmt.Sprint(ferr) != fmt.Sprint(serr) {
				t.Fatalf("message %d, direction %d: fast %v, %v; line by line %v, %v", i, dir, ferr, fr, serr, sr)
			}
			if ferr == nil {
				ok++
				checkSevenbit(t, append([]byte(msgtest.Text(t, withContent(h, fh))), fast.Bytes()...))
			}
		}
	}
	if ok < 200 {
		t.Errorf("only %d of 600 adapted without error", ok)
	}
}
