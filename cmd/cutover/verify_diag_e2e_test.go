package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/gen"
)

// diagJSON is the part of `verify --checksum --json` these tests read.
type diagJSON struct {
	Ready     bool `json:"ready"`
	Readiness []struct {
		Tenant string `json:"tenant"`
		Ready  bool   `json:"ready"`
		Hint   string `json:"hint"`
	} `json:"readiness"`
	Counts struct {
		Tables []struct {
			Table     string `json:"table"`
			Target    int64  `json:"target_rows"`
			TargetAll *int64 `json:"target_rows_all"`
		} `json:"tables"`
		Outside []struct {
			TargetTable string `json:"target_table"`
			All         int64  `json:"target_rows_all"`
			InTenants   int64  `json:"target_rows_in_tenants"`
		} `json:"outside_tenants"`
	} `json:"counts"`
	Differ []struct {
		Batch         int      `json:"batch"`
		Table         string   `json:"table"`
		TenantsDiffer []string `json:"tenants_differ"`
		Rows          []struct {
			Table  string   `json:"table"`
			Tenant string   `json:"tenant"`
			Key    []string `json:"key"`
			What   string   `json:"what"`
			Note   string   `json:"note"`
		} `json:"rows"`
	} `json:"batches_differ"`
	WouldRepair []struct {
		Batch int    `json:"batch"`
		Table string `json:"table"`
		Why   string `json:"why"`
	} `json:"would_repair"`
	Repaired []int `json:"repaired"`
}

func diagVerify(t *testing.T, wantCode int, args ...string) diagJSON {
	t.Helper()
	code, out, errs := cutover(t, append([]string{"verify", "--json"}, args...)...)
	require.Equal(t, wantCode, code, out+errs)
	var rep diagJSON
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	return rep
}

func notReady(rep diagJSON) []string {
	var out []string
	for _, r := range rep.Readiness {
		if !r.Ready {
			out = append(out, r.Tenant)
		}
	}
	return out
}

// thousands writes n with comma separators, as the operator reads counts.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func queryInt(t *testing.T, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.QueryRow(q, args...).Scan(&n), q)
	return n
}

func queryStrings(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	require.NoError(t, err, q)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return out
}

