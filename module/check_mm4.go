// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/config"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/log"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// checkMM4 is the check.mm4 module. It recognises MM4 messages (an
// X-Mms-Message-Type starting with "MM4_") and refuses, at DATA, those that
// come from a connection that is no configured peer (550 5.7.1) or that
// cannot be processed (554 5.6.0 naming the offending header). Plain
// Internet mail passes untouched, for the MM3 path.
//
//	check {
//	    mm4 &mmsc
//	}
type checkMM4 struct {
	instName   string
	inlineArgs []string
	relay      *Relay
	log        log.Logger
}

func NewCheckMM4(modName, instName string, _, inlineArgs []string) (module.Module, error) {
	return &checkMM4{instName: instName, inlineArgs: inlineArgs, log: log.Logger{Name: modName}}, nil
}

func (c *checkMM4) Name() string         { return "check.mm4" }
func (c *checkMM4) InstanceName() string { return c.instName }

func (c *checkMM4) Init(cfg *config.Map) error {
	cfg.Bool("debug", true, false, &c.log.Debug)
	var relayRef string
	cfg.String("relay", false, false, "", &relayRef)
	if _, err := cfg.Process(); err != nil {
		return err
	}
	var err error
	c.relay, err = relayFromArgs(c.Name(), c.inlineArgs, relayRef)
	return err
}

type checkMM4State struct {
	c    *checkMM4
	meta *module.MsgMetadata
}

func (c *checkMM4) CheckStateForMsg(_ context.Context, meta *module.MsgMetadata) (module.CheckState, error) {
	return &checkMM4State{c: c, meta: meta}, nil
}

func (s *checkMM4State) CheckConnection(context.Context) module.CheckResult {
	return module.CheckResult{}
}
func (s *checkMM4State) CheckSender(context.Context, string) module.CheckResult {
	return module.CheckResult{}
}
func (s *checkMM4State) CheckRcpt(context.Context, string) module.CheckResult {
	return module.CheckResult{}
}
func (s *checkMM4State) Close() error { return nil }

func (s *checkMM4State) CheckBody(_ context.Context, h textproto.Header, _ buffer.Buffer) module.CheckResult {
	if !mm4.IsMM4(h) {
		return module.CheckResult{}
	}
	peer := s.c.relay.IdentifyPeer(s.meta.Conn)
	if peer == nil {
		e := errUnknownPeer(s.meta)
		e.CheckName = s.c.Name()
		return module.CheckResult{Reject: true, Reason: e}
	}
	if _, err := mm4.Parse(h); err != nil {
		e := errMalformedMM4(err, peer)
		e.CheckName = s.c.Name()
		return module.CheckResult{Reject: true, Reason: e}
	}
	return module.CheckResult{}
}

// errUnknownPeer is the reply to MM4 from a connection that is no peer;
// the caller names its module in it.
func errUnknownPeer(meta *module.MsgMetadata) *exterrors.SMTPError {
	mm4Rejected.WithLabelValues("unknown_peer").Inc()
	return &exterrors.SMTPError{
		Code:         550,
		EnhancedCode: exterrors.EnhancedCode{5, 7, 1},
		Message:      "MM4 is accepted from configured peer MMSCs only",
		Misc:         map[string]any{"remote_addr": remoteAddr(meta), "auth_user": authUser(meta)},
	}
}

// errMalformedMM4 is the 554 5.6.0 reply for an MM4 message that cannot
// be processed. The client text names the header (a field error carries
// only the header name, the problem and a truncated value).
func errMalformedMM4(err error, peer *Peer) *exterrors.SMTPError {
	mm4Rejected.WithLabelValues("malformed").Inc()
	return &exterrors.SMTPError{
		Code:         554,
		EnhancedCode: exterrors.EnhancedCode{5, 6, 0},
		Message:      "Malformed MM4 message: " + err.Error(),
		Err:          err,
		Misc:         map[string]any{"peer": peer.Name},
	}
}

func remoteAddr(meta *module.MsgMetadata) string {
	if meta == nil || meta.Conn == nil || meta.Conn.RemoteAddr == nil {
		return ""
	}
	return meta.Conn.RemoteAddr.String()
}

func authUser(meta *module.MsgMetadata) string {
	if meta == nil || meta.Conn == nil {
		return ""
	}
	return meta.Conn.AuthUser
}

func init() {
	module.Register("check.mm4", NewCheckMM4)
}
