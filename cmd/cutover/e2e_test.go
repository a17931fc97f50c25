package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/gen"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/planner"
)

func TestCopyEndToEnd(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 40_000, workers: 3, batchRows: 2_000})

	code, out, errs := cutover(t, "plan", "--config", f.config, "--json")
	require.Equal(t, 0, code, errs)
	var doc planner.Doc
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.NotEmpty(t, doc.Batches)
	var planned int64
	for _, b := range doc.Batches {
		require.NotZero(t, b.ID)
		require.LessOrEqual(t, b.Rows, int64(2_000), "batch %d", b.ID)
		planned += b.Rows
	}
	require.Equal(t, f.stats.TotalRows, planned, "the plan covers every row")
	require.Equal(t, f.stats.LargestAgent, mustInt(t, doc.Summary.LargestTenant))

	code, out, errs = cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "complete")
	requireEqualCopy(t, f)

	code, out, errs = cutover(t, "verify", "--config", f.config)
	require.Equal(t, 0, code, out+errs)
	require.Contains(t, out, "equal on both sides")

	// Running again has nothing left to do and changes nothing.
	code, out, errs = cutover(t, "run", "--config", f.config)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "copied 0 rows")
	requireEqualCopy(t, f)

	code, out, errs = cutover(t, "status", "--config", f.config)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "complete")
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var v int64
	_, err := fmt.Sscan(s, &v)
	require.NoError(t, err)
	return v
}

func TestVerifyFindsDifferences(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 8_000, workers: 2, batchRows: 1_000})
	code, _, errs := cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)

	var victim, agent int64
	require.NoError(t, f.tgtDB.QueryRow("SELECT t.txn_id, m.agent_id FROM txn_history t JOIN merchants m USING (merchant_id) ORDER BY t.txn_id LIMIT 1").Scan(&victim, &agent))
	_, err := f.tgtDB.Exec("DELETE FROM txn_history WHERE txn_id = ?", victim)
	require.NoError(t, err)
	_, err = f.tgtDB.Exec("DELETE FROM currencies ORDER BY code LIMIT 1")
	require.NoError(t, err)

	code, out, errs := cutover(t, "verify", "--config", f.config, "--json")
	require.Equal(t, 1, code, errs)
	var rep struct {
		Equal       bool
		Differences []struct {
			Table  string `json:"table"`
			Tenant string `json:"tenant"`
			Source int64  `json:"source_rows"`
			Target int64  `json:"target_rows"`
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.False(t, rep.Equal)
	require.Len(t, rep.Differences, 2)
	require.Equal(t, "currencies", rep.Differences[0].Table)
	require.Equal(t, "", rep.Differences[0].Tenant)
	require.Equal(t, "transactions", rep.Differences[1].Table)
	require.Equal(t, fmt.Sprint(agent), rep.Differences[1].Tenant)
	require.Equal(t, rep.Differences[1].Source-1, rep.Differences[1].Target)
}

// runBinary starts the built binary as a subprocess.
func runBinary(t *testing.T, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	out := &syncBuffer{}
	cmd.Stdout = out
	cmd.Stderr = out
	require.NoError(t, cmd.Start())
	return cmd, out
}

// syncBuffer is a buffer the test may read while the child writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runBinaryEnv runs the binary to completion with one extra environment
// variable and returns its exit code and combined output.
func runBinaryEnv(t *testing.T, env string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(os.Environ(), env)
	out, err := cmd.CombinedOutput()
	return exitStatus(err), string(out)
}

func exitStatus(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestCrashResume kills the process with SIGKILL at random points of the copy
// (chosen by ledger progress, so every kill lands mid-run) and checks that the
// resumed copy loses and duplicates nothing.
func TestCrashResume(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 80_000, workers: 2, batchRows: 500})
	code, _, errs := cutover(t, "plan", "--config", f.config)
	require.Equal(t, 0, code, errs)
	var total int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM `"+f.ledger+"`.batches_v1").Scan(&total))
	doneBatches := func() int {
		var n int
		require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM `"+f.ledger+"`.batches_v1 WHERE state = 2").Scan(&n))
		return n
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for i := 0; i < 4; i++ {
		args := []string{"run", "--config", f.config}
		if i == 0 {
			args = append(args, "--create-tables")
		}
		before := doneBatches()
		goal := before + 1 + rng.IntN(total/8)
		cmd, out := runBinary(t, args...)
		deadline := time.Now().Add(60 * time.Second)
		for doneBatches() < goal && time.Now().Before(deadline) {
			time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		st := exitStatus(cmd.Wait())
		require.Equal(t, -int(syscall.SIGKILL), st, "run %d ended by itself: %s", i, out)
		at := doneBatches()
		require.Less(t, at, total, "kill %d came after the copy finished", i)
		t.Logf("kill %d: %d of %d batches done", i, at, total)
	}
	cmd, out := runBinary(t, "run", "--config", f.config)
	require.NoError(t, cmd.Wait(), out.String())
	require.NotContains(t, out.String(), "copied 0 rows", "the final run had work left")
	t.Logf("final run: %s", lastLines(out.String(), 2))
	requireEqualCopy(t, f)
	code, vout, errs := cutover(t, "verify", "--config", f.config)
	require.Equal(t, 0, code, vout+errs)
}

// TestInterruptResume sends SIGINT: the process stops claiming, exits 3 with
// the command that resumes, and the rerun completes exactly.
func TestInterruptResume(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 40_000, workers: 2, batchRows: 500})
	cmd, out := runBinary(t, "run", "--config", f.config, "--create-tables")
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "planned") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	err := cmd.Wait()
	if st := exitStatus(err); st != 0 {
		require.Equal(t, 3, st, out.String())
		require.Contains(t, out.String(), "resume with: cutover run --config "+f.config)
	}
	cmd, out = runBinary(t, "run", "--config", f.config)
	require.NoError(t, cmd.Wait(), out.String())
	requireEqualCopy(t, f)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// TestBadInput checks that each kind of bad input gives a one-line error that
