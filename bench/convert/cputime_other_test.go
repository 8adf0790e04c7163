// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

//go:build !unix

package convert

// cpuTime is not measured here: the benchmarks report 0 cpu-ns/op.
func cpuTime() int64 { return 0 }
