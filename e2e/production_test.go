// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package e2e

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maddy-mms/maddy-mms/internal/pgtest"
)

const productionConfig = "../docs/production.conf"

// productionEdits are the strings of docs/production.conf a test run
// replaces: paths under /etc and /var, and the public listen addresses.
// Each must occur in the file, so that the test notices when the
// documented configuration changes under it.
func productionConfigFor(t *testing.T, replace map[string]string) string {
	t.Helper()
	b, err := os.ReadFile(productionConfig)
	if err != nil {
		t.Fatal(err)
	}
	c := string(b)
	for old, new := range replace {
		if !strings.Contains(c, old) {
			t.Fatalf("%s no longer contains %q: update this test", productionConfig, old)
		}
		c = strings.ReplaceAll(c, old, new)
	}
	path := filepath.Join(t.TempDir(), "maddy.conf")
	if err := os.WriteFile(path, []byte(c), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// productionEnv sets the variables docs/production.conf reads, for this
// test and the servers it starts; both stores on dsn.
func productionEnv(t *testing.T, dsn string) {
	for k, v := range map[string]string{
		"MMS_HOSTNAME":      "mx1.example.net",
		"MMS_STATE_DSN":     dsn,
		"MMS_MAIL_DSN":      dsn,
		"MMS_S3_ACCESS_KEY": "test-access",
		"MMS_S3_SECRET_KEY": "test-secret",
		"MMS_HUB_USER":      "mms-example-net",
		"MMS_HUB_PASSWORD":  "hub-password",
		"MMS_PEER_PASSWORD": "peer-password",
	} {
		t.Setenv(k, v)
	}
}

// TestProductionConfig: docs/production.conf, with its certificate and
// directory paths pointed at temporary ones and PostgreSQL from pgtest,
// passes verify-config; and two instances of it on one PostgreSQL start
// and serve what docs/production.md says: STARTTLS on the MM4 port with
// AUTH only after it, implicit TLS on the second MM4 port, IMAPS, MM1 over
// HTTPS, submission with STARTTLS, metrics on loopback.
func TestProductionConfig(t *testing.T) {
	dsn := pgtest.Start(t)
	productionEnv(t, dsn)
	certFile, keyFile, pool := selfSigned(t)
	paths := func(stateDir string) map[string]string {
		return map[string]string{
			"state_dir /var/lib/maddy\n":                     "state_dir " + stateDir + "\n",
			"runtime_dir /run/maddy\n":                       "runtime_dir " + stateDir + "/run\n",
			"/etc/maddy/certs/mms.example.net/fullchain.pem": certFile,
			"/etc/maddy/certs/mms.example.net/privkey.pem":   keyFile,
		}
	}

	t.Run("verify-config", func(t *testing.T) {
		config := productionConfigFor(t, paths(t.TempDir()))
		out, err := exec.Command(binary, "-config", config, "verify-config").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "configuration OK") {
			t.Fatalf("verify-config on %s: %v\n%s", productionConfig, err, out)
		}
	})

	// Two instances, as behind one MX: own state directories and ports,
	// one PostgreSQL. (Exactly-once across them: TestSharedPostgreSQL,
	// TestSharedStateDuplicates.)
	var servers []*server
	for i := 0; i < 2; i++ {
		s := &server{t: t, stateDir: t.TempDir(), ports: map[string]int{
			"MMS_MM4_PORT": freePort(t), "MM4_TLS_PORT": freePort(t), "MMS_SUBMISSION_PORT": freePort(t),
			"MMS_IMAP_PORT": freePort(t), "IMAP_PLAIN_PORT": freePort(t), "MMS_MM1_PORT": freePort(t),
			"METRICS_PORT": freePort(t),
		}}
		edits := paths(s.stateDir)
		for old, name := range map[string]string{
			"tcp://0.0.0.0:25 ":     "MMS_MM4_PORT",
			"tls://0.0.0.0:465 ":    "MM4_TLS_PORT",
			"tcp://0.0.0.0:587 ":    "MMS_SUBMISSION_PORT",
			"tls://0.0.0.0:993 ":    "MMS_IMAP_PORT",
			"tcp://0.0.0.0:143 ":    "IMAP_PLAIN_PORT",
			"tls://0.0.0.0:443 ":    "MMS_MM1_PORT",
			"tcp://127.0.0.1:9749 ": "METRICS_PORT",
		} {
			edits[old] = fmt.Sprintf("%s://127.0.0.1:%d ", old[:3], s.ports[name])
		}
		s.config = productionConfigFor(t, edits)
		t.Cleanup(s.stop)
		servers = append(servers, s)
	}
	for _, s := range servers {
		s.start()
	}

	tlsConfig := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	for i, s := range servers {
		t.Run(fmt.Sprintf("instance %d", i+1), func(t *testing.T) {
			checkSTARTTLSThenAuth(t, s.addr("MMS_MM4_PORT"), tlsConfig)
			checkSTARTTLSThenAuth(t, s.addr("MMS_SUBMISSION_PORT"), tlsConfig)

			// Implicit TLS on the second MM4 port: TLS first, then the greeting.
			c, err := tls.Dial("tcp", s.addr("MM4_TLS_PORT"), tlsConfig)
			if err != nil {
				t.Fatalf("MM4 over implicit TLS: %v", err)
			}
			line, err := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if err != nil || !strings.HasPrefix(line, "220 ") {
				t.Errorf("MM4 over implicit TLS: greeting %q, %v", line, err)
			}

			c, err = tls.Dial("tcp", s.addr("MMS_IMAP_PORT"), tlsConfig)
			if err != nil {
				t.Fatalf("IMAPS: %v", err)
			}
			line, err = bufio.NewReader(c).ReadString('\n')
			c.Close()
			if err != nil || !strings.HasPrefix(line, "* OK") {
				t.Errorf("IMAPS: greeting %q, %v", line, err)
			}

			// MM1 over HTTPS: without credentials, 401.
			hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig}}
			resp, err := hc.Post("https://"+s.addr("MMS_MM1_PORT")+"/mms", "application/vnd.wap.mms-message", strings.NewReader(""))
			if err != nil {
				t.Fatalf("MM1 over HTTPS: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("MM1 over HTTPS without credentials: %s, want 401", resp.Status)
			}

			resp, err = http.Get("http://" + s.addr("METRICS_PORT") + "/metrics")
			if err != nil {
				t.Fatalf("metrics: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("metrics: %s", resp.Status)
			}
		})
	}
}

// checkSTARTTLSThenAuth: the SMTP endpoint at addr offers STARTTLS, and
// AUTH (PLAIN and LOGIN) only once TLS is up.
func checkSTARTTLSThenAuth(t *testing.T, addr string, config *tls.Config) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClient(conn, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("peer.test"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatalf("%s: no STARTTLS", addr)
	}
	if ok, _ := c.Extension("AUTH"); ok {
		t.Errorf("%s: AUTH offered before STARTTLS", addr)
	}
	if err := c.StartTLS(config); err != nil {
		t.Fatalf("%s: STARTTLS: %v", addr, err)
	}
	ok, mechs := c.Extension("AUTH")
	if !ok || !strings.Contains(mechs, "PLAIN") || !strings.Contains(mechs, "LOGIN") {
		t.Errorf("%s: after STARTTLS AUTH is %v %q, want PLAIN and LOGIN", addr, ok, mechs)
	}
}
