// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"strings"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/maddy-mms/maddy-mms/internal/mdn"
	"github.com/maddy-mms/maddy-mms/internal/state"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm3"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// A subscriber's mail client answers an MM that asked for a read reply
// (its mail showed Disposition-Notification-To, RFC 4356 §2.1.3.2) with an
// MDN to the MM's sender. When that MM came from a peer, the MDN becomes an
// MM4_read_reply_report.REQ to that peer (RFC 4356 §2.1.4 Table 7; TS 23.140
// §8.4.3), from the reader's number, about the MM it names by
// Original-Message-ID; it is not sent on as an MM. An MDN for an MM the
// subscriber did not receive from a peer (or for mail between local
// subscribers) is mail like any other.

// readReport handles an MDN: it reports whether the message was taken as
// a read report (then nothing else is done with it).
func (d *sendDelivery) readReport(ctx context.Context, header textproto.Header, body buffer.Buffer) (bool, error) {
	if !mdn.IsMDN(header) || len(d.order) == 0 {
		return false, nil
	}
	rd, err := body.Open()
	if err != nil {
		return false, d.temporary(err)
	}
	n, err := mdn.Parse(header, rd)
	rd.Close()
	if err != nil || n.OriginalMessageID == "" {
		return false, nil // not one we can tie to an MM: mail
	}
	r := d.t.relay
	list, err := r.state.ReceivedByRFC822ID(ctx, strings.TrimSpace(n.OriginalMessageID))
	if err != nil {
		return false, exterrors.WithTemporary(d.err(451, exterrors.EnhancedCode{4, 3, 0}, "Cannot look up the MMS this notification is about, try again later", err), true)
	}
	// The MM one of the account's numbers received from a configured
	// peer: the reader is that number (MAIL FROM <> names only the first).
	var mm state.ReceivedMM
	var peer *Peer
	reader := ""
	for _, m := range list {
		for _, n := range d.accountNumbers {
			if p := r.Peer(m.Peer); p != nil && contains(m.Recipients, n.Value) && peer == nil {
				mm, peer, reader = m, p, n.Value
			}
		}
	}
	if peer == nil {
		return false, nil
	}
	if !mm.ReadReply {
		d.log.Msg("MDN for an MM that asked for no read reply: not reported", "message_id", mm.MessageID, "peer", mm.Peer)
		d.reportOnly = true
		return true, nil
	}
	status, ok := mm3.ReadStatusForDisposition(n.Disposition, n.ActionMode)
	if !ok {
		d.log.Msg("MDN with a disposition MMS has no read status for: not reported", "disposition", n.Disposition,
			"message_id", mm.MessageID)
		d.reportOnly = true
		return true, nil
	}
	p, err := r.prepareReport(ctx, peer, originReport{Type: mm4.ReadReplyReportReq, MM: mm, Recipient: reader,
		ReadStatus: status})
	if err != nil {
		return false, d.temporary(err)
	}
	d.reportOnly = true
	if p != nil {
		d.reports = append(d.reports, p)
	}
	return true, nil
}
