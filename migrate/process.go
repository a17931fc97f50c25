package migrate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/alert"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/planner"
)

// Process is this process's part in one run, from joining it to leaving it:
// it owns the engine, the controller and every goroutine they need, in the
// manner of river's Client (Start, Stop, StopAndCancel) and dumpling's
// Dumper. Every command that copies batches builds one:
//
//   - Join, for `cutover run`: registers through the ledger's version and
//     settings gate, releases the batches of dead processes on this host,
//     and obeys the run's controls (stop, pause, halt, the stop file, load
//     probes and rate limits);
//   - NewDry, for `run --dry-run` and rehearse: batches from a MemLedger,
//     nothing committed, the ledger not used;
//   - NewRepair, for `verify --repair`: registers without the gate and
//     copies the batches verify reopened.
//
// Start begins; a soft stop (the soft context done, Stop, or a stop
// control) claims nothing new and lets in-flight batches commit for
// ProcessOptions.Grace; a hard stop (the hard context done, the grace over,
// StopAndCancel, or stop --now) cancels them and they roll back. Wait
// returns when every goroutine has ended; Close leaves the run. Signals are
// the caller's: it cancels the contexts.
type Process struct {
	eng    *Engine
	ledger *checkpoint.Ledger // nil for a dry process
	run    *checkpoint.Run    // nil for a dry process
	ctl    *Controller        // set by Join only
	opt    ProcessOptions
	owner  string

	mu          sync.Mutex
	started     bool
	softAsked   bool
	hardAsked   bool
	cancelClaim context.CancelFunc
	cancelWork  context.CancelFunc
	stopCtl     context.CancelFunc
	graceTimer  *time.Timer
	unwatch     []func() bool

	wg      sync.WaitGroup
	done    chan struct{}
	start   time.Time
	res     Result
	err     error
	elapsed time.Duration
}

// ProcessOptions configure a Process.
type ProcessOptions struct {
	Host    string // this host: the owner id, the ledger's process list, alerts
	Version string // this binary, for the ledger's version gate
	Workers int
	Retries int
	Lease   time.Duration
	// Grace is how long in-flight batches may finish after a soft stop.
	Grace       time.Duration
	Tables      []*catalog.Table
	NoChecksums bool
	Transient   func(error) bool
	Log         *slog.Logger
	OnBatch     func(b *checkpoint.Batch, rows int64, took time.Duration)

	// The run-wide settings Join needs. RunFP is their fingerprint: the
	// ledger refuses a process whose settings differ from the run's.
	RunFP      string
	MaxWorkers int
	StopFile   string
	MaxFailed  int
	Throttle   ThrottleSettings
	// Notify is told of the run's events (the kinds of internal/alert); it
	// must not block.
	Notify func(kind, msg string, details map[string]any)

	// Outage, DiskFull and OutageLimit, for Join: a server that does not
	// answer pauses the run for up to OutageLimit (see Options).
	Outage, DiskFull func(error) bool
	OutageLimit      time.Duration
	// Defer says which indexes a joined run defers to the end.
	Defer DeferSettings
	// Canary, for Join: the run's canary (canary.go); nil: none.
	Canary *CanaryOptions

	// DryRun and StackRows, for NewDry (see Options).
	DryRun    DryRun
	StackRows int64
}

// ThrottleSettings are run.throttle as plain values.
type ThrottleSettings struct {
	RowsPerSecond, MBPerSecond float64
	Every                      time.Duration
	Probes                     []ProbeSpec
}

// ProbeSpec is one load probe: on the "source" or the "target", a metric
// (threads_running, replica_lag, or sql with SQL), over Max no batch starts.
type ProbeSpec struct {
	Name, On, Metric, SQL string
	Max                   float64
}

// JoinTarget is the target as Join needs it.
type JoinTarget interface {
	Target
	IndexTarget
	IsEmpty(ctx context.Context, table string) (bool, error)
}

func (o *ProcessOptions) defaults() {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Notify == nil {
		o.Notify = func(string, string, map[string]any) {}
	}
}

