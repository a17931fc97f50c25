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

// sizeTables sizes every table per tenant (of tenants, when not empty).
func sizeTables(ctx context.Context, src Source, tables []*catalog.Table, tenants []string, parallel int) ([]planner.Size, error) {
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
	return sizes, nil
}
