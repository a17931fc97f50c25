package verify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

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
// these batches' old rows, so each batch deletes its scope first. A repair
// copies in waves (parents first), wave 0 then 1, each a process of its own.
type Copier interface {
	Copy(ctx context.Context, wave, workers int) (migrate.Result, error)
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
func (c EngineCopier) Copy(ctx context.Context, wave, workers int) (migrate.Result, error) {
	opt := c.Options
	opt.Workers = workers
	if wave > 0 {
		// Each process of the ledger has a name of its own, made from the
		// host: the second wave's process is told apart by its host's.
		opt.Host = fmt.Sprintf("%s+wave%d", opt.Host, wave+1)
	}
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

// run repairs: the differing batches are reopened (pending), parents' before
// their children's (copyInWaves), the engine claims and copies each in its
// own target transaction (delete the scope, load, done mark with a fresh
// checksum), and they are checked again, against the source read anew. It
// returns the results with the repaired batches' new outcome, and their ids;
// a batch whose copy failed keeps its difference, with a note saying so.
func (rp *Repair) run(ctx context.Context, src, tgt Opener, log *slog.Logger, runID int64, jobs []Job, results []BatchResult, opt ChecksumOptions) ([]BatchResult, []int, error) {
	var ids []int
	var redo []int // indexes into jobs
	for i, r := range results {
		if r.Equal {
			continue
		}
		ids = append(ids, r.Batch)
		redo = append(redo, i)
	}
	if len(ids) == 0 {
		return results, nil, nil
	}
	failed, err := rp.copyInWaves(ctx, log, runID, jobs, redo, opt.Workers)
	if err != nil {
		return nil, nil, err
	}
	if len(failed) > 0 {
		// A batch whose repair failed is not checked again: it differs, and
		// the ledger holds it failed until a run copies it.
		kept := redo[:0:0]
		for _, i := range redo {
			if msg, ok := failed[jobs[i].Batch.ID]; ok {
				results[i].Note = "the repair's copy of this batch failed: " + msg
				continue
			}
			kept = append(kept, i)
		}
		redo = kept
		ids = ids[:0:0]
		for _, i := range redo {
			ids = append(ids, jobs[i].Batch.ID)
		}
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

// copyInWaves reopens and copies the batches of jobs[redo]: first those of
// tables no other repaired table reaches its tenant through, then the
// children. A child batch clears its rows in the target through its parent;
// its parent row copied again first, a child row orphaned in the target (its
// parent row deleted there) is cleared too instead of blocking the reload.
// It returns the batches that failed, with their errors.
func (rp *Repair) copyInWaves(ctx context.Context, log *slog.Logger, runID int64, jobs []Job, redo []int, workers int) (map[int]string, error) {
	repaired := map[string]bool{}
	for _, i := range redo {
		repaired[jobs[i].Table.Name] = true
	}
	waves := [2][]int{}
	for _, i := range redo {
		w := 0
		if v := jobs[i].Table.Via; v != nil && repaired[v.Parent] {
			w = 1
		}
		waves[w] = append(waves[w], i)
	}
	failed := map[int]string{}
	for wave, of := range waves {
		if len(of) == 0 {
			continue
		}
		var ids []int
		var tables []string
		for _, i := range of {
			ids = append(ids, jobs[i].Batch.ID)
			if !slices.Contains(tables, jobs[i].Table.Name) {
				tables = append(tables, jobs[i].Table.Name)
			}
		}
		if err := rp.Ledger.Reopen(ctx, runID, ids, tables); err != nil {
			return nil, err
		}
		log.Info("repair: copying differing batches again", "batches", len(ids), "tables", tables)
		res, err := rp.Copier.Copy(ctx, wave, min(workers, len(ids)))
		if err != nil {
			return nil, fmt.Errorf("repair: %w", err)
		}
		if res.Interrupted {
			return nil, ErrRepairInterrupted
		}
		for _, fb := range res.FailedBatches {
			log.Error("repair: batch failed", "batch", fb.ID, "table", fb.Table, "err", fb.Err)
			failed[fb.ID] = fb.Err.Error()
		}
	}
	return failed, nil
}
