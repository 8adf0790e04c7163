// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// corpusDir holds third-party PDUs (GPLv2, kept outside the repository; see its README.md).
var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus", "mm1-pdus")

func corpus(t testing.TB) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Fatalf("corpus %s: %v", corpusDir, err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		if !strings.EqualFold(filepath.Ext(e.Name()), ".mms") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(corpusDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	if len(out) == 0 {
		t.Fatalf("corpus %s: no *.mms files", corpusDir)
	}
	return out
}

// canonical is p as Decode reads back what Encode wrote: headers in Encode's order.
func canonical(p *PDU) *PDU {
	c := *p
	c.Headers = orderHeaders(p.Headers)
	if len(c.Headers) == 0 {
		c.Headers = nil
	}
	return &c
}

func roundTrip(t testing.TB, p *PDU) {
	t.Helper()
	enc, err := p.Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	q, err := Decode(enc)
	if err != nil {
		t.Fatalf("Decode(Encode(p)): %v\n% x", err, enc)
	}
	if want := canonical(p); !reflect.DeepEqual(q, want) {
		t.Fatalf("Decode(Encode(p)) differs:\n got %#v\nwant %#v\nwire % x", q, want, enc)
	}
}

func TestCorpus(t *testing.T) {
	files := corpus(t)
	n := 0
	for name, b := range files {
		t.Run(name, func(t *testing.T) {
			p, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if p.MessageType() == 0 {
				t.Errorf("no message type")
			}
			if ct, ok := p.ContentType(); ok && ct.IsMultipart() && p.Parts == nil {
				t.Errorf("multipart body not decoded: %+v", ct)
			}
			for _, h := range p.Headers {
				if _, raw := h.Value.(Raw); raw {
					t.Logf("%s: kept raw: %s", name, h)
				}
			}
			roundTrip(t, p)
			n++
		})
	}
	t.Logf("%d of %d corpus PDUs decode and round-trip", n, len(files))
}

func TestSpecExample(t *testing.T) {
	smil := []byte("<smil><body/></smil>")
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xD9}
	p := &PDU{
		Headers: []Header{
			{Field: FieldMessageType, Value: MSendReq},
			{Field: FieldTransactionID, Value: Text("T1")},
			{Field: FieldMMSVersion, Value: Token(0x93)},
			{Field: FieldFrom, Value: From{Insert: true}},
			{Field: FieldTo, Value: EncodedString{Text: "+15551234567/TYPE=PLMN"}},
			{Field: FieldSubject, Value: EncodedString{Charset: 106, Text: "Hé"}},
			{Field: FieldContentType, Value: ContentType{
				MediaType: "application/vnd.wap.multipart.related",
				Params: []Param{
					{Code: 0x89, Value: Text("application/smil")},
					{Code: 0x8A, Value: Text("<smil>")},
				},
			}},
		},
		Parts: []Part{
			{
				ContentType: ContentType{MediaType: "application/smil"},
				Headers:     []Header{{Field: 0xC0, Value: Text("<smil>")}},
				Data:        smil,
			},
			{
				ContentType: ContentType{MediaType: "image/jpeg"},
				Headers: []Header{
					{Field: 0x8E, Value: Text("img1.jpg")},
					{Field: 0xC0, Value: Text("<img1>")},
				},
				Data: jpeg,
			},
		},
	}
	var want []byte
	want = append(want, 0x8C, 0x80)
	want = append(want, 0x98, 'T', '1', 0)
	want = append(want, 0x8D, 0x93)
	want = append(want, 0x89, 0x01, 0x81)
	want = append(want, 0x97)
	want = append(want, "+15551234567/TYPE=PLMN\x00"...)
	want = append(want, 0x96, 0x05, 0xEA, 0x48, 0xC3, 0xA9, 0x00)
	want = append(want, 0x84, 0x1B, 0xB3, 0x89)
	want = append(want, "application/smil\x00"...)
	want = append(want, 0x8A)
	want = append(want, "<smil>\x00"...)
	want = append(want, 0x02)
	h1 := "application/smil\x00\xC0\"<smil>\x00"
	want = append(want, byte(len(h1)), byte(len(smil)))
	want = append(want, h1...)
	want = append(want, smil...)
	h2 := "\x9E\x8Eimg1.jpg\x00\xC0\"<img1>\x00"
	want = append(want, byte(len(h2)), byte(len(jpeg)))
	want = append(want, h2...)
	want = append(want, jpeg...)

	got, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Encode:\n got % x\nwant % x", got, want)
	}
	q, err := Decode(want)
	if err != nil {
		t.Fatal(err)
	}
	if q.MessageType() != MSendReq || q.TransactionID() != "T1" {
		t.Errorf("decoded %v %q", q.MessageType(), q.TransactionID())
	}
	if maj, min, ok := q.Version(); !ok || maj != 1 || min != 3 {
		t.Errorf("version %d.%d %v", maj, min, ok)
	}
	if len(q.Parts) != 2 || !bytes.Equal(q.Parts[1].Data, jpeg) {
		t.Errorf("parts %+v", q.Parts)
	}
	roundTrip(t, q)
}

