package main

import (
	"context"
	"fmt"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/verify"
	"github.com/cutover/cutover/verify/canon"
)

// repair copies the batches that differ again, through the ledger: they are
// reopened (pending) in one transaction, the engine claims and copies each in
// its own target transaction (delete the scope, load, done mark with a fresh
// checksum), and they are checked again, against the source read anew. It
// returns the results with the repaired batches' new outcome, and their ids.
func (a *app) repair(ctx context.Context, cfg *config.Config, ep endpoints, tables *migrate.Resolution, l *checkpoint.Ledger, runRec *checkpoint.Run, jobs []verify.Job, results []verify.BatchResult, opt verify.ChecksumOptions, cfgPath string) ([]verify.BatchResult, []int, error) {
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
	if err := l.Reopen(ctx, runRec.ID, ids, tableNames); err != nil {
		return nil, nil, err
	}
	a.log.Info("repair: copying differing batches again", "batches", len(ids))
	// No clean start: the target holds these batches' old rows.
	po := a.processOptions(cfg, tables)
	po.Workers = min(opt.Workers, len(ids))
	p, err := migrate.NewRepair(ctx, l, runRec, ep.src, ep.tgt, po)
	if err != nil {
		return nil, nil, err
	}
	defer p.Close()
	res, err := p.Run(ctx, ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("repair: %w", err)
	}
	if res.Interrupted {
		return nil, nil, interruptedError{fmt.Errorf("repair interrupted; the reopened batches are copied again by\nresume with: cutover run --config %s", cfgPath)}
	}
	for _, fb := range res.FailedBatches {
		a.log.Error("repair: batch failed", "batch", fb.ID, "table", fb.Table, "err", fb.Err)
	}
	sums, err := l.Checksums(ctx, runRec.ID)
	if err != nil {
		return nil, nil, err
	}
	again := make([]verify.Job, len(redo))
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
	all, err := l.Batches(ctx, runRec.ID)
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
	checked, err := verify.Checksums(ctx, ep.src, ep.tgt, again, opt)
	if err != nil {
		return nil, nil, err
	}
	out := append([]verify.BatchResult(nil), results...)
	for n, i := range redo {
		out[i] = checked[n]
	}
	return out, ids, nil
}
