// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package mdn generates and reads message disposition notifications (MDNs,
// RFC 8098, which obsoletes the RFC 3798 that RFC 4356 cites): the "read
// receipts" of Internet mail, which RFC 4356 §2.1.4 maps to and from MMS read
// reports (MM4_read_reply_report.REQ, 3GPP TS 23.140 §8.4.3).
//
// An MDN is a multipart/report (RFC 6522) with
// report-type=disposition-notification, made of up to three parts:
//
//  1. text/plain: a human-readable explanation (RFC 8098 §3; RFC 4356
//     §2.1.4 allows it to say that the MDN was made from an MMS read
//     report);
//  2. message/disposition-notification: the machine-readable fields of
//     RFC 8098 §3.1 — Reporting-UA, MDN-Gateway, Original-Recipient,
//     Final-Recipient, Original-Message-ID and Disposition;
//  3. text/rfc822-headers: the original message's header (optional,
//     RFC 8098 §3).
//
// Generate writes one, 7-bit clean (RFC 2045 §2.7, RFC 5322 §2.1.1), with
// the same treatment of hostile values as internal/dsn: control characters
// are removed so that nothing can add a header field, an MDN field or a MIME
// part, and sizes are bounded. Parse reads one the way mail clients write
// them (Thunderbird, Apple Mail, Outlook and older RFC 2298 forms),
// leniently but within strict bounds. IsMDN tells whether a header is that
// of an MDN.
//
// An MDN is sent with a null reverse-path (RFC 8098 §2.1: MAIL FROM:<>) to
// the address of the original's Disposition-Notification-To; this package
// makes the message, the caller sends it.
package mdn

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/internal/dsn/mailfmt"
)

// Size limits of the generator.
const (
	// MaxText is the longest human-readable text (in bytes, before
	// transfer encoding).
	MaxText = 16 << 10
	// MaxOriginalHeader is the largest returned original header (in bytes,
	// before transfer encoding); fields that do not fit are left out.
	MaxOriginalHeader = 64 << 10
	// maxUA bounds the Reporting-UA value.
	maxUA = 255
	// maxNameLen bounds the display name of From.
	maxNameLen = 100
	// maxMsgID bounds an Original-Message-ID (RFC 5322 §2.1.1 leaves
	// room for about this much on one line).
	maxMsgID = 250
)

// Disposition types (RFC 8098 §3.2.6.2) that Generate writes.
const (
	Displayed  = "displayed"
	Deleted    = "deleted"
	Dispatched = "dispatched"
	Processed  = "processed"
)

// Disposition modes (RFC 8098 §3.2.6.1).
const (
	modeAutomatic = "automatic-action/MDN-sent-automatically"
	modeManual    = "manual-action/MDN-sent-manually"
)

// dispositionRow describes one disposition type: the Subject prefix and
// the first sentence of the generated text.
type dispositionRow struct {
	disposition string
	prefix      string
	text        string // with %s for the recipient
}

// dispositions lists the disposition types Generate accepts (RFC 8098
// §3.2.6.2), with the meaning RFC 8098 gives each in the text.
var dispositions = []dispositionRow{
	{Displayed, "Read", "Your message to %s\nhas been displayed to the recipient.\n" +
		"This is no guarantee that it has been read or understood."},
	{Deleted, "Deleted", "Your message to %s\nhas been deleted.\n" +
		"The recipient may or may not have seen it."},
	{Dispatched, "Dispatched", "Your message to %s\nhas been sent somewhere else (e.g. forwarded or printed)\n" +
		"without being displayed to the recipient."},
	{Processed, "Processed", "Your message to %s\nhas been processed without being displayed to the recipient."},
}

// gatewayNote ends the generated text of an MDN with a Gateway.
const gatewayNote = "This notification was made by the MMS gateway %s\nfrom an MMS read report (RFC 4356)."

