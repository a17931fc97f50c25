// Package migrate is the engine: a bounded pool of workers that claim batches
// from the ledger and copy each in one target transaction, with bounded retries
// of transient errors, a soft stop and a hard stop. It knows the databases only
// through the small interfaces below.
package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
)

// Target is the database rows are written to.
type Target interface {
	// Writer returns a writer for one worker; it owns its own connection.
	Writer(ctx context.Context, log *slog.Logger) (Writer, error)
}

// Writer runs batch transactions on one connection.
type Writer interface {
	Begin(ctx context.Context) (*sql.Tx, error)
	// Delete removes whatever rows of the scope exist in the target.
	Delete(ctx context.Context, tx *sql.Tx, s catalog.Scope) (int64, error)
	// Load streams the rows that produce emits into t's target table and
	// returns how many the target took; any changed value is an error. It
	// consumes every streamed value (LOB) of a row while emit runs.
	Load(ctx context.Context, tx *sql.Tx, t *catalog.Table, produce func(emit Emit) error) (int64, error)
	// Reset drops the connection after an error, so the next Begin reconnects.
	Reset()
	Close() error
}

// Ledger is what the engine needs of the checkpoint ledger.
type Ledger interface {
	Claim(ctx context.Context, runID int64, owner string, worker int, lease time.Duration, maxAttempts int) (*checkpoint.Batch, int, error)
	Done(ctx context.Context, tx *sql.Tx, b *checkpoint.Batch, rows int64) error
	Fail(ctx context.Context, b *checkpoint.Batch, cause error) error
	Note(ctx context.Context, b *checkpoint.Batch, cause error) error
	Release(ctx context.Context, b *checkpoint.Batch) error
	Heartbeat(ctx context.Context, runID int64, owner string, lease time.Duration) error
}

// Options configure one engine run.
type Options struct {
	RunID   int64
	Owner   string // this process's identity in the ledger
	Workers int
	// Retries bounds the retries of one batch's transient errors.
	Retries int
	// Lease is how long a claim lasts without a heartbeat.
	Lease time.Duration
	// Backoff is the first retry's wait; it doubles up to 30 s, with jitter.
	Backoff time.Duration
	// Transient classifies errors worth retrying (by type and number).
	Transient func(error) bool
	Log       *slog.Logger
	// Tables are the run's tables by source name.
	Tables map[string]*catalog.Table
	// CleanStart marks tables whose target was empty when the run started:
	// their batches skip the delete of old rows, which cannot exist.
	CleanStart map[string]bool
	// DryRun, when not Real, commits nothing (see dryrun.go); the ledger
	// must then be a MemLedger. DryLoad is the loader of DryRead.
	DryRun  DryRun
	DryLoad DryLoad
	// Gate, when set, is called before every claim and blocks while no new
	// batch may start (pause, load probes, rate limits: see Controller).
	Gate func(ctx context.Context) error
	// OnBatch, when set, is told of every batch this process copied (metrics).
	OnBatch func(b *checkpoint.Batch, rows int64, took time.Duration)
	// NoChecksums turns off the per-batch content checksum (run.checksums: false).
	NoChecksums bool
	// StackRows, in DryRollback on tables that were empty, keeps each
	// worker's batches in one transaction until it holds this many rows, then
	// rolls it back: every batch then writes into tables that fill up as on
	// the night (a secondary index of random keys costs about twice as much
	// per row in a full table as in an empty one), not into empty ones. No
	// batch may run twice (both copies would insert the same keys). 0: each
	// batch rolls back on its own.
	StackRows int64
	// Outage classifies errors that mean a server cannot be reached: past
	// Retries they are retried, new claims paused, for up to OutageLimit
	// (default 5 min), and then the run stops with an OutageError instead of
	// failing the batch (outage.go). DiskFull classifies a target out of
	// space: the run stops at once, the batch given back.
	Outage, DiskFull func(error) bool
	OutageLimit      time.Duration
	// Indexes, when set, defers secondary indexes and rebuilds them (indexes.go).
	Indexes *Indexes
	// Canary, when set, copies and checks the run's canary before the rest
	// of the plan (canary.go).
	Canary *CanaryOptions
}

// Counters are the engine's live numbers, read by progress reporting.
type Counters struct {
	RowsDone      atomic.Int64
	BatchesDone   atomic.Int64
	BatchesFailed atomic.Int64
	Retries       atomic.Int64
	InFlight      atomic.Int64
}

// Result is what a run did.
type Result struct {
	Rows          int64
	Batches       int64
	Failed        int64
	Interrupted   bool
	FailedBatches []FailedBatch
}

// FailedBatch is a batch that failed in this run, with its error.
type FailedBatch struct {
	ID    int
	Table string
	Err   error
}

// Engine copies the batches of one run.
type Engine struct {
	src      Source
	tgt      Target
	ledger   Ledger
	opt      Options
	Counters *Counters

	mu     sync.Mutex
	failed []FailedBatch

	outages outage
	idx     indexState
}

