package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/gen"
)

// canaryFixture is a small source whose canary is known by hand. With
// batch_rows 10 every transactions batch holds one tenant, and the agents
// and merchants batches pack every tenant, so the plan's rows per tenant are
// exact: agent 1 has 62 rows (1 agent, 1 merchant, 60 transactions), agent 2
// 32, agent 3 22, agent 4 12, agents 5-7 one each (no merchant). The canary
// of 3 is then agent 1 (the largest), agent 4 (the median of the seven by
// rows) and agent 2 (rows in all three tenant tables, like 3 and 4; the
// tables are equally rare, so the smaller id of the unpicked ones).
func canaryFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, fixtureOpts{workers: 2, batchRows: 10})
	ctx := context.Background()
	for _, db := range []*sql.DB{f.srcDB, f.tgtDB} {
		require.NoError(t, gen.CreateSchema(ctx, db))
	}
	_, err := f.tgtDB.Exec("RENAME TABLE transactions TO txn_history")
	require.NoError(t, err)
	exec := func(q string, args ...any) {
		t.Helper()
		_, err := f.srcDB.Exec(q, args...)
		require.NoError(t, err, q)
	}
	exec("INSERT INTO currencies VALUES ('EUR', 'Euro', 2), ('USD', 'US Dollar', 2)")
	txns := map[int]int{1: 60, 2: 30, 3: 20, 4: 10}
	id := 0
	for agent := 1; agent <= 7; agent++ {
		exec("INSERT INTO agents VALUES (?, ?, 'EU', '2024-01-02 03:04:05.123456')", agent, fmt.Sprintf("agent %d", agent))
		if txns[agent] == 0 {
			continue
		}
		exec("INSERT INTO merchants VALUES (?, ?, ?, 5411, ?, '2024-02-03 04:05:06', NULL)", agent*100, agent, fmt.Sprintf("merchant %d", agent), fmt.Sprintf("%d.5000", agent*1000))
		for range txns[agent] {
			id++
			exec("INSERT INTO transactions VALUES (?, ?, ?, 'EUR', 'settled', ?, '2024-03-04 05:06:07.5', ?)", id, agent*100, fmt.Sprintf("%d.25", id), fmt.Sprintf("note %d", id), []byte{byte(id), 0, 0xff})
		}
	}
	return f
}

// keepTenantBatches sets batching: tenant on transactions: its 120 rows are
// more than ten batches of 10, for which a full run would choose range, and
// these tests count its tenant batches.
func keepTenantBatches(t *testing.T, f *fixture) {
	t.Helper()
	raw, err := os.ReadFile(f.config)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(f.config, []byte(gen.WithBatching(string(raw), "tenant", "transactions")), 0o600))
}

// nonCanaryClaimed counts the claimed batches that hold no canary tenant.
func nonCanaryClaimed(t *testing.T, f *fixture) int {
	t.Helper()
	// Agent 3's transactions and the shared currencies are the batches that
	// hold no canary tenant.
	return ledgerInt(t, f, `SELECT COUNT(*) FROM L.batches_v1 WHERE (tbl = 'currencies' OR (tbl = 'transactions' AND tenants = '["3"]')) AND claim_token > 0`)
}

