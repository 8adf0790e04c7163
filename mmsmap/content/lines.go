// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package content

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"

	"github.com/maddy-mms/maddy-mms/mmsmap/sevenbit"
)

// The input is read in pieces: a line with its line end, or, for a line longer than the read
// buffer, a readBufferSize piece of it. Only a piece that begins a line can be a delimiter line
// (RFC 2046 §5.1.1). The rules for what is a delimiter line, and which lines are so close to one
// that a store's multipart reader would stumble on them, are those of sevenbit.Check, so that what
// this package accepts and writes, Check accepts too.

// readBufferSize is the size of the pieces a long line is read in; sevenbit reads in pieces of the
// same size.
const readBufferSize = 16 << 10

// line is one piece of the input.
type line struct {
	b     []byte // valid until the next read
	start bool   // b begins a line
	whole bool   // b ends a line, or the input
	// crlfBefore is set when the input before b ends in CRLF; afterPartHeader when b comes right
	// after the empty line that ends a part header.
	crlfBefore, afterPartHeader bool
}

// lineReader reads the input in pieces and knows the boundaries of the multiparts being walked.
type lineReader struct {
	in *bufio.Reader

	pushed    []byte // a delimiter line given back by the part it ends
	pushedAt  line   // its flags
	hasPushed bool

	midLine         bool // the last piece did not end a line
	endCRLF, endCR  bool // what has been read ends in CRLF, in CR
	afterPartHeader bool // the last piece read was the empty line ending a part header

	nl string // the line end of the first delimiter line of the message, once read

	lineByLine bool // no bodyReader.fastFill

	boundaries []string // of the enclosing multiparts, outermost first
	paths      []string // their part numbers
}

// next returns the next piece, or io.EOF at the end of the input.
func (lr *lineReader) next() (line, error) {
	if lr.hasPushed {
		lr.hasPushed = false
		l := lr.pushedAt
		l.b = lr.pushed
		return l, nil
	}
	b, err := lr.in.ReadSlice('\n')
	l := line{b: b, start: !lr.midLine, whole: true, crlfBefore: lr.endCRLF, afterPartHeader: lr.afterPartHeader}
	lr.afterPartHeader = false
	switch n := len(b); {
	case n >= 2:
		lr.endCRLF, lr.endCR = b[n-2] == '\r' && b[n-1] == '\n', b[n-1] == '\r'
	case n == 1:
		lr.endCRLF, lr.endCR = lr.endCR && b[0] == '\n', b[0] == '\r'
	}
	switch {
	case err == nil:
	case errors.Is(err, bufio.ErrBufferFull):
		l.whole = false
	case errors.Is(err, io.EOF):
		if len(b) == 0 {
			return line{}, io.EOF
		}
	default:
		return line{}, err
	}
	lr.midLine = !l.whole
	return l, nil
}

// pushBack gives a delimiter line back, for the multipart that owns it.
func (lr *lineReader) pushBack(l line) {
	lr.pushed = append(lr.pushed[:0], l.b...)
	lr.pushedAt = l
	lr.pushedAt.b = nil
	lr.hasPushed = true
}

// delimiter tells whether l is a delimiter line of an enclosing multipart: level is its index in
// lr.boundaries, or -1. A line that begins with "--" and an enclosing boundary followed by SP, HT,
// CR, LF, "-" or the end of the input, but is not a delimiter line ending in the line end of the
// message's first delimiter line, is an error: a multipart reader would end the part there and
// then fail.
func (lr *lineReader) delimiter(l line) (level int, final bool, eol string, err error) {
	if !l.start || len(l.b) < 3 || l.b[0] != '-' || l.b[1] != '-' {
		return -1, false, "", nil
	}
	for i := len(lr.boundaries) - 1; i >= 0; i-- {
		b := lr.boundaries[i]
		if len(l.b) < 2+len(b) || string(l.b[2:2+len(b)]) != b {
			continue
		}
		if len(l.b) > 2+len(b) {
			if c := l.b[2+len(b)]; c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '-' {
				continue // "--b1" is no delimiter of "b"
			}
		} else if !l.whole {
			continue
		}
		ok, fin, end := delimiterLine(l.b, b)
		if ok && l.whole && (lr.nl == "" || end == "" || end == lr.nl) {
			if lr.nl == "" {
				lr.nl = end
			}
			return i, fin, end, nil
		}
		nl := lr.nl
		if nl == "" {
			nl = "\r\n"
		}
		return -1, false, "", &sevenbit.MIMEError{Part: lr.paths[i], Reason: "a line beginning with the delimiter " +
			strconv.Quote("--"+b) + " is not a delimiter line ending in " + strconv.Quote(nl)}
	}
	return -1, false, "", nil
}