// names the problem, exit code 2, and writes nothing to the target.
func TestBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 3_000, workers: 2, batchRows: 1_000})
	_, err := f.srcDB.Exec("CREATE TABLE nokey (a INT, b INT)")
	require.NoError(t, err)
	good, err := os.ReadFile(f.config)
	require.NoError(t, err)
	cases := []struct {
		name, config, want string
		args               []string
	}{
		{name: "unknown table", config: strings.Replace(string(good), "name: agents", "name: agentz", 1), want: "agentz"},
		{name: "unknown key column", config: strings.Replace(string(good), "key: [merchant_id]", "key: [merchant_idx]", 1), want: "merchant_idx"},
		{name: "unknown tenant column", config: strings.Replace(string(good), "column: agent_id", "column: agent", 1), want: "tenant column agent"},
		{name: "table without usable key", config: strings.Replace(string(good), "tables:\n", "tables:\n  - name: nokey\n    tenant: none\n", 1), want: "nokey"},
		{name: "key that is not unique", config: strings.Replace(string(good), "key: [merchant_id]", "key: [agent_id]", 1), want: "no usable key"},
		{name: "malformed yaml", config: string(good) + "\n  - : [\n", want: "malformed YAML"},
		{name: "unknown config key", config: strings.Replace(string(good), "batch_rows:", "batch_row:", 1), want: "batch_row"},
		{name: "missing environment variable", config: strings.Replace(string(good), "ledger_schema: ", "ledger_schema: ${CUTOVER_TEST_UNSET_VARIABLE}", 1), want: "CUTOVER_TEST_UNSET_VARIABLE"},
		{name: "unreachable server", config: replaceTargetDSN(string(good), "root@tcp(127.0.0.1:1)/x"), want: "target"},
		{name: "bad workers", config: strings.Replace(string(good), "workers: 2", "workers: -1", 1), want: "run.workers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := f.config + "." + strings.ReplaceAll(tc.name, " ", "_")
			require.NoError(t, os.WriteFile(path, []byte(tc.config), 0o600))
			for _, cmd := range []string{"plan", "run"} {
				args := []string{cmd, "--config", path}
				if cmd == "run" {
					args = append(args, "--create-tables")
				}
				code, out, errs := cutover(t, args...)
				require.Equal(t, 2, code, "%s: %s%s", cmd, out, errs)
				msg := strings.TrimSpace(errs)
				require.Contains(t, msg, tc.want)
				require.Equal(t, 1, strings.Count(msg, "\n")+1, "one line: %q", msg)
				require.NotContains(t, msg, "goroutine")
			}
			var n int
			require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", f.tgt).Scan(&n))
			require.Zero(t, n, "tables were created in the target")
			require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", f.ledger).Scan(&n))
			require.Zero(t, n, "the ledger was created")
		})
	}
}

