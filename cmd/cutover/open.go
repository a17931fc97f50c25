package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/driver"
	"github.com/cutover/cutover/migrate"
)

// The config file becomes plain option values here, and only here: the
// packages below cmd never see its YAML shape.

// spec is what migrate.Resolve checks: the configured tables.
func spec(cfg *config.Config) migrate.Spec { return cfg.ResolveSpec() }

// processOptions are the run's settings for a migrate.Process.
func (a *app) processOptions(cfg *config.Config, res *migrate.Resolution) migrate.ProcessOptions {
	th := cfg.Run.Throttle
	o := migrate.ProcessOptions{
		Host: hostname(), Version: binaryVersion(), Workers: cfg.Run.Workers, Retries: cfg.Run.Retries,
		Lease: cfg.Run.Lease.Duration, Grace: cfg.Run.Grace.Duration, NoChecksums: !cfg.Run.ChecksumsOn(),
		Transient: driver.IsTransient, Log: a.log,
		Outage: driver.IsConnectionError, DiskFull: driver.IsDiskFull, OutageLimit: cfg.Run.Outage.Duration, Defer: deferSettings(cfg),
		RunFP: cfg.RunFingerprint(), MaxWorkers: cfg.Run.MaxWorkers, StopFile: cfg.Run.StopFile, MaxFailed: cfg.Run.MaxFailed,
		Throttle: migrate.ThrottleSettings{RowsPerSecond: th.RowsPerSecond, MBPerSecond: th.MBPerSecond, Every: th.Every.Duration},
	}
	o.Tables = res.Tables
	for _, p := range th.Probes {
		o.Throttle.Probes = append(o.Throttle.Probes, migrate.ProbeSpec{Name: p.Name, On: p.On, Metric: p.Metric, SQL: p.SQL, Max: p.Max})
	}
	return o
}

// deferSettings are the run's deferred-index settings.
func deferSettings(cfg *config.Config) migrate.DeferSettings {
	return migrate.DeferSettings{Defer: cfg.Run.DeferIndexesOn(), Unique: cfg.Run.DeferUnique, Foreign: cfg.Run.DeferForeignKeys}
}

// endpoints are the opened source and target, closed together.
type endpoints struct {
	src driver.Source
	tgt driver.Target
}

func (e endpoints) Close() {
	if e.src != nil {
		e.src.Close()
	}
	if e.tgt != nil {
		e.tgt.Close()
	}
}

// openSource opens the configured source (an Oracle one at a new snapshot).
// A source that cannot be reached is a usage error: nothing has been written.
func (a *app) openSource(ctx context.Context, cfg *config.Config, conns int) (driver.Source, error) {
	s := cfg.Source
	raw := map[string]string{}
	if cs := s.RawCharset; cs != "" {
		if len(s.RawCharsetColumns) == 0 {
			raw["*"] = cs
		}
		for _, c := range s.RawCharsetColumns {
			raw[c] = cs
		}
	}
	src, err := driver.OpenSource(ctx, driver.SourceOptions{RawCharset: raw,
		Driver: s.Driver, DSN: s.DSN, Schema: s.Schema, Conns: conns, MaxLOBBytes: s.LOBBound(),
		Snapshot: s.SnapshotOn(), Sizing: s.Sizing, SamplePercent: s.SamplePercent, Parallel: s.Parallel,
		PrefetchRows: s.PrefetchRows, FetchArraySize: s.FetchArraySize, NullAsEmpty: s.NullAsEmpty, Log: a.log,
	})
	if errors.Is(err, driver.ErrClientMissing) {
		return nil, usageError{err}
	}
	if err != nil {
		return nil, usagef("source: %v", err)
	}
	return src, nil
}

// openTarget opens the target; verify reads it through the same reader as
// the source, so it streams large values too.
func openTarget(ctx context.Context, cfg *config.Config, conns int) (driver.Target, error) {
	tgt, err := driver.OpenTarget(ctx, cfg.Target.DSN, conns, cfg.Source.LOBBound())
	if err != nil {
		return nil, usagef("target: %v", err)
	}
	return tgt, nil
}

// open connects to both databases.
func (a *app) open(ctx context.Context, cfg *config.Config, conns int) (endpoints, error) {
	src, err := a.openSource(ctx, cfg, conns)
	if err != nil {
		return endpoints{}, err
	}
	tgt, err := openTarget(ctx, cfg, conns)
	if err != nil {
		src.Close()
		return endpoints{}, err
	}
	return endpoints{src: src, tgt: tgt}, nil
}

// prepare opens both databases and resolves the configured tables. Nothing is
// written. allowMissing lets target tables be absent (plan, --create-tables).
func (a *app) prepare(ctx context.Context, cfg *config.Config, allowMissing bool, conns int) (endpoints, *migrate.Resolution, error) {
	ep, err := a.open(ctx, cfg, conns)
	if err != nil {
		return endpoints{}, nil, err
	}
	res, err := migrate.Resolve(ctx, spec(cfg), ep.src, ep.tgt, allowMissing)
	if err != nil {
		ep.Close()
		return endpoints{}, nil, classify(err)
	}
	return ep, res, nil
}

