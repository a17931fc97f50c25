package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
)

// RowCounter counts every row of a table, whatever its tenant (COUNT(*)).
type RowCounter interface {
	RowCount(ctx context.Context, t *catalog.Table) (int64, error)
}

// Outside is a tenant table whose target holds rows that no tenant's count
// reaches: rows whose parent row is gone, whose tenant is NULL, or (with
// tenant.ids) of a tenant outside the plan. No batch reads them, so the
// per-tenant counts and checksums cannot see them.
type Outside struct {
	Table       string `json:"table"`
	TargetTable string `json:"target_table"`
	// All is the target's COUNT(*); InTenants the rows counted through the
	// tenants (the join for a via table).
	All       int64 `json:"target_rows_all"`
	InTenants int64 `json:"target_rows_in_tenants"`
}

// Rows is how many target rows are outside every tenant counted.
func (o Outside) Rows() int64 { return o.All - o.InTenants }

// CountOutside counts every target row of each tenant table of rep next to
// its rows counted through the tenants, records the tables where the two
// differ in rep.Outside (then rep is not equal), and fills TargetAll. Call it
// only when the counts covered every tenant of the plan (not for --tenant).
func CountOutside(ctx context.Context, tgt RowCounter, tables []*catalog.Table, rep *Report, parallel int) error {
	byName := map[string]*catalog.Table{}
	for _, t := range tables {
		byName[t.Name] = t
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(parallel, 1))
	for i := range rep.Tables {
		tc := &rep.Tables[i]
		t := byName[tc.Table]
		if t == nil || t.Shared {
			continue
		}
		g.Go(func() error {
			n, err := tgt.RowCount(gctx, TargetView(t))
			if err != nil {
				return fmt.Errorf("count every row of %s: %w", t.Target, err)
			}
			mu.Lock()
			defer mu.Unlock()
			tc.TargetAll = &n
			if n != tc.Target {
				rep.Outside = append(rep.Outside, Outside{Table: t.Name, TargetTable: t.Target, All: n, InTenants: tc.Target})
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	// In config order, as the tables are.
	ordered := rep.Outside[:0:0]
	for _, tc := range rep.Tables {
		for _, o := range rep.Outside {
			if o.Table == tc.Table {
				ordered = append(ordered, o)
			}
		}
	}
	rep.Outside = ordered
	rep.Equal = rep.Equal && len(rep.Outside) == 0
	return nil
}

// StrayHint is the hint for a tenant that has rows only in the target: no
// batch of the plan copied them.
func StrayHint(tenant string, counts *Report) string {
	var in []string
	for _, d := range counts.Differences {
		if d.Tenant == tenant && d.Source == 0 {
			in = append(in, fmt.Sprintf("%s: %d", d.Table, d.Target))
		}
	}
	return fmt.Sprintf("tenant %s has rows only in the target (%s) and none in the source, so no batch of the plan copied them: they were written by something else; delete them from the target (or, if the tenant is new in the source, plan again)",
		tenant, strings.Join(in, ", "))
}

// NothingCopiedError is a verify before any batch of the run was copied.
type NothingCopiedError struct {
	RunID   int64
	Done    int
	Batches int
}

func (e *NothingCopiedError) Error() string {
	return fmt.Sprintf("nothing copied yet: run %d has %d of %d batches done", e.RunID, e.Done, e.Batches)
}

// ErrNothingCopied matches every NothingCopiedError with errors.Is.
var ErrNothingCopied = errors.New("nothing copied yet")

func (e *NothingCopiedError) Is(target error) bool { return target == ErrNothingCopied }

// CheckCopied says how many batches of run runID are done, of how many; it
// returns a NothingCopiedError when none is.
func CheckCopied(ctx context.Context, l Ledger, runID int64) (done, batches int, err error) {
	all, err := l.Batches(ctx, runID)
	if err != nil {
		return 0, 0, err
	}
	for _, b := range all {
		if b.State == checkpoint.Done {
			done++
		}
	}
	return done, len(all), copied(runID, all)
}

func copied(runID int64, all []*checkpoint.Batch) error {
	if len(all) == 0 {
		return nil // an empty source: nothing to copy
	}
	for _, b := range all {
		if b.State == checkpoint.Done {
			return nil
		}
	}
	return &NothingCopiedError{RunID: runID, Batches: len(all)}
}

// CountOutsideIf is CountOutside when the target can count every row of a
// table (a RowCounter), and nothing otherwise.
func CountOutsideIf(ctx context.Context, tgt any, tables []*catalog.Table, rep *Report, parallel int) error {
	rc, ok := tgt.(RowCounter)
	if !ok {
		return nil
	}
	return CountOutside(ctx, rc, tables, rep, parallel)
}
