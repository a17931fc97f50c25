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
		specs[i] = planner.TableSpec{Name: t.Name, Shared: t.Shared}
	}
	var mu sync.Mutex
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
	if err := g.Wait(); err != nil {
		return nil, err
	}
	splits := planner.Splits(specs, sizes, opt)
	bounds := make(map[planner.SplitKey][][]string, len(splits))
	g, gctx = errgroup.WithContext(ctx)
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
	plan, err := planner.Build(specs, sizes, bounds, opt)
	if err != nil {
		return nil, fmt.Errorf("build plan: %w", err)
	}
	return &Sized{Sizes: sizes, Plan: plan}, nil
}