func (o *ProcessOptions) engineOptions(runID int64, owner string) Options {
	return Options{
		RunID: runID, Owner: owner, Workers: o.Workers, Retries: o.Retries, Lease: o.Lease,
		Transient: o.Transient, Log: o.Log, Tables: TableMap(o.Tables), NoChecksums: o.NoChecksums,
		OnBatch: o.OnBatch,
	}
}

// ownerID names this process in the ledger: host, pid and suffix, at most
// 64 bytes (the tail is kept: it is what tells processes apart).
func ownerID(host, suffix string) string {
	owner := fmt.Sprintf("%s:%d:%s", host, os.Getpid(), suffix)
	if len(owner) > 64 {
		owner = owner[len(owner)-64:]
	}
	return owner
}

// Join makes this process a member of run: it reads every load probe once
// (one that cannot be read is a *ConfigError), registers through the
// ledger's gate (a refusal is a *checkpoint.GateError: nothing was claimed),
// releases the batches of processes on this host that died, and builds the
// engine and the controller. The caller Starts it and Closes it.
func Join(ctx context.Context, l *checkpoint.Ledger, run *checkpoint.Run, src Source, tgt JoinTarget, opt ProcessOptions) (*Process, error) {
	opt.defaults()
	var nonce [4]byte
	_, _ = rand.Read(nonce[:])
	owner := ownerID(opt.Host, hex.EncodeToString(nonce[:]))
	probes, err := readProbes(ctx, src, tgt, opt.Throttle.Probes)
	if err != nil {
		return nil, err
	}
	l.BoundWorkers(opt.MaxWorkers)
	err = l.Join(ctx, run.ID, checkpoint.Process{Owner: owner, Host: opt.Host, PID: os.Getpid(), Version: opt.Version, Workers: opt.Workers},
		opt.RunFP, run.PlanFP, opt.Lease)
	if err != nil {
		var ge *checkpoint.GateError
		if errors.As(err, &ge) {
			return nil, ge
		}
		return nil, fmt.Errorf("join run %d: %w", run.ID, err)
	}
	p := &Process{ledger: l, run: run, opt: opt, owner: owner, done: make(chan struct{})}
	if err := p.prepareJoined(ctx, src, tgt, probes); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// prepareJoined releases dead processes' batches and builds the controller
// and the engine of a joined process.
func (p *Process) prepareJoined(ctx context.Context, src Source, tgt JoinTarget, probes []Probe) error {
	l, run, opt := p.ledger, p.run, p.opt
	if n, err := l.ReleaseDead(ctx, run.ID, opt.Host, pidAlive); err != nil {
		return fmt.Errorf("release the batches of dead processes on %s: %w", opt.Host, err)
	} else if n > 0 {
		opt.Log.Info("released batches of a process on this host that died", "batches", n)
	}
	names := make([]string, len(opt.Tables))
	tables := TableMap(opt.Tables)
	for i, t := range opt.Tables {
		names[i] = t.Name
	}
	clean, err := l.TargetEmpty(ctx, run.ID, names, func(name string) (bool, error) {
		return tgt.IsEmpty(ctx, tables[name].Target)
	})
	if err != nil {
		return fmt.Errorf("find the target tables that are empty: %w", err)
	}
	th := opt.Throttle
	topt := ThrottleOptions{RowsPerSecond: th.RowsPerSecond, BytesPerSecond: th.MBPerSecond * 1e6, Every: th.Every, Probes: probes}
	if th.MBPerSecond > 0 {
		if doc, err := planner.ParseDoc(run.Plan); err == nil {
			topt.BytesPerRow = doc.BytesPerRow()
		}
	}
	p.ctl = NewController(l, ControlOptions{
		RunID: run.ID, Owner: p.owner, Lease: opt.Lease, StopFile: opt.StopFile,
		MaxFailed: opt.MaxFailed, Throttle: topt, Log: opt.Log,
		OnStop: func(st Stop) {
			if st.Now {
				p.StopAndCancel()
			} else {
				p.Stop()
			}
		},
		OnFailure: func(b *checkpoint.Batch, cause error) {
			opt.Notify(alert.Failure, fmt.Sprintf("batch %d of %s failed: %v", b.ID, b.Table, cause),
				map[string]any{"batch": b.ID, "table": b.Table, "attempts": b.Attempts, "error": cause.Error()})
		},
		OnHalt: func(reason string) { opt.Notify(alert.Halt, "run halted on every host: "+reason, nil) },
	}, func() int64 {
		if p.eng == nil { // not before the engine exists; only its gate asks
			return 0
		}
		return p.eng.Counters.RowsDone.Load()
	})
	eo := opt.engineOptions(run.ID, p.owner)
	eo.CleanStart, eo.Gate = clean, p.ctl.Gate
	eo.Outage, eo.DiskFull, eo.OutageLimit = opt.Outage, opt.DiskFull, opt.OutageLimit
	// The rebuilder runs even with run.defer_indexes off: a step another
	// process recorded must still be rebuilt.
	ix := opt.Defer.indexes()
	ix.Target, ix.Ledger = tgt, l
	eo.Indexes = ix
	eo.Canary = opt.Canary
	p.eng = New(src, tgt, p.ctl.Ledger(l), eo)
	return nil
}

// readProbes builds the load probes and reads each once: a probe that cannot
// be read is a config error, not a silent pause.
func readProbes(ctx context.Context, src Source, tgt Target, specs []ProbeSpec) ([]Probe, error) {
	var out []Probe
	for i, ps := range specs {
		var on any = src
		if ps.On == "target" {
			on = tgt
		}
		db, ok := on.(SQLDB)
		if !ok {
			return nil, configErr("run.throttle.probes[%d] (%s): probes on this source driver are not supported; probe the target, or a MySQL source", i, ps.Name)
		}
		read, err := ProbeReader(db.SQL(), ps.Metric, ps.SQL)
		if err != nil {
			return nil, configErr("run.throttle.probes[%d] (%s): %v", i, ps.Name, err)
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err = read(pctx)
		cancel()
		if err != nil {
			return nil, configErr("run.throttle.probes[%d] (%s) cannot be read: %v", i, ps.Name, err)
		}
		out = append(out, Probe{Name: ps.Name, Max: ps.Max, Read: read})
	}
	return out, nil
}

// pidAlive reports whether a process with pid exists on this host.
func pidAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// DryTarget is the target as a dry process needs it.
type DryTarget interface {
	Target
	DryLoader(ctx context.Context, tables []*catalog.Table) (DryLoad, error)
}

// NewDry returns a process that runs mem's batches in opt.DryRun mode:
// nothing is committed and the ledger is not used.
func NewDry(ctx context.Context, src Source, tgt DryTarget, mem *MemLedger, opt ProcessOptions) (*Process, error) {
	opt.defaults()
	eo := opt.engineOptions(0, "dry-run")
	eo.NoChecksums, eo.OnBatch = false, nil
	eo.DryRun, eo.StackRows = opt.DryRun, opt.StackRows
	if opt.DryRun == DryRead {
		load, err := tgt.DryLoader(ctx, opt.Tables)
		if err != nil {
			return nil, fmt.Errorf("prepare the dry load: %w", err)
		}
		eo.DryLoad = load
	}
	return &Process{eng: New(src, tgt, mem, eo), opt: opt, owner: "dry-run", done: make(chan struct{})}, nil
}

// NewRepair returns a process that copies the pending batches of run again
// (verify reopened them): it registers in the ledger without the version
// gate, and deletes each batch's old rows (no clean start).
func NewRepair(ctx context.Context, l *checkpoint.Ledger, run *checkpoint.Run, src Source, tgt Target, opt ProcessOptions) (*Process, error) {
	opt.defaults()
	owner := ownerID(opt.Host, "repair")
	if err := l.Register(ctx, run.ID, checkpoint.Process{Owner: owner, Host: opt.Host, PID: os.Getpid(), Version: opt.Version, Workers: opt.Workers}); err != nil {
		return nil, fmt.Errorf("register the repair in run %d: %w", run.ID, err)
	}
	p := &Process{ledger: l, run: run, opt: opt, owner: owner, done: make(chan struct{})}
	p.eng = New(src, tgt, l, opt.engineOptions(run.ID, owner))
	return p, nil
}

// Counters are the engine's live numbers.
func (p *Process) Counters() *Counters { return p.eng.Counters }

// Controller is the joined process's controller (nil for other kinds), for
// metrics.
func (p *Process) Controller() *Controller { return p.ctl }

// Stopped returns the stop order the controller obeyed, if any.
func (p *Process) Stopped() (Stop, bool) {
	if p.ctl == nil {
		return Stop{}, false
	}
	return p.ctl.Stopped()
}

// Start begins copying. soft ending is a soft stop, hard ending a hard stop;
// hard must not end before soft (cancel it when the process is done).
func (p *Process) Start(soft, hard context.Context) {
	work, cancelWork := context.WithCancel(hard)
	claim, cancelClaim := context.WithCancel(work)
	ctlCtx, stopCtl := context.WithCancel(work)
	p.mu.Lock()
	p.started = true
	p.cancelClaim, p.cancelWork, p.stopCtl = cancelClaim, cancelWork, stopCtl
	softAsked, hardAsked := p.softAsked, p.hardAsked
	p.unwatch = append(p.unwatch,
		context.AfterFunc(soft, func() {
			p.opt.Log.Warn("stopping: claiming no new batch; in-flight batches may finish", "grace", p.opt.Grace, "hint", "send the signal again to cancel them now")
			p.Stop()
		}),
		context.AfterFunc(hard, func() {
			if soft.Err() != nil {
				p.opt.Log.Warn("second signal: cancelling in-flight batches now (they roll back)")
			}
		}))
	p.mu.Unlock()
	if hardAsked {
		p.StopAndCancel()
	} else if softAsked {
		p.Stop()
	}
	if p.ctl != nil {
		p.ctl.Check(work)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.ctl.Run(ctlCtx)
		}()
	}
	if p.run != nil && p.ctl != nil {
		p.opt.Notify(alert.Start, fmt.Sprintf("process %s joined run %d with %d workers", p.owner, p.run.ID, p.opt.Workers), nil)
	}
	p.start = time.Now()
	go func() {
		defer close(p.done)
		p.res, p.err = p.eng.Run(claim, work)
		p.elapsed = time.Since(p.start)
	}()
}

// Stop is a soft stop: claim nothing new, let in-flight batches commit,
// and cancel them when the grace period is over.
func (p *Process) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.softAsked = true
	if !p.started || p.graceTimer != nil {
		return
	}
	p.cancelClaim()
	cancel, log := p.cancelWork, p.opt.Log
	p.graceTimer = time.AfterFunc(p.opt.Grace, func() {
		log.Warn("grace period over: cancelling in-flight batches (they roll back)")
		cancel()
	})
}

