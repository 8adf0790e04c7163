// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1

import "testing"

func TestCheck(t *testing.T) {
	ok := 0
	files := corpus(t)
	for name, b := range files {
		p, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Check(); err != nil {
			t.Errorf("%s: %v", name, err)
		} else {
			ok++
		}
	}
	t.Logf("%d of %d corpus PDUs have their mandatory fields", ok, len(files))

	p := &PDU{Headers: []Header{
		{Field: FieldMessageType, Value: MSendConf},
		{Field: FieldMMSVersion, Value: Token(0x92)},
	}}
	if err := p.Check(); err == nil || err.Error() != "mm1: m-send-conf lacks X-Mms-Transaction-Id, X-Mms-Response-Status" {
		t.Errorf("Check = %v", err)
	}
	p = &PDU{Headers: []Header{
		{Field: FieldMessageType, Value: MSendReq},
		{Field: FieldTransactionID, Value: Text("1")},
		{Field: FieldMMSVersion, Value: Token(0x92)},
		{Field: FieldFrom, Value: From{Insert: true}},
		{Field: FieldContentType, Value: ContentType{MediaType: "text/plain"}},
	}}
	if err := p.Check(); err == nil || err.Error() != "mm1: m-send-req lacks To, Cc or Bcc" {
		t.Errorf("Check = %v", err)
	}
	p.Headers = append(p.Headers, Header{Field: FieldBcc, Value: EncodedString{Text: "a@b"}})
	if err := p.Check(); err != nil {
		t.Errorf("Check = %v", err)
	}
}
