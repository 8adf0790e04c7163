// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package sevenbit

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strconv"
	"strings"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// The MIME rules are RFC 2045 (§6 transfer encodings, §6.8 base64) and RFC 2046 (§5.1 multipart,
// §5.2.1 message/rfc822).

// Limits of Body. Work and memory stay proportional to the input, and at most one leaf part
// is held in memory at a time.
const (
	// MaxMIMEDepth bounds how deeply multiparts and encapsulated messages may nest.
	MaxMIMEDepth = 20
	// MaxMIMEParts bounds the number of body parts in the whole MIME tree.
	MaxMIMEParts = 1000
	// MaxBufferedPart bounds one leaf part's body, which is read whole before it is written because
	// its header (Content-Transfer-Encoding) depends on what the body holds.
	MaxBufferedPart = 32 << 20

	// maxPartHeader bounds one part header (or the header of an encapsulated message).
	maxPartHeader = 64 << 10
	// maxFiller bounds the preamble or epilogue of a multipart that is kept; a longer one is dropped,
	// as is one that is not 7-bit clean (RFC 2046 §5.1.1: both are to be ignored).
	maxFiller = 64 << 10
	// base64LineLength is the encoded line length of RFC 2045 §6.8.
	base64LineLength = 76
	// maxBoundaryLength is lenient: RFC 2046 §5.1.1 allows 70 characters, some mailers write more.
	maxBoundaryLength = 200
	// readBufferSize is the size of the pieces long lines are read in.
	readBufferSize = 16 << 10
)

// wapMultipartPrefix starts the WSP multipart media types (WAP-230 WSP assigned
// content types 0x23 mixed, 0x26 alternative, 0x33 related) that an MM1 PDU carries. Mail parsers do not know them: Body writes
// application/vnd.wap.multipart.X as multipart/X, as other MMSCs do.
const wapMultipartPrefix = "application/vnd.wap.multipart."

// cteKind is how an entity's body relates to its content (RFC 2045 §6).
type cteKind int

const (
	cteSevenBit        cteKind = iota // "7bit" or absent (RFC 2045 §6.1 default): the body is the content
	cteEightBit                       // "8bit" or "binary": the body is the content, and may be 8-bit
	cteQuotedPrintable                // RFC 2045 §6.7
	cteBase64                         // RFC 2045 §6.8
	cteUnknown                        // any other token (x-uuencode, …): Body cannot decode it
)

// transferEncodings are the Content-Transfer-Encoding tokens of RFC 2045 §6.1, in lower case.
var transferEncodings = map[string]cteKind{
	"7bit":             cteSevenBit,
	"8bit":             cteEightBit,
	"binary":           cteEightBit,
	"quoted-printable": cteQuotedPrintable,
	"base64":           cteBase64,
}

// The values Body writes into Content-Transfer-Encoding.
const (
	cteValue7Bit   = "7bit"
	cteValueBase64 = "base64"
)

// MIMEError reports a MIME structure that Body cannot make 7-bit clean: too deep, too many
// parts, a part too large, a malformed header, a multipart without a usable boundary, or 8-bit data
// under a transfer encoding it cannot decode. It suits a 554 5.6.0 reply (or an MM4 RES with
// Error-message-format-corrupt).
type MIMEError struct {
	// Part is the IMAP-style part number ("1", "2.1"); "" is the message itself.
	Part   string
	Reason string
}

// Error returns "mmsmap: MIME part 2.1: reason", or "mmsmap: MIME message: reason" for the top level.
func (e *MIMEError) Error() string {
	if e.Part == "" {
		return "mmsmap: MIME message: " + e.Reason
	}
	return "mmsmap: MIME part " + e.Part + ": " + e.Reason
}

