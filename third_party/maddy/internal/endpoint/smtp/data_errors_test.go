/*
Maddy Mail Server - Composable all-in-one email server.
Copyright © 2019-2020 Max Mazurov <fox.cpp@disroot.org>, Maddy Mail Server contributors

This program is free software: you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation, either version 3 of the License, or
(at your option) any later version.

This program is distributed in the hope that it will be useful,
but WITHOUT ANY WARRANTY; without even the implied warranty of
MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
GNU General Public License for more details.

You should have received a copy of the GNU General Public License
along with this program.  If not, see <https://www.gnu.org/licenses/>.
*/

package smtp

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/config"
	"github.com/foxcpp/maddy/internal/testutils"
)

func TestSMTPDelivery_DataErrors(t *testing.T) {
	long := strings.Repeat("x", 5000)
	cases := []struct {
		name     string
		msg      string
		code     int
		enhanced smtp.EnhancedCode
		words    []string
	}{
		{"long header line", "Subject: " + long + "\r\n\r\nbody\r\n", 554, smtp.EnhancedCode{5, 6, 0}, []string{"Header field Subject", "4000"}},
		{"long folded line", "To: a@example.org,\r\n " + long + "\r\n\r\nbody\r\n", 554, smtp.EnhancedCode{5, 6, 0}, []string{"Header field To", "4000"}},
		{"long line after many", strings.Repeat("X-Pad: "+strings.Repeat("p", 900)+"\r\n", 20) + "X-Long-Id: " + long + "\r\n\r\nbody\r\n", 554, smtp.EnhancedCode{5, 6, 0}, []string{"Header field X-Long-Id"}},
		{"hostile field name", "Sub\x1bject\x7f: " + long + "\r\n\r\nbody\r\n", 554, smtp.EnhancedCode{5, 6, 0}, []string{"Sub?ject?"}},
		{"long body line", "Subject: hi\r\n\r\n" + long + "\r\n", 554, smtp.EnhancedCode{5, 6, 0}, []string{"Message body", "4000"}},
		{"too big", "Subject: hi\r\n\r\n" + strings.Repeat(strings.Repeat("b", 70)+"\r\n", 2000), 552, smtp.EnhancedCode{5, 3, 4}, []string{"limit is 102400 bytes"}},
		{"header too big", strings.Repeat("X-Pad: "+strings.Repeat("p", 900)+"\r\n", 60) + "\r\nbody\r\n", 552, smtp.EnhancedCode{5, 3, 4}, []string{"Message header", "51200"}},
		{"malformed header", "Subject: hi\r\nno colon here\r\n" + strings.Repeat("X-Pad: p\r\n", 60) + "\r\nbody\r\n", 554, smtp.EnhancedCode{5, 6, 0}, []string{`Malformed message header line starting "no?colon?here"`}},
		// Over 1 MiB: the body is buffered in a file (buffer auto).
		{"too big, buffered in a file", "Subject: hi\r\n\r\n" + strings.Repeat(strings.Repeat("b", 70)+"\r\n", 40000), 552, smtp.EnhancedCode{5, 3, 4}, []string{"limit is 2097152 bytes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tgt := testutils.Target{}
			maxSize := "100K"
			if strings.Contains(c.name, "in a file") {
				maxSize = "2M"
			}
			endp := testEndpoint(t, "smtp", nil, &tgt, nil, []config.Node{
				{Name: "max_message_size", Args: []string{maxSize}},
				{Name: "max_header_size", Args: []string{"50K"}},
			})
			defer endp.Close()

			cl, err := smtp.Dial("127.0.0.1:" + testPort)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()

			err = submitMsg(t, cl, "sender@example.org", []string{"rcpt@example.com"}, c.msg)
			var smtpErr *smtp.SMTPError
			if !errors.As(err, &smtpErr) {
				t.Fatalf("got %v, want an SMTP error", err)
			}
			if smtpErr.Code != c.code || smtpErr.EnhancedCode != c.enhanced {
				t.Errorf("got %d %v %q, want %d %v", smtpErr.Code, smtpErr.EnhancedCode, smtpErr.Message, c.code, c.enhanced)
			}
			for _, w := range c.words {
				if !strings.Contains(smtpErr.Message, w) {
					t.Errorf("reply %q does not say %q", smtpErr.Message, w)
				}
			}
			if len(tgt.Messages) != 0 {
				t.Errorf("message delivered")
			}
		})
	}
}

// errAfter returns its data, then err.
type errAfter struct {
	data []byte
	err  error
}

func (e *errAfter) Read(p []byte) (int, error) {
	if len(e.data) == 0 {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

func TestAutoBufferMode_Truncated(t *testing.T) {
	mode := autoBufferMode(1024, t.TempDir())
	// The SMTP data reader reports a connection lost before the final
	// dot as io.ErrUnexpectedEOF: the message must not be taken as
	// complete.
	for _, size := range []int{10, 1024, 5000} {
		if buf, err := mode(&errAfter{data: []byte(strings.Repeat("x", size)), err: io.ErrUnexpectedEOF}); err == nil {
			buf.Remove()
			t.Errorf("%d bytes then a lost connection: buffered as a whole message", size)
		}
		buf, err := mode(&errAfter{data: []byte(strings.Repeat("x", size)), err: io.EOF})
		if err != nil || buf.Len() != size {
			t.Errorf("%d bytes then EOF: %v", size, err)
			continue
		}
		buf.Remove()
	}
}

// TestAutoBufferMode_Sizes: a message under the limit is kept in memory (a
// small one in a buffer of 4 or 64 KiB, not the limit's size), one of the
// limit's size or more is spilled to a file, and either is kept whole.
func TestAutoBufferMode_Sizes(t *testing.T) {
	const limit = 1 << 20
	mode := autoBufferMode(limit, t.TempDir())
	for _, size := range []int{0, 1, 1400, 4095, 4096, 4097, 64 << 10, 64<<10 + 1, 300000, limit - 1, limit, limit + 1, 3 * limit} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte('a' + i%26)
		}
		buf, err := mode(&errAfter{data: data, err: io.EOF})
		if err != nil {
			t.Errorf("%d bytes: %v", size, err)
			continue
		}
		mem, inMemory := buf.(buffer.MemoryBuffer)
		if want := size < limit; inMemory != want {
			t.Errorf("%d bytes: kept in memory %v, want %v", size, inMemory, want)
		}
		if inMemory && (size < 4096 && cap(mem.Slice) > 4096 || size < 64<<10 && cap(mem.Slice) > 64<<10) {
			t.Errorf("%d bytes: kept in a buffer of %d bytes", size, cap(mem.Slice))
		}
		r, err := buf.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%d bytes: read back %d bytes (%v), not the message", size, len(got), err)
		}
		buf.Remove()
	}
}
