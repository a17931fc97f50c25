// Package catchup applies captured changes to the target after (and while)
// the bulk copy runs: it reads the keys of changed rows from the source's
// capture after the last applied sequence, folds repeats of one key, reads
// those rows as they are now, and in one target transaction deletes them by
// key, loads what exists now within the tenant scope, and advances the
// position. A kill at any point leaves each transaction applied whole or not
// at all; the position says which.
//
// It knows the databases only through the small interfaces below.
package catchup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
)

// Change is one captured change: the key of a row as it was written (old and
// new key of an update that changed it are two changes).
type Change struct {
	Seq uint64
	Op  byte // 'I', 'U', 'D'
	At  time.Time
	// Key holds the key's values as text the adapter binds again (hex for
	// binary columns), in the table's key order.
	Key []string
}

// Source is the source as sync needs it.
type Source interface {
	// Changes returns up to limit changes of t after seq, in sequence order,
	// and the source's clock (UTC). It must not return a change whose
	// inserting transaction is still open (a locking read waits for it).
	Changes(ctx context.Context, t *catalog.Table, after uint64, limit int) ([]Change, time.Time, error)
	// Rows calls fn for each row of t, as it is now, whose cols hold one of
	// vals and that belongs to one of tenants (to some tenant when tenants
	// is empty; a shared table has no tenants). Values are text for the
	// target (raw bytes for binary columns), nil for NULL.
	Rows(ctx context.Context, t *catalog.Table, tenants []string, cols []catalog.Column, vals [][]string, fn func(row [][]byte) error) error
	// Pending counts t's changes after seq and the oldest one's age by the
	// source's clock (for status: it reads them all).
	Pending(ctx context.Context, t *catalog.Table, after uint64) (int64, time.Duration, error)
	// AnyPending reports whether t has a change after seq, reading one index
	// entry: what a pass asks of a held table every tick.
	AnyPending(ctx context.Context, t *catalog.Table, after uint64) (bool, error)
	// Purge forgets t's changes below seq (applied ones).
	Purge(ctx context.Context, t *catalog.Table, below uint64) error
}

// Target is the target as sync needs it.
type Target interface {
	Begin(ctx context.Context) (*sql.Tx, error)
	// Delete removes the rows of t's target table whose cols hold one of vals.
	Delete(ctx context.Context, tx *sql.Tx, t *catalog.Table, cols []catalog.Column, vals [][]string) (int64, error)
	// Insert writes rows into t's target table; any changed value is an error.
	Insert(ctx context.Context, tx *sql.Tx, t *catalog.Table, rows [][][]byte) (int64, error)
	// Values returns col (as text that binds again) of the target rows of t
	// whose key is one of keys, locking them.
	Values(ctx context.Context, tx *sql.Tx, t *catalog.Table, col catalog.Column, keys [][]string) ([]string, error)
}

// Ledger is the part of the checkpoint ledger sync uses.
type Ledger interface {
	SyncPositions(ctx context.Context) (map[string]checkpoint.SyncPosition, error)
	AdvanceSync(ctx context.Context, tx *sql.Tx, table, captureID string, from, to uint64, changes int) error
	Bulk(ctx context.Context) (*checkpoint.BulkProgress, error)
	// ForgetChecksums clears the copy's stored checksums of table's batches
	// within tx: the rows sync rewrites no longer match them.
	ForgetChecksums(ctx context.Context, tx *sql.Tx, runID int64, table string) error
}

// Options configure a Syncer.
type Options struct {
	// Tables are the captured tables, parents before the tables that reach
	// their tenant through them (the config's order).
	Tables []*catalog.Table
	// Tenants limits the rows applied to these tenants; empty: every tenant.
	Tenants []string
	// CaptureID is the capture the positions must follow.
	CaptureID string
	// Batch bounds the changes one transaction applies (default 1000).
	Batch int
	// Settle is how long a gap in the sequence is taken for an insert that is
	// still committing before sync reads past it (default 1s; see settled).
	Settle time.Duration
	// Transient classifies errors worth another pass (a lock wait timeout
	// behind a long writer transaction, a deadlock, a lost connection);
	// Retries bounds the passes in a row that may fail so (0: none).
	Transient func(error) bool
	Retries   int
	Log       *slog.Logger
}

