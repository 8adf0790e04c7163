// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-smtp"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/module"
)

// fakeTarget records deliveries; with partial set it also implements
// module.PartialDelivery, failing the recipients in fail.
type fakeTarget struct {
	fail       map[string]error
	deliveries []*fakeDelivery
}

type fakeDelivery struct {
	t                  *fakeTarget
	from               string
	rcpts              []string
	hdr                textproto.Header
	body               []byte
	committed, aborted bool
}

func (f *fakeTarget) Start(_ context.Context, _ *module.MsgMetadata, from string) (module.Delivery, error) {
	d := &fakeDelivery{t: f, from: from}
	f.deliveries = append(f.deliveries, d)
	return d, nil
}

func (d *fakeDelivery) AddRcpt(_ context.Context, rcpt string, _ smtp.RcptOptions) error {
	d.rcpts = append(d.rcpts, rcpt)
	return nil
}

func (d *fakeDelivery) Body(_ context.Context, h textproto.Header, b buffer.Buffer) error {
	for _, r := range d.rcpts {
		if err := d.t.fail[r]; err != nil {
			return err
		}
	}
	d.hdr = h.Copy()
	rd, _ := b.Open()
	d.body, _ = io.ReadAll(rd)
	return nil
}

func (d *fakeDelivery) BodyNonAtomic(_ context.Context, c module.StatusCollector, h textproto.Header, b buffer.Buffer) {
	d.hdr = h.Copy()
	rd, _ := b.Open()
	d.body, _ = io.ReadAll(rd)
	for _, r := range d.rcpts {
		c.SetStatus(r, d.t.fail[r])
	}
}

func (d *fakeDelivery) Abort(context.Context) error  { d.aborted = true; return nil }
func (d *fakeDelivery) Commit(context.Context) error { d.committed = true; return nil }

type fakeTable map[string]string

func (t fakeTable) Lookup(_ context.Context, k string) (string, bool, error) {
	v, ok := t[k]
	return v, ok, nil
}

type deliverFixture struct {
	relay *Relay
	tgt   *deliverTarget
	local *fakeTarget
	out   *fakeTarget // the peers' send_via
	dsn   *fakeTarget // the relay's dsn_via
}

func newDeliverFixture(t testing.TB) *deliverFixture {
	t.Helper()
	r, err := initRelay(t, relayBase+`
	number_plan {
		country_code 1
		national_length 10
		national_prefix 1
	}`+testPeers)
	if err != nil {
		t.Fatal(err)
	}
	f := &deliverFixture{relay: r, local: &fakeTarget{fail: map[string]error{}}, out: &fakeTarget{}, dsn: &fakeTarget{}}
	for _, p := range r.Peers {
		p.SendVia = f.out
	}
	r.tracker.dsnVia = f.dsn
	r.Subscribers = fakeTable{"+15550001111": "alice@example.net", "+15550002222": "bob@example.net", "+15550003333": "alice@example.net"}
	f.tgt = &deliverTarget{relay: r, next: f.local}
	return f
}

const testREQ = `X-Mms-3GPP-MMS-Version: 5.5.0
X-Mms-Message-Type: MM4_forward.REQ
X-Mms-Transaction-ID: "T1"
X-Mms-Message-ID: "M1"
X-Mms-Ack-Request: Yes
X-Mms-Originator-System: system-user@mms.peer.example
From: +48600000001/TYPE=PLMN@mms.peer.example
To: +15550001111/TYPE=PLMN@mms.example.net
Message-ID: <m1@peer>
Date: Tue, 01 Jul 2025 10:00:00 +0000
Content-Type: text/plain

`

func parseHdr(t *testing.T, s string) textproto.Header {
	t.Helper()
	h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(strings.ReplaceAll(s, "\n", "\r\n"))))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// run drives one SMTP transaction through the target as maddy's pipeline
// does; it returns the first error and the stage it happened at.
func (f *deliverFixture) run(t *testing.T, ip string, hdr string, rcpts ...string) (string, error) {
	t.Helper()
	ctx := context.Background()
	meta := &module.MsgMetadata{ID: "test", Conn: &module.ConnState{RemoteAddr: &net.TCPAddr{IP: net.ParseIP(ip), Port: 1}}}
	d, err := f.tgt.Start(ctx, meta, "sender@peer")
	if err != nil {
		return "start", err
	}
	accepted := 0
	var rcptErr error
	for _, r := range rcpts {
		if err := d.AddRcpt(ctx, r, smtp.RcptOptions{}); err != nil {
			rcptErr = err
			continue
		}
		accepted++
	}
	if accepted == 0 {
		d.Abort(ctx)
		return "rcpt", rcptErr
	}
	body := []byte("hello\r\n")
	if hdr == "" {
		body = nil
	}
	if err := d.Body(ctx, parseHdr(t, hdr), buffer.MemoryBuffer{Slice: body}); err != nil {
		d.Abort(ctx)
		return "body", err
	}
	return "", d.Commit(ctx)
}

