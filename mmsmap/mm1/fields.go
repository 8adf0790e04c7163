// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1

// Header field codes of OMA-MMS-ENC §7.4 (Table 25 in 1.3), with the high bit set as they are
// sent. Their values are described by the table fields below.
const (
	FieldBcc                        byte = 0x81
	FieldCc                         byte = 0x82
	FieldContentLocation            byte = 0x83
	FieldContentType                byte = 0x84
	FieldDate                       byte = 0x85
	FieldDeliveryReport             byte = 0x86
	FieldDeliveryTime               byte = 0x87
	FieldExpiry                     byte = 0x88
	FieldFrom                       byte = 0x89
	FieldMessageClass               byte = 0x8A
	FieldMessageID                  byte = 0x8B
	FieldMessageType                byte = 0x8C
	FieldMMSVersion                 byte = 0x8D
	FieldMessageSize                byte = 0x8E
	FieldPriority                   byte = 0x8F
	FieldReadReport                 byte = 0x90
	FieldReportAllowed              byte = 0x91
	FieldResponseStatus             byte = 0x92
	FieldResponseText               byte = 0x93
	FieldSenderVisibility           byte = 0x94
	FieldStatus                     byte = 0x95
	FieldSubject                    byte = 0x96
	FieldTo                         byte = 0x97
	FieldTransactionID              byte = 0x98
	FieldRetrieveStatus             byte = 0x99
	FieldRetrieveText               byte = 0x9A
	FieldReadStatus                 byte = 0x9B
	FieldReplyCharging              byte = 0x9C
	FieldReplyChargingDeadline      byte = 0x9D
	FieldReplyChargingID            byte = 0x9E
	FieldReplyChargingSize          byte = 0x9F
	FieldPreviouslySentBy           byte = 0xA0
	FieldPreviouslySentDate         byte = 0xA1
	FieldStore                      byte = 0xA2
	FieldMMState                    byte = 0xA3
	FieldMMFlags                    byte = 0xA4
	FieldStoreStatus                byte = 0xA5
	FieldStoreStatusText            byte = 0xA6
	FieldStored                     byte = 0xA7
	FieldAttributes                 byte = 0xA8
	FieldTotals                     byte = 0xA9
	FieldMboxTotals                 byte = 0xAA
	FieldQuotas                     byte = 0xAB
	FieldMboxQuotas                 byte = 0xAC
	FieldMessageCount               byte = 0xAD
	FieldContent                    byte = 0xAE
	FieldStart                      byte = 0xAF
	FieldAdditionalHeaders          byte = 0xB0
	FieldDistributionIndicator      byte = 0xB1
	FieldElementDescriptor          byte = 0xB2
	FieldLimit                      byte = 0xB3
	FieldRecommendedRetrievalMode   byte = 0xB4
	FieldRecommendedRetrievalModeTx byte = 0xB5
	FieldStatusText                 byte = 0xB6
	FieldApplicID                   byte = 0xB7
	FieldReplyApplicID              byte = 0xB8
	FieldAuxApplicInfo              byte = 0xB9
	FieldContentClass               byte = 0xBA
	FieldDRMContent                 byte = 0xBB
	FieldAdaptationAllowed          byte = 0xBC
	FieldReplaceID                  byte = 0xBD
	FieldCancelID                   byte = 0xBE
	FieldCancelStatus               byte = 0xBF
)

// PDU types, the values of X-Mms-Message-Type (OMA-MMS-ENC §7.3.30).
const (
	MSendReq         Token = 0x80
	MSendConf        Token = 0x81
	MNotificationInd Token = 0x82
	MNotifyRespInd   Token = 0x83
	MRetrieveConf    Token = 0x84
	MAcknowledgeInd  Token = 0x85
	MDeliveryInd     Token = 0x86
	MReadRecInd      Token = 0x87
	MReadOrigInd     Token = 0x88
	MForwardReq      Token = 0x89
	MForwardConf     Token = 0x8A
	MMboxStoreReq    Token = 0x8B
	MMboxStoreConf   Token = 0x8C
	MMboxViewReq     Token = 0x8D
	MMboxViewConf    Token = 0x8E
	MMboxUploadReq   Token = 0x8F
	MMboxUploadConf  Token = 0x90
	MMboxDeleteReq   Token = 0x91
	MMboxDeleteConf  Token = 0x92
	MMboxDescr       Token = 0x93
	MDeleteReq       Token = 0x94
	MDeleteConf      Token = 0x95
	MCancelReq       Token = 0x96
	MCancelConf      Token = 0x97
)

