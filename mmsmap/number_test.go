// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mmsmap

import (
	"errors"
	"strings"
	"testing"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// Number plans used by the tests.
var (
	// planNANP is the North American Numbering Plan as a US MMSC dials it.
	planNANP = NumberPlan{
		CountryCode:           "1",
		InternationalPrefixes: []string{"011"},
		NationalPrefixes:      []string{"1"},
		NationalLengths:       []int{10},
	}
	// planUSHub also takes the bare international numbers US hubs send.
	planUSHub = NumberPlan{
		CountryCode:       "1",
		NationalPrefixes:  []string{"1"},
		NationalLengths:   []int{10},
		BareInternational: true,
	}
	// planDE is Germany: variable-length national numbers, trunk prefix "0".
	planDE = NumberPlan{
		CountryCode:           "49",
		InternationalPrefixes: []string{"00"},
		NationalPrefixes:      []string{"0"},
		ShortCodeMaxLength:    5,
	}
	// planAU has two international prefixes, one a prefix of the other.
	planAU = NumberPlan{
		CountryCode:           "61",
		InternationalPrefixes: []string{"00", "0011"},
		NationalPrefixes:      []string{"0"},
		NationalLengths:       []int{9},
	}
	// planStrip removes the caller-ID prefixes "*31#" and "*31" first.
	planStrip = NumberPlan{
		CountryCode:      "1",
		NationalPrefixes: []string{"1"},
		NationalLengths:  []int{10},
		StripPrefixes:    []string{"*31", "", "*31#"},
	}
	planZero = NumberPlan{}
)

var normalizeTests = []struct {
	name   string
	plan   NumberPlan
	in     string
	want   string
	typ    AddressType
	reason string // non-empty: an error is expected
}{
	// Rule 3: "+" numbers.
	{"plus", planNANP, "+15550001111", "+15550001111", TypePLMN, ""},
	{"plus separators", planNANP, "+1 (555) 000-1111", "+15550001111", TypePLMN, ""},
	{"plus dots", planNANP, "+1.555.000.1111", "+15550001111", TypePLMN, ""},
	{"plus any plan", planZero, "+4915112345678", "+4915112345678", TypePLMN, ""},
	{"plus 15 digits", planZero, "+123456789012345", "+123456789012345", TypePLMN, ""},
	{"plus 16 digits", planZero, "+1234567890123456", "", 0, "more than 15 digits (E.164)"},
	{"plus zero", planNANP, "+0123", "", 0, "E.164 number starting with 0"},
	{"plus alone", planNANP, "+", "", 0, "no digits after '+'"},
	{"plus plus", planNANP, "++1", "", 0, "character '+' in an E.164 number"},
	// Rule 4: "*" and "#" codes.
	{"star code", planNANP, "*123", "*123", TypeShortCode, ""},
	{"hash code", planNANP, "#123#", "#123#", TypeShortCode, ""},
	{"star alone", planNANP, "*", "", 0, "'*' allowed only at the start"},
	// Rule 5: international prefixes.
	{"international", planNANP, "011 44 20 7946 0000", "+442079460000", TypePLMN, ""},
	{"international empty", planNANP, "011", "", 0, "after international prefix 011: no digits after '+'"},
	{"international zero", planNANP, "0110123", "", 0, "E.164 number starting with 0"},
	{"longest international prefix", planAU, "0011 44 20 7946 0000", "+442079460000", TypePLMN, ""},
	{"shorter international prefix", planAU, "00 44 20 7946 0000", "+442079460000", TypePLMN, ""},
	{"international DE", planDE, "0049 151 12345678", "+4915112345678", TypePLMN, ""},
	// Rule 6: short codes by length.
	{"short code", planNANP, "12345", "12345", TypeShortCode, ""},
	{"short code 6", planNANP, "123456", "123456", TypeShortCode, ""},
	{"emergency", planNANP, "911", "911", TypeShortCode, ""},
	{"short code DE", planDE, "22222", "22222", TypeShortCode, ""},
	{"short code zero plan", planZero, "110", "110", TypeShortCode, ""},
	// Rule 7: national (trunk) prefixes.
	{"national", planNANP, "15550001111", "+15550001111", TypePLMN, ""},
	{"national separators", planNANP, "1-555-000-1111", "+15550001111", TypePLMN, ""},
	{"national DE", planDE, "0151 12345678", "+4915112345678", TypePLMN, ""},
	{"national AU", planAU, "0412 345 678", "+61412345678", TypePLMN, ""},
	// Rule 8: national significant numbers by length.
	{"national length", planNANP, "5550001111", "+15550001111", TypePLMN, ""},
	{"national length dots", planNANP, "555.000.1111", "+15550001111", TypePLMN, ""},
	{"national length AU", planAU, "412345678", "+61412345678", TypePLMN, ""},
	// Rule 9: bare international numbers.
	{"bare international", planUSHub, "447700900123", "+447700900123", TypePLMN, ""},
	{"US hub national", planUSHub, "15550001111", "+15550001111", TypePLMN, ""},
	{"bare international zero", planUSHub, "0447700900123", "", 0, "no rule of the number plan matches"},
	{"bare international 16", planUSHub, "4477009001234567", "", 0, "no rule of the number plan matches"},
	// Rule 2: strip prefixes, the longest first.
	{"strip", planStrip, "*31#5550001111", "+15550001111", TypePLMN, ""},
	{"strip then national", planStrip, "*31#1-555-000-1111", "+15550001111", TypePLMN, ""},
	{"strip shorter", planStrip, "*315550001111", "+15550001111", TypePLMN, ""},
	{"strip everything", planStrip, "*31#", "", 0, "nothing left after the strip prefix"},
	// Rule 10 and input errors.
	{"no rule", planNANP, "555000111", "", 0, "no rule of the number plan matches"},
	{"no rule zero plan", planZero, "5550001111", "", 0, "no rule of the number plan matches"},
	{"national wrong length", planNANP, "155500011", "", 0, "no rule of the number plan matches"},
	{"DE too long for short", planDE, "222222", "", 0, "no rule of the number plan matches"},
	{"empty", planNANP, "", "", 0, "empty number"},
	{"separators only", planNANP, " -.() ", "", 0, "empty number"},
	{"letters", planNANP, "555-CALL-NOW", "", 0, "character 'C' in a phone number"},
	{"slash", planDE, "030/1234567", "", 0, "character '/' in a phone number"},
	{"type suffix", planNANP, "+15550001111/TYPE=PLMN", "", 0, "character '/'"},
	{"inner plus", planNANP, "1+5550001111", "", 0, "'+' allowed only at the start"},
	{"inner star", planNANP, "555*1", "", 0, "'*' allowed only at the start"},
	{"CRLF", planNANP, "+1555\r\nRCPT TO:x", "", 0, `character '\r'`},
	{"NUL", planNANP, "+1555\x00", "", 0, `character '\x00'`},
	{"non-UTF-8", planNANP, "+1555\xff", "", 0, "character 0xFF in a phone number"},
	{"fullwidth digit", planNANP, "+1555\uff10", "", 0, "character 0xEF in a phone number"},
	{"too long", planNANP, "+1" + strings.Repeat(" ", 63), "", 0, "number longer than 64 bytes"},
	{"huge", planNANP, strings.Repeat("1", 1<<20), "", 0, "number longer than 64 bytes"},
	{"bad country code", NumberPlan{CountryCode: "01", NationalLengths: []int{10}}, "5550001111", "", 0, `number plan: bad CountryCode "01"`},
	{"long country code", NumberPlan{CountryCode: "1234", NationalLengths: []int{10}}, "5550001111", "", 0, `bad CountryCode "1234"`},
}

func TestNormalize(t *testing.T) {
	for _, tc := range normalizeTests {
		got, typ, err := tc.plan.Normalize(tc.in)
		if tc.reason != "" {
			var ae *AddressError
			if !errors.As(err, &ae) {
				t.Errorf("%s: Normalize(%.80q) = %q, %v, %v; want *AddressError %q", tc.name, tc.in, got, typ, err, tc.reason)
				continue
			}
			if !strings.Contains(ae.Reason, tc.reason) || ae.Input != tc.in {
				t.Errorf("%s: Normalize(%.80q): %#v, want reason %q", tc.name, tc.in, ae, tc.reason)
			}
			if got != "" || typ != 0 {
				t.Errorf("%s: Normalize(%.80q) = %q, %v with an error", tc.name, tc.in, got, typ)
			}
			continue
		}
		if err != nil || got != tc.want || typ != tc.typ {
			t.Errorf("%s: Normalize(%q) = %q, %v, %v; want %q, %v", tc.name, tc.in, got, typ, err, tc.want, tc.typ)
		}
	}
}

// TestNormalizeIdempotent checks that a normalised number normalises to itself.
func TestNormalizeIdempotent(t *testing.T) {
	for _, tc := range normalizeTests {
		if tc.reason != "" || tc.typ != TypePLMN {
			continue
		}
		if got, typ, err := tc.plan.Normalize(tc.want); got != tc.want || typ != TypePLMN || err != nil {
			t.Errorf("%s: Normalize(%q) = %q, %v, %v; want it unchanged", tc.name, tc.want, got, typ, err)
		}
	}
}

// TestNormalizeBounded checks that an over-long number is rejected before any work.
func TestNormalizeBounded(t *testing.T) {
	huge := strings.Repeat("1", 1<<20)
	allocs := testing.AllocsPerRun(10, func() {
		if _, _, err := planNANP.Normalize(huge); err == nil {
			t.Fatal("1 MB number accepted")
		}
	})
	if allocs > 3 {
		t.Errorf("rejecting a 1 MB number made %v allocations, want at most 3", allocs)
	}
}

func TestNormalizeAddress(t *testing.T) {
	tests := []struct {
		name   string
		plan   NumberPlan
		in     Address
		want   Address
		reason string
	}{
		{"national", planNANP,
			Address{TypePLMN, "5550001111", "PLMN", "mms.example.com", "Alice"},
			Address{TypePLMN, "+15550001111", "PLMN", "mms.example.com", "Alice"}, ""},
		{"already E.164", planNANP,
			Address{TypePLMN, "+15550001111", "PLMN", "", ""},
			Address{TypePLMN, "+15550001111", "PLMN", "", ""}, ""},
		{"TypeName set", planNANP,
			Address{TypePLMN, "15550001111", "", "", ""},
			Address{TypePLMN, "+15550001111", "PLMN", "", ""}, ""},
		{"PLMN to short code", planNANP,
			Address{TypePLMN, "123", "PLMN", "mms.example.com", ""},
			Address{TypeShortCode, "123", "", "mms.example.com", ""}, ""},
		{"short code stays", planNANP,
			Address{TypeShortCode, "12345", "", "mms.example.com", ""},
			Address{TypeShortCode, "12345", "", "mms.example.com", ""}, ""},
		{"short code to PLMN", planStrip,
			Address{TypeShortCode, "*31#5550001111", "", "mms.example.com", ""},
			Address{TypePLMN, "+15550001111", "PLMN", "mms.example.com", ""}, ""},
		{"alphanum short code", planNANP,
			Address{TypeShortCode, "ACME_1", "", "", ""},
			Address{TypeShortCode, "ACME_1", "", "", ""}, ""},
		{"email", planNANP,
			Address{TypeEmail, "5550001111", "", "example.com", ""},
			Address{TypeEmail, "5550001111", "", "example.com", ""}, ""},
		{"IPv4", planNANP,
			Address{TypeIPv4, "192.0.2.1", "IPv4", "", ""},
			Address{TypeIPv4, "192.0.2.1", "IPv4", "", ""}, ""},
		{"other", planNANP,
			Address{TypeOther, "5550001111", "FOO", "", ""},
			Address{TypeOther, "5550001111", "FOO", "", ""}, ""},
		{"error", planNANP,
			Address{TypePLMN, "555000111", "PLMN", "mms.example.com", ""},
			Address{TypePLMN, "555000111", "PLMN", "mms.example.com", ""}, "no rule of the number plan matches"},
	}
	for _, tc := range tests {
		got, err := tc.plan.NormalizeAddress(tc.in)
		if got != tc.want {
			t.Errorf("%s: NormalizeAddress(%#v) = %#v, want %#v", tc.name, tc.in, got, tc.want)
		}
		var ae *AddressError
		switch {
		case tc.reason == "" && err != nil:
			t.Errorf("%s: NormalizeAddress(%#v): %v", tc.name, tc.in, err)
		case tc.reason != "" && (!errors.As(err, &ae) || !strings.Contains(ae.Reason, tc.reason)):
			t.Errorf("%s: NormalizeAddress(%#v): error %v, want %q", tc.name, tc.in, err, tc.reason)
		}
	}
}

// TestNormalizeParsedAddress runs every written form peers use through ParseAddress
// and NormalizeAddress: they all become +E164.
func TestNormalizeParsedAddress(t *testing.T) {
	want := Address{TypePLMN, "+15550001111", "PLMN", "mms.example.com", ""}
	for _, in := range []string{
		"+15550001111/TYPE=PLMN@mms.example.com",
		"15550001111/TYPE=PLMN@mms.example.com",
		"+15550001111@mms.example.com",
		"15550001111@mms.example.com",
		"5550001111@mms.example.com",
		"555-000-1111/type=plmn@MMS.example.com",
		"<1.555.000.1111@mms.example.com>",
	} {
		a, err := ParseAddress(in)
		if err != nil {
			t.Errorf("ParseAddress(%q): %v", in, err)
			continue
		}
		got, err := planNANP.NormalizeAddress(a)
		if err != nil || got != want {
			t.Errorf("NormalizeAddress(ParseAddress(%q)) = %#v, %v; want %#v", in, got, err, want)
		}
	}
}

func TestParseForm(t *testing.T) {
	tests := []struct {
		in   string
		want Form
		ok   bool
	}{
		{"plmn", FormPLMN, true},
		{"PLMN", FormPLMN, true},
		{"plmn_noplus", FormPLMNNoPlus, true},
		{"PLMN_NoPlus", FormPLMNNoPlus, true},
		{"e164", FormE164, true},
		{" E164 ", FormE164, true},
		{"e164_noplus", FormE164NoPlus, true},
		{"E164_NOPLUS", FormE164NoPlus, true},
		{"", 0, false},
		{"plmn-noplus", 0, false},
		{"e.164", 0, false},
		{"plmn\r\n", FormPLMN, true},
		{strings.Repeat("x", 1000), 0, false},
	}
	for _, tc := range tests {
		got, err := ParseForm(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseForm(%.20q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && len(err.Error()) > 200 {
			t.Errorf("ParseForm(%.20q): error message of %d bytes", tc.in, len(err.Error()))
		}
	}
}

func TestFormString(t *testing.T) {
	for f, want := range map[Form]string{
		FormPLMN: "plmn", FormPLMNNoPlus: "plmn_noplus", FormE164: "e164", FormE164NoPlus: "e164_noplus",
		Form(4): "Form(4)", Form(-1): "Form(-1)",
	} {
		if got := f.String(); got != want {
			t.Errorf("Form(%d).String() = %q, want %q", int(f), got, want)
		}
		if f >= FormPLMN && f <= FormE164NoPlus {
			if back, err := ParseForm(f.String()); err != nil || back != f {
				t.Errorf("ParseForm(%q) = %v, %v; want %v", f.String(), back, err, f)
			}
		}
	}
}

func TestFormat(t *testing.T) {
	e164 := Address{TypePLMN, "+15550001111", "PLMN", "mms.example.com", "Alice"}
	national := Address{TypePLMN, "5550001111", "PLMN", "", ""}
	short := Address{TypeShortCode, "12345", "", "mms.example.com", ""}
	ipv4 := Address{TypeIPv4, "192.0.2.1", "IPv4", "mms.example.com", ""}
	ipv6 := Address{TypeIPv6, "2001:db8::1", "IPv6", "", ""}
	other := Address{TypeOther, "x%2Fy", "FOO", "", ""}
	email := Address{TypeEmail, "alice", "", "example.com", ""}
	const peer = "mms.peer.example"
	tests := []struct {
		a      Address
		f      Form
		domain string
		want   string
	}{
		{e164, FormPLMN, peer, "+15550001111/TYPE=PLMN@mms.peer.example"},
		{e164, FormPLMNNoPlus, peer, "15550001111/TYPE=PLMN@mms.peer.example"},
		{e164, FormE164, peer, "+15550001111@mms.peer.example"},
		{e164, FormE164NoPlus, peer, "15550001111@mms.peer.example"},
		{e164, FormPLMN, "", "+15550001111/TYPE=PLMN"},
		{e164, FormPLMNNoPlus, "", "15550001111/TYPE=PLMN"},
		{e164, FormE164, "", "+15550001111"},
		{e164, FormE164NoPlus, "", "15550001111"},
		{e164, Form(42), peer, "+15550001111/TYPE=PLMN@mms.peer.example"},
		{national, FormPLMN, peer, "5550001111/TYPE=PLMN@mms.peer.example"},
		{national, FormE164, peer, "5550001111@mms.peer.example"},
		{short, FormPLMN, peer, "12345@mms.peer.example"},
		{short, FormPLMNNoPlus, peer, "12345@mms.peer.example"},
		{short, FormE164, peer, "12345@mms.peer.example"},
		{short, FormE164NoPlus, "", "12345"},
		{ipv4, FormPLMN, peer, "192.0.2.1/TYPE=IPv4@mms.peer.example"},
		{ipv4, FormE164, "", "192.0.2.1/TYPE=IPv4"},
		{ipv6, FormPLMN, peer, `"2001:db8::1/TYPE=IPv6"@mms.peer.example`},
		{other, FormE164NoPlus, peer, "x%2Fy/TYPE=FOO@mms.peer.example"},
		{email, FormPLMN, peer, "alice@example.com"},
		{email, FormE164, "", "alice@example.com"},
	}
	for _, tc := range tests {
		if got := tc.a.Format(tc.f, tc.domain); got != tc.want {
			t.Errorf("%#v.Format(%v, %q) = %q, want %q", tc.a, tc.f, tc.domain, got, tc.want)
		}
	}
}

// fuzzPlans are the number plans FuzzNormalize runs each input through.
var fuzzPlans = []NumberPlan{planZero, planNANP, planUSHub, planDE, planAU, planStrip}

// FuzzNormalize checks that Normalize never panics, returns only well-formed results,
// and that a normalised number normalises to itself.
func FuzzNormalize(f *testing.F) {
	for _, tc := range normalizeTests {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for i, p := range fuzzPlans {
			got, typ, err := p.Normalize(s)
			if err != nil {
				var ae *AddressError
				if !errors.As(err, &ae) || got != "" || typ != 0 {
					t.Fatalf("plan %d: Normalize(%q) = %q, %v, %v; want \"\", 0, *AddressError", i, s, got, typ, err)
				}
				continue
			}
			switch typ {
			case TypePLMN:
				if len(got) < 2 || got[0] != '+' || lex.CheckE164(got[1:]) != "" {
					t.Fatalf("plan %d: Normalize(%q) = %q, not +E164", i, s, got)
				}
				if again, typ2, err := p.Normalize(got); again != got || typ2 != TypePLMN || err != nil {
					t.Fatalf("plan %d: Normalize(%q) = %q, %v, %v; want it unchanged", i, got, again, typ2, err)
				}
			case TypeShortCode:
				if got == "" || strings.Trim(got, "0123456789*#") != "" {
					t.Fatalf("plan %d: Normalize(%q) = short code %q", i, s, got)
				}
			default:
				t.Fatalf("plan %d: Normalize(%q) = %q with type %v", i, s, got, typ)
			}
			a, err := ParseAddress(got + "@mms.example.com")
			if err != nil || a.Type != typ && !(typ == TypeShortCode && a.Type == TypePLMN) {
				t.Fatalf("plan %d: ParseAddress(%q) = %#v, %v", i, got+"@mms.example.com", a, err)
			}
		}
	})
}
