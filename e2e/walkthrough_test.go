// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package e2e

import (
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// readmeCommand returns the shell command of the README code block that
// contains marker, with its default ports replaced by this test's.
func readmeCommand(t *testing.T, marker string, ports map[string]string) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(b), -1)
	for _, blk := range blocks {
		for _, cmd := range strings.Split(strings.ReplaceAll(blk[1], "\\\n", ""), "\n") {
			if strings.Contains(cmd, marker) {
				for from, to := range ports {
					cmd = strings.ReplaceAll(cmd, from, to)
				}
				return cmd
			}
		}
	}
	t.Fatalf("README has no command containing %q", marker)
	return ""
}

// TestReadmeWalkthrough runs the README walk-through's commands (swaks to
// send the sample REQ, curl to read it over IMAP) against the example
// configuration and checks what the README says happens.
func TestReadmeWalkthrough(t *testing.T) {
	for _, tool := range []string{"swaks", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (scripts/test.sh installs it): %v", tool, err)
		}
	}
	p := newPeer(t)
	s := newServer(t, p.port)
	s.start()
	ports := map[string]string{
		"127.0.0.1:2525": s.addr("MMS_MM4_PORT"),
		"127.0.0.1:2143": s.addr("MMS_IMAP_PORT"),
	}

	swaks := readmeCommand(t, "swaks --server", ports)
	cmd := exec.Command("bash", "-c", swaks)
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "250 2.0.0 OK: queued") {
		t.Fatalf("%s: %v\n%s", swaks, err, out)
	}

	res := p.waitFor(20*time.Second, 1, "walkthrough-0001@mms.peer.example")[0]
	lines := headerLines(res.data)
	for _, want := range []string{
		"X-Mms-3GPP-MMS-Version: 6.10.0",
		"X-Mms-Message-Type: MM4_forward.RES",
		`X-Mms-Transaction-ID: "walkthrough-0001@mms.peer.example"`,
		`X-Mms-Message-ID: "walkthrough-mm-0001@mms.peer.example"`,
		"X-Mms-Request-Status-Code: Ok",
		"X-Mms-Status-Text: Message accepted",
		"Sender: system-user@mms.example.net",
		"To: system-user@mms.peer.example",
	} {
		if !hasLine(lines, want) {
			t.Errorf("RES lacks %q:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	if res.from != "system-user@mms.example.net" || fmt.Sprint(res.rcpts) != "[system-user@mms.peer.example]" {
		t.Errorf("RES envelope %s → %v", res.from, res.rcpts)
	}

	curl := readmeCommand(t, "curl -s --user alice", ports)
	out, err = exec.Command("bash", "-c", curl).Output()
	if err != nil {
		t.Fatalf("%s: %v", curl, err)
	}
	mm := string(out)
	for _, want := range []string{
		"+15550002222@mms.example.net",
		"Message-ID: <walkthrough-0001@mms.peer.example>",
		"Subject: Hello from the demo peer",
		"Hi Alice, this MM came over MM4.",
	} {
		if !strings.Contains(mm, want) {
			t.Errorf("the MM read over IMAP lacks %q:\n%s", want, mm)
		}
	}
	if strings.Contains(strings.ToLower(mm), "x-mms-") {
		t.Errorf("the MM read over IMAP still has MM4 transport headers:\n%s", mm)
	}

	// Outbound: alice's and the VASP's swaks commands become REQs at the peer.
	ports["127.0.0.1:2587"] = s.addr("MMS_SUBMISSION_PORT")
	for _, tc := range []struct{ marker, from, rcpt, subject string }{
		{"--header 'Subject: Hi Bob'", "+15550001111/TYPE=PLMN@mms.example.net", "+15550002222/TYPE=PLMN@mms.peer.example", "Subject: Hi Bob"},
		{"--auth-user vasp1", "12345@mms.example.net", "+15550002222/TYPE=PLMN@mms.peer.example", "Subject: Your code"},
	} {
		cmd := readmeCommand(t, tc.marker, ports)
		out, err := exec.Command("bash", "-c", cmd).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "250 2.0.0 OK: queued") {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
		req := p.waitFor(20*time.Second, 1, tc.subject)[0]
		if req.from != tc.from || fmt.Sprint(req.rcpts) != "["+tc.rcpt+"]" || !hasLine(headerLines(req.data), "X-Mms-Message-Type: MM4_forward.REQ") {
			t.Errorf("REQ %s → %v:\n%s", req.from, req.rcpts, req.data)
		}
	}

	// The MM asked for a delivery report: the peer has one, Retrieved, from
	// alice's number, about the peer's X-Mms-Message-ID.
	dr := p.waitFor(20*time.Second, 1, "MM4_delivery_report.REQ", `"walkthrough-mm-0001@mms.peer.example"`)[0]
	for _, want := range []string{"X-Mms-MM-Status-Code: Retrieved", "From: +15550001111/TYPE=PLMN@mms.example.net",
		"To: +15550002222/TYPE=PLMN@mms.peer.example"} {
		if !hasLine(headerLines(dr.data), want) {
			t.Errorf("delivery report lacks %q:\n%s", want, dr.data)
		}
	}
	if strings.Contains(mm, "multipart/related") || !strings.Contains(mm, "Disposition-Notification-To: <+15550002222@mms.example.net>") {
		t.Errorf("the MM in the mailbox is not shown for mail clients, or asks no read receipt:\n%s", mm)
	}

	// Alice's MDN becomes a read report at the peer.
	cmd = exec.Command("bash", "-c", readmeCommand(t, "walkthrough/mdn.eml", ports))
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "250 2.0.0 OK: queued") {
		t.Fatalf("MDN: %v\n%s", err, out)
	}
	rr := p.waitFor(20*time.Second, 1, "MM4_read_reply_report.REQ", "walkthrough-mm-0001@mms.peer.example")[0]
	if !hasLine(headerLines(rr.data), "X-Mms-Read-Status: Read") {
		t.Errorf("read report:\n%s", rr.data)
	}

	// The peer reports on Alice's "Hi Bob": a DSN and an MDN in her mailbox.
	hiBob, _ := parseREQ(t, p.waitFor(20*time.Second, 1, "Subject: Hi Bob")[0].data)
	for _, f := range []string{"delivery-report.eml", "read-report.eml"} {
		cmd := exec.Command("bash", "-c", "MSGID='"+hiBob.MessageID+"'; "+readmeCommand(t, f, ports))
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "250 2.0.0 OK: queued") {
			t.Fatalf("%s: %v\n%s", f, err, out)
		}
	}
	s.waitAlice(t, 20*time.Second, "Action: delivered", "Hi Bob")
	s.waitAlice(t, 20*time.Second, "displayed", "Hi Bob")
	curl2 := readmeCommand(t, "MAILINDEX=2", ports)
	out, err = exec.Command("bash", "-c", curl2).Output()
	if err != nil {
		t.Fatalf("%s: %v", curl2, err)
	}
	for _, want := range []string{"Subject: Delivered MMS: Hi Bob", "Action: delivered", "Status: 2.0.0",
		"Final-Recipient: rfc822; +15550002222@mms.example.net"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the DSN read over IMAP lacks %q:\n%s", want, out)
		}
	}

	readmeMM1(t, s, p)

	// "Sending the same file again is answered again but not delivered again."
	out, err = exec.Command("bash", "-c", "cd .. && "+swaks).CombinedOutput()
	if err != nil {
		t.Fatalf("second swaks: %v\n%s", err, out)
	}
	p.waitFor(20*time.Second, 2, "walkthrough-0001@mms.peer.example")
	if n := len(s.aliceMessages("walkthrough-0001")); n != 1 {
		t.Errorf("after sending twice alice has %d copies", n)
	}
}

