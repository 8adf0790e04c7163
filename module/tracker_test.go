// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/maddy-mms/maddy-mms/internal/state"
)

// trackTwo records an MM to two numbers through peer demo, one request
// asking for a response.
func trackTwo(t *testing.T, f *deliverFixture, msgID, txID string) {
	t.Helper()
	m := state.SentMM{MessageID: msgID, Sender: "+15550001111", NotifyTo: "alice@example.net", Subject: "two",
		Recipients: []state.SentRecipient{{Number: "+15557770001", Peer: "demo", TransactionID: txID}, {Number: "+15557770002", Peer: "demo", TransactionID: txID}}}
	req := state.Request{Peer: "demo", TransactionID: txID, MessageID: msgID, MailFrom: "+15550001111/TYPE=PLMN@mms.example.net",
		NotifyTo: "alice@example.net", Subject: "two", Recipients: []state.Recipient{
			{Number: "+15557770001", RcptTo: "+15557770001/TYPE=PLMN@mms.peer.example"},
			{Number: "+15557770002", RcptTo: "+15557770002/TYPE=PLMN@mms.peer.example"}}}
	if err := f.relay.tracker.Track(context.Background(), m, []state.Request{req}); err != nil {
		t.Fatal(err)
	}
}

func res(txID, status, scope string) string {
	s := fmt.Sprintf("X-Mms-3GPP-MMS-Version: 6.3.0\nX-Mms-Message-Type: MM4_forward.RES\nX-Mms-Transaction-ID: %s\n"+
		"X-Mms-Message-ID: peer-own\nX-Mms-Request-Status-Code: %s\nX-Mms-Status-Text: said %s\n", txID, status, status)
	if scope != "" {
		s += "X-Mms-Request-Recipients: " + scope + "\n"
	}
	return s + "Sender: system-user@mms.peer.example\nTo: system-user@mms.example.net\n\n"
}

// TestResponsesPerRecipient: each response resolves the recipients it
// covers; a DSN names only the recipients that failed, once.
func TestResponsesPerRecipient(t *testing.T) {
	f := newDeliverFixture(t)
	trackTwo(t, f, "m1", "t1")
	send := func(data string) {
		t.Helper()
		if stage, err := f.run(t, "127.0.0.1", data, "system-user@mms.example.net"); err != nil {
			t.Fatalf("%s: %v", stage, err)
		}
	}
	send(res("t1", "Ok", "+15557770001/TYPE=PLMN@mms.peer.example"))
	if len(f.dsn.deliveries) != 0 {
		t.Fatalf("a DSN for an acknowledged recipient")
	}
	send(res("t1", "Error-content-not-accepted", "15557770002@mms.peer.example"))
	if len(f.dsn.deliveries) != 1 || !f.dsn.deliveries[0].committed {
		t.Fatalf("%d DSNs, want one committed", len(f.dsn.deliveries))
	}
	dsn := string(f.dsn.deliveries[0].body)
	if !strings.Contains(dsn, "+15557770002") || strings.Contains(dsn, "+15557770001") || f.dsn.deliveries[0].rcpts[0] != "alice@example.net" {
		t.Errorf("DSN to %v names the wrong recipients:\n%s", f.dsn.deliveries[0].rcpts, dsn)
	}
	req, _, _ := f.relay.state.GetRequest(context.Background(), "demo", "t1")
	if req.State != state.Failed {
		t.Errorf("request state %s, want failed", req.State)
	}
	send(res("t1", "Error-content-not-accepted", ""))
	if len(f.dsn.deliveries) != 1 {
		t.Errorf("a response for answered recipients made another DSN")
	}

	// Without a scope a response covers every pending recipient.
	trackTwo(t, f, "m2", "t2")
	send(res("t2", "Error-service-denied", ""))
	if len(f.dsn.deliveries) != 2 {
		t.Fatalf("%d DSNs", len(f.dsn.deliveries))
	}
	if dsn := string(f.dsn.deliveries[1].body); !strings.Contains(dsn, "+15557770001") || !strings.Contains(dsn, "+15557770002") {
		t.Errorf("DSN does not name both:\n%s", dsn)
	}
	// Another peer's response with the same transaction ID changes nothing.
	trackTwo(t, f, "m3", "t3")
	if _, err := f.run(t, "127.0.0.2", res("t3", "Error-service-denied", ""), "system-user@mms.example.net"); err != nil {
		t.Fatal(err)
	}
	if req, _, _ := f.relay.state.GetRequest(context.Background(), "demo", "t3"); len(f.dsn.deliveries) != 2 || req.State != state.Pending {
		t.Errorf("another peer's response resolved the request (%s) or made a DSN", req.State)
	}
}

const deliveryReport = `X-Mms-3GPP-MMS-Version: 5.5.0
X-Mms-Message-Type: MM4_delivery_report.REQ
X-Mms-Transaction-ID: "DR-%s"
X-Mms-Message-ID: "%s"
X-Mms-Ack-Request: Yes
X-Mms-MM-Status-Code: Retrieved
From: +15550001111/TYPE=PLMN@mms.example.net
To: +15557770002/TYPE=PLMN
Date: Fri, 27 Nov 2026 14:21:10 GMT

`

// TestReports: a peer's delivery report about an MM we sent is recorded
// against the MM and answered; it reaches no mailbox.
func TestReports(t *testing.T) {
	f := newDeliverFixture(t)
	trackTwo(t, f, "m1", "t1")
	if _, err := f.run(t, "127.0.0.1", fmt.Sprintf(deliveryReport, "1", "m1"), "+15550001111@mms.example.net"); err != nil {
		t.Fatal(err)
	}
	for _, d := range f.local.deliveries {
		if d.committed {
			t.Errorf("the report reached a mailbox")
		}
	}
	if len(f.out.deliveries) != 1 || !strings.Contains(resLines(t, f.out.deliveries[0]), "X-Mms-Message-Type: MM4_delivery_report.RES\r\n") ||
		!strings.Contains(resLines(t, f.out.deliveries[0]), "X-Mms-Request-Status-Code: Ok\r\n") {
		t.Fatalf("responses: %d", len(f.out.deliveries))
	}
	m, _, _ := f.relay.state.Sent(context.Background(), "m1")
	if m.Recipients[1].Delivery != "Retrieved" || m.Recipients[0].Delivery != "" {
		t.Errorf("report not recorded against +15557770002 (From and To swapped): %+v", m.Recipients)
	}
	// A report on an MM we never sent.
	if _, err := f.run(t, "127.0.0.1", fmt.Sprintf(deliveryReport, "2", "nope"), "system-user@mms.example.net"); err != nil {
		t.Fatal(err)
	}
	if len(f.out.deliveries) != 2 || !strings.Contains(resLines(t, f.out.deliveries[1]), "X-Mms-Request-Status-Code: Error-message-not-found\r\n") {
		t.Errorf("report on an unknown MM:\n%s", resLines(t, f.out.deliveries[1]))
	}
}
