package migrate

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/checkpoint"
)

func TestSampleLedgerServesTheSampleThenWhileTimeIsLeft(t *testing.T) {
	batches := func() []*checkpoint.Batch {
		var bs []*checkpoint.Batch
		for i := range 5 {
			bs = append(bs, &checkpoint.Batch{ID: i + 1, EstRows: 10})
		}
		return bs
	}
	claimAll := func(m *MemLedger) int {
		n := 0
		for {
			b, _, err := m.Claim(context.Background(), 1, "w", 0, time.Minute, 0)
			require.NoError(t, err)
			if b == nil {
				return n
			}
			n++
		}
	}
	// No time asked for: the sample only.
	m := NewSampleLedger(batches(), 2, 0)
	require.EqualValues(t, 20, m.MustRows())
	require.Equal(t, 2, claimAll(m))
	// Time left: every batch given, and never more.
	require.Equal(t, 5, claimAll(NewSampleLedger(batches(), 2, time.Hour)))
	require.Equal(t, 5, claimAll(NewSampleLedger(batches(), 9, 0)))
	require.Equal(t, 5, claimAll(NewMemLedger(batches())))
}