// Syncer applies captured changes. It holds no connection of its own.
type Syncer struct {
	src Source
	tgt Target
	led Ledger
	opt Options
	// forgot lists the tables whose stored checksums this Syncer cleared,
	// by run; used by one goroutine (Pass is not concurrent).
	forgot map[string]int64
}

// New returns a Syncer.
func New(src Source, tgt Target, led Ledger, opt Options) *Syncer {
	if opt.Batch <= 0 {
		opt.Batch = 1000
	}
	if opt.Settle < 0 {
		opt.Settle = 0
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Transient == nil {
		opt.Transient = func(error) bool { return false }
	}
	if opt.Retries < 0 {
		opt.Retries = 0
	}
	return &Syncer{src: src, tgt: tgt, led: led, opt: opt, forgot: map[string]int64{}}
}

// ErrNotCaptured means the ledger holds no position for a table: capture was
// not started (or was started for other tables or another capture).
var ErrNotCaptured = errors.New("not captured")

// TableResult is what one pass did for one table.
type TableResult struct {
	Table   string
	Applied int // change records applied
	Keys    int // distinct keys rewritten
	Txns    int
	// Held says why the table's changes wait (the bulk copy of it, or of a
	// table it carries tenants to, is not done); "" when not held.
	Held string
	// Pending is true when changes remain after the pass: held ones, ones
	// behind a fresh gap, or more than the pass's bound.
	Pending bool
}

// Result is one pass over every table.
type Result struct {
	Tables  []TableResult
	Applied int
}

// CaughtUp reports whether the pass left nothing pending.
func (r Result) CaughtUp() bool {
	for _, t := range r.Tables {
		if t.Pending {
			return false
		}
	}
	return true
}

// maxTxnsPerPass bounds the transactions one table gets in one pass, so that a
// busy table does not starve the others.
const maxTxnsPerPass = 20

// Pass applies what is pending now on every table, in order, up to a bound
// per table.
func (s *Syncer) Pass(ctx context.Context) (Result, error) {
	pos, err := s.led.SyncPositions(ctx)
	if err != nil {
		return Result{}, err
	}
	bulk, err := s.led.Bulk(ctx)
	if err != nil {
		return Result{}, err
	}
	var res Result
	for _, t := range s.opt.Tables {
		p, ok := pos[t.Name]
		if !ok || p.CaptureID != s.opt.CaptureID {
			return res, fmt.Errorf("table %s: %w (run cutover capture start)", t.Name, ErrNotCaptured)
		}
		tr := TableResult{Table: t.Name}
		if why := s.held(t, bulk); why != "" {
			pending, err := s.src.AnyPending(ctx, t, p.Seq)
			if err != nil {
				return res, err
			}
			tr.Held, tr.Pending = why, pending
			res.Tables = append(res.Tables, tr)
			continue
		}
		seq := p.Seq
		for tr.Txns < maxTxnsPerPass {
			next, applied, keys, more, err := s.applyOnce(ctx, t, seq, bulk.RunID)
			if err != nil {
				return res, err
			}
			if applied == 0 {
				tr.Pending = more
				break
			}
			seq = next
			tr.Applied += applied
			tr.Keys += keys
			tr.Txns++
			tr.Pending = more
			if !more {
				break
			}
		}
		if tr.Txns == maxTxnsPerPass {
			tr.Pending = true
		}
		res.Applied += tr.Applied
		res.Tables = append(res.Tables, tr)
	}
	return res, nil
}

// held says why t's changes may not be applied yet: the rule for a sync
// while the bulk copy runs. A batch that is not done reads its rows later
// (or is reading them now), so a change applied before it would meet the
// batch's own copy of the row (a duplicate key when the batch loads it). So
// sync applies a table's changes only once every batch of the table is done,
// and, for a table that carries tenants to others (a via parent), every
// batch of those too, since a parent that moves tenant rewrites their rows.
// Until then the changes are held: kept, never skipped. Without a
// run in the ledger everything is held: there is no copy to catch up.
func (s *Syncer) held(t *catalog.Table, bulk *checkpoint.BulkProgress) string {
	if bulk == nil {
		return "no bulk copy in the ledger yet"
	}
	var waiting []string
	if n := bulk.Left[t.Name]; n > 0 {
		waiting = append(waiting, fmt.Sprintf("%s (%d batches)", t.Name, n))
	}
	for _, c := range s.children(t) {
		if n := bulk.Left[c.Name]; n > 0 {
			waiting = append(waiting, fmt.Sprintf("%s (%d batches)", c.Name, n))
		}
	}
	if len(waiting) == 0 {
		return ""
	}
	return "bulk copy not done: " + strings.Join(waiting, ", ")
}

// children are the configured tables that reach their tenant through t.
func (s *Syncer) children(t *catalog.Table) []*catalog.Table {
	var out []*catalog.Table
	for _, c := range s.opt.Tables {
		if c.Via != nil && c.Via.Parent == t.Name {
			out = append(out, c)
		}
	}
	return out
}

// settled returns the prefix of changes (in sequence order, after seq) that
// may be applied now. Sequences come from an auto-increment: a transaction
// can take a number, then be overtaken by one that takes the next and
// commits first. The locking read waits for every change row that exists
// uncommitted, but not for one whose number is taken and whose row is not yet
// written (microseconds). So a gap in the numbers is trusted only once the
// change after it is older than settle: a gap younger than that may still
// fill, and the changes from it on wait for the next read. Old gaps are
// rolled-back transactions (or auto_increment_increment above 1).
func settled(changes []Change, after uint64, now time.Time, settle time.Duration) []Change {
	want := after + 1
	for i, c := range changes {
		if c.Seq != want && now.Sub(c.At) < settle {
			return changes[:i]
		}
		want = c.Seq + 1
	}
	return changes
}

// applyOnce applies up to one batch of t's changes after seq in one target
// transaction. It returns the new position, how many change records and
// distinct keys it applied, and whether more are pending.
func (s *Syncer) applyOnce(ctx context.Context, t *catalog.Table, seq uint64, runID int64) (uint64, int, int, bool, error) {
	chs, now, err := s.src.Changes(ctx, t, seq, s.opt.Batch)
	if err != nil {
		return seq, 0, 0, false, fmt.Errorf("read changes of %s: %w", t.Name, err)
	}
	full := len(chs) == s.opt.Batch
	ok := settled(chs, seq, now, s.opt.Settle)
	if len(ok) == 0 {
		return seq, 0, 0, len(chs) > 0, nil
	}
	keys := fold(ok)
	last := ok[len(ok)-1].Seq
	if err := s.apply(ctx, t, keys, seq, last, len(ok), runID); err != nil {
		return seq, 0, 0, false, err
	}
	if err := s.src.Purge(ctx, t, last); err != nil {
		// The position is committed; an unpurged change is skipped by it.
		s.opt.Log.Warn("could not purge applied changes; the next sync purges them", "table", t.Name, "err", err)
	}
	return last, len(ok), len(keys), full || len(ok) < len(chs), nil
}

// fold keeps one copy of each key, in the order first seen: the row is read
// as it is now, so repeats add nothing.
func fold(chs []Change) [][]string {
	seen := make(map[string]bool, len(chs))
	var out [][]string
	for _, c := range chs {
		k := strings.Join(c.Key, "\x00")
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, c.Key)
	}
	return out
}

