package migrate

import (
	"context"
	"fmt"
	"strings"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqltype"
	"github.com/cutover/cutover/internal/preflight"
	"github.com/cutover/cutover/planner"
)

// DeferSettings are run.defer_indexes, run.defer_unique and
// run.defer_foreign_keys as plain values.
type DeferSettings struct {
	Defer, Unique, Foreign bool
}

func (d DeferSettings) indexes() *Indexes {
	return &Indexes{Defer: d.Defer, Unique: d.Unique, Foreign: d.Foreign}
}

// DeferralTarget is the target as planning the deferral reads it.
type DeferralTarget interface {
	IsEmpty(ctx context.Context, table string) (bool, error)
	DeferrableIndexes(ctx context.Context, table string, opt catalog.DeferOptions) ([]catalog.Index, error)
}

// PlanDeferral says, per table, which indexes a run starting now would load
// without and build at the end.
func PlanDeferral(ctx context.Context, d DeferSettings, tgt DeferralTarget, tables []*catalog.Table, missing []string) ([]planner.Deferred, error) {
	ix := d.indexes()
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
				d.Indexes = append(d.Indexes, fmt.Sprintf("%s %s (%s)", i.Kind, mysqltype.Quote(i.Name), strings.Join(i.Columns, ", ")))
			}
			if len(idx) == 0 {
				d.Why = "no deferrable secondary index"
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// DeferralFindings are PlanDeferral's answer as preflight notes.
func DeferralFindings(ctx context.Context, d DeferSettings, tgt DeferralTarget, res *Resolution) ([]preflight.Finding, error) {
	ds, err := PlanDeferral(ctx, d, tgt, res.Tables, res.Missing)
	if err != nil {
		return nil, err
	}
	var out []preflight.Finding
	for _, dd := range ds {
		if len(dd.Indexes) == 0 {
			continue
		}
		msg := "loaded without these secondary indexes, built in one ALTER TABLE once its batches are done: " + strings.Join(dd.Indexes, ", ")
		if d.Unique {
			msg += " (run.defer_unique: a duplicate fails the rebuild at the end, not the batch that brought it)"
		}
		out = append(out, preflight.Finding{Severity: preflight.Info, Table: dd.Table, Check: "deferred-indexes", Message: msg})
	}
	return out, nil
}

// rebuildSeconds estimates the rebuilds of the plan's deferred indexes, with
// the rebuild cost model holds (fitted by `rehearse --from-run`), else the
// measured default (a rehearsal pass rebuilds nothing).
func (p *Planned) rebuildSeconds(model planner.Model) float64 {
	rows := map[string]int64{}
	for _, sz := range p.Sizes {
		rows[sz.Table] += sz.Rows
	}
	defs := map[string]int{}
	for _, d := range p.Doc.Deferred {
		if len(d.Indexes) > 0 {
			defs[d.Table] = len(d.Indexes)
		}
	}
	c, _ := model.RebuildCost()
	return planner.RebuildPhase(c, rows, defs)
}
