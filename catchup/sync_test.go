package catchup_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/cutover/cutover/catchup"
	"github.com/cutover/cutover/internal/mysqldb"
)

func checksum(t *testing.T, db *sql.DB, table string) int64 {
	t.Helper()
	var name string
	var sum sql.NullInt64
	if err := db.QueryRow("CHECKSUM TABLE "+table).Scan(&name, &sum); err != nil || !sum.Valid {
		t.Fatalf("CHECKSUM TABLE %s: %v", table, err)
	}
	return sum.Int64
}

// TestSyncWaitsOutALongTransaction: a writer transaction holds a change row
// open for longer than the server's lock wait timeout; the change read waits
// for it, times out, and the pass is tried again (a transient error) until
// the transaction commits; then its change is applied, and the target equals
// the source (CHECKSUM TABLE).
func TestSyncWaitsOutALongTransaction(t *testing.T) {
	e := newBenchEnv(t, 3_000)
	id := e.startCapture(t)
	if _, err := e.srcDB.Exec("SET GLOBAL innodb_lock_wait_timeout = 1"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = e.srcDB.Exec("SET GLOBAL innodb_lock_wait_timeout = 50") })
	// New connections take the timeout: drop the pool's old ones.
	e.src.SQL().SetMaxIdleConns(0)
	tx, err := e.srcDB.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("UPDATE merchants SET name = 'held' WHERE merchant_id = ?", e.merchants[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srcDB.Exec("UPDATE merchants SET name = 'after' WHERE merchant_id = ?", e.merchants[1]); err != nil {
		t.Fatal(err)
	}
	commit := time.AfterFunc(2500*time.Millisecond, func() { _ = tx.Commit() })
	defer commit.Stop()
	s := catchup.New(e.capture, e.tgt.Applier(), e.ledger, catchup.Options{Tables: e.tables, CaptureID: id, Settle: time.Second,
		Transient: mysqldb.IsTransient, Retries: 10})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n, err := s.Run(ctx, catchup.UntilCaughtUp, 50*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("applied %d changes, want 2", n)
	}
	for _, tbl := range []string{"merchants", "transactions", "agents", "currencies"} {
		if a, b := checksum(t, e.srcDB, tbl), checksum(t, e.tgtDB, tbl); a != b {
			t.Errorf("%s differs: source %d, target %d", tbl, a, b)
		}
	}
}
