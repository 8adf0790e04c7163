// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mmsmap

import (
	"strings"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// The status codes shared by MM1 and MM4: the request status of the three MM4 RES types
// (3GPP TS 23.140 §8.4.1–§8.4.3), the MM status of MM4_delivery_report.REQ (§8.4.2) and the read
// status of MM4_read_reply_report.REQ (§8.4.3). MM1 carries the same values in binary
// (OMA-MMS-ENC).

// RequestStatus is the value of X-Mms-Request-Status-Code: the outcome an MM4 RES reports for the
// whole REQ it answers (3GPP TS 23.140 §8.4.1–§8.4.3).
// The tokens are the text names of MM1's binary X-Mms-Response-Status 0x80–0x88 (OMA-MMS-ENC).
//
// The type is an open set: peers send values outside the table (the C++ implementation has
// "Error-test-failed"), and any value other than [StatusOk] is a failure.
type RequestStatus string

// The X-Mms-Request-Status-Code values of 3GPP TS 23.140 §8.4.1, in the order of MM1's
// X-Mms-Response-Status codes 0x80–0x88.
const (
	StatusOk                            RequestStatus = "Ok"
	StatusErrorUnspecified              RequestStatus = "Error-unspecified"
	StatusErrorServiceDenied            RequestStatus = "Error-service-denied"
	StatusErrorMessageFormatCorrupt     RequestStatus = "Error-message-format-corrupt"
	StatusErrorSendingAddressUnresolved RequestStatus = "Error-sending-address-unresolved"
	StatusErrorMessageNotFound          RequestStatus = "Error-message-not-found"
	StatusErrorNetworkProblem           RequestStatus = "Error-network-problem"
	StatusErrorContentNotAccepted       RequestStatus = "Error-content-not-accepted"
	StatusErrorUnsupportedMessage       RequestStatus = "Error-unsupported-message"
)

// requestStatusRow is one row of [requestStatuses].
type requestStatusRow struct {
	status    RequestStatus
	text      string // default X-Mms-Status-Text
	enhanced  [3]int // RFC 3463 enhanced status code used in a DSN
	temporary bool   // the sender may retry the REQ later
}

// requestStatuses is the list of X-Mms-Request-Status-Code values (TS 23.140 §8.4.1) with, for each, the default
// X-Mms-Status-Text and the RFC 3463 status a DSN uses: class 2 for success, 4.4.0 ("other or undefined
// network or routing status") for the only transient failure, 5.6.0 ("other or undefined media error")
// for content and format failures, 5.1.1 for an unresolvable address, 5.7.1 ("delivery not
// authorized") for a refusal, and 5.0.0 otherwise.
var requestStatuses = []requestStatusRow{
	{StatusOk, "Message accepted", [3]int{2, 0, 0}, false},
	{StatusErrorUnspecified, "Unspecified error", [3]int{5, 0, 0}, false},
	{StatusErrorServiceDenied, "Service denied", [3]int{5, 7, 1}, false},
	{StatusErrorMessageFormatCorrupt, "Message format corrupt", [3]int{5, 6, 0}, false},
	{StatusErrorSendingAddressUnresolved, "Sending address unresolved", [3]int{5, 1, 1}, false},
	{StatusErrorMessageNotFound, "Message not found", [3]int{5, 0, 0}, false},
	{StatusErrorNetworkProblem, "Network problem", [3]int{4, 4, 0}, true},
	{StatusErrorContentNotAccepted, "Content not accepted", [3]int{5, 6, 0}, false},
	{StatusErrorUnsupportedMessage, "Unsupported message", [3]int{5, 6, 0}, false},
}

// unknownRequestStatus describes every value that is not in [requestStatuses]: a permanent,
// unspecified failure, as real peers send values outside the list.
var unknownRequestStatus = requestStatusRow{text: "Unknown status", enhanced: [3]int{5, 0, 0}}

// ParseRequestStatus interprets an X-Mms-Request-Status-Code value. Known tokens are matched ignoring
// ASCII case and surrounding white space and returned in their canonical spelling ("ok" → [StatusOk]);
// any other value is returned trimmed, as received.
func ParseRequestStatus(s string) RequestStatus {
	s = strings.TrimSpace(s)
	for _, r := range requestStatuses {
		if lex.TokenEqualFold(s, string(r.status)) {
			return r.status
		}
	}
	return RequestStatus(s)
}

// row returns the table row describing s.
func (s RequestStatus) row() *requestStatusRow {
	for i := range requestStatuses {
		if requestStatuses[i].status == s {
			return &requestStatuses[i]
		}
	}
	return &unknownRequestStatus
}

// OK reports whether s is [StatusOk], the only success value.
func (s RequestStatus) OK() bool { return s == StatusOk }

// Known reports whether s is one of the canonical values of TS 23.140 §8.4.1.
func (s RequestStatus) Known() bool { return s.row() != &unknownRequestStatus }

// Text returns the default X-Mms-Status-Text for s ("Message accepted", "Service denied", …;
// "Unknown status" for values outside TS 23.140 §8.4.1).
func (s RequestStatus) Text() string { return s.row().text }

// Temporary reports whether the failure is transient, so that the REQ may be sent again later.
// Only [StatusErrorNetworkProblem] is.
func (s RequestStatus) Temporary() bool { return s.row().temporary }

// EnhancedCode returns the RFC 3463 enhanced status code a DSN uses for s: 2.0.0 for [StatusOk], 4.4.0
// for a network problem, 5.6.0 for format and content errors, 5.1.1 for an unresolved address, 5.7.1 for
// service denied, and 5.0.0 for everything else (unknown values included).
func (s RequestStatus) EnhancedCode() [3]int { return s.row().enhanced }

// MMStatus is the value of X-Mms-MM-Status-Code in an MM4_delivery_report.REQ: the state the MM reached
// at the recipient (3GPP TS 23.140 §8.4.2; MM1's X-Mms-Status).
type MMStatus string

// The X-Mms-MM-Status-Code values of TS 23.140 §8.4.2. "Unreachable" is MMS 1.2 and later.
const (
	MMStatusExpired       MMStatus = "Expired"
	MMStatusRetrieved     MMStatus = "Retrieved"
	MMStatusRejected      MMStatus = "Rejected"
	MMStatusDeferred      MMStatus = "Deferred"
	MMStatusUnrecognised  MMStatus = "Unrecognised"
	MMStatusIndeterminate MMStatus = "Indeterminate"
	MMStatusForwarded     MMStatus = "Forwarded"
	MMStatusUnreachable   MMStatus = "Unreachable"
)

// mmStatusSpellings maps every accepted spelling to its canonical value (TS 23.140 §8.4.2: the British
// "Unrecognised" is canonical, the US "Unrecognized" is accepted).
var mmStatusSpellings = []struct {
	spelling string
	status   MMStatus
}{
	{"Expired", MMStatusExpired},
	{"Retrieved", MMStatusRetrieved},
	{"Rejected", MMStatusRejected},
	{"Deferred", MMStatusDeferred},
	{"Unrecognised", MMStatusUnrecognised},
	{"Unrecognized", MMStatusUnrecognised},
	{"Indeterminate", MMStatusIndeterminate},
	{"Forwarded", MMStatusForwarded},
	{"Unreachable", MMStatusUnreachable},
}

// ParseMMStatus interprets an X-Mms-MM-Status-Code value, ignoring ASCII case and surrounding white
// space, and returns its canonical spelling. It reports false for a value outside TS 23.140 §8.4.2.
func ParseMMStatus(s string) (MMStatus, bool) {
	s = strings.TrimSpace(s)
	for _, r := range mmStatusSpellings {
		if lex.TokenEqualFold(s, r.spelling) {
			return r.status, true
		}
	}
	return "", false
}

// ReadStatus is the value of X-Mms-Read-Status in an MM4_read_reply_report.REQ
// (3GPP TS 23.140 §8.4.3).
type ReadStatus string

// The X-Mms-Read-Status values of TS 23.140 §8.4.3.
const (
	ReadStatusRead    ReadStatus = "Read"
	ReadStatusDeleted ReadStatus = "Deleted without being read"
)

// readStatuses lists the canonical X-Mms-Read-Status values.
var readStatuses = []ReadStatus{ReadStatusRead, ReadStatusDeleted}

// maxReadStatusLength bounds the input ParseReadStatus looks at: longer values cannot be a known token
// even with generous white space, so they are rejected without further work.
const maxReadStatusLength = 128

// ParseReadStatus interprets an X-Mms-Read-Status value ignoring ASCII case and all spaces and tabs,
// so that the C++ implementation's "Deletedwithoutbeingread" is accepted. It returns the
// canonical spelling, or false for any other value.
func ParseReadStatus(s string) (ReadStatus, bool) {
	if len(s) > maxReadStatusLength {
		return "", false
	}
	squeezed := squeezeBlanks(s)
	for _, r := range readStatuses {
		if lex.TokenEqualFold(squeezed, squeezeBlanks(string(r))) {
			return r, true
		}
	}
	return "", false
}

// squeezeBlanks removes every space and tab from s.
func squeezeBlanks(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
}