// StopAndCancel is a hard stop: in-flight batches are cancelled and roll
// back.
func (p *Process) StopAndCancel() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hardAsked = true
	if p.started {
		p.cancelWork()
	}
}

// Wait waits until the engine and every goroutine of the process have
// ended, and returns what the engine did.
func (p *Process) Wait() (Result, error) {
	<-p.done
	p.mu.Lock()
	p.stopCtl()
	for _, stop := range p.unwatch {
		stop()
	}
	if p.graceTimer != nil {
		p.graceTimer.Stop()
	}
	p.mu.Unlock()
	p.wg.Wait()
	p.mu.Lock()
	p.cancelWork()
	p.mu.Unlock()
	return p.res, p.err
}

// Run is Start then Wait.
func (p *Process) Run(soft, hard context.Context) (Result, error) {
	p.Start(soft, hard)
	return p.Wait()
}

// Elapsed is how long the engine ran (after Wait).
func (p *Process) Elapsed() time.Duration { return p.elapsed }

// Close leaves the run: the ledger records this process as stopped, within
// a few seconds of its own (the work may have been cancelled).
func (p *Process) Close() {
	if p.ledger == nil {
		return
	}
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.ledger.Stopped(c, p.owner); err != nil {
		p.opt.Log.Warn("could not record this process as stopped; its lease expires", "err", err)
	}
}

