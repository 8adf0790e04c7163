// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maddy-mms/maddy-mms/mmsmap/mm1"
)

// MM1 on the real binary with the example configuration: a handset
// (curl) sends MMs with M-send.req and fetches what arrived by MM4, as
// OMA-MMS-ENC §6 describes; notifications reach a push gateway stand-in.

// pushGateway is a WAP push gateway stand-in: it keeps what is POSTed.
type pushGateway struct {
	mu    sync.Mutex
	got   []pushed
	url   string
	close func()
}

type pushed struct {
	to  string
	pdu []byte
}

func newPushGateway(t *testing.T) *pushGateway {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &pushGateway{url: "http://" + l.Addr().String() + "/push"}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("Content-Type") != "application/vnd.wap.mms-message" {
			http.Error(w, "bad type", 415)
			return
		}
		g.mu.Lock()
		g.got = append(g.got, pushed{to: r.URL.Query().Get("to"), pdu: b})
		g.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return g
}

// waitFor returns the first notification for number whose PDU contains
// needle.
func (g *pushGateway) waitFor(t *testing.T, number, needle string) *mm1.PDU {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		g.mu.Lock()
		for _, p := range g.got {
			if p.to == number && bytes.Contains(p.pdu, []byte(needle)) {
				g.mu.Unlock()
				pdu, err := mm1.Decode(p.pdu)
				if err != nil {
					t.Fatalf("the notification does not decode: %v", err)
				}
				return pdu
			}
		}
		g.mu.Unlock()
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no notification for %s holding %q", number, needle)
	return nil
}

// curl runs curl against the MM1 endpoint and returns the HTTP status and
// the body.
func curl(t *testing.T, args ...string) (int, []byte) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command("curl", append([]string{"-sS", "-o", out, "-w", "%{http_code}", "--max-time", "30"}, args...)...)
	code, err := cmd.Output()
	if err != nil {
		t.Fatalf("curl %q: %v", args, err)
	}
	body, _ := os.ReadFile(out)
	var status int
	fmt.Sscan(string(code), &status)
	return status, body
}

// postPDU POSTs a PDU as a handset does.
func postPDU(t *testing.T, url, user string, pdu []byte) (int, []byte) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "pdu")
	if err := os.WriteFile(f, pdu, 0o600); err != nil {
		t.Fatal(err)
	}
	return curl(t, "-u", user, "-H", "Content-Type: application/vnd.wap.mms-message", "--data-binary", "@"+f, url)
}

func hdr(field byte, v mm1.Value) mm1.Header {
	return mm1.Header{Field: field, Name: mm1.FieldName(field), Value: v}
}

