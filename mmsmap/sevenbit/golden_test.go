// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package sevenbit

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/msgtest"
)

// TestConvertGolden: Convert (and Body) write what Body wrote before it streamed, byte for byte.
// testdata/golden holds, for each case of TestBody and TestBodyErrors, each FuzzBody seed and
// cases at the edges of the streaming (pieces of long lines, a CR at a piece's end, base64 "=" and
// odd lengths), the input message (NAME.in) and the output of the old Body, which read every leaf
// part whole (NAME.out): the message, or `error part="N"` for a *MIMEError. The cases with a
// multipart lacking its close delimiter or a part header not ended by an empty line, which the old
// Body repaired, are refused now, as Check refuses them (a store cannot walk them).
func TestConvertGolden(t *testing.T) {
	ins, err := filepath.Glob("testdata/golden/*.in")
	if err != nil || len(ins) < 50 {
		t.Fatalf("golden cases: %d, %v", len(ins), err)
	}
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in")
		t.Run(name, func(t *testing.T) {
			msg, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(in, ".in") + ".out")
			if err != nil {
				t.Fatal(err)
			}
			h, body := msgtest.Split(t, msg)
			for _, viaBody := range []bool{false, true} {
				var out bytes.Buffer
				var got []byte
				nh, err := Convert(h, sbOpener(body), &out, Limits{})
				if viaBody {
					out.Reset()
					nh, err = Body(h, bytes.NewReader(body), &out)
				}
				var me *MIMEError
				switch {
				case errors.As(err, &me):
					got = fmt.Appendf(nil, "error part=%q\n", me.Part)
				case err != nil:
					got = []byte("error other\n")
				default:
					got = append([]byte(msgtest.Text(t, nh)), out.Bytes()...)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("Body %v: err = %v; output differs:\n--- got\n%q\n--- want\n%q", viaBody, err, got, want)
				}
			}
		})
	}
}
