package mysqldb

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/preflight"
	"github.com/cutover/cutover/internal/testdb"
	"github.com/cutover/cutover/migrate"
)

// bitTable has BIT columns of every byte boundary that matters: one bit, a
// partial byte, a whole byte, a partial second byte and the widest.
const bitTable = "CREATE TABLE bits (id INT NOT NULL PRIMARY KEY, b1 BIT(1) NULL, b7 BIT(7) NULL, b8 BIT(8) NULL, b12 BIT(12) NULL, b64 BIT(64) NULL)"

// bitRows are literals chosen so their bytes hit every escape of the
// LOAD DATA text (NUL, tab, LF, CR, backslash, 0x1A) and the high bit.
const bitRows = `INSERT INTO bits VALUES
	(1, b'0', b'0000000', b'00000000', b'000000000000', b'0'),
	(2, b'1', b'1111111', b'11111111', b'111111111111', x'FFFFFFFFFFFFFFFF'),
	(3, NULL, NULL, NULL, NULL, NULL),
	(4, b'1', b'0001001', b'00001010', x'090D', x'000D5C1A00090A00'),
	(5, b'0', b'1011100', b'00011010', b'100000000000', x'8000000000000000'),
	(6, b'1', b'0000001', b'10000000', b'000000000001', x'0000000000000001')`