// sendReq builds an M-send.req with a SMIL presentation, a text and an
// image, as handsets send it.
func sendReq(t *testing.T, tx, from, subject string, to ...string) []byte {
	t.Helper()
	p := &mm1.PDU{Headers: []mm1.Header{
		hdr(mm1.FieldMessageType, mm1.MSendReq),
		hdr(mm1.FieldTransactionID, mm1.Text(tx)),
		hdr(mm1.FieldMMSVersion, mm1.Version12),
	}}
	if from == "" {
		p.Headers = append(p.Headers, hdr(mm1.FieldFrom, mm1.From{Insert: true}))
	} else {
		p.Headers = append(p.Headers, hdr(mm1.FieldFrom, mm1.From{Address: mm1.EncodedString{Text: from}}))
	}
	for _, a := range to {
		p.Headers = append(p.Headers, hdr(mm1.FieldTo, mm1.EncodedString{Text: a}))
	}
	p.Headers = append(p.Headers,
		hdr(mm1.FieldSubject, mm1.EncodedString{Charset: 106, Text: subject}),
		hdr(mm1.FieldContentType, mm1.ContentType{MediaType: "application/vnd.wap.multipart.related",
			Params: []mm1.Param{{Name: "type", Value: mm1.Text("application/smil")}, {Name: "start", Value: mm1.Text("<smil>")}}}))
	p.Parts = []mm1.Part{
		{ContentType: mm1.ContentType{MediaType: "application/smil"},
			Headers: []mm1.Header{{Field: 0xC0, Name: "Content-ID", Value: mm1.Text("<smil>")}},
			Data:    []byte(`<smil><body><par dur="5s"><img src="cid:img"/><text src="cid:txt"/></par></body></smil>`)},
		{ContentType: mm1.ContentType{MediaType: "text/plain", Params: []mm1.Param{{Name: "charset", Value: mm1.Integer(106)}}},
			Headers: []mm1.Header{{Field: 0xC0, Name: "Content-ID", Value: mm1.Text("<txt>")}},
			Data:    []byte("Hello from a handset, " + subject)},
		{ContentType: mm1.ContentType{MediaType: "image/gif"},
			Headers: []mm1.Header{{Field: 0xC0, Name: "Content-ID", Value: mm1.Text("<img>")}},
			Data:    []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")},
	}
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sendConf decodes an M-send.conf and returns its status name and
// Message-ID.
func sendConf(t *testing.T, body []byte) (status, msgID string) {
	t.Helper()
	p, err := mm1.Decode(body)
	if err != nil {
		t.Fatalf("the answer is no PDU: %v (%q)", err, body)
	}
	if p.MessageType() != mm1.MSendConf {
		t.Fatalf("the answer is no M-send.conf: %v", p.Headers)
	}
	for _, h := range p.Headers {
		switch h.Field {
		case mm1.FieldResponseStatus:
			status = strings.TrimPrefix(h.String(), h.Name+": ")
		case mm1.FieldMessageID:
			msgID = string(h.Value.(mm1.Text))
		}
	}
	return status, msgID
}

func simpleIndication(t *testing.T, typ mm1.Token, tx string, extra ...mm1.Header) []byte {
	t.Helper()
	p := &mm1.PDU{Headers: append([]mm1.Header{
		hdr(mm1.FieldMessageType, typ),
		hdr(mm1.FieldTransactionID, mm1.Text(tx)),
		hdr(mm1.FieldMMSVersion, mm1.Version12),
	}, extra...)}
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMM1(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed (the README's test command installs it)")
	}
	p := newPeer(t)
	push := newPushGateway(t)
	s := newServerWith(t, p.port, func(c string) string {
		return strings.NewReplacer(
			"#   push_url http://127.0.0.1:13013/mms-push", "push_url "+push.url,
			"check_interval 1m", "check_interval 1s",
		).Replace(c)
	})
	s.start()
	url := "http://" + s.addr("MMS_MM1_PORT") + "/mms"
	const aliceLogin, bobLogin = "alice@example.net:alice-password", "bob@example.net:bob-password"

	t.Run("M-send.req to alice's own number reaches her mailbox", func(t *testing.T) {
		code, body := postPDU(t, url, aliceLogin, sendReq(t, "tx-local-1", "", "mm1-to-self", "+15550001111/TYPE=PLMN"))
		if code != 200 {
			t.Fatalf("HTTP %d: %q", code, body)
		}
		if status, id := sendConf(t, body); status != "Ok" || id == "" {
			t.Fatalf("M-send.conf: status %q, Message-ID %q", status, id)
		}
		m := s.waitAlice(t, 20*time.Second, "mm1-to-self", "Hello from a handset")
		if !strings.Contains(unfold(m), "+15550001111") {
			t.Errorf("the sender is not alice's number:\n%s", m)
		}
		if d := pythonCheck(t, m)["defects"].([]any); len(d) != 0 {
			t.Errorf("Python's email parser: %v", d)
		}
	})

	t.Run("M-send.req to a peer's number becomes an MM4_forward.REQ", func(t *testing.T) {
		code, body := postPDU(t, url, aliceLogin, sendReq(t, "tx-peer-1", "+15550001111/TYPE=PLMN", "mm1-to-peer", "+15557654321/TYPE=PLMN"))
		status, id := sendConf(t, body)
		if code != 200 || status != "Ok" || id == "" {
			t.Fatalf("HTTP %d, M-send.conf status %q, Message-ID %q", code, status, id)
		}
		got := p.waitFor(20*time.Second, 1, "MM4_forward.REQ", "mm1-to-peer")
		m, _ := parseREQ(t, got[0].data)
		if m.MessageID != id {
			t.Errorf("X-Mms-Message-ID %q, M-send.conf said %q", m.MessageID, id)
		}
		if !strings.Contains(m.From, "+15550001111") || len(got[0].rcpts) != 1 || !strings.Contains(got[0].rcpts[0], "+15557654321") {
			t.Errorf("REQ From %q, RCPT %q", m.From, got[0].rcpts)
		}
		if !bytes.Contains(got[0].data, []byte("application/smil")) || !bytes.Contains(got[0].data, []byte("multipart/related")) {
			t.Errorf("the REQ lost the SMIL presentation:\n%s", got[0].data)
		}
	})

	t.Run("wrong password is 401", func(t *testing.T) {
		code, _ := postPDU(t, url, "alice@example.net:wrong", sendReq(t, "tx-401", "", "never", "+15557654321/TYPE=PLMN"))
		if code != 401 {
			t.Errorf("HTTP %d, want 401", code)
		}
		if code, _ := curl(t, url+"/0123456789abcdef0123456789abcdef"); code != 401 {
			t.Errorf("GET without credentials: HTTP %d, want 401", code)
		}
	})

	t.Run("sending as another number is refused in the M-send.conf", func(t *testing.T) {
		code, body := postPDU(t, url, aliceLogin, sendReq(t, "tx-spoof", "+15559999999/TYPE=PLMN", "spoofed", "+15557654321/TYPE=PLMN"))
		status, id := sendConf(t, body)
		if code != 200 || !strings.HasPrefix(status, "Error-") || id != "" {
			t.Errorf("HTTP %d, status %q, Message-ID %q: want an Error-* status", code, status, id)
		}
		if len(p.find("spoofed")) != 0 {
			t.Errorf("the spoofed MM reached the peer")
		}
	})

	t.Run("a corrupt PDU gets Error-message-format-corrupt", func(t *testing.T) {
		pdu := sendReq(t, "tx-bad", "", "bad", "+15557654321/TYPE=PLMN")
		code, body := postPDU(t, url, aliceLogin, pdu[:len(pdu)/3])
		status, _ := sendConf(t, body)
		if code != 200 || status != "Error-message-format-corrupt" {
			t.Errorf("HTTP %d, status %q", code, status)
		}
	})

	// An MM from the demo peer for bob, who reads MMs on a handset only,
	// asking for a delivery report: notification → GET → M-NotifyResp.ind
	// → MM4_delivery_report.REQ Retrieved, only then.
	t.Run("MM4 to a handset: notification, retrieval, delivery report", func(t *testing.T) {
		mm := strings.NewReplacer("X-Mms-Delivery-Report: No", "X-Mms-Delivery-Report: Yes").
			Replace(req{txID: "h-tx-1", msgID: "h-mm-1", ack: "Yes", to: "+15550007777/TYPE=PLMN@mms.example.net",
				subject: "for-bobs-handset"}.String())
		mustAccept(t, s.send(submission{from: peerSender, rcpts: []string{"+15550007777/TYPE=PLMN@mms.example.net"}, data: mm}))
		res := p.waitFor(20*time.Second, 1, "MM4_forward.RES", "h-tx-1")
		if !bytes.Contains(res[0].data, []byte("X-Mms-Request-Status-Code: Ok")) {
			t.Fatalf("RES:\n%s", res[0].data)
		}
		n := push.waitFor(t, "+15550007777", "for-bobs-handset")
		if n.MessageType() != mm1.MNotificationInd {
			t.Fatalf("pushed a %v", n.Headers)
		}
		v, _ := n.Field(mm1.FieldContentLocation)
		loc := string(v.(mm1.Text))
		if !strings.HasPrefix(loc, url+"/") {
			t.Fatalf("Content-Location %q is not under %s", loc, url)
		}
		if len(p.find("MM4_delivery_report.REQ", "h-mm-1")) != 0 {
			t.Fatalf("a delivery report before the handset fetched the MM")
		}
		// Only bob may fetch it.
		if code, _ := curl(t, "-u", aliceLogin, loc); code != 404 {
			t.Errorf("alice fetched bob's MM: HTTP %d", code)
		}
		code, conf := curl(t, "-u", bobLogin, loc)
		if code != 200 {
			t.Fatalf("GET %s: HTTP %d", loc, code)
		}
		rc, err := mm1.Decode(conf)
		if err != nil || rc.MessageType() != mm1.MRetrieveConf {
			t.Fatalf("the GET answer is no M-retrieve.conf: %v", err)
		}
		if len(rc.Parts) < 2 {
			t.Errorf("M-retrieve.conf has %d parts", len(rc.Parts))
		}
		tsharkCheck(t, conf, "m-retrieve-conf", "for-bobs-handset", "application/smil")

		code, _ = postPDU(t, url, bobLogin, simpleIndication(t, mm1.MNotifyRespInd, n.TransactionID(),
			hdr(mm1.FieldStatus, mm1.Token(0x81))))
		if code != 204 {
			t.Errorf("M-NotifyResp.ind: HTTP %d", code)
		}
		rep := p.waitFor(20*time.Second, 1, "MM4_delivery_report.REQ", "h-mm-1")
		m, _ := parseREQ(t, rep[0].data)
		if m.MMStatus != "Retrieved" || !strings.Contains(m.From, "+15550007777") {
			t.Errorf("report status %q from %q:\n%s", m.MMStatus, m.From, rep[0].data)
		}
		// Settled: no longer fetchable.
		if code, _ := curl(t, "-u", bobLogin, loc); code != 404 {
			t.Errorf("GET after M-NotifyResp.ind: HTTP %d, want 404", code)
		}
	})

	// bob's handset reads an MM that asked for a read reply: M-Read-Rec.ind
	// → MM4_read_reply_report.REQ to the peer; from anyone else nothing.
	t.Run("M-Read-Rec.ind becomes a read report", func(t *testing.T) {
		mm := strings.NewReplacer("X-Mms-Message-Class: Personal", "X-Mms-Message-Class: Personal\nX-Mms-Read-Reply: Yes").
			Replace(req{txID: "rr-tx-1", msgID: "rr-mm-1", ack: "Yes", to: "+15550007777/TYPE=PLMN@mms.example.net",
				subject: "read-me"}.String())
		mustAccept(t, s.send(submission{from: peerSender, rcpts: []string{"+15550007777/TYPE=PLMN@mms.example.net"}, data: mm}))
		push.waitFor(t, "+15550007777", "read-me")
		readRec := func() []byte {
			p := &mm1.PDU{}
			p.Add(mm1.FieldMessageType, mm1.MReadRecInd)
			p.Add(mm1.FieldMMSVersion, mm1.Version12)
			p.Add(mm1.FieldMessageID, mm1.Text("rr-mm-1"))
			p.Add(mm1.FieldTo, mm1.EncodedString{Text: "+48600000001/TYPE=PLMN"})
			p.Add(mm1.FieldFrom, mm1.From{Insert: true})
			p.Add(mm1.FieldReadStatus, mm1.Token(0x80))
			b, err := p.Encode()
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		if code, _ := postPDU(t, url, aliceLogin, readRec()); code != 204 {
			t.Errorf("alice's M-Read-Rec.ind: HTTP %d", code)
		}
		time.Sleep(time.Second)
		if len(p.find("MM4_read_reply_report.REQ", "rr-mm-1")) != 0 {
			t.Fatal("a read report for bob's MM from alice's handset")
		}
		if code, _ := postPDU(t, url, bobLogin, readRec()); code != 204 {
			t.Fatalf("bob's M-Read-Rec.ind: HTTP %d", code)
		}
		rep := p.waitFor(20*time.Second, 1, "MM4_read_reply_report.REQ", "rr-mm-1")
		if m, _ := parseREQ(t, rep[0].data); m.ReadStatus != "Read" || !strings.Contains(m.From, "+15550007777") {
			t.Errorf("read report status %q from %q:\n%s", m.ReadStatus, m.From, rep[0].data)
		}
	})

	t.Run("MM4 to alice (mailbox and handset) is in both", func(t *testing.T) {
		mustAccept(t, s.send(submission{from: peerSender, rcpts: []string{alice},
			data: req{txID: "a-tx-1", msgID: "a-mm-1", ack: "Yes", subject: "for-alice-both"}.String()}))
		s.waitAlice(t, 20*time.Second, "for-alice-both")
		n := push.waitFor(t, "+15550001111", "for-alice-both")
		v, _ := n.Field(mm1.FieldContentLocation)
		code, conf := curl(t, "-u", aliceLogin, string(v.(mm1.Text)))
		if code != 200 {
			t.Fatalf("GET: HTTP %d", code)
		}
		if rc, err := mm1.Decode(conf); err != nil || rc.MessageType() != mm1.MRetrieveConf {
			t.Fatalf("no M-retrieve.conf: %v", err)
		}
		code, _ = postPDU(t, url, aliceLogin, simpleIndication(t, mm1.MAcknowledgeInd, n.TransactionID()))
		if code != 204 {
			t.Errorf("M-Acknowledge.ind: HTTP %d", code)
		}
	})

	// alice's MM to bob asks for a delivery report: the DSN comes when
	// bob's handset has it, not when it is stored.
	t.Run("a local sender's delivery report waits for the handset", func(t *testing.T) {
		pdu := sendReq(t, "tx-to-bob", "", "alice-to-bob", "+15550007777/TYPE=PLMN")
		p, err := mm1.Decode(pdu)
		if err != nil {
			t.Fatal(err)
		}
		p.Headers = append(p.Headers[:len(p.Headers)-1], hdr(mm1.FieldDeliveryReport, mm1.Yes), p.Headers[len(p.Headers)-1])
		if pdu, err = p.Encode(); err != nil {
			t.Fatal(err)
		}
		code, body := postPDU(t, url, aliceLogin, pdu)
		if status, _ := sendConf(t, body); code != 200 || status != "Ok" {
			t.Fatalf("HTTP %d, status %q", code, status)
		}
		n := push.waitFor(t, "+15550007777", "alice-to-bob")
		time.Sleep(time.Second)
		if len(s.aliceMessages("Action: delivered")) != 0 {
			for _, m := range s.aliceMessages("Action: delivered") {
				if strings.Contains(unfold(m), "alice-to-bob") {
					t.Fatalf("a DSN before bob's handset fetched the MM:\n%s", m)
				}
			}
		}
		v, _ := n.Field(mm1.FieldContentLocation)
		if code, _ := curl(t, "-u", bobLogin, string(v.(mm1.Text))); code != 200 {
			t.Fatalf("GET: HTTP %d", code)
		}
		if code, _ := postPDU(t, url, bobLogin, simpleIndication(t, mm1.MAcknowledgeInd, n.TransactionID())); code != 204 {
			t.Fatalf("M-Acknowledge.ind: HTTP %d", code)
		}
		text := checkReportMail(t, s.waitAlice(t, 20*time.Second, "Action: delivered", "alice-to-bob"), "delivery-status")
		if !strings.Contains(text, "+15550007777") {
			t.Errorf("the DSN does not name bob's number:\n%s", text)
		}
	})

	t.Run("an MM not fetched by its expiry is reported Expired and deleted", func(t *testing.T) {
		mm := strings.NewReplacer("X-Mms-Delivery-Report: No", "X-Mms-Delivery-Report: Yes", "X-Mms-Expiry: 86400", "X-Mms-Expiry: 2").
			Replace(req{txID: "e-tx-1", msgID: "e-mm-1", ack: "Yes", to: "+15550007777/TYPE=PLMN@mms.example.net",
				subject: "expires-soon"}.String())
		mustAccept(t, s.send(submission{from: peerSender, rcpts: []string{"+15550007777/TYPE=PLMN@mms.example.net"}, data: mm}))
		n := push.waitFor(t, "+15550007777", "expires-soon")
		rep := p.waitFor(30*time.Second, 1, "MM4_delivery_report.REQ", "e-mm-1")
		if m, _ := parseREQ(t, rep[0].data); m.MMStatus != "Expired" {
			t.Errorf("report status %q, want Expired", m.MMStatus)
		}
		v, _ := n.Field(mm1.FieldContentLocation)
		if code, _ := curl(t, "-u", bobLogin, string(v.(mm1.Text))); code != 404 {
			t.Errorf("GET after expiry: HTTP %d, want 404", code)
		}
	})
}

// tsharkCheck has Wireshark's MMSE dissector read a PDU (as the body of an
// HTTP response to a GET) and checks it is not malformed and shows wants.
func tsharkCheck(t *testing.T, pdu []byte, wants ...string) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Fatal("tshark is needed (Debian tshark; the README's test command installs it)")
	}
	dir := t.TempDir()
	payload := append([]byte(fmt.Sprintf("POST /mms HTTP/1.1\r\nHost: mmsc\r\nContent-Type: application/vnd.wap.mms-message\r\nContent-Length: %d\r\n\r\n", len(pdu))), pdu...)
	if len(payload) > 60000 {
		t.Fatalf("PDU too large for one packet here (%d)", len(payload))
	}
	var hexdump strings.Builder
	for i := 0; i < len(payload); i += 16 {
		fmt.Fprintf(&hexdump, "%06x", i)
		end := min(i+16, len(payload))
		for _, c := range payload[i:end] {
			fmt.Fprintf(&hexdump, " %02x", c)
		}
		hexdump.WriteString("\n")
	}
	in, pcap := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.pcap")
	os.WriteFile(in, []byte(hexdump.String()), 0o600)
	if out, err := exec.Command("text2pcap", "-q", "-T", "40000,80", in, pcap).CombinedOutput(); err != nil {
		t.Fatalf("text2pcap: %v\n%s", err, out)
	}
	out, err := exec.Command("tshark", "-r", pcap, "-V", "-o", "tcp.desegment_tcp_streams:FALSE").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	text := string(out)
	if !strings.Contains(text, "MMS Message Encapsulation") {
		t.Fatalf("the MMSE dissector did not run:\n%s", text)
	}
	if strings.Contains(text, "Malformed") {
		t.Errorf("tshark flags the PDU malformed:\n%s", text)
	}
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("tshark does not show %q:\n%s", w, text)
		}
	}
}

