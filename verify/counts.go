// Package verify reconciles the source and the target: row counts per tenant
// and table first; content checksums build on the same shape. It only reads.
package verify

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/planner"
)

// SourceCounter counts rows per tenant on the source.
type SourceCounter interface {
	Sizes(ctx context.Context, t *catalog.Table, tenants []string) ([]planner.Size, error)
}

// TargetCounter counts rows per tenant in the target tables.
type TargetCounter interface {
	TargetSizes(ctx context.Context, t *catalog.Table, tenants []string) ([]planner.Size, error)
}

// Diff is one (table, tenant) whose counts differ. Tenant is "" for a shared table.
type Diff struct {
	Table  string `json:"table"`
	Tenant string `json:"tenant"`
	Source int64  `json:"source_rows"`
	Target int64  `json:"target_rows"`
}

// TableCounts sums one table on both sides.
type TableCounts struct {
	Table       string `json:"table"`
	TargetTable string `json:"target_table"`
	Tenants     int    `json:"tenants"`
	Source      int64  `json:"source_rows"`
	Target      int64  `json:"target_rows"`
	// TargetAll is the target table's COUNT(*), whatever the tenant, when
	// counted (CountOutside); Target counts through the tenants.
	TargetAll   *int64 `json:"target_rows_all,omitempty"`
	Differences int    `json:"differences"`
}

// Report is the outcome of a count reconciliation.
type Report struct {
	Equal       bool          `json:"equal"`
	Tables      []TableCounts `json:"tables"`
	Differences []Diff        `json:"differences"`
	// Outside lists the tenant tables whose target holds rows outside
	// every tenant counted (CountOutside).
	Outside []Outside `json:"outside_tenants,omitempty"`
	// OnlyInTarget are the tenants with target rows and no source row in
	// any table, in natural order: written by something other than the run.
	OnlyInTarget []string `json:"only_in_target,omitempty"`
	// Seen lists every tenant with rows of a tenant table on either side,
	// in natural order: the readiness groups of tables batched by range,
	// whose batches name no tenant.
	Seen []string `json:"-"`
}

// Counts compares row counts per (tenant, table) on both sides, restricted to
// tenants when not empty, with at most parallel tables counted at once.
func Counts(ctx context.Context, src SourceCounter, tgt TargetCounter, tables []*catalog.Table, tenants []string, parallel int) (*Report, error) {
	rep := &Report{Tables: make([]TableCounts, len(tables))}
	seen := map[string]bool{}
	inSource, inTarget := map[string]bool{}, map[string]bool{}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(parallel, 1))
	for i, t := range tables {
		g.Go(func() error {
			var ids []string
			if !t.Shared {
				ids = tenants
			}
			var s, d []planner.Size
			cg, cctx := errgroup.WithContext(gctx)
			cg.Go(func() (err error) {
				s, err = src.Sizes(cctx, t, ids)
				if err != nil {
					err = fmt.Errorf("count source %s: %w", t.Name, err)
				}
				return err
			})
			cg.Go(func() (err error) {
				d, err = tgt.TargetSizes(cctx, t, ids)
				if err != nil {
					err = fmt.Errorf("count target %s: %w", t.Target, err)
				}
				return err
			})
			if err := cg.Wait(); err != nil {
				return err
			}
			tc, diffs := compare(t, s, d)
			mu.Lock()
			rep.Tables[i] = tc
			rep.Differences = append(rep.Differences, diffs...)
			if !t.Shared {
				for _, sz := range s {
					inSource[sz.Tenant] = inSource[sz.Tenant] || sz.Rows > 0
				}
				for _, sz := range d {
					inTarget[sz.Tenant] = inTarget[sz.Tenant] || sz.Rows > 0
				}
				for _, sz := range append(s, d...) {
					if sz.Tenant != "" && !seen[sz.Tenant] {
						seen[sz.Tenant] = true
						rep.Seen = append(rep.Seen, sz.Tenant)
					}
				}
			}
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	sort.Slice(rep.Differences, func(i, j int) bool {
		a, b := rep.Differences[i], rep.Differences[j]
		if a.Table != b.Table {
			return a.Table < b.Table
		}
		return planner.CompareTenants(a.Tenant, b.Tenant) < 0
	})
	if rep.Differences == nil {
		rep.Differences = []Diff{}
	}
	sort.Slice(rep.Seen, func(i, j int) bool { return planner.CompareTenants(rep.Seen[i], rep.Seen[j]) < 0 })
	for _, id := range rep.Seen {
		if inTarget[id] && !inSource[id] {
			rep.OnlyInTarget = append(rep.OnlyInTarget, id)
		}
	}
	rep.Equal = len(rep.Differences) == 0
	return rep, nil
}

func compare(t *catalog.Table, src, tgt []planner.Size) (TableCounts, []Diff) {
	tc := TableCounts{Table: t.Name, TargetTable: t.Target}
	s := map[string]int64{}
	d := map[string]int64{}
	for _, x := range src {
		s[x.Tenant] += x.Rows
		tc.Source += x.Rows
	}
	for _, x := range tgt {
		d[x.Tenant] += x.Rows
		tc.Target += x.Rows
	}
	keys := map[string]bool{}
	for k := range s {
		keys[k] = true
	}
	for k := range d {
		keys[k] = true
	}
	var diffs []Diff
	for k := range keys {
		if !t.Shared && k != "" {
			tc.Tenants++
		}
		if s[k] != d[k] {
			diffs = append(diffs, Diff{Table: t.Name, Tenant: k, Source: s[k], Target: d[k]})
		}
	}
	tc.Differences = len(diffs)
	return tc, diffs
}
