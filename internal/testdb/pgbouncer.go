package testdb

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// PgBouncer starts a PgBouncer in transaction pooling mode in front of the
// PostgreSQL server of postgresURL (any database of it) and returns the
// URL of the same database through the pooler. It keeps serverConns
// server connections per database, so that many client connections share
// few sessions, as in production. It is stopped when t ends. Without
// pgbouncer (Debian's package) it skips t, unless CI=true.
func PgBouncer(t testing.TB, postgresURL string, serverConns int) string {
	t.Helper()
	bin, err := lookPath("pgbouncer", "/usr/sbin/pgbouncer")
	if err != nil {
		if isCI() {
			t.Fatalf("testdb: pgbouncer is required when CI=true (apt-get install pgbouncer): %v", err)
		}
		t.Skipf("testdb: skipping: %v (apt-get install pgbouncer)", err)
	}
	target, err := url.Parse(postgresURL)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "rapport-pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	user := target.User.Username()
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = %d
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
logfile = %s
pidfile = %s
`, target.Hostname(), target.Port(), port, filepath.Join(dir, "users.txt"), serverConns,
		filepath.Join(dir, "log"), filepath.Join(dir, "pid"))
	files := map[string]string{"pgbouncer.ini": ini, "users.txt": fmt.Sprintf("%q \"\"\n", user)}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// PgBouncer will not run as root: run it as the postgres user, like
	// the throwaway cluster.
	cmd := exec.Command(bin, filepath.Join(dir, "pgbouncer.ini"))
	if os.Geteuid() == 0 {
		c := &cluster{dir: dir}
		if err := c.setOwner(); err != nil {
			t.Fatal(err)
		}
		cmd = exec.Command(c.runner, "-u", c.runAs, "--", bin, filepath.Join(dir, "pgbouncer.ini"))
	}
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testdb: starting pgbouncer: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Fatalf("testdb: pgbouncer does not listen on %s:\n%s", addr, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	pooled := *target
	pooled.Host = addr
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Logf("pgbouncer log (tail):\n%s", tail(string(log), 30))
		}
	})
	return pooled.String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
