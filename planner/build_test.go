package planner

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// key is a primary key of up to two integer columns, as the test's simulated
// database orders it.
type key [2]int64

func compareKeys(a, b key, arity int) int {
	for i := range arity {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func keyStrings(k key, arity int) []string {
	out := make([]string, arity)
	for i := range arity {
		out[i] = strconv.FormatInt(k[i], 10)
	}
	return out
}

func parseKey(t *testing.T, s []string) key {
	t.Helper()
	var k key
	for i, v := range s {
		n, err := strconv.ParseInt(v, 10, 64)
		require.NoError(t, err)
		k[i] = n
	}
	return k
}

// measure does what the database does for a split: the keys at every step-th
// position of the sorted keys, excluding the first row.
func measure(keys []key, arity int, step int64) [][]string {
	var out [][]string
	for i := step; i < int64(len(keys)); i += step {
		out = append(out, keyStrings(keys[i], arity))
	}
	return out
}

// countInRanges checks that the batches' key ranges partition keys, each key
// falling in exactly one batch, and returns how many keys each batch holds.
// It tests every key against every batch instead of trusting the batches'
// order, so it does not share the planner's assumptions.
func countInRanges(t *testing.T, keys []key, arity int, batches []Batch) []int64 {
	t.Helper()
	type rng struct {
		lo, hi       key
		hasLo, hasHi bool
	}
	ranges := make([]rng, len(batches))
	for i, b := range batches {
		if b.Lo != nil {
			require.Len(t, b.Lo, arity, "lo of batch %d", b.ID)
			ranges[i].lo, ranges[i].hasLo = parseKey(t, b.Lo), true
		}
		if b.Hi != nil {
			require.Len(t, b.Hi, arity, "hi of batch %d", b.ID)
			ranges[i].hi, ranges[i].hasHi = parseKey(t, b.Hi), true
		}
	}
	counts := make([]int64, len(batches))
	for _, k := range keys {
		in := -1
		for i, r := range ranges {
			if r.hasLo && compareKeys(k, r.lo, arity) < 0 || r.hasHi && compareKeys(k, r.hi, arity) >= 0 {
				continue
			}
			if in >= 0 {
				t.Fatalf("key %v is in batch %d and batch %d", k, batches[in].ID, batches[i].ID)
			}
			in = i
		}
		if in < 0 {
			t.Fatalf("key %v is in no batch", k)
		}
		counts[in]++
	}
	return counts
}

// snowflakeKeys returns n distinct sorted snowflake-like ids: a 41-bit
// millisecond timestamp, 10-bit worker and 12-bit sequence. Most ids are
// scattered over years with huge gaps; a third come from a burst of a few
// seconds, densely packed.
func snowflakeKeys(n int, seed uint64) []key {
	r := rand.New(rand.NewPCG(seed, 1))
	seen := make(map[int64]bool, n)
	keys := make([]key, 0, n)
	for len(keys) < n {
		var ms, seq int64
		if r.IntN(3) == 0 {
			ms = 1_700_000_000_000 + r.Int64N(3_000)
			seq = r.Int64N(4096)
		} else {
			ms = 1_300_000_000_000 + r.Int64N(400_000_000_000)
			seq = r.Int64N(4)
		}
		id := ms<<22 | r.Int64N(1024)<<12 | seq
		if !seen[id] {
			seen[id] = true
			keys = append(keys, key{id})
		}
	}
	slices.SortFunc(keys, func(a, b key) int { return compareKeys(a, b, 1) })
	return keys
}

// clusterKeys returns n distinct sorted ids: a dense run of consecutive ids in
// the middle of ids spaced by up to a billion.
func clusterKeys(n int, seed uint64) []key {
	r := rand.New(rand.NewPCG(seed, 2))
	keys := make([]key, 0, n)
	id := int64(1)
	for i := range n {
		if i < n/10 || i > n*8/10 {
			id += 1 + r.Int64N(1_000_000_000)
		} else {
			id++
		}
		keys = append(keys, key{id})
	}
	return keys
}

// compositeKeys returns n distinct sorted (day, id) keys: uneven days, sparse ids.
func compositeKeys(n int, seed uint64) []key {
	r := rand.New(rand.NewPCG(seed, 3))
	keys := make([]key, 0, n)
	day, id := int64(20200101), int64(0)
	for range n {
		if r.IntN(1000) == 0 {
			day += 1 + r.Int64N(30)
			id = 0
		}
		id += 1 + r.Int64N(1<<40)
		keys = append(keys, key{day, id})
	}
	return keys
}

func TestBuildSparseKeysGiveEvenBatches(t *testing.T) {
	tests := []struct {
		name      string
		keys      func() []key
		arity     int
		batchRows int64
	}{
		{"snowflake ids with huge gaps and a burst", func() []key { return snowflakeKeys(1_000_003, 7) }, 1, 50_000},
		{"dense cluster between sparse ids", func() []key { return clusterKeys(1_000_003, 7) }, 1, 64_000},
		{"composite day and id", func() []key { return compositeKeys(1_000_003, 7) }, 2, 100_000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			keys := tc.keys()
			tables := []TableSpec{{Name: "events"}}
			sizes := []Size{
				{Table: "events", Tenant: "42", Rows: int64(len(keys)), Bytes: int64(len(keys)) * 80},
				{Table: "events", Tenant: "7", Rows: 10},
			}
			o := Options{BatchRows: tc.batchRows, Workers: 4}
			splits := Splits(tables, sizes, o)
			require.Len(t, splits, 1)
			sp := splits[0]
			bounds := map[SplitKey][][]string{sp.SplitKey: measure(keys, tc.arity, sp.Step)}

			p, err := Build(tables, sizes, bounds, o)
			require.NoError(t, err)
			var giant []Batch
			for _, b := range p.Batches {
				if slices.Equal(b.Tenants, []string{"42"}) {
					giant = append(giant, b)
				}
			}
			require.Len(t, giant, sp.Pieces)

			counts := countInRanges(t, keys, tc.arity, giant)
			var rows, bytes int64
			for i, b := range giant {
				require.Equal(t, counts[i], b.Rows, "batch %d [%v, %v) estimate vs keys in range", b.ID, b.Lo, b.Hi)
				require.LessOrEqual(t, b.Rows, sp.Step, "batch %d", b.ID)
				require.LessOrEqual(t, b.Rows, tc.batchRows, "batch %d", b.ID)
				require.GreaterOrEqual(t, b.Rows, sp.Step-int64(sp.Pieces), "batch %d is uneven", b.ID)
				rows += b.Rows
				bytes += b.Bytes
			}
			require.Equal(t, int64(len(keys)), rows)
			require.Equal(t, sizes[0].Bytes, bytes)
		})
	}
}

// TestBuildBoundsDrift covers a database that changed between sizing and
// measuring: the ranges must still cover every key exactly once.
func TestBuildBoundsDrift(t *testing.T) {
	measured := clusterKeys(10_007, 11)
	tests := []struct {
		name string
		now  []key // the keys when boundaries are measured
	}{
		{"rows vanished", measured[:6_000]},
		{"most rows vanished", measured[:5]},
		{"all rows vanished", nil},
		{"rows appeared", append(slices.Clone(measured), clusterKeys(4_000, 12)...)},
		{"unchanged", measured},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := slices.Clone(tc.now)
			slices.SortFunc(now, func(a, b key) int { return compareKeys(a, b, 1) })
			now = slices.CompactFunc(now, func(a, b key) bool { return a == b })
			tables := []TableSpec{{Name: "t"}}
			sizes := []Size{{Table: "t", Tenant: "1", Rows: int64(len(measured)), Bytes: 1_000_700}}
			o := Options{BatchRows: 1_000, Workers: 1}
			sp := Splits(tables, sizes, o)[0]
			bs := measure(now, 1, sp.Step)

			p, err := Build(tables, sizes, map[SplitKey][][]string{sp.SplitKey: bs}, o)
			require.NoError(t, err)
			require.Len(t, p.Batches, len(bs)+1)
			countInRanges(t, now, 1, p.Batches)

			var rows, bytes, lo, hi int64 = 0, 0, p.Batches[0].Rows, p.Batches[0].Rows
			for _, b := range p.Batches {
				rows += b.Rows
				bytes += b.Bytes
				lo, hi = min(lo, b.Rows), max(hi, b.Rows)
			}
			if len(bs) < sp.Pieces-1 {
				require.Equal(t, sizes[0].Rows, rows, "fewer boundaries: measured rows spread over the ranges")
				require.Equal(t, sizes[0].Bytes, bytes)
				require.LessOrEqual(t, hi-lo, int64(1), "spread evenly")
			} else {
				require.Equal(t, sp.Step, hi)
				require.GreaterOrEqual(t, rows, sizes[0].Rows)
			}
		})
	}
}

