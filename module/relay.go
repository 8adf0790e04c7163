// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/foxcpp/maddy/framework/config"
	modconfig "github.com/foxcpp/maddy/framework/config/module"
	"github.com/foxcpp/maddy/framework/log"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/internal/state"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/sevenbit"
)

// Relay is the mms.relay module: the configuration of this MMS
// Relay/Server that the other maddy-mms modules share. It holds our
// identity (MMS domains, system address, MMS version), the number plan,
// the subscribers (number → mailbox), who may send as which number, the
// outbound routes, and the peer MMSCs with how each is recognised and what
// it takes. The other modules reference one relay (`check { mm4 &mmsc }`),
// so each of these is configured in exactly one place.
//
// The relay also opens the state store (state_store) and runs the
// tracker of the requests we sent (response_timeout, timeout_action); that
// behaviour lives in types of its own (state.Store, Tracker).
type Relay struct {
	instName string
	log      log.Logger

	Domains       []string // our MMS domains, lower-case; the first is canonical
	SystemAddress string   // our system mailbox: MAIL FROM, Sender and From of what we generate
	Version       string   // X-Mms-3GPP-MMS-Version we announce
	Plan          mmsmap.NumberPlan
	Peers         []*Peer

	// Subscribers maps a local number (+E164 or short code) to its
	// mailbox: a number in it is served here.
	Subscribers module.Table
	// Routes maps number prefixes to peer names (longest prefix wins);
	// DefaultRoute names the peer for numbers no prefix matches.
	Routes       module.Table
	DefaultRoute string
	// Senders maps an authenticated account (or "ip:ADDRESS" for a VASP
	// recognised by address) to the numbers and short codes it may send
	// as, and optionally the address generated mail about its MMs goes to.
	Senders module.Table

	// DuplicateWindow is how long a received transaction is remembered;
	// ReportWindow how long an MM sent or received is (at least until
	// its expiry), so that reports about it can be matched.
	DuplicateWindow time.Duration
	ReportWindow    time.Duration
	// DuplicateMax bounds how many received transactions are remembered;
	// beyond it the oldest are forgotten first.
	DuplicateMax int
	// MIMELimits bound the MIME structure of every message stored or
	// converted (mime_max_depth, mime_max_parts).
	MIMELimits sevenbit.Limits

	hostname string
	state    state.Store
	tracker  *Tracker
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
	var (
		plan                  numberPlanConfig
		storeArgs, legacyArgs []string
		seenPath              string
		tc                    trackerConfig
	)
	cfg.Bool("debug", true, false, &r.log.Debug)
	cfg.StringList("domains", false, true, nil, &r.Domains)
	cfg.String("system_address", false, true, "", &r.SystemAddress)
	cfg.String("mms_version", false, false, "6.10.0", &r.Version)
	cfg.String("hostname", true, false, "", &r.hostname)
	cfg.Custom("number_plan", false, false, func() (any, error) { return defaultNumberPlan(), nil },
		func(m *config.Map, node config.Node) (any, error) { return parseNumberPlan(m, node) }, &plan)
	modconfig.Table(cfg, "subscribers", false, false, nil, &r.Subscribers)
	modconfig.Table(cfg, "routes", false, false, nil, &r.Routes)
	cfg.String("default_route", false, false, "", &r.DefaultRoute)
	modconfig.Table(cfg, "senders", false, false, nil, &r.Senders)
	cfg.Duration("duplicate_window", false, false, 7*24*time.Hour, &r.DuplicateWindow)
	cfg.Int("duplicate_max_entries", false, false, state.DefaultMaxTransactions, &r.DuplicateMax)
	cfg.String("duplicate_log", false, false, "", &seenPath)
	cfg.Int("mime_max_depth", false, false, sevenbit.DefaultLimits.Depth, &r.MIMELimits.Depth)
	cfg.Int("mime_max_parts", false, false, sevenbit.DefaultLimits.Parts, &r.MIMELimits.Parts)
	cfg.Duration("report_window", false, false, 7*24*time.Hour, &r.ReportWindow)
	cfg.Custom("state_store", false, false, func() (any, error) { return []string(nil), nil }, storeDirective, &storeArgs)
	cfg.Custom("request_store", false, false, func() (any, error) { return []string(nil), nil }, storeDirective, &legacyArgs)
	cfg.Custom("dsn_via", false, false, nil, modconfig.DeliveryDirective, &tc.dsnVia)
	cfg.Duration("response_timeout", false, false, time.Hour, &tc.timeout)
	cfg.Enum("timeout_action", false, false, []string{"retry", "bounce", "ignore"}, "bounce", &tc.action)
	cfg.Duration("timeout_check_interval", false, false, 30*time.Second, &tc.interval)
	cfg.Duration("request_retention", false, false, 7*24*time.Hour, &tc.retention)
	cfg.Callback("peer", func(m *config.Map, node config.Node) error {
		p, err := parsePeer(m, node)
		if err != nil {
			return err
		}
		if r.Peer(p.Name) != nil {
			return config.NodeErr(node, "duplicate peer %s", p.Name)
		}
		r.Peers = append(r.Peers, p)
		return nil
	})
	if _, err := cfg.Process(); err != nil {
		return err
	}
	if err := r.check(plan); err != nil {
		return err
	}
	if len(legacyArgs) != 0 {
		if len(storeArgs) != 0 {
			return config.NodeErr(cfg.Block, "%s: request_store is the old name of state_store: give only state_store", r.Name())
		}
		r.log.Msg("request_store is deprecated: it is now called state_store and holds all of the relay's state")
		storeArgs = legacyArgs
	}
	if err := r.openState(storeArgs, seenPath, tc.retention); err != nil {
		return err
	}
	var err error
	if r.tracker, err = newTracker(r, tc); err != nil {
		r.state.Close()
		return fmt.Errorf("%s: %w", r.Name(), err)
	}
	r.tracker.start()
	r.log.Debugf("%d peers; state in %s", len(r.Peers), storeArgs)
	return nil
}

