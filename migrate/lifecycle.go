package migrate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/alert"
	"github.com/cutover/cutover/internal/metrics"
	"github.com/cutover/cutover/planner"
)

// ProgressFunc starts drawing a copy's progress (rows done before this
// process started, rows in all, this process's counters, why it is paused
// or nil) and returns the stop that waits for the drawing to end. The
// drawing is the caller's: a bar on a terminal, a log line otherwise.
type ProgressFunc func(base, total int64, c *Counters, paused func() string) (stop func())

// LifecycleOptions are the inputs of RunLifecycle: a prepared run
// (PrepareRun) and what this process adds to it.
type LifecycleOptions struct {
	Ledger *checkpoint.Ledger
	Run    *checkpoint.Run
	Source Source
	Target JoinTarget
	// Process configures the joined process; its OnBatch and Canary are
	// set here (the metrics' hook, the run's canary).
	Process ProcessOptions
	// CanaryTenants is how many tenants the canary takes when the run has
	// none yet; the canary is always set, so that this process follows one
	// another process recorded. CanaryCheck checks it against the source.
	CanaryTenants int
	CanaryCheck   CanaryCheck
	// Metrics, when set, serves /metrics (RunMetrics) while the process
	// runs; the caller opened it and closes it.
	Metrics net.Listener
	// Progress, when set, draws the copy while it runs.
	Progress ProgressFunc
}

// Ending is how a process that joined the run ended.
type Ending struct {
	Result  Result
	Elapsed time.Duration
	// Err is the engine's error (an *OutageError, a *CanaryError, ...): the
	// copy stopped on it and Outcome is nil.
	Err error
	// Outcome is where the run stands after (Settle), when Err is nil.
	Outcome *Outcome
}

// RunLifecycle is `cutover run` after PrepareRun, the run's one owner from
// joining to leaving: it joins (a refusal is a *checkpoint.GateError,
// nothing claimed), serves the metrics, copies until done or stopped (soft
// and hard as Process.Start: the caller's signals cancel them), settles
// and leaves. It returns a nil Ending when the process never started
// copying; otherwise the Ending, and an error only when settling failed.
func RunLifecycle(soft, hard context.Context, o LifecycleOptions) (*Ending, error) {
	opt := o.Process
	opt.defaults()
	met := NewRunMetrics(o.Ledger, o.Run)
	opt.OnBatch = met.Observe
	doc, err := planner.ParseDoc(o.Run.Plan)
	if err != nil {
		return nil, fmt.Errorf("run %d: %w", o.Run.ID, err)
	}
	opt.Canary = &CanaryOptions{N: o.CanaryTenants, Plan: doc, Ledger: o.Ledger, Check: o.CanaryCheck}
	p, err := Join(soft, o.Ledger, o.Run, o.Source, o.Target, opt)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	before, err := o.Ledger.Status(soft, o.Run, time.Minute)
	if err != nil {
		return nil, fmt.Errorf("read the status of run %d: %w", o.Run.ID, err)
	}
	met.Counters, met.Controller = p.Counters(), p.Controller()
	if o.Metrics != nil {
		defer metrics.Serve(o.Metrics, met.Scrape, opt.Log)()
	}
	stopBar := func() {}
	if o.Progress != nil {
		stopBar = o.Progress(before.RowsDone, before.RowsTotal, p.Counters(), p.Controller().Paused)
	}
	res, runErr := p.Run(soft, hard)
	stopBar()
	end := &Ending{Result: res, Elapsed: p.Elapsed(), Err: runErr}
	var outage *OutageError
	if errors.As(runErr, &outage) {
		opt.Notify(alert.Stop, "process stopped: "+outage.Error(), nil)
	}
	if runErr != nil {
		return end, nil
	}
	if end.Outcome, err = p.Settle(soft, res); err != nil {
		return end, err
	}
	return end, nil
}

// RunDry runs mem's batches through a dry process (NewDry, opt.DryRun)
// until they are done or it is stopped (soft and hard as Process.Start:
// what is in flight rolls back, as everything of a dry run does), drawing
// the progress when progress is set. It returns what the engine did and how
// long it ran.
func RunDry(soft, hard context.Context, src Source, tgt DryTarget, mem *MemLedger, opt ProcessOptions, progress ProgressFunc) (Result, time.Duration, error) {
	p, err := NewDry(soft, src, tgt, mem, opt)
	if err != nil {
		return Result{}, 0, err
	}
	stopBar := func() {}
	if progress != nil {
		stopBar = progress(0, mem.MustRows(), p.Counters(), nil)
	}
	res, err := p.Run(soft, hard)
	stopBar()
	if err != nil {
		return Result{}, 0, err
	}
	return res, p.Elapsed(), nil
}
