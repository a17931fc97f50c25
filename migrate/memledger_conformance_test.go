package migrate_test

import (
	"context"
	"testing"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/checkpoint/ledgertest"
	"github.com/cutover/cutover/migrate"
)

var _ ledgertest.Ledger = migrate.Ledger(nil) // the suite's view is the engine's

// MemLedger passes the ledger conformance suite for what it promises: each
// batch handed out once, done and failed final. It has no leases and no
// attempt bound (a dry run is rerun, not resumed).
func TestMemLedgerConformance(t *testing.T) {
	ledgertest.Exercise(t, ledgertest.Caps{}, func(t *testing.T, bs []checkpoint.NewBatch) *ledgertest.Harness {
		batches := make([]*checkpoint.Batch, len(bs))
		for i, nb := range bs {
			batches[i] = &checkpoint.Batch{RunID: 1, ID: nb.ID, Table: nb.Table, Tenants: nb.Tenants, Lo: nb.Lo, Hi: nb.Hi, EstRows: nb.EstRows, EstBytes: nb.EstBytes}
		}
		m := migrate.NewMemLedger(batches)
		return &ledgertest.Harness{
			Ledger: m,
			RunID:  1,
			State: func(_ context.Context, id int) (checkpoint.State, error) {
				for _, r := range m.Results() {
					switch {
					case r.Batch.ID != id:
					case r.Done:
						return checkpoint.Done, nil
					case r.Err != "":
						return checkpoint.Failed, nil
					default:
						return checkpoint.Claimed, nil
					}
				}
				return checkpoint.Pending, nil
			},
		}
	})
}