// TestVerifyDiagOrphans: a child row whose parent row is deleted, on the
// target or on the source, is said to be what it is (orphaned in the target,
// or in the source), not "missing in target" or "extra in target"; only its
// tenant is not ready; and the counts show the target's COUNT(*) next to the
// rows reached through the tenants.
func TestVerifyDiagOrphans(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 4_000, workers: 2, batchRows: 1_000})
	code, _, errs := cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)

	// Two merchants of two different agents, each with transactions.
	merchants := queryStrings(t, f.srcDB, `SELECT CAST(m.merchant_id AS CHAR) FROM merchants m
		WHERE (SELECT COUNT(*) FROM transactions t WHERE t.merchant_id = m.merchant_id) >= 2
		ORDER BY m.merchant_id`)
	require.GreaterOrEqual(t, len(merchants), 2)
	tgtM := merchants[0]
	agentOf := func(m string) string {
		return fmt.Sprint(queryInt(t, f.srcDB, "SELECT agent_id FROM merchants WHERE merchant_id = ?", m))
	}
	srcM := ""
	for _, m := range merchants[1:] {
		if agentOf(m) != agentOf(tgtM) {
			srcM = m
			break
		}
	}
	require.NotEmpty(t, srcM)
	tgtAgent, srcAgent := agentOf(tgtM), agentOf(srcM)
	tgtTxns := queryStrings(t, f.srcDB, "SELECT CAST(txn_id AS CHAR) FROM transactions WHERE merchant_id = ? ORDER BY txn_id", tgtM)
	srcTxns := queryStrings(t, f.srcDB, "SELECT CAST(txn_id AS CHAR) FROM transactions WHERE merchant_id = ? ORDER BY txn_id", srcM)
	totalTxns := queryInt(t, f.tgtDB, "SELECT COUNT(*) FROM txn_history")

	_, err := f.tgtDB.Exec("DELETE FROM merchants WHERE merchant_id = ?", tgtM)
	require.NoError(t, err)
	_, err = f.srcDB.Exec("DELETE FROM merchants WHERE merchant_id = ?", srcM)
	require.NoError(t, err)

	// --source: the source changed after the copy, which the stored
	// checksums cannot show.
	rep := diagVerify(t, 1, "--config", f.config, "--checksum", "--source")
	type row struct{ table, key, what, tenant string }
	var got []row
	notes := map[string]string{}
	for _, b := range rep.Differ {
		for _, r := range b.Rows {
			got = append(got, row{r.Table, strings.Join(r.Key, ","), r.What, r.Tenant})
			notes[r.Table+" "+strings.Join(r.Key, ",")] = r.Note
		}
	}
	want := []row{
		{"merchants", tgtM, "missing in target", tgtAgent},
		{"merchants", srcM, "extra in target", srcAgent},
	}
	for _, id := range tgtTxns {
		want = append(want, row{"transactions", id, "orphaned in target", tgtAgent})
	}
	for _, id := range srcTxns {
		want = append(want, row{"transactions", id, "orphaned in source", srcAgent})
	}
	require.ElementsMatch(t, want, got)
	require.Equal(t, "the target has this row, but its parent row merchants merchant_id="+tgtM+
		" is not in the target: it is outside every tenant there", notes["transactions "+tgtTxns[0]])
	require.Equal(t, "the source has this row, but its parent row merchants merchant_id="+srcM+
		" is not in the source: it is outside every tenant there (deleted after the copy?); the target still has it", notes["transactions "+srcTxns[0]])
	require.ElementsMatch(t, []string{tgtAgent, srcAgent}, notReady(rep))

	// The target's orphans are outside every tenant: COUNT(*) and the rows
	// reached through the tenants differ by exactly them.
	require.Len(t, rep.Counts.Outside, 1)
	require.Equal(t, "txn_history", rep.Counts.Outside[0].TargetTable)
	require.Equal(t, totalTxns, rep.Counts.Outside[0].All)
	require.Equal(t, totalTxns-int64(len(tgtTxns)), rep.Counts.Outside[0].InTenants)

	// The lines the operator reads.
	code, out, errs := cutover(t, "verify", "--config", f.config, "--checksum", "--source", "--keys", "100")
	require.Equal(t, 1, code, out+errs)
	require.Contains(t, out, "transactions key "+tgtTxns[0]+": orphaned in target: the target has this row, but its parent row merchants merchant_id="+tgtM+" is not in the target: it is outside every tenant there\n")
	require.Contains(t, out, "transactions key "+srcTxns[0]+": orphaned in source: the source has this row, but its parent row merchants merchant_id="+srcM+" is not in the source")
	outsideLine := fmt.Sprintf("txn_history: %s target rows are outside every tenant of the plan (COUNT(*) %s, through the tenants %s)",
		thousands(int64(len(tgtTxns))), thousands(totalTxns), thousands(totalTxns-int64(len(tgtTxns))))
	require.Contains(t, out, outsideLine)
	require.Contains(t, out, fmt.Sprintf("verify: %d of %d tenants ready for cutover", len(rep.Readiness)-2, len(rep.Readiness)))
	require.NotContains(t, out, "missing in target\t\t", "no transaction is called missing")

	// Counts mode: both numbers in the table, and the same line.
	code, out, errs = cutover(t, "verify", "--config", f.config)
	require.Equal(t, 1, code, out+errs)
	require.Regexp(t, regexp.MustCompile(`(?m)^\s*transactions\s+txn_history\s+\d+\s+[\d,]+\s+`+
		regexp.QuoteMeta(thousands(totalTxns-int64(len(tgtTxns)))+" ("+thousands(totalTxns)+" in all)")), out)
	require.Contains(t, out, outsideLine)
}

