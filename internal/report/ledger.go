package report

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/planner"
)

// FromLedger reads what the report of run shows from the ledger: its
// timeline, history, catch-up, canary and the estimate its plan stored;
// ver, when not nil, is the verification result to include.
func FromLedger(ctx context.Context, l *checkpoint.Ledger, run *checkpoint.Run, ver *Verification, now time.Time) (Data, error) {
	spans, err := l.Timeline(ctx, run.ID)
	if err != nil {
		return Data{}, fmt.Errorf("read the timeline of the run: %w", err)
	}
	events, err := l.History(ctx, run.ID, MaxEvents)
	if err != nil {
		return Data{}, fmt.Errorf("read the history of run %d: %w", run.ID, err)
	}
	d := Data{RunID: run.ID, PlanFP: run.PlanFP, PlannedAt: run.CreatedAt, Spans: spans, Events: events, Verify: ver, GeneratedAt: now}
	if d.Sync, err = syncOf(ctx, l, run.ID); err != nil {
		return Data{}, err
	}
	if d.Canary, err = l.ReadCanary(ctx, run.ID); err != nil {
		return Data{}, fmt.Errorf("read the canary of run %d: %w", run.ID, err)
	}
	doc, err := planner.ParseDoc(run.Plan)
	if err != nil {
		return Data{}, fmt.Errorf("run %d: %w", run.ID, err)
	}
	if e := doc.Estimate; e != nil && e.Model.Validate() == nil {
		d.Estimate = &Estimate{Model: e.Model, Workers: e.Schedule.Workers, Makespan: e.Schedule.Makespan, Calibration: e.Calibration}
	}
	return d, nil
}

// syncOf is the change capture that followed run runID, one position per
// table: a capture started while it was the active run, or before any run
// (the usual order: capture start, then plan and run); none without capture.
func syncOf(ctx context.Context, l *checkpoint.Ledger, runID int64) ([]checkpoint.SyncPosition, error) {
	pos, err := l.SyncPositions(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the catch-up of run %d: %w", runID, err)
	}
	var out []checkpoint.SyncPosition
	for _, p := range pos {
		if p.RunID == runID || p.RunID == 0 {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b checkpoint.SyncPosition) int { return strings.Compare(a.Table, b.Table) })
	return out, nil
}
