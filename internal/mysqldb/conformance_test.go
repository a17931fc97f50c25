package mysqldb

import (
	"context"
	"testing"

	"github.com/cutover/cutover/internal/sourcetest"
	"github.com/cutover/cutover/internal/testdb"
)

// TestConformance runs the shared source suite against the MySQL adapter on a
// throwaway MariaDB (or the server named by CUTOVER_TEST_MYSQL_DSN).
func TestConformance(t *testing.T) {
	srv := testdb.StartT(t)
	name, dsn := srv.NewDatabase(t, "conform")
	ctx := context.Background()
	src, err := Open(ctx, dsn, "", RoleSource, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	bounded, err := Open(ctx, dsn, "", RoleSource, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bounded.Close() })
	bounded.MaxLOBBytes = 16
	sourcetest.Exercise(t, src, sourcetest.Fixture{
		Bounded: bounded, BoundBytes: 16,
		Table: "fixture",
		Load: func(t *testing.T, rows []sourcetest.Row) {
			db, err := srv.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.ExecContext(ctx, "CREATE TABLE fixture ("+
				"id BIGINT NOT NULL PRIMARY KEY, "+
				"tenant_id BIGINT NOT NULL, "+
				"name VARCHAR(255) CHARACTER SET utf8mb4 NULL, "+
				"amount DECIMAL(12,2) NOT NULL, "+
				"created_at DATETIME(6) NOT NULL, "+
				"data BLOB NULL, "+
				"KEY tenant (tenant_id, id)) ENGINE=InnoDB"); err != nil {
				t.Fatal(err)
			}
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			stmt, err := tx.PrepareContext(ctx, "INSERT INTO fixture (id, tenant_id, name, amount, created_at, data) VALUES (?, ?, ?, ?, ?, ?)")
			if err != nil {
				t.Fatal(err)
			}
			defer stmt.Close()
			for _, r := range rows {
				var name any
				if r.Name != nil {
					name = *r.Name
				}
				var data any
				if r.Data != nil {
					data = r.Data
				}
				if _, err := stmt.ExecContext(ctx, r.ID, r.Tenant, name, r.Amount, r.At.Format("2006-01-02 15:04:05.000000"), data); err != nil {
					t.Fatalf("insert row %d: %v", r.ID, err)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		},
	})
}
