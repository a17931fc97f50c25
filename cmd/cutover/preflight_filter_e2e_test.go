package main

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/cutover/cutover/internal/preflight"
	"github.com/stretchr/testify/require"
)

// TestPreflightWhereAndOverride runs the built binary's preflight on a
// source whose orders table holds, in one row the filter `status <>
// 'deleted'` leaves out, a 30-character name and 5,000,000,000 bound for the
// target's VARCHAR(10) and INT: without the filter both are blocking (exit
// 2), with it there is nothing blocking (exit 0) and nothing was written.
// items has no target table: its override decides what its values are
// checked against, VARCHAR(5) refusing the 8-character code that the
// source's VARCHAR(20), and VARCHAR(8), take.
func TestPreflightWhereAndOverride(t *testing.T) {
	t.Parallel()
	src, srcDSN := srv.NewDatabase(t, "fsrc")
	tgt, tgtDSN := srv.NewDatabase(t, "ftgt")
	srcDB, err := srv.Open(src)
	require.NoError(t, err)
	defer srcDB.Close()
	tgtDB, err := srv.Open(tgt)
	require.NoError(t, err)
	defer tgtDB.Close()
	for _, q := range []string{
		"CREATE TABLE orders (id INT PRIMARY KEY, agent_id INT NOT NULL, status VARCHAR(10) NOT NULL, name VARCHAR(40), qty BIGINT, KEY (agent_id))",
		"INSERT INTO orders SELECT seq, seq % 3, 'open', CONCAT('o', seq), seq FROM seq_1_to_50",
		"INSERT INTO orders VALUES (51, 1, 'deleted', REPEAT('n', 30), 5000000000)",
		"CREATE TABLE items (id INT PRIMARY KEY, agent_id INT NOT NULL, code VARCHAR(20) NOT NULL, KEY (agent_id))",
		"INSERT INTO items VALUES (1, 1, 'abc'), (2, 2, 'abcdefgh')",
	} {
		_, err := srcDB.Exec(q)
		require.NoError(t, err, q)
	}
	_, err = tgtDB.Exec("CREATE TABLE orders (id INT PRIMARY KEY, agent_id INT NOT NULL, status VARCHAR(10) NOT NULL, name VARCHAR(10), qty INT, KEY (agent_id))")
	require.NoError(t, err)
	ledger := "fledger_" + src[len(src)-6:]
	type finding struct{ table, column, check string }
	blocking := func(t *testing.T, tables string) (int, map[finding]string) {
		t.Helper()
		cfg := preflightConfig(t, srcDSN, tgtDSN, ledger, tables)
		code, out := runBinaryEnv(t, "CUTOVER_UNUSED=1", "preflight", "--config", cfg, "--json")
		jsonPart := out
		if code != 0 {
			jsonPart, _ = splitLastLine(out) // the one-line summary follows
		}
		var rep preflight.Report
		require.NoError(t, json.Unmarshal([]byte(jsonPart), &rep), out)
		got := map[finding]string{}
		for _, f := range rep.Findings {
			if f.Severity == preflight.Blocking {
				got[finding{f.Table, f.Column, f.Check}] = fmt.Sprintf("%d %s", f.Rows, f.Example)
			}
		}
		return code, got
	}
	for _, c := range []struct {
		name, tables string
		code         int
		want         map[finding]string
	}{
		{"unfiltered", "  - name: orders\n", 2, map[finding]string{
			{"orders", "name", "string-length"}: "1 30",
			{"orders", "qty", "int-range"}:      "1 5000000000",
		}},
		{"filtered", "  - name: orders\n    where: \"status <> 'deleted'\"\n", 0, map[finding]string{}},
		{"override narrower", "  - name: items\n    override: {code: \"VARCHAR(5)\"}\n", 2, map[finding]string{
			{"items", "code", "string-length"}: "1 8",
		}},
		{"override that fits", "  - name: items\n    override: {code: \"VARCHAR(8)\"}\n", 0, map[finding]string{}},
		{"no override", "  - name: items\n", 0, map[finding]string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, got := blocking(t, c.tables)
			require.Equal(t, c.want, got)
			require.Equal(t, c.code, code)
		})
	}
	require.Equal(t, 1, schemaTableCount(t, tgtDB, tgt), "preflight created a table")
	var n int
	require.NoError(t, tgtDB.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", ledger).Scan(&n))
	require.Zero(t, n, "preflight created the ledger")
}
