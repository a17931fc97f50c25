package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// rehearseTopTenants is how many of the largest tenants always have a batch
// in a rehearsal's sample.
const rehearseTopTenants = 3

// defaultRehearseTime is how long a rehearsal measures at least (or the
// whole plan, when that is shorter): a 2% sample of a small plan lasts a
// second or two, which one burst of load on a shared server skews by half
// (measured: estimates from +69% to -19% on the 2M-row bench while another
// job used the machine).
const defaultRehearseTime = 10 * time.Second

// rehearseBatchesPerWorker is how many batches per worker a rehearsal runs at
// least, so that most are timed while every worker is busy.
const rehearseBatchesPerWorker = 3

// rehearsal is what `cutover rehearse --json` prints.
type rehearsal struct {
	CalibrationID int64               `json:"calibration_id"`
	Workers       int                 `json:"workers"`
	Sampled       int                 `json:"sampled_batches"`
	PlanBatches   int                 `json:"plan_batches"`
	Seconds       float64             `json:"seconds"` // wall time of the sample
	Measured      []planner.Measured  `json:"measured"`
	Model         planner.Model       `json:"model"`
	Estimate      *planner.Estimate   `json:"estimate"` // the plan under the new model
	Tables        map[string]fitError `json:"fit"`
	Scaling       *scalingDoc         `json:"scaling,omitempty"` // the second pass, with one worker
	// Stacked says each worker's batches shared one rolled-back transaction,
	// so that they wrote into tables filling up as on the night.
	Stacked bool `json:"stacked"`
}

// scalingDoc is what the pass with one worker measured.
type scalingDoc struct {
	Fewer      int     `json:"workers"`
	Batches    int     `json:"batches"`
	Ratio      float64 `json:"time_ratio"` // measured / the model fitted at run.workers
	Contention float64 `json:"contention"`
}

// fitError compares the fitted model with the measured batches of a table.
type fitError struct {
	Batches   int     `json:"batches"`
	Measured  float64 `json:"measured_s"`
	Predicted float64 `json:"predicted_s"`
}

