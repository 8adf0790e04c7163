// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package content

import (
	"bytes"
	"encoding/base64"
	"io"
)

// base64LineLength is the encoded line length of RFC 2045 §6.8.
const base64LineLength = 76

// base64Writer writes what is written to it in base64 (RFC 2045 §6.8), in lines of 76 characters
// separated by CRLF and with no line end after the last one; Close writes what is left. It encodes
// many lines at a time.
type base64Writer struct {
	w     io.Writer
	in    [base64LineLength / 4 * 3 * 64]byte // 64 lines of input
	n     int
	begun bool // a line has been written
	out   [(base64LineLength + 2) * 64]byte
}

func (e *base64Writer) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		c := copy(e.in[e.n:], p)
		e.n += c
		p = p[c:]
		written += c
		if e.n == len(e.in) {
			if err := e.flush(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

// flush encodes and writes what is in e.in.
func (e *base64Writer) flush() error {
	const lineIn = base64LineLength / 4 * 3
	o := 0
	for i := 0; i < e.n; i += lineIn {
		if e.begun {
			e.out[o], e.out[o+1] = '\r', '\n'
			o += 2
		}
		chunk := e.in[i:min(i+lineIn, e.n)]
		base64.StdEncoding.Encode(e.out[o:], chunk)
		o += base64.StdEncoding.EncodedLen(len(chunk))
		e.begun = true
	}
	e.n = 0
	_, err := e.w.Write(e.out[:o])
	return err
}

// Close writes the last lines; it does not close the underlying writer.
func (e *base64Writer) Close() error { return e.flush() }

// base64Alphabet marks the octets of the base64 alphabet (RFC 2045 §6.8, Table 1).
var base64Alphabet = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") {
		t[c] = true
	}
	return t
}()

// base64Reader decodes base64 leniently, as RFC 2045 §6.8 asks: octets outside the alphabet are
// ignored and "=" ends the data; a dangling sixth bit group at the end is dropped.
type base64Reader struct {
	src   io.Reader
	raw   [4096]byte
	grp   [4096 + 4]byte // alphabet octets waiting to be decoded
	ng    int
	out   [3072 + 3]byte
	pend  []byte // decoded octets not yet read
	ended bool   // "=" or the end of src has been seen
	err   error  // src's error, io.EOF included
}

func (d *base64Reader) Read(p []byte) (int, error) {
	for len(d.pend) == 0 {
		if d.ended {
			if d.ng > 0 {
				n := d.ng - d.ng%4
				if d.ng%4 >= 2 {
					n = d.ng
				}
				m, _ := base64.RawStdEncoding.Decode(d.out[:], d.grp[:n])
				d.ng = 0
				d.pend = d.out[:m]
				continue
			}
			return 0, d.err
		}
		n, err := d.src.Read(d.raw[:min(len(d.raw), len(d.grp)-d.ng)])
		for _, c := range d.raw[:n] {
			if c == '=' {
				d.ended = true
				break
			}
			if base64Alphabet[c] {
				d.grp[d.ng] = c
				d.ng++
			}
		}
		if err != nil {
			d.ended, d.err = true, err
		} else if d.ended {
			d.err = io.EOF
		}
		if whole := d.ng - d.ng%4; whole > 0 && !d.ended {
			m, _ := base64.RawStdEncoding.Decode(d.out[:], d.grp[:whole])
			d.ng = copy(d.grp[:], d.grp[whole:d.ng])
			d.pend = d.out[:m]
		}
	}
	n := copy(p, d.pend)
	d.pend = d.pend[n:]
	return n, nil
}

// capture holds what is written to it, up to limit octets; beyond that it spills: it writes what
// it holds to dst and passes everything after through.
type capture struct {
	dst     io.Writer
	buf     bytes.Buffer
	limit   int
	spilled bool
}

func (c *capture) Write(p []byte) (int, error) {
	if c.spilled {
		return c.dst.Write(p)
	}
	if c.buf.Len()+len(p) > c.limit {
		c.spilled = true
		if _, err := c.dst.Write(c.buf.Bytes()); err != nil {
			return 0, err
		}
		c.buf = bytes.Buffer{}
		return c.dst.Write(p)
	}
	return c.buf.Write(p)
}

// bomStripper drops a byte order mark (U+FEFF in UTF-8) at the start of what is written to it.
type bomStripper struct {
	w    io.Writer
	head [3]byte
	n    int
	done bool
}

const utf8BOM = "\xef\xbb\xbf"

func (s *bomStripper) Write(p []byte) (int, error) {
	if s.done {
		return s.w.Write(p)
	}
	total := len(p)
	for len(p) > 0 && s.n < 3 {
		s.head[s.n] = p[0]
		s.n++
		p = p[1:]
		if s.head[s.n-1] != utf8BOM[s.n-1] {
			break
		}
	}
	if s.n == 3 || s.head[s.n-1] != utf8BOM[s.n-1] {
		s.done = true
		if string(s.head[:s.n]) != utf8BOM {
			if _, err := s.w.Write(s.head[:s.n]); err != nil {
				return 0, err
			}
		}
		if len(p) > 0 {
			if _, err := s.w.Write(p); err != nil {
				return 0, err
			}
		}
	}
	return total, nil
}

// Close writes a partial mark that the input ended in.
func (s *bomStripper) Close() error {
	if s.done || s.n == 0 {
		return nil
	}
	s.done = true
	_, err := s.w.Write(s.head[:s.n])
	return err
}
