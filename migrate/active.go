package migrate

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cutover/cutover/checkpoint"
)

// RunReader reads the ledger's active run.
type RunReader interface {
	ActiveRun(ctx context.Context) (*checkpoint.Run, error)
}

// NoRunError means there is no run to show or steer: no ledger in Schema
// yet, or (Ledger) a ledger without an active run.
type NoRunError struct {
	Schema string
	Ledger bool
}

func (e *NoRunError) Error() string {
	if !e.Ledger {
		return fmt.Sprintf("no ledger in schema %s: nothing runs yet", e.Schema)
	}
	return fmt.Sprintf("no active run in ledger schema %s", e.Schema)
}

// ActiveRun is the active run of the ledger l in schema, which exists when
// found (a missing one is not read): what status and the operator commands
// (stop, pause, resume, upgrade) look at first. No run is a *NoRunError.
func ActiveRun(ctx context.Context, l RunReader, found bool, schema string) (*checkpoint.Run, error) {
	if !found {
		return nil, &NoRunError{Schema: schema}
	}
	run, err := l.ActiveRun(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the active run: %w", err)
	}
	if run == nil {
		return nil, &NoRunError{Schema: schema, Ledger: true}
	}
	return run, nil
}

// ActiveRunID is the id of the active run of the ledger in schema on db, 0
// when there is none or it cannot be read: the run an alert names (verify
// alerts with or without a run).
func ActiveRunID(ctx context.Context, db *sql.DB, schema string) int64 {
	ok, err := checkpoint.Exists(ctx, db, schema)
	if err != nil {
		return 0
	}
	run, err := ActiveRun(ctx, checkpoint.OpenExisting(db, schema), ok, schema)
	if err != nil {
		return 0
	}
	return run.ID
}