func (a *app) cmdRehearse(ctx context.Context, args []string) error {
	fs := a.flags("rehearse")
	cfgPath := fs.String("config", "", "config file (YAML)")
	sampleFlag := fs.String("sample", "2%", "share of the plan's estimated work to run, such as 2% or 0.02")
	minTime := fs.Duration("min-time", defaultRehearseTime, "keep rehearsing more batches of the plan until the sample has run this long (or the whole plan has)")
	asJSON := fs.Bool("json", false, "print the calibration as JSON")
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
	ep, res, err := a.prepare(ctx, cfg, false, cfg.Run.Workers+4)
	if err != nil {
		return err
	}
	defer ep.Close()
	doc, err := makePlan(ctx, cfg, ep, res)
	if err != nil {
		return err
	}
	plan := &planner.Plan{Batches: doc.Doc.Batches}
	sample := planner.Sample(plan, doc.Model, frac, rehearseTopTenants, rehearseBatchesPerWorker*cfg.Run.Workers)
	again := "cutover rehearse --config " + *cfgPath
	workers := cfg.Run.Workers
	must := steadySample(sample, workers)
	list := append(must, migrate.LedgerBatches(spreadOut(doc.Doc.Batches, sample))...)
	// Batches stack in one rolled-back transaction per worker when the
	// target tables are empty (as on the night) and no batch runs twice.
	var stackRows int64
	clean, err := targetTablesEmpty(ctx, ep.tgt, res.Tables)
	if err != nil {
		return err
	}
	if clean && len(must) == len(sample) {
		stackRows = rehearseStackRows
	}
	first, err := a.rehearsePhase(ctx, cfg, ep, res, list, len(must), *minTime, workers, stackRows, !*asJSON, again)
	if err != nil {
		return err
	}
	ms := measured(first.steady)
	if len(ms) == 0 {
		return failedError{fmt.Errorf("the rehearsal measured no batch; no calibration stored")}
	}
	model := planner.Calibrate(ms)
	// The first of the same batches again, in the same order (so the tables
	// fill the same way), with one worker: how much the workers slow each
	// other down (Amdahl's law, from its two ends), so that plans for other
	// worker counts (--deadline and --window try many) do not assume that
	// twice the workers take half the time. About two batches per worker of
	// the first pass, so it lasts about twice as long at most.
	var scaling *scalingDoc
	if workers >= 2 {
		n := min((first.ran+1)/2, max(6, 2*first.ran/workers))
		again2 := make([]*checkpoint.Batch, 0, n)
		for _, b := range list[:n] {
			c := *b
			c.State, c.Owner, c.Attempts = 0, "", 0
			again2 = append(again2, &c)
		}
		second, err := a.rehearsePhase(ctx, cfg, ep, res, again2, len(again2), 0, 1, stackRows, !*asJSON, again)
		if err != nil {
			return err
		}
		if ratio, paired := pairedRatio(first.steady, second.steady); paired > 0 {
			model.Workers, model.Contention = workers, planner.Contention(workers, 1, ratio)
			scaling = &scalingDoc{Fewer: 1, Batches: paired, Ratio: ratio, Contention: model.Contention}
		}
	}
	elapsed, ran := first.elapsed, first.ran
	raw, err := json.Marshal(model)
	if err != nil {
		return err
	}
	l, err := openLedger(ctx, cfg, ep.tgt)
	if err != nil {
		return err
	}
	id, err := l.SaveCalibration(ctx, checkpoint.Calibration{
		ConfigFP: cfg.PlanFingerprint(), Workers: cfg.Run.Workers, Batches: len(ms), Seconds: elapsed.Seconds(), Model: raw,
	})
	if err != nil {
		return err
	}
	doc.Calibration = &checkpoint.Calibration{ID: id, Workers: cfg.Run.Workers, CreatedAt: time.Now()}
	rep := &rehearsal{
		CalibrationID: id, Workers: cfg.Run.Workers, Sampled: ran, PlanBatches: len(doc.Doc.Batches),
		Seconds: elapsed.Seconds(), Measured: ms, Model: model, Scaling: scaling, Stacked: stackRows > 0,
		Estimate: doc.EstimateWith(model, cfg.Run.Workers), Tables: map[string]fitError{},
	}
	for _, x := range ms {
		fe := rep.Tables[x.Table]
		fe.Batches++
		fe.Measured += x.Seconds
		fe.Predicted += model.For(x.Table).Seconds(x.Rows, x.Bytes)
		rep.Tables[x.Table] = fe
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	a.printRehearsal(rep, *cfgPath)
	for _, w := range migrate.TargetWarnings(ctx, ep.tgt, doc.Doc.Summary.Bytes) {
		fmt.Fprintf(a.stdout, "warning: %s\n", w)
	}
	var full []string
	for _, t := range res.Tables {
		if empty, err := ep.tgt.IsEmpty(ctx, t.Target); err == nil && !empty {
			full = append(full, t.Target)
		}
	}
	if len(full) > 0 {
		fmt.Fprintf(a.stdout, "warning: target tables %s are not empty: each rehearsed batch deleted and reloaded its rows, which costs more than the night's copy into empty tables, so the estimate is high; rehearse on empty tables\n",
			strings.Join(full, ", "))
	}
	return nil
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

// parseShare reads 2% or 0.02 as a fraction in (0, 1].
func parseShare(s string) (float64, error) {
	v, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(v, 64)
	if pct {
		f /= 100
	}
	if err != nil || math.IsNaN(f) || f <= 0 || f > 1 {
		return 0, usagef("--sample %q: want a share of the work such as 2%% or 0.02 (more than 0, at most 100%%)", s)
	}
	return f, nil
}

// calibrateFromRun fits the cost model from the measured batches of a run
// that really committed (a dress rehearsal on a staging copy): unlike a
// rolled-back sample it has seen the target fill up, which on a small buffer
// pool makes late batches slower than early ones. It writes only the
// calibration.
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
	spans, err := l.Timeline(ctx, runID)
	if err != nil {
		return err
	}
	var ms []planner.Measured
	workers := map[string]bool{}
	for _, s := range spans {
		if s.State != checkpoint.Done || s.Claimed.IsZero() || !s.Finished.After(s.Claimed) {
			continue
		}
		ms = append(ms, planner.Measured{Table: s.Table, Rows: s.Rows, Bytes: s.EstBytes, Seconds: s.Finished.Sub(s.Claimed).Seconds()})
		workers[fmt.Sprintf("%s/%d", s.Owner, s.Worker)] = true
	}
	if len(ms) == 0 {
		return usagef("--from-run %d: the run has no done batch to learn from", runID)
	}
	model := planner.Calibrate(ms)
	raw, err := json.Marshal(model)
	if err != nil {
		return err
	}
	// The worker count it was measured at is how many workers copied.
	if err := checkpoint.EnsureCalibration(ctx, tgt.SQL(), cfg.Target.LedgerSchema); err != nil {
		return err
	}
	id, err := l.SaveCalibration(ctx, checkpoint.Calibration{ConfigFP: cfg.PlanFingerprint(), Workers: len(workers), Batches: len(ms), Model: raw})
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"calibration_id": id, "from_run": runID, "batches": len(ms), "workers": len(workers), "model": model})
	}
	fmt.Fprintf(a.stdout, "calibration %d fitted on the %d done batches of run %d (%d workers) stored in the ledger; `cutover plan` now uses it\n",
		id, len(ms), runID, len(workers))
	return nil
}

