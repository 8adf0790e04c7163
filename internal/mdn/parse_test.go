// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mdn

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	gotextproto "github.com/emersion/go-message/textproto"
)

// The samples below are written for these tests after the examples of
// RFC 8098 §9 and the layout the named clients are known to use; none is
// a copy of a real message.

// sampleThunderbird: Thunderbird's "Return Receipt": a "------------"
// boundary, a name parameter on parts 2 and 3, "rfc822;" without a space.
const sampleThunderbird = "Message-ID: <5f3a.mdn@example.org>\r\n" +
	"Date: Sat, 14 Mar 2026 16:00:00 +0100\r\n" +
	"MIME-Version: 1.0\r\n" +
	"From: Bob <bob@example.org>\r\n" +
	"Subject: Return Receipt (displayed) - Holiday pictures\r\n" +
	"To: +491701234567/TYPE=PLMN@mms.example.net\r\n" +
	"Content-Type: multipart/report; report-type=disposition-notification;\r\n" +
	" boundary=\"------------A1B2C3D4E5F6A7B8\"\r\n" +
	"\r\n" +
	"This is a multi-part message in MIME format.\r\n" +
	"--------------A1B2C3D4E5F6A7B8\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: 7bit\r\n" +
	"\r\n" +
	"This is a Return Receipt for the mail that you sent to bob@example.org.\r\n" +
	"\r\n" +
	"Note: This Return Receipt only acknowledges that the message was displayed\r\n" +
	"on the recipient's computer.\r\n" +
	"\r\n" +
	"--------------A1B2C3D4E5F6A7B8\r\n" +
	"Content-Type: message/disposition-notification; name=\"MDNPart2.txt\"\r\n" +
	"Content-Disposition: inline\r\n" +
	"Content-Transfer-Encoding: 7bit\r\n" +
	"\r\n" +
	"Reporting-UA: example.org; Thunderbird 128.3.0\r\n" +
	"Final-Recipient: rfc822;bob@example.org\r\n" +
	"Original-Message-ID: <orig.1@mms.example.net>\r\n" +
	"Disposition: manual-action/MDN-sent-manually; displayed\r\n" +
	"\r\n" +
	"--------------A1B2C3D4E5F6A7B8\r\n" +
	"Content-Type: text/rfc822-headers; name=\"MDNPart3.txt\"\r\n" +
	"Content-Transfer-Encoding: 7bit\r\n" +
	"Content-Disposition: inline\r\n" +
	"\r\n" +
	"Message-ID: <orig.1@mms.example.net>\r\n" +
	"Subject: Holiday pictures\r\n" +
	"\r\n" +
	"--------------A1B2C3D4E5F6A7B8--\r\n"

// sampleAppleMail: LF line ends, the report-type quoted and after the
// boundary, lower-case field names, no blank line after the
// disposition-notification fields, an Original-Recipient with angle
// brackets.
const sampleAppleMail = "Content-Type: multipart/report; boundary=Apple-Mail-7E1F2A3B-4C5D; report-type=\"disposition-notification\"\n" +
	"Mime-Version: 1.0 (Mac OS X Mail 16.0)\n" +
	"Subject: Read: Holiday pictures\n" +
	"From: Carol <carol@icloud.example>\n" +
	"To: +491701234567/TYPE=PLMN@mms.example.net\n" +
	"\n" +
	"--Apple-Mail-7E1F2A3B-4C5D\n" +
	"Content-Transfer-Encoding: 7bit\n" +
	"Content-Type: text/plain; charset=us-ascii\n" +
	"\n" +
	"The message was displayed.\n" +
	"--Apple-Mail-7E1F2A3B-4C5D\n" +
	"Content-Type: message/disposition-notification\n" +
	"\n" +
	"reporting-ua: carol-mac.local; Mail (Apple)\n" +
	"original-recipient: rfc822; <carol@icloud.example>\n" +
	"final-recipient: rfc822; carol@icloud.example\n" +
	"original-message-id: <orig.2@mms.example.net>\n" +
	"disposition: manual-action/MDN-sent-manually; displayed\n" +
	"--Apple-Mail-7E1F2A3B-4C5D--\n"

