package planner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestProject(t *testing.T) {
	for _, tc := range []struct {
		name                       string
		left                       int64
		rate                       float64
		workers, per               int
		within                     time.Duration
		fits                       bool
		needWorkers, needProcesses int
		left_                      time.Duration
	}{
		{"fits", 36_000, 10, 2, 2, 2 * time.Hour, true, 0, 0, time.Hour},
		{"needs three times the workers", 36_000, 10, 2, 4, 20 * time.Minute, false, 6, 2, time.Hour},
		{"rounds up", 36_000, 10, 4, 4, 50 * time.Minute, false, 5, 2, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Project(tc.left, tc.rate, tc.workers, tc.per, tc.within)
			require.NoError(t, err)
			require.Equal(t, tc.fits, p.Fits)
			require.Equal(t, tc.left_, p.Left)
			require.Equal(t, tc.needWorkers, p.WorkersNeeded)
			require.Equal(t, tc.needProcesses, p.ProcessesNeeded)
		})
	}
	_, err := Project(10, 0, 2, 2, time.Hour)
	require.ErrorContains(t, err, "no rate measured yet")
}