// Body copies the body of the message whose header is h from body to w, re-encoding it so
// that it is 7-bit clean for MM4 (TS 23.140 §8.4.5), and returns the header to send with it.
//
// It walks the MIME tree as it streams and keeps its structure, its boundaries, and every part's
// header fields and their order. A leaf part is 7-bit clean when it holds no octet above 127, no
// NUL, no CR but before LF and no line over 998 octets (RFC 2045 §2.7, RFC 5321 §4.5.3.1.6); it is
// treated by its Content-Transfer-Encoding as follows, re-encoded parts in base64 with lines of 76
// characters (RFC 2045 §6.8):
//
//	Content-Transfer-Encoding  clean body          other body
//	7bit, absent               kept                base64 (the label was wrong)
//	8bit, binary               kept, CTE 7bit      base64
//	quoted-printable, base64   kept                decoded, then base64
//	anything else              kept                *MIMEError
//
// A multipart or message/rfc822 entity labelled 8bit or binary is relabelled 7bit, since its parts
// are made 7-bit (RFC 2045 §6.4 allows only 7bit, 8bit and binary on composite types); one labelled
// quoted-printable or base64 breaks RFC 2045 §6.4 and is treated as a leaf. The message inside a
// message/rfc822 part is converted like the top-level one. application/vnd.wap.multipart.X
// becomes multipart/X. A header field holding 8-bit octets is rewritten too: Content-Type and
// Content-Disposition parameters in RFC 2231 form, address fields with RFC 2047 display names, any
// other field as RFC 2047 text (charset utf-8, or unknown-8bit (RFC 1428) when not UTF-8). A
// preamble or epilogue that is not 7-bit clean, or longer than 64 KiB, is dropped. A multipart
// whose close delimiter is missing is closed (best effort); one with no delimiter at all is an error.
//
// Lines may end in CRLF or LF; what Body writes itself ends in CRLF. A message that is
// already 7-bit clean, and not labelled 8bit or binary anywhere, comes out byte for byte identical,
// and h is returned unchanged. Otherwise the
// returned header is h with Content-Type and Content-Transfer-Encoding updated in place (a
// Content-Transfer-Encoding field is appended when h had none) and 8-bit fields rewritten; h itself
// is not modified.
//
// Bounds: MaxMIMEDepth levels, MaxMIMEParts parts, MaxBufferedPart octets per leaf part, 64 KiB per
// part header. Exceeding one, or a structure it cannot repair, gives a *MIMEError; a read or write
// error is returned as it is. After an error w may hold part of the output.
func Body(h textproto.Header, body io.Reader, w io.Writer) (textproto.Header, error) {
	sw := &sevenBitWalker{
		in:  bufio.NewReaderSize(body, readBufferSize),
		out: bufio.NewWriter(w),
	}
	result := h
	emit := func(fix headerFix) error {
		if fix.zero() && headerSevenBit(&h) {
			return nil
		}
		b, err := rebuildHeader(&h, fix, "")
		if err != nil {
			return err
		}
		b = append(b, '\r', '\n')
		result, err = textproto.ReadHeader(bufio.NewReader(bytes.NewReader(b)))
		return err
	}
	if err := sw.entity(&h, "", 0, emit); err != nil {
		return textproto.Header{}, err
	}
	if err := sw.out.Flush(); err != nil {
		return textproto.Header{}, err
	}
	return result, nil
}

// headerFix is how an entity's header changes; zero values mean no change.
type headerFix struct {
	contentType string // new Content-Type value
	cte         string // new Content-Transfer-Encoding value
}

func (f headerFix) zero() bool { return f.contentType == "" && f.cte == "" }

// sevenBitWalker holds the state of one Body call.
type sevenBitWalker struct {
	in  *bufio.Reader
	out *bufio.Writer

	// pushed is a delimiter line read ahead by the part that it ends, for the multipart that owns it.
	pushed    []byte
	hasPushed bool
	// midLine is set when the last piece read did not end a line.
	midLine bool

	boundaries []string // of the enclosing multiparts, outermost first
	parts      int
}

// piece is one read from the input: a whole line with its line end, a piece of a line longer than
// the read buffer, or the last octets before the end of input.
type piece struct {
	b     []byte // valid until the next read
	start bool   // b begins a line
	whole bool   // b ends a line (or the input) too
}

