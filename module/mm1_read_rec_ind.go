// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"net/http"

	"github.com/maddy-mms/maddy-mms/internal/state"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm1"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// M-Read-Rec.ind (OMA-MMS-ENC §6.7.2): the recipient's handset reports
// that it read (or deleted unread) the MM with the PDU's Message-ID. For an
// MM a peer sent that asked for a read reply, it becomes an
// MM4_read_reply_report.REQ to that peer (TS 23.140 §8.4.3, Annex I), from
// the reader's number. Anything else is answered and logged.
func (e *mm1Endpoint) readRec(c *mm1Call) {
	ctx := c.r.Context()
	v, _ := c.pdu.Field(mm1.FieldMessageID)
	msgID, _ := v.(mm1.Text)
	rs, _ := c.pdu.Field(mm1.FieldReadStatus)
	status := mmsmap.ReadStatusRead
	if rs == mm1.Token(0x81) {
		status = mmsmap.ReadStatusDeleted
	}
	if msgID == "" {
		mm1Requests.WithLabelValues("m-read-rec-ind", "corrupt").Inc()
		http.Error(c.w, "X-Mms-Message-ID is missing", http.StatusBadRequest)
		return
	}
	r := e.relay
	var mm state.ReceivedMM
	var peer *Peer
	reader := ""
	for _, p := range r.Peers {
		m, ok, err := r.state.Received(ctx, p.Name, string(msgID))
		if err != nil {
			c.log.Error("received MM lookup failed", err, "message_id", string(msgID))
			http.Error(c.w, "Try again later", http.StatusServiceUnavailable)
			return
		}
		if !ok {
			continue
		}
		for _, n := range m.Recipients {
			own, err := e.owns(ctx, c.caller, n)
			if err != nil {
				http.Error(c.w, "Try again later", http.StatusServiceUnavailable)
				return
			}
			if own && peer == nil {
				mm, peer, reader = m, p, n
			}
		}
	}
	if peer == nil || !mm.ReadReply {
		mm1Requests.WithLabelValues("m-read-rec-ind", "not_reported").Inc()
		c.log.Msg("M-Read-Rec.ind for no MM of the caller's that asked for a read reply: not reported",
			"message_id", string(msgID))
		noContent(c.w)
		return
	}
	if _, err := r.sendReport(ctx, c.log, peer, originReport{Type: mm4.ReadReplyReportReq, MM: mm, Recipient: reader,
		ReadStatus: status}); err != nil {
		c.log.Error("cannot queue the read report", err, "message_id", string(msgID))
		http.Error(c.w, "Try again later", http.StatusServiceUnavailable)
		return
	}
	mm1Requests.WithLabelValues("m-read-rec-ind", "ok").Inc()
	noContent(c.w)
}
