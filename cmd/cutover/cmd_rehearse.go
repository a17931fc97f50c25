package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cutover/cutover/internal/cli"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/rehearse"
)

func (a *app) cmdRehearse(ctx context.Context, args []string) error {
	fs := a.flags("rehearse")
	cfgPath := fs.String("config", "", "config file (YAML)")
	sampleFlag := fs.String("sample", "2%", "percentage of the plan's estimated work to run, such as 2% or 2")
	minTime := fs.Duration("min-time", rehearse.DefaultMinTime, "keep rehearsing more batches of the plan until the sample has run this long (or the whole plan has)")
	asJSON := fs.Bool("json", false, "print the calibration as JSON")
	create := fs.Bool("create-tables", false, "create missing target tables (empty) from the source definition first")
	fromRun := fs.Int64("from-run", 0, "fit the model from the batch times of run N (a full dress rehearsal on staging) instead of running a sample")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *fromRun > 0 {
		return a.calibrateFromRun(ctx, *cfgPath, *fromRun, *asJSON)
	}
	frac, err := parsePercent(*sampleFlag)
	if err != nil {
		return err
	}
	if *minTime < 0 {
		return usagef("--min-time %s: want a duration of 0 or more, such as 10s", *minTime)
	}
	cfg, err := a.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	ep, resolved, err := a.prepare(ctx, cfg, *create, cfg.Run.Workers+4)
	if err != nil {
		return err
	}
	defer ep.Close()
	pr, err := rehearse.Prepare(ctx, rehearse.PrepareOptions{
		Source: ep.src, Target: ep.tgt, Resolution: resolved, Spec: cfg.ResolveSpec(),
		LedgerSchema: cfg.Target.LedgerSchema, Lease: cfg.Run.Lease.Duration, Log: a.log,
		Plan:      migrate.Planner(ep.src, ep.tgt, cfg.PlanSettings()),
		OpenStore: func(ctx context.Context) (rehearse.Store, error) { return openLedger(ctx, cfg, ep.tgt) },
	})
	if err != nil {
		return classify(err)
	}
	again := "cutover rehearse --config " + *cfgPath
	// The passes run through the dry engine, with the run's signals and,
	// unless the output is JSON, the progress bar.
	eng := rehearse.ProcessEngine(a.processOptions(cfg, pr.Resolution), func(ctx context.Context, mem *migrate.MemLedger, opt migrate.ProcessOptions) (migrate.Result, time.Duration, error) {
		return a.dryEngine(ctx, ep, mem, opt, !*asJSON)
	})
	rep, err := pr.Run(ctx, eng, rehearse.Options{
		Share: frac / 100, MinTime: *minTime, Workers: cfg.Run.Workers, ConfigFP: cfg.PlanFingerprint(), Log: a.log,
	})
	var failed *rehearse.FailedError
	switch {
	case errors.Is(err, rehearse.ErrInterrupted):
		return interruptedError{fmt.Errorf("rehearsal stopped; nothing was written or stored\nrerun with: %s", again)}
	case errors.As(err, &failed):
		return failedError{fmt.Errorf("%w:\n%s\nafter fixing the cause: %s", err, failed.Detail(), again)}
	case errors.Is(err, rehearse.ErrNothingMeasured):
		return failedError{err}
	case err != nil:
		return err
	}
	if *asJSON {
		return cli.WriteJSON(a.stdout, rep)
	}
	rehearse.WriteText(a.stdout, rep, *cfgPath, migrate.TargetWarnings(ctx, ep.tgt, pr.Plan.Doc.Summary.Bytes))
	return nil
}

// calibrateFromRun fits the cost model from the measured batches of run
// runID (rehearse.FromRun); it writes only the calibration.
func (a *app) calibrateFromRun(ctx context.Context, cfgPath string, runID int64, asJSON bool) error {
	s, err := a.openExisting(ctx, cfgPath)
	if err != nil {
		return err
	}
	defer s.Close()
	schema := s.cfg.Target.LedgerSchema
	if !s.found {
		return usagef("--from-run %d: no ledger in %s", runID, schema)
	}
	res, err := rehearse.FromRun(ctx, s.ledger, rehearse.LedgerStore(s.tgt.SQL(), schema, s.ledger), runID, s.cfg.PlanFingerprint())
	if errors.Is(err, rehearse.ErrNoDoneBatch) {
		return usagef("--from-run %d: %v", runID, err)
	}
	if err != nil {
		return err
	}
	if asJSON {
		return cli.WriteJSON(a.stdout, res.JSON(runID))
	}
	fmt.Fprint(a.stdout, res.Text(runID))
	return nil
}
