// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mmsmap

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// validAddresses are inputs ParseAddress accepts, one or more per form of OMA-MMS-ENC §8 and
// of the forms real peers write.
var validAddresses = []struct {
	in   string
	want Address
}{
	// global-phone-number, every written form peers use.
	{"+15550001111/TYPE=PLMN@mms.example.com", Address{TypePLMN, "+15550001111", "PLMN", "mms.example.com", ""}},
	{"15550001111/TYPE=PLMN@mms.example.com", Address{TypePLMN, "15550001111", "PLMN", "mms.example.com", ""}},
	{"+15550001111@mms.example.com", Address{TypePLMN, "+15550001111", "PLMN", "mms.example.com", ""}},
	{"15550001111@mms.example.com", Address{TypePLMN, "15550001111", "PLMN", "mms.example.com", ""}},
	{"+4915112345678/TYPE=PLMN", Address{TypePLMN, "+4915112345678", "PLMN", "", ""}},
	{"4915112345678/TYPE=PLMN", Address{TypePLMN, "4915112345678", "PLMN", "", ""}},
	{"+4915112345678", Address{TypePLMN, "+4915112345678", "PLMN", "", ""}},
	{"5550001111", Address{TypePLMN, "5550001111", "PLMN", "", ""}},
	{"+123", Address{TypePLMN, "+123", "PLMN", "", ""}},
	{"123/TYPE=PLMN", Address{TypePLMN, "123", "PLMN", "", ""}},
	{"+123456789012345", Address{TypePLMN, "+123456789012345", "PLMN", "", ""}},
	{"1234567890123456", Address{TypePLMN, "1234567890123456", "PLMN", "", ""}},
	{"01112345678901234567", Address{TypePLMN, "01112345678901234567", "PLMN", "", ""}},
	// TYPE in any case; domains lower-cased.
	{"+48123456789/type=plmn@MMS.MNC006.MCC260.GPRS", Address{TypePLMN, "+48123456789", "PLMN", "mms.mnc006.mcc260.gprs", ""}},
	{"+48123456789/Type=Plmn@mms.mnc006.mcc260.gprs", Address{TypePLMN, "+48123456789", "PLMN", "mms.mnc006.mcc260.gprs", ""}},
	// written-sep "-" and "." are dropped.
	{"+1-555-000-1111/TYPE=PLMN@mms.example.com", Address{TypePLMN, "+15550001111", "PLMN", "mms.example.com", ""}},
	{"+1.555.000.1111@mms.example.com", Address{TypePLMN, "+15550001111", "PLMN", "mms.example.com", ""}},
	{"555-000-1111", Address{TypePLMN, "5550001111", "PLMN", "", ""}},
	// Short codes.
	{"12345", Address{TypeShortCode, "12345", "", "", ""}},
	{"12345@mms.example.com", Address{TypeShortCode, "12345", "", "mms.example.com", ""}},
	{"123-456", Address{TypeShortCode, "123456", "", "", ""}},
	{"*123", Address{TypeShortCode, "*123", "", "", ""}},
	{"#123@mms.example.com", Address{TypeShortCode, "#123", "", "mms.example.com", ""}},
	{"*31#5550001111", Address{TypeShortCode, "*31#5550001111", "", "", ""}},
	// IPv4 and IPv6.
	{"192.0.2.1/TYPE=IPv4@mms.example.com", Address{TypeIPv4, "192.0.2.1", "IPv4", "mms.example.com", ""}},
	{"192.0.2.1/type=ipv4", Address{TypeIPv4, "192.0.2.1", "IPv4", "", ""}},
	{"010.000.002.001/TYPE=IPv4", Address{TypeIPv4, "010.000.002.001", "IPv4", "", ""}},
	{"2001:0db8:0000:0000:0000:0000:0000:0001/TYPE=IPv6", Address{TypeIPv6, "2001:0db8:0000:0000:0000:0000:0000:0001", "IPv6", "", ""}},
	{"2001:db8::1/TYPE=IPv6", Address{TypeIPv6, "2001:db8::1", "IPv6", "", ""}},
	{"2001:DB8::1/TYPE=IPV6@mms.example.com", Address{TypeIPv6, "2001:DB8::1", "IPv6", "mms.example.com", ""}},
	{`"2001:db8::1/TYPE=IPv6"@mms.example.com`, Address{TypeIPv6, "2001:db8::1", "IPv6", "mms.example.com", ""}},
	{"::1/TYPE=IPv6", Address{TypeIPv6, "::1", "IPv6", "", ""}},
	// Other address types: escaped-value "/TYPE=" address-type.
	{"x%2Fy/TYPE=FOO", Address{TypeOther, "x%2Fy", "FOO", "", ""}},
	{"abc_1.+-/TYPE=my_Type2@mms.example.com", Address{TypeOther, "abc_1.+-", "my_Type2", "mms.example.com", ""}},
	{"%E2%82%AC/TYPE=X", Address{TypeOther, "%E2%82%AC", "X", "", ""}},
	// RFC 5322 mailboxes.
	{"alice@example.com", Address{TypeEmail, "alice", "", "example.com", ""}},
	{"Alice.Smith+tag@Example.COM", Address{TypeEmail, "Alice.Smith+tag", "", "example.com", ""}},
	{"#@example.com", Address{TypeEmail, "#", "", "example.com", ""}},
	{"1+2@example.com", Address{TypeEmail, "1+2", "", "example.com", ""}},
	{`"john doe"@example.com`, Address{TypeEmail, "john doe", "", "example.com", ""}},
	{`"john"@example.com`, Address{TypeEmail, "john", "", "example.com", ""}},
	{`"a\"b\\c"@example.com`, Address{TypeEmail, `a"b\c`, "", "example.com", ""}},
	{`"a@b"@example.com`, Address{TypeEmail, "a@b", "", "example.com", ""}},
	{"user@192.0.2.1", Address{TypeEmail, "user", "", "192.0.2.1", ""}},
	// Display-name forms and whitespace.
	{`"Alice" <+15550001111/TYPE=PLMN@mms.example.com>`, Address{TypePLMN, "+15550001111", "PLMN", "mms.example.com", "Alice"}},
	{`Alice Smith <alice@example.com>`, Address{TypeEmail, "alice", "", "example.com", "Alice Smith"}},
	{`<+15550001111@mms.example.com>`, Address{TypePLMN, "+15550001111", "PLMN", "mms.example.com", ""}},
	{`<12345>`, Address{TypeShortCode, "12345", "", "", ""}},
	{`< +15550001111 >`, Address{TypePLMN, "+15550001111", "PLMN", "", ""}},
	{`"Smith, John" <a@example.com>`, Address{TypeEmail, "a", "", "example.com", "Smith, John"}},
	{`"a \"quoted\" name" <a@example.com>`, Address{TypeEmail, "a", "", "example.com", `a "quoted" name`}},
	{`"Name <with> angles" <a@example.com>`, Address{TypeEmail, "a", "", "example.com", "Name <with> angles"}},
	{`John "Q." Public <a@example.com>`, Address{TypeEmail, "a", "", "example.com", "John Q. Public"}},
	{"Jörg   Müller\t<+4915112345678@mms.example.com>", Address{TypePLMN, "+4915112345678", "PLMN", "mms.example.com", "Jörg Müller"}},
	{`<"2001:db8::1/TYPE=IPv6"@mms.example.com>`, Address{TypeIPv6, "2001:db8::1", "IPv6", "mms.example.com", ""}},
	{"  +15550001111@mms.example.com\t ", Address{TypePLMN, "+15550001111", "PLMN", "mms.example.com", ""}},
	// RFC 2047 display names.
	{`=?UTF-8?Q?J=C3=B6rg?= <+4915112345678@mms.example.com>`, Address{TypePLMN, "+4915112345678", "PLMN", "mms.example.com", "Jörg"}},
	{`=?utf-8?b?SsO2cmc=?= =?utf-8?q?_M=C3=BCller?= <a@example.com>`, Address{TypeEmail, "a", "", "example.com", "Jörg Müller"}},
	{`=?ISO-8859-1?Q?J=F6rg?= Smith <a@example.com>`, Address{TypeEmail, "a", "", "example.com", "Jörg Smith"}},
	{`"=?UTF-8?Q?J=C3=B6rg?=" <a@example.com>`, Address{TypeEmail, "a", "", "example.com", "Jörg"}},
	{`=?x-unknown?q?abc?= <a@example.com>`, Address{TypeEmail, "a", "", "example.com", "=?x-unknown?q?abc?="}},
	{`=?utf-8?q?a=0D=0ARCPT_TO:x?= <a@example.com>`, Address{TypeEmail, "a", "", "example.com", "=?utf-8?q?a=0D=0ARCPT_TO:x?="}},
	{`=?utf-8?q?=FF?= <a@example.com>`, Address{TypeEmail, "a", "", "example.com", "=?utf-8?q?=FF?="}},
}

