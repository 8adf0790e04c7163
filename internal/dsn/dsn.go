// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package dsn generates delivery status notifications (DSNs): for MMs that a
// peer MMSC refused (an MM4_forward.RES with an Error-* X-Mms-Request-Status-Code),
// that could not be sent at all (e.g. too large for the peer), or for which no
// response came in time; and, as the gateway of RFC 4356 §2.1.4, for MMS
// delivery reports told to an Internet mail sender, which may report success
// ("delivered", "relayed") as well as failure.
//
// A DSN is a multipart/report (RFC 6522, formerly RFC 3462) with
// report-type=delivery-status, made of three parts:
//
//  1. text/plain: a human-readable explanation (RFC 6522 §2);
//  2. message/delivery-status: the machine-readable per-message and
//     per-recipient fields of RFC 3464 §2.2 and §2.3;
//  3. text/rfc822-headers: the original message's header, never its body
//     (RFC 6522 §3; RFC 3464 §3 allows returning the header only).
//
// RFC 4356 (mapping between MMS and Internet mail) carries MMS delivery
// reports and failures as exactly such RFC 3464 DSNs; the MMS status ends up
// in a Diagnostic-Code of a private diagnostic-type such as "X-MMS"
// (RFC 3464 §2.3.6) next to the nearest RFC 3463 enhanced status code. A DSN
// made from an MMS delivery report names the gateway that made it in a
// DSN-Gateway field (RFC 3464 §2.2.3), which RFC 4356 §2.1.4 requires
// (Report.Gateway).
//
// The generated message is 7-bit clean (RFC 2045 §2.7, RFC 5322 §2.1.1),
// so it can be sent to any SMTP server without 8BITMIME or SMTPUTF8.
// Values that come from outside — in particular status texts of peer MMSCs
// and the original header — are treated as hostile: control characters are
// removed so they can neither add header fields nor DSN fields or groups,
// and their sizes are bounded.
package dsn

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/internal/dsn/mailfmt"
)

// Size limits. They bound the size of a DSN whatever a peer or the original
// sender put into the values it is made of.
const (
	// MaxRecipients is the number of per-recipient field groups a DSN
	// holds at most; further recipients are summarized in the explanation.
	MaxRecipients = 1000
	// MaxDiagnosticText is the longest text (in bytes) kept after the
	// diagnostic-type of a Diagnostic-Code, e.g. a peer's
	// X-Mms-Status-Text.
	MaxDiagnosticText = 512
	// MaxExplanation is the longest human-readable explanation (in bytes,
	// before transfer encoding).
	MaxExplanation = 16 << 10
	// MaxOriginalHeader is the largest returned original header (in bytes,
	// before transfer encoding); fields that do not fit are left out.
	MaxOriginalHeader = 64 << 10
)

// Action values (RFC 3464 §2.3.3) accepted in a Recipient. "expanded" is not
// offered: RFC 4356 §2.1.4 says a gateway SHOULD NOT use it.
const (
	// ActionFailed: the MM could not be delivered and will not be; the
	// Status is of class 5 (or 4 for a transient condition the MTA gave up
	// on, such as 4.4.7).
	ActionFailed = "failed"
	// ActionDelayed: not delivered yet, still being tried; Status class 4.
	ActionDelayed = "delayed"
	// ActionDelivered: delivered to the recipient (for an MMS delivery
	// report: retrieved by the recipient's handset); Status class 2.
	ActionDelivered = "delivered"
	// ActionRelayed: passed on to a system that will not report further
	// (for an MMS delivery report: forwarded, or its fate indeterminate);
	// Status class 2.
	ActionRelayed = "relayed"
)

// actionRow describes one Action: the Status classes RFC 3464 §2.3.3 and
// RFC 3463 allow with it, and how the Subject and the generated explanation
// tell it.
type actionRow struct {
	action  string
	classes []int
	prefix  string // Subject prefix when the report is about this action alone
	intro   string // first paragraph of the generated explanation
}

