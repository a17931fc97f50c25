package migrate_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// Planner cuts with the default model while the ledger holds no calibration
// for the config, with the calibration once a rehearsal stored one, and
// stores the config's settings in the plan either way.
func TestPlannerUsesTheStoredCalibration(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 2, 30, 64, func(tn, i int) *string { s := "n"; return &s })
	res, err := migrate.Resolve(ctx, migrate.Spec{TenantColumn: "tenant_id", Tables: []migrate.TableSpec{{Name: "items"}}}, e.src, e.tgt, false)
	if err != nil {
		t.Fatal(err)
	}
	schema, _ := e.srv.NewDatabase(t, "planled")
	s := migrate.PlanSettings{BatchRows: 10, Workers: 2, LedgerSchema: schema, PlanFP: "plan-a",
		Settings: map[string]string{"run.batch_rows": "10"}, RunFP: "run-a"}
	plan := migrate.Planner(e.src, e.tgt, s)

	p, err := plan(ctx, res)
	if err != nil {
		t.Fatal(err)
	}
	if p.Calibration != nil || p.Model.Calibrated {
		t.Errorf("without a calibration: calibration %v, calibrated %v; want the default model", p.Calibration, p.Model.Calibrated)
	}
	if !reflect.DeepEqual(p.Doc.Settings, map[string]string{"run.batch_rows": "10"}) || p.Doc.SettingsRunFP != "run-a" {
		t.Errorf("plan settings = %v, run fingerprint %q; want run.batch_rows 10, run-a", p.Doc.Settings, p.Doc.SettingsRunFP)
	}
	if len(p.Doc.Batches) < 6 { // 30 rows a tenant in batches of 10
		t.Errorf("plan has %d batches, want at least 6", len(p.Doc.Batches))
	}

	led, err := checkpoint.Open(ctx, e.tgt.SQL(), schema)
	if err != nil {
		t.Fatal(err)
	}
	m := planner.Model{Default: planner.Cost{Fixed: 0.25, PerRow: 0.003}}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	id, err := led.SaveCalibration(ctx, checkpoint.Calibration{ConfigFP: "plan-a", Workers: 2, Batches: 4, Seconds: 1, Model: raw, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = plan(ctx, res); err != nil {
		t.Fatal(err)
	}
	if p.Calibration == nil || p.Calibration.ID != id || !p.Model.Calibrated {
		t.Fatalf("with calibration %d: calibration %v, calibrated %v", id, p.Calibration, p.Model.Calibrated)
	}
	if p.Model.Default != (planner.Cost{Fixed: 0.25, PerRow: 0.003}) {
		t.Errorf("model = %+v, want the stored fixed 0.25 s, 0.003 s a row", p.Model.Default)
	}
	other := migrate.Planner(e.src, e.tgt, migrate.PlanSettings{BatchRows: 10, Workers: 2, LedgerSchema: schema, PlanFP: "plan-b"})
	if p, err = other(ctx, res); err != nil {
		t.Fatal(err)
	}
	if p.Calibration != nil {
		t.Errorf("another config's plan used calibration %d", p.Calibration.ID)
	}
}
