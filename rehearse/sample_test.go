package rehearse

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

func TestSteadySampleAndState(t *testing.T) {
	sample := []planner.Batch{{ID: 3, Table: "a", Rows: 10}, {ID: 7, Table: "b", Rows: 20}}
	runs := steadySample(sample, 4)
	require.Len(t, runs, 12, "three batches per worker at least")
	ids := map[int]bool{}
	for _, b := range runs {
		require.False(t, ids[b.ID], "id %d used twice", b.ID)
		ids[b.ID] = true
	}
	require.Len(t, steadySample(sample, 0), 2)

	t0 := time.Unix(1000, 0)
	at := func(table string, start, dur int) migrate.BatchResult {
		return migrate.BatchResult{Batch: &checkpoint.Batch{Table: table}, Start: t0.Add(time.Duration(start) * time.Second), Duration: time.Duration(dur) * time.Second, Done: true}
	}
	// Two workers; the last claim is at 6 s: the batches that ended by then
	// ran with both workers busy, the two after it are the tail.
	rs := []migrate.BatchResult{at("a", 0, 3), at("a", 0, 2), at("a", 2, 2), at("a", 3, 3), at("a", 4, 2), at("a", 6, 1), at("a", 6, 1)}
	require.Len(t, steadyState(rs, 2), 5)
	// A table timed only in the tail keeps its measurement.
	rs[6].Batch = &checkpoint.Batch{Table: "b"}
	require.Len(t, steadyState(rs, 2), 6)
	// Too little left: everything counts.
	require.Len(t, steadyState(rs[4:], 2), 3)
}

func TestSpreadOutCoversThePlanEvenly(t *testing.T) {
	var plan []planner.Batch
	for i := range 100 {
		plan = append(plan, planner.Batch{ID: i, Table: "t", Rows: int64(1000 - i)})
	}
	sample := []planner.Batch{plan[0], plan[50]}
	out := spreadOut(plan, sample)
	require.Len(t, out, 98, "every batch but the sample's, once")
	seen := map[int]bool{}
	for _, b := range out {
		require.False(t, seen[b.ID])
		require.NotEqual(t, 0, b.ID)
		require.NotEqual(t, 50, b.ID)
		seen[b.ID] = true
	}
	// Any prefix of 8 reaches from the first quarter of the plan to the last.
	lo, hi := 100, 0
	for _, b := range out[:8] {
		lo, hi = min(lo, b.ID), max(hi, b.ID)
	}
	require.Less(t, lo, 25)
	require.Greater(t, hi, 75)
}
