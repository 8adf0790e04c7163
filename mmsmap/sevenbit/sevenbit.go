// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package sevenbit

import (
	"bufio"
	"bytes"
	"errors"
	"hash/crc32"
	"io"
	"mime"
	"mime/quotedprintable"
	"strconv"
	"strings"
	"sync"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// The MIME rules are RFC 2045 (§6 transfer encodings, §6.8 base64) and RFC 2046 (§5.1 multipart,
// §5.2.1 message/rfc822).

// Limits bound the MIME structure that [Convert] and [Check] accept. The zero value of a field
// (or a negative one) means the field of [DefaultLimits].
type Limits struct {
	// Depth bounds how deeply multiparts and encapsulated messages (message/rfc822) nest: the
	// message is at depth 0, its body parts (or the message it encapsulates) at depth 1, theirs at
	// depth 2, and so on; an entity deeper than Depth is refused before it is walked into. The walk
	// recurses once per level, so its stack is bounded by Depth, whatever the input.
	Depth int
	// Parts bounds the number of body parts of all the multiparts in the MIME tree, those inside
	// encapsulated messages included.
	Parts int
}

// DefaultLimits are the limits used for a zero field of [Limits], and by [Body].
//
// Real MMs nest at most 3 or 4 levels (a multipart/related inside a multipart/mixed, perhaps inside
// a forwarded message/rfc822), while thousands of levels break IMAP clients and servers: maddy's
// go-imap-sql, for one, then fails BODYSTRUCTURE for the whole mailbox ("exceeded max depth"). A
// depth of 32 is far beyond the first and well under anything that breaks.
var DefaultLimits = Limits{Depth: 32, Parts: 1000}

// withDefaults returns l with every zero (or negative) field replaced by the default.
func (l Limits) withDefaults() Limits {
	if l.Depth <= 0 {
		l.Depth = DefaultLimits.Depth
	}
	if l.Parts <= 0 {
		l.Parts = DefaultLimits.Parts
	}
	return l
}

const (
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
	// copyBufferSize is the size of the buffer leaf bodies are streamed through.
	copyBufferSize = 16 << 10
)

// wapMultipartPrefix starts the WSP multipart media types (WAP-230 WSP assigned
// content types 0x23 mixed, 0x26 alternative, 0x33 related) that an MM1 PDU carries. Mail parsers
// do not know them: Convert writes application/vnd.wap.multipart.X as multipart/X, as other MMSCs
// do.
const wapMultipartPrefix = "application/vnd.wap.multipart."

// cteKind is how an entity's body relates to its content (RFC 2045 §6).
type cteKind int

const (
	cteSevenBit        cteKind = iota // "7bit" or absent (RFC 2045 §6.1 default): the body is the content
	cteEightBit                       // "8bit" or "binary": the body is the content, and may be 8-bit
	cteQuotedPrintable                // RFC 2045 §6.7
	cteBase64                         // RFC 2045 §6.8
	cteUnknown                        // any other token (x-uuencode, …): Convert cannot decode it
)

// transferEncodings are the Content-Transfer-Encoding tokens of RFC 2045 §6.1, in lower case.
var transferEncodings = map[string]cteKind{
	"7bit":             cteSevenBit,
	"8bit":             cteEightBit,
	"binary":           cteEightBit,
	"quoted-printable": cteQuotedPrintable,
	"base64":           cteBase64,
}

// The values Convert writes into Content-Transfer-Encoding.
const (
	cteValue7Bit   = "7bit"
	cteValueBase64 = "base64"
)

// MIMEError reports a MIME structure that [Check] refuses or that [Convert] cannot make 7-bit
// clean: too deep, too many parts, a malformed, unterminated or over-long header, a multipart
// without a usable boundary, without a delimiter line or without its close delimiter, a multipart
// or message/rfc822 entity under a transfer encoding other than 7bit, 8bit or binary, or (Convert
// only) 8-bit data under a transfer encoding it cannot decode or an 8-bit header field it cannot
// rewrite. It suits a 554 5.6.0 reply (or an MM4
// RES with Error-message-format-corrupt).
type MIMEError struct {
	// Part is the IMAP-style part number ("1", "2.1"); "" is the message itself.
	Part string
	// Reason says in plain words what is broken, such as "multipart/mixed without a boundary
	// parameter" or "nested deeper than 32 levels".
	Reason string

	// conversion is set for an error of Convert that is not about the structure, one that Check
	// does not look for.
	conversion bool
}

// Error returns "mmsmap: MIME part 2.1: reason", or "mmsmap: MIME message: reason" for the top level.
func (e *MIMEError) Error() string {
	if e.Part == "" {
		return "mmsmap: MIME message: " + e.Reason
	}
	return "mmsmap: MIME part " + e.Part + ": " + e.Reason
}

// ErrInputChanged is returned by [Convert] when the input it reads the second time is not what it
// read the first time.
var ErrInputChanged = errors.New("sevenbit: the message changed between the two passes of Convert")

// Convert writes to w the body of the message whose header is h, re-encoded so that it is 7-bit
// clean for MM4 (TS 23.140 §8.4.5), and returns the header to send with it. open returns the body,
// from its first octet; Convert calls it twice and closes what it returns.
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
// Base64 that is not clean is decoded leniently: octets outside the base64 alphabet are ignored
// and "=" ends the data (RFC 2045 §6.8). A multipart or message/rfc822 entity labelled 8bit or
// binary is relabelled 7bit, since its parts are made 7-bit (RFC 2045 §6.4 allows only 7bit, 8bit
// and binary on composite types); one labelled anything else breaks RFC 2045 §6.4 and is refused,
// as Check refuses it. The message inside a message/rfc822 part (RFC 2046 §5.2.1) is converted
// like the top-level one. application/vnd.wap.multipart.X becomes multipart/X. A header field
// holding 8-bit octets is rewritten too: Content-Type and Content-Disposition parameters in
// RFC 2231 form, address fields with RFC 2047 display names, any other field as RFC 2047 text
// (charset utf-8, or unknown-8bit (RFC 1428) when not UTF-8). A preamble or epilogue that is not
// 7-bit clean, or longer than 64 KiB, is dropped (RFC 2046 §5.1.1 says to ignore both). A
// multipart without its close delimiter, or without any delimiter, and a part header (or the header
// of an encapsulated message) not ended by an empty line are refused, as Check refuses them. The
// line end before a delimiter line belongs to the delimiter (RFC 2046 §5.1.1),
// not to the part before it.
//
// Lines may end in CRLF or LF; what Convert writes itself ends in CRLF. A message that is already
// 7-bit clean, and not labelled 8bit or binary anywhere, comes out byte for byte identical, and h
// is returned unchanged. Otherwise the returned header is h with Content-Type and
// Content-Transfer-Encoding updated in place (a Content-Transfer-Encoding field is appended when h
// had none) and 8-bit fields rewritten; h itself is not modified.
//
// Memory is bounded whatever the size of the message or of its parts: no body is held whole. The
// first pass decides, part by part, whether each leaf is clean (and, for quoted-printable, whether
// it decodes); the second writes, copying clean bodies and decoding and re-encoding the others on
// the fly. Beyond a fixed few tens of KiB of buffers, Convert holds the headers of the entities
// being walked (at most 64 KiB each, one per level of nesting), a 64 KiB preamble or epilogue and a
// few octets of bookkeeping per leaf part.
//
// The structure must be within lim (see [Limits]; a zero field means the default) and pass
// [Check]; a structure Check refuses, 8-bit data under a Content-Transfer-Encoding Convert cannot
// decode, or an 8-bit header field it cannot rewrite gives a *MIMEError. All of these are found in
// the first pass, before anything is written. A read or write error is returned as it is; input
// that differs in the second pass gives [ErrInputChanged] (at the latest once it is all read).
// After an error in the second pass w may hold part of the output.
func Convert(h textproto.Header, open func() (io.ReadCloser, error), w io.Writer, lim Limits) (textproto.Header, error) {
	b := getBuffers()
	defer b.put()
	sw := &walker{lim: lim.withDefaults(), buf: b.buf, in: b.in, out: b.out}

	// First pass: plan.
	sw.mode = walkPlan
	topEmit := func(fix headerFix) error {
		_, err := convertedHeader(&h, fix)
		return err
	}
	first, err := sw.pass(&h, open, io.Discard, topEmit)
	if err != nil {
		return textproto.Header{}, err
	}

	// Second pass: write.
	sw.mode = walkWrite
	result := h
	topEmit = func(fix headerFix) error {
		r, err := convertedHeader(&h, fix)
		if err == nil {
			result = r
		}
		return err
	}
	second, err := sw.pass(&h, open, w, topEmit)
	if err != nil {
		return textproto.Header{}, err
	}
	if second != first || sw.planned != len(sw.plan) {
		return textproto.Header{}, ErrInputChanged
	}
	return result, nil
}

// convertedHeader returns the top-level header with fix applied and its 8-bit fields rewritten, or
// h itself when nothing changes.
func convertedHeader(h *textproto.Header, fix headerFix) (textproto.Header, error) {
	if fix.zero() && headerSevenBit(h) {
		return *h, nil
	}
	b, err := rebuildHeader(h, fix, "")
	if err != nil {
		return textproto.Header{}, err
	}
	b = append(b, '\r', '\n')
	return textproto.ReadHeader(bufio.NewReader(bytes.NewReader(b)))
}

// Body is [Convert] for a body that is not to be read twice: it reads body whole into memory, then
// converts it with [DefaultLimits]. It suits input that is in memory already; a spooled message is
// better given to Convert, whose memory does not grow with the message.
func Body(h textproto.Header, body io.Reader, w io.Writer) (textproto.Header, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return textproto.Header{}, err
	}
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return Convert(h, open, w, DefaultLimits)
}

