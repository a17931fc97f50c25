// Package rehearse measures the plan before the night: it runs a sample of
// the plan's batches through the copy engine with every transaction rolled
// back, times them while every worker is busy, fits the planner's cost model
// (planner.Calibrate) and stores the calibration. A second, shorter pass with
// one worker measures how the workers slow each other down.
//
// It writes nothing that stays on the target: the engine runs on a sample
// ledger in memory (migrate.NewSampleLedger) in migrate.DryRollback mode. The
// engine run, the target and the calibration store are small interfaces
// defined here, implemented by the command line.
package rehearse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// TopTenants is how many of the largest tenants always have a batch in a
// rehearsal's sample.
const TopTenants = 3

// DefaultMinTime is how long a rehearsal measures at least (or the whole
// plan, when that is shorter): a 2% sample of a small plan lasts a second or
// two, which one burst of load on a shared server skews by half (measured:
// estimates from +69% to -19% on the 2M-row bench while another job used the
// machine).
const DefaultMinTime = 10 * time.Second

// batchesPerWorker is how many batches per worker a rehearsal runs at least,
// so that most are timed while every worker is busy.
const batchesPerWorker = 3

// stackRows bounds the rows a worker's stacked rehearsal transaction holds
// before it rolls back and starts again (undo on the target, and the time of
// the rollback).
const stackRows = 2_000_000

// Engine runs the batches of a sample ledger through the copy engine with
// every transaction rolled back (migrate.DryRollback), with workers, stacking
// each worker's batches in one transaction of up to stackRows rows when
// stackRows > 0. It returns the engine's result and the wall time.
type Engine interface {
	Rehearse(ctx context.Context, l *migrate.MemLedger, workers int, stackRows int64) (migrate.Result, time.Duration, error)
}

// Target tells whether a target table holds rows.
type Target interface {
	IsEmpty(ctx context.Context, table string) (bool, error)
}

// Store keeps a calibration (the ledger's calibration table).
type Store interface {
	SaveCalibration(ctx context.Context, c checkpoint.Calibration) (int64, error)
}

// Options are what a rehearsal measures.
type Options struct {
	// Plan is the plan's batches, largest first, and Model the cost model it
	// was cut with (which picks the sample).
	Plan  []planner.Batch
	Model planner.Model
	// Share is the fraction of the plan's estimated work to sample, in (0, 1].
	Share float64
	// MinTime keeps adding batches of the plan until the sample ran this long.
	MinTime time.Duration
	Workers int
	// Targets are the run's target tables: batches stack only when all are empty.
	Targets []string
	// ConfigFP is the config's plan fingerprint the calibration is stored under.
	ConfigFP string
	Log      *slog.Logger
}

// Result is what a rehearsal measured and stored (`cutover rehearse --json`).
type Result struct {
	CalibrationID int64               `json:"calibration_id"`
	Workers       int                 `json:"workers"`
	Sampled       int                 `json:"sampled_batches"`
	PlanBatches   int                 `json:"plan_batches"`
	Seconds       float64             `json:"seconds"` // wall time of the sample
	Measured      []planner.Measured  `json:"measured"`
	Model         planner.Model       `json:"model"`
	Tables        map[string]FitError `json:"fit"`
	Scaling       *Scaling            `json:"scaling,omitempty"` // the second pass, with one worker
	// Stacked says each worker's batches shared one rolled-back transaction,
	// so that they wrote into tables filling up as on the night.
	Stacked bool `json:"stacked"`
	// NotEmpty are the target tables that held rows: each rehearsed batch
	// deleted and reloaded its rows, so the estimate is high.
	NotEmpty []string `json:"-"`
}

// Scaling is what the pass with one worker measured.
type Scaling struct {
	Fewer      int     `json:"workers"`
	Batches    int     `json:"batches"`
	Ratio      float64 `json:"time_ratio"` // measured / the model fitted at Workers
	Contention float64 `json:"contention"`
}

// FitError compares the fitted model with the measured batches of a table.
type FitError struct {
	Batches   int     `json:"batches"`
	Measured  float64 `json:"measured_s"`
	Predicted float64 `json:"predicted_s"`
}

// ErrInterrupted is returned when the engine stopped before the sample ran
// (a signal): nothing was written or stored.
var ErrInterrupted = errors.New("rehearsal stopped")

// ErrNothingMeasured is returned when no batch of the sample was done.
var ErrNothingMeasured = errors.New("the rehearsal measured no batch; no calibration stored")

// FailedError is returned when batches of the sample failed, as a real run
// would fail: no calibration is stored.
type FailedError struct {
	Failed  int64
	Ran     int
	Batches []migrate.FailedBatch // the first few
}

