// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"
)

func TestReplaceContentFields(t *testing.T) {
	read := func(s string) textproto.Header {
		h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(strings.ReplaceAll(s, "\n", "\r\n") + "\r\n")))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	h := read("Received: from a\n by b\nMessage-ID: <x@y>\nContent-Type: multipart/related; boundary=b\nSubject: s\nContent-Transfer-Encoding: 7bit\n")
	ch := read("Content-Type: multipart/mixed; boundary=b\n")
	var out bytes.Buffer
	if err := textproto.WriteHeader(&out, replaceContentFields(h, ch)); err != nil {
		t.Fatal(err)
	}
	want := "Received: from a\r\n by b\r\nMessage-ID: <x@y>\r\nContent-Type: multipart/mixed; boundary=b\r\nSubject: s\r\n\r\n"
	if out.String() != want {
		t.Errorf("got\n%q\nwant\n%q", out.String(), want)
	}
	// No Content-* field in h: added at the end.
	out.Reset()
	textproto.WriteHeader(&out, replaceContentFields(read("Subject: s\n"), ch))
	if out.String() != "Subject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" {
		t.Errorf("got %q", out.String())
	}
}
