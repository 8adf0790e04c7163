// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package convert measures what it costs to convert an MM to Internet mail
// and Internet mail to an MM (RFC 4356 §2.1.3.2, §2.1.3.3), at 1.4 KB, 300
// KB, 1.5 MB and 5 MB, next to plain copies of the same octets.
//
// MMToMail and MailToMM call the mmsmap packages in the order the module's
// targets do (target.mms_deliver for a received MM4_forward.REQ,
// target.mms_send for a submission to a peer); MakeMM and MakeMail build
// the messages. The benchmarks and the memory test are in convert_test.go;
// run.sh runs them and prints the table (bench/README.md).
package convert

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/content"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm3"
	"github.com/maddy-mms/maddy-mms/mmsmap/sevenbit"
)

// Sizes are the message sizes measured, header and body together.
var Sizes = []struct {
	Name string
	Size int
}{{"1.4KB", 1400}, {"300KB", 300 << 10}, {"1.5MB", 1500 << 10}, {"5MB", 5 << 20}}

// Message is a message split as maddy hands it to a target: the parsed
// header and the body octets. Size is the length of the whole message.
type Message struct {
	Header textproto.Header
	Body   []byte
	Size   int
	Raw    []byte // header and body as on the wire
}

// Open returns the body from its first octet, as buffer.Buffer.Open does.
func (m *Message) Open() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(m.Body)), nil
}

func split(raw []byte) (*Message, error) {
	br := bufio.NewReader(bytes.NewReader(raw))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(br)
	if err != nil {
		return nil, err
	}
	return &Message{Header: h, Body: body, Size: len(raw), Raw: raw}, nil
}

// Spool holds an intermediate body between two steps of a conversion, as
// the module's buffers do (module/content.go adapt, module/target_send.go
// sevenBit).
type Spool interface {
	// Writer starts the spool empty and returns where to write the body.
	Writer() (io.Writer, error)
	// Done ends writing.
	Done() error
	// Open reads back what was written.
	Open() (io.ReadCloser, error)
}

// MemorySpool keeps the body in memory. Reset keeps its capacity, so that
// a benchmark reusing it measures the conversion, not the growth of a buffer.
type MemorySpool struct{ buf bytes.Buffer }

func (s *MemorySpool) Writer() (io.Writer, error) { s.buf.Reset(); return &s.buf, nil }
func (s *MemorySpool) Done() error                { return nil }
func (s *MemorySpool) Open() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(s.buf.Bytes())), nil
}

// FileSpool keeps the body in a file behind a 64 KiB bufio.Writer, as the
// module does for bodies of 1 MiB or more.
type FileSpool struct {
	f *os.File
	w *bufio.Writer
}

// NewFileSpool makes a spool file in dir; Close removes it.
func NewFileSpool(dir string) (*FileSpool, error) {
	f, err := os.CreateTemp(dir, "convert-spool-")
	if err != nil {
		return nil, err
	}
	return &FileSpool{f: f}, nil
}

