package main

import (
	"context"
	"strings"
	"time"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/internal/mysqltype"
	"github.com/cutover/cutover/planner"
)

// refuseEarly makes the refusals of `run` that must come before its first
// write to the target (--create-tables, a reset, a batch): missing grants on
// either side, no access to the ledger schema, and a stored plan whose config
// or source tables changed since it was made. It opens (on first use,
// creates) the ledger.
func (a *app) refuseEarly(ctx context.Context, s *session, replan bool) error {
	missing := map[string]bool{}
	for _, m := range s.res.Missing {
		missing[m] = true
	}
	var targets, sources []string
	for _, t := range s.res.Tables {
		sources = append(sources, t.Name)
		if !missing[t.Target] {
			targets = append(targets, t.Target)
		}
	}
	if err := s.ep.tgt.CheckWrites(ctx, targets); err != nil {
		return classify(err)
	}
	if s.ep.mysqlSrc != nil {
		if err := s.ep.mysqlSrc.CheckReads(ctx, sources); err != nil {
			return classify(err)
		}
	}
	if err := s.openLedger(ctx); err != nil {
		return err
	}
	if replan {
		return nil
	}
	runRec, err := s.ledger.ActiveRun(ctx)
	if err != nil || runRec == nil {
		return err
	}
	if runRec.ConfigFP != s.cfg.PlanFingerprint() {
		return usagef("the config changed since run %d was planned (%s): rerun with --replan to plan again (batches already done are copied again)",
			runRec.ID, runRec.CreatedAt.Format(time.RFC3339))
	}
	doc, err := planner.ParseDoc(runRec.Plan)
	if err != nil {
		return nil // the run reports a plan it cannot read where it reads it
	}
	if changes := planner.SourceChanges(doc.Source, sourceShape(s.res.Tables)); len(changes) > 0 {
		return usagef("the source changed since run %d was planned (%s):\n  %s\nrerun with --replan to plan again (batches already done are copied again)",
			runRec.ID, runRec.CreatedAt.Format(time.RFC3339), strings.Join(changes, "\n  "))
	}
	return nil
}

// sourceShape is the source tables' columns as a plan records them.
func sourceShape(tables []*catalog.Table) []planner.SourceTable {
	out := make([]planner.SourceTable, 0, len(tables))
	for _, t := range tables {
		st := planner.SourceTable{Table: t.Name}
		for _, c := range t.Columns {
			st.Columns = append(st.Columns, planner.Column(c.Name, c.Type, c.Nullable))
		}
		out = append(out, st)
	}
	return out
}

// ledgerAccess names the grant when the target user may not create or use
// the ledger schema.
func ledgerAccess(schema string, err error) error {
	if mysqldb.IsAccessDenied(err) {
		return usagef("the target user may not create or use the ledger schema %s (%v): GRANT ALL ON %s.* TO it", schema, err, mysqltype.Quote(schema))
	}
	return err
}