func replaceTargetDSN(cfg, dsn string) string {
	lines := strings.Split(cfg, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "target:") {
			lines[i+1] = "  dsn: " + dsn
		}
	}
	return strings.Join(lines, "\n")
}

// TestSecretsNeverPrinted runs with a password DSN and checks no output,
// error or ledger row holds the password.
func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 3_000, workers: 2, batchRows: 1_000})
	const password = "Pa55-w0rd_that_must_not_leak"
	user := "u" + f.tgt[len(f.tgt)-8:]
	admin, err := srv.Open("")
	require.NoError(t, err)
	defer admin.Close()
	_, err = admin.Exec("CREATE USER '" + user + "'@'localhost' IDENTIFIED BY '" + password + "'")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = admin.Exec("DROP USER '" + user + "'@'localhost'") })
	_, err = admin.Exec("GRANT ALL ON *.* TO '" + user + "'@'localhost'")
	require.NoError(t, err)
	cfg, err := os.ReadFile(f.config)
	require.NoError(t, err)
	withPass := strings.Replace(srv.DSN(f.src), "root@", user+":"+password+"@", 1)
	text := strings.Replace(string(cfg), "  dsn: "+srv.DSN(f.src), "  dsn: ${CUTOVER_TEST_SECRET_DSN}", 1)
	require.NoError(t, os.WriteFile(f.config, []byte(text), 0o600))
	env := "CUTOVER_TEST_SECRET_DSN=" + withPass

	var all strings.Builder
	for _, args := range [][]string{
		{"plan", "--config", f.config},
		{"run", "--config", f.config, "--create-tables"},
		{"verify", "--config", f.config, "--json"},
		{"status", "--config", f.config, "--json"},
	} {
		code, out := runBinaryEnv(t, env, args...)
		require.Equal(t, 0, code, out)
		all.WriteString(out)
	}
	// Errors that could carry the DSN: a wrong database, a wrong password.
	for _, dsn := range []string{
		strings.Replace(withPass, "/"+f.src, "/no_such_db", 1),
		strings.Replace(withPass, password, password+"x", 1),
		strings.Replace(withPass, "unix(", "unix(/nonexistent", 1),
	} {
		code, out := runBinaryEnv(t, "CUTOVER_TEST_SECRET_DSN="+dsn, "plan", "--config", f.config)
		require.Equal(t, 2, code, out)
		all.WriteString(out)
	}
	require.NotContains(t, all.String(), password)
	var leaked int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM `"+f.ledger+"`.runs_v1 WHERE plan LIKE ?", "%"+password+"%").Scan(&leaked))
	require.Zero(t, leaked)
}

// TestConfigChangeNeedsReplan: a changed plan-shaping config is refused with
// exit 2 until --replan, which then copies everything again exactly.
func TestConfigChangeNeedsReplan(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 6_000, workers: 2, batchRows: 1_000})
	code, _, errs := cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)
	cfg, err := os.ReadFile(f.config)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(f.config, []byte(strings.Replace(string(cfg), "batch_rows: 1000", "batch_rows: 700", 1)), 0o600))
	code, _, errs = cutover(t, "run", "--config", f.config)
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "--replan")
	code, _, errs = cutover(t, "run", "--config", f.config, "--replan")
	require.Equal(t, 0, code, errs)
	requireEqualCopy(t, f)
}

// TestOracleWithoutClient: this machine has no Oracle client library; the
// command says so in one line with exit 2, never a stack trace.
func TestOracleWithoutClient(t *testing.T) {
	t.Parallel()
	if os.Getenv("CUTOVER_TEST_ORACLE_DSN") != "" {
		t.Skip("SKIP: an Oracle client is configured here; the missing-client path cannot be shown")
	}
	f := newFixture(t, fixtureOpts{workers: 2, batchRows: 1_000})
	cfg, err := os.ReadFile(f.config)
	require.NoError(t, err)
	text := strings.Replace(string(cfg), "  driver: mysql\n  dsn: "+srv.DSN(f.src), "  driver: oracle\n  dsn: scott/tiger@127.0.0.1:1/FREEPDB1", 1)
	require.NoError(t, os.WriteFile(f.config, []byte(text), 0o600))
	code, out := runBinaryEnv(t, "LD_LIBRARY_PATH=", "plan", "--config", f.config)
	require.Equal(t, 2, code, out)
	msg := strings.TrimSpace(out)
	require.Contains(t, msg, "Oracle client library not found")
	require.Contains(t, msg, "LD_LIBRARY_PATH")
	require.Equal(t, 1, strings.Count(msg, "\n")+1, "one line: %q", msg)
	require.NotContains(t, msg, "tiger")
}

