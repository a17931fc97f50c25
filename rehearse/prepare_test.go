package rehearse_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/internal/testdb"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
	"github.com/cutover/cutover/rehearse"
)

// Prepare creates the missing target table and plans in memory; Run
// rehearses the sample (rolled back), opens the store only to keep the
// calibration, and reports the plan as calibrated by it.
func TestPrepareAndRun(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()
	srcName, srcDSN := srv.NewDatabase(t, "src")
	_, tgtDSN := srv.NewDatabase(t, "tgt")
	ledgerName, _ := srv.NewDatabase(t, "ledger")
	srcDB, err := srv.Open(srcName)
	require.NoError(t, err)
	t.Cleanup(func() { srcDB.Close() })
	_, err = srcDB.ExecContext(ctx, "CREATE TABLE items (id BIGINT NOT NULL PRIMARY KEY, tenant_id INT NOT NULL, name VARCHAR(20) NOT NULL, KEY t (tenant_id))")
	require.NoError(t, err)
	for i := 1; i <= 60; i++ {
		_, err := srcDB.ExecContext(ctx, "INSERT INTO items VALUES (?, ?, ?)", i, 1+i%3, fmt.Sprint("row ", i))
		require.NoError(t, err)
	}
	src, err := mysqldb.Open(ctx, srcDSN, "", mysqldb.RoleSource, 6)
	require.NoError(t, err)
	t.Cleanup(func() { src.Close() })
	tgt, err := mysqldb.Open(ctx, tgtDSN, "", mysqldb.RoleTarget, 6)
	require.NoError(t, err)
	t.Cleanup(func() { tgt.Close() })

	spec := migrate.Spec{TenantColumn: "tenant_id", Tables: []migrate.TableSpec{{Name: "items"}}}
	res, err := migrate.Resolve(ctx, spec, src, tgt, true)
	require.NoError(t, err)
	require.Equal(t, []string{"items"}, res.Missing)
	opens := 0
	opt := rehearse.PrepareOptions{
		Source: src, Target: tgt, Resolution: res, Spec: spec, LedgerSchema: ledgerName, Lease: time.Minute,
		Plan: func(ctx context.Context, r *migrate.Resolution) (*migrate.Planned, error) {
			return migrate.MakePlan(ctx, src, r, migrate.PlanOptions{BatchRows: 10, Workers: 2, Model: planner.DefaultModel()})
		},
		OpenStore: func(ctx context.Context) (rehearse.Store, error) {
			opens++
			return checkpoint.Open(ctx, tgt.SQL(), ledgerName)
		},
	}
	pr, err := rehearse.Prepare(ctx, opt)
	require.NoError(t, err)
	require.Empty(t, pr.Resolution.Missing, "the missing table is created")
	require.Equal(t, "items", pr.Resolution.Tables[0].Target)
	require.Equal(t, int64(60), pr.Plan.Doc.Summary.Rows)
	require.Equal(t, 0, opens, "nothing is stored before the sample ran")

	opts := migrate.ProcessOptions{Host: "h1", Version: "test", Tables: pr.Resolution.Tables, Retries: 1, Lease: time.Minute}
	eng := rehearse.ProcessEngine(opts, func(ctx context.Context, mem *migrate.MemLedger, opt migrate.ProcessOptions) (migrate.Result, time.Duration, error) {
		p, err := migrate.NewDry(ctx, src, tgt, mem, opt)
		if err != nil {
			return migrate.Result{}, 0, err
		}
		res, err := p.Run(ctx, ctx)
		return res, p.Elapsed(), err
	})
	rep, err := pr.Run(ctx, eng, rehearse.Options{Share: 1, Workers: 2, ConfigFP: "cfg-r"})
	require.NoError(t, err)
	require.Equal(t, 1, opens)
	require.Positive(t, rep.CalibrationID)
	require.True(t, rep.Estimate.Calibrated)
	require.Equal(t, 2, rep.Estimate.Schedule.Workers)
	require.Regexp(t, fmt.Sprintf(`^calibrated by rehearsal %d at 2 workers, \d{4}-\d\d-\d\dT`, rep.CalibrationID), rep.Estimate.Calibration)
	var rows, stored int
	require.NoError(t, tgt.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM items").Scan(&rows))
	require.Equal(t, 0, rows, "the sample rolled back")
	require.NoError(t, tgt.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+ledgerName+"`.calibration_v1 WHERE config_fp = 'cfg-r'").Scan(&stored))
	require.Equal(t, 1, stored)

	t.Run("a store that cannot open", func(t *testing.T) {
		o := opt
		o.Resolution = pr.Resolution // the table exists now
		o.OpenStore = func(context.Context) (rehearse.Store, error) { return nil, errors.New("no ledger today") }
		pr, err := rehearse.Prepare(ctx, o)
		require.NoError(t, err)
		_, err = pr.Run(ctx, eng, rehearse.Options{Share: 1, Workers: 2, ConfigFP: "cfg-r"})
		require.EqualError(t, err, "no ledger today")
	})
	t.Run("a maker that fails", func(t *testing.T) {
		o := opt
		o.Resolution = pr.Resolution
		o.Plan = func(context.Context, *migrate.Resolution) (*migrate.Planned, error) {
			return nil, errors.New("no plan")
		}
		_, err := rehearse.Prepare(ctx, o)
		require.EqualError(t, err, "no plan")
	})
}

// ProcessEngine runs each pass with the run's options, rolled back, with the
// pass's workers and stacking.
func TestProcessEngine(t *testing.T) {
	var got migrate.ProcessOptions
	mem := migrate.NewMemLedger(nil)
	var gotMem *migrate.MemLedger
	eng := rehearse.ProcessEngine(migrate.ProcessOptions{Host: "h9", Workers: 8, Retries: 4}, func(_ context.Context, m *migrate.MemLedger, opt migrate.ProcessOptions) (migrate.Result, time.Duration, error) {
		got, gotMem = opt, m
		return migrate.Result{Rows: 42, Batches: 3}, 7 * time.Second, nil
	})
	res, took, err := eng.Rehearse(context.Background(), mem, 2, 1000)
	require.NoError(t, err)
	require.Equal(t, migrate.Result{Rows: 42, Batches: 3}, res)
	require.Equal(t, 7*time.Second, took)
	require.Same(t, mem, gotMem)
	require.Equal(t, "h9", got.Host)
	require.Equal(t, 4, got.Retries)
	require.Equal(t, 2, got.Workers)
	require.Equal(t, migrate.DryRollback, got.DryRun)
	require.Equal(t, int64(1000), got.StackRows)
}
