package migrate

import (
	"context"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/planner"
)

// Source is what the engine needs from the database rows are read from. The
// MySQL and Oracle adapters implement it and pass the shared conformance suite
// in internal/sourcetest.
type Source interface {
	// Describe reports a table's columns and keys; an unknown table is an error
	// wrapping catalog.ErrNotFound.
	Describe(ctx context.Context, table string) (*catalog.Info, error)
	// Sizes counts rows (and estimates bytes) per tenant of t, restricted to
	// tenants when it is not empty. A shared table yields one Size with Tenant "".
	Sizes(ctx context.Context, t *catalog.Table, tenants []string) ([]planner.Size, error)
	// Boundaries returns the keys of t's rows of tenant (all rows for a shared
	// table) at every step-th position in key order, excluding the first row: the
	// inner boundaries of key-range batches of step rows each, ascending.
	Boundaries(ctx context.Context, t *catalog.Table, tenant string, step int64) ([][]string, error)
	// Open returns a reader for one worker; it owns its own connection.
	Open(ctx context.Context) (Reader, error)
	Close() error
}

// Reader streams the rows of one batch. It belongs to one worker.
type Reader interface {
	// Rows calls fn for each row of scope, in key order except for tables
	// reached through a parent (Via), whose order is free. Each value is the text
	// MySQL should receive for the target column (raw bytes for binary columns),
	// nil for NULL. fn must not keep row or its values after it returns.
	Rows(ctx context.Context, scope catalog.Scope, fn func(row [][]byte) error) (int64, error)
	Close() error
}
