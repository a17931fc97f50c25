package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWhereFilter: `where: "amount >= 50"` on transactions copies only its
// rows with txn_id 50 to 120 (amounts are txn_id + 0.25): 71 rows, whose
// ordered row hash and CHECKSUM TABLE, computed here over the source rows
// the filter keeps, equal the whole target table's; verify --checksum
// compares the filtered source with the whole target and says ready. The
// filter is part of the plan fingerprint; one the source rejects is refused
// by plan and preflight naming the table (exit 2; preflight does not scan
// the table, whose every scan would AND it in), and change capture is
// refused on a filtered config (exit 2).
func TestWhereFilter(t *testing.T) {
	t.Parallel()
	f := canaryFixture(t)
	code, out, errs := cutover(t, "plan", "--config", f.config)
	require.Equal(t, 0, code, out+errs)
	setWhere(t, f, "transactions", `"amount >= 50"`)
	code, _, errs = cutover(t, "run", "--config", f.config)
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "the config changed since run 1 was planned")

	code, out, errs = cutover(t, "run", "--config", f.config, "--replan")
	require.Equal(t, 0, code, out+errs)
	for _, tc := range []struct{ src, tgt string }{{"currencies", "currencies"}, {"agents", "agents"}, {"merchants", "merchants"}} {
		require.Equal(t, checksumTable(t, f.srcDB, tc.src), checksumTable(t, f.tgtDB, tc.tgt), "CHECKSUM TABLE of %s", tc.src)
	}
	var n int64
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM txn_history").Scan(&n))
	require.Equal(t, int64(71), n)
	for _, q := range []string{
		"CREATE TABLE txn_kept LIKE transactions",
		"INSERT INTO txn_kept SELECT * FROM transactions WHERE txn_id >= 50",
	} {
		_, err := f.srcDB.Exec(q)
		require.NoError(t, err, q)
	}
	sh, sn := tableHash(t, f.srcDB, "txn_kept", "txn_id")
	th, tn := tableHash(t, f.tgtDB, "txn_history", "txn_id")
	require.Equal(t, int64(71), sn)
	require.Equal(t, sn, tn)
	require.Equal(t, sh, th)
	require.Equal(t, checksumTable(t, f.srcDB, "txn_kept"), checksumTable(t, f.tgtDB, "txn_history"))
	code, out, errs = cutover(t, "verify", "--config", f.config, "--checksum", "--source")
	require.Equal(t, 0, code, out+errs)
	require.Contains(t, out, "ready")
	// A source row the filter leaves out may change: verify does not read it.
	// A kept one may not.
	_, err := f.srcDB.Exec("UPDATE transactions SET note = 'changed' WHERE txn_id = 5")
	require.NoError(t, err)
	code, out, errs = cutover(t, "verify", "--config", f.config, "--checksum", "--source")
	require.Equal(t, 0, code, out+errs)
	_, err = f.srcDB.Exec("UPDATE transactions SET note = 'changed' WHERE txn_id = 60")
	require.NoError(t, err)
	code, out, errs = cutover(t, "verify", "--config", f.config, "--checksum", "--source")
	require.NotEqual(t, 0, code, out+errs)

	code, out, errs = cutover(t, "capture", "start", "--config", f.config)
	require.Equal(t, 2, code, out+errs)
	require.Contains(t, errs, "table transactions has a where filter, which change capture and sync cannot honour")

	setWhere(t, f, "transactions", `"no_such_column > 1"`)
	code, _, errs = cutover(t, "plan", "--config", f.config, "--replan")
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, `tables: transactions: where "no_such_column > 1" does not run on the source: Error 1054`)
	code, out, errs = cutover(t, "preflight", "--config", f.config)
	require.Equal(t, 2, code, out+errs)
	require.Contains(t, out+errs, "no_such_column")
	// Every scan of the table ANDs the filter in: it is not scanned.
	require.Contains(t, out, `where "no_such_column > 1" does not run on the source`)
	require.Contains(t, out, "the table's values were not scanned")
}

// setWhere sets (or, with "", removes) the where filter of a table of the
// generated schema's config; filter is written as YAML.
func setWhere(t *testing.T, f *fixture, table, filter string) {
	t.Helper()
	raw, err := os.ReadFile(f.config)
	require.NoError(t, err)
	var out []string
	in := false
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, "  - name: ") {
			in = strings.Fields(strings.TrimPrefix(l, "  - name: "))[0] == table
		}
		if in && strings.HasPrefix(l, "    where: ") {
			continue
		}
		out = append(out, l)
		if in && strings.HasPrefix(l, "  - name: ") && filter != "" {
			out = append(out, "    where: "+filter)
		}
	}
	require.NoError(t, os.WriteFile(f.config, []byte(strings.Join(out, "\n")), 0o600))
}
