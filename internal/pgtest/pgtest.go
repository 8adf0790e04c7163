// Package pgtest starts a throw-away PostgreSQL server on loopback for tests
// that need a real one. It uses Debian's PostgreSQL binaries
// (/usr/lib/postgresql/<version>/bin, package "postgresql"); when they are
// missing the test fails - it is never skipped.
package pgtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// binGlob is where Debian (postgresql-common) installs the server binaries.
// A variable only so that this package's tests can point it elsewhere.
var binGlob = "/usr/lib/postgresql/*/bin"

// DBName is the database Start creates and its DSN names.
const DBName = "test"

// Start initialises and starts a private PostgreSQL cluster listening on
// 127.0.0.1 only (plus a Unix socket in its own temporary directory), with
// trust authentication for the superuser "postgres" and fsync off, creates
// the database DBName, and returns a lib/pq DSN for it, e.g.
//
//	host=127.0.0.1 port=40123 user=postgres dbname=test sslmode=disable
//
// The server is stopped and its files removed in t.Cleanup. When running as
// root, the server runs as the "postgres" system user (via runuser), since
// PostgreSQL refuses to run as root.
func Start(t testing.TB) string {
	t.Helper()
	start := time.Now()

	bin, err := findBinDir()
	if err != nil {
		t.Fatalf("pgtest: %v; install Debian's `postgresql` package (apt-get install postgresql; scripts/test.sh does this)", err)
	}

	run, chown, err := runAs()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}

	// Not t.TempDir(): its parents are root-only (0700) when running as
	// root, and the postgres user must be able to reach the data directory.
	base, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	removeBase := func() {
		if err := os.RemoveAll(base); err != nil {
			t.Logf("pgtest: remove %s: %v", base, err)
		}
	}
	dataDir := filepath.Join(base, "data")
	sockDir := filepath.Join(base, "sock")
	logFile := filepath.Join(base, "postgres.log")
	if err := os.Mkdir(sockDir, 0o700); err != nil {
		removeBase()
		t.Fatalf("pgtest: %v", err)
	}
	if chown != nil {
		for _, p := range []string{base, sockDir} {
			if err := chown(p); err != nil {
				removeBase()
				t.Fatalf("pgtest: %v", err)
			}
		}
	}

	// initdb: --no-sync and --no-locale keep it fast (~1 s).
	if out, err := run(base, filepath.Join(bin, "initdb"),
		"-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--no-locale", "--no-sync", "--no-instructions"); err != nil {
		removeBase()
		t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}

	// Pick a free port; retry if another process grabs it before postgres
	// binds it.
	var port int
	started := false
	var lastOut []byte
	for attempt := 0; attempt < 5 && !started; attempt++ {
		port, err = freePort()
		if err != nil {
			removeBase()
			t.Fatalf("pgtest: %v", err)
		}
		opts := strings.Join([]string{
			"-c listen_addresses=127.0.0.1",
			"-p " + strconv.Itoa(port),
			"-k '" + sockDir + "'", // pg_ctl passes -o through the shell
			"-c fsync=off",
			"-c synchronous_commit=off",
			"-c full_page_writes=off",
			"-c max_connections=100",
		}, " ")
		out, err := run(base, filepath.Join(bin, "pg_ctl"),
			"start", "-w", "-t", "30", "-s", "-D", dataDir, "-l", logFile, "-o", opts)
		if err == nil {
			started = true
			break
		}
		lastOut = append(out, readTail(logFile)...)
		if !bytes.Contains(lastOut, []byte("could not bind")) &&
			!bytes.Contains(lastOut, []byte("could not create any TCP/IP sockets")) {
			break
		}
	}
	if !started {
		stop(run, bin, base, dataDir)
		removeBase()
		t.Fatalf("pgtest: pg_ctl start failed:\n%s", lastOut)
	}
	t.Cleanup(func() {
		if out, err := stop(run, bin, base, dataDir); err != nil {
			t.Logf("pgtest: pg_ctl stop: %v\n%s", err, out)
		}
		removeBase()
	})

	if out, err := run(base, filepath.Join(bin, "createdb"),
		"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "postgres", DBName); err != nil {
		t.Fatalf("pgtest: createdb: %v\n%s\n%s", err, out, readTail(logFile))
	}

	t.Logf("pgtest: PostgreSQL (%s) on 127.0.0.1:%d started in %v", bin, port, time.Since(start).Round(time.Millisecond))
	return fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=%s sslmode=disable", port, DBName)
}

func stop(run runFunc, bin, base, dataDir string) ([]byte, error) {
	return run(base, filepath.Join(bin, "pg_ctl"), "stop", "-s", "-m", "fast", "-w", "-t", "30", "-D", dataDir)
}

// findBinDir returns the bin directory of the highest installed PostgreSQL
// version that has initdb, pg_ctl and createdb.
func findBinDir() (string, error) {
	dirs, _ := filepath.Glob(binGlob)
	type cand struct {
		dir string
		ver []int
	}
	var cands []cand
	for _, d := range dirs {
		ok := true
		for _, prog := range []string{"initdb", "pg_ctl", "createdb", "postgres"} {
			if fi, err := os.Stat(filepath.Join(d, prog)); err != nil || fi.IsDir() {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		var ver []int
		for _, part := range strings.Split(filepath.Base(filepath.Dir(d)), ".") {
			n, err := strconv.Atoi(part)
			if err != nil {
				n = -1
			}
			ver = append(ver, n)
		}
		cands = append(cands, cand{d, ver})
	}
	if len(cands) == 0 {
		return "", fmt.Errorf("no PostgreSQL server binaries (initdb, pg_ctl, createdb, postgres) found in %s", binGlob)
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i].ver, cands[j].ver
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] > b[k]
			}
		}
		return len(a) > len(b)
	})
	return cands[0].dir, nil
}

type runFunc func(dir, prog string, args ...string) ([]byte, error)

// runAs returns how to run the PostgreSQL programs: directly, or, as root,
// as the "postgres" user via runuser, together with a function giving that
// user ownership of a directory.
func runAs() (runFunc, func(string) error, error) {
	env := append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	if os.Geteuid() != 0 {
		return func(dir, prog string, args ...string) ([]byte, error) {
			cmd := exec.Command(prog, args...)
			cmd.Dir = dir
			cmd.Env = env
			return cmd.CombinedOutput()
		}, nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, nil, fmt.Errorf("running as root but there is no \"postgres\" system user to run PostgreSQL as (install Debian's `postgresql` package): %v", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return nil, nil, fmt.Errorf("bad uid/gid %q/%q for user postgres", u.Uid, u.Gid)
	}
	runuser, err := exec.LookPath("runuser")
	if err != nil {
		for _, p := range []string{"/usr/sbin/runuser", "/sbin/runuser"} {
			if _, e := os.Stat(p); e == nil {
				runuser, err = p, nil
				break
			}
		}
		if err != nil {
			return nil, nil, fmt.Errorf("running as root needs runuser (util-linux) to start PostgreSQL as user postgres: %v", err)
		}
	}
	run := func(dir, prog string, args ...string) ([]byte, error) {
		cmd := exec.Command(runuser, append([]string{"-u", "postgres", "--", prog}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(env, "HOME="+u.HomeDir, "USER=postgres", "LOGNAME=postgres")
		return cmd.CombinedOutput()
	}
	chown := func(p string) error { return os.Chown(p, uid, gid) }
	return run, chown, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// readTail returns the last few KB of the server log, for error messages.
func readTail(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	return append([]byte("\n--- postgres.log ---\n"), b...)
}