// Report is everything an MDN is generated from.
type Report struct {
	// MsgID is the MDN's Message-ID without angle brackets
	// ("id-left@id-right", RFC 5322 §3.6.4). Required.
	MsgID string
	// Date is the MDN's Date; the zero value means time.Now(). For an MDN
	// made from an MMS read report, the report's Date (RFC 4356 Table 6).
	Date time.Time
	// From is the addr-spec the MDN is from: the reader's address, or the
	// gateway's system address. Required.
	From string
	// FromName is an optional display name for From (RFC 2047-encoded if
	// not ASCII).
	FromName string
	// To is the addr-spec the MDN goes to: the original's
	// Disposition-Notification-To (RFC 8098 §2.1; RFC 4356 Table 6).
	// Required.
	To string
	// Subject is the original message's Subject field value (raw; RFC 2047
	// encoded-words are decoded). The MDN's Subject is "Read: <subject>",
	// "Deleted: …", "Dispatched: …" or "Processed: …" by Disposition.
	Subject string
	// ReportingUA is the optional Reporting-UA value (RFC 8098 §3.2.1),
	// "ua-name; ua-product", e.g. "mms.example.net; maddy-mms".
	ReportingUA string
	// Gateway, when set, marks the MDN as made from an MMS read report by
	// this gateway: "MDN-Gateway: dns; NAME" (RFC 8098 §3.2.2), given as
	// "dns; host" or a bare host name. The generated text then ends with a
	// note saying so.
	Gateway string
	// OriginalRecipient is the optional Original-Recipient (RFC 8098
	// §3.2.3), "rfc822; addr" or a bare address.
	OriginalRecipient string
	// FinalRecipient is the recipient whose disposition is reported
	// (RFC 8098 §3.2.4; for an MMS read report, the MM's recipient, RFC 4356
	// Table 6), a bare address (written "rfc822; addr") or "type; addr".
	// A non-ASCII address is written "utf-8; " in xtext form (RFC 6533 §3).
	// Required.
	FinalRecipient string
	// OriginalMessageID is the original's Message-ID with angle brackets
	// (RFC 8098 §3.2.5), or "". It comes from outside: a value that is not
	// a single printable ASCII token of at most 250 bytes is left out
	// rather than failing the MDN.
	OriginalMessageID string
	// Disposition is the disposition type: Displayed, Deleted, Dispatched
	// or Processed (RFC 8098 §3.2.6.2), in any case.
	Disposition string
	// Automatic selects the disposition mode (RFC 8098 §3.2.6.1):
	// "automatic-action/MDN-sent-automatically" if set,
	// "manual-action/MDN-sent-manually" otherwise.
	Automatic bool
	// Text is the human-readable first part. It may contain non-ASCII
	// characters; it is sanitized and sent quoted-printable when needed.
	// When empty, a text telling the disposition (and, with a Gateway, that
	// the MDN was made from an MMS read report) is generated.
	Text string
	// OrigHeader is the original header, returned as text/rfc822-headers
	// (at most MaxOriginalHeader bytes of it); nil or empty leaves the
	// part out.
	OrigHeader *textproto.Header
}