func TestBuildSplitsGiantTenantAndPacksTheRest(t *testing.T) {
	tables := []TableSpec{{Name: "transactions"}}
	var sizes []Size
	var total, others int64
	for i := 1; i <= 1000; i++ {
		rows := int64(500 + i*37%881)
		if i == 17 {
			rows = 60_000
		} else {
			others += rows
		}
		total += rows
		sizes = append(sizes, Size{Table: "transactions", Tenant: strconv.Itoa(i), Rows: rows, Bytes: rows * 120})
	}
	const batchRows = 5_000
	o := Options{BatchRows: batchRows, Workers: 8, MaxTenantsPerBatch: 50}

	splits := Splits(tables, sizes, o)
	require.Equal(t, []Split{{SplitKey: SplitKey{"transactions", "17"}, Rows: 60_000, Pieces: 12, Step: 5_000}}, splits)
	var bs [][]string
	for i := 1; i < 12; i++ {
		bs = append(bs, []string{strconv.Itoa(i * 5_000 * 1_000)})
	}
	p, err := Build(tables, sizes, map[SplitKey][][]string{splits[0].SplitKey: bs}, o)
	require.NoError(t, err)

	s := Summarize(p, sizes, o.Workers)
	require.Equal(t, "17", s.LargestTenant)
	require.InDelta(t, 0.06, s.LargestTenantShare, 0.005, "the giant holds about 6%% of all rows")
	require.Equal(t, total, s.Rows)

	seen := map[string]int{}
	var giant []Batch
	var packed int
	for _, b := range p.Batches {
		require.LessOrEqual(t, b.Rows, int64(batchRows), "batch %d", b.ID)
		require.LessOrEqual(t, len(b.Tenants), 50, "batch %d", b.ID)
		require.Equal(t, "transactions", b.Table)
		if slices.Contains(b.Tenants, "17") {
			require.Equal(t, []string{"17"}, b.Tenants, "the giant is never packed with others")
			giant = append(giant, b)
			continue
		}
		packed++
		require.Nil(t, b.Lo)
		require.Nil(t, b.Hi)
		for _, tn := range b.Tenants {
			seen[tn]++
		}
	}
	require.Len(t, seen, 999)
	for tn, n := range seen {
		require.Equal(t, 1, n, "tenant %s packed once", tn)
	}

	require.Len(t, giant, 12)
	require.Nil(t, giant[0].Lo)
	require.Nil(t, giant[11].Hi)
	for i, b := range giant {
		require.Equal(t, int64(5_000), b.Rows)
		require.Equal(t, int64(5_000*120), b.Bytes)
		if i > 0 {
			require.Equal(t, giant[i-1].Hi, b.Lo, "piece %d starts where piece %d ends", i, i-1)
		}
	}
	// Largest first: the giant's full pieces come before every packed batch
	// that holds less; packed batches just as full come first when their first
	// tenant is smaller.
	for i, b := range p.Batches {
		require.Equal(t, i+1, b.ID)
		if i > 0 {
			prev := p.Batches[i-1]
			require.GreaterOrEqual(t, prev.Rows, b.Rows, "batch %d before %d", prev.ID, b.ID)
			if prev.Rows == b.Rows {
				require.LessOrEqual(t, CompareTenants(prev.Tenants[0], b.Tenants[0]), 0, "batch %d before %d", prev.ID, b.ID)
			}
		}
	}
	require.Equal(t, int64(batchRows), p.Batches[giant[11].ID-1].Rows)
	minBatches := int((others + batchRows - 1) / batchRows)
	require.LessOrEqual(t, packed, minBatches+minBatches/20, "packed within 5%% of the %d batches the rows need", minBatches)
}

