// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// inbound handles one kind of message arriving at target.mms_deliver:
// body runs at DATA and decides the SMTP reply, commit runs when the
// message is accepted (everything it must make durable before the 250 is
// made durable there), abort when it is not.
type inbound interface {
	body(ctx context.Context, d *delivery, c *classified, h textproto.Header, body buffer.Buffer) error
	commit(ctx context.Context, d *delivery) error
	abort(ctx context.Context, d *delivery)
}

// inboundHandlers chooses the handler of an MM4 message by its type, one
// per transaction of TS 23.140 §8.4, each in a file of its own; a message
// without an MM4 type is Internet mail (inbound_mail.go). mm4.Parse knows
// no other types, so every parsed message has an entry.
var inboundHandlers = map[mm4.MessageType]func() inbound{
	mm4.ForwardReq:         func() inbound { return &request{kind: &forwardReq{}} },
	mm4.ForwardRes:         func() inbound { return &forwardRes{} },
	mm4.DeliveryReportReq:  func() inbound { return &request{kind: &deliveryReportReq{}} },
	mm4.DeliveryReportRes:  func() inbound { return &deliveryReportRes{} },
	mm4.ReadReplyReportReq: func() inbound { return &request{kind: &readReplyReportReq{}} },
	mm4.ReadReplyReportRes: func() inbound { return &readReplyReportRes{} },
}
