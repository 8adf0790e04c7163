// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/module"
)

// The SMTP replies to MM4 that is refused at DATA, shared by check.mm4 and
// target.mms_deliver (the caller names its module in them). Everything
// else a peer sends is answered in an MM4 response (TS 23.140 §8.4.5).

// errUnknownPeer refuses MM4 from a connection that is no configured peer.
func errUnknownPeer(meta *module.MsgMetadata) *exterrors.SMTPError {
	mm4Rejected.WithLabelValues("unknown_peer").Inc()
	return &exterrors.SMTPError{
		Code:         550,
		EnhancedCode: exterrors.EnhancedCode{5, 7, 1},
		Message:      "MM4 is accepted from configured peer MMSCs only",
		Misc:         map[string]any{"remote_addr": remoteAddr(meta), "auth_user": authUser(meta)},
	}
}

// errUnanswerable refuses MM4 that cannot be answered: its message type or
// transaction ID is missing or unusable. The text names the header (a
// field error carries the header name, the problem and a cut value).
func errUnanswerable(err error, peer *Peer) *exterrors.SMTPError {
	mm4Rejected.WithLabelValues("unanswerable").Inc()
	return &exterrors.SMTPError{
		Code:         554,
		EnhancedCode: exterrors.EnhancedCode{5, 6, 0},
		Message:      "Malformed MM4 message: " + err.Error(),
		Err:          err,
		Misc:         map[string]any{"peer": peer.Name},
	}
}
