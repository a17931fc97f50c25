package migrate

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/planner"
)

// Cut builds the plan from sizes already measured: it measures the key
// boundaries of the (table, tenant) pairs too large for one batch under opt
// and builds the batches. Planning for another worker count or cost model
// calls it again without sizing the source again.
func Cut(ctx context.Context, src Source, tables []*catalog.Table, sizes []planner.Size, opt planner.Options, parallel int) (*Sized, error) {
	specs := make([]planner.TableSpec, len(tables))
	byName := TableMap(tables)
	for i, t := range tables {
		// A ranged table is planned like a shared one: key ranges over the
		// whole table. Its per-tenant sizes still go to the summary.
		specs[i] = planner.TableSpec{Name: t.Name, Shared: t.Shared || t.Ranged}
	}
	batchSizes := rangedAsOne(sizes, byName)
	splits := planner.Splits(specs, batchSizes, opt)
	bounds := make(map[planner.SplitKey][][]string, len(splits))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(parallel, 1))
	for _, sp := range splits {
		g.Go(func() error {
			b, err := src.Boundaries(gctx, byName[sp.Table], sp.Tenant, sp.Step)
			if err != nil {
				return fmt.Errorf("split %s of tenant %q: %w", sp.Table, sp.Tenant, err)
			}
			mu.Lock()
			bounds[sp.SplitKey] = b
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	plan, err := planner.Build(specs, batchSizes, bounds, opt)
	if err != nil {
		return nil, fmt.Errorf("build plan: %w", err)
	}
	return &Sized{Sizes: sizes, Plan: plan}, nil
}

// rangedAsOne sums the per-tenant sizes of each ranged table into one size
// without a tenant, which is how the planner cuts it: by key over every tenant.
func rangedAsOne(sizes []planner.Size, tables map[string]*catalog.Table) []planner.Size {
	out := make([]planner.Size, 0, len(sizes))
	sums := map[string]int{}
	for _, s := range sizes {
		t := tables[s.Table]
		if t == nil || !t.Ranged {
			out = append(out, s)
			continue
		}
		i, ok := sums[s.Table]
		if !ok {
			i = len(out)
			sums[s.Table] = i
			out = append(out, planner.Size{Table: s.Table})
		}
		out[i].Rows += s.Rows
		out[i].Bytes += s.Bytes
	}
	return out
}