// TestVerifyDiagRangedPerTenant: on tables batched by key range, a differing
// row makes only its tenant not ready (through its tenant column, or its
// parent's), and --repair --dry-run lists the batches it would copy again
// and writes nothing.
func TestVerifyDiagRangedPerTenant(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 6_000, workers: 2, batchRows: 1_000})
	cfg, err := os.ReadFile(f.config)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(f.config, []byte(gen.WithBatching(string(cfg), "range", "merchants", "transactions")), 0o600))
	code, _, errs := cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)

	txn := fmt.Sprint(queryInt(t, f.tgtDB, "SELECT txn_id FROM txn_history ORDER BY txn_id LIMIT 1 OFFSET 1500"))
	txnAgent := agentOfTxn(t, f.tgtDB, mustUint(t, txn))
	var merchant, merchantAgent string
	for _, m := range queryStrings(t, f.tgtDB, "SELECT CAST(merchant_id AS CHAR) FROM merchants ORDER BY merchant_id") {
		if a := fmt.Sprint(queryInt(t, f.tgtDB, "SELECT agent_id FROM merchants WHERE merchant_id = ?", m)); a != txnAgent {
			merchant, merchantAgent = m, a
			break
		}
	}
	require.NotEmpty(t, merchant)
	for _, q := range []string{
		"UPDATE txn_history SET amount = amount + 0.01 WHERE txn_id = " + txn,
		"UPDATE merchants SET balance = balance + 1 WHERE merchant_id = " + merchant,
	} {
		_, err := f.tgtDB.Exec(q)
		require.NoError(t, err, q)
	}

	rep := diagVerify(t, 1, "--config", f.config, "--checksum")
	require.Greater(t, len(rep.Readiness), 100)
	require.ElementsMatch(t, []string{txnAgent, merchantAgent}, notReady(rep))
	tenants := map[string][]string{}
	for _, b := range rep.Differ {
		tenants[b.Table] = b.TenantsDiffer
	}
	require.Equal(t, map[string][]string{"transactions": {txnAgent}, "merchants": {merchantAgent}}, tenants)
	verifyJSON(t, 1, "--config", f.config, "--checksum", "--tenant", txnAgent)
	var other string
	for _, r := range rep.Readiness {
		if r.Ready && r.Tenant != "(shared)" {
			other = r.Tenant
			break
		}
	}
	verifyJSON(t, 0, "--config", f.config, "--checksum", "--tenant", other)

	// --repair --dry-run: what would be copied, and nothing written.
	ledgerDB, err := srv.Open(f.ledger)
	require.NoError(t, err)
	defer ledgerDB.Close()
	ledgerTables := queryStrings(t, f.tgtDB, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME", f.ledger)
	require.NotEmpty(t, ledgerTables)
	snapshot := func() []string {
		var s []string
		for _, tb := range ledgerTables {
			h, n := tableHash(t, ledgerDB, tb, "1")
			s = append(s, fmt.Sprintf("%s %d %s", tb, n, h))
		}
		for _, tb := range []string{"merchants", "txn_history"} {
			s = append(s, fmt.Sprintf("%s %d", tb, checksumTable(t, f.tgtDB, tb)))
		}
		return s
	}
	before := snapshot()
	code, out, errs := cutover(t, "verify", "--config", f.config, "--repair", "--dry-run")
	require.Equal(t, 1, code, out+errs)
	require.Contains(t, out, "--repair --dry-run: 2 batches would be copied again (nothing was written):")
	line := regexp.MustCompile(`(?m)^batch (\d+): transactions -> txn_history, all tenants in the key range \(rows differ for ` +
		regexp.QuoteMeta(txnAgent) + `\), key \[(\d+), (\d+)\): 1 changed$`).FindStringSubmatch(out)
	require.NotNil(t, line, out)
	lo, hi := mustUint(t, line[2]), mustUint(t, line[3])
	require.True(t, lo <= mustUint(t, txn) && mustUint(t, txn) < hi, "key %s in [%d, %d)", txn, lo, hi)
	// The batch named is the one of the ledger whose range holds the key.
	require.Equal(t, line[1], fmt.Sprint(queryInt(t, ledgerDB, "SELECT id FROM batches_v1 WHERE tbl = 'transactions' AND lo = ? AND hi = ?",
		`["`+line[2]+`"]`, `["`+line[3]+`"]`)))
	require.Regexp(t, `(?m)^batch \d+: merchants -> merchants, (all tenants in the key range|the whole table) \(rows differ for `+regexp.QuoteMeta(merchantAgent)+`\), key \[[^)]*\): 1 changed$`, out)
	require.Equal(t, before, snapshot(), "--dry-run wrote nothing")
	dry := diagVerify(t, 1, "--config", f.config, "--repair", "--dry-run")
	require.Len(t, dry.WouldRepair, 2)
	require.Empty(t, dry.Repaired)
	require.Equal(t, before, snapshot())

	rep = diagVerify(t, 0, "--config", f.config, "--repair")
	require.Len(t, rep.Repaired, 2)
	requireEqualCopy(t, f)
}