// Values of X-Mms-MMS-Version (OMA-MMS-ENC §7.3.34): major version in bits 6–4, minor in 3–0.
const (
	Version10 Token = 0x90
	Version11 Token = 0x91
	Version12 Token = 0x92
	Version13 Token = 0x93
)

// Yes and No, the Boolean tokens (OMA-MMS-ENC §7.3: Delivery-Report, Read-Report, Store, …).
const (
	Yes Token = 0x80
	No  Token = 0x81
)

// A field is one row of the header table: its name as OMA-MMS-ENC spells it, the codec of its
// value and, for enumerations, the names of the tokens.
type field struct {
	name  string
	codec *codec
	enum  map[Token]string
}

// Token name tables (OMA-MMS-ENC §7.3).
var (
	yesNo = map[Token]string{0x80: "Yes", 0x81: "No"}

	messageTypes = map[Token]string{
		0x80: "m-send-req", 0x81: "m-send-conf", 0x82: "m-notification-ind",
		0x83: "m-notifyresp-ind", 0x84: "m-retrieve-conf", 0x85: "m-acknowledge-ind",
		0x86: "m-delivery-ind", 0x87: "m-read-rec-ind", 0x88: "m-read-orig-ind",
		0x89: "m-forward-req", 0x8A: "m-forward-conf", 0x8B: "m-mbox-store-req",
		0x8C: "m-mbox-store-conf", 0x8D: "m-mbox-view-req", 0x8E: "m-mbox-view-conf",
		0x8F: "m-mbox-upload-req", 0x90: "m-mbox-upload-conf", 0x91: "m-mbox-delete-req",
		0x92: "m-mbox-delete-conf", 0x93: "m-mbox-descr", 0x94: "m-delete-req",
		0x95: "m-delete-conf", 0x96: "m-cancel-req", 0x97: "m-cancel-conf",
	}
	messageClasses = map[Token]string{0x80: "Personal", 0x81: "Advertisement", 0x82: "Informational", 0x83: "Auto"}
	priorities     = map[Token]string{0x80: "Low", 0x81: "Normal", 0x82: "High"}
	// §7.3.48 X-Mms-Response-Status; 0x81–0x88 are the MMS 1.0 codes.
	responseStatuses = map[Token]string{
		0x80: "Ok",
		0x81: "Error-unspecified", 0x82: "Error-service-denied", 0x83: "Error-message-format-corrupt",
		0x84: "Error-sending-address-unresolved", 0x85: "Error-message-not-found",
		0x86: "Error-network-problem", 0x87: "Error-content-not-accepted", 0x88: "Error-unsupported-message",
		0xC0: "Error-transient-failure", 0xC1: "Error-transient-sending-address-unresolved",
		0xC2: "Error-transient-message-not-found", 0xC3: "Error-transient-network-problem",
		0xC4: "Error-transient-partial-success",
		0xE0: "Error-permanent-failure", 0xE1: "Error-permanent-service-denied",
		0xE2: "Error-permanent-message-format-corrupt", 0xE3: "Error-permanent-sending-address-unresolved",
		0xE4: "Error-permanent-message-not-found", 0xE5: "Error-permanent-content-not-accepted",
		0xE6: "Error-permanent-reply-charging-limitations-not-met",
		0xE7: "Error-permanent-reply-charging-request-not-accepted",
		0xE8: "Error-permanent-reply-charging-forwarding-denied",
		0xE9: "Error-permanent-reply-charging-not-supported",
		0xEA: "Error-permanent-address-hiding-not-supported",
		0xEB: "Error-permanent-lack-of-prepaid",
	}
	senderVisibilities = map[Token]string{0x80: "Hide", 0x81: "Show"}
	statuses           = map[Token]string{
		0x80: "Expired", 0x81: "Retrieved", 0x82: "Rejected", 0x83: "Deferred",
		0x84: "Unrecognised", 0x85: "Indeterminate", 0x86: "Forwarded", 0x87: "Unreachable",
	}
	retrieveStatuses = map[Token]string{
		0x80: "Ok", 0xC0: "Error-transient-failure", 0xC1: "Error-transient-message-not-found",
		0xC2: "Error-transient-network-problem", 0xE0: "Error-permanent-failure",
		0xE1: "Error-permanent-service-denied", 0xE2: "Error-permanent-message-not-found",
		0xE3: "Error-permanent-content-unsupported",
	}
	readStatuses  = map[Token]string{0x80: "Read", 0x81: "Deleted without being read"}
	replyCharging = map[Token]string{0x80: "Requested", 0x81: "Requested text only", 0x82: "Accepted", 0x83: "Accepted text only"}
	mmStates      = map[Token]string{0x80: "Draft", 0x81: "Sent", 0x82: "New", 0x83: "Retrieved", 0x84: "Forwarded"}
	storeStatuses = map[Token]string{
		0x80: "Success", 0xC0: "Error-transient-failure", 0xC1: "Error-transient-network-problem",
		0xE0: "Error-permanent-failure", 0xE1: "Error-permanent-service-denied",
		0xE2: "Error-permanent-message-format-corrupt", 0xE3: "Error-permanent-message-not-found",
		0xE4: "Error-permanent-mmbox-full",
	}
	retrievalModes = map[Token]string{0x80: "Manual"}
	contentClasses = map[Token]string{
		0x80: "text", 0x81: "image-basic", 0x82: "image-rich", 0x83: "video-basic",
		0x84: "video-rich", 0x85: "megapixel", 0x86: "content-basic", 0x87: "content-rich",
	}
	flagOps        = map[Token]string{0x80: "add", 0x81: "remove", 0x82: "filter"}
	quotaUnits     = map[Token]string{0x80: "messages", 0x81: "octets"}
	cancelStatuses = map[Token]string{0x80: "Cancel Request Successfully received", 0x81: "Cancel Request corrupted"}
)