// check validates the configuration beyond what the parser does.
func (r *Relay) check(plan numberPlanConfig) error {
	r.Plan = mmsmap.NumberPlan(plan)
	for i, d := range r.Domains {
		r.Domains[i] = strings.ToLower(strings.TrimSuffix(d, "."))
	}
	if r.hostname == "" {
		r.hostname = r.Domains[0]
	}
	if a, err := mmsmap.ParseAddress(r.SystemAddress); err != nil || a.Domain == "" || strings.ContainsAny(r.SystemAddress, " <>") {
		return fmt.Errorf("%s: system_address %q is not a mailbox (user@domain)", r.Name(), r.SystemAddress)
	}
	for _, p := range r.Peers {
		if p.Version == "" {
			p.Version = r.Version
		}
	}
	if r.DefaultRoute != "" && r.Peer(r.DefaultRoute) == nil {
		return fmt.Errorf("%s: default_route %s: no such peer", r.Name(), r.DefaultRoute)
	}
	if r.MIMELimits.Depth <= 0 || r.MIMELimits.Parts <= 0 {
		return fmt.Errorf("%s: mime_max_depth and mime_max_parts must be positive", r.Name())
	}
	if r.DuplicateMax <= 0 {
		return fmt.Errorf("%s: duplicate_max_entries must be positive", r.Name())
	}
	if r.DuplicateWindow <= 0 || r.ReportWindow <= 0 {
		return fmt.Errorf("%s: duplicate_window and report_window must be positive", r.Name())
	}
	return nil
}

func storeDirective(_ *config.Map, node config.Node) (any, error) {
	if len(node.Args) != 2 {
		return nil, config.NodeErr(node, "expected: %s DRIVER DSN (sqlite3 FILE or postgres \"DSN\")", node.Name)
	}
	return node.Args, nil
}

