package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func dropTargetTables(t *testing.T, f *fixture) {
	t.Helper()
	for _, tb := range []string{"txn_history", "merchants", "agents", "currencies"} {
		_, err := f.tgtDB.Exec("DROP TABLE IF EXISTS `" + f.tgt + "`.`" + tb + "`")
		require.NoError(t, err)
	}
}

func targetRows(t *testing.T, f *fixture) int {
	t.Helper()
	total := 0
	for _, tb := range []string{"txn_history", "merchants", "agents", "currencies"} {
		var n int
		require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM `"+f.tgt+"`.`"+tb+"`").Scan(&n))
		total += n
	}
	return total
}

// TestPreNightMySQLSource: the evening before, with a MySQL source:
// `schema --config` prints the target tables' DDL (which applies), `run
// --dry-run --create-tables` and `rehearse --create-tables` create the
// empty tables they need, and rehearse refuses while a run copies.
func TestPreNightMySQLSource(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 6_000, workers: 2, batchRows: 500})

	code, ddl, errs := cutover(t, "schema", "--config", f.config)
	require.Equal(t, 0, code, errs)
	for _, tb := range []string{"currencies", "agents", "merchants", "txn_history"} {
		require.Contains(t, ddl, "CREATE TABLE `"+f.tgt+"`.`"+tb+"`", ddl)
	}
	require.NotContains(t, ddl, "`transactions`", "the target's names")

	code, out, errs := cutover(t, "run", "--config", f.config, "--dry-run=rollback", "--create-tables")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "dry run (rollback)")
	require.Contains(t, errs, `msg="created target table" table=txn_history`)
	require.Zero(t, targetRows(t, f), "created empty; the dry run left nothing")
	require.False(t, ledgerExists(t, f))

	dropTargetTables(t, f)
	code, _, errs = cutover(t, "rehearse", "--config", f.config, "--create-tables", "--sample", "10%", "--min-time", "0")
	require.Equal(t, 0, code, errs)
	require.Zero(t, targetRows(t, f), "the rehearsal rolled back")

	// The printed DDL is what the target gets.
	dropTargetTables(t, f)
	for _, stmt := range strings.Split(ddl, ";\n") {
		if strings.TrimSpace(stmt) != "" {
			_, err := f.tgtDB.Exec(stmt)
			require.NoError(t, err, stmt)
		}
	}
	appendConfig(t, f, "  throttle:\n    rows_per_second: 3000\n")
	p := start(t, binPath, "run", "--config", f.config)
	waitFor(t, 60*time.Second, "the run to copy", func() bool {
		return joined(t, f, p) && ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 2") >= 1
	})
	code, _, errs = cutover(t, "rehearse", "--config", f.config, "--sample", "10%", "--min-time", "0")
	require.Equal(t, 2, code, errs)
	require.Regexp(t, `run 1 is copying into this target now \(pid \d+ on \S+\): rehearse before the run or after it`, errs)
	require.Equal(t, 0, p.wait(t, 120*time.Second), p.out.String())
	requireEqualCopy(t, f)
}