// actionTable is the list of supported actions. A report is summarized by
// the row of its failures if it has any (so a report with failures always
// reads "Undelivered MMS"), else by the row of its only action, else by
// mixedRow.
var actionTable = []actionRow{
	{ActionFailed, []int{5, 4}, "Undelivered MMS",
		"Your MMS could not be delivered to one or more of its recipients.\n" +
			"The details are listed below."},
	{ActionDelayed, []int{4}, "Delayed MMS",
		"Your MMS has not yet been delivered to the recipients listed below.\n" +
			"Delivery is still being attempted; you do not need to resend it."},
	{ActionDelivered, []int{2}, "Delivered MMS",
		"Your MMS has been delivered to the recipients listed below."},
	{ActionRelayed, []int{2}, "Relayed MMS",
		"Your MMS has been passed on for the recipients listed below to a system\n" +
			"that does not report delivery; no further report will follow."},
}

// mixedRow summarizes a report without failures whose recipients have
// different actions (e.g. delivered to one, still delayed for another).
var mixedRow = actionRow{prefix: "MMS delivery status",
	intro: "The delivery status of your MMS for each of its recipients is listed below."}

func lookupAction(a string) *actionRow {
	for i := range actionTable {
		if actionTable[i].action == a {
			return &actionTable[i]
		}
	}
	return nil
}

// summarize returns the row describing a report whose recipients have the
// given actions (all valid).
func summarize(actions []string) *actionRow {
	if slices.Contains(actions, ActionFailed) {
		return lookupAction(ActionFailed)
	}
	for _, a := range actions[1:] {
		if a != actions[0] {
			return &mixedRow
		}
	}
	return lookupAction(actions[0])
}

// Envelope describes the DSN message itself.
type Envelope struct {
	// MsgID is the DSN's Message-ID without angle brackets
	// ("id-left@id-right", RFC 5322 §3.6.4), generated by the caller.
	MsgID string
	// From is the DSN's From, e.g. "MMS Relay <postmaster@mms.example.net>".
	// It must be a single RFC 5322 mailbox; a non-ASCII display name is
	// RFC 2047-encoded.
	From string
	// To is the original sender, who receives the DSN. It must not be
	// empty: DSNs are never sent to a null reverse-path (RFC 5321 §4.5.5).
	To string
	// ReportingMTA is our host name, written as "Reporting-MTA: dns; …"
	// (RFC 3464 §2.2.2). A leading "dns;" is accepted and ignored.
	ReportingMTA string
	// Date is the DSN's Date; the zero value means time.Now(). For a DSN
	// made from an MMS delivery report it is the report's Date
	// (RFC 4356 Table 4).
	Date time.Time
}

// Recipient is one per-recipient field group (RFC 3464 §2.3).
type Recipient struct {
	// FinalRecipient is the recipient as given by the sender, either as
	// "rfc822; addr" or as a bare address (then "rfc822" is assumed;
	// RFC 3464 §2.3.2). A non-ASCII address is written with the "utf-8"
	// address type in its 7-bit xtext form (RFC 6533 §3). For a DSN made
	// from an MMS delivery report it is the report's From, the recipient
	// of the MM (RFC 4356 Table 4).
	FinalRecipient string
	// OriginalRecipient is the ORCPT of RFC 3461 §4.2, e.g.
	// "rfc822; addr". The Original-Recipient field (RFC 3464 §2.3.1) is
	// written only when this is set. (Optional; an addition to the
	// original design.)
	OriginalRecipient string
	// Action is ActionFailed, ActionDelayed, ActionDelivered or
	// ActionRelayed (RFC 3464 §2.3.3).
	Action string
	// Status is the RFC 3463 enhanced status code (RFC 3464 §2.3.4),
	// e.g. {5, 6, 0}. "failed" requires class 5 or 4 (4 meaning the MTA
	// gave up on a transient condition, such as 4.4.7), "delayed" class 4,
	// "delivered" and "relayed" class 2.
	Status [3]int
	// RemoteMTA optionally names the peer MMSC (RFC 3464 §2.3.5), as
	// "dns; mms.peer.example" or a bare host name.
	RemoteMTA string
	// DiagnosticCode optionally carries the peer's answer (RFC 3464
	// §2.3.6) as "type; text", e.g.
	// "X-MMS; Error-content-not-accepted: Image too large" or
	// "smtp; 552 5.3.4 Message too big". Without a valid type prefix the
	// whole value is taken as text of type "X-MMS". The text is made a
	// single ASCII line (non-ASCII characters become '?'; put the full
	// text in Report.Explanation) and cut to MaxDiagnosticText bytes.
	DiagnosticCode string
	// LastAttempt is written as Last-Attempt-Date (RFC 3464 §2.3.7) unless
	// zero. For a DSN made from an MMS delivery report, the report's Date
	// is the time the MM reached the state reported, which is what this
	// field tells.
	LastAttempt time.Time
	// WillRetryUntil is written as Will-Retry-Until (RFC 3464 §2.3.9) for
	// "delayed" recipients unless zero. (Optional; an addition to the
	// original design.)
	WillRetryUntil time.Time
}

