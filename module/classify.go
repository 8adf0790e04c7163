// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"sync"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// classified is what one message is: plain Internet mail, or MM4 with its
// parsed header. It is worked out once per message, by check.mm4 when the
// endpoint has it, and carried to the target in the connection's ModData
// (a connection carries one message at a time), keyed by the message's
// ID so that the next message on the connection is classified anew.
type classified struct {
	MsgID string
	MM4   bool
	// Msg is the parsed MM4 header; nil when it cannot be answered (no
	// usable message type or transaction ID). Err is the first problem
	// Parse found, if any.
	Msg *mm4.Message
	Err error
}

// classify returns what the message with header h is, parsing it only if
// no module did so for this message already.
func (r *Relay) classify(meta *module.MsgMetadata, h textproto.Header) *classified {
	var cd *connData
	if meta != nil && meta.Conn != nil {
		cd = r.connData(meta.Conn)
		cd.mu.Lock()
		defer cd.mu.Unlock()
		if c := cd.msg; c != nil && c.MsgID == meta.ID {
			return c
		}
	}
	c := &classified{MM4: mm4.IsMM4(h)}
	if c.MM4 {
		c.Msg, c.Err = mm4.Parse(h)
	}
	if cd != nil {
		c.MsgID = meta.ID
		cd.msg = c
	}
	return c
}

// connData is what the relay keeps in a connection's ModData: the peer the
// connection is (identified once per connection, and again if it
// authenticates later), the account submitting on it, and the message it
// carries.
type connData struct {
	mu         sync.Mutex // the checks of a stage run concurrently
	identified bool
	authUser   string
	peer       *Peer
	msg        *classified
	account    *account // the submitting account (senders.go), for accountKey
	accountKey string
}

// connDataMu makes getting or making a connection's connData atomic.
var connDataMu sync.Mutex

// connData returns the relay's data on conn, making it on first use.
func (r *Relay) connData(conn *module.ConnState) *connData {
	connDataMu.Lock()
	defer connDataMu.Unlock()
	if cd, ok := conn.ModData.Get(r, true).(*connData); ok {
		return cd
	}
	cd := &connData{}
	conn.ModData.Set(r, true, cd)
	return cd
}