// openState opens the state store: args, else SQLite in
// state_dir/mms/NAME.db. The request store of maddy-mms 0.1 at its default
// place becomes that file; its duplicate log is imported once.
func (r *Relay) openState(args []string, seenPath string, retention time.Duration) error {
	name := r.instName
	if name == "" {
		name = "default"
	}
	dir := filepath.Join(config.StateDirectory, "mms")
	driver, dsn := "sqlite3", filepath.Join(dir, name+".db")
	if len(args) == 2 {
		driver, dsn = args[0], args[1]
	}
	sqlite := driver == "sqlite3" || driver == "sqlite"
	if sqlite && !filepath.IsAbs(dsn) && !strings.HasPrefix(dsn, "file:") {
		dsn = filepath.Join(config.StateDirectory, dsn)
	}
	if sqlite {
		if err := os.MkdirAll(filepath.Dir(dsn), 0o700); err != nil {
			return fmt.Errorf("%s: state_store: %w", r.Name(), err)
		}
	}
	if len(args) == 0 {
		if err := adoptLegacyStore(filepath.Join(dir, name+"-requests.db"), dsn); err != nil {
			return fmt.Errorf("%s: state_store: %w", r.Name(), err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Claims are tagged with the machine, the state directory and this
	// block: what an instance left behind in a crash is released when it
	// starts again, and no other instance's.
	host, _ := os.Hostname()
	var err error
	r.state, err = state.Open(ctx, state.Options{
		Driver: driver, DSN: dsn, RequestRetention: retention, MaxTransactions: r.DuplicateMax,
		Owner: host + ":" + config.StateDirectory + ":" + r.instName,
	})
	if err != nil {
		return fmt.Errorf("%s: state_store: %w", r.Name(), err)
	}

	if seenPath == "" {
		seenPath = filepath.Join(dir, name+".seen")
	} else if !filepath.IsAbs(seenPath) {
		seenPath = filepath.Join(config.StateDirectory, seenPath)
	}
	if _, err := os.Stat(seenPath); err == nil {
		n, err := r.state.ImportSeen(ctx, seenPath)
		if err == nil {
			err = os.Rename(seenPath, seenPath+".imported")
		}
		if err != nil {
			r.state.Close()
			return fmt.Errorf("%s: importing the duplicate log: %w", r.Name(), err)
		}
		r.log.Msg("duplicate log imported into the state store", "path", seenPath, "transactions", n)
	}
	return nil
}

// adoptLegacyStore renames maddy-mms 0.1's default request store (and its
// WAL files) to the state store's default name, when only the old exists.
func adoptLegacyStore(old, dsn string) error {
	if _, err := os.Stat(dsn); err == nil {
		return nil
	}
	if _, err := os.Stat(old); err != nil {
		return nil
	}
	for _, suffix := range []string{"-wal", "-shm", ""} { // the database last
		if err := os.Rename(old+suffix, dsn+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func (r *Relay) Close() error {
	if r.tracker != nil {
		r.tracker.stop()
	}
	if r.state != nil {
		return r.state.Close()
	}
	return nil
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

// IsSystemAddress reports whether addr is our system_address (where peers
// send responses and reports).
func (r *Relay) IsSystemAddress(addr string) bool {
	return strings.EqualFold(strings.TrimSpace(addr), r.SystemAddress)
}

// Mailbox returns the mailbox of a local number, and whether it is one.
func (r *Relay) Mailbox(ctx context.Context, number string) (string, bool, error) {
	if r.Subscribers == nil {
		return "", false, nil
	}
	mb, ok, err := r.Subscribers.Lookup(ctx, number)
	return strings.TrimSpace(mb), ok && strings.TrimSpace(mb) != "", err
}

// maxReportKeep bounds how long an MM is remembered for reports, whatever
// expiry it states.
const maxReportKeep = 90 * 24 * time.Hour

// keepUntil is how long an MM handled at now with this expiry (zero for
// none) is remembered for reports: report_window, or until it expires when
// that is later, at most maxReportKeep.
func (r *Relay) keepUntil(now, expiry time.Time) time.Time {
	t := now.Add(r.ReportWindow)
	if expiry.After(t) {
		t = expiry
	}
	if limit := now.Add(maxReportKeep); t.After(limit) {
		t = limit
	}
	return t
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

// relayRef is the reference to the mms.relay block a maddy-mms module
// works for: the `relay &NAME` directive, or the same reference as the
// module's only inline argument (`mm4 &mmsc`). register adds the directive
// before cfg.Process; resolve looks the block up after it, reporting a
// wrong reference with the configuration line it is on.
type relayRef struct{ node *config.Node }

func (rr *relayRef) register(cfg *config.Map) {
	cfg.Callback("relay", func(_ *config.Map, n config.Node) error {
		if rr.node != nil {
			return config.NodeErr(n, "duplicate relay directive")
		}
		rr.node = &n
		return nil
	})
}

func (rr *relayRef) resolve(cfg *config.Map, modName string, inlineArgs []string) (*Relay, error) {
	args, where := inlineArgs, cfg.Block
	switch {
	case rr.node != nil && len(inlineArgs) != 0:
		return nil, config.NodeErr(*rr.node, "%s: the relay is given both inline and by the relay directive", modName)
	case rr.node != nil:
		args, where = rr.node.Args, *rr.node
	}
	if len(args) != 1 || !strings.HasPrefix(args[0], "&") {
		return nil, config.NodeErr(where, "%s: a reference to an mms.relay block is required: relay &NAME", modName)
	}
	var r *Relay
	if err := modconfig.ModuleFromNode("mms", args, where, cfg.Globals, &r); err != nil {
		if where.File == "" || !strings.Contains(err.Error(), where.File+":") {
			err = config.NodeErr(where, "%s: %v", modName, err)
		}
		return nil, err
	}
	return r, nil
}

func init() {
	module.Register("mms.relay", NewRelay)
}