// Check reads the body of the message whose header is h from r, in one streaming pass with memory
// bounded as in [Convert], and returns a *MIMEError when its MIME structure is not one every
// store and convert path can handle: an entity nested deeper than lim.Depth, more than lim.Parts
// body parts, a multipart without a usable boundary parameter (RFC 2046 §5.1.1: present, 1 to 200
// printable ASCII characters, not ending in a space), without any delimiter line or without its
// close delimiter, a multipart or message/rfc822 entity whose Content-Transfer-Encoding is not
// 7bit, 8bit or binary (RFC 2045 §6.4), or a part header (or the header of an encapsulated message,
// RFC 2046 §5.2.1, which is checked like the top-level one) that does not parse, is not ended by an
// empty line or is longer than 64 KiB. A zero field of lim means the default. A read error is
// returned as it is.
//
// These are the structures on which an IMAP store that builds BODYSTRUCTURE with go-message's
// multipart reader (maddy's storage.imapsql) fails: it walks every multipart and encapsulated
// message whatever its transfer encoding, reads a header up to an empty line, and fails at a
// multipart's end without its close delimiter.
//
// Check walks the message with the same code as Convert, so that they cannot disagree about the
// structure: Convert converts any message Check accepts, except when the message carries 8-bit
// data under a Content-Transfer-Encoding it cannot decode (or quoted-printable that does not
// decode), or an 8-bit header field it cannot rewrite; these matter only to a 7-bit conversion, and
// Check accepts them, as it accepts 8-bit data anywhere.
func Check(h textproto.Header, r io.Reader, lim Limits) error {
	b := getBuffers()
	defer b.put()
	b.in.Reset(r)
	sw := &walker{mode: walkCheck, lim: lim.withDefaults(), buf: b.buf, in: b.in}
	return sw.entity(&h, "", 0, nil)
}

