// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/maddy-mms/maddy-mms/mmsmap"
)

// errNotOurs is the cause recorded for recipients outside our MMS domains.
var errNotOurs = errors.New("domain is not one of the relay's MMS domains")

// rcptError is a recipient this relay does not take. Reply is the SMTP
// reply refusing it at RCPT (the caller fills in its module name). Ours is
// set when the address is in our MMS domains but not served (not a
// number, a malformed number, an unknown subscriber): a peer then gets 250
// and hears of it in the response (TS 23.140 §8.4.5); Reason says why in
// words for that response.
type rcptError struct {
	Reply     *exterrors.SMTPError
	Temporary bool
	Ours      bool
	Reason    string
}

// count counts a refusal on a peer's connection in mm4_rejected_total:
// rcpt_not_ours for an address outside our MMS domains, rcpt_malformed
// for one that cannot be read, rcpt_unserved for one in our domains that
// is not served here (refused for peers with unserved_rcpt reject).
// Temporary refusals (451) are not counted.
func (e *rcptError) count(peer *Peer) *rcptError {
	if peer == nil || e.Temporary {
		return e
	}
	reason := "rcpt_unserved"
	switch {
	case e.Ours:
	case e.Reason == "not served here":
		reason = "rcpt_not_ours"
	default:
		reason = "rcpt_malformed"
	}
	mm4Rejected.WithLabelValues(reason).Inc()
	return e
}

// target returns the reply as target module name's error.
func (e *rcptError) target(name string) error {
	e.Reply.TargetName = name
	return e.wrap()
}

// modifier returns the reply as modifier module name's error.
func (e *rcptError) modifier(name string) error {
	e.Reply.ModifierName = name
	return e.wrap()
}

func (e *rcptError) wrap() error {
	if e.Temporary {
		return exterrors.WithTemporary(e.Reply, true)
	}
	return e.Reply
}

// canonicalRecipient parses rcpt as an MMS address in our domains and
// normalises its number.
func (r *Relay) canonicalRecipient(rcpt string) (mmsmap.Address, *rcptError) {
	a, err := mmsmap.ParseAddress(rcpt)
	if err != nil {
		domain := ""
		if i := strings.LastIndexByte(rcpt, '@'); i >= 0 {
			domain = rcpt[i+1:]
		}
		return a, &rcptError{Ours: r.IsLocalDomain(domain), Reason: "malformed address", Reply: &exterrors.SMTPError{
			Code: 553, EnhancedCode: exterrors.EnhancedCode{5, 1, 3},
			Message: "Malformed MMS recipient address", Err: err,
		}}
	}
	if a.Domain == "" {
		return a, &rcptError{Reason: "no domain", Reply: &exterrors.SMTPError{
			Code: 553, EnhancedCode: exterrors.EnhancedCode{5, 1, 3},
			Message: "MMS recipient address needs a domain",
		}}
	}
	if !r.IsLocalDomain(a.Domain) {
		return a, &rcptError{Reason: "not served here", Reply: &exterrors.SMTPError{
			Code: 550, EnhancedCode: exterrors.EnhancedCode{5, 7, 1},
			Message: "Recipient domain is not served here", Err: errNotOurs,
		}}
	}
	if !a.IsNumber() {
		return a, &rcptError{Ours: true, Reason: "not an MMS number", Reply: &exterrors.SMTPError{
			Code: 550, EnhancedCode: exterrors.EnhancedCode{5, 1, 1},
			Message: "No such MMS subscriber",
		}}
	}
	n, err := r.Plan.NormalizeAddress(a)
	if err != nil {
		return a, &rcptError{Ours: true, Reason: "malformed number", Reply: &exterrors.SMTPError{
			Code: 553, EnhancedCode: exterrors.EnhancedCode{5, 1, 3},
			Message: "Malformed MMS recipient number", Err: err,
		}}
	}
	return n, nil
}

// subscriber returns the mailbox of a local recipient: a canonical
// address and its mailbox, or why it is not served.
func (r *Relay) subscriber(ctx context.Context, rcpt string) (mmsmap.Address, string, *rcptError) {
	a, rerr := r.canonicalRecipient(rcpt)
	if rerr != nil {
		return a, "", rerr
	}
	mailbox, ok, err := r.Mailbox(ctx, a.Value)
	if err != nil {
		return a, "", &rcptError{Temporary: true, Reason: "subscriber lookup failed", Reply: &exterrors.SMTPError{
			Code: 451, EnhancedCode: exterrors.EnhancedCode{4, 3, 0},
			Message: "Subscriber lookup failed, try again later", Err: err,
		}}
	}
	if !ok {
		return a, "", &rcptError{Ours: true, Reason: "unknown subscriber", Reply: &exterrors.SMTPError{
			Code: 550, EnhancedCode: exterrors.EnhancedCode{5, 1, 1},
			Message: "No such MMS subscriber",
		}}
	}
	return a, mailbox, nil
}

// unserved is a recipient accepted at RCPT from a peer although we do not
// serve it, to be named in the response.
type unserved struct {
	Rcpt   string // as given, or the canonical number when it has one
	Reason string
}

// describeUnserved lists unserved recipients for a status text or an
// SMTP reply: "+15550009999 (unknown subscriber), x@mms.example.net (not an
// MMS number)", sorted, each address cut to 64 bytes, within maxListText
// bytes (then "and N more"), so that the text fits both an
// X-Mms-Status-Text and an SMTP reply line.
func describeUnserved(list []unserved) string {
	parts := make([]string, 0, len(list))
	for _, u := range list {
		parts = append(parts, clip(u.Rcpt, 64)+" ("+u.Reason+")")
	}
	return listWithin(parts)
}

// maxListText bounds a list of recipients in a text.
const maxListText = 300

// listWithin joins parts, sorted, with ", ", up to maxListText bytes, then
// "and N more".
func listWithin(parts []string) string {
	sort.Strings(parts)
	var b strings.Builder
	for i, p := range parts {
		if i > 0 && b.Len()+len(p) > maxListText {
			fmt.Fprintf(&b, ", and %d more", len(parts)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p)
	}
	return b.String()
}

// clip cuts s to at most n bytes, at a character boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
