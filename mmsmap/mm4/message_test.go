// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm4

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// rawHeader joins header lines with CRLF and ends the header section.
func rawHeader(lines ...string) string {
	return strings.Join(lines, "\r\n") + "\r\n\r\n"
}

// readHeader parses header text with go-message, as maddy hands it to a module.
func readHeader(t testing.TB, s string) textproto.Header {
	t.Helper()
	h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(s)))
	if err != nil {
		t.Fatalf("textproto.ReadHeader: %v", err)
	}
	return h
}

// writeHeader serialises h as it goes on the wire.
func writeHeader(t testing.TB, h textproto.Header) string {
	t.Helper()
	var b bytes.Buffer
	if err := textproto.WriteHeader(&b, h); err != nil {
		t.Fatalf("textproto.WriteHeader: %v", err)
	}
	return b.String()
}

// reparse writes h and parses the bytes back.
func reparse(t testing.TB, h textproto.Header) (*Message, error) {
	t.Helper()
	return Parse(readHeader(t, writeHeader(t, h)))
}

// wantFieldError checks that err is a *FieldError for field.
func wantFieldError(t testing.TB, err error, field string) *FieldError {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want *FieldError for %s", err, err, field)
	}
	if fe.Field != field {
		t.Fatalf("FieldError.Field = %q (%v), want %q", fe.Field, err, field)
	}
	return fe
}

// sameMessage compares messages, times by instant.
func sameMessage(a, b *Message) bool {
	if !a.Date.Equal(b.Date) || !a.Expiry.Absolute.Equal(b.Expiry.Absolute) {
		return false
	}
	x, y := *a, *b
	x.Date, y.Date = time.Time{}, time.Time{}
	x.Expiry.Absolute, y.Expiry.Absolute = time.Time{}, time.Time{}
	return reflect.DeepEqual(x, y)
}

// Sample headers, one per type, modelled on real traffic (Play, Mbuni and a C++ encoder).
var (
	sampleForwardReq = []string{
		"X-Mms-3GPP-MMS-Version: 5.5.0",
		"X-Mms-Message-Type: MM4_forward.REQ",
		`X-Mms-Transaction-ID: "48123451234512345@mms.example.pl"`,
		`X-Mms-Message-ID: "g2q12345abcd151@mms.example.pl"`,
		"X-Mms-Ack-Request: Yes",
		"X-Mms-Originator-System: system-user@mms.mnc006.mcc260.gprs",
		"X-Mms-Delivery-Report: Yes",
		"X-Mms-Originator-R/S-Delivery-Report: No",
		"X-Mms-Read-Reply: No",
		"X-Mms-Message-Class: Personal",
		"X-Mms-Priority: Normal",
		"X-Mms-Sender-Visibility: Show",
		"X-Mms-Expiry: 86400",
		"X-Mms-Forward-Counter: 1",
		"From: +48600000001/TYPE=PLMN@mms.mnc006.mcc260.gprs",
		"To: +491510000002/TYPE=PLMN@mms.mnc001.mcc262.gprs",
		"Cc: +491510000003/TYPE=PLMN@mms.mnc001.mcc262.gprs",
		"Sender: +48600000001/TYPE=PLMN@mms.mnc006.mcc260.gprs",
		"Subject: hi",
		"Date: Tue, 01 Jul 2025 10:00:00 +0000",
		"Message-ID: <1a2b3c@mms.example.pl>",
		"MIME-Version: 1.0",
		`Content-Type: multipart/related; type="application/smil"; start="<smil>"; boundary="b1"`,
	}
	sampleForwardRes = []string{
		"X-Mms-3GPP-MMS-Version: 5.5.0",
		"X-Mms-Message-Type: MM4_forward.RES",
		`X-Mms-Transaction-ID: "48123451234512345@mms.example.pl"`,
		`X-Mms-Message-ID: "g2q12345abcd151@mms.example.pl"`,
		"X-Mms-Request-Status-Code: Ok",
		"X-Mms-Status-Text: Message accepted",
		"Sender: system-user@mms.mnc001.mcc262.gprs",
		"To: system-user@mms.mnc006.mcc260.gprs",
	}
	sampleDeliveryReportReq = []string{
		"X-Mms-3GPP-MMS-Version: 6.10.0",
		"X-Mms-Message-Type: MM4_delivery_report.REQ",
		"X-Mms-Transaction-ID: dr-0001@mms.mnc001.mcc262.gprs",
		`X-Mms-Message-ID: "g2q12345abcd151@mms.example.pl"`,
		"X-Mms-Ack-Request: Yes",
		"X-Mms-Originator-System: <system-user@mms.mnc001.mcc262.gprs>",
		"X-Mms-Forward-To-Originator-UA: Yes",
		"X-Mms-MM-Status-Code: Retrieved",
		"X-Mms-MM-Status-Extension: RejectionByMMSRecipient",
		"X-Mms-Status-Text: retrieved by handset",
		"From: +491510000002/TYPE=PLMN@mms.mnc001.mcc262.gprs",
		"To: +48600000001/TYPE=PLMN@mms.mnc006.mcc260.gprs",
		"Date: Tue, 01 Jul 2025 10:05:00 +0200",
		"Message-ID: <dr1@mms.mnc001.mcc262.gprs>",
	}
	sampleDeliveryReportRes = []string{
		"X-Mms-3GPP-MMS-Version: 6.10.0",
		"X-Mms-Message-Type: MM4_delivery_report.RES",
		"X-Mms-Transaction-ID: dr-0001@mms.mnc001.mcc262.gprs",
		`X-Mms-Message-ID: "g2q12345abcd151@mms.example.pl"`,
		"X-Mms-Request-Status-Code: Error-message-not-found",
	}
	sampleReadReplyReq = []string{
		"X-Mms-3GPP-MMS-Version: 6.10.0",
		"X-Mms-Message-Type: MM4_read_reply_report.REQ",
		"X-Mms-Transaction-ID: rr-0001",
		"X-Mms-Message-ID: g2q12345abcd151@mms.example.pl",
		"X-Mms-Ack-Request: No",
		"X-Mms-Read-Status: Deleted without being read",
		"From: +491510000002/TYPE=PLMN@mms.mnc001.mcc262.gprs",
		"To: +48600000001/TYPE=PLMN@mms.mnc006.mcc260.gprs",
		"Date: Tue, 01 Jul 2025 11:00:00 GMT",
	}
	sampleReadReplyRes = []string{
		"X-Mms-3GPP-MMS-Version: 6.10.0",
		"X-Mms-Message-Type: MM4_read_reply_report.RES",
		"X-Mms-Transaction-ID: rr-0001",
		"X-Mms-Request-Status-Code: Error-test-failed",
		"X-Mms-Status-Text: test",
	}
)