func (e *FailedError) Error() string {
	return fmt.Sprintf("%d of %d rehearsed batches failed (a real run would fail the same way); no calibration stored", e.Failed, e.Ran)
}

// Run rehearses the plan: the sample (repeated to keep every worker busy,
// then more of the plan, spread over it, until MinTime), then the one-worker
// pass, the fit, and the calibration stored in st.
func Run(ctx context.Context, eng Engine, tgt Target, st Store, opt Options) (*Result, error) {
	plan := &planner.Plan{Batches: opt.Plan}
	workers := opt.Workers
	sample := planner.Sample(plan, opt.Model, opt.Share, TopTenants, batchesPerWorker*workers)
	must := steadySample(sample, workers)
	list := append(must, migrate.LedgerBatches(spreadOut(opt.Plan, sample))...)
	// Batches stack in one rolled-back transaction per worker when the
	// target tables are empty (as on the night) and no batch runs twice.
	var stack int64
	full, err := nonEmpty(ctx, tgt, opt.Targets)
	if err != nil {
		return nil, err
	}
	if len(full) == 0 && len(must) == len(sample) {
		stack = stackRows
	}
	first, err := runPhase(ctx, eng, opt.Log, list, len(must), opt.MinTime, workers, stack)
	if err != nil {
		return nil, err
	}
	ms := measured(first.steady)
	if len(ms) == 0 {
		return nil, ErrNothingMeasured
	}
	model := planner.Calibrate(ms)
	// The first of the same batches again, in the same order (so the tables
	// fill the same way), with one worker: how much the workers slow each
	// other down (Amdahl's law, from its two ends), so that plans for other
	// worker counts (--deadline and --window try many) do not assume that
	// twice the workers take half the time. About two batches per worker of
	// the first pass, so it lasts about twice as long at most.
	var scaling *Scaling
	if workers >= 2 {
		n := min((first.ran+1)/2, max(6, 2*first.ran/workers))
		again := make([]*checkpoint.Batch, 0, n)
		for _, b := range list[:n] {
			c := *b
			c.State, c.Owner, c.Attempts = 0, "", 0
			again = append(again, &c)
		}
		second, err := runPhase(ctx, eng, opt.Log, again, len(again), 0, 1, stack)
		if err != nil {
			return nil, err
		}
		if ratio, paired := pairedRatio(first.steady, second.steady); paired > 0 {
			model.Workers, model.Contention = workers, planner.Contention(workers, 1, ratio)
			scaling = &Scaling{Fewer: 1, Batches: paired, Ratio: ratio, Contention: model.Contention}
		}
	}
	// A rehearsal rolls its batches back and rebuilds no deferred index, so
	// it has no rebuild to time: model.Rebuild stays nil, so estimates use the
	// default rebuild cost until `rehearse --from-run` fits one from a run.
	raw, err := json.Marshal(model)
	if err != nil {
		return nil, fmt.Errorf("encode the calibration: %w", err)
	}
	id, err := st.SaveCalibration(ctx, checkpoint.Calibration{
		ConfigFP: opt.ConfigFP, Workers: workers, Batches: len(ms), Seconds: first.elapsed.Seconds(), Model: raw,
	})
	if err != nil {
		return nil, err
	}
	return &Result{
		CalibrationID: id, Workers: workers, Sampled: first.ran, PlanBatches: len(opt.Plan),
		Seconds: first.elapsed.Seconds(), Measured: ms, Model: model, Scaling: scaling, Stacked: stack > 0,
		Tables: fitErrors(model, ms), NotEmpty: full,
	}, nil
}

// fitErrors sums the measured and the predicted time of each table's batches.
func fitErrors(model planner.Model, ms []planner.Measured) map[string]FitError {
	out := map[string]FitError{}
	for _, x := range ms {
		fe := out[x.Table]
		fe.Batches++
		fe.Measured += x.Seconds
		fe.Predicted += model.For(x.Table).Seconds(x.Rows, x.Bytes)
		out[x.Table] = fe
	}
	return out
}

// Timeline reads the batches and the deferred index rebuilds of a run as they
// ran (checkpoint.Ledger).
type Timeline interface {
	Timeline(ctx context.Context, runID int64) ([]checkpoint.Span, error)
	IndexSteps(ctx context.Context, runID int64) ([]*checkpoint.IndexStep, error)
}

// ErrNoDoneBatch is returned by FromRun when the run has no done batch.
var ErrNoDoneBatch = errors.New("the run has no done batch to learn from")

// FromRunResult is what FromRun fitted and stored.
type FromRunResult struct {
	CalibrationID int64
	Batches       int
	Workers       int // how many workers copied
	// Rebuilds is how many of the run's index rebuilds fitted Model.Rebuild
	// (0: the run rebuilt nothing, and estimates keep the default cost).
	Rebuilds int
	Model    planner.Model
}

