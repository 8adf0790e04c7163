// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package content

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"strconv"
	"strings"
	"sync"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
	"github.com/maddy-mms/maddy-mms/mmsmap/sevenbit"
)

// Result tells what ForMail or ForMMS did.
type Result struct {
	// Changed is set when anything was rewritten: a header field, a body, the order or the number
	// of parts. When it is not set, the body written is the body read, octet for octet, and the
	// header returned holds h's Content-* fields unchanged.
	Changed bool
}

// ForMail rewrites the body of an MM for mail clients (RFC 4356 §2.1.3.2; TS 23.140 MM bodies are
// multipart/related rooted at SMIL):
//
//   - multipart/related whose type parameter is application/smil, or which has none, becomes
//     multipart/mixed (its type, start and start-info parameters dropped); the same for the MM1
//     name application/vnd.wap.multipart.related. Other multipart/related (an HTML mail with
//     inline images) is kept.
//   - In such a multipart, each text part (text/*, but vCard and vCalendar) is marked
//     Content-Disposition: inline, and each other part (image, audio, video, SMIL, vCard, …)
//     Content-Disposition: attachment, with a filename taken from its Content-Disposition,
//     Content-Location or Content-Type name parameter, sanitised (see the package documentation),
//     RFC 2231 encoded when it is not ASCII, or made up ("part2.jpg") when there is none.
//   - The SMIL part, which mail clients cannot show, is an attachment too, and it is moved to the
//     end of its multipart, so that no client shows it first; a SMIL part over 64 KiB stays where
//     it is (its attachment disposition still keeps it from being shown).
//   - Text in UTF-16 (utf-16, utf-16be, utf-16le, ucs-2, iso-10646-ucs-2) is transcoded to UTF-8
//     (RFC 4356 §2.1.3.2), a byte order mark dropped, and written in base64 with charset=utf-8.
//   - A non-text leaf part (not text/*, message/* or application/smil) whose
//     Content-Transfer-Encoding is 7bit, 8bit, binary or absent, and a text part labelled binary,
//     is written in base64. Base64 and quoted-printable parts that need no transcoding are copied
//     as they are, without being decoded.
//   - An encapsulated message (message/rfc822) is copied as it is.
//
// Any other body passes through unchanged, and Result.Changed says whether anything changed.
//
// h is the header of the MM; the body is read from r once, and the new body written to w. The
// returned header holds the top-level Content-* fields the new body needs; they replace all the
// Content-* fields of h (the caller keeps the others). Lines ending in LF alone are accepted; what
// ForMail writes itself ends in CRLF.
//
// The MIME structure must be one [sevenbit.Check] accepts, within lim (a zero field means the
// field of [sevenbit.DefaultLimits]); otherwise the error is a *sevenbit.MIMEError, found as the
// walk reaches it, so that w may hold part of the output. Quoted-printable that does not decode,
// in a part to transcode, is a *sevenbit.MIMEError too. What ForMail writes passes sevenbit.Check
// with the header it returns. Read and write errors are returned as they are.
func ForMail(h textproto.Header, r io.Reader, w io.Writer, lim sevenbit.Limits) (textproto.Header, Result, error) {
	return run(toMail, h, r, w, lim)
}

// ForMMS rewrites the body of Internet mail into an MM body handsets can show (RFC 4356 §2.1.3.3):
//
//   - multipart/alternative is replaced by one of its alternatives: the first text/plain one,
//     else the first text/html one converted to text/plain. An alternative that is neither, when
//     it comes first, is kept (RFC 2046 §5.1.4 orders alternatives from the plainest). The choice
//     is made in one pass: a text/html alternative is converted into a buffer of at most 64 KiB
//     that a later text/plain one replaces; past 64 KiB it is written out and kept.
//   - text/html, alone or as a part, becomes text/plain: tags dropped, character references
//     decoded, white space folded, <br> and block elements (p, div, li, …) turned into line
//     breaks, and head, title, script and style dropped. multipart/related of type text/html
//     becomes multipart/mixed, since its root is no longer HTML.
//   - Text in any charset other than UTF-8 and US-ASCII (ISO-8859-x, windows-125x, Shift_JIS,
//     GB2312, Big5, EUC-KR, KOI8-R, UTF-16, …: those golang.org/x/text knows) is transcoded to
//     UTF-8 and written in base64 with charset=utf-8. Text in a charset it does not know is kept.
//   - Binary parts get base64 as in ForMail; other structure (multipart/mixed with attachments,
//     encapsulated messages) is kept.
//
// Headers, errors and the output are as for [ForMail].
func ForMMS(h textproto.Header, r io.Reader, w io.Writer, lim sevenbit.Limits) (textproto.Header, Result, error) {
	return run(toMMS, h, r, w, lim)
}