func TestParseAllMM4Types(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  Message
	}{
		{"forward.REQ", sampleForwardReq, Message{
			Type:                       ForwardReq,
			Version:                    "5.5.0",
			TransactionID:              "48123451234512345@mms.example.pl",
			MessageID:                  "g2q12345abcd151@mms.example.pl",
			RawTransactionID:           `"48123451234512345@mms.example.pl"`,
			RawMessageID:               `"g2q12345abcd151@mms.example.pl"`,
			AckRequest:                 true,
			OriginatorSystem:           "system-user@mms.mnc006.mcc260.gprs",
			From:                       "+48600000001/TYPE=PLMN@mms.mnc006.mcc260.gprs",
			Sender:                     "+48600000001/TYPE=PLMN@mms.mnc006.mcc260.gprs",
			To:                         []string{"+491510000002/TYPE=PLMN@mms.mnc001.mcc262.gprs"},
			Cc:                         []string{"+491510000003/TYPE=PLMN@mms.mnc001.mcc262.gprs"},
			Date:                       time.Date(2025, 7, 1, 10, 0, 0, 0, time.UTC),
			Subject:                    "hi",
			MessageClass:               "Personal",
			Priority:                   "Normal",
			SenderVisibility:           "Show",
			Expiry:                     Expiry{Relative: 24 * time.Hour},
			DeliveryReport:             true,
			OriginatorRSDeliveryReport: false,
			ReadReply:                  false,
			ForwardCounter:             1,
			RFC822MessageID:            "<1a2b3c@mms.example.pl>",
		}},
		{"forward.RES", sampleForwardRes, Message{
			Type:             ForwardRes,
			Version:          "5.5.0",
			TransactionID:    "48123451234512345@mms.example.pl",
			MessageID:        "g2q12345abcd151@mms.example.pl",
			RawTransactionID: `"48123451234512345@mms.example.pl"`,
			RawMessageID:     `"g2q12345abcd151@mms.example.pl"`,
			RequestStatus:    mmsmap.StatusOk,
			StatusText:       "Message accepted",
			Sender:           "system-user@mms.mnc001.mcc262.gprs",
			To:               []string{"system-user@mms.mnc006.mcc260.gprs"},
		}},
		{"delivery_report.REQ", sampleDeliveryReportReq, Message{
			Type:                  DeliveryReportReq,
			Version:               "6.10.0",
			TransactionID:         "dr-0001@mms.mnc001.mcc262.gprs",
			MessageID:             "g2q12345abcd151@mms.example.pl",
			RawTransactionID:      "dr-0001@mms.mnc001.mcc262.gprs",
			RawMessageID:          `"g2q12345abcd151@mms.example.pl"`,
			AckRequest:            true,
			OriginatorSystem:      "system-user@mms.mnc001.mcc262.gprs",
			ForwardToOriginatorUA: true,
			MMStatus:              mmsmap.MMStatusRetrieved,
			MMStatusExtension:     "RejectionByMMSRecipient",
			StatusText:            "retrieved by handset",
			From:                  "+491510000002/TYPE=PLMN@mms.mnc001.mcc262.gprs",
			To:                    []string{"+48600000001/TYPE=PLMN@mms.mnc006.mcc260.gprs"},
			Date:                  time.Date(2025, 7, 1, 8, 5, 0, 0, time.UTC),
			RFC822MessageID:       "<dr1@mms.mnc001.mcc262.gprs>",
		}},
		{"delivery_report.RES", sampleDeliveryReportRes, Message{
			Type:             DeliveryReportRes,
			Version:          "6.10.0",
			TransactionID:    "dr-0001@mms.mnc001.mcc262.gprs",
			MessageID:        "g2q12345abcd151@mms.example.pl",
			RawTransactionID: "dr-0001@mms.mnc001.mcc262.gprs",
			RawMessageID:     `"g2q12345abcd151@mms.example.pl"`,
			RequestStatus:    mmsmap.StatusErrorMessageNotFound,
		}},
		{"read_reply_report.REQ", sampleReadReplyReq, Message{
			Type:             ReadReplyReportReq,
			Version:          "6.10.0",
			TransactionID:    "rr-0001",
			MessageID:        "g2q12345abcd151@mms.example.pl",
			RawTransactionID: "rr-0001",
			RawMessageID:     "g2q12345abcd151@mms.example.pl",
			ReadStatus:       mmsmap.ReadStatusDeleted,
			From:             "+491510000002/TYPE=PLMN@mms.mnc001.mcc262.gprs",
			To:               []string{"+48600000001/TYPE=PLMN@mms.mnc006.mcc260.gprs"},
			Date:             time.Date(2025, 7, 1, 11, 0, 0, 0, time.UTC),
		}},
		{"read_reply_report.RES", sampleReadReplyRes, Message{
			Type:             ReadReplyReportRes,
			Version:          "6.10.0",
			TransactionID:    "rr-0001",
			RawTransactionID: "rr-0001",
			RequestStatus:    "Error-test-failed",
			StatusText:       "test",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := readHeader(t, rawHeader(tt.lines...))
			if !IsMM4(h) {
				t.Errorf("IsMM4 = false")
			}
			got, err := Parse(h)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !sameMessage(got, &tt.want) {
				t.Errorf("Parse =\n%+v\nwant\n%+v", *got, tt.want)
			}
		})
	}
}

// TestParseMandatoryMM4Fields removes each mandatory field in turn (TS 23.140 §8.4.1–§8.4.3, with Date and
// Content-Type optional on input) and expects a FieldError naming it.
func TestParseMandatoryMM4Fields(t *testing.T) {
	tests := []struct {
		name      string
		lines     []string
		mandatory [][]string // fields to drop together → the FieldError's field is the first
	}{
		{"forward.REQ", sampleForwardReq, [][]string{
			{HdrVersion}, {HdrMessageType}, {HdrTransactionID}, {HdrMessageID}, {"From"}, {"To", "Cc"},
		}},
		{"forward.RES", sampleForwardRes, [][]string{
			{HdrVersion}, {HdrMessageType}, {HdrTransactionID}, {HdrRequestStatusCode},
		}},
		{"delivery_report.REQ", sampleDeliveryReportReq, [][]string{
			{HdrVersion}, {HdrMessageType}, {HdrTransactionID}, {HdrMessageID}, {"From"}, {"To"}, {HdrMMStatusCode},
		}},
		{"delivery_report.RES", sampleDeliveryReportRes, [][]string{
			{HdrVersion}, {HdrMessageType}, {HdrTransactionID}, {HdrRequestStatusCode},
		}},
		{"read_reply_report.REQ", sampleReadReplyReq, [][]string{
			{HdrVersion}, {HdrMessageType}, {HdrTransactionID}, {HdrMessageID}, {"From"}, {"To"}, {HdrReadStatus},
		}},
		{"read_reply_report.RES", sampleReadReplyRes, [][]string{
			{HdrVersion}, {HdrMessageType}, {HdrTransactionID}, {HdrRequestStatusCode},
		}},
	}
	for _, tt := range tests {
		for _, drop := range tt.mandatory {
			t.Run(tt.name+"/"+strings.Join(drop, "+"), func(t *testing.T) {
				var kept []string
				for _, l := range tt.lines {
					name, _, _ := strings.Cut(l, ":")
					dropped := false
					for _, d := range drop {
						dropped = dropped || strings.EqualFold(name, d)
					}
					if !dropped {
						kept = append(kept, l)
					}
				}
				if len(kept) != len(tt.lines)-len(drop) {
					t.Fatalf("sample lacks one of %v", drop)
				}
				_, err := Parse(readHeader(t, rawHeader(kept...)))
				fe := wantFieldError(t, err, drop[0])
				if !strings.Contains(fe.Error(), "missing mandatory header") {
					t.Errorf("error %q does not say the header is missing", fe)
				}
				// An empty value counts as missing too.
				if len(drop) == 1 {
					var emptied []string
					for _, l := range tt.lines {
						if name, _, _ := strings.Cut(l, ":"); strings.EqualFold(name, drop[0]) {
							l = name + ":"
						}
						emptied = append(emptied, l)
					}
					_, err := Parse(readHeader(t, rawHeader(emptied...)))
					wantFieldError(t, err, drop[0])
				}
			})
		}
	}
	// Either of To and Cc satisfies forward.REQ; Date and Content-Type are optional on input.
	var onlyCc []string
	for _, l := range sampleForwardReq {
		if !strings.HasPrefix(l, "To:") && !strings.HasPrefix(l, "Date:") && !strings.HasPrefix(l, "Content-Type:") {
			onlyCc = append(onlyCc, l)
		}
	}
	if _, err := Parse(readHeader(t, rawHeader(onlyCc...))); err != nil {
		t.Errorf("forward.REQ with Cc only, no Date, no Content-Type: %v", err)
	}
}

func TestParseMM4CaseVariants(t *testing.T) {
	h := readHeader(t, rawHeader(
		"x-mms-3gpp-mms-version: 6.3.0",
		"X-Mms-message-Type: MM4_Forward.REQ",
		"X-MMS-TRANSACTION-ID: T1",
		"x-mms-message-id: M1",
		"x-mms-ack-request: YES",
		"x-mms-originator-r/s-delivery-report: yes",
		"X-Mms-Delivery-Report: nO",
		"X-MMS-READ-REPLY: Yes",
		"x-mms-message-class: informational",
		"X-Mms-Priority: HIGH",
		"X-Mms-Sender-Visibility: hide",
		"x-mms-forward-to-originator-ua: yes", // not a forward.REQ field: ignored
		"FROM: +15550001111/TYPE=PLMN",
		"to: +15550002222",
	))
	m, err := Parse(h)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := Message{
		Type: ForwardReq, Version: "6.3.0",
		TransactionID: "T1", RawTransactionID: "T1", MessageID: "M1", RawMessageID: "M1",
		AckRequest: true, OriginatorRSDeliveryReport: true, ReadReply: true,
		MessageClass: "Informational", Priority: "High", SenderVisibility: "Hide",
		From: "+15550001111/TYPE=PLMN", To: []string{"+15550002222"},
	}
	if !sameMessage(m, &want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", *m, want)
	}
}