// classify turns config findings into usage errors (exit 2).
func classify(err error) error {
	var ce *migrate.ConfigError
	if err != nil && errors.As(err, &ce) {
		return usageError{err}
	}
	return err
}

// openLedger opens (and on first use creates) the ledger: the first write.
func openLedger(ctx context.Context, cfg *config.Config, tgt driver.Target) (*checkpoint.Ledger, error) {
	l, err := checkpoint.Open(ctx, tgt.SQL(), cfg.Target.LedgerSchema)
	if err != nil {
		return nil, ledgerAccess(cfg.Target.LedgerSchema, fmt.Errorf("open the ledger in %s: %w", cfg.Target.LedgerSchema, err))
	}
	return l, nil
}

// existingLedger opens the target and the ledger in it without creating
// anything (for commands that only read or steer a run); found reports whether
// the ledger exists. The caller closes tgt.
func existingLedger(ctx context.Context, cfg *config.Config) (tgt driver.Target, l *checkpoint.Ledger, found bool, err error) {
	tgt, err = driver.OpenTarget(ctx, cfg.Target.DSN, 2, cfg.Source.LOBBound())
	if err != nil {
		return nil, nil, false, usagef("target: %v", err)
	}
	found, err = checkpoint.Exists(ctx, tgt.SQL(), cfg.Target.LedgerSchema)
	if err != nil {
		tgt.Close()
		return nil, nil, false, fmt.Errorf("look for the ledger in %s: %w", cfg.Target.LedgerSchema, err)
	}
	if !found {
		return tgt, checkpoint.OpenExisting(tgt.SQL(), cfg.Target.LedgerSchema), false, nil
	}
	// Open upgrades a ledger of an older schema in place and refuses a newer or damaged one.
	if l, err = checkpoint.Open(ctx, tgt.SQL(), cfg.Target.LedgerSchema); err != nil {
		tgt.Close()
		return nil, nil, false, err
	}
	return tgt, l, true, nil
}

// makePlan sizes the source and builds the plan with the cost model the
// ledger holds for this config; it writes nothing.
func makePlan(ctx context.Context, cfg *config.Config, ep endpoints, res *migrate.Resolution) (*migrate.Planned, error) {
	model, calib, err := migrate.CostModel(ctx, ep.tgt, cfg.Target.LedgerSchema, cfg.PlanFingerprint())
	if err != nil {
		return nil, err
	}
	p, err := migrate.MakePlan(ctx, ep.src, res, migrate.PlanOptions{BatchRows: cfg.Run.BatchRows, Workers: cfg.Run.Workers,
		Tenants: cfg.Tenant.IDs, Model: model, Calibration: calib, Defer: deferSettings(cfg), Target: ep.tgt})
	if err != nil {
		return nil, err
	}
	p.Doc.Settings, p.Doc.SettingsRunFP = settings(cfg), cfg.RunFingerprint()
	return p, nil
}

// settings are the config's settings that the plan and run fingerprints
// cover, by the keys users write, so that a changed config is refused
// naming what changed (run.throttle.rows_per_second: 2000 -> 4000).
func settings(cfg *config.Config) map[string]string {
	s := map[string]string{
		"source.driver":                cfg.Source.Driver,
		"source.schema":                cfg.Source.Schema,
		"tenant.column":                cfg.Tenant.Column,
		"tenant.ids":                   "[" + strings.Join(cfg.Tenant.IDs, ", ") + "]",
		"run.batch_rows":               fmt.Sprint(cfg.Run.BatchRows),
		"run.lease":                    cfg.Run.Lease.Duration.String(),
		"run.retries":                  fmt.Sprint(cfg.Run.Retries),
		"run.max_workers":              fmt.Sprint(cfg.Run.MaxWorkers),
		"run.max_failed_batches":       fmt.Sprint(cfg.Run.MaxFailed),
		"run.throttle.rows_per_second": fmt.Sprint(cfg.Run.Throttle.RowsPerSecond),
		"run.throttle.mb_per_second":   fmt.Sprint(cfg.Run.Throttle.MBPerSecond),
		"run.throttle.every":           cfg.Run.Throttle.Every.Duration.String(),
		"run.throttle.probes":          fmt.Sprint(len(cfg.Run.Throttle.Probes)) + " probes",
	}
	// Whole tables and probes as JSON, so that every field of theirs the
	// fingerprints cover is compared, including ones added later.
	for i, p := range cfg.Run.Throttle.Probes {
		b, _ := json.Marshal(p)
		s[fmt.Sprintf("run.throttle.probes[%d] (%s)", i+1, p.Name)] = string(b)
	}
	for i, t := range cfg.Tables {
		b, _ := json.Marshal(t)
		s[fmt.Sprintf("tables[%d] (%s)", i+1, t.Name)] = string(b)
	}
	return s
}