// TestSchemaFromOracleDDL converts the realistic Oracle DDL fixture offline
// and loads the result into the target server as it is.
func TestSchemaFromOracleDDL(t *testing.T) {
	t.Parallel()
	code, out, errs := cutover(t, "schema", "--oracle-ddl", "../../testdata/oracle/schema.sql")
	require.Equal(t, 0, code, errs)
	stmts := mysqldb.Statements(out)
	require.NotEmpty(t, stmts)
	name, _ := srv.NewDatabase(t, "schema")
	db, err := srv.Open(name)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec("SET foreign_key_checks = 0")
	require.NoError(t, err)
	conn, err := db.Conn(t.Context())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(t.Context(), "SET foreign_key_checks = 0")
	require.NoError(t, err)
	for _, s := range stmts {
		_, err := conn.ExecContext(t.Context(), s)
		require.NoError(t, err, s)
	}
	code, _, errs = cutover(t, "schema", "--oracle-ddl", "no/such/file.sql")
	require.Equal(t, 2, code, errs)
}

// TestInsertFallback: a server that refuses LOAD DATA LOCAL gets multi-row
// INSERTs, with a warning, and the copy is still exact. Not parallel: it turns
// local_infile off for the whole server while it runs (parallel tests start
// only after the sequential ones end).
func TestInsertFallback(t *testing.T) {
	f := newFixture(t, fixtureOpts{rows: 6_000, workers: 2, batchRows: 1_000})
	admin, err := srv.Open("")
	require.NoError(t, err)
	// Closed by a cleanup, after the one below restores local_infile (a
	// deferred Close ran first and the restore failed silently).
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.Exec("SET GLOBAL local_infile = 0"); err != nil {
		t.Skipf("SKIP: cannot turn local_infile off on this server: %v", err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("SET GLOBAL local_infile = 1") })
	code, out, errs := cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, out+errs)
	require.Contains(t, errs, "falling back to multi-row INSERT")
	requireEqualCopy(t, f)
	// The stored checksums cover the rows once, though the refused LOAD DATA
	// had started reading them.
	code, out, errs = cutover(t, "verify", "--config", f.config, "--checksum")
	require.Equal(t, 0, code, out+errs)
}

