// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"net/http"

	"github.com/maddy-mms/maddy-mms/internal/state"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm1"
)

// M-NotifyResp.ind (OMA-MMS-ENC §6.2): the handset's answer to a
// notification, by its Transaction-Id. Retrieved settles the MM (and
// sends the delivery report, when asked and X-Mms-Report-Allowed is not
// No); Rejected settles it as refused; Deferred (the handset will fetch it
// later) and Unrecognised leave it stored.
func (e *mm1Endpoint) notifyResp(c *mm1Call) {
	v, _ := c.pdu.Field(mm1.FieldStatus)
	st, _ := v.(mm1.Token)
	switch st {
	case 0x81: // Retrieved
		e.settleByTransaction(c, state.HandsetAcknowledged, mmsmap.MMStatusRetrieved, "m-notifyresp-ind")
	case 0x82: // Rejected
		e.settleByTransaction(c, state.HandsetRejected, mmsmap.MMStatusRejected, "m-notifyresp-ind")
	default:
		mm1Requests.WithLabelValues("m-notifyresp-ind", "deferred").Inc()
		c.log.Msg("M-NotifyResp.ind: the MM stays stored", "transaction_id", c.pdu.TransactionID(),
			"status", mm1.Header{Field: mm1.FieldStatus, Value: v}.String())
		noContent(c.w)
	}
}

// M-Acknowledge.ind (OMA-MMS-ENC §6.4): the handset fetched the MM at once
// (immediate retrieval) and confirms it, with the Transaction-Id of the
// M-retrieve.conf.
func (e *mm1Endpoint) acknowledge(c *mm1Call) {
	e.settleByTransaction(c, state.HandsetAcknowledged, mmsmap.MMStatusRetrieved, "m-acknowledge-ind")
}

// settleByTransaction settles the caller's stored MM whose notification
// had the PDU's Transaction-Id. An unknown transaction, or another
// subscriber's, is answered like a known one (204) and logged.
func (e *mm1Endpoint) settleByTransaction(c *mm1Call, to state.HandsetState, status mmsmap.MMStatus, kind string) {
	ctx := c.r.Context()
	tx := c.pdu.TransactionID()
	if e.handsets == nil || tx == "" {
		mm1Requests.WithLabelValues(kind, "unknown").Inc()
		noContent(c.w)
		return
	}
	m, ok, err := e.relay.state.HandsetMMByTransaction(ctx, tx)
	if err == nil && ok {
		ok, err = e.owns(ctx, c.caller, m.Number)
	}
	if err != nil {
		c.log.Error("stored MM lookup failed", err, "transaction_id", tx)
		http.Error(c.w, "Try again later", http.StatusServiceUnavailable)
		return
	}
	if !ok {
		mm1Requests.WithLabelValues(kind, "unknown").Inc()
		c.log.Msg("MM1 answer for no stored MM of the caller's", "type", kind, "transaction_id", tx)
		noContent(c.w)
		return
	}
	allowed := true
	if v, ok := c.pdu.Field(mm1.FieldReportAllowed); ok && v == mm1.No {
		allowed = false
	}
	moved, err := e.handsets.settle(ctx, c.log, m, to, status, allowed)
	if err != nil {
		c.log.Error("cannot settle a stored MM", err, "transaction_id", tx)
		http.Error(c.w, "Try again later", http.StatusServiceUnavailable)
		return
	}
	outcome := "ok"
	if !moved {
		outcome = "repeated"
	}
	mm1Requests.WithLabelValues(kind, outcome).Inc()
	c.log.Msg("stored MM settled by the handset", "type", kind, "state", string(to), "number", m.Number,
		"message_id", m.MessageID, "again", !moved)
	noContent(c.w)
}
