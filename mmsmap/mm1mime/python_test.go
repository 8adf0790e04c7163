// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1mime

import "os/exec"

func runPython(script string, args ...string) ([]byte, error) {
	return exec.Command("python3", append([]string{"-c", script}, args...)...).CombinedOutput()
}
