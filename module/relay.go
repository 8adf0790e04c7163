// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/foxcpp/maddy/framework/config"
	modconfig "github.com/foxcpp/maddy/framework/config/module"
	"github.com/foxcpp/maddy/framework/log"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/internal/reqstore"
	"github.com/maddy-mms/maddy-mms/internal/seen"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm3"
)

// Relay is the mms.relay module: the identity of this MMS Relay/Server
// (its MMS domains, system address, number plan) and the peer MMSCs it
// exchanges MM4 with. The other maddy-mms modules reference one Relay
// (`check { mm4 &mmsc }`), so peers are configured in exactly one place.
//
// A peer is recognised by its connection, never by what a message says:
// its source IP/CIDR allowlist and/or the SMTP AUTH account it logs in with
// (both must match when both are configured). A peer known by address only
// is not recognised on a connection authenticated as some other account. Generated messages (RES,
// reports) go only to a peer's configured originator-system addresses.
type Relay struct {
	instName string
	log      log.Logger

	Domains       []string // our MMS domains, lower-case; the first is canonical
	SystemAddress string   // our system mailbox: MAIL FROM and Sender of RES
	Version       string   // X-Mms-3GPP-MMS-Version we announce
	Plan          mmsmap.NumberPlan
	Peers         []*Peer

	// Routes maps number prefixes to peer names (longest prefix wins);
	// DefaultRoute names the peer for numbers no prefix matches.
	Routes       module.Table
	DefaultRoute string
	// Senders maps an authenticated account (or "ip:ADDRESS" for a VASP
	// recognised by address) to the sender numbers and short codes it may
	// use.
	Senders module.Table
	// DSNVia takes the DSNs telling senders of MMs that failed.
	DSNVia   module.DeliveryTarget
	hostname string

	// Store remembers the REQs we sent until their RES arrives or
	// ResponseTimeout passes; then TimeoutAction applies.
	Store           reqstore.Store
	storeDriver     string
	storeDSN        string
	ResponseTimeout time.Duration
	TimeoutAction   string // "retry" (once, then bounce), "bounce" or "ignore"
	pollInterval    time.Duration
	retention       time.Duration // resolved requests are deleted after this
	stop            chan struct{}
	stopped         chan struct{}

	seenTTL  time.Duration
	seenPath string
	Seen     *seen.Log
}

// Peer is one peer MMSC or interconnect hub.
type Peer struct {
	Name string
	// Domains are the peer's MMS domains (lower-case): the first is where
	// its recipients are addressed in outbound MM4.
	Domains []string
	// OriginatorSystems are the addresses the peer's RES and reports go to;
	// the first one is used when a REQ names none or one not listed here.
	OriginatorSystems []string
	Nets              []netip.Prefix
	AuthUsers         []string
	// SendVia is the target generated messages to this peer are handed to
	// (normally a target.queue), so they are durable before we answer 250.
	SendVia module.DeliveryTarget

	// Outbound settings (MM4_forward.REQ to this peer).
	Form           mmsmap.Form // how numbers are written in RCPT TO and To/Cc
	AckRequest     bool        // ask for MM4_forward.RES
	MaxMessageSize int64       // largest REQ the peer takes, bytes
	MaxRecipients  int         // recipients per REQ
	Version        string      // X-Mms-3GPP-MMS-Version announced to this peer
}

func NewRelay(modName, instName string, _, inlineArgs []string) (module.Module, error) {
	if len(inlineArgs) != 0 {
		return nil, fmt.Errorf("%s: no inline arguments expected", modName)
	}
	return &Relay{instName: instName, log: log.Logger{Name: modName}}, nil
}

func (r *Relay) Name() string         { return "mms.relay" }
func (r *Relay) InstanceName() string { return r.instName }

