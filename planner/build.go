package planner

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// DefaultMaxTenantsPerBatch bounds a packed batch's tenant list when
// Options.MaxTenantsPerBatch is 0, so a batch's tenant IN-list stays a sane size.
const DefaultMaxTenantsPerBatch = 1000

// ErrMissingBounds means Build was not given the key boundaries of a split; the
// caller measures them (see Splits) and calls Build again.
var ErrMissingBounds = errors.New("missing key boundaries")

// Build cuts the measured sizes into batches and orders them for claiming.
//
// A (table, tenant) above o.BatchRows becomes key-range batches at the
// boundaries the database measured (bounds, keyed like Splits); smaller tenants
// of one table are packed together first-fit decreasing, up to o.BatchRows rows
// and o.MaxTenantsPerBatch tenants a batch. Batches are ordered largest first
// (the longest jobs start first, which keeps the makespan short), or table by
// table and then largest first with o.TableOrder. The result depends only on the
// values given, not on the order of sizes.
func Build(tables []TableSpec, sizes []Size, bounds map[SplitKey][][]string, o Options) (*Plan, error) {
	order, err := check(tables, sizes, o)
	if err != nil {
		return nil, err
	}
	maxTenants := o.MaxTenantsPerBatch
	if maxTenants == 0 {
		maxTenants = DefaultMaxTenantsPerBatch
	}
	bySize := make(map[SplitKey]Size, len(sizes))
	for _, s := range sizes {
		bySize[SplitKey{Table: s.Table, Tenant: s.Tenant}] = s
	}

	caps := rowCaps(tables, sizes, o)
	var items []item
	for _, sp := range splitsOf(order, sizes, caps) {
		bs, ok := bounds[sp.SplitKey]
		if !ok {
			return nil, fmt.Errorf("plan table %s tenant %q (%d rows in %d pieces): %w",
				sp.Table, sp.Tenant, sp.Rows, sp.Pieces, ErrMissingBounds)
		}
		pieces, err := splitBatches(sp, bySize[sp.SplitKey].Bytes, bs)
		if err != nil {
			return nil, fmt.Errorf("plan table %s tenant %q: %w", sp.Table, sp.Tenant, err)
		}
		for i, b := range pieces {
			items = append(items, item{Batch: b, table: order[sp.Table], piece: i})
		}
	}

	small := make(map[string][]Size)
	for _, s := range sizes {
		if s.Rows > 0 && s.Rows <= caps[s.Table] {
			small[s.Table] = append(small[s.Table], s)
		}
	}
	for _, t := range tables {
		for _, b := range pack(t.Name, small[t.Name], caps[t.Name], maxTenants) {
			items = append(items, item{Batch: b, table: order[t.Name]})
		}
	}

	slices.SortFunc(items, func(a, b item) int {
		if o.TableOrder {
			if c := cmp.Compare(a.table, b.table); c != 0 {
				return c
			}
		}
		if o.Cost != nil {
			if c := cmp.Compare(o.Cost.BatchSeconds(b.Batch), o.Cost.BatchSeconds(a.Batch)); c != 0 {
				return c
			}
		}
		if c := cmp.Compare(b.Rows, a.Rows); c != 0 {
			return c
		}
		if c := cmp.Compare(a.table, b.table); c != 0 {
			return c
		}
		if c := CompareTenants(firstTenant(a.Batch), firstTenant(b.Batch)); c != 0 {
			return c
		}
		return cmp.Compare(a.piece, b.piece)
	})
	p := &Plan{Batches: make([]Batch, len(items))}
	for i, it := range items {
		it.ID = i + 1
		p.Batches[i] = it.Batch
	}
	return p, nil
}

// item is a batch with what orders it beyond its own fields: the table's
// position in the configuration and, for a split, the piece's position in key
// order (comparing key strings would put "10" before "9").
type item struct {
	Batch
	table int
	piece int
}

func firstTenant(b Batch) string {
	if len(b.Tenants) == 0 {
		return ""
	}
	return b.Tenants[0]
}

// check validates the inputs of Build and returns each table's position.
func check(tables []TableSpec, sizes []Size, o Options) (map[string]int, error) {
	if o.BatchRows < 1 {
		return nil, fmt.Errorf("plan: batch rows must be at least 1, got %d", o.BatchRows)
	}
	if o.Workers < 1 {
		return nil, fmt.Errorf("plan: workers must be at least 1, got %d", o.Workers)
	}
	if o.MaxTenantsPerBatch < 0 {
		return nil, fmt.Errorf("plan: max tenants per batch must not be negative, got %d", o.MaxTenantsPerBatch)
	}
	if o.Cost != nil {
		if err := o.Cost.Validate(); err != nil {
			return nil, fmt.Errorf("plan: %w", err)
		}
	}
	order := make(map[string]int, len(tables))
	shared := make(map[string]bool, len(tables))
	for i, t := range tables {
		if t.Name == "" {
			return nil, fmt.Errorf("plan: table %d has no name", i+1)
		}
		if _, dup := order[t.Name]; dup {
			return nil, fmt.Errorf("plan: table %s is listed twice", t.Name)
		}
		order[t.Name] = i
		shared[t.Name] = t.Shared
	}
	seen := make(map[SplitKey]bool, len(sizes))
	for _, s := range sizes {
		if _, ok := order[s.Table]; !ok {
			return nil, fmt.Errorf("plan: size of tenant %q names unknown table %q", s.Tenant, s.Table)
		}
		if s.Rows < 0 || s.Bytes < 0 {
			return nil, fmt.Errorf("plan: table %s tenant %q has negative size (%d rows, %d bytes)", s.Table, s.Tenant, s.Rows, s.Bytes)
		}
		if shared[s.Table] && s.Tenant != "" {
			return nil, fmt.Errorf("plan: shared table %s has a size for tenant %q", s.Table, s.Tenant)
		}
		if !shared[s.Table] && s.Tenant == "" {
			return nil, fmt.Errorf("plan: table %s is not shared but has a size without a tenant", s.Table)
		}
		k := SplitKey{Table: s.Table, Tenant: s.Tenant}
		if seen[k] {
			return nil, fmt.Errorf("plan: table %s tenant %q is sized twice", s.Table, s.Tenant)
		}
		seen[k] = true
	}
	return order, nil
}

