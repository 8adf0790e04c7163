// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// MailView says how an MM is shown as Internet mail (RFC 4356 §2.1.3.2,
// the MM3 direction "MMS to Internet mail"; this is its first, minimal
// part: the full mapping of its Tables 1–4 follows later).
type MailView struct {
	// Domain is the MMS domain numbers are shown at, so that a reply from
	// a mail client comes back to this relay as `+E164@Domain` and can be
	// routed as an MM (RFC 4356 §2.1.3.2: addresses are fully qualified).
	Domain string
	// Plan normalises numbers before they are shown.
	Plan mmsmap.NumberPlan
	// Now is the clock for a missing Date (time.Now when nil).
	Now func() time.Time
}

// addressFields are the RFC 5322 fields whose MMS addresses are rewritten
// into replyable mailboxes.
var addressFields = []string{"From", "To", "Cc", "Reply-To"}

// droppedFields are transport fields that are not X-Mms-* but describe the
// MM4 hop only: Sender names the peer's system or the unqualified MMS
// sender (3GPP TS 23.140 §8.4.1, §8.4.5).
var droppedFields = []string{"Sender"}

// ToInternetMail returns the header of an MM (an MM4_forward.REQ or an MM
// from any other source) as Internet mail: MM4 transport fields (X-Mms-*,
// Sender) removed, MMS addresses in From/To/Cc/Reply-To turned into
// replyable mailboxes at v.Domain, the Message-ID kept (or derived from
// X-Mms-Message-ID when the MM has none) and a Date supplied when missing.
// Fields are kept in their original order and spelling; the body is not
// touched, so its MIME structure and Content-* fields stay as they are.
func ToInternetMail(h textproto.Header, v MailView) (textproto.Header, error) {
	var out bytes.Buffer
	hasMsgID, hasDate := false, false
	for f := h.Fields(); f.Next(); {
		key := f.Key()
		switch {
		case mm4.IsTransportField(key) || lex.ContainsFold(droppedFields, key):
			continue
		case lex.ContainsFold(addressFields, key):
			fmt.Fprintf(&out, "%s: %s\r\n", key, v.mailboxList(f.Value()))
			continue
		}
		raw, err := f.Raw()
		if err != nil {
			return textproto.Header{}, err
		}
		clean := !hasControlOctets(raw)
		switch {
		case strings.EqualFold(key, "Message-ID"):
			// A Message-ID that is not clean UTF-8 is treated as absent
			// (made from X-Mms-Message-ID below), as mm4.Parse does.
			if !clean || !utf8.Valid(raw) {
				continue
			}
			hasMsgID = true
		case strings.EqualFold(key, "Date"):
			// Likewise a Date that is not a date: the time of receipt
			// is supplied below.
			if _, err := lex.ParseDate(f.Value()); !clean || err != nil {
				continue
			}
			hasDate = true
		case !clean:
			// Control octets (a bare CR, NUL, ESC, DEL …) are not
			// stored in a mailbox: the value is written without them.
			fmt.Fprintf(&out, "%s: %s\r\n", key, sanitizeValue(f.Value()))
			continue
		}
		out.Write(raw)
	}
	if !hasMsgID {
		if id, ok := lex.FirstValue(&h, mm4.HdrMessageID); ok && id != "" {
			fmt.Fprintf(&out, "Message-ID: %s\r\n", msgIDFromMMS(lex.UnquoteID(strings.TrimSpace(id)), v.Domain))
		}
	}
	if !hasDate {
		now := time.Now
		if v.Now != nil {
			now = v.Now
		}
		fmt.Fprintf(&out, "Date: %s\r\n", now().UTC().Format(time.RFC1123Z))
	}
	out.WriteString("\r\n")
	return textproto.ReadHeader(bufio.NewReader(&out))
}

// mailboxList rewrites one address-list value. Addresses that do not parse
// are kept as written, so nothing the sender wrote is lost.
func (v MailView) mailboxList(val string) string {
	addrs, err := mmsmap.ParseAddressList(val)
	if err != nil || len(addrs) == 0 {
		return sanitizeValue(val)
	}
	parts := make([]string, 0, len(addrs))
	for _, a := range addrs {
		parts = append(parts, v.mailbox(a))
	}
	return strings.Join(parts, ", ")
}

// mailbox renders one address as an RFC 5322 mailbox: "<addr>", or the
// display name, quoted or (when it is not ASCII or holds "=?") as encoded-words,
// and "<addr>". (Not mail.Address.String: it quotes the quoted local part of
// a.String() again, and leaves a '\' in a Q encoded-word of a display name, where
// RFC 2047 §5(3) allows none and net/mail cannot read it.)
func (v MailView) mailbox(a mmsmap.Address) string {
	name, addr := a.DisplayName, ""
	switch {
	case a.IsNumber():
		if n, err := v.Plan.NormalizeAddress(a); err == nil {
			a = n
		}
		addr = a.Format(mmsmap.FormE164, v.Domain)
	case a.Type == mmsmap.TypeEmail:
		addr = a.String()
	default:
		// IPv4/IPv6/other device addresses have no mailbox form; keep
		// the device address, qualified, as the display name.
		name = a.DeviceAddress()
		addr = "postmaster@" + v.Domain
	}
	switch {
	case name == "":
		return "<" + addr + ">"
	case !strings.ContainsFunc(name, func(r rune) bool { return (r < ' ' || r > '~') && r != '\t' }) &&
		!strings.Contains(name, "=?"):
		return lex.QuoteString(name) + " <" + addr + ">" // as mail.Address.String writes it
	}
	return lex.FormatMailbox(name, addr) // B encoded-words
}

// msgIDFromMMS makes an RFC 5322 msg-id from an X-Mms-Message-ID.
func msgIDFromMMS(id, domain string) string {
	id = strings.Map(func(r rune) rune {
		if r <= ' ' || r > '~' || strings.ContainsRune("<>()[]\\,;:\"", r) {
			return -1
		}
		return r
	}, id)
	if id == "" {
		id = "mms"
	}
	if !strings.Contains(id, "@") {
		id += "@" + domain
	}
	return "<" + id + ">"
}

// hasControlOctets reports whether a raw header field holds a control octet
// other than HTAB and the line ends of its lines and folds (CRLF, or LF as
// some peers write them): NUL, a bare CR, ESC, DEL and the like (RFC 5322
// §2.2 allows none of them).
func hasControlOctets(raw []byte) bool {
	for i, c := range raw {
		switch {
		case c == '\r':
			if i+1 == len(raw) || raw[i+1] != '\n' {
				return true
			}
		case c < ' ' && c != '\t' && c != '\n', c == 0x7f:
			return true
		}
	}
	return false
}

// sanitizeValue drops control characters from a header value (a folded
// value arrives unfolded from Fields().Value()).
func sanitizeValue(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
