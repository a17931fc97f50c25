package migrate_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/cutover/cutover/checkpoint"
)

// TestRunResumesOnUpgradedV1Ledger: a ledger created with the last release's
// exact DDL (testdata/checkpoint/ledger_v1.sql), holding a run part way
// (tenant 1 done, tenant 2 claimed by a process that died, tenant 3 failed,
// tenant 4 pending), is upgraded by checkpoint.Open and the engine finishes
// the run on it: the target ends equal to the source, and the done batch is
// not copied again.
func TestRunResumesOnUpgradedV1Ledger(t *testing.T) {
	e := newEnv(t, 4, 40, 64, hostileName)
	ctx := context.Background()
	oldName, _ := e.srv.NewDatabase(t, "oldledger")
	raw, err := os.ReadFile("../testdata/checkpoint/ledger_v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "--") {
			lines = append(lines, line)
		}
	}
	for _, s := range strings.Split(strings.Join(lines, "\n"), ";\n") {
		if s = strings.TrimSuffix(strings.TrimSpace(s), ";"); s != "" {
			if _, err := e.tgtDB.Exec(strings.ReplaceAll(s, "`ledger`", "`"+oldName+"`")); err != nil {
				t.Fatalf("%v\n%s", err, s)
			}
		}
	}
	q := func(table string) string { return "`" + oldName + "`." + table + "_v1" }
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := e.tgtDB.Exec(query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	exec("INSERT INTO " + q("runs") + " (config_fp, plan_fp, plan, total_rows, total_batches, created_at, version, run_fp) VALUES ('cfg', 'plan', '{}', 160, 4, NOW(6), '1.0', 'fp')")
	exec("INSERT INTO " + q("batches") + " (run_id, id, tbl, tenants, est_rows, est_bytes, state, attempts, rows_copied, checksum, owner, lease_until, claimed_at, finished_at, error) VALUES" +
		" (1, 1, 'items', '[\"1\"]', 40, 1, 2, 1, 40, NULL, 'old', NULL, '2026-01-01 00:00:00', '2026-01-01 00:00:01', NULL)," +
		" (1, 2, 'items', '[\"2\"]', 40, 1, 1, 1, NULL, NULL, 'dead', NOW(6) - INTERVAL 1 MINUTE, NOW(6) - INTERVAL 2 MINUTE, NULL, NULL)," +
		" (1, 3, 'items', '[\"3\"]', 40, 1, 3, 4, NULL, NULL, 'old', NULL, NOW(6) - INTERVAL 2 MINUTE, NOW(6) - INTERVAL 1 MINUTE, 'source connection: connection refused')," +
		" (1, 4, 'items', '[\"4\"]', 40, 1, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL)")
	// Tenant 1's rows are in the target, committed with its done mark.
	srcName := ""
	if err := e.srcDB.QueryRow("SELECT DATABASE()").Scan(&srcName); err != nil {
		t.Fatal(err)
	}
	exec("INSERT INTO items SELECT * FROM `" + srcName + "`.items WHERE tenant_id = 1")

	if e.ledger, err = checkpoint.Open(ctx, e.tgt.SQL(), oldName); err != nil {
		t.Fatalf("Open of the v1 ledger: %v", err)
	}
	res, err := e.engine(e.src, 1, 2).Run(ctx, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Batches != 2 || res.Failed != 0 || res.Rows != 80 {
		t.Errorf("first run on the upgraded ledger = %+v, want tenants 2 and 4 copied (80 rows)", res)
	}
	if n, err := e.ledger.ResetFailed(ctx, 1); err != nil || n != 1 {
		t.Fatalf("ResetFailed = %d, %v", n, err)
	}
	if res, err = e.engine(e.src, 1, 2).Run(ctx, ctx); err != nil || res.Batches != 1 || res.Rows != 40 {
		t.Fatalf("run after --retry-failed = %+v, %v; want tenant 3 copied", res, err)
	}
	sameRows(t, dump(t, e.tgtDB, ""), dump(t, e.srcDB, ""), "after resuming on an upgraded v1 ledger")
	bs, err := e.ledger.Batches(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.State != checkpoint.Done || b.Rows != 40 {
			t.Errorf("batch %d: %s with %d rows, want done with 40", b.ID, b.State, b.Rows)
		}
	}
	var claimed string
	if err := e.tgtDB.QueryRow("SELECT claimed_at FROM " + q("batches") + " WHERE id = 1").Scan(&claimed); err != nil || !strings.HasPrefix(claimed, "2026-01-01 00:00:00") {
		t.Errorf("the done batch was claimed again: claimed_at %q, %v", claimed, err)
	}
	hist, err := e.ledger.History(ctx, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range hist {
		kinds = append(kinds, string(ev.Kind))
	}
	if got := strings.Join(kinds, " "); got != "retry reset" {
		t.Errorf("history = %s, want the dead process's batch retried, then the failed one reset (its next claim is a first attempt)", got)
	}
}
