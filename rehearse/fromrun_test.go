package rehearse_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/testdb"
	"github.com/cutover/cutover/planner"
	"github.com/cutover/cutover/rehearse"
)

// TestFromRunFitsTheRebuildCost runs FromRun on a real ledger whose batches
// and rebuild times are set to known values.
func TestFromRunFitsTheRebuildCost(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()
	name, _ := srv.NewDatabase(t, "ledger")
	db, err := srv.Open(name)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	l, err := checkpoint.Open(ctx, db, name)
	require.NoError(t, err)

	// run copies orders in two batches (1000 and 500 rows) and rebuilds its
	// two deferred indexes when rebuild is set.
	run := func(t *testing.T, rebuild bool) int64 {
		t.Helper()
		runID, err := l.CreateRun(ctx, "cfgfp", "planfp", []byte(`{}`), []checkpoint.NewBatch{
			{ID: 1, Table: "orders", Tenants: []string{"1"}, EstRows: 1000, EstBytes: 100_000},
			{ID: 2, Table: "orders", Tenants: []string{"2"}, EstRows: 500, EstBytes: 50_000},
		})
		require.NoError(t, err)
		if rebuild {
			first, err := l.RecordIndexes(ctx, runID, "orders", "orders_t", []catalog.Index{
				{Name: "a", Kind: catalog.IndexPlain, Columns: []string{"a"}, Def: "KEY `a` (`a`)"},
				{Name: "b", Kind: catalog.IndexPlain, Columns: []string{"b"}, Def: "KEY `b` (`b`)"},
			})
			require.NoError(t, err)
			require.True(t, first)
		}
		for _, rows := range []int64{1000, 500} {
			b, _, err := l.Claim(ctx, runID, "h:1:x", 1, time.Minute, 3)
			require.NoError(t, err)
			require.NotNil(t, b)
			tx, err := db.BeginTx(ctx, nil)
			require.NoError(t, err)
			require.NoError(t, l.Done(ctx, tx, b, rows))
			require.NoError(t, tx.Commit())
		}
		_, err = db.ExecContext(ctx, "UPDATE batches_v1 SET claimed_at = '2026-01-01 00:00:00', finished_at = '2026-01-01 00:00:01' WHERE run_id = ?", runID)
		require.NoError(t, err)
		if rebuild {
			st, _, err := l.ClaimIndexes(ctx, runID, "h:1:x", time.Minute, nil)
			require.NoError(t, err)
			require.NotNil(t, st)
			require.NoError(t, l.IndexesDone(ctx, st))
			// The rebuild took 3 s.
			_, err = db.ExecContext(ctx, "UPDATE index_steps_v1 SET claimed_at = '2026-01-01 00:00:01', finished_at = '2026-01-01 00:00:04' WHERE run_id = ?", runID)
			require.NoError(t, err)
		}
		return runID
	}
	stored := func(t *testing.T) planner.Model {
		t.Helper()
		c, err := checkpoint.LatestCalibration(ctx, db, name, "cfgfp")
		require.NoError(t, err)
		require.NotNil(t, c)
		var m planner.Model
		require.NoError(t, json.Unmarshal(c.Model, &m))
		require.NoError(t, m.Validate())
		return m
	}

	t.Run("a run with a rebuild", func(t *testing.T) {
		res, err := rehearse.FromRun(ctx, l, l, run(t, true), "cfgfp")
		require.NoError(t, err)
		require.Equal(t, 2, res.Batches)
		require.Equal(t, 1, res.Rebuilds)
		// 3 s over 1500 rows times 2 definitions.
		want := 3.0 / 3000
		require.NotNil(t, res.Model.Rebuild)
		require.InDelta(t, want, res.Model.Rebuild.PerIndexRow, 1e-12)
		c, calibrated := stored(t).RebuildCost()
		require.True(t, calibrated, "the stored calibration keeps the rebuild cost")
		require.InDelta(t, want, c.PerIndexRow, 1e-12)
	})

	t.Run("a run without one keeps the default", func(t *testing.T) {
		res, err := rehearse.FromRun(ctx, l, l, run(t, false), "cfgfp")
		require.NoError(t, err)
		require.Zero(t, res.Rebuilds)
		require.Nil(t, res.Model.Rebuild)
		c, calibrated := stored(t).RebuildCost()
		require.False(t, calibrated)
		require.Equal(t, planner.DefaultRebuildCost(), c)
	})
}
