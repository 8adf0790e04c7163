// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package content

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/msgtest"
	"github.com/maddy-mms/maddy-mms/mmsmap/sevenbit"
)

// adaptFunc is ForMail or ForMMS.
type adaptFunc func(textproto.Header, io.Reader, io.Writer, sevenbit.Limits) (textproto.Header, Result, error)

// adapt runs fn on a whole message and returns the whole message it makes: the header of msg with
// its Content-* fields replaced by those returned, and the body written. unchanged reports
// whether the body written is the body read and the header returned holds the Content-* fields
// of msg, in their order.
func adapt(t testing.TB, fn adaptFunc, msg []byte) (out []byte, res Result, unchanged bool, err error) {
	t.Helper()
	h, body := msgtest.Split(t, msg)
	var w bytes.Buffer
	nh, res, err := fn(h, bytes.NewReader(body), &w, sevenbit.Limits{})
	if err != nil {
		return nil, res, false, err
	}
	full := withContent(h, nh)
	unchanged = bytes.Equal(w.Bytes(), body) && contentPairs(nh) == contentPairs(h)
	return append([]byte(msgtest.Text(t, full)), w.Bytes()...), res, unchanged, nil
}

// withContent returns h with its Content-* fields replaced by those of c.
func withContent(h, c textproto.Header) textproto.Header {
	h = h.Copy()
	for f := h.Fields(); f.Next(); {
		if strings.HasPrefix(strings.ToLower(f.Key()), "content-") {
			f.Del()
		}
	}
	// Header.Add puts a field at the top: add c's fields last first, so they keep their order.
	var keys, values []string
	for f := c.Fields(); f.Next(); {
		if strings.HasPrefix(strings.ToLower(f.Key()), "content-") {
			keys, values = append(keys, f.Key()), append(values, f.Value())
		}
	}
	for i := len(keys) - 1; i >= 0; i-- {
		h.Add(keys[i], values[i])
	}
	return h
}

// contentPairs lists the Content-* fields of h, as they read.
func contentPairs(h textproto.Header) string {
	var b strings.Builder
	for f := h.Fields(); f.Next(); {
		if strings.HasPrefix(strings.ToLower(f.Key()), "content-") {
			b.WriteString(f.Key() + ": " + f.Value() + "\n")
		}
	}
	return b.String()
}

// readInput reads a test message from testdata/in.
func readInput(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "in", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// corpusDir is the directory of MM4 messages a real MMSC (Mbuni 1.4) wrote, beside the
// repository (this package is three levels below its root). The tests fail when it is missing.
func corpusDir() string {
	return filepath.Join("..", "..", "..", "shared", "corpus", "mm4-wire")
}

// leaf is one leaf part of a message as a parser sees it.
type leaf struct {
	Type        string // media type, lower case
	Charset     string
	Disposition string // "inline", "attachment" or ""
	Filename    string
	Data        []byte // decoded from the transfer encoding
}

// goLeaves walks a message with net/mail and mime/multipart, decoding base64 and quoted-printable,
// and returns its top-level media type and its leaf parts in order. It fails the test on anything
// these packages cannot read.
func goLeaves(t testing.TB, msg []byte) (string, []leaf) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("net/mail: %v", err)
	}
	top, _, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil && m.Header.Get("Content-Type") != "" {
		t.Fatalf("top-level Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	var leaves []leaf
	walkGo(t, textprotoMIME(m.Header), m.Body, &leaves)
	return top, leaves
}

func textprotoMIME(h mail.Header) map[string][]string { return h }

func walkGo(t testing.TB, h map[string][]string, body io.Reader, leaves *[]leaf) {
	t.Helper()
	get := func(k string) string {
		if v := h[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	ct := get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil {
		mt, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("mime/multipart: %v", err)
			}
			walkGo(t, p.Header, p, leaves)
		}
	}
	data, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	switch strings.ToLower(get("Content-Transfer-Encoding")) {
	case "base64":
		d, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(data)))
		if err != nil {
			t.Fatalf("part %s: base64: %v", mt, err)
		}
		data = d
	case "quoted-printable":
		d, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(data)))
		if err != nil {
			t.Fatalf("part %s: quoted-printable: %v", mt, err)
		}
		data = d
	}
	l := leaf{Type: mt, Charset: strings.ToLower(params["charset"]), Data: data}
	if cd := get("Content-Disposition"); cd != "" {
		d, dp, err := mime.ParseMediaType(cd)
		if err != nil {
			t.Fatalf("part %s: Content-Disposition %q: %v", mt, cd, err)
		}
		l.Disposition, l.Filename = d, dp["filename"]
	}
	if l.Filename == "" {
		l.Filename = params["name"] // as Python's get_filename
		if d, err := new(mime.WordDecoder).DecodeHeader(l.Filename); err == nil {
			l.Filename = d
		}
	}
	*leaves = append(*leaves, l)
}

// pyScript is a second, independent reader: Python's email package with the modern policy. For
// each message (a JSON list of base64 strings on stdin) it reports every defect on any part or
// Content-* header field (the others are the caller's), and each leaf part: media type, disposition,
// file name, and content (text decoded to a string, other content in base64).
const pyScript = `
import sys, json, base64, email, email.policy

def read(data):
    m = email.message_from_bytes(data, policy=email.policy.default)
    out = {"defects": [], "top": m.get_content_type(), "parts": []}
    for part in m.walk():
        out["defects"] += ["%s: %r" % (part.get_content_type(), d) for d in part.defects]
        for k, v in part.items():
            if not k.lower().startswith("content-"):
                continue  # the caller's header fields, not the body's
            out["defects"] += ["header %s: %r" % (k, d) for d in getattr(v, "defects", ())]
        if part.is_multipart():
            continue
        p = {"type": part.get_content_type(), "disposition": part.get_content_disposition() or "",
             "filename": part.get_filename() or ""}
        try:
            c = part.get_content()
        except LookupError:  # a charset Python does not know
            c = part.get_payload(decode=True)
        if isinstance(c, str):
            p["text"] = c
        elif isinstance(c, bytes):
            p["data"] = base64.b64encode(c).decode()
        out["parts"].append(p)
    return out

print(json.dumps([read(base64.b64decode(m)) for m in json.load(sys.stdin)]))
`

type pyLeaf struct {
	Type        string `json:"type"`
	Disposition string `json:"disposition"`
	Filename    string `json:"filename"`
	Text        string `json:"text"`
	Data        []byte `json:"data"`
}

type pyResult struct {
	Defects []string `json:"defects"`
	Top     string   `json:"top"`
	Parts   []pyLeaf `json:"parts"`
}

// pyRead reads messages with Python's email package, in one run of python3 (which takes a second
// to start on a busy machine); it fails the test without python3.
func pyRead(t testing.TB, msgs [][]byte) []pyResult {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is needed as the independent MIME parser (scripts/test.sh installs it)")
	}
	in, err := json.Marshal(msgs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", pyScript)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	var r []pyResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil || len(r) != len(msgs) {
		t.Fatalf("python3 output: %v\n%s", err, stdout.String())
	}
	return r
}

// checkSevenbit checks a whole message with sevenbit.Check.
func checkSevenbit(t testing.TB, msg []byte) {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(msg))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		t.Fatal(err)
	}
	if err := sevenbit.Check(h, br, sevenbit.Limits{}); err != nil {
		t.Errorf("sevenbit.Check: %v", err)
	}
}
