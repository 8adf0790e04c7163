package imapsql

import (
	"strings"
	"testing"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-message/textproto"
	"gotest.tools/assert"
)

// TestDelivery_NoUIDListRead checks that delivery finds its target mailbox
// by ID only and never reads the mailbox's UID list. Reading it
// (listMsgUidsRecent, one row per message in the mailbox, which
// User.GetMailbox does for the IMAP server) made every delivery cost
// O(messages in the mailbox), so filling one mailbox cost O(n²).
//
// The statement that reads the UID list is closed for the test, so any
// delivery path that still reads it fails with "sql: statement is closed".
// All five mailbox lookups of Delivery.Mailbox and Delivery.SpecialMailbox
// are exercised, including the creation of missing mailboxes.
func TestDelivery_NoUIDListRead(t *testing.T) {
	b := initTestBackend().(*Backend)
	defer cleanBackend(b)

	const username = "uidlist-user"
	assert.NilError(t, b.CreateUser(username), "CreateUser")
	bu, err := b.GetUser(username)
	assert.NilError(t, err, "GetUser")
	u := bu.(*User)
	assert.NilError(t, u.CreateMailbox("Existing"), "CreateMailbox")
	assert.NilError(t, u.CreateMailboxSpecial("Spam", imap.JunkAttr), "CreateMailboxSpecial")

	deliver := func(name string, route func(d *Delivery) error) {
		t.Helper()
		d := b.NewDelivery()
		assert.NilError(t, d.AddRcpt(username, textproto.Header{}), "%s: AddRcpt", name)
		if route != nil {
			assert.NilError(t, route(&d), "%s: route", name)
		}
		assert.NilError(t, d.BodyRaw(strings.NewReader(testMsg)), "%s: BodyRaw", name)
		assert.NilError(t, d.Commit(), "%s: Commit", name)
	}

	// Messages already in the mailboxes, so that a UID list would have rows.
	deliver("before INBOX", nil)
	deliver("before Existing", func(d *Delivery) error { return d.Mailbox("Existing") })

	assert.NilError(t, b.listMsgUidsRecent.Close(), "Close listMsgUidsRecent")

	deliver("default INBOX", nil)
	deliver("INBOX", func(d *Delivery) error { return d.Mailbox("INBOX") })
	deliver("existing", func(d *Delivery) error { return d.Mailbox("Existing") })
	deliver("created", func(d *Delivery) error { return d.Mailbox("Created") })
	deliver("override", func(d *Delivery) error {
		d.UserMailbox(username, "Existing", nil)
		return d.Mailbox("INBOX")
	})
	deliver("missing override", func(d *Delivery) error {
		d.UserMailbox(username, "Missing", nil)
		return d.Mailbox("INBOX")
	})
	deliver("special existing", func(d *Delivery) error { return d.SpecialMailbox(imap.JunkAttr, "Junk") })
	deliver("special created", func(d *Delivery) error { return d.SpecialMailbox(imap.ArchiveAttr, "Archive") })
	deliver("special override", func(d *Delivery) error {
		d.UserMailbox(username, "Existing", nil)
		return d.SpecialMailbox(imap.JunkAttr, "Junk")
	})

	for name, want := range map[string]uint32{
		"INBOX":    1 + 3, // before, default, INBOX, missing override
		"Existing": 1 + 3, // before, existing, override, special override
		"Created":  1,
		"Spam":     1,
		"Archive":  1,
		"Junk":     0,
		"Missing":  0,
	} {
		status, err := u.Status(name, []imap.StatusItem{imap.StatusMessages})
		if want == 0 {
			assert.Assert(t, err != nil, "mailbox %s should not exist", name)
			continue
		}
		assert.NilError(t, err, "Status %s", name)
		assert.Equal(t, status.Messages, want, "messages in %s", name)
	}

	var archiveName string
	var archiveID uint64
	assert.NilError(t, b.specialUseMbox.QueryRow(u.id, imap.ArchiveAttr).Scan(&archiveName, &archiveID), "special-use lookup")
	assert.Equal(t, archiveName, "Archive")
}
