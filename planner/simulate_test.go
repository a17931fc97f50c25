package planner

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSimulateListSchedulesInClaimOrder(t *testing.T) {
	// Costs 5, 4, 3, 3, 1 on two workers, worked by hand:
	// w1: 5 [0,5) then 3 [5,8); w2: 4 [0,4), 3 [4,7), 1 [7,8).
	s := simulate([]float64{5, 4, 3, 3, 1}, 2)
	want := []Slot{
		{Batch: 0, Worker: 1, Start: 0, End: 5},
		{Batch: 1, Worker: 2, Start: 0, End: 4},
		{Batch: 2, Worker: 2, Start: 4, End: 7},
		{Batch: 3, Worker: 1, Start: 5, End: 8},
		{Batch: 4, Worker: 2, Start: 7, End: 8},
	}
	require.Equal(t, want, s.Slots)
	require.Equal(t, 8.0, s.Makespan)
	require.Equal(t, 16.0, s.Total)
	require.Equal(t, 8.0, s.LowerBound)
	require.Equal(t, 5.0, s.Largest)
	require.Equal(t, want[3], s.Critical, "the first batch to end at the makespan")

	one := simulate([]float64{2, 3}, 0)
	require.Equal(t, 1, one.Workers)
	require.Equal(t, 5.0, one.Makespan)

	empty := simulate(nil, 4)
	require.Zero(t, empty.Makespan)
	require.Equal(t, 1.0, empty.Ratio())
}

func TestSimulateUsesTheModelPerTable(t *testing.T) {
	m := Model{
		Default: Cost{Fixed: 1, PerRow: 1},
		Tables:  map[string]Cost{"docs": {Fixed: 0, PerRow: 0, PerByte: 0.5}},
	}
	p := &Plan{Batches: []Batch{
		{ID: 1, Table: "docs", Rows: 1, Bytes: 20}, // 10 s
		{ID: 2, Table: "t", Rows: 3, Bytes: 1000},  // 4 s
		{ID: 3, Table: "t", Rows: 1, Bytes: 1000},  // 2 s
	}}
	s := Simulate(p, m, 2)
	require.Equal(t, 10.0, s.Makespan)
	require.Equal(t, 1, s.Critical.Batch)
	require.Equal(t, []int{1, 2, 3}, []int{s.Slots[0].Batch, s.Slots[1].Batch, s.Slots[2].Batch})
	require.Equal(t, 2, s.Slots[2].Worker)
	require.Equal(t, 4.0, s.Slots[2].Start)
}

func TestModelValidate(t *testing.T) {
	require.NoError(t, DefaultModel().Validate())
	for name, m := range map[string]Model{
		"negative":  {Default: Cost{Fixed: -1, PerRow: 1}},
		"NaN":       {Default: Cost{PerRow: math.NaN()}},
		"free rows": {Default: Cost{Fixed: 1}},
		"bad table": {Default: Cost{PerRow: 1}, Tables: map[string]Cost{"x": {PerByte: math.Inf(1)}}},
	} {
		require.Error(t, m.Validate(), name)
	}
	_, err := Build([]TableSpec{{Name: "t"}}, nil, nil, Options{BatchRows: 10, Workers: 1, Cost: &Model{}})
	require.ErrorContains(t, err, "cost nothing")
}

func TestFitWindow(t *testing.T) {
	m := Model{Default: Cost{PerRow: 1}}
	p := &Plan{}
	for i := range 10 {
		p.Batches = append(p.Batches, Batch{ID: i + 1, Table: "t", Rows: 10})
	}
	// 100 s of 10 s batches: 4 workers need 30 s, 5 need 20 s.
	f := FitWindow(p, m, 25, 64)
	require.True(t, f.Fits)
	require.Equal(t, 5, f.Workers)
	require.Equal(t, 20.0, f.Schedule.Makespan)

	f = FitWindow(p, m, 100, 64)
	require.True(t, f.Fits)
	require.Equal(t, 1, f.Workers)

	// No count beats the largest batch.
	f = FitWindow(p, m, 5, 64)
	require.False(t, f.Fits)
	require.Equal(t, 64, f.Workers)
	require.Equal(t, 5.0, f.Over)

	// Too few workers allowed: says by how much the best one misses.
	f = FitWindow(p, m, 25, 3)
	require.False(t, f.Fits)
	require.Equal(t, 3, f.Workers)
	require.Equal(t, 40.0-25, f.Over)
}

