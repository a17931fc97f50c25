package config

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/migrate"
)

const runSettings = `run:
  workers: 6
  retries: 2
  lease: 2m
  grace: 15s
  checksums: false
  outage: 90s
  defer_unique: true
  max_workers: 12
  max_failed_batches: 3
  stop_file: /run/cutover.stop
  throttle:
    rows_per_second: 50000
    mb_per_second: 20
    every: 2s
    probes:
      - {name: lag, on: source, metric: replica_lag, max: 10}
      - {on: target, metric: sql, sql: "SELECT 1", max: 5}
`

func TestProcessOptions(t *testing.T) {
	c, err := Parse([]byte(base+runSettings), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := migrate.ProcessOptions{
		Workers: 6, Retries: 2, Lease: 2 * time.Minute, Grace: 15 * time.Second, NoChecksums: true, OutageLimit: 90 * time.Second,
		Defer: migrate.DeferSettings{Defer: true, Unique: true}, RunFP: c.RunFingerprint(),
		MaxWorkers: 12, StopFile: "/run/cutover.stop", MaxFailed: 3,
		Throttle: migrate.ThrottleSettings{RowsPerSecond: 50000, MBPerSecond: 20, Every: 2 * time.Second, Probes: []migrate.ProbeSpec{
			{Name: "lag", On: "source", Metric: "replica_lag", Max: 10},
			{Name: "target sql", On: "target", Metric: "sql", SQL: "SELECT 1", Max: 5},
		}},
	}
	if got := c.ProcessOptions(); !reflect.DeepEqual(got, want) {
		t.Errorf("ProcessOptions =\n %+v\nwant\n %+v", got, want)
	}
	d, err := Parse([]byte(base), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.ProcessOptions(); got.NoChecksums || got.MaxFailed != -1 || got.Throttle.Probes != nil || got.Defer != (migrate.DeferSettings{Defer: true}) {
		t.Errorf("ProcessOptions of the defaults = %+v", got)
	}
}

func TestRawCharsets(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  Source
		want map[string]string
	}{
		{"not set", Source{}, map[string]string{}},
		{"every column", Source{RawCharset: "WE8MSWIN1252"}, map[string]string{"*": "WE8MSWIN1252"}},
		{"named columns", Source{RawCharset: "WE8ISO8859P1", RawCharsetColumns: []string{"PAY", "AGENTS.NAME"}},
			map[string]string{"PAY": "WE8ISO8859P1", "AGENTS.NAME": "WE8ISO8859P1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.src.RawCharsets(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("RawCharsets = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSettings(t *testing.T) {
	c, err := Parse([]byte(base+runSettings), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	got := c.Settings()
	for k, v := range map[string]string{
		"source.driver":                "mysql",
		"source.schema":                "",
		"tenant.column":                "agent_id",
		"tenant.ids":                   "[]",
		"run.batch_rows":               "50000",
		"run.lease":                    "2m0s",
		"run.retries":                  "2",
		"run.max_workers":              "12",
		"run.max_failed_batches":       "3",
		"run.throttle.rows_per_second": "50000",
		"run.throttle.mb_per_second":   "20",
		"run.throttle.every":           "2s",
		"run.throttle.probes":          "2 probes",
		"run.throttle.probes[1] (lag)": `{"Name":"lag","On":"source","Metric":"replica_lag","SQL":"","Max":10}`,
	} {
		if got[k] != v {
			t.Errorf("Settings()[%q] = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != 13+2+4 { // the scalars, two probes, four tables
		t.Errorf("Settings has %d keys, want 19: %v", len(got), got)
	}
	var tx Table
	if err := json.Unmarshal([]byte(got["tables[3] (transactions)"]), &tx); err != nil || tx.Target != "txn" || tx.Tenant.Via != "merchants" {
		t.Errorf("tables[3] (transactions) = %s (%v), want the table as JSON", got["tables[3] (transactions)"], err)
	}
}

func TestPlanSettings(t *testing.T) {
	yaml := strings.Replace(base, "  column: agent_id\n", "  column: agent_id\n  ids: [\"7\", \"9\"]\n", 1)
	c, err := Parse([]byte(yaml+"run:\n  batch_rows: 20000\n  workers: 3\n  defer_foreign_keys: true\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	got := c.PlanSettings()
	if got.BatchRows != 20000 || got.Workers != 3 || !reflect.DeepEqual(got.Tenants, []string{"7", "9"}) ||
		got.Defer != (migrate.DeferSettings{Defer: true, Foreign: true}) || got.LedgerSchema != "cutover" {
		t.Errorf("PlanSettings = %+v", got)
	}
	if got.PlanFP != c.PlanFingerprint() || got.RunFP != c.RunFingerprint() || got.Settings["run.batch_rows"] != "20000" ||
		got.Settings["tenant.ids"] != "[7, 9]" {
		t.Errorf("PlanSettings fingerprints or settings = %q %q %v", got.PlanFP, got.RunFP, got.Settings)
	}
}

func TestPrepareOptions(t *testing.T) {
	yaml := strings.Replace(base, "/app\"\n", "/app\"\n  ledger_schema: night_ledger\n", 1)
	c, err := Parse([]byte(yaml+"run:\n  lease: 90s\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	got := c.PrepareOptions()
	if got.LedgerSchema != "night_ledger" || got.Lease != 90*time.Second || got.PlanFP != c.PlanFingerprint() || got.RunFP != c.RunFingerprint() ||
		got.Settings["run.lease"] != "1m30s" {
		t.Errorf("PrepareOptions = %+v", got)
	}
	if got.Source != nil || got.Target != nil || got.Version != "" || got.Host != "" || got.Plan != nil || got.OpenLedger != nil {
		t.Errorf("PrepareOptions set what is not config: %+v", got)
	}
}

func TestSecrets(t *testing.T) {
	const yaml = `
source:
  driver: mysql
  host: src.example
  user: copier
  password: ${SRC_PW}
  database: legacy
target:
  dsn: "app:tgt-secret@tcp(dst:3306)/app"
tenant:
  column: agent_id
tables:
  - name: agents
on_event:
  webhook: https://hooks.example/T0K3N
`
	c, err := Parse([]byte(yaml), env(map[string]string{"SRC_PW": "src-secret"}))
	if err != nil {
		t.Fatal(err)
	}
	got := c.Secrets()
	for _, want := range []string{"src-secret", "app:tgt-secret@tcp(dst:3306)/app", "https://hooks.example/T0K3N"} {
		found := false
		for _, s := range got {
			found = found || s == want
		}
		if !found {
			t.Errorf("Secrets = %q: %q missing", got, want)
		}
	}
	if len(got) != 5 || got[0] != c.Source.DSN || !strings.Contains(got[0], "src-secret") {
		t.Errorf("Secrets = %q, want both DSNs (the source's built with its password), both passwords and the webhook", got)
	}
}