func TestBuildPacksThousandsOfTinyTenants(t *testing.T) {
	tests := []struct {
		name       string
		tenants    int
		id         func(i int) string
		batchRows  int64
		maxTenants int
		slack      int64 // batches allowed above the lower bound
	}{
		{"row bound", 5_000, strconv.Itoa, 1_000, 0, 1},
		{"tenant bound", 5_000, strconv.Itoa, 100_000, 100, 1},
		{"default tenant bound", 5_000, strconv.Itoa, 1_000_000, 0, 1},
		{"small batches", 5_000, strconv.Itoa, 25, 0, 1},
		{"text ids", 5_000, func(i int) string { return fmt.Sprintf("merchant-%d", i) }, 1_000, 0, 1},
		// Both bounds at once: first-fit decreasing by rows fills the first
		// batches with big tenants and the last ones with many tiny tenants, so
		// it ends some way above the (loose) lower bound of 125.
		{"both bounds", 5_000, strconv.Itoa, 500, 40, 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(5, 5))
			tables := []TableSpec{{Name: "merchants"}}
			want := map[string]int64{}
			var sizes []Size
			var total int64
			for i := range tc.tenants {
				rows := 1 + r.Int64N(20)
				id := tc.id(i + 1)
				want[id] = rows
				total += rows
				sizes = append(sizes, Size{Table: "merchants", Tenant: id, Rows: rows, Bytes: rows * 10})
			}
			o := Options{BatchRows: tc.batchRows, Workers: 2, MaxTenantsPerBatch: tc.maxTenants}
			maxTenants := tc.maxTenants
			if maxTenants == 0 {
				maxTenants = DefaultMaxTenantsPerBatch
			}
			require.Empty(t, Splits(tables, sizes, o))

			p, err := Build(tables, sizes, nil, o)
			require.NoError(t, err)
			seen := map[string]bool{}
			for _, b := range p.Batches {
				require.LessOrEqual(t, b.Rows, tc.batchRows, "batch %d", b.ID)
				require.LessOrEqual(t, len(b.Tenants), maxTenants, "batch %d", b.ID)
				require.True(t, slices.IsSortedFunc(b.Tenants, CompareTenants), "tenants of batch %d sorted", b.ID)
				var rows int64
				for _, tn := range b.Tenants {
					require.False(t, seen[tn], "tenant %s in two batches", tn)
					seen[tn] = true
					rows += want[tn]
				}
				require.Equal(t, rows, b.Rows, "batch %d rows are its tenants' rows", b.ID)
				require.Equal(t, rows*10, b.Bytes, "batch %d", b.ID)
			}
			require.Len(t, seen, tc.tenants, "every tenant in a batch")

			lower := max((total+tc.batchRows-1)/tc.batchRows, int64((tc.tenants+maxTenants-1)/maxTenants))
			require.LessOrEqual(t, int64(len(p.Batches)), lower+tc.slack, "few batches: lower bound %d", lower)
		})
	}
}