// sampleOutlook: Exchange's automatic "deleted" notice: "----=_NextPart"
// boundary, quoted-printable text, "RFC822;" in upper case, a comment in
// Reporting-UA, folded Disposition.
const sampleOutlook = "Received: from EXCH01.example.com by EXCH02.example.com; Sat, 14 Mar 2026 16:05:00 +0000\r\n" +
	"From: Dave <dave@example.com>\r\n" +
	"To: +491701234567/TYPE=PLMN@mms.example.net\r\n" +
	"Subject: Not read: Holiday pictures\r\n" +
	"Content-Type: multipart/report; report-type=Disposition-Notification;\r\n" +
	"\tboundary=\"----=_NextPart_000_0005_01DA7A2B.3C4D5E60\"\r\n" +
	"MIME-Version: 1.0\r\n" +
	"\r\n" +
	"------=_NextPart_000_0005_01DA7A2B.3C4D5E60\r\n" +
	"Content-Type: text/plain; charset=\"utf-8\"\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Your message=0D=0A=0D=0A  To: Dave=0D=0A  Subject: Holiday pictures=0D=0A=0D=0Awa=\r\n" +
	"s deleted without being read on 14/03/2026 17:05.\r\n" +
	"\r\n" +
	"------=_NextPart_000_0005_01DA7A2B.3C4D5E60\r\n" +
	"Content-Type: message/disposition-notification\r\n" +
	"\r\n" +
	"Reporting-UA: EXCH01.example.com; Microsoft Exchange Server 2019 (build 15.2)\r\n" +
	"Final-Recipient: RFC822;dave@example.com\r\n" +
	"Original-Message-ID: <orig.3@mms.example.net>\r\n" +
	"Disposition: automatic-action/MDN-sent-automatically;\r\n" +
	"\tdeleted\r\n" +
	"\r\n" +
	"------=_NextPart_000_0005_01DA7A2B.3C4D5E60--\r\n"

// mdnMessage builds a minimal MDN with the given part 2 header and content.
func mdnMessage(partHeader, content string) string {
	return "Content-Type: multipart/report; report-type=disposition-notification; boundary=\"b1\"\r\n" +
		"\r\n" +
		"--b1\r\nContent-Type: text/plain\r\n\r\nhuman text\r\n" +
		"--b1\r\n" + partHeader + content +
		"--b1--\r\n"
}

const dnType = "Content-Type: message/disposition-notification\r\n"

