// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"net"
	"strings"

	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/mmsmap"
)

// account is who submits an MM, as the relay's senders table knows it.
type account struct {
	// Key is the senders-table key: the authenticated account (lower
	// case), else "ip:" and the source address.
	Key string
	// Login is the account name as authenticated ("" for ip: keys).
	Login string
	// Numbers are the numbers and short codes it may send as (normalised),
	// the first being the one a mail from its own address is sent as.
	Numbers []mmsmap.Address
	// Notify is where generated mail about its MMs (DSNs, reports) goes:
	// the e-mail address the senders entry lists, else the MMS address of
	// its own number (one whose mailbox is the login), else the login when
	// it is an address; "" when there is none. Never an address a client
	// typed.
	Notify string
	// Options are the senders-table options of the account.
	Options senderOptions
}

// senderOptions are words in an account's senders-table values besides
// its numbers and address:
//
//	entry vasp1 12345 mms_fields delivery_report
type senderOptions struct {
	// DeliveryReport and ReadReply ask for a delivery report and a read
	// reply on every MM the account sends (delivery_report, read_reply).
	DeliveryReport, ReadReply bool
	// MMSFields lets the account set X-Mms-Delivery-Report,
	// X-Mms-Read-Reply, X-Mms-Expiry, X-Mms-Priority and
	// X-Mms-Message-Class in its mail (mms_fields); other accounts'
	// X-Mms-* fields are dropped.
	MMSFields bool
}

// senderOptionWords are the option words of senders-table values.
var senderOptionWords = map[string]func(*senderOptions){
	"delivery_report": func(o *senderOptions) { o.DeliveryReport = true },
	"read_reply":      func(o *senderOptions) { o.ReadReply = true },
	"mms_fields":      func(o *senderOptions) { o.MMSFields = true },
}

// senderKey is the senders-table key of a connection.
func senderKey(conn *module.ConnState) string {
	if conn == nil {
		return ""
	}
	if conn.AuthUser != "" {
		return strings.ToLower(conn.AuthUser)
	}
	if a, ok := conn.RemoteAddr.(*net.TCPAddr); ok {
		return "ip:" + a.IP.String()
	}
	return ""
}

// senderError is a refused submission; the caller names its module.
func senderError(code int, enh exterrors.EnhancedCode, msg string, err error, meta *module.MsgMetadata) *exterrors.SMTPError {
	return &exterrors.SMTPError{Code: code, EnhancedCode: enh, Message: msg, Err: err,
		Misc: map[string]any{"auth_user": authUser(meta), "remote_addr": remoteAddr(meta)}}
}

// Account looks up who is submitting on meta's connection. An account the
// senders table does not list, or lists without numbers, may not send MMs.
// The answer is kept with the connection (modify.mms_sender and
// target.mms_send both ask, for every message).
func (r *Relay) Account(ctx context.Context, meta *module.MsgMetadata) (account, error) {
	if meta.Conn == nil {
		return r.lookupAccount(ctx, meta)
	}
	cd := r.connData(meta.Conn)
	cd.mu.Lock()
	defer cd.mu.Unlock()
	if cd.account != nil && cd.accountKey == senderKey(meta.Conn) {
		return *cd.account, nil
	}
	acc, err := r.lookupAccount(ctx, meta)
	if err == nil {
		cd.account, cd.accountKey = &acc, acc.Key
	}
	return acc, err
}

