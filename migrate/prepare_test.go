package migrate_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/migrate"
)

// PrepareRun plans a first run, resumes it on the next call without planning
// again, and refuses a changed config before anything is written.
func TestPrepareRunPlansResumesRefuses(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 3, 40, 64, func(tn, i int) *string { s := "n"; return &s })
	spec := migrate.Spec{TenantColumn: "tenant_id", Tables: []migrate.TableSpec{{Name: "items"}}}
	res, err := migrate.Resolve(ctx, spec, e.src, e.tgt, false)
	if err != nil {
		t.Fatal(err)
	}
	schema, _ := e.srv.NewDatabase(t, "prepled")
	led, err := checkpoint.Open(ctx, e.tgt.SQL(), schema)
	if err != nil {
		t.Fatal(err)
	}
	plans, opens := 0, 0
	opt := migrate.PrepareOptions{
		Source: e.src, Target: e.tgt, Resolution: res, Spec: spec,
		LedgerSchema: schema, Version: "test 1", Host: "h1",
		PlanFP: "plan-a", RunFP: "run-a",
		OpenLedger: func(context.Context) (*checkpoint.Ledger, error) { opens++; return led, nil },
		Plan: func(ctx context.Context, res *migrate.Resolution) (*migrate.Planned, error) {
			plans++
			model, _, err := migrate.CostModel(ctx, e.tgt, schema, "plan-a")
			if err != nil {
				return nil, err
			}
			return migrate.MakePlan(ctx, e.src, res, migrate.PlanOptions{BatchRows: 25, Workers: 2, Model: model})
		},
	}
	first, err := migrate.PrepareRun(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	if plans != 1 || opens != 1 || first.Run == nil || first.Ledger != led {
		t.Fatalf("first prepare: plans %d opens %d run %v", plans, opens, first.Run)
	}
	var batches int
	if err := e.tgtDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+schema+"`.batches_v1 WHERE run_id = ?", first.Run.ID).Scan(&batches); err != nil {
		t.Fatal(err)
	}
	if batches < 3 {
		t.Fatalf("stored plan has %d batches, want at least one per tenant (3)", batches)
	}
	again, err := migrate.PrepareRun(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	if plans != 1 || again.Run.ID != first.Run.ID {
		t.Fatalf("resume planned again (%d plans) or changed run: %d, want %d", plans, again.Run.ID, first.Run.ID)
	}
	opt.PlanFP = "plan-b"
	_, err = migrate.PrepareRun(ctx, opt)
	var ce *migrate.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "the config changed since run") {
		t.Fatalf("changed config: got %v, want a *ConfigError saying the config changed", err)
	}
	if opens != 2 {
		t.Fatalf("a changed config opened the ledger (%d opens, want 2): it must be refused before the first write", opens)
	}
}
