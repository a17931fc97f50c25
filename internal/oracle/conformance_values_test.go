package oracle

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/internal/testdb"
	"github.com/cutover/cutover/migrate"
)

// The values conformance case: testdata/oracle/conformance_values.sql
// inserts known values with SQL literals into a real Oracle; the adapter
// copies the table into a throwaway MariaDB through the target's own
// writer; the MySQL rows are compared with literals written below, never
// with what the adapter read.

const valuesTable = "CUTOVER_VALUES"

// fixtureStatements splits the fixture at lines ending in ';'.
func fixtureStatements(t *testing.T, name string) (string, []string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testdata, name))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var cur strings.Builder
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "--") {
			continue
		}
		cur.WriteString(l + "\n")
		if strings.HasSuffix(strings.TrimSpace(l), ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	return string(raw), out
}

// valuesTarget creates the fixture table in a throwaway MariaDB from the
// fixture's own DDL, converted by ConvertDDL.
func valuesTarget(t *testing.T) (*testdb.Server, string, *sql.DB) {
	t.Helper()
	raw, _ := fixtureStatements(t, "conformance_values.sql")
	ddl, _, err := ConvertDDL(strings.NewReader(raw), DDLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv := testdb.StartT(t)
	name, _ := srv.NewDatabase(t, "oravalues")
	db, err := srv.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range statements(ddl) {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
	return srv, name, db
}

// TestConformanceValuesTarget: the fixture's DDL loads into MariaDB (no
// Oracle needed), so the Oracle run below only meets data problems.
func TestConformanceValuesTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a MariaDB server")
	}
	_, _, db := valuesTarget(t)
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?", valuesTable).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 18 {
		t.Fatalf("%d columns created, want 18", n)
	}
}