func TestParseAddress(t *testing.T) {
	for _, tc := range validAddresses {
		got, err := ParseAddress(tc.in)
		if err != nil {
			t.Errorf("ParseAddress(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseAddress(%q)\n got %#v\nwant %#v", tc.in, got, tc.want)
		}
	}
}

// TestAddressRoundTrip checks ParseAddress(a.String()) == a (the display name is not
// part of String).
func TestAddressRoundTrip(t *testing.T) {
	for _, tc := range validAddresses {
		a, err := ParseAddress(tc.in)
		if err != nil {
			continue // reported by TestParseAddress
		}
		a.DisplayName = ""
		b, err := ParseAddress(a.String())
		if err != nil {
			t.Errorf("ParseAddress(%q) (String of %q): %v", a.String(), tc.in, err)
			continue
		}
		if b != a {
			t.Errorf("round trip of %q via %q\n got %#v\nwant %#v", tc.in, a.String(), b, a)
		}
		if d, err := ParseAddress(a.DeviceAddress()); err != nil || d.Type != a.Type || d.Value != a.Value {
			t.Errorf("ParseAddress(DeviceAddress %q) = %#v, %v; want type %v value %q", a.DeviceAddress(), d, err, a.Type, a.Value)
		}
	}
}

func TestParseAddressErrors(t *testing.T) {
	long := strings.Repeat("1", 1<<20)
	tests := []struct{ in, reason string }{
		{"", "empty address"},
		{" \t ", "empty address"},
		{"<>", "empty address"},
		// Injection and control characters.
		{"+1555\r\nRCPT TO:<x@example.com>", "CR at byte 5"},
		{"+1555\nRCPT TO:x", "LF at byte 5"},
		{"+1555\x00@example.com", "NUL at byte 5"},
		{"+1555\x07@example.com", "control character U+0007"},
		{"+1555\x7f@example.com", "control character U+007F"},
		{"Name\u0085 <a@example.com>", "control character U+0085"},
		{"\"Name\r\n\" <a@example.com>", "CR"},
		// Length and encoding.
		{long, "longer than 1024 bytes"},
		{strings.Repeat("a", MaxAddressLength+1), "longer than 1024 bytes"},
		{"\xff@example.com", "invalid UTF-8 at byte 0"},
		{"a@exa\xc3mple.com", "invalid UTF-8"},
		{"Jörg@example.com", "local part: non-ASCII"},
		{`"Jörg"@example.com`, "local part: non-ASCII"},
		{"a@exämple.com", "domain: non-ASCII"},
		{strings.Repeat("a", 250) + "@example.com", "SMTP path limit"},
		// Malformed numbers.
		{"+", "number without digits"},
		{"+@mms.example.com", "number without digits"},
		{"+/TYPE=PLMN", "number without digits"},
		{"++1", "'+' allowed only at the start"},
		{"++15550001111@mms.example.com", "'+' allowed only at the start"},
		{"+1555abc/TYPE=PLMN", `character 'a' in a phone number`},
		{"alice/TYPE=PLMN@example.com", `character 'a' in a phone number`},
		{"+1 555/TYPE=PLMN", `character ' '`},
		{"+1234567890123456", "more than 15 digits"},
		{"+1234567890123456/TYPE=PLMN@mms.example.com", "more than 15 digits"},
		{"123456789012345678901", "more than 20 digits"},
		// IPv4, IPv6.
		{"999.0.0.1/TYPE=IPv4", "IPv4 part above 255"},
		{"1.2.3/TYPE=IPv4", "not a dotted-quad"},
		{"1.2.3.4.5/TYPE=IPv4", "not a dotted-quad"},
		{"1..3.4/TYPE=IPv4", "not a dotted-quad"},
		{"1.2.3.1234/TYPE=IPv4", "not a dotted-quad"},
		{"2001:db8::1/TYPE=IPv4", "not a dotted-quad"},
		{"192.0.2.1/TYPE=IPv6", "not an IPv6 address"},
		{"2001:db8::g/TYPE=IPv6", "not an IPv6 address"},
		{"fe80::1%eth0/TYPE=IPv6", "not an IPv6 address"},
		{"1:2:3:4:5:6:7:8:9/TYPE=IPv6", "not an IPv6 address"},
		// TYPE tokens and escaped values.
		{"/TYPE=", "empty TYPE"},
		{"+15550001111/TYPE=", "empty TYPE"},
		{"+15550001111/TYPE=@mms.example.com", "empty TYPE"},
		{"/TYPE=PLMN", "empty value before /TYPE="},
		{"/TYPE=FOO", "empty value before /TYPE="},
		{"x/TYPE=FO-O", "TYPE: character '-'"},
		{"x/TYPE=FO O@example.com", "TYPE: character ' '"},
		{"x/y/TYPE=FOO", "unsafe character '/' must be written as %2F"},
		{"x:y/TYPE=FOO", "unsafe character ':' must be written as %3A"},
		{"x%2/TYPE=FOO", "'%' not followed by two hex digits"},
		{"x%zz/TYPE=FOO", "'%' not followed by two hex digits"},
		{"x%/TYPE=FOO", "'%' not followed by two hex digits"},
		// Local parts and domains.
		{"@", "empty local part"},
		{"@example.com", "empty local part"},
		{`""@example.com`, "empty local part"},
		{"alice", "no domain for an e-mail address"},
		{"ACME", "no domain for an e-mail address"},
		{`"alice"`, "no domain for an e-mail address"},
		{"alice@", "domain: empty"},
		{"+15550001111@", "domain: empty"},
		{"alice@example..com", "domain: empty label"},
		{"alice@.example.com", "domain: empty label"},
		{"alice@example.com.", "domain: empty label"},
		{"alice@exa mple.com", "domain: character ' '"},
		{"alice@-example.com", "domain: label starts or ends with '-'"},
		{"alice@[192.0.2.1]", "domain: character '['"},
		{"alice@ex_ample.com", "domain: character '_'"},
		{"alice@" + strings.Repeat("a", 64) + ".com", "domain: label longer than 63 bytes"},
		{"alice@" + strings.Repeat("a.", 128) + "com", "domain: longer than 255 bytes"},
		{"al ice@example.com", "local part: character ' '"},
		{"a:b@example.com", "local part: character ':'"},
		{"a@b@example.com", "local part: character '@'"},
		{"a,b@example.com", "local part: character ','"},
		{"<a@example.com>>", "domain: character '>'"},
		{`"a"b@example.com`, "text after the quoted local part"},
		{`"a`, "unterminated quoted-string"},
		{`"a\"@example.com`, "unterminated quoted-string"},
		{"\"a\tb\"@example.com", "tab in quoted-string"},
		// Display names.
		{"Name a@example.com>", "'>' without '<'"},
		{`"Name <a@example.com>`, "display name: unterminated quoted-string"},
		{"Name <a@example.com", "local part: character ' '"},
		{"Name <a@example.com> trailing", "domain: character '>'"},
		{"(comment) a@example.com", "local part: character '('"},
	}
	for _, tc := range tests {
		a, err := ParseAddress(tc.in)
		if err == nil {
			t.Errorf("ParseAddress(%.80q) = %#v, want error %q", tc.in, a, tc.reason)
			continue
		}
		var ae *AddressError
		if !errors.As(err, &ae) {
			t.Errorf("ParseAddress(%.80q): error %T, want *AddressError", tc.in, err)
			continue
		}
		if !strings.Contains(ae.Reason, tc.reason) {
			t.Errorf("ParseAddress(%.80q): reason %q, want it to contain %q", tc.in, ae.Reason, tc.reason)
		}
		if ae.Input != tc.in {
			t.Errorf("ParseAddress(%.80q): Input %.80q", tc.in, ae.Input)
		}
		if a != (Address{}) {
			t.Errorf("ParseAddress(%.80q): non-zero Address %#v with an error", tc.in, a)
		}
	}
}

