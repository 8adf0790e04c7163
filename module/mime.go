// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"errors"
	"strings"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"

	"github.com/maddy-mms/maddy-mms/mmsmap/sevenbit"
)

// checkMIME checks the MIME structure of a message before it is stored
// or converted, within the relay's mime_max_depth and mime_max_parts
// (streaming: memory does not grow with the body). A nil error means
// every path (mailbox, IMAP BODYSTRUCTURE, 7-bit conversion for MM4) can
// take the message; otherwise the error's text names the part and what
// is wrong with it, for a 554 5.6.0 reply or an
// Error-message-format-corrupt RES. A read error is returned as it is.
func (r *Relay) checkMIME(h textproto.Header, body buffer.Buffer) error {
	for _, key := range []string{"Content-Type", "Content-Transfer-Encoding"} {
		for _, v := range h.Values(key) {
			if i := strings.IndexFunc(v, func(c rune) bool { return c < ' ' && c != '\t' || c >= 0x7f }); i >= 0 {
				return &sevenbit.MIMEError{Reason: key + " holds a control or 8-bit octet"}
			}
		}
	}
	rd, err := body.Open()
	if err != nil {
		return err
	}
	defer rd.Close()
	return sevenbit.Check(h, rd, r.MIMELimits)
}

// mimeProblem returns the text naming what is wrong with a message's MIME
// structure, and false when err is not about the structure.
func mimeProblem(err error) (string, bool) {
	var me *sevenbit.MIMEError
	if !errors.As(err, &me) {
		return "", false
	}
	if me.Part == "" {
		return "Malformed MIME: " + me.Reason, true
	}
	return "Malformed MIME: part " + me.Part + ": " + me.Reason, true
}
