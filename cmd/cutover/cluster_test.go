package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/alert"
	"github.com/cutover/cutover/internal/gen"
)

// Tests of one run shared by several real `cutover run` processes.

// appendConfig adds lines to the config's run section (the file's last).
func appendConfig(t *testing.T, f *fixture, text string) {
	t.Helper()
	fh, err := os.OpenFile(f.config, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = fh.WriteString(text)
	require.NoError(t, err)
	require.NoError(t, fh.Close())
}

// ledgerInt runs a query on the fixture's ledger that returns one number.
func ledgerInt(t *testing.T, f *fixture, query string, args ...any) int {
	t.Helper()
	var n int
	q := strings.ReplaceAll(query, "L.", "`"+f.ledger+"`.")
	require.NoError(t, f.tgtDB.QueryRow(q, args...).Scan(&n), q)
	return n
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// proc is a started cutover process.
type proc struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan int
}

func start(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	p := &proc{cmd: cmd, out: &syncBuffer{}, done: make(chan int, 1)}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	require.NoError(t, cmd.Start())
	go func() { p.done <- exitStatus(cmd.Wait()) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait returns the exit status, failing the test if it takes over timeout.
func (p *proc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case code := <-p.done:
		p.done <- code // for the cleanup
		return code
	case <-time.After(timeout):
		t.Fatalf("process %d still runs after %s:\n%s", p.cmd.Process.Pid, timeout, p.out.String())
	}
	return 0
}

func (p *proc) owner() string { return fmt.Sprintf("%%:%d:%%", p.cmd.Process.Pid) }

// joined reports whether p registered with the run; a process that exited
// fails the test with its output.
func joined(t *testing.T, f *fixture, p *proc) bool {
	t.Helper()
	select {
	case code := <-p.done:
		p.done <- code
		t.Fatalf("process exited with %d before joining:\n%s", code, p.out.String())
	default:
	}
	return liveProcesses(t, f) >= 1
}

// liveProcesses counts processes registered and not stopped.
// Before the first process creates the ledger, there are none.
func liveProcesses(t *testing.T, f *fixture) int {
	var n int
	if err := f.tgtDB.QueryRow("SELECT COUNT(*) FROM `" + f.ledger + "`.processes_v1 WHERE stopped_at IS NULL").Scan(&n); err != nil {
		return 0
	}
	return n
}

// TestVersionGate: the first process fixes the run's version; a binary built
// with another version string is refused with exit 2, naming both versions
// and the host running the accepted one, and claims nothing. `upgrade` then
// moves the run to the new binary, which refuses the old one in turn.
func TestVersionGate(t *testing.T) {
	t.Parallel()
	other := filepath.Join(t.TempDir(), "cutover-other")
	build := exec.Command("go", "build", "-race", "-ldflags", "-X main.version=9.9.9-other -X main.revision=feedface0000", "-o", other, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	code, out2, _ := runBinaryEnvOut(t, other, "version")
	require.Equal(t, 0, code)
	require.Equal(t, "cutover 9.9.9-other (revision feedface0000)\n", out2)

	f := newFixture(t, fixtureOpts{rows: 6_000, workers: 2, batchRows: 500})
	code, _, errs := cutover(t, "plan", "--config", f.config)
	require.Equal(t, 0, code, errs)
	var planned string
	require.NoError(t, f.tgtDB.QueryRow("SELECT version FROM `"+f.ledger+"`.runs_v1 WHERE active = 1").Scan(&planned))
	require.Equal(t, binaryVersion(), planned, "the planning binary fixes the run's version")
	code, _, errs = cutover(t, "pause", "--config", f.config)
	require.Equal(t, 0, code, errs)

	// Process A (the accepted version) joins the paused run and waits.
	a := start(t, binPath, "run", "--config", f.config, "--create-tables")
	waitFor(t, 60*time.Second, "process A to join", func() bool { return liveProcesses(t, f) == 1 })

	code, msg := runBinaryEnv(t, "X=1", "version")
	require.Equal(t, 0, code)
	accepted := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(msg), "cutover "))
	code, _, msg = runBinaryEnvOut(t, other, "run", "--config", f.config)
	require.Equal(t, 2, code, msg)
	line := strings.TrimSpace(msg)
	require.Equal(t, 1, strings.Count(line, "\n")+1, "one line: %q", line)
	require.Contains(t, line, "9.9.9-other (revision feedface0000)")
	require.Contains(t, line, accepted)
	require.Contains(t, line, "running on "+hostname())
	require.Contains(t, line, "cutover upgrade --config")
	require.Zero(t, ledgerInt(t, f, "SELECT COUNT(*) FROM L.processes_v1 WHERE version LIKE '9.9.9%'"), "the refused process registered")
	require.Zero(t, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state <> 0"), "a batch was claimed while paused")

	code, _, errs = cutover(t, "resume", "--config", f.config)
	require.Equal(t, 0, code, errs)
	require.Equal(t, 0, a.wait(t, 120*time.Second), a.out.String())
	total := ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1")
	require.Equal(t, total, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 2 AND owner LIKE ?", a.owner()),
		"every batch was copied by the accepted process")
	requireEqualCopy(t, f)

	// The operator moves the run to the new binary; then the old one is refused.
	code, out2, msg = runBinaryEnvOut(t, other, "upgrade", "--config", f.config, "--wait", "30s")
	require.Equal(t, 0, code, msg)
	require.Contains(t, out2, "now accepts version 9.9.9-other")
	code, out2, msg = runBinaryEnvOut(t, other, "run", "--config", f.config)
	require.Equal(t, 0, code, msg)
	require.Contains(t, out2, "copied 0 rows")
	code, msg = runBinaryEnv(t, "X=1", "run", "--config", f.config)
	require.Equal(t, 2, code, msg)
	require.Contains(t, msg, "accepts version 9.9.9-other")
}

// runBinaryEnvOut runs bin to completion and returns its exit code, stdout and stderr.
func runBinaryEnvOut(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return exitStatus(err), out.String(), errb.String()
}

// TestClusterKillOne: three processes share a run under a run-wide bound of
// four batches in flight; one is killed with SIGKILL while it holds a batch;
// the other two finish the run, taking its batch once the lease expires, and
// the target equals the source exactly.
func TestClusterKillOne(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 40_000, workers: 2, batchRows: 500})
	// The rate limit makes the run last long enough to kill a process in
	// the middle; max_workers bounds 3 x 2 workers to 4 batches in flight.
	appendConfig(t, f, "  max_workers: 4\n  throttle:\n    rows_per_second: 8000\n")
	code, _, errs := cutover(t, "plan", "--config", f.config)
	require.Equal(t, 0, code, errs)
	// Start paused, so that all three are live before the copy goes on.
	code, _, errs = cutover(t, "pause", "--config", f.config)
	require.Equal(t, 0, code, errs)

	// Sample the batches in flight under live leases until the run ends.
	var maxInFlight atomic.Int64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			var n int64
			if err := f.tgtDB.QueryRow("SELECT COUNT(*) FROM `" + f.ledger + "`.batches_v1 WHERE state = 1 AND lease_until >= NOW(6)").Scan(&n); err == nil && n > maxInFlight.Load() {
				maxInFlight.Store(n)
			}
			select {
			case <-stopSampling:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	procs := make([]*proc, 3)
	for i := range procs {
		args := []string{"run", "--config", f.config}
		if i == 0 {
			args = append(args, "--create-tables")
		}
		procs[i] = start(t, binPath, args...)
		if i == 0 {
			waitFor(t, 60*time.Second, "the first process to join", func() bool { return joined(t, f, procs[0]) })
		}
	}
	waitFor(t, 120*time.Second, "three live processes", func() bool { return liveProcesses(t, f) == 3 })
	code, _, errs = cutover(t, "resume", "--config", f.config)
	require.Equal(t, 0, code, errs)
	victim := procs[1]
	// Freeze the victim while it holds a batch (a commit already sent may
	// still land, so look again after a moment), then kill it.
	held := 0
	for held == 0 {
		waitFor(t, 120*time.Second, "the victim to hold a batch after some are done", func() bool {
			return ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 2") >= 5 &&
				ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 1 AND owner LIKE ?", victim.owner()) > 0
		})
		require.NoError(t, victim.cmd.Process.Signal(syscall.SIGSTOP))
		time.Sleep(300 * time.Millisecond)
		held = ledgerInt(t, f, "SELECT COALESCE(MIN(id), 0) FROM L.batches_v1 WHERE state = 1 AND owner LIKE ?", victim.owner())
		if held == 0 {
			require.NoError(t, victim.cmd.Process.Signal(syscall.SIGCONT))
		}
	}
	require.NoError(t, victim.cmd.Process.Signal(syscall.SIGKILL))
	require.Equal(t, -int(syscall.SIGKILL), victim.wait(t, 30*time.Second))
	for _, p := range []*proc{procs[0], procs[2]} {
		require.Equal(t, 0, p.wait(t, 180*time.Second), p.out.String())
	}
	close(stopSampling)
	<-sampled
	t.Logf("victim held batch %d when killed; most batches in flight seen: %d", held, maxInFlight.Load())
	require.LessOrEqual(t, maxInFlight.Load(), int64(4), "run.max_workers")
	total := ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1")
	require.Equal(t, total, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 2"))
	require.Equal(t, 1, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE id = ? AND state = 2 AND owner NOT LIKE ? AND attempts = 2", held, victim.owner()),
		"the victim's batch was taken over by a survivor")
	requireEqualCopy(t, f)
}

// TestClusterStop: `stop` drains three processes, `stop --now` aborts them;
// every one exits 3 with the command that resumes, nothing is half-written,
// and resuming completes the copy exactly.
func TestClusterStop(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 40_000, workers: 2, batchRows: 500})
	appendConfig(t, f, "  throttle:\n    rows_per_second: 5000\n")
	code, _, errs := cutover(t, "plan", "--config", f.config)
	require.Equal(t, 0, code, errs)
	// The target rows equal the done batches' rows whenever no batch is
	// half-written (every table was empty when the run started).
	consistent := func() {
		t.Helper()
		var rows int64
		for _, tbl := range []string{"currencies", "agents", "merchants", "txn_history"} {
			var n int64
			require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM `"+tbl+"`").Scan(&n))
			rows += n
		}
		done := ledgerInt(t, f, "SELECT COALESCE(SUM(rows_copied), 0) FROM L.batches_v1 WHERE state = 2")
		require.Equal(t, int64(done), rows, "target rows vs rows of done batches")
		require.Zero(t, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 1 AND lease_until >= NOW(6)"), "a lease is still held")
	}
	for round, stop := range [][]string{{"stop"}, {"stop", "--now"}} {
		// The processes start paused, so that all three are live before
		// the copy goes on, however slowly each one starts.
		code, _, errs := cutover(t, "pause", "--config", f.config)
		require.Equal(t, 0, code, errs)
		procs := make([]*proc, 3)
		for i := range procs {
			args := []string{"run", "--config", f.config}
			if round == 0 && i == 0 {
				args = append(args, "--create-tables")
			}
			procs[i] = start(t, binPath, args...)
			if round == 0 && i == 0 {
				waitFor(t, 60*time.Second, "the first process to join", func() bool { return joined(t, f, procs[0]) })
			}
		}
		waitFor(t, 120*time.Second, "three live processes", func() bool { return liveProcesses(t, f) == 3 })
		before := ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 2")
		code, _, errs = cutover(t, "resume", "--config", f.config)
		require.Equal(t, 0, code, errs)
		waitFor(t, 120*time.Second, "progress", func() bool {
			return ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 2") >= before+3
		})
		if round == 0 {
			// pause reaches all three: each says so in status, and no batch
			// is claimed while paused; resume lets them go on.
			code, out, errs := cutover(t, "pause", "--config", f.config)
			require.Equal(t, 0, code, errs)
			require.Contains(t, out, "3 live processes")
			waitFor(t, 30*time.Second, "three paused processes", func() bool {
				_, out, _ := cutover(t, "status", "--config", f.config)
				return strings.Count(out, "waiting: paused by cutover pause") == 3 && strings.Contains(out, "state: paused")
			})
			waitFor(t, 30*time.Second, "in-flight batches to finish", func() bool {
				return ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 1") == 0
			})
			// A new plan would pull the run from under live processes:
			// both ways to replan are refused while they live.
			for _, cmd := range []string{"plan", "run"} {
				code, _, errs := cutover(t, cmd, "--config", f.config, "--replan")
				require.Equal(t, 2, code, "%s --replan with live processes: %s", cmd, errs)
				require.Contains(t, errs, "3 live processes", cmd)
			}
			started := ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state <> 0")
			time.Sleep(2 * time.Second)
			require.Equal(t, started, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state <> 0"), "a batch was claimed while paused")
			code, _, errs = cutover(t, "resume", "--config", f.config)
			require.Equal(t, 0, code, errs)
			waitFor(t, 30*time.Second, "claims after resume", func() bool {
				return ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state <> 0") > started
			})
		}
		issued := time.Now()
		code, out, errs := cutover(t, append(stop, "--config", f.config)...)
		require.Equal(t, 0, code, errs)
		require.Contains(t, out, "3 live processes")
		for i, p := range procs {
			// Seen within 2 s; a drain also waits for the batch in flight.
			require.Equal(t, 3, p.wait(t, 60*time.Second), "process %d: %s", i, p.out.String())
			t.Logf("%s: process %d exited %s after the command", strings.Join(stop, " "), i, time.Since(issued).Round(time.Millisecond))
			require.Contains(t, lastLines(p.out.String(), 1), "resume with: cutover resume --config "+f.config)
			require.Contains(t, p.out.String(), strings.Join(stop, " "))
		}
		consistent()
		require.Less(t, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 2"), ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1"),
			"round %d: the run finished before the stop", round)
		// The stop sticks: a rerun without resume stops at once.
		code, _, errs = cutover(t, "run", "--config", f.config)
		require.Equal(t, 3, code, errs)
		code, _, errs = cutover(t, "resume", "--config", f.config)
		require.Equal(t, 0, code, errs)
	}
	code, out, errs := cutover(t, "run", "--config", f.config)
	require.Equal(t, 0, code, out+errs)
	require.Contains(t, out, "complete")
	requireEqualCopy(t, f)
}

// TestErrorBudgetHalts: a target column too narrow for the data makes
// batches fail permanently; past run.max_failed_batches the whole run halts
// on every process (exit 1), and after the fix resume + --retry-failed
// completes it exactly.
func TestErrorBudgetHalts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 20_000, workers: 2, batchRows: 500})
	// Alerts go to a command appending to a file and to a webhook.
	var mu sync.Mutex
	var posted []alert.Event
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev alert.Event
		if err := json.NewDecoder(r.Body).Decode(&ev); err == nil {
			mu.Lock()
			posted = append(posted, ev)
			mu.Unlock()
		}
	}))
	defer hook.Close()
	// One file per event: two processes alert at once.
	events := t.TempDir()
	appendConfig(t, f, "  max_failed_batches: 1\n  retries: 1\non_event:\n  command: [sh, -c, 'cat > \"$0/$(date +%s%N)-$$.json\"', "+events+"]\n  webhook: "+hook.URL+"/alert\n  timeout: 5s\n")
	ctx := context.Background()
	require.NoError(t, gen.CreateSchema(ctx, f.tgtDB))
	_, err := f.tgtDB.Exec("RENAME TABLE transactions TO txn_history")
	require.NoError(t, err)
	_, err = f.tgtDB.Exec("ALTER TABLE txn_history MODIFY status VARCHAR(2) NOT NULL")
	require.NoError(t, err)
	code, _, errs := cutover(t, "plan", "--config", f.config)
	require.Equal(t, 0, code, errs)
	procs := []*proc{start(t, binPath, "run", "--config", f.config), start(t, binPath, "run", "--config", f.config)}
	for i, p := range procs {
		require.Equal(t, 1, p.wait(t, 120*time.Second), "process %d: %s", i, p.out.String())
		require.Contains(t, p.out.String(), "run halted")
		require.Contains(t, p.out.String(), "more than run.max_failed_batches = 1")
	}
	require.Greater(t, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 3"), 1)
	require.Less(t, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 2"), ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1"))
	code, out, _ := cutover(t, "status", "--config", f.config)
	require.Equal(t, 0, code)
	require.Contains(t, out, "halted")

	_, err = f.tgtDB.Exec("ALTER TABLE txn_history MODIFY status VARCHAR(16) NOT NULL")
	require.NoError(t, err)
	code, out, errs = cutover(t, "run", "--config", f.config, "--retry-failed")
	require.Equal(t, 0, code, out+errs)
	requireEqualCopy(t, f)
	code, out, errs = cutover(t, "verify", "--config", f.config)
	require.Equal(t, 0, code, out+errs)

	// Each process announced itself; failures were reported; one process,
	// not each, reported the halt; the last run reported completion.
	count := func(evs []alert.Event) map[string]int {
		n := map[string]int{}
		for _, ev := range evs {
			n[ev.Event]++
		}
		return n
	}
	files, err := os.ReadDir(events) // sorted by name: by time
	require.NoError(t, err)
	var fromCommand []alert.Event
	for _, fe := range files {
		raw, err := os.ReadFile(filepath.Join(events, fe.Name()))
		require.NoError(t, err)
		var ev alert.Event
		require.NoError(t, json.Unmarshal(raw, &ev), string(raw))
		fromCommand = append(fromCommand, ev)
	}
	mu.Lock()
	defer mu.Unlock()
	for name, evs := range map[string][]alert.Event{"command": fromCommand, "webhook": posted} {
		n := count(evs)
		require.Equal(t, 3, n[alert.Start], "%s: %v", name, n)
		require.GreaterOrEqual(t, n[alert.Failure], 2, "%s: %v", name, n)
		require.Equal(t, 1, n[alert.Halt], "%s: %v\n%s\n%s", name, n, procs[0].out.String(), procs[1].out.String())
		require.Equal(t, 1, n[alert.Complete], "%s: %v", name, n)
		require.Equal(t, 1, n[alert.Verify], "%s: %v", name, n)
		last := evs[len(evs)-1]
		require.Equal(t, alert.Verify, last.Event)
		require.Equal(t, true, last.Details["equal"], "%s: %+v", name, last)
	}
}

