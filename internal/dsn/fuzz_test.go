// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package dsn

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	gotextproto "github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/internal/dsn/mailfmt"
)

// FuzzGenerate feeds Generate hostile values in every field that can come
// from outside: the original sender (Envelope.To), the recipients, the
// peer's name and status text (Remote-MTA, Diagnostic-Code), the
// explanation and the original header, raw or built field by field with
// CR, LF, NUL and 8-bit octets in names and values.
//
// Invariants:
//   - Generate fails exactly when the same report without its untrusted
//     text (Diagnostic-Code, Explanation, OriginalHeader) fails: that text
//     never causes an error (the package documentation promises so);
//   - a generated DSN is 7-bit, with CRLF line ends and lines of at most
//     998 octets (RFC 5322 §2.1.1, RFC 2045 §2.7);
//   - it parses with net/mail and mime/multipart; its header has exactly
//     the eight fields Generate documents, once each, and go-message reads
//     the same eight (no header injection);
//   - it is multipart/report with text/plain, message/delivery-status and
//     optionally text/rfc822-headers, in that order;
//   - the delivery-status part has one per-message group (Reporting-MTA,
//     DSN-Gateway exactly when a gateway was given, Arrival-Date exactly when
//     a date was) and one group per recipient holding only RFC 3464 §2.3 fields,
//     each once, with the Action and Status asked for and a Diagnostic-Code
//     of the type given (else X-MMS) whose text is a single ASCII line of at
//     most MaxDiagnosticText bytes;
//   - the decoded explanation is UTF-8 without control characters (TAB and
//     CRLF line ends aside) or bidi controls;
//   - the returned original header has no field the original did not have,
//     no control characters in its values and at most MaxOriginalHeader
//     bytes;
//   - the Subject decodes (RFC 2047) to one line starting with one of the
//     documented prefixes.
func FuzzGenerate(f *testing.F) {
	base := baseReport()
	origHeader := "From: +491701234567/TYPE=PLMN@mms.example.net\r\nTo: +33612345678/TYPE=PLMN@mms.peer.example\r\n" +
		"Subject: Holiday pictures\r\nX-Mms-Message-Class: Personal\r\nMessage-ID: <orig.1@mms.example.net>\r\n\r\n"
	rc := base.Recipients[0]
	add := func(to, final, orig, remote, diag, expl, header, name, value string, code uint32, n uint8) {
		f.Add(to, final, orig, remote, diag, expl, []byte(header), name, value, code, n)
	}
	// code: bits 0 and 24 action (fuzzActions), bits 1-3 class, bits 4-13 and 14-23 subject and
	// detail (+ statusBias, so that negative and too large values occur); bit 25: remote is also
	// the DSN-Gateway; bit 26: an Arrival-Date.
	failed560 := uint32(5<<1 | (6+statusBias)<<4 | (0+statusBias)<<14)
	delayed447 := uint32(1 | 4<<1 | (4+statusBias)<<4 | (7+statusBias)<<14)
	add(base.Envelope.To, rc.FinalRecipient, "", rc.RemoteMTA, rc.DiagnosticCode, base.Explanation, origHeader, "", "", failed560, 0)
	add("sender@example.org", "+33612345678@mms.peer.example", "rfc822; +33612345678/TYPE=PLMN@mms.peer.example", "",
		"X-MMS; Error-network-problem: peer timeout", "", origHeader, "", "", delayed447, 2)
	// Hostile values of the kinds TestInjection uses, and an MM4 message of a real peer as the
	// original header (/work/shared/corpus/mm4-wire/open-mmsc-forward-req.eml, trimmed).
	add("Bob <bob@example.org>", "rfc822; +4915112345678/TYPE=PLMN@mms.peer.example", "utf-8; jöhn@bücher.example", "x-mms-peer; peer\r\nX: y",
		"x\r\n\r\nFinal-Recipient: rfc822; victim@x\r\nAction: delivered", "x\r\n--=_dsn_\r\nContent-Type: text/html\r\n\r\n<b>\u202e\x00",
		"X-Mms-3GPP-MMS-Version: 5.5.0\r\nX-Mms-Message-Type: MM4_forward.REQ\r\n"+
			"X-Mms-Transaction-ID: \"+16660002222/TYPE=PLMN-1\"\r\nX-Mms-Read-Report: Yes\r\n"+
			"From: +16660002222/TYPE=PLMN\r\nTo: +15550001111/TYPE=PLMN\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"+
			"X-Mbuni-Token: \xff\xfe\r\n\r\n",
		"Subject", "x\r\nBcc: victim@x", failed560, 1)
	add("Ünïcode <postmaster@mms.example.net>", strings.Repeat("a", 500)+"@x", "", "dns; [IPv6:2001:db8::1]",
		strings.Repeat("long status text ", 100), strings.Repeat("ä", 1200)+"\r\n"+strings.Repeat("x", 2000),
		"Subject: =?unknown?q?x?= =?utf-8?b?S8O2bG4=?=\r\nX-Long: "+strings.Repeat("y", 3000)+"\r\n\r\n",
		"X(Odd)", strings.Repeat("z ", 600), failed560, 0)
	// Hostile structure: an error, never a broken DSN.
	add("x\r\nBcc: victim@x", "rfc822; a@b\r\nAction: delivered", "", "dns; a\r\nb", "", "", "", "", "", failed560, 0)
	add("", "", "", "", "", "", "", "", "", 0, 0)
	// The actions of an MMS delivery report made a DSN (RFC 4356 Table 4), with DSN-Gateway.
	delivered200 := uint32(1<<24 | 2<<1 | (0+statusBias)<<4 | (0+statusBias)<<14 | 1<<25 | 1<<26)
	relayed200 := uint32(1 | 1<<24 | 2<<1 | (0+statusBias)<<4 | (0+statusBias)<<14 | 1<<25)
	add("sender@example.org", "+33612345678/TYPE=PLMN@mms.peer.example", "", "dns; mms.example.net",
		"X-MMS; Retrieved", "", "Message-ID: <orig.1@mms.example.net>\r\n\r\n", "", "", delivered200, 1)
	add("sender@example.org", "+33612345678/TYPE=PLMN@mms.peer.example", "", "gw.example.net\r\nX: y",
		"X-MMS; Forwarded", "x\r\nBcc: y", origHeader, "", "", relayed200, 3)
	add("sender@example.org", "a@b", "", "x-mms; gateway", "", "", "", "", "", relayed200|1<<26, 0)

	f.Fuzz(func(t *testing.T, to, final, orig, remote, diag, expl string, header []byte, name, value string, code uint32, n uint8) {
		r := baseReport()
		r.Envelope.To = to
		action := fuzzActions[code&1|code>>23&2]
		if code&(1<<25) != 0 {
			r.Gateway = remote
		}
		if code&(1<<26) != 0 {
			r.ArrivalDate = testDate.Add(-time.Hour)
		}
		status := [3]int{int(code >> 1 & 7), int(code>>4&0x3ff) - statusBias, int(code>>14&0x3ff) - statusBias}
		rc := Recipient{
			FinalRecipient:    final,
			OriginalRecipient: orig,
			Action:            action,
			Status:            status,
			RemoteMTA:         remote,
			DiagnosticCode:    diag,
			LastAttempt:       testDate,
			WillRetryUntil:    testDate.AddDate(0, 0, 3),
		}
		// The fuzzed recipient, then up to three ordinary ones.
		r.Recipients = []Recipient{rc}
		for i := 0; i < int(n%4); i++ {
			r.Recipients = append(r.Recipients, Recipient{FinalRecipient: "rfc822; other@mms.peer.example",
				Action: ActionFailed, Status: [3]int{5, 0, 0}, DiagnosticCode: diag})
		}
		r.Explanation = expl
		h, err := gotextproto.ReadHeader(bufio.NewReader(bytes.NewReader(header)))
		if err != nil {
			// Not a header go-message reads: take the whole input as one value, raw octets and all.
			h = gotextproto.Header{}
			h.Add("X-Raw", string(header))
		}
		if name != "" {
			h.Add(name, value)
		}
		r.OriginalHeader = h

		structure := r
		structure.Explanation, structure.OriginalHeader = "", gotextproto.Header{}
		structure.Recipients = append([]Recipient(nil), r.Recipients...)
		for i := range structure.Recipients {
			structure.Recipients[i].DiagnosticCode = ""
		}
		_, _, structErr := Generate(structure)

		dh, body, err := Generate(r)
		if (err == nil) != (structErr == nil) {
			t.Fatalf("Generate: %v; without the untrusted text: %v", err, structErr)
		}
		if err != nil {
			return
		}
		msg := serialize(t, dh, body)
		check7bit(t, msg)
		fuzzCheckDSN(t, msg, r, h)
	})
}