func TestBuildOrder(t *testing.T) {
	tables := []TableSpec{{Name: "orders"}, {Name: "items"}, {Name: "config", Shared: true}}
	sizes := []Size{
		{Table: "items", Tenant: "4", Rows: 25},
		{Table: "orders", Tenant: "10", Rows: 70},
		{Table: "config", Rows: 24},
		{Table: "orders", Tenant: "9", Rows: 24},
		{Table: "items", Tenant: "3", Rows: 25},
		{Table: "orders", Tenant: "2", Rows: 5},
		{Table: "items", Tenant: "5", Rows: 0},
	}
	bounds := map[SplitKey][][]string{{Table: "orders", Tenant: "10"}: {{"100"}, {"200"}}}
	tests := []struct {
		name       string
		tableOrder bool
		want       []string
	}{
		{
			name: "largest first across tables",
			want: []string{
				"1 orders [2 9] [,) 29",
				"2 items [3] [,) 25",
				"3 items [4] [,) 25",
				"4 orders [10] [,100) 24",
				"5 orders [10] [100,200) 24",
				"6 config [] [,) 24",
				"7 orders [10] [200,) 22",
			},
		},
		{
			name:       "table order, then largest first",
			tableOrder: true,
			want: []string{
				"1 orders [2 9] [,) 29",
				"2 orders [10] [,100) 24",
				"3 orders [10] [100,200) 24",
				"4 orders [10] [200,) 22",
				"5 items [3] [,) 25",
				"6 items [4] [,) 25",
				"7 config [] [,) 24",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Build(tables, sizes, bounds, Options{BatchRows: 30, Workers: 2, TableOrder: tc.tableOrder})
			require.NoError(t, err)
			var got []string
			for _, b := range p.Batches {
				got = append(got, fmt.Sprintf("%d %s %v [%s,%s) %d", b.ID, b.Table, b.Tenants, join(b.Lo), join(b.Hi), b.Rows))
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestBuildTiesByTenantNumerically(t *testing.T) {
	tables := []TableSpec{{Name: "t"}}
	sizes := []Size{
		{Table: "t", Tenant: "10", Rows: 20},
		{Table: "t", Tenant: "9", Rows: 20},
		{Table: "t", Tenant: "100", Rows: 20},
	}
	p, err := Build(tables, sizes, nil, Options{BatchRows: 30, Workers: 1})
	require.NoError(t, err)
	var got [][]string
	for _, b := range p.Batches {
		got = append(got, b.Tenants)
	}
	require.Equal(t, [][]string{{"9"}, {"10"}, {"100"}}, got)
}

func join(key []string) string {
	if key == nil {
		return ""
	}
	return fmt.Sprint(key)[1 : len(fmt.Sprint(key))-1]
}

func TestBuildSharedTables(t *testing.T) {
	tables := []TableSpec{{Name: "currencies", Shared: true}, {Name: "countries", Shared: true}, {Name: "orders"}}
	sizes := []Size{
		{Table: "currencies", Rows: 25, Bytes: 2_500},
		{Table: "countries", Rows: 8, Bytes: 800},
		{Table: "orders", Tenant: "1", Rows: 3, Bytes: 300},
	}
	bounds := map[SplitKey][][]string{{Table: "currencies"}: {{"AUD"}, {"GBP"}}}
	p, err := Build(tables, sizes, bounds, Options{BatchRows: 10, Workers: 1})
	require.NoError(t, err)

	data, err := json.Marshal(p)
	require.NoError(t, err)
	require.JSONEq(t, `{"batches":[
		{"id":1,"table":"currencies","tenants":[],"hi":["AUD"],"rows":9,"bytes":900},
		{"id":2,"table":"currencies","tenants":[],"lo":["AUD"],"hi":["GBP"],"rows":9,"bytes":900},
		{"id":3,"table":"countries","tenants":[],"rows":8,"bytes":800},
		{"id":4,"table":"currencies","tenants":[],"lo":["GBP"],"rows":7,"bytes":700},
		{"id":5,"table":"orders","tenants":["1"],"rows":3,"bytes":300}
	]}`, string(data))

	s := Summarize(p, sizes, 1)
	require.Equal(t, 1, s.Tenants, "shared tables add no tenant")
	require.Equal(t, 3, s.Tables)
}

func TestBuildErrors(t *testing.T) {
	tables := []TableSpec{{Name: "orders"}, {Name: "config", Shared: true}}
	ok := Options{BatchRows: 10, Workers: 2}
	big := []Size{{Table: "orders", Tenant: "7", Rows: 25}}
	tests := []struct {
		name    string
		tables  []TableSpec
		sizes   []Size
		bounds  map[SplitKey][][]string
		o       Options
		wantErr string
		is      error
	}{
		{name: "batch rows zero", o: Options{Workers: 1}, wantErr: "batch rows must be at least 1, got 0"},
		{name: "workers zero", o: Options{BatchRows: 10}, wantErr: "workers must be at least 1, got 0"},
		{name: "negative tenant bound", o: Options{BatchRows: 10, Workers: 1, MaxTenantsPerBatch: -1}, wantErr: "max tenants per batch must not be negative"},
		{name: "unknown table", sizes: []Size{{Table: "nope", Tenant: "1", Rows: 1}}, o: ok, wantErr: `unknown table "nope"`},
		{name: "duplicate size", sizes: []Size{{Table: "orders", Tenant: "1", Rows: 1}, {Table: "orders", Tenant: "1", Rows: 2}}, o: ok, wantErr: `table orders tenant "1" is sized twice`},
		{name: "duplicate shared size", sizes: []Size{{Table: "config", Rows: 1}, {Table: "config", Rows: 1}}, o: ok, wantErr: `table config tenant "" is sized twice`},
		{name: "tenant on shared table", sizes: []Size{{Table: "config", Tenant: "1", Rows: 1}}, o: ok, wantErr: `shared table config has a size for tenant "1"`},
		{name: "no tenant on tenant table", sizes: []Size{{Table: "orders", Rows: 1}}, o: ok, wantErr: "table orders is not shared but has a size without a tenant"},
		{name: "negative rows", sizes: []Size{{Table: "orders", Tenant: "1", Rows: -1}}, o: ok, wantErr: "negative size"},
		{name: "duplicate table", tables: []TableSpec{{Name: "a"}, {Name: "a"}}, o: ok, wantErr: "table a is listed twice"},
		{name: "unnamed table", tables: []TableSpec{{Name: ""}}, o: ok, wantErr: "table 1 has no name"},
		{name: "missing bounds", sizes: big, o: ok, wantErr: `plan table orders tenant "7" (25 rows in 3 pieces): missing key boundaries`, is: ErrMissingBounds},
		{name: "bounds of another tenant", sizes: big, bounds: map[SplitKey][][]string{{Table: "orders", Tenant: "8"}: {{"1"}}}, o: ok, wantErr: `tenant "7"`, is: ErrMissingBounds},
		{name: "empty boundary", sizes: big, bounds: map[SplitKey][][]string{{Table: "orders", Tenant: "7"}: {{"1"}, {}}}, o: ok, wantErr: `plan table orders tenant "7": key boundary 2 is empty`},
		{name: "ragged boundaries", sizes: big, bounds: map[SplitKey][][]string{{Table: "orders", Tenant: "7"}: {{"1"}, {"2", "3"}}}, o: ok, wantErr: "key boundary 2 has 2 columns, boundary 1 has 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tbl := tc.tables
			if tbl == nil {
				tbl = tables
			}
			p, err := Build(tbl, tc.sizes, tc.bounds, tc.o)
			require.Nil(t, p)
			require.ErrorContains(t, err, tc.wantErr)
			if tc.is != nil {
				require.ErrorIs(t, err, tc.is)
			} else {
				require.False(t, errors.Is(err, ErrMissingBounds))
			}
		})
	}
}

func TestBuildEdgeCases(t *testing.T) {
	tables := []TableSpec{{Name: "t"}}
	o := Options{BatchRows: 10, Workers: 1}
	tests := []struct {
		name   string
		sizes  []Size
		bounds map[SplitKey][][]string
		want   []string
	}{
		{name: "nothing to copy", want: nil},
		{name: "zero rows make nothing", sizes: []Size{{Table: "t", Tenant: "1"}}, want: nil},
		{
			name:   "no boundaries measured: one unbounded range",
			sizes:  []Size{{Table: "t", Tenant: "1", Rows: 25}},
			bounds: map[SplitKey][][]string{{Table: "t", Tenant: "1"}: nil},
			want:   []string{"1 t [1] [,) 25"},
		},
		{
			name:   "repeated boundaries are dropped",
			sizes:  []Size{{Table: "t", Tenant: "1", Rows: 25}},
			bounds: map[SplitKey][][]string{{Table: "t", Tenant: "1"}: {{"5"}, {"5"}}},
			want:   []string{"1 t [1] [,5) 13", "2 t [1] [5,) 12"},
		},
		{
			name:   "more boundaries than pieces: the rest is estimated empty",
			sizes:  []Size{{Table: "t", Tenant: "1", Rows: 20}},
			bounds: map[SplitKey][][]string{{Table: "t", Tenant: "1"}: {{"5"}, {"9"}}},
			want:   []string{"1 t [1] [,5) 10", "2 t [1] [5,9) 10", "3 t [1] [9,) 0"},
		},
		{
			name:   "unused bounds are ignored",
			sizes:  []Size{{Table: "t", Tenant: "1", Rows: 2}},
			bounds: map[SplitKey][][]string{{Table: "t", Tenant: "2"}: {{"5"}}},
			want:   []string{"1 t [1] [,) 2"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Build(tables, tc.sizes, tc.bounds, o)
			require.NoError(t, err)
			require.NotNil(t, p)
			var got []string
			for _, b := range p.Batches {
				got = append(got, fmt.Sprintf("%d %s %v [%s,%s) %d", b.ID, b.Table, b.Tenants, join(b.Lo), join(b.Hi), b.Rows))
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	tables, sizes, bounds := heavyTailed(800, 3)
	o := Options{BatchRows: 20_000, Workers: 4, MaxTenantsPerBatch: 30}
	given := slices.Clone(sizes)
	first, err := Build(tables, sizes, bounds, o)
	require.NoError(t, err)
	require.Equal(t, given, sizes, "Build leaves its input alone")
	want, err := json.Marshal(first)
	require.NoError(t, err)

	r := rand.New(rand.NewPCG(9, 9))
	for i := range 5 {
		t.Run(fmt.Sprintf("run %d, sizes shuffled", i+1), func(t *testing.T) {
			shuffled := slices.Clone(sizes)
			if i > 0 {
				r.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
			}
			p, err := Build(tables, shuffled, bounds, o)
			require.NoError(t, err)
			got, err := json.Marshal(p)
			require.NoError(t, err)
			require.Equal(t, string(want), string(got))
			require.Equal(t, Fingerprint(first), Fingerprint(p))
		})
	}
}
