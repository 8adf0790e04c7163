// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/foxcpp/maddy/framework/exterrors"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/internal/state"
)

// Regression tests for the report paths (reports_out.go, reports_tell.go,
// reports.go), each a failure a review found.

type failingPuts struct{ state.Store }

func (failingPuts) PutRequests(context.Context, []state.Request) error {
	return errors.New("database is locked")
}

func withDeliveryReport(h string) string {
	return strings.Replace(h, "X-Mms-Ack-Request: Yes", "X-Mms-Ack-Request: Yes\nX-Mms-Delivery-Report: Yes", 1)
}

func committedWith(f *fakeTarget, needle string) (n int) {
	for _, d := range f.deliveries {
		var b strings.Builder
		for fl := d.hdr.Fields(); fl.Next(); {
			b.WriteString(fl.Key() + ": " + fl.Value() + "\n")
		}
		if d.committed && strings.Contains(b.String(), needle) {
			n++
		}
	}
	return n
}

// A delivery report that cannot be recorded fails the MM (451, nothing
// delivered: the peer sends it again) instead of being lost after the 250.
func TestDeliveryReportNotRecordedFailsTheMM(t *testing.T) {
	f := newDeliverFixture(t)
	f.relay.state = failingPuts{f.relay.state}
	_, err := f.run(t, "127.0.0.1", withDeliveryReport(testREQ), "+15550001111@mms.example.net")
	if err == nil || !exterrors.IsTemporary(err) {
		t.Fatalf("err = %v, want a temporary failure", err)
	}
	for _, d := range f.local.deliveries {
		if d.committed {
			t.Errorf("the MM was delivered though its delivery report could not be recorded")
		}
	}
	if n := committedWith(f.out, "MM4_delivery_report.REQ"); n != 0 {
		t.Errorf("%d reports queued", n)
	}
}

// The same MM processed again (its transaction forgotten) makes the same
// report, which is not sent twice.
func TestDeliveryReportMadeAgainIsNotSentTwice(t *testing.T) {
	f := newDeliverFixture(t)
	hdr := withDeliveryReport(testREQ)
	if stage, err := f.run(t, "127.0.0.1", hdr, "+15550001111@mms.example.net"); err != nil {
		t.Fatalf("%s: %v", stage, err)
	}
	if _, err := f.run(t, "127.0.0.1", strings.Replace(hdr, `"T1"`, `"T1-again"`, 1), "+15550001111@mms.example.net"); err != nil {
		t.Fatal(err)
	}
	if n := committedWith(f.out, "MM4_delivery_report.REQ"); n != 1 {
		t.Errorf("%d delivery reports for one MM to one recipient, want 1", n)
	}
}

// A sender hidden by any X-Mms-Sender-Visibility field is delivered with a
// null envelope sender (no Return-Path).
func TestHiddenSenderNullEnvelope(t *testing.T) {
	f := newDeliverFixture(t)
	hdr := strings.Replace(testREQ, "X-Mms-Ack-Request: Yes",
		"X-Mms-Ack-Request: Yes\nX-Mms-Sender-Visibility: Show\nX-Mms-Sender-Visibility: Hide", 1)
	if stage, err := f.run(t, "127.0.0.1", hdr, "+15550001111@mms.example.net"); err != nil {
		t.Fatalf("%s: %v", stage, err)
	}
	n := 0
	for _, d := range f.local.deliveries {
		if d.committed {
			n++
			if d.from != "" {
				t.Errorf("envelope sender %q kept for a hidden sender", d.from)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d deliveries committed", n)
	}
}

type rejectingTarget struct{ fakeTarget }
type rejectingDelivery struct{ *fakeDelivery }

func (r *rejectingTarget) Start(ctx context.Context, m *module.MsgMetadata, from string) (module.Delivery, error) {
	d, _ := r.fakeTarget.Start(ctx, m, from)
	return rejectingDelivery{d.(*fakeDelivery)}, nil
}

func (rejectingDelivery) AddRcpt(context.Context, string, smtp.RcptOptions) error {
	return &exterrors.SMTPError{Code: 550, EnhancedCode: exterrors.EnhancedCode{5, 1, 2}, Message: "No route for delivery status notifications"}
}

// A DSN that dsn_via refuses for good does not make the peer's report fail
// for ever: the report is recorded and answered.
func TestReportWithUnroutableDSNIsAnswered(t *testing.T) {
	f := newDeliverFixture(t)
	f.relay.tracker.dsnVia = &rejectingTarget{}
	now := time.Now()
	if err := f.relay.state.PutSent(context.Background(), state.SentMM{MessageID: "OURS", Sender: "12345", NotifyTo: "ops@vasp.example",
		DeliveryReport: true, SentAt: now, Expires: now.Add(time.Hour),
		Recipients: []state.SentRecipient{{Number: "+48600000001", Peer: "demo", TransactionID: "tx-out"}}}, nil); err != nil {
		t.Fatal(err)
	}
	rep := "X-Mms-3GPP-MMS-Version: 6.10.0\nX-Mms-Message-Type: MM4_delivery_report.REQ\nX-Mms-Transaction-ID: \"R1\"\n" +
		"X-Mms-Message-ID: \"OURS\"\nX-Mms-Ack-Request: Yes\nX-Mms-MM-Status-Code: Retrieved\n" +
		"From: +48600000001/TYPE=PLMN@mms.peer.example\nTo: 12345/TYPE=PLMN@mms.example.net\nDate: Tue, 01 Jul 2025 10:00:00 +0000\n\n"
	if _, err := f.run(t, "127.0.0.1", rep, "system-user@mms.example.net"); err != nil {
		t.Fatalf("err = %v, want the report answered", err)
	}
	if n := committedWith(f.out, "Code: Ok\n"); n != 1 {
		t.Errorf("%d RES Ok queued, want 1", n)
	}
}

// An MM RFC 4356 refuses (Sensitivity: private) that asked for a delivery
// report gets a Rejected one, even from a peer that asked for no RES.
func TestRefusedMMReportedRejected(t *testing.T) {
	f := newDeliverFixture(t)
	hdr := strings.Replace(withDeliveryReport(testREQ), "X-Mms-Ack-Request: Yes", "X-Mms-Ack-Request: No\nSensitivity: Private", 1)
	if stage, err := f.run(t, "127.0.0.1", hdr, "+15550001111@mms.example.net"); err != nil {
		t.Fatalf("%s: %v", stage, err)
	}
	for _, d := range f.local.deliveries {
		if d.committed {
			t.Errorf("a private MM was delivered")
		}
	}
	if n := committedWith(f.out, ": Rejected\n"); n != 1 {
		t.Errorf("%d Rejected delivery reports, want 1", n)
	}
}
