// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"strings"

	"github.com/maddy-mms/maddy-mms/mmsmap"
)

// The report mappings of RFC 4356 §2.1.4: how a gateway between MMS and
// Internet mail tells an MMS delivery report as a DSN (RFC 3464) and back
// (Tables 4 and 5), and an MMS read report as an MDN (RFC 8098, which
// obsoletes the RFC 3798 that RFC 4356 cites) and back (Tables 6 and 7).
// Each mapping is a table below; the functions only look rows up.

// DSN Action values (RFC 3464 §2.3.3) used by the mappings.
const (
	ActionDelivered = "delivered"
	ActionFailed    = "failed"
	ActionDelayed   = "delayed"
	ActionRelayed   = "relayed"
)

// MDN disposition types (RFC 8098 §3.2.6.2; "denied" and "failed" are
// RFC 3798's, kept for reading older MDNs) and action modes (§3.2.6.1).
const (
	DispositionDisplayed = "displayed"
	DispositionDeleted   = "deleted"
	DispositionDenied    = "denied"
	DispositionFailed    = "failed"

	ActionModeAutomatic = "automatic-action"
	ActionModeManual    = "manual-action"
)

// DeliveryStatus is how an MMS delivery report status is told in a DSN
// (RFC 4356 Table 4): the per-recipient Action and Status fields.
type DeliveryStatus struct {
	// Action is the DSN Action (RFC 3464 §2.3.3): ActionDelivered,
	// ActionFailed, ActionDelayed or ActionRelayed. RFC 4356 §2.1.4 says
	// "expanded" SHOULD NOT be used; it never is.
	Action string
	// Status is the RFC 3463 enhanced status code, e.g. "2.0.0"; its class
	// agrees with Action (2 for delivered and relayed, 4 for delayed, 5 for
	// failed).
	Status string
	// Final reports whether the status is final: no further delivery
	// report is to be expected for this recipient. Only "delayed" is not.
	Final bool
}

// mmStatusToDSN is RFC 4356 Table 4, "X-Mms-Status → DSN Action", with the
// RFC 3463 status code of each row. Where this table departs from the
// letter of RFC 4356 or fills a row RFC 4356 leaves open, the comment says
// why.
var mmStatusToDSN = []struct {
	status mmsmap.MMStatus
	dsn    DeliveryStatus
}{
	// Retrieved: the recipient's handset fetched the MM — delivered,
	// 2.0.0 (Table 4).
	{mmsmap.MMStatusRetrieved, DeliveryStatus{ActionDelivered, "2.0.0", true}},
	// Rejected: Table 4 puts Rejected with Retrieved under "delivered" and
	// leaves the Status code to the gateway. But the recipient refused the
	// MM without fetching it, and a mail user (and mail software counting
	// deliveries) reads "delivered" as success, while RFC 3464 §2.3.3 wants
	// a 2.x.x Status with "delivered". So the report is "failed" with 5.7.1
	// ("delivery not authorized, message refused", RFC 3463 §3.8): the
	// destination refused the message, permanently.
	{mmsmap.MMStatusRejected, DeliveryStatus{ActionFailed, "5.7.1", true}},
	// Expired: the MM expired before it was fetched — failed (Table 4),
	// 5.4.7 ("delivery time expired", RFC 3463 §3.5; class 5 because the
	// MMSC gave up for good).
	{mmsmap.MMStatusExpired, DeliveryStatus{ActionFailed, "5.4.7", true}},
	// Unreachable: the recipient could not be reached — failed (Table 4),
	// 5.4.4 ("unable to route", RFC 3463 §3.5): the MM found no way to the
	// recipient; the address itself is not known to be wrong, so not 5.1.x.
	{mmsmap.MMStatusUnreachable, DeliveryStatus{ActionFailed, "5.4.4", true}},
	// Deferred: the recipient put off fetching the MM — Table 4 says it
	// MAY be "delayed"; it is, with 4.0.0 (a transient condition without a
	// more precise RFC 3463 code). A later report may follow.
	{mmsmap.MMStatusDeferred, DeliveryStatus{ActionDelayed, "4.0.0", false}},
	// Indeterminate: the MMSC cannot tell what became of the MM (e.g. it
	// left the MMS network) — "relayed" (Table 4), 2.0.0: accepted and
	// passed on, with no further report to come.
	{mmsmap.MMStatusIndeterminate, DeliveryStatus{ActionRelayed, "2.0.0", true}},
	// Forwarded: the recipient forwarded the MM without fetching it. Table
	// 4 has no row for it; it is "relayed" 2.0.0, the inverse of Table 5's
	// relayed → Forwarded: the MM went on elsewhere and no report follows.
	{mmsmap.MMStatusForwarded, DeliveryStatus{ActionRelayed, "2.0.0", true}},
	// Unrecognised: the recipient's MMS client did not recognise the MM
	// (e.g. an MMS version or message type it does not handle). Table 4
	// has no row for it; it is "failed" with 5.6.0 ("other or undefined
	// media error", RFC 3463 §3.7), like the MM4 request statuses for
	// content the peer cannot handle (mmsmap.RequestStatus.EnhancedCode),
	// and not 5.1.1: the recipient's address was fine.
	{mmsmap.MMStatusUnrecognised, DeliveryStatus{ActionFailed, "5.6.0", true}},
}