func resLines(t *testing.T, d *fakeDelivery) string {
	t.Helper()
	var b bytes.Buffer
	textproto.WriteHeader(&b, d.hdr)
	return strings.ReplaceAll(b.String(), "\r\n ", " ") // unfolded
}

func TestDeliverREQ(t *testing.T) {
	f := newDeliverFixture(t)
	if stage, err := f.run(t, "127.0.0.1", testREQ, "+15550001111@mms.example.net", "15550003333/TYPE=PLMN@mms.example.net"); err != nil {
		t.Fatalf("%s: %v", stage, err)
	}
	if len(f.local.deliveries) != 1 {
		t.Fatalf("%d local deliveries", len(f.local.deliveries))
	}
	ld := f.local.deliveries[0]
	if !ld.committed || strings.Join(ld.rcpts, ",") != "alice@example.net" {
		t.Errorf("local delivery: committed %v, rcpts %v (two numbers, one mailbox: once)", ld.committed, ld.rcpts)
	}
	if ld.hdr.Has("X-Mms-Message-Type") || ld.hdr.Get("From") != "<+48600000001@mms.example.net>" || string(ld.body) != "hello\r\n" {
		t.Errorf("converted MM: From %q, body %q", ld.hdr.Get("From"), ld.body)
	}
	if len(f.out.deliveries) != 1 {
		t.Fatalf("%d RES", len(f.out.deliveries))
	}
	res := f.out.deliveries[0]
	text := resLines(t, res)
	if !res.committed || res.from != "system-user@mms.example.net" || res.rcpts[0] != "system-user@mms.peer.example" ||
		!strings.Contains(text, "X-Mms-Message-Type: MM4_forward.RES\r\n") || !strings.Contains(text, "X-Mms-Transaction-ID: \"T1\"\r\n") ||
		!strings.Contains(text, "X-Mms-Request-Status-Code: Ok\r\n") {
		t.Errorf("RES %s → %v committed=%v:\n%s", res.from, res.rcpts, res.committed, text)
	}

	// The same transaction again: answered, not delivered.
	if stage, err := f.run(t, "127.0.0.1", testREQ, "+15550001111@mms.example.net"); err != nil {
		t.Fatalf("%s: %v", stage, err)
	}
	if d := f.local.deliveries[1]; d.committed || !d.aborted || d.hdr.Len() != 0 {
		t.Errorf("duplicate was delivered: %+v", d)
	}
	if len(f.out.deliveries) != 2 || !f.out.deliveries[1].committed {
		t.Errorf("duplicate not answered")
	}
}

