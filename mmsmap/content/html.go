// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package content

import (
	"html"
	"io"
)

// htmlText turns HTML written to it into plain text, in one pass with a fixed amount of memory:
// tags are dropped, character references decoded (with the standard library's table), runs of
// white space folded into one space, <br> and the end of a block element (p, div, li, h1, tr, …)
// turned into line breaks (CRLF), and the content of head, title, script and style dropped. It is
// no HTML parser: it is meant for the text of a mail, not for a web page.
type htmlText struct {
	w     io.Writer
	state htmlState

	name    [16]byte // the tag name being read, lower case
	nname   int
	nameEnd bool // the name has been read
	closing bool // "</"
	quote   byte // the quote an attribute value is in, or 0
	dashes  int  // "-" octets just seen in a comment or "<!"

	ref  [32]byte // a character reference being read, after "&"
	nref int

	skip  string // the element whose content is dropped, until its end tag
	raw   int    // in htmlInRawText, how much of "</" skip has been seen
	space bool   // white space is pending
	nl    int    // line breaks pending
	begun bool   // text has been written
	bol   bool   // at the beginning of a line

	out [4096]byte
	no  int
	err error
}

type htmlState int

const (
	htmlInText    htmlState = iota
	htmlTagOpen             // after "<"
	htmlInTag               // in a start or end tag
	htmlBang                // after "<!"
	htmlInComment           // in "<!-- … -->"
	htmlInDecl              // in "<!DOCTYPE …>" or "<? … >"
	htmlInRef               // after "&"
	htmlInRawText           // in script, style or title, whose content has no tags: up to its end tag
)

// blockBreaks is how many line breaks the start or end of an element makes.
var blockBreaks = map[string]int{
	"br": 1, "div": 1, "li": 1, "tr": 1, "dt": 1, "dd": 1, "hr": 1, "center": 1,
	"p": 2, "h1": 2, "h2": 2, "h3": 2, "h4": 2, "h5": 2, "h6": 2, "ul": 2, "ol": 2, "dl": 2,
	"table": 2, "blockquote": 2, "pre": 2, "address": 2, "section": 2, "article": 2,
}

// skipped are the elements whose content is no text; in those of rawText, nothing is a tag but
// their end tag.
var (
	skipped = map[string]bool{"head": true, "title": true, "script": true, "style": true, "template": true}
	rawText = map[string]bool{"title": true, "script": true, "style": true}
)

func (t *htmlText) Write(p []byte) (int, error) {
	for _, c := range p {
		t.octet(c)
	}
	if t.err != nil {
		return 0, t.err
	}
	return len(p), nil
}

func (t *htmlText) octet(c byte) {
	switch t.state {
	case htmlInText:
		switch c {
		case '<':
			t.state = htmlTagOpen
		case '&':
			t.state, t.nref = htmlInRef, 0
		case ' ', '\t', '\r', '\n', '\f':
			t.space = true
		default:
			t.text(c)
		}
	case htmlTagOpen:
		t.nname, t.nameEnd, t.closing, t.quote = 0, false, false, 0
		switch {
		case c == '!':
			t.state, t.dashes = htmlBang, 0
		case c == '?':
			t.state = htmlInDecl
		case c == '/':
			t.state, t.closing = htmlInTag, true
		case isASCIILetter(c):
			t.state = htmlInTag
			t.tagOctet(c)
		default: // "a < b" is text
			t.state = htmlInText
			t.text('<')
			t.octet(c)
		}
	case htmlInTag:
		t.tagOctet(c)
	case htmlBang:
		switch {
		case c == '-' && t.dashes < 2:
			if t.dashes++; t.dashes == 2 {
				t.state, t.dashes = htmlInComment, 0
			}
		case c == '>':
			t.state = htmlInText
		default:
			t.state = htmlInDecl
		}
	case htmlInComment:
		switch {
		case c == '-':
			t.dashes++
		case c == '>' && t.dashes >= 2:
			t.state = htmlInText
		default:
			t.dashes = 0
		}
	case htmlInDecl:
		if c == '>' {
			t.state = htmlInText
		}
	case htmlInRawText:
		end := "</" + t.skip
		switch {
		case c|0x20 == end[t.raw] || c == end[t.raw]:
			if t.raw++; t.raw == len(end) {
				// The end tag's name has been read: the rest of the tag as any tag's.
				t.state, t.closing, t.quote = htmlInTag, true, 0
				t.nname = copy(t.name[:], t.skip)
				t.nameEnd = false
			}
		case c == '<':
			t.raw = 1
		default:
			t.raw = 0
		}
	case htmlInRef:
		if c == ';' {
			t.state = htmlInText
			t.reference(true)
			return
		}
		if (isASCIILetter(c) || '0' <= c && c <= '9' || c == '#') && t.nref < len(t.ref) {
			t.ref[t.nref] = c
			t.nref++
			return
		}
		t.state = htmlInText
		t.reference(false)
		t.octet(c)
	}
}