// Generate builds the MDN described by r (RFC 8098 §3, RFC 6522).
//
// It returns the MDN's header — From, To, Subject, Date, Message-ID,
// Auto-Submitted: auto-replied, MIME-Version and Content-Type:
// multipart/report; report-type=disposition-notification; boundary=… — and
// the body. Auto-Submitted (RFC 3834 §5) is always written: an MDN is made
// by software in answer to a message, and marking it keeps auto-responders
// from answering it (RFC 3834 §2) — which RFC 8098 §2.1 also wants for MDNs.
//
// Generate returns an error for unusable caller-supplied structure (invalid
// addresses, Message-ID, gateway, disposition); untrusted text (the
// subject, the text, the original header and Message-ID) never causes an
// error but is sanitized, truncated or left out.
func Generate(r Report) (textproto.Header, []byte, error) {
	if !mailfmt.IsMsgID(r.MsgID) {
		return textproto.Header{}, nil, errors.New("mdn: invalid Message-ID")
	}
	from, err := formatFrom(r.From, r.FromName)
	if err != nil {
		return textproto.Header{}, nil, fmt.Errorf("mdn: From: %w", err)
	}
	to, err := formatAddrSpec(r.To)
	if err != nil {
		return textproto.Header{}, nil, fmt.Errorf("mdn: To: %w", err)
	}
	var row *dispositionRow
	for i := range dispositions {
		if strings.EqualFold(strings.TrimSpace(r.Disposition), dispositions[i].disposition) {
			row = &dispositions[i]
		}
	}
	if row == nil {
		return textproto.Header{}, nil, fmt.Errorf("mdn: unsupported disposition %q", mailfmt.CleanLine(r.Disposition, 40, true))
	}
	final, err := mailfmt.FormatTypedAddress(r.FinalRecipient)
	if err == nil && addressValue(final) == "" {
		// Nothing left once comments are read as comments (a lone "("):
		// no reader, Parse included, would find a recipient in it.
		err = fmt.Errorf("no address in %q", mailfmt.CleanLine(r.FinalRecipient, 40, true))
	}
	if err != nil {
		return textproto.Header{}, nil, fmt.Errorf("mdn: Final-Recipient: %w", err)
	}
	date := r.Date
	if date.IsZero() {
		date = time.Now()
	}

	// Part 2: message/disposition-notification, fields in the order of
	// RFC 8098 §3.1.
	var fields bytes.Buffer
	if ua := mailfmt.CleanLine(r.ReportingUA, maxUA, true); ua != "" {
		fields.WriteString(mailfmt.FoldField("Reporting-UA", ua))
	}
	gateway := ""
	if r.Gateway != "" {
		if gateway, err = mailfmt.FormatMTA(r.Gateway); err != nil || !strings.HasPrefix(gateway, "dns; ") {
			return textproto.Header{}, nil, errors.New("mdn: invalid MDN-Gateway host name")
		}
		fields.WriteString(mailfmt.FoldField("MDN-Gateway", gateway))
	}
	if r.OriginalRecipient != "" {
		orig, err := mailfmt.FormatTypedAddress(r.OriginalRecipient)
		if err != nil {
			return textproto.Header{}, nil, fmt.Errorf("mdn: Original-Recipient: %w", err)
		}
		fields.WriteString(mailfmt.FoldField("Original-Recipient", orig))
	}
	fields.WriteString(mailfmt.FoldField("Final-Recipient", final))
	if id, ok := cleanMsgID(r.OriginalMessageID); ok {
		fields.WriteString(mailfmt.FoldField("Original-Message-ID", id))
	}
	mode := modeManual
	if r.Automatic {
		mode = modeAutomatic
	}
	fields.WriteString(mailfmt.FoldField("Disposition", mode+"; "+row.disposition))

	// Part 1: the human-readable text.
	text := mailfmt.CleanText(r.Text, MaxText)
	if strings.TrimSpace(text) == "" {
		_, addr, _ := mailfmt.SplitType(final)
		text = fmt.Sprintf(row.text, addr)
		if s := decodedSubject(r.Subject); s != "" {
			text += "\n\nSubject: " + s
		}
		if gateway != "" {
			text += "\n\n" + fmt.Sprintf(gatewayNote, strings.TrimPrefix(gateway, "dns; "))
		}
	}
	textBody, charset, cte := mailfmt.EncodeText(text)

	// Part 3: the original header.
	var origHeader []byte
	origCTE := ""
	if r.OrigHeader != nil && r.OrigHeader.Len() > 0 {
		origHeader, origCTE = mailfmt.OriginalHeaderPart(*r.OrigHeader, MaxOriginalHeader)
	}

	boundary, err := mailfmt.PickBoundary("mdn", textBody, fields.Bytes(), origHeader)
	if err != nil {
		return textproto.Header{}, nil, fmt.Errorf("mdn: %w", err)
	}
	var body bytes.Buffer
	body.WriteString("This is a MIME-formatted message disposition notification (RFC 8098).\r\n")
	mailfmt.WritePart(&body, boundary, []string{
		mailfmt.FoldField("Content-Type", "text/plain; charset="+charset),
		mailfmt.FoldField("Content-Transfer-Encoding", cte),
		mailfmt.FoldField("Content-Description", "Notification"),
	}, textBody)
	mailfmt.WritePart(&body, boundary, []string{
		mailfmt.FoldField("Content-Type", "message/disposition-notification"),
		mailfmt.FoldField("Content-Description", "Disposition notification"),
	}, fields.Bytes())
	if origHeader != nil {
		f := []string{
			mailfmt.FoldField("Content-Type", "text/rfc822-headers; charset="+mailfmt.CharsetFor(origCTE)),
			mailfmt.FoldField("Content-Description", "Original message header"),
		}
		if origCTE != "7bit" {
			f = append(f, mailfmt.FoldField("Content-Transfer-Encoding", origCTE))
		}
		mailfmt.WritePart(&body, boundary, f, origHeader)
	}
	body.WriteString("\r\n--" + boundary + "--\r\n")

	// textproto.Header.AddRaw inserts at the top: fields in reverse order.
	var h textproto.Header
	for _, f := range []string{
		mailfmt.FoldField("Content-Type", `multipart/report; report-type=disposition-notification; boundary="`+boundary+`"`),
		mailfmt.FoldField("MIME-Version", "1.0"),
		mailfmt.FoldField("Auto-Submitted", "auto-replied"),
		mailfmt.FoldField("Message-ID", "<"+r.MsgID+">"),
		mailfmt.FoldField("Date", date.Format(mailfmt.DateLayout)),
		mailfmt.FoldField("Subject", mailfmt.Subject(row.prefix, r.Subject)),
		mailfmt.FoldField("To", to),
		mailfmt.FoldField("From", from),
	} {
		h.AddRaw([]byte(f))
	}
	return h, body.Bytes(), nil
}

// formatAddrSpec validates a bare addr-spec (no display name, no angle
// brackets needed) and formats it for a 7-bit header.
func formatAddrSpec(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "<>,") {
		return "", errors.New("want a single addr-spec")
	}
	return mailfmt.FormatMailbox(s)
}

// formatFrom formats the From mailbox: addr with the optional display
// name, sanitized to one line.
func formatFrom(addr, name string) (string, error) {
	a, err := formatAddrSpec(addr)
	if err != nil {
		return "", err
	}
	name = mailfmt.CleanLine(name, maxNameLen, false)
	if name == "" {
		return a, nil
	}
	parsed, err := mail.ParseAddress(a)
	if err != nil {
		return "", err
	}
	return mailfmt.FormatMailbox((&mail.Address{Name: name, Address: parsed.Address}).String())
}

// cleanMsgID returns the Original-Message-ID to write for id: id in angle
// brackets, or false if id is not a single printable ASCII token.
func cleanMsgID(id string) (string, bool) {
	id = strings.TrimSpace(id)
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	if id == "" || len(id) > maxMsgID {
		return "", false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7F || c == '<' || c == '>' {
			return "", false
		}
	}
	return "<" + id + ">", true
}

// decodedSubject returns the original subject for the generated text:
// RFC 2047 decoded when possible, one clean line.
func decodedSubject(raw string) string {
	s, err := new(mime.WordDecoder).DecodeHeader(raw)
	if err != nil {
		s = raw
	}
	return mailfmt.CleanLine(s, mailfmt.MaxSubjectText, false)
}
