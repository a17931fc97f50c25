package planner

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestContentionScalesBatchesWithTheWorkerCount(t *testing.T) {
	// Measured at 4 workers; at 2 the batches took 0.625 of the time:
	// t(4)/t(2) = 1.6 = (1+3s)/(1+s), so s = 0.6/1.4.
	s := Contention(4, 2, 0.625)
	require.InDelta(t, 0.6/1.4, s, 1e-9)
	m := DefaultModel()
	m.Workers, m.Contention = 4, s
	require.NoError(t, m.Validate())
	require.InDelta(t, 1, m.Scale(4), 1e-12)
	require.InDelta(t, 0.625, m.Scale(2), 1e-9)
	require.Greater(t, m.Scale(8), 1.5, "more workers, slower batches")

	// Nothing measured, faster with more workers (noise), or a server doing
	// one batch at a time.
	require.Zero(t, Contention(4, 2, 1))
	require.Zero(t, Contention(4, 2, 1.2))
	require.Zero(t, Contention(2, 2, 0.5))
	require.Zero(t, Contention(4, 0, 0.5))
	require.InDelta(t, 1, Contention(4, 2, 0.5), 1e-9) // t doubles with the workers
	require.InDelta(t, 1, Contention(4, 1, 0.01), 1e-9, "clamped")
	require.Equal(t, 1.0, Model{}.Scale(8))

	m.Contention = 1.5
	require.Error(t, m.Validate())
}

func TestFitWindowSeesThatASaturatedServerDoesNotScale(t *testing.T) {
	tables, sizes := population(t)
	m := DefaultModel()
	p := planFor(t, tables, sizes, m, 4)
	at4 := Simulate(p, m, 4)
	linear := FitWindow(p, m, at4.Makespan/2, 64)
	require.True(t, linear.Fits, "without contention, twice the workers halve the time")
	require.LessOrEqual(t, linear.Workers, 9)

	m.Workers, m.Contention = 4, 1 // each batch's time grows with the workers
	require.InDelta(t, at4.Makespan, Simulate(p, m, 4).Makespan, 1e-9, "measured at 4: unchanged")
	sat := FitWindow(p, m, at4.Makespan/2, 64)
	require.False(t, sat.Fits, "no worker count halves the time on a saturated server")
	require.Greater(t, sat.Over, 0.0)
}
