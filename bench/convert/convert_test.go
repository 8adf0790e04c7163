// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package convert

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/sevenbit"
)

// discard takes what is written and keeps nothing. Unlike io.Discard it has
// no ReadFrom, so that io.Copy into it moves the octets through a buffer.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// onlyReader hides bytes.Reader's WriteTo: io.Copy(io.Discard,
// bytes.NewReader(b)) is one Write of the whole slice, which io.Discard drops
// without looking at it, in the same few nanoseconds whatever the size.
type onlyReader struct{ io.Reader }

// counter counts what is written.
type counter int64

func (c *counter) Write(p []byte) (int, error) { *c += counter(len(p)); return len(p), nil }

func makeMM(tb testing.TB, size int) *Message {
	tb.Helper()
	m, err := MakeMM(size)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func makeMail(tb testing.TB, size int, binary bool) *Message {
	tb.Helper()
	m, err := MakeMail(size, binary)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// TestMessages checks the inputs (their size, their structure) and that
// both conversions do their work on them: the MM becomes multipart/mixed
// mail, the mail a 7-bit clean MM4_forward.REQ that sevenbit.Convert had to
// re-encode.
func TestMessages(t *testing.T) {
	for _, s := range Sizes {
		mm := makeMM(t, s.Size)
		mail := makeMail(t, s.Size, false)
		bin := makeMail(t, s.Size, true)
		for _, m := range []*Message{mm, mail, bin} {
			if d := m.Size - s.Size; d < -s.Size/50 || d > s.Size/50 {
				t.Errorf("%s: %s", s.Name, Describe(m))
			}
			if err := sevenbit.Check(m.Header, bytes.NewReader(m.Body), sevenbit.DefaultLimits); err != nil {
				t.Fatalf("%s: %v", s.Name, err)
			}
		}
		var out bytes.Buffer
		h, err := MMToMail(mm, &out)
		if err != nil {
			t.Fatalf("%s: MMToMail: %v", s.Name, err)
		}
		if mt, _, _ := mime.ParseMediaType(h.Get("Content-Type")); mt != "multipart/mixed" || h.Get("X-Mms-Message-Type") != "" {
			t.Errorf("%s: MMToMail gives %s, X-Mms-Message-Type %q", s.Name, mt, h.Get("X-Mms-Message-Type"))
		}
		var hb bytes.Buffer
		textproto.WriteHeader(&hb, h)
		body := bytes.TrimSuffix(out.Bytes(), hb.Bytes())
		if err := sevenbit.Check(h, bytes.NewReader(body), sevenbit.DefaultLimits); err != nil {
			t.Errorf("%s: MMToMail: %v", s.Name, err)
		}
		for _, m := range []*Message{mail, bin} {
			out.Reset()
			h, err := MailToMM(m, &MemorySpool{}, &out)
			if err != nil {
				t.Fatalf("%s: MailToMM: %v", s.Name, err)
			}
			if h.Get("X-Mms-Message-Type") != "MM4_forward.REQ" || h.Get("Content-Transfer-Encoding") != "7bit" && h.Get("Content-Transfer-Encoding") != "" {
				t.Errorf("%s: MailToMM header %v", s.Name, h.Map())
			}
			// Not sevenbit.Clean: it also says no when "8bit" happens to
			// be spelt by the base64 of a large attachment.
			if err := sevenBitLines(out.Bytes()); err != "" {
				t.Errorf("%s: MailToMM: %s", s.Name, err)
			}
			if err := sevenbit.Check(h, bytes.NewReader(out.Bytes()), sevenbit.DefaultLimits); err != nil {
				t.Errorf("%s: MailToMM: %v", s.Name, err)
			}
			if bytes.Contains(out.Bytes(), []byte("text/html")) || !bytes.Contains(out.Bytes(), []byte("base64")) {
				t.Errorf("%s: MailToMM kept the HTML or encoded nothing", s.Name)
			}
		}
	}
}

// sevenBitLines says what keeps b from being 7-bit clean (RFC 2045 §2.7,
// RFC 5321 §4.5.3.1.6), or "" when it is.
func sevenBitLines(b []byte) string {
	for i, line := range bytes.Split(b, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > 998 {
			return fmt.Sprintf("line %d is %d octets long", i+1, len(line))
		}
		if j := bytes.IndexFunc(line, func(r rune) bool { return r == 0 || r == '\r' || r >= 0x80 }); j >= 0 {
			return fmt.Sprintf("line %d holds %q", i+1, line[j])
		}
	}
	return ""
}

// measure runs convert once and returns the octets allocated while it ran
// (runtime.MemStats.TotalAlloc) and the peak of the heap's live and
// not-yet-collected objects above what they were before it began, sampled
// every few microseconds from another goroutine (runtime/metrics).
func measure(t *testing.T, convert func() error) (allocated, peak uint64) {
	t.Helper()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	runtime.GC() // sync.Pool buffers dropped: every size starts alike
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before, base := ms.TotalAlloc, heap()
	var top atomic.Uint64
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if h := heap(); h > top.Load() {
				top.Store(h)
			}
			time.Sleep(2 * time.Microsecond)
		}
	}()
	err := convert()
	if h := heap(); h > top.Load() {
		top.Store(h)
	}
	stop.Store(true)
	wg.Wait()
	runtime.ReadMemStats(&ms)
	if err != nil {
		t.Fatal(err)
	}
	if p := top.Load(); p > base {
		peak = p - base
	}
	return ms.TotalAlloc - before, peak
}

