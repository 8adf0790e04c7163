// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package mmsmap is a Go library for the Internet-mail side of MMS: MMS addresses, number plans and
// status codes here, and, in its sub-packages, the MM4 codec, the MM3 mapping and 7-bit bodies.
//
// MMS moves multimedia messages (MMs) between handsets and MMS Relay/Servers (MMSCs) over
// numbered interfaces: MM1 is the handset's interface, with binary PDUs (OMA-MMS-ENC), MM3 joins an
// MMSC to Internet mail (RFC 4356), and MM4 joins two MMSCs, which exchange RFC 5322 messages with
// X-Mms-* header fields over SMTP (3GPP TS 23.140 §8.4). This library is pure Go: it imports no
// mail server, and every function bounds the work hostile input can cause.
//
// # Packages
//
//   - mmsmap (this package): MMS addresses ([Address], [ParseAddress], [ParseAddressList]; the
//     grammar of OMA-MMS-ENC §8 and the forms real peers write), number plans that normalise
//     numbers to E.164 ([NumberPlan], [Form] for writing them to a peer), and the status codes
//     shared by MM1 and MM4 ([RequestStatus], [MMStatus], [ReadStatus]).
//   - [github.com/maddy-mms/maddy-mms/mmsmap/mm4]: the MM4 codec. mm4.Parse reads any of the six
//     MM4 messages (forward, delivery report and read-reply report, each a REQ and a RES;
//     TS 23.140 §8.4.1–§8.4.3) from a header, leniently, the way TS 23.140 §8.4.6 asks;
//     mm4.Message.Header writes one with the exact 3GPP spellings; mm4.NewResponse builds the RES
//     for a REQ.
//   - [github.com/maddy-mms/maddy-mms/mmsmap/mm3]: the RFC 4356 mapping between MMs and Internet
//     mail, one function per direction: mm3.ToInternetMail (RFC 4356 §2.1.3.2) and
//     mm3.NewForwardRequest (RFC 4356 §2.1.3.3, producing an MM4_forward.REQ and its envelope),
//     and the report tables of RFC 4356 §2.1.4 (delivery reports ⇄ DSN, read reports ⇄ MDN).
//   - [github.com/maddy-mms/maddy-mms/mmsmap/content]: content.ForMail and content.ForMMS adapt
//     an MM's body for mail clients (SMIL presentation as text and attachments) and a mail's body
//     for handsets (plain text, UTF-8), streaming.
//   - [github.com/maddy-mms/maddy-mms/mmsmap/mm1]: the MM1 binary PDU codec (OMA-MMS-ENC, WAP-230
//     WSP encodings): mm1.Decode reads any m-*-req/conf/ind PDU, leniently, and PDU.Encode writes
//     it, driven by a table of header fields and their value codecs.
//   - [github.com/maddy-mms/maddy-mms/mmsmap/mm1mime]: conversion between MM1 PDUs and MIME MMs
//     (3GPP TS 23.140 Annex I, OMA-MMS-ENC): mm1mime.ToMIME turns an m-send-req (or
//     m-retrieve-conf, m-forward-req) into an RFC 5322/MIME message with X-Mms-* fields, as a
//     mail-form MM submitted over SMTP looks, and mm1mime.ToRetrieveConf turns an MM in MIME form
//     (stored, or received over MM4 or MM3) into the m-retrieve-conf a handset fetches.
//   - [github.com/maddy-mms/maddy-mms/mmsmap/sevenbit]: sevenbit.Check validates a message's MIME
//     structure (nesting, parts, boundaries) before it is stored or converted; sevenbit.Convert
//     re-encodes a MIME body so that it is 7-bit clean for MM4, keeping its structure, streaming
//     with bounded memory; sevenbit.Clean tells, in one streaming pass, whether that is needed.
//
// # How to use
//
// Addresses arrive in many forms ("+15550001111/TYPE=PLMN@mms.example.net", "15550001111@hub",
// `"Alice" <+1-555-000-1111/type=plmn@MMS.example.net>`). Parse them with [ParseAddress] (or
// [ParseAddressList] for a To or Cc value), normalise numbers with the operator's [NumberPlan],
// and write them for a peer with [Address.Format] in the [Form] that peer expects:
//
//	a, err := mmsmap.ParseAddress(rcpt)
//	...
//	a, err = plan.NormalizeAddress(a) // "+15550001111"
//	...
//	to := a.Format(peer.Form, peer.Domain)
//
// An MMSC that receives MM4 over SMTP reads the header of each message with mm4.Parse, answers a
// REQ that asks for it with the RES built by mm4.NewResponse (written by mm4.Message.Header and
// sent in its own SMTP transaction), and shows a forwarded MM to a mail user with
// mm3.ToInternetMail. In the other direction, mm3.NewForwardRequest turns a subscriber's mail into
// an MM4_forward.REQ for a peer, and sevenbit.Convert makes its body safe for the peer's SMTP.
//
// Errors name what is wrong: [AddressError] here, mm4.FieldError for an MM4 header field (its
// spelling is TS 23.140's, so it suits an SMTP reply or an X-Mms-Status-Text), and
// sevenbit.MIMEError for a body that cannot be made 7-bit clean.
package mmsmap
