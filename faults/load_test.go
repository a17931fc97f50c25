package faults

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/testdb"
)

// BenchmarkLedgerLoad is case 10 of issue 18, a benchmark and not a test:
// 64 workers in 4 ledger handles (each its own pool and owner, as 4
// processes would be) claim and mark done every batch of a 100,000-batch
// run on one target. It fails if a batch is claimed twice or never, and
// reports the claim rate, the time of `status` on that ledger (early, midway
// and at the end) and what EXPLAIN says of the claim query.
//
//	go test ./faults/ -run '^$' -bench LedgerLoad -benchtime 1x
//
// CUTOVER_LOAD_BATCHES changes the number of batches.
func BenchmarkLedgerLoad(b *testing.B) {
	batches := 100_000
	if v, err := strconv.Atoi(os.Getenv("CUTOVER_LOAD_BATCHES")); err == nil && v > 0 {
		batches = v
	}
	const procs, perProc = 4, 16
	if testdb.EnvDSNSet() {
		b.Skip("starts its own server")
	}
	srv := testdb.StartLocalT(b, testdb.Options{Args: []string{"--innodb-flush-log-at-trx-commit=2", "--max-connections=500"}})
	ctx := context.Background()
	schema, err := srv.CreateDatabase(ctx, "ledger")
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		ledgers := make([]*checkpoint.Ledger, procs)
		dbs := make([]*sql.DB, procs)
		for p := range ledgers {
			if dbs[p], err = srv.Open(""); err != nil {
				b.Fatal(err)
			}
			dbs[p].SetMaxOpenConns(perProc + 2)
			defer dbs[p].Close()
			if ledgers[p], err = checkpoint.Open(ctx, dbs[p], schema); err != nil {
				b.Fatal(err)
			}
		}
		nb := make([]checkpoint.NewBatch, batches)
		for j := range nb {
			nb[j] = checkpoint.NewBatch{ID: j + 1, Table: "t", Tenants: []string{strconv.Itoa(j % 997)}, EstRows: 1000, EstBytes: 100_000}
		}
		start := time.Now()
		runID, err := ledgers[0].CreateRun(ctx, fmt.Sprintf("cfg%d", i), "plan", []byte("{}"), nb)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("stored %d batches in %s", batches, time.Since(start).Round(time.Millisecond))
		run, err := ledgers[0].ActiveRun(ctx)
		if err != nil {
			b.Fatal(err)
		}
		statusTime := func(when string) {
			t0 := time.Now()
			if _, err := ledgers[0].Status(ctx, run, time.Minute); err != nil {
				b.Fatal(err)
			}
			d := time.Since(t0)
			b.Logf("status %s: %s", when, d.Round(time.Millisecond))
			b.ReportMetric(float64(d.Milliseconds()), "status-"+when+"-ms")
		}
		statusTime("before")
		explain(b, dbs[0], schema, runID)

		var deadlocks atomic.Int64
		var mu sync.Mutex
		claims := make(map[int]int, batches)
		var done sync.WaitGroup
		var first error
		var once sync.Once
		halfway := make(chan struct{})
		var halfOnce sync.Once
		b.ResetTimer()
		start = time.Now()
		for p := 0; p < procs; p++ {
			owner := fmt.Sprintf("bench-host:%d:p%d", os.Getpid(), p)
			for w := 1; w <= perProc; w++ {
				done.Add(1)
				go func() {
					defer done.Done()
					for {
						bt, open, err := ledgers[p].Claim(ctx, runID, owner, w, time.Minute, 3)
						if err == nil && bt == nil && open > 0 {
							time.Sleep(50 * time.Millisecond)
							continue
						}
						if err == nil && bt != nil {
							err = markDone(ctx, dbs[p], ledgers[p], bt, &deadlocks)
						}
						if err != nil {
							once.Do(func() { first = err })
							return
						}
						if bt == nil {
							return
						}
						mu.Lock()
						claims[bt.ID]++
						n := len(claims)
						mu.Unlock()
						if n == batches/2 {
							halfOnce.Do(func() { close(halfway) })
						}
					}
				}()
			}
		}
		<-halfway
		statusTime("midway")
		done.Wait()
		elapsed := time.Since(start)
		b.StopTimer()
		if first != nil {
			b.Fatal(first)
		}
		for id := 1; id <= batches; id++ {
			if claims[id] != 1 {
				b.Fatalf("batch %d claimed %d times", id, claims[id])
			}
		}
		b.ReportMetric(float64(batches)/elapsed.Seconds(), "claims/s")
		b.ReportMetric(float64(deadlocks.Load()), "deadlocks")
		b.Logf("%d batches claimed and done by %d workers in %d handles in %s (%.0f/s), each exactly once",
			batches, procs*perProc, procs, elapsed.Round(time.Millisecond), float64(batches)/elapsed.Seconds())
		statusTime("after")
		explain(b, dbs[0], schema, runID)
	}
}

