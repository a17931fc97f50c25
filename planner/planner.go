// Package planner turns measured sizes into balanced batches. It is pure: sizes
// and key boundaries in, batches and summaries out; it never touches a database.
package planner

// Size is the measured volume of one (table, tenant). Tenant is "" for a shared
// table, which belongs to no tenant.
type Size struct {
	Table  string `json:"table"`
	Tenant string `json:"tenant"`
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
}

// TableSpec is what the planner needs to know of a configured table.
type TableSpec struct {
	Name   string
	Shared bool
}

// Options bound the batches.
type Options struct {
	BatchRows int64 // upper bound of rows in one batch
	Workers   int
	// MaxTenantsPerBatch bounds the tenant list of a packed batch (default 1000).
	MaxTenantsPerBatch int
	// TableOrder makes every batch of an earlier table come before any batch of a
	// later one; otherwise batches are ordered largest first across tables.
	TableOrder bool
	// Cost, when set, balances batches by estimated cost instead of rows: each
	// table's batches are cut to rows of equal cost, small enough that the
	// critical path stays within CriticalPathShare of total cost / Workers
	// (BatchRows stays the upper bound), and batches are ordered by cost.
	Cost *Model
}

// SplitKey names one (table, tenant).
type SplitKey struct{ Table, Tenant string }

// Split is a (table, tenant) too large for one batch: it is cut into Pieces key
// ranges of Step rows (the last takes the remainder).
type Split struct {
	SplitKey
	Rows   int64
	Pieces int
	Step   int64
}

// Batch is one unit of work: rows of one table for a list of tenants (none for a
// shared table), optionally within the key range [Lo, Hi).
type Batch struct {
	ID      int      `json:"id"`
	Table   string   `json:"table"`
	Tenants []string `json:"tenants"`
	Lo      []string `json:"lo,omitempty"`
	Hi      []string `json:"hi,omitempty"`
	Rows    int64    `json:"rows"`
	Bytes   int64    `json:"bytes"`
}

// Plan is the ordered list of batches; IDs are 1..n in claim order.
type Plan struct {
	Batches []Batch `json:"batches"`
}
