package faults

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/testdb"
)

// throttle is a run: line that makes a small copy last long enough for a
// fault to land in its middle, without burning CPU on a large one.
func throttle(rowsPerSecond int) string {
	return fmt.Sprintf("  throttle:\n    rows_per_second: %d\n", rowsPerSecond)
}

// requireEndedResumable asserts the first run after a fault ended as the issue
// allows: done (0), or stopped and resumable (3) with the resume line, and
// never 0 after a failed batch.
func requireEndedResumable(t *testing.T, r result, allowed ...int) {
	t.Helper()
	require.Contains(t, allowed, r.code, "the run during the fault: %s", r)
	if r.code == 3 {
		require.Contains(t, r.out, "resume with: cutover run --config", r.String())
	}
	if r.code == 0 {
		requireNoHiddenFailure(t, r)
	}
}

// Case 1: the target server (which also holds the ledger) is killed with
// SIGKILL mid-run and restarted on the same datadir. The run goes on when it
// is back or exits 3; the plain rerun is exact, and no batch marked done lost
// its rows in InnoDB's recovery (the equality would show it).
func TestTargetKilledMidRun(t *testing.T) {
	t.Parallel()
	p := newPair(t, testdb.Options{})
	e := newEnv(t, p, envOpts{rows: 24_000, retries: 3, run: throttle(6_000), noTargetSchema: true})
	run := e.start(t, "run", "--create-tables")
	e.waitTargetRows(t, run, 0.3)
	require.NoError(t, p.tgt.Kill())
	time.Sleep(time.Second)
	require.NoError(t, p.tgt.Restart(context.Background()))
	r := run.wait(t, commandLimit)
	t.Logf("run during the kill: %s", r)
	requireEndedResumable(t, r, 0, 3)
	if r.code != 0 {
		e.finish(t, 3, 3)
	}
	e.requireEqual(t)
}

// Case 2: the source server is killed mid-run and restarted, once within the
// retries and once down for longer than they last.
func TestSourceKilledMidRun(t *testing.T) {
	t.Parallel()
	t.Run("back within the retries", func(t *testing.T) {
		t.Parallel()
		p := newPair(t, testdb.Options{})
		e := newEnv(t, p, envOpts{rows: 24_000, retries: 4, run: throttle(6_000), noTargetSchema: true})
		run := e.start(t, "run", "--create-tables")
		e.waitTargetRows(t, run, 0.3)
		require.NoError(t, p.src.Kill())
		time.Sleep(500 * time.Millisecond)
		require.NoError(t, p.src.Restart(context.Background()))
		r := run.wait(t, commandLimit)
		t.Logf("run during the kill: %s", r)
		requireEndedResumable(t, r, 0, 3)
		if r.code != 0 {
			e.finish(t, 3, 3)
		}
		e.requireEqual(t)
	})
	// Down for longer than the retries (retries: 1, the first backoff half a
	// second): the failures are of connectivity, so they pause claiming
	// instead of failing batch after batch, and the plain rerun after the
	// server is back copies what is left without --retry-failed.
	t.Run("down longer than the retries", func(t *testing.T) {
		t.Parallel()
		p := newPair(t, testdb.Options{})
		e := newEnv(t, p, envOpts{rows: 24_000, retries: 1, run: throttle(6_000), noTargetSchema: true})
		run := e.start(t, "run", "--create-tables")
		e.waitTargetRows(t, run, 0.3)
		require.NoError(t, p.src.Kill())
		time.Sleep(8 * time.Second)
		require.NoError(t, p.src.Restart(context.Background()))
		r := run.wait(t, commandLimit)
		t.Logf("run during the outage: %s", r)
		requireEndedResumable(t, r, 0, 1, 3)
		if r.code != 0 {
			st := e.status(t)
			require.LessOrEqual(t, st.Batches["failed"], e.o.workers,
				"the outage burnt through the plan: %d of %d batches failed\n%s", st.Batches["failed"], st.TotalBatches, r)
			e.finish(t, 3, 1, 3)
		}
		e.requireEqual(t)
	})
}

