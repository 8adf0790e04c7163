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
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-smtp"
	"github.com/foxcpp/maddy/framework/exterrors"
)

// lineTracker passes message data through and remembers, while it is
// enabled, which header field the line being read belongs to, so that a
// line too long for the transport can be named in the reply.
type lineTracker struct {
	R       io.Reader
	Enabled bool

	line      []byte // start of the line being read, up to maxTrackedLine octets
	lastField string // field of the last complete line that started a field
	inBody    bool   // the empty line ending the header was seen
}

const maxTrackedLine = 128

func newLineTracker(r io.Reader) *lineTracker {
	return &lineTracker{R: r, Enabled: true, line: make([]byte, 0, maxTrackedLine)}
}

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.R.Read(p)
	if t.Enabled && !t.inBody {
		t.scan(p[:n])
	}
	return n, err
}

func (t *lineTracker) scan(b []byte) {
	for _, c := range b {
		if c != '\n' {
			if len(t.line) < maxTrackedLine {
				t.line = append(t.line, c)
			}
			continue
		}
		switch {
		case len(t.line) == 0 || (len(t.line) == 1 && t.line[0] == '\r'):
			t.inBody = true
			return
		case t.line[0] != ' ' && t.line[0] != '\t':
			t.lastField = fieldName(t.line)
		}
		t.line = t.line[:0]
	}
}

// field returns the name of the header field the current line belongs to
// ("" when unknown) and whether the header has ended.
func (t *lineTracker) field() (string, bool) {
	if t.inBody {
		return "", true
	}
	if len(t.line) > 0 && t.line[0] != ' ' && t.line[0] != '\t' {
		return fieldName(t.line), false
	}
	return t.lastField, false
}

// fieldName returns the field name a header line starts with, made safe to
// quote in an SMTP reply: printable ASCII only, at most 64 characters.
func fieldName(line []byte) string {
	name := line
	if i := strings.IndexByte(string(line), ':'); i >= 0 {
		name = line[:i]
	}
	var sb strings.Builder
	for _, c := range name {
		if sb.Len() == 64 {
			sb.WriteString("...")
			break
		}
		if c < '!' || c > '~' {
			c = '?'
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

func strconvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, "'") + `"` }

// dataError turns an error met while reading message data into the reply
// the client should get: the limit that was exceeded or what is malformed,
// instead of "Internal server error". Other errors are returned unchanged.
func (s *Session) dataError(err error, t *lineTracker) error {
	var smtpErr *smtp.SMTPError
	switch {
	case errors.Is(err, smtp.ErrTooLongLine):
		where := "Message body"
		if name, inBody := t.field(); !inBody {
			where = "Message header"
			if name != "" {
				where = "Header field " + name
			}
		}
		return &exterrors.SMTPError{
			Code:         554,
			EnhancedCode: exterrors.EnhancedCode{5, 6, 0},
			Message:      fmt.Sprintf("%s has a line longer than %d bytes", where, s.endp.serv.MaxLineLength),
			Err:          err,
		}
	case errors.As(err, &smtpErr) && smtpErr == smtp.ErrDataTooLarge:
		return &exterrors.SMTPError{
			Code:         552,
			EnhancedCode: exterrors.EnhancedCode{5, 3, 4},
			Message:      fmt.Sprintf("Message too big: the limit is %d bytes", s.endp.serv.MaxMessageBytes),
			Err:          err,
		}
	case strings.Contains(err.Error(), "message: malformed MIME header"):
		// go-message names the line (or key) it could not parse, after
		// the last ": "; the tracker cannot, as the header is read ahead.
		msg := "Malformed message header"
		if _, line, ok := cutLast(err.Error(), ": "); ok && line != "" {
			msg += " line starting " + strconvQuote(fieldName([]byte(strings.TrimRight(line, "\r\n"))))
		}
		return &exterrors.SMTPError{
			Code:         554,
			EnhancedCode: exterrors.EnhancedCode{5, 6, 0},
			Message:      msg,
			Err:          err,
		}
	}
	return err
}
