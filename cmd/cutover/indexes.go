package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/internal/mysqltype"
	"github.com/cutover/cutover/internal/preflight"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// indexOptions are the engine's deferred-index settings for a real run. The
// rebuilder runs even with run.defer_indexes off: a step another process
// recorded must still be rebuilt.
func indexOptions(s *session) *migrate.Indexes {
	return &migrate.Indexes{Target: s.ep.tgt, Ledger: s.ledger, Defer: s.cfg.Run.DeferIndexesOn(),
		Unique: s.cfg.Run.DeferUnique, Foreign: s.cfg.Run.DeferForeignKeys}
}

// planDeferral says, per table, which indexes a run starting now would load
// without and build at the end.
func planDeferral(ctx context.Context, cfg *config.Config, tgt *mysqldb.DB, tables []*catalog.Table, missing []string) ([]planner.Deferred, error) {
	ix := &migrate.Indexes{Defer: cfg.Run.DeferIndexesOn(), Unique: cfg.Run.DeferUnique, Foreign: cfg.Run.DeferForeignKeys}
	absent := map[string]bool{}
	for _, m := range missing {
		absent[m] = true
	}
	var out []planner.Deferred
	for _, t := range tables {
		d := planner.Deferred{Table: t.Name, Target: t.Target}
		switch {
		case !ix.Defer:
			d.Why = "run.defer_indexes is false"
		case absent[t.Target]:
			d.Why = "created by run --create-tables, then deferred as defined"
		default:
			empty, err := tgt.IsEmpty(ctx, t.Target)
			if err != nil {
				return nil, err
			}
			if !empty {
				d.Why = "not empty: loaded with its indexes"
				break
			}
			idx, err := tgt.DeferrableIndexes(ctx, t.Target, ix.DeferOptions(t))
			if err != nil {
				return nil, err
			}
			for _, i := range idx {
				d.Indexes = append(d.Indexes, describeIndex(i))
			}
			if len(idx) == 0 {
				d.Why = "no deferrable secondary index"
			}
		}
		out = append(out, d)
	}
	return out, nil
}

func describeIndex(i catalog.Index) string {
	return fmt.Sprintf("%s %s (%s)", i.Kind, mysqltype.Quote(i.Name), strings.Join(i.Columns, ", "))
}

// printDeferral prints planDeferral's answer, one line per table that defers.
func printDeferral(w io.Writer, ds []planner.Deferred) {
	for _, d := range ds {
		if len(d.Indexes) > 0 {
			fmt.Fprintf(w, "deferred indexes of %s (loaded without, built in one ALTER TABLE once its batches are done): %s\n",
				d.Target, strings.Join(d.Indexes, ", "))
		}
	}
}

// deferralFindings are planDeferral's answer as preflight notes.
func deferralFindings(ctx context.Context, cfg *config.Config, tgt *mysqldb.DB, res *migrate.Resolution) ([]preflight.Finding, error) {
	ds, err := planDeferral(ctx, cfg, tgt, res.Tables, res.Missing)
	if err != nil {
		return nil, err
	}
	var out []preflight.Finding
	for _, d := range ds {
		if len(d.Indexes) == 0 {
			continue
		}
		msg := "loaded without these secondary indexes, built in one ALTER TABLE once its batches are done: " + strings.Join(d.Indexes, ", ")
		if cfg.Run.DeferUnique {
			msg += " (run.defer_unique: a duplicate fails the rebuild at the end, not the batch that brought it)"
		}
		out = append(out, preflight.Finding{Severity: preflight.Info, Table: d.Table, Check: "deferred-indexes", Message: msg})
	}
	return out, nil
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

// rebuildSeconds estimates the rebuilds of doc's deferred indexes, with the
// measured default cost (rehearse does not run them).
func rebuildSeconds(doc *planDoc) float64 {
	rows := map[string]int64{}
	for _, sz := range doc.sizes {
		rows[sz.Table] += sz.Rows
	}
	defs := map[string]int{}
	for _, d := range doc.Deferred {
		if len(d.Indexes) > 0 {
			defs[d.Table] = len(d.Indexes)
		}
	}
	return planner.RebuildPhase(planner.DefaultRebuildCost(), rows, defs)
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
