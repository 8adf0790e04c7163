// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1

import (
	"sort"
	"testing"
)

// The codec's throughput over the corpus (bench/mm1/run.sh runs these and sums them up): one
// operation decodes, or encodes, every corpus PDU once; MB/s counts the PDUs' octets.

// corpusPDUs returns the corpus PDUs in name order.
func corpusPDUs(b *testing.B) [][]byte {
	b.Helper()
	files := corpus(b)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([][]byte, len(names))
	for i, n := range names {
		out[i] = files[n]
	}
	return out
}

func BenchmarkDecodeCorpus(b *testing.B) {
	pdus := corpusPDUs(b)
	total := 0
	for _, p := range pdus {
		if _, err := Decode(p); err != nil {
			b.Fatal(err)
		}
		total += len(p)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, p := range pdus {
			if _, err := Decode(p); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkEncodeCorpus(b *testing.B) {
	raw := corpusPDUs(b)
	pdus := make([]*PDU, len(raw))
	total := 0
	for i, r := range raw {
		p, err := Decode(r)
		if err != nil {
			b.Fatal(err)
		}
		enc, err := p.Encode()
		if err != nil {
			b.Fatal(err)
		}
		pdus[i] = p
		total += len(enc)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, p := range pdus {
			if _, err := p.Encode(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