// direction is which way a body is adapted.
type direction int

const (
	toMail direction = iota // ForMail
	toMMS                   // ForMMS
)

const (
	// maxPartHeader bounds a part header as read (sevenbit.Check's bound is the same).
	maxPartHeader = 64 << 10
	// maxRebuiltHeader bounds a part header as rewritten, under what Check accepts.
	maxRebuiltHeader = 60 << 10
	// maxHeld bounds a part held back: a SMIL part moved to the end of its multipart, or a text/html
	// alternative converted while a text/plain one may still come.
	maxHeld = 64 << 10
	// copyBufferSize is the buffer bodies are decoded through.
	copyBufferSize = 32 << 10
	// writeBufferSize is the output buffer; longer writes go straight through.
	writeBufferSize = 8 << 10
)

// wapMultipartPrefix starts the WSP multipart types of MM1 (application/vnd.wap.multipart.X),
// which mail parsers read as multipart/X (as sevenbit.Check does).
const wapMultipartPrefix = "application/vnd.wap.multipart."

// cteKind is an entity's Content-Transfer-Encoding (RFC 2045 §6.1).
type cteKind int

const (
	cte7Bit cteKind = iota // "7bit" or absent
	cte8Bit
	cteBinary
	cteQuotedPrintable
	cteBase64
	cteUnknown // another token: not decoded
)

var transferEncodings = map[string]cteKind{
	"7bit": cte7Bit, "8bit": cte8Bit, "binary": cteBinary,
	"quoted-printable": cteQuotedPrintable, "base64": cteBase64,
}

// field is a header field to set; an empty value removes the field.
type field struct{ name, value string }

// head is an entity's header as read, and the fields to change in it.
type head struct {
	h   *textproto.Header
	raw []byte // the header as read with the empty line that ends it; nil for the top level
	set []field
}

// with returns hd with a field set.
func (hd *head) with(name, value string) {
	for i := range hd.set {
		if hd.set[i].name == name {
			hd.set[i].value = value
			return
		}
	}
	hd.set = append(hd.set, field{name, value})
}

// emitFunc writes an entity's header (with its delimiter line before it, for a body part); it is
// called once, before any octet of the entity's body is written.
type emitFunc func(hd *head) error

// part is what an entity's parent asks of it.
type part struct {
	verbatim bool // inside an encapsulated message: copied as it is
	attach   bool // ForMail, in a multipart/related made multipart/mixed: dispositions are set
	n        int  // its number in its multipart
}

// buffers are the buffers of a walk, kept for the next one.
type buffers struct {
	in   *bufio.Reader
	out  *bufio.Writer
	copy [copyBufferSize]byte
}

var bufferPool = sync.Pool{New: func() any {
	return &buffers{in: bufio.NewReaderSize(nil, readBufferSize), out: bufio.NewWriterSize(nil, writeBufferSize)}
}}

// directWriter writes small writes through bw, and long ones (body pieces of a read buffer)
// straight to w, after what bw holds, instead of copying them into bw.
type directWriter struct {
	bw *bufio.Writer
	w  io.Writer
}

func (d *directWriter) Write(p []byte) (int, error) {
	if len(p) < 4096 {
		return d.bw.Write(p)
	}
	if err := d.bw.Flush(); err != nil {
		return 0, err
	}
	return d.w.Write(p)
}

// walker holds the state of one walk over a message.
type walker struct {
	lineReader
	dir     direction
	lim     sevenbit.Limits
	parts   int
	out     io.Writer // where the output goes now: bw, a capture or io.Discard
	bw      *bufio.Writer
	changed bool
	buf     []byte
	body    bodyReader

	// deferred is a SMIL part held back to the end of the multipart at deferLevel.
	deferred   *capture
	deferLevel int
}

func run(dir direction, h textproto.Header, r io.Reader, w io.Writer, lim sevenbit.Limits) (textproto.Header, Result, error) {
	return walk(dir, h, r, w, lim, false)
}