func TestParseSamples(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want Notification
	}{
		{"Thunderbird", sampleThunderbird, Notification{
			OriginalMessageID: "<orig.1@mms.example.net>", FinalRecipient: "bob@example.org",
			Disposition: "displayed", ActionMode: "manual-action", SendingMode: "mdn-sent-manually",
			ReportingUA: "example.org; Thunderbird 128.3.0",
		}},
		{"Apple Mail", sampleAppleMail, Notification{
			OriginalMessageID: "<orig.2@mms.example.net>", FinalRecipient: "carol@icloud.example",
			OriginalRecipient: "carol@icloud.example",
			Disposition:       "displayed", ActionMode: "manual-action", SendingMode: "mdn-sent-manually",
			ReportingUA: "carol-mac.local; Mail", // "(Apple)" is a comment
		}},
		{"Outlook", sampleOutlook, Notification{
			OriginalMessageID: "<orig.3@mms.example.net>", FinalRecipient: "dave@example.com",
			Disposition: "deleted", ActionMode: "automatic-action", SendingMode: "mdn-sent-automatically",
			ReportingUA: "EXCH01.example.com; Microsoft Exchange Server 2019",
		}},
		{"RFC 8098 §9.1 style, gateway", mdnMessage(dnType+"\r\n",
			"Reporting-UA: joes-pc.cs.example.com; Foomail 97.1\r\n"+
				"MDN-Gateway: dns; gw.example.net\r\n"+
				"Original-Recipient: rfc822;Joe_Recipient@example.com\r\n"+
				"Final-Recipient: rfc822;Joe_Recipient@example.com\r\n"+
				"Original-Message-ID: <199509192301.23456@example.org>\r\n"+
				"Disposition: manual-action/MDN-sent-manually; displayed\r\n\r\n"), Notification{
			OriginalMessageID: "<199509192301.23456@example.org>",
			FinalRecipient:    "Joe_Recipient@example.com", OriginalRecipient: "Joe_Recipient@example.com",
			Disposition: "displayed", ActionMode: "manual-action", SendingMode: "mdn-sent-manually",
			ReportingUA: "joes-pc.cs.example.com; Foomail 97.1", Gateway: "dns; gw.example.net",
		}},
		{"no blank line after the part header", mdnMessage(dnType,
			"Final-Recipient: rfc822; a@b.example\r\nDisposition: automatic-action/MDN-sent-automatically; deleted\r\n"), Notification{
			FinalRecipient: "a@b.example", Disposition: "deleted",
			ActionMode: "automatic-action", SendingMode: "mdn-sent-automatically",
		}},
		{"blank line before the fields", mdnMessage(dnType+"\r\n",
			"\r\nFinal-Recipient: rfc822; a@b.example\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n"), Notification{
			FinalRecipient: "a@b.example", Disposition: "displayed",
			ActionMode: "manual-action", SendingMode: "mdn-sent-manually",
		}},
		{"RFC 2298 modifiers, comments, folding, upper case", mdnMessage(dnType+"\r\n",
			"FINAL-RECIPIENT: rfc822; a@b.example (the reader)\r\n"+
				"DISPOSITION: Manual-Action/MDN-Sent-Manually (user asked);\r\n DISPLAYED/Error, Warning (odd)\r\n"), Notification{
			FinalRecipient: "a@b.example", Disposition: "displayed", Modifiers: []string{"error", "warning"},
			ActionMode: "manual-action", SendingMode: "mdn-sent-manually",
		}},
		{"RFC 3798 failed, no mode", mdnMessage(dnType+"\r\n",
			"Final-Recipient: a@b.example\r\nDisposition: failed\r\nFailure: mailbox gone\r\n"), Notification{
			FinalRecipient: "a@b.example", Disposition: "failed",
		}},
		{"RFC 3798 denied", mdnMessage(dnType+"\r\n",
			"Final-Recipient: rfc822;a@b.example\r\nDisposition: automatic-action/MDN-sent-automatically; denied\r\n"), Notification{
			FinalRecipient: "a@b.example", Disposition: "denied",
			ActionMode: "automatic-action", SendingMode: "mdn-sent-automatically",
		}},
		{"Message-ID without brackets, utf-8 recipient", mdnMessage(dnType+"\r\n",
			"Final-Recipient: utf-8; j\\x{F6}hn@b\\x{FC}cher.example\r\nOriginal-Message-ID: orig.4@x.example\r\n"+
				"Disposition: manual-action/MDN-sent-manually; displayed\r\n"), Notification{
			OriginalMessageID: "<orig.4@x.example>", FinalRecipient: "jöhn@bücher.example", Disposition: "displayed",
			ActionMode: "manual-action", SendingMode: "mdn-sent-manually",
		}},
		{"base64 part", mdnMessage(dnType+"Content-Transfer-Encoding: base64\r\n\r\n",
			wrap76(base64.StdEncoding.EncodeToString([]byte("Final-Recipient: rfc822; a@b.example\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n")))), Notification{
			FinalRecipient: "a@b.example", Disposition: "displayed", ActionMode: "manual-action", SendingMode: "mdn-sent-manually",
		}},
		{"quoted-printable part", mdnMessage(dnType+"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
			"Final-Recipient: rfc822; a=40b.example\r\nDisposition: manual-action/MDN-sent-manually; dis=\r\nplayed\r\n"), Notification{
			FinalRecipient: "a@b.example", Disposition: "displayed", ActionMode: "manual-action", SendingMode: "mdn-sent-manually",
		}},
		{"global disposition notification (RFC 6533)", strings.Replace(mdnMessage("Content-Type: message/global-disposition-notification\r\n\r\n",
			"Final-Recipient: rfc822; jöhn@bücher.example\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n"),
			"report-type=disposition-notification", "report-type=global-disposition-notification", 1), Notification{
			FinalRecipient: "jöhn@bücher.example", Disposition: "displayed", ActionMode: "manual-action", SendingMode: "mdn-sent-manually",
		}},
		{"part 2 after a large part 1, part 3 never read", "Content-Type: multipart/report; report-type=disposition-notification; boundary=b1\r\n\r\n" +
			"--b1\r\nContent-Type: text/plain\r\n\r\n" + strings.Repeat("x", 100000) + "\r\n" + strings.Repeat("y\r\n", 10000) +
			"--b1\r\n" + dnType + "\r\nFinal-Recipient: rfc822; a@b.example\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n" +
			"--b1\r\nContent-Type: message/rfc822\r\n\r\n" + strings.Repeat("z", 2*MaxBody) + "\r\n--b1--\r\n", Notification{
			FinalRecipient: "a@b.example", Disposition: "displayed", ActionMode: "manual-action", SendingMode: "mdn-sent-manually",
		}},
		{"delimiter with trailing white space, no close delimiter", "Content-Type: multipart/report; report-type=disposition-notification; boundary=b1\r\n\r\n" +
			"--b1 \t\r\n" + dnType + "\r\nFinal-Recipient: rfc822; a@b.example\r\nDisposition: manual-action/MDN-sent-manually; displayed", Notification{
			FinalRecipient: "a@b.example", Disposition: "displayed", ActionMode: "manual-action", SendingMode: "mdn-sent-manually",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, body := splitMessage(t, []byte(tc.msg))
			if !IsMDN(h) {
				t.Errorf("IsMDN false")
			}
			n, err := Parse(h, body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(*n, tc.want) {
				t.Errorf("Parse:\n got %+v\nwant %+v", *n, tc.want)
			}
		})
	}
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return b.String() + s + "\r\n"
}

