// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package msgtest holds what the tests of the mmsmap packages share:
// reading and writing message headers.
package msgtest

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"
)

// Header reads a header written with LF line ends (and no blank line).
func Header(t testing.TB, s string) textproto.Header {
	t.Helper()
	s = strings.ReplaceAll(s, "\n", "\r\n") + "\r\n"
	h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(s)))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Split splits a message into its header and body.
func Split(t testing.TB, msg []byte) (textproto.Header, []byte) {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(msg))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	return h, body
}

// Text writes a header as it goes on the wire, blank line included.
func Text(t testing.TB, h textproto.Header) string {
	t.Helper()
	var b bytes.Buffer
	if err := textproto.WriteHeader(&b, h); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