// selfSigned writes a certificate and key for 127.0.0.1 and returns their
// paths and a pool that trusts it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mmsc.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestMM1Gateway: the endpoint over TLS (maddy's tls directive) with
// persistent connections, and a WAP gateway naming the handset's number
// in a header, believed from its address only.
func TestMM1Gateway(t *testing.T) {
	p := newPeer(t)
	certFile, keyFile, pool := selfSigned(t)
	s := newServerWith(t, p.port, func(c string) string {
		return strings.Replace(c, "mm1 tcp://127.0.0.1:{env:MMS_MM1_PORT} {\n",
			"mm1 tls://127.0.0.1:{env:MMS_MM1_PORT} {\n    tls file "+certFile+" "+keyFile+
				"\n    msisdn_header X-MSISDN\n    trusted_proxies 127.0.0.2\n", 1)
	})
	s.start()
	url := "https://" + s.addr("MMS_MM1_PORT") + "/mms"
	client := func(local string) *http.Client {
		d := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
		return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
			DialContext: d.DialContext, TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: 1}}
	}
	post := func(c *http.Client, pdu []byte, set func(*http.Request)) (int, []byte, bool) {
		t.Helper()
		req, _ := http.NewRequest("POST", url, bytes.NewReader(pdu))
		req.Header.Set("Content-Type", "application/vnd.wap.mms-message")
		set(req)
		reused := false
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("POST: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b, reused
	}
	basic := func(r *http.Request) { r.SetBasicAuth("alice@example.net", "alice-password") }

	c := client("127.0.0.1")
	for i, subject := range []string{"tls-1", "tls-2"} {
		code, body, reused := post(c, sendReq(t, "tx-"+subject, "", subject, "+15557654321/TYPE=PLMN"), basic)
		if status, _ := sendConf(t, body); code != 200 || status != "Ok" {
			t.Fatalf("over TLS: HTTP %d, status %q", code, status)
		}
		if i == 1 && !reused {
			t.Errorf("the second request did not reuse the connection (HTTP/1.1 keep-alive)")
		}
		p.waitFor(20*time.Second, 1, "MM4_forward.REQ", subject)
	}

	msisdn := func(n string) func(*http.Request) { return func(r *http.Request) { r.Header.Set("X-MSISDN", n) } }
	if code, _, _ := post(c, sendReq(t, "tx-untrusted", "", "untrusted-msisdn", "+15557654321/TYPE=PLMN"), msisdn("15550001111")); code != 401 {
		t.Errorf("MSISDN header from an untrusted address: HTTP %d, want 401", code)
	}
	gw := client("127.0.0.2")
	code, body, _ := post(gw, sendReq(t, "tx-gw", "", "via-gateway", "+15557654321/TYPE=PLMN"), msisdn("15550001111"))
	if status, _ := sendConf(t, body); code != 200 || status != "Ok" {
		t.Fatalf("through the gateway: HTTP %d, status %q", code, status)
	}
	req := p.waitFor(20*time.Second, 1, "MM4_forward.REQ", "via-gateway")[0]
	if req.from != "+15550001111/TYPE=PLMN@mms.example.net" {
		t.Errorf("the gateway's MM is from %q", req.from)
	}
	if code, _, _ := post(gw, sendReq(t, "tx-gw2", "", "not-ours", "+15557654321/TYPE=PLMN"), msisdn("+15559876543")); code != 403 {
		t.Errorf("a number that is no subscriber: HTTP %d, want 403", code)
	}
	if len(p.find("untrusted-msisdn")) != 0 || len(p.find("not-ours")) != 0 {
		t.Errorf("a refused MM reached the peer")
	}
}