// TestParseAddressBounded checks that over-long input is rejected before any work:
// a 1 MB address costs no more than the error itself.
func TestParseAddressBounded(t *testing.T) {
	huge := "+" + strings.Repeat("1", 1<<20) + "/TYPE=PLMN@mms.example.com"
	allocs := testing.AllocsPerRun(10, func() {
		if _, err := ParseAddress(huge); err == nil {
			t.Fatal("1 MB address accepted")
		}
	})
	if allocs > 3 {
		t.Errorf("rejecting a 1 MB address made %v allocations, want at most 3", allocs)
	}
}

func TestAddressDeviceAddressAndString(t *testing.T) {
	tests := []struct {
		a              Address
		device, string string
	}{
		{Address{TypePLMN, "+15550001111", "PLMN", "", ""}, "+15550001111/TYPE=PLMN", "+15550001111/TYPE=PLMN"},
		{Address{TypePLMN, "+15550001111", "PLMN", "mms.example.com", "Alice"}, "+15550001111/TYPE=PLMN", "+15550001111/TYPE=PLMN@mms.example.com"},
		{Address{TypePLMN, "5550001111", "", "mms.example.com", ""}, "5550001111/TYPE=PLMN", "5550001111/TYPE=PLMN@mms.example.com"},
		{Address{TypeShortCode, "12345", "", "", ""}, "12345", "12345"},
		{Address{TypeShortCode, "12345", "", "mms.example.com", ""}, "12345", "12345@mms.example.com"},
		{Address{TypeShortCode, "*123", "", "mms.example.com", ""}, "*123", "*123@mms.example.com"},
		{Address{TypeIPv4, "192.0.2.1", "IPv4", "", ""}, "192.0.2.1/TYPE=IPv4", "192.0.2.1/TYPE=IPv4"},
		{Address{TypeIPv4, "192.0.2.1", "IPv4", "mms.example.com", ""}, "192.0.2.1/TYPE=IPv4", "192.0.2.1/TYPE=IPv4@mms.example.com"},
		{Address{TypeIPv6, "2001:db8::1", "IPv6", "", ""}, "2001:db8::1/TYPE=IPv6", "2001:db8::1/TYPE=IPv6"},
		{Address{TypeIPv6, "2001:db8::1", "IPv6", "mms.example.com", ""}, "2001:db8::1/TYPE=IPv6", `"2001:db8::1/TYPE=IPv6"@mms.example.com`},
		{Address{TypeOther, "x%2Fy", "FOO", "", ""}, "x%2Fy/TYPE=FOO", "x%2Fy/TYPE=FOO"},
		{Address{TypeOther, "x%2Fy", "FOO", "mms.example.com", ""}, "x%2Fy/TYPE=FOO", "x%2Fy/TYPE=FOO@mms.example.com"},
		{Address{TypeEmail, "alice", "", "example.com", "Alice"}, "alice@example.com", "alice@example.com"},
		{Address{TypeEmail, "john doe", "", "example.com", ""}, `"john doe"@example.com`, `"john doe"@example.com`},
		{Address{TypeEmail, `a"b\c`, "", "example.com", ""}, `"a\"b\\c"@example.com`, `"a\"b\\c"@example.com`},
		{Address{TypeEmail, "alice", "", "", ""}, "alice", "alice"},
		{Address{}, "", ""},
	}
	for _, tc := range tests {
		if got := tc.a.DeviceAddress(); got != tc.device {
			t.Errorf("%#v.DeviceAddress() = %q, want %q", tc.a, got, tc.device)
		}
		if got := tc.a.String(); got != tc.string {
			t.Errorf("%#v.String() = %q, want %q", tc.a, got, tc.string)
		}
	}
}

