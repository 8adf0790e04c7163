// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/config"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/mmsmap"
)

// modifyRcpt is the modify.mms_rcpt module. It rewrites every recipient
// form peers and VASPs use (`+E164/TYPE=PLMN@d`, `E164/TYPE=PLMN@d`,
// `+E164@d`, `E164@d`, national numbers, short codes, any TYPE case) to one
// canonical form, `+E164@domain` (or `CODE@domain` for a short code), with
// the number normalised by the relay's number_plan and the domain replaced
// by the relay's first (canonical) MMS domain. Tables and routing then work
// on one key. The relay's system_address (where peers send responses and
// reports) passes unchanged.
//
// A recipient outside our MMS domains is refused (550 5.7.1). One in our
// domains that is no number or a malformed one is refused too (550 5.1.1,
// 553 5.1.3), except on a connection from a peer, where it passes as it is
// so that target.mms_deliver can accept it and name it in the MM4 response
// (TS 23.140 §8.4.5), unless the peer has unserved_rcpt reject.
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
	var ref relayRef
	ref.register(cfg)
	if _, err := cfg.Process(); err != nil {
		return err
	}
	var err error
	m.relay, err = ref.resolve(cfg, m.Name(), m.inlineArgs)
	return err
}

type modifyRcptState struct {
	m    *modifyRcpt
	peer *Peer
}

func (m *modifyRcpt) ModStateForMsg(_ context.Context, meta *module.MsgMetadata) (module.ModifierState, error) {
	return &modifyRcptState{m: m, peer: m.relay.PeerOf(meta.Conn)}, nil
}

func (s *modifyRcptState) RewriteSender(_ context.Context, from string) (string, error) {
	return from, nil
}

func (s *modifyRcptState) RewriteBody(context.Context, *textproto.Header, buffer.Buffer) error {
	return nil
}

func (s *modifyRcptState) Close() error { return nil }

func (s *modifyRcptState) RewriteRcpt(_ context.Context, rcpt string) ([]string, error) {
	r := s.m.relay
	if r.IsSystemAddress(rcpt) {
		// Where peers send responses and reports: kept as it is.
		return []string{r.SystemAddress}, nil
	}
	a, rerr := r.canonicalRecipient(rcpt)
	if rerr != nil {
		if rerr.Ours && s.peer != nil && !s.peer.RejectUnserved {
			return []string{rcpt}, nil
		}
		return nil, rerr.count(s.peer).modifier(s.m.Name())
	}
	return []string{a.Format(mmsmap.FormE164, r.Domains[0])}, nil
}

func init() {
	module.Register("modify.mms_rcpt", NewModifyRcpt)
}