// steadySample repeats the sample when the plan has too few batches (each
// copy under an id of its own; every transaction is rolled back, so a batch
// can run twice) until there are at least three batches per worker: the
// batches are then timed while every worker is busy, as in the real run, and
// not alone in a short sample, which on a saturated server made the estimate
// 40% low (make bench, 2M rows).
func steadySample(sample []planner.Batch, workers int) []*checkpoint.Batch {
	base := migrate.LedgerBatches(sample)
	if len(base) == 0 {
		return base
	}
	maxID := 0
	for _, b := range base {
		maxID = max(maxID, b.ID)
	}
	reps := 1
	for reps*len(base) < rehearseBatchesPerWorker*workers && reps < 20 {
		reps++
	}
	out := make([]*checkpoint.Batch, 0, reps*len(base))
	for r := range reps {
		for _, b := range base {
			c := *b
			c.ID = b.ID + r*(maxID+1)
			out = append(out, &c)
		}
	}
	return out
}

// rehearseStackRows bounds the rows a worker's stacked rehearsal
// transaction holds before it rolls back and starts again (undo on the
// target, and the time of the rollback).
const rehearseStackRows = 2_000_000

// phase is what one pass of a rehearsal ran and measured.
type phase struct {
	ran     int                   // batches run
	steady  []migrate.BatchResult // those timed while every worker was busy
	elapsed time.Duration
}

// rehearsePhase runs the first must batches of list, then more of it until
// minTime has passed, with workers, everything rolled back. A failed batch
// fails the rehearsal (a real run would fail the same way).
func (a *app) rehearsePhase(ctx context.Context, cfg *config.Config, ep endpoints, res *migrate.Resolution, list []*checkpoint.Batch, must int, minTime time.Duration, workers int, stackRows int64, bar bool, again string) (*phase, error) {
	a.log.Info("rehearsing", "batches", must, "of", len(list), "workers", workers, "min_time", minTime, "stacked", stackRows > 0)
	mem := migrate.NewSampleLedger(list, must, minTime)
	opt := a.processOptions(cfg, res)
	opt.Workers, opt.DryRun, opt.StackRows = workers, migrate.DryRollback, stackRows
	out, err := a.dryEngine(ctx, ep, mem, opt, bar)
	if err != nil {
		return nil, err
	}
	if out.res.Interrupted {
		return nil, interruptedError{fmt.Errorf("rehearsal stopped; nothing was written or stored\nrerun with: %s", again)}
	}
	results := out.mem.Results()
	if out.res.Failed > 0 {
		var lines []string
		for _, f := range out.res.FailedBatches[:min(len(out.res.FailedBatches), 5)] {
			lines = append(lines, fmt.Sprintf("  batch %d (%s): %v", f.ID, f.Table, f.Err))
		}
		return nil, failedError{fmt.Errorf("%d of %d rehearsed batches failed (a real run would fail the same way); no calibration stored:\n%s\nafter fixing the cause: %s",
			out.res.Failed, len(results), strings.Join(lines, "\n"), again)}
	}
	return &phase{ran: len(results), steady: steadyState(results, workers), elapsed: out.elapsed}, nil
}

