package catchup_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/catchup"
	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/gen"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/internal/testdb"
	"github.com/cutover/cutover/migrate"
)

// benchEnv is a generated source, a target holding a copy of it (made here
// with INSERT ... SELECT, standing for a finished bulk copy), a ledger whose
// run has every batch done, and capture installed but not recorded.
type benchEnv struct {
	srcDB, tgtDB *sql.DB
	src, tgt     *mysqldb.DB
	tables       []*catalog.Table
	capture      *mysqldb.Capture
	ledger       *checkpoint.Ledger
	merchants    []int64
	captured     bool
	ledgerName   string
}

func newBenchEnv(b testing.TB, rows int64) *benchEnv {
	b.Helper()
	ctx := context.Background()
	srv := testdb.StartT(b)
	srcName, srcDSN := srv.NewDatabase(b, "bsrc")
	tgtName, tgtDSN := srv.NewDatabase(b, "btgt")
	e := &benchEnv{}
	var err error
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	e.srcDB, err = srv.Open(srcName)
	must(err)
	b.Cleanup(func() { e.srcDB.Close() })
	e.tgtDB, err = srv.Open(tgtName)
	must(err)
	b.Cleanup(func() { e.tgtDB.Close() })
	must(gen.CreateSchema(ctx, e.srcDB))
	_, err = gen.Generate(ctx, e.srcDB, gen.Options{Rows: rows, Agents: 100, Seed: 3, HostileEvery: -1})
	must(err)
	for _, t := range []string{"agents", "merchants", "transactions", "currencies"} {
		_, err = e.tgtDB.Exec("CREATE TABLE " + t + " LIKE `" + srcName + "`." + t)
		must(err)
		_, err = e.tgtDB.Exec("INSERT INTO " + t + " SELECT * FROM `" + srcName + "`." + t)
		must(err)
	}
	cfg, err := config.Parse([]byte("source: {dsn: x}\ntarget: {dsn: y}\ntenant: {column: agent_id}\n"+gen.TablesYAML("")), func(string) (string, bool) { return "", false })
	must(err)
	e.src, err = mysqldb.Open(ctx, srcDSN, "", mysqldb.RoleSource, 8)
	must(err)
	b.Cleanup(func() { e.src.Close() })
	e.tgt, err = mysqldb.Open(ctx, tgtDSN, "", mysqldb.RoleTarget, 8)
	must(err)
	b.Cleanup(func() { e.tgt.Close() })
	res, err := migrate.Resolve(ctx, cfg.ResolveSpec(), e.src, e.tgt, false)
	must(err)
	e.tables = res.Tables
	ledgerName := "bled_" + srcName[len(srcName)-8:]
	b.Cleanup(func() { _ = srv.DropDatabase(context.Background(), ledgerName) })
	e.ledger, err = checkpoint.Open(ctx, e.tgt.SQL(), ledgerName)
	must(err)
	var batches []checkpoint.NewBatch
	for i, t := range e.tables {
		batches = append(batches, checkpoint.NewBatch{ID: i + 1, Table: t.Name})
	}
	_, err = e.ledger.CreateRun(ctx, "bench", "bench", []byte("{}"), batches)
	must(err)
	e.ledgerName = ledgerName
	must(checkpoint.EnsureSync(ctx, e.tgt.SQL(), ledgerName))
	capSchema := "bcap_" + srcName[len(srcName)-8:]
	b.Cleanup(func() { _ = srv.DropDatabase(context.Background(), capSchema) })
	e.capture = e.src.Capture(capSchema, e.tables)
	rs, err := e.srcDB.Query("SELECT merchant_id FROM merchants")
	must(err)
	for rs.Next() {
		var id int64
		must(rs.Scan(&id))
		e.merchants = append(e.merchants, id)
	}
	rs.Close()
	return e
}

// startCapture installs capture and records position 0, then marks the
// run's batches done: the bulk copy the target holds.
func (e *benchEnv) startCapture(b testing.TB) string {
	b.Helper()
	names := make([]string, len(e.tables))
	for i, t := range e.tables {
		names[i] = t.Name
	}
	r, err := catchup.Start(context.Background(), e.capture, e.ledger, names)
	if err != nil {
		b.Fatal(err)
	}
	e.captured = true
	if _, err := e.tgt.SQL().Exec("UPDATE `" + e.ledgerName + "`.batches_v1 SET state = 2"); err != nil {
		b.Fatal(err)
	}
	return r.ID
}

func (e *benchEnv) syncer(id string) *catchup.Syncer {
	return catchup.New(e.capture, e.tgt.Applier(), e.ledger, catchup.Options{Tables: e.tables, CaptureID: id, Batch: 1000, Settle: time.Second})
}

// write is one sysbench-style single-row write: an autocommit UPDATE of a
// merchant by its key.
func (e *benchEnv) write(ctx context.Context, rng *rand.Rand) error {
	_, err := e.srcDB.ExecContext(ctx, "UPDATE merchants SET balance = ?, name = ? WHERE merchant_id = ?",
		fmt.Sprintf("%d.25", rng.IntN(1_000_000)), fmt.Sprintf("m%d", rng.IntN(1000)), e.merchants[rng.IntN(len(e.merchants))])
	return err
}