func TestAddressTypeString(t *testing.T) {
	tests := []struct {
		t    AddressType
		want string
	}{
		{TypePLMN, "PLMN"},
		{TypeShortCode, "short code"},
		{TypeIPv4, "IPv4"},
		{TypeIPv6, "IPv6"},
		{TypeOther, "other"},
		{TypeEmail, "email"},
		{0, "AddressType(0)"},
		{99, "AddressType(99)"},
		{-1, "AddressType(-1)"},
	}
	for _, tc := range tests {
		if got := tc.t.String(); got != tc.want {
			t.Errorf("AddressType(%d).String() = %q, want %q", int(tc.t), got, tc.want)
		}
	}
}

func TestAddressIsNumber(t *testing.T) {
	for typ, want := range map[AddressType]bool{
		TypePLMN: true, TypeShortCode: true,
		TypeIPv4: false, TypeIPv6: false, TypeOther: false, TypeEmail: false, 0: false,
	} {
		if got := (Address{Type: typ}).IsNumber(); got != want {
			t.Errorf("Address{Type: %v}.IsNumber() = %v, want %v", typ, got, want)
		}
	}
}

func TestAddressError(t *testing.T) {
	tests := []struct {
		err  AddressError
		want string
	}{
		{AddressError{"x", "empty"}, `mmsmap: bad MMS address "x": empty`},
		{AddressError{"+1555\r\n", "CR at byte 5"}, `mmsmap: bad MMS address "+1555\r\n": CR at byte 5`},
		{AddressError{strings.Repeat("a", 100), "r"}, fmt.Sprintf("mmsmap: bad MMS address %q: r", strings.Repeat("a", 64))},
		{AddressError{"\xff\xfe", "invalid UTF-8 at byte 0"}, `mmsmap: bad MMS address "\xff\xfe": invalid UTF-8 at byte 0`},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestParseAddressList(t *testing.T) {
	plmn := func(v, domain, name string) Address { return Address{TypePLMN, v, "PLMN", domain, name} }
	email := func(v, domain, name string) Address { return Address{TypeEmail, v, "", domain, name} }
	tests := []struct {
		in   string
		want []Address
	}{
		{"", nil},
		{"  ", nil},
		{" , ,, ", nil},
		{"+15550001111/TYPE=PLMN@mms.example.com", []Address{plmn("+15550001111", "mms.example.com", "")}},
		{"a@example.com, +15550001111/TYPE=PLMN", []Address{email("a", "example.com", ""), plmn("+15550001111", "", "")}},
		{"a@example.com,,  ,b@example.com,", []Address{email("a", "example.com", ""), email("b", "example.com", "")}},
		{"a@example.com; b@example.com", []Address{email("a", "example.com", ""), email("b", "example.com", "")}},
		{`"Smith, John" <a@example.com>, "Doe; Jane" <b@example.com>`,
			[]Address{email("a", "example.com", "Smith, John"), email("b", "example.com", "Doe; Jane")}},
		{`"a,b"@example.com, <"c,d"@example.com>`, []Address{email("a,b", "example.com", ""), email("c,d", "example.com", "")}},
		{`=?UTF-8?Q?M=C3=BCller=2C_J?= <+4915112345678@mms.example.com>`,
			[]Address{plmn("+4915112345678", "mms.example.com", "Müller, J")}},
		// Groups are flattened.
		{"undisclosed-recipients:;", nil},
		{"Friends: a@example.com, b@example.com;, c@example.com",
			[]Address{email("a", "example.com", ""), email("b", "example.com", ""), email("c", "example.com", "")}},
		{`"My: Group": <a@example.com>;`, []Address{email("a", "example.com", "")}},
		// An unquoted IPv6 device address is not a group.
		{"2001:db8::1/TYPE=IPv6@mms.example.com, a@example.com",
			[]Address{{TypeIPv6, "2001:db8::1", "IPv6", "mms.example.com", ""}, email("a", "example.com", "")}},
		{`"2001:db8::1/TYPE=IPv6"@mms.example.com`, []Address{{TypeIPv6, "2001:db8::1", "IPv6", "mms.example.com", ""}}},
		// Folding is removed.
		{"a@example.com,\r\n b@example.com,\r\n\t+15550001111", []Address{email("a", "example.com", ""), email("b", "example.com", ""), plmn("+15550001111", "", "")}},
		{"\"Long\r\n Name\" <a@example.com>", []Address{email("a", "example.com", "Long Name")}},
	}
	for _, tc := range tests {
		got, err := ParseAddressList(tc.in)
		if err != nil {
			t.Errorf("ParseAddressList(%q): %v", tc.in, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("ParseAddressList(%q) = %#v, want %#v", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("ParseAddressList(%q)[%d] = %#v, want %#v", tc.in, i, got[i], tc.want[i])
			}
		}
	}
}

func TestParseAddressListErrors(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"a@example.com, bogus", "no domain for an e-mail address"},
		{"a@example.com,\r\nRCPT TO:<x@example.com>", "CR at byte 14"},
		{"a@example.com, RCPT\r\nTO:<x@example.com>", "CR at byte 19"},
		{"Group\x00: a@example.com;", "NUL at byte 5"},
		{"a@example.com\nb@example.com", "LF"},
		{"a@example.com, \x00", "NUL"},
		{"a@example.com, " + strings.Repeat("1", MaxAddressLength+1), "longer than 1024 bytes"},
		{`"unterminated, a@example.com`, "unterminated quoted-string"},
		{"a@example.com, <b@example.com", "local part: character '<'"},
		{"\xff", "invalid UTF-8"},
	}
	for _, tc := range tests {
		got, err := ParseAddressList(tc.in)
		var ae *AddressError
		if !errors.As(err, &ae) {
			t.Errorf("ParseAddressList(%.80q) = %v, %v; want *AddressError", tc.in, got, err)
			continue
		}
		if !strings.Contains(ae.Reason, tc.reason) {
			t.Errorf("ParseAddressList(%.80q): reason %q, want it to contain %q", tc.in, ae.Reason, tc.reason)
		}
		if got != nil {
			t.Errorf("ParseAddressList(%.80q): addresses %v with an error", tc.in, got)
		}
	}
}

// TestParseAddressListLimit checks the MaxListLength bound: 10,000 recipients are
// fine, 10,001 are an error.
func TestParseAddressListLimit(t *testing.T) {
	list := func(n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "+1555%07d/TYPE=PLMN@mms.example.com", i)
		}
		return b.String()
	}
	got, err := ParseAddressList(list(MaxListLength))
	if err != nil || len(got) != MaxListLength {
		t.Fatalf("ParseAddressList of %d addresses: %d addresses, %v", MaxListLength, len(got), err)
	}
	if want := (Address{TypePLMN, "+15550009999", "PLMN", "mms.example.com", ""}); got[9999] != want {
		t.Errorf("last address %#v, want %#v", got[9999], want)
	}
	got, err = ParseAddressList(list(MaxListLength + 1))
	var ae *AddressError
	if !errors.As(err, &ae) || !strings.Contains(ae.Reason, "more than 10000 addresses") {
		t.Errorf("ParseAddressList of %d addresses: %d addresses, %v; want a too-many error", MaxListLength+1, len(got), err)
	}
	// Many empty groups, with no separator for a look-ahead to stop at: linear work.
	if got, err := ParseAddressList(strings.Repeat("g:;", 1<<20)); err != nil || len(got) != 0 {
		t.Errorf("ParseAddressList of 2^20 empty groups: %d addresses, %v", len(got), err)
	}
	if got, err := ParseAddressList(strings.Repeat("g:a@b.c;", 10000)); err != nil || len(got) != 10000 {
		t.Errorf("ParseAddressList of 10000 groups: %d addresses, %v", len(got), err)
	}
	huge := strings.Repeat("a", MaxListLength*(MaxAddressLength+2)+1)
	if _, err := ParseAddressList(huge); err == nil || !strings.Contains(err.Error(), "address list longer than") {
		t.Errorf("ParseAddressList of %d bytes: %v, want a too-long error", len(huge), err)
	}
}

