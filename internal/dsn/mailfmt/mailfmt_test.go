// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mailfmt

import (
	"strings"
	"testing"
)

func TestCleanLine(t *testing.T) {
	tests := []struct {
		in    string
		max   int
		ascii bool
		want  string
	}{
		{"plain", 100, true, "plain"},
		{"  a \r\n\t b  ", 100, true, "a b"},
		{"a\x00b\x1bc\x7fd\u0085e", 100, true, "a b c d e"},
		{"grüß", 100, true, "gr??"},
		{"grüß", 100, false, "grüß"},
		{"a\u202eb\u2066c", 100, false, "abc"},
		{"\xffx", 100, false, "\uFFFDx"},
		{strings.Repeat("a", 20), 10, true, "aaaaaaa..."},
		{"ab cd ef gh", 10, true, "ab cd e..."},
		{"ééééé", 8, false, "éé..."},
	}
	for _, tc := range tests {
		if got := CleanLine(tc.in, tc.max, tc.ascii); got != tc.want {
			t.Errorf("CleanLine(%q, %d, %v) = %q, want %q", tc.in, tc.max, tc.ascii, got, tc.want)
		}
		if got := CleanLine(tc.in, tc.max, tc.ascii); len(got) > tc.max {
			t.Errorf("CleanLine(%q) longer than %d", tc.in, tc.max)
		}
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\r\nb\rc\nd", "a\nb\nc\nd"},
		{"a  \r\n\tb\t", "a\n\tb"},
		{"x\x00y\x1b", "x y"},
		{"l1\u2028l2\u202e!", "l1\nl2!"},
		{"\n\ntext\n\n\n", "\n\ntext"},
	}
	for _, tc := range tests {
		if got := CleanText(tc.in, 1000); got != tc.want {
			t.Errorf("CleanText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFoldField(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"Action", "failed", "Action: failed\r\n"},
		{"X", "", "X: \r\n"},
		{"Diagnostic-Code", "X-MMS; " + strings.Repeat("word ", 20) + "end",
			"Diagnostic-Code: X-MMS; word word word word word word word word word word word\r\n" +
				" word word word word word word word word word end\r\n"},
		{"X", strings.Repeat("a", 100), "X: " + strings.Repeat("a", 100) + "\r\n"},
	}
	for _, tc := range tests {
		if got := FoldField(tc.name, tc.value); got != tc.want {
			t.Errorf("FoldField(%q, %q) =\n%q\nwant\n%q", tc.name, tc.value, got, tc.want)
		}
	}
}

func TestUTF8AddrXtext(t *testing.T) {
	if got, want := UTF8AddrXtext("a+b=c\\d é€😀@x"), `a\x{2B}b\x{3D}c\x{5C}d\x{20}\x{E9}\x{20AC}\x{1F600}@x`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