func (r *Relay) Init(cfg *config.Map) error {
	var plan numberPlanConfig
	var storeArgs []string
	cfg.Bool("debug", true, false, &r.log.Debug)
	cfg.StringList("domains", false, true, nil, &r.Domains)
	cfg.String("system_address", false, true, "", &r.SystemAddress)
	cfg.String("mms_version", false, false, "6.10.0", &r.Version)
	cfg.Duration("duplicate_window", false, false, 7*24*time.Hour, &r.seenTTL)
	cfg.String("duplicate_log", false, false, "", &r.seenPath)
	cfg.Custom("number_plan", false, false, func() (any, error) { return defaultNumberPlan(), nil },
		func(m *config.Map, node config.Node) (any, error) { return parseNumberPlan(m, node) }, &plan)
	modconfig.Table(cfg, "routes", false, false, nil, &r.Routes)
	cfg.String("default_route", false, false, "", &r.DefaultRoute)
	modconfig.Table(cfg, "senders", false, false, nil, &r.Senders)
	cfg.Custom("dsn_via", false, false, nil, modconfig.DeliveryDirective, &r.DSNVia)
	cfg.String("hostname", true, false, "", &r.hostname)
	cfg.Custom("request_store", false, false, func() (any, error) { return []string(nil), nil },
		func(_ *config.Map, node config.Node) (any, error) {
			if len(node.Args) != 2 {
				return nil, config.NodeErr(node, "expected: request_store DRIVER DSN (sqlite3 FILE or postgres \"DSN\")")
			}
			return node.Args, nil
		}, &storeArgs)
	cfg.Duration("response_timeout", false, false, time.Hour, &r.ResponseTimeout)
	cfg.Enum("timeout_action", false, false, []string{"retry", "bounce", "ignore"}, "bounce", &r.TimeoutAction)
	cfg.Duration("timeout_check_interval", false, false, 30*time.Second, &r.pollInterval)
	cfg.Duration("request_retention", false, false, 7*24*time.Hour, &r.retention)
	cfg.Callback("peer", func(m *config.Map, node config.Node) error {
		p, err := parsePeer(m, node)
		if err != nil {
			return err
		}
		for _, other := range r.Peers {
			if other.Name == p.Name {
				return config.NodeErr(node, "duplicate peer %s", p.Name)
			}
		}
		r.Peers = append(r.Peers, p)
		return nil
	})
	if _, err := cfg.Process(); err != nil {
		return err
	}
	r.Plan = mmsmap.NumberPlan(plan)
	for _, p := range r.Peers {
		if p.Version == "" {
			p.Version = r.Version
		}
	}
	if r.DefaultRoute != "" && r.Peer(r.DefaultRoute) == nil {
		return fmt.Errorf("%s: default_route %s: no such peer", r.Name(), r.DefaultRoute)
	}

	for i, d := range r.Domains {
		r.Domains[i] = strings.ToLower(strings.TrimSuffix(d, "."))
	}
	if r.hostname == "" {
		r.hostname = r.Domains[0]
	}
	if _, err := mmsmap.ParseAddress(r.SystemAddress); err != nil || !strings.Contains(r.SystemAddress, "@") {
		return fmt.Errorf("%s: system_address %q is not a mailbox", r.Name(), r.SystemAddress)
	}
	if r.seenTTL <= 0 {
		return fmt.Errorf("%s: duplicate_window must be positive", r.Name())
	}
	if r.seenPath == "" {
		name := r.instName
		if name == "" {
			name = "default"
		}
		r.seenPath = filepath.Join(config.StateDirectory, "mms", name+".seen")
	} else if !filepath.IsAbs(r.seenPath) {
		r.seenPath = filepath.Join(config.StateDirectory, r.seenPath)
	}
	var err error
	r.Seen, err = seen.Open(r.seenPath, r.seenTTL)
	if err != nil {
		return fmt.Errorf("%s: %w", r.Name(), err)
	}

	if len(storeArgs) == 2 {
		r.storeDriver, r.storeDSN = storeArgs[0], storeArgs[1]
	} else {
		r.storeDriver = "sqlite3"
		r.storeDSN = filepath.Join(config.StateDirectory, "mms", strings.TrimSuffix(filepath.Base(r.seenPath), ".seen")+"-requests.db")
	}
	if (r.storeDriver == "sqlite3" || r.storeDriver == "sqlite") && !filepath.IsAbs(r.storeDSN) {
		r.storeDSN = filepath.Join(config.StateDirectory, r.storeDSN)
	}
	if r.storeDriver == "sqlite3" || r.storeDriver == "sqlite" {
		if err := os.MkdirAll(filepath.Dir(r.storeDSN), 0o700); err != nil {
			return fmt.Errorf("%s: request_store: %w", r.Name(), err)
		}
	}
	if r.Store, err = reqstore.Open(r.storeDriver, r.storeDSN); err != nil {
		return fmt.Errorf("%s: request_store: %w", r.Name(), err)
	}
	if r.ResponseTimeout <= 0 || r.pollInterval <= 0 {
		return fmt.Errorf("%s: response_timeout and timeout_check_interval must be positive", r.Name())
	}
	r.stop, r.stopped = make(chan struct{}), make(chan struct{})
	go r.pollTimeouts()
	r.log.Debugf("%d peers, %d remembered transactions in %s", len(r.Peers), r.Seen.Len(), r.seenPath)
	return nil
}

func (r *Relay) Close() error {
	if r.stop != nil {
		close(r.stop)
		<-r.stopped
		r.stop = nil
	}
	var errs []error
	if r.Store != nil {
		errs = append(errs, r.Store.Close())
	}
	if r.Seen != nil {
		errs = append(errs, r.Seen.Close())
	}
	return errors.Join(errs...)
}

// IsLocalDomain reports whether domain is one of our MMS domains.
func (r *Relay) IsLocalDomain(domain string) bool {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	for _, d := range r.Domains {
		if d == domain {
			return true
		}
	}
	return false
}

// IsSystemAddress reports whether addr is our system_address (the mailbox
// peers send RES and reports to).
func (r *Relay) IsSystemAddress(addr string) bool {
	return strings.EqualFold(strings.TrimSpace(addr), r.SystemAddress)
}

