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

// TestKillDuringIndexRebuild: a run on empty target tables loads them without
// their secondary indexes and rebuilds them at the end. The process is killed
// with SIGKILL while a rebuild runs, twice: the first time the rebuild's
// statement is killed on the server too (as a server restart would), the
// second time it is left running there (a statement outlives its client). The
// reruns finish the rebuilds: the target tables' definitions are exactly
// those from before the run (SHOW CREATE TABLE) and the rows equal the
// source's (CHECKSUM TABLE and a row hash).
func TestKillDuringIndexRebuild(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 120_000, workers: 2, batchRows: 4_000})
	// The target tables, as the source defines them, with more keys on
	// txn_history (a longer rebuild, and every kind of definition).
	for _, tc := range [][2]string{{"currencies", "currencies"}, {"agents", "agents"}, {"merchants", "merchants"}, {"transactions", "txn_history"}} {
		ddl := showCreate(t, f.srcDB, tc[0])
		ddl = strings.Replace(ddl, "CREATE TABLE `"+tc[0]+"`", "CREATE TABLE `"+tc[1]+"`", 1)
		_, err := f.tgtDB.Exec(ddl)
		require.NoError(t, err)
	}
	_, err := f.tgtDB.Exec("ALTER TABLE txn_history ADD KEY idx_note (note(12), created_at DESC) COMMENT 'by note', " +
		"ADD KEY idx_status (status, amount) IGNORED, ADD KEY idx_created (created_at, currency)")
	require.NoError(t, err)
	tables := []string{"currencies", "agents", "merchants", "txn_history"}
	before := map[string]string{}
	for _, name := range tables {
		before[name] = showCreate(t, f.tgtDB, name)
	}

	// preflight and plan say what the run will defer; neither changes a table.
	code, pout, errs := cutover(t, "preflight", "--config", f.config, "--json")
	require.Equal(t, 0, code, errs)
	require.Contains(t, pout, `"check": "deferred-indexes"`)
	require.Contains(t, pout, "index `idx_note` (note, created_at)")
	code, pout, errs = cutover(t, "plan", "--config", f.config)
	require.Equal(t, 0, code, errs)
	require.Contains(t, pout, "deferred indexes of txn_history (loaded without, built in one ALTER TABLE once its batches are done): "+
		"index `idx_merchant` (merchant_id), index `idx_note` (note, created_at), index `idx_status` (status, amount), index `idx_created` (created_at, currency)")
	require.Contains(t, pout, "deferred index rebuilds: at most")
	for _, name := range tables {
		require.Equal(t, before[name], showCreate(t, f.tgtDB, name), "SHOW CREATE TABLE %s after plan", name)
	}

	// A rebuild's statement is on the server (its ALTER TABLE runs), in this
	// test's schema: other tests share the server.
	mine := "/* cutover: rebuild indexes */ ALTER TABLE `" + strings.ReplaceAll(f.tgt, "_", `\_`) + "`.%"
	rebuilding := func() bool {
		var n int
		require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE ?", mine).Scan(&n))
		return n > 0
	}
	for i, killStatement := range []bool{true, false} {
		cmd, out := runBinary(t, "run", "--config", f.config)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.Now().Add(90 * time.Second)
		var ended bool
		for !rebuilding() {
			select {
			case err := <-exited:
				require.NoError(t, err, out.String())
				ended = true
			case <-time.After(2 * time.Millisecond):
			}
			if ended {
				break
			}
			require.True(t, time.Now().Before(deadline), "no rebuild started: %s", out.String())
		}
		if ended {
			require.NotZero(t, i, "the first run finished before a rebuild was claimed: %s", out.String())
			t.Logf("run %d finished before a rebuild was claimed", i)
			break
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		require.Equal(t, -int(syscall.SIGKILL), exitStatus(<-exited), "run %d ended by itself: %s", i, out)
		if killStatement {
			// The statement runs on; kill it as a restart of the server would.
			var id int64
			err := f.tgtDB.QueryRow("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE ? LIMIT 1", mine).Scan(&id)
			if err == nil {
				_, _ = f.tgtDB.Exec(fmt.Sprintf("KILL QUERY %d", id))
				t.Logf("killed the rebuild statement on the server")
			} else {
				require.ErrorIs(t, err, sql.ErrNoRows) // it had finished
			}
		}
		t.Logf("kill %d during a rebuild (statement killed on the server: %v)", i, killStatement)
	}
	cmd, out := runBinary(t, "run", "--config", f.config)
	require.NoError(t, cmd.Wait(), out.String())
	require.Contains(t, out.String(), "complete")
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "index") {
			t.Log(line)
		}
	}
	for _, name := range tables {
		require.Equal(t, before[name], showCreate(t, f.tgtDB, name), "SHOW CREATE TABLE %s after the kills", name)
	}
	requireEqualCopy(t, f)
	var open int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM `"+f.ledger+"`.index_steps_v1 WHERE state <> 2").Scan(&open))
	require.Zero(t, open, "index steps not done")

	var sout string
	code, sout, errs = cutover(t, "status", "--config", f.config)
	require.Equal(t, 0, code, errs)
	require.Contains(t, sout, "index rebuilds: 2 of 2 tables done")
	require.Contains(t, sout, "complete")
}

// showCreate returns SHOW CREATE TABLE of table without its AUTO_INCREMENT
// counter.
func showCreate(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	var name, ddl string
	require.NoError(t, db.QueryRow("SHOW CREATE TABLE `"+table+"`").Scan(&name, &ddl))
	return ddl
}
