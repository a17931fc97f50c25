package migrate_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/alert"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/migrate"
)

// events records the kinds and messages a process notifies.
type events struct {
	mu   sync.Mutex
	seen []string
}

func (e *events) notify(kind, msg string, _ map[string]any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seen = append(e.seen, kind+": "+msg)
}

func (e *events) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.seen...)
}

// TestRunLifecycleCompletes: the lifecycle joins, serves the metrics while
// it copies, draws the progress from the run's status, copies every batch,
// settles (the run is complete) and leaves the run.
func TestRunLifecycleCompletes(t *testing.T) {
	e := newEnv(t, 3, 50, 64, hostileName)
	ctx := context.Background()
	run, bs := acceptedRun(t, e, 3, 20)
	var wantTotal int64
	for _, b := range bs {
		wantTotal += b.EstRows
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var ev events
	opt := joinOptions(e, 2, time.Second)
	opt.Notify = ev.notify
	var base, total int64 = -1, -1
	var scraped string
	stopped := false
	end, err := migrate.RunLifecycle(ctx, ctx, migrate.LifecycleOptions{
		Ledger: e.ledger, Run: run, Source: e.src, Target: e.tgt, Process: opt, Metrics: ln,
		Progress: func(b, tot int64, c *migrate.Counters, paused func() string) func() {
			base, total = b, tot
			if c == nil || paused == nil || paused() != "" {
				t.Errorf("progress given counters %v, paused set %v", c, paused != nil)
			}
			resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
			if err != nil {
				t.Errorf("scrape while running: %v", err)
				return func() {}
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			scraped = string(body)
			return func() { stopped = true }
		},
	})
	if err != nil || end == nil {
		t.Fatalf("lifecycle: %v (ending %v)", err, end)
	}
	if end.Err != nil || end.Outcome == nil || !end.Outcome.Complete || end.Outcome.Done() != len(bs) || end.Result.Batches != int64(len(bs)) {
		t.Fatalf("ending %+v, want complete with %d batches", end, len(bs))
	}
	if base != 0 || total != wantTotal || !stopped {
		t.Errorf("progress from %d of %d (stopped %v), want from 0 of %d and stopped", base, total, stopped, wantTotal)
	}
	for _, want := range []string{"cutover_rows_copied_total 0\n", "cutover_ledger_up 1\n", `cutover_run_batches{state="pending"} 5`} {
		if !strings.Contains(scraped, want) {
			t.Errorf("scrape before the copy lacks %q:\n%s", want, scraped)
		}
	}
	got := ev.all()
	if len(got) != 2 || !strings.HasPrefix(got[0], alert.Start+": process ") || got[1] != alert.Complete+": run 1 complete: 5 batches, 150 rows" {
		t.Errorf("events %q, want the start and \"run 1 complete: 5 batches, 150 rows\"", got)
	}
	if n, err := e.ledger.LiveMembers(ctx, run.ID, time.Minute); err != nil || n != 0 {
		t.Errorf("%d live processes after the lifecycle (%v), want it to have left", n, err)
	}
	sameRows(t, dump(t, e.tgtDB, ""), dump(t, e.srcDB, ""), "after the lifecycle")
}

// TestRunLifecycleRefused: a join the gate refuses ends before any copy: no
// Ending, the typed refusal, no progress drawn.
func TestRunLifecycleRefused(t *testing.T) {
	e := newEnv(t, 1, 5, 64, hostileName)
	ctx := context.Background()
	run, _ := acceptedRun(t, e, 1, 100)
	opt := joinOptions(e, 1, time.Second)
	opt.Version = "v2"
	end, err := migrate.RunLifecycle(ctx, ctx, migrate.LifecycleOptions{
		Ledger: e.ledger, Run: run, Source: e.src, Target: e.tgt, Process: opt,
		Progress: func(int64, int64, *migrate.Counters, func() string) func() {
			t.Error("progress drawn for a refused join")
			return func() {}
		},
	})
	var ge *checkpoint.GateError
	if end != nil || !errors.As(err, &ge) || ge.Got != "v2" {
		t.Fatalf("ending %v, error %v; want none and the gate's refusal of v2", end, err)
	}
}

// TestRunLifecycleStopControl: on a stopped run the lifecycle claims
// nothing and its Outcome names the operator's stop.
func TestRunLifecycleStopControl(t *testing.T) {
	e := newEnv(t, 2, 20, 64, hostileName)
	ctx := context.Background()
	run, _ := acceptedRun(t, e, 2, 100)
	if err := e.ledger.SetControl(ctx, run.ID, checkpoint.ControlStop, "test"); err != nil {
		t.Fatal(err)
	}
	var ev events
	opt := joinOptions(e, 2, time.Second)
	opt.Notify = ev.notify
	end, err := migrate.RunLifecycle(ctx, ctx, migrate.LifecycleOptions{Ledger: e.ledger, Run: run, Source: e.src, Target: e.tgt, Process: opt})
	if err != nil || end == nil || end.Err != nil {
		t.Fatalf("lifecycle: %v (ending %+v)", err, end)
	}
	if out := end.Outcome; out.Stop == nil || out.Stop.Cause != migrate.StopByOperator || out.Complete || end.Result.Batches != 0 {
		t.Fatalf("outcome %+v, want the operator's stop before any batch", out)
	}
	if got := ev.all(); len(got) != 2 || got[1] != alert.Stop+": process stopped: cutover stop: test" {
		t.Errorf("events %q, want the start and \"process stopped: cutover stop: test\"", got)
	}
}

// TestRunDry: a dry read runs every batch of the MemLedger, draws the
// progress of the rows it must read, and writes nothing.
func TestRunDry(t *testing.T) {
	e := newEnv(t, 2, 30, 64, hostileName)
	ctx := context.Background()
	runID, _ := e.plan(t, 2, 10)
	bs, err := e.ledger.Batches(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	opt := joinOptions(e, 2, time.Second)
	opt.DryRun = migrate.DryRead
	var total int64 = -1
	res, elapsed, err := migrate.RunDry(ctx, ctx, e.src, e.tgt, migrate.NewMemLedger(bs), opt,
		func(base, tot int64, _ *migrate.Counters, paused func() string) func() {
			if base != 0 || paused != nil {
				t.Errorf("dry progress from %d with paused set %v, want from 0 and no pause", base, paused != nil)
			}
			total = tot
			return func() {}
		})
	if err != nil {
		t.Fatal(err)
	}
	if res.Batches != int64(len(bs)) || res.Rows != 60 || res.Failed != 0 || elapsed <= 0 {
		t.Fatalf("dry run: %d batches, %d rows, %d failed in %s; want %d batches, 60 rows", res.Batches, res.Rows, res.Failed, elapsed, len(bs))
	}
	if total != 31 { // tenant 1 in 3 batches of 10 estimated rows, tenant 2 in one of 1
		t.Errorf("dry progress total %d, want 31", total)
	}
	if n := len(dump(t, e.tgtDB, "")); n != 0 {
		t.Errorf("%d rows in the target after a dry read", n)
	}
}

// errDiskFull stands for the adapter's disk-full error.
var errDiskFull = errors.New("no space left")

// TestRunLifecycleOutage: an outage ends the copy with the engine's
// *OutageError in Ending.Err (nothing settled) and tells Notify the stop.
func TestRunLifecycleOutage(t *testing.T) {
	e := newEnv(t, 1, 20, 64, hostileName)
	ctx := context.Background()
	run, _ := acceptedRun(t, e, 1, 100)
	src := &faultSource{Source: e.src, before: func(context.Context, catalog.Scope) error { return errDiskFull }}
	var ev events
	opt := joinOptions(e, 1, time.Second)
	opt.Notify = ev.notify
	opt.DiskFull = func(err error) bool { return errors.Is(err, errDiskFull) }
	end, err := migrate.RunLifecycle(ctx, ctx, migrate.LifecycleOptions{Ledger: e.ledger, Run: run, Source: src, Target: e.tgt, Process: opt})
	if err != nil || end == nil {
		t.Fatalf("lifecycle: %v (ending %v)", err, end)
	}
	var outage *migrate.OutageError
	if !errors.As(end.Err, &outage) || end.Outcome != nil {
		t.Fatalf("ending error %v, outcome %+v; want an outage and no outcome", end.Err, end.Outcome)
	}
	want := alert.Stop + ": process stopped: the target's disk is full: batch 1: no space left; free space on the target server's disk (the file system of its datadir), then resume"
	if got := ev.all(); len(got) != 2 || got[1] != want {
		t.Errorf("events %q, want the start and %q", got, want)
	}
}
