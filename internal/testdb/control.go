package testdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Options change how a throwaway server starts, for the fault tests that kill,
// stall or starve a server of disk.
type Options struct {
	// TmpfsBytes, when set, puts the datadir on a tmpfs of that size (it needs
	// the right to mount: root or CAP_SYS_ADMIN), so LimitDisk can fill it.
	TmpfsBytes int64
	// Args are extra mariadbd flags, after the defaults (later ones win).
	Args []string
	// Wrap runs the server under a command, e.g. taskset -c 0.
	Wrap []string
}

// process is what starting mariadbd again on the same datadir needs.
type process struct {
	bin   string
	args  []string
	data  string
	tmpfs bool // data is a tmpfs mount point
}

// ErrNoControl is returned when a controlled server is asked for but only an
// existing server (CUTOVER_TEST_MYSQL_DSN) or no server binary is there.
var ErrNoControl = errors.New("fault tests need a throwaway MariaDB they can kill and restart")

// StartLocal starts a throwaway MariaDB this process controls (Kill, Restart,
// Pause, LimitDisk), ignoring CUTOVER_TEST_MYSQL_DSN: an existing server is
// not the test's to kill.
func StartLocal(ctx context.Context, o Options) (*Server, error) {
	return startLocal(ctx, o)
}

// StartLocalT is StartLocal for a test: the server stops when the test ends.
func StartLocalT(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := StartLocal(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

// CanMount reports whether this process may mount a tmpfs (for LimitDisk).
func CanMount() error {
	dir, err := os.MkdirTemp("/tmp", "cutover-mnt-")
	if err != nil {
		return err
	}
	defer os.Remove(dir)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		return fmt.Errorf("mount a tmpfs: %w", err)
	}
	return syscall.Unmount(dir, 0)
}

// copyDataDir copies the template datadir to data, onto a fresh tmpfs when
// o asks for one.
func copyDataDir(ctx context.Context, template, data string, o Options) error {
	src := template
	if o.TmpfsBytes > 0 {
		if err := os.Mkdir(data, 0o750); err != nil {
			return err
		}
		if err := syscall.Mount("tmpfs", data, "tmpfs", 0, "size="+strconv.FormatInt(o.TmpfsBytes, 10)); err != nil {
			return fmt.Errorf("mount a tmpfs for the datadir: %w", err)
		}
		src = template + "/."
	}
	if out, err := exec.CommandContext(ctx, "cp", "-a", src, data).CombinedOutput(); err != nil {
		if o.TmpfsBytes > 0 {
			_ = syscall.Unmount(data, syscall.MNT_DETACH)
		}
		return fmt.Errorf("copy template datadir: %v: %s", err, out)
	}
	return nil
}

// unmount removes the datadir's tmpfs, if any, before the directory goes.
func (s *Server) unmount() {
	if s.proc.tmpfs {
		_ = syscall.Unmount(s.proc.data, syscall.MNT_DETACH)
		s.proc.tmpfs = false
	}
}

// PID is the server process's id, 0 while it is down.
func (s *Server) PID() int {
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Kill ends the server with SIGKILL, as a crash would, and waits until it is
// gone; its datadir stays for Restart.
func (s *Server) Kill() error {
	if s.cmd == nil {
		return ErrNoControl
	}
	_ = s.cmd.Process.Signal(syscall.SIGCONT)
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill mariadbd: %w", err)
	}
	<-s.exited
	s.cmd = nil
	return nil
}

// Restart starts mariadbd again on the same datadir and socket (crash
// recovery runs if it was killed) and waits until it answers.
func (s *Server) Restart(ctx context.Context) error {
	if s.cmd != nil {
		return errors.New("restart: the server is still running")
	}
	if s.proc.bin == "" {
		return ErrNoControl
	}
	cmd := exec.Command(s.proc.bin, s.proc.args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("restart %s: %w", s.proc.bin, err)
	}
	s.cmd = cmd
	s.exited = make(chan error, 1)
	exited := s.exited
	go func() { exited <- cmd.Wait() }()
	if err := s.ping(ctx, 120*time.Second); err != nil {
		return fmt.Errorf("restarted MariaDB did not answer: %w\n%s", err, s.ErrorLog())
	}
	return nil
}

// Pause stops the server process (SIGSTOP): connections stay open and
// nothing answers, as in a stall. Resume continues it.
func (s *Server) Pause() error {
	if s.cmd == nil {
		return ErrNoControl
	}
	return s.cmd.Process.Signal(syscall.SIGSTOP)
}

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() error {
	if s.cmd == nil {
		return ErrNoControl
	}
	return s.cmd.Process.Signal(syscall.SIGCONT)
}

// DiskUsed returns the bytes used on the datadir's file system.
func (s *Server) DiskUsed() (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(s.proc.data, &st); err != nil {
		return 0, err
	}
	return int64(st.Blocks-st.Bfree) * st.Bsize, nil
}

// LimitDisk resizes the datadir's tmpfs to what it holds now plus free bytes:
// a small free leaves the server a disk that fills up, a large one frees it.
func (s *Server) LimitDisk(free int64) error {
	if !s.proc.tmpfs {
		return errors.New("limit disk: the datadir is not on a tmpfs (start with Options.TmpfsBytes)")
	}
	used, err := s.DiskUsed()
	if err != nil {
		return err
	}
	size := strconv.FormatInt(used+free, 10)
	if err := syscall.Mount("tmpfs", s.proc.data, "tmpfs", syscall.MS_REMOUNT, "size="+size); err != nil {
		return fmt.Errorf("resize the datadir's tmpfs: %w", err)
	}
	return nil
}

// DataDir is the server's datadir.
func (s *Server) DataDir() string { return filepath.Clean(s.proc.data) }

// Exited reports whether the server process has ended by itself (a crash,
// or an abort on a full disk); Restart then starts it again.
func (s *Server) Exited() bool {
	if s.cmd == nil {
		return true
	}
	select {
	case <-s.exited:
		s.cmd = nil
		return true
	default:
		return false
	}
}

// EnvDSNSet reports whether CUTOVER_TEST_MYSQL_DSN names an existing server,
// which tests that create users or kill servers leave alone.
func EnvDSNSet() bool { return os.Getenv(EnvDSN) != "" }
