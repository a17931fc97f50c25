package faults

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/gen"
	"github.com/cutover/cutover/internal/testdb"
)

// binPath is the cutover binary built with -race by TestMain, read-only after.
var binPath string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "cutover-faults-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binPath = filepath.Join(dir, "cutover")
	build := exec.Command("go", "build", "-race", "-o", binPath, "../cmd/cutover")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build cutover: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// The limits every wait of these tests stays within: a hung cutover or server
// fails the test instead of the CI job.
const (
	commandLimit = 3 * time.Minute
	progressWait = 60 * time.Second
)

// pair is the two servers of a test, each one its own process.
type pair struct {
	src, tgt *testdb.Server
}

// newPair starts a source and a target server this test may kill, restart or
// pause. An existing server (CUTOVER_TEST_MYSQL_DSN) is not the test's to
// kill: the fault tests then skip, saying so.
func newPair(t *testing.T, tgtOpts testdb.Options) pair {
	t.Helper()
	if os.Getenv(testdb.EnvDSN) != "" {
		t.Skipf("fault tests start and kill their own MariaDB servers; %s names an existing one, which they do not touch", testdb.EnvDSN)
	}
	p := pair{src: testdb.StartLocalT(t, testdb.Options{}), tgt: testdb.StartLocalT(t, tgtOpts)}
	t.Cleanup(func() { // before the servers stop: their logs go with them
		if t.Failed() {
			t.Logf("source server's error log:\n%s\ntarget server's error log:\n%s", lastLines(p.src.ErrorLog(), 15), lastLines(p.tgt.ErrorLog(), 15))
		}
	})
	return p
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// env is one migration between a pair: a source database, a target database,
// a ledger schema and a config file naming them.
type env struct {
	pair
	srcName, tgtName, ledger string
	srcDB, tgtDB             *sql.DB
	config                   string
	stats                    gen.Stats
	o                        envOpts
}

type envOpts struct {
	rows      int64 // generated source rows; 0 creates the schema only
	workers   int
	batchRows int64
	lease     string // default 5s
	retries   int    // default 2; -1 leaves the key out (cutover's default)
	// run holds extra YAML lines under run:, each indented two spaces.
	run string
	// srcUser and tgtUser, when set, are user:password for the config's
	// DSNs instead of root.
	srcUser, tgtUser string
	// dsnParams is appended to both DSNs (e.g. "?readTimeout=3s").
	dsnParams string
	// noTargetSchema leaves the target database without tables (for
	// --create-tables); otherwise the generated schema is created there.
	noTargetSchema bool
}

const configTemplate = `source:
  driver: mysql
  dsn: %s
target:
  dsn: %s
  ledger_schema: %s
tenant:
  column: agent_id
%srun:
  workers: %d
  batch_rows: %d
  lease: %s
  grace: 5s
%s%s`

// newEnv makes the databases of one migration on p, fills the source and
// writes the config.
func newEnv(t *testing.T, p pair, o envOpts) *env {
	t.Helper()
	if o.workers == 0 {
		o.workers = 2
	}
	if o.batchRows == 0 {
		o.batchRows = 500
	}
	if o.lease == "" {
		o.lease = "5s"
	}
	if o.retries == 0 {
		o.retries = 2
	}
	ctx := context.Background()
	e := &env{pair: p, o: o}
	e.srcName, _ = p.src.NewDatabase(t, "src")
	e.tgtName, _ = p.tgt.NewDatabase(t, "tgt")
	ledger, err := p.tgt.CreateDatabase(ctx, "ledger")
	require.NoError(t, err)
	require.NoError(t, p.tgt.DropDatabase(ctx, ledger)) // a fresh name; cutover creates it
	e.ledger = ledger
	t.Cleanup(func() { _ = p.tgt.DropDatabase(context.Background(), ledger) })
	e.srcDB, err = p.src.Open(e.srcName)
	require.NoError(t, err)
	t.Cleanup(func() { e.srcDB.Close() })
	e.tgtDB, err = p.tgt.Open(e.tgtName)
	require.NoError(t, err)
	t.Cleanup(func() { e.tgtDB.Close() })
	require.NoError(t, gen.CreateSchema(ctx, e.srcDB))
	if o.rows > 0 {
		e.stats, err = gen.Generate(ctx, e.srcDB, gen.Options{Rows: o.rows, Agents: 200, Seed: 18})
		require.NoError(t, err)
	}
	if !o.noTargetSchema {
		require.NoError(t, gen.CreateSchema(ctx, e.tgtDB))
	}
	e.config = filepath.Join(t.TempDir(), "cutover.yaml")
	e.writeConfig(t, "")
	return e
}

// writeConfig writes the config file; extra lines go under run:.
func (e *env) writeConfig(t *testing.T, extraRun string) {
	t.Helper()
	retries := ""
	if e.o.retries >= 0 {
		retries = fmt.Sprintf("  retries: %d\n", e.o.retries)
	}
	cfg := fmt.Sprintf(configTemplate, e.dsn(e.src, e.srcName, e.o.srcUser), e.dsn(e.tgt, e.tgtName, e.o.tgtUser), e.ledger,
		gen.TablesYAML(""), e.o.workers, e.o.batchRows, e.o.lease, retries, e.o.run+extraRun)
	require.NoError(t, os.WriteFile(e.config, []byte(cfg), 0o600))
}

func (e *env) dsn(s *testdb.Server, db, user string) string {
	if user == "" {
		return s.DSN(db) + e.o.dsnParams
	}
	return fmt.Sprintf("%s@unix(%s)/%s%s", user, s.Socket, db, e.o.dsnParams)
}

// result is how one cutover command ended.
type result struct {
	code int
	out  string // stdout and stderr, interleaved
}

func (r result) String() string { return fmt.Sprintf("exit %d:\n%s", r.code, r.out) }

// cutover runs one command of the binary against e's config to its end.
func (e *env) cutover(t *testing.T, args ...string) result {
	t.Helper()
	return e.start(t, args...).wait(t, commandLimit)
}

// proc is a cutover command running in the background.
type proc struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error
}

