// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/config"
	"github.com/foxcpp/maddy/framework/log"
	"github.com/foxcpp/maddy/framework/module"
)

// checkMM4 is the check.mm4 module. It recognises MM4 messages (an
// X-Mms-Message-Type starting with "MM4_") and refuses, at DATA, those that
// come from a connection that is no configured peer (550 5.7.1) and those
// that cannot be answered because their message type or transaction ID is
// missing or unusable (554 5.6.0 naming the header). Every other MM4
// message passes, to be answered in its MM4 response by
// target.mms_deliver, which gets the parsed header from this check rather
// than parsing it again. Plain Internet mail passes untouched.
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
	var ref relayRef
	ref.register(cfg)
	cfg.Bool("debug", true, false, &c.log.Debug)
	if _, err := cfg.Process(); err != nil {
		return err
	}
	var err error
	c.relay, err = ref.resolve(cfg, c.Name(), c.inlineArgs)
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
	r := s.c.relay
	msg := r.classify(s.meta, h)
	if !msg.MM4 {
		return module.CheckResult{}
	}
	peer := r.PeerOf(s.meta.Conn)
	if peer == nil {
		e := errUnknownPeer(s.meta)
		e.CheckName = s.c.Name()
		return module.CheckResult{Reject: true, Reason: e}
	}
	if msg.Msg == nil {
		e := errUnanswerable(msg.Err, peer)
		e.CheckName = s.c.Name()
		return module.CheckResult{Reject: true, Reason: e}
	}
	return module.CheckResult{}
}

func init() {
	module.Register("check.mm4", NewCheckMM4)
}
