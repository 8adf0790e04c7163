// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/internal/dsn"
	"github.com/maddy-mms/maddy-mms/internal/mdn"
	"github.com/maddy-mms/maddy-mms/internal/state"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm3"
)

// A report a peer sent about an MM of ours reaches the MM's sender as mail
// (RFC 4356 §2.1.4): a delivery report as a DSN (RFC 3464, its Action and
// Status by RFC 4356 Table 4), a read report as an MDN (RFC 8098, its
// disposition by Table 6). It goes where every generated mail about the MM
// goes: the sending account's own address (senders table), through the
// relay's dsn_via, and only when the sender asked for that report.

// tellSender prepares the DSN or MDN for the report rep on the MM sent,
// uncommitted; nil when nobody asked for it or nobody can be told.
func (r *Relay) tellSender(ctx context.Context, sent state.SentMM, rep state.Report, peer *Peer, numbers []string) (module.Delivery, error) {
	t := r.tracker
	asked := sent.DeliveryReport
	if rep.Kind == state.ReadReport {
		asked = sent.ReadReply
	}
	if !asked || !t.CanBounce(sent.NotifyTo) {
		return nil, nil
	}
	var out outgoing
	var err error
	if rep.Kind == state.ReadReport {
		out, err = r.readMDN(sent, rep, numbers)
	} else {
		out, err = r.deliveryDSN(sent, rep, peer, numbers)
	}
	if err != nil || out.Header.Len() == 0 {
		return nil, err
	}
	d, err := out.prepare(ctx, t.dsnVia)
	if err != nil {
		return nil, err
	}
	reportsToSenders.WithLabelValues(string(rep.Kind)).Inc()
	return d, nil
}

// deliveryDSN is the DSN telling the sender what a delivery report says.
func (r *Relay) deliveryDSN(sent state.SentMM, rep state.Report, peer *Peer, numbers []string) (outgoing, error) {
	status, _ := mmsmap.ParseMMStatus(rep.Status)
	ds, ok := mm3.DSNForMMStatus(status)
	if !ok {
		return outgoing{}, nil // not a status a DSN can tell
	}
	code, err := parseStatusCode(ds.Status)
	if err != nil {
		return outgoing{}, err
	}
	at := rep.At
	if at.IsZero() {
		at = time.Now()
	}
	d := dsn.Report{
		Envelope: dsn.Envelope{
			MsgID:        newID("dsn.", r.Domains[0]),
			From:         "MMS Relay <" + r.SystemAddress + ">",
			To:           sent.NotifyTo,
			ReportingMTA: r.hostname,
			Date:         time.Now(),
		},
		Gateway:        "dns; " + r.hostname,
		OriginalHeader: originalHeader(sent.RFC822MessageID, sent.Subject),
	}
	var lines []string
	for _, n := range numbers {
		rc := dsn.Recipient{
			FinalRecipient: "rfc822; " + n + "@" + r.Domains[0],
			Action:         ds.Action,
			Status:         code,
			DiagnosticCode: "X-MMS; " + rep.Status,
			LastAttempt:    at,
		}
		if rep.StatusText != "" {
			rc.DiagnosticCode += ": " + rep.StatusText
		}
		if peer != nil {
			rc.RemoteMTA = "dns; " + peer.Domains[0]
		}
		d.Recipients = append(d.Recipients, rc)
		line := fmt.Sprintf("  %s: %s", n, rep.Status)
		if rep.StatusText != "" {
			line += " (" + rep.StatusText + ")"
		}
		lines = append(lines, line)
	}
	d.Explanation = "The recipient's MMS network reports on your MMS:\n\n" + strings.Join(lines, "\n") +
		"\n\nThis notification was made from an MMS delivery report (RFC 4356).\n"
	h, body, err := dsn.Generate(d)
	if err != nil {
		return outgoing{}, err
	}
	return outgoing{To: []string{sent.NotifyTo}, Header: h, Body: buffer.MemoryBuffer{Slice: body}}, nil
}

// readMDN is the MDN telling the sender what a read report says.
func (r *Relay) readMDN(sent state.SentMM, rep state.Report, numbers []string) (outgoing, error) {
	status, _ := mmsmap.ParseReadStatus(rep.Status)
	disp, ok := mm3.MDNDisposition(status)
	if !ok || len(numbers) == 0 {
		return outgoing{}, nil
	}
	reader := numbers[0] + "@" + r.Domains[0]
	at := rep.At
	if at.IsZero() {
		at = time.Now()
	}
	orig := originalHeader(sent.RFC822MessageID, sent.Subject)
	h, body, err := mdn.Generate(mdn.Report{
		MsgID:             newID("mdn.", r.Domains[0]),
		Date:              at,
		From:              r.SystemAddress,
		FromName:          "MMS Relay",
		To:                sent.NotifyTo,
		Subject:           sent.Subject,
		ReportingUA:       r.hostname + "; maddy-mms",
		Gateway:           "dns; " + r.hostname,
		FinalRecipient:    reader,
		OriginalMessageID: sent.RFC822MessageID,
		Disposition:       disp,
		Automatic:         false,
		Text: fmt.Sprintf("Your MMS to %s was %s (%s).\n\nThis notification was made from an MMS read report (RFC 4356).\n",
			numbers[0], map[string]string{"displayed": "read", "deleted": "deleted without being read"}[disp], rep.Status),
		OrigHeader: &orig,
	})
	if err != nil {
		return outgoing{}, err
	}
	return outgoing{To: []string{sent.NotifyTo}, Header: h, Body: buffer.MemoryBuffer{Slice: body}}, nil
}

// parseStatusCode reads an RFC 3463 code such as "2.0.0".
func parseStatusCode(s string) ([3]int, error) {
	var c [3]int
	if _, err := fmt.Sscanf(s, "%d.%d.%d", &c[0], &c[1], &c[2]); err != nil {
		return c, fmt.Errorf("bad status code %q: %w", s, err)
	}
	return c, nil
}