// fuzzActions are the actions FuzzGenerate picks from.
var fuzzActions = [4]string{ActionFailed, ActionDelayed, ActionDelivered, ActionRelayed}

// subjectPrefixes are the Subject prefixes Generate documents.
var subjectPrefixes = []string{"Undelivered MMS", "Delayed MMS", "Delivered MMS", "Relayed MMS", "MMS delivery status"}

// statusBias is subtracted from the fuzzed status subject and detail.
const statusBias = 16

// fuzzCheckDSN checks a generated DSN against the invariants of FuzzGenerate.
func fuzzCheckDSN(t *testing.T, msg []byte, r Report, orig gotextproto.Header) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("net/mail: %v\n%q", err, msg)
	}
	for k, v := range m.Header {
		if len(v) != 1 {
			t.Fatalf("header field %s occurs %d times", k, len(v))
		}
	}
	if got := strings.Join(sortedKeys(m.Header), " "); got != strings.Join(dsnHeaderFields, " ") {
		t.Fatalf("header fields %s, want %s", got, strings.Join(dsnHeaderFields, " "))
	}
	gh, err := gotextproto.ReadHeader(bufio.NewReader(bytes.NewReader(msg)))
	if err != nil || gh.Len() != len(dsnHeaderFields) {
		t.Fatalf("go-message reads %d header fields, %v", gh.Len(), err)
	}

	subj, err := (&mime.WordDecoder{CharsetReader: func(_ string, in io.Reader) (io.Reader, error) { return in, nil }}).
		DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("Subject %q: %v", m.Header.Get("Subject"), err)
	}
	if !slices.ContainsFunc(subjectPrefixes, func(p string) bool { return subj == p || strings.HasPrefix(subj, p+": ") }) {
		t.Fatalf("Subject %q", subj)
	}
	if strings.ContainsFunc(subj, func(r rune) bool { return mailfmt.IsControl(r) || mailfmt.IsLineBreak(r) }) {
		t.Fatalf("control character in the Subject %q", subj)
	}
	if _, err := mail.ParseAddress(m.Header.Get("To")); err != nil {
		t.Fatalf("To %q: %v", m.Header.Get("To"), err)
	}

	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/report" || params["report-type"] != "delivery-status" || params["boundary"] == "" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var types []string
	for {
		p, err := mr.NextPart() // quoted-printable decoded
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		content, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("part %d: %v", len(types)+1, err)
		}
		pt, _, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("part %d Content-Type: %v", len(types)+1, err)
		}
		types = append(types, pt)
		switch len(types) {
		case 1:
			if pt != "text/plain" {
				t.Fatalf("part 1 is %s", pt)
			}
			fuzzCheckText(t, content)
		case 2:
			if pt != "message/delivery-status" {
				t.Fatalf("part 2 is %s", pt)
			}
			fuzzCheckStatus(t, content, r)
		case 3:
			if pt != "text/rfc822-headers" {
				t.Fatalf("part 3 is %s", pt)
			}
			fuzzCheckOrig(t, content, orig)
		default:
			t.Fatalf("part %d (%s)", len(types), pt)
		}
	}
	if len(types) < 2 {
		t.Fatalf("parts %v", types)
	}
}

