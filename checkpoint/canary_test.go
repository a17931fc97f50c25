package checkpoint_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/testdb"
)

// TestCanaryGate: while a run's canary has not passed, claims take only its
// batches, on every owner; the first canary recorded wins; one owner gets the
// check, another takes it over only when its lease ran out; a passed canary
// opens the gate, a failed one keeps it closed until RecheckCanary.
func TestCanaryGate(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()
	lt := newLedger(t, srv)
	run := lt.run(t, []checkpoint.NewBatch{
		{ID: 1, Table: "orders", Tenants: []string{"7"}, EstRows: 10},
		{ID: 2, Table: "orders", Tenants: []string{"8"}, EstRows: 10},
		{ID: 3, Table: "orders", Tenants: []string{"9"}, EstRows: 10},
		{ID: 4, Table: "orders", Tenants: []string{"7", "10"}, EstRows: 10},
	})
	cn, err := lt.l.RecordCanary(ctx, run, []string{"7"}, []string{"7: the largest"}, []int{1, 4})
	require.NoError(t, err)
	require.Equal(t, checkpoint.CanaryCopying, cn.State)
	again, err := lt.l.RecordCanary(ctx, run, []string{"8"}, []string{"8: other"}, []int{2})
	require.NoError(t, err)
	require.Equal(t, []string{"7"}, again.Tenants, "the first canary recorded wins")
	require.Equal(t, []int{1, 4}, again.Batches)

	// Concurrent claimers on two owners get only the canary's batches.
	var claimed sync.Map
	var wg sync.WaitGroup
	for _, owner := range []string{"a", "b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				b, open, err := lt.l.Claim(ctx, run, owner, 1, time.Minute, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if b == nil {
					if open == 0 {
						t.Error("nothing open, but batches 2 and 3 are pending")
					}
					return
				}
				claimed.Store(b.ID, b)
			}
		}()
	}
	wg.Wait()
	var ids []int
	claimed.Range(func(k, v any) bool {
		ids = append(ids, k.(int))
		require.NoError(t, lt.done(ctx, v.(*checkpoint.Batch), 10))
		return true
	})
	require.ElementsMatch(t, []int{1, 4}, ids)
	prog, err := lt.l.CanaryProgress(ctx, run)
	require.NoError(t, err)
	require.Equal(t, checkpoint.CanaryProgress{Done: 2}, prog)

	// One checker; another owner takes the check over only after its lease.
	var winners atomic.Int32
	for _, owner := range []string{"a", "b", "c"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := lt.l.ClaimCanaryCheck(ctx, run, owner, time.Second)
			if err != nil {
				t.Error(err)
			}
			if got {
				winners.Add(1)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int32(1), winners.Load())
	cn, err = lt.l.ReadCanary(ctx, run)
	require.NoError(t, err)
	require.Equal(t, checkpoint.CanaryChecking, cn.State)
	checker, other := cn.Checker, "a"
	if checker == "a" {
		other = "b"
	}
	got, err := lt.l.ClaimCanaryCheck(ctx, run, other, time.Second)
	require.NoError(t, err)
	require.False(t, got, "the check's lease has not run out")
	time.Sleep(1100 * time.Millisecond)
	got, err = lt.l.ClaimCanaryCheck(ctx, run, other, time.Minute)
	require.NoError(t, err)
	require.True(t, got, "the dead checker's lease ran out")
	// The old checker's pass is not recorded: it lost the check.
	changed, err := lt.l.FinishCanary(ctx, run, checker, true, "equal")
	require.NoError(t, err)
	require.False(t, changed)

	// Failed: the gate stays closed.
	changed, err = lt.l.FinishCanary(ctx, run, other, false, "orders key (3): changed")
	require.NoError(t, err)
	require.True(t, changed)
	b, open, err := lt.l.Claim(ctx, run, "a", 1, time.Minute, 3)
	require.NoError(t, err)
	require.Nil(t, b)
	require.Equal(t, 2, open)

	// Checked again after the halt was lifted, and passed: the gate opens.
	require.NoError(t, lt.l.RecheckCanary(ctx, run))
	cn, err = lt.l.ReadCanary(ctx, run)
	require.NoError(t, err)
	require.Equal(t, checkpoint.CanaryCopying, cn.State)
	got, err = lt.l.ClaimCanaryCheck(ctx, run, "a", time.Minute)
	require.NoError(t, err)
	require.True(t, got)
	changed, err = lt.l.FinishCanary(ctx, run, "a", true, "equal")
	require.NoError(t, err)
	require.True(t, changed)
	for _, want := range []int{2, 3} {
		b, _, err := lt.l.Claim(ctx, run, "b", 1, time.Minute, 3)
		require.NoError(t, err)
		require.NotNil(t, b)
		require.Equal(t, want, b.ID)
	}
	cn, err = lt.l.ReadCanary(ctx, run)
	require.NoError(t, err)
	require.Equal(t, checkpoint.CanaryPassed, cn.State)
	require.Equal(t, "equal", cn.Detail)
	require.False(t, cn.CheckedAt.IsZero())

	// A run without a canary is not gated.
	other2 := lt.run(t, []checkpoint.NewBatch{{ID: 1, Table: "orders", Tenants: []string{"1"}, EstRows: 1}})
	none, err := lt.l.ReadCanary(ctx, other2)
	require.NoError(t, err)
	require.Nil(t, none)
	b, _, err = lt.l.Claim(ctx, other2, "a", 1, time.Minute, 3)
	require.NoError(t, err)
	require.NotNil(t, b)
}
