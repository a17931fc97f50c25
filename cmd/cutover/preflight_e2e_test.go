package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover/cutover/internal/preflight"
	"github.com/stretchr/testify/require"
)

// preflightConfig writes a config for src and tgt naming tables.
func preflightConfig(t *testing.T, srcDSN, tgtDSN, ledger, tables string) string {
	t.Helper()
	cfg := fmt.Sprintf("source:\n  driver: mysql\n  dsn: %s\ntarget:\n  dsn: %s\n  ledger_schema: %s\ntenant:\n  column: agent_id\ntables:\n%s", srcDSN, tgtDSN, ledger, tables)
	path := filepath.Join(t.TempDir(), "cutover.yaml")
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	return path
}

// TestPreflightMySQLFindsEachProblem seeds one problem per MySQL check in a
// source and a pre-created target, runs the built binary, and expects each
// to be found, exit 2 with a one-line summary, and nothing written.
func TestPreflightMySQLFindsEachProblem(t *testing.T) {
	t.Parallel()
	src, srcDSN := srv.NewDatabase(t, "psrc")
	tgt, tgtDSN := srv.NewDatabase(t, "ptgt")
	srcDB, err := srv.Open(src)
	require.NoError(t, err)
	defer srcDB.Close()
	tgtDB, err := srv.Open(tgt)
	require.NoError(t, err)
	defer tgtDB.Close()
	for _, q := range []string{
		// accounts: no index on agent_id on either side; every other column
		// narrower or stricter in the target.
		`CREATE TABLE accounts (id INT AUTO_INCREMENT PRIMARY KEY, agent_id INT NOT NULL,
			score DECIMAL(12,4), qty BIGINT, name VARCHAR(40), note VARCHAR(20) NULL,
			raw VARBINARY(20), code VARBINARY(10), fine VARCHAR(40) CHARACTER SET utf8mb4,
			txt VARCHAR(20) CHARACTER SET utf8mb4, l1 VARCHAR(20) CHARACTER SET latin1,
			ts DATETIME(6), ev DATETIME)`,
		// MariaDB stores an encoded surrogate in a utf8mb4 column, even in
		// strict mode: txt holds one.
		`INSERT INTO accounts (agent_id, score, qty, name, note, raw, code, fine, txt, l1, ts, ev) VALUES
			(1, 1.5, 7, 'short', 'x', 'ok', 'ab', 'fine', 'ok', 'café', '2024-01-01 00:00:00', '2024-01-01'),
			(1, 12345.678, 3000000000, 'a name much longer than ten', NULL, X'C328', 'abcdef', 'fine', X'61EDA080', 'naïve', '2024-01-01 00:00:00.5', '1960-01-01'),
			(2, 2.25, 8, 'ok', 'y', X'EDA080', 'cd', 'fineé😀', 'ok', 'ok', NULL, NULL)`,
		`CREATE TABLE flags (id INT PRIMARY KEY, agent_id INT NOT NULL, b INET6, KEY (agent_id))`,
		`INSERT INTO flags VALUES (1, 1, '::1')`,
		`CREATE TABLE nokey (a INT, agent_id INT, KEY (agent_id))`,
		`INSERT INTO nokey VALUES (1, 1)`,
	} {
		_, err := srcDB.Exec(q)
		require.NoError(t, err, q)
	}
	for _, q := range []string{
		`CREATE TABLE accounts (id INT AUTO_INCREMENT PRIMARY KEY, agent_id INT NOT NULL,
			score DECIMAL(6,2), qty INT, name VARCHAR(10), note VARCHAR(20) NOT NULL,
			raw VARCHAR(20) CHARACTER SET utf8mb4, code VARBINARY(4), fine VARCHAR(40) CHARACTER SET utf8mb4,
			txt VARCHAR(20) CHARACTER SET utf8mb4, l1 VARCHAR(20) CHARACTER SET utf8mb4,
			ts DATETIME, ev TIMESTAMP NULL) AUTO_INCREMENT = 2000000000`,
		`CREATE TABLE flags (id INT PRIMARY KEY, agent_id INT NOT NULL, KEY (agent_id))`,
	} {
		_, err := tgtDB.Exec(q)
		require.NoError(t, err, q)
	}
	ledger := "pledger_" + src[len(src)-6:]
	cfg := preflightConfig(t, srcDSN, tgtDSN, ledger,
		"  - name: accounts\n  - name: flags\n  - name: nokey\n")
	tablesBefore := schemaTableCount(t, tgtDB, tgt)

	code, out := runBinaryEnv(t, "CUTOVER_UNUSED=1", "preflight", "--config", cfg, "--json")
	require.Equal(t, 2, code, out)
	jsonPart, lastLine := splitLastLine(out)
	// The run's own refusal sorts first among the blocking findings (it
	// names no table): the summary names it.
	require.Equal(t, "cutover: preflight: 13 blocking, 3 warnings; worst: config: the run refuses the config: column b of table flags has type inet6, which cutover cannot copy losslessly yet", lastLine)
	require.NotContains(t, out, "goroutine")
	var rep preflight.Report
	require.NoError(t, json.Unmarshal([]byte(jsonPart), &rep), out)

	type where struct{ table, column, check, severity string }
	got := map[where]int64{}
	for _, f := range rep.Findings {
		got[where{f.Table, f.Column, f.Check, f.Severity.String()}] = f.Rows
	}
	want := map[where]int64{
		{"accounts", "score", "decimal-fit", "blocking"}:      1,
		{"accounts", "qty", "int-range", "blocking"}:          1,
		{"accounts", "name", "string-length", "blocking"}:     1,
		{"accounts", "note", "null-for-not-null", "blocking"}: 1,
		{"accounts", "raw", "invalid-utf8mb4", "blocking"}:    2, // C3 28 and an encoded surrogate
		{"accounts", "code", "binary-length", "blocking"}:     1,
		{"accounts", "txt", "invalid-utf8mb4", "blocking"}:    1, // a surrogate labelled utf8mb4
		{"accounts", "ts", "time-fraction", "blocking"}:       1,
		{"accounts", "ev", "timestamp-range", "blocking"}:     1,
		{"", "", "config", "blocking"}:                        0, // the run's own refusal
		{"accounts", "id", "auto-increment", "warning"}:       0,
		{"accounts", "agent_id", "tenant-index", "warning"}:   0,
		{"flags", "b", "unsupported-type", "blocking"}:        0,
		{"flags", "b", "missing-column", "blocking"}:          0,
		{"nokey", "", "no-key", "blocking"}:                   0,
		{"nokey", "", "missing-table", "info"}:                0,
	}
	for w, rows := range want {
		n, ok := got[w]
		require.True(t, ok, "no %+v finding in\n%s", w, out)
		require.Equal(t, rows, n, "rows of %+v", w)
	}
	for w := range got {
		require.NotContains(t, []string{"fine", "l1"}, w.column, "a column that fits has a finding: %+v", w)
	}
	require.Equal(t, rep.Blocking, countSeverity(rep, "blocking"))

	// The table form names the same problems; nothing was written anywhere.
	code, out = runBinaryEnv(t, "CUTOVER_UNUSED=1", "preflight", "--config", cfg)
	require.Equal(t, 2, code, out)
	require.Contains(t, out, "SEVERITY")
	require.Contains(t, out, "invalid-utf8mb4")
	require.Equal(t, tablesBefore, schemaTableCount(t, tgtDB, tgt))
	var n int
	require.NoError(t, tgtDB.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", ledger).Scan(&n))
	require.Zero(t, n, "preflight created the ledger")
	require.NoError(t, tgtDB.QueryRow("SELECT COUNT(*) FROM accounts").Scan(&n))
	require.Zero(t, n, "preflight wrote rows")
}

// TestPreflightCleanExitsZero: a generated dataset copied into tables the
// run would create has warnings at most, so preflight exits 0.
func TestPreflightCleanExitsZero(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 2_000, workers: 2, batchRows: 1_000})
	code, out, errs := cutover(t, "preflight", "--config", f.config)
	require.Equal(t, 0, code, out+errs)
	require.Contains(t, out, "no blocking findings")
	require.NotContains(t, out, "\nblocking")

	// A MySQL source samples too (key ranges; this small dataset is
	// scanned whole, which the sample then costs no more than).
	code, out, errs = cutover(t, "preflight", "--config", f.config, "--sample", "5")
	require.Equal(t, 0, code, out+errs)
	require.Contains(t, out, "no blocking findings")
	code, _, errs = cutover(t, "preflight", "--config", f.config, "--sample", "100")
	require.Equal(t, 2, code)
	require.Contains(t, errs, "--sample")
}

