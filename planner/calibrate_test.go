package planner

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFitRecoversAModel(t *testing.T) {
	truth := map[string]Cost{
		"narrow": {Fixed: 0.015, PerRow: 2e-6, PerByte: 5e-9},
		"wide":   {Fixed: 0.030, PerRow: 1e-6, PerByte: 20e-9},
	}
	width := map[string]int64{"narrow": 60, "wide": 3_000}
	r := rand.New(rand.NewPCG(1, 2))
	var ms []Measured
	for _, tb := range []string{"narrow", "wide"} {
		for range 12 {
			rows := 500 + r.Int64N(40_000)
			bytes := rows * (width[tb] + r.Int64N(width[tb]/2)) // widths vary a little
			sec := truth[tb].Seconds(rows, bytes) * (1 + 0.02*(r.Float64()-0.5))
			ms = append(ms, Measured{Table: tb, Rows: rows, Bytes: bytes, Seconds: sec})
		}
	}
	m := Calibrate(ms)
	require.True(t, m.Calibrated)
	require.NoError(t, m.Validate())
	for tb, c := range truth {
		got := m.For(tb)
		for _, rows := range []int64{1_000, 20_000, 50_000} {
			bytes := rows * width[tb]
			require.InEpsilon(t, c.Seconds(rows, bytes), got.Seconds(rows, bytes), 0.05, "table %s, %d rows: fitted %+v", tb, rows, got)
		}
	}
}

func TestFitClampsAndFallsBack(t *testing.T) {
	// Bigger batches that took less time: no non-negative fit explains it,
	// yet the model must stay usable.
	ms := []Measured{
		{Table: "t", Rows: 1_000, Bytes: 10_000, Seconds: 2},
		{Table: "t", Rows: 2_000, Bytes: 20_000, Seconds: 1},
		{Table: "t", Rows: 4_000, Bytes: 40_000, Seconds: 0.5},
	}
	m := Calibrate(ms)
	require.NoError(t, m.Validate())
	for _, c := range []Cost{m.Default, m.For("t")} {
		require.GreaterOrEqual(t, c.Fixed, 0.0)
		require.GreaterOrEqual(t, c.PerRow, 0.0)
		require.GreaterOrEqual(t, c.PerByte, 0.0)
	}

	// One batch of a table: its variable terms are the default's, scaled.
	ms = []Measured{
		{Table: "a", Rows: 1_000, Bytes: 100_000, Seconds: 0.2},
		{Table: "a", Rows: 10_000, Bytes: 1_000_000, Seconds: 1.1},
		{Table: "a", Rows: 30_000, Bytes: 3_000_000, Seconds: 3.1},
		{Table: "b", Rows: 10_000, Bytes: 1_000_000, Seconds: 2.1},
	}
	m = Calibrate(ms)
	require.NoError(t, m.Validate())
	require.InEpsilon(t, 2.1, m.For("b").Seconds(10_000, 1_000_000), 0.05)
	require.InEpsilon(t, 1.1, m.For("a").Seconds(10_000, 1_000_000), 0.05)
	require.Equal(t, m.Default, m.For("unmeasured"))
}

func TestSampleIsStratified(t *testing.T) {
	tables, sizes := population(t)
	m := DefaultModel()
	p := planFor(t, tables, sizes, m, 8)
	s := Sample(p, m, 0.02, 3, 0)
	var all, got float64
	seen := map[string]bool{}
	for _, b := range p.Batches {
		all += m.BatchSeconds(b)
	}
	for i, b := range s {
		got += m.BatchSeconds(b)
		seen[b.Table] = true
		if i > 0 {
			require.Less(t, s[i-1].ID, b.ID, "plan order")
		}
	}
	for _, tb := range tables {
		require.True(t, seen[tb.Name], "table %s is sampled", tb.Name)
	}
	require.GreaterOrEqual(t, got, 0.02*all*0.9)
	require.Less(t, got, 0.2*all, "a sample, not the run")
	// The giant tenant (1) is in it.
	giant := false
	for _, b := range s {
		giant = giant || len(b.Tenants) == 1 && b.Tenants[0] == "1"
	}
	require.True(t, giant)
	require.Empty(t, Sample(nil, m, 0.02, 3, 0))
}

func TestSampleTakesDistinctBatchesForEveryWorker(t *testing.T) {
	tables, sizes := population(t)
	m := DefaultModel()
	p := planFor(t, tables, sizes, m, 8)
	small := Sample(p, m, 0.001, 0, 0)
	s := Sample(p, m, 0.001, 0, len(small)+24)
	require.Len(t, s, len(small)+24, "topped up to the minimum")
	ids := map[int]bool{}
	for _, b := range s {
		require.False(t, ids[b.ID], "batch %d twice", b.ID)
		ids[b.ID] = true
	}
	for _, b := range small {
		require.True(t, ids[b.ID], "the stratified picks stay")
	}
	// Never more than the plan has.
	require.Len(t, Sample(p, m, 0.001, 0, len(p.Batches)+5), len(p.Batches))
}