// lookupAccount is Account without the connection's memory.
func (r *Relay) lookupAccount(ctx context.Context, meta *module.MsgMetadata) (account, error) {
	key := senderKey(meta.Conn)
	if key == "" {
		return account{}, senderError(530, exterrors.EnhancedCode{5, 7, 0}, "Authentication required to send MMS", nil, meta)
	}
	if r.Senders == nil {
		return account{}, senderError(550, exterrors.EnhancedCode{5, 7, 1}, "This account may not send MMS", nil, meta)
	}
	values, err := lookupAll(ctx, r.Senders, key)
	if err != nil {
		return account{}, exterrors.WithTemporary(senderError(451, exterrors.EnhancedCode{4, 3, 0},
			"Sender lookup failed, try again later", err, meta), true)
	}
	acc := account{Key: key}
	if meta.Conn.AuthUser != "" {
		acc.Login = meta.Conn.AuthUser
	}
	for _, v := range values {
		if set, ok := senderOptionWords[strings.ToLower(v)]; ok {
			set(&acc.Options)
			continue
		}
		a, err := mmsmap.ParseAddress(v)
		if err != nil {
			continue
		}
		if a.Type == mmsmap.TypeEmail {
			if acc.Notify == "" {
				acc.Notify = a.String()
			}
			continue
		}
		if n, err := r.Plan.NormalizeAddress(a); err == nil && n.IsNumber() {
			acc.Numbers = append(acc.Numbers, n)
		}
	}
	if len(acc.Numbers) == 0 {
		return account{}, senderError(550, exterrors.EnhancedCode{5, 7, 1}, "This account may not send MMS", nil, meta)
	}
	if acc.Notify == "" && acc.Login != "" {
		acc.Notify, err = r.ownAddress(ctx, acc)
		if err != nil {
			return account{}, exterrors.WithTemporary(senderError(451, exterrors.EnhancedCode{4, 3, 0},
				"Subscriber lookup failed, try again later", err, meta), true)
		}
	}
	return acc, nil
}

// ownAddress is where generated mail for a logged-in account goes when its
// senders entry names no address: the MMS address of its own number, one
// whose mailbox (subscribers table) is the login, so that it is delivered
// like an MM to that mailbox (which is created when needed); else the
// login itself when it is an e-mail address.
func (r *Relay) ownAddress(ctx context.Context, acc account) (string, error) {
	for _, n := range acc.Numbers {
		mb, ok, err := r.Mailbox(ctx, n.Value)
		if err != nil {
			return "", err
		}
		if ok && strings.EqualFold(mb, acc.Login) {
			return n.Format(mmsmap.FormE164, r.Domains[0]), nil
		}
	}
	if a, err := mmsmap.ParseAddress(acc.Login); err == nil && a.Type == mmsmap.TypeEmail {
		return a.String(), nil
	}
	return "", nil
}

// Authorize returns the number an MM with this MAIL FROM is sent as, the
// way maddy's authorize_sender binds senders: MAIL FROM must be one of the
// account's numbers or short codes (in any form, at any domain), or its
// own address (the login, or its listed e-mail address), or null, which
// send as its first number. Anything else is refused with 550 5.7.1.
func (a account) Authorize(plan mmsmap.NumberPlan, mailFrom string, meta *module.MsgMetadata) (mmsmap.Address, error) {
	from, err := mmsmap.ParseAddress(mailFrom)
	if err == nil && from.IsNumber() {
		n, err := plan.NormalizeAddress(from)
		if err != nil {
			return mmsmap.Address{}, senderError(553, exterrors.EnhancedCode{5, 1, 7}, "Malformed MMS sender number", err, meta)
		}
		for _, c := range a.Numbers {
			if c.Value == n.Value {
				return c, nil
			}
		}
		return mmsmap.Address{}, senderError(550, exterrors.EnhancedCode{5, 7, 1}, "This account may not send as this number", nil, meta)
	}
	// The null reverse-path is what a mail client sends its automatic
	// messages with (an MDN, RFC 8098 §2.1): they go as the account's
	// first number too (target.mms_send sees MAIL FROM was null and sends
	// them as class Auto).
	if mailFrom == "" || strings.EqualFold(mailFrom, a.Login) || strings.EqualFold(mailFrom, a.Notify) {
		return a.Numbers[0], nil
	}
	return mmsmap.Address{}, senderError(550, exterrors.EnhancedCode{5, 7, 1},
		"This account may send only from its own address or numbers", nil, meta)
}

// lookupAll returns every value of key: all values of a multi-value table,
// or the comma-separated values of a single one.
func lookupAll(ctx context.Context, t module.Table, key string) ([]string, error) {
	if mt, ok := t.(module.MultiTable); ok {
		return mt.LookupMulti(ctx, key)
	}
	v, ok, err := t.Lookup(ctx, key)
	if err != nil || !ok {
		return nil, err
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

func remoteAddr(meta *module.MsgMetadata) string {
	if meta == nil || meta.Conn == nil || meta.Conn.RemoteAddr == nil {
		return ""
	}
	return meta.Conn.RemoteAddr.String()
}

func authUser(meta *module.MsgMetadata) string {
	if meta == nil || meta.Conn == nil {
		return ""
	}
	return meta.Conn.AuthUser
}