// New returns an engine; Counters may be read while it runs.
func New(src Source, tgt Target, ledger Ledger, opt Options) *Engine {
	if opt.Backoff == 0 {
		opt.Backoff = 500 * time.Millisecond
	}
	if opt.Transient == nil {
		opt.Transient = func(error) bool { return false }
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	return &Engine{src: src, tgt: tgt, ledger: ledger, opt: opt, Counters: &Counters{}}
}

// Run copies batches until none is left, claimCtx is cancelled (soft stop:
// claim nothing new, finish what is in flight) or workCtx is cancelled (hard
// stop: in-flight transactions roll back). workCtx must outlive claimCtx.
func (e *Engine) Run(claimCtx, workCtx context.Context) (Result, error) {
	if e.opt.Indexes != nil {
		if err := e.prepareIndexes(claimCtx); err != nil {
			if claimCtx.Err() != nil {
				return Result{Interrupted: true}, nil
			}
			return Result{}, err
		}
	}
	canary, err := e.prepareCanary(claimCtx)
	if err != nil {
		if claimCtx.Err() != nil {
			return Result{Interrupted: true}, nil
		}
		return Result{}, err
	}
	hbCtx, stopHB := context.WithCancel(workCtx)
	var hb sync.WaitGroup
	hb.Add(1)
	go func() {
		defer hb.Done()
		e.heartbeat(hbCtx)
	}()
	g, gctx := errgroup.WithContext(workCtx)
	if e.opt.Indexes != nil {
		g.Go(func() error { return e.rebuilder(claimCtx, gctx) })
	}
	if canary {
		g.Go(func() error { return e.runCanary(claimCtx, gctx) })
	}
	for w := 1; w <= e.opt.Workers; w++ {
		g.Go(func() error { return e.worker(claimCtx, gctx, w) })
	}
	err = g.Wait()
	if err == nil && e.opt.Indexes != nil {
		err = e.idx.err()
	}
	stopHB()
	hb.Wait()
	res := Result{
		Rows:    e.Counters.RowsDone.Load(),
		Batches: e.Counters.BatchesDone.Load(),
		Failed:  e.Counters.BatchesFailed.Load(),
	}
	e.mu.Lock()
	res.FailedBatches = append([]FailedBatch(nil), e.failed...)
	e.mu.Unlock()
	if claimCtx.Err() != nil || workCtx.Err() != nil {
		res.Interrupted = true
		if errors.Is(err, context.Canceled) {
			err = nil
		}
	}
	return res, err
}

// heartbeat renews this process's leases every third of the lease.
func (e *Engine) heartbeat(ctx context.Context) {
	t := time.NewTicker(e.opt.Lease / 3)
	defer t.Stop()
	failing := false // said once per run of failures, not every tick
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			err := e.ledger.Heartbeat(ctx, e.opt.RunID, e.opt.Owner, e.opt.Lease)
			switch {
			case err != nil && ctx.Err() == nil && !failing:
				e.opt.Log.Warn("heartbeat failed; leases may expire", "err", err)
				failing = true
			case err == nil && failing:
				e.opt.Log.Info("heartbeat renewed again")
				failing = false
			}
		}
	}
}

// worker owns one reader and one writer and copies batches one at a time.
func (e *Engine) worker(claimCtx, ctx context.Context, id int) error {
	log := e.opt.Log.With("worker", id)
	rd, err := e.src.Open(ctx)
	if err != nil {
		return fmt.Errorf("worker %d: open source: %w", id, err)
	}
	defer rd.Close()
	wr, err := e.tgt.Writer(ctx, log)
	if err != nil {
		return fmt.Errorf("worker %d: open target: %w", id, err)
	}
	defer wr.Close()
	st := &stack{}
	defer st.rollback()
	idle := time.NewTimer(0)
	defer idle.Stop()
	for {
		if claimCtx.Err() != nil {
			return nil
		}
		if e.opt.Gate != nil && e.opt.Gate(claimCtx) != nil {
			return nil
		}
		b, open, err := e.claim(claimCtx, ctx, log, id)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if claimCtx.Err() != nil {
				return nil
			}
			return fmt.Errorf("worker %d: %w", id, err)
		}
		if b == nil {
			if open == 0 {
				return nil
			}
			// Others hold the remaining batches; one may die and its lease
			// expire, or (under run.max_workers) free a slot, so look again
			// soon; a lease-long wait would leave slots idle.
			idle.Reset(min(e.opt.Lease/4, 2*time.Second))
			select {
			case <-claimCtx.Done():
				return nil
			case <-idle.C:
				continue
			}
		}
		if err := e.copyBatch(ctx, log, rd, wr, st, id, b); err != nil {
			return err
		}
	}
}

