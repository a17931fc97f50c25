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

func TestWindowFromDeadlineOrDuration(t *testing.T) {
	now := time.Date(2026, 12, 31, 22, 30, 0, 0, time.FixedZone("X", 3600))
	type in struct{ deadline, window string }
	for c, want := range map[in]time.Duration{
		{"05:00", ""}: 6*time.Hour + 30*time.Minute,
		{"22:30", ""}: 24 * time.Hour, // now is not in the future
		{"", "90m"}:   90 * time.Minute,
		{"", ""}:      0,
	} {
		d, _, err := Window(c.deadline, c.window, now)
		require.NoError(t, err, "%+v", c)
		require.Equal(t, want, d, "%+v", c)
	}
	for c, want := range map[in]string{
		{"25:00", ""}:   `--deadline "25:00": want a local time HH:MM such as 05:00`,
		{"", "0s"}:      `--window "0s": want a positive duration such as 4h or 90m`,
		{"05:00", "4h"}: "--deadline and --window are alternatives: give one",
	} {
		_, _, err := Window(c.deadline, c.window, now)
		require.EqualError(t, err, want, "%+v", c)
	}
}