func (s *FileSpool) Writer() (io.Writer, error) {
	if err := s.f.Truncate(0); err != nil {
		return nil, err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	s.w = bufio.NewWriterSize(s.f, 64<<10)
	return s.w, nil
}

func (s *FileSpool) Done() error { return s.w.Flush() }

func (s *FileSpool) Open() (io.ReadCloser, error) {
	return os.Open(s.f.Name())
}

// Close removes the file.
func (s *FileSpool) Close() error {
	s.f.Close()
	return os.Remove(s.f.Name())
}

var (
	now  = time.Date(2026, 11, 27, 14, 17, 55, 0, time.UTC)
	plan = mmsmap.NumberPlan{CountryCode: "1", InternationalPrefixes: []string{"011"},
		NationalPrefixes: []string{"1"}, NationalLengths: []int{10}}
	view = mm3.MailView{Domain: "mms.example.net", Plan: plan, Now: func() time.Time { return now },
		ReceivedFrom: "mms.mnc001.mcc262.gprs", ReceivedBy: "mx.mms.example.net", ReceivedID: "T0001"}
	lim = sevenbit.DefaultLimits
)

// MMToMail converts a received MM4_forward.REQ as target.mms_deliver does
// (module/inbound_forward_req.go): sevenbit.Check of its structure, the header
// mapped by mm3.ToInternetMail, the body adapted by content.ForMail, streamed.
// It writes the mail to w: the body first, since ForMail says which
// Content-* fields the header gets only once the body is written, then the
// header (a queue writes the header before the body, from its own copy of
// the body). It returns the mail header.
func MMToMail(m *Message, w io.Writer) (textproto.Header, error) {
	rd, _ := m.Open()
	if err := sevenbit.Check(m.Header, rd, lim); err != nil {
		return textproto.Header{}, err
	}
	mh, err := mm3.ToInternetMail(m.Header, view)
	if err != nil {
		return textproto.Header{}, err
	}
	rd, _ = m.Open()
	ch, res, err := content.ForMail(mh, rd, w, lim)
	if err != nil {
		return textproto.Header{}, err
	}
	if res.Changed {
		mh = replaceContentFields(mh, ch)
	}
	return mh, textproto.WriteHeader(w, mh)
}

// MailToMM converts a submitted mail into an MM4_forward.REQ to one peer as
// target.mms_send does (module/target_send.go Body, sevenBit, queueREQ):
// sevenbit.Check of its structure, content.ForMMS into spool, sevenbit.Clean of
// what it wrote and, when that is not 7-bit clean, sevenbit.Convert (two
// passes over spool), then mm3.NewForwardRequest on the header. It writes the
// 7-bit body to w (the module writes it into a second buffer that the queue
// copies), and returns the REQ header.
func MailToMM(m *Message, spool Spool, w io.Writer) (textproto.Header, error) {
	rd, _ := m.Open()
	if err := sevenbit.Check(m.Header, rd, lim); err != nil {
		return textproto.Header{}, err
	}
	sw, err := spool.Writer()
	if err != nil {
		return textproto.Header{}, err
	}
	rd, _ = m.Open()
	ch, res, err := content.ForMMS(m.Header, rd, sw, lim)
	if err != nil {
		return textproto.Header{}, err
	}
	if err := spool.Done(); err != nil {
		return textproto.Header{}, err
	}
	h, open := m.Header, m.Open
	if res.Changed {
		h, open = replaceContentFields(m.Header, ch), spool.Open
	}
	rd, err = open()
	if err != nil {
		return textproto.Header{}, err
	}
	clean, err := sevenbit.Clean(h, rd)
	rd.Close()
	if err != nil {
		return textproto.Header{}, err
	}
	if clean {
		rd, _ = open()
		_, err = io.Copy(w, rd)
		rd.Close()
	} else {
		h, err = sevenbit.Convert(h, open, w, lim)
	}
	if err != nil {
		return textproto.Header{}, err
	}
	fr, err := mm3.NewForwardRequest(h, mm3.ForwardOptions{
		Version: "6.10.0", TransactionID: "T0001@mms.example.net", MessageID: "M0001@mms.example.net",
		AckRequest: true, OriginatorSystem: "system-user@mms.example.net",
		Sender:       mmsmap.Address{Type: mmsmap.TypePLMN, Value: "+15550001111", TypeName: "PLMN"},
		SenderDomain: "mms.example.net",
		Recipients:   []mmsmap.Address{{Type: mmsmap.TypePLMN, Value: "+4915112345678", TypeName: "PLMN"}},
		Form:         mmsmap.FormPLMN, PeerDomain: "mms.mnc001.mcc262.gprs", Plan: plan, Now: now,
	})
	if err != nil {
		return textproto.Header{}, err
	}
	return fr.Header, nil
}

// replaceContentFields is module/content.go's: h with its Content-* fields
// replaced by those of ch, where h had its first one.
func replaceContentFields(h, ch textproto.Header) textproto.Header {
	var fields [][]byte
	placed := false
	addContent := func() {
		placed = true
		for cf := ch.Fields(); cf.Next(); {
			fields = append(fields, rawField(cf))
		}
	}
	for f := h.Fields(); f.Next(); {
		if strings.HasPrefix(strings.ToLower(f.Key()), "content-") {
			if !placed {
				addContent()
			}
			continue
		}
		fields = append(fields, rawField(f))
	}
	if !placed {
		addContent()
	}
	var out textproto.Header
	for i := len(fields) - 1; i >= 0; i-- {
		out.AddRaw(fields[i])
	}
	return out
}

func rawField(f textproto.HeaderFields) []byte {
	if raw, err := f.Raw(); err == nil {
		return raw
	}
	return []byte(f.Key() + ": " + f.Value() + "\r\n")
}

// base64Lines writes n random octets starting with magic, in base64 lines of
// 76 characters.
func base64Lines(b *bytes.Buffer, rng *rand.Rand, magic string, n int) {
	data := make([]byte, max(n, len(magic)))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	copy(data, magic)
	s := base64.StdEncoding.EncodeToString(data)
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s + "\r\n")
}

// fill builds a message with build(raw) for raw octets of media, choosing
// raw so that the message is about size octets.
func fill(size int, build func(raw int) []byte) (*Message, error) {
	base := len(build(0))
	raw := max(0, (size-base)*57/78)
	for range 8 { // base64 and line ends: converge on the size
		d := size - len(build(raw))
		if d > -78 && d < 78 {
			break
		}
		raw = max(0, raw+d*57/78)
	}
	return split(build(raw))
}

