package checkpoint_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/testdb"
)

// TestChecksumsAndReopen: Done stores the batch's checksum; Reopen sends done
// batches (only those) back to pending with no checksum, and marks their tables
// as not copied onto an empty target, in one go.
func TestChecksumsAndReopen(t *testing.T) {
	srv := testdb.StartT(t)
	lt := newLedger(t, srv)
	ctx := context.Background()
	runID := lt.run(t, batches(3))
	_, err := lt.l.TargetEmpty(ctx, runID, []string{"orders"}, func(string) (bool, error) { return true, nil })
	require.NoError(t, err)
	const sum = "0123456789abcdef0123456789abcdef"
	for i := 0; i < 2; i++ {
		b, _, err := lt.l.Claim(ctx, runID, "me", 1, time.Minute, 3)
		require.NoError(t, err)
		if i == 0 {
			b.Checksum = sum
		}
		require.NoError(t, lt.done(ctx, b, 7))
	}
	got, err := lt.l.Checksums(ctx, runID)
	require.NoError(t, err)
	require.Equal(t, map[int]string{1: sum}, got, "only the batch done with a checksum has one")

	require.NoError(t, lt.l.Reopen(ctx, runID, []int{1, 3}, []string{"orders"}))
	b1, b2, b3 := lt.batch(t, runID, 1), lt.batch(t, runID, 2), lt.batch(t, runID, 3)
	require.Equal(t, checkpoint.Pending, b1.State)
	require.Zero(t, b1.Attempts)
	require.Equal(t, checkpoint.Done, b2.State, "batches not named stay done")
	require.Equal(t, checkpoint.Pending, b3.State, "a pending batch is left as it was")
	got, err = lt.l.Checksums(ctx, runID)
	require.NoError(t, err)
	require.Empty(t, got)
	empty, err := lt.l.TargetEmpty(ctx, runID, []string{"orders"}, func(string) (bool, error) { return true, nil })
	require.NoError(t, err)
	require.False(t, empty["orders"], "a reopened table must delete before it loads again")

	claimed, _, err := lt.l.Claim(ctx, runID, "me", 1, time.Minute, 3)
	require.NoError(t, err)
	require.Equal(t, 1, claimed.ID, "the reopened batch is claimed again")
}
