// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"
	parser "github.com/foxcpp/maddy/framework/cfgparser"
	"github.com/foxcpp/maddy/framework/config"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/internal/state"
)

func initRelay(t testing.TB, body string) (*Relay, error) {
	t.Helper()
	config.StateDirectory = t.TempDir()
	nodes, err := parser.Read(strings.NewReader("mms.relay test {\n"+body+"\n}"), "test.conf")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := NewRelay("mms.relay", "test", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := mod.(*Relay)
	err = r.Init(config.NewMap(nil, nodes[0]))
	if err == nil {
		t.Cleanup(func() { r.Close() })
	}
	return r, err
}

const relayBase = `
	hostname mms.example.net
	domains MMS.Example.NET. mms2.example.net
	system_address system-user@mms.example.net
`

// testPeers are two peers: demo (127.0.0.1) and strict (127.0.0.2, with
// unserved_rcpt reject).
const testPeers = `
	peer demo {
		domains mms.peer.example
		originator_system system-user@mms.peer.example
		source_ip 127.0.0.1
		send_via dummy
	}
	peer strict {
		domains mms.strict.example
		originator_system system-user@mms.strict.example
		source_ip 127.0.0.2
		send_via dummy
		unserved_rcpt reject
	}`

func TestRelayConfig(t *testing.T) {
	r, err := initRelay(t, relayBase+`
	number_plan {
		country_code 1
		international_prefix 011
		national_prefix 1
		national_length 10
	}
	peer ip {
		domains mms.peer.example
		originator_system system-user@mms.peer.example other@mms.peer.example
		source_ip 127.0.0.1 10.1.0.0/16 2001:db8::/32
		send_via dummy
	}
	peer auth {
		domains hub.example
		originator_system mm4@hub.example
		auth_user Hub1
		send_via dummy
	}
	peer both {
		domains both.example
		originator_system mm4@both.example
		source_ip 192.0.2.7
		auth_user both1
		send_via dummy
	}`)
	if err != nil {
		t.Fatal(err)
	}
	if r.Domains[0] != "mms.example.net" || !r.IsLocalDomain("MMS2.example.net.") || r.IsLocalDomain("example.net") {
		t.Errorf("domains = %v", r.Domains)
	}
	if r.Version != "6.10.0" || r.Plan.CountryCode != "1" || r.Plan.NationalLengths[0] != 10 || r.Plan.ShortCodeMaxLength != 6 {
		t.Errorf("defaults/plan: %q %+v", r.Version, r.Plan)
	}

	conn := func(ip, user string) *module.ConnState {
		return &module.ConnState{RemoteAddr: &net.TCPAddr{IP: net.ParseIP(ip), Port: 4000}, AuthUser: user}
	}
	for _, tc := range []struct {
		conn *module.ConnState
		want string
	}{
		{conn("127.0.0.1", ""), "ip"},
		{conn("10.1.200.3", ""), "ip"},
		{conn("127.0.0.1", "alice@example.net"), ""}, // a subscriber on the peer's host is no peer
		{conn("::ffff:10.1.0.1", ""), "ip"},
		{conn("2001:db8::5", ""), "ip"},
		{conn("10.2.0.1", ""), ""},
		{conn("203.0.113.9", "hub1"), "auth"}, // case-insensitive account
		{conn("203.0.113.9", "hub2"), ""},
		{conn("192.0.2.7", "both1"), "both"},
		{conn("192.0.2.7", ""), ""}, // both criteria must hold
		{conn("192.0.2.8", "both1"), ""},
		{nil, ""},
		{&module.ConnState{}, ""},
	} {
		p := r.PeerOf(tc.conn)
		got := ""
		if p != nil {
			got = p.Name
		}
		if got != tc.want {
			t.Errorf("PeerOf(%+v) = %q, want %q", tc.conn, got, tc.want)
		}
	}

	// Identified once per connection, again when it authenticates.
	c := conn("203.0.113.9", "")
	if p := r.PeerOf(c); p != nil {
		t.Fatalf("unauthenticated: %v", p.Name)
	}
	c.AuthUser = "hub1"
	if p := r.PeerOf(c); p == nil || p.Name != "auth" {
		t.Errorf("after AUTH: %v", p)
	}
	c.RemoteAddr = &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 1}
	if p := r.PeerOf(c); p == nil || p.Name != "auth" {
		t.Errorf("the answer is not kept with the connection: %v", p)
	}

	p := r.Peers[0]
	for _, tc := range []struct {
		req, want string
		forged    bool
	}{
		{"system-user@mms.peer.example", "system-user@mms.peer.example", false},
		{"OTHER@mms.peer.example", "other@mms.peer.example", false},
		{"", "system-user@mms.peer.example", false},
		{"victim@third-party.example", "system-user@mms.peer.example", true},
		{"system-user@mms.peer.example, victim@x.example", "system-user@mms.peer.example", true},
	} {
		got, forged := p.ReplyAddress(tc.req)
		if got != tc.want || forged != tc.forged {
			t.Errorf("ReplyAddress(%q) = %q, %v; want %q, %v", tc.req, got, forged, tc.want, tc.forged)
		}
	}
}

