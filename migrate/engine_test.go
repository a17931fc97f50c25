package migrate_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/internal/testdb"
	"github.com/cutover/cutover/migrate"
)

// faultSource wraps a source so a test can interfere with every Rows call.
type faultSource struct {
	migrate.Source
	before func(ctx context.Context, s catalog.Scope) error
}

func (f *faultSource) Open(ctx context.Context) (migrate.Reader, error) {
	r, err := f.Source.Open(ctx)
	if err != nil {
		return nil, err
	}
	return &faultReader{Reader: r, before: f.before}, nil
}

type faultReader struct {
	migrate.Reader
	before func(ctx context.Context, s catalog.Scope) error
}

func (r *faultReader) Rows(ctx context.Context, s catalog.Scope, fn func(row [][]byte) error) (int64, error) {
	if err := r.before(ctx, s); err != nil {
		return 0, err
	}
	return r.Reader.Rows(ctx, s, fn)
}

// env is one engine test's source, target and ledger on a throwaway server.
type env struct {
	srv    *testdb.Server
	src    *mysqldb.DB
	tgt    *mysqldb.DB
	srcDB  *sql.DB // test-side handles, independent of the code under test
	tgtDB  *sql.DB
	ledger *checkpoint.Ledger
	table  *catalog.Table
}

const ddl = "CREATE TABLE items (id BIGINT NOT NULL PRIMARY KEY, tenant_id INT NOT NULL, name VARCHAR(%d) NULL, " +
	"amount DECIMAL(12,2) NOT NULL, data BLOB NULL, KEY tenant (tenant_id)) ENGINE=InnoDB"

// newEnv creates the source table with rows from name(tenant, i), and the
// target table with a name column of targetNameLen characters.
func newEnv(t *testing.T, tenants, perTenant, targetNameLen int, name func(tenant, i int) *string) *env {
	t.Helper()
	ctx := context.Background()
	e, _ := openEnv(t, testdb.StartT(t), fmt.Sprintf(ddl, 64), fmt.Sprintf(ddl, targetNameLen), "items")
	id := int64(1) << 40
	for tn := 1; tn <= tenants; tn++ {
		for i := range perTenant {
			id += int64(1 + (i*7919)%100000)
			var data any
			if i%4 != 0 {
				data = []byte{byte(i), 0, '\\', '\t', '\n', byte(tn), 0xff}
			}
			var n any
			if p := name(tn, i); p != nil {
				n = *p
			}
			if _, err := e.srcDB.ExecContext(ctx, "INSERT INTO items VALUES (?, ?, ?, ?, ?)", id, tn, n, fmt.Sprintf("%d.%02d", i*13-200, i%100), data); err != nil {
				t.Fatal(err)
			}
		}
	}
	return e
}

// openEnv makes a source, a target and a ledger database on srv, creates
// table (keyed by id, tenant_id its tenant) in the source and the target
// with their DDL, and opens the adapters and the ledger on them. It returns
// the source database's name.
func openEnv(t *testing.T, srv *testdb.Server, srcDDL, tgtDDL, table string) (*env, string) {
	t.Helper()
	ctx := context.Background()
	e := &env{srv: srv}
	srcName, srcDSN := srv.NewDatabase(t, "src")
	tgtName, tgtDSN := srv.NewDatabase(t, "tgt")
	ledgerName, _ := srv.NewDatabase(t, "ledger")
	var err error
	if e.srcDB, err = srv.Open(srcName); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.srcDB.Close() })
	if e.tgtDB, err = srv.Open(tgtName); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.tgtDB.Close() })
	if _, err := e.srcDB.ExecContext(ctx, srcDDL); err != nil {
		t.Fatal(err)
	}
	if _, err := e.tgtDB.ExecContext(ctx, tgtDDL); err != nil {
		t.Fatal(err)
	}
	if e.src, err = mysqldb.Open(ctx, srcDSN, "", mysqldb.RoleSource, 8); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.src.Close() })
	if e.tgt, err = mysqldb.Open(ctx, tgtDSN, "", mysqldb.RoleTarget, 12); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.tgt.Close() })
	if e.ledger, err = checkpoint.Open(ctx, e.tgt.SQL(), ledgerName); err != nil {
		t.Fatal(err)
	}
	info, err := e.src.Describe(ctx, table)
	if err != nil {
		t.Fatal(err)
	}
	e.table = &catalog.Table{Name: table, Target: table, Columns: info.Columns, TenantColumn: "tenant_id", TenantKind: catalog.KindInt}
	idCol, _ := info.Column("id")
	e.table.Key = []catalog.Column{idCol}
	return e, srcName
}

