// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1mime

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm1"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm3"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// TestForwardRequest sends what ToMIME writes through the submission pipeline of a mail-form MM:
// mm3.NewForwardRequest (the sender's X-Mms-* fields read) and mm4.Parse of the REQ.
func TestForwardRequest(t *testing.T) {
	m, err := ToMIME(buildPDU(t), Options{Domain: testDomain, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	sender, _ := mmsmap.ParseAddress("+15550001111")
	rcpt, _ := mmsmap.ParseAddress("+15551234567")
	req, err := mm3.NewForwardRequest(m.Header, mm3.ForwardOptions{
		Version:       "6.10.0",
		TransactionID: "T1@" + testDomain,
		MessageID:     "M1@" + testDomain,
		Sender:        sender,
		SenderDomain:  testDomain,
		Recipients:    []mmsmap.Address{rcpt},
		Form:          mmsmap.FormPLMN,
		PeerDomain:    "mms.peer.example",
		Plan:          mmsmap.NumberPlan{CountryCode: "1", NationalLengths: []int{10}},
		Now:           testNow,
		ClientFields:  true,
	})
	if err != nil {
		t.Fatalf("NewForwardRequest: %v", err)
	}
	msg, err := mm4.Parse(req.Header)
	if err != nil {
		t.Fatalf("mm4.Parse: %v", err)
	}
	if msg.Priority != "High" || msg.MessageClass != "Advertisement" || !msg.DeliveryReport || msg.Expiry.Relative == 0 {
		t.Errorf("REQ %+v", msg)
	}
	if !strings.Contains(msg.Subject, "=?utf-8?") {
		t.Errorf("Subject %q", msg.Subject)
	}
	if ct := req.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/related") {
		t.Errorf("Content-Type %q", ct)
	}

	// The REQ with the body, as the peer receives it, converts for the handset.
	var b bytes.Buffer
	if err := textproto.WriteHeader(&b, req.Header); err != nil {
		t.Fatal(err)
	}
	b.Write(m.Body)
	br := bufio.NewReader(&b)
	h, err := textproto.ReadHeader(br)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ToRetrieveConf(h, br, FromOptions{TransactionID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	compareLeaves(t, mm1Leaves(t, p.Parts), mm1Leaves(t, buildPDU(t).Parts))
	if v, _ := p.Field(mm1.FieldMessageID); v != mm1.Text("M1@"+testDomain) {
		t.Errorf("Message-ID %v", v)
	}
}

func TestForwardReq(t *testing.T) {
	p := &mm1.PDU{Headers: []mm1.Header{
		{Field: mm1.FieldMessageType, Value: mm1.MForwardReq},
		{Field: mm1.FieldTransactionID, Value: mm1.Text("F1")},
		{Field: mm1.FieldMMSVersion, Value: mm1.Version12},
		{Field: mm1.FieldFrom, Value: mm1.From{Insert: true}},
		{Field: mm1.FieldTo, Value: mm1.EncodedString{Text: "+15551234567/TYPE=PLMN"}},
		{Field: mm1.FieldReadReport, Value: mm1.Yes},
		{Field: mm1.FieldContentLocation, Value: mm1.Text("http://mmsc/x")},
	}}
	m, err := ToMIME(p, Options{Domain: testDomain, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Body) != 0 || m.Header.Has("Content-Type") || m.Header.Get("X-Mms-Read-Reply") != "Yes" {
		t.Errorf("%q %v", m.Body, m.Header.Map())
	}
	if len(m.Recipients) != 1 {
		t.Errorf("Recipients %q", m.Recipients)
	}
	for _, typ := range []mm1.Token{mm1.MNotificationInd, mm1.MSendConf, 0} {
		p.Headers[0].Value = typ
		if _, err := ToMIME(p, Options{Domain: testDomain}); err == nil {
			t.Errorf("type %v accepted", typ)
		}
	}
	p.Headers[0].Value = mm1.MSendReq
	if _, err := ToMIME(p, Options{}); err == nil {
		t.Error("no Domain accepted")
	}
	if _, err := ToMIME(nil, Options{Domain: testDomain}); err == nil {
		t.Error("nil PDU accepted")
	}
}
