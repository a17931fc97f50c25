package verify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
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
	// DiffFile, when set, is where every differing row is written once the
	// check is done (WriteDiffFile).
	DiffFile string
}

// ContentOfActiveRun is Content over the active run of the ledger in
// a.Schema: it adopts the run's stored plan into opt.Tables, sets opt.RunID
// and, for a repair, copies the batches that differ again through the
// engine (EngineCopier); a.DiffFile then gets the rows that differ.
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
	rep, err := Content(ctx, src, tgt, l, opt)
	if err != nil || a.DiffFile == "" {
		return rep, err
	}
	if err := WriteDiffFile(a.DiffFile, rep.Differ); err != nil {
		return nil, err
	}
	return rep, nil
}

// UnseenTenantError is a tenant asked for by name that no table has rows of
// on either side.
type UnseenTenantError struct{ ID string }

func (e *UnseenTenantError) Error() string {
	return fmt.Sprintf("tenant %s: no table has rows of this tenant on either side", SafeText(e.ID))
}

// CountAll is Counts over tenantIDs, refusing a tenant of named that no
// table has rows of (*UnseenTenantError), and, when no tenant is named, the
// target's rows outside every tenant (CountOutsideIf).
func CountAll(ctx context.Context, src SourceCounter, tgt TargetCounter, tables []*catalog.Table, tenantIDs, named []string, parallel int) (*Report, error) {
	rep, err := Counts(ctx, src, tgt, tables, tenantIDs, parallel)
	if err != nil {
		return nil, err
	}
	for _, id := range named {
		if !slices.Contains(rep.Seen, id) {
			return nil, &UnseenTenantError{ID: id}
		}
	}
	if len(named) == 0 {
		if err := CountOutsideIf(ctx, tgt, tables, rep, parallel); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// Failure is why the counts fail verification, nil when they are equal.
func (r *Report) Failure() error {
	switch {
	case !r.Equal && len(r.Differences) == 0:
		return fmt.Errorf("verify: %d target tables hold rows outside every tenant", len(r.Outside))
	case !r.Equal:
		return fmt.Errorf("verify: %d (tenant, table) counts differ", len(r.Differences))
	}
	return nil
}

// Failure is why the content check fails verification, nil when every
// tenant is ready.
func (r *ContentReport) Failure() error {
	switch {
	case !r.Ready && r.NotReady() == 0:
		return fmt.Errorf("verify: every tenant is ready, but %d target tables hold rows outside every tenant", len(r.Counts.Outside))
	case !r.Ready:
		return fmt.Errorf("verify: %d of %d tenants not ready for cutover", r.NotReady(), len(r.Readiness))
	}
	return nil
}