// markDone marks bt done in its own transaction, as a batch's commit does,
// trying again (at most 5 times) after a deadlock, as the engine retries a
// batch; deadlocks counts them.
func markDone(ctx context.Context, db *sql.DB, l *checkpoint.Ledger, bt *checkpoint.Batch, deadlocks *atomic.Int64) error {
	for try := 0; ; try++ {
		err := markDoneOnce(ctx, db, l, bt)
		var me *mysql.MySQLError
		if try < 5 && errors.As(err, &me) && me.Number == 1213 {
			deadlocks.Add(1)
			continue
		}
		return err
	}
}

func markDoneOnce(ctx context.Context, db *sql.DB, l *checkpoint.Ledger, bt *checkpoint.Batch) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := l.Done(ctx, tx, bt, 1000); err != nil {
		return err
	}
	return tx.Commit()
}

// explain logs the plan of the claim query's shape (the ledger's own text is
// internal to it: this is the same WHERE, its lower bound on id the lowest
// batch not done, and the same ORDER BY).
func explain(b *testing.B, db *sql.DB, schema string, runID int64) {
	b.Helper()
	var table string
	if err := db.QueryRow("SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE 'batches%' ORDER BY table_name DESC LIMIT 1", schema).Scan(&table); err != nil {
		b.Fatal(err)
	}
	var lo sql.NullInt64
	if err := db.QueryRow("SELECT MIN(id) FROM `"+schema+"`.`"+table+"` WHERE run_id = ? AND state IN ("+
		checkpoint.Pending.SQL()+", "+checkpoint.Claimed.SQL()+")", runID).Scan(&lo); err != nil {
		b.Fatal(err)
	}
	var plan string
	if err := db.QueryRow("EXPLAIN FORMAT=JSON SELECT id FROM `"+schema+"`.`"+table+"` WHERE run_id = ? AND id >= ? AND (state = "+checkpoint.Pending.SQL()+
		" OR (state = "+checkpoint.Claimed.SQL()+" AND lease_until < NOW(6))) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED", runID, lo.Int64).Scan(&plan); err != nil {
		b.Fatal(err)
	}
	var doc map[string]any
	_ = json.Unmarshal([]byte(plan), &doc)
	compact, _ := json.Marshal(doc)
	b.Logf("EXPLAIN of the claim query: %s", compact)
}

// BenchmarkStatus100k times `status` (checkpoint's Status) on a run of
// 100,000 batches, half of them done (marked by SQL, not claimed: cheap to
// set up), and logs EXPLAIN of the claim query at that point.
//
//	go test ./faults/ -run '^$' -bench Status100k
func BenchmarkStatus100k(b *testing.B) {
	const batches = 100_000
	if testdb.EnvDSNSet() {
		b.Skip("starts its own server")
	}
	srv := testdb.StartLocalT(b, testdb.Options{})
	ctx := context.Background()
	schema, err := srv.CreateDatabase(ctx, "ledger")
	if err != nil {
		b.Fatal(err)
	}
	db, err := srv.Open("")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	l, err := checkpoint.Open(ctx, db, schema)
	if err != nil {
		b.Fatal(err)
	}
	nb := make([]checkpoint.NewBatch, batches)
	for j := range nb {
		nb[j] = checkpoint.NewBatch{ID: j + 1, Table: "t", Tenants: []string{strconv.Itoa(j % 997)}, EstRows: 1000, EstBytes: 100_000}
	}
	runID, err := l.CreateRun(ctx, "cfg", "plan", []byte("{}"), nb)
	if err != nil {
		b.Fatal(err)
	}
	var table string
	if err := db.QueryRow("SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE 'batches%' ORDER BY table_name DESC LIMIT 1", schema).Scan(&table); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec("UPDATE `"+schema+"`.`"+table+"` SET state = "+checkpoint.Done.SQL()+", rows_copied = est_rows, finished_at = NOW(6) WHERE run_id = ? AND id <= ?", runID, batches/2); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec("ANALYZE TABLE `" + schema + "`.`" + table + "`"); err != nil {
		b.Fatal(err)
	}
	run, err := l.ActiveRun(ctx)
	if err != nil {
		b.Fatal(err)
	}
	explain(b, db, schema, runID)
	const claims = 20
	t0 := time.Now()
	for i := 0; i < claims; i++ {
		if bt, _, err := l.Claim(ctx, runID, "bench:1:x", 1, time.Minute, 3); err != nil || bt == nil {
			b.Fatalf("claim %d: %v %v", i, bt, err)
		}
	}
	perClaim := time.Since(t0) / claims
	b.Logf("one claim with %d of %d batches done: %s", batches/2, batches, perClaim.Round(time.Microsecond))
	b.ReportMetric(float64(perClaim.Microseconds())/1000, "claim-ms-half-done")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.Status(ctx, run, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}
