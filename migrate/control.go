package migrate

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cutover/cutover/checkpoint"
)

// ControlLedger is what the controller needs of the ledger.
type ControlLedger interface {
	ReadControl(ctx context.Context, runID int64) (checkpoint.Control, error)
	Halt(ctx context.Context, runID int64, reason string) (bool, error)
	FailedBatches(ctx context.Context, runID int64) (int, error)
	LiveMembers(ctx context.Context, runID int64, lease time.Duration) (int, error)
	SetThrottle(ctx context.Context, owner, reason string) error
}

// Stop is an order to stop this process, from the ledger, the stop file or
// the error budget.
type Stop struct {
	Now    bool      // abort in-flight batches (they roll back)
	Halted bool      // the error budget is spent: exit 1, not 3
	Cause  StopCause // where the order came from
	Reason string    // who and why, for the log and the exit message
}

// StopCause says where a stop order came from: what resumes the run.
type StopCause int

// Stop causes.
const (
	// StopByOperator is `cutover stop` (or stop --now) through the ledger.
	StopByOperator StopCause = iota + 1
	// StopByFile is run.stop_file: it must be removed before the run resumes.
	StopByFile
	// StopReplaced is a new plan (plan --replan) that replaced the run.
	StopReplaced
	// StopHalted is the error budget, spent on any host.
	StopHalted
)

// ControlOptions configure a Controller.
type ControlOptions struct {
	RunID int64
	Owner string
	Lease time.Duration
	// Every is how often the ledger's controls are read (default 1 s; every
	// process sees a control within about this long).
	Every time.Duration
	// StopFile, when it exists, stops the process: content "now" hard,
	// anything else a drain. It works when the database cannot be reached.
	StopFile string
	// MaxFailed is the error budget; -1 means none.
	MaxFailed int
	Throttle  ThrottleOptions
	Log       *slog.Logger
	// OnStop is called once for a drain and once more if it escalates to an
	// abort; it must not block.
	OnStop func(Stop)
	// OnFailure is told of every batch this process failed, OnHalt when this
	// process halted the run (once per run, not per host). Must not block.
	OnFailure func(b *checkpoint.Batch, cause error)
	OnHalt    func(reason string)
}

// Controller applies the run's controls to this process: it polls the
// ledger's control state, the stop file and the error budget, and gates
// every claim on pause, load probes and rate limits. Its Run loop belongs
// to the caller, who waits for it.
type Controller struct {
	ledger ControlLedger
	opt    ControlOptions
	thr    *throttle

	mu       sync.Mutex
	paused   string // why the operator paused the run; "" when not
	stop     *Stop
	changed  chan struct{} // closed and replaced on every change of the gate's inputs
	recorded string        // the throttle reason last written to the ledger
	ledgerOK bool

	// Throttled is the total time workers waited at the gate, in nanoseconds.
	Throttled   atomic.Int64
	rateWaiters atomic.Int32 // workers waiting for the rate limit now
}

// NewController returns a controller; rows reports the rows this process has
// copied so far (the rate limits pace on it).
func NewController(l ControlLedger, opt ControlOptions, rows func() int64) *Controller {
	if opt.Every <= 0 {
		opt.Every = time.Second
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.OnStop == nil {
		opt.OnStop = func(Stop) {}
	}
	if opt.OnFailure == nil {
		opt.OnFailure = func(*checkpoint.Batch, error) {}
	}
	if opt.OnHalt == nil {
		opt.OnHalt = func(string) {}
	}
	return &Controller{ledger: l, opt: opt, thr: newThrottle(opt.Throttle, rows), changed: make(chan struct{}), ledgerOK: true}
}

// Check reads the controls and the probes once. The caller runs it before
// the engine starts, so a process started on a stopped or paused run, or
// under load, obeys at once.
func (c *Controller) Check(ctx context.Context) {
	c.thr.probe(ctx, c.opt.Log)
	c.tick(ctx)
}

// Run polls until ctx is cancelled.
func (c *Controller) Run(ctx context.Context) {
	t := time.NewTicker(c.opt.Every)
	defer t.Stop()
	probes := time.NewTicker(c.thr.every())
	defer probes.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.tick(ctx)
		case <-probes.C:
			c.thr.probe(ctx, c.opt.Log)
			c.notify()
		}
	}
}

