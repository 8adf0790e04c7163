// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import "github.com/prometheus/client_golang/prometheus"

// Metrics, exported by maddy's openmetrics endpoint like maddy's own (see
// docs/metrics.md). Labels are bounded: peers and fields come from the
// configuration and the MM4 field table, never from a message.
var (
	mm4Received = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_received_total",
		Help: "MM4 messages accepted from peers, by peer and message type",
	}, []string{"peer", "type"})
	mm4Rejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_rejected_total",
		Help: "MM4 messages refused at SMTP level, by reason (unknown_peer, unanswerable, rcpt_malformed, rcpt_not_ours, rcpt_unserved)",
	}, []string{"reason"})
	mm4FormatErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_format_errors_total",
		Help: "MM4 messages from peers with a bad or missing mandatory field, answered Error-message-format-corrupt (requests) or dropped (responses), by peer and type",
	}, []string{"peer", "type"})
	mm4IgnoredFields = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_ignored_fields_total",
		Help: "Optional MM4 fields whose value was not understood and which were treated as absent, by peer and field",
	}, []string{"peer", "field"})
	mm4Unserved = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_unserved_recipients_total",
		Help: "Recipients accepted from peers at RCPT but not served here (named in the response), by peer",
	}, []string{"peer"})
	mm4Duplicates = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_duplicates_total",
		Help: "MM4 requests whose transaction ID was already processed (answered again, not processed again)",
	}, []string{"peer"})
	mm4Reports = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_reports_received_total",
		Help: "Delivery and read reports received from peers, by peer, kind and whether they matched an MM we sent",
	}, []string{"peer", "kind", "matched"})
	mm4ReportsSent = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_reports_sent_total",
		Help: "Delivery and read reports we originated and queued for peers, by peer and kind",
	}, []string{"peer", "kind"})
	reportsToSenders = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "reports_to_senders_total",
		Help: "Reports told to the senders of MMs as mail (DSN for delivery reports, MDN for read reports), by kind",
	}, []string{"kind"})
	mm4Unanswered = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_responses_dropped_total",
		Help: "MM4 responses that answer nothing pending here (unknown transaction, answered already), by peer and type",
	}, []string{"peer", "type"})
	mm4Sent = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_requests_queued_total",
		Help: "MM4_forward.REQ handed to a peer's outbound queue, by peer",
	}, []string{"peer"})
	mm4Bounces = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "dsn_generated_total",
		Help: "Delivery status notifications generated for MMs peers did not take",
	})
	mm4Resolved = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_requests_resolved_total",
		Help: "MM4_forward.REQ we sent, once every recipient is answered, by peer and outcome (acknowledged, failed, timed_out)",
	}, []string{"peer", "state"})
	duplicateLogEntries = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "duplicate_log_entries",
		Help: "Received MM4 transactions remembered to drop duplicates (bounded by duplicate_max_entries and duplicate_window), by relay",
	}, []string{"relay"})
	mm4Responses = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_responses_queued_total",
		Help: "MM4 RES messages handed to the outbound queue, by peer and status",
	}, []string{"peer", "status"})
	mm4SentAll = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_sent_total",
		Help: "MM4 messages handed to a peer's outbound queue (requests, retries, responses, reports), by peer and message type",
	}, []string{"peer", "type"})
	mm4ResponsesReceived = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_responses_received_total",
		Help: "MM4 responses from peers that could be read, by peer, message type and X-Mms-Request-Status-Code (unknown for a value outside TS 23.140)",
	}, []string{"peer", "type", "status"})
	mm4ResponseSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_response_seconds",
		Help:    "Time from sending an MM4 request to recording the response that answered it, by peer and request type",
		Buckets: []float64{0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600},
	}, []string{"peer", "type"})
	mm4RequestsPending = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_requests_pending",
		Help: "MM4 requests in the state store still awaiting a response, by relay",
	}, []string{"relay"})
	stateRows = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "state_rows",
		Help: "Rows in the relay's state store, by relay and table (transactions, requests, sent, received, handset)",
	}, []string{"relay", "table"})
	mm1Requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm1_requests_total",
		Help: "MM1 requests from handsets, by PDU type (retrieve for a GET) and outcome",
	}, []string{"type", "outcome"})
	mm1AuthFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm1_auth_failures_total",
		Help: "MM1 requests refused for a wrong login or password",
	})
	handsetStored = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "handset_mms_stored_total",
		Help: "MMs stored for retrieval by handsets (one per recipient)",
	})
	handsetNotifications = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "handset_notifications_pushed_total",
		Help: "M-Notification.ind handed to the push hook",
	})
	handsetPushFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "handset_push_failures_total",
		Help: "Attempts to hand an M-Notification.ind to the push hook that failed (tried again)",
	})
	handsetSettled = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "handset_mms_settled_total",
		Help: "MMs stored for handsets that reached a final state (acknowledged, rejected, expired)",
	}, []string{"state"})
)

func init() {
	prometheus.MustRegister(mm4Received, mm4Rejected, mm4FormatErrors, mm4IgnoredFields, mm4Unserved, mm4Duplicates,
		mm4Reports, mm4ReportsSent, reportsToSenders, mm4Unanswered, mm4Sent, mm4Bounces, mm4Resolved, mm4Responses, duplicateLogEntries,
		mm4SentAll, mm4ResponsesReceived, mm4ResponseSeconds, mm4RequestsPending, stateRows,
		mm1Requests, mm1AuthFailures, handsetStored, handsetNotifications, handsetPushFailures, handsetSettled)
}
