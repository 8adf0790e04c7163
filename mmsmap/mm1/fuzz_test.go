// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzDecode checks that Decode never panics and that what it decodes, Encode writes and Decode
// reads back unchanged (up to Encode's header order).
func FuzzDecode(f *testing.F) {
	f.Add([]byte{0x8C, 0x80, 0x98, 'T', '1', 0, 0x8D, 0x93, 0x89, 0x01, 0x81, 0x84, 0xB3, 0x00})
	f.Add([]byte{0x8C, 0x82, 0x8E, 0x03, 0x01, 0xF4, 0x00, 0x88, 0x05, 0x81, 0x03, 0x01, 0x51, 0x80})
	// The corpus PDUs, when present (the test of the corpus fails without them). Only the small
	// ones, to keep the fuzzer fast.
	if ents, err := os.ReadDir(corpusDir); err == nil {
		for _, e := range ents {
			if !strings.EqualFold(filepath.Ext(e.Name()), ".mms") {
				continue
			}
			if b, err := os.ReadFile(filepath.Join(corpusDir, e.Name())); err == nil && len(b) < 4096 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		enc, err := p.Encode()
		if err != nil {
			t.Fatalf("Encode of a decoded PDU: %v\n%#v", err, p)
		}
		q, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(p)): %v\n% x", err, enc)
		}
		if want := canonical(p); !reflect.DeepEqual(q, want) {
			t.Fatalf("Decode(Encode(p)) differs:\n got %#v\nwant %#v", q, want)
		}
	})
}