// fuzzCheckText checks the decoded explanation.
func fuzzCheckText(t *testing.T, content []byte) {
	t.Helper()
	if !utf8.Valid(content) {
		t.Fatalf("explanation is not UTF-8: %q", content)
	}
	if len(content) > 2*MaxExplanation {
		t.Fatalf("explanation of %d bytes", len(content))
	}
	s := strings.ReplaceAll(string(content), "\r\n", "\n")
	if i := strings.IndexFunc(s, func(r rune) bool {
		return r != '\n' && r != '\t' && (mailfmt.IsControl(r) || mailfmt.IsLineBreak(r) || mailfmt.IsBidiControl(r))
	}); i >= 0 {
		t.Fatalf("control character at %d of the explanation %q", i, s)
	}
}

// fuzzCheckStatus checks the message/delivery-status part.
func fuzzCheckStatus(t *testing.T, content []byte, r Report) {
	t.Helper()
	blocks := parseBlocks(t, content)
	rcpts := r.Recipients
	if len(rcpts) > MaxRecipients {
		rcpts = rcpts[:MaxRecipients]
	}
	if len(blocks) != len(rcpts)+1 {
		t.Fatalf("%d field groups for %d recipients:\n%s", len(blocks), len(rcpts), content)
	}
	wantMsg := []string{"Reporting-Mta"}
	if r.Gateway != "" {
		wantMsg = append(wantMsg, "Dsn-Gateway")
		if gw := blocks[0].Get("Dsn-Gateway"); !strings.HasPrefix(gw, "dns; ") || !mailfmt.IsHostname(gw[5:]) {
			t.Fatalf("DSN-Gateway %q for %q", gw, r.Gateway)
		}
	}
	if !r.ArrivalDate.IsZero() {
		wantMsg = append(wantMsg, "Arrival-Date")
	}
	slices.Sort(wantMsg)
	if got := sortedKeys(blocks[0]); !slices.Equal(got, wantMsg) {
		t.Fatalf("per-message fields %v, want %v", got, wantMsg)
	}
	for i, b := range blocks[1:] {
		rc := rcpts[i]
		for k, v := range b {
			if !perRecipientFields[k] || len(v) != 1 {
				t.Fatalf("group %d: field %s (%d times)", i+1, k, len(v))
			}
			if !mailfmt.IsASCII(v[0]) || strings.ContainsFunc(v[0], mailfmt.IsControl) {
				t.Fatalf("group %d: %s %q", i+1, k, v[0])
			}
		}
		if b.Get("Action") != rc.Action {
			t.Fatalf("group %d: Action %q, want %q", i+1, b.Get("Action"), rc.Action)
		}
		if want := fmtStatus(rc.Status); b.Get("Status") != want {
			t.Fatalf("group %d: Status %q, want %q", i+1, b.Get("Status"), want)
		}
		typ, _, ok := mailfmt.SplitType(b.Get("Final-Recipient"))
		if !ok || (typ != "utf-8" && !strings.EqualFold(typ, fuzzTypeOf(rc.FinalRecipient, "rfc822"))) {
			t.Fatalf("group %d: Final-Recipient %q for %q", i+1, b.Get("Final-Recipient"), rc.FinalRecipient)
		}
		if (rc.OriginalRecipient != "") != (b.Get("Original-Recipient") != "") {
			t.Fatalf("group %d: Original-Recipient %q for %q", i+1, b.Get("Original-Recipient"), rc.OriginalRecipient)
		}
		dc := b.Get("Diagnostic-Code")
		if rc.DiagnosticCode == "" {
			if dc != "" {
				t.Fatalf("group %d: Diagnostic-Code %q for none", i+1, dc)
			}
			continue
		}
		typ, text, ok := mailfmt.SplitType(dc)
		if !ok || typ != fuzzTypeOf(rc.DiagnosticCode, "X-MMS") || len(text) > MaxDiagnosticText {
			t.Fatalf("group %d: Diagnostic-Code %q for %q", i+1, dc, rc.DiagnosticCode)
		}
	}
}