func TestRelayConfigErrors(t *testing.T) {
	peer := func(body string) string {
		return relayBase + "peer p {\n domains p.example\n send_via dummy\n" + body + "\n}"
	}
	for _, tc := range []struct{ name, cfg, want string }{
		{"no domains", "system_address a@b.example", "domains"},
		{"bad country code", relayBase + "number_plan {\n country_code 0x1\n}", "country_code"},
		{"no system address", "domains a.example", "system_address"},
		{"bad system address", "domains a.example\nsystem_address nobody", "system_address"},
		{"unrecognisable peer", peer("originator_system a@p.example"), "source_ip and/or auth_user"},
		{"bad cidr", peer("originator_system a@p.example\nsource_ip 10.0.0.0/33"), "source_ip"},
		{"bad originator", peer("originator_system <a@p.example>\nsource_ip 10.0.0.1"), "originator_system"},
		{"no originator", peer("source_ip 10.0.0.1"), "originator_system"},
		{"duplicate peer", peer("originator_system a@p.example\nsource_ip 10.0.0.1") +
			"\npeer p {\n domains p.example\n send_via dummy\n originator_system a@p.example\n source_ip 10.0.0.2\n}", "duplicate peer"},
		{"bad national length", relayBase + "number_plan {\n national_length 99\n}", "national_length"},
		{"junk national length", relayBase + "number_plan {\n national_length 10x\n}", "national_length"},
		{"zero window", relayBase + "duplicate_window 0s", "duplicate_window"},
		{"both store names", relayBase + "state_store sqlite3 a.db\nrequest_store sqlite3 b.db", "request_store is the old name of state_store"},
		{"bad store", relayBase + "state_store mysql x", "unknown driver"},
		{"store arguments", relayBase + "state_store sqlite3", "expected: state_store DRIVER DSN"},
		{"bad unserved_rcpt", peer("originator_system a@p.example\nsource_ip 10.0.0.1\nunserved_rcpt bounce"), "[res reject]"},
	} {
		_, err := initRelay(t, tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}

// TestRelayStateUpgrade: a relay starting on the state of maddy-mms 0.1
// adopts its request store file and imports its duplicate log once.
func TestRelayStateUpgrade(t *testing.T) {
	dir := t.TempDir()
	config.StateDirectory = dir
	if err := os.MkdirAll(filepath.Join(dir, "mms"), 0o700); err != nil {
		t.Fatal(err)
	}
	// A 0.1 request store: any SQLite file under the old name.
	old, err := state.Open(context.Background(), state.Options{Driver: "sqlite3", DSN: filepath.Join(dir, "mms", "test-requests.db")})
	if err != nil {
		t.Fatal(err)
	}
	old.Close()
	line := fmt.Sprintf("%d %s\n", time.Now().Add(time.Hour).Unix(), strconv.Quote("demo\x00tx-from-0.1"))
	if err := os.WriteFile(filepath.Join(dir, "mms", "test.seen"), []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	nodes, err := parser.Read(strings.NewReader("mms.relay test {\n"+relayBase+"\n}"), "test.conf")
	if err != nil {
		t.Fatal(err)
	}
	mod, _ := NewRelay("mms.relay", "test", nil, nil)
	r := mod.(*Relay)
	if err := r.Init(config.NewMap(nil, nodes[0])); err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := os.Stat(filepath.Join(dir, "mms", "test.db")); err != nil {
		t.Errorf("the 0.1 request store was not adopted: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "mms", "test-requests.db")); err == nil {
		t.Errorf("the 0.1 request store is still there")
	}
	if _, err := os.Stat(filepath.Join(dir, "mms", "test.seen.imported")); err != nil {
		t.Errorf("the duplicate log was not set aside: %v", err)
	}
	c, err := r.state.ClaimTransaction(context.Background(), "demo", "tx-from-0.1")
	if err != nil || c.State != state.Duplicate {
		t.Errorf("a transaction of the duplicate log: %+v %v", c, err)
	}
}

// TestRelayReference: a module's reference to its relay is checked, and a
// wrong one names its configuration line.
func TestRelayReference(t *testing.T) {
	for _, tc := range []struct{ cfg, want string }{
		{"check.mm4 {\n relay &nosuch\n}", "test.conf:2: check.mm4: unknown config block: nosuch"},
		{"check.mm4 {\n relay mmsc\n}", "test.conf:2: check.mm4: a reference to an mms.relay block is required"},
		{"check.mm4 {\n}", "a reference to an mms.relay block is required"},
	} {
		nodes, err := parser.Read(strings.NewReader(tc.cfg), "test.conf")
		if err != nil {
			t.Fatal(err)
		}
		mod, _ := NewCheckMM4("check.mm4", "", nil, nil)
		err = mod.Init(config.NewMap(nil, nodes[0]))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

// TestClassifiedOnce: a message is parsed once per message, whichever
// module asks first (check.mm4, then target.mms_deliver), and anew for the
// next message on the connection; without a connection nothing is kept.
func TestClassifiedOnce(t *testing.T) {
	r, err := initRelay(t, relayBase)
	if err != nil {
		t.Fatal(err)
	}
	h := parseHdr(t, testREQ)
	conn := &module.ConnState{RemoteAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 1}}
	first := r.classify(&module.MsgMetadata{ID: "m1", Conn: conn}, h)
	if !first.MM4 || first.Msg == nil || first.Msg.TransactionID != "T1" {
		t.Fatalf("classified %+v", first)
	}
	if again := r.classify(&module.MsgMetadata{ID: "m1", Conn: conn}, textproto.Header{}); again != first {
		t.Errorf("the same message was classified again")
	}
	if next := r.classify(&module.MsgMetadata{ID: "m2", Conn: conn}, textproto.Header{}); next == first || next.MM4 {
		t.Errorf("the next message on the connection got the first one's class")
	}
	a := r.classify(&module.MsgMetadata{ID: "m3"}, h)
	if b := r.classify(&module.MsgMetadata{ID: "m3"}, h); a == b {
		t.Errorf("a class was kept without a connection")
	}
}

// TestRequestStoreName: request_store, the old name of state_store, still
// opens the store where it says.
func TestRequestStoreName(t *testing.T) {
	r, err := initRelay(t, relayBase+"\nrequest_store sqlite3 legacy/requests.db")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(config.StateDirectory, "legacy", "requests.db")); err != nil {
		t.Errorf("the store is not where request_store says: %v", err)
	}
	if c, err := r.state.ClaimTransaction(context.Background(), "p", "t"); err != nil || c.State != state.Claimed {
		t.Errorf("claim: %+v %v", c, err)
	}
}
