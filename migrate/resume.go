package migrate

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/planner"
)

// PinSnapshot returns the source reading at the snapshot stored with the
// plan (an Oracle SCN), so that every batch of a run, on every resume, sees
// the same point in time; other sources are returned as they are.
func PinSnapshot(src Source, run *checkpoint.Run, log *slog.Logger) (Source, error) {
	p, ok := src.(SnapshotPinner)
	if !ok {
		return src, nil
	}
	doc, err := planner.ParseDoc(run.Plan)
	if err != nil {
		return nil, fmt.Errorf("run %d: %w", run.ID, err)
	}
	if doc.SCN == 0 || doc.SCN == p.SCN() {
		return src, nil
	}
	log.Info("reading the Oracle source as of the plan's SCN", "scn", doc.SCN)
	return p.AtSCN(doc.SCN), nil
}

// RetryFailed gives the failed batches of run fresh attempts (`run
// --retry-failed`) and lifts an error-budget halt: the fix that follows a
// halt lifts it too. host names who lifted it.
func RetryFailed(ctx context.Context, l *checkpoint.Ledger, run *checkpoint.Run, host string, log *slog.Logger) error {
	n, err := l.ResetFailed(ctx, run.ID)
	if err != nil {
		return fmt.Errorf("reset the failed batches of run %d: %w", run.ID, err)
	}
	log.Info("failed batches get fresh attempts", "batches", n)
	if ctl, err := l.ReadControl(ctx, run.ID); err == nil && ctl.State == checkpoint.ControlHalted {
		if err := l.SetControl(ctx, run.ID, checkpoint.ControlRun, "halt lifted by run --retry-failed on "+host); err != nil {
			return fmt.Errorf("lift the halt of run %d: %w", run.ID, err)
		}
	}
	return nil
}