// measured turns done batch results into the calibration's input.
func measured(rs []migrate.BatchResult) []planner.Measured {
	var ms []planner.Measured
	for _, r := range rs {
		if r.Done {
			ms = append(ms, planner.Measured{Table: r.Batch.Table, Rows: r.Rows, Bytes: r.Batch.EstBytes, Seconds: r.Duration.Seconds()})
		}
	}
	return ms
}

// pairedRatio is the time the second pass took over the time the first took,
// on the batches both timed while every worker was busy, and how many.
func pairedRatio(first, second []migrate.BatchResult) (float64, int) {
	took := map[int]float64{}
	for _, r := range first {
		if r.Done {
			took[r.Batch.ID] = r.Duration.Seconds()
		}
	}
	var a, b float64
	n := 0
	for _, r := range second {
		if t, ok := took[r.Batch.ID]; ok && r.Done {
			a, b, n = a+t, b+r.Duration.Seconds(), n+1
		}
	}
	if n == 0 || a <= 0 {
		return 0, 0
	}
	return b / a, n
}

// targetTablesEmpty reports whether every target table of the run is empty.
func targetTablesEmpty(ctx context.Context, tgt interface {
	IsEmpty(ctx context.Context, table string) (bool, error)
}, tables []*catalog.Table) (bool, error) {
	for _, t := range tables {
		empty, err := tgt.IsEmpty(ctx, t.Target)
		if err != nil {
			return false, err
		}
		if !empty {
			return false, nil
		}
	}
	return true, nil
}

// spreadOut returns the plan's batches that are not in the sample, in an
// order whose every prefix is spread evenly over the plan (largest first):
// the batches a rehearsal adds when its sample ran too short.
func spreadOut(plan, sample []planner.Batch) []planner.Batch {
	in := make(map[int]bool, len(sample))
	for _, b := range sample {
		in[b.ID] = true
	}
	var rest []planner.Batch
	for _, b := range plan {
		if !in[b.ID] {
			rest = append(rest, b)
		}
	}
	// Positions in van der Corput order (1/2, 1/4, 3/4, 1/8, ...), each
	// index taken once.
	out := make([]planner.Batch, 0, len(rest))
	taken := make([]bool, len(rest))
	for i := 0; len(out) < len(rest); i++ {
		x, f := 0.0, 0.5
		for k := i; k > 0; k >>= 1 {
			if k&1 == 1 {
				x += f
			}
			f /= 2
		}
		j := int(x * float64(len(rest)))
		for taken[j] {
			j = (j + 1) % len(rest)
		}
		taken[j] = true
		out = append(out, rest[j])
	}
	return out
}

// steadyState keeps the batches that finished before the last batch was
// claimed: until then every worker had a batch, so each was timed under the
// run's full concurrency. The tail, where workers fall idle and the last
// batches run faster, is left out, unless too little would be left.
func steadyState(rs []migrate.BatchResult, workers int) []migrate.BatchResult {
	var last time.Time
	for _, r := range rs {
		if r.Start.After(last) {
			last = r.Start
		}
	}
	var keep []migrate.BatchResult
	steady := map[string]bool{}
	for _, r := range rs {
		if !r.Start.Add(r.Duration).After(last) {
			keep = append(keep, r)
			steady[r.Batch.Table] = true
		}
	}
	if len(keep) < max(workers, 3) {
		return rs
	}
	// Every table keeps a measurement: one that only ran in the tail is
	// timed there rather than not at all.
	for _, r := range rs {
		if !steady[r.Batch.Table] {
			keep = append(keep, r)
		}
	}
	return keep
}
