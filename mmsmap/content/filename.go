// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package content

import (
	"mime"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// maxFilename bounds a file name written into Content-Disposition, in octets of UTF-8.
const maxFilename = 100

// extensions are the file name extensions given to a part that has no name, by media type.
var extensions = map[string]string{
	"application/smil": ".smil", "text/plain": ".txt", "text/html": ".html",
	"text/x-vcard": ".vcf", "text/vcard": ".vcf", "text/x-vcalendar": ".vcs", "text/calendar": ".ics",
	"image/jpeg": ".jpg", "image/jpg": ".jpg", "image/gif": ".gif", "image/png": ".png", "image/bmp": ".bmp",
	"image/vnd.wap.wbmp": ".wbmp", "image/webp": ".webp", "image/heic": ".heic", "image/heif": ".heif",
	"audio/amr": ".amr", "audio/amr-wb": ".awb", "audio/mpeg": ".mp3", "audio/mp4": ".m4a", "audio/aac": ".aac",
	"audio/midi": ".mid", "audio/mid": ".mid", "audio/x-wav": ".wav", "audio/wav": ".wav", "audio/ogg": ".ogg",
	"audio/3gpp": ".3gp", "audio/sp-midi": ".mid", "video/3gpp": ".3gp", "video/3gpp2": ".3g2",
	"video/mp4": ".mp4", "video/h263": ".3gp", "video/quicktime": ".mov",
}

// attachmentName returns the file name for a part that becomes an attachment: the filename
// parameter of its Content-Disposition, else its Content-Location, else the name parameter of its
// Content-Type, made safe by sanitizeFilename; without any, "partN" and an extension for its type.
func attachmentName(h *textproto.Header, mediaType string, params map[string]string, n int) string {
	var candidates []string
	if v, ok := lex.FirstValue(h, "Content-Disposition"); ok {
		if _, dp, err := mime.ParseMediaType(v); err == nil {
			candidates = append(candidates, dp["filename"])
		}
	}
	if v, ok := lex.FirstValue(h, "Content-Location"); ok {
		candidates = append(candidates, locationName(v))
	}
	candidates = append(candidates, params["name"])
	for _, c := range candidates {
		if s := sanitizeFilename(c); s != "" {
			return s
		}
	}
	ext, ok := extensions[mediaType]
	if !ok {
		ext = ".bin"
	}
	return "part" + strconv.Itoa(n) + ext
}

// locationName returns the last path segment of a Content-Location (RFC 2557 §4.2: a URI, in MMs
// mostly a bare name such as "image1.jpg"), without a query or fragment.
func locationName(v string) string {
	v = strings.TrimPrefix(strings.TrimPrefix(v, "cid:"), "CID:")
	if strings.Contains(v, "://") {
		if i := strings.IndexAny(v, "?#"); i >= 0 {
			v = v[:i]
		}
	}
	if i := strings.LastIndexAny(v, `/\`); i >= 0 {
		v = v[i+1:]
	}
	return v
}

// filenameDecoder decodes RFC 2047 encoded-words in names (some handsets write name="=?utf-8?...").
var filenameDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// sanitizeFilename makes s a file name that every mail client can save: RFC 2047 encoded-words
// decoded, invalid UTF-8, control characters and the characters file systems refuse
// (/ \ : * ? " < > |) replaced by "_", white space folded, no leading dots or spaces, no trailing
// dots or spaces, at most maxFilename octets (the extension kept). It returns "" when nothing is
// left.
func sanitizeFilename(s string) string {
	if len(s) > 4*maxFilename+64 {
		s = s[:4*maxFilename+64]
	}
	if d, err := filenameDecoder.DecodeHeader(s); err == nil {
		s = d
	}
	s = strings.ToValidUTF8(s, "_")
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case r < ' ' || r == 0x7f || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || strings.ContainsRune(`/\:*?"<>|`, r):
			r = '_'
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	s = strings.TrimLeft(strings.TrimRight(b.String(), ". "), ". ")
	if len(s) > maxFilename {
		ext := ""
		if i := strings.LastIndexByte(s, '.'); i > 0 && len(s)-i <= 10 {
			ext = s[i:]
		}
		stem := s[:maxFilename-len(ext)]
		for len(stem) > 0 && !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		s = strings.TrimRight(stem, ". ") + ext
	}
	return s
}
