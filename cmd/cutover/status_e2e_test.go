package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// statusJSON is what these tests read of status --json.
type statusJSON struct {
	State         string    `json:"state"`
	BlockedBy     string    `json:"blocked_by"`
	RowsPerSecond float64   `json:"rows_per_second"`
	ETASeconds    float64   `json:"eta_seconds"`
	RateSince     time.Time `json:"rate_since"`
	Control       struct {
		At time.Time `json:"at"`
	} `json:"control"`
	Members []struct {
		PID  int  `json:"pid"`
		Live bool `json:"live"`
	} `json:"members"`
	Tables []struct {
		Table   string `json:"table"`
		Batches int    `json:"batches"`
	} `json:"tables"`
}

func readStatus(t *testing.T, f *fixture) statusJSON {
	t.Helper()
	code, out, errs := cutover(t, "status", "--config", f.config, "--json")
	require.Equal(t, 0, code, errs)
	var st statusJSON
	require.NoError(t, json.Unmarshal([]byte(out), &st), out)
	return st
}

func statusText(t *testing.T, f *fixture, args ...string) string {
	t.Helper()
	code, out, errs := cutover(t, append([]string{"status", "--config", f.config}, args...)...)
	require.Equal(t, 0, code, errs)
	return out
}

// TestStatusTellsTheTruth follows one run through what the operator reads:
// a rate and an ETA while it copies, "blocked" while its writes wait on a
// lock, no rate or ETA while paused, a rate measured only since the resume,
// a process killed with -9 shown dead at once, and per-table progress.
func TestStatusTellsTheTruth(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 24_000, workers: 2, batchRows: 500})
	appendConfig(t, f, "  throttle:\n    rows_per_second: 1500\n")
	p := start(t, binPath, "run", "--config", f.config, "--create-tables")
	waitFor(t, 60*time.Second, "a few batches done", func() bool {
		return joined(t, f, p) && ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 2") >= 3
	})
	waitFor(t, 60*time.Second, "a rate", func() bool { return readStatus(t, f).RowsPerSecond > 0 })

	out := statusText(t, f, "--deadline", time.Now().Add(2*time.Minute).Format("15:04"))
	require.Contains(t, out, "state: running")
	require.Regexp(t, `rate since \d\d:\d\d:\d\d: [\d,]+ rows/s; ETA \d+`, out)
	require.Regexp(t, `last heartbeat \d+(\.\d+)?m?s ago`, out)
	require.Regexp(t, `table transactions: \d+ of \d+ batches, [\d,]+ of about [\d,]+ rows; (started \d\d:\d\d:\d\d, [\d.]+m?s elapsed|not started)`, out)
	require.Regexp(t, `deadline \d\d:\d\d: on track; at [\d,]+ rows/s the [\d,]+ rows left take \d+`, out)

	// A session holding every target table: the workers' writes wait on it.
	ctx := context.Background()
	conn, err := f.tgtDB.Conn(ctx)
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, "LOCK TABLES currencies WRITE, agents WRITE, merchants WRITE, txn_history WRITE")
	require.NoError(t, err)
	var st statusJSON
	waitFor(t, 30*time.Second, "status to say blocked", func() bool { st = readStatus(t, f); return st.State == "blocked" })
	require.Contains(t, st.BlockedBy, "wait on a lock")
	require.Zero(t, st.ETASeconds, "no ETA while blocked")
	out = statusText(t, f)
	require.Contains(t, out, "state: blocked; ")
	require.Contains(t, out, "no ETA: the run is blocked")
	require.Regexp(t, `lock wait: thread \d+ for \d+s \(Waiting for table metadata lock\)`, out)
	_, err = conn.ExecContext(ctx, "UNLOCK TABLES")
	require.NoError(t, err)
	require.NoError(t, conn.Close())

	code, _, errs := cutover(t, "pause", "--config", f.config)
	require.Equal(t, 0, code, errs)
	waitFor(t, 30*time.Second, "nothing in flight", func() bool {
		return ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 1") == 0
	})
	st = readStatus(t, f)
	require.Equal(t, "paused", st.State)
	require.Zero(t, st.RowsPerSecond)
	require.Zero(t, st.ETASeconds)
	out = statusText(t, f)
	require.Contains(t, out, "no rate or ETA: the run is paused")
	require.NotContains(t, out, "ETA ")

	// The run's own progress line (every 10 s off a terminal) says paused,
	// with no rate and no ETA.
	var paused string
	waitFor(t, 25*time.Second, "a progress line while paused", func() bool {
		for _, line := range strings.Split(p.out.String(), "\n") {
			if strings.Contains(line, "msg=progress") && strings.Contains(line, "paused=") {
				paused = line
				return true
			}
		}
		return false
	})
	require.NotContains(t, paused, "eta=")
	require.NotContains(t, paused, "rows_per_s=")
	code, _, errs = cutover(t, "resume", "--config", f.config)
	require.Equal(t, 0, code, errs)
	doneAtResume := ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 2")
	waitFor(t, 60*time.Second, "batches done after the resume", func() bool {
		return ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 2") >= doneAtResume+2
	})
	waitFor(t, 60*time.Second, "a rate after the resume", func() bool { st = readStatus(t, f); return st.RowsPerSecond > 0 })
	require.Equal(t, "running", st.State)
	require.False(t, st.RateSince.Before(st.Control.At), "the rate counts from the resume (%s), not before (%s)", st.Control.At, st.RateSince)
	require.Greater(t, st.RowsPerSecond, 0.0)
	// The rate counts only what finished since the resume, measured here
	// from the ledger itself.
	since := ledgerInt(t, f, "SELECT COALESCE(SUM(rows_copied), 0) FROM L.batches_v1 WHERE state = 2 AND finished_at >= ?", st.RateSince.Format("2006-01-02 15:04:05.999999"))
	require.LessOrEqual(t, st.RowsPerSecond*time.Since(st.RateSince).Seconds(), float64(since)*1.5+500)

	// --watch stamps every line.
	w := start(t, binPath, "status", "--config", f.config, "--watch", "500ms")
	waitFor(t, 30*time.Second, "two status prints", func() bool { return strings.Count(w.out.String(), "state: ") >= 2 })
	require.NoError(t, w.cmd.Process.Signal(syscall.SIGINT))
	w.wait(t, 30*time.Second)
	for _, line := range strings.Split(strings.TrimSpace(w.out.String()), "\n") {
		if line != "" {
			require.Regexp(t, `^\d\d:\d\d:\d\d `, line)
		}
	}

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	require.Equal(t, -int(syscall.SIGKILL), p.wait(t, 30*time.Second))
	st = readStatus(t, f)
	require.Equal(t, "idle (no live process)", st.State)
	require.Zero(t, st.ETASeconds)
	require.Len(t, st.Members, 1)
	require.False(t, st.Members[0].Live)
	out = statusText(t, f)
	require.Regexp(t, fmt.Sprintf(`process pid %d on \S+ .*workers\): dead \(last heartbeat \d+(\.\d+)?m?s ago\)`, p.cmd.Process.Pid), out)
	require.Contains(t, out, "no rate or ETA: the run is idle")

	code, _, errs = cutover(t, "run", "--config", f.config)
	require.Equal(t, 0, code, errs)
	requireEqualCopy(t, f)
	out = statusText(t, f)
	require.Contains(t, out, "complete")
	for _, table := range []string{"currencies", "agents", "merchants", "transactions"} {
		require.Regexp(t, `table `+table+`: (\d+) of \d+ batches, [\d,]+ of about [\d,]+ rows; started \d\d:\d\d:\d\d, finished \d\d:\d\d:\d\d, took [\d.]+m?s`, out)
	}
}
