// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

// Refusal is a message that RFC 4356 keeps from crossing between MMS and
// Internet mail, whatever its form: a personal or private Sensitivity
// (§2.1.3.3), a hidden sender or a reply-charging usage towards Internet
// mail (§2.1.3.2), a mail loop (too many Received fields). A gateway answers
// it with a permanent failure: 5.6.0 in SMTP and DSN terms, an Error-* status
// in an MM4 response.
type Refusal struct {
	Field  string // the header field that decided it, in its usual spelling ("Sensitivity")
	Rule   string // where the rule is, e.g. "RFC 4356 §2.1.3.3"
	Reason string // why, for an SMTP reply or X-Mms-Status-Text
}

func (r *Refusal) Error() string {
	return r.Reason + " (" + r.Rule + ")"
}