func schemaTableCount(t *testing.T, db *sql.DB, schema string) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", schema).Scan(&n))
	return n
}

// splitLastLine splits combined output into what precedes the last line and
// the last line.
func splitLastLine(out string) (string, string) {
	out = strings.TrimRight(out, "\n")
	i := strings.LastIndex(out, "\n")
	if i < 0 {
		return "", out
	}
	return out[:i], out[i+1:]
}

func countSeverity(rep preflight.Report, sev string) int {
	n := 0
	for _, f := range rep.Findings {
		if f.Severity.String() == sev {
			n++
		}
	}
	return n
}

// TestNameCaseEndToEnd copies an upper-case source table (as Oracle names
// them) into the lower-case target table of the same name: resolution
// matches names ignoring case, preflight and run agree, and the rows arrive.
func TestNameCaseEndToEnd(t *testing.T) {
	t.Parallel()
	src, srcDSN := srv.NewDatabase(t, "csrc")
	tgt, tgtDSN := srv.NewDatabase(t, "ctgt")
	srcDB, err := srv.Open(src)
	require.NoError(t, err)
	defer srcDB.Close()
	tgtDB, err := srv.Open(tgt)
	require.NoError(t, err)
	defer tgtDB.Close()
	_, err = srcDB.Exec("CREATE TABLE MERCHANTS (MERCHANT_ID INT PRIMARY KEY, AGENT_ID INT NOT NULL, LEGAL_NAME VARCHAR(20), KEY (AGENT_ID))")
	require.NoError(t, err)
	_, err = srcDB.Exec("INSERT INTO MERCHANTS SELECT seq, seq % 7, CONCAT('m\\t', seq) FROM seq_1_to_500")
	require.NoError(t, err)
	_, err = tgtDB.Exec("CREATE TABLE merchants (merchant_id INT PRIMARY KEY, agent_id INT NOT NULL, legal_name VARCHAR(20), KEY (agent_id))")
	require.NoError(t, err)
	cfg := preflightConfig(t, srcDSN, tgtDSN, "cledger_"+src[len(src)-6:], "  - name: MERCHANTS\n")
	t.Cleanup(func() { _, _ = tgtDB.Exec("DROP DATABASE IF EXISTS cledger_" + src[len(src)-6:]) })

	code, out, errs := cutover(t, "preflight", "--config", cfg)
	require.Equal(t, 0, code, out+errs)
	code, out, errs = cutover(t, "run", "--config", cfg)
	require.Equal(t, 0, code, out+errs)
	sh, sn := tableHash(t, srcDB, "MERCHANTS", "MERCHANT_ID")
	th, tn := tableHash(t, tgtDB, "merchants", "merchant_id")
	require.Equal(t, int64(500), sn)
	require.Equal(t, sn, tn)
	require.Equal(t, sh, th)
	require.Equal(t, checksumTable(t, srcDB, "MERCHANTS"), checksumTable(t, tgtDB, "merchants"))
}

