// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package sevenbit

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strconv"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// piece is one read from the input: a whole line with its line end, a piece of a line longer than
// the read buffer, or the last octets before the end of input.
type piece struct {
	b     []byte // valid until the next read
	start bool   // b begins a line
	whole bool   // b ends a line (or the input) too
	// crlfBefore is set when the input before b ended in CRLF; afterPartHeader when b comes right
	// after the empty line that ends a part header.
	crlfBefore, afterPartHeader bool
}

// next returns the next piece, or io.EOF at the end of input.
func (sw *walker) next() (piece, error) {
	if sw.hasPushed {
		sw.hasPushed = false
		return piece{b: sw.pushed.b, start: true, whole: true, crlfBefore: sw.pushed.crlfBefore,
			afterPartHeader: sw.pushed.afterPartHeader}, nil
	}
	b, err := sw.in.ReadSlice('\n')
	p := piece{b: b, start: !sw.midLine, whole: true, crlfBefore: sw.endCRLF, afterPartHeader: sw.afterPartHeader}
	sw.afterPartHeader = false
	switch n := len(b); {
	case n >= 2:
		sw.endCRLF, sw.endCR = b[n-2] == '\r' && b[n-1] == '\n', b[n-1] == '\r'
	case n == 1:
		sw.endCRLF, sw.endCR = sw.endCR && b[0] == '\n', b[0] == '\r'
	}
	switch {
	case err == nil:
	case errors.Is(err, bufio.ErrBufferFull):
		p.whole = false
	case errors.Is(err, io.EOF):
		if len(b) == 0 {
			return piece{}, io.EOF
		}
	default:
		return piece{}, err
	}
	sw.midLine = !p.whole
	return p, nil
}

// delimiterNext reports whether the next line is a delimiter line of an enclosing multipart,
// without reading it. It is called right after a line was read, so nothing is pushed back. A read
// error (other than the end of input) is returned, since Peek clears it from the reader.
func (sw *walker) delimiterNext() (bool, error) {
	b, err := sw.in.Peek(peekLine) // what there is, up to the end of input
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return false, err
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i+1]
	}
	nl := sw.nl
	l, _, err := sw.delimiter(piece{b: b, start: true, whole: true, crlfBefore: sw.endCRLF})
	sw.nl = nl
	return err == nil && l >= 0, nil
}

// peekLine is how much of the next line delimiterNext looks at: a boundary (at most 70 octets),
// "--" twice and room for transport padding.
const peekLine = 1024

// pushBack returns a delimiter line to the input, for the multipart that owns it.
func (sw *walker) pushBack(p piece) {
	sw.pushed.b = append(sw.pushed.b[:0], p.b...)
	sw.pushed.crlfBefore, sw.pushed.afterPartHeader = p.crlfBefore, p.afterPartHeader
	sw.hasPushed = true
}

// delimiter reports whether p is a delimiter line of an enclosing multipart: level is the index in
// sw.boundaries (-1 when p is not one) and final is set for a close delimiter.
//
// A line that a multipart reader such as go-message's (or Go's mime/multipart) takes for the start
// of a delimiter, "--" and an enclosing boundary followed by a space, a tab, CR, LF, "-" or the
// end of input, is a *MIMEError unless it is a delimiter line ending in the line end of the
// message's first delimiter line (or in the end of input): such a reader ends the part there and
// then fails on the line. Every delimiter line of the message must end in the same line end, since
// such a reader expects each of a multipart's delimiter lines to end as its first one does.
func (sw *walker) delimiter(p piece) (level int, final bool, err error) {
	if !p.start || len(p.b) < 3 || p.b[0] != '-' || p.b[1] != '-' {
		return -1, false, nil
	}
	for i := len(sw.boundaries) - 1; i >= 0; i-- {
		b := sw.boundaries[i]
		if len(p.b) < 2+len(b) || string(p.b[2:2+len(b)]) != b {
			continue
		}
		if len(p.b) > 2+len(b) {
			if c := p.b[2+len(b)]; c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '-' {
				continue // "--b1" is not a delimiter of "b"
			}
		} else if !p.whole {
			continue
		}
		ok, cl, eol := isDelimiterLine(p.b, b)
		switch {
		case !ok || !p.whole:
		case sw.nl == "" || eol == "" || eol == sw.nl:
			if sw.nl == "" {
				sw.nl = eol
			}
			return i, cl, nil
		}
		return -1, false, &MIMEError{Part: sw.paths[i], Reason: "a line beginning with the delimiter " + strconv.Quote("--"+b) +
			" is not a delimiter line ending in " + strconv.Quote(sw.nlOrCRLF()) + " (the line end of the first delimiter line)"}
	}
	return -1, false, nil
}