// Report is everything a DSN is generated from.
type Report struct {
	Envelope   Envelope
	Recipients []Recipient
	// Explanation is the human-readable first part (RFC 6522 §2). It may
	// contain a peer's status text and non-ASCII characters; it is
	// sanitized and sent quoted-printable when needed. When empty, a
	// generic explanation listing the recipients is generated.
	Explanation string
	// OriginalHeader is the original message's header, returned as
	// text/rfc822-headers (RFC 6522 §3), at most MaxOriginalHeader bytes of
	// it. The body is never returned. When it has no fields, the third
	// part is omitted (it is optional per RFC 6522 §3). For a DSN made from
	// an MMS delivery report it holds at least the reported MM's
	// Message-ID (RFC 4356 Table 4).
	OriginalHeader textproto.Header
	// Gateway, when set, marks the DSN as made from an MMS delivery report
	// (a foreign, non-Internet notification) by this gateway: it is written
	// as the per-message field "DSN-Gateway: dns; NAME" (RFC 3464 §2.2.3,
	// required by RFC 4356 §2.1.4 for such a DSN), as "dns; host" or a
	// bare host name like RemoteMTA. A generated explanation then ends
	// with a note that the DSN was made from an MMS delivery report
	// (RFC 4356 §2.1.4 allows part 1 to say so); a given Explanation is
	// used as it is and should say so itself.
	Gateway string
	// ArrivalDate, unless zero, is written as the per-message Arrival-Date
	// (RFC 3464 §2.2.5): when the reported MM reached the reporting MTA.
	ArrivalDate time.Time
}

// gatewayNote ends the generated explanation of a DSN with a Gateway.
const gatewayNote = "This report was made by the MMS gateway %s from a delivery report\nof the MMS network (RFC 4356)."

