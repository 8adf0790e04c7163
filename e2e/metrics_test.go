// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package e2e

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scrape reads the example's openmetrics endpoint: series (name and
// labels as exported, labels sorted by name) → value.
func (s *server) scrape(t *testing.T) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + s.addr("MMS_METRICS_PORT") + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: HTTP %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("scrape: bad line %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("scrape: bad value in %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("scrape: %v", err)
	}
	return out
}

// waitMetric scrapes until ok holds for the series' value.
func (s *server) waitMetric(t *testing.T, series string, timeout time.Duration, ok func(float64) bool) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		m := s.scrape(t)
		if v, found := m[series]; found && ok(v) {
			return m
		}
		if time.Now().After(deadline) {
			v, found := m[series]
			t.Fatalf("%s: %v (present %v) after %v", series, v, found, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestMetricsScrape: the example's openmetrics endpoint exports the MM4
// counters, and they move with traffic in both directions.
func TestMetricsScrape(t *testing.T) {
	p := newPeer(t)
	s := newServerWith(t, p.port, func(c string) string {
		// The state store's size is published at each sweep.
		return strings.Replace(c, "    response_timeout 1h\n", "    response_timeout 1h\n    timeout_check_interval 1s\n", 1)
	})
	s.start()

	const (
		pending  = `maddy_mms_mm4_requests_pending{relay="mmsc"}`
		inREQ    = `maddy_mms_mm4_received_total{peer="demo",type="MM4_forward.REQ"}`
		inRES    = `maddy_mms_mm4_received_total{peer="demo",type="MM4_forward.RES"}`
		outREQ   = `maddy_mms_mm4_sent_total{peer="demo",type="MM4_forward.REQ"}`
		outRES   = `maddy_mms_mm4_sent_total{peer="demo",type="MM4_forward.RES"}`
		resOk    = `maddy_mms_mm4_responses_received_total{peer="demo",status="Ok",type="MM4_forward.RES"}`
		latency  = `maddy_mms_mm4_response_seconds_count{peer="demo",type="MM4_forward.RES"}`
		queued   = `maddy_mms_mm4_responses_queued_total{peer="demo",status="Ok"}`
		notOurs  = `maddy_mms_mm4_rejected_total{reason="rcpt_not_ours"}`
		rowsReqs = `maddy_mms_state_rows{relay="mmsc",table="requests"}`
	)
	before := s.waitMetric(t, pending, 10*time.Second, func(v float64) bool { return v == 0 })
	for _, series := range []string{inREQ, outREQ, outRES, resOk, latency} {
		if v := before[series]; v != 0 {
			t.Errorf("%s = %v on a fresh server", series, v)
		}
	}

	// A REQ from the peer, answered Ok.
	mustAccept(t, s.sendREQ(req{txID: "tx-metrics-in", msgID: "m-metrics-in", ack: "Yes"}))
	p.waitFor(20*time.Second, 1, "MM4_forward.RES", "tx-metrics-in")
	// A recipient outside our domains on the peer's connection, refused at RCPT.
	foreign := s.send(submission{from: peerSender, rcpts: []string{"someone@elsewhere.example"},
		data: req{txID: "tx-metrics-foreign", msgID: "m", to: "someone@elsewhere.example"}.String()})
	if len(foreign.rcptErrs) != 1 || foreign.rcptErrs[0] == nil {
		t.Errorf("RCPT outside our domains accepted: %+v", foreign)
	}

	// An MM of alice's to the peer: one REQ awaiting its RES.
	tx, mid := aliceSends(t, s, p, "metrics-out")
	mid1 := s.waitMetric(t, pending, 10*time.Second, func(v float64) bool { return v == 1 })

	sendRES(t, s.addr("MMS_MM4_PORT"), "127.0.0.1", nil, res(tx, mid, "Ok", "Message accepted"))
	s.waitMetric(t, pending, 10*time.Second, func(v float64) bool { return v == 0 })
	after := s.waitMetric(t, rowsReqs, 10*time.Second, func(v float64) bool { return v >= 1 })

	for _, c := range []struct {
		series string
		m      map[string]float64
		delta  float64
	}{
		{inREQ, after, 1},
		{outRES, after, 1},
		{queued, after, 1},
		{outREQ, mid1, 1},
		{outREQ, after, 1},
		{inRES, after, 1},
		{resOk, after, 1},
		{latency, after, 1},
		{notOurs, after, 1},
	} {
		if got := c.m[c.series] - before[c.series]; got != c.delta {
			t.Errorf("%s moved by %v, want %v", c.series, got, c.delta)
		}
	}
	if sum := after[`maddy_mms_mm4_response_seconds_sum{peer="demo",type="MM4_forward.RES"}`]; sum <= 0 || sum > 60 {
		t.Errorf("response latency sum %v s", sum)
	}
	if v := after[`maddy_mms_mm4_response_seconds_bucket{peer="demo",type="MM4_forward.RES",le="+Inf"}`]; v != 1 {
		t.Errorf("response latency +Inf bucket %v", v)
	}
	for _, table := range []string{"transactions", "requests", "sent"} {
		series := fmt.Sprintf(`maddy_mms_state_rows{relay="mmsc",table=%q}`, table)
		if v := after[series]; v < 1 {
			t.Errorf("%s = %v after traffic", series, v)
		}
	}
}
