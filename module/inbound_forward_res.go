// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
)

// forwardRes is an MM4_forward.RES (TS 23.140 §8.4.1): a peer's answer to
// a request of ours, matched by the Tracker to the recipients it covers.
// It is accepted whatever it says; one that matches nothing pending from
// this peer, or that cannot be read, is logged and dropped.
type forwardRes struct {
	resolution *resolution
}

func (h *forwardRes) body(ctx context.Context, d *delivery, c *classified, _ textproto.Header, _ buffer.Buffer) error {
	msg := c.Msg
	if c.Err != nil {
		mm4FormatErrors.WithLabelValues(d.peer.Name, msg.Type.String()).Inc()
		d.log.Msg("malformed MM4 response dropped", "reason", c.Err.Error())
		return nil
	}
	status := msg.RequestStatus
	if !status.Known() {
		status = "unknown" // bounded label values
	}
	mm4ResponsesReceived.WithLabelValues(d.peer.Name, msg.Type.String(), string(status)).Inc()
	var err error
	h.resolution, err = d.t.relay.tracker.Response(ctx, d.peer, msg)
	if err != nil {
		return d.temporary("Cannot process the MM4 response now, try again later", err)
	}
	if h.resolution == nil {
		mm4Unanswered.WithLabelValues(d.peer.Name, msg.Type.String()).Inc()
		d.log.Msg("MM4 response for no pending request of this peer: logged and dropped",
			"status", string(msg.RequestStatus), "status_text", msg.StatusText)
	}
	return nil
}

func (h *forwardRes) commit(ctx context.Context, d *delivery) error {
	if h.resolution == nil {
		return nil
	}
	if err := h.resolution.commit(ctx); err != nil {
		return d.temporary("Cannot process the MM4 response now, try again later", err)
	}
	return nil
}

func (h *forwardRes) abort(ctx context.Context, _ *delivery) {
	if h.resolution != nil {
		h.resolution.abort(ctx)
	}
}
