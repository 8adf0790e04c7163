// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package mm4

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/lex"
)

// Expiry is the value of X-Mms-Expiry (3GPP TS 23.140 §8.4.1). Both forms occur on the wire: relative seconds
// ("600") and an absolute date. At most one of the fields is set; both zero means no expiry.
type Expiry struct {
	Relative time.Duration // time to live from the message's handling; whole seconds on the wire
	Absolute time.Time     // expiry instant
}

// ParseExpiry interprets an X-Mms-Expiry value: a decimal number of seconds (a relative expiry; "0"
// gives the zero Expiry), or an RFC 5322 date-time or HTTP-date (RFC 9110 §5.6.7, the obsolete RFC 850
// and asctime forms included). The error is a *FieldError for HdrExpiry.
func ParseExpiry(s string) (Expiry, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxValueLength {
		return Expiry{}, &FieldError{Field: HdrExpiry, Value: s, Reason: reasonTooLong(maxValueLength)}
	}
	e, err := parseExpiry(s)
	if err != nil {
		return Expiry{}, &FieldError{Field: HdrExpiry, Value: s, Reason: err.Error()}
	}
	return e, nil
}

// maxExpirySeconds is the longest relative expiry a time.Duration holds.
const maxExpirySeconds = math.MaxInt64 / int64(time.Second)

// parseExpiry is ParseExpiry on a trimmed value of bounded length.
func parseExpiry(s string) (Expiry, error) {
	if s == "" {
		return Expiry{}, errors.New("empty value")
	}
	if decimalDigitsOnly(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > maxExpirySeconds {
			return Expiry{}, errors.New("relative expiry out of range")
		}
		return Expiry{Relative: time.Duration(n) * time.Second}, nil
	}
	t, err := lex.ParseDate(s)
	if err != nil {
		return Expiry{}, errors.New("neither a number of seconds nor a date")
	}
	return Expiry{Absolute: t}, nil
}

// headerValue formats e for X-Mms-Expiry: an absolute expiry as an RFC 5322 date-time, a relative one
// in whole seconds (at least 1). When both are set the absolute one wins. It returns "" for none.
func (e Expiry) headerValue() string {
	switch {
	case !e.Absolute.IsZero():
		return e.Absolute.Format(time.RFC1123Z)
	case e.Relative > 0:
		secs := int64(e.Relative / time.Second)
		if secs == 0 {
			secs = 1
		}
		return strconv.FormatInt(secs, 10)
	}
	return ""
}
