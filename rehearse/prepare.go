package rehearse

import (
	"context"
	"log/slog"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/migrate"
)

// PrepareTarget is the target as Prepare needs it: it holds the ledger a
// live run would be in, and the tables the sample writes into.
type PrepareTarget interface {
	Target
	migrate.SQLDB
	migrate.TableTarget
}

// PrepareOptions are the inputs of Prepare: plain values, and the plan
// maker that belongs to the caller.
type PrepareOptions struct {
	Source     migrate.TableSource
	Target     PrepareTarget
	Resolution *migrate.Resolution
	Spec       migrate.Spec
	// LedgerSchema is where a live run's ledger is; Lease the run's lease.
	LedgerSchema string
	Lease        time.Duration
	// Plan makes a new plan of res; nothing of it is stored.
	Plan func(ctx context.Context, res *migrate.Resolution) (*migrate.Planned, error)
	// OpenStore opens (on first use creates) the ledger the calibration is
	// stored in: called only once the sample ran, so that a failed
	// rehearsal writes nothing.
	OpenStore func(ctx context.Context) (Store, error)
	Log       *slog.Logger
}

// Prepared is a rehearsal ready to run: its tables (created when they were
// missing) and the plan it samples.
type Prepared struct {
	Resolution *migrate.Resolution
	Plan       *migrate.Planned
	target     Target
	openStore  func(ctx context.Context) (Store, error)
}

// Prepare does what `cutover rehearse` does before its sample runs: it
// refuses a target a run is copying into now (a *migrate.ConfigError),
// creates the missing target tables (empty: the sample writes into the real
// tables and rolls back, so they must exist) and plans in memory.
func Prepare(ctx context.Context, o PrepareOptions) (*Prepared, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if err := migrate.RefuseLiveRun(ctx, o.Target, o.LedgerSchema, o.Lease); err != nil {
		return nil, err
	}
	res, err := migrate.EnsureTables(ctx, o.Spec, o.Source, o.Target, o.Resolution, o.Log)
	if err != nil {
		return nil, err
	}
	p, err := o.Plan(ctx, res)
	if err != nil {
		return nil, err
	}
	return &Prepared{Resolution: res, Plan: p, target: o.Target, openStore: o.OpenStore}, nil
}

// Run rehearses a sample of the prepared plan (Run with opt's Plan, Model
// and Targets filled in from it) and reports the plan under the model it
// fitted, as calibrated by the calibration it stored.
func (p *Prepared) Run(ctx context.Context, eng Engine, opt Options) (*Report, error) {
	opt.Plan, opt.Model = p.Plan.Doc.Batches, p.Plan.Model
	opt.Targets = make([]string, len(p.Resolution.Tables))
	for i, t := range p.Resolution.Tables {
		opt.Targets[i] = t.Target
	}
	st := StoreFunc(func(ctx context.Context, c checkpoint.Calibration) (int64, error) {
		s, err := p.openStore(ctx)
		if err != nil {
			return 0, err
		}
		return s.SaveCalibration(ctx, c)
	})
	res, err := Run(ctx, eng, p.target, st, opt)
	if err != nil {
		return nil, err
	}
	p.Plan.Calibration = &checkpoint.Calibration{ID: res.CalibrationID, Workers: opt.Workers, CreatedAt: time.Now()}
	return &Report{Result: res, Estimate: p.Plan.EstimateWith(res.Model, opt.Workers)}, nil
}

// DryRunner runs mem's batches through a dry process (migrate.NewDry) with
// opt and returns its result and wall time; the command line adds the run's
// signals and the progress bar.
type DryRunner func(ctx context.Context, mem *migrate.MemLedger, opt migrate.ProcessOptions) (migrate.Result, time.Duration, error)

// ProcessEngine is the Engine that runs each pass through run with the run's
// process options opt, rolled back (migrate.DryRollback), with the pass's
// workers and stacking.
func ProcessEngine(opt migrate.ProcessOptions, run DryRunner) Engine {
	return processEngine{opt: opt, run: run}
}

type processEngine struct {
	opt migrate.ProcessOptions
	run DryRunner
}

func (e processEngine) Rehearse(ctx context.Context, mem *migrate.MemLedger, workers int, stackRows int64) (migrate.Result, time.Duration, error) {
	opt := e.opt
	opt.Workers, opt.DryRun, opt.StackRows = workers, migrate.DryRollback, stackRows
	return e.run(ctx, mem, opt)
}