func TestParseMM4TokenValues(t *testing.T) {
	base := []string{
		"X-Mms-3GPP-MMS-Version: 6.3.0",
		"X-Mms-Message-Type: MM4_forward.REQ",
		"X-Mms-Transaction-ID: T1",
		"X-Mms-Message-ID: M1",
		"From: a@example.com",
		"To: b@example.com",
	}
	tests := []struct {
		line  string
		check func(m *Message) bool
	}{
		{"X-Mms-Message-Class: advertisement", func(m *Message) bool { return m.MessageClass == "Advertisement" }},
		{"X-Mms-Message-Class: AUTO", func(m *Message) bool { return m.MessageClass == "Auto" }},
		{"X-Mms-Message-Class: Operator-Specific", func(m *Message) bool { return m.MessageClass == "Operator-Specific" }},
		{"X-Mms-Priority: low", func(m *Message) bool { return m.Priority == "Low" }},
		{"X-Mms-Sender-Visibility: SHOW", func(m *Message) bool { return m.SenderVisibility == "Show" }},
		{"X-Mms-Forward-Counter: 0", func(m *Message) bool { return m.ForwardCounter == 0 }},
		{"X-Mms-Forward-Counter: 999999999", func(m *Message) bool { return m.ForwardCounter == 999999999 }},
		{"X-Mms-Originator-System: System <PostMaster@mms.mnc006.mcc260.gprs>", func(m *Message) bool {
			return m.OriginatorSystem == "PostMaster@mms.mnc006.mcc260.gprs"
		}},
		{"X-Mms-Originator-System: <+15550001111/TYPE=PLMN>", func(m *Message) bool {
			return m.OriginatorSystem == "+15550001111/TYPE=PLMN"
		}},
		{"X-Mms-Transaction-ID: \"a\\\"b\"", func(m *Message) bool {
			return m.TransactionID == "T1" // repeated: the first wins
		}},
		{"X-Mms-Request-Status-Code: bogus", func(m *Message) bool { return m.RequestStatus == "" }}, // not a REQ field
		{"X-Mms-MM-Status-Code: bogus", func(m *Message) bool { return m.MMStatus == "" }},           // ditto
		{"X-Mms-Unknown-Extension: \x01anything", func(m *Message) bool { return true }},
		{"X-Mms-Previously-sent-by: 0, +15550003333/TYPE=PLMN", func(m *Message) bool { return true }},
		{"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=", func(m *Message) bool { return m.Subject == "=?utf-8?q?Gr=C3=BC=C3=9Fe?=" }},
		{"Subject: caf\xe9", func(m *Message) bool { return m.Subject == "caf\xe9" }}, // raw 8-bit subject kept
		{"Date: yesterday", func(m *Message) bool { return m.Date.IsZero() }},         // unreadable: as if absent
		{"Date: 1 Jul 25 10:00 EST", func(m *Message) bool { return m.Date.Equal(time.Date(2025, 7, 1, 15, 0, 0, 0, time.UTC)) }},
		{"Date: Tue, 1 Jul 2025 10:00:00 +0000 (UTC)", func(m *Message) bool { return m.Date.Equal(time.Date(2025, 7, 1, 10, 0, 0, 0, time.UTC)) }},
	}
	for _, tt := range tests {
		m, err := Parse(readHeader(t, rawHeader(append(append([]string(nil), base...), tt.line)...)))
		if err != nil {
			t.Errorf("%q: %v", tt.line, err)
			continue
		}
		if !tt.check(m) {
			t.Errorf("%q: unexpected result %+v", tt.line, *m)
		}
	}
}

func TestParseMM4QuotedIDs(t *testing.T) {
	tests := []struct {
		raw, bare string
	}{
		{`"48123@mms.example"`, "48123@mms.example"},
		{`48123@mms.example`, "48123@mms.example"},
		{`"a\"b\\c"`, `a"b\c`},
		{`"a"b"`, `"a"b"`}, // not one quoted string: kept
		{`"abc`, `"abc`},
		{`abc"`, `abc"`},
		{`"a b"`, "a b"},
		{`"x"`, "x"},
	}
	for _, tt := range tests {
		h := readHeader(t, rawHeader(
			"X-Mms-3GPP-MMS-Version: 6.3.0",
			"X-Mms-Message-Type: MM4_forward.RES",
			"X-Mms-Transaction-ID: "+tt.raw,
			"X-Mms-Message-ID:   "+tt.raw+"  ",
			"X-Mms-Request-Status-Code: Ok",
		))
		m, err := Parse(h)
		if err != nil {
			t.Errorf("%s: %v", tt.raw, err)
			continue
		}
		if m.TransactionID != tt.bare || m.RawTransactionID != tt.raw || m.MessageID != tt.bare || m.RawMessageID != tt.raw {
			t.Errorf("%s: IDs %q %q %q %q, want %q and raw %q", tt.raw,
				m.TransactionID, m.RawTransactionID, m.MessageID, m.RawMessageID, tt.bare, tt.raw)
		}
	}
	// `""` unquotes to nothing: the mandatory Transaction-ID is missing.
	_, err := Parse(readHeader(t, rawHeader(
		"X-Mms-3GPP-MMS-Version: 6.3.0",
		"X-Mms-Message-Type: MM4_forward.RES",
		`X-Mms-Transaction-ID: ""`,
		"X-Mms-Request-Status-Code: Ok",
	)))
	wantFieldError(t, err, HdrTransactionID)
}

