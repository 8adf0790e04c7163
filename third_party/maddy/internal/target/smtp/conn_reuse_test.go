package smtp_downstream

import (
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/foxcpp/maddy/framework/config"
	"github.com/foxcpp/maddy/internal/testutils"
)

func reuseDownstream(t *testing.T, limit int, idle time.Duration) *Downstream {
	mod := &Downstream{
		hostname:    "mx.example.invalid",
		endpoints:   []config.Endpoint{{Scheme: "tcp", Host: "127.0.0.1", Port: testPort}},
		log:         testutils.Logger(t, "target.smtp"),
		reuseLimit:  limit,
		connMaxIdle: idle,
	}
	if limit > 1 {
		mod.idle = make(chan idleConn, 64)
	}
	return mod
}

// TestDownstreamDelivery_ConnReuse: with conn_reuse_limit, sequential
// deliveries share connections (RSET between them) up to the limit.
func TestDownstreamDelivery_ConnReuse(t *testing.T) {
	for _, tc := range []struct {
		limit, msgs, sessions int
	}{
		{0, 5, 5}, // off: one connection per message, as before
		{1, 3, 3},
		{3, 5, 2},
		{10, 5, 1},
	} {
		be, srv := testutils.SMTPServer(t, "127.0.0.1:"+testPort)
		mod := reuseDownstream(t, tc.limit, time.Minute)
		for i := 0; i < tc.msgs; i++ {
			testutils.DoTestDelivery(t, mod, "test@example.invalid", []string{"rcpt@example.invalid"})
		}
		mod.Close()
		if len(be.Messages) != tc.msgs || be.SessionCounter != tc.sessions {
			t.Errorf("limit %d: %d messages over %d connections, want %d over %d",
				tc.limit, len(be.Messages), be.SessionCounter, tc.msgs, tc.sessions)
		}
		for i := range be.Messages {
			be.CheckMsg(t, i, "test@example.invalid", []string{"rcpt@example.invalid"})
		}
		srv.Close()
		testutils.CheckSMTPConnLeak(t, srv)
	}
}

// A connection that saw an error, or idled too long, is not reused.
func TestDownstreamDelivery_ConnReuseNotAfterError(t *testing.T) {
	be, srv := testutils.SMTPServer(t, "127.0.0.1:"+testPort)
	defer srv.Close()
	mod := reuseDownstream(t, 10, time.Minute)
	defer mod.Close()

	testutils.DoTestDelivery(t, mod, "test@example.invalid", []string{"rcpt@example.invalid"})
	be.RcptErr = map[string]error{"bad@example.invalid": &smtp.SMTPError{Code: 550, Message: "no"}}
	if _, err := testutils.DoTestDeliveryErr(t, mod, "test@example.invalid", []string{"bad@example.invalid"}); err == nil {
		t.Fatal("no error for a refused recipient")
	}
	be.RcptErr = nil
	testutils.DoTestDelivery(t, mod, "test@example.invalid", []string{"rcpt@example.invalid"})
	if be.SessionCounter != 2 {
		t.Errorf("%d connections, want 2 (the one that saw an error closed)", be.SessionCounter)
	}

	idle := reuseDownstream(t, 10, time.Nanosecond)
	defer idle.Close()
	before := be.SessionCounter
	testutils.DoTestDelivery(t, idle, "test@example.invalid", []string{"rcpt@example.invalid"})
	time.Sleep(time.Millisecond)
	testutils.DoTestDelivery(t, idle, "test@example.invalid", []string{"rcpt@example.invalid"})
	if n := be.SessionCounter - before; n != 2 {
		t.Errorf("%d connections after an idle time over conn_max_idle_time, want 2", n)
	}
}