// TestDeliverAnswers: what a peer (or anyone else) gets in each situation,
// at SMTP level and in the response (TS 23.140 §8.4.5).
func TestDeliverAnswers(t *testing.T) {
	noTx := strings.Replace(testREQ, "X-Mms-Transaction-ID: \"T1\"\n", "", 1)
	noMsgID := strings.Replace(testREQ, "X-Mms-Message-ID: \"M1\"\n", "", 1)
	badType := strings.Replace(testREQ, "MM4_forward.REQ", "MM4_bogus.REQ", 1)
	noAck := strings.Replace(testREQ, "X-Mms-Ack-Request: Yes", "X-Mms-Ack-Request: No", 1)
	oddFlag := strings.Replace(testREQ, "X-Mms-Ack-Request: Yes", "X-Mms-Ack-Request: Yes\nX-Mms-Delivery-Report: True", 1)
	plain := "From: bob@internet.example\nTo: +15550001111@mms.example.net\nSubject: hi\n\n"
	for i, tc := range []struct {
		name, ip, hdr string
		rcpts         []string
		stage         string // "" accepted; "rcpt", "body" refused there
		code          int
		status        string // the response's status, "" for none
		text          string // a word of its status text
		delivered     bool
	}{
		{"served", "127.0.0.1", testREQ, []string{"+15550001111@mms.example.net"}, "", 0, "Ok", "", true},
		{"unknown subscriber from a peer", "127.0.0.1", testREQ, []string{"+15559999999@mms.example.net"}, "", 0,
			"Error-sending-address-unresolved", "+15559999999 (unknown subscriber)", false},
		{"served and unknown", "127.0.0.1", testREQ, []string{"+15550001111@mms.example.net", "+15559999999@mms.example.net"}, "", 0,
			"Error-sending-address-unresolved", "delivered to the other 1", true},
		{"not a number from a peer", "127.0.0.1", testREQ, []string{"postmaster@mms.example.net", "+15550001111@mms.example.net"}, "", 0,
			"Error-sending-address-unresolved", "postmaster@mms.example.net (not an MMS number)", true},
		{"unknown subscriber, no response asked", "127.0.0.1", noAck, []string{"+15559999999@mms.example.net"}, "", 0, "", "", false},
		{"unknown subscriber from a strict peer", "127.0.0.2", testREQ, []string{"+15559999999@mms.example.net"}, "rcpt", 550, "", "", false},
		{"unknown subscriber from a non-peer", "192.0.2.1", plain, []string{"+15559999999@mms.example.net"}, "rcpt", 550, "", "", false},
		{"other domain from a peer", "127.0.0.1", testREQ, []string{"+15550001111@other.example"}, "rcpt", 550, "", "", false},
		{"unknown peer", "192.0.2.1", testREQ, []string{"+15550001111@mms.example.net"}, "body", 550, "", "", false},
		{"no transaction ID", "127.0.0.1", noTx, []string{"+15550001111@mms.example.net"}, "body", 554, "", "", false},
		{"unknown type", "127.0.0.1", badType, []string{"+15550001111@mms.example.net"}, "body", 554, "", "", false},
		{"no message ID", "127.0.0.1", noMsgID, []string{"+15550001111@mms.example.net"}, "", 0,
			"Error-message-format-corrupt", "X-Mms-Message-ID", false},
		{"odd optional value", "127.0.0.1", oddFlag, []string{"+15550001111@mms.example.net"}, "", 0, "Ok", "", true},
		{"plain mail from a peer, recipient unknown", "127.0.0.1", plain, []string{"+15550001111@mms.example.net", "+15559999999@mms.example.net"},
			"body", 550, "", "", false},
		{"plain mail from anyone", "192.0.2.1", plain, []string{"+15550001111@mms.example.net"}, "", 0, "", "", true},
	} {
		f := newDeliverFixture(t)
		hdr := strings.Replace(tc.hdr, `"T1"`, fmt.Sprintf(`"T-%d"`, i), 1)
		stage, err := f.run(t, tc.ip, hdr, tc.rcpts...)
		if stage != tc.stage {
			t.Errorf("%s: refused at %q (%v), want %q", tc.name, stage, err, tc.stage)
			continue
		}
		var se *exterrors.SMTPError
		if tc.stage != "" && (!errors.As(err, &se) || se.Code != tc.code) {
			t.Errorf("%s: %v, want %d", tc.name, err, tc.code)
		}
		delivered := false
		for _, d := range f.local.deliveries {
			delivered = delivered || d.committed
		}
		if delivered != tc.delivered {
			t.Errorf("%s: delivered %v, want %v", tc.name, delivered, tc.delivered)
		}
		switch {
		case tc.status == "" && len(f.out.deliveries) != 0:
			t.Errorf("%s: a response was sent:\n%s", tc.name, resLines(t, f.out.deliveries[0]))
		case tc.status != "" && len(f.out.deliveries) != 1:
			t.Errorf("%s: %d responses, want 1", tc.name, len(f.out.deliveries))
		case tc.status != "":
			text := resLines(t, f.out.deliveries[0])
			if !strings.Contains(text, "X-Mms-Request-Status-Code: "+tc.status+"\r\n") || !strings.Contains(text, tc.text) ||
				!strings.Contains(text, "From: system-user@mms.example.net\r\n") {
				t.Errorf("%s: response\n%s\nwant status %s naming %q", tc.name, text, tc.status, tc.text)
			}
		}
	}
}