// Outcome is how a joined process's part in the run ended.
type Outcome struct {
	Result
	// Status is the run after (every process's batches).
	Status *checkpoint.Status
	// Stop is the order this process obeyed when it stopped before every
	// batch was done.
	Stop *Stop
	// Complete: every batch is done and the run is marked finished.
	Complete bool
}

// Done, Failed and Open count the run's batches by state.
func (o *Outcome) Done() int   { return o.Status.Batches[checkpoint.Done.String()] }
func (o *Outcome) Failed() int { return o.Status.Batches[checkpoint.Failed.String()] }
func (o *Outcome) Open() int {
	return o.Status.Batches[checkpoint.Pending.String()] + o.Status.Batches[checkpoint.Claimed.String()]
}

// Settle reads where the run stands after Wait returned res, tells Notify,
// and marks the run finished when every batch is done (by any process).
func (p *Process) Settle(ctx context.Context, res Result) (*Outcome, error) {
	ctx = context.WithoutCancel(ctx)
	after, err := p.ledger.Status(ctx, p.run, time.Minute)
	if err != nil {
		return nil, fmt.Errorf("read the status of run %d: %w", p.run.ID, err)
	}
	out := &Outcome{Result: res, Status: after}
	if st, ok := p.Stopped(); ok && res.Interrupted && out.Done() < after.TotalBatches {
		if !st.Halted {
			p.opt.Notify(alert.Stop, "process stopped: "+st.Reason, nil)
		}
		out.Stop = &st
		return out, nil
	}
	if res.Interrupted {
		p.opt.Notify(alert.Stop, "process interrupted by a signal", nil)
		return out, nil
	}
	if out.Failed() > 0 || out.Open() > 0 {
		return out, nil
	}
	if err := p.ledger.Finish(ctx, p.run.ID); err != nil {
		return nil, fmt.Errorf("mark run %d finished: %w", p.run.ID, err)
	}
	p.opt.Notify(alert.Complete, fmt.Sprintf("run %d complete: %d batches, %d rows", p.run.ID, after.TotalBatches, after.RowsDone), nil)
	out.Complete = true
	return out, nil
}

