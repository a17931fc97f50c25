package config

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cutover/cutover/migrate"
)

// ResolveSpec is the configured tables as the plain values migrate.Resolve
// checks: the one place the YAML shape becomes the engine's options.
func (c *Config) ResolveSpec() migrate.Spec {
	s := migrate.Spec{TenantColumn: c.Tenant.Column}
	for _, tc := range c.Tables {
		s.Tables = append(s.Tables, migrate.TableSpec{Name: tc.Name, Target: tc.Target, Key: tc.Key, Shared: tc.Tenant.None,
			Ranged: tc.Ranged(), BatchingSet: tc.Batching != "", Via: tc.Tenant.Via, On: tc.Tenant.On, ParentOn: tc.Tenant.Parent, Exclude: tc.Exclude, Where: tc.Where, Override: tc.Override})
	}
	return s
}

// TableNames are the names of the configured tables, in config order.
func (c *Config) TableNames() []string {
	names := make([]string, len(c.Tables))
	for i, t := range c.Tables {
		names[i] = t.Name
	}
	return names
}

// ProcessOptions are the run's settings for a migrate.Process, as plain
// values; the caller adds what is not config: the host, the binary's
// version, the logger, the tables resolved and the adapter's error
// classifiers.
func (c *Config) ProcessOptions() migrate.ProcessOptions {
	r, th := c.Run, c.Run.Throttle
	o := migrate.ProcessOptions{
		Workers: r.Workers, Retries: r.Retries, Lease: r.Lease.Duration, Grace: r.Grace.Duration, NoChecksums: !r.ChecksumsOn(),
		OutageLimit: r.Outage.Duration, Defer: c.DeferSettings(),
		RunFP: c.RunFingerprint(), MaxWorkers: r.MaxWorkers, StopFile: r.StopFile, MaxFailed: r.MaxFailed,
		Throttle: migrate.ThrottleSettings{RowsPerSecond: th.RowsPerSecond, MBPerSecond: th.MBPerSecond, Every: th.Every.Duration},
	}
	for _, p := range th.Probes {
		o.Throttle.Probes = append(o.Throttle.Probes, migrate.ProbeSpec{Name: p.Name, On: p.On, Metric: p.Metric, SQL: p.SQL, Max: p.Max})
	}
	return o
}

// PlanSettings are the config's inputs of a plan (migrate.Planner): run's
// batch size and workers, tenant.ids, the deferred indexes, the ledger, the
// fingerprints and the settings a plan stores.
func (c *Config) PlanSettings() migrate.PlanSettings {
	return migrate.PlanSettings{BatchRows: c.Run.BatchRows, Workers: c.Run.Workers, Tenants: c.Tenant.IDs, Defer: c.DeferSettings(),
		LedgerSchema: c.Target.LedgerSchema, PlanFP: c.PlanFingerprint(), Settings: c.Settings(), RunFP: c.RunFingerprint()}
}

// PrepareOptions are the config's part of a migrate.PrepareRun: the
// ledger, the lease, the fingerprints and the settings a plan stores; the
// caller adds the databases, the binary, the host, run's flags and the
// steps that open the ledger and plan.
func (c *Config) PrepareOptions() migrate.PrepareOptions {
	return migrate.PrepareOptions{LedgerSchema: c.Target.LedgerSchema, Lease: c.Run.Lease.Duration,
		PlanFP: c.PlanFingerprint(), RunFP: c.RunFingerprint(), Settings: c.Settings()}
}

// Secrets are the config's values no output may show: both DSNs, the
// passwords given as parts or read from an option file, and the on_event
// webhook (its URL may carry a token). A DSN's own password is the
// adapter's to find (the caller adds it).
func (c *Config) Secrets() []string {
	return []string{c.Source.DSN, c.Target.DSN, c.Source.Password, c.Target.Password, c.OnEvent.Webhook}
}

// DeferSettings are the run's deferred-index settings.
func (c *Config) DeferSettings() migrate.DeferSettings {
	return migrate.DeferSettings{Defer: c.Run.DeferIndexesOn(), Unique: c.Run.DeferUnique, Foreign: c.Run.DeferForeignKeys}
}

// RawCharsets maps what source.raw_charset applies to (TABLE or
// TABLE.COLUMN, "*" for every column) to the character set; empty when it
// is not set.
func (s Source) RawCharsets() map[string]string {
	raw := map[string]string{}
	if cs := s.RawCharset; cs != "" {
		if len(s.RawCharsetColumns) == 0 {
			raw["*"] = cs
		}
		for _, c := range s.RawCharsetColumns {
			raw[c] = cs
		}
	}
	return raw
}

// Settings are the settings that the plan and run fingerprints cover, by
// the keys users write, so that a changed config is refused naming what
// changed (run.throttle.rows_per_second: 2000 -> 4000).
func (c *Config) Settings() map[string]string {
	s := map[string]string{
		"source.driver":                c.Source.Driver,
		"source.schema":                c.Source.Schema,
		"tenant.column":                c.Tenant.Column,
		"tenant.ids":                   "[" + strings.Join(c.Tenant.IDs, ", ") + "]",
		"run.batch_rows":               fmt.Sprint(c.Run.BatchRows),
		"run.lease":                    c.Run.Lease.Duration.String(),
		"run.retries":                  fmt.Sprint(c.Run.Retries),
		"run.max_workers":              fmt.Sprint(c.Run.MaxWorkers),
		"run.max_failed_batches":       fmt.Sprint(c.Run.MaxFailed),
		"run.throttle.rows_per_second": fmt.Sprint(c.Run.Throttle.RowsPerSecond),
		"run.throttle.mb_per_second":   fmt.Sprint(c.Run.Throttle.MBPerSecond),
		"run.throttle.every":           c.Run.Throttle.Every.Duration.String(),
		"run.throttle.probes":          fmt.Sprint(len(c.Run.Throttle.Probes)) + " probes",
	}
	// Whole tables and probes as JSON, so that every field of theirs the
	// fingerprints cover is compared, including ones added later.
	for i, p := range c.Run.Throttle.Probes {
		b, _ := json.Marshal(p)
		s[fmt.Sprintf("run.throttle.probes[%d] (%s)", i+1, p.Name)] = string(b)
	}
	for i, t := range c.Tables {
		b, _ := json.Marshal(t)
		s[fmt.Sprintf("tables[%d] (%s)", i+1, t.Name)] = string(b)
	}
	return s
}