// TestRangeBatching copies the child tables by key ranges of the whole table
// (batching: range), then proves that a rerun into a target that differs clears
// each range by key alone: a stale row whose parent is missing in the target is
// removed, a deleted row comes back.
func TestRangeBatching(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 30_000, workers: 3, batchRows: 2_000})
	cfg, err := os.ReadFile(f.config)
	require.NoError(t, err)
	ranged := gen.WithBatching(string(cfg), "range", "merchants", "transactions")
	require.NotEqual(t, string(cfg), ranged)
	require.NoError(t, os.WriteFile(f.config, []byte(ranged), 0o600))

	code, out, errs := cutover(t, "plan", "--config", f.config, "--json")
	require.Equal(t, 0, code, errs)
	var doc planner.Doc
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	var planned int64
	ranges := 0
	for _, b := range doc.Batches {
		require.LessOrEqual(t, b.Rows, int64(2_000), "batch %d", b.ID)
		planned += b.Rows
		if b.Table == "transactions" {
			require.Empty(t, b.Tenants, "batch %d of a ranged table names tenants", b.ID)
			ranges++
		}
	}
	require.Equal(t, f.stats.TotalRows, planned, "the plan covers every row")
	require.Greater(t, ranges, 5)
	require.Equal(t, f.stats.LargestAgent, mustInt(t, doc.Summary.LargestTenant), "tenants are still sized")

	code, _, errs = cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)
	requireEqualCopy(t, f)
	var most int64
	require.NoError(t, f.tgtDB.QueryRow("SELECT MAX(rows_copied) FROM `"+f.ledger+"`.batches_v1").Scan(&most))
	require.LessOrEqual(t, most, int64(2_000), "a key range holds at most batch_rows rows")

	var lo, hi uint64
	require.NoError(t, f.tgtDB.QueryRow("SELECT MIN(txn_id), MAX(txn_id) FROM txn_history").Scan(&lo, &hi))
	_, err = f.tgtDB.Exec("DELETE FROM txn_history WHERE txn_id = ?", lo)
	require.NoError(t, err)
	_, err = f.tgtDB.Exec(`INSERT INTO txn_history (txn_id, merchant_id, amount, currency, status, created_at)
		VALUES (?, -1, 1.00, 'EUR', 'stale', '2020-01-01')`, hi+1)
	require.NoError(t, err)
	code, _, errs = cutover(t, "run", "--config", f.config, "--replan")
	require.Equal(t, 0, code, errs)
	requireEqualCopy(t, f)

	// Checksums cover ranged batches: every tenant is ready; a changed value
	// in a ranged table is found by key, makes its tenant not ready (its
	// batch names none; drill-down places the row), and --repair re-copies
	// that key range.
	rep := verifyJSON(t, 0, "--config", f.config, "--checksum")
	require.True(t, rep.Ready)
	require.Greater(t, len(rep.Readiness), 100, "every tenant is a readiness group, though ranged batches name none")
	code, out, errs = cutover(t, "verify", "--config", f.config, "--checksum")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, fmt.Sprintf("... and %d more ready tenants", len(rep.Readiness)-20), "the text lists a few ready tenants, not all")
	var mid uint64
	require.NoError(t, f.tgtDB.QueryRow("SELECT txn_id FROM txn_history ORDER BY txn_id LIMIT 1 OFFSET 7000").Scan(&mid))
	_, err = f.tgtDB.Exec("UPDATE txn_history SET amount = amount + 0.01 WHERE txn_id = ?", mid)
	require.NoError(t, err)
	rep = verifyJSON(t, 1, "--config", f.config, "--checksum")
	require.False(t, rep.Ready)
	require.Len(t, rep.Differ, 1)
	require.Len(t, rep.Differ[0].Rows, 1)
	require.Equal(t, []string{fmt.Sprint(mid)}, rep.Differ[0].Rows[0].Key)
	// Drill-down places the row on its tenant (through its parent): only
	// that tenant is not ready.
	for _, r := range rep.Readiness {
		require.Equal(t, r.Tenant != agentOfTxn(t, f.tgtDB, mid), r.Ready, "tenant %s", r.Tenant)
	}
	verifyJSON(t, 1, "--config", f.config, "--checksum", "--tenant", agentOfTxn(t, f.tgtDB, mid))
	rep = verifyJSON(t, 0, "--config", f.config, "--repair")
	require.True(t, rep.Ready)
	require.Len(t, rep.Repaired, 1)
	requireEqualCopy(t, f)
}

// TestPlanCountsRowsOfNoTenant: rows whose via reference finds no parent are
// in no batch; plan says how many, for each table, tenant or range batched.
func TestPlanCountsRowsOfNoTenant(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 3_000, workers: 2, batchRows: 500})
	_, err := f.srcDB.Exec(`INSERT INTO transactions (txn_id, merchant_id, amount, currency, status, created_at)
		VALUES (1, -1, 1.00, 'EUR', 'orphan', '2020-01-01'), (2, -2, 2.00, 'EUR', 'orphan', '2020-01-01')`)
	require.NoError(t, err)
	for _, batching := range []string{"tenant", "range"} {
		if batching == "range" {
			cfg, err := os.ReadFile(f.config)
			require.NoError(t, err)
			ranged := gen.WithBatching(string(cfg), "range", "transactions")
			require.Contains(t, ranged, "batching: range")
			require.NoError(t, os.WriteFile(f.config, []byte(ranged), 0o600))
		}
		code, out, errs := cutover(t, "plan", "--config", f.config, "--json", "--replan")
		require.Equal(t, 0, code, errs)
		var doc planner.Doc
		require.NoError(t, json.Unmarshal([]byte(out), &doc))
		require.Contains(t, doc.Warnings, "2 rows of transactions belong to no tenant (NULL tenant or no parent row) and are not copied", batching)
		var planned int64
		for _, b := range doc.Batches {
			planned += b.Rows
		}
		require.Equal(t, f.stats.TotalRows, planned, "the orphans are in no batch (batching: %s)", batching)
	}
}

