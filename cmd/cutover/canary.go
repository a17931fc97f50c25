package main

import (
	"fmt"
	"log/slog"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
	"github.com/cutover/cutover/verify"
)

// newCanaryOptions is the canary of runRec for runProcess (n tenants when
// it has none yet): always set, so that a process follows a canary another
// process recorded.
func newCanaryOptions(n int, runRec *checkpoint.Run, l *checkpoint.Ledger, check migrate.CanaryCheck) (*migrate.CanaryOptions, error) {
	doc, err := planner.ParseDoc(runRec.Plan)
	if err != nil {
		return nil, fmt.Errorf("run %d: %w", runRec.ID, err)
	}
	return &migrate.CanaryOptions{N: n, Plan: doc, Ledger: l, Check: check}, nil
}

// canaryCheck is verify.CanaryCheck: the canary's tenants and batches
// checked against the source.
func canaryCheck(log *slog.Logger, src verify.Source, tgt verify.Target, l *checkpoint.Ledger, all []*catalog.Table, workers int, runID int64) migrate.CanaryCheck {
	return verify.CanaryCheck(log, src, tgt, l, all, workers, runID)
}
