// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package mm4 is the MM4 codec: it reads and writes the header of the six messages two MMS
// Relay/Servers (MMSCs) exchange over SMTP (3GPP TS 23.140 §8.4).
//
// MM4_forward.REQ carries an MM to the recipient's MMSC and MM4_forward.RES acknowledges it
// (§8.4.1); MM4_delivery_report.REQ/RES (§8.4.2) and MM4_read_reply_report.REQ/RES (§8.4.3) carry
// reports back to the originator's MMSC. Each is an RFC 5322 message whose information elements
// travel in X-Mms-* header fields and in From, To, Cc, Subject and Date (§8.4.4). Each goes in its
// own SMTP transaction; a RES is sent only when the REQ asked for it (X-Mms-Ack-Request: Yes), as
// a new transaction to the REQ's X-Mms-Originator-System, and it is matched to the REQ by the
// X-Mms-Transaction-ID it echoes (§8.4.5).
//
// [Parse] reads a message of any of the six types into a [Message]. It is lenient where
// TS 23.140 §8.4.6 asks a receiver to process what it understands: names and tokens in any case,
// quoted IDs, unknown fields skipped, and a bad value in an optional field ignored (recorded in
// [Message.Ignored]) rather than failing the message. A message that lacks a known type or a usable
// X-Mms-Transaction-ID cannot be answered, and Parse returns no message; one with a missing or bad
// mandatory field comes back partial, with an error, so that a REQ can still be answered with
// Error-message-format-corrupt ([FieldError.Unanswerable] tells the cases apart).
//
// [Message.Header] is strict: it writes only values Parse reads back, with the exact TS 23.140
// spellings in table order, since some peers match field names case-sensitively. [NewResponse]
// builds the RES answering a REQ. Errors are [FieldError] values that name the field in TS 23.140
// spelling, so that they suit an SMTP reply or an X-Mms-Status-Text.
//
// The codec works on the header only. The body is the MM's MIME content: see the sibling package
// sevenbit for making it 7-bit clean, and mm3 for the mapping between MMs and Internet mail.
package mm4
