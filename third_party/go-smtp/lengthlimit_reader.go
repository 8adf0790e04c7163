package smtp

import (
	"errors"
	"io"
)

var ErrTooLongLine = errors.New("smtp: too long a line in input stream")

// lineLimitReader reads from the underlying Reader but restricts
// line length of lines in input stream to a certain length.
//
// If line length exceeds the limit - Read returns ErrTooLongLine
type lineLimitReader struct {
	R         io.Reader
	LineLimit int
	// HandOnPrefix makes Read return the octets before the first one over
	// the limit (the start of the long line included) before it returns
	// ErrTooLongLine, so that a reader of message data can tell which
	// line was too long.
	HandOnPrefix bool

	curLineLength int
}

func (r *lineLimitReader) Read(b []byte) (int, error) {
	if r.curLineLength > r.LineLimit && r.LineLimit > 0 {
		return 0, ErrTooLongLine
	}

	n, err := r.R.Read(b)
	if err != nil {
		return n, err
	}

	if r.LineLimit == 0 {
		return n, nil
	}

	for i, chr := range b[:n] {
		if chr == '\n' {
			r.curLineLength = 0
		}
		r.curLineLength++

		if r.curLineLength > r.LineLimit {
			if r.HandOnPrefix {
				// The next Read returns ErrTooLongLine.
				return i, nil
			}
			return 0, ErrTooLongLine
		}
	}

	return n, nil
}

// exceeded reports whether a line went over the limit: the stream cannot be
// read as SMTP any further.
func (r *lineLimitReader) exceeded() bool {
	return r.LineLimit > 0 && r.curLineLength > r.LineLimit
}
