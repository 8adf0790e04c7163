// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/maddy-mms/maddy-mms/internal/state"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm1"
)

// Notifications (OMA-MMS-ENC §6.2): the M-Notification.ind of a stored
// MM tells the handset what is waiting and where to fetch it. The MMSC
// hands it to a WAP push gateway, which delivers it to the handset by
// WAP push over SMS, as Kannel-style MMSCs do:
//
//	POST push_url?to=+15550001111   (the number also in X-Mms-To)
//	Content-Type: application/vnd.wap.mms-message
//	<the M-Notification.ind PDU>
//
// A 2xx answer is success; anything else is tried again every
// check_interval until the MM expires. Without push_url the notification
// is logged (with the PDU in hex), for trials.

// messageClassTokens are X-Mms-Message-Class tokens by name.
var messageClassTokens = map[string]mm1.Token{"personal": 0x80, "advertisement": 0x81, "informational": 0x82, "auto": 0x83}

// mm1Address is an MMS address in its MM1 form (+E164/TYPE=PLMN, an
// e-mail address as it is).
func mm1Address(s string) string {
	a, err := mmsmap.ParseAddress(s)
	if err != nil {
		return s
	}
	if a.IsNumber() {
		return a.Value + "/TYPE=PLMN"
	}
	return a.String()
}

// notification builds the M-Notification.ind of a stored MM.
func (h *Handsets) notification(m state.HandsetMM) ([]byte, error) {
	p := &mm1.PDU{}
	p.Add(mm1.FieldMessageType, mm1.MNotificationInd)
	p.Add(mm1.FieldTransactionID, mm1.Text(m.TransactionID))
	p.Add(mm1.FieldMMSVersion, mm1.Version12)
	if m.Sender != "" {
		p.Add(mm1.FieldFrom, mm1.From{Address: mm1.EncodedString{Text: mm1Address(m.Sender)}})
	}
	if m.Subject != "" {
		p.Add(mm1.FieldSubject, mm1.EncodedString{Charset: 106, Text: m.Subject})
	}
	class, ok := messageClassTokens[strings.ToLower(m.Class)]
	if !ok {
		class = 0x80
	}
	p.Add(mm1.FieldMessageClass, class)
	p.Add(mm1.FieldMessageSize, mm1.Integer(m.Size))
	p.Add(mm1.FieldExpiry, mm1.TimeSpec{Seconds: uint64(m.Expires.Unix())})
	p.Add(mm1.FieldContentLocation, mm1.Text(h.contentLocation(m.ID)))
	if m.DeliveryReport {
		p.Add(mm1.FieldDeliveryReport, mm1.Yes)
	}
	return p.Encode()
}

// pushPending pushes the notifications not yet handed on.
func (h *Handsets) pushPending(ctx context.Context) {
	// A number the gateway refused is not tried again in the same cycle,
	// so its backlog does not fill the cycle and hold up other numbers'.
	pending, err := h.relay.state.PendingNotifications(ctx, 10000)
	if err != nil {
		h.log.Error("cannot list MM1 notifications to push", err)
		return
	}
	refused := map[string]bool{}
	attempts := 0
	for _, m := range pending {
		if ctx.Err() != nil || attempts == 500 {
			return // stopping, or out of time: the rest next cycle
		}
		if refused[m.Number] {
			continue
		}
		attempts++
		if err := h.push(ctx, m); err != nil {
			refused[m.Number] = true
			handsetPushFailures.Inc()
			h.log.Error("MM1 notification not delivered to the push gateway; tried again later", err,
				"number", m.Number, "id", m.ID)
			continue
		}
		if err := h.relay.state.MarkHandsetNotified(ctx, m.ID, time.Now()); err != nil {
			h.log.Error("cannot record an MM1 notification as pushed", err, "id", m.ID)
		}
		handsetNotifications.Inc()
	}
}

func (h *Handsets) push(ctx context.Context, m state.HandsetMM) error {
	pdu, err := h.notification(m)
	if err != nil {
		return err
	}
	if h.PushURL == "" {
		h.log.Msg("MM1 notification (no push_url: logged only)", "number", m.Number,
			"content_location", h.contentLocation(m.ID), "transaction_id", m.TransactionID,
			"pdu_hex", hex.EncodeToString(pdu))
		return nil
	}
	u, err := url.Parse(h.PushURL)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("to", m.Number)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(pdu))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mm1MediaType)
	req.Header.Set("X-Mms-To", m.Number)
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("push gateway answered %s", resp.Status)
	}
	h.log.Msg("MM1 notification pushed", "number", m.Number, "content_location", h.contentLocation(m.ID))
	return nil
}

// mm1MediaType is the media type of MM1 PDUs (OMA-MMS-ENC §5).
const mm1MediaType = "application/vnd.wap.mms-message"
