package driver

import (
	"context"
	"testing"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/internal/testdb"
)

// A MySQL source and target both look rows up by key; a side that is not
// MySQL has no lookup (nil, not a nil pointer in an interface).
func TestKeyReaders(t *testing.T) {
	ctx := context.Background()
	srv := testdb.StartT(t)
	name, dsn := srv.NewDatabase(t, "keys")
	db, err := srv.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (id INT PRIMARY KEY, tenant_id INT NOT NULL, v VARCHAR(5))"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO t VALUES (1, 7, 'a'), (2, 8, 'b')"); err != nil {
		t.Fatal(err)
	}
	src, err := mysqldb.Open(ctx, dsn, "", mysqldb.RoleSource, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	tgt, err := mysqldb.Open(ctx, dsn, "", mysqldb.RoleTarget, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })

	s, g := KeyReaders(src, tgt)
	if s == nil || g == nil {
		t.Fatalf("MySQL sides: got %v, %v, want both lookups", s, g)
	}
	info, err := tgt.Describe(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	id, _ := info.Column("id")
	table := &catalog.Table{Name: "t", Target: "t", Columns: info.Columns, Key: []catalog.Column{id}, TenantColumn: "tenant_id", TenantKind: catalog.KindInt}
	for what, r := range map[string]KeyRows{"source": s, "target": g} {
		var got []string
		err := r.Rows(ctx, table, nil, []catalog.Column{id}, [][]string{{"2"}}, func(row [][]byte) error {
			for _, v := range row {
				got = append(got, string(v))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if want := []string{"2", "8", "b"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Errorf("%s: row by key 2 = %q, want %q", what, got, want)
		}
	}
	if s, g := KeyReaders(nil, nil); s != nil || g != nil {
		t.Fatalf("no MySQL side: got %v, %v, want nil lookups", s, g)
	}
}