// TestCanaryHaltsOnTamperedTenant: a trigger on the ledger's batches table
// changes one transaction of canary agent 4 in the target in the very
// transaction that loads it (the rows and the done mark commit together), so
// the copy differs from the source only there. Both processes of the run
// exit 1 naming the difference, the run is halted, the canary is recorded as
// failed, and no batch outside the canary was ever claimed.
func TestCanaryHaltsOnTamperedTenant(t *testing.T) {
	t.Parallel()
	f := canaryFixture(t)
	keepTenantBatches(t, f)
	appendConfig(t, f, "  canary: 3\n")
	code, out, errs := cutover(t, "plan", "--config", f.config)
	require.Equal(t, 0, code, out+errs)
	require.Equal(t, 3, ledgerInt(t, f, `SELECT COUNT(*) FROM L.batches_v1 WHERE tbl = 'currencies' OR (tbl = 'transactions' AND tenants = '["3"]')`))
	// Agent 4's transactions are 111..120 (agents 1-3 hold 1..110), in one
	// batch: its done mark changes one of them, once.
	_, err := f.tgtDB.Exec("CREATE TRIGGER `" + f.ledger + "`.tamper AFTER UPDATE ON `" + f.ledger + "`.batches_v1 FOR EACH ROW " +
		"UPDATE `" + f.tgt + "`.txn_history SET amount = amount + 1 WHERE txn_id = 115 AND NEW.state = 2 AND OLD.state <> 2 AND NEW.tbl = 'transactions' AND NEW.tenants = '[\"4\"]'")
	require.NoError(t, err)

	// The flag gives what the config does: the same run settings.
	procs := []*proc{start(t, binPath, "run", "--config", f.config, "--canary", "3"), start(t, binPath, "run", "--config", f.config)}
	for i, p := range procs {
		require.Equal(t, 1, p.wait(t, 120*time.Second), "process %d: %s", i, p.out.String())
		o := p.out.String()
		require.Contains(t, o, "canary", "process %d", i)
		require.Contains(t, o, "transactions batch", "process %d: %s", i, o)
		require.Contains(t, o, "key (115): changed: amount source 115.25 target 116.25", "process %d: %s", i, o)
	}
	var state, tenants string
	require.NoError(t, f.tgtDB.QueryRow("SELECT state, tenants FROM `"+f.ledger+"`.canary_v1").Scan(&state, &tenants))
	require.Equal(t, "failed", state)
	require.Equal(t, `["1","4","2"]`, tenants)
	ctl, err := ledgerControl(f)
	require.NoError(t, err)
	require.Equal(t, "halted", ctl)
	require.Equal(t, 0, nonCanaryClaimed(t, f), "a batch outside the canary was claimed")
	var n int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM currencies").Scan(&n))
	require.Equal(t, 0, n)
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM txn_history WHERE merchant_id = 300").Scan(&n))
	require.Equal(t, 0, n)
	// One process checked; the halt is in the history once.
	require.Equal(t, 1, ledgerInt(t, f, "SELECT COUNT(*) FROM L.audit_v1 WHERE kind = 'canary' AND detail LIKE 'failed:%'"))

	code, out, _ = cutover(t, "status", "--config", f.config)
	require.Equal(t, 0, code)
	require.Contains(t, out, "halted")
	require.Contains(t, out, "canary: tenants 1, 4, 2 in 12 batches: FAILED; the run is halted")
	require.Contains(t, out, "key (115): changed: amount source 115.25 target 116.25")
}