func TestLargestTenantAndNaive(t *testing.T) {
	m := Model{Default: Cost{Fixed: 1, PerRow: 1}}
	sizes := []Size{
		{Table: "a", Tenant: "1", Rows: 10}, {Table: "b", Tenant: "1", Rows: 20},
		{Table: "a", Tenant: "2", Rows: 40},
		{Table: "s", Rows: 30},
	}
	lt := LargestTenant(sizes, m)
	require.Equal(t, "2", lt.Tenant)
	require.Equal(t, 40.0, lt.Seconds)
	require.InDelta(t, 0.4, lt.Share, 1e-12)

	// Tasks: tenant 2 = 41, shared = 31, tenant 1 = 32 (two fixed costs).
	n := NaiveSchedule(sizes, m, 2)
	require.Equal(t, 104.0, n.Total)
	require.Equal(t, 41.0+0, n.Slots[0].End)
	require.Equal(t, 63.0, n.Makespan) // 32 then 31 on the second worker
}

// population is a tenant mix like the production one behind the design: 3,000
// tenants with Pareto-distributed volumes over three tenant tables of very
// different row widths (40-byte lines, 300-byte merchants, 4 kB LOB documents)
// and a shared table, with the largest tenant holding about 6% of the work.
func population(t testing.TB) ([]TableSpec, []Size) {
	r := rand.New(rand.NewPCG(2026, 11))
	tables := []TableSpec{{Name: "merchants"}, {Name: "transactions"}, {Name: "documents"}, {Name: "currencies", Shared: true}}
	var sizes []Size
	add := func(id string, tx int64) {
		sizes = append(sizes,
			Size{Table: "merchants", Tenant: id, Rows: 1 + tx/100, Bytes: (1 + tx/100) * 300},
			Size{Table: "transactions", Tenant: id, Rows: tx, Bytes: tx * 40},
			Size{Table: "documents", Tenant: id, Rows: tx / 40, Bytes: tx / 40 * 4_000})
	}
	raw := make([]float64, 3_000)
	var sum float64
	for i := range raw {
		raw[i] = 5_000 / math.Pow(1-r.Float64(), 1/1.2)
		sum += raw[i]
	}
	// The next largest tenants hold up to 2.5% each, below the giant.
	var rest int64
	for i := 1; i < len(raw); i++ {
		tx := int64(math.Min(raw[i], 0.025*sum))
		rest += tx
		add(strconv.Itoa(i+1), tx)
	}
	// Tenant 1 is the giant: 6% of all transactions, the rest of its tables in
	// proportion.
	add("1", rest*6/94)
	sizes = append(sizes, Size{Table: "currencies", Rows: 180, Bytes: 9_000})
	share := LargestTenant(sizes, DefaultModel()).Share
	if share < 0.055 || share > 0.065 {
		t.Fatalf("population: largest tenant holds %.1f%%, want about 6%%", 100*share)
	}
	return tables, sizes
}