// The m-notification-ind fragments of the spec's §5.7.
func TestNotificationFragments(t *testing.T) {
	b := []byte{0x8C, 0x82, 0x98, 'x', 0, 0x8D, 0x92,
		0x8A, 0x80,
		0x8E, 0x03, 0x01, 0xF4, 0x00,
		0x88, 0x05, 0x81, 0x03, 0x01, 0x51, 0x80}
	b = append(b, 0x83)
	b = append(b, "http://mmsc/x\x00"...)
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []Header{
		{Field: FieldMessageType, Name: "X-Mms-Message-Type", Value: MNotificationInd},
		{Field: FieldTransactionID, Name: "X-Mms-Transaction-Id", Value: Text("x")},
		{Field: FieldMMSVersion, Name: "X-Mms-MMS-Version", Value: Token(0x92)},
		{Field: FieldMessageClass, Name: "X-Mms-Message-Class", Value: Token(0x80)},
		{Field: FieldMessageSize, Name: "X-Mms-Message-Size", Value: Integer(128000)},
		{Field: FieldExpiry, Name: "X-Mms-Expiry", Value: TimeSpec{Relative: true, Seconds: 86400}},
		{Field: FieldContentLocation, Name: "X-Mms-Content-Location", Value: Text("http://mmsc/x")},
	}
	if !reflect.DeepEqual(p.Headers, want) {
		t.Fatalf("got %#v", p.Headers)
	}
	enc, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, b) {
		t.Fatalf("Encode:\n got % x\nwant % x", enc, b)
	}
	if s := p.Headers[3].String(); s != "X-Mms-Message-Class: Personal" {
		t.Errorf("String = %q", s)
	}
}

