package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
	"github.com/cutover/cutover/rehearse"
)

// rehearsal is what `cutover rehearse --json` prints: what the rehearsal
// measured and stored, and the plan under the new model.
type rehearsal struct {
	*rehearse.Result
	Estimate *planner.Estimate `json:"estimate"`
}

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
	store := storeFunc(func(ctx context.Context, c checkpoint.Calibration) (int64, error) {
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
		var lines []string
		for _, f := range failed.Batches {
			lines = append(lines, fmt.Sprintf("  batch %d (%s): %v", f.ID, f.Table, f.Err))
		}
		return failedError{fmt.Errorf("%w:\n%s\nafter fixing the cause: %s", err, strings.Join(lines, "\n"), again)}
	case errors.Is(err, rehearse.ErrNothingMeasured):
		return failedError{err}
	case err != nil:
		return err
	}
	doc.Calibration = &checkpoint.Calibration{ID: res.CalibrationID, Workers: cfg.Run.Workers, CreatedAt: time.Now()}
	rep := &rehearsal{Result: res, Estimate: doc.EstimateWith(res.Model, cfg.Run.Workers)}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	a.printRehearsal(rep, *cfgPath)
	for _, w := range migrate.TargetWarnings(ctx, ep.tgt, doc.Doc.Summary.Bytes) {
		fmt.Fprintf(a.stdout, "warning: %s\n", w)
	}
	if len(res.NotEmpty) > 0 {
		fmt.Fprintf(a.stdout, "warning: target tables %s are not empty: each rehearsed batch deleted and reloaded its rows, which costs more than the night's copy into empty tables, so the estimate is high; rehearse on empty tables\n",
			strings.Join(res.NotEmpty, ", "))
	}
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

// storeFunc is a rehearse.Store.
type storeFunc func(ctx context.Context, c checkpoint.Calibration) (int64, error)

func (f storeFunc) SaveCalibration(ctx context.Context, c checkpoint.Calibration) (int64, error) {
	return f(ctx, c)
}

func (a *app) printRehearsal(r *rehearsal, cfgPath string) {
	how := "every batch rolled back on its own (the target tables were not empty, or the plan too small to run each batch once)"
	if r.Stacked {
		how = "each worker's batches in one transaction, rolled back, so that they wrote into tables filling up as on the night"
	}
	fmt.Fprintf(a.stdout, "rehearsed %d of %d batches with %d workers in %s: %s\n",
		r.Sampled, r.PlanBatches, r.Workers, dur(r.Seconds), how)
	names := make([]string, 0, len(r.Tables))
	for t := range r.Tables {
		names = append(names, t)
	}
	slices.Sort(names)
	for _, t := range names {
		c, fe := r.Model.For(t), r.Tables[t]
		errPct := 0.0
		if fe.Measured > 0 {
			errPct = 100 * (fe.Predicted - fe.Measured) / fe.Measured
		}
		fmt.Fprintf(a.stdout, "  %-16s %3d batches: %s per batch + %s per 1k rows + %s per MB (fit %+.1f%% on the sample)\n",
			t, fe.Batches, dur(c.Fixed), dur(c.PerRow*1e3), dur(c.PerByte*1e6), errPct)
	}
	if sc := r.Scaling; sc != nil {
		fmt.Fprintf(a.stdout, "scaling: with %s the same batches took %.0f%% of their time with %d (%d batches): contention %.2f, so %s\n",
			workerCount(sc.Fewer), 100*sc.Ratio, r.Workers, sc.Batches, sc.Contention, scalingWords(r.Model, r.Workers))
	}
	fmt.Fprintf(a.stdout, "calibration %d stored in the ledger; `cutover plan` now uses it\n", r.CalibrationID)
	fmt.Fprintln(a.stdout, r.Estimate.Text(r.Workers))
	fmt.Fprintf(a.stdout, "next: cutover plan --config %s --deadline HH:MM\n", cfgPath)
}

func workerCount(n int) string {
	if n == 1 {
		return "1 worker"
	}
	return fmt.Sprintf("%d workers", n)
}

// scalingWords says what the measured contention means for more workers.
func scalingWords(m planner.Model, workers int) string {
	twice := 2 * workers
	speedup := 2 / m.Scale(twice) // the time with workers over the time with twice as many
	if speedup < 1.1 {
		return fmt.Sprintf("more workers than %d would not make the copy faster", workers)
	}
	return fmt.Sprintf("%d workers would copy about %.1fx as fast as %d", twice, speedup, workers)
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
	store := storeFunc(func(ctx context.Context, c checkpoint.Calibration) (int64, error) {
		if err := checkpoint.EnsureCalibration(ctx, tgt.SQL(), cfg.Target.LedgerSchema); err != nil {
			return 0, err
		}
		return l.SaveCalibration(ctx, c)
	})
	res, err := rehearse.FromRun(ctx, l, store, runID, cfg.PlanFingerprint())
	if errors.Is(err, rehearse.ErrNoDoneBatch) {
		return usagef("--from-run %d: %v", runID, err)
	}
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"calibration_id": res.CalibrationID, "from_run": runID, "batches": res.Batches, "workers": res.Workers, "model": res.Model})
	}
	fmt.Fprintf(a.stdout, "calibration %d fitted on the %d done batches of run %d (%d workers) stored in the ledger; `cutover plan` now uses it\n",
		res.CalibrationID, res.Batches, runID, res.Workers)
	return nil
}
