package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// dryRun is `run --dry-run=read|rollback`: the plan is made in memory and its
// batches run through the engine on a MemLedger, so nothing is written to the
// target, the ledger tables are neither created nor read, and no batch of a
// real run is claimed or marked done. It prints the summary of a real run and
// exits with the same codes.
func (a *app) dryRun(ctx context.Context, cfg *config.Config, mode migrate.DryRun, grace time.Duration, cfgPath string) error {
	// Missing target tables are a usage error here: a dry run creates nothing.
	s, err := a.prepare(ctx, cfg, false, cfg.Run.Workers+4)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, w := range s.res.Warnings {
		a.log.Warn(w)
	}
	doc, err := a.makePlan(ctx, s)
	if err != nil {
		return err
	}
	out, err := a.dryEngine(ctx, s, migrate.NewMemLedger(ledgerBatches(doc.Batches)), mode, s.cfg.Run.Workers, 0, grace, true)
	if err != nil {
		return err
	}
	res := out.res
	rate := float64(res.Rows) / max(out.elapsed.Seconds(), 0.001)
	fmt.Fprintf(a.stdout, "copied %s rows in %d batches in %s (%s rows/s); %d batches failed\n",
		commas(res.Rows), res.Batches, out.elapsed.Round(time.Millisecond), commas(int64(rate)), res.Failed)
	what := "every row read, converted, encoded and checked against the target columns; nothing written"
	if mode == migrate.DryRollback {
		what = "every batch written and rolled back; nothing stays"
	}
	fmt.Fprintf(a.stdout, "dry run (%s): %s; the ledger was not used\n", mode, what)
	again := fmt.Sprintf("cutover run --config %s --dry-run=%s", cfgPath, mode)
	if res.Interrupted {
		return interruptedError{fmt.Errorf("dry run stopped after %d of %d batches; nothing was written\nrerun with: %s", res.Batches, len(doc.Batches), again)}
	}
	if res.Failed > 0 {
		var lines []string
		for _, f := range res.FailedBatches[:min(len(res.FailedBatches), 5)] {
			lines = append(lines, fmt.Sprintf("  batch %d (%s): %v", f.ID, f.Table, f.Err))
		}
		return failedError{fmt.Errorf("%d of %d batches failed:\n%s\nafter fixing the cause: %s", res.Failed, len(doc.Batches), strings.Join(lines, "\n"), again)}
	}
	return nil
}

// ledgerBatches turns planned batches into the engine's batch records.
func ledgerBatches(bs []planner.Batch) []*checkpoint.Batch {
	out := make([]*checkpoint.Batch, len(bs))
	for i, b := range bs {
		out[i] = &checkpoint.Batch{ID: b.ID, Table: b.Table, Tenants: b.Tenants, Lo: b.Lo, Hi: b.Hi, EstRows: b.Rows, EstBytes: b.Bytes}
	}
	return out
}

// dryOutcome is what a dry engine run did and measured.
type dryOutcome struct {
	res     migrate.Result
	mem     *migrate.MemLedger
	elapsed time.Duration
}

// dryEngine runs batches through the engine in dry mode on a MemLedger, with
// the run's signals: the first stops claiming, the second or the end of grace
// cancels what is in flight (which rolls back, as everything of a dry run does).
func (a *app) dryEngine(ctx context.Context, s *session, mem *migrate.MemLedger, mode migrate.DryRun, workers int, stackRows int64, grace time.Duration, bar bool) (*dryOutcome, error) {
	var load migrate.DryLoad
	if mode == migrate.DryRead {
		var err error
		if load, err = s.ep.tgt.DryLoader(ctx, s.res.Tables); err != nil {
			return nil, err
		}
	}
	eng := migrate.New(s.ep.src, s.ep.tgt, mem, migrate.Options{
		Owner: "dry-run", Workers: workers, Retries: s.cfg.Run.Retries, Lease: s.cfg.Run.Lease.Duration,
		Transient: isTransient, Log: a.log, Tables: migrate.TableMap(s.res.Tables), DryRun: mode, DryLoad: load,
		StackRows: stackRows,
	})
	workCtx, cancelWork := context.WithCancel(ctx)
	defer cancelWork()
	claimCtx, cancelClaim := context.WithCancel(workCtx)
	defer cancelClaim()
	stop := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.watchSignals(stop, sigs, cancelClaim, cancelWork, grace)
	}()
	var prog *progress
	if bar {
		prog = newProgress(a, 0, mem.MustRows(), eng.Counters)
		wg.Add(1)
		go func() {
			defer wg.Done()
			prog.loop(stop)
		}()
	}
	start := time.Now()
	res, err := eng.Run(claimCtx, workCtx)
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()
	if prog != nil {
		prog.finish()
	}
	if err != nil {
		return nil, err
	}
	return &dryOutcome{res: res, mem: mem, elapsed: elapsed}, nil
}

// watchSignals turns a first SIGINT/SIGTERM on sigs into a soft stop (claim
// nothing new), then a hard stop (in-flight batches roll back) on a second
// signal or when grace runs out; it returns when stop is closed. The caller
// registers sigs before the work starts, so no signal is missed.
func (a *app) watchSignals(stop <-chan struct{}, sigs <-chan os.Signal, soft, hard context.CancelFunc, grace time.Duration) {
	var graceC <-chan time.Time
	stopping := false
	for {
		select {
		case <-stop:
			return
		case sig := <-sigs:
			if stopping {
				a.log.Warn("second signal: cancelling in-flight batches now (they roll back)", "signal", sig.String())
				hard()
				return
			}
			stopping = true
			a.log.Warn("stopping: claiming no new batch; in-flight batches may finish", "signal", sig.String(), "grace", grace, "hint", "send the signal again to cancel them now")
			soft()
			t := time.NewTimer(grace)
			defer t.Stop()
			graceC = t.C
		case <-graceC:
			a.log.Warn("grace period over: cancelling in-flight batches (they roll back)")
			hard()
			return
		}
	}
}