// delimiterLine tells whether l is "--" boundary, "--" for the close delimiter, transport padding
// (SP and HT) and a line end (returned as eol) or the end of the input.
func delimiterLine(l []byte, boundary string) (ok, final bool, eol string) {
	rest := l[2+len(boundary):]
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

// bodyReader reads a leaf body: the input up to the next delimiter line of an enclosing multipart
// (given back to it), or to the end of the input. The line end before a delimiter line belongs to
// the delimiter (RFC 2046 §5.1.1), so the line end that ends what has been read is held back until
// it is known what follows: before a delimiter line it is kept in eol, at the end of the input it
// is part of the body.
type bodyReader struct {
	lr *lineReader

	released []byte // held-back octets now part of the body, read before cur
	cur      []byte // the rest of the current piece

	hold  [2]byte // the held-back line end ("\r\n", "\n" or "\r")
	nhold int

	relBuf [2]byte
	eolBuf [2]byte

	// eol is, once the body is read, the line end before the delimiter line that ended it; it is
	// empty when the body ended at the end of the input or right after its header.
	eol  []byte
	done bool
	err  error
}

func (r *bodyReader) reset(lr *lineReader) { *r = bodyReader{lr: lr} }

// Read reads the body; io.EOF at its end.
func (r *bodyReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for len(r.released) == 0 && len(r.cur) == 0 {
		switch {
		case r.err != nil:
			return 0, r.err
		case r.done:
			return 0, io.EOF
		}
		r.fill()
	}
	n := copy(p, r.released)
	r.released = r.released[n:]
	m := copy(p[n:], r.cur)
	r.cur = r.cur[m:]
	return n + m, nil
}

// WriteTo writes the rest of the body to w, piece by piece, without a copy.
func (r *bodyReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		for len(r.released) == 0 && len(r.cur) == 0 {
			switch {
			case r.err != nil:
				return total, r.err
			case r.done:
				return total, nil
			}
			r.fill()
		}
		for _, b := range [][]byte{r.released, r.cur} {
			if len(b) == 0 {
				continue
			}
			n, err := w.Write(b)
			total += int64(n)
			if err != nil {
				return total, err
			}
		}
		r.released, r.cur = nil, nil
	}
}

// fill reads the next piece.
func (r *bodyReader) fill() {
	if r.fastFill() {
		return
	}
	l, err := r.lr.next()
	switch {
	case errors.Is(err, io.EOF):
		r.relBuf = r.hold
		r.released = r.relBuf[:r.nhold]
		r.nhold, r.done = 0, true
		return
	case err != nil:
		r.err = err
		return
	}
	level, _, _, derr := r.lr.delimiter(l)
	if derr != nil {
		r.err = derr
		return
	}
	if level >= 0 {
		r.lr.pushBack(l)
		r.eolBuf = r.hold
		r.eol = r.eolBuf[:r.nhold]
		r.nhold, r.done = 0, true
		return
	}
	// The held-back octets and l.b, less the line end they now end in, are released.
	held, b := r.nhold, l.b
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
	r.relBuf = r.hold
	r.released = r.relBuf[:min(held, release)]
	r.cur = b[:max(0, release-held)]
	r.hold, r.nhold = hold, k
}

// fastFill takes, from what the read buffer holds, the whole lines up to the first line that
// begins with "-" (only such a line can be a delimiter line), with one search instead of a read
// per line: a base64 body of 76-character lines is copied at the speed of a memory copy. It does
// what reading the same lines with lr.next and fill would do, and returns false when it cannot
// (no whole line buffered, a line beginning with "-" next, the middle of a long line).
func (r *bodyReader) fastFill() bool {
	lr := r.lr
	if lr.lineByLine || lr.hasPushed || lr.midLine || r.nhold == 1 && r.hold[0] == '\r' {
		return false
	}
	n := lr.in.Buffered()
	if n == 0 {
		return false
	}
	buf, _ := lr.in.Peek(n)
	if buf[0] == '-' {
		return false
	}
	// The first "-" after a LF; "-" is no base64 character, so a base64 body is one scan.
	end := 0
	for off := 1; off < len(buf); {
		j := bytes.IndexByte(buf[off:], '-')
		if j < 0 {
			break
		}
		if off += j; buf[off-1] == '\n' {
			end = off
			break
		}
		off++
	}
	if end == 0 {
		end = bytes.LastIndexByte(buf, '\n') + 1
	}
	if end == 0 {
		return false
	}
	k := 1
	if end >= 2 && buf[end-2] == '\r' {
		k = 2
	}
	// The held-back line end is released, and the one these lines end in held back. buf stays
	// valid until the next read of lr.in, as a slice from ReadSlice does.
	r.relBuf = r.hold
	r.released = r.relBuf[:r.nhold]
	r.cur = buf[:end-k]
	r.nhold = copy(r.hold[:], buf[end-k:end])
	_, _ = lr.in.Discard(end)
	lr.endCRLF, lr.endCR, lr.afterPartHeader, lr.midLine = k == 2, false, false, false
	return true
}