// TestAutoRangeBatching: a full run batches by key range a table reached
// through a parent, larger than ten batches, whose batching the config leaves
// unset; plan says so and why, the run (and a resume) copies exactly, and an
// explicit batching: tenant keeps tenant batches.
func TestAutoRangeBatching(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 20_000, workers: 2, batchRows: 1_000})
	code, out, errs := cutover(t, "plan", "--config", f.config)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "transactions: batching range (chosen: ")
	require.Contains(t, out, "reached through merchants")
	require.Contains(t, out, "set batching: tenant to keep tenant batches")
	require.NotContains(t, out, "is batched by tenant through", "the hint is not printed for a table range was chosen for")

	code, out, errs = cutover(t, "plan", "--config", f.config, "--json", "--replan")
	require.Equal(t, 0, code, errs)
	var doc planner.Doc
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.Len(t, doc.Ranged, 1)
	require.Equal(t, "transactions", doc.Ranged[0].Table)
	var planned int64
	ranges := 0
	for _, b := range doc.Batches {
		planned += b.Rows
		if b.Table == "transactions" {
			require.Empty(t, b.Tenants, "batch %d of a ranged table names tenants", b.ID)
			ranges++
		}
	}
	require.Equal(t, f.stats.TotalRows, planned, "the plan covers every row")
	require.Greater(t, ranges, 5)

	code, _, errs = cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)
	requireEqualCopy(t, f)
	var ranged int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM `"+f.ledger+"`.batches_v1 WHERE run_id = (SELECT MAX(run_id) FROM `"+f.ledger+"`.batches_v1) AND tbl = 'transactions' AND tenants = '[]' AND (lo IS NOT NULL OR hi IS NOT NULL)").Scan(&ranged))
	require.Equal(t, ranges, ranged, "the stored batches are the plan's key ranges")
	// A stored plan run later (a resume) copies by key range too: a range
	// clears its keys whatever their parent, so a stale row whose parent is
	// missing in the target goes, and a deleted row comes back.
	code, _, errs = cutover(t, "plan", "--config", f.config, "--replan")
	require.Equal(t, 0, code, errs)
	var lo, hi uint64
	require.NoError(t, f.tgtDB.QueryRow("SELECT MIN(txn_id), MAX(txn_id) FROM txn_history").Scan(&lo, &hi))
	_, err := f.tgtDB.Exec("DELETE FROM txn_history WHERE txn_id = ?", lo)
	require.NoError(t, err)
	_, err = f.tgtDB.Exec(`INSERT INTO txn_history (txn_id, merchant_id, amount, currency, status, created_at)
		VALUES (?, -1, 1.00, 'EUR', 'stale', '2020-01-01')`, hi+1)
	require.NoError(t, err)
	code, _, errs = cutover(t, "run", "--config", f.config)
	require.Equal(t, 0, code, errs)
	requireEqualCopy(t, f)
	rep := verifyJSON(t, 0, "--config", f.config, "--checksum")
	require.True(t, rep.Ready)
	require.Greater(t, len(rep.Readiness), 10, "every tenant is a readiness group")

	// The user's word: batching: tenant keeps tenant batches.
	cfg, err := os.ReadFile(f.config)
	require.NoError(t, err)
	kept := gen.WithBatching(string(cfg), "tenant", "transactions")
	require.Contains(t, kept, "batching: tenant")
	require.NoError(t, os.WriteFile(f.config, []byte(kept), 0o600))
	code, out, errs = cutover(t, "plan", "--config", f.config, "--json", "--replan")
	require.Equal(t, 0, code, errs)
	doc = planner.Doc{}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.Empty(t, doc.Ranged)
	for _, b := range doc.Batches {
		if b.Table == "transactions" {
			require.NotEmpty(t, b.Tenants, "batch %d of a tenant-batched table", b.ID)
		}
	}
	require.True(t, slices.ContainsFunc(doc.Warnings, func(w string) bool {
		return strings.Contains(w, "table transactions") && strings.Contains(w, "is batched by tenant through merchants")
	}), "%q", doc.Warnings)
	code, _, errs = cutover(t, "run", "--config", f.config)
	require.Equal(t, 0, code, errs)
	requireEqualCopy(t, f)
}