// fields is the header table of OMA-MMS-ENC §7.4, indexed by code without its high bit.
var fields = [...]field{
	0x01: {"Bcc", encodedStringCodec, nil},
	0x02: {"Cc", encodedStringCodec, nil},
	0x03: {"X-Mms-Content-Location", contentLocationCodec, nil},
	0x04: {"Content-Type", contentTypeCodec, nil},
	0x05: {"Date", dateCodec, nil},
	0x06: {"X-Mms-Delivery-Report", tokenCodec, yesNo},
	0x07: {"X-Mms-Delivery-Time", timeCodec, nil},
	0x08: {"X-Mms-Expiry", timeCodec, nil},
	0x09: {"From", fromCodec, nil},
	0x0A: {"X-Mms-Message-Class", tokenOrTextCodec, messageClasses},
	0x0B: {"Message-ID", textCodec, nil},
	0x0C: {"X-Mms-Message-Type", tokenCodec, messageTypes},
	0x0D: {"X-Mms-MMS-Version", tokenCodec, nil},
	0x0E: {"X-Mms-Message-Size", longCodec, nil},
	0x0F: {"X-Mms-Priority", tokenCodec, priorities},
	0x10: {"X-Mms-Read-Report", tokenCodec, yesNo},
	0x11: {"X-Mms-Report-Allowed", tokenCodec, yesNo},
	0x12: {"X-Mms-Response-Status", tokenCodec, responseStatuses},
	0x13: {"X-Mms-Response-Text", encodedStringCodec, nil},
	0x14: {"X-Mms-Sender-Visibility", tokenCodec, senderVisibilities},
	0x15: {"X-Mms-Status", tokenCodec, statuses},
	0x16: {"Subject", encodedStringCodec, nil},
	0x17: {"To", encodedStringCodec, nil},
	0x18: {"X-Mms-Transaction-Id", textCodec, nil},
	0x19: {"X-Mms-Retrieve-Status", tokenCodec, retrieveStatuses},
	0x1A: {"X-Mms-Retrieve-Text", encodedStringCodec, nil},
	0x1B: {"X-Mms-Read-Status", tokenCodec, readStatuses},
	0x1C: {"X-Mms-Reply-Charging", tokenCodec, replyCharging},
	0x1D: {"X-Mms-Reply-Charging-Deadline", timeCodec, nil},
	0x1E: {"X-Mms-Reply-Charging-ID", textCodec, nil},
	0x1F: {"X-Mms-Reply-Charging-Size", longCodec, nil},
	0x20: {"X-Mms-Previously-Sent-By", prevSentByCodec, nil},
	0x21: {"X-Mms-Previously-Sent-Date", prevSentDateCodec, nil},
	0x22: {"X-Mms-Store", tokenCodec, yesNo},
	0x23: {"X-Mms-MM-State", tokenCodec, mmStates},
	0x24: {"X-Mms-MM-Flags", flagsCodec, nil},
	0x25: {"X-Mms-Store-Status", tokenCodec, storeStatuses},
	0x26: {"X-Mms-Store-Status-Text", encodedStringCodec, nil},
	0x27: {"X-Mms-Stored", tokenCodec, yesNo},
	0x28: {"X-Mms-Attributes", tokenCodec, nil},
	0x29: {"X-Mms-Totals", tokenCodec, yesNo},
	0x2A: {"X-Mms-Mbox-Totals", quotaCodec, nil},
	0x2B: {"X-Mms-Quotas", tokenCodec, yesNo},
	0x2C: {"X-Mms-Mbox-Quotas", quotaCodec, nil},
	0x2D: {"X-Mms-Message-Count", integerCodec, nil},
	0x2E: {"Content", rawCodec, nil},
	0x2F: {"X-Mms-Start", integerCodec, nil},
	0x30: {"Additional-headers", rawCodec, nil},
	0x31: {"X-Mms-Distribution-Indicator", tokenCodec, yesNo},
	0x32: {"X-Mms-Element-Descriptor", elementDescriptorCodec, nil},
	0x33: {"X-Mms-Limit", integerCodec, nil},
	0x34: {"X-Mms-Recommended-Retrieval-Mode", tokenCodec, retrievalModes},
	0x35: {"X-Mms-Recommended-Retrieval-Mode-Text", encodedStringCodec, nil},
	0x36: {"X-Mms-Status-Text", encodedStringCodec, nil},
	0x37: {"X-Mms-Applic-ID", textCodec, nil},
	0x38: {"X-Mms-Reply-Applic-ID", textCodec, nil},
	0x39: {"X-Mms-Aux-Applic-Info", textCodec, nil},
	0x3A: {"X-Mms-Content-Class", tokenCodec, contentClasses},
	0x3B: {"X-Mms-DRM-Content", tokenCodec, yesNo},
	0x3C: {"X-Mms-Adaptation-Allowed", tokenCodec, yesNo},
	0x3D: {"X-Mms-Replace-ID", textCodec, nil},
	0x3E: {"X-Mms-Cancel-ID", textCodec, nil},
	0x3F: {"X-Mms-Cancel-Status", tokenCodec, cancelStatuses},
}