// Case 2, past run.outage: the source stays down longer than the process
// waits for it. The process stops with exit 3 and one line saying which
// server did not answer, having failed no batch; the plain rerun once the
// server is back is exact.
func TestSourceDownPastOutageLimit(t *testing.T) {
	t.Parallel()
	p := newPair(t, testdb.Options{})
	e := newEnv(t, p, envOpts{rows: 24_000, retries: 1, run: throttle(6_000) + "  outage: 3s\n", noTargetSchema: true})
	run := e.start(t, "run", "--create-tables")
	e.waitTargetRows(t, run, 0.3)
	require.NoError(t, p.src.Kill())
	r := run.wait(t, commandLimit)
	t.Logf("run during the outage: %s", r)
	require.Equal(t, 3, r.code, r.String())
	require.Contains(t, r.out, "did not answer for 3s", r.String())
	require.Contains(t, r.out, "resume with: cutover run --config", r.String())
	require.Zero(t, e.status(t).Batches["failed"], "an outage fails no batch")
	require.NoError(t, p.src.Restart(context.Background()))
	e.finish(t, 2)
	e.requireEqual(t)
}

// Case 3: a stall, not a failure: the server stops answering (SIGSTOP) for
// three leases and then goes on (SIGCONT). No worker blocks forever, no batch
// is copied twice over a lost lease, a failed batch never hides behind exit 0,
// and the run ends exact.
func TestServerStalled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, side string
		params     string // DSN parameters
	}{
		{"target", "target", ""},
		{"source", "source", ""},
		// Client deadlines shorter than the stall: statements fail while
		// the server sleeps, and are retried while the server may still
		// commit what it had received when it went on (the duplicate).
		{"target past the client deadlines", "target", "?readTimeout=3s&writeTimeout=3s"},
		{"source past the client deadlines", "source", "?readTimeout=3s&writeTimeout=3s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newPair(t, testdb.Options{})
			e := newEnv(t, p, envOpts{rows: 24_000, lease: "5s", run: throttle(6_000), noTargetSchema: true, dsnParams: tc.params})
			stalled := p.tgt
			if tc.side == "source" {
				stalled = p.src
			}
			run := e.start(t, "run", "--create-tables")
			e.waitTargetRows(t, run, 0.3)
			require.NoError(t, stalled.Pause())
			time.Sleep(15 * time.Second)
			require.NoError(t, stalled.Resume())
			r := run.wait(t, commandLimit)
			t.Logf("run during the stall: %s", r)
			requireEndedResumable(t, r, 0, 1, 3)
			if r.code != 0 {
				e.finish(t, 3, 1, 3)
			}
			e.requireEqual(t)
		})
	}
}

// Case 4: the target's datadir is on a small tmpfs that fills up mid-run. The
// run fails with one clear line naming the disk, leaves no batch half-written,
// and once space is freed the same command resumes to an exact copy.
func TestTargetDiskFull(t *testing.T) {
	t.Parallel()
	if err := testdb.CanMount(); err != nil {
		t.Skipf("the disk-full case needs a tmpfs for the target's datadir and this process may not mount one (%v): run the fault tests as root or with CAP_SYS_ADMIN", err)
	}
	p := newPair(t, testdb.Options{TmpfsBytes: 512 << 20})
	e := newEnv(t, p, envOpts{rows: 40_000, noTargetSchema: true})
	require.NoError(t, p.tgt.LimitDisk(4<<20))
	run := e.start(t, "run", "--create-tables")
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for run.running() && !p.tgt.Exited() {
		<-tick.C
	}
	if run.running() {
		// InnoDB aborted the server before any statement could say the disk
		// was full (MariaDB 10.11 does when even a rollback finds no space):
		// to cutover the server is down, and it waits for it. The operator
		// frees space and starts the server; the run goes on.
		t.Log("the target server aborted on the full disk; freeing space and restarting it while the run waits")
		require.NoError(t, p.tgt.LimitDisk(256<<20))
		require.NoError(t, p.tgt.Restart(context.Background()))
		r := run.wait(t, commandLimit)
		t.Logf("run across the abort: %s", r)
		requireEndedResumable(t, r, 0, 3)
		if r.code != 0 {
			e.finish(t, 2, 3)
		}
		e.requireEqual(t)
		return
	}
	r := run.wait(t, commandLimit)
	t.Logf("run on a full disk: %s", r)
	require.Contains(t, []int{1, 3}, r.code, "a full disk must fail the run: %s", r)
	require.NotContains(t, r.out, "panic", r.String())
	require.Regexp(t, `(?i)disk|space`, r.out, "the failure names the disk: %s", r)
	t.Logf("the failure's last line: %s", lastLine(r.out))

	require.NoError(t, p.tgt.LimitDisk(256<<20))
	// The server may also abort after the run stopped (a rollback or a
	// background write finding no space): start it again then.
	if p.tgt.Exited() {
		t.Log("the target server aborted on the full disk; restarting it")
		require.NoError(t, p.tgt.Restart(context.Background()))
	}
	e.finish(t, 2, 1, 3)
	e.requireEqual(t)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
