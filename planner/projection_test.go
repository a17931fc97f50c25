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
	loc := time.FixedZone("X", 3600)
	now := time.Date(2026, 12, 31, 22, 30, 0, 0, loc)
	for _, tc := range []struct {
		deadline, window string
		want             time.Duration
		err              string
	}{
		{deadline: "05:00", want: 6*time.Hour + 30*time.Minute},
		{deadline: "22:30", want: 24 * time.Hour},
		{window: "90m", want: 90 * time.Minute},
		{},
		{deadline: "25:00", err: `--deadline "25:00": want a local time HH:MM such as 05:00`},
		{window: "0s", err: `--window "0s": want a positive duration such as 4h or 90m`},
		{deadline: "05:00", window: "4h", err: "--deadline and --window are alternatives: give one"},
	} {
		d, _, err := Window(tc.deadline, tc.window, now)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%+v: error %v, want %q", tc, err, tc.err)
			}
			continue
		}
		if err != nil || d != tc.want {
			t.Errorf("%+v: got %v, %v; want %v", tc, d, err, tc.want)
		}
	}
}