// fuzzTypeOf returns the type prefix of a "type; value" field, or def.
func fuzzTypeOf(s, def string) string {
	if typ, _, ok := mailfmt.SplitType(s); ok {
		return typ
	}
	return def
}

func fmtStatus(s [3]int) string { return fmt.Sprintf("%d.%d.%d", s[0], s[1], s[2]) }

// fuzzCheckOrig checks the text/rfc822-headers part against the original header.
func fuzzCheckOrig(t *testing.T, content []byte, orig gotextproto.Header) {
	t.Helper()
	if len(content) > MaxOriginalHeader {
		t.Fatalf("original header part of %d bytes", len(content))
	}
	// go-message, not net/textproto: RFC 5322 field names may hold characters
	// that are not HTTP tokens ("X(Odd)"), and net/textproto refuses those.
	h, err := gotextproto.ReadHeader(bufio.NewReader(io.MultiReader(bytes.NewReader(content), strings.NewReader("\r\n"))))
	if err != nil {
		t.Fatalf("text/rfc822-headers: %v\n%q", err, content)
	}
	if h.Len() == 0 {
		t.Fatalf("empty text/rfc822-headers part")
	}
	for f := h.Fields(); f.Next(); {
		if !orig.Has(f.Key()) {
			t.Fatalf("field %q in the returned header that the original did not have\n%q", f.Key(), content)
		}
		if strings.ContainsFunc(f.Value(), func(r rune) bool { return mailfmt.IsControl(r) || mailfmt.IsLineBreak(r) || mailfmt.IsBidiControl(r) }) {
			t.Fatalf("control character in the returned %s: %q", f.Key(), f.Value())
		}
	}
}
