// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package content

import (
	"bytes"
	"strings"
	"testing"
)

func TestHTMLText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain\r\n"},
		{"  a \n\t b  ", "a b\r\n"},
		{"<p>one</p><p>two</p>", "one\r\n\r\ntwo\r\n"},
		{"a<br>b<br/><br />c", "a\r\nb\r\n\r\nc\r\n"},
		{"<div>a</div><div>b</div>", "a\r\nb\r\n"},
		{"x &amp; y &lt;z&gt; &quot;q&quot; &#65;&#x42; &eacute; &unknown; & alone", "x & y <z> \"q\" AB é &unknown; & alone\r\n"},
		{"5&nbsp;&nbsp;€", "5  €\r\n"},
		{"a < b and c > d", "a < b and c > d\r\n"},
		{"<!-- <p>hidden</p> -->shown<!---->", "shown\r\n"},
		{"<!DOCTYPE html><?xml x?>t", "t\r\n"},
		{"<head><title>T</title><style>p{}</style></head><body>b</body>", "b\r\n"},
		{"<script>if (a<b) {x='</p>'}</script>after", "after\r\n"},
		{"<a href=\"x>y\" title='>'>link</a>", "link\r\n"},
		{"<ul><li>one<li>two</ul>end", "one\r\ntwo\r\n\r\nend\r\n"},
		{"<P>Upper</P><BR>case", "Upper\r\n\r\ncase\r\n"},
		{"unterminated <b", "unterminated\r\n"},
		{"dangling &amp", "dangling &\r\n"},
		{"ends with <", "ends with <\r\n"},
		{"<" + strings.Repeat("x", 100) + ">text", "text\r\n"},
		{"&" + strings.Repeat("a", 100) + ";", "&" + strings.Repeat("a", 100) + ";\r\n"},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 3, 1 << 20} {
			var out bytes.Buffer
			h := &htmlText{w: &out}
			for in := []byte(tt.in); len(in) > 0; {
				n := min(chunk, len(in))
				if _, err := h.Write(in[:n]); err != nil {
					t.Fatal(err)
				}
				in = in[n:]
			}
			if err := h.Close(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("%q in pieces of %d: %q, want %q", tt.in, chunk, out.String(), tt.want)
			}
		}
	}
}

