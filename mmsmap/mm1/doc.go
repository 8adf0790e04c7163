// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package mm1 is the codec of MM1 PDUs, the binary messages a handset and an MMS Relay/Server
// exchange over WAP or HTTP (OMA-MMS-ENC, "MMS Encapsulation Protocol", 1.0–1.3; media type
// application/vnd.wap.mms-message).
//
// A PDU is a list of header fields, each a one-octet field code and a value in one of the WSP
// encodings (WAP-230-WSP §8.4.2: Short-integer, Long-integer, Uintvar, Value-length,
// Text-string, Encoded-string-value, Date-value, Content-type-value …), followed, after
// Content-Type, by a body: for the multipart content types a WSP multipart (WAP-230-WSP §8.5),
// whose entries carry their own content type and headers.
//
// The package is table-driven: each field code has a row (its OMA-MMS-ENC §7.4 name, the codec
// of its value and, for enumerations, the names of its tokens), so a [Header] holds the field
// code, its name and a typed [Value] ([Token], [Text], [EncodedString], [From], [TimeSpec],
// [ContentType], …).
//
// [Decode] is lenient, as OMA-MMS-ENC §7.1 asks a receiver to be: a field it does not know, or
// whose value does not follow its grammar, is kept as [Raw] octets (the general rule of
// WAP-230-WSP §8.4.1.2 delimits every value), application headers are kept by name, and a
// multipart body that does not parse is kept whole in [PDU.Body]. It bounds its work by the size
// of its input and by [MaxHeaders] and [MaxParts], and never panics.
//
// [PDU.Encode] writes values in the shortest form their grammar allows, Raw values as they are,
// with X-Mms-Message-Type, X-Mms-Transaction-Id and X-Mms-MMS-Version first and Content-Type
// last, as the layout rule of OMA-MMS-ENC §7 requires. Decoding what Encode wrote gives the
// same values back.
//
// Not decoded (kept Raw): the MMBox fields Content and Additional-headers, and the Q
// parameter. WSP header code-page shifts are refused.
package mm1