// start starts `cutover CMD --config e.config ARGS...`; the test's end kills
// it if it is still running.
func (e *env) start(t *testing.T, args ...string) *proc {
	t.Helper()
	full := append([]string{args[0], "--config", e.config}, args[1:]...)
	cmd := exec.Command(binPath, full...)
	p := &proc{cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	require.NoError(t, cmd.Start())
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits up to limit for the command to end; past it the test fails
// (a hung command is what several of these tests look for).
func (p *proc) wait(t *testing.T, limit time.Duration) result {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		_ = p.cmd.Process.Signal(syscall.SIGQUIT) // goroutine dump into the output
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		t.Fatalf("cutover %s did not end within %s:\n%s", strings.Join(p.cmd.Args[1:2], " "), limit, p.out.String())
	}
	return result{code: exitStatus(p.err), out: p.out.String()}
}

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
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

// targetRows counts the committed rows of a target table, -1 while the target
// does not answer (it may be the server a test killed).
func (e *env) targetRows(table string) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var n int64
	if err := e.tgtDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+table+"`").Scan(&n); err != nil {
		return -1
	}
	return n
}

// waitTargetRows waits until the target's transactions table holds at least
// frac of the source's, while p runs; a command that ends first fails the test.
func (e *env) waitTargetRows(t *testing.T, p *proc, frac float64) {
	t.Helper()
	goal := int64(frac * float64(e.stats.Transactions))
	deadline := time.Now().Add(progressWait)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for e.targetRows("transactions") < goal {
		if !p.running() {
			t.Fatalf("cutover ended before the fault could be injected:\n%s", p.out.String())
		}
		if time.Now().After(deadline) {
			t.Fatalf("the target did not reach %d transactions within %s:\n%s", goal, progressWait, p.out.String())
		}
		<-tick.C
	}
}

// finish reruns `cutover run` (never with --retry-failed) until it exits 0,
// at most tries times; every run before must exit 3 (interrupted,
// resumable) or 1 (failed, retried by the next run), as allowed.
func (e *env) finish(t *testing.T, tries int, allowed ...int) result {
	t.Helper()
	var r result
	for i := 0; i < tries; i++ {
		r = e.cutover(t, "run")
		if r.code == 0 {
			requireNoHiddenFailure(t, r)
			return r
		}
		require.Contains(t, allowed, r.code, "rerun %d: %s", i+1, r)
		require.NotContains(t, r.out, "--retry-failed", "a plain rerun must not need --retry-failed: %s", r)
	}
	t.Fatalf("no plain rerun of %d completed; the last: %s", tries, r)
	return r
}

var failedCount = regexp.MustCompile(`; (\d+) batches failed`)

