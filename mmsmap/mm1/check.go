// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1

import (
	"fmt"
	"strings"
)

// mandatory lists, per PDU type, the fields OMA-MMS-ENC §6 marks mandatory (besides
// X-Mms-Message-Type and X-Mms-MMS-Version, which every PDU has). Conditional fields are left
// out.
var mandatory = map[Token][]byte{
	MSendReq:         {FieldTransactionID, FieldFrom, FieldContentType},
	MSendConf:        {FieldTransactionID, FieldResponseStatus},
	MNotificationInd: {FieldTransactionID, FieldMessageClass, FieldMessageSize, FieldExpiry, FieldContentLocation},
	MNotifyRespInd:   {FieldTransactionID, FieldStatus},
	MRetrieveConf:    {FieldDate, FieldContentType},
	MAcknowledgeInd:  {FieldTransactionID},
	MDeliveryInd:     {FieldMessageID, FieldTo, FieldDate, FieldStatus},
	MReadRecInd:      {FieldMessageID, FieldTo, FieldFrom, FieldReadStatus},
	MReadOrigInd:     {FieldMessageID, FieldTo, FieldFrom, FieldDate, FieldReadStatus},
}

// recipients are the fields of which m-send-req needs at least one.
var recipients = []byte{FieldTo, FieldCc, FieldBcc}

// Check reports the mandatory fields p lacks (OMA-MMS-ENC §6; for PDU types other than the
// nine of MMS 1.0–1.1, only the type and version). Decode does not call it: an MMSC answers a
// PDU that fails it with a format-corrupt status rather than dropping it.
func (p *PDU) Check() error {
	var missing []string
	need := func(code byte) {
		if _, ok := p.Field(code); !ok {
			missing = append(missing, FieldName(code))
		}
	}
	need(FieldMessageType)
	need(FieldMMSVersion)
	t := p.MessageType()
	for _, f := range mandatory[t] {
		need(f)
	}
	if t == MSendReq {
		n := 0
		for _, f := range recipients {
			n += len(p.Values(f))
		}
		if n == 0 {
			missing = append(missing, "To, Cc or Bcc")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("mm1: %s lacks %s", typeName(t), strings.Join(missing, ", "))
	}
	return nil
}

func typeName(t Token) string {
	if s, ok := messageTypes[t]; ok {
		return s
	}
	return "PDU"
}
