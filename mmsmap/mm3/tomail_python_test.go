// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"
)

// tmPythonScript is a second, independent parser: Python's email package with its modern policy
// (email.policy.default). For each message of a JSON list it reports every defect registered on
// the message, on any part, and on any header field of any part (reading a field's value through
// the policy parses it as its header class: addresses, dates, message IDs …), the leaves of the
// MIME tree with the SHA-256 of their decoded content, and the top-level fields as Python reads
// them.
const tmPythonScript = `
import email, email.policy, hashlib, json, sys
out = []
for raw in json.load(sys.stdin):
    m = email.message_from_bytes(raw.encode("latin-1"), policy=email.policy.default)
    d, leaves = [], []
    for part in m.walk():
        d += ["%s: %r" % (part.get_content_type(), x) for x in part.defects]
        for k, v in part.items():
            d += ["%s: %s: %r" % (part.get_content_type(), k, x) for x in getattr(v, "defects", ())]
        if not part.is_multipart():
            leaves.append([part.get_content_type(), hashlib.sha256(part.get_payload(decode=True) or b"").hexdigest()])
    out.append({"defects": d, "leaves": leaves, "headers": [[k, str(v)] for k, v in m.items()]})
json.dump(out, sys.stdout)
`

// tmPythonView is what tmPythonScript reports of one message.
type tmPythonView struct {
	Defects []string
	Leaves  [][2]string
	Headers [][2]string
}

// tmPython parses the messages with tmPythonScript, in one run. It returns nil, having logged why,
// when python3 is not installed.
func tmPython(t *testing.T, msgs [][]byte) []tmPythonView {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 not installed: the messages are not checked with a second parser")
		return nil
	}
	// Latin-1 carries every octet through JSON unchanged.
	in := make([]string, len(msgs))
	for i, m := range msgs {
		r := make([]rune, len(m))
		for j, c := range m {
			r[j] = rune(c)
		}
		in[i] = string(r)
	}
	js, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "-c", tmPythonScript)
	cmd.Stdin = bytes.NewReader(js)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	var views []tmPythonView
	if err := json.Unmarshal(stdout, &views); err != nil || len(views) != len(msgs) {
		t.Fatalf("python3 output (%d views for %d messages): %v\n%s", len(views), len(msgs), err, stdout)
	}
	return views
}
