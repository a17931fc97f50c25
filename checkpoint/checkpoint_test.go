package checkpoint_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/testdb"
)

// ledgerT is one test's ledger in its own schema of a shared throwaway server.
type ledgerT struct {
	l  *checkpoint.Ledger
	db *sql.DB
}

func newLedger(t *testing.T, srv *testdb.Server) ledgerT {
	t.Helper()
	name, _ := srv.NewDatabase(t, "ledger")
	db, err := srv.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(32)
	t.Cleanup(func() { db.Close() })
	l, err := checkpoint.Open(context.Background(), db, name)
	if err != nil {
		t.Fatal(err)
	}
	return ledgerT{l: l, db: db}
}

func batches(n int) []checkpoint.NewBatch {
	out := make([]checkpoint.NewBatch, n)
	for i := range out {
		out[i] = checkpoint.NewBatch{ID: i + 1, Table: "orders", Tenants: []string{fmt.Sprint(100 + i)}, EstRows: int64(10 * (i + 1)), EstBytes: int64(1000 * (i + 1))}
	}
	return out
}

func (lt ledgerT) run(t *testing.T, bs []checkpoint.NewBatch) int64 {
	t.Helper()
	id, err := lt.l.CreateRun(context.Background(), "cfgfp", "planfp", []byte(`{"plan":true}`), bs)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (lt ledgerT) batch(t *testing.T, runID int64, id int) *checkpoint.Batch {
	t.Helper()
	all, err := lt.l.Batches(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range all {
		if b.ID == id {
			return b
		}
	}
	t.Fatalf("batch %d not in the ledger", id)
	return nil
}

// done marks b done in a transaction of its own and commits.
func (lt ledgerT) done(ctx context.Context, b *checkpoint.Batch, rows int64) error {
	tx, err := lt.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := lt.l.Done(ctx, tx, b, rows); err != nil {
		return err
	}
	return tx.Commit()
}

// claimWithin polls Claim until it returns a batch: leases expire by the
// database's clock, which the test does not control.
func (lt ledgerT) claimWithin(t *testing.T, runID int64, owner string, maxAttempts int, limit time.Duration) *checkpoint.Batch {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		b, _, err := lt.l.Claim(context.Background(), runID, owner, 1, time.Second, maxAttempts)
		if err != nil {
			t.Fatal(err)
		}
		if b != nil {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s claimed nothing within %s", owner, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestLedger(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()

	t.Run("CreateRun stores batches pending in order", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		first := lt.run(t, batches(2))
		bs := []checkpoint.NewBatch{
			{ID: 1, Table: "orders", Tenants: []string{"7"}, Hi: []string{"1000", "x"}, EstRows: 5},
			{ID: 2, Table: "orders", Tenants: []string{"7"}, Lo: []string{"1000", "x"}, EstRows: 6},
			{ID: 3, Table: "ref", EstRows: 7},
			{ID: 4, Table: "orders", Tenants: []string{"8", "9", `q"uote`}, EstRows: 8, EstBytes: 99},
		}
		// Enough batches to cross the insert chunking.
		for i := 5; i <= 450; i++ {
			bs = append(bs, checkpoint.NewBatch{ID: i, Table: "orders", Tenants: []string{fmt.Sprint(i)}, EstRows: 1})
		}
		runID := lt.run(t, bs)
		if runID == first {
			t.Fatalf("second run has the first run's id %d", runID)
		}
		active, err := lt.l.ActiveRun(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if active == nil || active.ID != runID || active.PlanFP != "planfp" || active.ConfigFP != "cfgfp" || string(active.Plan) != `{"plan":true}` {
			t.Errorf("active run = %+v, want run %d", active, runID)
		}
		if active != nil && (active.CreatedAt.IsZero() || time.Since(active.CreatedAt) > time.Hour || time.Since(active.CreatedAt) < -time.Hour) {
			t.Errorf("created_at = %v", active.CreatedAt)
		}
		got, err := lt.l.Batches(ctx, runID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(bs) {
			t.Fatalf("%d batches stored, want %d", len(got), len(bs))
		}
		for i, b := range got {
			w := bs[i]
			if b.ID != w.ID || b.RunID != runID || b.Table != w.Table || b.State != checkpoint.Pending || b.Attempts != 0 ||
				b.EstRows != w.EstRows || b.EstBytes != w.EstBytes || b.Owner != "" ||
				!slices.Equal(b.Tenants, w.Tenants) || !slices.Equal(b.Lo, w.Lo) || !slices.Equal(b.Hi, w.Hi) ||
				(b.Lo == nil) != (w.Lo == nil) || (b.Hi == nil) != (w.Hi == nil) {
				t.Errorf("batch %d = %+v, want %+v pending", i, b, w)
			}
		}
	})

	t.Run("Claim in id order", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		runID := lt.run(t, batches(5))
		for want := 1; want <= 5; want++ {
			b, _, err := lt.l.Claim(ctx, runID, "p1", 3, time.Minute, 3)
			if err != nil {
				t.Fatal(err)
			}
			if b == nil || b.ID != want || b.State != checkpoint.Claimed || b.Owner != "p1" || b.Attempts != 1 {
				t.Fatalf("claim %d = %+v", want, b)
			}
		}
		b, open, err := lt.l.Claim(ctx, runID, "p2", 1, time.Minute, 3)
		if err != nil || b != nil {
			t.Fatalf("claim with everything claimed = %+v, %v", b, err)
		}
		if open != 5 {
			t.Errorf("open = %d while another owner holds 5 batches, want 5", open)
		}
		for id := 1; id <= 5; id++ {
			if err := lt.done(ctx, lt.batch(t, runID, id), 10); err != nil {
				t.Fatal(err)
			}
		}
		b, open, err = lt.l.Claim(ctx, runID, "p2", 1, time.Minute, 3)
		if err != nil || b != nil || open != 0 {
			t.Errorf("claim when all done = %+v, %d, %v; want nil, 0", b, open, err)
		}
	})

	t.Run("concurrent claimers never share a batch", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		const n = 60
		runID := lt.run(t, batches(n))
		var mu sync.Mutex
		got := map[int][]string{}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			owner := fmt.Sprintf("owner-%d", w)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					b, open, err := lt.l.Claim(ctx, runID, owner, w, time.Minute, 3)
					if err != nil {
						errs <- err
						return
					}
					if b == nil {
						if open == 0 {
							return
						}
						time.Sleep(10 * time.Millisecond)
						continue
					}
					mu.Lock()
					got[b.ID] = append(got[b.ID], owner)
					mu.Unlock()
					if err := lt.done(ctx, b, 1); err != nil {
						errs <- fmt.Errorf("%s: batch %d: %w", owner, b.ID, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for id := 1; id <= n; id++ {
			if len(got[id]) != 1 {
				t.Errorf("batch %d claimed by %v, want exactly one owner", id, got[id])
			}
		}
		all, err := lt.l.Batches(ctx, runID)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range all {
			if b.State != checkpoint.Done || b.Attempts != 1 {
				t.Errorf("batch %d: %s after %d attempts, want done after 1", b.ID, b.State, b.Attempts)
			}
		}
	})

	t.Run("expired lease is taken over and the first owner loses", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		runID := lt.run(t, batches(1))
		a, _, err := lt.l.Claim(ctx, runID, "a", 1, time.Second, 5)
		if err != nil || a == nil {
			t.Fatalf("claim: %+v, %v", a, err)
		}
		// Before the lease runs out nobody else gets it.
		if b, _, err := lt.l.Claim(ctx, runID, "b", 1, time.Minute, 5); err != nil || b != nil {
			t.Fatalf("claim under a live lease = %+v, %v", b, err)
		}
		b := lt.claimWithin(t, runID, "b", 5, 15*time.Second)
		if b.ID != a.ID || b.Owner != "b" || b.Attempts != 2 {
			t.Errorf("takeover = %+v, want batch %d owned by b on attempt 2", b, a.ID)
		}
		if err := lt.done(ctx, a, 10); !errors.Is(err, checkpoint.ErrLeaseLost) {
			t.Errorf("first owner's Done = %v, want ErrLeaseLost", err)
		}
		if err := lt.done(ctx, b, 10); err != nil {
			t.Errorf("new owner's Done = %v", err)
		}
		got := lt.batch(t, runID, a.ID)
		if got.State != checkpoint.Done || got.Owner != "b" || got.Rows != 10 {
			t.Errorf("batch = %+v, want done by b with 10 rows", got)
		}
		// Done is final: a second Done by the same owner fails.
		if err := lt.done(ctx, b, 10); !errors.Is(err, checkpoint.ErrLeaseLost) {
			t.Errorf("Done of a done batch = %v, want ErrLeaseLost", err)
		}
	})

	t.Run("Done in a rolled-back transaction leaves the batch claimed", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		runID := lt.run(t, batches(2))
		b, _, err := lt.l.Claim(ctx, runID, "a", 1, time.Minute, 3)
		if err != nil || b == nil {
			t.Fatal(b, err)
		}
		tx, err := lt.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := lt.l.Done(ctx, tx, b, 5); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		got := lt.batch(t, runID, b.ID)
		if got.State != checkpoint.Claimed || got.Owner != "a" || got.Rows != 0 {
			t.Errorf("after rollback: %+v, want claimed by a with no rows", got)
		}
		// Still a's: another owner takes the next batch, not this one.
		next, _, err := lt.l.Claim(ctx, runID, "b", 1, time.Minute, 3)
		if err != nil || next == nil || next.ID == b.ID {
			t.Errorf("other owner claimed %+v, %v; want the other batch", next, err)
		}
	})

	t.Run("attempts are bounded", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		runID := lt.run(t, batches(1))
		first := lt.claimWithin(t, runID, "a", 2, time.Second)
		if err := lt.l.Note(ctx, first, errors.New("deadlock found")); err != nil {
			t.Fatal(err)
		}
		second := lt.claimWithin(t, runID, "b", 2, 15*time.Second)
		if second.Attempts != 2 {
			t.Fatalf("second claim on attempt %d, want 2", second.Attempts)
		}
		// The lease of the second attempt runs out too: the batch fails instead
		// of being claimed a third time.
		deadline := time.Now().Add(15 * time.Second)
		for {
			b, open, err := lt.l.Claim(ctx, runID, "c", 1, time.Second, 2)
			if err != nil {
				t.Fatal(err)
			}
			if b != nil {
				t.Fatalf("claimed %+v past the attempt bound", b)
			}
			if got := lt.batch(t, runID, 1); got.State == checkpoint.Failed {
				if !strings.Contains(got.Error, "2 attempts") || !strings.Contains(got.Error, "deadlock found") {
					t.Errorf("failure message %q should give the attempts and the last error", got.Error)
				}
				if open != 0 {
					t.Errorf("open = %d after the only batch failed", open)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the batch never failed")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err := lt.done(ctx, second, 1); !errors.Is(err, checkpoint.ErrLeaseLost) {
			t.Errorf("Done of a failed batch = %v, want ErrLeaseLost", err)
		}
	})

	t.Run("Release makes a batch claimable at once", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		runID := lt.run(t, batches(1))
		a, _, err := lt.l.Claim(ctx, runID, "a", 1, time.Hour, 3)
		if err != nil || a == nil {
			t.Fatal(a, err)
		}
		if err := lt.l.Release(ctx, a); err != nil {
			t.Fatal(err)
		}
		b, _, err := lt.l.Claim(ctx, runID, "b", 1, time.Hour, 3)
		if err != nil || b == nil || b.ID != a.ID {
			t.Fatalf("claim after release = %+v, %v", b, err)
		}
		if b.Attempts != 1 {
			t.Errorf("attempts after a release and a new claim = %d, want 1 (the interruption is given back)", b.Attempts)
		}
		// A release by the former owner does not touch the new owner's lease.
		if err := lt.l.Release(ctx, a); err != nil {
			t.Fatal(err)
		}
		if c, _, err := lt.l.Claim(ctx, runID, "c", 1, time.Hour, 3); err != nil || c != nil {
			t.Errorf("a stale release freed b's batch: %+v, %v", c, err)
		}
	})

	t.Run("ReleaseDead releases dead processes on this host only", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		runID := lt.run(t, batches(4))
		procs := []checkpoint.Process{
			{Owner: "dead-here", Host: "h1", PID: 101, Version: "v", Workers: 1},
			{Owner: "alive-here", Host: "h1", PID: 102, Version: "v", Workers: 1},
			{Owner: "dead-elsewhere", Host: "h2", PID: 101, Version: "v", Workers: 1},
		}
		held := map[string]int{}
		for _, p := range procs {
			if err := lt.l.Register(ctx, runID, p); err != nil {
				t.Fatal(err)
			}
			b, _, err := lt.l.Claim(ctx, runID, p.Owner, 1, time.Hour, 3)
			if err != nil || b == nil {
				t.Fatal(b, err)
			}
			held[p.Owner] = b.ID
		}
		n, err := lt.l.ReleaseDead(ctx, runID, "h1", func(pid int) bool { return pid != 101 })
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("released %d batches, want 1", n)
		}
		// The released batch comes first; then the never-claimed one; nothing else.
		var ids []int
		for {
			b, _, err := lt.l.Claim(ctx, runID, "new", 1, time.Hour, 3)
			if err != nil {
				t.Fatal(err)
			}
			if b == nil {
				break
			}
			ids = append(ids, b.ID)
		}
		if !slices.Equal(ids, []int{held["dead-here"], 4}) {
			t.Errorf("claimable after ReleaseDead: %v, want [%d 4]", ids, held["dead-here"])
		}
		run, err := lt.l.ActiveRun(ctx)
		if err != nil {
			t.Fatal(err)
		}
		st, err := lt.l.Status(ctx, run, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		stopped := map[string]bool{}
		for _, p := range st.Processes {
			stopped[p.Owner] = p.Stopped
		}
		want := map[string]bool{"dead-here": true, "alive-here": false, "dead-elsewhere": false}
		if fmt.Sprint(stopped) != fmt.Sprint(want) {
			t.Errorf("processes stopped = %v, want %v", stopped, want)
		}
	})

	t.Run("ResetFailed", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		runID := lt.run(t, batches(3))
		for range 2 {
			b, _, err := lt.l.Claim(ctx, runID, "a", 1, time.Hour, 3)
			if err != nil || b == nil {
				t.Fatal(b, err)
			}
			if err := lt.l.Fail(ctx, b, errors.New("value too long")); err != nil {
				t.Fatal(err)
			}
		}
		if got := lt.batch(t, runID, 1); got.State != checkpoint.Failed || got.Error != "value too long" {
			t.Errorf("failed batch = %+v", got)
		}
		// A plain claim skips failed batches.
		b, _, err := lt.l.Claim(ctx, runID, "b", 1, time.Hour, 3)
		if err != nil || b == nil || b.ID != 3 {
			t.Fatalf("claim = %+v, %v; want batch 3", b, err)
		}
		n, err := lt.l.ResetFailed(ctx, runID)
		if err != nil || n != 2 {
			t.Fatalf("ResetFailed = %d, %v; want 2", n, err)
		}
		for _, id := range []int{1, 2} {
			got := lt.batch(t, runID, id)
			if got.State != checkpoint.Pending || got.Attempts != 0 || got.Owner != "" {
				t.Errorf("batch %d after reset: %+v, want pending with no attempts", id, got)
			}
		}
		b, _, err = lt.l.Claim(ctx, runID, "c", 1, time.Hour, 3)
		if err != nil || b == nil || b.ID != 1 {
			t.Errorf("claim after reset = %+v, %v; want batch 1", b, err)
		}
		if got := lt.batch(t, runID, 3); got.State != checkpoint.Claimed {
			t.Errorf("ResetFailed touched claimed batch 3: %+v", got)
		}
	})

	t.Run("Status", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		runID := lt.run(t, batches(5)) // est rows 10, 20, 30, 40, 50
		claim := func(owner string, worker int) *checkpoint.Batch {
			b, _, err := lt.l.Claim(ctx, runID, owner, worker, time.Hour, 3)
			if err != nil || b == nil {
				t.Fatal(b, err)
			}
			return b
		}
		b1, b2, b3 := claim("a", 1), claim("a", 2), claim("b", 7)
		if err := lt.done(ctx, b1, 12); err != nil {
			t.Fatal(err)
		}
		if err := lt.l.Fail(ctx, b2, errors.New("boom")); err != nil {
			t.Fatal(err)
		}
		if err := lt.l.Register(ctx, runID, checkpoint.Process{Owner: "b", Host: "h", PID: 9, Version: "v1", Workers: 7}); err != nil {
			t.Fatal(err)
		}
		run, err := lt.l.ActiveRun(ctx)
		if err != nil {
			t.Fatal(err)
		}
		st, err := lt.l.Status(ctx, run, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if st.RunID != runID || st.TotalBatches != 5 {
			t.Errorf("run %d with %d batches, want %d with 5", st.RunID, st.TotalBatches, runID)
		}
		if want := map[string]int{"pending": 2, "claimed": 1, "done": 1, "failed": 1}; fmt.Sprint(st.Batches) != fmt.Sprint(want) {
			t.Errorf("batches by state = %v, want %v", st.Batches, want)
		}
		if st.RowsDone != 12 {
			t.Errorf("rows done = %d, want 12", st.RowsDone)
		}
		if want := int64(12 + 20 + 30 + 40 + 50); st.RowsTotal != want {
			t.Errorf("rows total = %d, want %d (done batches count their copied rows)", st.RowsTotal, want)
		}
		// 12 rows copied since the first claim, moments ago: the rate is over
		// that span (at least 1 s), not over the whole hour's window.
		if st.RowsPerSecond <= 12.0/3600 || st.RowsPerSecond > 12 {
			t.Errorf("rate = %v, want 12 rows over the few seconds since the first claim", st.RowsPerSecond)
		}
		if len(st.InFlight) != 1 || st.InFlight[0].Batch != b3.ID || st.InFlight[0].Owner != "b" || st.InFlight[0].Worker != 7 || st.InFlight[0].Expired {
			t.Errorf("in flight = %+v, want batch %d of b worker 7", st.InFlight, b3.ID)
		}
		if len(st.Failures) != 1 || st.Failures[0].Batch != b2.ID || st.Failures[0].Error != "boom" || st.Failures[0].Attempts != 1 {
			t.Errorf("failures = %+v", st.Failures)
		}
		if len(st.Processes) != 1 || st.Processes[0].Owner != "b" || st.Processes[0].Workers != 7 || st.Processes[0].Stopped {
			t.Errorf("processes = %+v", st.Processes)
		}
	})
}