func TestParseExpiry(t *testing.T) {
	tests := []struct {
		in   string
		want Expiry
	}{
		{"600", Expiry{Relative: 10 * time.Minute}},
		{" 86400 ", Expiry{Relative: 24 * time.Hour}},
		{"0", Expiry{}},
		{"9223372036", Expiry{Relative: 9223372036 * time.Second}},
		{"Tue, 01 Jul 2025 10:00:00 +0000", Expiry{Absolute: time.Date(2025, 7, 1, 10, 0, 0, 0, time.UTC)}},
		{"1 Jul 2025 12:00:00 +0200", Expiry{Absolute: time.Date(2025, 7, 1, 10, 0, 0, 0, time.UTC)}},
		{"Sun, 06 Nov 1994 08:49:37 GMT", Expiry{Absolute: time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC)}},
		{"Sunday, 06-Nov-94 08:49:37 GMT", Expiry{Absolute: time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC)}},
		{"Sun Nov  6 08:49:37 1994", Expiry{Absolute: time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC)}},
		{"Sun, 06 Nov 1994 00:49:37 PST", Expiry{Absolute: time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC)}},
		{"Sunday, 06-Nov-94 03:49:37 EST", Expiry{Absolute: time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC)}},
	}
	for _, tt := range tests {
		got, err := ParseExpiry(tt.in)
		if err != nil {
			t.Errorf("ParseExpiry(%q): %v", tt.in, err)
			continue
		}
		if got.Relative != tt.want.Relative || !got.Absolute.Equal(tt.want.Absolute) {
			t.Errorf("ParseExpiry(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"", "x", "-5", "+600", "1.5", "9223372037", "99999999999999999999999", "Tue, 32 Jul 2025 10:00:00 +0000", strings.Repeat("9", 5000)} {
		_, err := ParseExpiry(bad)
		fe := wantFieldError(t, err, HdrExpiry)
		if fe.Reason == "" {
			t.Errorf("ParseExpiry(%.20q): empty reason", bad)
		}
	}
	_, err := ParseExpiry("x")
	if got, want := err.Error(), `X-Mms-Expiry: bad value "x": neither a number of seconds nor a date`; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

func TestParseMM4BadValues(t *testing.T) {
	base := func(extra ...string) string {
		return rawHeader(append([]string{
			"X-Mms-3GPP-MMS-Version: 6.3.0",
			"X-Mms-Message-Type: MM4_forward.REQ",
			"From: a@example.com",
			"To: b@example.com",
		}, extra...)...)
	}
	ids := []string{"X-Mms-Transaction-ID: T1", "X-Mms-Message-ID: M1"}
	tests := []struct {
		name   string
		header string
		field  string
	}{
		{"yes/no", base(append(ids, "X-Mms-Delivery-Report: Ja")...), HdrDeliveryReport},
		{"yes/no true", base(append(ids, "X-Mms-Ack-Request: true")...), HdrAckRequest},
		{"expiry", base(append(ids, "X-Mms-Expiry: tomorrow")...), HdrExpiry},
		{"forward counter", base(append(ids, "X-Mms-Forward-Counter: -1")...), HdrForwardCounter},
		{"forward counter overflow", base(append(ids, "X-Mms-Forward-Counter: 99999999999999999999")...), HdrForwardCounter},
		{"CR in value", base("X-Mms-Transaction-ID: T\r1", ids[1]), HdrTransactionID},
		{"NUL in value", base("X-Mms-Transaction-ID: T\x001", ids[1]), HdrTransactionID},
		{"NUL in subject", base(append(ids, "Subject: a\x00b")...), "Subject"},
		{"non-UTF-8 ID", base("X-Mms-Transaction-ID: T\xff\xfe", ids[1]), HdrTransactionID},
		{"non-UTF-8 From", rawHeader("X-Mms-3GPP-MMS-Version: 6.3.0", "X-Mms-Message-Type: MM4_forward.REQ", ids[0], ids[1],
			"From: caf\xe9 <x@example.com>", "To: b@example.com"), "From"},
		{"long ID", base("X-Mms-Transaction-ID: "+strings.Repeat("t", 4097), ids[1]), HdrTransactionID},
		{"long version", rawHeader("X-Mms-3GPP-MMS-Version: "+strings.Repeat("6", 4097), "X-Mms-Message-Type: MM4_forward.RES"), HdrVersion},
		{"long type", rawHeader("X-Mms-Message-Type: MM4_forward.RES" + strings.Repeat(" x", 3000)), HdrMessageType},
		{"unknown MM status", rawHeader(
			"X-Mms-3GPP-MMS-Version: 6.3.0", "X-Mms-Message-Type: MM4_delivery_report.REQ", ids[0], ids[1],
			"From: a@example.com", "To: b@example.com", "X-Mms-MM-Status-Code: Delivered"), HdrMMStatusCode},
		{"unknown read status", rawHeader(
			"X-Mms-3GPP-MMS-Version: 6.3.0", "X-Mms-Message-Type: MM4_read_reply_report.REQ", ids[0], ids[1],
			"From: a@example.com", "To: b@example.com", "X-Mms-Read-Status: Unread"), HdrReadStatus},
		{"alias read status", rawHeader(
			"X-Mms-3GPP-MMS-Version: 6.3.0", "X-Mms-Message-Type: MM4_read_reply_report.REQ", ids[0], ids[1],
			"From: a@example.com", "To: b@example.com", "X-Mms-MM-Read-Status: Unread"), HdrReadStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(readHeader(t, tt.header))
			fe := wantFieldError(t, err, tt.field)
			if fe.Value == "" || !strings.Contains(err.Error(), "bad value") {
				t.Errorf("error %q does not quote the value", err)
			}
			if len(err.Error()) > 200 {
				t.Errorf("error message is %d bytes long", len(err.Error()))
			}
		})
	}
	// The non-standard X-Mms-MM-Read-Status is accepted as X-Mms-Read-Status.
	m, err := Parse(readHeader(t, rawHeader(
		"X-Mms-3GPP-MMS-Version: 6.3.0", "X-Mms-Message-Type: MM4_read_reply_report.REQ", ids[0], ids[1],
		"From: a@example.com", "To: b@example.com", "X-Mms-MM-Read-Status: Read")))
	if err != nil || m.ReadStatus != mmsmap.ReadStatusRead {
		t.Errorf("X-Mms-MM-Read-Status: %v, %+v", err, m)
	}
}

func TestParseMM4FirstWins(t *testing.T) {
	m, err := Parse(readHeader(t, rawHeader(
		"X-Mms-3GPP-MMS-Version: 6.3.0",
		"X-Mms-Message-Type: MM4_forward.REQ",
		"X-Mms-Message-Type: MM4_forward.RES",
		"X-Mms-Transaction-ID:",
		"X-Mms-Transaction-ID: T1",
		"X-Mms-Transaction-ID: T2",
		"X-Mms-Message-ID: M1",
		"X-Mms-Priority: Low",
		"X-Mms-Priority: bogus\x00",
		"From: a@example.com",
		"From: c@example.com",
		"To: b1@example.com",
		"To: ",
		"To: b2@example.com",
		"Cc: c1@example.com",
	)))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if m.Type != ForwardReq || m.TransactionID != "T1" || m.Priority != "Low" || m.From != "a@example.com" {
		t.Errorf("first non-empty value did not win: %+v", *m)
	}
	if !reflect.DeepEqual(m.To, []string{"b1@example.com", "b2@example.com"}) || !reflect.DeepEqual(m.Cc, []string{"c1@example.com"}) {
		t.Errorf("To = %q, Cc = %q", m.To, m.Cc)
	}
}

func TestParseMessageType(t *testing.T) {
	tests := []struct {
		in   string
		want MessageType
	}{
		{"MM4_forward.REQ", ForwardReq},
		{"MM4_forward.RES", ForwardRes},
		{"MM4_delivery_report.REQ", DeliveryReportReq},
		{"MM4_delivery_report.RES", DeliveryReportRes},
		{"MM4_read_reply_report.REQ", ReadReplyReportReq},
		{"MM4_read_reply_report.RES", ReadReplyReportRes},
		{"MM4_Forward.REQ", ForwardReq},
		{"mm4_delivery_report.req", DeliveryReportReq},
		{"  MM4_Delivery_report.REQ\t", DeliveryReportReq},
		{"MM4_READ_REPLY_REPORT.RES", ReadReplyReportRes},
	}
	for _, tt := range tests {
		got, err := ParseMessageType(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseMessageType(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "MM4_bogus.REQ", "MM7_submit.REQ", "m-send-req", "MM4_forward", "MM4_forward.REQ.", "MM4_forward_REQ", "MM4_forward.REQ\x00"} {
		_, err := ParseMessageType(bad)
		fe := wantFieldError(t, err, HdrMessageType)
		if bad != "" && (fe.Value != strings.TrimSpace(bad) || !strings.Contains(err.Error(), fmt.Sprintf("%+q", bad))) {
			t.Errorf("ParseMessageType(%q) error %q does not name the value", bad, err)
		}
	}
}

func TestMessageTypeMethods(t *testing.T) {
	tests := []struct {
		t        MessageType
		str      string
		request  bool
		response MessageType
	}{
		{ForwardReq, "MM4_forward.REQ", true, ForwardRes},
		{ForwardRes, "MM4_forward.RES", false, ForwardRes},
		{DeliveryReportReq, "MM4_delivery_report.REQ", true, DeliveryReportRes},
		{DeliveryReportRes, "MM4_delivery_report.RES", false, DeliveryReportRes},
		{ReadReplyReportReq, "MM4_read_reply_report.REQ", true, ReadReplyReportRes},
		{ReadReplyReportRes, "MM4_read_reply_report.RES", false, ReadReplyReportRes},
		{0, "MessageType(0)", false, 0},
		{7, "MessageType(7)", false, 7},
		{-1, "MessageType(-1)", false, -1},
	}
	for _, tt := range tests {
		if got := tt.t.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
		if got := tt.t.IsRequest(); got != tt.request {
			t.Errorf("%v.IsRequest() = %v", tt.t, got)
		}
		if got := tt.t.Response(); got != tt.response {
			t.Errorf("%v.Response() = %v, want %v", tt.t, got, tt.response)
		}
	}
}

func TestMM4IsMM4(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{rawHeader("X-Mms-Message-Type: MM4_forward.REQ"), true},
		{rawHeader("x-mms-message-type: mm4_bogus"), true},
		{rawHeader("X-Mms-Message-Type: MM4_"), true},
		{rawHeader("X-Mms-Message-Type:", "X-Mms-Message-Type: MM4_forward.RES"), true},
		{rawHeader("X-Mms-Message-Type: m-send-req"), false},
		{rawHeader("X-Mms-Message-Type: MM7_submit.REQ"), false},
		{rawHeader("X-Mms-Message-Type: MM4"), false},
		{rawHeader("Subject: MM4_forward.REQ"), false},
		{"\r\n", false},
	}
	for _, tt := range tests {
		if got := IsMM4(readHeader(t, tt.header)); got != tt.want {
			t.Errorf("IsMM4(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
	if IsMM4(textproto.Header{}) {
		t.Errorf("IsMM4(empty) = true")
	}
}

func TestMM4IsTransportField(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{HdrVersion, true},
		{HdrOriginatorRSDeliveryReport, true},
		{"x-mms-anything", true},
		{"X-MMS-Foo", true},
		{"X-Mms-", false},
		{"X-Mms", false},
		{"X-Mailer", false},
		{"Subject", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsTransportField(tt.name); got != tt.want {
			t.Errorf("IsTransportField(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestMM4FieldError(t *testing.T) {
	tests := []struct {
		err  FieldError
		want string
	}{
		{FieldError{Field: HdrTransactionID, Reason: "missing mandatory header"}, "X-Mms-Transaction-ID: missing mandatory header"},
		{FieldError{Field: HdrExpiry, Value: "x", Reason: "bad"}, `X-Mms-Expiry: bad value "x": bad`},
		{FieldError{Field: "From", Value: "a\r\nb\xffé", Reason: "r"}, `From: bad value "a\r\nb\xff\u00e9": r`},
		{FieldError{Field: "To", Value: strings.Repeat("a", 100), Reason: "r"}, `To: bad value "` + strings.Repeat("a", 64) + `"...: r`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// TestHeaderAddRawPrepends pins the go-message behaviour Header relies on: AddRaw, like Add, puts a
// field above the existing ones, and keeps the name's spelling.
func TestHeaderAddRawPrepends(t *testing.T) {
	var h textproto.Header
	h.AddRaw([]byte("X-Mms-3GPP-MMS-Version: 1\r\n"))
	h.AddRaw([]byte("X-Mms-Originator-R/S-Delivery-Report: 2\r\n"))
	if got, want := writeHeader(t, h), "X-Mms-Originator-R/S-Delivery-Report: 2\r\nX-Mms-3GPP-MMS-Version: 1\r\n\r\n"; got != want {
		t.Fatalf("WriteHeader = %q, want %q", got, want)
	}
}

func TestHeaderGolden(t *testing.T) {
	date := time.Date(2025, 7, 1, 10, 0, 5, 0, time.UTC)
	tests := []struct {
		name string
		m    *Message
		want string
	}{
		{"forward.RES", &Message{
			Type:             ForwardRes,
			Version:          "5.5.0",
			TransactionID:    "48123451234512345@mms.example.pl",
			RawTransactionID: `"48123451234512345@mms.example.pl"`,
			MessageID:        "g2q12345abcd151@mms.example.pl",
			RawMessageID:     `"g2q12345abcd151@mms.example.pl"`,
			RequestStatus:    mmsmap.StatusOk,
			StatusText:       "Message accepted",
			Sender:           "system-user@mms.mnc001.mcc262.gprs",
			To:               []string{"system-user@mms.mnc006.mcc260.gprs"},
			Date:             date,
			RFC822MessageID:  "<res1@mms.mnc001.mcc262.gprs>",
		}, "X-Mms-3GPP-MMS-Version: 5.5.0\r\n" +
			"X-Mms-Message-Type: MM4_forward.RES\r\n" +
			"X-Mms-Transaction-ID: \"48123451234512345@mms.example.pl\"\r\n" +
			"X-Mms-Message-ID: \"g2q12345abcd151@mms.example.pl\"\r\n" +
			"X-Mms-Request-Status-Code: Ok\r\n" +
			"X-Mms-Status-Text: Message accepted\r\n" +
			"Sender: system-user@mms.mnc001.mcc262.gprs\r\n" +
			"To: system-user@mms.mnc006.mcc260.gprs\r\n" +
			"Date: Tue, 01 Jul 2025 10:00:05 +0000\r\n" +
			"Message-ID: <res1@mms.mnc001.mcc262.gprs>\r\n" +
			"MIME-Version: 1.0\r\n" +
			"\r\n"},
		{"read_reply_report.RES", &Message{
			Type:            ReadReplyReportRes,
			Version:         "6.10.0",
			TransactionID:   "rr-0001",
			MessageID:       "not written for this type",
			RequestStatus:   mmsmap.StatusErrorMessageNotFound,
			StatusText:      "no such message",
			Sender:          "system-user@mms.mnc006.mcc260.gprs",
			To:              []string{"system-user@mms.mnc001.mcc262.gprs"},
			Date:            date.In(time.FixedZone("", -5*3600)),
			RFC822MessageID: "<res2@mms.mnc006.mcc260.gprs>",
		}, "X-Mms-3GPP-MMS-Version: 6.10.0\r\n" +
			"X-Mms-Message-Type: MM4_read_reply_report.RES\r\n" +
			"X-Mms-Transaction-ID: rr-0001\r\n" +
			"X-Mms-Request-Status-Code: Error-message-not-found\r\n" +
			"X-Mms-Status-Text: no such message\r\n" +
			"Sender: system-user@mms.mnc006.mcc260.gprs\r\n" +
			"To: system-user@mms.mnc001.mcc262.gprs\r\n" +
			"Date: Tue, 01 Jul 2025 05:00:05 -0500\r\n" +
			"Message-ID: <res2@mms.mnc006.mcc260.gprs>\r\n" +
			"MIME-Version: 1.0\r\n" +
			"\r\n"},
		{"forward.REQ", &Message{
			Type:                       ForwardReq,
			Version:                    "6.10.0",
			TransactionID:              "T1",
			MessageID:                  "M1",
			AckRequest:                 false, // written as No on a REQ
			OriginatorSystem:           "system-user@mms.example.net",
			From:                       "+15550001111/TYPE=PLMN@mms.example.net",
			Sender:                     "+15550001111/TYPE=PLMN@mms.example.net",
			To:                         []string{"+15550002222/TYPE=PLMN@mms.example.com", "+15550003333/TYPE=PLMN@mms.example.com"},
			Cc:                         []string{"+15550004444/TYPE=PLMN@mms.example.com"},
			Subject:                    "Grüße",
			Date:                       date,
			MessageClass:               "Personal",
			Priority:                   "High",
			SenderVisibility:           "Show",
			Expiry:                     Expiry{Relative: 2*time.Hour + 500*time.Millisecond},
			DeliveryReport:             true,
			OriginatorRSDeliveryReport: true,
			ReadReply:                  false, // omitted
			ForwardToOriginatorUA:      true,  // not a forward.REQ field: omitted
			ForwardCounter:             3,
			RequestStatus:              mmsmap.StatusOk, // not a REQ field: omitted
			RFC822MessageID:            "<req1@mms.example.net>",
		}, "X-Mms-3GPP-MMS-Version: 6.10.0\r\n" +
			"X-Mms-Message-Type: MM4_forward.REQ\r\n" +
			"X-Mms-Transaction-ID: T1\r\n" +
			"X-Mms-Message-ID: M1\r\n" +
			"X-Mms-Message-Class: Personal\r\n" +
			"X-Mms-Expiry: 7200\r\n" +
			"X-Mms-Delivery-Report: Yes\r\n" +
			"X-Mms-Originator-R/S-Delivery-Report: Yes\r\n" +
			"X-Mms-Priority: High\r\n" +
			"X-Mms-Sender-Visibility: Show\r\n" +
			"X-Mms-Ack-Request: No\r\n" +
			"X-Mms-Originator-System: system-user@mms.example.net\r\n" +
			"X-Mms-Forward-Counter: 3\r\n" +
			"Sender: +15550001111/TYPE=PLMN@mms.example.net\r\n" +
			"From: +15550001111/TYPE=PLMN@mms.example.net\r\n" +
			"To: +15550002222/TYPE=PLMN@mms.example.com\r\n" +
			"To: +15550003333/TYPE=PLMN@mms.example.com\r\n" +
			"Cc: +15550004444/TYPE=PLMN@mms.example.com\r\n" +
			"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n" +
			"Date: Tue, 01 Jul 2025 10:00:05 +0000\r\n" +
			"Message-ID: <req1@mms.example.net>\r\n" +
			"MIME-Version: 1.0\r\n" +
			"\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := tt.m.Header()
			if err != nil {
				t.Fatalf("Header: %v", err)
			}
			if got := writeHeader(t, h); got != tt.want {
				t.Errorf("Header bytes:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// roundTripMessages has one fully populated message per type, as Parse returns them.
func roundTripMessages() []*Message {
	date := time.Date(2025, 7, 1, 10, 0, 0, 0, time.FixedZone("", 2*3600))
	return []*Message{
		{
			Type: ForwardReq, Version: "6.10.0",
			TransactionID: "T1", RawTransactionID: `"T1"`, MessageID: "M1@mms.example.net", RawMessageID: "M1@mms.example.net",
			AckRequest: true, OriginatorSystem: "system-user@mms.example.net",
			From: "+15550001111/TYPE=PLMN@mms.example.net", Sender: "+15550001111/TYPE=PLMN@mms.example.net",
			To:   []string{"+15550002222/TYPE=PLMN@mms.example.com", `"Bob, B." <bob@example.com>, carol@example.com`},
			Cc:   []string{"+15550004444@mms.example.com"},
			Date: date, Subject: "hello there",
			MessageClass: "Advertisement", Priority: "Low", SenderVisibility: "Hide",
			Expiry:         Expiry{Absolute: time.Date(2025, 7, 8, 10, 0, 0, 0, time.UTC)},
			DeliveryReport: true, OriginatorRSDeliveryReport: true, ReadReply: true,
			ForwardCounter:  7,
			RFC822MessageID: "<req1@mms.example.net>",
		},
		{
			Type: ForwardRes, Version: "6.10.0",
			TransactionID: "T1", RawTransactionID: `"T1"`, MessageID: "other-id", RawMessageID: "other-id",
			RequestStatus: mmsmap.StatusErrorServiceDenied, StatusText: "Service denied",
			Sender: "system-user@mms.example.com", To: []string{"system-user@mms.example.net"},
			Date: date, RFC822MessageID: "<res1@mms.example.com>",
		},
		{
			Type: DeliveryReportReq, Version: "6.10.0",
			TransactionID: "DR1", RawTransactionID: "DR1", MessageID: "M1@mms.example.net", RawMessageID: `"M1@mms.example.net"`,
			AckRequest: false, OriginatorSystem: "system-user@mms.example.com", ForwardToOriginatorUA: true,
			MMStatus: mmsmap.MMStatusRejected, MMStatusExtension: "Rejection-By-MMS-Recipient", StatusText: "rejected",
			From: "+15550002222/TYPE=PLMN@mms.example.com", To: []string{"+15550001111/TYPE=PLMN@mms.example.net"},
			Date: date, RFC822MessageID: "<dr1@mms.example.com>",
		},
		{
			Type: DeliveryReportRes, Version: "6.10.0",
			TransactionID: "DR1", RawTransactionID: "DR1", MessageID: "M1@mms.example.net", RawMessageID: `"M1@mms.example.net"`,
			RequestStatus: mmsmap.StatusOk, StatusText: "Message accepted",
		},
		{
			Type: ReadReplyReportReq, Version: "6.10.0",
			TransactionID: "RR1", RawTransactionID: "RR1", MessageID: "M1@mms.example.net", RawMessageID: "M1@mms.example.net",
			AckRequest: true, OriginatorSystem: "system-user@mms.example.com", ReadStatus: mmsmap.ReadStatusRead,
			From: "+15550002222/TYPE=PLMN@mms.example.com", To: []string{"+15550001111/TYPE=PLMN@mms.example.net"},
			Date: date,
		},
		{
			Type: ReadReplyReportRes, Version: "6.10.0",
			TransactionID: "RR1", RawTransactionID: "RR1",
			RequestStatus: mmsmap.StatusErrorNetworkProblem, StatusText: "try later",
		},
	}
}

func TestHeaderRoundTrip(t *testing.T) {
	for _, m := range roundTripMessages() {
		t.Run(m.Type.String(), func(t *testing.T) {
			h, err := m.Header()
			if err != nil {
				t.Fatalf("Header: %v", err)
			}
			got, err := reparse(t, h)
			if err != nil {
				t.Fatalf("Parse(Header()): %v", err)
			}
			if !sameMessage(got, m) {
				t.Errorf("Parse(Header()) =\n%+v\nwant\n%+v", *got, *m)
			}
			if !IsMM4(h) {
				t.Errorf("IsMM4(Header()) = false")
			}
		})
	}
}

// TestHeaderNetMail reads Header's output with the standard library's parser as a second opinion.
func TestHeaderNetMail(t *testing.T) {
	for _, m := range roundTripMessages() {
		t.Run(m.Type.String(), func(t *testing.T) {
			h, err := m.Header()
			if err != nil {
				t.Fatalf("Header: %v", err)
			}
			msg, err := mail.ReadMessage(strings.NewReader(writeHeader(t, h) + "body\r\n"))
			if err != nil {
				t.Fatalf("net/mail.ReadMessage: %v", err)
			}
			if got := msg.Header.Get(HdrMessageType); got != m.Type.String() {
				t.Errorf("%s = %q", HdrMessageType, got)
			}
			if got := msg.Header.Get(HdrTransactionID); got != m.RawTransactionID {
				t.Errorf("%s = %q, want %q", HdrTransactionID, got, m.RawTransactionID)
			}
			if got := msg.Header.Get(HdrVersion); got != m.Version {
				t.Errorf("%s = %q, want %q", HdrVersion, got, m.Version)
			}
			if m.OriginatorRSDeliveryReport {
				if got := msg.Header.Get(HdrOriginatorRSDeliveryReport); got != "Yes" {
					t.Errorf("%s = %q", HdrOriginatorRSDeliveryReport, got)
				}
			}
			if got := msg.Header["To"]; !reflect.DeepEqual(got, m.To) && len(m.To) > 0 {
				t.Errorf("To = %q, want %q", got, m.To)
			}
			if !m.Date.IsZero() {
				d, err := msg.Header.Date()
				if err != nil || !d.Equal(m.Date) {
					t.Errorf("Date() = %v, %v; want %v", d, err, m.Date)
				}
			}
			if m.From != "" {
				if _, err := mail.ParseAddress(msg.Header.Get("From")); err != nil {
					t.Errorf("From %q: %v", msg.Header.Get("From"), err)
				}
			}
			if got := msg.Header.Get("Mime-Version"); got != "1.0" {
				t.Errorf("MIME-Version = %q", got)
			}
			body, _ := io.ReadAll(msg.Body)
			if string(body) != "body\r\n" {
				t.Errorf("body = %q", body)
			}
		})
	}
}

func TestHeaderSubjectEncoding(t *testing.T) {
	for _, subject := range []string{"Grüße aus Köln", "日本語のテキスト" + strings.Repeat(" と長い件名", 20), "caf\xe9"} {
		m := &Message{Type: ForwardReq, Version: "6.10.0", TransactionID: "T", MessageID: "M",
			From: "a@example.com", To: []string{"b@example.com"}, Subject: subject}
		h, err := m.Header()
		if err != nil {
			t.Fatalf("Header(%q): %v", subject, err)
		}
		raw := writeHeader(t, h)
		for i := 0; i < len(raw); i++ {
			if raw[i] >= 0x80 {
				t.Fatalf("Header(%q) is not ASCII: %q", subject, raw)
			}
		}
		back, err := Parse(readHeader(t, raw))
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		dec, err := new(mime.WordDecoder).DecodeHeader(back.Subject)
		if err != nil {
			t.Fatalf("DecodeHeader(%q): %v", back.Subject, err)
		}
		if utf8Valid := subject != "caf\xe9"; utf8Valid && dec != subject {
			t.Errorf("subject %q came back as %q", subject, dec)
		}
	}
}

func TestHeaderFolding(t *testing.T) {
	var rcpts []string
	for i := 0; i < 40; i++ {
		rcpts = append(rcpts, "+1555000"+strconv.Itoa(1000+i)+"/TYPE=PLMN@mms.example.com")
	}
	list := strings.Join(rcpts, ", ")
	noSpace := strings.Repeat("x", 300)
	m := &Message{Type: ForwardReq, Version: "6.10.0", TransactionID: noSpace, MessageID: "M",
		From: "a@example.com", To: []string{list}, StatusText: "x"}
	h, err := m.Header()
	if err != nil {
		t.Fatalf("Header: %v", err)
	}
	raw := writeHeader(t, h)
	for _, line := range strings.Split(strings.TrimSuffix(raw, "\r\n\r\n"), "\r\n") {
		if len(line) > 78 && !strings.Contains(line, noSpace) {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
	}
	back, err := Parse(readHeader(t, raw))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(back.To) != 1 || back.To[0] != list || back.TransactionID != noSpace {
		t.Errorf("folded values did not unfold to the originals: %q", back.To)
	}
	// Runs of blanks are not fold points, so they survive.
	if got := lex.FoldField("X", "a  b"+strings.Repeat(" c", 50)+" \td"); strings.Contains(got, "  \r\n") || strings.Contains(got, "\r\n  ") {
		t.Errorf("folded inside a run of blanks: %q", got)
	}
}

func TestHeaderRefusesInjection(t *testing.T) {
	const evil = "x\r\nBcc: victim@example.com"
	valid := func() *Message {
		return &Message{Type: ForwardReq, Version: "6.10.0", TransactionID: "T", MessageID: "M",
			From: "a@example.com", To: []string{"b@example.com"}}
	}
	tests := []struct {
		field string
		set   func(m *Message, v string)
	}{
		{HdrVersion, func(m *Message, v string) { m.Version = v }},
		{HdrTransactionID, func(m *Message, v string) { m.TransactionID = v }},
		{HdrTransactionID, func(m *Message, v string) { m.RawTransactionID = v }},
		{HdrMessageID, func(m *Message, v string) { m.RawMessageID = v }},
		{HdrOriginatorSystem, func(m *Message, v string) { m.OriginatorSystem = v }},
		{HdrMessageClass, func(m *Message, v string) { m.MessageClass = v }},
		{HdrPriority, func(m *Message, v string) { m.Priority = v }},
		{HdrSenderVisibility, func(m *Message, v string) { m.SenderVisibility = v }},
		{"Sender", func(m *Message, v string) { m.Sender = v }},
		{"From", func(m *Message, v string) { m.From = v }},
		{"To", func(m *Message, v string) { m.To = append(m.To, v) }},
		{"Cc", func(m *Message, v string) { m.Cc = []string{v} }},
		{"Subject", func(m *Message, v string) { m.Subject = v }},
		{"Message-ID", func(m *Message, v string) { m.RFC822MessageID = v }},
		{HdrRequestStatusCode, func(m *Message, v string) { m.Type = ForwardRes; m.RequestStatus = mmsmap.RequestStatus(v) }},
		{HdrStatusText, func(m *Message, v string) { m.Type = ForwardRes; m.RequestStatus = mmsmap.StatusOk; m.StatusText = v }},
		{HdrMMStatusExtension, func(m *Message, v string) {
			m.Type = DeliveryReportReq
			m.MMStatus = mmsmap.MMStatusExpired
			m.MMStatusExtension = v
		}},
	}
	for _, tt := range tests {
		for _, v := range []string{evil, "x\ny", "x\rY", "x\x00y"} {
			m := valid()
			tt.set(m, v)
			h, err := m.Header()
			wantFieldError(t, err, tt.field)
			if h.Len() != 0 {
				t.Errorf("%s: a header was returned with the error", tt.field)
			}
		}
	}
}

func TestHeaderRefusesInvalid(t *testing.T) {
	valid := func() *Message {
		return &Message{Type: ForwardReq, Version: "6.10.0", TransactionID: "T", MessageID: "M",
			From: "a@example.com", To: []string{"b@example.com"}}
	}
	tests := []struct {
		name  string
		edit  func(m *Message)
		field string
	}{
		{"no type", func(m *Message) { m.Type = 0 }, HdrMessageType},
		{"bad type", func(m *Message) { m.Type = 42 }, HdrMessageType},
		{"no version", func(m *Message) { m.Version = "" }, HdrVersion},
		{"no transaction ID", func(m *Message) { m.TransactionID = "" }, HdrTransactionID},
		{"blank transaction ID", func(m *Message) { m.TransactionID = " \t " }, HdrTransactionID},
		{"quoted empty raw ID", func(m *Message) { m.RawTransactionID = `""` }, HdrTransactionID},
		{"no message ID", func(m *Message) { m.MessageID = "" }, HdrMessageID},
		{"no From", func(m *Message) { m.From = "" }, "From"},
		{"no recipients", func(m *Message) { m.To = []string{"", " "} }, "To"},
		{"long ID", func(m *Message) { m.TransactionID = strings.Repeat("t", 4097) }, HdrTransactionID},
		{"non-UTF-8 From", func(m *Message) { m.From = "\xff@example.com" }, "From"},
		{"too many To", func(m *Message) { m.To = make([]string, 10001); fillStrings(m.To, "b@example.com") }, "To"},
		{"no status", func(m *Message) { m.Type = ForwardRes }, HdrRequestStatusCode},
		{"no MM status", func(m *Message) { m.Type = DeliveryReportReq }, HdrMMStatusCode},
		{"unknown MM status", func(m *Message) { m.Type = DeliveryReportReq; m.MMStatus = "Delivered" }, HdrMMStatusCode},
		{"no read status", func(m *Message) { m.Type = ReadReplyReportReq }, HdrReadStatus},
		{"unknown read status", func(m *Message) { m.Type = ReadReplyReportReq; m.ReadStatus = "Unread" }, HdrReadStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid()
			tt.edit(m)
			_, err := m.Header()
			wantFieldError(t, err, tt.field)
		})
	}
	var nilMessage *Message
	if _, err := nilMessage.Header(); err == nil {
		t.Errorf("nil Message: no error")
	}
}

func fillStrings(l []string, v string) {
	for i := range l {
		l[i] = v
	}
}

func TestNewResponse(t *testing.T) {
	for _, req := range roundTripMessages() {
		if !req.Type.IsRequest() {
			continue
		}
		t.Run(req.Type.String(), func(t *testing.T) {
			res := NewResponse(req, mmsmap.StatusErrorContentNotAccepted, "")
			want := &Message{
				Type: req.Type.Response(), Version: req.Version,
				TransactionID: req.TransactionID, RawTransactionID: req.RawTransactionID,
				RequestStatus: mmsmap.StatusErrorContentNotAccepted, StatusText: "Content not accepted",
			}
			if req.Type != ReadReplyReportReq {
				want.MessageID, want.RawMessageID = req.MessageID, req.RawMessageID
			}
			if !sameMessage(res, want) {
				t.Fatalf("NewResponse =\n%+v\nwant\n%+v", *res, *want)
			}
			res.Sender, res.To, res.Date = "system@mms.example.com", []string{req.OriginatorSystem}, req.Date
			h, err := res.Header()
			if err != nil {
				t.Fatalf("Header: %v", err)
			}
			raw := writeHeader(t, h)
			if !strings.Contains(raw, "\r\n"+HdrTransactionID+": "+req.RawTransactionID+"\r\n") {
				t.Errorf("Transaction-ID not echoed exactly:\n%s", raw)
			}
			back, err := Parse(readHeader(t, raw))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if back.Type != req.Type.Response() || back.TransactionID != req.TransactionID || back.RequestStatus != mmsmap.StatusErrorContentNotAccepted {
				t.Errorf("RES parsed back as %+v", *back)
			}
		})
	}
	if res := NewResponse(sampleMessage(t, sampleForwardReq), mmsmap.StatusOk, "fine"); res.StatusText != "fine" || res.RawTransactionID != `"48123451234512345@mms.example.pl"` {
		t.Errorf("NewResponse with text = %+v", *res)
	}
	if res := NewResponse(nil, mmsmap.StatusOk, ""); res == nil || res.RequestStatus != mmsmap.StatusOk {
		t.Errorf("NewResponse(nil) = %+v", res)
	}
}

func sampleMessage(t *testing.T, lines []string) *Message {
	t.Helper()
	m, err := Parse(readHeader(t, rawHeader(lines...)))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

// TestParseMM4Hostile feeds oversized and malformed input; every case must end quickly with the
// expected outcome.
func TestParseMM4Hostile(t *testing.T) {
	const mib = 1 << 20
	head := []string{
		"X-Mms-3GPP-MMS-Version: 6.3.0",
		"X-Mms-Message-Type: MM4_forward.REQ",
		"X-Mms-Message-ID: M1",
		"From: a@example.com",
	}
	many := func(name string, n int) []string {
		l := make([]string, n)
		for i := range l {
			l[i] = name + ": +1555" + strconv.Itoa(1000000+i) + "/TYPE=PLMN@mms.example.com"
		}
		return l
	}
	tests := []struct {
		name   string
		header string
		field  string // "" for success
	}{
		{"1 MB transaction ID", rawHeader(append(head, "X-Mms-Transaction-ID: "+strings.Repeat("t", mib), "To: b@example.com")...), HdrTransactionID},
		{"1 MB subject", rawHeader(append(head, "X-Mms-Transaction-ID: T", "To: b@example.com", "Subject: "+strings.Repeat("s ", mib/2))...), "Subject"},
		{"1 MB To", rawHeader(append(head, "X-Mms-Transaction-ID: T", "To: "+strings.Repeat("b@example.com, ", mib/15))...), "To"},
		{"1 MB unknown field", rawHeader(append(head, "X-Mms-Transaction-ID: T", "To: b@example.com", "X-Mms-Foo: "+strings.Repeat("f", mib))...), ""},
		{"1 MB field name", rawHeader(append(head, "X-Mms-Transaction-ID: T", "To: b@example.com", "X-"+strings.Repeat("n", mib)+": v")...), ""},
		{"10000 To fields", rawHeader(append(append(head, "X-Mms-Transaction-ID: T"), many("To", 10000)...)...), ""},
		{"10001 To fields", rawHeader(append(append(head, "X-Mms-Transaction-ID: T"), many("To", 10001)...)...), "To"},
		{"10001 Cc fields", rawHeader(append(append(head, "X-Mms-Transaction-ID: T"), many("Cc", 10001)...)...), "Cc"},
		{"100000 unknown fields", rawHeader(append(append(head, "X-Mms-Transaction-ID: T", "To: b@example.com"), many("X-Mms-Foo", 100000)...)...), ""},
		{"empty header", "\r\n", HdrMessageType},
		{"no message type", rawHeader(head[0], head[2], head[3]), HdrMessageType},
		{"empty message type", rawHeader("X-Mms-Message-Type:   "), HdrMessageType},
		{"MM4_bogus.REQ", rawHeader("X-Mms-Message-Type: MM4_bogus.REQ"), HdrMessageType},
		{"MM7_submit.REQ", rawHeader("X-Mms-Message-Type: MM7_submit.REQ"), HdrMessageType},
		{"non-UTF-8 type", rawHeader("X-Mms-Message-Type: MM4_forward.REQ\xff"), HdrMessageType},
		{"non-UTF-8 version", rawHeader("X-Mms-3GPP-MMS-Version: 6.\xc0", "X-Mms-Message-Type: MM4_forward.RES"), HdrVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := readHeader(t, tt.header)
			start := time.Now()
			m, err := Parse(h)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Parse took %v", d)
			}
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if strings.HasPrefix(tt.name, "10000 To") && len(m.To) != 10000 {
					t.Errorf("len(To) = %d", len(m.To))
				}
				return
			}
			fe := wantFieldError(t, err, tt.field)
			if len(fe.Error()) > 200 {
				t.Errorf("error message is %d bytes long", len(fe.Error()))
			}
		})
	}
}

// TestMM4TablesConsistent checks the tables against each other: every field a type lists is known,
// every name fits the lookup buffer and its bit set, and the spellings are TS 23.140's.
func TestMM4TablesConsistent(t *testing.T) {
	if len(fieldSpecs) > 64 {
		t.Fatalf("%d fieldSpecs do not fit a uint64 bit set", len(fieldSpecs))
	}
	for _, f := range fieldSpecs {
		if len(f.name) > maxFieldNameLength {
			t.Errorf("%s is longer than maxFieldNameLength", f.name)
		}
		if lookupField(strings.ToUpper(f.name)) != f {
			t.Errorf("%s: lookup in upper case failed", f.name)
		}
		if f.encode == nil {
			t.Errorf("%s: no encoder", f.name)
		}
	}
	for alias := range fieldAliases {
		if lookupField(alias) == nil {
			t.Errorf("alias %s resolves to nothing", alias)
		}
	}
	for typ := ForwardReq; typ <= ReadReplyReportRes; typ++ {
		ts := typ.spec()
		if len(ts.order) != len(ts.fields)+len(rfc5322Fields) {
			t.Errorf("%v: %d of %d fields resolved", typ, len(ts.order), len(ts.fields)+len(rfc5322Fields))
		}
		if got := ts.fields[:3]; !reflect.DeepEqual(got, []string{HdrVersion, HdrMessageType, HdrTransactionID}) {
			t.Errorf("%v starts with %v", typ, got)
		}
		if hasMID := ts.fields[3] == HdrMessageID; hasMID == (typ == ReadReplyReportRes) {
			t.Errorf("%v: X-Mms-Message-ID placement wrong", typ)
		}
		for _, row := range ts.mandatory {
			for _, name := range row {
				if f := lookupField(name); f == nil || f.present == nil {
					t.Errorf("%v: mandatory %s cannot be checked", typ, name)
				}
			}
		}
		if typ.IsRequest() != strings.HasSuffix(ts.token, ".REQ") {
			t.Errorf("%v: IsRequest disagrees with the token", typ)
		}
	}
	// The exact spellings other code relies on (TS 23.140 §8.4.1–§8.4.3).
	spellings := map[string]string{
		HdrVersion:                    "X-Mms-3GPP-MMS-Version",
		HdrTransactionID:              "X-Mms-Transaction-ID",
		HdrMessageID:                  "X-Mms-Message-ID",
		HdrRequestStatusCode:          "X-Mms-Request-Status-Code",
		HdrMMStatusCode:               "X-Mms-MM-Status-Code",
		HdrOriginatorRSDeliveryReport: "X-Mms-Originator-R/S-Delivery-Report",
		HdrPreviouslySentBy:           "X-Mms-Previously-sent-by",
		HdrPreviouslySentDate:         "X-Mms-Previously-sent-date-and-time",
	}
	for got, want := range spellings {
		if got != want {
			t.Errorf("constant %q, want %q", got, want)
		}
	}
}

// FuzzParse parses arbitrary header bytes. Invariants: no panic; every error is a *FieldError; a
// parsed message answers with a RES whose header parses back with the same transaction; and the
// parsed message itself re-encodes to a header that parses back to the same transaction.
func FuzzParse(f *testing.F) {
	f.Add([]byte(rawHeader(sampleForwardReq...)))
	f.Add([]byte(rawHeader(sampleDeliveryReportReq...)))
	f.Add([]byte(rawHeader(sampleReadReplyRes...)))
	f.Fuzz(func(t *testing.T, raw []byte) {
		h, err := textproto.ReadHeader(bufio.NewReader(io.LimitReader(bytes.NewReader(raw), 1<<20)))
		if err != nil {
			return
		}
		m, err := Parse(h)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse error %v is a %T, not a *FieldError", err, err)
			}
			_ = fe.Error()
			return
		}
		if m.Type.spec() == nil || m.Version == "" || m.TransactionID == "" {
			t.Fatalf("Parse accepted a message without a mandatory field: %+v", *m)
		}

		res := NewResponse(m, mmsmap.StatusOk, "")
		rh, err := res.Header()
		if err != nil {
			t.Fatalf("Header of the RES: %v", err)
		}
		back, err := reparse(t, rh)
		if err != nil {
			t.Fatalf("Parse of the RES header: %v\n%s", err, writeHeader(t, rh))
		}
		if back.Type != m.Type.Response() || back.TransactionID != m.TransactionID || back.RawTransactionID != m.RawTransactionID {
			t.Fatalf("RES parsed back as %v %q %q, want %v %q %q", back.Type, back.TransactionID, back.RawTransactionID,
				m.Type.Response(), m.TransactionID, m.RawTransactionID)
		}

		mh, err := m.Header()
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Header error %v is a %T, not a *FieldError", err, err)
			}
			return // e.g. a raw 8-bit Subject too long once RFC 2047 encoded
		}
		again, err := reparse(t, mh)
		if err != nil {
			t.Fatalf("Parse(Header()) of a parsed message: %v\n%s", err, writeHeader(t, mh))
		}
		if again.Type != m.Type || again.TransactionID != m.TransactionID || again.RawTransactionID != m.RawTransactionID ||
			(m.Type != ReadReplyReportRes && again.MessageID != m.MessageID) || len(again.To) != len(m.To) {
			t.Fatalf("Parse(Header()) = %+v\nwant %+v", *again, *m)
		}
	})
}
