package migrate_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/cutover/cutover/internal/catalog"
)

// TestKilledConnectionRetried: the test kills a worker's target connection
// on the server (KILL CONNECTION) while its LOAD DATA runs; the batch rolls
// back, is retried on a fresh connection, and the copy is exact.
func TestKilledConnectionRetried(t *testing.T) {
	e := newEnv(t, 3, 80, 64, hostileName)
	ctx := context.Background()
	runID, bs := e.plan(t, 3, 20)
	var schema string
	if err := e.tgtDB.QueryRow("SELECT DATABASE()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	var killed atomic.Int64
	// One worker, the first to get here, kills one load: with two workers
	// waiting at once, both could find and kill the same load, or one could
	// kill the other's and then wait for its own forever.
	var killer atomic.Bool
	src := &faultSource{Source: e.src, before: func(ctx context.Context, s catalog.Scope) error {
		if !killer.CompareAndSwap(false, true) {
			return nil
		}
		// The load's statement is on the server while the rows stream in.
		// The one found may be another worker's, which can end before the
		// KILL arrives (unknown thread): then look for a load again.
		deadline := time.Now().Add(10 * time.Second)
		for {
			id, err := waitForLoad(ctx, e.tgtDB, schema)
			if err != nil {
				return err
			}
			_, err = e.tgtDB.ExecContext(ctx, fmt.Sprintf("KILL CONNECTION %d", id))
			var me *mysql.MySQLError
			if errors.As(err, &me) && me.Number == 1094 && time.Now().Before(deadline) {
				continue
			}
			if err != nil {
				return err
			}
			killed.Store(id)
			return nil
		}
	}}
	eng := e.engine(src, runID, 2)
	res, err := eng.Run(ctx, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if killed.Load() == 0 {
		t.Fatal("no connection was killed")
	}
	if res.Failed != 0 || res.Batches != int64(len(bs)) {
		t.Errorf("result = %+v, want %d batches done, none failed", res, len(bs))
	}
	if n := eng.Counters.Retries.Load(); n < 1 {
		t.Errorf("retries = %d after a killed connection", n)
	}
	sameRows(t, dump(t, e.tgtDB, ""), dump(t, e.srcDB, ""), "after a killed connection")
}

// waitForLoad returns the id of the connection running a LOAD DATA into
// schema, polling the process list for up to 10 s.
func waitForLoad(ctx context.Context, db *sql.DB, schema string) (int64, error) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var id int64
		err := db.QueryRowContext(ctx, "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'LOAD DATA%' AND INFO LIKE ? LIMIT 1",
			"%`"+schema+"`%").Scan(&id)
		if err == nil {
			return id, nil
		}
		if err != sql.ErrNoRows {
			return 0, err
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0, fmt.Errorf("no LOAD DATA into %s appeared", schema)
}
