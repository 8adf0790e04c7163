// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"strconv"
	"strings"
	"testing"

	"github.com/maddy-mms/maddy-mms/mmsmap"
)

// allMMStatuses lists every X-Mms-MM-Status-Code of TS 23.140 §8.4.2.
var allMMStatuses = []mmsmap.MMStatus{
	mmsmap.MMStatusExpired, mmsmap.MMStatusRetrieved, mmsmap.MMStatusRejected,
	mmsmap.MMStatusDeferred, mmsmap.MMStatusUnrecognised, mmsmap.MMStatusIndeterminate,
	mmsmap.MMStatusForwarded, mmsmap.MMStatusUnreachable,
}

func TestDSNForMMStatus(t *testing.T) {
	tests := []struct {
		in   mmsmap.MMStatus
		want DeliveryStatus
		ok   bool
	}{
		{mmsmap.MMStatusRetrieved, DeliveryStatus{"delivered", "2.0.0", true}, true},
		{mmsmap.MMStatusRejected, DeliveryStatus{"failed", "5.7.1", true}, true},
		{mmsmap.MMStatusExpired, DeliveryStatus{"failed", "5.4.7", true}, true},
		{mmsmap.MMStatusUnreachable, DeliveryStatus{"failed", "5.4.4", true}, true},
		{mmsmap.MMStatusDeferred, DeliveryStatus{"delayed", "4.0.0", false}, true},
		{mmsmap.MMStatusIndeterminate, DeliveryStatus{"relayed", "2.0.0", true}, true},
		{mmsmap.MMStatusForwarded, DeliveryStatus{"relayed", "2.0.0", true}, true},
		{mmsmap.MMStatusUnrecognised, DeliveryStatus{"failed", "5.6.0", true}, true},
		{"", DeliveryStatus{}, false},
		{"retrieved", DeliveryStatus{}, false}, // not canonical: ParseMMStatus first
		{"Unrecognized", DeliveryStatus{}, false},
		{"Error-unspecified", DeliveryStatus{}, false},
	}
	for _, tc := range tests {
		got, ok := DSNForMMStatus(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("DSNForMMStatus(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestDSNForMMStatusConsistent checks every row of Table 4 against RFC 3464
// and RFC 3463: a known Action, never "expanded", a well-formed status code
// whose class agrees with the Action, and Final exactly for the
// non-"delayed" actions; and that every MM status has a row.
func TestDSNForMMStatusConsistent(t *testing.T) {
	class := map[string]string{ActionDelivered: "2", ActionRelayed: "2", ActionDelayed: "4", ActionFailed: "5"}
	for _, s := range allMMStatuses {
		d, ok := DSNForMMStatus(s)
		if !ok {
			t.Errorf("%s: no row", s)
			continue
		}
		parts := strings.Split(d.Status, ".")
		if len(parts) != 3 {
			t.Errorf("%s: Status %q", s, d.Status)
			continue
		}
		for _, p := range parts {
			if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 999 {
				t.Errorf("%s: Status %q", s, d.Status)
			}
		}
		if want, ok := class[d.Action]; !ok || parts[0] != want {
			t.Errorf("%s: Action %q with Status %q", s, d.Action, d.Status)
		}
		if d.Final != (d.Action != ActionDelayed) {
			t.Errorf("%s: Final %v for %q", s, d.Final, d.Action)
		}
		// Round trip through Table 5 where Table 5 has a row: the MMS side
		// sees the same outcome class again.
		if back, ok := MMStatusForDSNAction(d.Action); ok {
			bd, _ := DSNForMMStatus(back)
			if bd.Action != d.Action {
				t.Errorf("%s → %s → %s → %s", s, d.Action, back, bd.Action)
			}
		} else if d.Action != ActionDelayed {
			t.Errorf("%s: Action %q has no Table 5 row", s, d.Action)
		}
	}
}

func TestMMStatusForDSNAction(t *testing.T) {
	tests := []struct {
		in   string
		want mmsmap.MMStatus
		ok   bool
	}{
		{"delivered", mmsmap.MMStatusRetrieved, true},
		{"failed", mmsmap.MMStatusUnreachable, true},
		{"relayed", mmsmap.MMStatusForwarded, true},
		{"Delivered", mmsmap.MMStatusRetrieved, true},
		{" FAILED \t", mmsmap.MMStatusUnreachable, true},
		{"delayed", "", false}, // RFC 4356: ignored, Deferred never emitted
		{"Delayed", "", false},
		{"expanded", "", false},
		{"", "", false},
		{"delivered; x", "", false},
		{"deliveredx", "", false},
	}
	for _, tc := range tests {
		got, ok := MMStatusForDSNAction(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("MMStatusForDSNAction(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if got == mmsmap.MMStatusDeferred {
			t.Errorf("MMStatusForDSNAction(%q) emitted Deferred", tc.in)
		}
	}
}

func TestMDNDisposition(t *testing.T) {
	tests := []struct {
		in   mmsmap.ReadStatus
		want string
		ok   bool
	}{
		{mmsmap.ReadStatusRead, "displayed", true},
		{mmsmap.ReadStatusDeleted, "deleted", true},
		{"read", "", false}, // not canonical: ParseReadStatus first
		{"Deletedwithoutbeingread", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		got, ok := MDNDisposition(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("MDNDisposition(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		// Table 7 maps Table 6's output back, in either mode.
		if ok {
			for _, mode := range []string{ActionModeAutomatic, ActionModeManual} {
				if back, ok := ReadStatusForDisposition(got, mode); !ok || back != tc.in {
					t.Errorf("%q → %q → (%s) %q, %v", tc.in, got, mode, back, ok)
				}
			}
		}
	}
}

func TestReadStatusForDisposition(t *testing.T) {
	const auto, manual = "automatic-action", "manual-action"
	tests := []struct {
		disposition, mode string
		want              mmsmap.ReadStatus
		ok                bool
	}{
		{"displayed", manual, mmsmap.ReadStatusRead, true},
		{"displayed", auto, mmsmap.ReadStatusRead, true},
		{"displayed", "", mmsmap.ReadStatusRead, true},
		{"Displayed", "Manual-Action", mmsmap.ReadStatusRead, true},
		{"deleted", auto, mmsmap.ReadStatusDeleted, true},
		{"deleted", manual, mmsmap.ReadStatusDeleted, true},
		{" DELETED ", " automatic-action ", mmsmap.ReadStatusDeleted, true},
		{"denied", auto, mmsmap.ReadStatusDeleted, true},
		{"denied", "AUTOMATIC-ACTION", mmsmap.ReadStatusDeleted, true},
		{"denied", manual, "", false},
		{"denied", "", "", false},
		{"failed", auto, mmsmap.ReadStatusDeleted, true},
		{"failed", manual, "", false},
		{"dispatched", auto, "", false},
		{"processed", manual, "", false},
		{"", auto, "", false},
		{"displayed/error", manual, "", false}, // modifiers are Parse's business
		{"x", "y", "", false},
	}
	for _, tc := range tests {
		got, ok := ReadStatusForDisposition(tc.disposition, tc.mode)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ReadStatusForDisposition(%q, %q) = %q, %v; want %q, %v",
				tc.disposition, tc.mode, got, ok, tc.want, tc.ok)
		}
	}
}
