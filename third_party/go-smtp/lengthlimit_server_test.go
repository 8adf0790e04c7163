package smtp_test

import (
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"
)

func TestServer_TooLongCommandPipelinedAfterData(t *testing.T) {
	_, s, c, scanner, _ := testServerEhlo(t, func(s *smtp.Server) { s.MaxLineLength = 100 })
	defer s.Close()
	defer c.Close()

	io.WriteString(c, "MAIL FROM:<root@nsa.gov>\r\n")
	scanner.Scan()
	io.WriteString(c, "RCPT TO:<root@gchq.gov.uk>\r\n")
	scanner.Scan()
	io.WriteString(c, "DATA\r\n")
	scanner.Scan()
	// The message, its final dot and an over-long NOOP in one write.
	io.WriteString(c, "Subject: hi\r\n\r\nbody\r\n.\r\nNOOP "+strings.Repeat("x", 300)+"\r\n")
	var replies []string
	for scanner.Scan() {
		replies = append(replies, scanner.Text())
	}
	for _, r := range replies {
		if strings.HasPrefix(r, "250 2.0.0") && strings.Contains(r, "nothing") {
			t.Errorf("a prefix of the over-long command was executed: %q", replies)
		}
	}
	if len(replies) == 0 || !strings.HasPrefix(replies[len(replies)-1], "500 5.4.0") {
		t.Errorf("replies %q, want the last to be 500 5.4.0", replies)
	}
}
