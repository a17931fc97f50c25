package verify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/canon"
	"github.com/cutover/cutover/migrate"
)

// RepairLedger is what a repair needs of the ledger: the run's batches and
// checksums, and reopening the batches that differ.
type RepairLedger interface {
	Ledger
	// Reopen sets the batches ids of run runID (of tables) pending again, in
	// one transaction.
	Reopen(ctx context.Context, runID int64, ids []int, tables []string) error
}

// Copier copies the reopened batches of a run again, with workers workers:
// the engine, joining the run as a process of its own. The target holds
// these batches' old rows, so each batch deletes its scope first.
type Copier interface {
	Copy(ctx context.Context, workers int) (migrate.Result, error)
}

// EngineCopier is the Copier of a run in the ledger: a migrate.Process made
// by migrate.NewRepair, which registers in the run and leaves it when done.
type EngineCopier struct {
	Ledger *checkpoint.Ledger
	Run    *checkpoint.Run
	Source migrate.Source
	Target migrate.Target
	// Options are the run's process options; Copy sets the workers.
	Options migrate.ProcessOptions
}

// Copy runs the repair's process until the reopened batches are copied (or
// it is stopped).
func (c EngineCopier) Copy(ctx context.Context, workers int) (migrate.Result, error) {
	opt := c.Options
	opt.Workers = workers
	p, err := migrate.NewRepair(ctx, c.Ledger, c.Run, c.Source, c.Target, opt)
	if err != nil {
		return migrate.Result{}, err
	}
	defer p.Close()
	return p.Run(ctx, ctx)
}

// Repair copies the batches that differ again, through the ledger.
type Repair struct {
	Ledger RepairLedger
	Copier Copier
}

// ErrRepairInterrupted is returned when the repair's copy was stopped: the
// reopened batches are pending, and a run copies them.
var ErrRepairInterrupted = errors.New("repair interrupted")

// run repairs: the differing batches are reopened (pending) in one
// transaction, the engine claims and copies each in its own target
// transaction (delete the scope, load, done mark with a fresh checksum), and
// they are checked again, against the source read anew. It returns the
// results with the repaired batches' new outcome, and their ids.
func (rp *Repair) run(ctx context.Context, src, tgt Opener, log *slog.Logger, runID int64, jobs []Job, results []BatchResult, opt ChecksumOptions) ([]BatchResult, []int, error) {
	var ids []int
	var redo []int // indexes into jobs
	tableSet := map[string]bool{}
	var tableNames []string
	for i, r := range results {
		if r.Equal {
			continue
		}
		ids = append(ids, r.Batch)
		redo = append(redo, i)
		if !tableSet[r.Table] {
			tableSet[r.Table] = true
			tableNames = append(tableNames, r.Table)
		}
	}
	if len(ids) == 0 {
		return results, nil, nil
	}
	if err := rp.Ledger.Reopen(ctx, runID, ids, tableNames); err != nil {
		return nil, nil, err
	}
	log.Info("repair: copying differing batches again", "batches", len(ids))
	res, err := rp.Copier.Copy(ctx, min(opt.Workers, len(ids)))
	if err != nil {
		return nil, nil, fmt.Errorf("repair: %w", err)
	}
	if res.Interrupted {
		return nil, nil, ErrRepairInterrupted
	}
	for _, fb := range res.FailedBatches {
		log.Error("repair: batch failed", "batch", fb.ID, "table", fb.Table, "err", fb.Err)
	}
	sums, err := rp.Ledger.Checksums(ctx, runID)
	if err != nil {
		return nil, nil, err
	}
	again := make([]Job, len(redo))
	for n, i := range redo {
		j := jobs[i]
		b := *j.Batch
		j.Batch, j.Stored = &b, nil
		if h, ok := sums[b.ID]; ok {
			sum, err := canon.ParseHex(0, h)
			if err != nil {
				return nil, nil, err // the repair's own copy wrote it: always this format
			}
			j.Stored = &sum
		}
		again[n] = j
	}
	// The rows of the stored checksums are in the ledger; read them back.
	all, err := rp.Ledger.Batches(ctx, runID)
	if err != nil {
		return nil, nil, err
	}
	rows := map[int]int64{}
	for _, b := range all {
		rows[b.ID] = b.Rows
	}
	for _, j := range again {
		if j.Stored != nil {
			j.Stored.Rows = rows[j.Batch.ID]
		}
	}
	opt.Source = true
	checked, err := Checksums(ctx, src, tgt, again, opt)
	if err != nil {
		return nil, nil, err
	}
	out := append([]BatchResult(nil), results...)
	for n, i := range redo {
		out[i] = checked[n]
	}
	return out, ids, nil
}

var (
	_ RepairLedger = (*checkpoint.Ledger)(nil)
	_ Copier       = EngineCopier{}
)