// TestProbePauses: while a load probe is over its limit no batch starts, on
// any worker, and status says why; when it clears the run completes.
func TestProbePauses(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 6_000, workers: 2, batchRows: 500})
	_, err := f.tgtDB.Exec("CREATE TABLE knob (v INT NOT NULL)")
	require.NoError(t, err)
	_, err = f.tgtDB.Exec("INSERT INTO knob VALUES (7)")
	require.NoError(t, err)
	appendConfig(t, f, "  throttle:\n    every: 1s\n    probes:\n      - {name: knob, on: target, metric: sql, sql: 'SELECT v FROM knob', max: 5}\n")
	p := start(t, binPath, "run", "--config", f.config, "--create-tables")
	waitFor(t, 60*time.Second, "the first process to join", func() bool { return joined(t, f, p) })
	q := start(t, binPath, "run", "--config", f.config)
	waitFor(t, 60*time.Second, "the second process to join", func() bool { return liveProcesses(t, f) == 2 })
	waitFor(t, 30*time.Second, "status to show the probe on both processes", func() bool {
		_, out, _ := cutover(t, "status", "--config", f.config)
		return strings.Count(out, "waiting: probe knob is 7, above 5") == 2
	})
	time.Sleep(2 * time.Second) // several probe periods: still nothing may start
	require.Zero(t, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state <> 0"), "a batch started while the probe was over its limit")
	_, err = f.tgtDB.Exec("UPDATE knob SET v = 1")
	require.NoError(t, err)
	for _, r := range []*proc{p, q} {
		require.Equal(t, 0, r.wait(t, 120*time.Second), r.out.String())
		require.Contains(t, r.out.String(), "load probe over its limit")
	}
	requireEqualCopy(t, f)
}