// GateEarly refuses a binary whose version differs from the active run's
// before anything is written (the ledger in schema is only read): the
// refusal is a *checkpoint.GateError naming the hosts that run the accepted
// version. Join repeats the check atomically with registration.
func GateEarly(ctx context.Context, tgt SQLDB, schema, version string, lease time.Duration) error {
	ok, err := checkpoint.Exists(ctx, tgt.SQL(), schema)
	if err != nil || !ok {
		return err
	}
	ledger := checkpoint.OpenExisting(tgt.SQL(), schema)
	runRec, err := ledger.ActiveRun(ctx)
	if err != nil || runRec == nil {
		return err
	}
	ctl, err := ledger.ReadControl(ctx, runRec.ID)
	if err != nil {
		return fmt.Errorf("read the controls of run %d: %w", runRec.ID, err)
	}
	if ctl.Version == "" || ctl.Version == version {
		return nil
	}
	members, err := ledger.Members(ctx, runRec.ID, lease)
	if err != nil {
		return fmt.Errorf("read the processes of run %d: %w", runRec.ID, err)
	}
	ge := &checkpoint.GateError{RunID: runRec.ID, What: "version", Accepted: ctl.Version, Got: version}
	seen := map[string]bool{}
	for _, m := range members {
		if m.Live && m.Version == ctl.Version && !seen[m.Host] {
			seen[m.Host] = true
			ge.Hosts = append(ge.Hosts, m.Host)
		}
	}
	return ge
}

// RefuseReplanWhileLive keeps a new plan from replacing a run that
// processes (on any host) are still copying: a *ConfigError naming them.
func RefuseReplanWhileLive(ctx context.Context, l *checkpoint.Ledger, run *checkpoint.Run, lease time.Duration) error {
	live, err := LiveProcesses(ctx, l, run, lease, false)
	if err != nil {
		return err
	}
	if len(live) > 0 {
		return configErr("run %d has %d live processes (%s): stop them first (`cutover stop`), then --replan", run.ID, len(live), strings.Join(live, ", "))
	}
	return nil
}