// nlOrCRLF returns the line end of the first delimiter line, or CRLF before there is one.
func (sw *walker) nlOrCRLF() string {
	if sw.nl == "" {
		return "\r\n"
	}
	return sw.nl
}

// isDelimiterLine reports whether line is "--" boundary, then "--" for a close delimiter, then
// transport padding (spaces and tabs), then the line end (CRLF or LF, returned in eol) or the end
// of input (RFC 2046 §5.1.1).
func isDelimiterLine(line []byte, boundary string) (ok, final bool, eol string) {
	if len(line) < 2+len(boundary) || string(line[2:2+len(boundary)]) != boundary {
		return false, false, ""
	}
	rest := line[2+len(boundary):]
	if len(rest) >= 2 && rest[0] == '-' && rest[1] == '-' {
		final, rest = true, rest[2:]
	}
	for len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t') {
		rest = rest[1:]
	}
	switch string(rest) {
	case "", "\n", "\r\n":
		return true, final, string(rest)
	}
	return false, false, ""
}

// bodyReader reads a leaf body: the input up to the next delimiter of an enclosing multipart,
// which is pushed back for the multipart, or to the end of input. The line end before a delimiter
// belongs to the delimiter (RFC 2046 §5.1.1), so the line end that ends what has been read so far
// is held back until what follows is known: before a delimiter it is kept apart in eol, at the end
// of input it is read as part of the body.
type bodyReader struct {
	sw *walker

	head []byte // held-back octets now released, read before cur; in headBuf
	cur  []byte // the rest of the current piece

	hold  [2]byte // the held-back line end: "\r\n", "\n" or "\r" (the piece after may begin with "\n")
	nhold int

	headBuf [2]byte
	eolBuf  [2]byte

	// eol is, once the body has been read, the line end before the delimiter that ended it; it is
	// empty when the body ended at the end of input or right after the header.
	eol  []byte
	done bool  // the body has been read to its end
	err  error // a read error of the input
}

// reset readies r for the next body.
func (r *bodyReader) reset(sw *walker) { *r = bodyReader{sw: sw} }

// Read reads the body; it returns io.EOF at its end, or the input's read error.
func (r *bodyReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for len(r.head) == 0 && len(r.cur) == 0 {
		switch {
		case r.err != nil:
			return 0, r.err
		case r.done:
			return 0, io.EOF
		}
		r.fill()
	}
	n := copy(p, r.head)
	r.head = r.head[n:]
	m := copy(p[n:], r.cur)
	r.cur = r.cur[m:]
	return n + m, nil
}

// fill reads the next piece of the input.
func (r *bodyReader) fill() {
	p, err := r.sw.next()
	switch {
	case errors.Is(err, io.EOF):
		// What was held back is the end of the body.
		r.headBuf = r.hold
		r.head = r.headBuf[:r.nhold]
		r.nhold, r.done = 0, true
		return
	case err != nil:
		r.err = err
		return
	}
	l, _, derr := r.sw.delimiter(p)
	if derr != nil {
		r.err = derr
		return
	}
	if l >= 0 {
		r.sw.pushBack(p)
		r.eolBuf = r.hold
		r.eol = r.eolBuf[:r.nhold]
		r.nhold, r.done = 0, true
		return
	}
	// What there is now is the held-back octets followed by p.b; its line end is held back.
	held, b := r.nhold, p.b
	total := held + len(b)
	at := func(i int) byte {
		if i < held {
			return r.hold[i]
		}
		return b[i-held]
	}
	k := 0
	switch last := at(total - 1); {
	case last == '\n' && total >= 2 && at(total-2) == '\r':
		k = 2
	case last == '\n' || last == '\r':
		k = 1
	}
	var hold [2]byte
	for j := range k {
		hold[j] = at(total - k + j)
	}
	release := total - k
	r.headBuf = r.hold
	r.head = r.headBuf[:min(held, release)]
	r.cur = b[:max(0, release-held)]
	r.hold, r.nhold = hold, k
}

