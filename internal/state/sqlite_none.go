//go:build nosqlite3

// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package state

// Built with the nosqlite3 tag (as maddy supports): no SQLite driver.
const sqliteImpl = ""

const sqliteParams = ""
