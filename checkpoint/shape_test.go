package checkpoint_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/testdb"
)

var update = flag.Bool("update", false, "rewrite testdata/checkpoint/ledger_shape.txt")

const shapeFile = "../testdata/checkpoint/ledger_shape.txt"

// shapeOf lists a ledger schema's tables, columns (in order, with type,
// nullability and default) and indexes, as information_schema reports them.
func shapeOf(t *testing.T, db *sql.DB, schema string) string {
	t.Helper()
	var b strings.Builder
	rows, err := db.Query("SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COALESCE(COLUMN_DEFAULT, 'NULL') FROM information_schema.COLUMNS"+
		" WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION", schema)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, col, typ, null, def string
		if err := rows.Scan(&table, &col, &typ, &null, &def); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s.%s %s null=%s default=%s\n", table, col, typ, null, def)
	}
	rows.Close()
	rows, err = db.Query("SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) FROM information_schema.STATISTICS"+
		" WHERE TABLE_SCHEMA = ? GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE ORDER BY TABLE_NAME, INDEX_NAME", schema)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, index, cols string
		var nonUnique int
		if err := rows.Scan(&table, &index, &nonUnique, &cols); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s index %s unique=%v (%s)\n", table, index, nonUnique == 0, cols)
	}
	return b.String()
}

// TestLedgerShape: the shape of a new ledger is the golden file, so that a
// change of the ledger's tables shows in review, and comes with a migration;
// a ledger of every earlier build, upgraded, has exactly that shape too.
// information_schema's spelling differs between MariaDB and MySQL: the
// golden file is MariaDB's, and the comparison is skipped (and said) on MySQL.
func TestLedgerShape(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()
	lt := newLedger(t, srv)
	var schema, version string
	if err := lt.db.QueryRow("SELECT DATABASE(), VERSION()").Scan(&schema, &version); err != nil {
		t.Fatal(err)
	}
	fresh := shapeOf(t, lt.db, schema)
	header := fmt.Sprintf("# The ledger's tables at schema version %d, as MariaDB's information_schema lists them.\n"+
		"# Rewritten by go test ./checkpoint -run TestLedgerShape -update; a change here comes with a migration.\n", checkpoint.SchemaVersion)
	if *update {
		if err := os.WriteFile(shapeFile, []byte(header+fresh), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(version, "MariaDB") {
		t.Skipf("SKIPPED: the golden ledger shape is MariaDB's; this server is %s", version)
	}
	want, err := os.ReadFile(shapeFile)
	if err != nil {
		t.Fatal(err)
	}
	if header+fresh != string(want) {
		t.Errorf("a new ledger's shape differs from %s (a schema change needs a migration; rerun with -update and review the diff):\n%s", shapeFile, fresh)
	}
	for _, file := range []string{"ledger_v1.sql", "ledger_7ec0cd7.sql", "ledger_982ca72.sql", "ledger_cc48d52.sql"} {
		old, db := oldLedger(t, srv, file)
		if _, err := checkpoint.Open(ctx, db, old); err != nil {
			t.Fatal(err)
		}
		if got := shapeOf(t, db, old); got != fresh {
			t.Errorf("a ledger of %s, upgraded, differs from a new one:\n%s\nwant\n%s", file, got, fresh)
		}
	}
}
