package migrate_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// DraftPlan makes the plan through the caller's maker, fits it to a window
// when asked, wraps the maker's errors, and writes nothing; StoreOver stores
// it and refuses to replace a started run without replan.
func TestDraftPlanAndStoreOver(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 3, 40, 64, func(tn, i int) *string { s := "n"; return &s })
	spec := migrate.Spec{TenantColumn: "tenant_id", Tables: []migrate.TableSpec{{Name: "items"}}}
	res, err := migrate.Resolve(ctx, spec, e.src, e.tgt, false)
	if err != nil {
		t.Fatal(err)
	}
	var planned *migrate.Resolution
	opt := migrate.DraftOptions{
		Source: e.src, Target: e.tgt, Resolution: res, Tables: []string{"items"},
		Plan: func(ctx context.Context, r *migrate.Resolution) (*migrate.Planned, error) {
			planned = r
			return migrate.MakePlan(ctx, e.src, r, migrate.PlanOptions{BatchRows: 25, Workers: 2, Model: planner.DefaultModel()})
		},
	}
	t.Run("no window", func(t *testing.T) {
		p, err := migrate.DraftPlan(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		if planned != res {
			t.Fatalf("the maker got %p, want the resolution given (%p)", planned, res)
		}
		if p.Doc.Summary.Rows != 120 || p.Doc.Estimate == nil || p.Doc.Estimate.Fit != nil {
			t.Fatalf("plan of %d rows, estimate %+v: want 120 rows, an estimate without a window fit", p.Doc.Summary.Rows, p.Doc.Estimate)
		}
	})
	t.Run("window", func(t *testing.T) {
		o := opt
		now := time.Date(2026, 1, 1, 22, 0, 0, 0, time.UTC)
		o.Within, o.Asked, o.Now, o.PerProcess = 4*time.Hour, "4h", now, 2
		p, err := migrate.DraftPlan(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		f := p.Doc.Estimate.Fit
		if f == nil || f.Asked != "4h" || !f.Until.Equal(time.Date(2026, 1, 2, 2, 0, 0, 0, time.UTC)) || !f.Fit.Fits || f.Processes != 1 {
			t.Fatalf("fit %+v: want 4h until 02:00 the next day, fitting in one process", f)
		}
	})
	t.Run("maker fails", func(t *testing.T) {
		o := opt
		o.Plan = func(context.Context, *migrate.Resolution) (*migrate.Planned, error) { return nil, errors.New("boom") }
		if _, err := migrate.DraftPlan(ctx, o); err == nil || err.Error() != "plan: boom" {
			t.Fatalf("got %v, want plan: boom", err)
		}
	})
	t.Run("store over", func(t *testing.T) {
		p, err := migrate.DraftPlan(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.StoreOver(ctx, e.ledger, false, time.Minute, "cfg-a", "test 1", "run-a"); err != nil {
			t.Fatal(err)
		}
		run, err := e.ledger.ActiveRun(ctx)
		if err != nil || run == nil || run.ConfigFP != "cfg-a" || run.ID != p.Doc.RunID {
			t.Fatalf("active run %+v (%v): want the stored plan of cfg-a", run, err)
		}
		if _, _, err := e.ledger.Claim(ctx, run.ID, "h1", 0, time.Minute, 3); err != nil {
			t.Fatal(err)
		}
		again, err := migrate.DraftPlan(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		err = again.StoreOver(ctx, e.ledger, false, time.Minute, "cfg-a", "test 1", "run-a")
		var ce *migrate.ConfigError
		if !errors.As(err, &ce) {
			t.Fatalf("plan over a started run: got %v, want a *ConfigError", err)
		}
		if now, _ := e.ledger.ActiveRun(ctx); now.ID != run.ID {
			t.Fatalf("the refused plan replaced run %d with %d", run.ID, now.ID)
		}
	})
}
