// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func writeText(t testing.TB, p *PDU) string {
	t.Helper()
	var b strings.Builder
	if err := p.WriteText(&b); err != nil {
		t.Fatalf("WriteText: %v", err)
	}
	return b.String()
}

// Every corpus PDU: Decode → WriteText → ParseText gives the values Decode gave, and Encode of
// that → Decode too.
func TestTextCorpus(t *testing.T) {
	for name, b := range corpus(t) {
		t.Run(name, func(t *testing.T) {
			p, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			text := writeText(t, p)
			q, err := ParseText(strings.NewReader(text))
			if err != nil {
				t.Fatalf("ParseText: %v\n%s", err, text)
			}
			if !reflect.DeepEqual(q.Headers, p.Headers) {
				t.Errorf("headers differ:\n got %#v\nwant %#v", q.Headers, p.Headers)
			}
			if !reflect.DeepEqual(q.Parts, p.Parts) || !bytes.Equal(q.Body, p.Body) {
				t.Errorf("body differs")
			}
			enc, err := q.Encode()
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			r, err := Decode(enc)
			if err != nil {
				t.Fatalf("Decode(Encode): %v", err)
			}
			if want := canonical(p); !reflect.DeepEqual(r, want) {
				t.Errorf("Decode(Encode(ParseText)) differs from Decode")
			}
			if again := writeText(t, q); again != text {
				t.Errorf("WriteText(ParseText(text)) differs:\n%s", again)
			}
		})
	}
}