// BenchmarkSourceWrites measures the source's single-row write throughput
// with capture off and on (each write then also inserts a change row), with
// a durable commit (innodb_flush_log_at_trx_commit=1, where the log flush
// dominates) and without (0, where the trigger's own cost shows).
func BenchmarkSourceWrites(b *testing.B) {
	e := newBenchEnv(b, 60_000)
	for _, on := range []bool{false, true} {
		if on && !e.captured {
			e.startCapture(b)
		}
		for _, flush := range []int{1, 0} {
			if _, err := e.srcDB.Exec(fmt.Sprintf("SET GLOBAL innodb_flush_log_at_trx_commit = %d", flush)); err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("flush=%d/capture=%v", flush, on), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				ctx := context.Background()
				b.ResetTimer()
				start := time.Now()
				for range b.N {
					if err := e.write(ctx, rng); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "writes/s")
			})
		}
	}
	if _, err := e.srcDB.Exec("SET GLOBAL innodb_flush_log_at_trx_commit = 1"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCatchUp measures how fast sync applies a backlog of changes:
// each round makes 20,000 changes (100-row UPDATEs), then one sync applies
// them all. distinct: 20,000 different transactions; repeated: merchants,
// whose keys repeat (folded into one rewrite per apply batch).
func BenchmarkCatchUp(b *testing.B) {
	e := newBenchEnv(b, 60_000)
	id := e.startCapture(b)
	var txns []uint64
	rs, err := e.srcDB.Query("SELECT txn_id FROM transactions")
	if err != nil {
		b.Fatal(err)
	}
	for rs.Next() {
		var v uint64
		if err := rs.Scan(&v); err != nil {
			b.Fatal(err)
		}
		txns = append(txns, v)
	}
	rs.Close()
	for _, kind := range []string{"distinct", "repeated"} {
		b.Run(kind, func(b *testing.B) {
			s := e.syncer(id)
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(3, 4))
			var applied int
			var took time.Duration
			for range b.N {
				b.StopTimer()
				perm := rng.Perm(len(txns))
				for r := range 200 {
					ids := make([]string, 100)
					q := "UPDATE merchants SET mcc = mcc + 1 WHERE merchant_id IN ("
					for i := range ids {
						if kind == "distinct" {
							ids[i] = fmt.Sprint(txns[perm[(r*100+i)%len(perm)]])
						} else {
							ids[i] = fmt.Sprint(e.merchants[rng.IntN(len(e.merchants))])
						}
					}
					if kind == "distinct" {
						q = "UPDATE transactions SET status = 'x' WHERE txn_id IN ("
					}
					if _, err := e.srcDB.Exec(q + strings.Join(ids, ",") + ")"); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				start := time.Now()
				n, err := s.Run(ctx, catchup.UntilCaughtUp, 10*time.Millisecond, nil)
				if err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
				applied += n
			}
			b.ReportMetric(float64(applied)/took.Seconds(), "changes/s")
		})
	}
}

// BenchmarkFreeze measures the freeze: a writer makes single-row writes at a
// steady rate while sync --follow runs (a pass every 200 ms); then writes
// stop and sync --until caught-up runs. The freeze is that last sync's time.
func BenchmarkFreeze(b *testing.B) {
	e := newBenchEnv(b, 60_000)
	id := e.startCapture(b)
	for _, rate := range []int{100, 500} {
		b.Run(fmt.Sprintf("writes=%d/s", rate), func(b *testing.B) {
			var freeze time.Duration
			for range b.N {
				b.StopTimer()
				ctx, cancel := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				errs := make(chan error, 2)
				wg.Add(2)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(5, 6))
					tk := time.NewTicker(time.Second / time.Duration(rate))
					defer tk.Stop()
					for {
						select {
						case <-ctx.Done():
							return
						case <-tk.C:
						}
						if err := e.write(ctx, rng); err != nil && ctx.Err() == nil {
							errs <- err
							return
						}
					}
				}()
				followCtx, stopFollow := context.WithCancel(context.Background())
				go func() {
					defer wg.Done()
					if _, err := e.syncer(id).Run(followCtx, catchup.Follow, 200*time.Millisecond, nil); err != nil && followCtx.Err() == nil {
						errs <- err
					}
				}()
				time.Sleep(3 * time.Second)
				cancel()
				stopFollow()
				wg.Wait()
				select {
				case err := <-errs:
					b.Fatal(err)
				default:
				}
				b.StartTimer()
				start := time.Now()
				if _, err := e.syncer(id).Run(context.Background(), catchup.UntilCaughtUp, 10*time.Millisecond, nil); err != nil {
					b.Fatal(err)
				}
				freeze += time.Since(start)
			}
			b.ReportMetric(float64(freeze.Milliseconds())/float64(b.N), "freeze-ms")
		})
	}
}