// next returns the next piece, or io.EOF at the end of input.
func (sw *sevenBitWalker) next() (piece, error) {
	if sw.hasPushed {
		sw.hasPushed = false
		return piece{b: sw.pushed, start: true, whole: true}, nil
	}
	b, err := sw.in.ReadSlice('\n')
	p := piece{b: b, start: !sw.midLine, whole: true}
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

// pushBack returns a delimiter line to the input, for the multipart that owns it.
func (sw *sevenBitWalker) pushBack(line []byte) {
	sw.pushed = append(sw.pushed[:0], line...)
	sw.hasPushed = true
}

// delimiter reports whether p is a delimiter line of an enclosing multipart: level is the index in
// sw.boundaries (-1 when p is not one) and final is set for a close delimiter.
func (sw *sevenBitWalker) delimiter(p piece) (level int, final bool) {
	if !p.start || !p.whole || len(p.b) < 3 || p.b[0] != '-' || p.b[1] != '-' {
		return -1, false
	}
	for i := len(sw.boundaries) - 1; i >= 0; i-- {
		if ok, cl := isDelimiterLine(p.b, sw.boundaries[i]); ok {
			return i, cl
		}
	}
	return -1, false
}

// isDelimiterLine reports whether line is "--" boundary, then "--" for a close delimiter, then
// transport padding (spaces and tabs), then the line end or the end of input (RFC 2046 §5.1.1).
func isDelimiterLine(line []byte, boundary string) (ok, final bool) {
	if len(line) < 2+len(boundary) || string(line[2:2+len(boundary)]) != boundary {
		return false, false
	}
	rest := line[2+len(boundary):]
	if len(rest) >= 2 && rest[0] == '-' && rest[1] == '-' {
		final, rest = true, rest[2:]
	}
	for _, c := range rest {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false, false
		}
	}
	return true, final
}

// entity converts one entity (the message, a body part, or a message encapsulated in a
// message/rfc822 part) whose header h has been read. Its body runs to the next delimiter of an
// enclosing multipart or to the end of input. emit is called once, before any body octet is
// written, to write the entity's header with fix applied.
func (sw *sevenBitWalker) entity(h *textproto.Header, path string, depth int, emit func(headerFix) error) error {
	if depth > MaxMIMEDepth {
		return &MIMEError{Part: path, Reason: "nested deeper than " + strconv.Itoa(MaxMIMEDepth) + " levels"}
	}
	var fix headerFix
	ctValue, _ := lex.FirstValue(h, "Content-Type")
	if v, ok := rewriteWAPMultipart(ctValue); ok {
		fix.contentType, ctValue = v, v
	}
	mediaType, params, err := mime.ParseMediaType(ctValue)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		mediaType = "text/plain" // RFC 2045 §5.2: a missing or unreadable Content-Type
	}
	kind := transferEncodingOf(h)
	composite := kind == cteSevenBit || kind == cteEightBit
	if composite && kind == cteEightBit {
		fix.cte = cteValue7Bit
	}
	switch {
	case composite && strings.HasPrefix(mediaType, "multipart/"):
		boundary, ok := params["boundary"]
		if reason := checkBoundary(boundary, ok); reason != "" {
			return &MIMEError{Part: path, Reason: reason}
		}
		if err := emit(fix); err != nil {
			return err
		}
		return sw.multipart(path, depth, boundary)
	case composite && mediaType == "message/rfc822":
		if err := emit(fix); err != nil {
			return err
		}
		return sw.encapsulated(path, depth)
	}
	fix.cte = ""
	return sw.leaf(path, kind, fix, emit)
}

// rewriteWAPMultipart turns a Content-Type value "application/vnd.wap.multipart.X; params" into
// "multipart/X; params", keeping the parameters as written.
func rewriteWAPMultipart(v string) (string, bool) {
	mt, params, hasParams := strings.Cut(v, ";")
	mt = strings.Trim(mt, " \t")
	if len(mt) <= len(wapMultipartPrefix) || !lex.TokenEqualFold(mt[:len(wapMultipartPrefix)], wapMultipartPrefix) {
		return "", false
	}
	sub := mt[len(wapMultipartPrefix):]
	for i := 0; i < len(sub); i++ {
		if c := sub[i]; !lex.IsAlnum(c) && c != '-' && c != '.' && c != '_' && c != '+' {
			return "", false
		}
	}
	out := "multipart/" + strings.ToLower(sub)
	if hasParams {
		out += ";" + params
	}
	return out, true
}