// tagOctet reads one octet of a tag.
func (t *htmlText) tagOctet(c byte) {
	if t.quote != 0 {
		if c == t.quote {
			t.quote = 0
		}
		return
	}
	if !t.nameEnd {
		if isASCIILetter(c) || '0' <= c && c <= '9' {
			if t.nname < len(t.name) {
				t.name[t.nname] = c | 0x20
				t.nname++
			}
			return
		}
		t.nameEnd = true
	}
	switch c {
	case '"', '\'':
		t.quote = c
	case '>':
		t.state = htmlInText
		t.tag(string(t.name[:t.nname]))
	}
}

// tag acts on a start or end tag.
func (t *htmlText) tag(name string) {
	if t.skip != "" {
		if t.closing && name == t.skip {
			t.skip = ""
		}
		return
	}
	if skipped[name] && !t.closing {
		t.skip = name
		if rawText[name] {
			t.state, t.raw = htmlInRawText, 0
		}
		return
	}
	if n := blockBreaks[name]; n > 0 {
		if name == "br" {
			t.nl = min(t.nl+1, 2)
		} else {
			t.nl = max(t.nl, n)
		}
	}
}

// reference writes a character reference ("&" and the octets in t.ref); complete is set when it
// ended in ";".
func (t *htmlText) reference(complete bool) {
	s := "&" + string(t.ref[:t.nref])
	if complete {
		s += ";"
	}
	s = html.UnescapeString(s)
	if s == "\u00a0" {
		s = " " // a no-break space stays a space, not folded away
		t.flushPending()
		t.put(' ')
		return
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\r', '\n', '\f':
			t.space = true
		default:
			t.text(c)
		}
	}
}

// text writes one octet of text, after the pending white space or line breaks.
func (t *htmlText) text(c byte) {
	if t.skip != "" {
		return
	}
	t.flushPending()
	t.put(c)
}

func (t *htmlText) flushPending() {
	switch {
	case t.nl > 0 && t.begun:
		for range t.nl {
			t.put('\r')
			t.put('\n')
		}
		t.bol = true
	case t.space && t.begun && !t.bol:
		t.put(' ')
	}
	t.nl, t.space = 0, false
}

func (t *htmlText) put(c byte) {
	if t.no == len(t.out) {
		t.flush()
	}
	t.out[t.no] = c
	t.no++
	t.begun, t.bol = true, c == '\n'
}

func (t *htmlText) flush() {
	if t.no > 0 && t.err == nil {
		_, t.err = t.w.Write(t.out[:t.no])
	}
	t.no = 0
}

// Close writes what is pending, and a line break after the last line.
func (t *htmlText) Close() error {
	switch t.state {
	case htmlInRef:
		t.reference(false)
	case htmlTagOpen:
		t.text('<')
	}
	t.state = htmlInText
	if t.begun && !t.bol {
		t.put('\r')
		t.put('\n')
	}
	t.flush()
	return t.err
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
