package main

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/cutover/cutover/rehearse"
	"github.com/stretchr/testify/require"
)

// createTargetTables creates empty target tables like the source ones (both
// databases live on the test server).
func createTargetTables(t *testing.T, f *fixture) {
	t.Helper()
	for src, tgt := range map[string]string{"currencies": "currencies", "agents": "agents", "merchants": "merchants", "transactions": "txn_history"} {
		_, err := f.tgtDB.Exec("CREATE TABLE `" + f.tgt + "`.`" + tgt + "` LIKE `" + f.src + "`.`" + src + "`")
		require.NoError(t, err)
	}
}

func TestRehearseCalibratesThePlan(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 30_000, workers: 2, batchRows: 2_000})
	createTargetTables(t, f)
	empty := targetTablesState(t, f)

	// --min-time 0: the sample alone, which a plan this small would
	// otherwise outgrow (the default measures for at least 10 s).
	code, out, errs := cutover(t, "rehearse", "--config", f.config, "--sample", "10%", "--min-time", "0", "--json")
	require.Equal(t, 0, code, errs)
	var rep rehearse.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.NotZero(t, rep.CalibrationID)
	require.True(t, rep.Model.Calibrated)
	require.NoError(t, rep.Model.Validate())
	require.Less(t, rep.Sampled, rep.PlanBatches, "a sample, not the whole plan")
	require.True(t, rep.Stacked, "empty target tables: batches stack in one rolled-back transaction per worker")
	// The second pass, with one worker, measured how they scale.
	require.NotNil(t, rep.Scaling)
	require.Equal(t, 1, rep.Scaling.Fewer)
	require.Positive(t, rep.Scaling.Batches)
	require.Equal(t, 2, rep.Model.Workers)
	require.InDelta(t, 0.5, rep.Model.Contention, 0.5, "in [0, 1]")
	tables := map[string]bool{}
	for _, m := range rep.Measured {
		tables[m.Table] = true
		require.Greater(t, m.Seconds, 0.0)
	}
	require.Len(t, tables, 4, "every table is rehearsed")
	require.True(t, rep.Estimate.Calibrated)
	require.Equal(t, empty, targetTablesState(t, f), "the rehearsal rolled everything back")
	var runs int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM `"+f.ledger+"`.runs_v1").Scan(&runs))
	require.Zero(t, runs, "a rehearsal plans no run")

	code, out, errs = cutover(t, "plan", "--config", f.config)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "calibrated by rehearsal")
	require.NotContains(t, out, "UNCALIBRATED")

	code, out, errs = cutover(t, "rehearse", "--config", f.config, "--sample", "3%")
	require.Equal(t, 0, code, errs)
	// The default minimum time covers this small plan whole.
	m := regexp.MustCompile(`rehearsed (\d+) of (\d+) batches with 2 workers`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	require.Equal(t, m[2], m[1], "a plan shorter than --min-time is rehearsed whole")
	require.Regexp(t, `scaling: with 1 worker the same batches took \d+% of their time with 2`, out)
	require.Contains(t, out, "stored in the ledger")
	require.NotContains(t, out, "are not empty")
	require.Equal(t, empty, targetTablesState(t, f))

	// A broken row fails the rehearsal like the run, and stores nothing:
	// every table is in the sample, and every agents row is broken (how
	// many batches agents has depends on its byte estimate, so one broken
	// row might sit in a batch the sample leaves out).
	var calibrations int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM `"+f.ledger+"`.calibration_v1").Scan(&calibrations))
	_, err := f.srcDB.Exec("ALTER TABLE agents MODIFY name VARCHAR(300) NOT NULL")
	require.NoError(t, err)
	_, err = f.srcDB.Exec("UPDATE agents SET name = REPEAT('y', 250)")
	require.NoError(t, err)
	code, out, errs = cutover(t, "rehearse", "--config", f.config, "--sample", "1%")
	require.Equal(t, exitFailed, code, out+errs)
	require.Contains(t, errs, "no calibration stored")
	require.Contains(t, errs, "(agents)")
	var after int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM `"+f.ledger+"`.calibration_v1").Scan(&after))
	require.Equal(t, calibrations, after)
	require.Equal(t, empty, targetTablesState(t, f))

	for _, bad := range []string{"0%", "150%", "two", "-1"} {
		code, _, errs = cutover(t, "rehearse", "--config", f.config, "--sample", bad)
		require.Equal(t, exitUsage, code, "%s: %s", bad, errs)
	}
	code, _, errs = cutover(t, "rehearse", "--config", f.config, "--min-time", "-1s")
	require.Equal(t, exitUsage, code, errs)
	require.Contains(t, errs, "--min-time")
}

// targetTablesState is CHECKSUM TABLE and a row count of each target table.
func targetTablesState(t *testing.T, f *fixture) map[string][2]int64 {
	t.Helper()
	out := map[string][2]int64{}
	for _, tb := range []string{"currencies", "agents", "merchants", "txn_history"} {
		var n int64
		require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM `"+tb+"`").Scan(&n))
		out[tb] = [2]int64{checksumTable(t, f.tgtDB, tb), n}
	}
	return out
}
