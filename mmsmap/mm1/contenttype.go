// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1

import (
	"errors"
	"fmt"
	"strings"
)

// ContentType is a Content-type-value (WSP §8.4.2.24): a media type and its parameters in wire
// order. It is the value of the PDU's Content-Type field and of each multipart entry's.
type ContentType struct {
	// MediaType is the media type as sent, "application/vnd.wap.multipart.related",
	// "image/jpeg"; a well-known code (WSP Table 40, [MediaTypeCode]) is read as its name.
	MediaType string
	Params    []Param
}

// Param is a content-type parameter (WSP §8.4.2.4). A well-known parameter has its code (WSP
// Table 38, with the high bit set as on the wire: 0x81 Charset, 0x89 Type, 0x8A Start, 0x85
// Name, …) and Name is its name for reading; an untyped parameter has Code 0 and its Name as sent.
// Value is [Integer] (Charset's MIBenum, a well-known media code for Type) or [Text].
type Param struct {
	Code  byte
	Name  string
	Value Value
}

// Param returns the value of the first parameter called name (ASCII case ignored).
func (c ContentType) Param(name string) (Value, bool) {
	for _, p := range c.Params {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return nil, false
}

// String formats c as in MIME, `application/vnd.wap.multipart.related; type="application/smil"`
// (integer values in decimal).
func (c ContentType) String() string { return formatParams(c.MediaType, c.Params) }

// String formats d as in MIME, `attachment; filename="a.jpg"`.
func (d ContentDisposition) String() string { return formatParams(d.Disposition, d.Params) }

func formatParams(first string, params []Param) string {
	var sb strings.Builder
	sb.WriteString(first)
	for _, p := range params {
		name := p.Name
		if name == "" {
			name = fmt.Sprintf("%#02x", p.Code)
		}
		switch v := p.Value.(type) {
		case Text:
			fmt.Fprintf(&sb, "; %s=%q", name, string(v))
		case Integer:
			fmt.Fprintf(&sb, "; %s=%d", name, uint64(v))
		default:
			fmt.Fprintf(&sb, "; %s=%v", name, v)
		}
	}
	return sb.String()
}

// IsMultipart tells whether the body is a WSP multipart (WSP §8.5):
// application/vnd.wap.multipart.*.
func (c ContentType) IsMultipart() bool {
	return strings.HasPrefix(c.MediaType, "application/vnd.wap.multipart.")
}

// Well-known media types, WSP Table 40 (the OMNA registry of WSP content types). The index is
// the code without its high bit.
var mediaTypes = [...]string{
	0x00: "*/*",
	0x01: "text/*",
	0x02: "text/html",
	0x03: "text/plain",
	0x04: "text/x-hdml",
	0x05: "text/x-ttml",
	0x06: "text/x-vCalendar",
	0x07: "text/x-vCard",
	0x08: "text/vnd.wap.wml",
	0x09: "text/vnd.wap.wmlscript",
	0x0A: "text/vnd.wap.wta-event",
	0x0B: "multipart/*",
	0x0C: "multipart/mixed",
	0x0D: "multipart/form-data",
	0x0E: "multipart/byteranges",
	0x0F: "multipart/alternative",
	0x10: "application/*",
	0x11: "application/java-vm",
	0x12: "application/x-www-form-urlencoded",
	0x13: "application/x-hdmlc",
	0x14: "application/vnd.wap.wmlc",
	0x15: "application/vnd.wap.wmlscriptc",
	0x16: "application/vnd.wap.wta-eventc",
	0x17: "application/vnd.wap.uaprof",
	0x18: "application/vnd.wap.wtls-ca-certificate",
	0x19: "application/vnd.wap.wtls-user-certificate",
	0x1A: "application/x-x509-ca-cert",
	0x1B: "application/x-x509-user-cert",
	0x1C: "image/*",
	0x1D: "image/gif",
	0x1E: "image/jpeg",
	0x1F: "image/tiff",
	0x20: "image/png",
	0x21: "image/vnd.wap.wbmp",
	0x22: "application/vnd.wap.multipart.*",
	0x23: "application/vnd.wap.multipart.mixed",
	0x24: "application/vnd.wap.multipart.form-data",
	0x25: "application/vnd.wap.multipart.byteranges",
	0x26: "application/vnd.wap.multipart.alternative",
	0x27: "application/xml",
	0x28: "text/xml",
	0x29: "application/vnd.wap.wbxml",
	0x2A: "application/x-x968-cross-cert",
	0x2B: "application/x-x968-ca-cert",
	0x2C: "application/x-x968-user-cert",
	0x2D: "text/vnd.wap.si",
	0x2E: "application/vnd.wap.sic",
	0x2F: "text/vnd.wap.sl",
	0x30: "application/vnd.wap.slc",
	0x31: "text/vnd.wap.co",
	0x32: "application/vnd.wap.coc",
	0x33: "application/vnd.wap.multipart.related",
	0x34: "application/vnd.wap.sia",
	0x35: "text/vnd.wap.connectivity-xml",
	0x36: "application/vnd.wap.connectivity-wbxml",
	0x37: "application/pkcs7-mime",
	0x38: "application/vnd.wap.hashed-certificate",
	0x39: "application/vnd.wap.signed-certificate",
	0x3A: "application/vnd.wap.cert-response",
	0x3B: "application/xhtml+xml",
	0x3C: "application/wml+xml",
	0x3D: "text/css",
	0x3E: "application/vnd.wap.mms-message",
	0x3F: "application/vnd.wap.rollover-certificate",
	0x40: "application/vnd.wap.locc+wbxml",
	0x41: "application/vnd.wap.loc+xml",
	0x42: "application/vnd.syncml.dm+wbxml",
	0x43: "application/vnd.syncml.dm+xml",
	0x44: "application/vnd.syncml.notification",
	0x45: "application/vnd.wap.xhtml+xml",
	0x46: "application/vnd.wv.csp.cir",
	0x47: "application/vnd.oma.dd+xml",
	0x48: "application/vnd.oma.drm.message",
	0x49: "application/vnd.oma.drm.content",
	0x4A: "application/vnd.oma.drm.rights+xml",
	0x4B: "application/vnd.oma.drm.rights+wbxml",
}

var mediaCodes = func() map[string]byte {
	m := make(map[string]byte, len(mediaTypes))
	for i, s := range mediaTypes {
		m[s] = byte(i)
	}
	return m
}()

// MediaTypeCode returns the well-known code of a media type (WSP Table 40, without the high
// bit), matching the spelling exactly; ok is false for types sent as Token-text
// (application/smil, audio/amr, …).
func MediaTypeCode(mediaType string) (code byte, ok bool) {
	code, ok = mediaCodes[mediaType]
	return code, ok
}

// Well-known parameters, WSP Table 38 (codes without the high bit). WSP 1.4 added 0x17–0x1D,
// Text-value forms of Name, Filename, Start, Start-info, Comment, Domain and Path.
var paramNames = [...]string{
	0x00: "q",
	0x01: "charset",
	0x02: "level",
	0x03: "type",
	0x05: "name",
	0x06: "filename",
	0x07: "differences",
	0x08: "padding",
	0x09: "type",
	0x0A: "start",
	0x0B: "start-info",
	0x0C: "comment",
	0x0D: "domain",
	0x0E: "max-age",
	0x0F: "path",
	0x10: "secure",
	0x11: "sec",
	0x12: "mac",
	0x13: "creation-date",
	0x14: "modification-date",
	0x15: "read-date",
	0x16: "size",
	0x17: "name",
	0x18: "filename",
	0x19: "start",
	0x1A: "start-info",
	0x1B: "comment",
	0x1C: "domain",
	0x1D: "path",
}

func paramName(code byte) string {
	if int(code&0x7F) < len(paramNames) {
		return paramNames[code&0x7F]
	}
	return ""
}

// readContentType reads a Content-type-value (WSP §8.4.2.24): Constrained-media (a well-known
// Short-integer or Extension-media Token-text) or Content-general-form (Value-length, media,
// parameters).
func readContentType(b []byte) (ContentType, int, error) {
	if len(b) == 0 {
		return ContentType{}, 0, errTruncated
	}
	if b[0] > lengthQuote {
		mt, n, err := readMedia(b)
		return ContentType{MediaType: mt}, n, err
	}
	l, n, err := readValueLength(b)
	if err != nil {
		return ContentType{}, 0, err
	}
	v := b[n : n+l]
	mt, m, err := readMedia(v)
	if err != nil {
		return ContentType{}, 0, err
	}
	ct := ContentType{MediaType: mt}
	for v = v[m:]; len(v) > 0; {
		p, k, err := readParam(v)
		if err != nil {
			return ContentType{}, 0, err
		}
		ct.Params = append(ct.Params, p)
		v = v[k:]
	}
	return ct, n + l, nil
}

// readMedia reads a well-known media Short-integer (or, leniently, a Long-integer code) or an
// Extension-media Token-text.
func readMedia(b []byte) (string, int, error) {
	if len(b) == 0 {
		return "", 0, errTruncated
	}
	if b[0] < 0x20 {
		c, n, err := readLongInteger(b)
		if err != nil {
			return "", 0, err
		}
		if c >= uint64(len(mediaTypes)) {
			return "", 0, errBadValue
		}
		return mediaTypes[c], n, nil
	}
	if b[0] >= 0x80 {
		c := b[0] & 0x7F
		if int(c) >= len(mediaTypes) {
			return "", 0, errors.New("mm1: unknown well-known media type")
		}
		return mediaTypes[c], 1, nil
	}
	return readTokenText(b)
}

func appendMedia(dst []byte, mt string) ([]byte, error) {
	if c, ok := mediaCodes[mt]; ok {
		return append(dst, c|0x80), nil
	}
	return appendTokenText(dst, mt)
}

// readParam reads a Parameter (WSP §8.4.2.4): Typed-parameter (a well-known code and a value) or
// Untyped-parameter (Token-text name and an Integer-value or Text-value).
func readParam(b []byte) (Param, int, error) {
	var p Param
	n := 0
	switch c := b[0]; {
	case c >= 0x80:
		if c == 0x80 { // Q: a Q-value Uintvar, not self-delimiting by the rules below
			return p, 0, errBadValue
		}
		p.Code, p.Name, n = c, paramName(c), 1
	case c < 0x20:
		return p, 0, errBadValue
	default:
		s, k, err := readTokenText(b)
		if err != nil {
			return p, 0, err
		}
		p.Name, n = s, k
	}
	v, k, err := readParamValue(b[n:])
	if err != nil {
		return p, 0, err
	}
	p.Value = v
	return p, n + k, nil
}

// readParamValue reads Integer-value or Text-value (No-value, Token-text, Quoted-string; a
// quoted Text-string accepted), which covers the values of the parameters MMS uses.
func readParamValue(b []byte) (Value, int, error) {
	if len(b) == 0 {
		return nil, 0, errTruncated
	}
	switch c := b[0]; {
	case c == 0:
		return Text(""), 1, nil
	case c >= 0x80 || c < lengthQuote:
		v, n, err := readIntegerValue(b)
		return Integer(v), n, err
	case c == lengthQuote:
		return nil, 0, errBadValue
	}
	s, n, err := readTextValue(b)
	return Text(s), n, err
}

func appendParamValue(dst []byte, v Value) ([]byte, error) {
	switch v := v.(type) {
	case Integer:
		return appendIntegerValue(dst, uint64(v)), nil
	case Text:
		return appendTextValue(dst, string(v))
	}
	return nil, errType
}

// appendContentType writes ct in the constrained form when it has no parameters, else in the
// general form.
func appendContentType(dst []byte, ct ContentType) ([]byte, error) {
	if len(ct.Params) == 0 {
		return appendMedia(dst, ct.MediaType)
	}
	v, err := appendMedia(nil, ct.MediaType)
	if err != nil {
		return nil, err
	}
	if v, err = appendParams(v, ct.Params); err != nil {
		return nil, err
	}
	return withLength(dst, v), nil
}

// appendParams appends Parameters (WSP §8.4.2.4): a well-known code or a Token-text name, then
// the value.
func appendParams(v []byte, params []Param) ([]byte, error) {
	var err error
	for _, p := range params {
		switch {
		case p.Code == 0x80:
			return nil, errors.New("mm1: the Q parameter is not supported")
		case p.Code >= 0x80:
			v = append(v, p.Code)
		case p.Code == 0:
			if v, err = appendTokenText(v, p.Name); err != nil {
				return nil, err
			}
		default:
			return nil, errors.New("mm1: parameter code without its high bit")
		}
		if v, err = appendParamValue(v, p.Value); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// ContentDisposition is the value of a multipart entry's Content-Disposition (WSP §8.4.2.53):
// Value-length, a disposition ("form-data", "attachment", "inline" as their WSP tokens
// 0x80–0x82, or Token-text) and parameters, usually a filename.
type ContentDisposition struct {
	Disposition string
	Params      []Param
}

func (ContentDisposition) isValue() {}

var dispositions = [...]string{"form-data", "attachment", "inline"}

var dispositionCodec = &codec{
	dec: func(b []byte) (Value, error) {
		v, err := lengthBody(b)
		if err != nil || len(v) == 0 {
			return nil, errBadValue
		}
		var d ContentDisposition
		n := 1
		switch c := v[0]; {
		case c >= 0x80:
			if int(c&0x7F) >= len(dispositions) {
				return nil, errBadValue
			}
			d.Disposition = dispositions[c&0x7F]
		case c < 0x20:
			return nil, errBadValue
		default:
			if d.Disposition, n, err = readTokenText(v); err != nil {
				return nil, err
			}
		}
		for v = v[n:]; len(v) > 0; {
			p, k, err := readParam(v)
			if err != nil {
				return nil, err
			}
			d.Params = append(d.Params, p)
			v = v[k:]
		}
		return d, nil
	},
	enc: func(dst []byte, v Value) ([]byte, error) {
		d, ok := v.(ContentDisposition)
		if !ok {
			return nil, errType
		}
		var body []byte
		var err error
		for i, s := range dispositions {
			if s == d.Disposition {
				body = []byte{byte(i) | 0x80}
			}
		}
		if body == nil {
			if body, err = appendTokenText(nil, d.Disposition); err != nil {
				return nil, err
			}
		}
		if body, err = appendParams(body, d.Params); err != nil {
			return nil, err
		}
		return withLength(dst, body), nil
	},
}
