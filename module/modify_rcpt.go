// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"errors"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/config"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/mmsmap"
)

// modifyRcpt is the modify.mms_rcpt module. It rewrites every recipient
// form peers and VASPs use (`+E164/TYPE=PLMN@d`, `E164/TYPE=PLMN@d`,
// `+E164@d`, `E164@d`, national numbers, short codes, any TYPE case) to one
// canonical form, `+E164@domain` (or `CODE@domain` for a short code), with
// the number normalised by the relay's number_plan and the domain replaced
// by the relay's first (canonical) MMS domain. Tables and routing then work
// on one key. A recipient without a domain, outside our MMS domains, or
// whose local part is no number is refused. The relay's system_address
// (where peers send RES and reports) passes unchanged.
//
//	modify {
//	    mms_rcpt &mmsc
//	}
type modifyRcpt struct {
	instName   string
	inlineArgs []string
	relay      *Relay
}

func NewModifyRcpt(_, instName string, _, inlineArgs []string) (module.Module, error) {
	return &modifyRcpt{instName: instName, inlineArgs: inlineArgs}, nil
}

func (m *modifyRcpt) Name() string         { return "modify.mms_rcpt" }
func (m *modifyRcpt) InstanceName() string { return m.instName }

func (m *modifyRcpt) Init(cfg *config.Map) error {
	var relayRef string
	cfg.String("relay", false, false, "", &relayRef)
	if _, err := cfg.Process(); err != nil {
		return err
	}
	var err error
	m.relay, err = relayFromArgs(m.Name(), m.inlineArgs, relayRef)
	return err
}

// The module is stateless: it is its own per-message state.
func (m *modifyRcpt) ModStateForMsg(context.Context, *module.MsgMetadata) (module.ModifierState, error) {
	return m, nil
}

func (m *modifyRcpt) RewriteSender(_ context.Context, from string) (string, error) { return from, nil }

func (m *modifyRcpt) RewriteBody(context.Context, *textproto.Header, buffer.Buffer) error { return nil }

func (m *modifyRcpt) Close() error { return nil }

func (m *modifyRcpt) RewriteRcpt(_ context.Context, rcpt string) ([]string, error) {
	if m.relay.IsSystemAddress(rcpt) {
		// Where peers send RES and reports: kept as it is.
		return []string{m.relay.SystemAddress}, nil
	}
	a, serr := canonicalRecipient(m.relay, rcpt)
	if serr != nil {
		serr.ModifierName = m.Name()
		return nil, serr
	}
	return []string{a.Format(mmsmap.FormE164, m.relay.Domains[0])}, nil
}

// errNotOurs is the cause recorded for recipients outside our MMS domains.
var errNotOurs = errors.New("domain is not one of the relay's MMS domains")

// canonicalRecipient parses rcpt as an MMS address served by this relay and
// normalises its number. Errors are SMTP errors fit for a RCPT reply; the
// caller fills in its module name.
func canonicalRecipient(r *Relay, rcpt string) (mmsmap.Address, *exterrors.SMTPError) {
	a, err := mmsmap.ParseAddress(rcpt)
	if err != nil {
		return a, &exterrors.SMTPError{
			Code: 553, EnhancedCode: exterrors.EnhancedCode{5, 1, 3},
			Message: "Malformed MMS recipient address", Err: err,
		}
	}
	if a.Domain == "" {
		return a, &exterrors.SMTPError{
			Code: 553, EnhancedCode: exterrors.EnhancedCode{5, 1, 3},
			Message: "MMS recipient address needs a domain",
		}
	}
	if !r.IsLocalDomain(a.Domain) {
		return a, &exterrors.SMTPError{
			Code: 550, EnhancedCode: exterrors.EnhancedCode{5, 7, 1},
			Message: "Recipient domain is not served here", Err: errNotOurs,
		}
	}
	if !a.IsNumber() {
		return a, &exterrors.SMTPError{
			Code: 550, EnhancedCode: exterrors.EnhancedCode{5, 1, 1},
			Message: "No such MMS subscriber",
		}
	}
	n, err := r.Plan.NormalizeAddress(a)
	if err != nil {
		return a, &exterrors.SMTPError{
			Code: 553, EnhancedCode: exterrors.EnhancedCode{5, 1, 3},
			Message: "Malformed MMS recipient number", Err: err,
		}
	}
	return n, nil
}

func init() {
	module.Register("modify.mms_rcpt", NewModifyRcpt)
}