func TestTextOpenwave(t *testing.T) {
	p, err := Decode(corpus(t)["openwave.mms"])
	if err != nil {
		t.Fatal(err)
	}
	text := writeText(t, p)
	for _, want := range []string{
		"X-Mms-Message-Type: m-send-req\n",
		"X-Mms-Transaction-Id: \"1067263672\"\n",
		"X-Mms-MMS-Version: 1.0\n",
		"From: \"+16505550000/TYPE=PLMN\"\n",
		"X-Mms-Message-Class: Personal\n",
		"Content-Type: application/vnd.wap.multipart.related; start=\"<smil_0>\"; type=\"application/smil\"\n",
		"\n--- part 1 of 2\nContent-Type: application/smil\nContent-ID: \"<smil_0>\"\nData: text",
		"\n--- part 2 of 2\nContent-Type: text/plain; \"charset\"=\"iso-8859-1\"\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}

// Values of every kind, and the text they are written as.
func TestTextValues(t *testing.T) {
	for _, tc := range []struct {
		h    Header
		text string
	}{
		{Header{Field: FieldMessageType, Value: MNotificationInd}, "X-Mms-Message-Type: m-notification-ind"},
		{Header{Field: FieldMMSVersion, Value: Version12}, "X-Mms-MMS-Version: 1.2"},
		{Header{Field: FieldMMSVersion, Value: Token(0x9F)}, "X-Mms-MMS-Version: 1.15"},
		{Header{Field: FieldPriority, Value: Token(0x85)}, "X-Mms-Priority: 0x85"},
		{Header{Field: FieldReadStatus, Value: Token(0x81)}, "X-Mms-Read-Status: Deleted without being read"},
		{Header{Field: FieldAttributes, Value: Token(0x8A)}, "X-Mms-Attributes: 0x8a"},
		{Header{Field: FieldMessageClass, Value: Text("Personal")}, `X-Mms-Message-Class: "Personal"`},
		{Header{Field: FieldMessageClass, Value: Token(0x83)}, `X-Mms-Message-Class: Auto`},
		{Header{Field: FieldTransactionID, Value: Text("")}, `X-Mms-Transaction-Id: ""`},
		{Header{Field: FieldMessageID, Value: Text("a\"b\\c\x01\xff")}, `Message-ID: "a\"b\\c\x01\xff"`},
		{Header{Field: FieldSubject, Value: EncodedString{Text: "plain"}}, `Subject: "plain"`},
		{Header{Field: FieldSubject, Value: EncodedString{Charset: 106, Text: "Hé; charset=x"}}, `Subject: "Hé; charset=x"; charset=utf-8`},
		{Header{Field: FieldSubject, Value: EncodedString{Charset: 9999, Text: ""}}, `Subject: ""; charset=9999`},
		{Header{Field: FieldFrom, Value: From{Insert: true}}, "From: <insert-address>"},
		{Header{Field: FieldFrom, Value: From{Address: EncodedString{Text: "<insert-address>"}}}, `From: "<insert-address>"`},
		{Header{Field: FieldDate, Value: Date(1307108222)}, "Date: 2011-06-03T13:37:02Z"},
		{Header{Field: FieldDate, Value: Date(0)}, "Date: 1970-01-01T00:00:00Z"},
		{Header{Field: FieldDate, Value: Date(1 << 63)}, "Date: @9223372036854775808"},
		{Header{Field: FieldExpiry, Value: TimeSpec{Relative: true, Seconds: 86400}}, "X-Mms-Expiry: +86400s"},
		{Header{Field: FieldExpiry, Value: TimeSpec{Seconds: 86400}}, "X-Mms-Expiry: 1970-01-02T00:00:00Z"},
		{Header{Field: FieldMessageSize, Value: Integer(1<<64 - 1)}, "X-Mms-Message-Size: 18446744073709551615"},
		{Header{Field: FieldPreviouslySentBy, Value: PreviouslySentBy{Count: 2, Address: EncodedString{Charset: 4, Text: "a b"}}}, `X-Mms-Previously-Sent-By: 2 "a b"; charset=iso-8859-1`},
		{Header{Field: FieldPreviouslySentDate, Value: PreviouslySentDate{Count: 1, Date: 86400}}, "X-Mms-Previously-Sent-Date: 1 1970-01-02T00:00:00Z"},
		{Header{Field: FieldMMFlags, Value: MMFlags{Op: 0x82, Keyword: EncodedString{Text: "k"}}}, `X-Mms-MM-Flags: filter "k"`},
		{Header{Field: FieldMMFlags, Value: MMFlags{Op: 0x90, Keyword: EncodedString{Text: "k"}}}, `X-Mms-MM-Flags: 0x90 "k"`},
		{Header{Field: FieldMboxQuotas, Value: Quota{Unit: 0x80, Count: 10}}, "X-Mms-Mbox-Quotas: 10 messages"},
		{Header{Field: FieldContentLocation, Value: Text(" http://x/")}, `X-Mms-Content-Location: " http://x/"`},
		{Header{Field: FieldContentLocation, Value: IndexedText{Index: 3, Text: "http://x/"}}, `X-Mms-Content-Location: 3 "http://x/"`},
		{Header{Field: FieldContentType, Value: ContentType{MediaType: "application/vnd.wap.multipart.related", Params: []Param{
			{Code: 0x89, Name: "type", Value: Text("application/smil")},
			{Code: 0x83, Name: "type", Value: Integer(0x33)},
			{Code: 0x99, Name: "start", Value: Text("<a>")},
			{Code: 0x81, Name: "charset", Value: Integer(106)},
			{Code: 0x81, Name: "charset", Value: Integer(12345)},
			{Name: "charset", Value: Text("iso-8859-1")},
			{Name: "x=y;z", Value: Text("")},
			{Code: 0xC0, Value: Integer(1)},
		}}}, `Content-Type: application/vnd.wap.multipart.related; type="application/smil"; 0x83=51; 0x99="<a>"; charset=utf-8; charset=12345; "charset"="iso-8859-1"; "x=y;z"=""; 0xc0=1`},
		{Header{Field: FieldContentType, Value: ContentType{MediaType: "raw:x y"}}, `Content-Type: "raw:x y"`},
		{Header{Field: FieldContentType, Value: ContentType{MediaType: ""}}, `Content-Type: ""`},
		{Header{Field: FieldElementDescriptor, Value: ElementDescriptor{Reference: "http://x/?a=b", Params: []Param{
			{Code: 0x82, Name: "type", Value: Integer(0x1E)},
			{Code: 0x81, Value: Integer(106)},
			{Name: "type", Value: Text("t")},
		}}}, `X-Mms-Element-Descriptor: http://x/?a=b; type=30; 0x81=106; "type"="t"`},
		{Header{Field: FieldResponseStatus, Value: Raw{0x01, 0x80}}, "X-Mms-Response-Status: raw:0180"},
		{Header{Field: FieldContent, Value: Raw{0x85}}, "Content: raw:85"},
		{Header{Field: 0xFE, Value: Raw{0x03, 1, 2, 3}}, "0xfe: raw:03010203"},
		{Header{Name: "X-Foo", Value: Text("bar")}, `"X-Foo": "bar"`},
		{Header{Name: "Subject", Value: Text("app")}, `"Subject": "app"`},
		{Header{Name: "0x8c", Value: Raw{'a', 0}}, `"0x8c": raw:6100`},
	} {
		h := tc.h
		if h.Field != 0 {
			h.Name = FieldName(h.Field)
		}
		p := &PDU{Headers: []Header{h}}
		text := writeText(t, p)
		if text != tc.text+"\n" {
			t.Errorf("%v: text %q, want %q", h, text, tc.text)
			continue
		}
		q, err := ParseText(strings.NewReader(text))
		if err != nil {
			t.Errorf("ParseText(%q): %v", text, err)
			continue
		}
		// Decode names typed parameters from their codes; so does ParseText.
		if !reflect.DeepEqual(q, p) {
			t.Errorf("ParseText(%q) = %#v, want %#v", text, q.Headers, p.Headers)
		}
	}
}

// Part headers and data of every form.
func TestTextParts(t *testing.T) {
	p := &PDU{
		Headers: []Header{
			{Field: FieldMessageType, Name: "X-Mms-Message-Type", Value: MSendReq},
			{Field: FieldContentType, Name: "Content-Type", Value: ContentType{MediaType: "application/vnd.wap.multipart.mixed"}},
		},
		Parts: []Part{
			{ContentType: ContentType{MediaType: "text/plain", Params: []Param{{Code: 0x81, Name: "charset", Value: Integer(106)}}},
				Headers: []Header{
					{Field: 0xC0, Name: "Content-ID", Value: Text("<t>")},
					{Field: 0x8E, Name: "Content-Location", Value: Text("t.txt")},
					{Field: 0xAE, Name: "Content-Disposition", Value: ContentDisposition{Disposition: "attachment", Params: []Param{{Code: 0x86, Name: "filename", Value: Text("t.txt")}}}},
					{Field: 0xC5, Name: "Content-Disposition", Value: ContentDisposition{Disposition: "inline"}},
					{Field: 0x91, Value: Raw{0x83}},
					{Name: "Data", Value: Text("d")},
					{Name: "Content-Type", Value: Text("x")},
				},
				Data: []byte("Hello,\nwörld\n\n| not a line\n--- not a part\n")},
			{ContentType: ContentType{MediaType: "application/smil"}, Data: []byte("<smil>\r\n<body/>\r\n</smil>")},
			{ContentType: ContentType{MediaType: "image/jpeg"}, Data: bytes.Repeat([]byte{0xFF, 0xD8, 0, 1, 2}, 40)},
			{ContentType: ContentType{MediaType: "text/plain"}, Data: []byte("lone\rCR")},
			{ContentType: ContentType{MediaType: "text/plain"}, Data: []byte("mixed\r\nends\n")},
			{ContentType: ContentType{MediaType: "text/plain"}, Data: []byte("nul\x00")},
			{ContentType: ContentType{MediaType: "text/plain"}, Data: []byte("\n")},
			{ContentType: ContentType{MediaType: "text/plain"}, Data: []byte("trailing  \t")},
			{ContentType: ContentType{MediaType: "audio/amr"}},
		},
	}
	text := writeText(t, p)
	for _, want := range []string{
		"\n--- part 1 of 9\nContent-Type: text/plain; charset=utf-8\nContent-ID: \"<t>\"\nContent-Location: \"t.txt\"\n" +
			"Content-Disposition: attachment; filename=\"t.txt\"\n0xc5: inline\n0x91: raw:83\n\"Data\": \"d\"\n\"Content-Type\": \"x\"\n" +
			"Data: text\n| Hello,\n| wörld\n|\n| | not a line\n| --- not a part\n|\n",
		"\n--- part 2 of 9\nContent-Type: application/smil\nData: text, crlf\n| <smil>\n| <body/>\n| </smil>\n",
		"\n--- part 3 of 9\nContent-Type: image/jpeg\nData: base64, 200 bytes\n/9gAAQL/",
		"\n--- part 4 of 9\nContent-Type: text/plain\nData: base64, 7 bytes\nbG9uZQ1DUg==\n",
		"\n--- part 7 of 9\nContent-Type: text/plain\nData: text\n|\n|\n",
		"\n--- part 9 of 9\nContent-Type: audio/amr\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	q, err := ParseText(strings.NewReader(text))
	if err != nil {
		t.Fatalf("ParseText: %v\n%s", err, text)
	}
	if !reflect.DeepEqual(q, p) {
		t.Fatalf("ParseText differs:\n got %#v\nwant %#v", q, p)
	}
	// The same with CR LF line ends, comments and extra blank lines.
	crlf := "# a comment\r\n\r\n" + strings.ReplaceAll(text, "\n", "\r\n")
	crlf = strings.Replace(crlf, "\r\n--- part 2", "\r\n\r\n# here\r\n--- part 2", 1)
	if q, err = ParseText(strings.NewReader(crlf)); err != nil || !reflect.DeepEqual(q, p) {
		t.Fatalf("ParseText with CR LF: %v", err)
	}
	enc, err := q.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(enc); err != nil {
		t.Fatal(err)
	}
}

func TestTextBodies(t *testing.T) {
	for _, p := range []*PDU{
		{},
		{Headers: []Header{{Field: FieldContentType, Name: "Content-Type", Value: ContentType{MediaType: "text/plain"}}}, Body: []byte("hi")},
		{Headers: []Header{{Field: FieldContentType, Name: "Content-Type", Value: ContentType{MediaType: "application/vnd.wap.multipart.mixed"}}}, Body: []byte{0x05, 0x01}},
		{Headers: []Header{{Field: FieldContentType, Name: "Content-Type", Value: ContentType{MediaType: "application/vnd.wap.multipart.mixed"}}}, Parts: []Part{}},
	} {
		text := writeText(t, p)
		q, err := ParseText(strings.NewReader(text))
		if err != nil || !reflect.DeepEqual(q, p) {
			t.Errorf("ParseText(%q) = %#v, %v; want %#v", text, q, err, p)
		}
	}
}

// Texts ParseText refuses, and the line it names.
func TestParseTextErrors(t *testing.T) {
	for _, tc := range []struct {
		text string
		line int
	}{
		{"X-Mms-Message-Type: m-bogus\n", 1},
		{"X-Mms-Transaction-Id: T1\n", 1},       // unquoted text
		{"X-Mms-Transaction-Id: \"T1\n", 1},     // unterminated
		{"X-Mms-Transaction-Id: \"T1\" x\n", 1}, // after the quote
		{"\n\nSubject: \"a\"; charset=klingon\n", 3},
		{"Date: yesterday\n", 1},
		{"Date: 1969-12-31T23:59:59Z\n", 1},
		{"X-Mms-Expiry: +5m\n", 1},
		{"X-Mms-MMS-Version: 1.16\n", 1},
		{"X-Mms-Priority: 0x05\n", 1},
		{"0x05: raw:80\n", 1},
		{"0xfe: \"text\"\n", 1}, // an unknown field takes raw only
		{"0xfe: raw:0501\n", 1}, // not self-delimiting
		{"0xfe: raw:zz\n", 1},
		{"Subject \"a\"\n", 1},
		{"X-Mms-Message-Size: -1\n", 1},
		{"Content-Type: text/plain; charset\n", 1},
		{"Content-Type: text/plain; 0x05=1\n", 1},
		{"Content-Type: text/plain; name=bare\n", 1},
		{"Content-Type: application/vnd.wap.multipart.mixed\n\n--- part 2 of 2\n", 3},
		{"Content-Type: application/vnd.wap.multipart.mixed\n\n--- part 1 of 2\nContent-Type: text/plain\n", 3},
		{"Content-Type: application/vnd.wap.multipart.mixed\n\n--- part 1\nContent-ID: \"<a>\"\n", 3},
		{"Content-Type: application/vnd.wap.multipart.mixed\n\n--- part 1\nContent-Type: text/plain\nContent-Type: text/plain\n", 5},
		{"--- part 1\nContent-Type: a/b\nData: text\n| x\nContent-ID: \"<a>\"\n", 5},
		{"--- part 1\nContent-Type: a/b\nData: text\n|x\n", 4},
		{"--- part 1\nContent-Type: a/b\nData: text\n\n", 3},
		{"--- part 1\nContent-Type: a/b\nData: base64, 3 bytes\nAAAA\nAAAA\n", 3},
		{"--- part 1\nContent-Type: a/b\nData: base64\nA!AA\n", 3},
		{"--- part 1\nContent-Type: a/b\nData: hex\n", 3},
		{"--- body\nData: text\n| x\n--- part 1\n", 4},
		{"--- body\nContent-ID: \"x\"\n", 2},
		{"--- no parts\n--- part 1\n", 2},
		{"--- chapter 1\n", 1},
	} {
		_, err := ParseText(strings.NewReader(tc.text))
		var te *TextError
		if !errors.As(err, &te) {
			t.Errorf("ParseText(%q) = %v, want a TextError", tc.text, err)
			continue
		}
		if te.Line != tc.line {
			t.Errorf("ParseText(%q): %v, want line %d", tc.text, err, tc.line)
		}
	}
}

// Hand-written text: case, bare names, optional counts.
func TestParseTextLenient(t *testing.T) {
	text := "x-mms-message-type: M-SEND-REQ\nx-mms-mms-version: 0x93\nX-Custom: \"v\"\n" +
		"content-type: application/vnd.wap.multipart.related; TYPE=\"application/smil\"; foo=\"bar\"\n" +
		"--- part 1\ncontent-type: text/plain; charset=UTF-8\ndata: base64\naGk=\n"
	p, err := ParseText(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	want := &PDU{
		Headers: []Header{
			{Field: FieldMessageType, Name: "X-Mms-Message-Type", Value: MSendReq},
			{Field: FieldMMSVersion, Name: "X-Mms-MMS-Version", Value: Version13},
			{Name: "X-Custom", Value: Text("v")},
			{Field: FieldContentType, Name: "Content-Type", Value: ContentType{MediaType: "application/vnd.wap.multipart.related", Params: []Param{
				{Code: 0x89, Name: "type", Value: Text("application/smil")},
				{Name: "foo", Value: Text("bar")},
			}}},
		},
		Parts: []Part{{ContentType: ContentType{MediaType: "text/plain", Params: []Param{{Code: 0x81, Name: "charset", Value: Integer(106)}}}, Data: []byte("hi")}},
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("got %#v", p)
	}
}

func TestWriteTextErrors(t *testing.T) {
	for _, p := range []*PDU{
		{Headers: []Header{{Field: FieldSubject, Value: Text("not an EncodedString")}}},
		{Headers: []Header{{Field: FieldPriority, Value: Token(5)}}},
		{Headers: []Header{{Field: 0x05, Value: Raw{0x80}}}},
		{Headers: []Header{{Field: 0xFE, Value: Text("x")}}},
		{Headers: []Header{{Field: FieldSubject, Value: Raw{}}}},
		{Headers: []Header{{Field: FieldSubject}}},
		{Body: []byte{1}, Parts: []Part{}},
		{Parts: []Part{{ContentType: ContentType{MediaType: "a/b", Params: []Param{{Code: 0x05, Value: Integer(1)}}}}}},
	} {
		if err := p.WriteText(io.Discard); err == nil {
			t.Errorf("WriteText(%#v) succeeded", p)
		}
	}
}

// FuzzParseText checks that ParseText never panics and that what it reads, WriteText writes and
// ParseText reads back unchanged.
func FuzzParseText(f *testing.F) {
	f.Add("X-Mms-Message-Type: m-send-req\nX-Mms-Transaction-Id: \"T1\"\nX-Mms-MMS-Version: 1.3\nFrom: <insert-address>\n" +
		"To: \"+15551234567/TYPE=PLMN\"\nSubject: \"Hé\"; charset=utf-8\n" +
		"Content-Type: application/vnd.wap.multipart.related; type=\"application/smil\"; start=\"<smil>\"\n\n" +
		"--- part 1 of 2\nContent-Type: application/smil\nContent-ID: \"<smil>\"\nData: text\n| <smil><body/></smil>\n\n" +
		"--- part 2 of 2\nContent-Type: image/jpeg; \"name\"=\"a.jpg\"\nContent-Location: \"a.jpg\"\nData: base64, 4 bytes\n/9j/2Q==\n")
	f.Add("X-Mms-Message-Type: m-notification-ind\nX-Mms-Transaction-Id: \"x\"\nX-Mms-MMS-Version: 1.2\n" +
		"X-Mms-Message-Class: Personal\nX-Mms-Message-Size: 128000\nX-Mms-Expiry: +86400s\n" +
		"X-Mms-Content-Location: \"http://mmsc/x\"\n0xfe: raw:03010203\n\"X-A\": \"v\"\n")
	f.Add("X-Mms-MM-Flags: add \"k\"\nX-Mms-Mbox-Totals: 9 octets\nX-Mms-Previously-Sent-Date: 1 1970-01-02T00:00:00Z\n" +
		"X-Mms-Content-Location: 3 \"u\"\nX-Mms-Element-Descriptor: http://x; type=30\nDate: @1\n" +
		"Content-Type: text/plain\n--- body\nData: text, crlf\n| a\n|\n")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseText(strings.NewReader(s))
		if err != nil {
			return
		}
		var b strings.Builder
		if err := p.WriteText(&b); err != nil {
			t.Fatalf("WriteText of a parsed PDU: %v\n%#v", err, p)
		}
		q, err := ParseText(strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("ParseText(WriteText(p)): %v\n%s", err, b.String())
		}
		if !reflect.DeepEqual(q, p) {
			t.Fatalf("ParseText(WriteText(p)) differs:\n got %#v\nwant %#v\n%s", q, p, b.String())
		}
	})
}
