package checkpoint_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/checkpoint/ledgertest"
	"github.com/cutover/cutover/internal/testdb"
)

// The ledger in the target passes the engine's ledger conformance suite.
func TestLedgerConformance(t *testing.T) {
	srv := testdb.StartT(t)
	ledgertest.Exercise(t, ledgertest.Caps{Leases: true, Attempts: true}, func(t *testing.T, bs []checkpoint.NewBatch) *ledgertest.Harness {
		lt := newLedger(t, srv)
		runID := lt.run(t, bs)
		return &ledgertest.Harness{
			Ledger: lt.l,
			RunID:  runID,
			Begin:  func(ctx context.Context) (*sql.Tx, error) { return lt.db.BeginTx(ctx, nil) },
			State: func(ctx context.Context, id int) (checkpoint.State, error) {
				all, err := lt.l.Batches(ctx, runID)
				if err != nil {
					return 0, err
				}
				for _, b := range all {
					if b.ID == id {
						return b.State, nil
					}
				}
				return 0, fmt.Errorf("batch %d not in the ledger", id)
			},
		}
	})
}
