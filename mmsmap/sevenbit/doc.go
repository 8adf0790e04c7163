// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package sevenbit makes a MIME message 7-bit clean for MM4 without changing what it says, and
// checks that a message's MIME structure is one every store and convert path can handle.
//
// 3GPP TS 23.140 §8.4.5 carries MM4 over SMTP without promising 8BITMIME or BINARYMIME, and MMSCs
// differ in what they accept, so an MM is best sent 7-bit safe, the way Mbuni base64-encodes every
// part that is not printable.
//
//   - [Convert] streams a message through, re-encoding only the leaf parts that need it in base64
//     (RFC 2045 §6, §6.8), rewriting 8-bit header fields (RFC 2047, RFC 2231) and the WAP multipart
//     types of MM1 (application/vnd.wap.multipart.X becomes multipart/X), and keeping the
//     multipart structure (RFC 2046 §5.1) and encapsulated messages (RFC 2046 §5.2.1). Since a
//     part's header (its Content-Transfer-Encoding) depends on what its body holds, it reads the
//     message twice: a first pass decides, for each leaf part, whether its body is clean; the
//     second writes, copying clean bodies and decoding (quoted-printable, RFC 2045 §6.7; base64,
//     RFC 2045 §6.8) and re-encoding the others on the fly.
//   - [Body] is Convert for a message already in memory: it reads its input whole.
//   - [Check] walks a message once, with the same code as Convert, and refuses a structure nested
//     too deeply, with too many parts, with a multipart lacking a usable boundary, any delimiter
//     line or its close delimiter (RFC 2046 §5.1.1), with a multipart or message/rfc822 entity
//     under a transfer encoding other than 7bit, 8bit or binary (RFC 2045 §6.4), or with a part
//     header that does not parse, is not ended by an empty line or is too long. 8-bit content is
//     no concern of Check, which serves the paths that store messages as they are. Convert refuses
//     the same structures.
//   - [Clean] tells, in one streaming pass, whether a message needs Convert at all.
//
// Memory does not grow with the size of the message or of its parts: Check and Convert hold no
// body whole, only fixed buffers of a few tens of KiB, the headers of the entities being walked
// (at most 64 KiB each, one per level of nesting), a preamble or epilogue of at most 64 KiB, and,
// in Convert, a few octets per leaf part. [Limits] bound the nesting depth and the number of parts
// ([DefaultLimits]: 32 levels, 1000 parts); the walk refuses an entity too deep before it goes
// down into it, so hostile nesting costs neither stack nor time. A structure that cannot be walked
// or converted gives a [*MIMEError].
package sevenbit
