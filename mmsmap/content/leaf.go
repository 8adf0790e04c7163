// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package content

import (
	"errors"
	"io"
	"mime/quotedprintable"
	"strings"

	"github.com/emersion/go-message/charset"

	"github.com/maddy-mms/maddy-mms/mmsmap/sevenbit"
)

// attachedText are the text types that are media objects of an MM rather than its text, and
// become attachments in ForMail.
var attachedText = map[string]bool{
	"text/x-vcard": true, "text/vcard": true, "text/directory": true,
	"text/x-vcalendar": true, "text/calendar": true,
}

// asciiCompatible are the charset names ForMMS keeps: UTF-8 and US-ASCII under their usual names.
var asciiCompatible = map[string]bool{
	"utf-8": true, "utf8": true, "us-ascii": true, "ascii": true, "ansi_x3.4-1968": true,
	"iso646-us": true, "csascii": true, "us": true, "iso-ir-6": true, "ibm367": true, "cp367": true,
}

// utf16Names maps the names of UTF-16 and UCS-2 to the name they are decoded with. UCS-2 (WSP
// charset 1000, which handsets use) is big-endian unless a byte order mark says otherwise, so it
// is read as UTF-16, not as the WHATWG's little-endian "unicode".
var utf16Names = map[string]string{
	"utf-16": "utf-16", "utf-16be": "utf-16be", "utf-16le": "utf-16le", "csutf16": "utf-16",
	"csutf16be": "utf-16be", "csutf16le": "utf-16le", "ucs-2": "utf-16", "iso-10646-ucs-2": "utf-16",
	"csunicode": "utf-16", "unicode": "utf-16",
}

// sourceCharset returns the charset a text part is to be transcoded from, or "" when it stays as
// it is.
func (sw *walker) sourceCharset(cs string) string {
	cs = strings.ToLower(strings.Trim(cs, " \t"))
	if n, ok := utf16Names[cs]; ok {
		return n
	}
	if sw.dir == toMail || cs == "" || asciiCompatible[cs] {
		return ""
	}
	if _, err := charset.Reader(cs, strings.NewReader("")); err != nil {
		return "" // not known: kept
	}
	return cs
}

// leaf walks a leaf part: writes its header, changed as ForMail or ForMMS says, and its body,
// copied or decoded, transcoded and re-encoded on the fly.
func (sw *walker) leaf(hd *head, path, mediaType string, params map[string]string, kind cteKind, p part, emit emitFunc) error {
	body := &sw.body
	body.reset(&sw.lineReader)
	if p.verbatim {
		return sw.copyBody(hd, emit)
	}
	text := strings.HasPrefix(mediaType, "text/")
	from, html := "", false
	if text && kind != cteUnknown {
		from = sw.sourceCharset(params["charset"])
		html = sw.dir == toMMS && mediaType == "text/html"
	}
	decode := from != "" || html
	encode := decode ||
		kind == cteBinary && text ||
		(kind == cte7Bit || kind == cte8Bit || kind == cteBinary) && !text &&
			!strings.HasPrefix(mediaType, "message/") && mediaType != "application/smil"

	if decode {
		newType, np := mediaType, map[string]string{}
		if html {
			newType = "text/plain"
		} else {
			for k, v := range params {
				np[k] = v
			}
		}
		np["charset"] = "utf-8"
		hd.with("Content-Type", formatMediaType(newType, np))
	}
	if encode {
		hd.with("Content-Transfer-Encoding", "base64")
	}
	if p.attach {
		if text && !attachedText[mediaType] {
			hd.with("Content-Disposition", "inline")
		} else {
			name := attachmentName(hd.h, mediaType, params, p.n)
			hd.with("Content-Disposition", formatMediaType("attachment", map[string]string{"filename": name}))
		}
	}
	if len(hd.set) > 0 {
		sw.changed = true
	}

	if p.attach && mediaType == "application/smil" && sw.deferred == nil {
		// Held back to the end of its multipart, where it is written after the parts people read.
		held := &capture{dst: sw.out, limit: maxHeld}
		out := sw.out
		sw.out = held
		err := sw.leafBody(hd, path, kind, from, html, encode, emit)
		sw.out = out
		if err == nil && !held.spilled {
			sw.deferred, sw.deferLevel = held, len(sw.boundaries)-1
		}
		return err
	}
	return sw.leafBody(hd, path, kind, from, html, encode, emit)
}

// copyBody writes a leaf part as it is.
func (sw *walker) copyBody(hd *head, emit emitFunc) error {
	if err := emit(hd); err != nil {
		return err
	}
	if _, err := sw.body.WriteTo(sw.out); err != nil {
		return err
	}
	_, err := sw.out.Write(sw.body.eol)
	return err
}

// leafBody writes a leaf part's header and body: copied (encode not set), encoded in base64 as it
// is (decode not set), or decoded from its transfer encoding, transcoded from charset from,
// converted from HTML and encoded in base64.
func (sw *walker) leafBody(hd *head, path string, kind cteKind, from string, html, encode bool, emit emitFunc) error {
	if !encode {
		return sw.copyBody(hd, emit)
	}
	if err := emit(hd); err != nil {
		return err
	}
	body := &sw.body
	enc := &base64Writer{w: sw.out}
	if from == "" && !html {
		if _, err := body.WriteTo(enc); err != nil {
			return err
		}
	} else {
		var src io.Reader = body
		switch kind {
		case cteQuotedPrintable:
			src = quotedprintable.NewReader(body)
		case cteBase64:
			src = &base64Reader{src: body}
		}
		var closers []io.Closer
		var sink io.Writer = enc
		if html {
			t := &htmlText{w: sink}
			sink = t
			closers = append(closers, t)
		}
		if from != "" {
			r, err := charset.Reader(from, src)
			if err != nil {
				return err // sourceCharset has checked it
			}
			src = r
			s := &bomStripper{w: sink}
			sink = s
			closers = append(closers, s)
		}
		readErr, writeErr := copyBuffer(sink, src, sw.buf)
		switch {
		case body.err != nil:
			return body.err
		case writeErr != nil:
			return writeErr
		case readErr != nil && kind == cteQuotedPrintable:
			return &sevenbit.MIMEError{Part: path, Reason: "quoted-printable body that does not decode: " + readErr.Error()}
		case readErr != nil:
			return readErr
		}
		for i := len(closers) - 1; i >= 0; i-- {
			if err := closers[i].Close(); err != nil {
				return err
			}
		}
		// What is left after base64's "=".
		if _, err := body.WriteTo(io.Discard); err != nil {
			return err
		}
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(sw.out, "\r\n")
	return err
}

// copyBuffer copies r to w through buf, and returns the error of either side.
func copyBuffer(w io.Writer, r io.Reader, buf []byte) (readErr, writeErr error) {
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return nil, werr
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
