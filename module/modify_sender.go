// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"net"
	"strings"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/config"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/mmsmap"
)

// modifySender is the modify.mms_sender module: it authorises and
// rewrites the sender of an MM submitted by a subscriber or a VASP.
//
//	modify {
//	    mms_sender &mmsc
//	}
//
// The relay's senders table maps the authenticated account (or
// "ip:ADDRESS" for a VASP recognised by its source address, NowSMS style)
// to the sender numbers and short codes it may use. A MAIL FROM that is one
// of them (in any form: +E164, E164, /TYPE=PLMN, at any domain) becomes
// `+E164@first-domain` (or `CODE@first-domain`); any other MAIL FROM (the
// account's e-mail address, as mail clients send) becomes the first of
// them. A sender that is not allowed is refused with 550 5.7.1; nobody
// without an entry can send an MM.
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
	var relayRef string
	cfg.String("relay", false, false, "", &relayRef)
	if _, err := cfg.Process(); err != nil {
		return err
	}
	var err error
	if m.relay, err = relayFromArgs(m.Name(), m.inlineArgs, relayRef); err != nil {
		return err
	}
	if m.relay.Senders == nil {
		return config.NodeErr(cfg.Block, "%s: the relay has no senders table", m.Name())
	}
	return nil
}

type modifySenderState struct {
	m    *modifySender
	meta *module.MsgMetadata
}

func (m *modifySender) ModStateForMsg(_ context.Context, meta *module.MsgMetadata) (module.ModifierState, error) {
	return &modifySenderState{m: m, meta: meta}, nil
}

func (s *modifySenderState) RewriteRcpt(_ context.Context, rcpt string) ([]string, error) {
	return []string{rcpt}, nil
}
func (s *modifySenderState) RewriteBody(context.Context, *textproto.Header, buffer.Buffer) error {
	return nil
}
func (s *modifySenderState) Close() error { return nil }

func (s *modifySenderState) senderErr(code int, enh exterrors.EnhancedCode, msg string, err error) error {
	return &exterrors.SMTPError{Code: code, EnhancedCode: enh, Message: msg, ModifierName: s.m.Name(), Err: err,
		Misc: map[string]any{"auth_user": authUser(s.meta), "remote_addr": remoteAddr(s.meta)}}
}

func (s *modifySenderState) RewriteSender(ctx context.Context, mailFrom string) (string, error) {
	r := s.m.relay
	key := senderKey(s.meta)
	if key == "" {
		return "", s.senderErr(530, exterrors.EnhancedCode{5, 7, 0}, "Authentication required to send MMS", nil)
	}
	allowed, err := lookupAll(ctx, r.Senders, key)
	if err != nil {
		return "", exterrors.WithTemporary(s.senderErr(451, exterrors.EnhancedCode{4, 3, 0},
			"Sender lookup failed, try again later", err), true)
	}
	var codes []mmsmap.Address
	for _, v := range allowed {
		a, err := mmsmap.ParseAddress(v)
		if err == nil {
			a, err = r.Plan.NormalizeAddress(a)
		}
		if err == nil && a.IsNumber() {
			codes = append(codes, a)
		}
	}
	if len(codes) == 0 {
		return "", s.senderErr(550, exterrors.EnhancedCode{5, 7, 1}, "This account may not send MMS", nil)
	}
	from, err := mmsmap.ParseAddress(mailFrom)
	if err == nil && from.IsNumber() {
		n, err := r.Plan.NormalizeAddress(from)
		if err != nil {
			return "", s.senderErr(553, exterrors.EnhancedCode{5, 1, 7}, "Malformed MMS sender number", err)
		}
		for _, c := range codes {
			if c.Value == n.Value {
				return c.Format(mmsmap.FormE164, r.Domains[0]), nil
			}
		}
		return "", s.senderErr(550, exterrors.EnhancedCode{5, 7, 1}, "This account may not send as this number", nil)
	}
	// The account's own address (or an empty return path): send as its
	// first number.
	return codes[0].Format(mmsmap.FormE164, r.Domains[0]), nil
}

// senderKey is the senders-table key of a connection: the authenticated
// account, else "ip:" and the source address.
func senderKey(meta *module.MsgMetadata) string {
	if meta == nil || meta.Conn == nil {
		return ""
	}
	if meta.Conn.AuthUser != "" {
		return strings.ToLower(meta.Conn.AuthUser)
	}
	if a, ok := meta.Conn.RemoteAddr.(*net.TCPAddr); ok {
		return "ip:" + a.IP.String()
	}
	return ""
}

// lookupAll returns every value of key: all values of a multi-value table,
// or the comma-separated values of a single one.
func lookupAll(ctx context.Context, t module.Table, key string) ([]string, error) {
	if mt, ok := t.(module.MultiTable); ok {
		return mt.LookupMulti(ctx, key)
	}
	v, ok, err := t.Lookup(ctx, key)
	if err != nil || !ok {
		return nil, err
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

func init() {
	module.Register("modify.mms_sender", NewModifySender)
}