// transferEncodingOf returns the kind of h's Content-Transfer-Encoding: its first token, ignoring
// case; a missing field is 7bit (RFC 2045 §6.1).
func transferEncodingOf(h *textproto.Header) cteKind {
	v, ok := lex.FirstValue(h, "Content-Transfer-Encoding")
	if !ok {
		return cteSevenBit
	}
	if i := strings.IndexAny(v, " \t;("); i >= 0 {
		v = v[:i]
	}
	if len(v) > 32 {
		return cteUnknown
	}
	if k, ok := transferEncodings[strings.ToLower(v)]; ok {
		return k
	}
	return cteUnknown
}

// checkBoundary returns why a multipart boundary parameter is unusable, or "". Printable ASCII is
// accepted, which is more than the bchars of RFC 2046 §5.1.1 but what mail parsers accept.
func checkBoundary(b string, present bool) string {
	switch {
	case !present || b == "":
		return "multipart without a boundary parameter"
	case len(b) > maxBoundaryLength:
		return "boundary longer than " + strconv.Itoa(maxBoundaryLength) + " characters"
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

// multipart copies a multipart body (RFC 2046 §5.1.1): preamble, parts, close delimiter, epilogue.
func (sw *sevenBitWalker) multipart(path string, depth int, boundary string) error {
	sw.boundaries = append(sw.boundaries, boundary)
	level := len(sw.boundaries) - 1
	defer func() { sw.boundaries = sw.boundaries[:level] }()

	if err := sw.filler(); err != nil {
		return err
	}
	for n := 1; ; n++ {
		// The preamble, a part and the epilogue end only at a delimiter or at the end of input.
		p, err := sw.next()
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		own, final := false, false
		if err == nil {
			l, c := sw.delimiter(p)
			own, final = l == level, c
		}
		if !own {
			if n == 1 {
				return &MIMEError{Part: path, Reason: "multipart body without a boundary delimiter"}
			}
			if err == nil {
				sw.pushBack(p.b) // an enclosing multipart's delimiter
			}
			// The close delimiter is missing: supply it (best effort).
			_, err := sw.out.WriteString("\r\n--" + boundary + "--\r\n")
			return err
		}
		if _, err := sw.out.Write(p.b); err != nil {
			return err
		}
		if final {
			return sw.filler() // the epilogue
		}
		sw.parts++
		if sw.parts > MaxMIMEParts {
			return &MIMEError{Part: path, Reason: "more than " + strconv.Itoa(MaxMIMEParts) + " body parts"}
		}
		if err := sw.headedEntity(childPath(path, n), depth+1); err != nil {
			return err
		}
	}
}

// childPath returns the IMAP-style number of part n of the entity at path.
func childPath(path string, n int) string {
	if path == "" {
		return strconv.Itoa(n)
	}
	return path + "." + strconv.Itoa(n)
}

// encapsulated copies the message in a message/rfc822 body (RFC 2046 §5.2.1): its header, then its
// body, converted like the top-level message.
func (sw *sevenBitWalker) encapsulated(path string, depth int) error {
	return sw.headedEntity(path, depth+1)
}

// headedEntity reads an entity's header from the input and converts the entity.
func (sw *sevenBitWalker) headedEntity(path string, depth int) error {
	raw, term, err := sw.readHeader(path)
	if err != nil {
		return err
	}
	h, err := textproto.ReadHeader(bufio.NewReader(io.MultiReader(bytes.NewReader(raw), strings.NewReader("\r\n"))))
	if err != nil {
		return &MIMEError{Part: path, Reason: "malformed header"}
	}
	emit := func(fix headerFix) error {
		if fix.zero() && lex.SevenBitOctets(raw) {
			if _, err := sw.out.Write(raw); err != nil {
				return err
			}
			_, err := sw.out.Write(term)
			return err
		}
		b, err := rebuildHeader(&h, fix, path)
		if err != nil {
			return err
		}
		if len(term) == 0 {
			term = []byte("\r\n")
		}
		if _, err := sw.out.Write(b); err != nil {
			return err
		}
		_, err = sw.out.Write(term)
		return err
	}
	return sw.entity(&h, path, depth, emit)
}

// readHeader reads a header up to and including the empty line that ends it. term is that empty
// line; it is empty when the header ended at a delimiter or at the end of input instead (best
// effort: the body is then empty).
func (sw *sevenBitWalker) readHeader(path string) (raw, term []byte, err error) {
	for {
		p, err := sw.next()
		if errors.Is(err, io.EOF) {
			return raw, nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if p.start && p.whole && (string(p.b) == "\r\n" || string(p.b) == "\n") {
			return raw, append([]byte(nil), p.b...), nil
		}
		if l, _ := sw.delimiter(p); l >= 0 {
			sw.pushBack(p.b)
			return raw, nil, nil
		}
		if len(raw)+len(p.b) > maxPartHeader {
			return nil, nil, &MIMEError{Part: path, Reason: "header longer than " + strconv.Itoa(maxPartHeader) + " octets"}
		}
		raw = append(raw, p.b...)
	}
}

// filler copies a preamble or an epilogue: everything up to the next delimiter of any enclosing
// multipart, or to the end of input. It is written only when it is 7-bit clean and at most
// maxFiller octets long; otherwise it is dropped, since it carries no content (RFC 2046 §5.1.1).
func (sw *sevenBitWalker) filler() error {
	var kept []byte
	drop := false
	for {
		p, err := sw.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if l, _ := sw.delimiter(p); l >= 0 {
			sw.pushBack(p.b)
			break
		}
		if drop {
			continue
		}
		if len(kept)+len(p.b) > maxFiller {
			drop, kept = true, nil
			continue
		}
		kept = append(kept, p.b...)
	}
	if drop || !sevenBitClean(kept) {
		return nil
	}
	_, err := sw.out.Write(kept)
	return err
}

// leaf converts a leaf part: its body is read whole (up to MaxBufferedPart octets), then its header
// and body are written as the table in the Body documentation says.
func (sw *sevenBitWalker) leaf(path string, kind cteKind, fix headerFix, emit func(headerFix) error) error {
	body, eol, err := sw.readBody(path)
	if err != nil {
		return err
	}
	if sevenBitClean(body) {
		if kind == cteEightBit {
			fix.cte = cteValue7Bit
		}
		if err := emit(fix); err != nil {
			return err
		}
		if _, err := sw.out.Write(body); err != nil {
			return err
		}
		_, err := sw.out.Write(eol)
		return err
	}
	data := body
	switch kind {
	case cteQuotedPrintable:
		if data, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err != nil {
			return &MIMEError{Part: path, Reason: "8-bit quoted-printable body that does not decode: " + err.Error()}
		}
	case cteBase64:
		data = decodeBase64Leniently(body)
	case cteUnknown:
		return &MIMEError{Part: path, Reason: "8-bit body under an unknown Content-Transfer-Encoding"}
	}
	fix.cte = cteValueBase64
	if err := emit(fix); err != nil {
		return err
	}
	if err := writeBase64Lines(sw.out, data); err != nil {
		return err
	}
	if len(eol) == 0 {
		eol = []byte("\r\n")
	}
	_, err = sw.out.Write(eol)
	return err
}

// readBody reads a leaf body up to the next delimiter of an enclosing multipart, which is pushed
// back, or to the end of input. The line end before a delimiter belongs to the delimiter
// (RFC 2046 §5.1.1): it is returned apart, as eol.
func (sw *sevenBitWalker) readBody(path string) (body, eol []byte, err error) {
	atDelimiter := false
	for {
		p, err := sw.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if l, _ := sw.delimiter(p); l >= 0 {
			sw.pushBack(p.b)
			atDelimiter = true
			break
		}
		if len(body)+len(p.b) > MaxBufferedPart {
			return nil, nil, &MIMEError{Part: path, Reason: "body larger than " + strconv.Itoa(MaxBufferedPart) + " octets"}
		}
		body = append(body, p.b...)
	}
	if atDelimiter {
		switch {
		case bytes.HasSuffix(body, []byte("\r\n")):
			return body[:len(body)-2], []byte("\r\n"), nil
		case bytes.HasSuffix(body, []byte("\n")):
			return body[:len(body)-1], []byte("\n"), nil
		}
	}
	return body, nil, nil
}

// sevenBitClean reports whether b is 7bit data in the sense of RFC 2045 §2.7: no octet above 127,
// no NUL, CR only before LF, and lines of at most 998 octets. A bare LF is taken as a line end (it
// becomes CRLF on the wire).
func sevenBitClean(b []byte) bool {
	line := 0 // octets in the current line, line end excluded
	for i, c := range b {
		switch {
		case c >= 0x80 || c == 0:
			return false
		case c == '\n':
			line = 0
		case c == '\r':
			if i+1 == len(b) || b[i+1] != '\n' {
				return false
			}
		default:
			if line++; line > lex.MaxLineOctets {
				return false
			}
		}
	}
	return true
}

// decodeBase64Leniently decodes a base64 body that is not clean: "any characters outside of the
// base64 alphabet are to be ignored" (RFC 2045 §6.8), and "=" ends the data. A dangling sixth bit
// group is dropped.
func decodeBase64Leniently(b []byte) []byte {
	alphabet := make([]byte, 0, len(b))
	for _, c := range b {
		if c == '=' {
			break
		}
		if lex.IsAlnum(c) || c == '+' || c == '/' {
			alphabet = append(alphabet, c)
		}
	}
	if len(alphabet)%4 == 1 {
		alphabet = alphabet[:len(alphabet)-1]
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(alphabet)))
	n, _ := base64.RawStdEncoding.Decode(out, alphabet) // only alphabet octets, valid length: no error
	return out[:n]
}

// writeBase64Lines writes data in base64 (RFC 2045 §6.8), in lines of 76 characters separated by
// CRLF, without a line end after the last line.
func writeBase64Lines(w io.Writer, data []byte) error {
	var line [base64LineLength]byte
	const chunk = base64LineLength / 4 * 3
	for i := 0; i < len(data); i += chunk {
		if i > 0 {
			if _, err := io.WriteString(w, "\r\n"); err != nil {
				return err
			}
		}
		end := min(i+chunk, len(data))
		n := base64.StdEncoding.EncodedLen(end - i)
		base64.StdEncoding.Encode(line[:n], data[i:end])
		if _, err := w.Write(line[:n]); err != nil {
			return err
		}
	}
	return nil
}

// headerSevenBit reports whether every field of h is free of 8-bit octets and NUL.
func headerSevenBit(h *textproto.Header) bool {
	for f := h.Fields(); f.Next(); {
		raw, err := f.Raw()
		if err != nil || !lex.SevenBitOctets(raw) {
			return false
		}
	}
	return true
}

// rebuildHeader writes h with fix applied and every field that holds 8-bit octets rewritten (see
// sevenBitValue), without the empty line that ends a header. Fields are kept in order and, when
// unchanged, byte for byte. A new Content-Transfer-Encoding replaces the first such field (others
// are dropped), or is appended.
func rebuildHeader(h *textproto.Header, fix headerFix, path string) ([]byte, error) {
	var out bytes.Buffer
	ctDone, cteDone := false, false
	for f := h.Fields(); f.Next(); {
		key, value := f.Key(), f.Value()
		replaced := false
		switch {
		case fix.contentType != "" && !ctDone && lex.TokenEqualFold(key, "Content-Type"):
			value, replaced, ctDone = fix.contentType, true, true
		case fix.cte != "" && lex.TokenEqualFold(key, "Content-Transfer-Encoding"):
			if cteDone {
				continue
			}
			value, replaced, cteDone = fix.cte, true, true
		}
		raw, err := f.Raw()
		if err != nil {
			return nil, &MIMEError{Part: path, Reason: "header field " + strconv.Quote(key) + ": " + err.Error()}
		}
		if !replaced && lex.SevenBitOctets(raw) {
			out.Write(raw)
			continue
		}
		if !lex.SevenBitOctets([]byte(value)) {
			if value, err = sevenBitValue(key, value); err != nil {
				return nil, &MIMEError{Part: path, Reason: "header field " + key + ": " + err.Error()}
			}
		}
		out.WriteString(lex.FoldField(rawFieldName(raw, key), value))
	}
	if fix.cte != "" && !cteDone {
		out.WriteString(lex.FoldField("Content-Transfer-Encoding", fix.cte))
	}
	return out.Bytes(), nil
}

// rawFieldName returns a field's name as written in raw, falling back to the canonical key.
func rawFieldName(raw []byte, key string) string {
	if i := bytes.IndexByte(raw, ':'); i > 0 {
		if name := strings.Trim(string(raw[:i]), " \t"); lex.TokenEqualFold(name, key) {
			return name
		}
	}
	return key
}

// addressHeaderFields hold address lists (RFC 5322 §3.6.2, §3.6.3, §3.6.6): their 8-bit display
// names are RFC 2047 encoded one by one, so that the addresses stay readable.
var addressHeaderFields = []string{"From", "Sender", "Reply-To", "To", "Cc", "Bcc",
	"Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc", "Resent-Bcc", "Disposition-Notification-To"}

// sevenBitValue rewrites a field value holding 8-bit octets (or NUL) in 7-bit form:
//   - Content-Type, Content-Disposition: parameters in RFC 2231 §4 form (mime.FormatMediaType),
//     which also puts the type and parameter names in lower case and the parameters in order;
//   - address fields: every display name as an RFC 2047 encoded-word, when every address is ASCII;
//   - any other field, and an address field that does not parse: the whole value as RFC 2047 text.
func sevenBitValue(key, value string) (string, error) {
	switch {
	case lex.TokenEqualFold(key, "Content-Type"), lex.TokenEqualFold(key, "Content-Disposition"):
		mt, params, err := mime.ParseMediaType(value)
		if err != nil {
			return "", err
		}
		v := mime.FormatMediaType(mt, params)
		if v == "" {
			return "", errors.New("cannot be written in RFC 2231 form")
		}
		return v, nil
	case lex.ContainsFold(addressHeaderFields, key):
		if v, ok := sevenBitAddressList(value); ok {
			return v, nil
		}
	}
	return lex.EncodeWords(value), nil
}

// sevenBitAddressList writes an address list with RFC 2047 display names; ok is false when the
// list does not parse or an address itself is not ASCII.
func sevenBitAddressList(value string) (string, bool) {
	list, err := mail.ParseAddressList(value)
	if err != nil || len(list) == 0 {
		return "", false
	}
	parts := make([]string, 0, len(list))
	for _, a := range list {
		if !lex.SevenBitOctets([]byte(a.Address)) {
			return "", false
		}
		parts = append(parts, lex.FormatMailbox(a.Name, a.Address))
	}
	return strings.Join(parts, ", "), true
}

// cleanNeedles are the words whose presence (in any case) sends a message
// to Body: transfer-encoding labels it would change and the WAP
// content types it rewrites.
var cleanNeedles = [][]byte{[]byte("8bit"), []byte("binary"), []byte("vnd.wap.multipart")}

// Clean reports whether a message needs no work from
// Body: every octet of the body read from r is 7-bit and not NUL,
// no line is longer than 998 octets (RFC 5322 §2.1.1), and nothing in it or
// in h names an 8bit or binary transfer encoding or a WAP multipart type
// that would be relabelled or rewritten. It is a streaming scan (the body
// is read in chunks, never held whole) that lets the common case, a mail
// client's MIME already base64 where it must be, skip parsing; a false
// answer only means Body has to look.
func Clean(h textproto.Header, r io.Reader) (bool, error) {
	if cte := strings.ToLower(h.Get("Content-Transfer-Encoding")); strings.Contains(cte, "8bit") || strings.Contains(cte, "binary") {
		return false, nil
	}
	if strings.Contains(strings.ToLower(h.Get("Content-Type")), "vnd.wap.multipart") {
		return false, nil
	}
	const carry = 16 // longest needle minus one
	buf := make([]byte, carry+32*1024)
	kept, lineLen := 0, 0
	for {
		n, err := r.Read(buf[kept:])
		chunk := buf[kept : kept+n]
		for i, c := range chunk {
			switch {
			case c == 0 || c >= 0x80:
				return false, nil
			case c == '\n':
				lineLen = 0
			default:
				lineLen++
				if lineLen > 999 { // 998 plus the CR of CRLF
					return false, nil
				}
				if 'A' <= c && c <= 'Z' {
					chunk[i] = c + 'a' - 'A'
				}
			}
		}
		window := buf[:kept+n]
		for _, needle := range cleanNeedles {
			if bytes.Contains(window, needle) {
				return false, nil
			}
		}
		if len(window) > carry {
			kept = copy(buf, window[len(window)-carry:])
		} else {
			kept = len(window)
		}
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
}
