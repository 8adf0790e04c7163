// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"bytes"
	"flag"
	"net/mail"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/msgtest"
)

// tmGoldenCases are the MMs under testdata/golden shown as Internet mail: name.in is the MM as
// received (header and body), name.out the mail ToInternetMail makes of it with tmView, into a
// local mailbox, its made-up Message-ID written as <MADE-UP@mms.example.net>.
var tmGoldenCases = []string{
	// An MM4_forward.REQ with a SMIL presentation (multipart/related, type application/smil):
	// SMIL, quoted-printable text, base64 JPEG and AMR; Priority High, Read-Reply Yes, one
	// previously-sent entry, an 8-bit Subject.
	"tomail_smil",
}

// tmMadeIDs matches the Message-IDs ToInternetMail makes up at mms.example.net.
var tmMadeIDs = regexp.MustCompile(`<[0-9a-z]+\.[0-9a-f]{24}@mms\.example\.net>`)

// tmUpdate reports whether the golden files are to be rewritten: go test ./mmsmap/mm3 -run Golden
// -update (the -update flag of the package's tests).
func tmUpdate() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// TestToInternetMailGolden converts each golden MM and compares the mail with its .out file. The
// body passes unchanged. The mail reads with net/mail (its address fields, Resent-* included, as
// address lists and its dates as dates) and with Python's email package, without a defect and with
// the same MIME leaves, decoded, as the MM.
func TestToInternetMailGolden(t *testing.T) {
	for _, name := range tmGoldenCases {
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", "golden", name+".in"))
			if err != nil {
				t.Fatal(err)
			}
			h, body := msgtest.Split(t, in)
			out, err := ToInternetMail(h, tmView())
			if err != nil {
				t.Fatal(err)
			}
			got := []byte(msgtest.Text(t, out) + string(body))
			if n := len(tmMadeIDs.FindAll(got, -1)); n != 1 {
				t.Errorf("%d made-up Message-IDs, want 1", n)
			}
			got = tmMadeIDs.ReplaceAll(got, []byte("<MADE-UP@mms.example.net>"))
			path := filepath.Join("testdata", "golden", name+".out")
			if tmUpdate() {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("differs from %s (go test -run Golden -update rewrites it):\n%s", path, got)
			}
			if !bytes.HasSuffix(got, body) {
				t.Errorf("body changed")
			}

			m := tmCheckMail(t, string(got))
			for _, name := range []string{"From", "To", "Cc", "Resent-From", "Resent-To", "Resent-Cc", "Disposition-Notification-To"} {
				for _, v := range m.Header[name] {
					if _, err := mail.ParseAddressList(v); err != nil && !strings.HasSuffix(v, ":;") {
						t.Errorf("%s: %q: %v", name, v, err)
					}
				}
			}

			py := tmPython(t, [][]byte{got, in})
			if py == nil {
				t.Skip("python3 not installed")
			}
			if len(py[0].Defects) != 0 {
				t.Errorf("Python's email package finds defects: %q", py[0].Defects)
			}
			if !reflect.DeepEqual(py[0].Leaves, py[1].Leaves) || len(py[0].Leaves) < 2 {
				t.Errorf("MIME leaves %v, the MM's %v", py[0].Leaves, py[1].Leaves)
			}
			for _, kv := range py[0].Headers {
				if strings.HasPrefix(strings.ToLower(kv[0]), "x-mms-") {
					t.Errorf("Python sees %s", kv[0])
				}
			}
		})
	}
}
