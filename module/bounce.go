// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-smtp"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/internal/dsn"
	"github.com/maddy-mms/maddy-mms/mmsmap"
)

// failure is one MM recipient a peer did not take, for a DSN.
type failure struct {
	number string               // +E164 or short code
	status mmsmap.RequestStatus // the peer's, or the one we chose
	text   string               // the peer's status text, or ours
	peer   *Peer
}

// prepareBounce builds a DSN (RFC 3464) telling the original sender (to)
// that the MM did not reach the failures, and hands it to dsn_via; the caller
// commits the returned delivery together with what caused it, so the DSN
// is durable before the 250. It returns nil, nil when there is nobody to
// tell (null sender) or no dsn_via.
func (r *Relay) prepareBounce(ctx context.Context, to string, orig textproto.Header, failures []failure) (module.Delivery, error) {
	if to == "" || len(failures) == 0 {
		return nil, nil
	}
	if r.DSNVia == nil {
		r.log.Msg("no dsn_via: the sender is not told of a failed MM", "to", to, "failed", len(failures))
		return nil, nil
	}
	id, err := module.GenerateMsgID()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	rep := dsn.Report{
		Envelope: dsn.Envelope{
			MsgID:        fmt.Sprintf("dsn.%s.%d@%s", id, now.UnixNano(), r.Domains[0]),
			From:         "MMS Relay <" + r.SystemAddress + ">",
			To:           to,
			ReportingMTA: r.hostname,
			Date:         now,
		},
		OriginalHeader: orig,
	}
	var lines []string
	for _, f := range failures {
		text := f.text
		if text == "" {
			text = f.status.Text()
		}
		ec := f.status.EnhancedCode()
		rc := dsn.Recipient{
			FinalRecipient: "rfc822; " + f.number + "@" + r.Domains[0],
			Action:         dsn.ActionFailed,
			Status:         ec,
			DiagnosticCode: "X-MMS; " + string(f.status) + ": " + text,
			LastAttempt:    now,
		}
		if ec[0] == 2 { // not a failure status: report it as unspecified
			rc.Status = [3]int{5, 0, 0}
		}
		if f.peer != nil {
			rc.RemoteMTA = "dns; " + f.peer.Domains[0]
		}
		rep.Recipients = append(rep.Recipients, rc)
		lines = append(lines, fmt.Sprintf("  %s: %s (%s)", f.number, text, f.status))
	}
	rep.Explanation = "Your MMS could not be delivered to:\n\n" + strings.Join(lines, "\n") +
		"\n\nThe header of your message follows.\n"
	h, body, err := dsn.Generate(rep)
	if err != nil {
		return nil, err
	}
	d, err := r.DSNVia.Start(ctx, &module.MsgMetadata{ID: id}, "")
	if err != nil {
		return nil, err
	}
	if err := d.AddRcpt(ctx, to, smtp.RcptOptions{}); err != nil {
		d.Abort(ctx)
		return nil, err
	}
	if err := d.Body(ctx, h, buffer.MemoryBuffer{Slice: body}); err != nil {
		d.Abort(ctx)
		return nil, err
	}
	mm4Bounces.Inc()
	return d, nil
}