// apply rewrites keys of t in one target transaction with the position
// moved from from to to.
func (s *Syncer) apply(ctx context.Context, t *catalog.Table, keys [][]string, from, to uint64, n int, runID int64) error {
	tx, err := s.tgt.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	children := s.children(t)
	// The first apply of this process to a table (and the tables that move
	// with it) clears their stored checksums, in this transaction.
	var forget []string
	for _, c := range append([]*catalog.Table{t}, children...) {
		if s.forgot[c.Name] != runID {
			if err := s.led.ForgetChecksums(ctx, tx, runID, c.Name); err != nil {
				return err
			}
			forget = append(forget, c.Name)
		}
	}
	var on catalog.Column
	var before []string
	if len(children) > 0 {
		on, err = column(t, children[0].Via.ParentOn)
		if err != nil {
			return err
		}
		if before, err = s.tgt.Values(ctx, tx, t, on, keys); err != nil {
			return fmt.Errorf("read %s rows in the target: %w", t.Name, err)
		}
	}
	if _, err := s.tgt.Delete(ctx, tx, t, t.Key, keys); err != nil {
		return fmt.Errorf("delete changed rows of %s: %w", t.Name, err)
	}
	rows, err := s.read(ctx, t, t.Key, keys)
	if err != nil {
		return err
	}
	if _, err := s.tgt.Insert(ctx, tx, t, rows); err != nil {
		return fmt.Errorf("apply changes of %s: %w", t.Name, err)
	}
	if len(children) > 0 {
		if err := s.moveChildren(ctx, tx, t, children, on, before, rows); err != nil {
			return err
		}
	}
	if err := s.led.AdvanceSync(ctx, tx, t.Name, s.opt.CaptureID, from, to, n); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit changes of %s: %w", t.Name, err)
	}
	for _, name := range forget {
		s.forgot[name] = runID
	}
	return nil
}

