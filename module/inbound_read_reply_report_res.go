// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
)

// readReplyReportRes is an MM4_read_reply_report.RES (TS 23.140 §8.4.3): a peer's answer to
// one of our read-reply reports. This relay sends none yet, so there is nothing it
// can answer: it is accepted, logged and dropped.
type readReplyReportRes struct{}

func (readReplyReportRes) body(_ context.Context, d *delivery, c *classified, _ textproto.Header, _ buffer.Buffer) error {
	dropResponse(d, c)
	return nil
}

func (readReplyReportRes) commit(context.Context, *delivery) error { return nil }
func (readReplyReportRes) abort(context.Context, *delivery)        {}