// FuzzParseAddress checks that ParseAddress never panics, that whatever it accepts
// prints without CR, LF or NUL, that String() parses back to the same Address and that the
// mailbox form with the display name (lex.FormatMailbox, as the MM3 mapping writes From) parses
// back to the same Address, display name included. It also reads the input as an address list:
// ParseAddressList never panics, fails only with an *AddressError, and the list written back as
// mailboxes joined by ", " reads back as the same list.
func FuzzParseAddress(f *testing.F) {
	for _, tc := range validAddresses {
		f.Add(tc.in)
	}
	nanp := NumberPlan{CountryCode: "1", InternationalPrefixes: []string{"011"}, NationalPrefixes: []string{"1"}, NationalLengths: []int{10}}
	f.Add(`Friends: "Doe, Jane" <+15550001111@mms.example.com>, =?UTF-8?Q?J=C3=BCrgen?= <j@example.org>;, *123@x`)
	f.Add("a@b,\r\n c@d; \"x, y\" <2001:db8::1/TYPE=IPv6@mms.example.com>")
	f.Fuzz(func(t *testing.T, s string) {
		fuzzList(t, s)
		a, err := ParseAddress(s)
		if err != nil {
			var ae *AddressError
			if !errors.As(err, &ae) {
				t.Fatalf("error %T, want *AddressError", err)
			}
			if a != (Address{}) {
				t.Fatalf("non-zero Address %#v with an error", a)
			}
			return
		}
		outputs := []string{a.String(), a.DeviceAddress(), a.Value, a.TypeName, a.Domain, a.DisplayName}
		for form := FormPLMN; form <= FormE164NoPlus; form++ {
			outputs = append(outputs, a.Format(form, "mms.example.com"), a.Format(form, ""))
		}
		for _, out := range outputs {
			if strings.ContainsAny(out, "\r\n\x00") {
				t.Fatalf("output %q of %#v contains CR, LF or NUL", out, a)
			}
		}
		if len(a.String()) > maxPathLength {
			t.Fatalf("String() %q longer than %d bytes", a.String(), maxPathLength)
		}

		if a.DisplayName != "" {
			if mb := lex.FormatMailbox(a.DisplayName, a.String()); len(mb) <= MaxAddressLength {
				b, err := ParseAddress(mb)
				if err != nil || b != a {
					t.Fatalf("mailbox %q of %#v parses to %#v, %v", mb, a, b, err)
				}
			}
		}

		a.DisplayName = ""
		b, err := ParseAddress(a.String())
		if err != nil {
			t.Fatalf("String() %q of %#v does not parse: %v", a.String(), a, err)
		}
		if b != a {
			t.Fatalf("String() %q parses to %#v, want %#v", a.String(), b, a)
		}

		if n, err := nanp.NormalizeAddress(a); err == nil && n.IsNumber() && len(n.String()) <= maxPathLength {
			m, err := ParseAddress(n.String())
			if err != nil || m != n {
				t.Fatalf("normalised %#v: String() %q parses to %#v, %v", n, n.String(), m, err)
			}
		}
	})
}

// fuzzList is the address-list part of FuzzParseAddress.
func fuzzList(t *testing.T, s string) {
	list, err := ParseAddressList(s)
	if err != nil {
		var ae *AddressError
		if !errors.As(err, &ae) || list != nil {
			t.Fatalf("ParseAddressList(%q) = %d addresses, error %v (%T), want none and an *AddressError", s, len(list), err, err)
		}
		return
	}
	if len(list) > MaxListLength {
		t.Fatalf("%d addresses", len(list))
	}
	parts := make([]string, len(list))
	for i, a := range list {
		parts[i] = lex.FormatMailbox(a.DisplayName, a.String())
		if len(parts[i]) > MaxAddressLength {
			return // a display name that grows past the limit once encoded
		}
	}
	joined := strings.Join(parts, ", ")
	again, err := ParseAddressList(joined)
	if err != nil || len(again) != len(list) {
		t.Fatalf("%q: list %#v written as %q reads back as %#v, %v", s, list, joined, again, err)
	}
	for i := range list {
		if again[i] != list[i] {
			t.Fatalf("%q: list %#v written as %q reads back as %#v", s, list, joined, again)
		}
	}
}
