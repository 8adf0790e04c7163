//go:build nosqlite3

package reqstore

// Built with the nosqlite3 tag (as maddy supports): no SQLite driver.
const sqliteImpl = ""

const sqliteParams = ""