func mustUint(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 10, 64)
	require.NoError(t, err)
	return v
}

// TestVerifyDiagBeforeAndStrays: verify before anything was copied says so
// in one line; a tenant no side has is exit 2 naming it; a tenant written to
// the target outside the plan gets a hint.
func TestVerifyDiagBeforeAndStrays(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 3_000, workers: 2, batchRows: 500})
	for _, tb := range []string{"currencies", "agents", "merchants"} {
		_, err := f.tgtDB.Exec(fmt.Sprintf("CREATE TABLE `%s`.`%s` LIKE `%s`.`%s`", f.tgt, tb, f.src, tb))
		require.NoError(t, err)
	}
	_, err := f.tgtDB.Exec(fmt.Sprintf("CREATE TABLE `%s`.txn_history LIKE `%s`.transactions", f.tgt, f.src))
	require.NoError(t, err)
	code, _, errs := cutover(t, "plan", "--config", f.config)
	require.Equal(t, 0, code, errs)
	batches := queryInt(t, f.tgtDB, "SELECT COUNT(*) FROM `"+f.ledger+"`.batches_v1")
	require.Greater(t, batches, int64(3))
	for _, args := range [][]string{{}, {"--checksum"}, {"--repair", "--dry-run"}} {
		code, out, errs := cutover(t, append([]string{"verify", "--config", f.config}, args...)...)
		require.Equal(t, 2, code, "%v: %s%s", args, out, errs)
		msg := strings.TrimSpace(errs)
		require.Equal(t, fmt.Sprintf("cutover: nothing copied yet: run 1 has 0 of %d batches done: copy first with: cutover run --config %s", batches, f.config), msg, args)
		require.Empty(t, out)
	}

	code, _, errs = cutover(t, "run", "--config", f.config)
	require.Equal(t, 0, code, errs)

	// A run not finished: said next to the differences it explains.
	_, err = f.tgtDB.Exec("UPDATE `" + f.ledger + "`.batches_v1 SET state = 0 WHERE id = 1")
	require.NoError(t, err)
	code, out, errs := cutover(t, "verify", "--config", f.config)
	require.Equal(t, 0, code, out+errs)
	require.Contains(t, errs, fmt.Sprintf("note: run 1 has %d of %d batches done: the rows of the others are not copied yet, and differ until they are\n", batches-1, batches))
	_, err = f.tgtDB.Exec("UPDATE `" + f.ledger + "`.batches_v1 SET state = 2 WHERE id = 1")
	require.NoError(t, err)

	for _, args := range [][]string{{}, {"--checksum"}} {
		code, out, errs := cutover(t, append([]string{"verify", "--config", f.config, "--tenant", "12345"}, args...)...)
		require.Equal(t, 2, code, "%v: %s%s", args, out, errs)
		msg := strings.TrimSpace(errs)
		require.Contains(t, msg, "12345")
		require.Equal(t, 0, strings.Count(msg, "\n"), msg)
	}
	code, out, errs = cutover(t, "verify", "--config", f.config, "--tenant", "12345")
	require.Equal(t, 2, code)
	require.Equal(t, "cutover: --tenant 12345: no table has rows of this tenant on either side (is it a value of agent_id?)", strings.TrimSpace(errs), out)

	// A tenant written to the target by someone else.
	_, err = f.tgtDB.Exec("INSERT INTO agents (agent_id, name, region, created_at) VALUES (999999999, 'stray', NULL, NOW(6))")
	require.NoError(t, err)
	hint := "hint: tenant 999999999 has rows only in the target (agents: 1) and none in the source, so no batch of the plan copied them: they were written by something else; delete them from the target (or, if the tenant is new in the source, plan again)"
	code, out, errs = cutover(t, "verify", "--config", f.config)
	require.Equal(t, 1, code, out+errs)
	require.Contains(t, out, hint+"\n")
	code, out, errs = cutover(t, "verify", "--config", f.config, "--checksum")
	require.Equal(t, 1, code, out+errs)
	require.Contains(t, out, hint+"\n")
	rep := diagVerify(t, 1, "--config", f.config, "--checksum")
	require.Equal(t, []string{"999999999"}, notReady(rep))
	i := slices.IndexFunc(rep.Readiness, func(r struct {
		Tenant string `json:"tenant"`
		Ready  bool   `json:"ready"`
		Hint   string `json:"hint"`
	}) bool {
		return r.Tenant == "999999999"
	})
	require.GreaterOrEqual(t, i, 0)
	require.Equal(t, strings.TrimPrefix(hint, "hint: "), rep.Readiness[i].Hint)
}

