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
		specs[i] = planner.TableSpec{Name: t.Name, Shared: t.Shared}
	}
	splits := planner.Splits(specs, sizes, opt)
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
	plan, err := planner.Build(specs, sizes, bounds, opt)
	if err != nil {
		return nil, fmt.Errorf("build plan: %w", err)
	}
	return &Sized{Sizes: sizes, Plan: plan}, nil
}
