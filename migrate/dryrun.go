package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
)

// DryRun is how much of a batch a rehearsal runs. Neither dry mode marks a
// batch done: they run on a MemLedger, so the ledger in the target is neither
// read for progress nor written.
type DryRun int

const (
	// Real copies and commits.
	Real DryRun = iota
	// DryRead extracts, converts and encodes every row, checks each value
	// against the target column, and writes nothing (Options.DryLoad).
	DryRead
	// DryRollback runs the batch's full transaction (scope delete, load,
	// constraint checks) and rolls it back instead of committing.
	DryRollback
)

// ParseDryRun reads the --dry-run flag: "", "read" or "rollback".
func ParseDryRun(s string) (DryRun, error) {
	switch s {
	case "":
		return Real, nil
	case "read":
		return DryRead, nil
	case "rollback":
		return DryRollback, nil
	}
	return Real, fmt.Errorf("--dry-run %q: want read or rollback", s)
}

func (d DryRun) String() string {
	switch d {
	case DryRead:
		return "read"
	case DryRollback:
		return "rollback"
	}
	return "real"
}

// DryLoad consumes what produce emits for table t as a real load would, but
// writes nothing, and returns the rows it took.
type DryLoad func(ctx context.Context, t *catalog.Table, produce func(emit Emit) error) (int64, error)

// dryBatch is a DryRun attempt: the rows go through DryLoad instead of the
// target, or through the target in a transaction that is never committed.
// It reports nothing to the ledger but Done, which a MemLedger keeps in memory.
func (e *Engine) dryBatch(ctx context.Context, rd Reader, wr Writer, st *stack, b *checkpoint.Batch, scope catalog.Scope) (int64, error) {
	if e.opt.DryRun == DryRollback && e.opt.StackRows > 0 {
		return e.stackedBatch(ctx, rd, wr, st, b, scope)
	}
	if e.opt.DryRun == DryRollback {
		tx, err := wr.Begin(ctx)
		if err != nil {
			return 0, err
		}
		defer tx.Rollback() // always: nothing of a dry run stays
		if _, err := wr.Delete(ctx, tx, scope); err != nil {
			return 0, fmt.Errorf("batch %d: %w", b.ID, err)
		}
		return e.loadAndNote(ctx, tx, rd, b, scope, func(produce func(emit Emit) error) (int64, error) {
			return wr.Load(ctx, tx, scope.Table, produce)
		})
	}
	if e.opt.DryLoad == nil {
		return 0, fmt.Errorf("batch %d: dry run %s has no loader", b.ID, e.opt.DryRun)
	}
	return e.loadAndNote(ctx, nil, rd, b, scope, func(produce func(emit Emit) error) (int64, error) {
		return e.opt.DryLoad(ctx, scope.Table, produce)
	})
}

// stack is a worker's open transaction of stacked rehearsal batches
// (Options.StackRows); it is only ever rolled back.
type stack struct {
	tx   *sql.Tx
	rows int64
}

func (st *stack) rollback() {
	if st.tx != nil {
		_ = st.tx.Rollback()
	}
	st.tx, st.rows = nil, 0
}

// stackedBatch loads a batch into the worker's stacked transaction, on top
// of the batches before it, with no delete (the tables were empty and no
// batch runs twice). A failed batch rolls the whole stack back: its
// transaction is no longer usable.
func (e *Engine) stackedBatch(ctx context.Context, rd Reader, wr Writer, st *stack, b *checkpoint.Batch, scope catalog.Scope) (int64, error) {
	if st.tx == nil {
		tx, err := wr.Begin(ctx)
		if err != nil {
			return 0, err
		}
		st.tx = tx
	}
	n, err := e.loadAndNote(ctx, st.tx, rd, b, scope, func(produce func(emit Emit) error) (int64, error) {
		return wr.Load(ctx, st.tx, scope.Table, produce)
	})
	if err != nil {
		st.rollback()
		return 0, err
	}
	if st.rows += n; st.rows >= e.opt.StackRows {
		st.rollback()
	}
	return n, nil
}