// Stopped returns the stop this process obeyed, if any.
func (c *Controller) Stopped() (Stop, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stop == nil {
		return Stop{}, false
	}
	return *c.stop, true
}

// tick reads the stop file, the ledger's control and the error budget.
func (c *Controller) tick(ctx context.Context) {
	if c.opt.StopFile != "" {
		if b, err := os.ReadFile(c.opt.StopFile); err == nil {
			now := strings.TrimSpace(string(b)) == "now"
			c.order(Stop{Now: now, Cause: StopByFile, Reason: "stop file " + c.opt.StopFile + " exists"})
		}
	}
	qctx, cancel := context.WithTimeout(ctx, max(c.opt.Every, 2*time.Second))
	defer cancel()
	ctl, err := c.ledger.ReadControl(qctx, c.opt.RunID)
	if err != nil {
		c.ledgerDown(ctx, err)
		return
	}
	c.ledgerUp()
	switch {
	case !ctl.Active:
		c.order(Stop{Now: true, Cause: StopReplaced, Reason: "the run was replaced by a new plan (plan --replan)"})
	case ctl.State == checkpoint.ControlStop:
		c.order(Stop{Cause: StopByOperator, Reason: "cutover stop: " + ctl.Reason})
	case ctl.State == checkpoint.ControlStopNow:
		c.order(Stop{Now: true, Cause: StopByOperator, Reason: "cutover stop --now: " + ctl.Reason})
	case ctl.State == checkpoint.ControlHalted:
		c.order(Stop{Now: true, Halted: true, Cause: StopHalted, Reason: "run halted: " + ctl.Reason})
	case ctl.State == checkpoint.ControlPause:
		c.setPaused("paused by cutover pause: " + ctl.Reason)
	default:
		c.setPaused("")
	}
	c.checkBudget(qctx)
	if n, err := c.ledger.LiveMembers(qctx, c.opt.RunID, c.opt.Lease); err == nil {
		c.thr.setShare(n)
	}
	c.record(qctx)
}

// checkBudget halts the run on every host when more batches failed than the
// error budget allows.
func (c *Controller) checkBudget(ctx context.Context) {
	if st, stopped := c.Stopped(); c.opt.MaxFailed < 0 || (stopped && st.Halted) {
		return
	}
	n, err := c.ledger.FailedBatches(ctx, c.opt.RunID)
	if err != nil || n <= c.opt.MaxFailed {
		return
	}
	reason := fmt.Sprintf("%d batches failed, more than run.max_failed_batches = %d", n, c.opt.MaxFailed)
	// Not cancelled with the work: another path of this process may cancel
	// it the moment the halt commits, and the halt and its one alert must
	// not be lost to a cancelled answer.
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	first, err := c.ledger.Halt(hctx, c.opt.RunID, reason)
	if err != nil {
		c.opt.Log.Warn("could not record the halt in the ledger; stopping this process", "err", err)
	}
	if first {
		c.opt.OnHalt(reason)
	}
	c.order(Stop{Now: true, Halted: true, Cause: StopHalted, Reason: "run halted: " + reason})
}

// Ledger wraps the engine's ledger so that the error budget is checked the
// moment a batch fails, not at the next poll: failures can come fast.
func (c *Controller) Ledger(l Ledger) Ledger { return budgetLedger{Ledger: l, c: c} }

type budgetLedger struct {
	Ledger
	c *Controller
}

func (b budgetLedger) Fail(ctx context.Context, batch *checkpoint.Batch, cause error) error {
	if err := b.Ledger.Fail(ctx, batch, cause); err != nil {
		return err
	}
	b.c.opt.OnFailure(batch, cause)
	b.c.checkBudget(ctx)
	return nil
}

