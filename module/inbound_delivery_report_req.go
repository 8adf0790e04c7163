// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/maddy-mms/maddy-mms/internal/state"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// deliveryReportReq is an MM4_delivery_report.REQ (TS 23.140 §8.4.2): the
// state an MM of ours reached at a recipient (X-Mms-MM-Status-Code),
// recorded against the MM (see reports.go). It reaches no mailbox.
type deliveryReportReq struct{ reportKind }

func (k *deliveryReportReq) process(ctx context.Context, d *delivery, msg *mm4.Message, _ textproto.Header, _ buffer.Buffer) (mmsmap.RequestStatus, string, error) {
	k.kind = state.DeliveryReport
	return k.match(ctx, d, msg, string(msg.MMStatus), msg.StatusText)
}
