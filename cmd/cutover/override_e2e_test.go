package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOverrideType: `override: {amount: "DECIMAL(24,6)"}` on transactions
// makes run --create-tables (and schema) create txn_history.amount as
// DECIMAL(24,6), keeping its NOT NULL, instead of the source's
// DECIMAL(18,2); the values arrive unchanged (their sum, computed here, is
// equal) and verify says equal. An override naming no column is refused
// (exit 2).
func TestOverrideType(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 500, workers: 2, batchRows: 100})
	setOverride(t, f, "transactions", `{amount: "DECIMAL(24,6)"}`)
	code, ddl, errs := cutover(t, "schema", "--config", f.config)
	require.Equal(t, 0, code, errs)
	require.Contains(t, ddl, "`amount` DECIMAL(24,6) NOT NULL,")

	code, out, errs := cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, out+errs)
	var typ, nullable string
	require.NoError(t, f.tgtDB.QueryRow("SELECT COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'txn_history' AND COLUMN_NAME = 'amount'").Scan(&typ, &nullable))
	require.Equal(t, "decimal(24,6)", typ)
	require.Equal(t, "NO", nullable)
	var srcSum, tgtSum string
	var srcN, tgtN int64
	require.NoError(t, f.srcDB.QueryRow("SELECT COUNT(*), CAST(SUM(amount) AS DECIMAL(30,2)) FROM transactions").Scan(&srcN, &srcSum))
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*), CAST(SUM(amount) AS DECIMAL(30,2)) FROM txn_history").Scan(&tgtN, &tgtSum))
	require.Equal(t, f.stats.Transactions, srcN)
	require.Equal(t, srcN, tgtN)
	require.Equal(t, srcSum, tgtSum)
	code, out, errs = cutover(t, "verify", "--config", f.config)
	require.Equal(t, 0, code, out+errs)

	setOverride(t, f, "transactions", `{nope: INT}`)
	code, _, errs = cutover(t, "schema", "--config", f.config)
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "override column nope does not exist in source table transactions")
}

// setOverride sets (or, with "", removes) the override map of a table of the
// generated schema's config; m is written as YAML.
func setOverride(t *testing.T, f *fixture, table, m string) {
	t.Helper()
	raw, err := os.ReadFile(f.config)
	require.NoError(t, err)
	var out []string
	in := false
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, "  - name: ") {
			in = strings.Fields(strings.TrimPrefix(l, "  - name: "))[0] == table
		}
		if in && strings.HasPrefix(l, "    override: ") {
			continue
		}
		out = append(out, l)
		if in && strings.HasPrefix(l, "  - name: ") && m != "" {
			out = append(out, "    override: "+m)
		}
	}
	require.NoError(t, os.WriteFile(f.config, []byte(strings.Join(out, "\n")), 0o600))
}