func (c *Controller) ledgerDown(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	c.mu.Lock()
	first := c.ledgerOK
	c.ledgerOK = false
	c.mu.Unlock()
	if first {
		c.opt.Log.Warn("cannot read the run's controls from the ledger; the stop file still works", "stop_file", c.opt.StopFile, "err", err)
	}
}

func (c *Controller) ledgerUp() {
	c.mu.Lock()
	back := !c.ledgerOK
	c.ledgerOK = true
	c.mu.Unlock()
	if back {
		c.opt.Log.Info("the ledger's controls are readable again")
	}
}

// order escalates the stop (drain, then abort) and tells OnStop once per step.
func (c *Controller) order(s Stop) {
	c.mu.Lock()
	if c.stop != nil && (c.stop.Now || !s.Now) {
		c.mu.Unlock()
		return
	}
	c.stop = &s
	c.mu.Unlock()
	if s.Now {
		c.opt.Log.Warn("stopping now: in-flight batches are cancelled and roll back", "reason", s.Reason)
	} else {
		c.opt.Log.Warn("stopping: claiming no new batch; in-flight batches finish", "reason", s.Reason)
	}
	c.notify()
	c.opt.OnStop(s)
}

func (c *Controller) setPaused(reason string) {
	c.mu.Lock()
	was := c.paused
	c.paused = reason
	c.mu.Unlock()
	if was == reason {
		return
	}
	if reason != "" {
		c.opt.Log.Warn("paused: no new batch starts until `cutover resume`", "reason", reason)
	} else {
		c.opt.Log.Info("resumed")
	}
	c.notify()
}

// notify wakes every worker waiting at the gate to look again.
func (c *Controller) notify() {
	c.mu.Lock()
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

// Paused is the reason of the pause this process obeys, "" when it is not
// paused: a paused run has no rate and no ETA.
func (c *Controller) Paused() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paused
}

// Reason says why no new batch may start now, "" when one may. It reads the
// rate limit's state without spending tokens.
func (c *Controller) Reason() string {
	c.mu.Lock()
	paused := c.paused
	c.mu.Unlock()
	if paused != "" {
		return paused
	}
	if r := c.thr.overLimit(); r != "" {
		return r
	}
	if c.rateWaiters.Load() > 0 {
		return c.thr.rateReason()
	}
	return ""
}

func (c *Controller) blocked() (string, time.Duration, <-chan struct{}) {
	c.mu.Lock()
	paused, changed := c.paused, c.changed
	c.mu.Unlock()
	if paused != "" {
		return paused, 0, changed
	}
	if r := c.thr.overLimit(); r != "" {
		return r, 0, changed
	}
	if wait, r := c.thr.pace(); wait > 0 {
		return r, wait, changed
	}
	return "", 0, changed
}

// record writes the throttle reason to the ledger when it changed.
func (c *Controller) record(ctx context.Context) {
	r := c.Reason()
	c.mu.Lock()
	same := r == c.recorded
	c.mu.Unlock()
	if same {
		return
	}
	if err := c.ledger.SetThrottle(ctx, c.opt.Owner, r); err != nil {
		return
	}
	c.mu.Lock()
	c.recorded = r
	c.mu.Unlock()
}

// Gate blocks a worker before it claims a batch while the run is paused, a
// probe is over its limit or the rate limit needs a wait. It returns ctx's
// error when ctx ends first.
func (c *Controller) Gate(ctx context.Context) error {
	start := time.Now()
	defer func() {
		if d := time.Since(start); d > time.Millisecond {
			c.Throttled.Add(int64(d))
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		reason, wait, changed := c.blocked()
		if reason == "" {
			return nil
		}
		var timeout <-chan time.Time
		var t *time.Timer
		if wait > 0 {
			t = time.NewTimer(wait)
			timeout = t.C
			c.rateWaiters.Add(1)
		}
		select {
		case <-ctx.Done():
		case <-changed:
		case <-timeout:
		}
		if t != nil {
			t.Stop()
			c.rateWaiters.Add(-1)
		}
	}
}
