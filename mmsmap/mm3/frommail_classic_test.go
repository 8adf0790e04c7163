// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/internal/msgtest"
)

// TestForwardClassic converts testdata/golden/frommail_classic.in, the classic case of RFC 4356
// §2.1.3.3: a mail client sends a photo to a phone number, as multipart/mixed with a text/plain
// part and a base64 image/jpeg, to RCPT TO:<4103036475@mmsc.example>. The envelope numbers are
// normalised with a North American plan, as the SMTP layer does. The REQ, as the SMTP transaction
// that carries it, must equal frommail_classic.out (go test -run Classic -update rewrites it); Go's
// net/mail and Python's email package read it without a defect, and its leaves decode to the
// mail's.
func TestForwardClassic(t *testing.T) {
	dir := filepath.Join("testdata", "golden")
	in, err := os.ReadFile(filepath.Join(dir, "frommail_classic.in"))
	if err != nil {
		t.Fatal(err)
	}
	envelope, mail, ok := bytes.Cut(in, []byte("DATA\r\n"))
	if !ok {
		t.Fatal("no DATA line")
	}
	var from mmsmap.Address
	var rcpts []mmsmap.Address
	for _, line := range strings.Split(strings.TrimSpace(string(envelope)), "\r\n") {
		cmd, path, _ := strings.Cut(line, ":<")
		a, err := mmsmap.ParseAddress(strings.TrimSuffix(path, ">"))
		if err == nil {
			a, err = fwdPlan.NormalizeAddress(a)
		}
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		a.Domain = "" // the device address only: the domain is ours
		switch cmd {
		case "MAIL FROM":
			from = a
		case "RCPT TO":
			rcpts = append(rcpts, a)
		}
	}
	if from.Value != "+14105550100" || len(rcpts) != 1 || rcpts[0].Value != "+14103036475" {
		t.Fatalf("envelope read as %+v, %+v", from, rcpts)
	}

	o := ForwardOptions{
		Version:          "6.10.0",
		TransactionID:    "T20250701.0001@mmsc.example",
		MessageID:        "M20250701.0001@mmsc.example",
		AckRequest:       true,
		OriginatorSystem: "system-user@mmsc.example",
		Sender:           from,
		SenderDomain:     "mmsc.example",
		Recipients:       rcpts,
		Form:             mmsmap.FormPLMN,
		PeerDomain:       "mms.mnc260.mcc310.gprs",
		Plan:             fwdPlan,
		Now:              time.Date(2025, 7, 1, 14, 0, 0, 0, time.UTC),
	}
	req, msg := fwdConvert(t, mail, o)
	got := fwdTranscript(req, msg)
	path := filepath.Join(dir, "frommail_classic.out")
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
	if strings.Join(req.RcptTo, ",") != "+14103036475/TYPE=PLMN@mms.mnc260.mcc310.gprs" ||
		req.MailFrom != "+14105550100/TYPE=PLMN@mmsc.example" {
		t.Errorf("envelope MAIL FROM:<%s> RCPT TO:%q", req.MailFrom, req.RcptTo)
	}
	if req.DeliveryReport || req.ReadReply {
		t.Errorf("DeliveryReport %v, ReadReply %v: nobody asked", req.DeliveryReport, req.ReadReply)
	}

	h, body := msgtest.Split(t, msg)
	defer fwdPy.check(t)
	m := fwdCheck(t, h, body)
	if m.Priority != "" || m.MessageClass != fwdDefaultClass() || m.To[0] != "Bob <+14103036475/TYPE=PLMN@mms.mnc260.mcc310.gprs>" {
		t.Errorf("Priority %q (Importance: normal), class %q, To %q", m.Priority, m.MessageClass, m.To)
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	gotPy, wantPy := fwdPython(t, python, msg), fwdPython(t, python, mail)
	if len(wantPy.Leaves) != 2 || fmt.Sprint(gotPy.Leaves) != fmt.Sprint(wantPy.Leaves) {
		t.Errorf("leaves = %q, want %q", gotPy.Leaves, wantPy.Leaves)
	}
	if strings.Join(gotPy.Filename, ",") != "harbour.jpg" {
		t.Errorf("filenames = %q", gotPy.Filename)
	}
}