// MakeMM returns an MM4_forward.REQ of about size octets as a peer MMSC
// sends it (TS 23.140 §8.4.1, §8.4.4; the shape of Mbuni's in
// ../shared/corpus/mm4-wire): a multipart/related rooted at SMIL, with a text
// part, a JPEG and an AMR clip in base64 (four fifths and one fifth of the
// media), random octets so that nothing compresses.
func MakeMM(size int) (*Message, error) {
	return fill(size, func(raw int) []byte {
		rng := rand.New(rand.NewPCG(1, 2))
		var b bytes.Buffer
		b.WriteString("X-Mms-3GPP-MMS-Version: 6.10.0\r\nX-Mms-Message-Type: MM4_forward.REQ\r\n" +
			"X-Mms-Transaction-ID: T0001@mms.mnc001.mcc262.gprs\r\nX-Mms-Message-ID: M0001@mms.mnc001.mcc262.gprs\r\n" +
			"X-Mms-Ack-Request: Yes\r\nX-Mms-Originator-System: system-user@mms.mnc001.mcc262.gprs\r\n" +
			"From: +4915112345678/TYPE=PLMN@mms.mnc001.mcc262.gprs\r\nTo: +15550001111/TYPE=PLMN@mms.example.net\r\n" +
			"Subject: Photo\r\nDate: Fri, 27 Nov 2026 14:17:55 +0000\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/related; type=\"application/smil\"; start=\"<s>\"; boundary=\"b1\"\r\n\r\n")
		b.WriteString("--b1\r\nContent-Type: application/smil\r\nContent-ID: <s>\r\nContent-Location: s.smil\r\n\r\n" +
			"<smil><body><par dur=\"5s\"><img src=\"p.jpg\"/><text src=\"t.txt\"/><audio src=\"a.amr\"/></par></body></smil>\r\n")
		b.WriteString("--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Location: t.txt\r\n\r\nFrom the trip.\r\n")
		b.WriteString("--b1\r\nContent-Type: image/jpeg\r\nContent-Location: p.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		base64Lines(&b, rng, "\xff\xd8\xff\xe0", raw*4/5)
		b.WriteString("--b1\r\nContent-Type: audio/amr\r\nContent-Location: a.amr\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		base64Lines(&b, rng, "#!AMR\n", raw-raw*4/5)
		b.WriteString("--b1--\r\n")
		return b.Bytes()
	})
}

// MakeMail returns Internet mail of about size octets as a mail client
// sends it to a phone number: multipart/mixed of a multipart/alternative
// (text/plain in 8-bit UTF-8, text/html in quoted-printable) and a JPEG
// attachment in base64 (binary: raw octets with Content-Transfer-Encoding:
// binary instead, as BINARYMIME carries it, so that ForMMS encodes it).
func MakeMail(size int, binary bool) (*Message, error) {
	return fill(size, func(raw int) []byte {
		rng := rand.New(rand.NewPCG(3, 4))
		var b bytes.Buffer
		b.WriteString("Received: from [192.0.2.7] by mx.mms.example.net with ESMTPSA; Fri, 27 Nov 2026 14:17:55 +0000\r\n" +
			"From: Zoë <zoe@mail.example.org>\r\nTo: +15550001111@mms.example.net\r\nSubject: Photo\r\n" +
			"Date: Fri, 27 Nov 2026 14:17:55 +0000\r\nMessage-ID: <c1@mail.example.org>\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=\"m1\"\r\n\r\n")
		b.WriteString("--m1\r\nContent-Type: multipart/alternative; boundary=\"a1\"\r\n\r\n" +
			"--a1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nVoilà la photo.\r\n" +
			"--a1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
			"<html><body><p>Voil=C3=A0 la <b>photo</b>.</p></body></html>\r\n--a1--\r\n")
		if binary {
			b.WriteString("--m1\r\nContent-Type: image/jpeg; name=\"p.jpg\"\r\nContent-Disposition: attachment; filename=\"p.jpg\"\r\n" +
				"Content-Transfer-Encoding: binary\r\n\r\n\xff\xd8\xff\xe0")
			// Random octets, but "-": no delimiter line by chance.
			for range raw * 78 / 57 {
				c := byte(rng.Uint32())
				if c == '-' {
					c = '+'
				}
				b.WriteByte(c)
			}
			b.WriteString("\r\n")
		} else {
			b.WriteString("--m1\r\nContent-Type: image/jpeg; name=\"p.jpg\"\r\nContent-Disposition: attachment; filename=\"p.jpg\"\r\n" +
				"Content-Transfer-Encoding: base64\r\n\r\n")
			base64Lines(&b, rng, "\xff\xd8\xff\xe0", raw)
		}
		b.WriteString("--m1--\r\n")
		return b.Bytes()
	})
}

// Describe is one line about m, for the logs.
func Describe(m *Message) string {
	return fmt.Sprintf("%d octets (header %d, body %d)", m.Size, m.Size-len(m.Body), len(m.Body))
}