// plan stores a run: one batch per tenant, and tenant 1 split at key
// quantiles of split rows.
func (e *env) plan(t *testing.T, tenants int, split int64) (int64, []checkpoint.NewBatch) {
	t.Helper()
	ctx := context.Background()
	var bs []checkpoint.NewBatch
	bounds, err := e.src.Boundaries(ctx, e.table, "1", split)
	if err != nil {
		t.Fatal(err)
	}
	var lo []string
	for i := 0; i <= len(bounds); i++ {
		var hi []string
		if i < len(bounds) {
			hi = bounds[i]
		}
		bs = append(bs, checkpoint.NewBatch{ID: len(bs) + 1, Table: "items", Tenants: []string{"1"}, Lo: lo, Hi: hi, EstRows: split})
		lo = hi
	}
	for tn := 2; tn <= tenants; tn++ {
		bs = append(bs, checkpoint.NewBatch{ID: len(bs) + 1, Table: "items", Tenants: []string{fmt.Sprint(tn)}, EstRows: 1})
	}
	runID, err := e.ledger.CreateRun(ctx, "cfg", "plan", []byte("{}"), bs)
	if err != nil {
		t.Fatal(err)
	}
	return runID, bs
}

func (e *env) engine(src migrate.Source, runID int64, workers int) *migrate.Engine {
	return migrate.New(src, e.tgt, e.ledger, migrate.Options{
		RunID: runID, Owner: "test-owner", Workers: workers, Retries: 3, Lease: 30 * time.Second,
		Backoff: 5 * time.Millisecond, Transient: mysqldb.IsTransient,
		Tables: map[string]*catalog.Table{"items": e.table},
	})
}

// dump reads a table's rows in key order as text, hex for every value so that
// NULL, ” and bytes are all told apart, computed by the test itself.
func dump(t *testing.T, db *sql.DB, where string) []string {
	t.Helper()
	rows, err := db.Query("SELECT CONCAT_WS('|', id, tenant_id, COALESCE(HEX(name), 'NULL'), amount, COALESCE(HEX(data), 'NULL')) FROM items " + where + " ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sameRows(t *testing.T, got, want []string, what string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows in the target, %d in the source", what, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: row %d differs:\n target %s\n source %s", what, i, got[i], want[i])
		}
	}
}

func hostileName(tenant, i int) *string {
	if i%9 == 0 {
		return nil
	}
	names := []string{"", "a\tb", "c\nd", `\N`, "x\\y", "z\x00", "\U0001F600", "'q'"}
	s := names[i%len(names)]
	return &s
}

