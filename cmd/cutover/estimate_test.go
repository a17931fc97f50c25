package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestWindow(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	now := time.Date(2026, 12, 31, 22, 30, 0, 0, loc)
	for _, tc := range []struct {
		deadline, window string
		want             time.Duration
		err              string
	}{
		{deadline: "05:00", want: 6*time.Hour + 30*time.Minute},
		{deadline: "23:00", want: 30 * time.Minute},
		{deadline: "22:30", want: 24 * time.Hour}, // now is not in the future
		{window: "4h", want: 4 * time.Hour},
		{},
		{deadline: "5am", err: "--deadline \"5am\""},
		{deadline: "25:00", err: "HH:MM"},
		{window: "-1h", err: "positive duration"},
		{window: "soon", err: "--window \"soon\""},
		{deadline: "05:00", window: "4h", err: "alternatives"},
	} {
		d, _, err := window(tc.deadline, tc.window, now)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err)
			require.Equal(t, exitUsage, exitCode(err))
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tc.want, d, "%+v", tc)
	}
}

func TestPlanEstimates(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 20_000, workers: 2, batchRows: 5_000})

	code, out, errs := cutover(t, "plan", "--config", f.config, "--workers", "3")
	require.Equal(t, 0, code, errs)
	t.Log(out)
	require.Contains(t, out, "estimate with 3 workers (UNCALIBRATED")
	require.Regexp(t, `largest tenant \d+: \d+\.\d% of the work`, out)
	require.Regexp(t, `critical path: batch #\d+ \(\w+, `, out)

	code, out, errs = cutover(t, "plan", "--config", f.config, "--json", "--replan")
	require.Equal(t, 0, code, errs)
	var doc planDoc
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	e := doc.Estimate
	require.NotNil(t, e)
	require.False(t, e.Calibrated)
	require.Equal(t, 2, e.Schedule.Workers)
	require.Greater(t, e.Schedule.Makespan, 0.0)
	require.GreaterOrEqual(t, e.Schedule.Makespan, e.Schedule.LowerBound)
	// The estimate is the plan's batches under the stored model, recomputed
	// here: the largest batch's cost bounds the lower bound from below.
	var total float64
	for _, b := range doc.Batches {
		total += e.Model.BatchSeconds(b)
	}
	require.InDelta(t, total, e.Schedule.Total, 1e-9*total)
	require.InDelta(t, total/2, e.Schedule.LowerBound, 0.5*total) // max(total/2, largest)
	require.NotZero(t, e.Critical.ID)
	require.Equal(t, mustInt(t, doc.Summary.LargestTenant), mustInt(t, e.LargestTenant.Tenant))

	// A window shorter than one worker needs: the fewest workers that fit.
	one := e.Schedule.Total
	win := time.Duration(one / 2.5 * float64(time.Second)).Round(time.Millisecond)
	code, out, errs = cutover(t, "plan", "--config", f.config, "--json", "--replan", "--window", win.String())
	require.Equal(t, 0, code, errs)
	doc = planDoc{}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	fit := doc.Estimate.Fit
	require.NotNil(t, fit)
	require.True(t, fit.Fit.Fits, "%+v", fit)
	require.GreaterOrEqual(t, fit.Fit.Workers, 3)
	require.LessOrEqual(t, fit.Fit.Schedule.Makespan, win.Seconds())
	require.Equal(t, (fit.Fit.Workers+1)/2, fit.Processes, "processes of run.workers 2")

	code, out, errs = cutover(t, "plan", "--config", f.config, "--replan", "--window", win.String())
	require.Equal(t, 0, code, errs)
	t.Log(out)
	require.Regexp(t, `window \S+: fits with \d+ workers = \d+ processes of 2 workers`, out)

	// A window shorter than any batch cannot be met by any count.
	code, out, errs = cutover(t, "plan", "--config", f.config, "--replan", "--window", "1ns")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "DOES NOT FIT")
	require.Contains(t, out, "over")

	code, _, errs = cutover(t, "plan", "--config", f.config, "--window", "4h", "--deadline", "05:00")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errs, "alternatives")
}
