package mysqldb

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/testdb"
)

// schemaSnapshot is what capture must leave as it found it: every table's
// SHOW CREATE TABLE, the trigger list, and the databases on the server.
func schemaSnapshot(t *testing.T, db *sql.DB, schema string) string {
	t.Helper()
	var b strings.Builder
	rows, err := db.Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME", schema)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	for _, n := range names {
		var name, ddl string
		if err := db.QueryRow("SHOW CREATE TABLE "+qualified(schema, n)).Scan(&name, &ddl); err != nil {
			t.Fatal(err)
		}
		b.WriteString(ddl + "\n")
	}
	trg, err := db.Query("SELECT TRIGGER_NAME, EVENT_MANIPULATION, ACTION_TIMING, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY TRIGGER_NAME", schema)
	if err != nil {
		t.Fatal(err)
	}
	for trg.Next() {
		var a, e, at, tbl string
		if err := trg.Scan(&a, &e, &at, &tbl); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "trigger %s %s %s %s\n", a, at, e, tbl)
	}
	trg.Close()
	dbs, err := db.Query("SHOW DATABASES")
	if err != nil {
		t.Fatal(err)
	}
	for dbs.Next() {
		var n string
		if err := dbs.Scan(&n); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(n, "cap_") || n == schema {
			b.WriteString("database " + n + "\n")
		}
	}
	dbs.Close()
	return b.String()
}