// buffers are a walk's buffers, kept for the next walk: making and zeroing
// them for every message cost more than walking a small one.
type buffers struct {
	buf []byte
	in  *bufio.Reader
	out *bufio.Writer
}

var bufferPool = sync.Pool{New: func() any {
	return &buffers{buf: make([]byte, copyBufferSize), in: bufio.NewReaderSize(nil, readBufferSize), out: bufio.NewWriter(nil)}
}}

func getBuffers() *buffers { return bufferPool.Get().(*buffers) }

// put returns b to the pool, keeping no reference to the walk's input or
// output.
func (b *buffers) put() {
	b.in.Reset(nil)
	b.out.Reset(nil)
	bufferPool.Put(b)
}

// headerFix is how an entity's header changes; zero values mean no change.
type headerFix struct {
	contentType string // new Content-Type value
	cte         string // new Content-Transfer-Encoding value
}

func (f headerFix) zero() bool { return f.contentType == "" && f.cte == "" }

// walkMode is what a walk over the MIME tree does.
type walkMode int

const (
	walkCheck walkMode = iota // Check: the structure only
	walkPlan                  // Convert's first pass: decide how to write each leaf, write nothing
	walkWrite                 // Convert's second pass: write as planned
)

// leafPlan is what the first pass of Convert found out about a leaf part.
type leafPlan struct {
	kind  cteKind // its Content-Transfer-Encoding, to recognize it in the second pass
	clean bool    // its body is 7-bit clean
}

