package verify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/canon"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/internal/testdb"
)

// TestCanonAgainstMariaDB stores values spelled the way a source adapter
// emits them (Oracle-style: short fractions, padded CHAR, '.5', float32
// digits) into real MariaDB columns, reads them back through the MySQL reader
// and checks each row hashes equal to the emitted values; then it checks that
// a near miss stored the same way does not.
func TestCanonAgainstMariaDB(t *testing.T) {
	srv := testdb.StartT(t)
	name, dsn := srv.NewDatabase(t, "canon")
	db, err := srv.Open(name)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`CREATE TABLE v (id INT PRIMARY KEY, c CHAR(6) NULL, d DECIMAL(12,4) NULL, dt DATETIME(6) NULL,
		dd DATE NULL, f FLOAT NULL, g DOUBLE NULL, tm TIME(3) NULL, vc VARCHAR(20) NULL, b BLOB NULL, ts TIMESTAMP(3) NULL)`)
	require.NoError(t, err)
	emitted := [][]string{
		{"1", "ab    ", ".5", "2024-02-29 23:59:59.5", "2024-02-29", "3.1415927", "0.1", "12:00:01.5", "x ", "\x00\xff", "2024-01-01 00:00:00.25"},
		{"2", "", "-0", "1970-01-01 00:00:01", "1000-01-01", "-0", "1e20", "-838:59:59", "", "", "2038-01-19 03:14:07"},
		{"3", "\\N", "-12.3400", "9999-12-31 23:59:59.999999", "9999-12-31", "1.17549e-38", "-2.5e-300", "00:00:00", "é\u202e", "b", "1970-01-01 00:00:01.001"},
	}
	for _, r := range emitted {
		args := make([]any, len(r))
		for i, v := range r {
			args[i] = v
			if v == "\\N" {
				args[i] = nil
			}
		}
		_, err := db.Exec("INSERT INTO v VALUES (?,?,?,?,?,?,?,?,?,?,?)", args...)
		require.NoError(t, err, "%q", r)
	}
	my, err := mysqldb.Open(context.Background(), dsn, name, mysqldb.RoleSource, 2)
	require.NoError(t, err)
	defer my.Close()
	info, err := my.Describe(context.Background(), "v")
	require.NoError(t, err)
	tbl := &catalog.Table{Name: "v", Target: "v", Columns: info.Columns, Key: info.Columns[:1], Shared: true}
	h := canon.NewHasher(tbl.Columns)
	want := map[string]canon.Digest{}
	for _, r := range emitted {
		row := make([][]byte, len(r))
		for i, v := range r {
			if v != "\\N" {
				row[i] = []byte(v)
			}
		}
		want[r[0]] = h.Row(row)
	}
	rd, err := my.Open(context.Background())
	require.NoError(t, err)
	defer rd.Close()
	read := map[string]string{}
	_, err = rd.Rows(context.Background(), catalog.Scope{Table: tbl}, func(row [][]byte) error {
		id := string(row[0])
		var vals []string
		for _, v := range row {
			vals = append(vals, string(v))
		}
		read[id] = strings.Join(vals, " | ")
		require.Equal(t, want[id], h.Row(row), "row %s: emitted %q, MariaDB returned %q", id, emitted, vals)
		return nil
	})
	require.NoError(t, err)
	require.Len(t, read, len(emitted))

	// Near misses stored in the database: each must change the row's hash.
	for _, q := range []string{
		"UPDATE v SET dt = dt + INTERVAL 1 MICROSECOND WHERE id = 1",
		"UPDATE v SET vc = CONCAT(vc, ' ') WHERE id = 2",
		"UPDATE v SET d = d + 0.0001 WHERE id = 3",
	} {
		_, err := db.Exec(q)
		require.NoError(t, err)
	}
	_, err = rd.Rows(context.Background(), catalog.Scope{Table: tbl}, func(row [][]byte) error {
		require.NotEqual(t, want[string(row[0])], h.Row(row), "row %s still hashes equal after a change", row[0])
		return nil
	})
	require.NoError(t, err)
}
