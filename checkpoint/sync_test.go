package checkpoint_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/testdb"
)

// TestSyncPositions: capture start records position 0 of every table; a
// position moves only from where the mover read it, inside its transaction
// (a second mover from the same place gets ErrSyncMoved; a rolled-back
// move leaves it); a new capture replaces the positions; stop forgets them.
// Bulk says how many batches each table has left.
func TestSyncPositions(t *testing.T) {
	srv := testdb.StartT(t)
	lt := newLedger(t, srv)
	ctx := context.Background()
	var schema string
	if err := lt.db.QueryRow("SELECT DATABASE()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if pos, err := lt.l.SyncPositions(ctx); err != nil || len(pos) != 0 {
		t.Fatalf("before capture: %v, %v", pos, err)
	}
	if err := checkpoint.EnsureSync(ctx, lt.db, schema); err != nil {
		t.Fatal(err)
	}
	if b, err := lt.l.Bulk(ctx); err != nil || b != nil {
		t.Fatalf("bulk without a run = %+v, %v", b, err)
	}
	runID := lt.run(t, batches(3))
	if err := lt.l.StartCapture(ctx, "cap1", runID, []string{"orders", "lines"}); err != nil {
		t.Fatal(err)
	}
	if n, err := lt.l.BatchesStarted(ctx, runID); err != nil || n != 0 {
		t.Fatalf("started batches = %d, %v", n, err)
	}
	move := func(from, to uint64, commit bool) error {
		tx, err := lt.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if err := lt.l.AdvanceSync(ctx, tx, "orders", "cap1", from, to, int(to-from)); err != nil {
			return err
		}
		if commit {
			return tx.Commit()
		}
		return nil
	}
	if err := move(0, 10, false); err != nil {
		t.Fatal(err)
	}
	if err := move(0, 10, true); err != nil {
		t.Fatal(err)
	}
	if err := move(0, 12, true); !errors.Is(err, checkpoint.ErrSyncMoved) {
		t.Fatalf("a second move from 0: %v, want ErrSyncMoved", err)
	}
	if err := move(10, 15, true); err != nil {
		t.Fatal(err)
	}
	pos, err := lt.l.SyncPositions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p := pos["orders"]; p.Seq != 15 || p.Changes != 15 || p.Applies != 2 || p.RunID != runID || p.AppliedAt.IsZero() {
		t.Fatalf("orders = %+v", p)
	}
	if p := pos["lines"]; p.Seq != 0 || p.CaptureID != "cap1" || !p.AppliedAt.IsZero() {
		t.Fatalf("lines = %+v", p)
	}
	b, err := lt.l.Bulk(ctx)
	if err != nil || b.RunID != runID || b.Left["orders"] != 3 {
		t.Fatalf("bulk = %+v, %v", b, err)
	}
	if err := lt.l.StartCapture(ctx, "cap2", runID, []string{"orders"}); err != nil {
		t.Fatal(err)
	}
	if pos, _ = lt.l.SyncPositions(ctx); len(pos) != 1 || pos["orders"].Seq != 0 || pos["orders"].CaptureID != "cap2" {
		t.Fatalf("after a new capture: %+v", pos)
	}
	if err := lt.l.StopCapture(ctx); err != nil {
		t.Fatal(err)
	}
	if pos, _ = lt.l.SyncPositions(ctx); len(pos) != 0 {
		t.Fatalf("after stop: %+v", pos)
	}
}
