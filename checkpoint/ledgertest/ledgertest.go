// Package ledgertest is the conformance suite of the engine's ledger: every
// implementation of migrate.Ledger (the ledger in the target, the in-memory
// ledger of dry runs, any wrapper) runs Exercise, in the manner of river's
// riverdrivertest.Exercise.
package ledgertest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/checkpoint"
)

// Ledger is the engine's view of a ledger, migrate.Ledger, repeated here (not
// imported) so that migrate's own tests can run the suite.
type Ledger interface {
	Claim(ctx context.Context, runID int64, owner string, worker int, lease time.Duration, maxAttempts int) (*checkpoint.Batch, int, error)
	Done(ctx context.Context, tx *sql.Tx, b *checkpoint.Batch, rows int64) error
	Fail(ctx context.Context, b *checkpoint.Batch, cause error) error
	Note(ctx context.Context, b *checkpoint.Batch, cause error) error
	Release(ctx context.Context, b *checkpoint.Batch) error
	Heartbeat(ctx context.Context, runID int64, owner string, lease time.Duration) error
}

// Harness is one fresh ledger holding one run of the batches given to the
// factory, all pending.
type Harness struct {
	Ledger Ledger
	RunID  int64
	// Begin opens a transaction for Done in the ledger's database; nil when
	// the ledger writes nothing in it.
	Begin func(ctx context.Context) (*sql.Tx, error)
	// State reads a batch's state as the ledger holds it.
	State func(ctx context.Context, id int) (checkpoint.State, error)
}

// Caps are what an implementation promises beyond handing out each batch
// once, in plan order, and recording done and failed for good.
type Caps struct {
	// Leases: a claim lasts its lease; an expired claim is taken over by the
	// next claimer with a new token, and the stale attempt is fenced out
	// (its Done, Fail and Note return checkpoint.ErrLeaseLost, its Release
	// changes nothing); Release gives a batch back at once; Done of a batch
	// that is no longer claimed returns ErrLeaseLost.
	Leases bool
	// Attempts: a batch claimed maxAttempts times without finishing is
	// marked failed instead of claimed again.
	Attempts bool
}

// Factory makes a fresh harness for one test.
type Factory func(t *testing.T, batches []checkpoint.NewBatch) *Harness

// Batches returns n batches of table "orders", one tenant each, ids 1..n.
func Batches(n int) []checkpoint.NewBatch {
	out := make([]checkpoint.NewBatch, n)
	for i := range out {
		out[i] = checkpoint.NewBatch{ID: i + 1, Table: "orders", Tenants: []string{fmt.Sprint(100 + i)}, EstRows: 10, EstBytes: 1000}
	}
	return out
}