// cleanChecker tells whether what is written to it is 7bit data in the sense of RFC 2045 §2.7: no
// octet above 127, no NUL, CR only before LF, and lines of at most 998 octets. A bare LF is taken
// as a line end (it becomes CRLF on the wire).
type cleanChecker struct {
	line  int  // octets in the current line, line end excluded
	cr    bool // the last octet was a CR
	dirty bool
}

// Write checks p; it never fails.
func (c *cleanChecker) Write(p []byte) (int, error) {
	c.scan(p)
	return len(p), nil
}

func (c *cleanChecker) scan(p []byte) {
	if c.dirty {
		return
	}
	for _, b := range p {
		if c.cr {
			if c.cr = false; b != '\n' {
				c.dirty = true
				return
			}
		}
		switch {
		case b >= 0x80 || b == 0:
			c.dirty = true
			return
		case b == '\n':
			c.line = 0
		case b == '\r':
			c.cr = true
		default:
			if c.line++; c.line > lex.MaxLineOctets {
				c.dirty = true
				return
			}
		}
	}
}

// clean reports whether everything written was clean, to its end.
func (c *cleanChecker) clean() bool { return !c.dirty && !c.cr }

// sevenBitClean reports whether b is 7bit data (see cleanChecker).
func sevenBitClean(b []byte) bool {
	var c cleanChecker
	c.scan(b)
	return c.clean()
}

// base64Lines writes what is written to it in base64 (RFC 2045 §6.8), in lines of 76 characters
// separated by CRLF, without a line end after the last line; Close writes the last line.
type base64Lines struct {
	w     io.Writer
	chunk [base64LineLength / 4 * 3]byte
	n     int  // octets in chunk
	begun bool // a line has been written
	line  [2 + base64LineLength]byte
}

func (e *base64Lines) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		c := copy(e.chunk[e.n:], p)
		e.n += c
		p = p[c:]
		if e.n == len(e.chunk) {
			if err := e.flush(); err != nil {
				return written, err
			}
		}
		written += c
	}
	return written, nil
}

// flush writes the octets in chunk as one line.
func (e *base64Lines) flush() error {
	if e.n == 0 {
		return nil
	}
	start := 0
	if e.begun {
		e.line[0], e.line[1] = '\r', '\n'
		start = 2
	}
	n := base64.StdEncoding.EncodedLen(e.n)
	base64.StdEncoding.Encode(e.line[start:], e.chunk[:e.n])
	e.begun, e.n = true, 0
	_, err := e.w.Write(e.line[:start+n])
	return err
}

// Close writes the last, short line; it does not close the underlying writer.
func (e *base64Lines) Close() error { return e.flush() }

// lenientBase64 decodes base64 that is not clean and writes the data to w: "any characters outside
// of the base64 alphabet are to be ignored" (RFC 2045 §6.8), and "=" ends the data. A dangling
// sixth bit group is dropped; Close decodes what is left.
type lenientBase64 struct {
	w     io.Writer
	in    [1024]byte // base64 alphabet octets (a multiple of 4 when full)
	n     int
	ended bool // "=" has been seen
	out   [768]byte
}

func (d *lenientBase64) Write(p []byte) (int, error) {
	if d.ended {
		return len(p), nil
	}
	for i, c := range p {
		if c == '=' {
			d.ended = true
			break
		}
		if !lex.IsAlnum(c) && c != '+' && c != '/' {
			continue
		}
		d.in[d.n] = c
		if d.n++; d.n == len(d.in) {
			if err := d.decode(); err != nil {
				return i, err
			}
		}
	}
	return len(p), nil
}

// decode decodes and writes what is in d.in, which is a whole number of bit groups.
func (d *lenientBase64) decode() error {
	n, _ := base64.RawStdEncoding.Decode(d.out[:], d.in[:d.n]) // only alphabet octets, valid length: no error
	d.n = 0
	_, err := d.w.Write(d.out[:n])
	return err
}

// Close decodes what is left; it does not close the underlying writer.
func (d *lenientBase64) Close() error {
	if d.n%4 == 1 {
		d.n--
	}
	return d.decode()
}
