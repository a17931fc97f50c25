package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/migrate"
)

// dryRun is `run --dry-run=read|rollback`: the plan is made in memory and its
// batches run through the engine on a MemLedger, so nothing is written to the
// target, the ledger tables are neither created nor read, and no batch of a
// real run is claimed or marked done. It prints the summary of a real run and
// exits with the same codes.
func (a *app) dryRun(ctx context.Context, cfg *config.Config, mode migrate.DryRun, cfgPath string, create bool) error {
	// Missing target tables are a usage error here unless --create-tables
	// creates them (empty) first: the only write a dry run makes.
	ep, res, err := a.prepare(ctx, cfg, create, cfg.Run.Workers+4)
	if err != nil {
		return err
	}
	defer ep.Close()
	dp, err := migrate.PrepareDryRun(ctx, migrate.PrepareDryOptions{
		Source: ep.src, Target: ep.tgt, Resolution: res, Spec: cfg.ResolveSpec(), Log: a.log,
		Plan: migrate.Planner(ep.src, ep.tgt, cfg.PlanSettings()),
	})
	if err != nil {
		return classify(err)
	}
	opt := a.processOptions(cfg, dp.Resolution)
	opt.DryRun = mode
	r, elapsed, err := a.dryEngine(ctx, ep, dp.Ledger, opt, true)
	if err != nil {
		return err
	}
	printCopied(a, r, elapsed)
	what := "every row read, converted, encoded and checked against the target columns; nothing written"
	if mode == migrate.DryRollback {
		what = "every batch written and rolled back; nothing stays"
	}
	fmt.Fprintf(a.stdout, "dry run (%s): %s; the ledger was not used\n", mode, what)
	again := fmt.Sprintf("cutover run --config %s --dry-run=%s", cfgPath, mode)
	switch total := len(dp.Plan.Doc.Batches); {
	case r.Interrupted:
		return interruptedError{fmt.Errorf("dry run stopped after %d of %d batches; nothing was written\nrerun with: %s", r.Batches, total, again)}
	case r.Failed > 0:
		var lines []string
		for _, f := range r.FailedBatches[:min(len(r.FailedBatches), 5)] {
			lines = append(lines, fmt.Sprintf("  batch %d (%s): %v", f.ID, f.Table, f.Err))
		}
		return failedError{fmt.Errorf("%d of %d batches failed:\n%s\nafter fixing the cause: %s", r.Failed, total, strings.Join(lines, "\n"), again)}
	}
	return nil
}

// dryEngine runs mem's batches through a dry process (migrate.RunDry) with
// the run's signals: the first stops claiming, the second or the end of
// opt.Grace cancels what is in flight (which rolls back, as everything of a
// dry run does).
func (a *app) dryEngine(ctx context.Context, ep endpoints, mem *migrate.MemLedger, opt migrate.ProcessOptions, bar bool) (migrate.Result, time.Duration, error) {
	hard, release := afterSecondSignal(ctx)
	defer release()
	var prog migrate.ProgressFunc
	if bar {
		prog = a.progress(a.gateLog())
	}
	return migrate.RunDry(ctx, hard, ep.src, ep.tgt, mem, opt, prog)
}
