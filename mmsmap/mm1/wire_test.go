// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1

import (
	"bytes"
	"reflect"
	"testing"
)

func TestUintvar(t *testing.T) {
	for _, tc := range []struct {
		v    uint32
		wire []byte
	}{
		{0, []byte{0x00}},
		{0x7F, []byte{0x7F}},
		{0x80, []byte{0x81, 0x00}},
		{0x3FFF, []byte{0xFF, 0x7F}},
		{0x4000, []byte{0x81, 0x80, 0x00}},
		{1<<28 - 1, []byte{0xFF, 0xFF, 0xFF, 0x7F}},
		{1 << 28, []byte{0x81, 0x80, 0x80, 0x80, 0x00}},
		{0xFFFFFFFF, []byte{0x8F, 0xFF, 0xFF, 0xFF, 0x7F}}, // 5 octets, the most
	} {
		if got := appendUintvar(nil, tc.v); !bytes.Equal(got, tc.wire) {
			t.Errorf("appendUintvar(%#x) = % x, want % x", tc.v, got, tc.wire)
		}
		v, n, err := readUintvar(append(tc.wire, 0xAA))
		if err != nil || v != tc.v || n != len(tc.wire) {
			t.Errorf("readUintvar(% x) = %#x, %d, %v", tc.wire, v, n, err)
		}
	}
	for _, bad := range [][]byte{
		{},                                   // empty
		{0x81},                               // continuation without an end
		{0x90, 0x80, 0x80, 0x80, 0x00},       // 33 bits
		{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, // 6 octets
	} {
		if _, _, err := readUintvar(bad); err == nil {
			t.Errorf("readUintvar(% x) succeeded", bad)
		}
	}
}

func TestValueLength(t *testing.T) {
	for _, tc := range []struct {
		l    int
		wire []byte // the length octets
	}{
		{0, []byte{0x00}},
		{30, []byte{0x1E}},
		{31, []byte{0x1F, 0x1F}}, // Length-quote
		{200, []byte{0x1F, 0x81, 0x48}},
	} {
		if got := appendValueLength(nil, tc.l); !bytes.Equal(got, tc.wire) {
			t.Errorf("appendValueLength(%d) = % x, want % x", tc.l, got, tc.wire)
		}
		b := append(append([]byte(nil), tc.wire...), make([]byte, tc.l)...)
		l, n, err := readValueLength(b)
		if err != nil || l != tc.l || n != len(tc.wire) {
			t.Errorf("readValueLength(% x…) = %d, %d, %v", tc.wire, l, n, err)
		}
		if tc.l > 0 {
			if _, _, err := readValueLength(b[:len(b)-1]); err == nil {
				t.Errorf("readValueLength of %d with an octet missing succeeded", tc.l)
			}
		}
	}
	// Length-quote with a short length is accepted (not the shortest form).
	if l, n, err := readValueLength([]byte{0x1F, 0x02, 1, 2}); err != nil || l != 2 || n != 2 {
		t.Errorf("quoted short length: %d %d %v", l, n, err)
	}
	if _, _, err := readValueLength([]byte{0x20}); err == nil {
		t.Error("readValueLength(0x20) succeeded")
	}
}

func TestIntegers(t *testing.T) {
	for _, tc := range []struct {
		v             uint64
		long, integer []byte
	}{
		{0, []byte{0x01, 0x00}, []byte{0x80}},
		{127, []byte{0x01, 0x7F}, []byte{0xFF}},
		{128, []byte{0x01, 0x80}, []byte{0x01, 0x80}},
		{128000, []byte{0x03, 0x01, 0xF4, 0x00}, []byte{0x03, 0x01, 0xF4, 0x00}},
		{1<<64 - 1, append([]byte{0x08}, bytes.Repeat([]byte{0xFF}, 8)...), append([]byte{0x08}, bytes.Repeat([]byte{0xFF}, 8)...)},
	} {
		if got := appendLongInteger(nil, tc.v); !bytes.Equal(got, tc.long) {
			t.Errorf("appendLongInteger(%d) = % x, want % x", tc.v, got, tc.long)
		}
		if got := appendIntegerValue(nil, tc.v); !bytes.Equal(got, tc.integer) {
			t.Errorf("appendIntegerValue(%d) = % x, want % x", tc.v, got, tc.integer)
		}
		if v, n, err := readLongInteger(tc.long); err != nil || v != tc.v || n != len(tc.long) {
			t.Errorf("readLongInteger(% x) = %d, %d, %v", tc.long, v, n, err)
		}
		if v, n, err := readIntegerValue(tc.integer); err != nil || v != tc.v || n != len(tc.integer) {
			t.Errorf("readIntegerValue(% x) = %d, %d, %v", tc.integer, v, n, err)
		}
	}
	if v, n, err := readShortInteger([]byte{0x93}); err != nil || v != 0x13 || n != 1 {
		t.Errorf("readShortInteger = %d %d %v", v, n, err)
	}
	for _, bad := range [][]byte{
		{},
		{0x00},                                   // no octets
		{0x02, 0x01},                             // truncated
		append([]byte{0x09}, make([]byte, 9)...), // wider than 64 bits
		{0x85},                                   // a Short-integer is no Long-integer
	} {
		if _, _, err := readLongInteger(bad); err == nil {
			t.Errorf("readLongInteger(% x) succeeded", bad)
		}
	}
	if _, _, err := readShortInteger([]byte{0x05}); err == nil {
		t.Error("readShortInteger(0x05) succeeded")
	}
}

func TestTextString(t *testing.T) {
	for _, tc := range []struct {
		s    string
		wire string
	}{
		{"", "\x00"},
		{"abc", "abc\x00"},
		{"\xC3\xA9t\xC3\xA9", "\x7F\xC3\xA9t\xC3\xA9\x00"}, // first octet ≥ 128: quoted
		{"\x7Fx", "\x7F\x7Fx\x00"},
		{"\x05x", "\x7F\x05x\x00"},
		{"\"x", "\"x\x00"}, // a Text-string keeps a leading quote
	} {
		got, err := appendTextString(nil, tc.s)
		if err != nil || string(got) != tc.wire {
			t.Errorf("appendTextString(%q) = %q, %v; want %q", tc.s, got, err, tc.wire)
		}
		s, n, err := readTextString([]byte(tc.wire + "zz"))
		if err != nil || s != tc.s || n != len(tc.wire) {
			t.Errorf("readTextString(%q) = %q, %d, %v", tc.wire, s, n, err)
		}
	}
	if _, err := appendTextString(nil, "a\x00b"); err == nil {
		t.Error("text with NUL written")
	}
	if _, _, err := readTextString([]byte("abc")); err == nil {
		t.Error("text without NUL read")
	}
}

func TestTextValue(t *testing.T) {
	for _, tc := range []struct {
		wire, s string
	}{
		{"\x00", ""},                     // No-value
		{"smil\x00", "smil"},             // Token-text
		{"\"<smil>\x00", "<smil>"},       // Quoted-string
		{"\x7F\xC3\xA9\x00", "\xC3\xA9"}, // Text-string with the quote, leniently
	} {
		s, n, err := readTextValue([]byte(tc.wire))
		if err != nil || s != tc.s || n != len(tc.wire) {
			t.Errorf("readTextValue(%q) = %q, %d, %v", tc.wire, s, n, err)
		}
		enc, err := appendTextValue(nil, tc.s)
		if err != nil {
			t.Fatal(err)
		}
		if s2, _, _ := readTextValue(enc); s2 != tc.s {
			t.Errorf("appendTextValue(%q) = %q reads back as %q", tc.s, enc, s2)
		}
	}
	if got, _ := appendQuotedString(nil, "<a>"); string(got) != "\"<a>\x00" {
		t.Errorf("appendQuotedString = %q", got)
	}
	if got, _ := appendTextValue(nil, "\"q"); string(got) != "\"\"q\x00" {
		t.Errorf("appendTextValue of a leading quote = %q", got)
	}
}

func TestTokenText(t *testing.T) {
	if s, n, err := readTokenText([]byte("application/smil\x00\x8A")); err != nil || s != "application/smil" || n != 17 {
		t.Errorf("readTokenText = %q %d %v", s, n, err)
	}
	for _, bad := range []string{"", "\x80x", "\x01x", "a\x00b"} {
		if _, err := appendTokenText(nil, bad); err == nil {
			t.Errorf("appendTokenText(%q) succeeded", bad)
		}
	}
}

func TestEncodedString(t *testing.T) {
	for _, tc := range []struct {
		e    EncodedString
		wire []byte
	}{
		{EncodedString{Text: "+15551234567/TYPE=PLMN"}, []byte("+15551234567/TYPE=PLMN\x00")},
		{EncodedString{Charset: 106, Text: "Hé"}, []byte{0x05, 0xEA, 'H', 0xC3, 0xA9, 0x00}},
		{EncodedString{Charset: 3, Text: ""}, []byte{0x02, 0x83, 0x00}},
		{EncodedString{Charset: 1000, Text: "x"}, []byte{0x05, 0x02, 0x03, 0xE8, 'x', 0x00}},
		{EncodedString{}, []byte{0x00}},
	} {
		got, err := appendEncodedString(nil, tc.e)
		if err != nil || !bytes.Equal(got, tc.wire) {
			t.Errorf("appendEncodedString(%+v) = % x, %v; want % x", tc.e, got, err, tc.wire)
		}
		e, n, err := readEncodedString(tc.wire)
		if err != nil || e != tc.e || n != len(tc.wire) {
			t.Errorf("readEncodedString(% x) = %+v, %d, %v", tc.wire, e, n, err)
		}
	}
	// A long text in the Value-length form takes the Length-quote.
	long := EncodedString{Charset: 106, Text: string(bytes.Repeat([]byte("a"), 40))}
	wire, _ := appendEncodedString(nil, long)
	if wire[0] != lengthQuote || wire[1] != 42 {
		t.Errorf("long encoded string starts % x", wire[:3])
	}
	if e, _, err := readEncodedString(wire); err != nil || e != long {
		t.Errorf("long encoded string read back as %+v, %v", e, err)
	}
	for _, bad := range [][]byte{
		{0x85},                  // a Short-integer
		{0x03, 0xEA, 'a', 'b'},  // no NUL inside the length
		{0x04, 0xEA, 'a', 0, 0}, // octets after the NUL
	} {
		if _, _, err := readEncodedString(bad); err == nil {
			t.Errorf("readEncodedString(% x) succeeded", bad)
		}
	}
}

func TestValueExtent(t *testing.T) {
	for _, tc := range []struct {
		b []byte
		n int
	}{
		{[]byte{0x80, 0x81}, 1},
		{[]byte("ab\x00c"), 3},
		{[]byte{0x02, 1, 2, 3}, 3},
		{append([]byte{0x1F, 0x20}, make([]byte, 32)...), 34},
		{[]byte{0x00, 0x01}, 1},
	} {
		if n, err := valueExtent(tc.b); err != nil || n != tc.n {
			t.Errorf("valueExtent(% x) = %d, %v; want %d", tc.b, n, err, tc.n)
		}
	}
}

func TestContentType(t *testing.T) {
	for _, tc := range []struct {
		name string
		wire []byte
		ct   ContentType
	}{
		{"well-known", []byte{0x9E}, ContentType{MediaType: "image/jpeg"}},
		{"token", []byte("application/smil\x00"), ContentType{MediaType: "application/smil"}},
		{"general", append(append([]byte{0x1B, 0xB3, 0x89}, "application/smil\x00"...), append([]byte{0x8A}, "<smil>\x00"...)...),
			ContentType{MediaType: "application/vnd.wap.multipart.related", Params: []Param{
				{Code: 0x89, Name: "type", Value: Text("application/smil")},
				{Code: 0x8A, Name: "start", Value: Text("<smil>")},
			}}},
		{"charset", []byte{0x03, 0x83, 0x81, 0xEA}, ContentType{MediaType: "text/plain", Params: []Param{
			{Code: 0x81, Name: "charset", Value: Integer(106)},
		}}},
		{"untyped", append([]byte{0x0A}, "text/x\x00a\x00\x85"...), ContentType{MediaType: "text/x", Params: []Param{
			{Name: "a", Value: Integer(5)},
		}}},
	} {
		ct, n, err := readContentType(tc.wire)
		if err != nil || n != len(tc.wire) || !reflect.DeepEqual(ct, tc.ct) {
			t.Errorf("%s: readContentType = %+v, %d, %v", tc.name, ct, n, err)
		}
		got, err := appendContentType(nil, tc.ct)
		if err != nil || !bytes.Equal(got, tc.wire) {
			t.Errorf("%s: appendContentType = % x, %v; want % x", tc.name, got, err, tc.wire)
		}
	}
	// Quoted type and start parameters, as some handsets send them, are accepted.
	wire := append([]byte{0x1D, 0xB3, 0x89, '"'}, "application/smil\x00\x8A\"<smil>\x00"...)
	ct, _, err := readContentType(wire)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := ct.Param("Type"); v != Text("application/smil") {
		t.Errorf("type = %v", v)
	}
	if v, _ := ct.Param("start"); v != Text("<smil>") {
		t.Errorf("start = %v", v)
	}
	if !ct.IsMultipart() {
		t.Error("not multipart")
	}
	if c, ok := MediaTypeCode("application/vnd.wap.multipart.related"); !ok || c != 0x33 {
		t.Errorf("MediaTypeCode = %#x %v", c, ok)
	}
	if _, ok := MediaTypeCode("multipart/related"); ok {
		t.Error("multipart/related has no code")
	}
}

func TestFieldTable(t *testing.T) {
	if FieldName(FieldTransactionID) != "X-Mms-Transaction-Id" || FieldName(0xFF) != "" {
		t.Error("FieldName")
	}
	if c, ok := FieldCode("x-mms-message-type"); !ok || c != FieldMessageType {
		t.Errorf("FieldCode = %#x %v", c, ok)
	}
	for i, f := range fields {
		if i > 0 && f.codec == nil {
			t.Errorf("field %#x has no row", i|0x80)
		}
	}
}
