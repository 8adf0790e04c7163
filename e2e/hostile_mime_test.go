// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestHostileMIME is the rest of TestHostileInput: a 30 MB MM whose body is
// buffered in a file, broken and too deeply nested MIME structures on the
// three ways in (the nesting limit, 32, holds on every path that stores or
// converts), control octets in values taken as absent (not delivered as
// received), and media types with control or 8-bit octets.
func TestHostileMIME(t *testing.T) {
	h := newHostileRun(t)
	cases := []hostileCase{
		{name: "30 MB MM without SIZE", via: viaPeer, msg: func(tag string) []byte {
			line := strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo", 2) + "\r\n"
			body := "--b1\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
				strings.Repeat(line, (30<<20)/len(line)) + "--b1--\r\n"
			return render(reqFields(tag), body)
		}, code: 552, enh: "5.3.4", word: "the limit is 5242880 bytes"},
	}

	all := []hostileVia{viaPeer, viaPlain, viaSubmission}
	cases = append(cases, mimeCases("multipart without boundary parameter", "multipart/mixed", partsWith("b1"), brokenMIME("boundary"), all...)...)
	cases = append(cases, mimeCases("multipart with empty boundary", `multipart/mixed; boundary=""`, partsWith(""), brokenMIME("boundary"), all...)...)
	cases = append(cases, mimeCases("multipart without delimiter", `multipart/mixed; boundary="b1"`,
		func(tag string) string { return "Hello, " + tag + ", no parts here\r\n" }, brokenMIME("delimiter"), all...)...)
	for _, levels := range []int{5000, 33} {
		ct, body := nestedMultipart(levels)
		cases = append(cases, mimeCases(fmt.Sprintf("%d nested multipart levels", levels), ct, body, brokenMIME("nest"), all...)...)
	}

	for _, f := range []struct {
		field  string
		at     int
		octets []hostileByte
		want   hostileCase
	}{
		// Taken as absent for the RES; delivered without the octets.
		{"Subject", -1, []hostileByte{octetCR, octetNUL}, ignoredField("Subject")},
		// A media type with a control or 8-bit octet (RFC 2045 token).
		{"Content-Type", len("multipart/rel"), allOctets, formatCorrupt("Content-Type")},
	} {
		cases = append(cases, octetCases(viaPeer, f.field, f.at, f.octets, f.want)...)
	}
	cases = append(cases, octetCases(viaSubmission, "Content-Type", len("text/pl"), allOctets, refused(554, "5.6.0", "Content-Type"))...)

	start := time.Now()
	h.run(t, cases)
	t.Logf("%d cases in %v", len(cases), time.Since(start).Round(time.Millisecond))
}
