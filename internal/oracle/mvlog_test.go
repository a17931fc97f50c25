package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/cutover/cutover/internal/catalog"
)

// TestMVLogGolden: the statements of Oracle change capture, as a DBA would
// review them.
func TestMVLogGolden(t *testing.T) {
	var b strings.Builder
	addSQL := func(name, q string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b.WriteString("-- " + name + "\n" + q + "\n\n")
	}
	add := func(name string, q Query, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b.WriteString("-- " + name + "\n" + formatQuery(q) + "\n")
	}
	s := fixtureSpec()
	q, err := MVLogCreateSQL(s, MVLogOptions{KeyIsPrimary: true})
	addSQL("create: the key is the primary key", q, err)
	uk := viaSpec()
	q, err = MVLogCreateSQL(uk, MVLogOptions{})
	addSQL("create: the key is a unique key, logged as filter columns", q, err)
	nokey := s
	nokey.Key = nil
	q, err = MVLogCreateSQL(nokey, MVLogOptions{})
	addSQL("create: no key, by ROWID", q, err)
	q, err = MVLogDropSQL("PAY", "MERCHANTS")
	addSQL("drop", q, err)
	addSQL("grants for a table of another owner", strings.Join(MVLogGrants("PAY", "MERCHANTS", "MLOG$_MERCHANTS", "CUTOVER"), ";\n")+";", nil)
	lq, err := MVLogTableQuery("PAY", "MERCHANTS")
	add("the log table from the dictionary", lq, err)
	lq, err = MVLogChangesQuery(s, "MLOG$_MERCHANTS", 1000)
	add("changes: one bounded read, in sequence order", lq, err)
	lq, err = MVLogChangesQuery(uk, "MLOG$_TRANSACTIONS", 1000)
	add("changes: a three-column unique key", lq, err)
	lq, err = MVLogChangesQuery(nokey, "MLOG$_MERCHANTS", 10)
	add("changes: by ROWID", lq, err)
	lq, err = MVLogPendingQuery("PAY", "MLOG$_MERCHANTS")
	add("pending: count and age of the oldest", lq, err)
	lq, err = MVLogRowsQuery(s, []string{"7", "42"}, [][]string{{"1001"}, {"1002"}})
	add("rows: the changed keys at a fresh SCN, two tenants", lq, err)
	lq, err = MVLogRowsQuery(uk, nil, [][]string{{"5", "2024-01-02 03:04:05.000000006", "0A0B"}})
	add("rows: a three-column key through the parent, every tenant", lq, err)
	lq, err = MVLogPurgeQuery("PAY", "MLOG$_MERCHANTS", []uint64{17, 18, 21})
	add("purge: the applied sequence numbers", lq, err)
	golden(t, "mvlog.sql", b.String())
}

// TestMVLogBounds: key lists over Oracle's 1000 expressions are cut; bad
// input is refused.
func TestMVLogBounds(t *testing.T) {
	keys := make([][]string, 2500)
	seqs := make([]uint64, 2500)
	for i := range keys {
		keys[i], seqs[i] = []string{fmt.Sprint(i)}, uint64(i)
	}
	q, err := MVLogRowsQuery(fixtureSpec(), nil, keys)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(q.SQL, `t."MERCHANT_ID" IN (`); n != 3 {
		t.Fatalf("%d key lists, want 3", n)
	}
	p, err := MVLogPurgeQuery("PAY", "MLOG$_M", seqs)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(p.SQL, "IN ("); n != 3 || len(p.Args) != 2500 {
		t.Fatalf("%d purge lists, %d binds", n, len(p.Args))
	}
	if _, err := MVLogRowsQuery(fixtureSpec(), nil, [][]string{{"1", "2"}}); err == nil {
		t.Fatal("a two-value key for a one-column key was accepted")
	}
	if _, err := MVLogDropSQL("PAY", `A"B`); err == nil {
		t.Fatal("a name with a quote was accepted")
	}
}

