package main

import (
	"context"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/driver"
	"github.com/cutover/cutover/internal/mysqltype"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// grantChecker is a side that can tell, writing nothing, which grants its
// user lacks on tables (the MySQL adapter).
type grantChecker interface {
	CheckReads(ctx context.Context, tables []string) error
	CheckWrites(ctx context.Context, tables []string) error
}

// refuseEarly makes the refusals of `run` that must come before its first
// write to the target (--create-tables, a reset, a batch): missing grants on
// either side, and a stored plan whose config or source tables changed since
// it was made.
func refuseEarly(ctx context.Context, cfg *config.Config, ep endpoints, res *migrate.Resolution, l *checkpoint.Ledger, replan bool) error {
	missing := map[string]bool{}
	for _, m := range res.Missing {
		missing[m] = true
	}
	var targets, sources []string
	for _, t := range res.Tables {
		sources = append(sources, t.Name)
		if !missing[t.Target] {
			targets = append(targets, t.Target)
		}
	}
	if g, ok := ep.tgt.(grantChecker); ok {
		if err := g.CheckWrites(ctx, targets); err != nil {
			return classify(err)
		}
	}
	if g, ok := ep.src.(grantChecker); ok {
		if err := g.CheckReads(ctx, sources); err != nil {
			return classify(err)
		}
	}
	if replan {
		return nil
	}
	runRec, err := l.ActiveRun(ctx)
	if err != nil || runRec == nil {
		return err
	}
	if runRec.ConfigFP != cfg.PlanFingerprint() {
		return usagef("the config changed since run %d was planned (%s): rerun with --replan to plan again (batches already done are copied again)",
			runRec.ID, runRec.CreatedAt.Format(time.RFC3339))
	}
	doc, err := planner.ParseDoc(runRec.Plan)
	if err != nil {
		return nil // the run reports a plan it cannot read where it reads it
	}
	if changes := planner.SourceChanges(doc.Source, migrate.SourceShape(res.Tables)); len(changes) > 0 {
		return usagef("the source changed since run %d was planned (%s):\n  %s\nrerun with --replan to plan again (batches already done are copied again)",
			runRec.ID, runRec.CreatedAt.Format(time.RFC3339), strings.Join(changes, "\n  "))
	}
	return nil
}

// ledgerAccess names the grant when the target user may not create or use
// the ledger schema.
func ledgerAccess(schema string, err error) error {
	if driver.IsAccessDenied(err) {
		return usagef("the target user may not create or use the ledger schema %s: GRANT ALL ON %s.* TO it (%v)", schema, mysqltype.Quote(schema), err)
	}
	return err
}