// requireNoHiddenFailure fails when a command that exited 0 said batches
// failed: a run with a failed batch never exits 0.
func requireNoHiddenFailure(t *testing.T, r result) {
	t.Helper()
	for _, m := range failedCount.FindAllStringSubmatch(r.out, -1) {
		require.Equal(t, "0", m[1], "exit 0 although batches failed: %s", r)
	}
}

// status is the part of `cutover status --json` these tests read.
type status struct {
	Batches      map[string]int `json:"batches"`
	TotalBatches int            `json:"total_batches"`
}

func (e *env) status(t *testing.T) status {
	t.Helper()
	r := e.cutover(t, "status", "--json")
	require.Equal(t, 0, r.code, r.String())
	var st status
	// The JSON document is stdout; log lines, if any, precede it.
	out := r.out[strings.Index(r.out, "{"):]
	require.NoError(t, json.NewDecoder(strings.NewReader(out)).Decode(&st), r.out)
	return st
}

// genTables are the generated tables with their keys.
var genTables = []struct{ name, key string }{
	{"currencies", "code"},
	{"agents", "agent_id"},
	{"merchants", "merchant_id"},
	{"transactions", "txn_id"},
}

// requireEqual asserts that every generated table is equal on both sides by
// two measures computed here: CHECKSUM TABLE (when the target's columns are
// in the source's order) and an ordered hash of every value.
func (e *env) requireEqual(t *testing.T) {
	t.Helper()
	for _, tb := range genTables {
		cols := columns(t, e.srcDB, tb.name)
		sh, sn := rowHash(t, e.srcDB, tb.name, cols, tb.key)
		th, tn := rowHash(t, e.tgtDB, tb.name, cols, tb.key)
		require.Equal(t, sn, tn, "row count of %s", tb.name)
		require.Equal(t, sh, th, "row hash of %s", tb.name)
		if slicesEqual(cols, columns(t, e.tgtDB, tb.name)) {
			require.Equal(t, checksumTable(t, e.srcDB, tb.name), checksumTable(t, e.tgtDB, tb.name), "CHECKSUM TABLE of %s", tb.name)
		}
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// columns lists a table's columns in their order.
func columns(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.Query("SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position", table)
	require.NoError(t, err)
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		require.NoError(t, rows.Scan(&c))
		cols = append(cols, c)
	}
	require.NoError(t, rows.Err())
	return cols
}

// rowHash is an ordered hash of the named columns of every row: each value
// length-prefixed, NULL marked apart from ”.
func rowHash(t *testing.T, db *sql.DB, table string, cols []string, orderBy string) (string, int64) {
	t.Helper()
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = "`" + c + "`"
	}
	rows, err := db.Query("SELECT " + strings.Join(quoted, ", ") + " FROM `" + table + "` ORDER BY " + orderBy)
	require.NoError(t, err)
	defer rows.Close()
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	h := sha256.New()
	var n int64
	var lenBuf [8]byte
	for rows.Next() {
		require.NoError(t, rows.Scan(dest...))
		for _, v := range raw {
			if v == nil {
				h.Write([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
				continue
			}
			binary.BigEndian.PutUint64(lenBuf[:], uint64(len(v)))
			h.Write(lenBuf[:])
			h.Write(v)
		}
		n++
	}
	require.NoError(t, rows.Err())
	return hex.EncodeToString(h.Sum(nil)), n
}

func checksumTable(t *testing.T, db *sql.DB, table string) int64 {
	t.Helper()
	var name string
	var sum sql.NullInt64
	require.NoError(t, db.QueryRow("CHECKSUM TABLE `"+table+"`").Scan(&name, &sum))
	require.True(t, sum.Valid, "CHECKSUM TABLE %s returned NULL (table missing?)", table)
	return sum.Int64
}

// targetEmpty asserts that no generated table of the target holds a row (or
// exists, when created is false).
func (e *env) requireTargetUntouched(t *testing.T, tablesExisted bool) {
	t.Helper()
	var n int
	require.NoError(t, e.tgtDB.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&n))
	if !tablesExisted {
		require.Zero(t, n, "tables were created in the target before the refusal")
		return
	}
	for _, tb := range genTables {
		require.Zero(t, e.targetRows(tb.name), "rows were written to %s before the refusal", tb.name)
	}
}

// exec runs statements on db, failing the test on the first error.
func execAll(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		_, err := db.Exec(s)
		require.NoError(t, err, s)
	}
}
