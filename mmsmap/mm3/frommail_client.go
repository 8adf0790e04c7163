// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// X-Mms-Message-Class values NewForwardRequest writes itself (TS 23.140 §8.4.1; RFC 4356 Table 1).
const (
	fwdClassPersonal = "Personal"
	fwdClassAuto     = "Auto"
)

// fwdClientFields collects the X-Mms-* fields a sender may set in its mail (ForwardOptions.ClientFields):
// the first non-empty one of each, as mm4.Parse would read them.
type fwdClientFields struct {
	h    textproto.Header
	seen map[string]bool // lower-case names, X-Mms-Read-Report counted as X-Mms-Read-Reply
}

// add notes one field of the mail; key is one of the fieldClient names of forwardFields.
func (c *fwdClientFields) add(key, value string) {
	name := strings.ToLower(key)
	if name == "x-mms-read-report" {
		name = "x-mms-read-reply" // its MM1 name, an alias for mm4.Parse too
	}
	if c.seen[name] || lex.TrimFieldValue(value) == "" {
		return // mm4.Parse, too, reads the first non-empty one
	}
	if c.seen == nil {
		c.seen = make(map[string]bool)
	}
	c.seen[name] = true
	c.h.Add(key, value)
}

// read decodes the fields with mm4.Parse, which reads their values leniently (names and tokens in any
// case, X-Mms-Expiry as seconds or a date) and checks them (length, octets, tokens). The result has
// DeliveryReport, ReadReply, Priority, MessageClass and Expiry set as the sender asked; none when it
// set nothing. A bad value is a *mm4.FieldError naming the field.
func (c *fwdClientFields) read() (*mm4.Message, error) {
	if len(c.seen) == 0 {
		return &mm4.Message{}, nil
	}
	h := c.h.Copy()
	// Parse reads a message of a known type with a transaction ID only; neither is the sender's.
	h.Add(mm4.HdrMessageType, "MM4_forward.REQ")
	h.Add(mm4.HdrTransactionID, "client-fields")
	m, _ := mm4.Parse(h) // the error is for the mandatory fields a mail does not have
	if m == nil {
		return &mm4.Message{}, nil
	}
	if len(m.Ignored) > 0 {
		return nil, m.Ignored[0]
	}
	return m, nil
}

// fwdExpiry is X-Mms-Expiry for the REQ: deliverBy (RFC 2852 DELIVER-BY, by-mode R) as a relative
// expiry, or the sender's own, whichever ends first; now is the time both count from.
func fwdExpiry(deliverBy time.Duration, client mm4.Expiry, now time.Time) mm4.Expiry {
	clientSet := !client.Absolute.IsZero() || client.Relative > 0
	switch {
	case deliverBy <= 0:
		return client
	case !clientSet:
		return mm4.Expiry{Relative: deliverBy}
	}
	left := client.Relative
	if !client.Absolute.IsZero() {
		left = client.Absolute.Sub(now) // saturates; negative when already past
	}
	if left < deliverBy {
		return client
	}
	return mm4.Expiry{Relative: deliverBy}
}
