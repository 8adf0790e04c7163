// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1_test

import (
	"fmt"

	"github.com/maddy-mms/maddy-mms/mmsmap/mm1"
)

func Example() {
	// An m-send-conf answering a handset's m-send-req.
	conf := &mm1.PDU{Headers: []mm1.Header{
		{Field: mm1.FieldMessageType, Value: mm1.MSendConf},
		{Field: mm1.FieldTransactionID, Value: mm1.Text("T1")},
		{Field: mm1.FieldMMSVersion, Value: mm1.Version13},
		{Field: mm1.FieldResponseStatus, Value: mm1.Token(0x80)},
		{Field: mm1.FieldMessageID, Value: mm1.Text("m-0001@mmsc")},
	}}
	b, err := conf.Encode()
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", b)

	p, err := mm1.Decode(b)
	if err != nil {
		panic(err)
	}
	for _, h := range p.Headers {
		fmt.Println(h)
	}
	major, minor, _ := p.Version()
	fmt.Println(p.MessageType() == mm1.MSendConf, p.TransactionID(), major, minor)
	// Output:
	// 8c 81 98 54 31 00 8d 93 92 80 8b 6d 2d 30 30 30 31 40 6d 6d 73 63 00
	// X-Mms-Message-Type: m-send-conf
	// X-Mms-Transaction-Id: T1
	// X-Mms-MMS-Version: 1.3
	// X-Mms-Response-Status: Ok
	// Message-ID: m-0001@mmsc
	// true T1 1 3
}
