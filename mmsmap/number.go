// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mmsmap

import (
	"fmt"
	"strings"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// Numbers are written in the device-address forms of OMA-MMS-ENC §8 ("+E164/TYPE=PLMN") or as
// plain E.164 local parts, as peers choose; they are normalised to E.164 (ITU-T E.164) by
// configured prefix rules, the way MMSCs such as Mbuni do ("unified-prefix", "strip-prefixes").

// maxNumberLength bounds the input of NumberPlan.Normalize, separators included.
const maxNumberLength = 64

// numberSeparators are dropped before a number is normalised: the written-sep of the
// address grammar ("-" "."; OMA-MMS-ENC §8) and the space and parentheses people write.
const numberSeparators = " -.()"

// Form is how a number is written on the wire to a given peer (OMA-MMS-ENC §8 device address or
// plain E.164 local part; per-peer configurable, since peers differ).
type Form int

const (
	FormPLMN       Form = iota // +E164/TYPE=PLMN@domain (default)
	FormPLMNNoPlus             // E164/TYPE=PLMN@domain
	FormE164                   // +E164@domain
	FormE164NoPlus             // E164@domain
)

// forms is the table of Forms: the configuration name, whether the "+" is written and
// whether the "/TYPE=PLMN" suffix is. The forms are those real peers use.
var forms = [...]struct {
	name       string
	plus, plmn bool
}{
	FormPLMN:       {"plmn", true, true},
	FormPLMNNoPlus: {"plmn_noplus", false, true},
	FormE164:       {"e164", true, false},
	FormE164NoPlus: {"e164_noplus", false, false},
}

// ParseForm parses a configuration name: "plmn", "plmn_noplus", "e164" or "e164_noplus",
// in any case.
func ParseForm(s string) (Form, error) {
	name := strings.TrimSpace(s)
	for f, row := range forms {
		if strings.EqualFold(name, row.name) {
			return Form(f), nil
		}
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return FormPLMN, fmt.Errorf("mmsmap: unknown number form %q (want plmn, plmn_noplus, e164 or e164_noplus)", s)
}

// String returns the configuration name of f.
func (f Form) String() string {
	if f >= 0 && int(f) < len(forms) {
		return forms[f].name
	}
	return fmt.Sprintf("Form(%d)", int(f))
}

// Format writes a (normalised) number address in form f at domain ("" → no "@domain").
// A number without a leading "+" (not normalised) is written without one in every form.
// Short codes are written bare ("12345@domain") in every form. The other device
// addresses (IPv4, IPv6, other types) are written as String() with the domain replaced.
// An e-mail address is not a device address and keeps its own domain: it is written as
// String(). An unknown Form is taken as FormPLMN.
func (a Address) Format(f Form, domain string) string {
	var local string
	switch a.Type {
	case TypePLMN:
		row := forms[FormPLMN]
		if f >= 0 && int(f) < len(forms) {
			row = forms[f]
		}
		digits, plus := strings.CutPrefix(a.Value, "+")
		if plus && row.plus {
			local = "+"
		}
		local += digits
		if row.plmn {
			local += typeMarker + "PLMN"
		}
	case TypeShortCode:
		local = a.Value
	case TypeEmail:
		return a.String()
	default:
		a.Domain = domain
		return a.String()
	}
	if domain == "" {
		return local
	}
	return local + "@" + domain
}

// NumberPlan holds the normalisation rules as data, in the manner of Mbuni's unified-prefix and
// strip-prefixes settings.
type NumberPlan struct {
	// CountryCode is the E.164 country code of the national rules: "1", "49"; digits only.
	CountryCode string
	// InternationalPrefixes are dialled before a country code, e.g. "011", "00": replaced by "+".
	InternationalPrefixes []string
	// NationalPrefixes are trunk prefixes, e.g. "1" (NANP), "0": replaced by "+"+CountryCode.
	NationalPrefixes []string
	// NationalLengths are the lengths of national significant numbers, e.g. [10]. A bare
	// digit string of such a length gets "+"+CountryCode; a trunk-prefixed number must
	// leave one of these lengths after the prefix (when the list is non-empty).
	NationalLengths []int
	// StripPrefixes are removed first, e.g. "*31#" (Mbuni strip-prefixes).
	StripPrefixes []string
	// ShortCodeMaxLength: digit strings of at most this many digits are short codes (0 means 6).
	ShortCodeMaxLength int
	// BareInternational: an unmatched bare digit string (7..15 digits) is E.164 without "+"
	// (US hubs send the 11-digit number so).
	BareInternational bool
}

// Normalize returns "+E164" for a number or the code for a short code, with its type
// (TypePLMN or TypeShortCode). The rules are applied in this order:
//
//  1. drop the separators " ", "-", ".", "(" and ")";
//  2. remove the longest matching StripPrefixes entry, once;
//  3. a number starting with "+" is E.164: 1 to 15 digits, the first not "0";
//  4. a code starting with "*" or "#" (digits, "*" and "#"; "*123", "#123") is a short code;
//  5. otherwise only digits may remain; the longest matching InternationalPrefixes entry
//     is replaced by "+" (and what follows must be E.164);
//  6. a digit string of at most ShortCodeMaxLength (0: 6) digits is a short code;
//  7. the longest matching NationalPrefixes entry is replaced by "+"+CountryCode, if the
//     rest has one of NationalLengths (any length when the list is empty);
//  8. a digit string with one of NationalLengths gets "+"+CountryCode;
//  9. with BareInternational, 7 to 15 digits not starting with "0" get "+";
//  10. anything else is an error.
//
// Rules 7 and 8 apply only when CountryCode is set. Empty prefixes in the lists are
// ignored. Errors are *AddressError.
func (p NumberPlan) Normalize(number string) (string, AddressType, error) {
	fail := func(reason string) (string, AddressType, error) {
		return "", 0, addressError(number, reason)
	}
	if len(number) > maxNumberLength {
		return fail(fmt.Sprintf("number longer than %d bytes", maxNumberLength))
	}
	var buf [maxNumberLength]byte
	b := buf[:0]
	for i := 0; i < len(number); i++ {
		switch c := number[i]; {
		case strings.IndexByte(numberSeparators, c) >= 0:
		case lex.IsDigit(c) || c == '+' || c == '*' || c == '#':
			b = append(b, c)
		default:
			return fail("character " + lex.DescribeByte(c) + " in a phone number")
		}
	}
	n := string(b)
	if n == "" {
		return fail("empty number")
	}

	n = n[len(longestPrefix(n, p.StripPrefixes)):]
	switch {
	case n == "":
		return fail("nothing left after the strip prefix")
	case n[0] == '+':
		if reason := lex.CheckE164(n[1:]); reason != "" {
			return fail(reason)
		}
		return n, TypePLMN, nil
	case isStarCode(n):
		return n, TypeShortCode, nil
	}
	for i := 0; i < len(n); i++ {
		if !lex.IsDigit(n[i]) {
			return fail(lex.DescribeByte(n[i]) + " allowed only at the start of a number")
		}
	}

	if ip := longestPrefix(n, p.InternationalPrefixes); ip != "" {
		e := n[len(ip):]
		if reason := lex.CheckE164(e); reason != "" {
			return fail("after international prefix " + ip + ": " + reason)
		}
		return "+" + e, TypePLMN, nil
	}

	shortMax := p.ShortCodeMaxLength
	if shortMax <= 0 {
		shortMax = defaultShortCodeMaxLength
	}
	if len(n) <= shortMax {
		return n, TypeShortCode, nil
	}

	if p.CountryCode != "" {
		if reason := checkCountryCode(p.CountryCode); reason != "" {
			return fail("number plan: " + reason)
		}
		if np := longestPrefix(n, p.NationalPrefixes); np != "" {
			rest := n[len(np):]
			if rest != "" && (len(p.NationalLengths) == 0 || hasNationalLength(p.NationalLengths, len(rest))) {
				if lex.CheckE164(p.CountryCode+rest) == "" {
					return "+" + p.CountryCode + rest, TypePLMN, nil
				}
			}
		}
		if hasNationalLength(p.NationalLengths, len(n)) && lex.CheckE164(p.CountryCode+n) == "" {
			return "+" + p.CountryCode + n, TypePLMN, nil
		}
	}

	if p.BareInternational && len(n) >= 7 && lex.CheckE164(n) == "" {
		return "+" + n, TypePLMN, nil
	}
	return fail("no rule of the number plan matches")
}

// NormalizeAddress applies Normalize to a TypePLMN/TypeShortCode address (Value and Type updated,
// TypeName "PLMN" for numbers, "" for short codes); other types, and alphanumeric short
// codes, are returned unchanged. On error a is returned unchanged with the error.
func (p NumberPlan) NormalizeAddress(a Address) (Address, error) {
	if !a.IsNumber() {
		return a, nil
	}
	if a.Type == TypeShortCode {
		for i := 0; i < len(a.Value); i++ {
			if lex.IsAlpha(a.Value[i]) || a.Value[i] == '_' {
				return a, nil // alphanum-shortcode (OMA-MMS-ENC §8)
			}
		}
	}
	v, t, err := p.Normalize(a.Value)
	if err != nil {
		return a, err
	}
	a.Value, a.Type, a.TypeName = v, t, ""
	if t == TypePLMN {
		a.TypeName = "PLMN"
	}
	return a, nil
}

// checkCountryCode checks an E.164 country code: 1 to 3 digits, not starting with "0".
func checkCountryCode(cc string) string {
	if len(cc) > 3 || lex.CheckE164(cc) != "" {
		return fmt.Sprintf("bad CountryCode %q", cc)
	}
	return ""
}

// longestPrefix returns the longest non-empty entry of prefixes that s starts with, or "".
func longestPrefix(s string, prefixes []string) string {
	best := ""
	for _, p := range prefixes {
		if len(p) > len(best) && strings.HasPrefix(s, p) {
			best = p
		}
	}
	return best
}

func hasNationalLength(lengths []int, n int) bool {
	for _, l := range lengths {
		if l == n {
			return true
		}
	}
	return false
}
