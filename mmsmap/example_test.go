// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mmsmap_test

import (
	"fmt"

	"github.com/maddy-mms/maddy-mms/mmsmap"
)

// nanp is the number plan of a North American operator: "1" as country code and trunk prefix,
// "011" as international prefix, ten-digit national numbers.
var nanp = mmsmap.NumberPlan{
	CountryCode:           "1",
	InternationalPrefixes: []string{"011"},
	NationalPrefixes:      []string{"1"},
	NationalLengths:       []int{10},
}

func ExampleParseAddress() {
	// A recipient as a peer may write it: separators in the number, the TYPE token and the domain
	// in unusual case.
	a, err := mmsmap.ParseAddress("+1-555-000-1111/type=plmn@MMS.example.net")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Type, a.Value, a.Domain)
	fmt.Println(a)

	// Normalise the number with the operator's plan (here it is already E.164), then write it the
	// way each peer wants it.
	if a, err = nanp.NormalizeAddress(a); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Format(mmsmap.FormPLMN, "mms.peer.example"))
	fmt.Println(a.Format(mmsmap.FormE164NoPlus, "hub.example"))

	// A space is no separator in an address (OMA-MMS-ENC §8 allows "-" and "."), so this one is
	// refused; NumberPlan.Normalize, for numbers people type, does take spaces.
	_, err = mmsmap.ParseAddress("+1 555-000-1111/type=plmn@MMS.example.net")
	fmt.Println(err)
	// Output:
	// PLMN +15550001111 mms.example.net
	// +15550001111/TYPE=PLMN@mms.example.net
	// +15550001111/TYPE=PLMN@mms.peer.example
	// 15550001111@hub.example
	// mmsmap: bad MMS address "+1 555-000-1111/type=plmn@MMS.example.net": PLMN value: character ' ' in a phone number
}

func ExampleNumberPlan_Normalize() {
	for _, number := range []string{
		"+1 555-000-1111",     // E.164 already: separators dropped
		"(555) 000-1111",      // national number of ten digits
		"1-555-000-1111",      // trunk prefix 1
		"011 49 1511 2345678", // international prefix 011
		"12345",               // short code
		"*31#",                // short code
	} {
		n, typ, err := nanp.Normalize(number)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-22q %-10s %s\n", number, typ, n)
	}
	_, _, err := nanp.Normalize("555-0100")
	fmt.Println(err)
	// Output:
	// "+1 555-000-1111"      PLMN       +15550001111
	// "(555) 000-1111"       PLMN       +15550001111
	// "1-555-000-1111"       PLMN       +15550001111
	// "011 49 1511 2345678"  PLMN       +4915112345678
	// "12345"                short code 12345
	// "*31#"                 short code *31#
	// mmsmap: bad MMS address "555-0100": no rule of the number plan matches
}
