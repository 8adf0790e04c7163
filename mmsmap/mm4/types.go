// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm4

import (
	"errors"
	"strconv"
	"strings"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// MessageType is the value of X-Mms-Message-Type: one of the six MM4 messages of
// 3GPP TS 23.140 §8.4 (§8.4.1 forward, §8.4.2 delivery report, §8.4.3 read-reply report).
// There are no other MM4 messages (no cancel or replace).
type MessageType int

// The MM4 message types, 3GPP TS 23.140 §8.4.1–§8.4.3.
const (
	ForwardReq         MessageType = iota + 1 // MM4_forward.REQ, TS 23.140 §8.4.1
	ForwardRes                                // MM4_forward.RES, TS 23.140 §8.4.1
	DeliveryReportReq                         // MM4_delivery_report.REQ, TS 23.140 §8.4.2
	DeliveryReportRes                         // MM4_delivery_report.RES, TS 23.140 §8.4.2
	ReadReplyReportReq                        // MM4_read_reply_report.REQ, TS 23.140 §8.4.3
	ReadReplyReportRes                        // MM4_read_reply_report.RES, TS 23.140 §8.4.3
)

// typeSpec is one MM4 message type as data: its token, its response, the header fields it carries
// and which of them are mandatory.
type typeSpec struct {
	token    string      // X-Mms-Message-Type value, exact spelling
	response MessageType // the RES answering this type; a RES answers itself
	// fields are the type's MM4 header fields in the order of the TS 23.140 tables; [Message.Header] writes them in
	// this order, followed by [rfc5322Fields].
	fields []string
	// mandatory lists the fields Parse and Header insist on; a row with several names is satisfied
	// by any one of them. Date and Content-Type are mandatory in TS 23.140 but real peers omit
	// them, so they are optional here.
	mandatory [][]string

	order  []*fieldSpec // fields then rfc5322Fields, resolved by init
	parsed uint64       // bit set of the fieldSpecs Parse reads for this type, computed by init
	// mandatoryBits is the bit set of the fieldSpecs named in mandatory, computed by init: a bad
	// value in one of them is an error, in any other field it is ignored.
	mandatoryBits uint64
}

// mandatoryRES is the mandatory set shared by the three RES types (TS 23.140 §8.4.1–§8.4.3). The
// X-Mms-Message-ID of a forward.RES is mandatory in TS 23.140, but correlation uses the
// Transaction-ID alone (TS 23.140 §8.4.5) and one peer sends its own id, so its absence is tolerated.
var mandatoryRES = [][]string{{HdrVersion}, {HdrMessageType}, {HdrTransactionID}, {HdrRequestStatusCode}}

// messageTypes is the MM4 transaction set of TS 23.140 §8.4.1–§8.4.3, indexed by MessageType.
var messageTypes = [...]typeSpec{
	ForwardReq: { // TS 23.140 §8.4.1
		token:    "MM4_forward.REQ",
		response: ForwardRes,
		fields: []string{HdrVersion, HdrMessageType, HdrTransactionID, HdrMessageID,
			HdrMessageClass, HdrExpiry, HdrDeliveryReport, HdrOriginatorRSDeliveryReport, HdrPriority,
			HdrSenderVisibility, HdrReadReply, HdrAckRequest, HdrOriginatorSystem, HdrForwardCounter},
		mandatory: [][]string{{HdrVersion}, {HdrMessageType}, {HdrTransactionID}, {HdrMessageID},
			{hdrFrom}, {hdrTo, hdrCc}},
	},
	ForwardRes: { // TS 23.140 §8.4.1
		token:    "MM4_forward.RES",
		response: ForwardRes,
		fields: []string{HdrVersion, HdrMessageType, HdrTransactionID, HdrMessageID, HdrRequestStatusCode, HdrStatusText,
			HdrRequestRecipients},
		mandatory: mandatoryRES,
	},
	DeliveryReportReq: { // TS 23.140 §8.4.2
		token:    "MM4_delivery_report.REQ",
		response: DeliveryReportRes,
		fields: []string{HdrVersion, HdrMessageType, HdrTransactionID, HdrMessageID,
			HdrAckRequest, HdrOriginatorSystem, HdrForwardToOriginatorUA, HdrMMStatusCode,
			HdrMMStatusExtension, HdrStatusText},
		mandatory: [][]string{{HdrVersion}, {HdrMessageType}, {HdrTransactionID}, {HdrMessageID},
			{hdrFrom}, {hdrTo}, {HdrMMStatusCode}},
	},
	DeliveryReportRes: { // TS 23.140 §8.4.2
		token:    "MM4_delivery_report.RES",
		response: DeliveryReportRes,
		fields: []string{HdrVersion, HdrMessageType, HdrTransactionID, HdrMessageID, HdrRequestStatusCode, HdrStatusText,
			HdrRequestRecipients},
		mandatory: mandatoryRES,
	},
	ReadReplyReportReq: { // TS 23.140 §8.4.3
		token:    "MM4_read_reply_report.REQ",
		response: ReadReplyReportRes,
		fields: []string{HdrVersion, HdrMessageType, HdrTransactionID, HdrMessageID,
			HdrAckRequest, HdrOriginatorSystem, HdrReadStatus, HdrStatusText},
		mandatory: [][]string{{HdrVersion}, {HdrMessageType}, {HdrTransactionID}, {HdrMessageID},
			{hdrFrom}, {hdrTo}, {HdrReadStatus}},
	},
	ReadReplyReportRes: { // TS 23.140 §8.4.3: no X-Mms-Message-ID
		token:    "MM4_read_reply_report.RES",
		response: ReadReplyReportRes,
		fields: []string{HdrVersion, HdrMessageType, HdrTransactionID, HdrRequestStatusCode, HdrStatusText,
			HdrRequestRecipients},
		mandatory: mandatoryRES,
	},
}

// rfc5322Fields are the Internet-mail fields every MM4 message may carry, in the order
// [Message.Header] writes them after the type's own fields (TS 23.140 §8.4.1, §8.4.4).
var rfc5322Fields = []string{hdrSender, hdrFrom, hdrTo, hdrCc, hdrSubject, hdrDate, hdrRFC822MessageID, hdrMIMEVersion}

// spec returns the table row of t, or nil for a value outside the six types.
func (t MessageType) spec() *typeSpec {
	if t < ForwardReq || t > ReadReplyReportRes {
		return nil
	}
	return &messageTypes[t]
}

// String returns the exact X-Mms-Message-Type token ("MM4_forward.REQ", "MM4_delivery_report.RES", …),
// or "MessageType(n)" for a value outside the six.
func (t MessageType) String() string {
	if s := t.spec(); s != nil {
		return s.token
	}
	return "MessageType(" + strconv.Itoa(int(t)) + ")"
}

// IsRequest reports whether t is one of the three REQ types.
func (t MessageType) IsRequest() bool {
	s := t.spec()
	return s != nil && s.response != t
}

// Response returns the RES type answering t (forward.REQ → forward.RES, …). A RES, or a value
// outside the six, is returned unchanged.
func (t MessageType) Response() MessageType {
	if s := t.spec(); s != nil {
		return s.response
	}
	return t
}

// ParseMessageType interprets an X-Mms-Message-Type value, trimmed and ignoring ASCII case, since real
// traffic varies it ("MM4_Forward.REQ"). The error is a *FieldError for HdrMessageType that
// names the value.
func ParseMessageType(s string) (MessageType, error) {
	s = strings.TrimSpace(s)
	t, err := parseMessageTypeToken(s)
	if err != nil {
		return 0, &FieldError{Field: HdrMessageType, Value: s, Reason: err.Error()}
	}
	return t, nil
}

// parseMessageTypeToken looks the trimmed token up in messageTypes.
func parseMessageTypeToken(s string) (MessageType, error) {
	if s == "" {
		return 0, errors.New(reasonMissing)
	}
	for t := ForwardReq; t <= ReadReplyReportRes; t++ {
		if lex.TokenEqualFold(s, messageTypes[t].token) {
			return t, nil
		}
	}
	return 0, errors.New("unknown MM4 message type")
}

// checkMandatory returns a *FieldError for the first row of ts.mandatory that m does not satisfy.
func (ts *typeSpec) checkMandatory(m *Message) error {
	for _, row := range ts.mandatory {
		satisfied := false
		for _, name := range row {
			if f := lookupField(name); f != nil && f.present != nil && f.present(m) {
				satisfied = true
				break
			}
		}
		if !satisfied {
			reason := reasonMissing
			if len(row) > 1 {
				reason += " (or " + strings.Join(row[1:], ", ") + ")"
			}
			return &FieldError{Field: row[0], Reason: reason}
		}
	}
	return nil
}
