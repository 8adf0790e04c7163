// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package mm3 maps between MMs and Internet mail as RFC 4356 describes (MM3, the interface between
// an MMS Relay/Server and Internet mail), one home per direction and one for reports:
//
//   - [ToInternetMail] (tomail.go) shows an MM, typically a received MM4_forward.REQ, as Internet
//     mail (RFC 4356 §2.1.3.2 and Table 1): MM4 transport fields removed, MMS addresses turned into
//     replyable mailboxes, X-Mms-Priority as Importance, X-Mms-Read-Reply as
//     Disposition-Notification-To, previously-sent entries as Resent-* blocks, a Received field
//     "with MMS", a hidden sender kept hidden; [MailEnvelope] gives its SMTP side (null sender,
//     DSN NOTIFY, DELIVER-BY).
//   - [NewForwardRequest] (frommail.go) turns the header of an Internet mail message into the
//     header of an MM4_forward.REQ to one peer and its SMTP envelope (RFC 4356 §2.1.3.3, with
//     3GPP TS 23.140 §8.4.1 for the REQ and §8.4.5 for the envelope); [CheckMailToMMS] applies the
//     refusals of §2.1.3.3 to mail delivered as it is.
//   - reports.go holds the report mappings of §2.1.4 as tables: MMS delivery report status to DSN
//     Action and Status (Table 4) and back (Table 5), read status to MDN disposition (Table 6)
//     and back (Table 7).
//
// What RFC 4356 keeps from crossing at all (personal or private Sensitivity, a hidden sender or
// reply charging towards Internet mail, a mail loop) is a [*Refusal]. All of it works on headers,
// so the cost is proportional to the header: the MIME body is adapted by the sibling package
// content (SMIL presentations for mail clients, HTML and charsets for handsets) and made 7-bit
// clean by sevenbit before a REQ goes out. docs/rfc4356.md in the repository lists every rule of
// the RFC and what is done with it.
package mm3
