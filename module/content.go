// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/config"
	"github.com/maddy-mms/maddy-mms/mmsmap/content"
	"github.com/maddy-mms/maddy-mms/mmsmap/sevenbit"
)

// adaptFunc is content.ForMail or content.ForMMS.
type adaptFunc func(h textproto.Header, r io.Reader, w io.Writer, lim sevenbit.Limits) (textproto.Header, content.Result, error)

// adapt runs a content adaptation (RFC 4356 §2.1.3, mmsmap/content) over
// a body: the new body is made by streaming, in memory when the body is
// under 1 MiB, else in a file in maddy's buffer directory, so that memory
// does not grow with the MM. It returns the header with its Content-*
// fields replaced and the new body (the caller removes it), or the
// original header and body, unchanged (kept: Remove does nothing), when
// nothing needed adapting.
func (r *Relay) adapt(fn adaptFunc, h textproto.Header, body buffer.Buffer) (textproto.Header, buffer.Buffer, error) {
	rd, err := body.Open()
	if err != nil {
		return h, nil, err
	}
	defer rd.Close()
	var out io.Writer
	var mem *bytes.Buffer
	var f *os.File
	var fw *countingWriter
	if body.Len() < inMemoryConversion {
		// Sized once for the body and what base64 may add; most bodies
		// need no change, and then the buffer goes back to the pool.
		mem = adaptBuffers.Get().(*bytes.Buffer)
		mem.Reset()
		mem.Grow(body.Len() + body.Len()/3 + 4096)
		out = mem
	} else {
		dir := filepath.Join(config.StateDirectory, "buffer")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return h, nil, err
		}
		if f, err = os.CreateTemp(dir, "mms-adapt-"); err != nil {
			return h, nil, err
		}
		fw = &countingWriter{w: bufio.NewWriterSize(f, 64<<10)}
		out = fw
	}
	ch, res, err := fn(h, rd, out, r.MIMELimits)
	if f != nil {
		if err == nil {
			err = fw.w.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil || !res.Changed {
			os.Remove(f.Name())
		}
	}
	if mem != nil && (err != nil || !res.Changed) {
		adaptBuffers.Put(mem)
	}
	if err != nil {
		return h, nil, err
	}
	if !res.Changed {
		return h, keptBuffer{body}, nil
	}
	nh := replaceContentFields(h, ch)
	if f != nil {
		return nh, buffer.FileBuffer{Path: f.Name(), LenHint: int(fw.n)}, nil
	}
	return nh, buffer.MemoryBuffer{Slice: mem.Bytes()}, nil
}

// adaptBuffers are the in-memory outputs of adapt that were not used.
var adaptBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// replaceContentFields returns h with its Content-* fields replaced by
// those of ch, written where h had its first one (else at the end). Fields
// keep their raw form (spelling and folding): Message-ID stays Message-ID.
func replaceContentFields(h, ch textproto.Header) textproto.Header {
	var fields [][]byte
	placed := false
	addContent := func() {
		placed = true
		for cf := ch.Fields(); cf.Next(); {
			fields = append(fields, rawField(cf))
		}
	}
	for f := h.Fields(); f.Next(); {
		if strings.HasPrefix(strings.ToLower(f.Key()), "content-") {
			if !placed {
				addContent()
			}
			continue
		}
		fields = append(fields, rawField(f))
	}
	if !placed {
		addContent()
	}
	var out textproto.Header
	// AddRaw adds above what is there: add in reverse to keep the order.
	for i := len(fields) - 1; i >= 0; i-- {
		out.AddRaw(fields[i])
	}
	return out
}

// rawField is a field as it was read, or formatted when it was made.
func rawField(f textproto.HeaderFields) []byte {
	if raw, err := f.Raw(); err == nil {
		return raw
	}
	return []byte(f.Key() + ": " + f.Value() + "\r\n")
}
