// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm4

import (
	"fmt"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// FieldError reports a bad or missing MM4 header field. Field is the exact TS 23.140 spelling of the
// field, so the error suits a 554 5.6.0 reply or the X-Mms-Status-Text of a RES with status
// Error-message-format-corrupt. [FieldError.Unanswerable] tells the two apart.
type FieldError struct {
	Field  string // header field name, TS 23.140 spelling
	Value  string // the offending value; "" for a missing field
	Reason string
}

// maxErrorValueLength bounds how much of a bad value an error message quotes.
const maxErrorValueLength = 64

// Error returns "Field: Reason" for a missing field and `Field: bad value "…": Reason` otherwise, the
// value cut to 64 bytes and quoted in ASCII so that the message is safe in an SMTP reply.
func (e *FieldError) Error() string {
	if e.Value == "" {
		return e.Field + ": " + e.Reason
	}
	v, more := e.Value, ""
	if len(v) > maxErrorValueLength {
		v, more = v[:maxErrorValueLength], "..."
	}
	return fmt.Sprintf("%s: bad value %+q%s: %s", e.Field, v, more, e.Reason)
}

// Unanswerable reports whether e concerns one of the two fields a RES is built from:
// X-Mms-Message-Type (the RES type answers it) and X-Mms-Transaction-ID (the RES echoes it). Parse
// returns a nil *Message exactly when its error is unanswerable; the receiver should then refuse
// the message at the SMTP level (554 5.6.0), as no RES can refer to it. For any other error Parse
// returns the partial message, and a REQ that asked for an acknowledgement can be answered with a
// RES of status Error-message-format-corrupt naming e.Field.
func (e *FieldError) Unanswerable() bool {
	return e != nil && (e.Field == HdrMessageType || e.Field == HdrTransactionID)
}

// MaxIDLength bounds X-Mms-Transaction-ID and X-Mms-Message-ID, in octets as received (quotes
// included). TS 23.140 §8.4 sets no length; real MMSCs write IDs of a few dozen characters (the
// longest in the corpus of real MM4 traffic this package is tested against is under 60). A
// receiver remembers both IDs, the transaction ID to drop duplicates and the message ID to match
// reports, so a hostile peer must not choose their size. Parse refuses a longer value: a
// transaction ID that way is unanswerable (554 5.6.0), a message ID gets
// Error-message-format-corrupt.
const MaxIDLength = 255

// reasonTooLong is the FieldError reason for a value over its length limit.
func reasonTooLong(limit int) string { return lex.ReasonTooLong(limit) }
