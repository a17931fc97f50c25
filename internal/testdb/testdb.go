// Package testdb starts a throwaway MariaDB for tests, benchmarks and the demo, or
// uses an existing server named by CUTOVER_TEST_MYSQL_DSN. A template datadir is
// made once per machine and copied per server, so a server starts in well under a
// second.
package testdb

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// EnvDSN names an existing server to use instead of a throwaway one.
const EnvDSN = "CUTOVER_TEST_MYSQL_DSN"

// Server is a MySQL-family server the caller may create databases on.
type Server struct {
	base *mysql.Config
	// Socket is the unix socket of a throwaway server, empty for an existing one.
	Socket string
	dir    string
	cmd    *exec.Cmd
	exited chan error
	proc   process // how to start mariadbd again (control.go)
}

// InstallHint is the one-line advice printed when no server binary is found.
const InstallHint = "no MariaDB server found (mariadbd): install it with `sudo apt-get install -y mariadb-server` on Debian/Ubuntu, or set " + EnvDSN + " to an existing MySQL/MariaDB server"

// Start returns the server named by CUTOVER_TEST_MYSQL_DSN, or starts a throwaway
// MariaDB whose files live in a temporary directory removed by Stop.
func Start(ctx context.Context) (*Server, error) {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("%s is not a valid DSN: %w", EnvDSN, err)
		}
		cfg.DBName = ""
		s := &Server{base: cfg}
		if err := s.ping(ctx, 10*time.Second); err != nil {
			return nil, fmt.Errorf("server named by %s: %w", EnvDSN, err)
		}
		return s, nil
	}
	return startLocal(ctx, Options{})
}

// StartT is Start for a test binary's TestMain-less use: it stops the server when
// the test ends.
func StartT(t testing.TB) *Server {
	t.Helper()
	s, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

func findBinary(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/usr/local/mysql/bin", "/usr/local/bin"} {
			p := filepath.Join(dir, n)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p
			}
		}
	}
	return ""
}

