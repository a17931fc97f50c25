package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

type checksumJSON struct {
	Ready          bool `json:"ready"`
	BatchesChecked int  `json:"batches_checked"`
	Readiness      []struct {
		Tenant string `json:"tenant"`
		Ready  bool   `json:"ready"`
	} `json:"readiness"`
	Differ []struct {
		Batch int    `json:"batch"`
		Table string `json:"table"`
		Rows  []struct {
			Table   string   `json:"table"`
			Key     []string `json:"key"`
			What    string   `json:"what"`
			Columns []struct {
				Column string `json:"column"`
				Source string `json:"source"`
				Target string `json:"target"`
			} `json:"columns"`
		} `json:"rows"`
	} `json:"batches_differ"`
	Repaired []int `json:"repaired"`
}

func verifyJSON(t *testing.T, wantCode int, args ...string) checksumJSON {
	t.Helper()
	code, out, errs := cutover(t, append([]string{"verify", "--json"}, args...)...)
	require.Equal(t, wantCode, code, out+errs)
	var rep checksumJSON
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	return rep
}

func agentOfTxn(t *testing.T, db *sql.DB, txn uint64) string {
	t.Helper()
	var agent int64
	require.NoError(t, db.QueryRow("SELECT m.agent_id FROM txn_history t JOIN merchants m USING (merchant_id) WHERE t.txn_id = ?", txn).Scan(&agent))
	return fmt.Sprint(agent)
}

// TestVerifyChecksumTamper copies the generated dataset (hostile values
// included), checks that checksums agree, tampers with the target in five
// ways, and expects verify to name exactly the rows touched, then --repair to
// make the target equal again (checked by CHECKSUM TABLE and a row hash of
// the test's own).
func TestVerifyChecksumTamper(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 8_000, workers: 2, batchRows: 1_000})
	code, _, errs := cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)

	rep := verifyJSON(t, 0, "--config", f.config, "--checksum")
	require.True(t, rep.Ready)
	require.NotZero(t, rep.BatchesChecked)
	require.Empty(t, rep.Differ)
	rep = verifyJSON(t, 0, "--config", f.config, "--checksum", "--source", "--workers", "3")
	require.True(t, rep.Ready)

	// Five tampers on distinct rows.
	var ids []uint64
	rows, err := f.tgtDB.Query("SELECT txn_id FROM txn_history ORDER BY txn_id LIMIT 4 OFFSET 100")
	require.NoError(t, err)
	for rows.Next() {
		var id uint64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	require.Len(t, ids, 4)
	changed, deleted, extraFrom, spaced := ids[0], ids[1], ids[2], ids[3]
	var maxTxn uint64
	var agent int64
	require.NoError(t, f.tgtDB.QueryRow("SELECT MAX(txn_id) FROM txn_history").Scan(&maxTxn))
	require.NoError(t, f.tgtDB.QueryRow("SELECT agent_id FROM agents ORDER BY agent_id LIMIT 1 OFFSET 7").Scan(&agent))
	extra := maxTxn + 1000
	affected := []string{agentOfTxn(t, f.tgtDB, changed), agentOfTxn(t, f.tgtDB, deleted), agentOfTxn(t, f.tgtDB, extraFrom),
		agentOfTxn(t, f.tgtDB, spaced), fmt.Sprint(agent)}
	for _, q := range []string{
		fmt.Sprintf("UPDATE txn_history SET amount = amount + 1 WHERE txn_id = %d", changed),
		fmt.Sprintf("DELETE FROM txn_history WHERE txn_id = %d", deleted),
		fmt.Sprintf("INSERT INTO txn_history SELECT %d, merchant_id, amount, currency, status, note, created_at, payload FROM txn_history WHERE txn_id = %d", extra, extraFrom),
		fmt.Sprintf("UPDATE agents SET created_at = created_at + INTERVAL 1 MICROSECOND WHERE agent_id = %d", agent),
		fmt.Sprintf("UPDATE txn_history SET status = CONCAT(status, ' ') WHERE txn_id = %d", spaced),
	} {
		_, err := f.tgtDB.Exec(q)
		require.NoError(t, err, q)
	}

	diffFile := filepath.Join(t.TempDir(), "diff.jsonl")
	rep = verifyJSON(t, 1, "--config", f.config, "--checksum", "--diff-file", diffFile)
	require.False(t, rep.Ready)
	type found struct{ table, key, what, cols string }
	var got []found
	for _, b := range rep.Differ {
		for _, r := range b.Rows {
			var cols []string
			for _, c := range r.Columns {
				cols = append(cols, c.Column)
			}
			if r.What != "changed" {
				cols = nil
			}
			got = append(got, found{r.Table, strings.Join(r.Key, ","), r.What, strings.Join(cols, ",")})
		}
	}
	want := []found{
		{"transactions", fmt.Sprint(changed), "changed", "amount"},
		{"transactions", fmt.Sprint(deleted), "missing in target", ""},
		{"transactions", fmt.Sprint(extra), "extra in target", ""},
		{"transactions", fmt.Sprint(spaced), "changed", "status"},
		{"agents", fmt.Sprint(agent), "changed", "created_at"},
	}
	require.ElementsMatch(t, want, got)
	// The trailing space is visible in the side-by-side values.
	for _, b := range rep.Differ {
		for _, r := range b.Rows {
			if r.Key[0] == fmt.Sprint(spaced) && r.Table == "transactions" {
				require.Equal(t, r.Columns[0].Source[:len(r.Columns[0].Source)-1]+` "`, r.Columns[0].Target)
			}
		}
	}
	raw, err := os.ReadFile(diffFile)
	require.NoError(t, err)
	require.Len(t, strings.Split(strings.TrimSpace(string(raw)), "\n"), 5)
	notReady := map[string]bool{}
	readyCount := 0
	for _, r := range rep.Readiness {
		if r.Ready {
			readyCount++
		} else {
			notReady[r.Tenant] = true
		}
	}
	// Exactly the tampered tenants are not ready, though their batches pack
	// other tenants too.
	var notReadyList []string
	for g := range notReady {
		notReadyList = append(notReadyList, g)
	}
	slices.Sort(affected)
	require.ElementsMatch(t, slices.Compact(affected), notReadyList)
	require.NotZero(t, readyCount, "untouched tenants are ready")

	// Per tenant: an untouched tenant is ready on its own, a touched one is not.
	var untouched string
	for _, r := range rep.Readiness {
		if r.Ready && r.Tenant != "(shared)" {
			untouched = r.Tenant
			break
		}
	}
	require.NotEmpty(t, untouched, "%+v", rep.Readiness)
	verifyJSON(t, 0, "--config", f.config, "--checksum", "--tenant", untouched)
	verifyJSON(t, 1, "--config", f.config, "--checksum", "--tenant", untouched, "--tenant", affected[0])

	// The text report names the keys, escaped, and says who is not ready.
	code, out, errs := cutover(t, "verify", "--config", f.config, "--checksum", "--keys", "2")
	require.Equal(t, 1, code, errs)
	require.Contains(t, out, "NO")
	require.Contains(t, out, "more differing rows")
	require.Contains(t, errs, "tenants not ready")

	rep = verifyJSON(t, 0, "--config", f.config, "--repair")
	require.True(t, rep.Ready)
	require.NotEmpty(t, rep.Repaired)
	requireEqualCopy(t, f)
	rep = verifyJSON(t, 0, "--config", f.config, "--checksum", "--source")
	require.True(t, rep.Ready)
	code, out, errs = cutover(t, "verify", "--config", f.config, "--sample", "50%")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "with 95% confidence")
	require.True(t, slices.Contains(strings.Fields(out), "ready"), out)

	// A tenant written to the target outside the plan is in no batch: its
	// count difference alone makes it not ready.
	_, err = f.tgtDB.Exec("INSERT INTO agents (agent_id, name, region, created_at) VALUES (999999999, 'stray', NULL, NOW(6))")
	require.NoError(t, err)
	rep = verifyJSON(t, 1, "--config", f.config, "--checksum")
	var stray []string
	for _, r := range rep.Readiness {
		if !r.Ready {
			stray = append(stray, r.Tenant)
		}
	}
	require.Equal(t, []string{"999999999"}, stray)
}

func TestVerifyChecksumBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 500, workers: 1, batchRows: 1_000})
	for _, args := range [][]string{
		{"--sample", "0"}, {"--sample", "150%"}, {"--sample", "x"},
		{"--source"}, {"--counts", "--checksum"}, {"--diff-file", "x"},
		{"--checksum", "--workers", "-1"},
		{"--checksum", "--diff-file", "/no/such/dir/diff.jsonl"},
		{"--checksum"}, // nothing copied yet: no ledger
	} {
		code, _, errs := cutover(t, append([]string{"verify", "--config", f.config}, args...)...)
		require.Equal(t, 2, code, "%v: %s", args, errs)
		require.NotContains(t, strings.TrimSpace(errs), "\n\n")
	}
	code, _, errs := cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)
	code, _, errs = cutover(t, "verify", "--config", f.config, "--checksum", "--tenant", "no-such-agent")
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "no-such-agent")
}

// TestVerifyChecksumsOff: with run.checksums false the ledger holds none, and
// verify --checksum compares the target with the source read again.
func TestVerifyChecksumsOff(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 3_000, workers: 2, batchRows: 1_000})
	cfg, err := os.ReadFile(f.config)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(f.config, append(cfg, "  checksums: false\n"...), 0o600))
	code, _, errs := cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)
	var stored int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM `"+f.ledger+"`.batches_v1 WHERE checksum IS NOT NULL").Scan(&stored))
	require.Zero(t, stored)
	verifyJSON(t, 0, "--config", f.config, "--checksum")
	_, err = f.tgtDB.Exec("UPDATE merchants SET balance = balance + 0.0001 ORDER BY merchant_id LIMIT 1")
	require.NoError(t, err)
	rep := verifyJSON(t, 1, "--config", f.config, "--checksum")
	require.Len(t, rep.Differ, 1)
	require.Len(t, rep.Differ[0].Rows, 1)
	require.Equal(t, "balance", rep.Differ[0].Rows[0].Columns[0].Column)
}

// A checksum stored in another format (the ledger's bare 32 hex digits
// before the suffix framing) is not a difference: the batch's source rows
// are read instead, and a real difference is still found.
func TestVerifyChecksumOfAnotherFormat(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 3_000, workers: 2, batchRows: 1_000})
	code, _, errs := cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)
	res, err := f.tgtDB.Exec("UPDATE `" + f.ledger + "`.batches_v1 SET checksum = SUBSTRING(checksum, 4) WHERE checksum LIKE 'c2:%'")
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	require.Positive(t, n)
	verifyJSON(t, 0, "--config", f.config, "--checksum")
	_, err = f.tgtDB.Exec("UPDATE merchants SET balance = balance + 0.0001 ORDER BY merchant_id LIMIT 1")
	require.NoError(t, err)
	rep := verifyJSON(t, 1, "--config", f.config, "--checksum")
	require.Len(t, rep.Differ, 1)
}