// LiveProcesses names the live processes of run ("pid N on HOST", with the
// batches in flight when inFlight).
func LiveProcesses(ctx context.Context, l *checkpoint.Ledger, run *checkpoint.Run, lease time.Duration, inFlight bool) ([]string, error) {
	members, err := l.Members(ctx, run.ID, lease)
	if err != nil {
		return nil, fmt.Errorf("read the processes of run %d: %w", run.ID, err)
	}
	var live []string
	for _, m := range members {
		switch {
		case !m.Live:
		case inFlight:
			live = append(live, fmt.Sprintf("pid %d on %s (%d batches in flight)", m.PID, m.Host, len(m.Batches)))
		default:
			live = append(live, fmt.Sprintf("pid %d on %s", m.PID, m.Host))
		}
	}
	return live, nil
}

// NotDrainedError is WaitDrained's answer when processes still run.
type NotDrainedError struct {
	Wait time.Duration
	Live []string
}

func (e *NotDrainedError) Error() string {
	return fmt.Sprintf("after %s, %d processes still run: %s", e.Wait, len(e.Live), strings.Join(e.Live, ", "))
}

// WaitDrained waits up to wait until no live process is left in run; when
// some are, it returns a *NotDrainedError.
func WaitDrained(ctx context.Context, l *checkpoint.Ledger, run *checkpoint.Run, lease, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		live, err := LiveProcesses(ctx, l, run, lease, true)
		if err != nil {
			return err
		}
		if len(live) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return &NotDrainedError{Wait: wait, Live: live}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// RunStatus is a run's status with its controls and processes: what
// `cutover status --json` prints.
type RunStatus struct {
	*checkpoint.Status
	State      string              `json:"state"`
	Control    checkpoint.Control  `json:"control"`
	Members    []checkpoint.Member `json:"members"`
	ETASeconds float64             `json:"eta_seconds,omitempty"`
	// BlockedBy says what the run waits on when State is "blocked".
	BlockedBy string `json:"blocked_by,omitempty"`
}

// ReadRunStatus reads run's status, controls and processes, and names the
// state the run is in.
func ReadRunStatus(ctx context.Context, l *checkpoint.Ledger, run *checkpoint.Run, lease time.Duration) (*RunStatus, error) {
	st, err := l.StatusWithLease(ctx, run, time.Minute, lease)
	if err != nil {
		return nil, fmt.Errorf("read the status of run %d: %w", run.ID, err)
	}
	ctl, err := l.ReadControl(ctx, st.RunID)
	if err != nil {
		return nil, fmt.Errorf("read the controls of run %d: %w", run.ID, err)
	}
	members, err := l.Members(ctx, st.RunID, lease)
	if err != nil {
		return nil, fmt.Errorf("read the processes of run %d: %w", run.ID, err)
	}
	markDeadHere(members)
	doc := &RunStatus{Status: st, Control: ctl, Members: members}
	live := 0
	for _, m := range members {
		if m.Live {
			live++
		}
	}
	switch {
	case st.TotalBatches > 0 && st.Batches[checkpoint.Done.String()] == st.TotalBatches:
		doc.State = "complete"
	case ctl.State == checkpoint.ControlHalted:
		doc.State = "halted"
	case ctl.State == checkpoint.ControlStop || ctl.State == checkpoint.ControlStopNow:
		doc.State = "stopped"
		if live > 0 {
			doc.State = "stopping"
		}
	case ctl.State == checkpoint.ControlPause:
		doc.State = "paused"
	case live > 0:
		doc.State = "running"
	default:
		doc.State = "idle (no live process)"
	}
	if st.RowsPerSecond > 0 && st.RowsTotal > st.RowsDone {
		doc.ETASeconds = float64(st.RowsTotal-st.RowsDone) / st.RowsPerSecond
	}
	doc.settle()
	return doc, nil
}
