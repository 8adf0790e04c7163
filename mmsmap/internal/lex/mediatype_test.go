// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package lex

import (
	"reflect"
	"testing"
)

func TestParseMediaType(t *testing.T) {
	for _, tc := range []struct {
		in     string
		mt     string
		params map[string]string
		ok     bool
	}{
		{`multipart/related; type="application/smil"; boundary=b`, "multipart/related",
			map[string]string{"type": "application/smil", "boundary": "b"}, true},
		// As handsets write it: neither value is a token.
		{`multipart/related; type=application/smil; start=<smil>; boundary=b1`, "multipart/related",
			map[string]string{"type": "application/smil", "start": "<smil>", "boundary": "b1"}, true},
		{`image/jpeg; name=a b.jpg`, "image/jpeg", map[string]string{"name": "a b.jpg"}, true},
		{`text/plain; charset="utf-8;x"; format=flowed`, "text/plain", map[string]string{"charset": "utf-8;x", "format": "flowed"}, true},
		{`text/plain; charset=utf-8`, "text/plain", map[string]string{"charset": "utf-8"}, true},
		{`/`, "", nil, false},
	} {
		mt, params, err := ParseMediaType(tc.in)
		if (err == nil) != tc.ok || mt != tc.mt || (tc.ok && !reflect.DeepEqual(params, tc.params)) {
			t.Errorf("ParseMediaType(%q) = %q %v %v", tc.in, mt, params, err)
		}
	}
}