// planFor builds the cost-balanced plan of the population for workers, with
// boundaries made up as a database would return them.
func planFor(t testing.TB, tables []TableSpec, sizes []Size, m Model, workers int) *Plan {
	o := Options{BatchRows: 50_000, Workers: workers, Cost: &m}
	p, err := Build(tables, sizes, fakeBounds(tables, sizes, o), o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPlanStaysNearTheLowerBound is the planner's promise on a production-like
// population: with 8 to 64 workers the simulated makespan is within 5% of the
// lower bound max(total / workers, largest batch), where one task per tenant
// waits for the giant. The simulation is deterministic, so this is not a timed
// test.
func TestPlanStaysNearTheLowerBound(t *testing.T) {
	tables, sizes := population(t)
	// The population was made for a model with a 20 ms fixed cost a batch
	// (the default before it was measured at 3 ms): with 8 and 16 workers the
	// naive schedule fails on its per-tenant overhead there.
	m := DefaultModel()
	m.Default.Fixed = 0.020
	for _, n := range []int{8, 16, 32, 64} {
		t.Run(fmt.Sprintf("workers=%d", n), func(t *testing.T) {
			p := planFor(t, tables, sizes, m, n)
			s := Simulate(p, m, n)
			naive := NaiveSchedule(sizes, m, n)
			t.Logf("%d workers: %d batches, makespan %.0f s, lower bound %.0f s, ratio %.3f; one task per tenant %.0f s (%.2f x the bound)",
				n, len(p.Batches), s.Makespan, s.LowerBound, s.Ratio(), naive.Makespan, naive.Makespan/s.LowerBound)
			require.LessOrEqual(t, s.Ratio(), 1+CriticalPathShare)
			require.LessOrEqual(t, s.Largest, CriticalPathShare*s.Total/float64(n),
				"no batch is longer than 5%% of the ideal time per worker")
			require.Greater(t, naive.Makespan/s.LowerBound, 1.5, "the population must be one the naive schedule fails on")
		})
	}
}

// TestCostBalancedBatches checks that a model cuts wide rows into fewer rows
// a batch, so split batches of 4 kB documents and of 40-byte transactions
// cost about the same, and that BatchRows stays the upper bound.
func TestCostBalancedBatches(t *testing.T) {
	tables, sizes := population(t)
	m := DefaultModel()
	var want int64
	for _, s := range sizes {
		want += s.Rows
	}
	for _, batchRows := range []int64{50_000, 10_000_000} {
		o := Options{BatchRows: batchRows, Workers: 16, Cost: &m}
		p, err := Build(tables, sizes, fakeBounds(tables, sizes, o), o)
		require.NoError(t, err)
		maxRows := map[string]int64{}
		maxCost := map[string]float64{}
		var rows int64
		for _, b := range p.Batches {
			require.LessOrEqual(t, b.Rows, batchRows)
			maxRows[b.Table] = max(maxRows[b.Table], b.Rows)
			maxCost[b.Table] = math.Max(maxCost[b.Table], m.BatchSeconds(b))
			rows += b.Rows
		}
		require.Equal(t, want, rows, "every row is in a batch")
		require.Less(t, maxRows["documents"]*3, maxRows["transactions"], "wide rows give short batches")
		if batchRows == 10_000_000 {
			require.InEpsilon(t, maxCost["transactions"], maxCost["documents"], 0.05,
				"with no row bound, the largest batches of both tables cost the same")
		}
	}
}

// BenchmarkSchedule reports makespan / lower bound of the cost-balanced plan
// and of one task per tenant, at 8, 16, 32 and 64 workers:
//
//	go test -run '^$' -bench Schedule ./planner
func BenchmarkSchedule(b *testing.B) {
	tables, sizes := population(b)
	m := DefaultModel()
	for _, n := range []int{8, 16, 32, 64} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			var s, naive Schedule
			for b.Loop() {
				p := planFor(b, tables, sizes, m, n)
				s = Simulate(p, m, n)
				naive = NaiveSchedule(sizes, m, n)
			}
			b.ReportMetric(s.Ratio(), "makespan/bound")
			b.ReportMetric(naive.Makespan/s.LowerBound, "naive/bound")
			b.ReportMetric(s.Makespan, "makespan-s")
		})
	}
}
