package migrate_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/internal/testdb"
	"github.com/cutover/cutover/migrate"
)

// BenchmarkBatchFixedCost measures what a batch costs beyond its rows: claim,
// transaction, scope delete, LOAD DATA of one row, warnings check, the done
// mark with its checksum, commit. Every batch holds one row of its own tenant,
// so the time per batch is the fixed cost planner.DefaultModel uses:
//
//	go test -run '^$' -bench BatchFixedCost -benchtime 400x ./migrate/
//
// It reports ms/batch on a throwaway MariaDB (binary log off, one worker);
// "clean" is a table that was empty when the run started (no delete, as on
// the night), "delete" one that was not.
func BenchmarkBatchFixedCost(b *testing.B) {
	srv := testdb.StartT(b)
	for _, clean := range []bool{true, false} {
		name := map[bool]string{true: "clean", false: "delete"}[clean]
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			src, tgt, ledger, table := benchEnv(b, srv, b.N)
			var bs []checkpoint.NewBatch
			for i := 1; i <= b.N; i++ {
				bs = append(bs, checkpoint.NewBatch{ID: i, Table: "items", Tenants: []string{fmt.Sprint(i)}, EstRows: 1})
			}
			runID, err := ledger.CreateRun(ctx, "cfg", "plan", []byte("{}"), bs)
			if err != nil {
				b.Fatal(err)
			}
			eng := migrate.New(src, tgt, ledger, migrate.Options{
				RunID: runID, Owner: "bench", Workers: 1, Retries: 0, Lease: time.Minute,
				Transient: mysqldb.IsTransient, Tables: map[string]*catalog.Table{"items": table},
				CleanStart: map[string]bool{"items": clean},
			})
			b.ResetTimer()
			res, err := eng.Run(ctx, ctx)
			b.StopTimer()
			if err != nil || res.Batches != int64(b.N) {
				b.Fatalf("run: %+v, %v", res, err)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/batch")
		})
	}
}

// benchEnv makes a source table of n rows, one per tenant 1..n, an empty
// target table and a ledger.
func benchEnv(b *testing.B, srv *testdb.Server, n int) (*mysqldb.DB, *mysqldb.DB, *checkpoint.Ledger, *catalog.Table) {
	b.Helper()
	ctx := context.Background()
	_, srcDSN := srv.NewDatabase(b, "src")
	_, tgtDSN := srv.NewDatabase(b, "tgt")
	ledgerName, _ := srv.NewDatabase(b, "ledger")
	src, err := mysqldb.Open(ctx, srcDSN, "", mysqldb.RoleSource, 4)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { src.Close() })
	tgt, err := mysqldb.Open(ctx, tgtDSN, "", mysqldb.RoleTarget, 6)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tgt.Close() })
	ddl := "CREATE TABLE items (id BIGINT NOT NULL PRIMARY KEY, tenant_id INT NOT NULL, name VARCHAR(64) NULL, KEY tenant (tenant_id)) ENGINE=InnoDB"
	for _, db := range []*mysqldb.DB{src, tgt} {
		if _, err := db.SQL().ExecContext(ctx, ddl); err != nil {
			b.Fatal(err)
		}
	}
	for lo := 1; lo <= n; lo += 1000 {
		var vals []string
		for i := lo; i < lo+1000 && i <= n; i++ {
			vals = append(vals, fmt.Sprintf("(%d, %d, 'name %d')", i, i, i))
		}
		if _, err := src.SQL().ExecContext(ctx, "INSERT INTO items VALUES "+strings.Join(vals, ",")); err != nil {
			b.Fatal(err)
		}
	}
	ledger, err := checkpoint.Open(ctx, tgt.SQL(), ledgerName)
	if err != nil {
		b.Fatal(err)
	}
	info, err := src.Describe(ctx, "items")
	if err != nil {
		b.Fatal(err)
	}
	t := &catalog.Table{Name: "items", Target: "items", Columns: info.Columns, TenantColumn: "tenant_id", TenantKind: catalog.KindInt}
	id, _ := info.Column("id")
	t.Key = []catalog.Column{id}
	return src, tgt, ledger, t
}