// loadAndNote streams the scope's rows through load, hashing them for the
// batch's checksum, checks that every row read was taken, and marks the batch
// done in tx (a real run's ledger, or a dry run's MemLedger). A real run and
// a dry run do the same work per row, so a rehearsal times what the night does.
func (e *Engine) loadAndNote(ctx context.Context, tx *sql.Tx, rd Reader, b *checkpoint.Batch, scope catalog.Scope,
	load func(produce func(emit Emit) error) (int64, error)) (int64, error) {
	var read int64
	sum := e.newBatchSum(scope.Table)
	loaded, err := load(func(emit Emit) error {
		n, err := StreamRows(ctx, rd, scope, sum.wrap(emit))
		read = n
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("batch %d: %w", b.ID, err)
	}
	if loaded != read {
		return 0, fmt.Errorf("batch %d: read %d rows but loaded %d", b.ID, read, loaded)
	}
	b.Checksum = sum.hex()
	if err := e.ledger.Done(ctx, tx, b, loaded); err != nil {
		return 0, err
	}
	return loaded, nil
}

// MemLedger hands out a plan's batches from memory, for dry runs and
// rehearsals: it never touches the ledger tables, so a dry run can neither
// claim nor complete a batch of the real run. Each batch is handed out once;
// one released by a stop is not handed out again (a dry run is rerun, not
// resumed).
type MemLedger struct {
	mu      sync.Mutex
	batches []*checkpoint.Batch
	next    int
	results map[int]*BatchResult
	// A sample (NewSampleLedger) serves its first must batches, then more
	// while less than minTime has passed since the first claim.
	must    int
	minTime time.Duration
	first   time.Time
}

// BatchResult is what a dry run measured of one batch.
type BatchResult struct {
	Batch    *checkpoint.Batch
	Worker   int
	Start    time.Time
	Duration time.Duration // from claim to Done, Fail or Release
	Rows     int64
	Err      string
	Done     bool
}

// NewMemLedger serves batches in the order given.
func NewMemLedger(batches []*checkpoint.Batch) *MemLedger {
	return &MemLedger{batches: batches, must: len(batches), results: make(map[int]*BatchResult, len(batches))}
}

// NewSampleLedger serves the first must batches, then the others in order
// for as long as less than minTime has passed since the first claim: a
// measurement that lasts long enough not to be one burst of a noisy server's
// seconds, bounded by the batches given.
func NewSampleLedger(batches []*checkpoint.Batch, must int, minTime time.Duration) *MemLedger {
	m := NewMemLedger(batches)
	m.must, m.minTime = min(must, len(batches)), minTime
	return m
}

// MustRows is the estimated rows of the batches that are served whatever the
// time (all of them but for a sample).
func (m *MemLedger) MustRows() int64 {
	var n int64
	for _, b := range m.batches[:m.must] {
		n += b.EstRows
	}
	return n
}

// Claim hands out the next batch; nil and 0 when none is left.
func (m *MemLedger) Claim(_ context.Context, _ int64, owner string, worker int, _ time.Duration, _ int) (*checkpoint.Batch, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.first.IsZero() {
		m.first = time.Now()
	}
	if m.next >= len(m.batches) || m.next >= m.must && time.Since(m.first) >= m.minTime {
		return nil, 0, nil
	}
	b := m.batches[m.next]
	m.next++
	b.State, b.Owner = checkpoint.Claimed, owner
	b.Attempts++
	b.Token++
	m.results[b.ID] = &BatchResult{Batch: b, Worker: worker, Start: time.Now()}
	return b, len(m.batches) - m.next, nil
}

func (m *MemLedger) finish(b *checkpoint.Batch, rows int64, done bool, cause error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.results[b.ID]
	if r == nil || r.Done || r.Err != "" {
		return // states only move forward: the first outcome stands
	}
	r.Duration, r.Rows, r.Done = time.Since(r.Start), rows, done
	if cause != nil {
		r.Err = cause.Error()
	}
}

// Done records the batch's rows and time; tx is not written.
func (m *MemLedger) Done(_ context.Context, _ *sql.Tx, b *checkpoint.Batch, rows int64) error {
	m.finish(b, rows, true, nil)
	return nil
}

// Fail records the batch's error.
func (m *MemLedger) Fail(_ context.Context, b *checkpoint.Batch, cause error) error {
	m.finish(b, 0, false, cause)
	return nil
}

// Note ignores a transient error: the batch is retried.
func (m *MemLedger) Note(context.Context, *checkpoint.Batch, error) error { return nil }

// Release forgets an interrupted batch's measurement.
func (m *MemLedger) Release(_ context.Context, b *checkpoint.Batch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.results, b.ID)
	return nil
}

// Heartbeat has no lease to renew.
func (m *MemLedger) Heartbeat(context.Context, int64, string, time.Duration) error { return nil }

// Results returns the batches measured so far, in claim order.
func (m *MemLedger) Results() []BatchResult {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []BatchResult
	for _, b := range m.batches[:m.next] {
		if r := m.results[b.ID]; r != nil {
			out = append(out, *r)
		}
	}
	return out
}
