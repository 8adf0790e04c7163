// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package content adapts the body of a message crossing between MMS and Internet mail, so that
// people can read it on the other side: the content adaptation of RFC 4356 §2.1.3 (MM3, the
// gateway between an MMS Relay/Server and Internet mail).
//
// An MM, as MM1 and MM4 (3GPP TS 23.140 §8.4.4) carry it, is a multipart/related (RFC 2387) rooted
// at a SMIL presentation (type="application/smil", start= the SMIL part's Content-ID), with text
// in US-ASCII, UTF-8 or UTF-16 and media
// parts that name themselves in Content-Location. Mail clients do not render SMIL and show a
// multipart/related badly; handsets, the other way, show neither HTML nor multipart/alternative
// well and know few charsets.
//
//   - [ForMail] (MMS → mail, RFC 4356 §2.1.3.2) makes the SMIL-rooted multipart/related a
//     multipart/mixed: text parts inline, media parts attachments with safe file names, the SMIL
//     part an attachment moved to the end; UTF-16 text becomes UTF-8; raw binary parts get base64.
//   - [ForMMS] (mail → MMS, RFC 4356 §2.1.3.3) keeps the text/plain alternative of a
//     multipart/alternative, turns HTML into plain text, transcodes text in other charsets
//     (ISO-8859-x, windows-125x, Shift_JIS, GB2312, …) to UTF-8, and gives raw binary parts
//     base64; attachments stay.
//
// Both stream: the body is read once, from an io.Reader, and written as it is read. Memory is
// bounded by the headers of the entities being walked (at most 64 KiB each, one per level of
// nesting) and fixed buffers of a few tens of KiB, plus at most one part held back (64 KiB): a
// SMIL part being moved, or a converted HTML alternative waiting to see whether a text/plain one
// follows. A 5 MB MM needs no 5 MB of memory. Parts that need no change are copied without being
// decoded (a base64 image is not decoded and re-encoded), so that adapting an MM whose media is
// base64 already costs about twice an io.Copy of it (BenchmarkForMail, BenchmarkCopy). A body that needs no change at all comes out octet for octet, and
// [Result].Changed is false.
//
// The MIME structure is walked with the rules of [sevenbit.Check], within [sevenbit.Limits] (the
// nesting depth and number of parts): what ForMail and ForMMS accept, Check accepts, and what they
// write passes Check too. A structure it refuses is a *[sevenbit.MIMEError] with a short reason,
// which suits a 554 5.6.0 reply. Hostile input gives errors, never a panic.
//
// File names given to attachments come from the part's Content-Disposition filename, its
// Content-Location (the last path segment) or its Content-Type name, in that order: RFC 2047
// encoded-words decoded, control characters and / \ : * ? " < > | replaced by "_", leading and
// trailing dots and spaces removed, at most 100 octets; a part without any gets "partN" and an
// extension for its media type. A non-ASCII name is written as an RFC 2231 filename* parameter
// in UTF-8.
//
// What is not done: SMIL is not turned into HTML (Mbuni's mms_format_special does that), media is
// not transcoded (AMR to MP3, sizes), UTF-32 is not transcoded, the charset of an HTML part is
// taken from its Content-Type only (not from a <meta> tag), and encapsulated messages
// (message/rfc822) are copied as they are.
package content
