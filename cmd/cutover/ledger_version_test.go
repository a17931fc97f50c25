package main

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/checkpoint"
)

// TestLedgerNewerOrDamagedExits2: a ledger written by a newer binary, or one
// whose tables were damaged, is refused by every command with exit 2 and one
// line naming the problem (issue 18, fault 5), and nothing is misread.
func TestLedgerNewerOrDamagedExits2(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 2_000, workers: 2, batchRows: 1_000})
	code, _, errs := cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)

	newer := checkpoint.SchemaVersion + 1
	_, err := f.tgtDB.Exec("INSERT INTO `"+f.ledger+"`.schema_version (version, name, started_at, finished_at) VALUES (?, 'from a newer binary', NOW(6), NOW(6))", newer)
	require.NoError(t, err)
	for _, args := range [][]string{{"status"}, {"run"}, {"report", "--out", t.TempDir() + "/r.html"}} {
		code, _, errs := cutover(t, append(args, "--config", f.config)...)
		require.Equal(t, 2, code, "%v: %s", args, errs)
		require.Contains(t, errs, fmt.Sprintf("schema version %d, newer than this binary's schema version %d", newer, checkpoint.SchemaVersion), args)
		require.NotContains(t, errs, "checkpoint.", args)
	}
	_, err = f.tgtDB.Exec("DELETE FROM `"+f.ledger+"`.schema_version WHERE version = ?", newer)
	require.NoError(t, err)

	_, err = f.tgtDB.Exec("ALTER TABLE `" + f.ledger + "`.batches_v1 DROP COLUMN attempts")
	require.NoError(t, err)
	for _, args := range [][]string{{"status"}, {"run"}} {
		code, _, errs := cutover(t, append(args, "--config", f.config)...)
		require.Equal(t, 2, code, "%v: %s", args, errs)
		require.Contains(t, errs, "table batches_v1 column attempts is missing", args)
	}
}