// walker holds the state of one walk over a message.
type walker struct {
	mode walkMode
	lim  Limits
	in   *bufio.Reader
	out  *bufio.Writer // nil in walkCheck

	// pushed is a delimiter line read ahead by the part that it ends, for the multipart that owns it.
	pushed    piece
	hasPushed bool
	// midLine is set when the last piece read did not end a line.
	midLine bool
	// endCRLF and endCR are set when what has been read ends in CRLF, in CR.
	endCRLF, endCR bool
	// afterPartHeader is set when the last piece read was the empty line ending a part header.
	afterPartHeader bool
	// nl is the line end of the first delimiter line, "\r\n" or "\n"; "" before it is read.
	nl string

	boundaries []string // of the enclosing multiparts, outermost first
	paths      []string // their part numbers
	parts      int

	plan    []leafPlan // one per leaf part, in order: appended in walkPlan, read in walkWrite
	planned int        // the leaves written so far in walkWrite

	body   bodyReader
	buf    []byte // for streaming leaf bodies
	filler []byte // for a preamble or epilogue
}

// inputSum identifies what a pass read: its length and CRC-32C (the
// Castagnoli polynomial, which hash/crc32 computes with the CPU's CRC
// instructions: a CRC-64 took a sixth of a conversion's time).
type inputSum struct {
	n   int64
	crc uint32
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// summingReader reads from r and sums what it reads.
type summingReader struct {
	r   io.Reader
	sum inputSum
}

func (s *summingReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.sum.n += int64(n)
	s.sum.crc = crc32.Update(s.sum.crc, crcTable, p[:n])
	return n, err
}

// pass makes one walk of Convert over the message, reading the body from open and writing to w,
// and returns what it read.
func (sw *walker) pass(h *textproto.Header, open func() (io.ReadCloser, error), w io.Writer, emit emitFunc) (inputSum, error) {
	rc, err := open()
	if err != nil {
		return inputSum{}, err
	}
	sum, err := sw.walk(h, rc, w, emit)
	if cerr := rc.Close(); err == nil {
		err = cerr
	}
	return sum, err
}

// walk is pass once the body is open.
func (sw *walker) walk(h *textproto.Header, rc io.Reader, w io.Writer, emit emitFunc) (inputSum, error) {
	sr := &summingReader{r: rc}
	if sw.in == nil {
		sw.in = bufio.NewReaderSize(sr, readBufferSize)
		sw.out = bufio.NewWriter(w)
	} else {
		sw.in.Reset(sr)
		sw.out.Reset(w)
	}
	sw.hasPushed, sw.midLine, sw.endCRLF, sw.endCR, sw.afterPartHeader, sw.nl = false, false, false, false, false, ""
	sw.boundaries, sw.paths, sw.parts, sw.planned = sw.boundaries[:0], sw.paths[:0], 0, 0
	if err := sw.entity(h, "", 0, emit); err != nil {
		return inputSum{}, err
	}
	// The walk reads to the end of input; anything left would still have to be summed.
	if err := drain(sw.in, sw.buf); err != nil {
		return inputSum{}, err
	}
	if err := sw.out.Flush(); err != nil {
		return inputSum{}, err
	}
	return sr.sum, nil
}

// emitFunc writes an entity's header with fix applied (or, for the top-level header, notes it).
type emitFunc func(fix headerFix) error

// emit calls emit unless the walk only checks the structure.
func (sw *walker) emit(emit emitFunc, fix headerFix) error {
	if sw.mode == walkCheck {
		return nil
	}
	return emit(fix)
}

// entity walks one entity (the message, a body part, or a message encapsulated in a
// message/rfc822 part) whose header h has been read. Its body runs to the next delimiter of an
// enclosing multipart or to the end of input. emit is called once, before any body octet is
// written, to write the entity's header with fix applied.
func (sw *walker) entity(h *textproto.Header, path string, depth int, emit emitFunc) error {
	if depth > sw.lim.Depth {
		return &MIMEError{Part: path, Reason: "nested deeper than " + strconv.Itoa(sw.lim.Depth) + " levels"}
	}
	var fix headerFix
	ctValue, _ := lex.FirstValue(h, "Content-Type")
	if v, ok := rewriteWAPMultipart(ctValue); ok {
		fix.contentType, ctValue = v, v
	}
	mediaType, params, err := lex.ParseMediaType(ctValue)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		mediaType = "text/plain" // RFC 2045 §5.2: a missing or unreadable Content-Type
	}
	kind := transferEncodingOf(h)
	isMultipart := strings.HasPrefix(mediaType, "multipart/")
	if isMultipart && fix.contentType != "" {
		// Name the type as written: application/vnd.wap.multipart.X.
		mediaType = strings.ToLower(strings.Trim(strings.SplitN(h.Get("Content-Type"), ";", 2)[0], " \t"))
	}
	if isMultipart || mediaType == "message/rfc822" {
		// A store walks a composite entity whatever its label says, and finds no structure in
		// quoted-printable or base64.
		if kind != cteSevenBit && kind != cteEightBit {
			return &MIMEError{Part: path, Reason: mediaType + " with Content-Transfer-Encoding " + transferEncodingName(h) +
				" (RFC 2045 §6.4 allows only 7bit, 8bit and binary on composite types)"}
		}
		if kind == cteEightBit {
			fix.cte = cteValue7Bit
		}
	}
	switch {
	case isMultipart:
		boundary, ok := params["boundary"]
		if reason := checkBoundary(boundary, ok); reason != "" {
			return &MIMEError{Part: path, Reason: mediaType + " " + reason}
		}
		if err := sw.emit(emit, fix); err != nil {
			return err
		}
		return sw.multipart(path, depth, mediaType, boundary)
	case mediaType == "message/rfc822":
		if err := sw.emit(emit, fix); err != nil {
			return err
		}
		// The encapsulated message: its header, then its body, walked like the top-level message.
		return sw.headedEntity(path, depth+1, false)
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

// transferEncodingName returns h's Content-Transfer-Encoding token for an error message: in lower
// case when it is a known one, quoted otherwise.
func transferEncodingName(h *textproto.Header) string {
	v, _ := lex.FirstValue(h, "Content-Transfer-Encoding")
	if i := strings.IndexAny(v, " \t;("); i >= 0 {
		v = v[:i]
	}
	if _, ok := transferEncodings[strings.ToLower(v)]; ok {
		return strings.ToLower(v)
	}
	if len(v) > 32 {
		v = v[:32]
	}
	return strconv.QuoteToASCII(v)
}

// checkBoundary returns why a multipart boundary parameter is unusable, or "". Printable ASCII is
// accepted, which is more than the bchars of RFC 2046 §5.1.1 but what mail parsers accept.
func checkBoundary(b string, present bool) string {
	switch {
	case !present:
		return "without a boundary parameter"
	case b == "":
		return "with an empty boundary parameter"
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

// multipart walks a multipart body (RFC 2046 §5.1.1): preamble, parts, close delimiter, epilogue.
func (sw *walker) multipart(path string, depth int, mediaType, boundary string) error {
	sw.boundaries = append(sw.boundaries, boundary)
	sw.paths = append(sw.paths, path)
	level := len(sw.boundaries) - 1
	defer func() { sw.boundaries, sw.paths = sw.boundaries[:level], sw.paths[:level] }()

	if err := sw.skipFiller(); err != nil {
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
			l, c, derr := sw.delimiter(p)
			if derr != nil {
				return derr
			}
			own, final = l == level, c
		}
		if own && n > 1 && sw.nl == "\r\n" && !p.crlfBefore && !p.afterPartHeader {
			// A multipart reader looks for CRLF "--" boundary, and reads on.
			return &MIMEError{Part: path, Reason: mediaType + " delimiter line " + strconv.Quote("--"+boundary) +
				" not after a CRLF, as the first delimiter line ends"}
		}
		if own && final && n == 1 {
			// RFC 2046 §5.1.1: one or more body parts; IMAP's BODYSTRUCTURE cannot hold none.
			return &MIMEError{Part: path, Reason: mediaType + " without any body part"}
		}
		if !own {
			if n == 1 {
				return &MIMEError{Part: path, Reason: mediaType + " body without any delimiter line for its boundary " + strconv.Quote(boundary)}
			}
			// A store's multipart reader fails at the end of the body ("unexpected EOF").
			return &MIMEError{Part: path, Reason: mediaType + " without its close delimiter " + strconv.Quote("--"+boundary+"--")}
		}
		if err := sw.write(p.b); err != nil {
			return err
		}
		if final {
			return sw.skipFiller() // the epilogue
		}
		sw.parts++
		if sw.parts > sw.lim.Parts {
			return &MIMEError{Part: path, Reason: "more than " + strconv.Itoa(sw.lim.Parts) + " body parts"}
		}
		if err := sw.headedEntity(childPath(path, n), depth+1, true); err != nil {
			return err
		}
	}
}

// write writes b, except when the walk only checks.
func (sw *walker) write(b []byte) error {
	if sw.mode == walkCheck {
		return nil
	}
	_, err := sw.out.Write(b)
	return err
}

// childPath returns the IMAP-style number of part n of the entity at path.
func childPath(path string, n int) string {
	if path == "" {
		return strconv.Itoa(n)
	}
	return path + "." + strconv.Itoa(n)
}

// headedEntity reads an entity's header from the input and walks the entity.
func (sw *walker) headedEntity(path string, depth int, partHeader bool) error {
	if depth > sw.lim.Depth {
		// Refused before its header is even read.
		return &MIMEError{Part: path, Reason: "nested deeper than " + strconv.Itoa(sw.lim.Depth) + " levels"}
	}
	raw, term, err := sw.readHeader(path)
	if err != nil {
		return err
	}
	if term == nil {
		// A store reads the delimiter line as a header line, or fails at the end of input.
		return &MIMEError{Part: path, Reason: "header not ended by an empty line (it runs into a delimiter line or the end of input)"}
	}
	if !partHeader && string(term) == "\r\n" && sw.nl == "\n" {
		atDelimiter, err := sw.delimiterNext()
		if err != nil {
			return err
		}
		if atDelimiter {
			// RFC 2046 §5.1.1: the line end before a delimiter line is the delimiter's. With LF
			// delimiters, a multipart reader takes only the LF of a CRLF empty line and hands on a lone
			// CR line, which the encapsulated message's header reader refuses. (A header ended by the
			// end of the part body is accepted by go-message.)
			return &MIMEError{Part: path, Reason: "header not ended by an empty line (the line end before a delimiter line belongs to the delimiter)"}
		}
	}
	// A multipart reader takes a delimiter right after a part header without a line end before it.
	sw.afterPartHeader = partHeader
	h, err := textproto.ReadHeader(bufio.NewReader(io.MultiReader(bytes.NewReader(raw), strings.NewReader("\r\n"))))
	if err != nil {
		return &MIMEError{Part: path, Reason: malformedHeader(err)}
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
		if _, err := sw.out.Write(b); err != nil {
			return err
		}
		_, err = sw.out.Write(term)
		return err
	}
	return sw.entity(&h, path, depth, emit)
}

// malformedHeader says in plain words what textproto.ReadHeader found wrong in a header.
func malformedHeader(err error) string {
	switch s := err.Error(); {
	case strings.Contains(s, "initial line"):
		return "malformed header: it begins with a continuation line"
	case strings.Contains(s, "header line"):
		return "malformed header: a line is neither a header field nor the continuation of one"
	case strings.Contains(s, "header key"):
		return "malformed header: a field name holds a space or a control character"
	}
	return "malformed header"
}

// readHeader reads a header up to and including the empty line that ends it. term is that empty
// line; it is nil when the header ended at a delimiter (which is pushed back) or at the end of
// input instead.
func (sw *walker) readHeader(path string) (raw, term []byte, err error) {
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
		l, _, derr := sw.delimiter(p)
		if derr != nil {
			return nil, nil, derr
		}
		if l >= 0 {
			sw.pushBack(p)
			return raw, nil, nil
		}
		if len(raw)+len(p.b) > maxPartHeader {
			return nil, nil, &MIMEError{Part: path, Reason: "header longer than " + strconv.Itoa(maxPartHeader) + " octets"}
		}
		raw = append(raw, p.b...)
	}
}

// skipFiller reads a preamble or an epilogue: everything up to the next delimiter of any enclosing
// multipart, or to the end of input. It is written only when it is 7-bit clean and at most
// maxFiller octets long; otherwise it is dropped, since it carries no content (RFC 2046 §5.1.1).
func (sw *walker) skipFiller() error {
	kept := sw.filler[:0]
	keep := sw.mode == walkWrite
	for {
		p, err := sw.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		l, _, derr := sw.delimiter(p)
		if derr != nil {
			return derr
		}
		if l >= 0 {
			sw.pushBack(p)
			break
		}
		if !keep {
			continue
		}
		if len(kept)+len(p.b) > maxFiller {
			keep, kept = false, kept[:0]
			continue
		}
		kept = append(kept, p.b...)
	}
	sw.filler = kept[:0]
	if !keep || !sevenBitClean(kept) {
		return nil
	}
	_, err := sw.out.Write(kept)
	return err
}

// leaf walks a leaf part. In walkCheck its body is skipped. In walkPlan it is read to find out
// whether it is clean, and its header is prepared (not written) to find out whether it can be. In
// walkWrite, its header and body are written as the table in the Convert documentation says,
// streaming the body.
func (sw *walker) leaf(path string, kind cteKind, fix headerFix, emit emitFunc) error {
	body := &sw.body
	body.reset(sw)
	switch sw.mode {
	case walkCheck:
		return drain(body, sw.buf)
	case walkPlan:
		return sw.planLeaf(path, kind, fix, emit)
	}

	if sw.planned >= len(sw.plan) || sw.plan[sw.planned].kind != kind {
		return ErrInputChanged
	}
	clean := sw.plan[sw.planned].clean
	sw.planned++
	if clean {
		if kind == cteEightBit {
			fix.cte = cteValue7Bit
		}
		if err := emit(fix); err != nil {
			return err
		}
		// Copied as it is; checked on the way, so that a body that changed since the first pass
		// cannot put 8-bit octets into the output.
		var check cleanChecker
		for {
			n, err := body.Read(sw.buf)
			if n > 0 {
				if check.scan(sw.buf[:n]); check.dirty {
					return ErrInputChanged
				}
				if _, err := sw.out.Write(sw.buf[:n]); err != nil {
					return err
				}
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
		}
		if !check.clean() {
			return ErrInputChanged
		}
		_, err := sw.out.Write(body.eol)
		return err
	}

	fix.cte = cteValueBase64
	if err := emit(fix); err != nil {
		return err
	}
	enc := base64Lines{w: sw.out}
	var err error
	switch kind {
	case cteQuotedPrintable:
		var readErr error
		if readErr, err = copyBuffer(&enc, quotedprintable.NewReader(body), sw.buf); readErr != nil {
			if body.err != nil {
				return body.err
			}
			return qpError(path, readErr)
		}
	case cteBase64:
		dec := lenientBase64{w: &enc}
		if err = copyAll(&dec, body, sw.buf); err == nil {
			err = dec.Close()
		}
	case cteUnknown:
		return ErrInputChanged // the first pass refused it
	default:
		err = copyAll(&enc, body, sw.buf)
	}
	if err == nil {
		err = enc.Close()
	}
	if err != nil {
		return err
	}
	eol := body.eol
	if len(eol) == 0 {
		eol = []byte("\r\n")
	}
	_, err = sw.out.Write(eol)
	return err
}

// planLeaf is leaf in walkPlan.
func (sw *walker) planLeaf(path string, kind cteKind, fix headerFix, emit emitFunc) error {
	body := &sw.body
	var check cleanChecker
	src := io.TeeReader(body, &check)
	var qpErr error
	if kind == cteQuotedPrintable {
		// Decoded to find out whether it can be; what is left after an error is still checked.
		qpErr = drain(quotedprintable.NewReader(src), sw.buf)
	}
	if err := drain(src, sw.buf); err != nil {
		return err
	}
	if body.err != nil {
		return body.err
	}
	clean := check.clean()
	sw.plan = append(sw.plan, leafPlan{kind: kind, clean: clean})
	switch {
	case clean:
		if kind == cteEightBit {
			fix.cte = cteValue7Bit
		}
	case kind == cteQuotedPrintable && qpErr != nil:
		return qpError(path, qpErr)
	case kind == cteUnknown:
		return &MIMEError{Part: path, Reason: "8-bit body under an unknown Content-Transfer-Encoding", conversion: true}
	default:
		fix.cte = cteValueBase64
	}
	return emit(fix)
}

// qpError is the error for a quoted-printable body that is not clean and does not decode.
func qpError(path string, err error) error {
	return &MIMEError{Part: path, Reason: "8-bit quoted-printable body that does not decode: " + err.Error(), conversion: true}
}

// drain reads r to its end.
func drain(r io.Reader, buf []byte) error {
	for {
		_, err := r.Read(buf)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// copyBuffer copies r to w through buf, to the end of r, and returns the error of either.
func copyBuffer(w io.Writer, r io.Reader, buf []byte) (readErr, writeErr error) {
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return nil, err
			}
		}
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return err, nil
		}
	}
}

// copyAll is copyBuffer when it does not matter which side failed.
func copyAll(w io.Writer, r io.Reader, buf []byte) error {
	readErr, writeErr := copyBuffer(w, r, buf)
	if readErr != nil {
		return readErr
	}
	return writeErr
}
