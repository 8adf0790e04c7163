// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package sevenbit

import (
	"bytes"
	"io"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// cleanNeedles are the words whose presence (in any case) sends a message
// to Convert: transfer-encoding labels it would change and the WAP
// content types it rewrites.
var cleanNeedles = [][]byte{[]byte("8bit"), []byte("binary"), []byte("vnd.wap.multipart")}

// Clean reports whether a message needs no work from
// Convert: every octet of the body read from r is 7-bit and not NUL,
// no line is longer than 998 octets (RFC 5322 §2.1.1), and nothing in it or
// in h names an 8bit or binary transfer encoding or a WAP multipart type
// that would be relabelled or rewritten. It is a streaming scan (the body
// is read in chunks, never held whole) that lets the common case, a mail
// client's MIME already base64 where it must be, skip parsing; a false
// answer only means Convert has to look.
func Clean(h textproto.Header, r io.Reader) (bool, error) {
	if cte := strings.ToLower(h.Get("Content-Transfer-Encoding")); strings.Contains(cte, "8bit") || strings.Contains(cte, "binary") {
		return false, nil
	}
	if strings.Contains(strings.ToLower(h.Get("Content-Type")), "vnd.wap.multipart") {
		return false, nil
	}
	const carry = 17 // longest needle minus one, and the octet before it
	dropped := false // the window no longer starts at the start of the body
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
			if containsWord(window, needle, !dropped) {
				return false, nil
			}
		}
		if len(window) > carry {
			kept = copy(buf, window[len(window)-carry:])
			dropped = true
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

// containsWord reports whether needle occurs in window where it does not
// continue a run of base64 characters: "8bit" and "binary" turn up in
// random base64 (about once in 2×10⁶ positions, so in most megabytes of
// media), and a needle found there would send a clean MM through both
// passes of Convert for nothing. The labels it looks for follow a space,
// a colon, a quote or a line end, never a letter or digit.
func containsWord(window, needle []byte, atStart bool) bool {
	if bytes.IndexByte(needle, '.') >= 0 {
		// No base64 has a dot: "application/vnd.wap.multipart…" counts
		// after its "/".
		return bytes.Contains(window, needle)
	}
	for off := 0; ; {
		i := bytes.Index(window[off:], needle)
		if i < 0 {
			return false
		}
		at := off + i
		if at == 0 && atStart || at > 0 && !isBase64Char(window[at-1]) {
			return true
		}
		off = at + 1
	}
}

func isBase64Char(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '/'
}