// TestMetricsAndStatus scrapes `run --metrics-addr` while a rate-limited run
// goes on, checks the text format and the numbers against the ledger, and
// reads `status --json` from another process.
func TestMetricsAndStatus(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 12_000, workers: 2, batchRows: 500})
	const limit = 2000
	appendConfig(t, f, fmt.Sprintf("  throttle:\n    rows_per_second: %d\n", limit))
	p := start(t, binPath, "run", "--config", f.config, "--create-tables", "--metrics-addr", "127.0.0.1:0")
	var url string
	waitFor(t, 60*time.Second, "the metrics address in the log", func() bool {
		m := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+/metrics)`).FindStringSubmatch(p.out.String())
		if m != nil {
			url = m[1]
		}
		return m != nil
	})
	waitFor(t, 60*time.Second, "a few batches done", func() bool {
		return ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 2") >= 3
	})
	var body []byte
	var samples map[string]float64
	waitFor(t, 60*time.Second, "a scrape showing time throttled", func() bool {
		resp, err := http.Get(url)
		require.NoError(t, err)
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Contains(t, resp.Header.Get("Content-Type"), "version=0.0.4")
		samples = parseExposition(t, string(body))
		return samples["cutover_throttled_seconds_total"] > 0
	})
	for _, name := range []string{"cutover_rows_copied_total", "cutover_bytes_copied_total", "cutover_batches_copied_total",
		"cutover_throttled_seconds_total", `cutover_run_batches{state="done"}`, `cutover_batch_duration_seconds_bucket{le="+Inf"}`} {
		require.Contains(t, samples, name, string(body))
	}
	require.Greater(t, samples["cutover_rows_copied_total"], 0.0)
	require.Greater(t, samples["cutover_bytes_copied_total"], 0.0)
	require.Equal(t, samples["cutover_batches_copied_total"], samples["cutover_batch_duration_seconds_count"])
	require.Equal(t, samples[`cutover_batch_duration_seconds_bucket{le="+Inf"}`], samples["cutover_batch_duration_seconds_count"])
	var total float64
	for _, s := range []string{"pending", "claimed", "done", "failed"} {
		total += samples[`cutover_run_batches{state="`+s+`"}`]
	}
	require.Equal(t, float64(ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1")), total)

	code, out, errs := cutover(t, "status", "--config", f.config, "--json")
	require.Equal(t, 0, code, errs)
	var st struct {
		State   string `json:"state"`
		Members []struct {
			PID     int    `json:"pid"`
			Live    bool   `json:"live"`
			Version string `json:"version"`
		} `json:"members"`
		RowsDone int64 `json:"rows_done"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &st), out)
	require.Equal(t, "running", st.State)
	// --watch prints again and again until interrupted.
	w := start(t, binPath, "status", "--config", f.config, "--watch", "500ms")
	waitFor(t, 30*time.Second, "three status prints", func() bool { return strings.Count(w.out.String(), "state: ") >= 3 })
	require.NoError(t, w.cmd.Process.Signal(syscall.SIGINT))
	w.wait(t, 30*time.Second)
	require.Contains(t, w.out.String(), fmt.Sprintf("process pid %d on %s", p.cmd.Process.Pid, hostname()))
	require.Len(t, st.Members, 1)
	require.Equal(t, p.cmd.Process.Pid, st.Members[0].PID)
	require.True(t, st.Members[0].Live)
	require.Greater(t, st.RowsDone, int64(0))
	require.Equal(t, 0, p.wait(t, 120*time.Second), p.out.String())
	requireEqualCopy(t, f)
	// What the rate limit gave, measured from the ledger's own timestamps (a
	// log line, not an assertion: speed is for benchmarks).
	var rows int64
	var secs float64
	require.NoError(t, f.tgtDB.QueryRow("SELECT SUM(rows_copied), TIMESTAMPDIFF(MICROSECOND, MIN(claimed_at), MAX(finished_at)) / 1e6 FROM `"+f.ledger+"`.batches_v1").Scan(&rows, &secs))
	t.Logf("rate limit %d rows/s: %d rows in %.2f s = %.0f rows/s", limit, rows, secs, float64(rows)/secs)
}