// TestTransientErrorRetried: a deadlock reported by the source on the first
// read is retried within the same claim, and the batch lands exactly.
func TestTransientErrorRetried(t *testing.T) {
	e := newEnv(t, 3, 60, 64, hostileName)
	ctx := context.Background()
	runID, bs := e.plan(t, 3, 25)
	// A stale row in the target inside tenant 2's scope must be replaced.
	if _, err := e.tgtDB.Exec("INSERT INTO items VALUES (1, 2, 'stale', 0, NULL)"); err != nil {
		t.Fatal(err)
	}
	var calls, failed atomic.Int64
	src := &faultSource{Source: e.src, before: func(ctx context.Context, s catalog.Scope) error {
		calls.Add(1)
		if failed.CompareAndSwap(0, 1) {
			return &mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock; try restarting transaction"}
		}
		return nil
	}}
	eng := e.engine(src, runID, 2)
	res, err := eng.Run(ctx, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 0 || res.Batches != int64(len(bs)) || res.Interrupted {
		t.Errorf("result = %+v, want %d batches done, none failed", res, len(bs))
	}
	if res.Rows != 180 {
		t.Errorf("rows = %d, want 180", res.Rows)
	}
	if n := eng.Counters.Retries.Load(); n != 1 {
		t.Errorf("retries = %d, want 1", n)
	}
	if calls.Load() != int64(len(bs))+1 {
		t.Errorf("%d reads for %d batches and one retry", calls.Load(), len(bs))
	}
	sameRows(t, dump(t, e.tgtDB, ""), dump(t, e.srcDB, ""), "after a retried deadlock")
	got, err := e.ledger.Batches(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, b := range got {
		if b.State != checkpoint.Done || b.Attempts != 1 {
			t.Errorf("batch %d: %s after %d claims, want done after 1", b.ID, b.State, b.Attempts)
		}
		total += b.Rows
	}
	if total != 180 {
		t.Errorf("ledger counts %d rows, want 180", total)
	}
}

// TestPermanentDataErrorFailsOneBatch: a value the target column cannot hold
// fails only the batch holding it, once, with the error in the ledger; the
// other batches complete and the failed one leaves nothing behind.
func TestPermanentDataErrorFailsOneBatch(t *testing.T) {
	e := newEnv(t, 4, 30, 5, func(tenant, i int) *string {
		s := fmt.Sprintf("n%d", i%100)
		if tenant == 3 && i == 17 {
			s = "this name is far too long for five characters"
		}
		return &s
	})
	ctx := context.Background()
	runID, bs := e.plan(t, 4, 10)
	var bad int
	for _, b := range bs {
		if b.Tenants[0] == "3" {
			bad = b.ID
		}
	}
	eng := e.engine(e.src, runID, 3)
	res, err := eng.Run(ctx, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 1 || res.Batches != int64(len(bs)-1) {
		t.Errorf("result = %+v, want %d done and 1 failed", res, len(bs)-1)
	}
	if len(res.FailedBatches) != 1 || res.FailedBatches[0].ID != bad {
		t.Fatalf("failed batches = %+v, want batch %d", res.FailedBatches, bad)
	}
	var de *mysqldb.DataError
	if !errors.As(res.FailedBatches[0].Err, &de) {
		t.Errorf("failure %v is not a *mysqldb.DataError", res.FailedBatches[0].Err)
	}
	if n := eng.Counters.Retries.Load(); n != 0 {
		t.Errorf("a data error was retried %d times", n)
	}
	got, err := e.ledger.Batches(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range got {
		switch {
		case b.ID == bad:
			if b.State != checkpoint.Failed || b.Error == "" || b.Attempts != 1 {
				t.Errorf("bad batch = %+v, want failed after 1 attempt with its error", b)
			}
			if !strings.Contains(b.Error, "items") {
				t.Errorf("ledger error %q does not name the table", b.Error)
			}
		case b.State != checkpoint.Done:
			t.Errorf("batch %d: %s, want done", b.ID, b.State)
		}
	}
	sameRows(t, dump(t, e.tgtDB, "WHERE tenant_id <> 3"), dump(t, e.srcDB, "WHERE tenant_id <> 3"), "the good batches")
	if rows := dump(t, e.tgtDB, "WHERE tenant_id = 3"); len(rows) != 0 {
		t.Errorf("the failed batch left %d rows in the target", len(rows))
	}
}

// TestSoftStop: cancelling claimCtx lets the batches in flight commit and
// claims nothing more; every batch is then done or still pending.
func TestSoftStop(t *testing.T) {
	e := newEnv(t, 1, 100, 64, hostileName)
	ctx := context.Background()
	runID, bs := e.plan(t, 1, 10)
	if len(bs) != 10 {
		t.Fatalf("%d batches, want 10", len(bs))
	}
	started := make(chan struct{}, len(bs))
	release := make(chan struct{})
	var reads atomic.Int64
	src := &faultSource{Source: e.src, before: func(ctx context.Context, s catalog.Scope) error {
		reads.Add(1)
		started <- struct{}{}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	claimCtx, stop := context.WithCancel(ctx)
	defer stop()
	workCtx, hard := context.WithTimeout(ctx, 2*time.Minute)
	defer hard()
	eng := e.engine(src, runID, 2)
	var res migrate.Result
	var runErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		res, runErr = eng.Run(claimCtx, workCtx)
	}()
	<-started
	stop()
	close(release)
	wg.Wait()
	if runErr != nil {
		t.Fatal(runErr)
	}
	if !res.Interrupted {
		t.Error("a soft stop is not reported as interrupted")
	}
	got, err := e.ledger.Batches(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	var done, pending int
	var copied int64
	for _, b := range got {
		switch b.State {
		case checkpoint.Done:
			done++
			copied += b.Rows
			scope := "tenant_id = 1"
			if b.Lo != nil {
				scope += " AND id >= " + b.Lo[0]
			}
			if b.Hi != nil {
				scope += " AND id < " + b.Hi[0]
			}
			sameRows(t, dump(t, e.tgtDB, "WHERE "+scope), dump(t, e.srcDB, "WHERE "+scope), fmt.Sprintf("batch %d", b.ID))
		case checkpoint.Pending:
			pending++
		default:
			t.Errorf("batch %d left %s after a soft stop", b.ID, b.State)
		}
	}
	if done < 1 || done > 2 || done+pending != len(bs) {
		t.Errorf("%d done and %d pending of %d after a soft stop with 2 workers", done, pending, len(bs))
	}
	if int64(done) != reads.Load() || res.Batches != int64(done) {
		t.Errorf("%d batches read, %d done in the ledger, %d reported", reads.Load(), done, res.Batches)
	}
	if n := len(dump(t, e.tgtDB, "")); int64(n) != copied || res.Rows != copied {
		t.Errorf("target holds %d rows, ledger counts %d, result %d", n, copied, res.Rows)
	}
}
