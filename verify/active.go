package verify

import (
	"context"
	"database/sql"
	"errors"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/migrate"
)

// ErrNoLedger is a content check before anything made the ledger;
// ErrNoActiveRun one on a ledger without an active run.
var (
	ErrNoLedger    = errors.New("no ledger")
	ErrNoActiveRun = errors.New("no active run")
)

// RunSource is a source that verify reads and a repair copies from.
type RunSource interface {
	Source
	migrate.Source
}

// RunTarget is a target that verify reads, a repair copies into, and that
// holds the ledger.
type RunTarget interface {
	Target
	migrate.Target
	SQL() *sql.DB
}

// ActiveOptions say where the active run is and how a repair copies.
type ActiveOptions struct {
	Schema string // the ledger's schema
	Repair bool   // copy the batches that differ again (unless opt.RepairDryRun)
	// Copy are the run's process options, for the repair's copy.
	Copy migrate.ProcessOptions
}

// ContentOfActiveRun is Content over the active run of the ledger in
// a.Schema: it adopts the run's stored plan into opt.Tables, sets opt.RunID
// and, for a repair, copies the batches that differ again through the
// engine (EngineCopier).
func ContentOfActiveRun(ctx context.Context, src RunSource, tgt RunTarget, opt ContentOptions, a ActiveOptions) (*ContentReport, error) {
	ok, err := checkpoint.Exists(ctx, tgt.SQL(), a.Schema)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNoLedger
	}
	l, err := checkpoint.Open(ctx, tgt.SQL(), a.Schema)
	if err != nil {
		return nil, err
	}
	runRec, err := l.ActiveRun(ctx)
	if err != nil {
		return nil, err
	}
	if runRec == nil {
		return nil, ErrNoActiveRun
	}
	if err := migrate.AdoptPlan(opt.Tables, runRec); err != nil {
		return nil, err
	}
	opt.RunID = runRec.ID
	if a.Repair && !opt.RepairDryRun {
		opt.Repair = &Repair{Ledger: l, Copier: EngineCopier{Ledger: l, Run: runRec, Source: src, Target: tgt, Options: a.Copy}}
	}
	return Content(ctx, src, tgt, l, opt)
}
