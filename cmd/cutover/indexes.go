package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/planner"
)

// printDeferral prints migrate.PlanDeferral's answer, one line per table that defers.
func printDeferral(w io.Writer, ds []planner.Deferred) {
	for _, d := range ds {
		if len(d.Indexes) > 0 {
			fmt.Fprintf(w, "deferred indexes of %s (loaded without, built in one ALTER TABLE once its batches are done): %s\n",
				d.Target, strings.Join(d.Indexes, ", "))
		}
	}
}

// printIndexSteps prints the rebuild phase of run runID and reports whether
// a rebuild is still to do.
func printIndexSteps(ctx context.Context, w io.Writer, ledger *checkpoint.Ledger, runID int64) (bool, error) {
	steps, err := ledger.IndexSteps(ctx, runID)
	if err != nil || len(steps) == 0 {
		return false, err
	}
	done := 0
	for _, st := range steps {
		if st.State == checkpoint.Done {
			done++
		}
	}
	fmt.Fprintf(w, "index rebuilds: %d of %d tables done\n", done, len(steps))
	for _, st := range steps {
		switch {
		case st.State == checkpoint.Done:
			fmt.Fprintf(w, "  %s: %d definitions rebuilt in %s\n", st.Target, len(st.Indexes), st.Took.Round(time.Millisecond))
		case st.State == checkpoint.Claimed && st.Error == "":
			fmt.Fprintf(w, "  %s: rebuilding (%s, attempt %d)\n", st.Target, st.Owner, st.Attempts)
		case st.Error != "":
			fmt.Fprintf(w, "  %s: not rebuilt yet, last error: %s\n", st.Target, st.Error)
		default:
			fmt.Fprintf(w, "  %s: %d definitions wait for the table's batches\n", st.Target, len(st.Indexes))
		}
	}
	return done < len(steps), nil
}

// indexStepDoc is one rebuild in status --json.
type indexStepDoc struct {
	Table       string  `json:"table"`
	Target      string  `json:"target"`
	State       string  `json:"state"`
	Definitions int     `json:"definitions"`
	Attempts    int     `json:"attempts"`
	Owner       string  `json:"owner,omitempty"`
	Error       string  `json:"error,omitempty"`
	Seconds     float64 `json:"seconds,omitempty"`
}

func indexStepDocs(ctx context.Context, ledger *checkpoint.Ledger, runID int64) ([]indexStepDoc, error) {
	steps, err := ledger.IndexSteps(ctx, runID)
	if err != nil {
		return nil, err
	}
	var out []indexStepDoc
	for _, st := range steps {
		out = append(out, indexStepDoc{Table: st.Table, Target: st.Target, State: st.State.String(), Definitions: len(st.Indexes),
			Attempts: st.Attempts, Owner: st.Owner, Error: st.Error, Seconds: st.Took.Seconds()})
	}
	return out, nil
}
