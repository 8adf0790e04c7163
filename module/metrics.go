// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import "github.com/prometheus/client_golang/prometheus"

// Metrics, exported by maddy's openmetrics endpoint like maddy's own.
var (
	mm4Received = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_received_total",
		Help: "MM4 messages accepted from peers, by peer and message type",
	}, []string{"peer", "type"})
	mm4Rejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_rejected_total",
		Help: "MM4 messages refused at SMTP level, by reason",
	}, []string{"reason"})
	mm4Duplicates = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_duplicates_total",
		Help: "MM4 requests whose transaction ID was already processed (answered again, not delivered again)",
	}, []string{"peer"})
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
		Help: "MM4_forward.REQ we sent, by peer and outcome (acknowledged, failed, timed_out)",
	}, []string{"peer", "state"})
	mm4Responses = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "maddy", Subsystem: "mms", Name: "mm4_responses_queued_total",
		Help: "MM4 RES messages handed to the outbound queue, by peer and status",
	}, []string{"peer", "status"})
)

func init() {
	prometheus.MustRegister(mm4Received, mm4Rejected, mm4Duplicates, mm4Responses, mm4Sent, mm4Bounces, mm4Resolved)
}
