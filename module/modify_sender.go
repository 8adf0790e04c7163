// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"errors"
	"net/mail"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/config"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/mmsmap"
)

// modifySender is the modify.mms_sender module: it binds the sender of an
// MM submitted by a subscriber or a VASP to the account that submits it.
//
//	modify {
//	    mms_sender &mmsc
//	}
//
// The relay's senders table maps the authenticated account (or
// "ip:ADDRESS" for a VASP recognised by its source address, NowSMS style)
// to the numbers and short codes it may send as. MAIL FROM must be one of
// them (in any form: +E164, E164, /TYPE=PLMN, at any domain) or the
// account's own address (its login, or the e-mail address its senders
// entry lists) or null (a mail client's MDN), which send as its first
// number; anything else is refused
// with 550 5.7.1, like maddy's authorize_sender. MAIL FROM becomes the
// number at our first domain, and so does the From the MM shows (its
// display name kept; a Sender field is removed, as From alone names the
// sender then, RFC 5322 §3.6.2), on every path: to a peer, and to a local
// subscriber's mailbox.
type modifySender struct {
	instName   string
	inlineArgs []string
	relay      *Relay
}

func NewModifySender(_, instName string, _, inlineArgs []string) (module.Module, error) {
	return &modifySender{instName: instName, inlineArgs: inlineArgs}, nil
}

func (m *modifySender) Name() string         { return "modify.mms_sender" }
func (m *modifySender) InstanceName() string { return m.instName }

func (m *modifySender) Init(cfg *config.Map) error {
	var ref relayRef
	ref.register(cfg)
	if _, err := cfg.Process(); err != nil {
		return err
	}
	var err error
	if m.relay, err = ref.resolve(cfg, m.Name(), m.inlineArgs); err != nil {
		return err
	}
	if m.relay.Senders == nil {
		return config.NodeErr(cfg.Block, "%s: the relay has no senders table", m.Name())
	}
	return nil
}

type modifySenderState struct {
	m      *modifySender
	meta   *module.MsgMetadata
	sender string // the bound sender, set by RewriteSender
}

func (m *modifySender) ModStateForMsg(_ context.Context, meta *module.MsgMetadata) (module.ModifierState, error) {
	return &modifySenderState{m: m, meta: meta}, nil
}

func (s *modifySenderState) RewriteRcpt(_ context.Context, rcpt string) ([]string, error) {
	return []string{rcpt}, nil
}

func (s *modifySenderState) Close() error { return nil }

func (s *modifySenderState) RewriteSender(ctx context.Context, mailFrom string) (string, error) {
	r := s.m.relay
	acc, err := r.Account(ctx, s.meta)
	if err == nil {
		var n mmsmap.Address
		if n, err = acc.Authorize(r.Plan, mailFrom, s.meta); err == nil {
			s.sender = n.Format(mmsmap.FormE164, r.Domains[0])
			return s.sender, nil
		}
	}
	var se *exterrors.SMTPError
	if errors.As(err, &se) {
		se.ModifierName = s.m.Name()
	}
	return "", err
}

// RewriteBody makes From (keeping its display name) the bound sender and
// removes Sender, so that no other sender shows.
func (s *modifySenderState) RewriteBody(_ context.Context, h *textproto.Header, _ buffer.Buffer) error {
	if s.sender == "" {
		return nil
	}
	name := ""
	if list, err := mail.ParseAddressList(h.Get("From")); err == nil && len(list) == 1 {
		name = list[0].Name
	}
	h.Set("From", (&mail.Address{Name: name, Address: s.sender}).String())
	h.Del("Sender")
	return nil
}

func init() {
	module.Register("modify.mms_sender", NewModifySender)
}