// TestMVLogConformance runs the capture statements on a real Oracle: the
// log records the keys of an insert, an update, an update of the key (both
// keys) and a delete; the rows read at a fresh SCN are the current ones; a
// purge empties the log; dropping it leaves no log behind.
func TestMVLogConformance(t *testing.T) {
	dsn := oracleDSN(t)
	ctx := context.Background()
	src, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	db := src.DB()
	const name = "CUTOVER_MVLOG"
	_, _ = db.ExecContext(ctx, "DROP TABLE "+name+" PURGE")
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+name+" (id NUMBER(10,0) PRIMARY KEY, agent NUMBER(10,0) NOT NULL, note VARCHAR2(20))"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), "DROP TABLE "+name+" PURGE") })
	var owner string
	if err := db.QueryRowContext(ctx, "SELECT USER FROM dual").Scan(&owner); err != nil {
		t.Fatal(err)
	}
	num := Type{Name: "NUMBER", Precision: 10, HasPrecision: true, HasScale: true}
	agent := Col{Name: "AGENT", Type: num}
	s := Spec{Owner: owner, Table: name, Key: []Col{{Name: "ID", Type: num}}, Tenant: &agent,
		Columns: []Col{{Name: "ID", Type: num}, agent, {Name: "NOTE", Type: Type{Name: "VARCHAR2", Length: 20}}}}
	stmts, err := src.CaptureStatements(ctx, []*catalog.Table{{Name: strings.ToLower(name), Key: []catalog.Column{{Name: "ID"}}}}, true)
	if err != nil || !strings.Contains(strings.Join(stmts, "\n"), "WITH PRIMARY KEY, SEQUENCE") {
		t.Fatalf("capture statements %v, %v; want the log by primary key", stmts, err)
	}
	create, err := MVLogCreateSQL(s, MVLogOptions{KeyIsPrimary: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, create); err != nil {
		t.Fatalf("%s: %v", create, err)
	}
	tq, _ := MVLogTableQuery(owner, name)
	var logTable string
	if err := db.QueryRowContext(ctx, tq.SQL, tq.Args...).Scan(&logTable); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO " + name + " VALUES (1, 7, 'a')",
		"INSERT INTO " + name + " VALUES (2, 8, 'b')",
		"UPDATE " + name + " SET note = 'c' WHERE id = 1",
		"UPDATE " + name + " SET id = 3 WHERE id = 1",
		"DELETE FROM " + name + " WHERE id = 2",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	cq, _ := MVLogChangesQuery(s, logTable, 100)
	rows, err := db.QueryContext(ctx, cq.SQL, cq.Args...)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	var seqs []uint64
	for rows.Next() {
		var seq uint64
		var dml, oldNew, key string
		if err := rows.Scan(&seq, &dml, &oldNew, &key); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
		keys[key] = true
	}
	rows.Close()
	if !keys["1"] || !keys["2"] || !keys["3"] {
		t.Fatalf("the log holds keys %v, want 1, 2 and 3", keys)
	}
	var scn uint64
	if err := db.QueryRowContext(ctx, "SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER FROM dual").Scan(&scn); err != nil {
		t.Fatal(err)
	}
	s.SCN = scn
	rq, err := MVLogRowsQuery(s, []string{"7"}, [][]string{{"1"}, {"2"}, {"3"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	rr, err := db.QueryContext(ctx, rq.SQL, rq.Args...)
	if err != nil {
		t.Fatalf("%s: %v", rq.SQL, err)
	}
	for rr.Next() {
		var id, ag, note sql.NullString
		if err := rr.Scan(&id, &ag, &note); err != nil {
			t.Fatal(err)
		}
		got = append(got, id.String+"/"+ag.String+"/"+note.String)
	}
	rr.Close()
	if strings.Join(got, ",") != "3/7/c" {
		t.Fatalf("rows now = %v, want [3/7/c]", got)
	}
	pq, _ := MVLogPurgeQuery(owner, logTable, seqs)
	if _, err := db.ExecContext(ctx, pq.SQL, pq.Args...); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+owner+`"."`+logTable+`"`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d log rows after the purge (%v)", left, err)
	}
	drop, _ := MVLogDropSQL(owner, name)
	if _, err := db.ExecContext(ctx, drop); err != nil {
		t.Fatal(err)
	}
	var logs int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM all_mview_logs WHERE log_owner = :1 AND master = :2", owner, name).Scan(&logs); err != nil || logs != 0 {
		t.Fatalf("%d logs after drop (%v)", logs, err)
	}
}

// TestScript: capture start --print on Oracle ends each statement with a
// semicolon and leaves comments as they are.
func TestScript(t *testing.T) {
	got := script([]string{"-- grants: CREATE TABLE", `CREATE MATERIALIZED VIEW LOG ON "PAY"."T" WITH PRIMARY KEY`, `DROP MATERIALIZED VIEW LOG ON "PAY"."U"`})
	want := "-- grants: CREATE TABLE\n" +
		`CREATE MATERIALIZED VIEW LOG ON "PAY"."T" WITH PRIMARY KEY;` + "\n" +
		`DROP MATERIALIZED VIEW LOG ON "PAY"."U";` + "\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if got := script(nil); got != "" {
		t.Fatalf("no statements: got %q, want nothing", got)
	}
}
