// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mmsmap

import (
	"strings"
	"testing"
)

func TestParseRequestStatus(t *testing.T) {
	tests := []struct {
		in   string
		want RequestStatus
	}{
		{"Ok", StatusOk},
		{"ok", StatusOk},
		{" OK \t", StatusOk},
		{"Error-unspecified", StatusErrorUnspecified},
		{"error-service-denied", StatusErrorServiceDenied},
		{"ERROR-MESSAGE-FORMAT-CORRUPT", StatusErrorMessageFormatCorrupt},
		{"Error-Sending-Address-Unresolved", StatusErrorSendingAddressUnresolved},
		{"Error-message-not-found", StatusErrorMessageNotFound},
		{"Error-network-problem", StatusErrorNetworkProblem},
		{"Error-content-not-accepted", StatusErrorContentNotAccepted},
		{"Error-unsupported-message", StatusErrorUnsupportedMessage},
		// Unknown values are kept, trimmed, as received (a real peer sends Error-test-failed).
		{" Error-test-failed ", "Error-test-failed"},
		{"Success", "Success"},
		{"", ""},
		{"Ok\u212a", "Ok\u212a"}, // no Unicode folding
	}
	for _, tt := range tests {
		if got := ParseRequestStatus(tt.in); got != tt.want {
			t.Errorf("ParseRequestStatus(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRequestStatusProperties(t *testing.T) {
	tests := []struct {
		s         RequestStatus
		ok, known bool
		text      string
		temporary bool
		code      [3]int
	}{
		{StatusOk, true, true, "Message accepted", false, [3]int{2, 0, 0}},
		{StatusErrorUnspecified, false, true, "Unspecified error", false, [3]int{5, 0, 0}},
		{StatusErrorServiceDenied, false, true, "Service denied", false, [3]int{5, 7, 1}},
		{StatusErrorMessageFormatCorrupt, false, true, "Message format corrupt", false, [3]int{5, 6, 0}},
		{StatusErrorSendingAddressUnresolved, false, true, "Sending address unresolved", false, [3]int{5, 1, 1}},
		{StatusErrorMessageNotFound, false, true, "Message not found", false, [3]int{5, 0, 0}},
		{StatusErrorNetworkProblem, false, true, "Network problem", true, [3]int{4, 4, 0}},
		{StatusErrorContentNotAccepted, false, true, "Content not accepted", false, [3]int{5, 6, 0}},
		{StatusErrorUnsupportedMessage, false, true, "Unsupported message", false, [3]int{5, 6, 0}},
		{"Error-test-failed", false, false, "Unknown status", false, [3]int{5, 0, 0}},
		{"ok", false, false, "Unknown status", false, [3]int{5, 0, 0}}, // not canonical: use ParseRequestStatus
		{"", false, false, "Unknown status", false, [3]int{5, 0, 0}},
	}
	for _, tt := range tests {
		if got := tt.s.OK(); got != tt.ok {
			t.Errorf("%q.OK() = %v, want %v", tt.s, got, tt.ok)
		}
		if got := tt.s.Known(); got != tt.known {
			t.Errorf("%q.Known() = %v, want %v", tt.s, got, tt.known)
		}
		if got := tt.s.Text(); got != tt.text {
			t.Errorf("%q.Text() = %q, want %q", tt.s, got, tt.text)
		}
		if got := tt.s.Temporary(); got != tt.temporary {
			t.Errorf("%q.Temporary() = %v, want %v", tt.s, got, tt.temporary)
		}
		if got := tt.s.EnhancedCode(); got != tt.code {
			t.Errorf("%q.EnhancedCode() = %v, want %v", tt.s, got, tt.code)
		}
	}
}

// TestRequestStatusTable checks the table against the class rules of RFC 3463: success is 2.x.x,
// a temporary failure 4.x.x, a permanent one 5.x.x.
func TestRequestStatusTable(t *testing.T) {
	for _, r := range requestStatuses {
		want := 5
		switch {
		case r.status.OK():
			want = 2
		case r.temporary:
			want = 4
		}
		if r.enhanced[0] != want {
			t.Errorf("%s: enhanced code %v, want class %d", r.status, r.enhanced, want)
		}
		if ParseRequestStatus(strings.ToUpper(string(r.status))) != r.status {
			t.Errorf("%s does not parse back from upper case", r.status)
		}
	}
}

func TestParseMMStatus(t *testing.T) {
	tests := []struct {
		in   string
		want MMStatus
		ok   bool
	}{
		{"Expired", MMStatusExpired, true},
		{"retrieved", MMStatusRetrieved, true},
		{"REJECTED", MMStatusRejected, true},
		{" Deferred ", MMStatusDeferred, true},
		{"Unrecognised", MMStatusUnrecognised, true},
		{"Unrecognized", MMStatusUnrecognised, true}, // US spelling
		{"unrecognized", MMStatusUnrecognised, true},
		{"Indeterminate", MMStatusIndeterminate, true},
		{"Forwarded", MMStatusForwarded, true},
		{"Unreachable", MMStatusUnreachable, true},
		{"", "", false},
		{"Delivered", "", false},
		{"Retrieved!", "", false},
		{strings.Repeat("x", 1<<20), "", false},
	}
	for _, tt := range tests {
		got, ok := ParseMMStatus(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseMMStatus(%.20q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseReadStatus(t *testing.T) {
	tests := []struct {
		in   string
		want ReadStatus
		ok   bool
	}{
		{"Read", ReadStatusRead, true},
		{"read", ReadStatusRead, true},
		{" READ ", ReadStatusRead, true},
		{"Deleted without being read", ReadStatusDeleted, true},
		{"deleted without being read", ReadStatusDeleted, true},
		{"Deletedwithoutbeingread", ReadStatusDeleted, true}, // a real implementation's token
		{"Deleted  without\tbeing read", ReadStatusDeleted, true},
		{"Deleted-without-being-read", "", false},
		{"Unread", "", false},
		{"", "", false},
		{strings.Repeat(" ", 1<<20) + "Read", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseReadStatus(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseReadStatus(%.30q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