// TestPeakMemory: the memory a conversion takes does not grow with the
// message (the target (a): a 5 MB conversion within 2× of a 1.4 KB
// one). The messages are in memory before it starts (maddy's buffer), and
// mail → MM keeps its intermediate bodies as the module does: in memory under
// 1 MiB, else in a file. Asserted on the octets allocated, which bound the
// peak: 5 MB ≤ 2 × max(1.4 KB, 256 KiB). The sampled peak is logged.
func TestPeakMemory(t *testing.T) {
	dir := t.TempDir()
	spool := func(m *Message) (Spool, func()) {
		if len(m.Body) < 1<<20 {
			return &MemorySpool{}, func() {}
		}
		fs, err := NewFileSpool(dir)
		if err != nil {
			t.Fatal(err)
		}
		return fs, func() { fs.Close() }
	}
	type conversion struct {
		name string
		make func(size int) *Message
		run  func(m *Message, w io.Writer) error
	}
	for _, c := range []conversion{
		{"MMToMail", func(n int) *Message { return makeMM(t, n) },
			func(m *Message, w io.Writer) error { _, err := MMToMail(m, w); return err }},
		{"MailToMM", func(n int) *Message { return makeMail(t, n, false) },
			func(m *Message, w io.Writer) error {
				s, done := spool(m)
				defer done()
				_, err := MailToMM(m, s, w)
				return err
			}},
		{"MailToMMBinary", func(n int) *Message { return makeMail(t, n, true) },
			func(m *Message, w io.Writer) error {
				s, done := spool(m)
				defer done()
				_, err := MailToMM(m, s, w)
				return err
			}},
	} {
		allocated := map[string]uint64{}
		for _, s := range Sizes {
			m := c.make(s.Size)
			var a, p uint64
			for range 3 { // the largest of three runs
				var n counter
				ra, rp := measure(t, func() error { return c.run(m, &n) })
				a, p = max(a, ra), max(p, rp)
			}
			allocated[s.Name] = a
			t.Logf("%-14s %-6s allocated %5d KiB, peak heap +%5d KiB", c.name, s.Name, a>>10, p>>10)
			runtime.KeepAlive(m)
		}
		small, large := allocated[Sizes[0].Name], allocated[Sizes[len(Sizes)-1].Name]
		if limit := 2 * max(small, 256<<10); large > limit {
			t.Errorf("%s: %d KiB allocated for 5 MB, over 2 × max(%d KiB for 1.4 KB, 256 KiB)", c.name, large>>10, small>>10)
		}
	}
}

func benchConvert(b *testing.B, make func(size int) *Message, run func(m *Message, s Spool) error) {
	for _, s := range Sizes {
		m := make(s.Size)
		b.Run(s.Name, func(b *testing.B) {
			spool := &MemorySpool{}
			// Once untimed: the spool grows to its size, the pools fill.
			if err := run(m, spool); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(m.Size))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for range b.N {
				if err := run(m, spool); err != nil {
					b.Fatal(err)
				}
			}
			// The CPU time of the whole process (GC workers included):
			// what run.sh compares, since it hardly grows when other
			// processes share the machine, as the time on the clock does.
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkMMToMail converts MM4_forward.REQs to Internet mail (MMToMail).
func BenchmarkMMToMail(b *testing.B) {
	benchConvert(b, func(n int) *Message { return makeMM(b, n) }, func(m *Message, _ Spool) error {
		_, err := MMToMail(m, discard{})
		return err
	})
}

// BenchmarkMailToMM converts Internet mail with a base64 attachment to
// MM4_forward.REQs (MailToMM), the intermediate body in memory.
func BenchmarkMailToMM(b *testing.B) {
	benchConvert(b, func(n int) *Message { return makeMail(b, n, false) }, func(m *Message, s Spool) error {
		_, err := MailToMM(m, s, discard{})
		return err
	})
}

// BenchmarkMailToMMBinary is BenchmarkMailToMM with a binary attachment,
// which ForMMS encodes in base64.
func BenchmarkMailToMMBinary(b *testing.B) {
	benchConvert(b, func(n int) *Message { return makeMail(b, n, true) }, func(m *Message, s Spool) error {
		_, err := MailToMM(m, s, discard{})
		return err
	})
}

// BenchmarkIOCopy copies the MMs' octets with io.Copy, through its 32 KiB
// buffer (onlyReader, discard: see there).
func BenchmarkIOCopy(b *testing.B) {
	benchConvert(b, func(n int) *Message { return makeMM(b, n) }, func(m *Message, _ Spool) error {
		_, err := io.Copy(discard{}, onlyReader{bytes.NewReader(m.Raw)})
		return err
	})
}

// BenchmarkLineCopy copies the MMs' octets a line at a time
// (bufio.Reader.ReadSlice('\n'), 32 KiB buffer, one Write per line): what
// any streaming that looks for MIME delimiter lines must at least do.
func BenchmarkLineCopy(b *testing.B) {
	benchConvert(b, func(n int) *Message { return makeMM(b, n) }, func(m *Message, _ Spool) error {
		return lineCopy(discard{}, onlyReader{bytes.NewReader(m.Raw)})
	})
}

func lineCopy(w io.Writer, r io.Reader) error {
	br := bufio.NewReaderSize(r, 32<<10)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			if _, werr := w.Write(line); werr != nil {
				return werr
			}
		}
		switch err {
		case nil, bufio.ErrBufferFull:
		case io.EOF:
			return nil
		default:
			return err
		}
	}
}

func TestLineCopy(t *testing.T) {
	m := makeMM(t, 300<<10)
	var out bytes.Buffer
	if err := lineCopy(&out, onlyReader{bytes.NewReader(m.Raw)}); err != nil || !bytes.Equal(out.Bytes(), m.Raw) {
		t.Fatalf("lineCopy: %v, %d octets of %d", err, out.Len(), len(m.Raw))
	}
}