// IdentifyPeer returns the peer a connection belongs to, or nil. Only the
// connection is trusted: the source address and the authenticated user.
func (r *Relay) IdentifyPeer(conn *module.ConnState) *Peer {
	if conn == nil {
		return nil
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
	for _, p := range r.Peers {
		if p.matches(ip, conn.AuthUser) {
			return p
		}
	}
	return nil
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

// Peer returns the peer called name, or nil.
func (r *Relay) Peer(name string) *Peer {
	for _, p := range r.Peers {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Route picks the peer for a normalised number: the longest prefix of it
// (the whole number first) found in the routes table names the peer, else
// default_route. It returns nil when neither gives a peer. A route naming
// an unknown peer is an error (a configuration mistake, reported as
// temporary so nothing is lost while it is fixed).
func (r *Relay) Route(ctx context.Context, number string) (*Peer, error) {
	name := ""
	if r.Routes != nil {
		for i := len(number); i > 0 && name == ""; i-- {
			v, ok, err := r.Routes.Lookup(ctx, number[:i])
			if err != nil {
				return nil, err
			}
			if ok {
				name = strings.TrimSpace(v)
			}
		}
	}
	if name == "" {
		name = r.DefaultRoute
	}
	if name == "" {
		return nil, nil
	}
	p := r.Peer(name)
	if p == nil {
		return nil, fmt.Errorf("route for %s names peer %q, which is not configured", number, name)
	}
	return p, nil
}

// ReplyAddress picks where a generated message answering this peer goes:
// the REQ's X-Mms-Originator-System when it is one of the peer's
// configured addresses, otherwise the peer's first configured address.
// forged reports that the REQ asked for an address the peer does not own.
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
	pm := config.NewMap(m.Globals, node)
	pm.StringList("domains", false, true, nil, &p.Domains)
	pm.StringList("originator_system", false, true, nil, &p.OriginatorSystems)
	pm.StringList("source_ip", false, false, nil, &nets)
	pm.StringList("auth_user", false, false, nil, &p.AuthUsers)
	pm.Custom("send_via", false, true, nil, modconfig.DeliveryDirective, &p.SendVia)
	var form string
	pm.Enum("address_form", false, false, []string{"plmn", "plmn_noplus", "e164", "e164_noplus"}, "plmn", &form)
	pm.Bool("ack_request", false, true, &p.AckRequest)
	pm.DataSize("max_message_size", false, false, 1<<20, &p.MaxMessageSize)
	pm.Int("max_recipients", false, false, 10, &p.MaxRecipients)
	pm.String("mms_version", false, false, "", &p.Version)
	if _, err := pm.Process(); err != nil {
		return nil, err
	}
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

// numberPlanConfig mirrors mmsmap.NumberPlan for the config parser.
type numberPlanConfig mmsmap.NumberPlan

func defaultNumberPlan() numberPlanConfig {
	return numberPlanConfig{ShortCodeMaxLength: 6, BareInternational: true}
}

func parseNumberPlan(m *config.Map, node config.Node) (numberPlanConfig, error) {
	p := defaultNumberPlan()
	var lengths []string
	pm := config.NewMap(m.Globals, node)
	pm.String("country_code", false, false, "", &p.CountryCode)
	pm.StringList("international_prefix", false, false, nil, &p.InternationalPrefixes)
	pm.StringList("national_prefix", false, false, nil, &p.NationalPrefixes)
	pm.StringList("national_length", false, false, nil, &lengths)
	pm.StringList("strip_prefix", false, false, nil, &p.StripPrefixes)
	pm.Int("short_code_max_length", false, false, 6, &p.ShortCodeMaxLength)
	pm.Bool("bare_international", false, true, &p.BareInternational)
	if _, err := pm.Process(); err != nil {
		return p, err
	}
	if p.CountryCode != "" && (len(p.CountryCode) > 3 || strings.Trim(p.CountryCode, "0123456789") != "" || p.CountryCode[0] == '0') {
		return p, config.NodeErr(node, "country_code %q: want 1 to 3 digits, not starting with 0", p.CountryCode)
	}
	for _, l := range lengths {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 15 {
			return p, config.NodeErr(node, "national_length %q: want a number of digits from 1 to 15", l)
		}
		p.NationalLengths = append(p.NationalLengths, n)
	}
	return p, nil
}

// relayFromArgs resolves the mms.relay block a maddy-mms module works for:
// the `relay &NAME` directive, or the same reference as the only inline
// argument (`mm4 &mmsc`).
func relayFromArgs(modName string, inlineArgs []string, directive string) (*Relay, error) {
	ref := directive
	switch {
	case len(inlineArgs) == 1 && ref == "":
		ref = inlineArgs[0]
	case len(inlineArgs) != 0:
		return nil, fmt.Errorf("%s: expected at most one inline argument, a reference to an mms.relay block (&NAME)", modName)
	}
	if !strings.HasPrefix(ref, "&") {
		return nil, fmt.Errorf("%s: a reference to an mms.relay block is required: relay &NAME", modName)
	}
	mod, err := module.GetInstance(strings.TrimPrefix(ref, "&"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", modName, err)
	}
	r, ok := mod.(*Relay)
	if !ok {
		return nil, fmt.Errorf("%s: %s is a %s, not an mms.relay block", modName, ref, mod.Name())
	}
	return r, nil
}

func init() {
	module.Register("mms.relay", NewRelay)
}
