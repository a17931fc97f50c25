package migrate

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/planner"
)

func TestRebuildEstimateUsesTheCalibratedCost(t *testing.T) {
	p := &Planned{
		Doc: &planner.Doc{
			Batches: []planner.Batch{{ID: 1, Table: "orders", Rows: 3_000_000, Bytes: 300_000_000}},
			Deferred: []planner.Deferred{
				{Table: "orders", Target: "orders", Indexes: []string{"KEY `a` (`a`)", "KEY `b` (`b`)"}},
				{Table: "tenants", Target: "tenants", Why: "the target table holds rows"},
			},
		},
		Sizes: []planner.Size{
			{Table: "orders", Tenant: "1", Rows: 2_000_000, Bytes: 200_000_000},
			{Table: "orders", Tenant: "2", Rows: 1_000_000, Bytes: 100_000_000},
			{Table: "tenants", Tenant: "1", Rows: 10, Bytes: 1000},
		},
	}
	// Uncalibrated: 1.1 us per row and definition, 3M rows, 2 definitions.
	require.InDelta(t, 6.6, p.EstimateWith(planner.DefaultModel(), 1).RebuildSeconds, 1e-9)

	m := planner.DefaultModel()
	m.Calibrated = true
	m.Rebuild = &planner.RebuildCost{PerIndexRow: 0.5e-6}
	e := p.EstimateWith(m, 1)
	require.InDelta(t, 3.0, e.RebuildSeconds, 1e-9)
	require.Contains(t, e.Text(1), "deferred index rebuilds: at most 3s after the copy (0.5 us per row and definition, calibrated from a run's rebuilds;")
}
