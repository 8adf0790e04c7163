// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm4_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

func ExampleParse() {
	// The header of an MM4_forward.REQ as a peer sends it: names in any case, quoted IDs.
	const req = "X-Mms-3GPP-MMS-Version: 6.10.0\r\n" +
		"x-mms-message-type: MM4_forward.REQ\r\n" +
		"X-Mms-Transaction-ID: \"tx-0001@mms.peer.example\"\r\n" +
		"X-Mms-Message-ID: \"m-0001@mms.peer.example\"\r\n" +
		"X-Mms-Ack-Request: Yes\r\n" +
		"X-Mms-Originator-System: system-user@mms.peer.example\r\n" +
		"From: +15550002222/TYPE=PLMN@mms.peer.example\r\n" +
		"To: +15550001111/TYPE=PLMN@mms.example.net\r\n" +
		"Subject: hello\r\n" +
		"Content-Type: text/plain\r\n" +
		"\r\n"
	h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(req)))
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := mm4.Parse(h)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Type, m.TransactionID, m.AckRequest)

	// The peer asked for an acknowledgement: answer with an MM4_forward.RES, which echoes the
	// transaction ID exactly as received.
	res := mm4.NewResponse(m, mmsmap.StatusOk, "")
	res.Sender = "system-user@mms.example.net"
	res.To = []string{m.OriginatorSystem}
	rh, err := res.Header()
	if err != nil {
		fmt.Println(err)
		return
	}
	var b bytes.Buffer
	if err := textproto.WriteHeader(&b, rh); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(strings.ReplaceAll(b.String(), "\r\n", "\n"))
	// Output:
	// MM4_forward.REQ tx-0001@mms.peer.example true
	// X-Mms-3GPP-MMS-Version: 6.10.0
	// X-Mms-Message-Type: MM4_forward.RES
	// X-Mms-Transaction-ID: "tx-0001@mms.peer.example"
	// X-Mms-Message-ID: "m-0001@mms.peer.example"
	// X-Mms-Request-Status-Code: Ok
	// X-Mms-Status-Text: Message accepted
	// Sender: system-user@mms.example.net
	// To: system-user@mms.peer.example
	// MIME-Version: 1.0
}

// A receiving MMSC has three cases to tell apart: a message it can use, one it can answer only with
// an error status, and one it cannot answer at all.
func ExampleFieldError_Unanswerable() {
	for _, header := range []string{
		// Usable: the bad optional flag is ignored (TS 23.140 §8.4.6).
		"X-Mms-3GPP-MMS-Version: 6.10.0\r\nX-Mms-Message-Type: MM4_delivery_report.REQ\r\n" +
			"X-Mms-Transaction-ID: dr-1\r\nX-Mms-Message-ID: m-1\r\nFrom: a@mms.peer.example\r\n" +
			"To: b@mms.example.net\r\nX-Mms-MM-Status-Code: Retrieved\r\nX-Mms-Forward-To-Originator-UA: Maybe\r\n\r\n",
		// Answerable: the mandatory X-Mms-MM-Status-Code is not a known status.
		"X-Mms-3GPP-MMS-Version: 6.10.0\r\nX-Mms-Message-Type: MM4_delivery_report.REQ\r\n" +
			"X-Mms-Transaction-ID: dr-2\r\nX-Mms-Message-ID: m-1\r\nFrom: a@mms.peer.example\r\n" +
			"To: b@mms.example.net\r\nX-Mms-MM-Status-Code: Delivered\r\n\r\n",
		// Unanswerable: no transaction ID to echo.
		"X-Mms-3GPP-MMS-Version: 6.10.0\r\nX-Mms-Message-Type: MM4_delivery_report.REQ\r\n" +
			"X-Mms-Message-ID: m-1\r\nFrom: a@mms.peer.example\r\nTo: b@mms.example.net\r\n\r\n",
	} {
		h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(header)))
		if err != nil {
			fmt.Println(err)
			return
		}
		m, err := mm4.Parse(h)
		var fe *mm4.FieldError
		switch {
		case err == nil:
			fmt.Printf("use %s %s, ignored %v\n", m.Type, m.TransactionID, m.Ignored)
		case errors.As(err, &fe) && fe.Unanswerable():
			fmt.Printf("554 5.6.0 %v\n", err)
		default:
			res := mm4.NewResponse(m, mmsmap.StatusErrorMessageFormatCorrupt, err.Error())
			fmt.Printf("answer %s %s: %s: %s\n", res.Type, res.TransactionID, res.RequestStatus, res.StatusText)
		}
	}
	// Output:
	// use MM4_delivery_report.REQ dr-1, ignored [X-Mms-Forward-To-Originator-UA: bad value "Maybe": neither "Yes" nor "No"]
	// answer MM4_delivery_report.RES dr-2: Error-message-format-corrupt: X-Mms-MM-Status-Code: bad value "Delivered": unknown MM status
	// 554 5.6.0 X-Mms-Transaction-ID: missing mandatory header
}