func TestConformanceValues(t *testing.T) {
	dsn := oracleDSN(t)
	ctx := context.Background()
	// A 16-byte bound: row 4's CLOB, NCLOB and BLOB are streamed in pieces.
	src, err := Open(ctx, dsn, Options{MaxLOBBytes: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, stmts := fixtureStatements(t, "conformance_values.sql")
	_, _ = src.DB().ExecContext(ctx, "DROP TABLE "+valuesTable+" PURGE")
	for _, s := range stmts {
		if _, err := src.DB().ExecContext(ctx, s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
	t.Cleanup(func() { _, _ = src.DB().ExecContext(context.Background(), "DROP TABLE "+valuesTable+" PURGE") })

	srv, name, db := valuesTarget(t)
	info, err := src.Describe(ctx, valuesTable)
	if err != nil {
		t.Fatal(err)
	}
	tbl := &catalog.Table{Name: valuesTable, Target: valuesTable, Columns: info.Columns, Key: info.Columns[:1], Shared: true}
	tgt, err := mysqldb.Open(ctx, srv.DSN(name), "", mysqldb.RoleTarget, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	wr, err := tgt.Writer(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer wr.Close()
	rd, err := src.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	tx, err := wr.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n, err := wr.Load(ctx, tx, tbl, func(emit migrate.Emit) error {
		_, err := migrate.StreamRows(ctx, rd, catalog.Scope{Table: tbl}, emit)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Fatalf("%d rows loaded, want 4", n)
	}

	s := func(v string) *string { return &v }
	var null *string
	want := map[int][]*string{
		1: {s("acme"), s("four \U0001F600 byte"), s("ab"), s("2024-03-31 02:30:00"), s("2024-10-27 02:30:00.123456"),
			s("2024-06-01 10:00:00.123456"), s("99999999999999999999999999999999999999"), s("-0.01"), s("1.5e300"),
			s("00FF10AB"), s("abc"), s("été"), s("0102"), s("<a>1</a>"), s("1"), s("2-03"), s("1 02:03:04.500000")},
		// '' is NULL in Oracle: every value but the tenant is NULL.
		2: {s("acme"), null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null},
		// EMPTY_CLOB() and EMPTY_BLOB() are empty, not NULL; CHAR 'ab' is
		// blank-padded in Oracle and read back without the padding.
		3: {s("ab"), null, null, s("2024-10-27 02:30:00"), null, null, s("-99999999999999999999999999999999999999"),
			s("9999999999.99"), s("-0.1"), null, s(""), s("xyyyyyyyyyyyyyyyyyyy"), s(""), null, null, null, null},
		4: {s("ab"), null, null, null, null, null, null, null, null, null, s("long" + strings.Repeat(".", 36)), null,
			s("000102030405060708090A0B0C0D0E0F1011121314"), null, null, null, null},
	}
	rows, err := db.Query(`SELECT ID, TENANT, V, C, CAST(D AS CHAR), CAST(TS AS CHAR), CAST(TZ AS CHAR), CAST(N38 AS CHAR), CAST(AMT AS CHAR),
		CAST(BD AS CHAR), HEX(R), CL, NCL, HEX(BL), X, CAST(JSON_EXTRACT(J, '$.a') AS CHAR), IYM, IDS FROM ` + valuesTable + ` ORDER BY ID`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var id int
		got := make([]sql.NullString, 17)
		dest := []any{&id}
		for i := range got {
			dest = append(dest, &got[i])
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		seen++
		for i, w := range want[id] {
			switch {
			case w == nil && got[i].Valid:
				t.Errorf("row %d column %d: %q, want NULL", id, i+1, got[i].String)
			case w != nil && (!got[i].Valid || got[i].String != *w):
				t.Errorf("row %d column %d: %q (valid %v), want %q", id, i+1, got[i].String, got[i].Valid, *w)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != 4 {
		t.Fatalf("%d rows in the target, want 4", seen)
	}

	// A CHAR tenant: the config's 'ab' finds the stored 'ab   '.
	tenantTbl := &catalog.Table{Name: valuesTable, Columns: info.Columns, Key: info.Columns[:1], TenantColumn: "TENANT"}
	sizes, err := src.Sizes(ctx, tenantTbl, []string{"ab", "acme"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, sz := range sizes {
		got[sz.Tenant] = sz.Rows
	}
	if got["ab"] != 2 || got["acme"] != 2 || len(got) != 2 {
		t.Errorf("CHAR tenant sizes %v, want ab:2 acme:2", got)
	}
}

// TestConformanceDictionary: an invisible column is described (and so
// copied), a virtual one is not, and an ENABLE NOVALIDATE unique key is not
// used as a key.
func TestConformanceDictionary(t *testing.T) {
	dsn := oracleDSN(t)
	ctx := context.Background()
	src, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	db := src.DB()
	const name = "CUTOVER_DICT"
	_, _ = db.ExecContext(ctx, "DROP TABLE "+name+" PURGE")
	for _, q := range []string{
		"CREATE TABLE " + name + " (id NUMBER(10) GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, code VARCHAR2(10) NOT NULL, secret VARCHAR2(10) INVISIBLE, doubled NUMBER GENERATED ALWAYS AS (id * 2) VIRTUAL)",
		"INSERT INTO " + name + " (code) VALUES ('a')",
		"INSERT INTO " + name + " (code) VALUES ('a')",
		"ALTER TABLE " + name + " ADD CONSTRAINT cutover_dict_uk UNIQUE (code) DEFERRABLE ENABLE NOVALIDATE",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), "DROP TABLE "+name+" PURGE") })
	info, err := src.Describe(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range info.Columns {
		cols = append(cols, c.Name)
	}
	if strings.Join(cols, ",") != "ID,CODE,SECRET" {
		t.Errorf("described columns %v, want ID,CODE,SECRET (invisible kept, virtual left out)", cols)
	}
	if len(info.UniqueKeys) != 0 {
		t.Errorf("the NOVALIDATE key is used: %v", info.UniqueKeys)
	}
	ddl, _, err := src.SchemaDDL(ctx, []string{name}, DDLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ddl, "AUTO_INCREMENT") || strings.Contains(ddl, "`DOUBLED` ") {
		t.Errorf("live-dictionary DDL:\n%s", ddl)
	}
}

// TestConformanceNoFlashback: a user with SELECT but without FLASHBACK on
// another owner's table is told the grant by the probes, before any read.
// make test-oracle creates that user (CUTOVER_TEST_ORACLE_NOFLASHBACK_DSN)
// with SELECT on the fixture owner's CUTOVER_CONFORMANCE.
func TestConformanceNoFlashback(t *testing.T) {
	oracleDSN(t)
	dsn := os.Getenv("CUTOVER_TEST_ORACLE_NOFLASHBACK_DSN")
	owner := os.Getenv("CUTOVER_TEST_ORACLE_OWNER")
	if dsn == "" || owner == "" {
		t.Skip("SKIP: set CUTOVER_TEST_ORACLE_NOFLASHBACK_DSN and CUTOVER_TEST_ORACLE_OWNER (make test-oracle does) to run the missing-FLASHBACK case")
	}
	ctx := context.Background()
	src, err := Open(ctx, dsn, Options{Schema: owner, Snapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	fs, err := src.CheckGrants(ctx, []string{"CUTOVER_GRANTED"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range fs {
		found = found || f.Severity == Blocking && strings.Contains(f.Message, "GRANT FLASHBACK ON")
	}
	if !found {
		t.Fatalf("no finding names the FLASHBACK grant: %+v", fs)
	}
}

// The geometry conformance case: testdata/oracle/conformance_geometry.sql
// inserts SDO_GEOMETRY values into a real Oracle, the adapter copies them
// into a GEOMETRY column of a throwaway MariaDB through the target's writer,
// and the stored bytes, SRIDs and WKT are compared with literals below.
// TestConformanceGeometryTarget runs the MySQL half without an Oracle:
// big-endian WKB, written out by hand, through geometryValue and the same
// writer.

const geometryTable = "CUTOVER_GEOMETRY"

// geometryWant is what the target holds per id: HEX of the stored value
// (SRID little-endian, then little-endian WKB), ST_SRID and ST_AsText; the
// NULL row has none.
func geometryWant() map[int][3]string {
	return map[int][3]string{
		1: {"E6100000" + "0101000000" + "000000000000F03F" + "0000000000000040", "4326", "POINT(1 2)"},
		2: {"E6100000" + "010200000002000000" + "0000000000000000" + "0000000000000000" + "000000000000F03F" + "000000000000F03F",
			"4326", "LINESTRING(0 0,1 1)"},
		3: {"E6100000" + "01030000000100000004000000" + "0000000000000000" + "0000000000000000" + "000000000000F03F" + "0000000000000000" +
			"000000000000F03F" + "000000000000F03F" + "0000000000000000" + "0000000000000000", "4326", "POLYGON((0 0,1 0,1 1,0 0))"},
		4: {"00000000" + "0101000000" + "A4703D0AD7C351C0" + "CDCCCCCCCC2C4540", "0", "POINT(-71.06 42.35)"},
	}
}

// geometryTarget creates the geometry fixture's table in a throwaway MariaDB
// from the fixture's DDL, converted by ConvertDDL, and opens the target
// adapter on it.
func geometryTarget(t *testing.T) (*sql.DB, *mysqldb.DB) {
	t.Helper()
	raw, _ := fixtureStatements(t, "conformance_geometry.sql")
	ddl, _, err := ConvertDDL(strings.NewReader(raw), DDLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv := testdb.StartT(t)
	name, _ := srv.NewDatabase(t, "orageo")
	db, err := srv.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range statements(ddl) {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
	tgt, err := mysqldb.Open(context.Background(), srv.DSN(name), "", mysqldb.RoleTarget, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	return db, tgt
}

// loadTarget runs produce into tbl through the target's writer in one
// transaction and returns the rows loaded.
func loadTarget(t *testing.T, tgt *mysqldb.DB, tbl *catalog.Table, produce func(emit migrate.Emit) error) int64 {
	t.Helper()
	ctx := context.Background()
	wr, err := tgt.Writer(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer wr.Close()
	tx, err := wr.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n, err := wr.Load(ctx, tx, tbl, produce)
	if err != nil {
		_ = tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkGeometry compares the target's geometry rows with geometryWant.
func checkGeometry(t *testing.T, db *sql.DB) {
	t.Helper()
	want := geometryWant()
	rows, err := db.Query("SELECT ID, HEX(G), CAST(ST_SRID(G) AS CHAR), ST_AsText(G) FROM " + geometryTable + " ORDER BY ID")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var id int
		var hx, srid, wkt sql.NullString
		if err := rows.Scan(&id, &hx, &srid, &wkt); err != nil {
			t.Fatal(err)
		}
		seen++
		w, ok := want[id]
		switch {
		case !ok && (hx.Valid || srid.Valid || wkt.Valid):
			t.Errorf("row %d: %q %q %q, want NULL", id, hx.String, srid.String, wkt.String)
		case ok && [3]string{hx.String, srid.String, wkt.String} != w:
			t.Errorf("row %d:\n got  %q %q %q\n want %q %q %q", id, hx.String, srid.String, wkt.String, w[0], w[1], w[2])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != 5 {
		t.Fatalf("%d rows in the target, want 5", seen)
	}
}

func TestConformanceGeometryTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a MariaDB server")
	}
	db, tgt := geometryTarget(t)
	var typ string
	if err := db.QueryRow("SELECT column_type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? AND column_name = 'G'", geometryTable).Scan(&typ); err != nil {
		t.Fatal(err)
	}
	if typ != "geometry" {
		t.Fatalf("G is %s, want geometry", typ)
	}
	// WKB as Oracle's SDO_UTIL.TO_WKBGEOMETRY may return it: big-endian,
	// which MariaDB refuses as stored bytes unless rewritten.
	oracleWKB := map[int]string{
		1: "00 00000001 3FF0000000000000 4000000000000000",
		2: "00 00000002 00000002 0000000000000000 0000000000000000 3FF0000000000000 3FF0000000000000",
		3: "00 00000003 00000001 00000004 0000000000000000 0000000000000000 3FF0000000000000 0000000000000000 " +
			"3FF0000000000000 3FF0000000000000 0000000000000000 0000000000000000",
		4: "00 00000001 C051C3D70A3D70A4 40452CCCCCCCCCCD",
	}
	// Why geometryValue rewrites it: the same bytes behind an SRID, stored
	// as they are, are refused.
	if _, err := db.Exec("INSERT INTO "+geometryTable+" VALUES (9, ?)", append(hx(t, "00000000"), hx(t, oracleWKB[1])...)); err == nil {
		t.Fatal("MariaDB stored a big-endian WKB as it is; geometryValue's rewrite would not be needed")
	}
	srids := map[int]sql.NullInt64{1: {Int64: 4326, Valid: true}, 2: {Int64: 4326, Valid: true}, 3: {Int64: 4326, Valid: true}}
	tbl := &catalog.Table{Name: geometryTable, Target: geometryTable, Columns: []catalog.Column{
		{Name: "ID", Type: "NUMBER(10)", Kind: catalog.KindInt}, {Name: "G", Type: "SDO_GEOMETRY", Kind: catalog.KindBinary}}}
	tbl.Key = tbl.Columns[:1]
	n := loadTarget(t, tgt, tbl, func(emit migrate.Emit) error {
		for id := 1; id <= 5; id++ {
			var wkb []byte
			if s, ok := oracleWKB[id]; ok {
				wkb = hx(t, s)
			}
			g, err := geometryValue(srids[id], wkb)
			if err != nil {
				return err
			}
			if err := emit([][]byte{[]byte(strconv.Itoa(id)), g}, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if n != 5 {
		t.Fatalf("%d rows loaded, want 5", n)
	}
	checkGeometry(t, db)
}

func TestConformanceGeometry(t *testing.T) {
	dsn := oracleDSN(t)
	ctx := context.Background()
	src, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, stmts := fixtureStatements(t, "conformance_geometry.sql")
	_, _ = src.DB().ExecContext(ctx, "DROP TABLE "+geometryTable+" PURGE")
	for _, s := range stmts {
		if _, err := src.DB().ExecContext(ctx, s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
	t.Cleanup(func() { _, _ = src.DB().ExecContext(context.Background(), "DROP TABLE "+geometryTable+" PURGE") })

	db, tgt := geometryTarget(t)
	info, err := src.Describe(ctx, geometryTable)
	if err != nil {
		t.Fatal(err)
	}
	tbl := &catalog.Table{Name: geometryTable, Target: geometryTable, Columns: info.Columns, Key: info.Columns[:1], Shared: true}
	rd, err := src.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	n := loadTarget(t, tgt, tbl, func(emit migrate.Emit) error {
		_, err := migrate.StreamRows(ctx, rd, catalog.Scope{Table: tbl}, emit)
		return err
	})
	if n != 5 {
		t.Fatalf("%d rows loaded, want 5", n)
	}
	checkGeometry(t, db)

	// Preflight: all five are 2D; into a POINT column the line and the
	// polygon do not fit.
	for _, c := range []struct {
		targets map[string]Target
		want    string
	}{
		{nil, ""},
		{map[string]Target{"G": {Type: "point"}}, "2 2002"},
	} {
		fs, err := src.Preflight(ctx, geometryTable, c.targets, PreflightOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range fs {
			if f.Check == string(CheckGeometry) {
				got = append(got, strconv.FormatInt(f.Rows, 10)+" "+f.Example)
			}
		}
		if strings.Join(got, ";") != c.want {
			t.Errorf("preflight into %v: spatial-fit %q, want %q", c.targets, got, c.want)
		}
	}
}
