package planner

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFitRebuildWeighsTablesByTheirIndexRows(t *testing.T) {
	c, ok := FitRebuild([]RebuildSample{
		{Table: "orders", Rows: 1_000_000, Definitions: 2, Seconds: 3},     // 2M index rows
		{Table: "customers", Rows: 500_000, Definitions: 1, Seconds: 1},    // 0.5M
		{Table: "empty", Rows: 0, Definitions: 3, Seconds: 0.2},            // no rows: skipped
		{Table: "none", Rows: 1000, Definitions: 0, Seconds: 0.1},          // no definition: skipped
		{Table: "unmeasured", Rows: 1000, Definitions: 1, Seconds: 0},      // no duration: skipped
		{Table: "broken", Rows: 1000, Definitions: 1, Seconds: math.NaN()}, // skipped
	})
	require.True(t, ok)
	// (3 + 1) s over 2.5M index rows.
	require.InDelta(t, 1.6e-6, c.PerIndexRow, 1e-15)
	require.InDelta(t, 16.0, c.Seconds(5_000_000, 2), 1e-9)

	_, ok = FitRebuild(nil)
	require.False(t, ok)
	_, ok = FitRebuild([]RebuildSample{{Table: "empty", Definitions: 1, Seconds: 1}})
	require.False(t, ok, "no rows, nothing to fit")
}

func TestModelRebuildCostDefaultsWhenAbsent(t *testing.T) {
	c, calibrated := DefaultModel().RebuildCost()
	require.False(t, calibrated)
	require.Equal(t, 1.1e-6, c.PerIndexRow)

	m := DefaultModel()
	m.Rebuild = &RebuildCost{PerIndexRow: 2e-6}
	c, calibrated = m.RebuildCost()
	require.True(t, calibrated)
	require.Equal(t, 2e-6, c.PerIndexRow)

	m.Rebuild = &RebuildCost{PerIndexRow: math.Inf(1)}
	require.Error(t, m.Validate())
	m.Rebuild = &RebuildCost{PerIndexRow: -1}
	require.Error(t, m.Validate())
}

func TestModelJSONWithAndWithoutRebuildCost(t *testing.T) {
	// A model stored before the rebuild cost existed parses to the default,
	// and encodes again as it was.
	old := `{"default":{"fixed_s":0.003,"per_row_s":1.1e-06,"per_byte_s":1.3e-08},"calibrated":true,"workers":4}`
	var m Model
	require.NoError(t, json.Unmarshal([]byte(old), &m))
	require.Nil(t, m.Rebuild)
	c, calibrated := m.RebuildCost()
	require.False(t, calibrated)
	require.Equal(t, 1.1e-6, c.PerIndexRow)
	raw, err := json.Marshal(m)
	require.NoError(t, err)
	require.JSONEq(t, old, string(raw))
	require.NotContains(t, string(raw), "rebuild")

	m.Rebuild = &RebuildCost{PerIndexRow: 2.5e-6}
	raw, err = json.Marshal(m)
	require.NoError(t, err)
	require.Contains(t, string(raw), `"rebuild":{"per_index_row_s":0.0000025}`)
	var back Model
	require.NoError(t, json.Unmarshal(raw, &back))
	c, calibrated = back.RebuildCost()
	require.True(t, calibrated)
	require.Equal(t, 2.5e-6, c.PerIndexRow)
}

func TestEstimateTextSaysWhereTheRebuildCostCameFrom(t *testing.T) {
	batches := []Batch{{ID: 1, Table: "orders", Rows: 1000, Bytes: 100_000}}
	line := func(m Model) string {
		e := EstimatePlan(batches, nil, m, 1, nil)
		e.RebuildSeconds = 12
		for _, l := range strings.Split(e.Text(1), "\n") {
			if strings.HasPrefix(l, "deferred index rebuilds:") {
				return l
			}
		}
		t.Fatalf("no rebuild line in %q", e.Text(1))
		return ""
	}
	require.Contains(t, line(DefaultModel()), "(1.1 us per row and definition, measured; one table at a time)")
	m := DefaultModel()
	m.Calibrated = true
	m.Rebuild = &RebuildCost{PerIndexRow: 2.5e-6}
	require.Contains(t, line(m), "(2.5 us per row and definition, calibrated from a run's rebuilds; one table at a time)")
}
