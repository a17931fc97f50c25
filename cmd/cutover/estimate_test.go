package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/browsertest"
	"github.com/cutover/cutover/planner"
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
	require.Contains(t, out, "estimate with 3 workers (UNCALIBRATED")
	require.Regexp(t, `largest tenant \d+: \d+\.\d% of the work`, out)
	require.Regexp(t, `critical path: batch #\d+ \(\w+, `, out)

	code, out, errs = cutover(t, "plan", "--config", f.config, "--json", "--replan")
	require.Equal(t, 0, code, errs)
	var doc planner.Doc
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
	doc = planner.Doc{}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	fit := doc.Estimate.Fit
	require.NotNil(t, fit)
	require.True(t, fit.Fit.Fits, "%+v", fit)
	// The fewest: the batches of this plan, simulated here with one worker
	// less, miss the window. (Estimated bytes come from the server's table
	// statistics and may move between plans, so the check uses this plan.)
	require.LessOrEqual(t, fit.Fit.Schedule.Makespan, win.Seconds())
	require.Equal(t, fit.Fit.Workers, fit.Fit.Schedule.Workers)
	if fit.Fit.Workers > 1 {
		fewer := planner.Simulate(&planner.Plan{Batches: doc.Batches}, doc.Estimate.Model, fit.Fit.Workers-1)
		require.Greater(t, fewer.Makespan, win.Seconds())
	}
	require.Equal(t, (fit.Fit.Workers+1)/2, fit.Processes, "processes of run.workers 2")

	svg := filepath.Join(t.TempDir(), "plan.svg")
	code, out, errs = cutover(t, "plan", "--config", f.config, "--replan", "--window", win.String(), "--svg", svg)
	require.Equal(t, 0, code, errs)
	require.Regexp(t, `window \S+: fits with \d+ workers = \d+ processes of 2 workers`, out)

	chart, err := os.ReadFile(svg)
	require.NoError(t, err)
	m := regexp.MustCompile(`fits with (\d+) workers`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	require.Equal(t, m[1], strconv.Itoa(strings.Count(string(chart), `<g class="lane"`)), "one lane per worker")
	bm := regexp.MustCompile(`batches ([\d,]+), rows`).FindStringSubmatch(out)
	require.NotNil(t, bm, out)
	require.Equal(t, strings.ReplaceAll(bm[1], ",", ""), strconv.Itoa(strings.Count(string(chart), `<rect class="batch `)), "one bar per batch")
	require.Contains(t, string(chart), "window "+win.String())
	dom := browsertest.DOM(t, svg)
	require.Contains(t, dom, `class="deadline"`)

	code, _, errs = cutover(t, "plan", "--config", f.config, "--replan", "--svg", filepath.Join(t.TempDir(), "no", "such", "dir.svg"))
	require.Equal(t, exitUsage, code, errs)
	require.Contains(t, errs, "--svg")

	// A window shorter than any batch cannot be met by any count.
	code, out, errs = cutover(t, "plan", "--config", f.config, "--replan", "--window", "1ns")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "DOES NOT FIT")
	require.Contains(t, out, "over")

	code, _, errs = cutover(t, "plan", "--config", f.config, "--window", "4h", "--deadline", "05:00")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errs, "alternatives")
}

func TestEstimateTextNamesTheMeasuredContention(t *testing.T) {
	m := planner.DefaultModel()
	m.Calibrated, m.Workers, m.Contention = true, 4, 1
	sched := planner.Schedule{Workers: 8, Makespan: 100, LowerBound: 99, Total: 800, Largest: 2}
	e := &planner.Estimate{Calibrated: true, Model: m, Schedule: sched,
		Fit: &planner.WindowFit{Asked: "50s", Fit: planner.Fit{Window: 50, Workers: 8, Schedule: sched, Over: 50}}}
	out := e.Text(4)
	require.Contains(t, out, "measured with 4 workers and with 1 (contention 1.00): with 8 workers each batch takes 2.00x its time with 4; more workers than the 4 measured: an extrapolation")
	require.Contains(t, out, "DOES NOT FIT")
	require.Contains(t, out, "rehearse measured contention 1.00")

	// Without a measured contention, the old caveat.
	m.Workers, m.Contention = 0, 0
	e.Model, e.CalibratedWorkers = m, 4
	out = e.Text(4)
	require.Contains(t, out, "batch times were measured with 4 workers; with 8")
	require.NotContains(t, out, "contention")
}
