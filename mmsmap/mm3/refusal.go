// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import "github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"

// refusedSensitivities are the Sensitivity values (RFC 2156 §5.3.4) that RFC
// 4356 §2.1.3.3 keeps from crossing between MMS and Internet mail, either way
// (VPIM personal and private messages); compared ignoring case.
var refusedSensitivities = []string{"personal", "private"}

// sensitivityRefused reports whether a Sensitivity value keeps a message
// from crossing.
func sensitivityRefused(value string) bool { return lex.ContainsFold(refusedSensitivities, value) }

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
