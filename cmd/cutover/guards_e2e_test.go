package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// ledgerExists says whether the fixture's ledger schema was created.
func ledgerExists(t *testing.T, f *fixture) bool {
	t.Helper()
	var n int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", f.ledger).Scan(&n))
	return n > 0
}

func targetTables(t *testing.T, f *fixture) int {
	t.Helper()
	var n int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", f.tgt).Scan(&n))
	return n
}

func editConfig(t *testing.T, f *fixture, old, new string) {
	t.Helper()
	cfg, err := os.ReadFile(f.config)
	require.NoError(t, err)
	require.Contains(t, string(cfg), old)
	require.NoError(t, os.WriteFile(f.config, []byte(strings.Replace(string(cfg), old, new, 1)), 0o600))
}

// TestRefusesSameSchema: a target DSN naming the source schema is refused
// with exit 2 before anything is written.
func TestRefusesSameSchema(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 2_000, workers: 2, batchRows: 500})
	cfg, err := os.ReadFile(f.config)
	require.NoError(t, err)
	lines := strings.Split(string(cfg), "\n")
	src := strings.TrimPrefix(lines[2], "  dsn: ")
	require.NoError(t, os.WriteFile(f.config, []byte(replaceTargetDSN(string(cfg), src)), 0o600))
	before, _ := tableHash(t, f.srcDB, "transactions", "txn_id")
	code, _, errs := cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "the source and the target are the same schema `"+f.src+"` on the same server")
	require.Equal(t, 1, strings.Count(strings.TrimSpace(errs), "\n")+1, "one line: %s", errs)
	require.False(t, ledgerExists(t, f), "no ledger was created")
	after, _ := tableHash(t, f.srcDB, "transactions", "txn_id")
	require.Equal(t, before, after)
}

// TestRefusesNonEmptyTarget: a fresh run into target tables that hold rows
// no run copied is refused with the count before anything is written;
// --allow-nonempty copies over them and says so loudly; a resumed or rerun
// run, whose rows are its own, is not refused.
func TestRefusesNonEmptyTarget(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 4_000, workers: 2, batchRows: 500})
	for _, tc := range []struct{ src, tgt string }{{"currencies", "currencies"}, {"agents", "agents"}, {"merchants", "merchants"}, {"transactions", "txn_history"}} {
		_, err := f.tgtDB.Exec("CREATE TABLE `" + f.tgt + "`.`" + tc.tgt + "` LIKE `" + f.src + "`.`" + tc.src + "`")
		require.NoError(t, err)
	}
	// Rows of a table that carries its tenant column: each tenant batch
	// deletes its tenants' rows before loading. (A child of a `via` table
	// whose parent is not in the target cannot be attributed to a batch: it
	// makes the load fail on the duplicate key, never a silent mix.)
	_, err := f.tgtDB.Exec("INSERT INTO `"+f.tgt+"`.agents SELECT * FROM `"+f.src+"`.agents WHERE agent_id = ?", f.stats.LargestAgent)
	require.NoError(t, err)
	_, err = f.tgtDB.Exec("INSERT INTO `" + f.tgt + "`.merchants SELECT m.* FROM `" + f.src + "`.merchants m JOIN `" + f.tgt + "`.agents USING (agent_id) ORDER BY merchant_id LIMIT 3")
	require.NoError(t, err)

	code, _, errs := cutover(t, "run", "--config", f.config)
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "target tables already hold rows that no run of this ledger copied: agents (1 rows), merchants (3 rows)")
	require.Contains(t, errs, "--allow-nonempty")
	require.False(t, ledgerExists(t, f), "nothing was written")
	var n int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM merchants").Scan(&n))
	require.Equal(t, 3, n)

	code, _, errs = cutover(t, "run", "--config", f.config, "--allow-nonempty")
	require.Equal(t, 0, code, errs)
	require.Contains(t, errs, "TARGET TABLES ALREADY HOLD ROWS")
	require.Contains(t, errs, "merchants (3 rows)")
	requireEqualCopy(t, f)

	// The rows are the ledger's own now: running again is not refused.
	code, out, errs := cutover(t, "run", "--config", f.config)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "copied 0 rows")
}

// TestChangedSettingNamedByKey: a changed config is refused naming the key,
// its old and its new value, and --create-tables creates nothing first.
func TestChangedSettingNamedByKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 3_000, workers: 2, batchRows: 1_000})
	appendConfig(t, f, "  throttle:\n    rows_per_second: 200000\n")
	code, _, errs := cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)
	_, err := f.tgtDB.Exec("DROP TABLE currencies")
	require.NoError(t, err)
	tables := targetTables(t, f)

	editConfig(t, f, "rows_per_second: 200000", "rows_per_second: 400000")
	code, _, errs = cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "the run settings differ from those run 1 accepts: run.throttle.rows_per_second: 200000 -> 400000;")
	require.NotContains(t, errs, "fingerprint")
	require.Equal(t, tables, targetTables(t, f), "no table was created before the refusal")

	editConfig(t, f, "batch_rows: 1000", "batch_rows: 700")
	code, _, errs = cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "run.batch_rows: 1000 -> 700")
	require.Contains(t, errs, "run.throttle.rows_per_second: 200000 -> 400000")
	require.Contains(t, errs, "--replan")
	require.Equal(t, tables, targetTables(t, f), "no table was created before the refusal")
}

// TestRefusesAbsentTenants: tenant.ids naming tenants without rows is exit 2
// listing them, and no plan is stored; --allow-empty-tenants plans them.
func TestRefusesAbsentTenants(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 3_000, workers: 2, batchRows: 1_000})
	editConfig(t, f, "ids: []", fmt.Sprintf("ids: [%d, 99998, 99999]", f.stats.LargestAgent))
	code, _, errs := cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "tenant.ids names 2 tenants that have no rows in any table: 99998, 99999;")
	require.Contains(t, errs, "--allow-empty-tenants")
	require.Zero(t, ledgerInt(t, f, "SELECT COUNT(*) FROM L.runs_v1"), "no plan was stored")

	code, _, errs = cutover(t, "run", "--config", f.config, "--allow-empty-tenants")
	require.Equal(t, 0, code, errs)
}