// TestPreflightOracleWithoutClient: preflight of an Oracle source on a
// machine without the Oracle client says so in one line and exits 2.
func TestPreflightOracleWithoutClient(t *testing.T) {
	t.Parallel()
	if os.Getenv("CUTOVER_TEST_ORACLE_DSN") != "" {
		t.Skip("SKIP: an Oracle client is configured here; the missing-client path cannot be shown")
	}
	_, tgtDSN := srv.NewDatabase(t, "otgt")
	cfg := filepath.Join(t.TempDir(), "cutover.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf("source:\n  driver: oracle\n  dsn: scott/tiger@127.0.0.1:1/FREEPDB1\n  lob_max_bytes: 1048576\ntarget:\n  dsn: %s\ntenant:\n  column: agent_id\ntables:\n  - name: merchants\n", tgtDSN)), 0o600))
	for _, args := range [][]string{{"preflight", "--config", cfg}, {"preflight", "--config", cfg, "--json", "--sample", "5"}} {
		code, out := runBinaryEnv(t, "LD_LIBRARY_PATH=", args...)
		require.Equal(t, 2, code, out)
		msg := strings.TrimSpace(out)
		require.Contains(t, msg, "Oracle client library not found")
		require.Equal(t, 1, strings.Count(msg, "\n")+1, "one line: %q", msg)
		require.NotContains(t, msg, "tiger")
	}
}