// DSNForMMStatus returns how the X-Mms-MM-Status-Code (MM1: X-Mms-Status) s
// of an MMS delivery report is told in a DSN (RFC 4356 Table 4; see the
// table for the choice of each row). s must be canonical, as
// mmsmap.ParseMMStatus returns it; any other value reports false.
func DSNForMMStatus(s mmsmap.MMStatus) (DeliveryStatus, bool) {
	for _, r := range mmStatusToDSN {
		if r.status == s {
			return r.dsn, true
		}
	}
	return DeliveryStatus{}, false
}

// dsnActionToMMStatus is RFC 4356 Table 5, "DSN Action → X-Mms-Status".
// "delayed" is absent: RFC 4356 §2.1.4 says to ignore it and never to emit
// Deferred. "expanded" (RFC 3464 §2.3.3) is absent too: Table 5 has no row
// for it, and a message expanded to a list says nothing of any one MMS
// recipient.
var dsnActionToMMStatus = []struct {
	action string
	status mmsmap.MMStatus
}{
	{ActionDelivered, mmsmap.MMStatusRetrieved},
	{ActionFailed, mmsmap.MMStatusUnreachable},
	{ActionRelayed, mmsmap.MMStatusForwarded},
}

// MMStatusForDSNAction returns the X-Mms-MM-Status-Code of the MMS delivery
// report made from a DSN recipient group with the given Action (RFC 4356
// Table 5): delivered → Retrieved, failed → Unreachable, relayed →
// Forwarded. It reports false for "delayed" (which RFC 4356 §2.1.4 says to
// ignore: no report is made), "expanded" and any other value. The action is
// matched ignoring case and surrounding white space (RFC 3464 §2.1.2).
func MMStatusForDSNAction(action string) (mmsmap.MMStatus, bool) {
	action = strings.TrimSpace(action)
	for _, r := range dsnActionToMMStatus {
		if strings.EqualFold(r.action, action) {
			return r.status, true
		}
	}
	return "", false
}

// readStatusToDisposition is RFC 4356 Table 6, "X-Mms-Read-Status → MDN
// disposition-type".
var readStatusToDisposition = []struct {
	status      mmsmap.ReadStatus
	disposition string
}{
	{mmsmap.ReadStatusRead, DispositionDisplayed},
	{mmsmap.ReadStatusDeleted, DispositionDeleted},
}

// MDNDisposition returns the disposition-type of the MDN made from an MMS
// read report with X-Mms-Read-Status s (RFC 4356 Table 6): Read →
// "displayed", Deleted without being read → "deleted". s must be canonical,
// as mmsmap.ParseReadStatus returns it; any other value reports false.
func MDNDisposition(s mmsmap.ReadStatus) (string, bool) {
	for _, r := range readStatusToDisposition {
		if r.status == s {
			return r.disposition, true
		}
	}
	return "", false
}

// dispositionToReadStatus is RFC 4356 Table 7, "MDN disposition → X-Mms-Read-Status".
// A row with an empty mode holds in every action mode.
//
// Table 7 maps "deleted", "denied" and "failed" in automatic-action mode to
// Deleted without being read. "deleted" holds in either mode here: a user who
// deletes a message unread and lets the client say so sends a manual-action
// "deleted" MDN, which is exactly "Deleted without being read". "denied"
// and "failed" hold only in automatic-action mode, as Table 7 says: a manual
// "denied" is the recipient refusing to tell the sender anything, and
// turning it into a read report would tell the sender something.
// "dispatched" and "processed" (RFC 8098 §3.2.6.2) have no MMS read status.
var dispositionToReadStatus = []struct {
	disposition string
	mode        string
	status      mmsmap.ReadStatus
}{
	{DispositionDisplayed, "", mmsmap.ReadStatusRead},
	{DispositionDeleted, "", mmsmap.ReadStatusDeleted},
	{DispositionDenied, ActionModeAutomatic, mmsmap.ReadStatusDeleted},
	{DispositionFailed, ActionModeAutomatic, mmsmap.ReadStatusDeleted},
}

// ReadStatusForDisposition returns the X-Mms-Read-Status of the MMS read
// report made from an MDN with the given disposition-type and action-mode
// (RFC 4356 Table 7; see the table for the rows): "displayed" → Read;
// "deleted", and "denied" or "failed" in automatic-action mode → Deleted
// without being read. It reports false for every other combination, for
// which no read report is made. Both values are matched ignoring case and
// surrounding white space (RFC 8098 §3.2.6).
func ReadStatusForDisposition(disposition, actionMode string) (mmsmap.ReadStatus, bool) {
	disposition, actionMode = strings.TrimSpace(disposition), strings.TrimSpace(actionMode)
	for _, r := range dispositionToReadStatus {
		if strings.EqualFold(r.disposition, disposition) && (r.mode == "" || strings.EqualFold(r.mode, actionMode)) {
			return r.status, true
		}
	}
	return "", false
}
