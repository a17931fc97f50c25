package oracle

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"testing"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/sourcetest"
)

// How to run this against a real Oracle on a workstation (Oracle Free in a
// container, Instant Client installed, LD_LIBRARY_PATH pointing at it):
//
//	docker run -d --name ora -p 1521:1521 -e ORACLE_PASSWORD=secret gvenzl/oracle-free:slim
//	# create a user once:  CREATE USER cutover IDENTIFIED BY cutover QUOTA UNLIMITED ON USERS;
//	#                      GRANT CREATE SESSION, CREATE TABLE, SELECT_CATALOG_ROLE TO cutover;
//	#                      GRANT EXECUTE ON DBMS_FLASHBACK TO cutover;
//	CUTOVER_TEST_ORACLE_DSN=cutover/cutover@localhost:1521/FREEPDB1 go test -run Conformance -v ./internal/oracle

func oracleDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(envDSN)
	if dsn == "" {
		t.Skip("SKIP: Oracle conformance suite: set CUTOVER_TEST_ORACLE_DSN=user/pass@host:1521/FREEPDB1 to run it against a real Oracle")
	}
	return dsn
}

// The table is named in lower case on purpose: unquoted Oracle names are
// upper case, and the adapter must resolve the configured name to it.
const conformanceTable = "cutover_conformance"

func TestConformance(t *testing.T) {
	dsn := oracleDSN(t)
	ctx := context.Background()
	src, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	bounded, err := Open(ctx, dsn, Options{MaxLOBBytes: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer bounded.Close()
	sourcetest.Exercise(t, src, sourcetest.Fixture{
		Bounded: bounded, BoundBytes: 16,
		Table:             conformanceTable,
		Load:              func(t *testing.T, rows []sourcetest.Row) { loadConformance(t, src.DB(), rows) },
		EmptyStringIsNull: true,
	})
	t.Run("Snapshot", func(t *testing.T) { testSnapshot(t, dsn, src) })
	t.Run("ExtentBoundaries", func(t *testing.T) { testExtentBoundaries(t, src) })
}

// testExtentBoundaries cuts a table without a key by its extents (it needs
// SELECT_CATALOG_ROLE, granted above; without it the rows are numbered) and
// reads every range: each row exactly once.
func testExtentBoundaries(t *testing.T, src *Source) {
	ctx := context.Background()
	db := src.DB()
	const name = "cutover_nokey"
	_, _ = db.ExecContext(ctx, "DROP TABLE "+name+" PURGE")
	for _, q := range []string{
		"CREATE TABLE " + name + " (v NUMBER(10,0) NOT NULL, pad VARCHAR2(200))",
		"INSERT INTO " + name + " SELECT LEVEL, RPAD('x', 200, 'x') FROM dual CONNECT BY LEVEL <= 50000",
		"BEGIN DBMS_STATS.GATHER_TABLE_STATS(USER, UPPER('" + name + "')); END;",
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
	tbl := &catalog.Table{Name: name, Columns: info.Columns, Shared: true}
	bounds, err := src.Boundaries(ctx, tbl, "", 5000)
	if err != nil {
		t.Fatal(err)
	}
	if len(bounds) < 2 {
		t.Fatalf("50,000 rows in ranges of about 5,000 gave %d boundaries", len(bounds))
	}
	rd, err := src.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	seen := map[string]bool{}
	var lo []string
	for i := 0; i <= len(bounds); i++ {
		var hi []string
		if i < len(bounds) {
			hi = bounds[i]
		}
		_, err := rd.Rows(ctx, catalog.Scope{Table: tbl, Lo: lo, Hi: hi}, func(row [][]byte) error {
			v := string(row[0])
			if seen[v] {
				return errors.New("row " + v + " read twice")
			}
			seen[v] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		lo = hi
	}
	if len(seen) != 50000 {
		t.Fatalf("read %d distinct rows of 50,000", len(seen))
	}
}

func loadConformance(t *testing.T, db *sql.DB, rows []sourcetest.Row) {
	t.Helper()
	ctx := context.Background()
	_, _ = db.ExecContext(ctx, "DROP TABLE "+conformanceTable+" PURGE") // absent the first time
	if _, err := db.ExecContext(ctx, `CREATE TABLE `+conformanceTable+` (
		id NUMBER(18,0) NOT NULL PRIMARY KEY,
		tenant_id NUMBER(18,0) NOT NULL,
		name VARCHAR2(255 CHAR),
		amount NUMBER(12,2) NOT NULL,
		created_at TIMESTAMP(6) NOT NULL,
		data BLOB)`); err != nil {
		t.Fatalf("create fixture table: %v", err)
	}
	t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), "DROP TABLE "+conformanceTable+" PURGE") })
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stmt, err := conn.PrepareContext(ctx, `INSERT INTO `+conformanceTable+
		` (id, tenant_id, name, amount, created_at, data) VALUES (:1, :2, :3, TO_NUMBER(:4), :5, :6)`)
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	for _, r := range rows {
		var name sql.NullString
		if r.Name != nil {
			name = sql.NullString{String: *r.Name, Valid: true}
		}
		var data any
		if r.Data != nil {
			data = r.Data
		}
		if _, err := stmt.ExecContext(ctx, r.ID, r.Tenant, name, r.Amount, r.At, data); err != nil {
			t.Fatalf("insert fixture row %d: %v", r.ID, err)
		}
	}
}

// testSnapshot checks that reads are AS OF the SCN taken at Open, and that an
// SCN undo no longer covers comes back as SnapshotTooOldError.
func testSnapshot(t *testing.T, dsn string, plain *Source) {
	ctx := context.Background()
	info, err := plain.Describe(ctx, conformanceTable)
	if err != nil {
		t.Fatal(err)
	}
	tbl := &catalog.Table{Name: conformanceTable, Columns: info.Columns, TenantColumn: "tenant_id",
		Key: []catalog.Column{info.Columns[0]}}
	snap, err := Open(ctx, dsn, Options{Snapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	count := func(src *Source, tenant string) int64 {
		rd, err := src.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer rd.Close()
		n, err := rd.Rows(ctx, catalog.Scope{Table: tbl, Tenants: []string{tenant}}, func([][]byte) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count(snap, "3")
	if _, err := plain.DB().ExecContext(ctx, "INSERT INTO "+conformanceTable+
		" (id, tenant_id, amount, created_at) VALUES (1, 3, 0, SYSTIMESTAMP)"); err != nil {
		t.Fatal(err)
	}
	if got := count(snap, "3"); got != before {
		t.Errorf("a row inserted after the snapshot SCN was read: %d rows, want %d", got, before)
	}
	if got := count(plain, "3"); got != before+1 {
		t.Errorf("without a snapshot: %d rows, want %d", got, before+1)
	}

	old, err := Open(ctx, dsn, Options{Snapshot: true, SCN: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	rd, err := old.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	_, err = rd.Rows(ctx, catalog.Scope{Table: tbl, Tenants: []string{"3"}}, func([][]byte) error { return nil })
	var tooOld *SnapshotTooOldError
	if !errors.As(err, &tooOld) {
		t.Errorf("reading AS OF SCN 1: %v, want a SnapshotTooOldError", err)
	}
}
