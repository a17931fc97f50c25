package main

import (
	"database/sql"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExcludeColumn: `exclude: [logo]` on merchants copies every other
// column (an ordered row hash of them, computed here, is equal on both
// sides), leaves the target's logo at its default (NULL), verifies equal by
// content, and is part of the plan fingerprint. Excluding a column the copy
// needs, or one that does not exist, is refused with exit 2.
func TestExcludeColumn(t *testing.T) {
	t.Parallel()
	f := canaryFixture(t)
	_, err := f.srcDB.Exec("UPDATE merchants SET logo = CONCAT('logo of ', merchant_id)")
	require.NoError(t, err)
	// A column of a type cutover cannot copy yet, which the target lacks.
	_, err = f.srcDB.Exec("ALTER TABLE merchants ADD COLUMN ip INET6 NULL")
	require.NoError(t, err)
	_, err = f.srcDB.Exec("UPDATE merchants SET ip = '::1'")
	require.NoError(t, err)
	code, out, errs := cutover(t, "plan", "--config", f.config)
	require.Equal(t, 2, code, out+errs)
	require.Contains(t, errs, "column ip of table merchants has type inet6, which cutover cannot copy losslessly yet")
	setExclude(t, f, "merchants", "[ip]")
	code, out, errs = cutover(t, "plan", "--config", f.config)
	require.Equal(t, 0, code, out+errs)
	setExclude(t, f, "merchants", "[logo, ip]")
	code, _, errs = cutover(t, "run", "--config", f.config)
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "the config changed since run 1 was planned")

	code, out, errs = cutover(t, "run", "--config", f.config, "--replan")
	require.Equal(t, 0, code, out+errs)
	for _, tc := range []struct{ src, tgt string }{{"currencies", "currencies"}, {"agents", "agents"}, {"transactions", "txn_history"}} {
		require.Equal(t, checksumTable(t, f.srcDB, tc.src), checksumTable(t, f.tgtDB, tc.tgt), "CHECKSUM TABLE of %s", tc.src)
	}
	const cols = "merchant_id, agent_id, name, mcc, balance, created_at"
	for _, db := range []*sql.DB{f.srcDB, f.tgtDB} {
		_, err := db.Exec("CREATE VIEW merchants_kept AS SELECT " + cols + " FROM merchants")
		require.NoError(t, err)
	}
	sh, sn := tableHash(t, f.srcDB, "merchants_kept", "merchant_id")
	th, tn := tableHash(t, f.tgtDB, "merchants_kept", "merchant_id")
	require.Equal(t, int64(4), sn)
	require.Equal(t, sn, tn)
	require.Equal(t, sh, th)
	var withLogo int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM merchants WHERE logo IS NOT NULL").Scan(&withLogo))
	require.Equal(t, 0, withLogo)
	code, out, errs = cutover(t, "verify", "--config", f.config, "--checksum", "--source")
	require.Equal(t, 0, code, out+errs)

	for _, tc := range []struct{ table, exclude, want string }{
		{"merchants", "[ip, merchant_id]", "tables: merchants: column merchant_id cannot be excluded: it is a key column"},
		{"merchants", "[ip, agent_id]", "tables: merchants: column agent_id cannot be excluded: it is the tenant column"},
		{"transactions", "[merchant_id]", "tables: transactions: column merchant_id cannot be excluded: it is the column that reaches its parent (tenant.on)"},
		{"merchants", "[ip, nope]", "excluded column nope does not exist in source table merchants"},
	} {
		setExclude(t, f, tc.table, tc.exclude)
		code, _, errs = cutover(t, "plan", "--config", f.config, "--replan")
		require.Equal(t, 2, code, errs)
		require.Contains(t, errs, tc.want)
		setExclude(t, f, tc.table, "")
		setExclude(t, f, "merchants", "[logo, ip]")
	}
}

// setExclude sets (or, with "", removes) the exclude list of a table of the
// generated schema's config.
func setExclude(t *testing.T, f *fixture, table, list string) {
	t.Helper()
	raw, err := os.ReadFile(f.config)
	require.NoError(t, err)
	lines := strings.Split(string(raw), "\n")
	var out []string
	in := false
	for _, l := range lines {
		if strings.HasPrefix(l, "  - name: ") {
			in = strings.TrimSpace(strings.TrimPrefix(l, "  - name: ")) == table || strings.HasPrefix(strings.TrimPrefix(l, "  - name: "), table+" ")
		}
		if in && strings.HasPrefix(l, "    exclude: ") {
			continue
		}
		out = append(out, l)
		if in && strings.HasPrefix(l, "    key: ") && list != "" {
			out = append(out, "    exclude: "+list)
		}
	}
	require.NoError(t, os.WriteFile(f.config, []byte(strings.Join(out, "\n")), 0o600))
}
