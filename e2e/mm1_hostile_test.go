// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package e2e

// Hostile handsets against the mm1 endpoint: garbage, truncated and huge
// PDUs, PDUs of every type, wrong methods and media types, other
// subscribers' IDs and transactions, many recipients. Nothing may answer
// 500, panic, hang, or reach the peer that should not.

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maddy-mms/maddy-mms/mmsmap/mm1"
)

// hpost POSTs body as user with the given Content-Type.
func hpost(t *testing.T, c *http.Client, url, user, pass, ct string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func hget(t *testing.T, c *http.Client, method, url, user, pass string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

const pduType = "application/vnd.wap.mms-message"

func TestMM1Hostile(t *testing.T) {
	p := newPeer(t)
	push := newPushGateway(t)
	s := newServerWith(t, p.port, func(c string) string {
		return strings.NewReplacer(
			"#   push_url http://127.0.0.1:13013/mms-push", "push_url "+push.url,
			"check_interval 1m", "check_interval 1s",
		).Replace(c)
	})
	s.start()
	defer s.stop()
	url := "http://" + s.addr("MMS_MM1_PORT") + "/mms"
	c := &http.Client{Timeout: 60 * time.Second}
	const alice, alicePw, bob, bobPw = "alice@example.net", "alice-password", "bob@example.net", "bob-password"

	noServerError := func(t *testing.T, what string, code int, body []byte) {
		t.Helper()
		if code >= 500 {
			t.Errorf("%s: HTTP %d %q", what, code, clipBytes(body))
		}
	}

	t.Run("garbage and truncated PDUs", func(t *testing.T) {
		good := sendReq(t, "tx-trunc", "", "truncated", "+15557654321/TYPE=PLMN")
		rng := rand.New(rand.NewSource(1))
		bodies := [][]byte{nil, {0x8c}, {0x8c, 0x80}, {0xff, 0xff, 0xff}, bytes.Repeat([]byte{0x8c}, 1000)}
		for i := 0; i < 50; i++ {
			b := make([]byte, rng.Intn(300))
			rng.Read(b)
			bodies = append(bodies, b)
		}
		for n := 1; n < len(good); n += 1 + len(good)/60 {
			bodies = append(bodies, good[:n])
		}
		for i := 0; i < 40; i++ { // flipped octets
			b := append([]byte(nil), good...)
			b[rng.Intn(len(b))] ^= byte(1 + rng.Intn(255))
			bodies = append(bodies, b)
		}
		for _, b := range bodies {
			code, body := hpost(t, c, url, alice, alicePw, pduType, b)
			noServerError(t, fmt.Sprintf("%x", clipBytes(b)), code, body)
		}
	})

	t.Run("huge PDU", func(t *testing.T) {
		code, body := hpost(t, c, url, alice, alicePw, pduType, bytes.Repeat([]byte{0x8c, 0x80}, 3<<20))
		if code != 200 {
			t.Fatalf("HTTP %d", code)
		}
		if st, _ := sendConf(t, body); st != "Error-permanent-content-not-accepted" {
			t.Errorf("status %q", st)
		}
	})

	t.Run("methods, media types, credentials", func(t *testing.T) {
		pdu := sendReq(t, "tx-m", "", "methods", "+15557654321/TYPE=PLMN")
		for _, ct := range []string{"", "text/plain", "application/vnd.wap.mms-message-x", "multipart/form-data"} {
			if code, _ := hpost(t, c, url, alice, alicePw, ct, pdu); code != 415 {
				t.Errorf("Content-Type %q: HTTP %d", ct, code)
			}
		}
		if code, _ := hpost(t, c, url, alice, alicePw, "Application/Vnd.WAP.MMS-Message; charset=x", simpleIndication(t, mm1.MNotifyRespInd, "none")); code != 204 {
			t.Errorf("Content-Type in other case with a parameter: HTTP %d", code)
		}
		if code, _ := hpost(t, c, url, "", "", pduType, pdu); code != 401 {
			t.Errorf("no credentials: HTTP %d", code)
		}
		if code, _ := hpost(t, c, url, alice, "wrong", pduType, pdu); code != 401 {
			t.Errorf("wrong password: HTTP %d", code)
		}
		if !strings.Contains(s.log.String(), "MM1 authentication failed") || strings.Contains(s.log.String(), "wrong") && strings.Contains(s.log.String(), `"wrong"`) {
			t.Errorf("authentication failure not logged, or the password logged")
		}
		for _, m := range []string{"PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"} {
			if code, _ := hget(t, c, m, url, alice, alicePw); code != 405 {
				t.Errorf("%s: HTTP %d", m, code)
			}
		}
	})

	t.Run("PDUs of every type", func(t *testing.T) {
		for typ := 0x80; typ <= 0x9f; typ++ {
			b := simpleIndication(t, mm1.Token(typ), fmt.Sprintf("tx-type-%x", typ))
			code, body := hpost(t, c, url, alice, alicePw, pduType, b)
			noServerError(t, fmt.Sprintf("type 0x%02x", typ), code, body)
		}
	})

	t.Run("GET of random IDs and odd paths", func(t *testing.T) {
		for _, path := range []string{"/mms/", "/mms/0123456789abcdef0123456789abcdef", "/mms/../../../etc/passwd",
			"/mms/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/mms/..", "/mms/" + strings.Repeat("a", 5000), "/mms/ABC", "/mms/a%00b",
			"//mms//", "/mms/../mm1/0123"} {
			code, body := hget(t, c, http.MethodGet, "http://"+s.addr("MMS_MM1_PORT")+path, bob, bobPw)
			if code != 404 && code != 400 && code != 431 {
				t.Errorf("GET %s: HTTP %d %q", path, code, clipBytes(body))
			}
		}
	})

	t.Run("hostile M-send.req", func(t *testing.T) {
		// alice naming bob's number as From.
		code, body := hpost(t, c, url, alice, alicePw, pduType, sendReq(t, "tx-spoof", "+15550007777/TYPE=PLMN", "spoofed-bob", "+15557654321/TYPE=PLMN"))
		if code != 200 {
			t.Fatalf("HTTP %d", code)
		}
		if st, _ := sendConf(t, body); st != "Error-permanent-service-denied" {
			t.Errorf("From bob's number: %q", st)
		}
		// Huge subject.
		code, body = hpost(t, c, url, alice, alicePw, pduType, sendReq(t, "tx-subj", "", strings.Repeat("S", 200000), "+15557654321/TYPE=PLMN"))
		noServerError(t, "huge subject", code, body)
		// Many recipients.
		var to []string
		for i := 0; i < 3000; i++ {
			to = append(to, fmt.Sprintf("+4860%07d/TYPE=PLMN", i))
		}
		start := time.Now()
		code, body = hpost(t, c, url, alice, alicePw, pduType, sendReq(t, "tx-many", "", "many-rcpts", to...))
		noServerError(t, "3000 recipients", code, body)
		if code == 200 {
			st, _ := sendConf(t, body)
			t.Logf("3000 recipients: %s in %v", st, time.Since(start))
		}
		// Recipients that are no MMS address, our own domain's non-numbers.
		code, body = hpost(t, c, url, alice, alicePw, pduType, sendReq(t, "tx-odd", "", "odd-rcpts", "nobody@mms.example.net", "???", "+/TYPE=PLMN"))
		noServerError(t, "odd recipients", code, body)
	})

	time.Sleep(2 * time.Second)
	if len(p.find("spoofed-bob")) != 0 {
		t.Errorf("the spoofed MM reached the peer")
	}
	if strings.Contains(s.log.String(), "panic") {
		t.Errorf("panic in the log:\n%s", s.log)
	}
}

// TestMM1HostileSettle: other subscribers' transactions, and concurrent
// answers for one MM, which is reported once.
func TestMM1HostileSettle(t *testing.T) {
	p := newPeer(t)
	push := newPushGateway(t)
	s := newServerWith(t, p.port, func(c string) string {
		return strings.NewReplacer(
			"#   push_url http://127.0.0.1:13013/mms-push", "push_url "+push.url,
			"check_interval 1m", "check_interval 1s",
		).Replace(c)
	})
	s.start()
	defer s.stop()
	url := "http://" + s.addr("MMS_MM1_PORT") + "/mms"
	c := &http.Client{Timeout: 60 * time.Second}
	const alice, alicePw, bob, bobPw = "alice@example.net", "alice-password", "bob@example.net", "bob-password"

	mm := strings.NewReplacer("X-Mms-Delivery-Report: No", "X-Mms-Delivery-Report: Yes").
		Replace(req{txID: "hs-tx-1", msgID: "hs-mm-1", ack: "Yes", to: "+15550007777/TYPE=PLMN@mms.example.net",
			subject: "hostile-settle"}.String())
	mustAccept(t, s.send(submission{from: peerSender, rcpts: []string{"+15550007777/TYPE=PLMN@mms.example.net"}, data: mm}))
	n := push.waitFor(t, "+15550007777", "hostile-settle")
	v, _ := n.Field(mm1.FieldContentLocation)
	loc := string(v.(mm1.Text))

	// alice answers bob's notification: nothing happens.
	for _, st := range []mm1.Token{0x81, 0x82} {
		if code, _ := hpost(t, c, url, alice, alicePw, pduType, simpleIndication(t, mm1.MNotifyRespInd, n.TransactionID(),
			hdr(mm1.FieldStatus, st))); code != 204 {
			t.Errorf("alice's M-NotifyResp.ind: HTTP %d", code)
		}
	}
	if code, _ := hpost(t, c, url, alice, alicePw, pduType, simpleIndication(t, mm1.MAcknowledgeInd, n.TransactionID())); code != 204 {
		t.Errorf("alice's M-Acknowledge.ind: HTTP %d", code)
	}
	if code, _ := hget(t, c, http.MethodGet, loc, alice, alicePw); code != 404 {
		t.Errorf("alice GETs bob's MM: HTTP %d", code)
	}
	if code, b := hget(t, c, http.MethodHead, loc, bob, bobPw); code != 200 || len(b) != 0 {
		t.Errorf("bob HEADs his MM: HTTP %d, %d octets", code, len(b))
	}
	// Two GETs at once, then the answers at once.
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, _ := hget(t, c, http.MethodGet, loc, bob, bobPw); code != 200 {
				t.Errorf("bob GETs his MM: HTTP %d", code)
			}
		}()
	}
	wg.Wait()
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			pdu := simpleIndication(t, mm1.MNotifyRespInd, n.TransactionID(), hdr(mm1.FieldStatus, mm1.Token(0x81)))
			if i%2 == 1 {
				pdu = simpleIndication(t, mm1.MAcknowledgeInd, n.TransactionID())
			}
			if code, _ := hpost(t, c, url, bob, bobPw, pduType, pdu); code != 204 {
				t.Errorf("bob's answer: HTTP %d", code)
			}
		}(i)
	}
	wg.Wait()
	p.waitFor(20*time.Second, 1, "MM4_delivery_report.REQ", "hs-mm-1")
	time.Sleep(3 * time.Second)
	if got := p.find("MM4_delivery_report.REQ", "hs-mm-1"); len(got) != 1 {
		t.Errorf("%d delivery reports for one MM", len(got))
	}
	if code, _ := hget(t, c, http.MethodGet, loc, bob, bobPw); code != 404 {
		t.Errorf("a settled MM is still served: HTTP %d", code)
	}
	if strings.Contains(s.log.String(), "panic") {
		t.Errorf("panic in the log:\n%s", s.log)
	}
}

func clipBytes(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}