// copyBatch copies one claimed batch with bounded retries. It returns an error
// only when the run must stop (context cancelled or the ledger unreachable); a
// batch that fails is recorded and the worker moves on.
func (e *Engine) copyBatch(ctx context.Context, log *slog.Logger, rd Reader, wr Writer, st *stack, worker int, b *checkpoint.Batch) error {
	t, ok := e.opt.Tables[b.Table]
	if !ok {
		return fmt.Errorf("batch %d names table %s, which is not in the config", b.ID, b.Table)
	}
	scope := catalog.Scope{Table: t, Tenants: b.Tenants, Lo: b.Lo, Hi: b.Hi}
	e.Counters.InFlight.Add(1)
	defer e.Counters.InFlight.Add(-1)
	wait := e.opt.Backoff
	var outageSince time.Time // set while this batch waits for a server
	back := false
	defer func() {
		if !outageSince.IsZero() {
			e.outages.leave(log, back)
		}
	}()
	for attempt := 0; ; attempt++ {
		start := time.Now()
		rows, err := e.tryBatch(ctx, rd, wr, st, b, scope)
		if err == nil {
			back = true
			e.Counters.RowsDone.Add(rows)
			e.Counters.BatchesDone.Add(1)
			e.idx.batchDone()
			if e.opt.OnBatch != nil {
				e.opt.OnBatch(b, rows, time.Since(start))
			}
			log.Debug("batch done", "batch", b.ID, "table", b.Table, "rows", rows, "took", time.Since(start).Round(time.Millisecond))
			return nil
		}
		wr.Reset()
		if ctx.Err() != nil {
			e.release(b, log)
			return ctx.Err()
		}
		if errors.Is(err, checkpoint.ErrLeaseLost) {
			log.Warn("batch taken over by another process after its lease expired; its copy is theirs", "batch", b.ID)
			return nil
		}
		if e.opt.DiskFull != nil && e.opt.DiskFull(err) {
			e.release(b, log)
			return &OutageError{What: "the target's disk is full", Fix: "free space on the target server's disk (the file system of its datadir), then resume", Err: err}
		}
		retry := e.opt.Transient(err) && attempt < e.opt.Retries
		if !retry && e.isOutage(err) {
			if outageSince.IsZero() {
				outageSince = time.Now()
				e.outages.enter(log, e.outageLimit(), err)
			}
			if time.Since(outageSince) >= e.outageLimit() {
				e.release(b, log)
				return &OutageError{What: fmt.Sprintf("a server did not answer for %s", e.outageLimit()), Fix: "start it, then resume", Err: err}
			}
			retry, wait = true, min(wait, maxOutageWait)
		}
		if retry {
			e.Counters.Retries.Add(1)
			if outageSince.IsZero() {
				log.Warn("transient error; retrying", "batch", b.ID, "attempt", attempt+1, "of", e.opt.Retries+1, "err", err)
			} else {
				log.Debug("a server still does not answer; retrying", "batch", b.ID, "err", err)
			}
			if nerr := e.ledger.Note(ctx, b, err); nerr != nil && ctx.Err() == nil {
				log.Warn("could not record the retry in the ledger; the batch is retried anyway", "batch", b.ID, "err", nerr)
			}
			jitter := time.Duration(rand.Int64N(int64(wait)/2 + 1))
			timer := time.NewTimer(wait + jitter)
			select {
			case <-ctx.Done():
				timer.Stop()
				e.release(b, log)
				return ctx.Err()
			case <-timer.C:
			}
			wait = min(wait*2, 30*time.Second)
			if !outageSince.IsZero() {
				wait = min(wait, maxOutageWait)
			}
			continue
		}
		ferr := e.ledger.Fail(ctx, b, err)
		if errors.Is(ferr, checkpoint.ErrLeaseLost) {
			log.Warn("batch taken over by another attempt after its lease expired; this attempt's failure is not the batch's", "batch", b.ID, "err", err)
			return nil
		}
		e.Counters.BatchesFailed.Add(1)
		e.mu.Lock()
		e.failed = append(e.failed, FailedBatch{ID: b.ID, Table: b.Table, Err: err})
		e.mu.Unlock()
		log.Error("batch failed", "batch", b.ID, "table", b.Table, "err", err)
		if ferr != nil {
			return fmt.Errorf("batch %d failed (%v) and could not be recorded: %w", b.ID, err, ferr)
		}
		return nil
	}
}

// release gives an interrupted batch back with a short context of its own: the
// run's context is already cancelled.
func (e *Engine) release(b *checkpoint.Batch, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.ledger.Release(ctx, b); err != nil {
		log.Warn("could not release interrupted batch; it is retried when its lease expires", "batch", b.ID, "err", err)
	}
}

// tryBatch is one attempt: delete the scope, stream the rows in, mark the batch
// done, commit, all in one target transaction.
func (e *Engine) tryBatch(ctx context.Context, rd Reader, wr Writer, st *stack, b *checkpoint.Batch, scope catalog.Scope) (int64, error) {
	if e.opt.DryRun != Real {
		return e.dryBatch(ctx, rd, wr, st, b, scope)
	}
	tx, err := wr.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if !e.opt.CleanStart[b.Table] {
		if _, err := wr.Delete(ctx, tx, scope); err != nil {
			return 0, fmt.Errorf("batch %d: %w", b.ID, err)
		}
	}
	loaded, err := e.loadAndNote(ctx, tx, rd, b, scope, func(produce func(emit Emit) error) (int64, error) {
		return wr.Load(ctx, tx, scope.Table, produce)
	})
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("batch %d: commit: %w", b.ID, err)
	}
	return loaded, nil
}
