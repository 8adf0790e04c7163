// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"strings"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// mailWriter writes the fields of ToInternetMail. For a hidden sender (X-Mms-Sender-Visibility:
// Hide, shown in a local mailbox) it replaces the sender's number or e-mail address in every value
// it writes, Content-* and MIME-Version aside, by "anonymous".
type mailWriter struct {
	v       MailView
	needles []senderNeedle // empty unless the sender is hidden
}

// senderNeedle is one form of the hidden sender to look for in header values.
type senderNeedle struct {
	// digits of the number to find in a digit run (its national part, or the E.164 digits less up
	// to three leading ones); a run must equal them when exact (short codes, short numbers).
	digits string
	exact  bool
	// email is the e-mail address of a sender that is not a number, in lower case.
	email string
}

// minContainedDigits is the length from which a hidden number is looked for inside longer digit
// runs; shorter ones (short codes) must make up the whole run, so that dates and counters are not
// taken for them.
const minContainedDigits = 7

// anonymousMailbox is the From of a hidden sender.
func (w *mailWriter) anonymous() string {
	return `"` + tmAnonymousName + `" <` + tmAnonymousLocalPart + "@" + w.domain() + ">"
}

func (w *mailWriter) domain() string {
	if w.v.Domain == "" {
		return "localhost"
	}
	return w.v.Domain
}

// field formats one header field, folded, its value rid of the hidden sender.
func (w *mailWriter) field(name, value string) string {
	return lex.FoldField(name, w.maskField(name, value))
}

// dateField formats a date ToInternetMail wrote itself (formatted from a parsed time, so it holds no
// address): masking a hidden sender such as "00" in it would break it ("10:anonymous:00").
func (w *mailWriter) dateField(name, value string) string { return lex.FoldField(name, value) }

// slotField formats one of the fields ToInternetMail writes itself.
func (w *mailWriter) slotField(s *slot) string {
	if s.name == tmDate {
		return w.dateField(s.name, s.value)
	}
	return w.field(s.name, s.value)
}

// maskField returns the value of the field name rid of the hidden sender.
func (w *mailWriter) maskField(name, value string) string {
	if w.hides(name) {
		return w.mask(value)
	}
	return value
}

// hides reports whether the hidden sender is looked for in the field name: in every field but the
// MIME ones, which describe the body (a boundary must stay as the body has it).
func (w *mailWriter) hides(name string) bool {
	if len(w.needles) == 0 {
		return false
	}
	if len(name) >= len("Content-") && lex.TokenEqualFold(name[:len("Content-")], "Content-") {
		return false
	}
	return !lex.TokenEqualFold(name, "MIME-Version")
}

// mentionsSender reports whether the value names the hidden sender.
func (w *mailWriter) mentionsSender(value string) bool {
	return len(w.needles) > 0 && w.mask(value) != value
}

// encodedMentionsSender reports whether the RFC 2047 encoded-words of a value name the hidden
// sender.
func (w *mailWriter) encodedMentionsSender(value string) bool {
	if len(w.needles) == 0 || !strings.Contains(value, "=?") {
		return false
	}
	d := decodeWords(value)
	return d != value && w.mentionsSender(d)
}

// senderNeedles returns what to look for of a hidden sender: the numbers and e-mail addresses of
// the MM's From and Sender.
func senderNeedles(v MailView, values ...string) []senderNeedle {
	var out []senderNeedle
	for _, val := range values {
		if val == "" {
			continue
		}
		addrs, err := mmsmap.ParseAddressList(val)
		if err != nil || len(addrs) == 0 {
			// Unreadable: its digits are taken for the number ("+1 555 123 4567").
			if d := digitsOf(val); len(d) >= minContainedDigits && len(d) <= 2*lex.MaxE164Digits {
				out = append(out, senderNeedle{digits: significantDigits(v.Plan, d)})
			}
			continue
		}
		for _, a := range addrs {
			if n := numberNeedle(v.Plan, a); n.digits != "" || n.email != "" {
				out = append(out, n)
			}
		}
	}
	return out
}

// numberNeedle returns the needle for one address.
func numberNeedle(plan mmsmap.NumberPlan, a mmsmap.Address) senderNeedle {
	if !a.IsNumber() {
		if a.Type == mmsmap.TypeEmail {
			return senderNeedle{email: asciiLower(a.Value + "@" + a.Domain)}
		}
		return senderNeedle{}
	}
	if n, err := plan.NormalizeAddress(a); err == nil {
		a = n
	}
	d := digitsOf(a.Value)
	switch {
	case a.Type == mmsmap.TypeShortCode || len(d) < minContainedDigits:
		return senderNeedle{digits: d, exact: true}
	case strings.HasPrefix(a.Value, "+"):
		return senderNeedle{digits: significantDigits(plan, d)}
	}
	return senderNeedle{digits: d}
}

// significantDigits returns the part of the international number d (digits only) that every
// written form of it holds: its national significant number when d has the plan's country code; else
// d less three leading digits (a country code has one to three), keeping at least
// minContainedDigits.
func significantDigits(plan mmsmap.NumberPlan, d string) string {
	if plan.CountryCode != "" && strings.HasPrefix(d, plan.CountryCode) && len(d)-len(plan.CountryCode) >= minContainedDigits {
		return d[len(plan.CountryCode):]
	}
	return d[max(0, min(3, len(d)-minContainedDigits)):]
}

// mask replaces the hidden sender in s: e-mail addresses by anonymous@Domain, digit runs (digits
// with "+", "-", ".", "(", ")" and spaces between them) holding the number by "anonymous".
func (w *mailWriter) mask(s string) string {
	if len(w.needles) == 0 {
		return s
	}
	for _, n := range w.needles {
		if n.email != "" {
			s = replaceFold(s, n.email, tmAnonymousLocalPart+"@"+w.domain())
		}
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if c := s[i]; !lex.IsDigit(c) && c != '+' && c != '(' {
			i++
			continue
		}
		j := i
		for j < len(s) && (lex.IsDigit(s[j]) || strings.IndexByte("+-.() ", s[j]) >= 0) {
			j++
		}
		end := j
		for end > i && !lex.IsDigit(s[end-1]) {
			end--
		}
		if end > i && w.matches(digitsOf(s[i:end])) {
			b.WriteString(s[last:i])
			b.WriteString(tmAnonymousLocalPart)
			last = end
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// matches reports whether a digit run is the hidden number.
func (w *mailWriter) matches(run string) bool {
	for _, n := range w.needles {
		switch {
		case n.digits == "":
		case n.exact && run == n.digits:
			return true
		case !n.exact && strings.Contains(run, n.digits):
			return true
		}
	}
	return false
}

// digitsOf returns the ASCII digits of s.
func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if lex.IsDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// asciiLower lowers the ASCII letters of s only, so that byte offsets stay those of s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lex.TokenLowerByte(c)
	}
	return string(b)
}

// replaceFold replaces every occurrence of lower (ASCII lower case) in s, ignoring ASCII case,
// with repl.
func replaceFold(s, lower, repl string) string {
	ls := asciiLower(s)
	if !strings.Contains(ls, lower) {
		return s
	}
	var b strings.Builder
	last := 0
	for {
		i := strings.Index(ls[last:], lower)
		if i < 0 {
			break
		}
		b.WriteString(s[last : last+i])
		b.WriteString(repl)
		last += i + len(lower)
	}
	b.WriteString(s[last:])
	return b.String()
}