func startLocal(ctx context.Context, o Options) (*Server, error) {
	mariadbd := findBinary("mariadbd", "mysqld")
	installDB := findBinary("mariadb-install-db", "mysql_install_db")
	if mariadbd == "" || installDB == "" {
		return nil, errors.New(InstallHint)
	}
	template, err := ensureTemplate(ctx, mariadbd, installDB)
	if err != nil {
		return nil, err
	}
	// A short directory under /tmp: a unix socket path must stay under 108 bytes.
	dir, err := os.MkdirTemp("/tmp", "cutover-db-")
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := copyDataDir(ctx, template, data, o); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	sock := filepath.Join(dir, "s.sock")
	args := []string{"--no-defaults"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	args = append(args,
		"--datadir="+data, "--socket="+sock, "--skip-networking", "--tmpdir="+dir,
		"--pid-file="+filepath.Join(dir, "pid"), "--log-error="+filepath.Join(dir, "error.log"),
		"--skip-log-bin", "--local-infile=1", "--max-connections=1000",
		"--innodb-buffer-pool-size=128M", "--innodb-log-file-size=96M",
		"--performance-schema=OFF", "--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_general_ci",
	)
	args = append(args, o.Args...)
	if len(o.Wrap) > 0 {
		args = append(append(append([]string{}, o.Wrap[1:]...), mariadbd), args...)
		mariadbd = o.Wrap[0]
	}
	// Not CommandContext: the server must outlive ctx, which only bounds the start.
	cmd := exec.Command(mariadbd, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", mariadbd, err)
	}
	cfg := mysql.NewConfig()
	cfg.User = "root"
	cfg.Net = "unix"
	cfg.Addr = sock
	s := &Server{base: cfg, Socket: sock, dir: dir, cmd: cmd, exited: make(chan error, 1),
		proc: process{bin: mariadbd, args: args, data: data, tmpfs: o.TmpfsBytes > 0}}
	go func() { s.exited <- cmd.Wait() }()
	if err := s.ping(ctx, 60*time.Second); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		_ = s.Stop()
		return nil, fmt.Errorf("throwaway MariaDB did not start: %w\n%s", err, tail(log, 2000))
	}
	return s, nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// ensureTemplate makes the template datadir once per machine and server version,
// under a file lock so that parallel test binaries do not race.
func ensureTemplate(ctx context.Context, mariadbd, installDB string) (string, error) {
	ver, err := exec.CommandContext(ctx, mariadbd, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", mariadbd, err)
	}
	sum := fmt.Sprintf("%x", hashString(string(ver)))
	root := filepath.Join(os.TempDir(), fmt.Sprintf("cutover-template-%d", os.Geteuid()))
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	template := filepath.Join(root, sum)
	lock, err := os.OpenFile(template+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(filepath.Join(template, "mysql")); err == nil {
		return template, nil
	}
	tmp := template + ".tmp"
	os.RemoveAll(tmp)
	args := []string{"--no-defaults", "--datadir=" + tmp, "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-name-resolve"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	cmd := exec.CommandContext(ctx, installDB, args...)
	// mariadb-install-db looks for mariadbd beside itself or in PATH.
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(mariadbd)+":"+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s: %v\n%s", installDB, err, tail(out, 2000))
	}
	if err := os.Rename(tmp, template); err != nil {
		return "", err
	}
	return template, nil
}

func hashString(s string) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func (s *Server) ping(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	wait := 20 * time.Millisecond
	for {
		db, err := sql.Open("mysql", s.DSN(""))
		if err == nil {
			err = db.PingContext(ctx)
			db.Close()
		}
		if err == nil {
			return nil
		}
		select {
		case e := <-s.exited:
			return fmt.Errorf("server exited: %v", e)
		case <-ctx.Done():
			return fmt.Errorf("no answer after %s: %w", limit, err)
		case <-time.After(wait):
		}
		if wait < 500*time.Millisecond {
			wait *= 2
		}
	}
}

// DSN returns a DSN for database db (empty for none) on this server.
func (s *Server) DSN(db string) string {
	c := s.base.Clone()
	c.DBName = db
	return c.FormatDSN()
}

// Stop shuts a throwaway server down and removes its files; it leaves an
// existing server alone.
func (s *Server) Stop() error {
	if s.dir == "" {
		return nil
	}
	if s.cmd != nil { // nil after Kill (control.go)
		_ = s.cmd.Process.Signal(syscall.SIGCONT) // a paused server must run to shut down
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.exited
		}
		s.cmd = nil
	}
	s.unmount()
	err := os.RemoveAll(s.dir)
	s.dir = ""
	return err
}

// CreateDatabase creates a database with a unique name starting with prefix and
// returns its name.
func (s *Server) CreateDatabase(ctx context.Context, prefix string) (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	name := prefix + "_" + hex.EncodeToString(b[:])
	db, err := sql.Open("mysql", s.DSN(""))
	if err != nil {
		return "", err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
	return name, err
}

// DropDatabase drops a database made by CreateDatabase.
func (s *Server) DropDatabase(ctx context.Context, name string) error {
	db, err := sql.Open("mysql", s.DSN(""))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+strings.ReplaceAll(name, "`", "``")+"`")
	return err
}

// NewDatabase creates a unique database for one test and drops it when the test
// ends. It returns the database's name and a DSN for it.
func (s *Server) NewDatabase(t testing.TB, prefix string) (name, dsn string) {
	t.Helper()
	ctx := context.Background()
	name, err := s.CreateDatabase(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.DropDatabase(ctx, name) })
	return name, s.DSN(name)
}

// Open opens a handle on database db of this server with parameters fit for
// test helpers (UTC, utf8mb4, strict mode).
func (s *Server) Open(db string) (*sql.DB, error) {
	c := s.base.Clone()
	c.DBName = db
	c.Params = map[string]string{"time_zone": "'+00:00'", "sql_mode": "'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"}
	c.Collation = "utf8mb4_general_ci"
	return sql.Open("mysql", c.FormatDSN())
}

// ErrorLog returns the throwaway server's error log, for failing tests.
func (s *Server) ErrorLog() string {
	if s.dir == "" {
		return ""
	}
	b, _ := os.ReadFile(filepath.Join(s.dir, "error.log"))
	return string(bytes.TrimSpace(tail(b, 4000)))
}
