// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package mm1mime converts between MM1 PDUs and MIME MMs: the binary m-send-req a handset
// submits (OMA-MMS-ENC §6.1) becomes an RFC 5322/MIME message in the form a mail-form MM takes
// when it is submitted over SMTP, and an MM stored or received in MIME form (MM4_forward.REQ,
// MM3 mail) becomes the m-retrieve-conf (OMA-MMS-ENC §6.3) the recipient's handset fetches.
// The correspondence of the information elements is that of 3GPP TS 23.140 Annex I (MM1 ⇄ MM4)
// and RFC 4356 Table 1; the body follows OMA-MMS-ENC §7.2.24 and WAP-230-WSP §8.5 on the MM1
// side and RFC 2045–2047, 2387 on the MIME side.
//
// ToMIME writes the header with the exact spellings the mm4 package writes (X-Mms-Message-ID,
// X-Mms-Read-Reply, X-Mms-Previously-sent-by …), with values mm4.Parse and mm3.NewForwardRequest
// (ClientFields) read back, and a 7-bit body: application/vnd.wap.multipart.related, .mixed and
// .alternative become multipart/related, /mixed and /alternative (type= and start= kept, a
// start and Content-ID given their angle brackets), each entry a body part with its Content-Type
// (charset MIBenum as a charset name, see [CharsetName]), Content-ID, Content-Location and
// Content-Disposition, its octets in base64, or for text in 7bit or quoted-printable. An entry
// that is itself a WSP multipart becomes a nested MIME multipart. ToRetrieveConf is the reverse,
// lenient about what mail peers write.
//
// Both directions bound their work: at most [MaxDepth] levels of nested multiparts, [MaxParts]
// body parts in all, and for ToRetrieveConf [MaxSize] octets of body; neither panics on hostile
// input.
package mm1mime