func TestSanitizeFilename(t *testing.T) {
	tests := []struct{ in, want string }{
		{"photo.jpg", "photo.jpg"},
		{"  spaced   out .jpg ", "spaced out .jpg"},
		{"../../etc/passwd", "_.._etc_passwd"},
		{`a\b:c*d?e"f<g>h|i`, "a_b_c_d_e_f_g_h_i"},
		{".hidden", "hidden"},
		{"trailing...", "trailing"},
		{"ctl\x01\x7f\u200e.txt", "ctl___.txt"},
		{"bad\xff\xfeutf8.txt", "bad_utf8.txt"},
		{"=?utf-8?q?Fot=C3=B3.jpg?=", "Fotó.jpg"},
		{"=?iso-8859-1?q?caf=E9.txt?=", "café.txt"},
		{"...", ""},
		{"", ""},
		{strings.Repeat("é", 80) + ".jpeg", strings.Repeat("é", 47) + ".jpeg"},
		{strings.Repeat("x", 300), strings.Repeat("x", 100)},
	}
	for _, tt := range tests {
		got := sanitizeFilename(tt.in)
		if got != tt.want {
			t.Errorf("sanitizeFilename(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(got) > maxFilename {
			t.Errorf("sanitizeFilename(%q): %d octets", tt.in, len(got))
		}
	}
	for in, want := range map[string]string{
		"image1.jpg":                        "image1.jpg",
		"http://mmsc.example/a/b.jpg?x=1#f": "b.jpg",
		"cid:part1@example":                 "part1@example",
		`C:\Photos\cat.gif`:                 "cat.gif",
	} {
		if got := locationName(in); got != want {
			t.Errorf("locationName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestStructures walks structures at the edges of the one-pass design through both directions,
// with LF and CRLF line ends, and checks every output with net/mail and mime/multipart, Python's
// email package and sevenbit.Check, and what the parts are.
func TestStructures(t *testing.T) {
	tests := []struct {
		name   string
		fn     adaptFunc
		msg    string
		top    string
		leaves []string // type, disposition and content of each leaf part
	}{
		{"SMIL with an empty body, moved last", ForMail,
			"Content-Type: multipart/related; boundary=b\n\n--b\nContent-Type: application/smil\n\n--b\n" +
				"Content-Type: text/plain\n\nhi\n--b--\n",
			"multipart/mixed", []string{"text/plain inline hi", "application/smil attachment "}},
		{"SMIL last stays last", ForMail,
			"Content-Type: multipart/related; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n--b\n" +
				"Content-Type: application/smil\n\n<smil/>\n--b--\n",
			"multipart/mixed", []string{"text/plain inline hi", "application/smil attachment <smil/>"}},
		{"two SMIL parts: the first moved, the second stays", ForMail,
			"Content-Type: multipart/related; boundary=b\n\n--b\nContent-Type: application/smil\n\n<a/>\n--b\n" +
				"Content-Type: application/smil\n\n<b/>\n--b\nContent-Type: text/plain\n\nhi\n--b--\n",
			"multipart/mixed", []string{"application/smil attachment <b/>", "text/plain inline hi", "application/smil attachment <a/>"}},
		{"SMIL over 64 KiB stays first", ForMail,
			"Content-Type: multipart/related; boundary=b\n\n--b\nContent-Type: application/smil\n\n" + strings.Repeat("<x/>\n", 14000) +
				"--b\nContent-Type: text/plain\n\nhi\n--b--\n",
			"multipart/mixed", []string{"application/smil attachment " + strings.TrimSuffix(strings.Repeat("<x/>\n", 14000), "\n"), "text/plain inline hi"}},
		{"nested related in mixed, WAP type, vCard attached", ForMail,
			"Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: application/vnd.wap.multipart.related; boundary=i\r\n\r\n" +
				"--i\r\nContent-Type: application/smil\r\n\r\n<smil/>\r\n--i\r\nContent-Type: text/x-vCard\r\n\r\nBEGIN:VCARD\r\n--i--\r\n" +
				"--o\r\nContent-Type: text/plain\r\n\r\nouter\r\n--o--\r\n",
			"multipart/mixed", []string{"text/x-vcard attachment BEGIN:VCARD", "application/smil attachment <smil/>", "text/plain  outer"}},
		{"HTML-only alternative, then an image alternative", ForMMS,
			"Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>a&amp;b</p>\n--b\n" +
				"Content-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--b--\n",
			"text/plain", []string{"text/plain  a&b"}},
		{"HTML alternative replaced by a later text one", ForMMS,
			"Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>html</p>\n--b\n" +
				"Content-Type: text/plain\n\nplain\n--b--\n",
			"text/plain", []string{"text/plain  plain"}},
		{"HTML alternative over 64 KiB is kept", ForMMS,
			"Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/html\n\n" + strings.Repeat("<p>para</p>\n", 20000) +
				"--b\nContent-Type: text/plain\n\nplain\n--b--\n",
			"text/plain", []string{"text/plain  " + strings.TrimSuffix(strings.Repeat("para\n\n", 20000), "\n\n")}},
		{"first alternative not text: kept", ForMMS,
			"Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/alternative; boundary=b\n\n" +
				"--b\nContent-Type: multipart/related; type=\"text/html\"; boundary=r\n\n--r\nContent-Type: text/html\n\n<b>x</b>\n" +
				"--r\nContent-Type: image/gif\nContent-Transfer-Encoding: base64\n\nR0lGODlh\n--r--\n--b\nContent-Type: text/plain\n\nlater\n--b--\n" +
				"--o--\n",
			"multipart/mixed", []string{"text/plain  x", "image/gif  GIF89a"}},
		{"empty text alternative in mixed", ForMMS,
			"Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n" +
				"--b\r\nContent-Type: text/plain\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b--\r\n--o\r\n" +
				"Content-Type: text/plain\r\n\r\nsecond\r\n--o--\r\n",
			"multipart/mixed", []string{"text/plain  ", "text/plain  second"}},
		{"LF-only mail, charset and binary", ForMMS,
			"Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit\n\n\xf0\xd2\xc9\xd7\xc5\xd4\n" +
				"--o\nContent-Type: application/octet-stream\n\n\x00\x01\xff\n--o--\n",
			"multipart/mixed", []string{"text/plain  Привет", "application/octet-stream  \x00\x01\xff"}},
		{"unknown charset and transfer encoding kept", ForMMS,
			"Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nqapla\r\n" +
				"--o\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n--o--\r\n",
			"multipart/mixed", []string{"text/plain  qapla", "text/plain  begin"}},
	}
	var msgs [][]byte
	outs := make([][]byte, len(tests))
	for i, tt := range tests {
		out, _, _, err := adapt(t, tt.fn, []byte(tt.msg))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		outs[i] = out
		msgs = append(msgs, out)
	}
	py := pyRead(t, msgs)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := outs[i]
			checkSevenbit(t, out)
			if len(py[i].Defects) > 0 {
				t.Errorf("Python email defects: %q", py[i].Defects)
			}
			top, leaves := goLeaves(t, out)
			if top != tt.top || py[i].Top != tt.top {
				t.Errorf("top-level type %q (Python %q), want %q", top, py[i].Top, tt.top)
			}
			var got []string
			for _, l := range leaves {
				got = append(got, l.Type+" "+l.Disposition+" "+normText(string(l.Data)))
			}
			if strings.Join(got, "|") != strings.Join(tt.leaves, "|") {
				t.Errorf("leaves:\n%q\nwant:\n%q\n%s", got, tt.leaves, out)
			}
			if len(py[i].Parts) != len(leaves) {
				t.Errorf("Python reads %d leaves, Go %d", len(py[i].Parts), len(leaves))
			}
		})
	}
}
