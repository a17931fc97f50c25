package mysqldb

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/testdb"
)

// BenchmarkRebuildIndexes measures a deferred rebuild (one ALTER TABLE adding
// every definition) on a table shaped like the generated transactions (about
// 120 bytes a row), with one and with three definitions, for the default
// rebuild cost of planner.DefaultRebuildCost:
//
//	go test -run '^$' -bench RebuildIndexes -benchtime 3x ./internal/mysqldb/
//
// It reports ns per row and per row and definition.
func BenchmarkRebuildIndexes(b *testing.B) {
	const rows = 400_000
	srv := testdb.StartT(b)
	_, dsn := srv.NewDatabase(b, "rebuild")
	_, tgt := openPairTB(b, dsn)
	ctx := context.Background()
	if _, err := tgt.SQL().ExecContext(ctx, "CREATE TABLE t (txn_id BIGINT UNSIGNED NOT NULL PRIMARY KEY, merchant_id BIGINT NOT NULL,"+
		" amount DECIMAL(18,2) NOT NULL, status VARCHAR(16) NOT NULL, note VARCHAR(255) NULL, created_at DATETIME(6) NOT NULL,"+
		" payload VARBINARY(512) NULL) ENGINE=InnoDB"); err != nil {
		b.Fatal(err)
	}
	for lo := 1; lo <= rows; lo += 2000 {
		var q strings.Builder
		q.WriteString("INSERT INTO t VALUES ")
		for n := lo; n < lo+2000; n++ {
			if n > lo {
				q.WriteByte(',')
			}
			fmt.Fprintf(&q, "(%d, %d, %d.%02d, '%s', 'note %d', '2026-01-01' + INTERVAL %d SECOND, UNHEX(SHA2(%d, 256)))",
				n, (n*7919)%50000, n%10000, n%100, [...]string{"ok", "refunded", "failed"}[n%3], (n*31)%100000, n, n)
		}
		if _, err := tgt.SQL().ExecContext(ctx, q.String()); err != nil {
			b.Fatal(err)
		}
	}
	all := []catalog.Index{
		{Name: "idx_merchant", Def: "KEY `idx_merchant` (`merchant_id`)"},
		{Name: "idx_note", Def: "KEY `idx_note` (`note`(20),`created_at`)"},
		{Name: "idx_created", Def: "KEY `idx_created` (`created_at`,`status`)"},
	}
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("definitions=%d", n), func(b *testing.B) {
			var took time.Duration
			for range b.N {
				start := time.Now()
				if _, err := tgt.RebuildIndexes(ctx, "t", all[:n]); err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
				b.StopTimer()
				if err := tgt.DropIndexes(ctx, "t", all[:n]); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			per := float64(took.Nanoseconds()) / float64(b.N) / rows
			b.ReportMetric(per, "ns/row")
			b.ReportMetric(per/float64(n), "ns/row/definition")
		})
	}
}

func openPairTB(b *testing.B, dsn string) (*DB, *DB) {
	b.Helper()
	db, err := Open(context.Background(), dsn, "", RoleTarget, 4)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db, db
}
