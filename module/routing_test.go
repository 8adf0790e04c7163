// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"
	_ "github.com/foxcpp/maddy" // stock modules (table.static) for the configurations below
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/module"
)

const routedRelay = relayBase + `
	number_plan {
		country_code 1
		national_length 10
		national_prefix 1
	}
	routes static {
		entry +1555 us
		entry +15550 us_small
		entry +44 uk
		entry +49 nobody
	}
	senders static {
		entry alice@example.net +15550001111 "1-555-000-1112"
		entry vasp1 12345
		entry ip:192.0.2.9 54321
		entry vasp2 777 reports@vasp2.example
		entry carol@example.net +15550004444
	}
	subscribers static {
		entry +15550001111 alice@example.net
		entry +15550004444 someone-else@example.net
	}
	peer us {
		domains us.example
		originator_system a@us.example
		source_ip 10.0.0.1
		send_via dummy
	}
	peer us_small {
		domains small.example
		originator_system a@small.example
		source_ip 10.0.0.2
		send_via dummy
	}
	peer uk {
		domains uk.example
		originator_system a@uk.example
		source_ip 10.0.0.3
		send_via dummy
	}
	peer hub {
		domains hub.example
		originator_system a@hub.example
		source_ip 10.0.0.4
		send_via dummy
	}`

func TestRoute(t *testing.T) {
	r, err := initRelay(t, routedRelay+"\ndefault_route hub")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ number, peer, err string }{
		{"+15550001234", "us_small", ""}, // longest prefix wins
		{"+15551001234", "us", ""},
		{"+447700900123", "uk", ""},
		{"+33612345678", "hub", ""}, // default route
		{"+4915112345678", "", "not configured"},
	} {
		p, err := r.Route(context.Background(), tc.number)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Route(%s) err = %v, want %q", tc.number, err, tc.err)
			}
		case err != nil || p == nil || p.Name != tc.peer:
			t.Errorf("Route(%s) = %v, %v; want %s", tc.number, p, err, tc.peer)
		}
	}

	r, err = initRelay(t, routedRelay)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := r.Route(context.Background(), "+33612345678"); p != nil || err != nil {
		t.Errorf("no default route: got %v, %v", p, err)
	}
	if _, err := initRelay(t, routedRelay+"\ndefault_route nowhere"); err == nil {
		t.Errorf("default_route naming no peer accepted")
	}
}

func TestSenderAuthorisation(t *testing.T) {
	r, err := initRelay(t, routedRelay)
	if err != nil {
		t.Fatal(err)
	}
	m := &modifySender{relay: r}
	conn := func(user, ip string) *module.MsgMetadata {
		return &module.MsgMetadata{Conn: &module.ConnState{AuthUser: user, RemoteAddr: &net.TCPAddr{IP: net.ParseIP(ip), Port: 1}}}
	}
	for _, tc := range []struct {
		meta       *module.MsgMetadata
		from, want string
		code       int
	}{
		{conn("alice@example.net", "127.0.0.1"), "alice@example.net", "+15550001111@mms.example.net", 0},
		{conn("Alice@Example.NET", "127.0.0.1"), "alice@example.net", "+15550001111@mms.example.net", 0},
		{conn("alice@example.net", "127.0.0.1"), "", "+15550001111@mms.example.net", 0}, // null reverse-path (an MDN): its own number
		{conn("alice@example.net", "127.0.0.1"), "bob@example.org", "", 550},            // someone else's address
		{conn("vasp1", "203.0.113.1"), "alice@example.net", "", 550},
		{conn("vasp2", "203.0.113.1"), "reports@vasp2.example", "777@mms.example.net", 0},
		{conn("alice@example.net", "127.0.0.1"), "+15550001111/TYPE=PLMN@anything.example", "+15550001111@mms.example.net", 0},
		{conn("alice@example.net", "127.0.0.1"), "15550001112@mms.example.net", "+15550001112@mms.example.net", 0},
		{conn("alice@example.net", "127.0.0.1"), "+15550009999@mms.example.net", "", 550},
		{conn("alice@example.net", "127.0.0.1"), "12345@mms.example.net", "", 550},
		{conn("vasp1", "203.0.113.1"), "12345@mms.example.net", "12345@mms.example.net", 0},
		{conn("vasp1", "203.0.113.1"), "+15550001111@mms.example.net", "", 550},
		{conn("", "192.0.2.9"), "54321@mms.example.net", "54321@mms.example.net", 0}, // VASP known by address
		{conn("", "192.0.2.10"), "54321@mms.example.net", "", 550},                   // unknown address
		{conn("mallory", "127.0.0.1"), "mallory@example.net", "", 550},
		{&module.MsgMetadata{}, "x@y", "", 530},
	} {
		st, _ := m.ModStateForMsg(context.Background(), tc.meta)
		got, err := st.RewriteSender(context.Background(), tc.from)
		if tc.code == 0 {
			if err != nil || got != tc.want {
				t.Errorf("%s as %q: %q, %v; want %q", tc.from, authUser(tc.meta), got, err, tc.want)
			}
			continue
		}
		var se *exterrors.SMTPError
		if !errors.As(err, &se) || se.Code != tc.code {
			t.Errorf("%s as %q: %q, %v; want %d", tc.from, authUser(tc.meta), got, err, tc.code)
		}
	}
}

// TestSenderBinding: the From and Sender an MM shows are the bound sender,
// whatever the client wrote; generated mail goes to the account's own
// address only.
func TestSenderBinding(t *testing.T) {
	r, err := initRelay(t, routedRelay)
	if err != nil {
		t.Fatal(err)
	}
	m := &modifySender{relay: r}
	for _, tc := range []struct {
		user, from, header, wantFrom, notify string
	}{
		{"alice@example.net", "alice@example.net", "Alice <alice@example.net>", `"Alice" <+15550001111@mms.example.net>`, "+15550001111@mms.example.net"},
		{"carol@example.net", "carol@example.net", "carol@example.net", "<+15550004444@mms.example.net>", "carol@example.net"},
		{"vasp1", "12345", "+15550002222@mms.example.net", "<12345@mms.example.net>", ""},
		{"vasp2", "777", "Bank <ceo@bank.example>", `"Bank" <777@mms.example.net>`, "reports@vasp2.example"},
	} {
		meta := &module.MsgMetadata{Conn: &module.ConnState{AuthUser: tc.user, RemoteAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 1}}}
		st, _ := m.ModStateForMsg(context.Background(), meta)
		if _, err := st.RewriteSender(context.Background(), tc.from); err != nil {
			t.Fatalf("%s: %v", tc.user, err)
		}
		h := textproto.Header{}
		h.Set("From", tc.header)
		h.Set("Sender", "spoof@example.org")
		if err := st.RewriteBody(context.Background(), &h, nil); err != nil {
			t.Fatal(err)
		}
		if got := h.Get("From"); got != tc.wantFrom || h.Has("Sender") {
			t.Errorf("%s: From %q Sender %q; want From %q and no Sender", tc.user, got, h.Get("Sender"), tc.wantFrom)
		}
		acc, err := r.Account(context.Background(), meta)
		if err != nil || acc.Notify != tc.notify {
			t.Errorf("%s: notify %q (%v), want %q", tc.user, acc.Notify, err, tc.notify)
		}
	}
}
