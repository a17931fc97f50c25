package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/driver"
	"github.com/cutover/cutover/internal/mysqltype"
	"github.com/cutover/cutover/migrate"
)

// The config's plain option values (internal/config: ResolveSpec,
// ProcessOptions, Settings) meet this process's own here (host, binary,
// logger, adapters): the packages below cmd never see the YAML shape.

// processOptions are the run's settings for a migrate.Process
// (config.ProcessOptions) with this host, binary, logger, tables and the
// adapters' error classifiers.
func (a *app) processOptions(cfg *config.Config, res *migrate.Resolution) migrate.ProcessOptions {
	o := cfg.ProcessOptions()
	o.Host, o.Version, o.Log, o.Tables = hostname(), binaryVersion(), a.log, res.Tables
	o.Transient, o.Outage, o.DiskFull = driver.IsTransient, driver.IsConnectionError, driver.IsDiskFull
	return o
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
	src, err := driver.OpenSource(ctx, driver.SourceOptions{RawCharset: s.RawCharsets(),
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
	res, err := migrate.Resolve(ctx, cfg.ResolveSpec(), ep.src, ep.tgt, allowMissing)
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

// ledgerAccess names the grant when the target user may not create or use
// the ledger schema.
func ledgerAccess(schema string, err error) error {
	if driver.IsAccessDenied(err) {
		return usagef("the target user may not create or use the ledger schema %s: GRANT ALL ON %s.* TO it (%v)", schema, mysqltype.Quote(schema), err)
	}
	return err
}

// ledgerSession is a command's config and the target and ledger it names,
// opened without creating anything (for commands that only read or steer a
// run); found reports whether the ledger exists.
type ledgerSession struct {
	cfg    *config.Config
	tgt    driver.Target
	ledger *checkpoint.Ledger
	found  bool
}

func (s *ledgerSession) Close() { s.tgt.Close() }

// openExisting loads the config at path and opens its ledger (existingLedger).
func (a *app) openExisting(ctx context.Context, path string) (*ledgerSession, error) {
	cfg, err := a.loadConfig(path)
	if err != nil {
		return nil, err
	}
	return existingLedger(ctx, cfg)
}

// existingLedger opens the target and the ledger in it without creating
// anything (checkpoint.OpenIfExists).
func existingLedger(ctx context.Context, cfg *config.Config) (*ledgerSession, error) {
	tgt, err := openTarget(ctx, cfg, 2)
	if err != nil {
		return nil, err
	}
	l, found, err := checkpoint.OpenIfExists(ctx, tgt.SQL(), cfg.Target.LedgerSchema)
	if err != nil {
		tgt.Close()
		return nil, err
	}
	return &ledgerSession{cfg: cfg, tgt: tgt, ledger: l, found: found}, nil
}
