package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	session := fmt.Sprintf("cutover-test-%d", os.Getpid())
	sock := filepath.Join(t.TempDir(), "tmux.sock")
	done := filepath.Join(t.TempDir(), "done")
	script := fmt.Sprintf("%s run --config %s --create-tables -v; echo exit=$? > %s; sleep 60", binPath, f.config, done)
	cmd := exec.Command(tmux, "-S", sock, "new-session", "-d", "-s", session, "-x", "200", "-y", "50", script)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", sock, "kill-server").Run() })
	waitFor(t, 120*time.Second, "the run to end", func() bool {
		_, err := os.Stat(done)
		return err == nil
	})
	code, err := os.ReadFile(done)
	require.NoError(t, err)
	screen, err := exec.Command(tmux, "-S", sock, "capture-pane", "-p", "-S", "-1000", "-t", session).Output()
	require.NoError(t, err)
	text := string(screen)
	require.Equal(t, "exit=0", strings.TrimSpace(string(code)), text)
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
