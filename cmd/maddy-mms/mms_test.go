// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/maddy-mms/maddy-mms/mmsmap/mm1"
)

// corpusDir holds third-party PDUs (kept outside the repository; see its README.md).
var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus", "mm1-pdus")

// runMMS runs "maddy-mms mms args…" in-process with stdin and returns stdout, stderr and the
// error the command returned.
func runMMS(t *testing.T, stdin []byte, args ...string) ([]byte, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	app := &cli.App{
		Name:           "maddy-mms",
		Commands:       []*cli.Command{mmsCommand()},
		Reader:         bytes.NewReader(stdin),
		Writer:         &stdout,
		ErrWriter:      &stderr,
		ExitErrHandler: func(*cli.Context, error) {}, // not os.Exit
	}
	err := app.Run(append([]string{"maddy-mms", "mms"}, args...))
	return stdout.Bytes(), stderr.String(), err
}

// decode → encode gives a PDU that decodes to the same values, byte for byte what Encode
// writes for the original.
func TestMMSDecodeEncode(t *testing.T) {
	for _, name := range []string{"openwave.mms", "iPhone.mms", "ni-mms-1-3-con-271.mms"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(corpusDir, name)
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("corpus: %v", err)
			}
			text, stderr, err := runMMS(t, nil, "decode", path)
			if err != nil {
				t.Fatalf("decode: %v\n%s", err, stderr)
			}
			if !bytes.HasPrefix(text, []byte("X-Mms-Message-Type: ")) {
				t.Fatalf("decode printed:\n%s", text)
			}
			// From stdin too, the same text.
			if text2, _, err := runMMS(t, orig, "decode", "-"); err != nil || !bytes.Equal(text2, text) {
				t.Fatalf("decode - differs: %v", err)
			}

			// encode from stdin to stdout, and from a file to -o.
			pdu, stderr, err := runMMS(t, text, "encode")
			if err != nil {
				t.Fatalf("encode: %v\n%s", err, stderr)
			}
			dir := t.TempDir()
			in, out := filepath.Join(dir, "pdu.txt"), filepath.Join(dir, "pdu.mms")
			if err := os.WriteFile(in, text, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, stderr, err := runMMS(t, nil, "encode", "-o", out, in); err != nil {
				t.Fatalf("encode -o: %v\n%s", err, stderr)
			}
			if b, err := os.ReadFile(out); err != nil || !bytes.Equal(b, pdu) {
				t.Fatalf("encode -o wrote other octets: %v", err)
			}

			p, err := mm1.Decode(orig)
			if err != nil {
				t.Fatal(err)
			}
			want, err := p.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(pdu, want) {
				t.Fatalf("encode wrote % x…, want % x…", head(pdu), head(want))
			}
			q, err := mm1.Decode(pdu)
			if err != nil {
				t.Fatal(err)
			}
			if again, _, err := runMMS(t, pdu, "decode", "-"); err != nil || !bytes.Equal(again, text) {
				t.Fatalf("decode of the encoded PDU differs: %v", err)
			}
			if len(q.Headers) != len(p.Headers) || len(q.Parts) != len(p.Parts) {
				t.Fatalf("decoded %d headers %d parts, want %d %d", len(q.Headers), len(q.Parts), len(p.Headers), len(p.Parts))
			}
		})
	}
}

func head(b []byte) []byte {
	if len(b) > 32 {
		return b[:32]
	}
	return b
}

func TestMMSErrors(t *testing.T) {
	orig, err := os.ReadFile(filepath.Join(corpusDir, "openwave.mms"))
	if err != nil {
		t.Fatalf("corpus: %v", err)
	}
	// Truncated in the Subject: the fields before it are printed, and the offset named.
	out, _, err := runMMS(t, orig[:60], "decode", "-")
	if err == nil || !strings.Contains(err.Error(), "offset 57 (Subject)") {
		t.Errorf("truncated PDU: err = %v", err)
	}
	if ec, ok := err.(cli.ExitCoder); !ok || ec.ExitCode() == 0 {
		t.Errorf("truncated PDU: exit code of %v", err)
	}
	if !strings.Contains(string(out), "To: \"112/TYPE=PLMN\"\n") {
		t.Errorf("truncated PDU printed:\n%s", out)
	}
	// Truncated in the body: printed whole, and an error.
	out, _, err = runMMS(t, orig[:300], "decode", "-")
	if err == nil || !strings.Contains(err.Error(), "multipart body") || !strings.Contains(string(out), "\n--- body\nData: base64, ") {
		t.Errorf("truncated body: err = %v, printed:\n%s", err, out)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"decode", "-"}, "empty"},
		{"", []string{"decode"}, "usage"},
		{"", []string{"decode", filepath.Join(t.TempDir(), "none")}, "no such file"},
		{"X-Mms-Message-Type: m-send-req\nSubject: x\n", []string{"encode"}, "line 2"},
		{"X-Mms-Message-Type: m-send-req\n\n--- part 1\nContent-Type: text/plain\n", []string{"encode"}, "without a Content-Type"},
		{"Content-Type: text/plain\n\n--- part 1\nContent-Type: text/plain\n", []string{"encode"}, "multipart"},
	} {
		_, _, err := runMMS(t, []byte(tc.stdin), tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("mms %v: err = %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestMMSRegistered(t *testing.T) {
	for _, c := range newApp().Commands {
		if c.Name == "mms" {
			return
		}
	}
	t.Error("no mms command in newApp")
}
