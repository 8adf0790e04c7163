// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/module"
)

func TestRewriteRcpt(t *testing.T) {
	r, err := initRelay(t, relayBase+`
	number_plan {
		country_code 1
		international_prefix 011
		national_prefix 1
		national_length 10
	}`+testPeers)
	if err != nil {
		t.Fatal(err)
	}
	m := &modifyRcpt{relay: r}
	st, _ := m.ModStateForMsg(context.Background(), &module.MsgMetadata{Conn: &module.ConnState{
		RemoteAddr: &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 1}}})
	for _, tc := range []struct {
		in, want string
		code     int
		enh      exterrors.EnhancedCode
	}{
		{"+15550001111/TYPE=PLMN@mms.example.net", "+15550001111@mms.example.net", 0, exterrors.EnhancedCode{}},
		{"+15550001111/type=plmn@mms.example.net", "+15550001111@mms.example.net", 0, exterrors.EnhancedCode{}},
		{"15550001111/TYPE=PLMN@mms2.example.net", "+15550001111@mms.example.net", 0, exterrors.EnhancedCode{}},
		{"15550001111@mms.example.net", "+15550001111@mms.example.net", 0, exterrors.EnhancedCode{}},
		{"5550001111@mms.example.net", "+15550001111@mms.example.net", 0, exterrors.EnhancedCode{}},
		{"1-555-000-1111@mms.example.net", "+15550001111@mms.example.net", 0, exterrors.EnhancedCode{}},
		{"01149170123456@mms.example.net", "+49170123456@mms.example.net", 0, exterrors.EnhancedCode{}},
		{"12345@mms.example.net", "12345@mms.example.net", 0, exterrors.EnhancedCode{}},
		{"12345/TYPE=PLMN@mms.example.net", "12345@mms.example.net", 0, exterrors.EnhancedCode{}},
		{"+15550001111/TYPE=PLMN", "", 553, exterrors.EnhancedCode{5, 1, 3}},
		{"+15550001111@elsewhere.example", "", 550, exterrors.EnhancedCode{5, 7, 1}},
		{"alice@mms.example.net", "", 550, exterrors.EnhancedCode{5, 1, 1}},
		{"+1555\r\nRCPT TO:<x@y>@mms.example.net", "", 553, exterrors.EnhancedCode{5, 1, 3}},
		{"+1234567890123456789@mms.example.net", "", 553, exterrors.EnhancedCode{5, 1, 3}},
		{"", "", 553, exterrors.EnhancedCode{5, 1, 3}},
	} {
		got, err := st.RewriteRcpt(context.Background(), tc.in)
		if tc.code == 0 {
			if err != nil || len(got) != 1 || got[0] != tc.want {
				t.Errorf("RewriteRcpt(%q) = %v, %v; want %q", tc.in, got, err, tc.want)
			}
			continue
		}
		var se *exterrors.SMTPError
		if !errors.As(err, &se) || se.Code != tc.code || se.EnhancedCode != tc.enh || se.ModifierName != "modify.mms_rcpt" {
			t.Errorf("RewriteRcpt(%q) = %v, %v; want %d %v", tc.in, got, err, tc.code, tc.enh)
		}
	}
}

// TestRewriteRcptFromPeer: on a peer's connection a recipient in our
// domains that is no number passes unchanged, for target.mms_deliver to
// name in the response (TS 23.140 §8.4.5); other domains are refused all
// the same, and a peer with unserved_rcpt reject gets the SMTP refusals.
func TestRewriteRcptFromPeer(t *testing.T) {
	r, err := initRelay(t, relayBase+testPeers)
	if err != nil {
		t.Fatal(err)
	}
	m := &modifyRcpt{relay: r}
	state := func(ip string) module.ModifierState {
		st, _ := m.ModStateForMsg(context.Background(), &module.MsgMetadata{Conn: &module.ConnState{
			RemoteAddr: &net.TCPAddr{IP: net.ParseIP(ip), Port: 1}}})
		return st
	}
	for _, tc := range []struct {
		ip, in, want string
		code         int
	}{
		{"127.0.0.1", "postmaster@mms.example.net", "postmaster@mms.example.net", 0},
		{"127.0.0.1", "+1234567890123456789@mms.example.net", "+1234567890123456789@mms.example.net", 0},
		{"127.0.0.1", "+15550001111/TYPE=PLMN@mms.example.net", "+15550001111@mms.example.net", 0},
		{"127.0.0.1", "+15550001111@elsewhere.example", "", 550},
		{"127.0.0.2", "postmaster@mms.example.net", "", 550},
		{"127.0.0.2", "+1234567890123456789@mms.example.net", "", 553},
	} {
		got, err := state(tc.ip).RewriteRcpt(context.Background(), tc.in)
		if tc.code == 0 {
			if err != nil || len(got) != 1 || got[0] != tc.want {
				t.Errorf("from %s: RewriteRcpt(%q) = %v, %v; want %q", tc.ip, tc.in, got, err, tc.want)
			}
			continue
		}
		var se *exterrors.SMTPError
		if !errors.As(err, &se) || se.Code != tc.code {
			t.Errorf("from %s: RewriteRcpt(%q) = %v, %v; want %d", tc.ip, tc.in, got, err, tc.code)
		}
	}
}