// walk is run; lineByLine turns off bodyReader.fastFill, for the tests.
func walk(dir direction, h textproto.Header, r io.Reader, w io.Writer, lim sevenbit.Limits, lineByLine bool) (textproto.Header, Result, error) {
	if lim.Depth <= 0 {
		lim.Depth = sevenbit.DefaultLimits.Depth
	}
	if lim.Parts <= 0 {
		lim.Parts = sevenbit.DefaultLimits.Parts
	}
	bufs := bufferPool.Get().(*buffers)
	bufs.in.Reset(r)
	bufs.out.Reset(w)
	defer func() {
		bufs.in.Reset(nil)
		bufs.out.Reset(nil)
		bufferPool.Put(bufs)
	}()
	sw := &walker{
		lineReader: lineReader{in: bufs.in, lineByLine: lineByLine},
		dir:        dir,
		lim:        lim,
		bw:         bufs.out,
		buf:        bufs.copy[:],
	}
	sw.out = &directWriter{bw: sw.bw, w: w}
	var result textproto.Header
	top := func(hd *head) error {
		if len(hd.set) > 0 {
			sw.changed = true
		}
		var err error
		result, err = contentFields(hd)
		return err
	}
	err := sw.entity(&head{h: &h}, "", 0, part{}, top)
	if ferr := sw.bw.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return textproto.Header{}, Result{}, err
	}
	return result, Result{Changed: sw.changed}, nil
}

// contentFields returns the Content-* fields of hd, changed as hd.set says.
func contentFields(hd *head) (textproto.Header, error) {
	var b bytes.Buffer
	if err := hd.write(&b, true); err != nil {
		return textproto.Header{}, err
	}
	b.WriteString("\r\n")
	return textproto.ReadHeader(bufio.NewReader(&b))
}

// write writes the fields of hd (only the Content-* ones when contentOnly is set), changed as
// hd.set says: a field set takes the place of the first field of its name, or goes at the end.
func (hd *head) write(b *bytes.Buffer, contentOnly bool) error {
	done := make([]bool, len(hd.set))
	for f := hd.h.Fields(); f.Next(); {
		k := f.Key()
		if contentOnly && (len(k) < 8 || !lex.TokenEqualFold(k[:8], "content-")) {
			continue
		}
		if i := hd.replaces(k); i >= 0 {
			if !done[i] && hd.set[i].value != "" {
				b.WriteString(lex.FoldField(hd.set[i].name, hd.set[i].value))
			}
			done[i] = true
			continue
		}
		raw, err := f.Raw()
		if err != nil {
			return err
		}
		b.Write(raw)
	}
	for i, f := range hd.set {
		if !done[i] && f.value != "" {
			b.WriteString(lex.FoldField(f.name, f.value))
		}
	}
	return nil
}

// replaces returns the index in hd.set of the field name, or -1.
func (hd *head) replaces(name string) int {
	for i, f := range hd.set {
		if lex.TokenEqualFold(f.name, name) {
			return i
		}
	}
	return -1
}

// writeHead writes a part header (or the header of an encapsulated message): as read when nothing
// changes in it, else rebuilt with the fields of hd.set replacing those of the same name, at the
// end.
func (sw *walker) writeHead(hd *head, path string) error {
	if len(hd.set) == 0 {
		_, err := sw.out.Write(hd.raw)
		return err
	}
	sw.changed = true
	var b bytes.Buffer
	if err := hd.write(&b, false); err != nil {
		return &sevenbit.MIMEError{Part: path, Reason: "header cannot be rewritten"}
	}
	if b.Len() > maxRebuiltHeader {
		return &sevenbit.MIMEError{Part: path, Reason: "header too long to rewrite"}
	}
	b.WriteString("\r\n")
	_, err := sw.out.Write(b.Bytes())
	return err
}

// typeOf reads an entity's media type as sevenbit.Check does: the first non-empty Content-Type
// field, application/vnd.wap.multipart.X read as multipart/X (wap is set), and text/plain when it
// does not parse (RFC 2045 §5.2).
func typeOf(h *textproto.Header) (mediaType string, params map[string]string, wap bool) {
	v, _ := lex.FirstValue(h, "Content-Type")
	mt, rest, hasParams := strings.Cut(v, ";")
	mt = strings.Trim(mt, " \t")
	if n := len(wapMultipartPrefix); len(mt) > n && lex.TokenEqualFold(mt[:n], wapMultipartPrefix) && isSubtype(mt[n:]) {
		v, wap = "multipart/"+strings.ToLower(mt[n:]), true
		if hasParams {
			v += ";" + rest
		}
	}
	mediaType, params, err := lex.ParseMediaType(v)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return "text/plain", nil, false
	}
	return mediaType, params, wap
}