// Exercise runs the suite against the implementation newHarness makes. Cases
// an implementation's Caps do not promise are skipped, and say so.
func Exercise(t *testing.T, caps Caps, newHarness Factory) {
	ctx := context.Background()
	const minute = time.Minute

	claim := func(t *testing.T, h *Harness, owner string, lease time.Duration, maxAttempts int) (*checkpoint.Batch, int) {
		t.Helper()
		b, open, err := h.Ledger.Claim(ctx, h.RunID, owner, 1, lease, maxAttempts)
		if err != nil {
			t.Fatalf("claim by %s: %v", owner, err)
		}
		return b, open
	}
	done := func(h *Harness, b *checkpoint.Batch, rows int64) error {
		if h.Begin == nil {
			return h.Ledger.Done(ctx, nil, b, rows)
		}
		tx, err := h.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := h.Ledger.Done(ctx, tx, b, rows); err != nil {
			return err
		}
		return tx.Commit()
	}
	state := func(t *testing.T, h *Harness, id int) checkpoint.State {
		t.Helper()
		s, err := h.State(ctx, id)
		if err != nil {
			t.Fatalf("state of batch %d: %v", id, err)
		}
		return s
	}
	need := func(t *testing.T, ok bool, what string) {
		t.Helper()
		if !ok {
			t.Skipf("SKIPPED: this ledger does not promise %s", what)
		}
	}

	t.Run("claims each batch once in plan order, then nothing", func(t *testing.T) {
		h := newHarness(t, Batches(5))
		for want := 1; want <= 5; want++ {
			b, _ := claim(t, h, "p1", minute, 3)
			if b == nil || b.ID != want || b.State != checkpoint.Claimed || b.Owner != "p1" || b.Attempts != 1 {
				t.Fatalf("claim %d = %+v, want batch %d claimed by p1 on attempt 1", want, b, want)
			}
			if b.Token <= 0 {
				t.Errorf("batch %d claimed with token %d, want > 0", b.ID, b.Token)
			}
			if got := state(t, h, b.ID); got != checkpoint.Claimed {
				t.Errorf("batch %d is %s after its claim", b.ID, got)
			}
		}
		if b, open := claim(t, h, "p1", minute, 3); b != nil || open != 0 {
			t.Errorf("claim with every batch held by this owner = %+v, open %d; want nil, 0", b, open)
		}
	})

	t.Run("done is recorded and final", func(t *testing.T) {
		h := newHarness(t, Batches(2))
		for range 2 {
			b, _ := claim(t, h, "p1", minute, 3)
			if b == nil {
				t.Fatal("nothing claimed")
			}
			if err := done(h, b, 10); err != nil {
				t.Fatalf("Done of batch %d: %v", b.ID, err)
			}
			if got := state(t, h, b.ID); got != checkpoint.Done {
				t.Fatalf("batch %d is %s after Done", b.ID, got)
			}
			// States only move forward: a late failure does not undo done.
			_ = h.Ledger.Fail(ctx, b, errors.New("late failure"))
			if got := state(t, h, b.ID); got != checkpoint.Done {
				t.Errorf("batch %d is %s after a Fail that followed Done, want done", b.ID, got)
			}
		}
		if b, open := claim(t, h, "p2", minute, 3); b != nil || open != 0 {
			t.Errorf("claim with every batch done = %+v, open %d; want nil, 0", b, open)
		}
	})

	t.Run("failed is recorded and final", func(t *testing.T) {
		h := newHarness(t, Batches(1))
		b, _ := claim(t, h, "p1", minute, 3)
		if b == nil {
			t.Fatal("nothing claimed")
		}
		if err := h.Ledger.Note(ctx, b, errors.New("deadlock, will retry")); err != nil {
			t.Fatalf("Note: %v", err)
		}
		if got := state(t, h, b.ID); got != checkpoint.Claimed {
			t.Errorf("batch is %s after Note, want still claimed", got)
		}
		if err := h.Ledger.Fail(ctx, b, errors.New("constraint violated")); err != nil {
			t.Fatalf("Fail: %v", err)
		}
		if got := state(t, h, b.ID); got != checkpoint.Failed {
			t.Fatalf("batch is %s after Fail", got)
		}
		_ = done(h, b, 10)
		if got := state(t, h, b.ID); got != checkpoint.Failed {
			t.Errorf("batch is %s after a Done that followed Fail, want failed", got)
		}
		if again, open := claim(t, h, "p2", minute, 3); again != nil || open != 0 {
			t.Errorf("a failed batch was claimed again: %+v, open %d", again, open)
		}
	})

	t.Run("concurrent claimers never get the same batch", func(t *testing.T) {
		const n, claimers = 40, 6
		h := newHarness(t, Batches(n))
		var mu sync.Mutex
		got := map[int][]string{}
		var wg sync.WaitGroup
		errs := make(chan error, claimers)
		for c := range claimers {
			owner := fmt.Sprintf("owner-%d", c)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					b, _, err := h.Ledger.Claim(ctx, h.RunID, owner, c, minute, 3)
					if err != nil {
						errs <- err
						return
					}
					if b == nil {
						return
					}
					mu.Lock()
					got[b.ID] = append(got[b.ID], owner)
					mu.Unlock()
					if err := done(h, b, 1); err != nil {
						errs <- fmt.Errorf("Done of batch %d by %s: %w", b.ID, owner, err)
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
				t.Errorf("batch %d claimed by %v, want exactly one claimer", id, got[id])
			}
		}
	})

	t.Run("a live lease is not taken", func(t *testing.T) {
		need(t, caps.Leases, "leases")
		h := newHarness(t, Batches(1))
		if b, _ := claim(t, h, "a", minute, 3); b == nil {
			t.Fatal("nothing claimed")
		}
		b, open := claim(t, h, "b", minute, 3)
		if b != nil || open != 1 {
			t.Errorf("claim under another owner's live lease = %+v, open %d; want nil, 1", b, open)
		}
	})

	t.Run("an expired claim is taken over and the stale attempt is fenced", func(t *testing.T) {
		need(t, caps.Leases, "leases")
		h := newHarness(t, Batches(1))
		// Two workers of one process: the same owner. The first stalls past
		// its lease (a microsecond), the second takes the batch over.
		stale, _ := claim(t, h, "p1", time.Microsecond, 5)
		if stale == nil {
			t.Fatal("nothing claimed")
		}
		time.Sleep(2 * time.Millisecond)
		fresh, _ := claim(t, h, "p1", minute, 5)
		if fresh == nil || fresh.ID != stale.ID || fresh.Attempts != 2 || fresh.Token <= stale.Token {
			t.Fatalf("takeover = %+v after %+v; want the same batch on attempt 2 with a greater token", fresh, stale)
		}
		if err := done(h, stale, 10); !errors.Is(err, checkpoint.ErrLeaseLost) {
			t.Errorf("the stale attempt's Done = %v, want ErrLeaseLost", err)
		}
		if err := h.Ledger.Fail(ctx, stale, errors.New("stale failure")); !errors.Is(err, checkpoint.ErrLeaseLost) {
			t.Errorf("the stale attempt's Fail = %v, want ErrLeaseLost", err)
		}
		if err := h.Ledger.Note(ctx, stale, errors.New("stale retry")); !errors.Is(err, checkpoint.ErrLeaseLost) {
			t.Errorf("the stale attempt's Note = %v, want ErrLeaseLost", err)
		}
		if err := h.Ledger.Release(ctx, stale); err != nil {
			t.Errorf("the stale attempt's Release = %v", err)
		}
		if got := state(t, h, stale.ID); got != checkpoint.Claimed {
			t.Fatalf("batch is %s after the stale attempt's marks, want claimed", got)
		}
		// The stale Release did not give the fresh claim away.
		if b, _ := claim(t, h, "p2", minute, 5); b != nil {
			t.Errorf("the stale attempt's Release freed the fresh claim: %s took batch %d", b.Owner, b.ID)
		}
		if err := done(h, fresh, 10); err != nil {
			t.Fatalf("the fresh attempt's Done = %v", err)
		}
		if got := state(t, h, fresh.ID); got != checkpoint.Done {
			t.Errorf("batch is %s after the fresh Done", got)
		}
		if err := done(h, fresh, 10); !errors.Is(err, checkpoint.ErrLeaseLost) {
			t.Errorf("a second Done of a done batch = %v, want ErrLeaseLost", err)
		}
	})

	t.Run("Release gives a batch back at once with its attempt", func(t *testing.T) {
		need(t, caps.Leases, "leases")
		h := newHarness(t, Batches(1))
		a, _ := claim(t, h, "a", minute, 3)
		if a == nil {
			t.Fatal("nothing claimed")
		}
		if err := h.Ledger.Release(ctx, a); err != nil {
			t.Fatal(err)
		}
		b, _ := claim(t, h, "b", minute, 3)
		if b == nil || b.ID != a.ID || b.Attempts != 1 || b.Token <= a.Token {
			t.Fatalf("claim after Release = %+v, want batch %d on attempt 1 with a greater token than %d", b, a.ID, a.Token)
		}
		if err := done(h, a, 1); !errors.Is(err, checkpoint.ErrLeaseLost) {
			t.Errorf("Done by the released attempt = %v, want ErrLeaseLost", err)
		}
	})

	t.Run("a batch fails after its attempts are used up", func(t *testing.T) {
		need(t, caps.Attempts, "bounded attempts")
		h := newHarness(t, Batches(2))
		var tokens []int64
		for attempt := 1; attempt <= 2; attempt++ {
			b, _ := claim(t, h, fmt.Sprint("holder-", attempt), time.Microsecond, 2)
			if b == nil || b.ID != 1 || b.Attempts != attempt {
				t.Fatalf("claim %d = %+v, want batch 1 on attempt %d", attempt, b, attempt)
			}
			tokens = append(tokens, b.Token)
			time.Sleep(2 * time.Millisecond)
		}
		if !slices.IsSorted(tokens) || tokens[0] == tokens[1] {
			t.Errorf("tokens %v do not grow", tokens)
		}
		// The third claim finds batch 1 out of attempts: it fails it and
		// hands out batch 2 instead.
		b, _ := claim(t, h, "third", minute, 2)
		if b == nil || b.ID != 2 {
			t.Fatalf("third claim = %+v, want batch 2", b)
		}
		if got := state(t, h, 1); got != checkpoint.Failed {
			t.Errorf("batch 1 is %s after its attempts were used up, want failed", got)
		}
	})

	t.Run("heartbeat keeps a lease alive", func(t *testing.T) {
		need(t, caps.Leases, "leases")
		h := newHarness(t, Batches(1))
		a, _ := claim(t, h, "a", 200*time.Millisecond, 3)
		if a == nil {
			t.Fatal("nothing claimed")
		}
		if err := h.Ledger.Heartbeat(ctx, h.RunID, "a", minute); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		if b, _ := claim(t, h, "b", minute, 3); b != nil {
			t.Errorf("a renewed lease was taken over by %s", b.Owner)
		}
		if err := done(h, a, 1); err != nil {
			t.Errorf("Done after heartbeats = %v", err)
		}
	})
}
