// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

// deliveryReportRes is an MM4_delivery_report.RES (TS 23.140 §8.4.2): a peer's answer to one of
// the delivery reports we originate (reports_out.go). Those that ask for a response
// are recorded as requests of ours, so it is matched by transaction ID
// exactly like an MM4_forward.RES; a report the peer refused is logged (no
// sender is told: the report was ours).
type deliveryReportRes struct{ forwardRes }
