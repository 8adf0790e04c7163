// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm3

import (
	"bufio"
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"
)

func TestCheckMailToMMS(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		field        string // of the Refusal; "" for none
	}{
		{"plain", "Subject: hi\r\n", ""},
		{"company confidential", "Sensitivity: Company-Confidential\r\n", ""},
		{"personal", "Sensitivity: Personal\r\n", "Sensitivity"},
		{"private, spaces", "Sensitivity:   private  \r\n", "Sensitivity"},
		{"100 Received", strings.Repeat("Received: from a by b; Thu, 1 Jan 2026 00:00:00 +0000\r\n", 100), ""},
		{"101 Received", strings.Repeat("Received: from a by b; Thu, 1 Jan 2026 00:00:00 +0000\r\n", 101), "Received"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(tc.header + "\r\n")))
			if err != nil {
				t.Fatal(err)
			}
			err = CheckMailToMMS(h)
			var ref *Refusal
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.field != "" && (!errors.As(err, &ref) || ref.Field != tc.field):
				t.Errorf("got %v, want a refusal for %s", err, tc.field)
			}
		})
	}
}