// Generate builds the DSN described by r (RFC 3464 §2, RFC 6522 §2).
//
// It returns the DSN's header — From, To, Subject, Date, Message-ID,
// Auto-Submitted: auto-replied (RFC 3834 §5), MIME-Version and
// Content-Type: multipart/report; report-type=delivery-status; boundary=… —
// and the body: the text/plain explanation, the message/delivery-status part
// and, if r.OriginalHeader has fields, the text/rfc822-headers part.
//
// The Subject is a prefix, then ": " and the original subject if there was
// one. The prefix tells the actions: "Undelivered MMS" if any recipient
// failed, else "Delayed MMS", "Delivered MMS" or "Relayed MMS" when every
// recipient has that action, else "MMS delivery status".
//
// Generate returns an error for unusable caller-supplied structure (invalid
// addresses, Message-ID, host names, actions or status codes, no recipients);
// untrusted text (status texts, the explanation, the original header) never
// causes an error but is sanitized and truncated.
func Generate(r Report) (textproto.Header, []byte, error) {
	env := r.Envelope

	from, err := mailfmt.FormatMailbox(env.From)
	if err != nil {
		return textproto.Header{}, nil, fmt.Errorf("dsn: From: %w", err)
	}
	to, err := mailfmt.FormatMailbox(env.To)
	if err != nil {
		return textproto.Header{}, nil, fmt.Errorf("dsn: To: %w", err)
	}
	if !mailfmt.IsMsgID(env.MsgID) {
		return textproto.Header{}, nil, errors.New("dsn: invalid Message-ID")
	}
	reportingMTA := strings.TrimSpace(env.ReportingMTA)
	if typ, rest, ok := mailfmt.SplitType(reportingMTA); ok && strings.EqualFold(typ, "dns") {
		reportingMTA = rest
	}
	reportingMTA = strings.TrimSuffix(reportingMTA, ".")
	if !mailfmt.IsHostname(reportingMTA) {
		return textproto.Header{}, nil, errors.New("dsn: invalid Reporting-MTA host name")
	}
	gateway := ""
	if r.Gateway != "" {
		if gateway, err = mailfmt.FormatMTA(r.Gateway); err != nil || !strings.HasPrefix(gateway, "dns; ") {
			return textproto.Header{}, nil, errors.New("dsn: invalid DSN-Gateway host name")
		}
	}
	date := env.Date
	if date.IsZero() {
		date = time.Now()
	}

	if len(r.Recipients) == 0 {
		return textproto.Header{}, nil, errors.New("dsn: no recipients")
	}
	rcpts := r.Recipients
	omitted := 0
	if len(rcpts) > MaxRecipients {
		omitted = len(rcpts) - MaxRecipients
		rcpts = rcpts[:MaxRecipients]
	}

	// Part 2: message/delivery-status (RFC 3464 §2.1), the per-message
	// fields in the order of RFC 3464 §2.2.
	var status bytes.Buffer
	status.WriteString(mailfmt.FoldField("Reporting-MTA", "dns; "+reportingMTA))
	if gateway != "" {
		status.WriteString(mailfmt.FoldField("DSN-Gateway", gateway))
	}
	if !r.ArrivalDate.IsZero() {
		status.WriteString(mailfmt.FoldField("Arrival-Date", r.ArrivalDate.Format(mailfmt.DateLayout)))
	}
	actions := make([]string, 0, len(rcpts))
	summaries := make([]rcptSummary, 0, len(rcpts))
	for i, rc := range rcpts {
		block, sum, err := recipientFields(rc)
		if err != nil {
			return textproto.Header{}, nil, fmt.Errorf("dsn: recipient %d: %w", i+1, err)
		}
		actions = append(actions, rc.Action)
		status.WriteString("\r\n")
		status.WriteString(block)
		summaries = append(summaries, sum)
	}
	row := summarize(actions)

	// Part 1: the human-readable explanation.
	text := mailfmt.CleanText(r.Explanation, MaxExplanation)
	if strings.TrimSpace(text) == "" {
		text = strings.TrimRight(defaultExplanation(reportingMTA, row, summaries), "\n")
		if gateway != "" {
			text += "\n\n" + fmt.Sprintf(gatewayNote, strings.TrimPrefix(gateway, "dns; "))
		}
	}
	if omitted > 0 {
		text += fmt.Sprintf("\n\n(%d further recipients are not listed in this report.)", omitted)
	}
	explanation, explCharset, explCTE := mailfmt.EncodeText(text)

	// Part 3: the original header (RFC 6522 §3).
	var origHeader []byte
	origCTE := ""
	if r.OriginalHeader.Len() > 0 {
		origHeader, origCTE = mailfmt.OriginalHeaderPart(r.OriginalHeader, MaxOriginalHeader)
	}

	boundary, err := mailfmt.PickBoundary("dsn", explanation, status.Bytes(), origHeader)
	if err != nil {
		return textproto.Header{}, nil, fmt.Errorf("dsn: %w", err)
	}

	var body bytes.Buffer
	body.WriteString("This is a MIME-formatted delivery status notification (RFC 3464).\r\n")
	mailfmt.WritePart(&body, boundary, []string{
		mailfmt.FoldField("Content-Type", "text/plain; charset="+explCharset),
		mailfmt.FoldField("Content-Transfer-Encoding", explCTE),
		mailfmt.FoldField("Content-Description", "Notification"),
	}, explanation)
	mailfmt.WritePart(&body, boundary, []string{
		mailfmt.FoldField("Content-Type", "message/delivery-status"),
		mailfmt.FoldField("Content-Description", "Delivery report"),
	}, status.Bytes())
	if origHeader != nil {
		desc := "Original MMS header"
		if row.action == ActionFailed {
			desc = "Undelivered MMS header"
		}
		fields := []string{
			mailfmt.FoldField("Content-Type", "text/rfc822-headers; charset="+mailfmt.CharsetFor(origCTE)),
			mailfmt.FoldField("Content-Description", desc),
		}
		if origCTE != "7bit" {
			fields = append(fields, mailfmt.FoldField("Content-Transfer-Encoding", origCTE))
		}
		mailfmt.WritePart(&body, boundary, fields, origHeader)
	}
	body.WriteString("\r\n--" + boundary + "--\r\n")

	// The DSN's own header. textproto.Header.AddRaw inserts at the top, so
	// the fields are added in reverse order of appearance.
	var h textproto.Header
	for _, f := range []string{
		mailfmt.FoldField("Content-Type", `multipart/report; report-type=delivery-status; boundary="`+boundary+`"`),
		mailfmt.FoldField("MIME-Version", "1.0"),
		mailfmt.FoldField("Auto-Submitted", "auto-replied"),
		mailfmt.FoldField("Message-ID", "<"+env.MsgID+">"),
		mailfmt.FoldField("Date", date.Format(mailfmt.DateLayout)),
		mailfmt.FoldField("Subject", mailfmt.Subject(row.prefix, r.OriginalHeader.Get("Subject"))),
		mailfmt.FoldField("To", to),
		mailfmt.FoldField("From", from),
	} {
		h.AddRaw([]byte(f))
	}
	return h, body.Bytes(), nil
}

