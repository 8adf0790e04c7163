// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-smtp"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/module"
)

// outgoing is a message we generate (a response, a request, a DSN, a
// report) on its way to a target, normally a durable queue.
type outgoing struct {
	From   string   // MAIL FROM ("" for the null reverse-path)
	To     []string // RCPT TO
	Header textproto.Header
	Body   buffer.Buffer // nil for an empty body
}

// prepare hands the message to target up to, not including, Commit: the
// caller commits it together with what caused it (so that it is durable
// before that gets its 250) or aborts it. Every message gets a queue ID of
// its own.
func (o outgoing) prepare(ctx context.Context, target module.DeliveryTarget) (module.Delivery, error) {
	id, err := module.GenerateMsgID()
	if err != nil {
		return nil, err
	}
	d, err := target.Start(ctx, &module.MsgMetadata{ID: id, OriginalFrom: o.From}, o.From)
	if err != nil {
		return nil, err
	}
	for _, rcpt := range o.To {
		if err := d.AddRcpt(ctx, rcpt, smtp.RcptOptions{}); err != nil {
			d.Abort(ctx)
			return nil, err
		}
	}
	body := o.Body
	if body == nil {
		body = buffer.MemoryBuffer{}
	}
	if err := d.Body(ctx, o.Header, body); err != nil {
		d.Abort(ctx)
		return nil, err
	}
	return d, nil
}

// send hands the message to target and commits it: when it returns nil
// the message is the target's (durable, for a queue).
func (o outgoing) send(ctx context.Context, target module.DeliveryTarget) error {
	d, err := o.prepare(ctx, target)
	if err != nil {
		return err
	}
	if err := d.Commit(ctx); err != nil {
		d.Abort(ctx)
		return err
	}
	return nil
}

// newID returns a globally unique identifier at domain, for transaction,
// message and RFC 5322 message IDs: prefix, the time, 96 random bits.
func newID(prefix, domain string) string {
	var b [12]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s%d.%s@%s", prefix, time.Now().Unix(), hex.EncodeToString(b[:]), domain)
}
