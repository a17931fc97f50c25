package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/gen"
	"github.com/cutover/cutover/internal/testdb"
)

// Set once by TestMain, read-only afterwards.
var (
	srv     *testdb.Server
	binPath string // the cutover binary built with -race, for subprocess tests
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	var err error
	srv, err = testdb.Start(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "start test server:", err)
		return 1
	}
	defer srv.Stop()
	dir, err := os.MkdirTemp("", "cutover-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binPath = filepath.Join(dir, "cutover")
	build := exec.Command("go", "build", "-race", "-o", binPath, ".")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build cutover: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// fixture is a generated source, an empty target and a config naming both.
type fixture struct {
	src, tgt, ledger string // database names
	srcDB, tgtDB     *sql.DB
	config           string // path
	stats            gen.Stats
}

const configTemplate = `source:
  driver: mysql
  dsn: %s
target:
  dsn: %s
  ledger_schema: %s
tenant:
  column: agent_id
  ids: [%s]
%srun:
  workers: %d
  batch_rows: %d
  lease: 5s
  grace: 10s
`

type fixtureOpts struct {
	rows      int64
	workers   int
	batchRows int64
	ids       string
}

func newFixture(t *testing.T, o fixtureOpts) *fixture {
	t.Helper()
	f := &fixture{}
	var srcDSN, tgtDSN string
	f.src, srcDSN = srv.NewDatabase(t, "src")
	f.tgt, tgtDSN = srv.NewDatabase(t, "tgt")
	ledgerName, err := srv.CreateDatabase(context.Background(), "ledger")
	require.NoError(t, err)
	require.NoError(t, srv.DropDatabase(context.Background(), ledgerName)) // a fresh name; cutover creates it
	f.ledger = ledgerName
	t.Cleanup(func() { _ = srv.DropDatabase(context.Background(), ledgerName) })
	f.srcDB, err = srv.Open(f.src)
	require.NoError(t, err)
	t.Cleanup(func() { f.srcDB.Close() })
	f.tgtDB, err = srv.Open(f.tgt)
	require.NoError(t, err)
	t.Cleanup(func() { f.tgtDB.Close() })
	if o.rows > 0 {
		ctx := context.Background()
		require.NoError(t, gen.CreateSchema(ctx, f.srcDB))
		f.stats, err = gen.Generate(ctx, f.srcDB, gen.Options{Rows: o.rows, Agents: 300, Seed: 7})
		require.NoError(t, err)
	}
	f.config = filepath.Join(t.TempDir(), "cutover.yaml")
	cfg := fmt.Sprintf(configTemplate, srcDSN, tgtDSN, f.ledger, o.ids, gen.TablesYAML("txn_history"), o.workers, o.batchRows)
	require.NoError(t, os.WriteFile(f.config, []byte(cfg), 0o600))
	return f
}

// cutover runs the command in-process and returns its exit code and output.
func cutover(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	if err != nil {
		fmt.Fprintln(&errb, "cutover: "+err.Error())
	}
	return exitCode(err), out.String(), errb.String()
}

// tableHash is an ordered hash of every row of a table computed here, not by
// the code under test: each value length-prefixed, NULL marked apart from ”.
func tableHash(t *testing.T, db *sql.DB, table, orderBy string) (string, int64) {
	t.Helper()
	rows, err := db.Query("SELECT * FROM `" + table + "` ORDER BY " + orderBy)
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
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

// requireEqualCopy asserts that every table is equal on both sides, byte for
// byte, by two independent measures.
func requireEqualCopy(t *testing.T, f *fixture) {
	t.Helper()
	for _, tc := range []struct{ src, tgt, key string }{
		{"currencies", "currencies", "code"},
		{"agents", "agents", "agent_id"},
		{"merchants", "merchants", "merchant_id"},
		{"transactions", "txn_history", "txn_id"},
	} {
		sh, sn := tableHash(t, f.srcDB, tc.src, tc.key)
		th, tn := tableHash(t, f.tgtDB, tc.tgt, tc.key)
		require.Equal(t, sn, tn, "row count of %s", tc.src)
		require.Equal(t, sh, th, "row hash of %s", tc.src)
		require.Equal(t, checksumTable(t, f.srcDB, tc.src), checksumTable(t, f.tgtDB, tc.tgt), "CHECKSUM TABLE of %s", tc.src)
	}
}
