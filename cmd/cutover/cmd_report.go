package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/report"
	"github.com/cutover/cutover/planner"
)

// cmdReport writes the end-of-run report from the ledger: the actual
// schedule, throughput, estimate against actual, slowest tenants, failures
// and, with --verify, the verification result. It reads the target only.
func (a *app) cmdReport(ctx context.Context, args []string) error {
	fs := a.flags("report")
	cfgPath := fs.String("config", "", "config file (YAML)")
	out := fs.String("out", "", "where to write the HTML report (- for stdout)")
	runID := fs.Int64("run", 0, "the run to report (default: the active run)")
	verifyPath := fs.String("verify", "", "the output of `cutover verify --json`, to include the verification result")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out is required")
	}
	cfg, err := a.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	var ver *report.Verification
	if *verifyPath != "" {
		if ver, err = readVerification(*verifyPath); err != nil {
			return err
		}
	}
	tgt, l, ok, err := existingLedger(ctx, cfg)
	if err != nil {
		return err
	}
	defer tgt.Close()
	schema := cfg.Target.LedgerSchema
	if !ok {
		return usagef("no ledger in %s: nothing was planned or run yet", schema)
	}
	var run *checkpoint.Run
	if *runID > 0 {
		run, err = l.RunByID(ctx, *runID)
		if err != nil {
			return usagef("--run %d: %v", *runID, err)
		}
	} else if run, err = l.ActiveRun(ctx); err != nil {
		return fmt.Errorf("read the active run: %w", err)
	} else if run == nil {
		return usagef("no active run in %s: give --run", schema)
	}
	spans, err := l.Timeline(ctx, run.ID)
	if err != nil {
		return fmt.Errorf("read the timeline of the run: %w", err)
	}
	events, err := l.History(ctx, run.ID, report.MaxEvents)
	if err != nil {
		return fmt.Errorf("read the history of run %d: %w", run.ID, err)
	}
	d := report.Data{RunID: run.ID, PlanFP: run.PlanFP, PlannedAt: run.CreatedAt, Spans: spans, Events: events, Verify: ver, GeneratedAt: time.Now()}
	if d.Sync, err = syncOf(ctx, l, run.ID); err != nil {
		return err
	}
	if d.Canary, err = l.ReadCanary(ctx, run.ID); err != nil {
		return fmt.Errorf("read the canary of run %d: %w", run.ID, err)
	}
	doc, err := planner.ParseDoc(run.Plan)
	if err != nil {
		return fmt.Errorf("run %d: %w", run.ID, err)
	}
	if e := doc.Estimate; e != nil && e.Model.Validate() == nil {
		d.Estimate = &report.Estimate{Model: e.Model, Workers: e.Schedule.Workers, Makespan: e.Schedule.Makespan, Calibration: e.Calibration}
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, d); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	if err := a.writeOut("out", *out, buf.Bytes()); err != nil {
		return err
	}
	if *out == "-" {
		fmt.Fprintf(a.stderr, "report of run %d (%d batches) written to stdout\n", run.ID, len(spans))
		return nil
	}
	fmt.Fprintf(a.stdout, "report of run %d (%d batches) written to %s\n", run.ID, len(spans), *out)
	return nil
}

// readVerification reads `cutover verify --json` output of either mode.
func readVerification(path string) (*report.Verification, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--verify: %v", err)
	}
	v, err := report.ParseVerification(raw)
	if err != nil {
		return nil, usagef("--verify %s: %v", path, err)
	}
	return v, nil
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