// readmeMM1 runs the README's MM1 walk-through: the handset's M-send.req
// with curl, the M-send.conf decoded; the peer's MM of the first
// walk-through fetched from the Content-Location its notification names,
// decoded, and answered with an M-NotifyResp.ind.
func readmeMM1(t *testing.T, s *server, p *peer) {
	t.Helper()
	abs, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	ports := map[string]string{
		"127.0.0.1:8080": s.addr("MMS_MM1_PORT"),
		"./maddy-mms":    binary,
		"testdata/":      abs + "/testdata/",
	}
	dir := t.TempDir()
	run := func(prefix, marker string) string {
		t.Helper()
		cmd := exec.Command("bash", "-c", "set -e; "+prefix+readmeCommand(t, marker, ports))
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", cmd.Args[2], err, out)
		}
		return string(out)
	}
	run("", "mms encode -o send-req.mms")
	run("", "--data-binary @send-req.mms")
	conf := run("", "mms decode send-conf.mms")
	for _, want := range []string{"X-Mms-Message-Type: m-send-conf", `X-Mms-Transaction-Id: "walkthrough-send-1"`, "X-Mms-Response-Status: Ok", "Message-ID: "} {
		if !strings.Contains(conf, want) {
			t.Errorf("M-send.conf lacks %q:\n%s", want, conf)
		}
	}
	id := regexp.MustCompile(`Message-ID: "([^"]+)"`).FindStringSubmatch(conf)
	req := p.waitFor(20*time.Second, 1, "Subject: Hello from a handset")[0]
	m, _ := parseREQ(t, req.data)
	if id == nil || m.MessageID != id[1] || req.from != "+15550001111/TYPE=PLMN@mms.example.net" ||
		!strings.Contains(string(req.data), "multipart/related") {
		t.Errorf("REQ %s (X-Mms-Message-ID %q, M-send.conf %q):\n%s", req.from, m.MessageID, id, req.data)
	}

	// The notification of the first walk-through's MM, in the log.
	var loc, tx string
	deadline := time.Now().Add(20 * time.Second)
	for loc == "" && time.Now().Before(deadline) {
		for _, line := range strings.Split(s.log.String(), "\n") {
			if !strings.Contains(line, "MM1 notification (no push_url: logged only)") {
				continue
			}
			l := regexp.MustCompile(`"content_location":"([^"]+)"`).FindStringSubmatch(line)
			x := regexp.MustCompile(`"transaction_id":"([^"]+)"`).FindStringSubmatch(line)
			h := regexp.MustCompile(`"pdu_hex":"([0-9a-f]+)"`).FindStringSubmatch(line)
			if l != nil && x != nil && h != nil && strings.Contains(h[1], hex.EncodeToString([]byte("Hello from the demo peer"))) {
				loc, tx = l[1], x[1]
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if loc == "" {
		t.Fatalf("no notification of the walk-through's MM in the log")
	}
	vars := "LOC='" + loc + "'; TX='" + tx + "'; "
	run(vars, `-o retrieve-conf.mms "$LOC"`)
	rc := run("", "mms decode retrieve-conf.mms")
	for _, want := range []string{"X-Mms-Message-Type: m-retrieve-conf", `Subject: "Hello from the demo peer"`,
		`From: "+15550002222/TYPE=PLMN"`, "application/vnd.wap.multipart.related", "--- part 1 of 2", "Content-Type: application/smil", "Hi Alice, this MM came over MM4."} {
		if !strings.Contains(rc, want) {
			t.Errorf("M-retrieve.conf lacks %q:\n%s", want, rc)
		}
	}
	run(vars, "testdata/walkthrough/notifyresp.txt")
	if out := run("", "--data-binary @notifyresp.mms"); strings.TrimSpace(out) != "204" {
		t.Errorf("M-NotifyResp.ind answered %q", out)
	}
	if code, _ := curl(t, "-u", "alice@example.net:alice-password", loc); code != 404 {
		t.Errorf("GET after M-NotifyResp.ind: HTTP %d, want 404", code)
	}
}
