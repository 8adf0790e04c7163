// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"net"
	"net/netip"
	"strings"

	"github.com/foxcpp/maddy/framework/config"
	modconfig "github.com/foxcpp/maddy/framework/config/module"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm3"
)

// Peer is one peer MMSC or interconnect hub.
//
// A peer is recognised by its connection, never by what a message says:
// its source IP/CIDR allowlist and/or the SMTP AUTH account it logs in
// with (both must match when both are configured). A peer known by address
// only is not recognised on a connection authenticated as some other
// account. What we generate for a peer (responses, reports) goes only to
// its configured originator-system addresses.
type Peer struct {
	Name string
	// Domains are the peer's MMS domains (lower-case): the first is where
	// its recipients are addressed in outbound MM4.
	Domains []string
	// OriginatorSystems are the addresses the peer's responses and reports
	// go to; the first one is used when a request names none or one not
	// listed here.
	OriginatorSystems []string
	Nets              []netip.Prefix
	AuthUsers         []string
	// SendVia is the target everything we send this peer is handed to
	// (normally a target.queue), so it is durable before we answer 250.
	SendVia module.DeliveryTarget
	// RejectUnserved keeps SMTP rejections at RCPT for recipients we do
	// not serve (unserved_rcpt reject); by default they are accepted and
	// named in the response, as TS 23.140 §8.4.5 asks.
	RejectUnserved bool

	// Outbound settings (MM4_forward.REQ to this peer).
	Form           mmsmap.Form // how numbers are written in RCPT TO and To/Cc
	AckRequest     bool        // ask for MM4_forward.RES
	MaxMessageSize int64       // largest REQ the peer takes, bytes
	MaxRecipients  int         // recipients per REQ
	Version        string      // X-Mms-3GPP-MMS-Version announced to this peer
	// DeliveryReport and ReadReply ask this peer for a delivery report
	// and a read reply on every MM sent to it (delivery_report,
	// read_reply): maddy's endpoints cannot take DSN NOTIFY, so the
	// admin decides, per peer and per sender.
	DeliveryReport, ReadReply bool
}

// Peer returns the peer called name, or nil.
func (r *Relay) Peer(name string) *Peer {
	for _, p := range r.Peers {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// PeerOf returns the peer a connection belongs to, or nil. Only the
// connection is trusted: its source address and authenticated user. The
// answer is kept with the connection.
func (r *Relay) PeerOf(conn *module.ConnState) *Peer {
	if conn == nil {
		return nil
	}
	cd := r.connData(conn)
	cd.mu.Lock()
	defer cd.mu.Unlock()
	if cd.identified && cd.authUser == conn.AuthUser {
		return cd.peer
	}
	var ip netip.Addr
	switch a := conn.RemoteAddr.(type) {
	case *net.TCPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	case nil:
	default:
		if ap, err := netip.ParseAddrPort(a.String()); err == nil {
			ip = ap.Addr()
		}
	}
	ip = ip.Unmap()
	cd.identified, cd.authUser, cd.peer = true, conn.AuthUser, nil
	for _, p := range r.Peers {
		if p.matches(ip, conn.AuthUser) {
			cd.peer = p
			break
		}
	}
	return cd.peer
}

func (p *Peer) matches(ip netip.Addr, authUser string) bool {
	if len(p.AuthUsers) == 0 && authUser != "" {
		// Logged in as some other account (a subscriber on the same
		// host, say): that is not this peer.
		return false
	}
	if len(p.Nets) != 0 {
		ok := false
		for _, n := range p.Nets {
			if ip.IsValid() && n.Contains(ip) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(p.AuthUsers) != 0 {
		ok := false
		for _, u := range p.AuthUsers {
			if authUser != "" && strings.EqualFold(u, authUser) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// ReplyAddress picks where a message answering this peer goes: the
// request's X-Mms-Originator-System when it is one of the peer's configured
// addresses, otherwise the peer's first configured address. forged reports
// that the request asked for an address the peer does not own.
func (p *Peer) ReplyAddress(requested string) (addr string, forged bool) {
	requested = strings.TrimSpace(requested)
	for _, a := range p.OriginatorSystems {
		if requested != "" && strings.EqualFold(a, requested) {
			return a, false
		}
	}
	return p.OriginatorSystems[0], requested != ""
}

func parsePeer(m *config.Map, node config.Node) (*Peer, error) {
	if len(node.Args) != 1 {
		return nil, config.NodeErr(node, "expected: peer NAME { ... }")
	}
	p := &Peer{Name: node.Args[0]}
	var nets []string
	var form, unserved string
	pm := config.NewMap(m.Globals, node)
	pm.StringList("domains", false, true, nil, &p.Domains)
	pm.StringList("originator_system", false, true, nil, &p.OriginatorSystems)
	pm.StringList("source_ip", false, false, nil, &nets)
	pm.StringList("auth_user", false, false, nil, &p.AuthUsers)
	pm.Custom("send_via", false, true, nil, modconfig.DeliveryDirective, &p.SendVia)
	pm.Enum("unserved_rcpt", false, false, []string{"res", "reject"}, "res", &unserved)
	pm.Enum("address_form", false, false, []string{"plmn", "plmn_noplus", "e164", "e164_noplus"}, "plmn", &form)
	pm.Bool("ack_request", false, true, &p.AckRequest)
	pm.Bool("delivery_report", false, false, &p.DeliveryReport)
	pm.Bool("read_reply", false, false, &p.ReadReply)
	pm.DataSize("max_message_size", false, false, 1<<20, &p.MaxMessageSize)
	pm.Int("max_recipients", false, false, 10, &p.MaxRecipients)
	pm.String("mms_version", false, false, "", &p.Version)
	if _, err := pm.Process(); err != nil {
		return nil, err
	}
	p.RejectUnserved = unserved == "reject"
	var err error
	if p.Form, err = mmsmap.ParseForm(form); err != nil {
		return nil, config.NodeErr(node, "address_form: %v", err)
	}
	if p.MaxRecipients < 1 || p.MaxRecipients > mm3.MaxForwardRecipients {
		return nil, config.NodeErr(node, "max_recipients must be from 1 to %d", mm3.MaxForwardRecipients)
	}
	if p.MaxMessageSize < 1024 {
		return nil, config.NodeErr(node, "max_message_size must be at least 1K")
	}
	for i, d := range p.Domains {
		p.Domains[i] = strings.ToLower(strings.TrimSuffix(d, "."))
	}
	for _, a := range p.OriginatorSystems {
		if !strings.Contains(a, "@") || strings.ContainsAny(a, " <>\r\n") {
			return nil, config.NodeErr(node, "originator_system %q is not a plain mailbox (user@domain)", a)
		}
	}
	for _, s := range nets {
		var pfx netip.Prefix
		var err error
		if strings.Contains(s, "/") {
			pfx, err = netip.ParsePrefix(s)
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(s)
			pfx = netip.PrefixFrom(a, a.BitLen())
		}
		if err != nil {
			return nil, config.NodeErr(node, "source_ip %q: %v", s, err)
		}
		p.Nets = append(p.Nets, pfx.Masked())
	}
	if len(p.Nets) == 0 && len(p.AuthUsers) == 0 {
		return nil, config.NodeErr(node, "peer %s: set source_ip and/or auth_user, or nobody could be recognised as it", p.Name)
	}
	return p, nil
}