func TestUnknownFieldKept(t *testing.T) {
	b := []byte{0x8C, 0x81, 0x98, 'a', 0, 0x8D, 0x90,
		0xFE, 0x03, 1, 2, 3, // unknown code, Value-length form
		0xFD, 0x85, // unknown code, one octet
		'X', '-', 'A', 0, 'v', 0, // application header
		0x92, 0x01, 0x80, // Response-Status in the wrong form
	}
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, b) {
		t.Fatalf("Encode:\n got % x\nwant % x", enc, b)
	}
	if v, _ := p.Get("x-a"); v != Text("v") {
		t.Errorf("application header %v", v)
	}
	if v, _ := p.Field(FieldResponseStatus); !reflect.DeepEqual(v, Raw{0x01, 0x80}) {
		t.Errorf("raw %v", v)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, b := range [][]byte{
		{0x8C},             // no value
		{0x98, 'a'},        // text without NUL
		{0x8E, 0x05, 1, 2}, // length beyond the end
		{0x01, 0x80},       // shift octet
		{0x8E, 0x1F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, // Uintvar of 6 octets
	} {
		if _, err := Decode(b); err == nil {
			t.Errorf("Decode(% x) succeeded", b)
		}
	}
}

func TestPartContentDisposition(t *testing.T) {
	// As an iPhone sends it: attachment; filename=IMG_6807.jpg.
	wire := append([]byte{0x0F, 0x81, 0x86}, "IMG_6807.jpg\x00"...)
	v := decodeValue(lookupPart(0xAE).codec, wire)
	want := ContentDisposition{Disposition: "attachment", Params: []Param{{Code: 0x86, Name: "filename", Value: Text("IMG_6807.jpg")}}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got %#v", v)
	}
	got, err := encodeValue(nil, lookupPart(0xAE).codec, v)
	if err != nil || !bytes.Equal(got, wire) {
		t.Fatalf("encode = % x, %v", got, err)
	}
}

func TestTruncatedKeepsFields(t *testing.T) {
	b := []byte{0x8C, 0x80, 0x98, 'T', '1', 0, 0x8D, 0x92, 0x96, 0x05, 0xEA, 'a'}
	p, err := Decode(b)
	var de *DecodeError
	if !errors.As(err, &de) || de.Offset != 8 || de.Field != "Subject" {
		t.Fatalf("err = %v", err)
	}
	if p == nil || p.TransactionID() != "T1" || len(p.Headers) != 3 {
		t.Fatalf("partial PDU %+v", p)
	}
}

func TestElementDescriptor(t *testing.T) {
	wire := append([]byte{0x0B}, "http://x\x00\x82\x9E"...)
	v := decodeValue(lookup(FieldElementDescriptor).codec, wire)
	want := ElementDescriptor{Reference: "http://x", Params: []Param{{Code: 0x82, Name: "type", Value: Integer(0x1E)}}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got %#v", v)
	}
	got, err := encodeValue(nil, lookup(FieldElementDescriptor).codec, v)
	if err != nil || !bytes.Equal(got, wire) {
		t.Fatalf("encode = % x, %v", got, err)
	}
}

// Values of some corpus PDUs, and the PDU types their names announce.
func TestCorpusValues(t *testing.T) {
	files := corpus(t)
	p, err := Decode(files["openwave.mms"])
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range p.Headers {
		got = append(got, h.String())
	}
	want := []string{
		"X-Mms-Message-Type: m-send-req",
		"X-Mms-Transaction-Id: 1067263672",
		"X-Mms-MMS-Version: 1.0",
		"From: +16505550000/TYPE=PLMN",
		"To: 112/TYPE=PLMN",
		"Subject: rubrik",
		"X-Mms-Message-Class: Personal",
		"X-Mms-Priority: Normal",
		"X-Mms-Delivery-Report: No",
		`Content-Type: application/vnd.wap.multipart.related; start="<smil_0>"; type="application/smil"`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("openwave.mms headers:\n%s", strings.Join(got, "\n"))
	}
	if len(p.Parts) != 2 || p.Parts[1].ContentType.String() != `text/plain; charset="iso-8859-1"` ||
		p.Parts[1].Headers[0].String() != "Content-ID: <text_0>" {
		t.Errorf("openwave.mms parts: %+v", p.Parts)
	}
	for name, b := range files {
		p, _ := Decode(b)
		switch {
		case strings.HasPrefix(name, "ni-"):
			if p.MessageType() != MNotificationInd {
				t.Errorf("%s: %v", name, p.MessageType())
			}
		case strings.HasPrefix(name, "rc-"):
			if p.MessageType() != MRetrieveConf {
				t.Errorf("%s: %v", name, p.MessageType())
			}
		case strings.HasPrefix(name, "sr-"):
			if p.MessageType() != MSendReq {
				t.Errorf("%s: %v", name, p.MessageType())
			}
		}
	}
}

func TestHeaderString(t *testing.T) {
	for _, tc := range []struct {
		h    Header
		want string
	}{
		{Header{Field: FieldMMFlags, Name: "X-Mms-MM-Flags", Value: MMFlags{Op: 0x80, Keyword: EncodedString{Text: "k"}}}, "X-Mms-MM-Flags: add k"},
		{Header{Field: FieldMboxTotals, Name: "X-Mms-Mbox-Totals", Value: Quota{Unit: 0x81, Count: 9}}, "X-Mms-Mbox-Totals: 9 octets"},
		{Header{Field: FieldPreviouslySentDate, Name: "X-Mms-Previously-Sent-Date", Value: PreviouslySentDate{Count: 1, Date: 86400}}, "X-Mms-Previously-Sent-Date: 1 1970-01-02T00:00:00Z"},
		{Header{Field: FieldExpiry, Name: "X-Mms-Expiry", Value: TimeSpec{Seconds: 0}}, "X-Mms-Expiry: 1970-01-01T00:00:00Z"},
		{Header{Field: FieldMMSVersion, Name: "X-Mms-MMS-Version", Value: Version12}, "X-Mms-MMS-Version: 1.2"},
		{Header{Field: 0xC0, Name: "Content-ID", Value: Text("<a>")}, "Content-ID: <a>"},
		{Header{Field: 0xFE, Value: Raw{0x85}}, "field 0xfe: raw 85"},
	} {
		if got := tc.h.String(); got != tc.want {
			t.Errorf("String = %q, want %q", got, tc.want)
		}
	}
}

func TestNestedMultipart(t *testing.T) {
	inner := []Part{
		{ContentType: ContentType{MediaType: "text/plain", Params: []Param{{Code: 0x81, Name: "charset", Value: Integer(106)}}}, Data: []byte("hi")},
		{ContentType: ContentType{MediaType: "text/html"}, Headers: []Header{{Name: "X-Note", Value: Text("n")}}, Data: []byte("<p>hi</p>")},
	}
	b, err := EncodeMultipart(inner)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeMultipart(b)
	if err != nil || !reflect.DeepEqual(got, inner) {
		t.Fatalf("DecodeMultipart = %+v, %v", got, err)
	}
	if _, err := DecodeMultipart(append(b, 0)); err == nil {
		t.Error("trailing octet accepted")
	}
}

func TestPDUAdd(t *testing.T) {
	var p PDU
	p.Add(FieldMessageType, MSendConf)
	p.Add(FieldTransactionID, Text("t1"))
	if len(p.Headers) != 2 || p.Headers[1].Name != "X-Mms-Transaction-Id" || p.MessageType() != MSendConf || p.TransactionID() != "t1" {
		t.Errorf("Add: %+v", p.Headers)
	}
}
