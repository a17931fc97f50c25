package main

import (
	"database/sql"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// targetState is CHECKSUM TABLE of every target and ledger table: what a dry
// run must leave exactly as it found it.
func targetState(t *testing.T, f *fixture) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, tb := range []string{"currencies", "agents", "merchants", "txn_history"} {
		out[tb] = checksumTable(t, f.tgtDB, tb)
	}
	for _, tb := range []string{"runs_v1", "batches_v1"} {
		out[tb] = checksumTable(t, f.tgtDB, f.ledger+"`.`"+tb)
	}
	return out
}

func TestDryRunsLeaveTargetAndLedgerUnchanged(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 8_000, workers: 2, batchRows: 1_000})

	// A dry run needs the target tables and writes nothing, not even them.
	code, _, errs := cutover(t, "run", "--config", f.config, "--dry-run=rollback")
	require.Equal(t, exitUsage, code, errs)
	require.Contains(t, errs, "does not exist in the target")
	var n int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", f.ledger).Scan(&n))
	require.Zero(t, n, "a refused dry run created the ledger")

	// On empty target tables and no ledger yet: the dry run creates neither
	// the ledger nor a row.
	createTargetTables(t, f)
	code, out, errs := cutover(t, "run", "--config", f.config, "--dry-run=rollback")
	require.Equal(t, 0, code, out+errs)
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", f.ledger).Scan(&n))
	require.Zero(t, n, "a dry run created the ledger")
	var rows int
	require.NoError(t, f.tgtDB.QueryRow("SELECT (SELECT COUNT(*) FROM agents) + (SELECT COUNT(*) FROM merchants) + (SELECT COUNT(*) FROM txn_history) + (SELECT COUNT(*) FROM currencies)").Scan(&rows))
	require.Zero(t, rows, "a rolled-back dry run left rows")

	code, _, errs = cutover(t, "run", "--config", f.config)
	require.Equal(t, 0, code, errs)
	// Make the target differ from the source, so that a dry run that
	// committed its deletes or loads would show.
	_, err := f.tgtDB.Exec("UPDATE txn_history SET note = 'target only' WHERE txn_id % 3 = 0")
	require.NoError(t, err)
	_, err = f.tgtDB.Exec("DELETE FROM agents WHERE agent_id % 2 = 0")
	require.NoError(t, err)
	before := targetState(t, f)

	var total int64
	for _, tb := range []string{"currencies", "agents", "merchants", "transactions"} {
		var c int64
		require.NoError(t, f.srcDB.QueryRow("SELECT COUNT(*) FROM "+tb).Scan(&c))
		total += c
	}
	for _, mode := range []string{"read", "rollback"} {
		code, out, errs := cutover(t, "run", "--config", f.config, "--dry-run="+mode)
		require.Equal(t, 0, code, errs)
		require.Contains(t, out, fmt.Sprintf("copied %s rows in", commas(total)), "every source row went through")
		require.Contains(t, out, "; 0 batches failed")
		require.Contains(t, out, "dry run ("+mode+")")
		require.Equal(t, before, targetState(t, f), "dry run %s changed the target or the ledger", mode)
	}

	// One deliberately broken row: a name too long for the target column.
	_, err = f.srcDB.Exec("ALTER TABLE agents MODIFY name VARCHAR(300) NOT NULL")
	require.NoError(t, err)
	var victim int64
	require.NoError(t, f.srcDB.QueryRow("SELECT MIN(agent_id) FROM agents").Scan(&victim))
	_, err = f.srcDB.Exec("UPDATE agents SET name = ? WHERE agent_id = ?", strings.Repeat("é", 150), victim)
	require.NoError(t, err)
	for _, mode := range []string{"read", "rollback"} {
		code, out, errs := cutover(t, "run", "--config", f.config, "--dry-run="+mode)
		require.Equal(t, exitFailed, code, out+errs)
		require.Contains(t, out, "; 1 batches failed")
		require.Regexp(t, `1 of \d+ batches failed:\n  batch \d+ \(agents\)`, errs)
		require.Contains(t, errs, "--dry-run="+mode, "the last line says how to rerun")
		if mode == "read" {
			require.Contains(t, errs, "column name (varchar(100)): 150 characters, the column holds 100")
		} else {
			require.Contains(t, errs, "column 'name'")
		}
		require.Equal(t, before, targetState(t, f), "failed dry run %s changed the target or the ledger", mode)
	}
	var done int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM `"+f.ledger+"`.batches_v1 WHERE state <> 2").Scan(&done))
	require.Zero(t, done, "the real run's batches are all still done, none reset")
}

func TestDryRunUsage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 0, workers: 1, batchRows: 100})
	for _, args := range [][]string{
		{"--dry-run=maybe"},
		{"--dry-run=read", "--create-tables"},
		{"--dry-run=rollback", "--replan"},
	} {
		code, _, errs := cutover(t, append([]string{"run", "--config", f.config}, args...)...)
		require.Equal(t, exitUsage, code, "%v: %s", args, errs)
	}
	var db *sql.DB = f.tgtDB
	var n int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", f.ledger).Scan(&n))
	require.Zero(t, n)
}

// TestDryRunInterrupted: SIGINT stops a dry run like a real one (exit 3, the
// command to run again), and nothing stays.
func TestDryRunInterrupted(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 60_000, workers: 1, batchRows: 300})
	createTargetTables(t, f)
	empty := targetTablesState(t, f)
	cmd, out := runBinary(t, "run", "--config", f.config, "--dry-run=rollback", "-v")
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "batch done") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	require.Contains(t, out.String(), "batch done", "the dry run started copying")
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	st := exitStatus(cmd.Wait())
	require.Equal(t, exitInterrupted, st, out.String())
	require.Contains(t, out.String(), "rerun with: cutover run --config "+f.config+" --dry-run=rollback")
	require.Equal(t, empty, targetTablesState(t, f))
}