func isSubtype(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !lex.IsAlnum(c) && c != '-' && c != '.' && c != '_' && c != '+' {
			return false
		}
	}
	return true
}

// transferEncodingOf returns h's Content-Transfer-Encoding as sevenbit.Check reads it.
func transferEncodingOf(h *textproto.Header) cteKind {
	v, ok := lex.FirstValue(h, "Content-Transfer-Encoding")
	if !ok {
		return cte7Bit
	}
	if i := strings.IndexAny(v, " \t;("); i >= 0 {
		v = v[:i]
	}
	if k, ok := transferEncodings[strings.ToLower(v)]; ok && len(v) <= 32 {
		return k
	}
	return cteUnknown
}

// entity walks an entity whose header has been read; its body runs to the next delimiter line of
// an enclosing multipart, or to the end of the input.
func (sw *walker) entity(hd *head, path string, depth int, p part, emit emitFunc) error {
	if depth > sw.lim.Depth {
		return &sevenbit.MIMEError{Part: path, Reason: "nested deeper than " + strconv.Itoa(sw.lim.Depth) + " levels"}
	}
	mediaType, params, wap := typeOf(hd.h)
	kind := transferEncodingOf(hd.h)
	isMultipart := strings.HasPrefix(mediaType, "multipart/")
	if (isMultipart || mediaType == "message/rfc822") && kind != cte7Bit && kind != cte8Bit && kind != cteBinary {
		return &sevenbit.MIMEError{Part: path, Reason: mediaType + " under a Content-Transfer-Encoding other than 7bit, 8bit or binary (RFC 2045 §6.4)"}
	}
	switch {
	case isMultipart:
		boundary, ok := params["boundary"]
		if reason := checkBoundary(boundary, ok); reason != "" {
			return &sevenbit.MIMEError{Part: path, Reason: mediaType + " " + reason}
		}
		if p.verbatim {
			if err := emit(hd); err != nil {
				return err
			}
			return sw.multipart(path, depth, mediaType, boundary, part{verbatim: true})
		}
		newType, child := mediaType, part{}
		switch {
		case sw.dir == toMail && mediaType == "multipart/related" && (params["type"] == "" || strings.EqualFold(params["type"], "application/smil")):
			newType, child.attach = "multipart/mixed", true
		case sw.dir == toMMS && mediaType == "multipart/alternative":
			return sw.alternative(path, depth, mediaType, boundary, emit)
		case sw.dir == toMMS && mediaType == "multipart/related" && strings.EqualFold(params["type"], "text/html"):
			newType = "multipart/mixed"
		}
		if newType != mediaType || wap {
			if newType != mediaType {
				delete(params, "type")
				delete(params, "start")
				delete(params, "start-info")
			}
			hd.with("Content-Type", formatMediaType(newType, params))
		}
		if err := emit(hd); err != nil {
			return err
		}
		return sw.multipart(path, depth, newType, boundary, child)
	case mediaType == "message/rfc822":
		if err := emit(hd); err != nil {
			return err
		}
		return sw.headedEntity(path, depth+1, false, part{verbatim: true}, func(hd *head) error { return sw.writeHead(hd, path) })
	}
	return sw.leaf(hd, path, mediaType, params, kind, p, emit)
}

// formatMediaType formats a Content-Type value, dropping the parameters that cannot be written
// when the whole cannot.
func formatMediaType(t string, params map[string]string) string {
	if v := mime.FormatMediaType(t, params); v != "" {
		return v
	}
	keep := map[string]string{}
	for _, k := range []string{"boundary", "charset"} {
		if v, ok := params[k]; ok {
			keep[k] = v
		}
	}
	if v := mime.FormatMediaType(t, keep); v != "" {
		return v
	}
	return t
}

// checkBoundary returns why a boundary parameter is unusable, or "", by sevenbit.Check's rules.
func checkBoundary(b string, present bool) string {
	switch {
	case !present:
		return "without a boundary parameter"
	case b == "":
		return "with an empty boundary parameter"
	case len(b) > 200:
		return "boundary longer than 200 characters"
	case b[len(b)-1] == ' ':
		return "boundary ends in a space"
	}
	for i := 0; i < len(b); i++ {
		if b[i] < ' ' || b[i] > '~' {
			return "boundary holds a control or non-ASCII octet"
		}
	}
	return ""
}

