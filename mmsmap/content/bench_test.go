// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package content

import (
	"bytes"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/msgtest"
	"github.com/maddy-mms/maddy-mms/mmsmap/sevenbit"
)

// mediaEncoding is how makeMM writes its media part.
type mediaEncoding int

const (
	mediaBase64 mediaEncoding = iota // as MMSCs send it: copied by ForMail
	mediaBinary                      // raw octets: ForMail encodes them
	mediaUTF16                       // the media part is UTF-16 text instead: ForMail transcodes it
)

// makeMM returns the header and body of an MM of about size octets, as TS 23.140 shapes it: a
// SMIL presentation, a text part and one media part (a JPEG, or UTF-16 text) filling the rest.
func makeMM(tb testing.TB, size int, enc mediaEncoding) (textproto.Header, []byte) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/related; type=\"application/smil\"; start=\"<smil>\"; boundary=\"mmsb\"\r\n\r\n")
	b.WriteString("--mmsb\r\nContent-Type: application/smil\r\nContent-ID: <smil>\r\nContent-Location: mms.smil\r\n\r\n" +
		"<smil><body><par dur=\"5s\"><img src=\"image.jpg\"/><text src=\"text.txt\"/></par></body></smil>\r\n")
	b.WriteString("--mmsb\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Location: text.txt\r\n\r\nA photo from the trip.\r\n")
	raw := max(0, size-b.Len()-300)
	switch enc {
	case mediaBase64:
		raw = raw / 78 * 57
		b.WriteString("--mmsb\r\nContent-Type: image/jpeg\r\nContent-Location: image.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		data := make([]byte, raw)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		s := base64.StdEncoding.EncodeToString(data)
		for len(s) > 76 {
			b.WriteString(s[:76] + "\r\n")
			s = s[76:]
		}
		b.WriteString(s + "\r\n")
	case mediaBinary:
		b.WriteString("--mmsb\r\nContent-Type: image/jpeg\r\nContent-Location: image.jpg\r\nContent-Transfer-Encoding: binary\r\n\r\n")
		for range raw {
			c := byte(rng.Uint32())
			if c == '-' {
				c = '+' // no accidental delimiter line
			}
			b.WriteByte(c)
		}
		b.WriteString("\r\n")
	case mediaUTF16:
		b.WriteString("--mmsb\r\nContent-Type: text/plain; charset=utf-16le\r\nContent-Transfer-Encoding: binary\r\n\r\n")
		line := utf16.Encode([]rune("Привет, это длинное письмо. Hello, this is a long text. \r\n"))
		for b.Len() < size-20 {
			for _, u := range line {
				b.WriteByte(byte(u))
				b.WriteByte(byte(u >> 8))
			}
		}
		b.WriteString("\r\n")
	}
	b.WriteString("--mmsb--\r\n")
	return msgtest.Split(tb, b.Bytes())
}

var benchSizes = []struct {
	name string
	size int
}{{"1.4KB", 1400}, {"300KB", 300 << 10}, {"1.5MB", 1500 << 10}, {"5MB", 5 << 20}}

// onlyReader and onlyWriter hide io.WriterTo and io.ReaderFrom, so that io.Copy copies through
// its buffer, as a copy of the body from a spool file to the network would.
type onlyReader struct{ io.Reader }
type onlyWriter struct{ io.Writer }

// BenchmarkForMail adapts MMs of 1.4 KB to 5 MB whose media is base64 already (as MMSCs send
// it), next to BenchmarkCopy, which copies the same bodies with io.Copy.
func BenchmarkForMail(b *testing.B) {
	for _, s := range benchSizes {
		h, body := makeMM(b, s.size, mediaBase64)
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for range b.N {
				if _, _, err := ForMail(h, bytes.NewReader(body), io.Discard, sevenbit.Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkForMailBinary adapts MMs whose media part is raw binary, which ForMail encodes in
// base64.
func BenchmarkForMailBinary(b *testing.B) {
	for _, s := range benchSizes {
		h, body := makeMM(b, s.size, mediaBinary)
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for range b.N {
				if _, _, err := ForMail(h, bytes.NewReader(body), io.Discard, sevenbit.Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCopy is io.Copy of the bodies of BenchmarkForMail.
func BenchmarkCopy(b *testing.B) {
	for _, s := range benchSizes {
		_, body := makeMM(b, s.size, mediaBase64)
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for range b.N {
				if _, err := io.Copy(onlyWriter{io.Discard}, onlyReader{bytes.NewReader(body)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestMemoryBounded: adapting a 5 MB MM allocates a bounded amount, far below its size, whether
// its media part is copied, encoded in base64, or transcoded from UTF-16.
func TestMemoryBounded(t *testing.T) {
	for _, enc := range []mediaEncoding{mediaBase64, mediaBinary, mediaUTF16} {
		h, body := makeMM(t, 5<<20, enc)
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		var n countWriter
		_, res, err := ForMail(h, bytes.NewReader(body), &n, sevenbit.Limits{})
		runtime.ReadMemStats(&ms)
		allocated := ms.TotalAlloc - before
		if err != nil {
			t.Fatal(err)
		}
		if !res.Changed || n < 4<<20 {
			t.Fatalf("encoding %d: Changed %v, %d octets written", enc, res.Changed, n)
		}
		if allocated > 512<<10 {
			t.Errorf("encoding %d: %d octets allocated to adapt a %d-octet MM", enc, allocated, len(body))
		}
		t.Logf("encoding %d: %d KiB allocated for %d KiB", enc, allocated>>10, len(body)>>10)
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

// TestMakeMM checks the benchmark's messages.
func TestMakeMM(t *testing.T) {
	for _, enc := range []mediaEncoding{mediaBase64, mediaBinary, mediaUTF16} {
		h, body := makeMM(t, 300<<10, enc)
		if err := sevenbit.Check(h, bytes.NewReader(body), sevenbit.Limits{}); err != nil {
			t.Fatal(err)
		}
		if d := len(body) - 300<<10; d < -1000 || d > 1000 {
			t.Errorf("encoding %d: %d octets", enc, len(body))
		}
		var out bytes.Buffer
		nh, _, err := ForMail(h, bytes.NewReader(body), &out, sevenbit.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		top, leaves := goLeaves(t, append([]byte(msgtest.Text(t, withContent(h, nh))), out.Bytes()...))
		if top != "multipart/mixed" || len(leaves) != 3 || leaves[2].Type != "application/smil" {
			t.Errorf("encoding %d: %s, %d leaves", enc, top, len(leaves))
		}
		if enc == mediaUTF16 && !strings.HasPrefix(string(leaves[1].Data), "Привет") {
			t.Errorf("UTF-16 text reads %q", leaves[1].Data[:40])
		}
	}
}
