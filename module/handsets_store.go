// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/internal/state"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm1"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm1mime"
)

// handsetMM is what target.mms_deliver knows of an MM it stores for
// handsets.
type handsetMM struct {
	Peer           string // the peer it came from, "" when local
	MessageID      string // X-Mms-Message-ID (made up when it has none)
	Sender         string // MMS address of its sender, as received
	DeliveryReport bool
	ReadReply      bool
	Expires        time.Time // zero: default_expiry
	// NotifyTo: a local sender's own address, told by DSN (see
	// localReport); RFC822MessageID the Message-ID of its mail form.
	NotifyTo, RFC822MessageID string
}

// storedMMs are MMs stored for handsets, not yet committed: their rows and
// blobs exist and are deleted again on abort.
type storedMMs struct {
	h   *Handsets
	ids []string
}

// newHandsetID is the ID of a stored MM: its blob key and the last path
// segment of its Content-Location, 128 random bits.
func newHandsetID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Store converts the MM (header and body in their MIME form, as received
// over MM4 or delivered locally) into the M-retrieve.conf its recipients'
// handsets will fetch, and stores it for each number, durably (blob synced,
// row in the state store), uncommitted: Commit has the notifications
// pushed, Abort deletes them. An MM that cannot be converted is an error
// for which errConversion reports true.
func (h *Handsets) Store(ctx context.Context, numbers []string, mm handsetMM, header textproto.Header, body buffer.Buffer) (*storedMMs, error) {
	s := &storedMMs{h: h}
	now := time.Now()
	expires := mm.Expires
	if expires.IsZero() || expires.Before(now) {
		expires = now.Add(h.DefaultExpiry)
	}
	if limit := now.Add(h.MaxExpiry); expires.After(limit) {
		expires = limit // a sender may not keep storage busy for years
	}
	subject := header.Get("Subject")
	class := header.Get("X-Mms-Message-Class")
	if class == "" {
		class = "Personal"
	}
	for _, number := range numbers {
		id, tx := newHandsetID(), "t"+newHandsetID()[:24]
		r, err := body.Open()
		if err != nil {
			s.Abort(ctx)
			return nil, err
		}
		pdu, err := mm1mime.ToRetrieveConf(header, r, mm1mime.FromOptions{TransactionID: tx, Now: now})
		r.Close()
		if err != nil {
			s.Abort(ctx)
			return nil, &conversionError{err}
		}
		if _, ok := pdu.Field(mm1.FieldMessageID); !ok && mm.MessageID != "" {
			insertAfterVersion(pdu, mm1.Header{Field: mm1.FieldMessageID, Value: mm1.Text(mm.MessageID)})
		}
		b, err := pdu.Encode()
		if err != nil {
			s.Abort(ctx)
			return nil, &conversionError{err}
		}
		if int64(len(b)) > h.MaxSize {
			s.Abort(ctx)
			return nil, &conversionError{fmt.Errorf("the MM is %d octets as an M-retrieve.conf, more than handsets take (%d)", len(b), h.MaxSize)}
		}
		if err := h.writeBlob(ctx, id, b); err != nil {
			s.Abort(ctx)
			return nil, err
		}
		s.ids = append(s.ids, id)
		rec := state.HandsetMM{
			ID: id, TransactionID: tx, Number: number, MessageID: mm.MessageID, Peer: mm.Peer,
			Sender: mm.Sender, Subject: clip(subject, 256), Class: class, Size: int64(len(b)),
			DeliveryReport: mm.DeliveryReport, ReadReply: mm.ReadReply,
			ReceivedAt: now, Expires: expires, State: state.HandsetStored, StateAt: now,
			NotifyTo: mm.NotifyTo, RFC822MessageID: mm.RFC822MessageID,
		}
		if err := h.relay.state.PutHandsetMM(ctx, rec); err != nil {
			s.Abort(ctx)
			return nil, err
		}
	}
	return s, nil
}

// insertAfterVersion puts a header after X-Mms-MMS-Version (the fields
// OMA-MMS-ENC §7 wants first stay first).
func insertAfterVersion(p *mm1.PDU, hdr mm1.Header) {
	hdr.Name = mm1.FieldName(hdr.Field)
	for i, x := range p.Headers {
		if x.Field == mm1.FieldMMSVersion {
			p.Headers = append(p.Headers[:i+1], append([]mm1.Header{hdr}, p.Headers[i+1:]...)...)
			return
		}
	}
	p.Headers = append(p.Headers, hdr)
}

func (h *Handsets) writeBlob(ctx context.Context, id string, b []byte) error {
	blob, err := h.blobs.Create(ctx, id, int64(len(b)))
	if err != nil {
		return err
	}
	if _, err := blob.Write(b); err != nil {
		blob.Close()
		return err
	}
	if err := blob.Sync(); err != nil {
		blob.Close()
		return err
	}
	return blob.Close()
}

// readBlob reads a stored M-retrieve.conf.
func (h *Handsets) readBlob(ctx context.Context, id string, size int64) ([]byte, error) {
	r, err := h.blobs.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	limit := size
	if limit <= 0 || limit > h.MaxSize {
		limit = h.MaxSize
	}
	return io.ReadAll(io.LimitReader(r, limit+1))
}

// remove deletes a stored MM's row, then its blob: a row left behind
// would be notified and served, a blob left behind is only space.
func (h *Handsets) remove(ctx context.Context, id string) error {
	if err := h.relay.state.DeleteHandsetMM(ctx, id); err != nil {
		return err
	}
	if err := h.blobs.Delete(ctx, []string{id}); err != nil && !errors.Is(err, module.ErrNoSuchBlob) {
		return err
	}
	return nil
}

// Commit has the notifications pushed (in the background: the MMs are
// stored already).
func (s *storedMMs) Commit() {
	if s != nil && len(s.ids) != 0 {
		handsetStored.Add(float64(len(s.ids)))
		s.h.poke()
	}
}

// Abort deletes what Store stored.
func (s *storedMMs) Abort(ctx context.Context) {
	if s == nil {
		return
	}
	for _, id := range s.ids {
		if err := s.h.remove(ctx, id); err != nil {
			s.h.log.Error("cannot delete an MM stored for a handset", err, "id", id)
		}
	}
	s.ids = nil
}

// conversionError is an MM that has no M-retrieve.conf form.
type conversionError struct{ err error }

func (e *conversionError) Error() string {
	return "cannot convert the MM for handsets: " + e.err.Error()
}
func (e *conversionError) Unwrap() error { return e.err }

func errConversion(err error) (string, bool) {
	var c *conversionError
	if errors.As(err, &c) {
		return clip("Cannot convert the MM for handsets: "+c.err.Error(), 512), true
	}
	return "", false
}
