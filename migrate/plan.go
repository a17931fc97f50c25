package migrate

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/planner"
)

// Sized is the result of sizing: the measured sizes and the plan built on them.
type Sized struct {
	Sizes []planner.Size
	Plan  *planner.Plan
}

// BuildPlan sizes every table per tenant on the source, measures key quantiles
// of the (table, tenant) pairs too large for one batch, and builds the plan.
// Queries run on at most parallel connections at once.
func BuildPlan(ctx context.Context, src Source, tables []*catalog.Table, tenants []string, opt planner.Options, parallel int) (*Sized, error) {
	specs := make([]planner.TableSpec, len(tables))
	byName := TableMap(tables)
	for i, t := range tables {
		// A ranged table is planned like a shared one: key ranges over the
		// whole table. Its per-tenant sizes still go to the summary.
		specs[i] = planner.TableSpec{Name: t.Name, Shared: t.Shared || t.Ranged}
	}
	var mu sync.Mutex
	bounds := make(map[planner.SplitKey][][]string)
	// A ranged table's boundaries do not depend on its sizes: they are walked
	// at batch_rows steps beside the sizing, the longest query of a plan.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	early, ectx := errgroup.WithContext(ctx)
	for _, t := range tables {
		if !t.Ranged {
			continue
		}
		early.Go(func() error {
			b, err := src.Boundaries(ectx, t, "", opt.BatchRows)
			if err != nil {
				return fmt.Errorf("split %s: %w", t.Name, err)
			}
			mu.Lock()
			bounds[planner.SplitKey{Table: t.Name}] = b
			mu.Unlock()
			return nil
		})
	}
	var sizes []planner.Size
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(parallel, 1))
	for _, t := range tables {
		g.Go(func() error {
			var ids []string
			if !t.Shared {
				ids = tenants
			}
			s, err := src.Sizes(gctx, t, ids)
			if err != nil {
				return fmt.Errorf("size table %s: %w", t.Name, err)
			}
			mu.Lock()
			sizes = append(sizes, s...)
			mu.Unlock()
			return nil
		})
	}
	err := g.Wait()
	if err != nil {
		cancel() // the walks are of no use now
	}
	if eerr := early.Wait(); err == nil {
		err = eerr
	}
	if err != nil {
		return nil, err
	}
	batchSizes := rangedAsOne(sizes, byName)
	splits := planner.Splits(specs, batchSizes, opt)
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(max(parallel, 1))
	for _, sp := range splits {
		if byName[sp.Table].Ranged {
			continue // walked above
		}
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