// TestCanaryProceedsWhenClean: with run.canary: 3 two processes copy the
// canary first, one of them checks it, and only then is the rest claimed;
// the whole copy is equal (CHECKSUM TABLE and an ordered row hash), and the
// report shows the canary.
func TestCanaryProceedsWhenClean(t *testing.T) {
	t.Parallel()
	f := canaryFixture(t)
	keepTenantBatches(t, f)
	appendConfig(t, f, "  canary: 3\n")
	code, out, errs := cutover(t, "plan", "--config", f.config)
	require.Equal(t, 0, code, out+errs)
	procs := []*proc{start(t, binPath, "run", "--config", f.config), start(t, binPath, "run", "--config", f.config)}
	for i, p := range procs {
		require.Equal(t, 0, p.wait(t, 120*time.Second), "process %d: %s", i, p.out.String())
	}
	requireEqualCopy(t, f)
	var state, tenants, detail string
	require.NoError(t, f.tgtDB.QueryRow("SELECT state, tenants, detail FROM `"+f.ledger+"`.canary_v1").Scan(&state, &tenants, &detail))
	require.Equal(t, "passed", state)
	require.Equal(t, `["1","4","2"]`, tenants)
	require.Contains(t, detail, "tenants 1, 4, 2 equal to the source in 12 batches")
	require.Equal(t, 12, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE canary = 1"))
	// The gate held: every batch outside the canary was claimed after the check.
	require.Equal(t, 0, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 b JOIN L.canary_v1 c ON c.run_id = b.run_id WHERE b.canary = 0 AND b.claimed_at < c.checked_at"))
	require.Equal(t, 3, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE canary = 0"))
	require.Equal(t, 1, ledgerInt(t, f, "SELECT COUNT(*) FROM L.audit_v1 WHERE kind = 'canary' AND detail LIKE 'passed:%'"))

	report := f.config + ".html"
	code, out, errs = cutover(t, "report", "--config", f.config, "--out", report)
	require.Equal(t, 0, code, out+errs)
	html := readFile(t, report)
	require.Contains(t, html, "Canary")
	require.Contains(t, html, "passed")
	require.Contains(t, html, "1: the largest (62 rows)")
	require.Contains(t, html, "4: a median one (~12 rows)")
	require.Contains(t, html, "2: the most shapes (rows in 3 of 3 tables)")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// TestCanaryResumesAfterKill: a process killed (SIGKILL) while the canary is
// being copied leaves the gate closed in the ledger; the same command run
// again copies the rest of the canary, checks it, and only then the rest.
func TestCanaryResumesAfterKill(t *testing.T) {
	t.Parallel()
	f := canaryFixture(t)
	appendConfig(t, f, "  canary: 3\n")
	code, out, errs := cutover(t, "plan", "--config", f.config)
	require.Equal(t, 0, code, out+errs)
	// Each canary batch's done mark takes half a second: time to kill the
	// process part way through the canary.
	slow := "`" + f.ledger + "`.slow"
	_, err := f.tgtDB.Exec("CREATE TRIGGER " + slow + " AFTER UPDATE ON `" + f.ledger + "`.batches_v1 FOR EACH ROW " +
		"SET @s = IF(NEW.state = 2 AND OLD.state <> 2 AND NEW.canary = 1, SLEEP(0.5), 0)")
	require.NoError(t, err)
	p := start(t, binPath, "run", "--config", f.config)
	waitFor(t, 60*time.Second, "a canary batch done", func() bool {
		var n int
		err := f.tgtDB.QueryRow("SELECT COUNT(*) FROM `" + f.ledger + "`.batches_v1 WHERE canary = 1 AND state = 2").Scan(&n)
		return err == nil && n >= 1
	})
	require.NoError(t, p.cmd.Process.Kill())
	p.wait(t, 30*time.Second)
	require.Less(t, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE canary = 1 AND state = 2"), 12, "the canary was done before the kill")
	require.Equal(t, "copying", ledgerString(t, f, "SELECT state FROM L.canary_v1"))
	require.Equal(t, 0, nonCanaryClaimed(t, f))
	_, err = f.tgtDB.Exec("DROP TRIGGER " + slow)
	require.NoError(t, err)

	code, out, errs = cutover(t, "run", "--config", f.config)
	require.Equal(t, 0, code, out+errs)
	requireEqualCopy(t, f)
	require.Equal(t, "passed", ledgerString(t, f, "SELECT state FROM L.canary_v1"))
	require.Equal(t, 0, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 b JOIN L.canary_v1 c ON c.run_id = b.run_id WHERE b.canary = 0 AND b.claimed_at < c.checked_at"))
}

// TestCanaryBadInput: a canary out of range is refused with exit 2, nothing written.
func TestCanaryBadInput(t *testing.T) {
	t.Parallel()
	f := canaryFixture(t)
	code, _, errs := cutover(t, "run", "--config", f.config, "--canary", "1000")
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "--canary must be between 0 and 100")
	appendConfig(t, f, "  canary: -1\n")
	code, _, errs = cutover(t, "run", "--config", f.config)
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "run.canary must be between 0 (no canary) and 100 tenants, not -1")
	var n int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", f.ledger).Scan(&n))
	require.Equal(t, 0, n, "a ledger was written")
}

func ledgerString(t *testing.T, f *fixture, query string) string {
	t.Helper()
	var s string
	q := strings.ReplaceAll(query, "L.", "`"+f.ledger+"`.")
	require.NoError(t, f.tgtDB.QueryRow(q).Scan(&s), q)
	return s
}

// TestCanaryWithRangedTable: a table batched by range holds every tenant in
// every batch, so the canary leaves it out (agents and merchants only: the
// plan's 2 batches of them) and it is copied once the canary passed.
func TestCanaryWithRangedTable(t *testing.T) {
	t.Parallel()
	f := canaryFixture(t)
	raw, err := os.ReadFile(f.config)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(f.config, []byte(gen.WithBatching(string(raw), "range", "transactions")), 0o600))
	appendConfig(t, f, "  canary: 3\n")
	code, out, errs := cutover(t, "run", "--config", f.config)
	require.Equal(t, 0, code, out+errs)
	requireEqualCopy(t, f)
	require.Equal(t, "passed", ledgerString(t, f, "SELECT state FROM L.canary_v1"))
	require.Equal(t, 2, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE canary = 1"))
	require.Equal(t, 0, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE canary = 1 AND tbl NOT IN ('agents', 'merchants')"))
	require.Equal(t, 0, ledgerInt(t, f, "SELECT COUNT(*) FROM L.batches_v1 b JOIN L.canary_v1 c ON c.run_id = b.run_id WHERE b.canary = 0 AND b.claimed_at < c.checked_at"))
}