// FromRun fits the cost model from the measured batches of a run that really
// committed (a dress rehearsal on a staging copy): unlike a rolled-back sample
// it has seen the target fill up, which on a small buffer pool makes late
// batches slower than early ones. The run's finished index rebuilds fit the
// rebuild cost (planner.FitRebuild). It writes only the calibration, through
// st, and only when the run had a done batch.
func FromRun(ctx context.Context, l Timeline, st Store, runID int64, configFP string) (*FromRunResult, error) {
	spans, err := l.Timeline(ctx, runID)
	if err != nil {
		return nil, err
	}
	var ms []planner.Measured
	workers := map[string]bool{}
	copied := map[string]int64{} // rows the run's done batches wrote, by table
	for _, s := range spans {
		if s.State == checkpoint.Done {
			copied[s.Table] += s.Rows
		}
		if s.State != checkpoint.Done || s.Claimed.IsZero() || !s.Finished.After(s.Claimed) {
			continue
		}
		ms = append(ms, planner.Measured{Table: s.Table, Rows: s.Rows, Bytes: s.EstBytes, Seconds: s.Finished.Sub(s.Claimed).Seconds()})
		workers[fmt.Sprintf("%s/%d", s.Owner, s.Worker)] = true
	}
	if len(ms) == 0 {
		return nil, ErrNoDoneBatch
	}
	model := planner.Calibrate(ms)
	steps, err := l.IndexSteps(ctx, runID)
	if err != nil {
		return nil, err
	}
	rs := rebuildSamples(steps, copied)
	if c, ok := planner.FitRebuild(rs); ok {
		model.Rebuild = &c
	}
	raw, err := json.Marshal(model)
	if err != nil {
		return nil, fmt.Errorf("encode the calibration: %w", err)
	}
	// The worker count it was measured at is how many workers copied.
	id, err := st.SaveCalibration(ctx, checkpoint.Calibration{ConfigFP: configFP, Workers: len(workers), Batches: len(ms), Model: raw})
	if err != nil {
		return nil, err
	}
	return &FromRunResult{CalibrationID: id, Batches: len(ms), Workers: len(workers), Rebuilds: len(rs), Model: model}, nil
}

// rebuildSamples are the finished rebuilds of steps, each over the rows the
// run copied into its table (copied, by source table: deferral happens only
// on empty targets, so these are the table's rows). Its time is that of its
// last claim, the one that finished; a step without rows or a time is left
// out.
func rebuildSamples(steps []*checkpoint.IndexStep, copied map[string]int64) []planner.RebuildSample {
	var out []planner.RebuildSample
	for _, st := range steps {
		if st.State != checkpoint.Done || st.Took <= 0 || copied[st.Table] <= 0 || len(st.Indexes) == 0 {
			continue
		}
		out = append(out, planner.RebuildSample{Table: st.Target, Rows: copied[st.Table], Definitions: len(st.Indexes), Seconds: st.Took.Seconds()})
	}
	return out
}

// phase is what one pass of a rehearsal ran and measured.
type phase struct {
	ran     int                   // batches run
	steady  []migrate.BatchResult // those timed while every worker was busy
	elapsed time.Duration
}

// runPhase runs the first must batches of list, then more of it until
// minTime has passed, with workers, everything rolled back. A failed batch
// fails the rehearsal (a real run would fail the same way).
func runPhase(ctx context.Context, eng Engine, log *slog.Logger, list []*checkpoint.Batch, must int, minTime time.Duration, workers int, stack int64) (*phase, error) {
	if log != nil {
		log.Info("rehearsing", "batches", must, "of", len(list), "workers", workers, "min_time", minTime, "stacked", stack > 0)
	}
	mem := migrate.NewSampleLedger(list, must, minTime)
	res, elapsed, err := eng.Rehearse(ctx, mem, workers, stack)
	if err != nil {
		return nil, err
	}
	if res.Interrupted {
		return nil, ErrInterrupted
	}
	results := mem.Results()
	if res.Failed > 0 {
		return nil, &FailedError{Failed: res.Failed, Ran: len(results), Batches: res.FailedBatches[:min(len(res.FailedBatches), 5)]}
	}
	return &phase{ran: len(results), steady: steadyState(results, workers), elapsed: elapsed}, nil
}

// nonEmpty lists the target tables that hold rows.
func nonEmpty(ctx context.Context, tgt Target, tables []string) ([]string, error) {
	var full []string
	for _, t := range tables {
		empty, err := tgt.IsEmpty(ctx, t)
		if err != nil {
			return nil, err
		}
		if !empty {
			full = append(full, t)
		}
	}
	return full, nil
}
