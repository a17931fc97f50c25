package mysqldb

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/cutover/cutover/internal/testdb"
	"github.com/cutover/cutover/migrate"
)

// TestGrantChecks: a user with SELECT on one table and INSERT on another is
// told, one line per grant, what it lacks; nothing is written by the probes;
// a table it may not see is named as possibly a missing grant.
func TestGrantChecks(t *testing.T) {
	if testdb.EnvDSNSet() {
		t.Skip("creates users: needs a throwaway server")
	}
	srv := testdb.StartT(t)
	ctx := context.Background()
	name, _ := srv.NewDatabase(t, "grants")
	admin := openAdmin(t, srv)
	for _, s := range []string{
		"CREATE TABLE `" + name + "`.a (id INT PRIMARY KEY)",
		"CREATE TABLE `" + name + "`.b (id INT PRIMARY KEY)",
		"CREATE TABLE `" + name + "`.c (id INT PRIMARY KEY)",
		"INSERT INTO `" + name + "`.a VALUES (1), (2)",
		"CREATE USER 'few'@'localhost' IDENTIFIED BY 'pw'",
		"GRANT SELECT, INSERT, DELETE ON `" + name + "`.a TO 'few'@'localhost'",
		"GRANT SELECT ON `" + name + "`.b TO 'few'@'localhost'",
	} {
		if _, err := admin.ExecContext(ctx, s); err != nil {
			t.Fatal(s, err)
		}
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP USER IF EXISTS 'few'@'localhost'") })
	db, err := Open(ctx, fmt.Sprintf("few:pw@unix(%s)/%s", srv.Socket, name), "", RoleTarget, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	if err := db.CheckWrites(ctx, []string{"a"}); err != nil {
		t.Fatalf("all grants there: %v", err)
	}
	err = db.CheckWrites(ctx, []string{"a", "b", "c"})
	var ce *migrate.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("want a ConfigError, got %v", err)
	}
	want := "the target user lacks SELECT on c in " + name + ": GRANT SELECT ON `" + name + "`.* TO it\n" +
		"the target user lacks INSERT on b, c in " + name + ": GRANT INSERT ON `" + name + "`.* TO it\n" +
		"the target user lacks DELETE on b, c in " + name + ": GRANT DELETE ON `" + name + "`.* TO it"
	if ce.Msg != want {
		t.Fatalf("got\n%s\nwant\n%s", ce.Msg, want)
	}
	if err := db.CheckReads(ctx, []string{"a", "b"}); err != nil {
		t.Fatalf("SELECT granted on a and b: %v", err)
	}
	var n int
	if err := admin.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+name+"`.a").Scan(&n); err != nil || n != 2 {
		t.Fatalf("the probes changed table a: %d rows, %v", n, err)
	}
	_, err = db.Describe(ctx, "c")
	if !errors.As(err, &ce) {
		t.Fatalf("an invisible table: want a ConfigError, got %v", err)
	}
}
