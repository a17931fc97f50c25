package progress

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/migrate"
)

// counters returns engine counters holding the given values.
func counters(rows, batches, failed, inFlight, retries int64) *migrate.Counters {
	c := &migrate.Counters{}
	c.RowsDone.Store(rows)
	c.BatchesDone.Store(batches)
	c.BatchesFailed.Store(failed)
	c.InFlight.Store(inFlight)
	c.Retries.Store(retries)
	return c
}

func TestMeterSnapshot(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	m := Meter{Base: 100, Total: 1100, Counters: counters(200, 3, 1, 2, 4), Start: start}
	// 200 rows in 10 s is this process's rate; the 100 done before count in
	// Rows only: 800 rows left at 20 rows/s is 40 s.
	require.Equal(t, Snapshot{Rows: 300, Total: 1100, Batches: 3, Failed: 1, InFlight: 2, Retries: 4,
		RowsPerSecond: 20, ETA: 40 * time.Second}, m.Snapshot(start.Add(10*time.Second)))

	require.Equal(t, Snapshot{Rows: 300, Total: 1100, Batches: 3, Failed: 1, InFlight: 2, Retries: 4},
		m.Snapshot(start), "no time elapsed: no rate, no ETA")

	m.Paused = func() string { return "" }
	require.Equal(t, 20.0, m.Snapshot(start.Add(10*time.Second)).RowsPerSecond, "not paused")
	m.Paused = func() string { return "backup window" }
	require.Equal(t, Snapshot{Rows: 300, Total: 1100, Batches: 3, Failed: 1, InFlight: 2, Retries: 4, Paused: "backup window"},
		m.Snapshot(start.Add(10*time.Second)), "paused: no rate and no ETA")

	done := Meter{Base: 0, Total: 200, Counters: counters(200, 2, 0, 0, 0), Start: start}
	s := done.Snapshot(start.Add(4 * time.Second))
	require.Equal(t, 50.0, s.RowsPerSecond)
	require.Zero(t, s.ETA, "nothing left")
}

// textLog is a logger writing key=value lines without the time into b.
func textLog(b *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
}

func TestLogLine(t *testing.T) {
	var b bytes.Buffer
	d := &display{log: textLog(&b)}
	d.draw(Snapshot{Rows: 300, Total: 1100, Batches: 3, Failed: 1, InFlight: 2, Retries: 4, RowsPerSecond: 20.7, ETA: 38*time.Second + 600*time.Millisecond})
	d.draw(Snapshot{Rows: 300, Total: 1100, Batches: 3, Failed: 1, InFlight: 2, Retries: 4, Paused: "backup window"})
	d.draw(Snapshot{})
	require.Equal(t, "level=INFO msg=progress rows=300 total=1100 percent=27.3 rows_per_s=20 eta=39s batches_done=3 in_flight=2 failed=1 retries=4\n"+
		"level=INFO msg=progress rows=300 total=1100 percent=27.3 paused=\"backup window\" batches_done=3 in_flight=2 failed=1\n"+
		"level=INFO msg=progress rows=0 total=0 percent=0.0 rows_per_s=0 eta=0s batches_done=0 in_flight=0 failed=0 retries=0\n", b.String())
}

// TestBarAndLogLines draws a bar into a buffer (as on a terminal) and logs
// through its gate: each log line starts a line of its own, the bar is drawn
// again after it, and stop leaves the bar at its last count on a line ended.
func TestBarAndLogLines(t *testing.T) {
	var tty bytes.Buffer
	var g Gate
	log := slog.New(g.Handler(textLog(&tty).Handler()))
	c := counters(0, 0, 0, 0, 0)
	stop := Start(Meter{Base: 1000, Total: 3000, Counters: c}, &g, log, &tty)
	c.RowsDone.Store(500)
	log.Info("batch done", "batch", 7)
	c.RowsDone.Store(2000)
	stop()
	out := tty.String()
	require.Contains(t, out, "rows (1,000 done before)", out)
	i := strings.Index(out, "level=INFO msg=\"batch done\" batch=7\n")
	require.Positive(t, i, out)
	require.Equal(t, byte('\r'), out[i-1], "the bar's line was cleared before the log line: %q", out)
	require.Contains(t, out[i:], "rows (1,000 done before)", "the bar is drawn again below the log line")
	require.Contains(t, out, "2000/2000", "stop draws the last state: this process's rows out of those left")
	require.True(t, strings.HasSuffix(out, "\n"), "%q", out)

	// Logged after stop, a line is written as it is: no bar to clear.
	tty.Reset()
	log.Info("after")
	require.Equal(t, "level=INFO msg=after\n", tty.String())
}

func TestIsTerminal(t *testing.T) {
	require.False(t, IsTerminal(&bytes.Buffer{}))
	require.False(t, IsTerminal(nil))
}

// TestFinishedBarStays: once the bar is full it no longer redraws, so a log
// line after it goes below it, and stop leaves it alone.
func TestFinishedBarStays(t *testing.T) {
	var tty bytes.Buffer
	var g Gate
	log := slog.New(g.Handler(textLog(&tty).Handler()))
	c := counters(0, 0, 0, 0, 0)
	stop := Start(Meter{Total: 400, Counters: c}, &g, log, &tty)
	c.RowsDone.Store(400)
	require.Eventually(t, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.bar.IsFinished()
	}, 10*time.Second, 10*time.Millisecond, "the loop draws the full bar")
	log.Info("late")
	stop()
	out := tty.String()
	i := strings.Index(out, "\nlevel=INFO msg=late\n")
	require.Positive(t, i, "%q", out)
	require.Contains(t, out[:i], "100%")
	require.Equal(t, len(out), i+len("\nlevel=INFO msg=late\n"), "nothing drawn after the line: %q", out)
}
