package migrate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
)

// Deferred secondary indexes. When a run starts on an empty target table, the
// table's deferrable secondary indexes are recorded in the ledger and dropped;
// as soon as the table's last batch is finished (while other tables still
// load), one rebuilder per process adds them all back in one ALTER TABLE,
// which sorts once instead of inserting into every index row by row. A
// rebuild is a ledger step like a batch (pending -> claimed under a lease ->
// done): a process killed during it leaves it claimed, and the next process
// takes it over when the lease runs out (at once when it finds the holder
// dead on its host). The run is complete only when every step is done.

// IndexTarget is what deferring indexes needs of the target.
type IndexTarget interface {
	DeferrableIndexes(ctx context.Context, table string, opt catalog.DeferOptions) ([]catalog.Index, error)
	DropIndexes(ctx context.Context, table string, idx []catalog.Index) error
	// RebuildIndexes adds those of idx the table lacks and says how many.
	RebuildIndexes(ctx context.Context, table string, idx []catalog.Index) (int, error)
}

// IndexLedger is what deferring indexes needs of the ledger.
type IndexLedger interface {
	RecordIndexes(ctx context.Context, runID int64, table, target string, idx []catalog.Index) (bool, error)
	IndexSteps(ctx context.Context, runID int64) ([]*checkpoint.IndexStep, error)
	UnfinishedIndexSteps(ctx context.Context, runID int64) ([]*checkpoint.IndexStep, error)
	ClaimIndexes(ctx context.Context, runID int64, owner string, lease time.Duration, skip []string) (*checkpoint.IndexStep, int, error)
	ClaimIndexStep(ctx context.Context, st *checkpoint.IndexStep, owner string, lease time.Duration) (*checkpoint.IndexStep, error)
	RenewIndexes(ctx context.Context, st *checkpoint.IndexStep, lease time.Duration) error
	IndexesDone(ctx context.Context, st *checkpoint.IndexStep) error
	ReleaseIndexes(ctx context.Context, st *checkpoint.IndexStep, cause error) error
}

// Indexes configures deferred indexes for an engine run. The rebuilder runs
// whenever this is set, Defer or not: a step another process recorded is
// rebuilt by whichever process finds it ready.
type Indexes struct {
	Target IndexTarget
	Ledger IndexLedger
	// Defer drops the deferrable indexes of tables that were empty when the
	// run started (run.defer_indexes); Unique and Foreign widen what is
	// deferrable (run.defer_unique, run.defer_foreign_keys).
	Defer, Unique, Foreign bool
	// Poll is how often the rebuilder looks for a table whose batches are
	// finished (default 1 s).
	Poll time.Duration
	// OnRebuild, when set, is told of every rebuild this process finished.
	OnRebuild func(target string, definitions int, took time.Duration)
}

// DeferOptions returns what a table's deferral may drop: never its key.
func (ix *Indexes) DeferOptions(t *catalog.Table) catalog.DeferOptions {
	opt := catalog.DeferOptions{Unique: ix.Unique, Foreign: ix.Foreign}
	for _, c := range t.Key {
		opt.Keep = append(opt.Keep, c.Name)
	}
	return opt
}

// indexState is the engine's record of rebuilds that failed in this process,
// and the rebuilder's wake-up call.
type indexState struct {
	mu     sync.Mutex
	failed map[string]error // source table -> the rebuild's error
	ready  chan struct{}    // a batch finished: a table may be ready
}

// wakeup returns the channel a finished batch signals.
func (s *indexState) wakeup() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ready == nil {
		s.ready = make(chan struct{}, 1)
	}
	return s.ready
}

// batchDone tells the rebuilder to look now rather than at its next poll:
// the last batch of a table may have finished.
func (s *indexState) batchDone() {
	select {
	case s.wakeup() <- struct{}{}:
	default:
	}
}

func (s *indexState) fail(table string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed == nil {
		s.failed = map[string]error{}
	}
	s.failed[table] = err
}

