// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm4_test

import (
	"bufio"
	"bytes"
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
