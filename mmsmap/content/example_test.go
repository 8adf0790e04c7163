// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package content_test

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/content"
	"github.com/maddy-mms/maddy-mms/mmsmap/sevenbit"
)

// An MM as an MMSC sends it: SMIL first, then a text and an image.
const mm = "From: +15550001111/TYPE=PLMN@mms.example.net\r\n" +
	"Subject: Hi\r\n" +
	"Content-Type: multipart/related; type=\"application/smil\"; start=\"<smil>\"; boundary=b\r\n" +
	"\r\n" +
	"--b\r\n" +
	"Content-Type: application/smil\r\nContent-ID: <smil>\r\n\r\n" +
	"<smil><body><par><img src=\"cat.gif\"/><text src=\"hi.txt\"/></par></body></smil>\r\n" +
	"--b\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\nContent-Location: hi.txt\r\n\r\n" +
	"Look at this cat!\r\n" +
	"--b\r\n" +
	"Content-Type: image/gif\r\nContent-Location: cat.gif\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
	"R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=\r\n" +
	"--b--\r\n"

func ExampleForMail() {
	br := bufio.NewReader(strings.NewReader(mm))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		panic(err)
	}
	var body bytes.Buffer
	ch, res, err := content.ForMail(h, br, &body, sevenbit.Limits{})
	if err != nil {
		fmt.Println("refused:", err) // a *sevenbit.MIMEError: 554 5.6.0
		return
	}
	// The caller replaces the Content-* fields of h with those of ch, and sends the body.
	fmt.Println("changed:", res.Changed)
	fmt.Println("Content-Type:", ch.Get("Content-Type"))
	fmt.Print(strings.ReplaceAll(body.String(), "\r\n", "\n"))
	// Output:
	// changed: true
	// Content-Type: multipart/mixed; boundary=b
	// --b
	// Content-Type: text/plain; charset=utf-8
	// Content-Location: hi.txt
	// Content-Disposition: inline
	//
	// Look at this cat!
	// --b
	// Content-Type: image/gif
	// Content-Location: cat.gif
	// Content-Transfer-Encoding: base64
	// Content-Disposition: attachment; filename=cat.gif
	//
	// R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=
	// --b
	// Content-Type: application/smil
	// Content-ID: <smil>
	// Content-Disposition: attachment; filename=part1.smil
	//
	// <smil><body><par><img src="cat.gif"/><text src="hi.txt"/></par></body></smil>
	// --b--
}

func ExampleForMMS() {
	mail := "Content-Type: multipart/alternative; boundary=alt\r\n\r\n" +
		"--alt\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Caf=E9 at noon?\r\n" +
		"--alt\r\nContent-Type: text/html; charset=iso-8859-1\r\n\r\n<p>Caf&eacute; at <b>noon</b>?</p>\r\n" +
		"--alt--\r\n"
	br := bufio.NewReader(strings.NewReader(mail))
	h, _ := textproto.ReadHeader(br)
	var body bytes.Buffer
	ch, _, err := content.ForMMS(h, br, &body, sevenbit.Limits{})
	if err != nil {
		panic(err)
	}
	fmt.Println("Content-Type:", ch.Get("Content-Type"))
	fmt.Println("Content-Transfer-Encoding:", ch.Get("Content-Transfer-Encoding"))
	fmt.Print(body.String())
	// Output:
	// Content-Type: text/plain; charset=utf-8
	// Content-Transfer-Encoding: base64
	// Q2Fmw6kgYXQgbm9vbj8=
}
