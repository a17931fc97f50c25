package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cutover/cutover/checkpoint"
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
	frac, err := parseShare(*sampleFlag)
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
	// The sample writes into the real target tables (and rolls back): they
	// must exist.
	ep, resolved, err := a.prepare(ctx, cfg, *create, cfg.Run.Workers+4)
	if err != nil {
		return err
	}
	defer ep.Close()
	if err := migrate.RefuseLiveRun(ctx, ep.tgt, cfg.Target.LedgerSchema, cfg.Run.Lease.Duration); err != nil {
		return classify(err)
	}
	if resolved, err = migrate.EnsureTables(ctx, spec(cfg), ep.src, ep.tgt, resolved, a.log); err != nil {
		return classify(err)
	}
	doc, err := makePlan(ctx, cfg, ep, resolved)
	if err != nil {
		return err
	}
	targets := make([]string, len(resolved.Tables))
	for i, t := range resolved.Tables {
		targets[i] = t.Target
	}
	again := "cutover rehearse --config " + *cfgPath
	// The ledger is opened (made) only to store the calibration: a failed
	// rehearsal writes nothing.
	store := rehearse.StoreFunc(func(ctx context.Context, c checkpoint.Calibration) (int64, error) {
		l, err := openLedger(ctx, cfg, ep.tgt)
		if err != nil {
			return 0, err
		}
		return l.SaveCalibration(ctx, c)
	})
	res, err := rehearse.Run(ctx, rehearsalEngine{a: a, ep: ep, opt: a.processOptions(cfg, resolved), bar: !*asJSON}, ep.tgt, store, rehearse.Options{
		Plan: doc.Doc.Batches, Model: doc.Model, Share: frac, MinTime: *minTime, Workers: cfg.Run.Workers,
		Targets: targets, ConfigFP: cfg.PlanFingerprint(), Log: a.log,
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
	doc.Calibration = &checkpoint.Calibration{ID: res.CalibrationID, Workers: cfg.Run.Workers, CreatedAt: time.Now()}
	rep := &rehearse.Report{Result: res, Estimate: doc.EstimateWith(res.Model, cfg.Run.Workers)}
	if *asJSON {
		return cli.WriteJSON(a.stdout, rep)
	}
	rehearse.WriteText(a.stdout, rep, *cfgPath, migrate.TargetWarnings(ctx, ep.tgt, doc.Doc.Summary.Bytes))
	return nil
}

// rehearsalEngine runs a rehearsal's passes through the dry engine, with the
// run's signals and, unless the output is JSON, the progress bar.
type rehearsalEngine struct {
	a   *app
	ep  endpoints
	opt migrate.ProcessOptions
	bar bool
}

func (e rehearsalEngine) Rehearse(ctx context.Context, mem *migrate.MemLedger, workers int, stackRows int64) (migrate.Result, time.Duration, error) {
	opt := e.opt
	opt.Workers, opt.DryRun, opt.StackRows = workers, migrate.DryRollback, stackRows
	out, err := e.a.dryEngine(ctx, e.ep, mem, opt, e.bar)
	if err != nil {
		return migrate.Result{}, 0, err
	}
	return out.res, out.elapsed, nil
}

// parseShare reads --sample (a percentage, 2% or 2) as a fraction in (0, 1].
func parseShare(s string) (float64, error) {
	p, err := parsePercent(s)
	return p / 100, err
}

// calibrateFromRun fits the cost model from the measured batches of run
// runID (rehearse.FromRun); it writes only the calibration.
func (a *app) calibrateFromRun(ctx context.Context, cfgPath string, runID int64, asJSON bool) error {
	cfg, err := a.loadConfig(cfgPath)
	if err != nil {
		return err
	}
	tgt, l, ok, err := existingLedger(ctx, cfg)
	if err != nil {
		return err
	}
	defer tgt.Close()
	if !ok {
		return usagef("--from-run %d: no ledger in %s", runID, cfg.Target.LedgerSchema)
	}
	res, err := rehearse.FromRun(ctx, l, rehearse.LedgerStore(tgt.SQL(), cfg.Target.LedgerSchema, l), runID, cfg.PlanFingerprint())
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
