package report

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/testdb"
	"github.com/cutover/cutover/planner"
)

// Render picks the active run or the one asked for, says which it could
// not read, and writes the HTML of the run it found.
func TestRender(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()
	name, _ := srv.NewDatabase(t, "ledger")
	db, err := srv.Open(name)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	l, err := checkpoint.Open(ctx, db, name)
	require.NoError(t, err)
	now := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)

	_, err = Render(ctx, l, 0, nil, now)
	require.ErrorIs(t, err, ErrNoActiveRun, "an empty ledger has no active run")

	_, err = Render(ctx, l, 99, nil, now)
	var unknown *UnknownRunError
	require.ErrorAs(t, err, &unknown)
	require.EqualError(t, unknown.Err, "read run 99: sql: no rows in result set")

	plan, err := (&planner.Doc{Fingerprint: "pfp-render"}).Marshal()
	require.NoError(t, err)
	id, err := l.CreateRun(ctx, "cfg", "pfp-render", plan, []checkpoint.NewBatch{
		{ID: 1, Table: "orders", Tenants: []string{"1"}, EstRows: 10},
		{ID: 2, Table: "orders", Tenants: []string{"2"}, EstRows: 20},
	})
	require.NoError(t, err)
	for _, runID := range []int64{0, id} {
		r, err := Render(ctx, l, runID, &Verification{Mode: "row counts", Equal: true}, now)
		require.NoError(t, err)
		require.Equal(t, id, r.Run.ID)
		require.Equal(t, 2, r.Batches)
		require.True(t, bytes.HasPrefix(r.HTML, []byte("<!DOCTYPE html>")), "%.80s", r.HTML)
		require.Contains(t, string(r.HTML), "pfp-render")
		require.Contains(t, string(r.HTML), "row counts", "the verification is in the report")
	}
}