// TestVerifyDiagRepairOrphans: a parent row deleted in the target leaves its
// children orphaned there; --repair copies the parent's batch before the
// children's, so their reload clears the orphans instead of failing on them.
func TestVerifyDiagRepairOrphans(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 4_000, workers: 2, batchRows: 1_000})
	code, _, errs := cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)
	m := queryStrings(t, f.srcDB, `SELECT CAST(m.merchant_id AS CHAR) FROM merchants m
		WHERE (SELECT COUNT(*) FROM transactions t WHERE t.merchant_id = m.merchant_id) >= 2 ORDER BY m.merchant_id`)[0]
	_, err := f.tgtDB.Exec("DELETE FROM merchants WHERE merchant_id = ?", m)
	require.NoError(t, err)
	code, out, errs := cutover(t, "verify", "--config", f.config, "--repair")
	require.Equal(t, 0, code, out+errs)
	require.NotContains(t, errs, "batch failed")
	require.Regexp(t, `(?m)^repaired 2 batches: \[\d+ \d+\]$`, out)
	require.Zero(t, queryInt(t, f.tgtDB, "SELECT COUNT(*) FROM `"+f.ledger+"`.batches_v1 WHERE state <> 2"), "every batch is done")
	requireEqualCopy(t, f)
	verifyJSON(t, 0, "--config", f.config, "--checksum", "--source")
}

// TestVerifyDiagMovedTenant: a row the target holds under another tenant is
// said to be so from both tenants' side, with the column that moved it, and
// neither is called missing or extra.
func TestVerifyDiagMovedTenant(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 3_000, workers: 2, batchRows: 1_000})
	code, _, errs := cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)
	m := queryStrings(t, f.srcDB, `SELECT CAST(m.merchant_id AS CHAR) FROM merchants m
		WHERE (SELECT COUNT(*) FROM transactions t WHERE t.merchant_id = m.merchant_id) >= 1 ORDER BY m.merchant_id`)[0]
	from := fmt.Sprint(queryInt(t, f.srcDB, "SELECT agent_id FROM merchants WHERE merchant_id = ?", m))
	to := fmt.Sprint(queryInt(t, f.srcDB, "SELECT agent_id FROM agents WHERE agent_id <> ? ORDER BY agent_id LIMIT 1", from))
	txns := queryStrings(t, f.srcDB, "SELECT CAST(txn_id AS CHAR) FROM transactions WHERE merchant_id = ? ORDER BY txn_id", m)
	_, err := f.tgtDB.Exec("UPDATE merchants SET agent_id = ? WHERE merchant_id = ?", to, m)
	require.NoError(t, err)

	rep := diagVerify(t, 1, "--config", f.config, "--checksum")
	type row struct{ table, key, what, tenant, note string }
	var got []row
	for _, b := range rep.Differ {
		for _, r := range b.Rows {
			got = append(got, row{r.Table, strings.Join(r.Key, ","), r.What, r.Tenant, r.Note})
		}
	}
	want := []row{
		{"merchants", m, "under another tenant in target", from, "the target has this row under tenant " + to},
		{"merchants", m, "under another tenant in source", to, "the source has this row under tenant " + from},
	}
	for _, id := range txns {
		want = append(want,
			row{"transactions", id, "under another tenant in target", from, "the target has this row under tenant " + to},
			row{"transactions", id, "under another tenant in source", to, "the source has this row under tenant " + from})
	}
	require.ElementsMatch(t, want, got)
	require.ElementsMatch(t, []string{from, to}, notReady(rep))
	code, out, errs := cutover(t, "verify", "--config", f.config, "--checksum")
	require.Equal(t, 1, code, out+errs)
	require.Regexp(t, `(?m)^merchants\s+\d+\s+`+from+`\s+`+m+`\s+under another tenant in target\s+agent_id\s+`+from+`\s+`+to+`\s*$`, out)
}