// Header fields of multipart entries (WSP §8.4.2, Table 39), by code without the high bit.
var partFields = map[byte]field{
	0x0E: {"Content-Location", textCodec, nil},
	0x40: {"Content-ID", quotedCodec, nil},
	// Content-Disposition: 0x2E in WSP 1.1–1.3, 0x45 in WSP 1.4.
	0x2E: {"Content-Disposition", dispositionCodec, nil},
	0x45: {"Content-Disposition", dispositionCodec, nil},
}

// lookup returns the row for a PDU header code (high bit set); unknown codes get a raw row.
func lookup(code byte) field {
	if i := int(code & 0x7F); i < len(fields) && fields[i].codec != nil {
		return fields[i]
	}
	return field{codec: rawCodec}
}

func lookupPart(code byte) field {
	if f, ok := partFields[code&0x7F]; ok {
		return f
	}
	return field{codec: rawCodec}
}

// FieldName returns the name OMA-MMS-ENC gives a header field code (high bit set), or "" for
// a code it does not define.
func FieldName(code byte) string { return lookup(code).name }

// FieldCode returns the code of a header field named name (ASCII case ignored).
func FieldCode(name string) (byte, bool) {
	for i, f := range fields {
		if f.codec != nil && equalFold(f.name, name) {
			return byte(i) | 0x80, true
		}
	}
	return 0, false
}
