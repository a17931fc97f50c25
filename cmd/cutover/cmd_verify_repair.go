package main

import (
	"context"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/migrate"
)

// repairCopier is verify --repair's copy: a repair process (migrate.NewRepair)
// joins the run and copies the reopened batches again.
type repairCopier struct {
	a   *app
	ep  endpoints
	l   *checkpoint.Ledger
	opt migrate.ProcessOptions
}

func (c repairCopier) Copy(ctx context.Context, runID int64, batches, workers int) (migrate.Result, error) {
	run, err := c.l.RunByID(ctx, runID)
	if err != nil {
		return migrate.Result{}, err
	}
	opt := c.opt
	opt.Workers = min(workers, batches)
	p, err := migrate.NewRepair(ctx, c.l, run, c.ep.src, c.ep.tgt, opt)
	if err != nil {
		return migrate.Result{}, err
	}
	defer p.Close()
	return p.Run(ctx, ctx)
}
