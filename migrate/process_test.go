package migrate_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/migrate"
)

// joinOptions are a test process's settings; the run accepts version v1
// with settings fp.
func joinOptions(e *env, workers int, grace time.Duration) migrate.ProcessOptions {
	return migrate.ProcessOptions{
		Host: "test-host", Version: "v1", RunFP: "fp", Workers: workers, Retries: 3, Lease: 30 * time.Second,
		Grace: grace, Transient: mysqldb.IsTransient, Tables: []*catalog.Table{e.table}, MaxFailed: -1,
	}
}

// acceptedRun stores a run (see env.plan) that accepts version v1.
func acceptedRun(t *testing.T, e *env, tenants int, split int64) (*checkpoint.Run, []checkpoint.NewBatch) {
	t.Helper()
	ctx := context.Background()
	runID, bs := e.plan(t, tenants, split)
	if err := e.ledger.Accept(ctx, runID, "v1", "fp"); err != nil {
		t.Fatal(err)
	}
	run, err := e.ledger.RunByID(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	return run, bs
}

// TestProcessCompletes: a joined process copies every batch, Settle marks
// the run finished, and the target holds the source's rows.
func TestProcessCompletes(t *testing.T) {
	e := newEnv(t, 3, 50, 64, hostileName)
	ctx := context.Background()
	run, bs := acceptedRun(t, e, 3, 20)
	p, err := migrate.Join(ctx, e.ledger, run, e.src, e.tgt, joinOptions(e, 2, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(ctx, ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Settle(ctx, res)
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	if !out.Complete || out.Done() != len(bs) || res.Interrupted {
		t.Fatalf("complete %v, %d of %d done, interrupted %v", out.Complete, out.Done(), len(bs), res.Interrupted)
	}
	sameRows(t, dump(t, e.tgtDB, ""), dump(t, e.srcDB, ""), "after the run")
}

// TestProcessSoftThenHardStop: the soft context stops claims; the grace
// period then cancels the batches still in flight, which roll back and are
// given back: none is done or half-written, and another process claims one
// at once.
func TestProcessSoftThenHardStop(t *testing.T) {
	e := newEnv(t, 1, 100, 64, hostileName)
	ctx := context.Background()
	run, bs := acceptedRun(t, e, 1, 10)
	started := make(chan struct{}, len(bs))
	src := &faultSource{Source: e.src, before: func(ctx context.Context, s catalog.Scope) error {
		started <- struct{}{}
		<-ctx.Done() // held until the hard stop
		return ctx.Err()
	}}
	p, err := migrate.Join(ctx, e.ledger, run, src, e.tgt, joinOptions(e, 2, 200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	soft, stop := context.WithCancel(ctx)
	hard, cancelHard := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelHard()
	p.Start(soft, hard)
	<-started
	stop()
	res, err := p.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Batches != 0 {
		t.Fatalf("interrupted %v with %d batches done, want a stop with none", res.Interrupted, res.Batches)
	}
	if _, stopped := p.Stopped(); stopped {
		t.Error("a stop by the caller is reported as a control's order")
	}
	got, err := e.ledger.Batches(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range got {
		if b.State == checkpoint.Done {
			t.Errorf("batch %d is done after a hard stop that cancelled every batch", b.ID)
		}
	}
	if b, _, err := e.ledger.Claim(ctx, run.ID, "other", 1, time.Minute, 10); err != nil || b == nil {
		t.Errorf("no batch claimable right after the hard stop (%v)", err)
	}
	if n := len(dump(t, e.tgtDB, "")); n != 0 {
		t.Errorf("%d rows stayed in the target after the cancelled batches", n)
	}
}

// TestProcessObeysStopControl: a process started on a stopped run claims
// nothing, and Settle names the operator's stop (exit 3 for the command).
func TestProcessObeysStopControl(t *testing.T) {
	e := newEnv(t, 2, 20, 64, hostileName)
	ctx := context.Background()
	run, _ := acceptedRun(t, e, 2, 100)
	if err := e.ledger.SetControl(ctx, run.ID, checkpoint.ControlStop, "test"); err != nil {
		t.Fatal(err)
	}
	p, err := migrate.Join(ctx, e.ledger, run, e.src, e.tgt, joinOptions(e, 2, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	res, err := p.Run(ctx, ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Settle(ctx, res)
	if err != nil {
		t.Fatal(err)
	}
	if out.Stop == nil || out.Stop.Cause != migrate.StopByOperator || out.Stop.Now || res.Batches != 0 {
		t.Fatalf("stop %+v after %d batches, want the operator's drain before any", out.Stop, res.Batches)
	}
}

// TestJoinRefusesAnotherVersion: the gate's refusal is a typed error and
// registers nothing.
func TestJoinRefusesAnotherVersion(t *testing.T) {
	e := newEnv(t, 1, 5, 64, hostileName)
	ctx := context.Background()
	run, _ := acceptedRun(t, e, 1, 100)
	opt := joinOptions(e, 1, time.Second)
	opt.Version = "v2"
	_, err := migrate.Join(ctx, e.ledger, run, e.src, e.tgt, opt)
	var ge *checkpoint.GateError
	if !errors.As(err, &ge) || ge.Accepted != "v1" || ge.Got != "v2" {
		t.Fatalf("join with another version: %v, want a gate refusal naming v1 and v2", err)
	}
	if n, err := e.ledger.LiveMembers(ctx, run.ID, time.Minute); err != nil || n != 0 {
		t.Fatalf("%d live processes after a refused join (%v)", n, err)
	}
}