// TestBitLoadData: BIT values read from a source as the driver returns them
// (the value's bytes, big-endian, ceil(n/8) of them) and loaded with the
// writer's LOAD DATA statement come back equal: CHECKSUM TABLE on both
// sides, and each value against its literal.
func TestBitLoadData(t *testing.T) {
	srv := testdb.StartT(t)
	srcName, srcDSN := srv.NewDatabase(t, "bitsrc")
	tgtName, tgtDSN := srv.NewDatabase(t, "bittgt")
	ctx := context.Background()
	src, err := Open(ctx, srcDSN, "", RoleSource, 2)
	require.NoError(t, err)
	defer src.Close()
	tgt, err := Open(ctx, tgtDSN, "", RoleTarget, 2)
	require.NoError(t, err)
	defer tgt.Close()
	for _, q := range []string{bitTable, bitRows} {
		_, err := src.SQL().ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	_, err = tgt.SQL().ExecContext(ctx, bitTable)
	require.NoError(t, err)

	rows, err := src.SQL().QueryContext(ctx, "SELECT id, b1, b7, b8, b12, b64 FROM bits ORDER BY id")
	require.NoError(t, err)
	var file bytes.Buffer
	bw := bufio.NewWriter(&file)
	for rows.Next() {
		vals := make([]sql.RawBytes, 6)
		ptrs := make([]any, 6)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		row := make([][]byte, 6)
		for i, v := range vals {
			if v != nil {
				row[i] = append([]byte{}, v...)
			}
		}
		require.NoError(t, (encoder{}).writeRow(bw, row))
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.NoError(t, bw.Flush())
	handle := "bit-test-" + tgtName
	mysql.RegisterReaderHandler(handle, func() io.Reader { return bytes.NewReader(file.Bytes()) })
	defer mysql.DeregisterReaderHandler(handle)
	tx, err := tgt.SQL().BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, "LOAD DATA LOCAL INFILE 'Reader::"+handle+"' INTO TABLE "+qualified(tgtName, "bits")+
		" CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (`id`, `b1`, `b7`, `b8`, `b12`, `b64`)")
	require.NoError(t, err)
	require.NoError(t, checkWarnings(ctx, tx, "bits"))
	require.NoError(t, tx.Commit())

	checksum := func(db *DB, schema string) int64 {
		var name string
		var sum sql.NullInt64
		require.NoError(t, db.SQL().QueryRowContext(ctx, "CHECKSUM TABLE "+qualified(schema, "bits")).Scan(&name, &sum))
		require.True(t, sum.Valid)
		return sum.Int64
	}
	require.Equal(t, checksum(src, srcName), checksum(tgt, tgtName))
	var lit string
	require.NoError(t, tgt.SQL().QueryRowContext(ctx, "SELECT CONCAT_WS(',', BIN(b1), BIN(b7), BIN(b8), HEX(b12), HEX(b64)) FROM bits WHERE id = 4").Scan(&lit))
	require.Equal(t, "1,1001,1010,90D,D5C1A00090A00", lit)
	var nulls int
	require.NoError(t, tgt.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM bits WHERE id = 3 AND b1 IS NULL AND b7 IS NULL AND b8 IS NULL AND b12 IS NULL AND b64 IS NULL").Scan(&nulls))
	require.Equal(t, 1, nulls)
}

// TestBitCopy copies a table with BIT columns through the adapter
// (requireRawCopy).
func TestBitCopy(t *testing.T) {
	requireRawCopy(t, rawCopy{table: "bits", ddl: bitTable, rows: bitRows, n: 6,
		literal: "SELECT CONCAT_WS(',', BIN(b1), BIN(b7), BIN(b8), HEX(b12), HEX(b64)) FROM bits WHERE id = 5",
		want:    "0,1011100,11010,800,8000000000000000"})
}

// rawCopy is a table whose columns besides id are copied as the server's
// bytes (BIT, spatial), and a literal read of the copy.
type rawCopy struct {
	table, ddl, rows string
	n                int64  // rows copied
	literal, want    string // a query on the target and its expected answer
}

// requireRawCopy copies c's table through the adapter itself: the source's
// reader (Describe, Rows) into the target's writer (Load), once with LOAD
// DATA LOCAL and once with the INSERT fallback. CHECKSUM TABLE and the
// literal prove each copy.
func requireRawCopy(t *testing.T, c rawCopy) {
	t.Helper()
	srv := testdb.StartT(t)
	_, srcDSN := srv.NewDatabase(t, c.table+"src")
	_, tgtDSN := srv.NewDatabase(t, c.table+"tgt")
	ctx := context.Background()
	src, tgt := openPair(t, srcDSN, tgtDSN)
	for _, q := range []string{c.ddl, c.rows} {
		_, err := src.SQL().ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	info, err := src.Describe(ctx, c.table)
	require.NoError(t, err)
	for _, col := range info.Columns[1:] {
		require.Equal(t, catalog.KindBinary, col.Kind, col.Name)
	}
	table := &catalog.Table{Name: c.table, Target: c.table, Columns: info.Columns, Shared: true}
	id, _ := info.Column("id")
	table.Key = []catalog.Column{id}
	checksum := func(db *DB) int64 {
		var name string
		var sum sql.NullInt64
		require.NoError(t, db.SQL().QueryRowContext(ctx, "CHECKSUM TABLE "+c.table).Scan(&name, &sum))
		require.True(t, sum.Valid)
		return sum.Int64
	}
	want := checksum(src)
	for _, insertOnly := range []bool{false, true} {
		t.Run(map[bool]string{false: "load data", true: "insert"}[insertOnly], func(t *testing.T) {
			_, err := tgt.SQL().ExecContext(ctx, "DROP TABLE IF EXISTS "+c.table)
			require.NoError(t, err)
			_, err = tgt.SQL().ExecContext(ctx, c.ddl)
			require.NoError(t, err)
			mw, err := tgt.Writer(ctx, slog.New(slog.DiscardHandler))
			require.NoError(t, err)
			defer mw.Close()
			mw.(*writer).insertOnly = insertOnly
			rd, err := src.Open(ctx)
			require.NoError(t, err)
			defer rd.Close()
			tx, err := mw.Begin(ctx)
			require.NoError(t, err)
			n, err := mw.Load(ctx, tx, table, func(emit migrate.Emit) error {
				_, err := migrate.StreamRows(ctx, rd, catalog.Scope{Table: table}, emit)
				return err
			})
			require.NoError(t, err)
			require.NoError(t, tx.Commit())
			require.Equal(t, c.n, n)
			require.Equal(t, want, checksum(tgt))
			var lit string
			require.NoError(t, tgt.SQL().QueryRowContext(ctx, c.literal).Scan(&lit))
			require.Equal(t, c.want, lit)
		})
	}
}

// TestBitKeyNotOffered: a key with a BIT column is not offered as the
// table's key (key values are bound as bytes, which BIT compares as a
// number), so the run refuses such a table as having no usable key.
func TestBitKeyNotOffered(t *testing.T) {
	srv := testdb.StartT(t)
	_, dsn := srv.NewDatabase(t, "bitkey")
	ctx := context.Background()
	db, err := Open(ctx, dsn, "", RoleSource, 2)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.SQL().ExecContext(ctx, "CREATE TABLE k (b BIT(8) NOT NULL PRIMARY KEY, u INT NOT NULL, ub BIT(4) NOT NULL, UNIQUE KEY (u), UNIQUE KEY (u, ub))")
	require.NoError(t, err)
	info, err := db.Describe(ctx, "k")
	require.NoError(t, err)
	require.Empty(t, info.PrimaryKey)
	require.Equal(t, [][]string{{"u"}}, info.UniqueKeys)
}

// TestPreflightBit: BIT into BIT as wide passes; into a narrower BIT the
// values too wide are counted; into a number, text or a too-short byte
// string, or a BIT fed from another type, is refused.
func TestPreflightBit(t *testing.T) {
	srv := testdb.StartT(t)
	_, srcDSN := srv.NewDatabase(t, "bitpsrc")
	_, tgtDSN := srv.NewDatabase(t, "bitptgt")
	ctx := context.Background()
	src, tgt := openPair(t, srcDSN, tgtDSN)
	for _, q := range []string{
		"CREATE TABLE p (id INT PRIMARY KEY, same BIT(12), wider BIT(8), narrow BIT(12), asint BIT(8), astext BIT(8), asvb BIT(16), short BIT(16), fromint INT)",
		"INSERT INTO p VALUES (1, b'1', b'1', b'1111', b'1', b'1', b'1', b'1', 1), (2, b'0', b'0', b'10000', b'0', b'0', b'0', b'0', 2), (3, NULL, NULL, x'0FFF', NULL, NULL, NULL, NULL, 3)",
	} {
		_, err := src.SQL().ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	_, err := tgt.SQL().ExecContext(ctx, "CREATE TABLE p (id INT PRIMARY KEY, same BIT(12), wider BIT(16), narrow BIT(4), asint INT, astext VARCHAR(8), asvb VARBINARY(2), short VARBINARY(1), fromint BIT(8))")
	require.NoError(t, err)
	fs, err := Preflight(ctx, src, tgt, PreflightTable{Source: "p", Target: "p"})
	require.NoError(t, err)
	got := map[string]int64{}
	for _, f := range fs {
		require.Equal(t, "bit-fit", f.Check, "%+v", f)
		got[f.Column] = f.Rows
	}
	require.Equal(t, map[string]int64{"narrow": 2, "asint": 0, "astext": 0, "short": 0, "fromint": 0}, got)
	// Against its own definition (what run --create-tables makes): clean.
	fs, err = Preflight(ctx, src, src, PreflightTable{Source: "p", Target: "p"})
	require.NoError(t, err)
	require.Empty(t, fs)
}

// TestCheckBit: the dry run's check of a BIT value against the target
// column's width, the value being its bytes as the driver returns them.
func TestCheckBit(t *testing.T) {
	for _, tc := range []struct {
		v    []byte
		typ  string
		fail bool
	}{
		{[]byte{0x01}, "bit(1)", false},
		{[]byte{0x02}, "bit(1)", true},
		{[]byte{0x00, 0x0f}, "bit(4)", false}, // leading zero bytes do not count
		{[]byte{0x00, 0x10}, "bit(4)", true},
		{[]byte{0x0f, 0xff}, "bit(12)", false},
		{[]byte{0x1f, 0xff}, "bit(12)", true},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "bit(64)", false},
		{[]byte{}, "bit(8)", false},
		{[]byte{0x01}, "bit", false},
	} {
		got := checkBit(tc.v, tc.typ)
		require.Equal(t, tc.fail, got != "", "%x into %s: %q", tc.v, tc.typ, got)
	}
}

// TestBitTenantRefused: a BIT tenant column is refused before anything is
// planned (a bound id would match no row: BIT compares as a number), by the
// run's sizing as a config error and by preflight.
func TestBitTenantRefused(t *testing.T) {
	srv := testdb.StartT(t)
	_, srcDSN := srv.NewDatabase(t, "bittsrc")
	_, tgtDSN := srv.NewDatabase(t, "bitttgt")
	ctx := context.Background()
	src, tgt := openPair(t, srcDSN, tgtDSN)
	for _, q := range []string{
		"CREATE TABLE t (id INT PRIMARY KEY, agent BIT(8) NOT NULL, KEY (agent))",
		"INSERT INTO t VALUES (1, b'101'), (2, b'1000001')",
	} {
		_, err := src.SQL().ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	info, err := src.Describe(ctx, "t")
	require.NoError(t, err)
	table := &catalog.Table{Name: "t", Target: "t", Columns: info.Columns, Key: info.Columns[:1], TenantColumn: "agent", TenantKind: catalog.KindBinary}
	_, err = src.Sizes(ctx, table, nil)
	var ce *migrate.ConfigError
	require.ErrorAs(t, err, &ce)
	require.Contains(t, ce.Msg, "tenant column agent of table t has type bit(8)")
	fs, err := Preflight(ctx, src, tgt, PreflightTable{Source: "t", Target: "t", TenantColumn: "agent"})
	require.NoError(t, err)
	found := false
	for _, f := range fs {
		found = found || f.Column == "agent" && f.Check == "unsupported-type" && f.Severity == preflight.Blocking
	}
	require.True(t, found, "%+v", fs)
}
