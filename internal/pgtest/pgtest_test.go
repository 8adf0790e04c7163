package pgtest

import (
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"testing"

	_ "github.com/lib/pq"
)

func TestStart(t *testing.T) {
	// How long Start takes is logged by Start, not asserted: on a loaded
	// 2-core machine initdb alone can take 10 s.
	dsn := Start(t)
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var listen, dbname, fsync string
	if err := db.QueryRow(`SELECT current_setting('listen_addresses'), current_database(), current_setting('fsync')`).
		Scan(&listen, &dbname, &fsync); err != nil {
		t.Fatalf("query %q: %v", dsn, err)
	}
	if listen != "127.0.0.1" || dbname != DBName || fsync != "off" {
		t.Errorf("listen_addresses %q, database %q, fsync %q", listen, dbname, fsync)
	}
}

// fakeTB records Fatal/Skip instead of ending the real test.
type fakeTB struct {
	testing.TB
	fatal, skipped string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, a ...any) {
	f.fatal = fmt.Sprintf(format, a...)
	runtime.Goexit()
}
func (f *fakeTB) Skipf(format string, a ...any) {
	f.skipped = fmt.Sprintf(format, a...)
	runtime.Goexit()
}
func (f *fakeTB) Skip(a ...any) { f.skipped = fmt.Sprint(a...); runtime.Goexit() }
func (f *fakeTB) SkipNow()      { f.skipped = "SkipNow"; runtime.Goexit() }

func TestMissingBinariesFail(t *testing.T) {
	old := binGlob
	binGlob = t.TempDir() + "/*/bin"
	defer func() { binGlob = old }()
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(f)
	}()
	<-done
	if f.skipped != "" {
		t.Fatalf("Start skipped: %s", f.skipped)
	}
	if !strings.Contains(f.fatal, "install Debian's `postgresql` package") {
		t.Fatalf("Start did not fail with an install hint; fatal = %q", f.fatal)
	}
}