func TestDeliverPartialFailure(t *testing.T) {
	f := newDeliverFixture(t)
	f.local.fail["bob@example.net"] = exterrors.WithTemporary(errors.New("disk full"), true)
	if stage, err := f.run(t, "127.0.0.1", testREQ, "+15550001111@mms.example.net", "+15550002222@mms.example.net"); err != nil {
		t.Fatalf("%s: %v", stage, err)
	}
	text := resLines(t, f.out.deliveries[0])
	if !strings.Contains(text, "X-Mms-Request-Status-Code: Error-network-problem") || !strings.Contains(text, "+15550002222") ||
		strings.Contains(text, "Not delivered to +15550001111") {
		t.Errorf("partial failure RES:\n%s", text)
	}

	// Two numbers share the failed mailbox: both are named.
	f.local.fail = map[string]error{"alice@example.net": exterrors.WithTemporary(errors.New("quota"), false)}
	req3 := strings.Replace(testREQ, `"T1"`, `"T3"`, 1)
	if stage, err := f.run(t, "127.0.0.1", req3, "+15550001111@mms.example.net", "+15550003333@mms.example.net", "+15550002222@mms.example.net"); err != nil {
		t.Fatalf("%s: %v", stage, err)
	}
	text = resLines(t, f.out.deliveries[1])
	if !strings.Contains(text, "X-Mms-Request-Status-Code: Error-unspecified") ||
		!strings.Contains(text, "Not delivered to +15550001111 (mailbox unavailable), +15550003333 (mailbox unavailable); delivered to the other 1 recipient(s)") {
		t.Errorf("shared-mailbox failure RES:\n%s", text)
	}
	f.local.fail = map[string]error{"bob@example.net": errors.New("x")}

	// Every recipient failed: the SMTP client gets the error, no RES, and
	// the transaction can be retried (it is not remembered).
	f.local.fail["alice@example.net"] = errors.New("broken")
	req := strings.Replace(testREQ, `"T1"`, `"T2"`, 1)
	if stage, err := f.run(t, "127.0.0.1", req, "+15550001111@mms.example.net", "+15550002222@mms.example.net"); stage != "body" || err == nil {
		t.Fatalf("total failure: %s %v", stage, err)
	}
	if len(f.out.deliveries) != 2 {
		t.Errorf("total failure produced a RES")
	}
	delete(f.local.fail, "alice@example.net")
	delete(f.local.fail, "bob@example.net")
	if stage, err := f.run(t, "127.0.0.1", req, "+15550001111@mms.example.net"); err != nil {
		t.Fatalf("retry after failure: %s %v", stage, err)
	}
	if d := f.local.deliveries[len(f.local.deliveries)-1]; !d.committed {
		t.Errorf("retry after failure not delivered")
	}
}

func TestDeliverForgedOriginatorAndResponses(t *testing.T) {
	f := newDeliverFixture(t)
	forged := strings.Replace(testREQ, "X-Mms-Originator-System: system-user@mms.peer.example", "X-Mms-Originator-System: victim@third.example", 1)
	if _, err := f.run(t, "127.0.0.1", forged, "+15550001111@mms.example.net"); err != nil {
		t.Fatal(err)
	}
	if r := f.out.deliveries[0].rcpts; len(r) != 1 || r[0] != "system-user@mms.peer.example" {
		t.Errorf("RES for a forged originator system went to %v", r)
	}

	// An inbound RES is accepted and dropped: nothing delivered, nothing sent.
	res := "X-Mms-3GPP-MMS-Version: 6.10.0\nX-Mms-Message-Type: MM4_forward.RES\nX-Mms-Transaction-ID: x\nX-Mms-Message-ID: y\nX-Mms-Request-Status-Code: Ok\n\n"
	if _, err := f.run(t, "127.0.0.1", res, "+15550001111@mms.example.net"); err != nil {
		t.Fatal(err)
	}
	if d := f.local.deliveries[1]; d.committed || len(f.out.deliveries) != 1 {
		t.Errorf("inbound RES delivered or answered")
	}

	// An empty DATA (keep-alive) is accepted and not delivered.
	if _, err := f.run(t, "127.0.0.1", "", "+15550001111@mms.example.net"); err != nil {
		t.Fatal(err)
	}
	if d := f.local.deliveries[2]; d.committed || !d.aborted {
		t.Errorf("empty message delivered")
	}

	// Plain Internet mail is delivered unchanged.
	plain := "From: bob@internet.example\nTo: +15550001111@mms.example.net\nSubject: hi\n\n"
	if _, err := f.run(t, "192.0.2.1", plain, "+15550001111@mms.example.net"); err != nil {
		t.Fatal(err)
	}
	if d := f.local.deliveries[3]; !d.committed || d.hdr.Get("From") != "bob@internet.example" {
		t.Errorf("plain mail: %+v", d)
	}
}

// TestDeliverManyFailures: however many recipients fail, the status text
// names a bounded list and the RES is sent.
func TestDeliverManyFailures(t *testing.T) {
	f := newDeliverFixture(t)
	subs := fakeTable{"+15550001111": "alice@example.net"}
	rcpts := []string{"+15550001111@mms.example.net"}
	for i := 0; i < 400; i++ {
		n := fmt.Sprintf("+1555100%04d", i)
		subs[n] = fmt.Sprintf("u%d@example.net", i)
		f.local.fail[subs[n]] = errors.New("quota")
		rcpts = append(rcpts, n+"@mms.example.net")
	}
	f.relay.Subscribers = subs
	if stage, err := f.run(t, "127.0.0.1", testREQ, rcpts...); err != nil {
		t.Fatalf("%s: %v", stage, err)
	}
	if len(f.out.deliveries) != 1 || !f.out.deliveries[0].committed {
		t.Fatalf("no RES")
	}
	text := resLines(t, f.out.deliveries[0])
	if !strings.Contains(text, "X-Mms-Request-Status-Code: Error-network-problem") || !strings.Contains(text, " more;") || len(text) > 2000 {
		t.Errorf("RES (%d bytes):\n%s", len(text), text)
	}
}