// rcptSummary is what the generated explanation says about a recipient.
type rcptSummary struct {
	addr, action, status, diag string
}

// recipientFields formats one per-recipient field group in the order of
// RFC 3464 §2.3. The group does not include the blank line that precedes it.
func recipientFields(rc Recipient) (string, rcptSummary, error) {
	var b strings.Builder
	if rc.OriginalRecipient != "" {
		orig, err := mailfmt.FormatTypedAddress(rc.OriginalRecipient)
		if err != nil {
			return "", rcptSummary{}, fmt.Errorf("Original-Recipient: %w", err)
		}
		b.WriteString(mailfmt.FoldField("Original-Recipient", orig))
	}
	final, err := mailfmt.FormatTypedAddress(rc.FinalRecipient)
	if err != nil {
		return "", rcptSummary{}, fmt.Errorf("Final-Recipient: %w", err)
	}
	b.WriteString(mailfmt.FoldField("Final-Recipient", final))

	row := lookupAction(rc.Action)
	if row == nil {
		return "", rcptSummary{}, fmt.Errorf("unsupported Action %q", mailfmt.CleanLine(rc.Action, 40, true))
	}
	if !slices.Contains(row.classes, rc.Status[0]) {
		return "", rcptSummary{}, fmt.Errorf("%q needs a status of class %v", rc.Action, row.classes)
	}
	// RFC 3463 §2: subject and detail are 1*3digit.
	if rc.Status[1] < 0 || rc.Status[1] > 999 || rc.Status[2] < 0 || rc.Status[2] > 999 {
		return "", rcptSummary{}, errors.New("invalid Status")
	}
	statusCode := fmt.Sprintf("%d.%d.%d", rc.Status[0], rc.Status[1], rc.Status[2])
	b.WriteString(mailfmt.FoldField("Action", rc.Action))
	b.WriteString(mailfmt.FoldField("Status", statusCode))

	if rc.RemoteMTA != "" {
		mta, err := mailfmt.FormatMTA(rc.RemoteMTA)
		if err != nil {
			return "", rcptSummary{}, fmt.Errorf("Remote-MTA: %w", err)
		}
		b.WriteString(mailfmt.FoldField("Remote-MTA", mta))
	}

	diagText := ""
	if rc.DiagnosticCode != "" {
		typ, text, ok := mailfmt.SplitType(rc.DiagnosticCode)
		if !ok {
			typ, text = "X-MMS", rc.DiagnosticCode
		}
		diagText = mailfmt.CleanLine(text, MaxDiagnosticText, true)
		b.WriteString(mailfmt.FoldField("Diagnostic-Code", typ+"; "+diagText))
	}
	if !rc.LastAttempt.IsZero() {
		b.WriteString(mailfmt.FoldField("Last-Attempt-Date", rc.LastAttempt.Format(mailfmt.DateLayout)))
	}
	if rc.Action == ActionDelayed && !rc.WillRetryUntil.IsZero() {
		b.WriteString(mailfmt.FoldField("Will-Retry-Until", rc.WillRetryUntil.Format(mailfmt.DateLayout)))
	}
	_, addr, _ := mailfmt.SplitType(final)
	return b.String(), rcptSummary{addr: addr, action: rc.Action, status: statusCode, diag: diagText}, nil
}

// defaultExplanation is the generic human-readable text used when the
// caller gave none.
func defaultExplanation(host string, row *actionRow, rcpts []rcptSummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "This is the MMS relay at %s.\n\n", host)
	b.WriteString(row.intro + "\n\n")
	for _, r := range rcpts {
		fmt.Fprintf(&b, "  %s: %s (%s)", r.addr, r.action, r.status)
		if r.diag != "" {
			fmt.Fprintf(&b, "\n    %s", r.diag)
		}
		b.WriteString("\n")
	}
	return b.String()
}