func (s *indexState) skip() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.failed))
	for t := range s.failed {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// err returns the failed rebuilds as one error, nil when none failed.
func (s *indexState) err() error {
	var errs []error
	for _, t := range s.skip() {
		s.mu.Lock()
		errs = append(errs, s.failed[t])
		s.mu.Unlock()
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("the table's rows are copied but it lacks secondary indexes; fix the cause and rerun (the rebuild resumes): %w", errors.Join(errs...))
}

// prepareIndexes runs before the workers start: it first rebuilds what a
// replaced run left without its indexes, then records and drops the
// deferrable indexes of each table that was empty when this run started and
// has no step yet.
func (e *Engine) prepareIndexes(ctx context.Context) error {
	ix := e.opt.Indexes
	left, err := ix.Ledger.UnfinishedIndexSteps(ctx, e.opt.RunID)
	if err != nil {
		return err
	}
	for _, st := range left {
		if err := e.rebuildLeftover(ctx, st); err != nil {
			return err
		}
	}
	if !ix.Defer || e.opt.DryRun != Real {
		return nil
	}
	steps, err := ix.Ledger.IndexSteps(ctx, e.opt.RunID)
	if err != nil {
		return err
	}
	recorded := map[string]bool{}
	for _, st := range steps {
		recorded[st.Table] = true
	}
	names := make([]string, 0, len(e.opt.Tables))
	for name := range e.opt.Tables {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t := e.opt.Tables[name]
		if !e.opt.CleanStart[name] || recorded[name] {
			continue
		}
		idx, err := ix.Target.DeferrableIndexes(ctx, t.Target, ix.DeferOptions(t))
		if err != nil {
			return err
		}
		if len(idx) == 0 {
			continue
		}
		first, err := ix.Ledger.RecordIndexes(ctx, e.opt.RunID, name, t.Target, idx)
		if err != nil {
			return err
		}
		if !first {
			continue // another process recorded it first, and drops them
		}
		if err := ix.Target.DropIndexes(ctx, t.Target, idx); err != nil {
			return err
		}
		e.opt.Log.Info("secondary indexes dropped for the load; rebuilt once the table's batches are done",
			"table", t.Target, "definitions", len(idx))
	}
	return nil
}

// rebuildLeftover rebuilds one unfinished step of an earlier run, waiting
// while another process holds it.
func (e *Engine) rebuildLeftover(ctx context.Context, st *checkpoint.IndexStep) error {
	ix := e.opt.Indexes
	t := time.NewTicker(ix.poll())
	defer t.Stop()
	for {
		got, err := ix.Ledger.ClaimIndexStep(ctx, st, e.opt.Owner, e.opt.Lease)
		if err != nil {
			return err
		}
		if got != nil {
			e.opt.Log.Info("rebuilding the secondary indexes an earlier run left dropped", "table", got.Target, "run", got.RunID)
			if err := e.rebuild(ctx, got); err != nil {
				return err
			}
			return e.idx.err()
		}
		left, err := ix.Ledger.UnfinishedIndexSteps(ctx, e.opt.RunID)
		if err != nil {
			return err
		}
		still := false
		for _, l := range left {
			still = still || (l.RunID == st.RunID && l.Table == st.Table)
		}
		if !still {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (ix *Indexes) poll() time.Duration {
	if ix.Poll > 0 {
		return ix.Poll
	}
	return time.Second
}

// rebuilder claims the rebuild of each table whose batches are finished, until
// every step of the run is done or claimCtx ends. It waits while other
// processes hold steps (or batches of a table), as workers wait for batches
// held elsewhere.
func (e *Engine) rebuilder(claimCtx, ctx context.Context) error {
	ix := e.opt.Indexes
	t := time.NewTicker(ix.poll())
	defer t.Stop()
	var outageSince time.Time // while the ledger's server does not answer
	for {
		if claimCtx.Err() != nil {
			return nil
		}
		st, open, err := ix.Ledger.ClaimIndexes(ctx, e.opt.RunID, e.opt.Owner, e.opt.Lease, e.idx.skip())
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !e.isOutage(err) {
				return fmt.Errorf("index rebuilds: %w", err)
			}
			if outageSince.IsZero() {
				outageSince = time.Now()
			}
			if time.Since(outageSince) >= e.outageLimit() {
				return &OutageError{What: fmt.Sprintf("the ledger's server did not answer for %s", e.outageLimit()), Fix: "start it, then resume", Err: fmt.Errorf("index rebuilds: %w", err)}
			}
			select { // the workers say so and pause their claims
			case <-claimCtx.Done():
				return nil
			case <-t.C:
			}
			continue
		}
		outageSince = time.Time{}
		if st != nil {
			if err := e.rebuild(ctx, st); err != nil {
				return err
			}
			continue
		}
		if open == 0 {
			return nil
		}
		select {
		case <-claimCtx.Done():
			return nil
		case <-t.C:
		case <-e.idx.wakeup():
		}
	}
}

// rebuild runs one claimed step with bounded retries of transient errors,
// renewing its lease meanwhile. It returns an error only when the run must
// stop (context cancelled, the ledger unreachable); a failed rebuild is
// released with its error for the next run and kept in failures.
func (e *Engine) rebuild(ctx context.Context, st *checkpoint.IndexStep) error {
	ix := e.opt.Indexes
	log := e.opt.Log.With("table", st.Target)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var lost error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		lost = renewWhile(rctx, ix.Ledger, st, e.opt.Lease, log)
		if lost != nil {
			cancel()
		}
	}()
	start := time.Now()
	wait := e.opt.Backoff
	var n int
	var err error
	for attempt := 0; ; attempt++ {
		log.Info("rebuilding secondary indexes", "definitions", len(st.Indexes), "attempt", st.Attempts)
		n, err = ix.Target.RebuildIndexes(rctx, st.Target, st.Indexes)
		if err == nil || rctx.Err() != nil || !e.opt.Transient(err) || attempt >= e.opt.Retries {
			break
		}
		log.Warn("transient error rebuilding indexes; retrying", "err", err)
		timer := time.NewTimer(wait + time.Duration(rand.Int64N(int64(wait)/2+1)))
		select {
		case <-rctx.Done():
		case <-timer.C:
		}
		timer.Stop()
		wait = min(wait*2, 30*time.Second)
	}
	cancel()
	wg.Wait()
	bg, stop := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer stop()
	switch {
	case lost != nil:
		log.Warn("index rebuild taken over by another process after its lease expired", "err", lost)
		return nil
	case ctx.Err() != nil:
		if rerr := ix.Ledger.ReleaseIndexes(bg, st, nil); rerr != nil {
			log.Warn("could not release the interrupted index rebuild; it is taken over when its lease expires", "err", rerr)
		}
		return ctx.Err()
	case err != nil:
		err = fmt.Errorf("rebuild indexes of %s: %w", st.Target, err)
		log.Error("index rebuild failed", "err", err)
		e.idx.fail(st.Table, err)
		if rerr := ix.Ledger.ReleaseIndexes(bg, st, err); rerr != nil {
			return fmt.Errorf("%w (and it could not be recorded: %v)", err, rerr)
		}
		return nil
	}
	if err := ix.Ledger.IndexesDone(bg, st); err != nil {
		return err
	}
	took := time.Since(start)
	log.Info("secondary indexes rebuilt", "definitions", n, "took", took.Round(time.Millisecond))
	if ix.OnRebuild != nil {
		ix.OnRebuild(st.Target, n, took)
	}
	return nil
}

// renewWhile renews st's lease every third of it until ctx ends; it returns
// the error when the lease was lost.
func renewWhile(ctx context.Context, l IndexLedger, st *checkpoint.IndexStep, lease time.Duration, log *slog.Logger) error {
	t := time.NewTicker(lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			err := l.RenewIndexes(ctx, st, lease)
			if errors.Is(err, checkpoint.ErrLeaseLost) {
				return err
			}
			if err != nil && ctx.Err() == nil {
				log.Warn("could not renew the index rebuild's lease", "err", err)
			}
		}
	}
}