func TestIsMDN(t *testing.T) {
	tests := []struct {
		ct   string
		want bool
	}{
		{"multipart/report; report-type=disposition-notification; boundary=x", true},
		{"Multipart/Report; Report-Type=\"Disposition-Notification\"; boundary=x", true},
		{"multipart/report; report-type=global-disposition-notification; boundary=x", true},
		{"multipart/report; report-type=delivery-status; boundary=x", false},
		{"multipart/report; boundary=x", false},
		{"multipart/mixed; report-type=disposition-notification; boundary=x", false},
		{"message/disposition-notification", false},
		{"", false},
		{"multipart/report; report-type=disposition-notification; report-type=x", false},
		{"multipart/report; report-type=disposition-notification; boundary=" + strings.Repeat("x", 5000), false},
	}
	for _, tc := range tests {
		var h gotextproto.Header
		if tc.ct != "" {
			h.Set("Content-Type", tc.ct)
		}
		if got := IsMDN(h); got != tc.want {
			t.Errorf("IsMDN(%q) = %v, want %v", tc.ct, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	disp := "Final-Recipient: rfc822; a@b.example\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n"
	manyFields := strings.Repeat("X-Extension-Field: y\r\n", MaxFields) + disp
	manyParts := "Content-Type: multipart/report; report-type=disposition-notification; boundary=b1\r\n\r\n" +
		strings.Repeat("--b1\r\nContent-Type: text/plain\r\n\r\nx\r\n", maxParts) +
		"--b1\r\n" + dnType + "\r\n" + disp + "--b1--\r\n"
	tests := []struct {
		name string
		msg  string
		want error // nil: any error
	}{
		{"not a report", "Content-Type: text/plain\r\n\r\nhi\r\n", ErrNotMDN},
		{"a DSN", "Content-Type: multipart/report; report-type=delivery-status; boundary=b1\r\n\r\n--b1--\r\n", ErrNotMDN},
		{"no boundary", "Content-Type: multipart/report; report-type=disposition-notification\r\n\r\n" + disp, nil},
		{"boundary too long", "Content-Type: multipart/report; report-type=disposition-notification; boundary=" + strings.Repeat("b", 71) + "\r\n\r\n", nil},
		{"no delimiter", "Content-Type: multipart/report; report-type=disposition-notification; boundary=b1\r\n\r\n" + disp, nil},
		{"empty body", "Content-Type: multipart/report; report-type=disposition-notification; boundary=b1\r\n\r\n", nil},
		{"no disposition-notification part", strings.Replace(mdnMessage("Content-Type: text/plain\r\n\r\n", disp), "", "", 1), nil},
		{"close delimiter first", "Content-Type: multipart/report; report-type=disposition-notification; boundary=b1\r\n\r\n--b1--\r\n" + dnType + "\r\n" + disp, nil},
		{"no Disposition", mdnMessage(dnType+"\r\n", "Final-Recipient: rfc822; a@b.example\r\n"), nil},
		{"no Final-Recipient", mdnMessage(dnType+"\r\n", "Disposition: manual-action/MDN-sent-manually; displayed\r\n"), nil},
		{"empty Final-Recipient", mdnMessage(dnType+"\r\n", "Final-Recipient: rfc822;\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n"), nil},
		{"invalid disposition type", mdnMessage(dnType+"\r\n", "Final-Recipient: a@b\r\nDisposition: manual-action/MDN-sent-manually; dis played\r\n"), nil},
		{"too many fields", mdnMessage(dnType+"\r\n", manyFields), ErrTooLarge},
		{"too many parts", manyParts, ErrTooLarge},
		{"body over 1 MiB before the part ends", mdnMessage(dnType+"\r\n", disp+strings.Repeat("X-Pad: "+strings.Repeat("p", 70)+"\r\n", MaxBody/70)), ErrTooLarge},
		{"one huge line", mdnMessage(dnType+"\r\n", disp+strings.Repeat("p", 2*MaxBody)+"\r\n"), ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, body := splitMessage(t, []byte(tc.msg))
			n, err := Parse(h, body)
			if err == nil {
				t.Fatalf("no error: %+v", n)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "mdn: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

// countingReader counts what Parse reads.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestParseReadsAtMostMaxBody: whatever follows, Parse reads at most
// MaxBody bytes of the body.
func TestParseReadsAtMostMaxBody(t *testing.T) {
	for _, filler := range []string{strings.Repeat("a", 100) + "\r\n", "\r\n", strings.Repeat("b", 10000), "--b1\r\n"} {
		body := strings.Repeat(filler, 3*MaxBody/len(filler))
		h, _ := splitMessage(t, []byte("Content-Type: multipart/report; report-type=disposition-notification; boundary=b1\r\n\r\n"))
		cr := &countingReader{r: strings.NewReader(body)}
		_, err := Parse(h, cr)
		if err == nil {
			t.Fatalf("%.10q…: no error", filler)
		}
		if cr.n > MaxBody {
			t.Errorf("%.10q…: read %d bytes", filler, cr.n)
		}
	}
}

// TestParseValuesClean: values from a hostile MDN come back as single
// bounded lines.
func TestParseValuesClean(t *testing.T) {
	long := strings.Repeat("l", 5000)
	msg := mdnMessage(dnType+"\r\n",
		"Reporting-UA: ua\x00\x1b[31m\u202e; "+long+"\r\n"+
			"Final-Recipient: rfc822; a@b\x7f.example "+long+"\r\n"+
			" "+long+"\r\n"+
			"Original-Message-ID: <a\x00b@c>\r\n"+
			"Disposition: manual-action/MDN-sent-manually; displayed/"+strings.Repeat("m,", 50)+"\r\n")
	h, body := splitMessage(t, []byte(msg))
	n, err := Parse(h, body)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{n.ReportingUA, n.FinalRecipient, n.OriginalMessageID, n.Disposition} {
		if len(v) > 998 || strings.ContainsAny(v, "\x00\x1b\x7f\r\n\u202e") {
			t.Errorf("value %.60q… (%d bytes)", v, len(v))
		}
	}
	if n.OriginalMessageID != "" {
		t.Errorf("Original-Message-ID %q", n.OriginalMessageID)
	}
	if len(n.Modifiers) != maxModifiers {
		t.Errorf("%d modifiers", len(n.Modifiers))
	}
}

func TestStripComments(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a (b) c", "a  c"},
		{"a (b (nested) c) d", "a  d"},
		{`a (b \) c) d`, "a  d"},
		{`"q (not a comment)" x`, `"q (not a comment)" x`},
		{"a (unclosed", "a"},
		{"no comment ", "no comment"},
	}
	for _, tc := range tests {
		if got := stripComments(tc.in); got != tc.want {
			t.Errorf("stripComments(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func ExampleParse() {
	h, body, _ := Generate(Report{
		MsgID:          "mdn.1@mms.example.net",
		From:           "postmaster@mms.example.net",
		To:             "bob@example.org",
		FinalRecipient: "+491701234567/TYPE=PLMN@mms.example.net",
		Disposition:    Deleted,
		Automatic:      true,
	})
	n, err := Parse(h, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	fmt.Println(n.Disposition, n.ActionMode, n.FinalRecipient)
	// Output: deleted automatic-action +491701234567/TYPE=PLMN@mms.example.net
}
