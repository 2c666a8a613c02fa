package testdb

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// cluster is a throwaway PostgreSQL cluster living in its own temporary
// directory, listening on 127.0.0.1 on a kernel-chosen port, so that several
// test processes can each run one at the same time.
type cluster struct {
	bin    string // directory holding initdb and pg_ctl
	dir    string // data directory; also holds the server log and the Unix socket
	runAs  string // run initdb/pg_ctl as this user via runuser ("" = directly)
	port   int
	runner string // path of runuser, when runAs is set
}

// startCluster initializes and starts a new cluster. On failure nothing is
// left running and the directory is removed.
func startCluster() (*cluster, error) {
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	c := &cluster{bin: bin}
	if c.dir, err = os.MkdirTemp("", "rapport-pg-"); err != nil {
		return nil, err
	}
	if err := c.setOwner(); err != nil {
		os.RemoveAll(c.dir)
		return nil, err
	}
	if out, err := c.run("initdb", "-D", c.dir, "-A", "trust", "-U", "postgres",
		"--no-sync", "-E", "UTF8", "--locale=C", "--lc-ctype=C.UTF-8"); err != nil { // pg_trgm reads CJK text as letters only under a Unicode LC_CTYPE
		os.RemoveAll(c.dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	// The port may be taken by someone else between freePort and the server's
	// bind, so retry a few times with a new one.
	for attempt := 0; attempt < 3; attempt++ {
		if c.port, err = freePort(); err != nil {
			break
		}
		opts := fmt.Sprintf("-p %d -k '%s' -c listen_addresses=127.0.0.1 -c fsync=off"+
			" -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", c.port, c.dir)
		out, startErr := c.run("pg_ctl", "-D", c.dir, "-l", c.logFile(), "-o", opts, "-w", "start")
		if startErr == nil {
			return c, nil
		}
		err = fmt.Errorf("pg_ctl start (port %d): %v\n%s\nserver log (tail):\n%s", c.port, startErr, out, c.logTail())
		c.run("pg_ctl", "-D", c.dir, "-m", "immediate", "stop") // in case it is half up
	}
	os.RemoveAll(c.dir)
	return nil, err
}

// url is the lib/pq URL of the cluster's "postgres" database.
func (c *cluster) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// stop shuts the server down immediately and removes its directory.
func (c *cluster) stop() error {
	var errs []error
	if out, err := c.run("pg_ctl", "-D", c.dir, "-m", "immediate", "stop"); err != nil {
		errs = append(errs, fmt.Errorf("pg_ctl stop: %v\n%s", err, out))
	}
	if err := os.RemoveAll(c.dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// setOwner prepares for running as root: initdb refuses to run as root, so
// the binaries run as the postgres user, who must own the directory.
func (c *cluster) setOwner() error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs a 'postgres' user to run initdb as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(c.dir, uid, gid); err != nil {
		return err
	}
	c.runAs = "postgres"
	c.runner, err = lookPath("runuser", "/usr/sbin/runuser", "/sbin/runuser")
	return err
}

// run runs one of the PostgreSQL binaries, as c.runAs when set, and returns
// its combined output.
func (c *cluster) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, name)
	cmd := exec.Command(path, args...)
	if c.runAs != "" {
		cmd = exec.Command(c.runner, append([]string{"-u", c.runAs, "--", path}, args...)...)
	}
	cmd.Dir = c.dir // a working directory the postgres user can enter
	// The server's output goes to the log file, but never hang on a
	// stray child holding our pipe.
	cmd.WaitDelay = 5 * time.Second
	return cmd.CombinedOutput()
}

func (c *cluster) logFile() string { return filepath.Join(c.dir, "log") }

// logTail returns the last lines of the server log.
func (c *cluster) logTail() string {
	b, err := os.ReadFile(c.logFile())
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

// findBinDir returns the directory holding initdb and pg_ctl: from PATH
// first, else the highest version in /usr/lib/postgresql/*/bin (Debian and
// Ubuntu do not put them on PATH).
func findBinDir() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil && hasBinaries(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(dir string) float64 { // "15", "9.6"
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
		return v
	}
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if hasBinaries(d) {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin")
}

func hasBinaries(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl"} {
		if _, err := exec.LookPath(filepath.Join(dir, name)); err != nil {
			return false
		}
	}
	return true
}

// lookPath finds name on PATH, else at the first existing fallback path.
func lookPath(name string, fallbacks ...string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, p := range fallbacks {
		if _, err := exec.LookPath(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", name)
}

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