// parseExposition checks every line of a Prometheus text exposition and
// returns the samples by name (with labels).
func parseExposition(t *testing.T, text string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	typed := map[string]bool{}
	sample := regexp.MustCompile(`^([a-z_]+)(\{[a-z]+="[^"]*"\})? (\S+)$`)
	var lastBucket float64
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if strings.HasPrefix(line, "# TYPE ") {
			typed[strings.Fields(line)[2]] = true
			lastBucket = 0
			continue
		}
		if strings.HasPrefix(line, "# HELP ") {
			continue
		}
		m := sample.FindStringSubmatch(line)
		require.NotNil(t, m, "malformed line %q", line)
		base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m[1], "_bucket"), "_sum"), "_count")
		require.True(t, typed[m[1]] || typed[base], "no TYPE before %q", line)
		v, err := strconv.ParseFloat(m[3], 64)
		require.NoError(t, err, line)
		if strings.HasSuffix(m[1], "_bucket") {
			require.GreaterOrEqual(t, v, lastBucket, "buckets are cumulative: %q", line)
			lastBucket = v
		}
		out[m[1]+m[2]] = v
	}
	return out
}

// TestStopFile: the stop file named in the config stops a process without
// the ledger's controls; removing it and rerunning completes the copy.
func TestStopFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 20_000, workers: 2, batchRows: 500})
	stopFile := filepath.Join(t.TempDir(), "cutover.stop")
	appendConfig(t, f, "  stop_file: "+stopFile+"\n  throttle:\n    rows_per_second: 4000\n")
	p := start(t, binPath, "run", "--config", f.config, "--create-tables")
	waitFor(t, 60*time.Second, "the process to join", func() bool { return joined(t, f, p) })
	waitFor(t, 60*time.Second, "a few batches done", func() bool {
		return ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 2") >= 2
	})
	require.NoError(t, os.WriteFile(stopFile, []byte("drain\n"), 0o600))
	require.Equal(t, 3, p.wait(t, 60*time.Second), p.out.String())
	require.Contains(t, p.out.String(), "stop file "+stopFile+" exists")
	require.Contains(t, lastLines(p.out.String(), 1), "resume with: remove the stop file, then cutover run --config "+f.config)
	require.Less(t, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 2"), ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1"))
	c, err := ledgerControl(f)
	require.NoError(t, err)
	require.Equal(t, "run", c, "a stop file is local to its host: the run's control is untouched")
	require.NoError(t, os.Remove(stopFile))
	code, out, errs := cutover(t, "run", "--config", f.config)
	require.Equal(t, 0, code, out+errs)
	requireEqualCopy(t, f)
}

func ledgerControl(f *fixture) (string, error) {
	var c string
	err := f.tgtDB.QueryRow("SELECT control FROM `" + f.ledger + "`.runs_v1 WHERE active = 1").Scan(&c)
	return c, err
}