// childPath returns the IMAP-style number of part n of the entity at path.
func childPath(path string, n int) string {
	if path == "" {
		return strconv.Itoa(n)
	}
	return path + "." + strconv.Itoa(n)
}

// delimiterStep reads the next delimiter line of the multipart at level: the one before part n,
// or its close delimiter (final). It refuses what sevenbit.Check refuses.
func (sw *walker) delimiterStep(path string, level, n int, mediaType, boundary string) (delim []byte, final bool, err error) {
	l, err := sw.next()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, false, err
	}
	own, eol := false, ""
	if err == nil {
		lv, fin, e, derr := sw.delimiter(l)
		if derr != nil {
			return nil, false, derr
		}
		own, final, eol = lv == level, fin, e
	}
	switch {
	case own && n > 1 && sw.nl == "\r\n" && !l.crlfBefore && !l.afterPartHeader:
		return nil, false, &sevenbit.MIMEError{Part: path, Reason: mediaType + " delimiter line " + strconv.Quote("--"+boundary) +
			" not after a CRLF, as the first delimiter line ends"}
	case own && final && n == 1:
		return nil, false, &sevenbit.MIMEError{Part: path, Reason: mediaType + " without any body part"}
	case !own && n == 1:
		return nil, false, &sevenbit.MIMEError{Part: path, Reason: mediaType + " body without any delimiter line for its boundary " + strconv.Quote(boundary)}
	case !own:
		return nil, false, &sevenbit.MIMEError{Part: path, Reason: mediaType + " without its close delimiter " + strconv.Quote("--"+boundary+"--")}
	}
	// Written without transport padding.
	delim = make([]byte, 0, 4+len(boundary)+len(eol))
	delim = append(delim, "--"...)
	delim = append(delim, boundary...)
	if final {
		delim = append(delim, "--"...)
	}
	delim = append(delim, eol...)
	if !bytes.Equal(delim, l.b) {
		sw.changed = true
	}
	return delim, final, nil
}

// multipart walks a multipart body (RFC 2046 §5.1.1): preamble, parts, close delimiter, epilogue.
// The preamble and epilogue are copied.
func (sw *walker) multipart(path string, depth int, mediaType, boundary string, child part) error {
	sw.boundaries = append(sw.boundaries, boundary)
	sw.paths = append(sw.paths, path)
	level := len(sw.boundaries) - 1
	defer func() { sw.boundaries, sw.paths = sw.boundaries[:level], sw.paths[:level] }()

	if err := sw.filler(); err != nil {
		return err
	}
	for n := 1; ; n++ {
		delim, final, err := sw.delimiterStep(path, level, n, mediaType, boundary)
		if err != nil {
			return err
		}
		if final {
			if sw.deferred != nil && sw.deferLevel == level {
				if _, err := sw.out.Write(sw.deferred.buf.Bytes()); err != nil {
					return err
				}
				sw.deferred = nil
			}
			if _, err := sw.out.Write(delim); err != nil {
				return err
			}
			return sw.filler()
		}
		if sw.parts++; sw.parts > sw.lim.Parts {
			return &sevenbit.MIMEError{Part: path, Reason: "more than " + strconv.Itoa(sw.lim.Parts) + " body parts"}
		}
		cp := childPath(path, n)
		emit := func(hd *head) error {
			if _, err := sw.out.Write(delim); err != nil {
				return err
			}
			return sw.writeHead(hd, cp)
		}
		child.n = n
		if err := sw.headedEntity(cp, depth+1, true, child, emit); err != nil {
			return err
		}
	}
}

