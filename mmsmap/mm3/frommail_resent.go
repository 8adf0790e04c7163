// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"strconv"
	"strings"
	"time"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm4"
)

// A resent mail (RFC 5322 §3.6.6) carries one block of Resent-* fields per resending, the latest on
// top. RFC 4356 §2.1.3.3 turns them into the forwarding history of an MM (TS 23.140 §8.4.1):
// X-Mms-Forward-Counter counts the resendings, and X-Mms-Previously-sent-by and
// X-Mms-Previously-sent-date-and-time list who sent the MM before, and when, each entry led by its
// index: 0 for the original sender (the mail's From and Date), then the resenders from the oldest.
// The latest resending is the MM being sent.

// fwdResentBlock is what NewForwardRequest reads of one Resent-* block.
type fwdResentBlock struct {
	from   string    // the first non-empty Resent-From, trimmed
	sender string    // the first non-empty Resent-Sender, trimmed
	date   time.Time // Resent-Date, zero when missing or unreadable
	msgID  string    // Resent-Message-ID when it is a well-formed msg-id
}

// fwdResentNames are the Resent-* fields of RFC 5322 §3.6.6 (and the obsolete Resent-Reply-To of
// §4.5.6). One of them seen twice starts a new block.
var fwdResentNames = []string{"resent-date", "resent-from", "resent-sender", "resent-to", "resent-cc",
	"resent-bcc", "resent-message-id", "resent-reply-to"}

// fwdResentHistory reads the Resent-* blocks of a mail, top to bottom.
type fwdResentHistory struct {
	count  int              // blocks seen
	blocks []fwdResentBlock // the first maxResentBlocks of them: blocks[0] is the latest resending
	open   bool             // the previous field was a Resent-* field of the current block
	names  uint             // bit i set: the current block has fwdResentNames[i]
}

// endBlock notes a field that is not Resent-*: it ends the current block.
func (r *fwdResentHistory) endBlock() { r.open = false }

// add reads one Resent-* field.
func (r *fwdResentHistory) add(key, value string) {
	name := strings.ToLower(key)
	bit := uint(0)
	for i, n := range fwdResentNames {
		if n == name {
			bit = 1 << uint(i)
		}
	}
	if !r.open || r.names&bit != 0 {
		r.count++
		r.open, r.names = true, 0
		if len(r.blocks) < maxResentBlocks {
			r.blocks = append(r.blocks, fwdResentBlock{})
		}
	}
	r.names |= bit
	if r.count > len(r.blocks) {
		return // older than the blocks kept: counted only
	}
	b := &r.blocks[len(r.blocks)-1]
	v := lex.TrimFieldValue(value)
	switch name {
	case "resent-from":
		if b.from == "" {
			b.from = v
		}
	case "resent-sender":
		if b.sender == "" {
			b.sender = v
		}
	case "resent-date":
		if len(v) <= lex.MaxValueLength && b.date.IsZero() {
			if d, err := lex.ParseDate(v); err == nil {
				b.date = d
			}
		}
	case "resent-message-id":
		if b.msgID == "" && isMsgID(v) {
			b.msgID = v
		}
	}
}

// fwdHTTPDate is the IMF-fixdate form of HTTP-date (RFC 9110 §5.6.7), the date form of
// X-Mms-Previously-sent-date-and-time (TS 23.140 §8.4.4).
const fwdHTTPDate = "Mon, 02 Jan 2006 15:04:05 GMT"

// previouslySent returns the X-Mms-Previously-sent-by and X-Mms-Previously-sent-date-and-time
// fields for the history r, in index order, each entry's by before its date: entry 0 from the mail's
// own From and Date (from, date: zero when missing), entry k from the k-th resending but the latest.
// An entry whose address or date is missing, unreadable, not ASCII or too long for a line is left
// out; the indexes of the others are kept.
func (o *ForwardOptions) previouslySent(r *fwdResentHistory, from mmsmap.Address, fromSeen bool, date time.Time) []string {
	var lines []string
	entry := func(k int, a mmsmap.Address, ok bool, d time.Time) {
		index := strconv.Itoa(k) + ", "
		if addr := o.senderSideAddress(a); ok && addr != "" {
			if line := lex.FoldField(mm4.HdrPreviouslySentBy, index+addr); printableASCII(line) && fwdLinesFit([]byte(line)) {
				lines = append(lines, line)
			}
		}
		if !d.IsZero() {
			lines = append(lines, lex.FoldField(mm4.HdrPreviouslySentDate, index+d.UTC().Format(fwdHTTPDate)))
		}
	}
	entry(0, from, fromSeen && from.Type != 0, date)
	// blocks[i] is resending number r.count-i; blocks[0], the latest, is the REQ itself.
	for i := len(r.blocks) - 1; i >= 1; i-- {
		b := r.blocks[i]
		v := b.from
		if v == "" {
			v = b.sender
		}
		a, ok := fwdFirstAddress(v)
		entry(r.count-i, a, ok, b.date)
	}
	return lines
}

// senderSideAddress writes an earlier sender's address (from a Resent-From, Resent-Sender or From)
// for the history: a number normalised by o.Plan when it can, and like any device address in o.Form
// at o.SenderDomain; an e-mail address as it is, without its display name.
func (o *ForwardOptions) senderSideAddress(a mmsmap.Address) string {
	switch {
	case a.Type == 0:
		return ""
	case a.Type == mmsmap.TypeEmail:
		return a.String()
	case a.IsNumber():
		if n, err := o.Plan.NormalizeAddress(a); err == nil {
			a = n
		}
	}
	return a.Format(o.Form, strings.ToLower(o.SenderDomain))
}

// fwdFirstAddress reads a From-like value: one mailbox, or the first of a list.
func fwdFirstAddress(v string) (mmsmap.Address, bool) {
	if len(v) <= mmsmap.MaxAddressLength {
		if a, err := mmsmap.ParseAddress(v); err == nil {
			return a, true
		}
	}
	if len(v) > lex.MaxValueLength {
		return mmsmap.Address{}, false
	}
	list, err := mmsmap.ParseAddressList(v)
	if err != nil || len(list) == 0 {
		return mmsmap.Address{}, false
	}
	return list[0], true
}
