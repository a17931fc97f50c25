package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// usage is what the client processes of one measured step cost.
type usage struct {
	wall   float64 // seconds
	cpu    float64 // user+system seconds, all processes together
	rssMiB float64 // sum of each process's peak RSS
}

// tail keeps the last bytes written to it, for error messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 4000 {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-4000:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}

// command prepares a child process that is interrupted (then killed) when ctx
// ends, and whose stderr is kept for the error message.
func command(ctx context.Context, name string, args ...string) (*exec.Cmd, *tail) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 15 * time.Second
	t := &tail{}
	cmd.Stderr = t
	return cmd, t
}

// pipeline runs cmds with each one's stdout piped into the next one's stdin, and
// measures them together. The caller sets the first stdin and the last stdout.
func pipeline(cmds []*exec.Cmd, errs []*tail) (usage, error) {
	var closeAfterStart []*os.File
	for i := 0; i+1 < len(cmds); i++ {
		r, w, err := os.Pipe()
		if err != nil {
			return usage{}, err
		}
		cmds[i].Stdout = w
		cmds[i+1].Stdin = r
		closeAfterStart = append(closeAfterStart, r, w)
	}
	defer func() {
		for _, f := range closeAfterStart {
			f.Close()
		}
	}()
	start := time.Now()
	started := 0
	var startErr error
	for _, c := range cmds {
		if startErr = c.Start(); startErr != nil {
			break
		}
		started++
	}
	// The children hold their own ends now; without closing ours a reader
	// would never see EOF.
	for _, f := range closeAfterStart {
		f.Close()
	}
	closeAfterStart = nil
	// ru_maxrss is no use here: a child started by vfork+exec inherits the
	// parent's high-water mark. VmHWM of the child itself is polled instead; it
	// only grows, so a poll every 20ms misses at most the last 20ms of growth.
	hwm := make([]float64, started)
	stopPoll := make(chan struct{})
	var polls sync.WaitGroup
	for i := 0; i < started; i++ {
		polls.Add(1)
		go func() {
			defer polls.Done()
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				if v := vmHWM(cmds[i].Process.Pid); v > hwm[i] {
					hwm[i] = v
				}
				select {
				case <-stopPoll:
					return
				case <-t.C:
				}
			}
		}()
	}
	var u usage
	var firstErr error
	for i := 0; i < started; i++ {
		c := cmds[i]
		err := c.Wait()
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%s: %w: %s", c.Path, err, errs[i].String())
		}
		if ps := c.ProcessState; ps != nil {
			u.cpu += (ps.UserTime() + ps.SystemTime()).Seconds()
		}
	}
	close(stopPoll)
	polls.Wait()
	for _, v := range hwm {
		u.rssMiB += v
	}
	u.wall = time.Since(start).Seconds()
	if startErr != nil {
		return u, startErr
	}
	return u, firstErr
}

// runOne runs one command and measures it.
func runOne(ctx context.Context, name string, args ...string) (usage, error) {
	cmd, errs := command(ctx, name, args...)
	return pipeline([]*exec.Cmd{cmd}, []*tail{errs})
}

// vmHWM is a live process's peak resident set in MiB, 0 once it has exited.
func vmHWM(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			if err != nil {
				return 0
			}
			return kib / 1024
		}
	}
	return 0
}