// alternative walks a multipart/alternative for ForMMS, and writes one of its alternatives in its
// place (see ForMMS); the others, its delimiter lines, preamble and epilogue are dropped.
func (sw *walker) alternative(path string, depth int, mediaType, boundary string, emit emitFunc) error {
	sw.changed = true
	sw.boundaries = append(sw.boundaries, boundary)
	sw.paths = append(sw.paths, path)
	level := len(sw.boundaries) - 1
	out := sw.out
	defer func() {
		sw.boundaries, sw.paths = sw.boundaries[:level], sw.paths[:level]
		sw.out = out
	}()
	nop := func(*head) error { return nil }

	sw.out = io.Discard
	if err := sw.filler(); err != nil {
		return err
	}
	chosen := false
	var html *capture // a text/html alternative converted, held while a text/plain one may come
	for n := 1; ; n++ {
		_, final, err := sw.delimiterStep(path, level, n, mediaType, boundary)
		if err != nil {
			return err
		}
		if final {
			if html != nil && !html.spilled && !chosen {
				if _, err := out.Write(html.buf.Bytes()); err != nil {
					return err
				}
			}
			sw.out = io.Discard
			return sw.filler()
		}
		if sw.parts++; sw.parts > sw.lim.Parts {
			return &sevenbit.MIMEError{Part: path, Reason: "more than " + strconv.Itoa(sw.lim.Parts) + " body parts"}
		}
		cp := childPath(path, n)
		hd, err := sw.partHead(cp, depth+1)
		if err != nil {
			return err
		}
		t, _, _ := typeOf(hd.h)
		switch {
		case out == io.Discard || chosen || html != nil && html.spilled:
			// Inside an alternative being dropped, nothing is held back either.
			sw.out = io.Discard
			err = sw.entity(hd, cp, depth+1, part{n: n}, nop)
		case t == "text/plain":
			sw.out, chosen = out, true
			err = sw.entity(hd, cp, depth+1, part{n: n}, emit)
		case t == "text/html" && html == nil:
			html = &capture{dst: out, limit: maxHeld}
			sw.out = html
			err = sw.entity(hd, cp, depth+1, part{n: n}, emit)
		case n == 1:
			sw.out, chosen = out, true
			err = sw.entity(hd, cp, depth+1, part{n: n}, emit)
		default:
			sw.out = io.Discard
			err = sw.entity(hd, cp, depth+1, part{n: n}, nop)
		}
		sw.out = io.Discard
		if err != nil {
			return err
		}
	}
}

// headedEntity reads an entity's header and walks the entity.
func (sw *walker) headedEntity(path string, depth int, partHeader bool, p part, emit emitFunc) error {
	hd, err := sw.readHead(path, depth, partHeader)
	if err != nil {
		return err
	}
	return sw.entity(hd, path, depth, p, emit)
}

// partHead reads a part header.
func (sw *walker) partHead(path string, depth int) (*head, error) {
	return sw.readHead(path, depth, true)
}

// readHead reads and parses a header, refusing one nested too deeply before reading it.
func (sw *walker) readHead(path string, depth int, partHeader bool) (*head, error) {
	if depth > sw.lim.Depth {
		return nil, &sevenbit.MIMEError{Part: path, Reason: "nested deeper than " + strconv.Itoa(sw.lim.Depth) + " levels"}
	}
	raw, term, err := sw.readHeader(path)
	if err != nil {
		return nil, err
	}
	if term == nil {
		return nil, &sevenbit.MIMEError{Part: path, Reason: "header not ended by an empty line (it runs into a delimiter line or the end of input)"}
	}
	sw.afterPartHeader = partHeader
	h, err := textproto.ReadHeader(bufio.NewReader(io.MultiReader(bytes.NewReader(raw), strings.NewReader("\r\n"))))
	if err != nil {
		return nil, &sevenbit.MIMEError{Part: path, Reason: "malformed header"}
	}
	return &head{h: &h, raw: append(raw, term...)}, nil
}

// readHeader reads a header up to the empty line that ends it (term); term is nil when a delimiter
// line (given back) or the end of the input came first.
func (sw *walker) readHeader(path string) (raw, term []byte, err error) {
	for {
		l, err := sw.next()
		if errors.Is(err, io.EOF) {
			return raw, nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if l.start && l.whole && (string(l.b) == "\r\n" || string(l.b) == "\n") {
			return raw, []byte(string(l.b)), nil
		}
		level, _, _, derr := sw.delimiter(l)
		if derr != nil {
			return nil, nil, derr
		}
		if level >= 0 {
			sw.pushBack(l)
			return raw, nil, nil
		}
		if len(raw)+len(l.b) > maxPartHeader {
			return nil, nil, &sevenbit.MIMEError{Part: path, Reason: "header longer than " + strconv.Itoa(maxPartHeader) + " octets"}
		}
		raw = append(raw, l.b...)
	}
}

// filler copies a preamble or an epilogue: everything up to the next delimiter line of an
// enclosing multipart, or to the end of the input.
func (sw *walker) filler() error {
	for {
		l, err := sw.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		level, _, _, derr := sw.delimiter(l)
		if derr != nil {
			return derr
		}
		if level >= 0 {
			sw.pushBack(l)
			return nil
		}
		if _, err := sw.out.Write(l.b); err != nil {
			return err
		}
	}
}