// read holds the source rows of t whose cols hold vals, in the tenant scope.
// The values are copied: the source reuses its buffers.
func (s *Syncer) read(ctx context.Context, t *catalog.Table, cols []catalog.Column, vals [][]string) ([][][]byte, error) {
	var rows [][][]byte
	tenants := s.opt.Tenants
	if t.Shared {
		tenants = nil
	}
	err := s.src.Rows(ctx, t, tenants, cols, vals, func(row [][]byte) error {
		cp := make([][]byte, len(row))
		for i, v := range row {
			if v != nil {
				cp[i] = append([]byte{}, v...)
			}
		}
		rows = append(rows, cp)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read changed rows of %s: %w", t.Name, err)
	}
	return rows, nil
}

// moveChildren handles a parent whose rows entered or left the tenant scope
// (a tenant move into or out of the configured tenants, an insert or a
// delete): the rows that reach their tenant through it follow, without a
// change of their own. Children of a parent value that left are deleted in
// the target; those of a value that entered are deleted and loaded again
// from the source as they are now.
func (s *Syncer) moveChildren(ctx context.Context, tx *sql.Tx, t *catalog.Table, children []*catalog.Table, on catalog.Column, before []string, rows [][][]byte) error {
	idx := -1
	for i, c := range t.Columns {
		if c.Name == on.Name {
			idx = i
		}
	}
	if idx < 0 {
		return fmt.Errorf("table %s: column %s is not copied", t.Name, on.Name)
	}
	was := map[string]bool{}
	for _, v := range before {
		was[v] = true
	}
	now := map[string]bool{}
	for _, r := range rows {
		if r[idx] != nil {
			now[textOf(on, r[idx])] = true
		}
	}
	var moved, entered [][]string
	for v := range was {
		if !now[v] {
			moved = append(moved, []string{v})
		}
	}
	for v := range now {
		if !was[v] {
			moved = append(moved, []string{v})
			entered = append(entered, []string{v})
		}
	}
	if len(moved) == 0 {
		return nil
	}
	for _, c := range children {
		col, err := column(c, c.Via.On)
		if err != nil {
			return err
		}
		if _, err := s.tgt.Delete(ctx, tx, c, []catalog.Column{col}, moved); err != nil {
			return fmt.Errorf("delete rows of %s that moved with %s: %w", c.Name, t.Name, err)
		}
		if len(entered) == 0 {
			continue
		}
		kids, err := s.read(ctx, c, []catalog.Column{col}, entered)
		if err != nil {
			return err
		}
		if _, err := s.tgt.Insert(ctx, tx, c, kids); err != nil {
			return fmt.Errorf("load rows of %s that moved with %s: %w", c.Name, t.Name, err)
		}
	}
	return nil
}

// textOf is a value as Values and Rows bind it: hex for binary columns.
func textOf(c catalog.Column, v []byte) string {
	if c.Kind == catalog.KindBinary {
		return fmt.Sprintf("%X", v)
	}
	return string(v)
}

func column(t *catalog.Table, name string) (catalog.Column, error) {
	for _, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return c, nil
		}
	}
	return catalog.Column{}, fmt.Errorf("table %s has no column %s", t.Name, name)
}