// splitBatches cuts one split at the measured inner boundaries bs into
// len(bs)+1 key ranges that together cover every key: [nil, b0), [b0, b1), ...,
// [bn-1, nil). Repeated boundaries are dropped, since they would only add empty
// ranges. When the database returned the expected Pieces-1 boundaries (or
// more, because rows appeared), each range holds Step rows and the last the
// rest; with fewer (rows vanished), the rows are spread evenly.
func splitBatches(sp Split, bytes int64, bs [][]string) ([]Batch, error) {
	var inner [][]string
	for i, b := range bs {
		if len(b) == 0 {
			return nil, fmt.Errorf("key boundary %d is empty", i+1)
		}
		if len(b) != len(bs[0]) {
			return nil, fmt.Errorf("key boundary %d has %d columns, boundary 1 has %d", i+1, len(b), len(bs[0]))
		}
		if len(inner) > 0 && slices.Equal(inner[len(inner)-1], b) {
			continue
		}
		inner = append(inner, b)
	}
	n := len(inner)
	rows := make([]int64, n+1)
	if n >= sp.Pieces-1 {
		// Step rows a range until the measured rows run out: boundaries
		// walked over more rows than the sizing counted (a ranged table's
		// rows without a parent) never make the estimates add up to more.
		left := sp.Rows
		for i := range n + 1 {
			rows[i] = min(sp.Step, left)
			if i == n {
				rows[i] = left
			}
			left -= rows[i]
		}
	} else {
		each, rest := sp.Rows/int64(n+1), sp.Rows%int64(n+1)
		for i := range rows {
			rows[i] = each
			if int64(i) < rest {
				rows[i]++
			}
		}
	}

	tenants := []string{}
	if sp.Tenant != "" {
		tenants = []string{sp.Tenant}
	}
	out := make([]Batch, n+1)
	var cum, prevBytes int64
	for i := range out {
		b := Batch{Table: sp.Table, Tenants: slices.Clone(tenants), Rows: rows[i]}
		if i > 0 {
			b.Lo = slices.Clone(inner[i-1])
		}
		if i < n {
			b.Hi = slices.Clone(inner[i])
		}
		// Bytes follow the rows; going through the running total makes the
		// pieces add up to the measured bytes without rounding drift.
		cum = satAdd(cum, rows[i])
		upTo := mulDiv(bytes, cum, sp.Rows)
		b.Bytes = upTo - prevBytes
		prevBytes = upTo
		out[i] = b
	}
	return out, nil
}

// pack puts the small tenants of one table into as few batches as first-fit
// decreasing finds, each within batchRows rows and maxTenants tenants. A shared
// table has a single size, which becomes a batch with no tenants.
//
// First fit looks for the leftmost batch with room through a max-tree over the
// batches' free rows, so packing n tenants costs O(n log n), not O(n * batches).
func pack(table string, sizes []Size, batchRows int64, maxTenants int) []Batch {
	if len(sizes) == 0 {
		return nil
	}
	slices.SortFunc(sizes, func(a, b Size) int {
		if c := cmp.Compare(b.Rows, a.Rows); c != 0 {
			return c
		}
		return CompareTenants(a.Tenant, b.Tenant)
	})
	// Leaf i holds batch i's free rows, or -1 once it holds maxTenants tenants;
	// there are never more batches than tenants, and a leaf not yet used is an
	// empty batch, so the leftmost fit always exists.
	width := 1
	for width < len(sizes) {
		width *= 2
	}
	free := make([]int64, 2*width)
	for i := range width {
		free[width+i] = -1
		if i < len(sizes) {
			free[width+i] = batchRows
		}
	}
	for i := width - 1; i >= 1; i-- {
		free[i] = max(free[2*i], free[2*i+1])
	}

	var out []Batch
	for _, s := range sizes {
		node := 1
		for node < width {
			node *= 2
			if free[node] < s.Rows {
				node++
			}
		}
		j := node - width
		if j == len(out) {
			out = append(out, Batch{Table: table, Tenants: []string{}})
		}
		b := &out[j]
		if s.Tenant != "" {
			b.Tenants = append(b.Tenants, s.Tenant)
		}
		b.Rows += s.Rows
		b.Bytes = satAdd(b.Bytes, s.Bytes)
		free[node] -= s.Rows
		if len(b.Tenants) >= maxTenants {
			free[node] = -1
		}
		for node /= 2; node >= 1; node /= 2 {
			free[node] = max(free[2*node], free[2*node+1])
		}
	}
	for i := range out {
		slices.SortFunc(out[i].Tenants, CompareTenants)
	}
	return out
}

// mulDiv returns a*b/c for a, b >= 0 and c > 0 without overflowing the
// product, saturating at math.MaxInt64.
func mulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, uint64(c))
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
