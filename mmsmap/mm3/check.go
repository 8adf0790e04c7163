// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"fmt"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// CheckMailToMMS applies the rules of RFC 4356 §2.1.3.3 that keep Internet
// mail from entering MMS at all, for mail that is delivered to a
// subscriber as it is (no MM4 request is made of it): a Sensitivity of
// personal or private, and more than DefaultMaxReceived Received fields (a
// loop). It returns a *Refusal.
func CheckMailToMMS(h textproto.Header) error {
	received := 0
	for f := h.Fields(); f.Next(); {
		switch strings.ToLower(f.Key()) {
		case "sensitivity":
			if v := strings.ToLower(strings.TrimSpace(f.Value())); sensitivityRefused(v) {
				return &Refusal{Field: "Sensitivity", Rule: "RFC 4356 §2.1.3.3",
					Reason: "Personal or private mail (Sensitivity: " + v + ") must not be sent as MMS"}
			}
		case "received":
			received++
		}
	}
	if received > DefaultMaxReceived {
		return &Refusal{Field: "Received", Rule: "RFC 4356 §2.1.3.3",
			Reason: fmt.Sprintf("Mail loop: %d Received fields, the limit is %d", received, DefaultMaxReceived)}
	}
	return nil
}
