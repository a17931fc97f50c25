package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBarAndLogLinesOnATerminal runs `cutover run -v` in a tmux pane (a real
// terminal) and reads the screen as the operator sees it: every log line
// starts where a line starts, no bar is glued to a log line, and the bar
// ends the screen once the run is done.
func TestBarAndLogLinesOnATerminal(t *testing.T) {
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed: the terminal check cannot run here")
	}
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 6_000, workers: 2, batchRows: 250})
	appendConfig(t, f, "  throttle:\n    rows_per_second: 4000\n")
	code, text := inTmux(t, tmux, "run", "--config", f.config, "--create-tables", "-v")
	require.Equal(t, "exit=0", code, text)
	logs := 0
	for _, line := range strings.Split(text, "\n") {
		if i := strings.Index(line, "time="); i >= 0 {
			logs++
			require.Zero(t, i, "a log line starts a line: %q", line)
			require.NotContains(t, line, "rows/s)", "no bar glued to a log line: %q", line)
		}
		require.LessOrEqual(t, strings.Count(line, "rows "), 3, "one bar per line: %q", line)
	}
	require.Greater(t, logs, 10, "the batches were logged:\n%s", text)
	require.Contains(t, text, "100%", text)
	requireEqualCopy(t, f)
}

// inTmux runs the cutover binary with args in a new tmux session (a real
// terminal, 200 columns) and returns "exit=N" and the screen with its history.
func inTmux(t *testing.T, tmux string, args ...string) (string, string) {
	t.Helper()
	session := fmt.Sprintf("cutover-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	dir := t.TempDir()
	sock, done := filepath.Join(dir, "tmux.sock"), filepath.Join(dir, "done")
	script := fmt.Sprintf("%s %s; echo exit=$? > %s; sleep 60", binPath, strings.Join(args, " "), done)
	out, err := exec.Command(tmux, "-S", sock, "new-session", "-d", "-s", session, "-x", "200", "-y", "50", script).CombinedOutput()
	require.NoError(t, err, string(out))
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", sock, "kill-server").Run() })
	waitFor(t, 120*time.Second, "the command to end", func() bool {
		_, err := os.Stat(done)
		return err == nil
	})
	code, err := os.ReadFile(done)
	require.NoError(t, err)
	screen, err := exec.Command(tmux, "-S", sock, "capture-pane", "-p", "-S", "-1000", "-t", session).Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(code)), string(screen)
}

// TestResumedBarCountsThisProcess: after a stop, the resumed run's bar counts
// the rows left, naming those done before, so its rate and ETA are this
// process's and not inflated by the rows of the first.
func TestResumedBarCountsThisProcess(t *testing.T) {
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed: the terminal check cannot run here")
	}
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 6_000, workers: 2, batchRows: 250})
	appendConfig(t, f, "  throttle:\n    rows_per_second: 3000\n")
	p := start(t, binPath, "run", "--config", f.config, "--create-tables")
	waitFor(t, 60*time.Second, "some batches done", func() bool {
		return joined(t, f, p) && ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 2") >= 6
	})
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGINT))
	require.Equal(t, 3, p.wait(t, 60*time.Second), p.out.String())
	before := ledgerInt(t, f, "SELECT COALESCE(SUM(rows_copied), 0) FROM L.batches_v1 WHERE state = 2")
	total := ledgerInt(t, f, "SELECT SUM(est_rows) FROM L.batches_v1")
	code, text := inTmux(t, tmux, "run", "--config", f.config)
	require.Equal(t, "exit=0", code, text)
	require.Contains(t, text, fmt.Sprintf("rows (%s done before)", commas(int64(before))), text)
	require.Contains(t, text, fmt.Sprintf("/%d, ", total-before), "the bar counts the rows left:\n%s", text)
	requireEqualCopy(t, f)
}
