package checkpoint_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/testdb"
)

func TestIndexSteps(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()
	idx := []catalog.Index{
		{Name: "k`b", Kind: catalog.IndexPlain, Columns: []string{"b", "a"}, Def: "KEY `k``b` (`b`(10),`a` DESC) COMMENT 'x'"},
		{Name: "fk", Kind: catalog.IndexForeign, Columns: []string{"p"}, Def: "CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `p` (`id`)"},
	}

	t.Run("a rebuild waits for its table's batches, then is leased once", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		// Before any step was recorded (a ledger of an older binary) nothing is open.
		if st, open, err := lt.l.ClaimIndexes(ctx, 1, "a", time.Minute, nil); err != nil || st != nil || open != 0 {
			t.Fatalf("claim on a ledger without steps = %v, %d, %v", st, open, err)
		}
		runID := lt.run(t, batches(2)) // two batches of orders
		first, err := lt.l.RecordIndexes(ctx, runID, "orders", "orders_t", idx)
		if err != nil || !first {
			t.Fatalf("record = %v, %v; want the first record", first, err)
		}
		if again, err := lt.l.RecordIndexes(ctx, runID, "orders", "orders_t", nil); err != nil || again {
			t.Fatalf("second record = %v, %v; want false: the first one's definitions stay", again, err)
		}
		if st, open, err := lt.l.ClaimIndexes(ctx, runID, "a", time.Minute, nil); err != nil || st != nil || open != 1 {
			t.Fatalf("claim with batches pending = %v, %d, %v; want nothing, 1 open", st, open, err)
		}
		b1 := lt.claimWithin(t, runID, "w", 3, time.Second)
		b2 := lt.claimWithin(t, runID, "w", 3, time.Second)
		if err := lt.done(ctx, b1, 1); err != nil {
			t.Fatal(err)
		}
		if st, _, _ := lt.l.ClaimIndexes(ctx, runID, "a", time.Minute, nil); st != nil {
			t.Fatal("claimed while a batch of the table is still claimed")
		}
		// A failed batch does not keep the table without its indexes.
		if err := lt.l.Fail(ctx, b2, errors.New("bad value")); err != nil {
			t.Fatal(err)
		}
		st, _, err := lt.l.ClaimIndexes(ctx, runID, "a", time.Second, nil)
		if err != nil || st == nil {
			t.Fatalf("claim after the batches finished = %v, %v", st, err)
		}
		if !reflect.DeepEqual(st.Indexes, idx) || st.Target != "orders_t" || st.Attempts != 1 {
			t.Errorf("claimed step = %+v, want the recorded definitions", st)
		}
		if other, open, err := lt.l.ClaimIndexes(ctx, runID, "b", time.Minute, nil); err != nil || other != nil || open != 1 {
			t.Fatalf("second claimer = %v, %d, %v; want nothing, 1 open", other, open, err)
		}
		// The lease runs out (a kill -9): another process takes the rebuild over.
		var taken *checkpoint.IndexStep
		for deadline := time.Now().Add(5 * time.Second); taken == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if taken, _, err = lt.l.ClaimIndexes(ctx, runID, "b", time.Minute, nil); err != nil {
				t.Fatal(err)
			}
		}
		if taken == nil || taken.Attempts != 2 {
			t.Fatalf("take-over after the lease = %+v", taken)
		}
		if err := lt.l.RenewIndexes(ctx, st, time.Minute); !errors.Is(err, checkpoint.ErrLeaseLost) {
			t.Errorf("renew by the old holder = %v, want ErrLeaseLost", err)
		}
		if err := lt.l.IndexesDone(ctx, st); !errors.Is(err, checkpoint.ErrLeaseLost) {
			t.Errorf("done by the old holder = %v, want ErrLeaseLost", err)
		}
		if err := lt.l.IndexesDone(ctx, taken); err != nil {
			t.Fatal(err)
		}
		if st, open, err := lt.l.ClaimIndexes(ctx, runID, "c", time.Minute, nil); err != nil || st != nil || open != 0 {
			t.Fatalf("claim after done = %v, %d, %v; want nothing left", st, open, err)
		}
		steps, err := lt.l.IndexSteps(ctx, runID)
		if err != nil || len(steps) != 1 || steps[0].State != checkpoint.Done || steps[0].Owner != "b" {
			t.Fatalf("steps = %+v, %v", steps, err)
		}
	})

	t.Run("released, or held by a dead process, it is taken at once", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		runID := lt.run(t, nil)
		for _, tbl := range []string{"a", "b"} {
			if _, err := lt.l.RecordIndexes(ctx, runID, tbl, tbl, idx); err != nil {
				t.Fatal(err)
			}
		}
		sa, _, err := lt.l.ClaimIndexes(ctx, runID, "p1", time.Hour, nil)
		if err != nil || sa == nil || sa.Table != "a" {
			t.Fatalf("claim = %+v, %v", sa, err)
		}
		if err := lt.l.ReleaseIndexes(ctx, sa, errors.New("lock wait timeout")); err != nil {
			t.Fatal(err)
		}
		again, _, err := lt.l.ClaimIndexes(ctx, runID, "p2", time.Hour, nil)
		if err != nil || again == nil || again.Table != "a" || again.Error != "lock wait timeout" {
			t.Fatalf("claim after release = %+v, %v", again, err)
		}
		// A table whose rebuild failed in this process is neither claimed nor counted.
		if st, open, err := lt.l.ClaimIndexes(ctx, runID, "p3", time.Hour, []string{"b"}); err != nil || st != nil || open != 1 {
			t.Fatalf("claim skipping b = %+v, %d, %v; want nothing, 1 open (a, held by p2)", st, open, err)
		}
		sb, _, err := lt.l.ClaimIndexes(ctx, runID, "p3", time.Hour, nil)
		if err != nil || sb == nil || sb.Table != "b" {
			t.Fatalf("claim of b = %+v, %v", sb, err)
		}
		if err := lt.l.Register(ctx, runID, checkpoint.Process{Owner: "p3", Host: "h", PID: 1, Version: "v", Workers: 1}); err != nil {
			t.Fatal(err)
		}
		if err := lt.l.Stopped(ctx, "p3"); err != nil { // what ReleaseDead does for a dead pid
			t.Fatal(err)
		}
		taken, _, err := lt.l.ClaimIndexes(ctx, runID, "p4", time.Hour, nil)
		if err != nil || taken == nil || taken.Table != "b" {
			t.Fatalf("claim of a dead process's rebuild = %+v, %v", taken, err)
		}
	})

	t.Run("a replaced run's unfinished rebuild is found", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		old := lt.run(t, batches(1))
		if _, err := lt.l.RecordIndexes(ctx, old, "orders", "orders", idx); err != nil {
			t.Fatal(err)
		}
		runID := lt.run(t, batches(1))
		left, err := lt.l.UnfinishedIndexSteps(ctx, runID)
		if err != nil || len(left) != 1 || left[0].RunID != old {
			t.Fatalf("unfinished = %+v, %v", left, err)
		}
		// Its batches never finish (the run was replaced): it is claimed by name.
		st, err := lt.l.ClaimIndexStep(ctx, left[0], "p", time.Minute)
		if err != nil || st == nil {
			t.Fatalf("claim = %+v, %v", st, err)
		}
		if err := lt.l.IndexesDone(ctx, st); err != nil {
			t.Fatal(err)
		}
		if left, err := lt.l.UnfinishedIndexSteps(ctx, runID); err != nil || len(left) != 0 {
			t.Fatalf("unfinished after done = %+v, %v", left, err)
		}
	})
}