// TestCaptureRecordsKeysAndStopRestores: the triggers record the key of
// every insert, update and delete (both keys of an update that changes the
// key, on a two-column key), and removing capture leaves the source's
// tables, triggers and databases exactly as before, an existing trigger of
// the application's included.
func TestCaptureRecordsKeysAndStopRestores(t *testing.T) {
	srv := testdb.StartT(t)
	name, dsn := srv.NewDatabase(t, "capsrc")
	admin := openAdmin(t, srv)
	ctx := context.Background()
	for _, q := range []string{
		"CREATE TABLE " + qualified(name, "orders") + " (region CHAR(2) NOT NULL, id BIGINT UNSIGNED NOT NULL, note VARCHAR(20), PRIMARY KEY (region, id)) ENGINE=InnoDB",
		"CREATE TABLE " + qualified(name, "audit") + " (n INT NOT NULL) ENGINE=InnoDB",
		"CREATE TRIGGER " + qualified(name, "app_audit") + " AFTER INSERT ON " + qualified(name, "orders") + " FOR EACH ROW INSERT INTO " + qualified(name, "audit") + " VALUES (1)",
	} {
		if _, err := admin.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	before := schemaSnapshot(t, admin, name)
	src, err := Open(ctx, dsn, "", RoleSource, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	tbl := &catalog.Table{Name: "orders", Target: "orders",
		Key: []catalog.Column{{Name: "region", Type: "char(2)", Kind: catalog.KindString}, {Name: "id", Type: "bigint(20) unsigned", Kind: catalog.KindUint}}}
	capSchema := "cap_" + name[len(name)-8:]
	c := src.Capture(capSchema, []*catalog.Table{tbl})
	if id, left, err := c.Installed(ctx); err != nil || id != "" || left {
		t.Fatalf("before install: id %q leftovers %v err %v", id, left, err)
	}
	if err := c.Install(ctx, "c0ffee"); err != nil {
		t.Fatal(err)
	}
	if id, _, err := c.Installed(ctx); err != nil || id != "c0ffee" {
		t.Fatalf("after install: id %q err %v", id, err)
	}
	for _, q := range []string{
		"INSERT INTO orders VALUES ('EU', 1, 'a'), ('US', 18446744073709551615, 'b')",
		"UPDATE orders SET note = 'c' WHERE id = 1",
		"UPDATE orders SET id = 2 WHERE id = 1",
		"DELETE FROM orders WHERE region = 'US'",
	} {
		if _, err := src.SQL().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	chs, _, err := c.Changes(ctx, tbl, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range chs {
		got = append(got, fmt.Sprintf("%d %c %s", ch.Seq, ch.Op, strings.Join(ch.Key, "/")))
	}
	want := []string{"1 I EU/1", "2 I US/18446744073709551615", "3 U EU/1", "4 D EU/1", "5 U EU/2", "6 D US/18446744073709551615"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Fatalf("changes:\n got %v\nwant %v", got, want)
	}
	if n, _, err := c.Pending(ctx, tbl, 4); err != nil || n != 2 {
		t.Fatalf("pending after 4 = %d, %v; want 2", n, err)
	}
	if p, err := c.AnyPending(ctx, tbl, 5); err != nil || !p {
		t.Fatalf("any pending after 5 = %v, %v; want true", p, err)
	}
	if p, err := c.AnyPending(ctx, tbl, 6); err != nil || p {
		t.Fatalf("any pending after 6 = %v, %v; want false", p, err)
	}
	if err := c.Purge(ctx, tbl, 5); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := c.Pending(ctx, tbl, 0); n != 2 {
		t.Fatalf("after purge below 5, %d changes left, want 2 (5 and 6)", n)
	}
	if err := c.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	if after := schemaSnapshot(t, admin, name); after != before {
		t.Fatalf("capture stop changed the source:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	var dbs int
	if err := admin.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", capSchema).Scan(&dbs); err != nil || dbs != 0 {
		t.Fatalf("capture schema left behind (%d, %v)", dbs, err)
	}
	// Writes work as before, and nothing is recorded any more.
	if _, err := src.SQL().Exec("INSERT INTO orders VALUES ('EU', 9, 'z')"); err != nil {
		t.Fatal(err)
	}
}

// TestCaptureNames: derived names fit MySQL's 64 characters and stay apart.
func TestCaptureNames(t *testing.T) {
	long := strings.Repeat("x", 64)
	a, b := triggerName("upd", long), triggerName("upd", long[:63]+"y")
	if len(a) > 64 || len(b) > 64 || a == b {
		t.Fatalf("names %q (%d) and %q (%d)", a, len(a), b, len(b))
	}
	if got := changeTable("orders"); got != "chg_orders" {
		t.Fatalf("changeTable(orders) = %q", got)
	}
}

var update = flag.Bool("update", false, "rewrite golden files in testdata/mysql")

// TestCaptureSQLGolden: the SQL capture start and stop run (and --print
// writes), as a DBA reviews it: a one-column key and a two-column key with
// a binary column.
func TestCaptureSQLGolden(t *testing.T) {
	d := &DB{Schema: "legacy"}
	c := d.Capture("cutover_capture", []*catalog.Table{
		{Name: "merchants", Key: []catalog.Column{{Name: "merchant_id", Type: "bigint(20)", Kind: catalog.KindInt}}},
		{Name: "ledger lines", Key: []catalog.Column{{Name: "book", Type: "varbinary(16)", Kind: catalog.KindBinary}, {Name: "line", Type: "int(10) unsigned", Kind: catalog.KindUint}}},
	})
	var b strings.Builder
	b.WriteString("-- grants\n")
	for _, g := range c.CaptureGrants("'cutover'@'%'") {
		b.WriteString(g + ";\n")
	}
	b.WriteString("\n-- capture start\n" + Script(c.InstallSQL("0123456789abcdef")))
	b.WriteString("\n-- capture stop\n")
	for _, q := range c.RemoveSQL(nil) {
		b.WriteString(q + ";\n")
	}
	path := filepath.Join("..", "..", "testdata", "mysql", "capture.sql")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != b.String() {
		t.Fatalf("%s differs from the output (review and run go test -update):\n%s", path, b.String())
	}
}

// TestCaptureScriptGolden: what capture start --print and capture stop
// --print write for a DBA, grants and comments included.
func TestCaptureScriptGolden(t *testing.T) {
	d := &DB{Schema: "legacy"}
	c := d.Capture("cutover_capture", []*catalog.Table{
		{Name: "merchants", Key: []catalog.Column{{Name: "merchant_id", Type: "bigint(20)", Kind: catalog.KindInt}}},
	})
	var b strings.Builder
	for _, start := range []bool{true, false} {
		s, err := c.CaptureScript(context.Background(), "0123456789abcdef", start)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(s)
	}
	path := filepath.Join("..", "..", "testdata", "mysql", "capture_script.sql")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != b.String() {
		t.Fatalf("%s differs from the output (review and run go test -update):\n%s", path, b.String())
	}
}

// TestChangesWaitForOpenTransactions: a change row of a transaction still
// open is not skipped: the locking read waits for it, so a change that
// commits after a later-numbered one is read in its place, never passed.
func TestChangesWaitForOpenTransactions(t *testing.T) {
	srv := testdb.StartT(t)
	name, dsn := srv.NewDatabase(t, "capwait")
	admin := openAdmin(t, srv)
	ctx := context.Background()
	if _, err := admin.Exec("CREATE TABLE " + qualified(name, "t") + " (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB"); err != nil {
		t.Fatal(err)
	}
	src, err := Open(ctx, dsn, "", RoleSource, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	tbl := &catalog.Table{Name: "t", Key: []catalog.Column{{Name: "id", Type: "int(11)", Kind: catalog.KindInt}}}
	capSchema := "cap_" + name[len(name)-8:]
	t.Cleanup(func() { _ = srv.DropDatabase(context.Background(), capSchema) })
	c := src.Capture(capSchema, []*catalog.Table{tbl})
	if err := c.Install(ctx, "w"); err != nil {
		t.Fatal(err)
	}
	open, err := src.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Rollback()
	if _, err := open.Exec("INSERT INTO t VALUES (1)"); err != nil { // takes seq 1, stays open
		t.Fatal(err)
	}
	if _, err := src.SQL().Exec("INSERT INTO t VALUES (2)"); err != nil { // seq 2, committed
		t.Fatal(err)
	}
	type result struct {
		keys []string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		chs, _, err := c.Changes(ctx, tbl, 0, 10)
		var keys []string
		for _, ch := range chs {
			keys = append(keys, fmt.Sprintf("%d:%s", ch.Seq, ch.Key[0]))
		}
		got <- result{keys, err}
	}()
	select {
	case r := <-got:
		t.Fatalf("the read passed an open transaction's change: %v, %v", r.keys, r.err)
	case <-time.After(500 * time.Millisecond):
	}
	if err := open.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		if r.err != nil || strings.Join(r.keys, ",") != "1:1,2:2" {
			t.Fatalf("after the commit: %v, %v; want 1:1,2:2", r.keys, r.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the read still waits after the commit")
	}
}
