// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package sevenbit makes a MIME message 7-bit clean for MM4 without changing what it says.
//
// 3GPP TS 23.140 §8.4.5 carries MM4 over SMTP without promising 8BITMIME or BINARYMIME, and MMSCs
// differ in what they accept, so an MM is best sent 7-bit safe, the way Mbuni base64-encodes every
// part that is not printable. [Body] streams a message through, re-encoding only the parts that
// need it (RFC 2045 §6), rewriting 8-bit header fields (RFC 2047, RFC 2231) and the WAP multipart
// types of MM1 (application/vnd.wap.multipart.X becomes multipart/X); [Clean] tells, in one
// streaming pass, whether a message needs Body at all.
//
// Both bound their work and memory ([MaxMIMEDepth], [MaxMIMEParts], [MaxBufferedPart]); a
// structure Body cannot repair gives a [*MIMEError].
package sevenbit
