// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package mm3 maps between MMs and Internet mail as RFC 4356 describes (MM3, the interface between
// an MMS Relay/Server and Internet mail), one function per direction:
//
//   - [ToInternetMail] (tomail.go) shows an MM, typically a received MM4_forward.REQ, as Internet
//     mail: MM4 transport fields removed, MMS addresses turned into replyable mailboxes
//     (RFC 4356 §2.1.3.2).
//   - [NewForwardRequest] (frommail.go) turns the header of an Internet mail message into the
//     header of an MM4_forward.REQ to one peer and its SMTP envelope (RFC 4356 §2.1.3.3, with
//     3GPP TS 23.140 §8.4.1 for the REQ and §8.4.5 for the envelope).
//
// Both work on the header; the MIME body is left alone. Before a REQ goes out, pass its header
// and body to sevenbit.Body to make them 7-bit clean. The conversion of reports between MMS and
// DSN/MDN form (RFC 4356 §2.1.4) is not done yet.
package mm3
