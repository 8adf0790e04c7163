// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm1mime

import "strings"

// charsets maps IANA MIBenum numbers, which MM1 carries (OMA-MMS-ENC §7.2.9, WSP §8.4.2.8), to the
// charset names MIME carries; the first name of each row is the one written, the others are
// aliases read.
var charsets = []struct {
	mib   uint64
	names []string
}{
	{3, []string{"us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us"}},
	{4, []string{"iso-8859-1", "iso_8859-1", "latin1", "l1"}},
	{5, []string{"iso-8859-2", "iso_8859-2", "latin2"}},
	{6, []string{"iso-8859-3", "iso_8859-3"}},
	{7, []string{"iso-8859-4", "iso_8859-4"}},
	{8, []string{"iso-8859-5", "iso_8859-5"}},
	{9, []string{"iso-8859-6", "iso_8859-6"}},
	{10, []string{"iso-8859-7", "iso_8859-7"}},
	{11, []string{"iso-8859-8", "iso_8859-8"}},
	{12, []string{"iso-8859-9", "iso_8859-9", "latin5"}},
	{13, []string{"iso-8859-10", "latin6"}},
	{17, []string{"shift_jis", "shift-jis", "sjis", "ms_kanji"}},
	{18, []string{"euc-jp"}},
	{36, []string{"ks_c_5601-1987"}},
	{37, []string{"iso-2022-kr"}},
	{38, []string{"euc-kr"}},
	{39, []string{"iso-2022-jp"}},
	{40, []string{"iso-2022-jp-2"}},
	{106, []string{"utf-8", "utf8"}},
	{109, []string{"iso-8859-13"}},
	{110, []string{"iso-8859-14"}},
	{111, []string{"iso-8859-15", "latin-9"}},
	{112, []string{"iso-8859-16"}},
	{113, []string{"gbk", "cp936"}},
	{114, []string{"gb18030"}},
	{1000, []string{"iso-10646-ucs-2", "ucs-2"}},
	{1012, []string{"utf-7"}},
	{1013, []string{"utf-16be"}},
	{1014, []string{"utf-16le"}},
	{1015, []string{"utf-16"}},
	{1017, []string{"utf-32"}},
	{1018, []string{"utf-32be"}},
	{1019, []string{"utf-32le"}},
	{2025, []string{"gb2312"}},
	{2026, []string{"big5"}},
	{2084, []string{"koi8-r"}},
	{2088, []string{"koi8-u"}},
	{2101, []string{"big5-hkscs"}},
	{2250, []string{"windows-1250"}},
	{2251, []string{"windows-1251"}},
	{2252, []string{"windows-1252"}},
	{2253, []string{"windows-1253"}},
	{2254, []string{"windows-1254"}},
	{2255, []string{"windows-1255"}},
	{2256, []string{"windows-1256"}},
	{2257, []string{"windows-1257"}},
	{2258, []string{"windows-1258"}},
	{2259, []string{"tis-620"}},
}

// CharsetName returns the MIME name of the charset with IANA MIBenum mib ("utf-8" for 106),
// or "" for one the table lacks.
func CharsetName(mib uint64) string {
	for _, c := range charsets {
		if c.mib == mib {
			return c.names[0]
		}
	}
	return ""
}

// CharsetMIB returns the IANA MIBenum of the charset called name (ASCII case ignored), or
// false for one the table lacks.
func CharsetMIB(name string) (uint64, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, c := range charsets {
		for _, n := range c.names {
			if n == name {
				return c.mib, true
			}
		}
	}
	return 0, false
}

// asciiCompatible reports whether text in the charset named keeps ASCII octets for ASCII
// characters, so that quoted-printable suits it (not so UTF-16, UCS-2, UTF-32 and UTF-7).
func asciiCompatible(name string) bool {
	mib, ok := CharsetMIB(name)
	if !ok {
		return name == ""
	}
	switch mib {
	case 1000, 1012, 1013, 1014, 1015, 1017, 1018, 1019:
		return false
	}
	return true
}
