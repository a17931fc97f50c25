package main

import (
	"context"
	"errors"
	"io"

	"github.com/cutover/cutover/internal/cli"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/verify"
)

func (a *app) cmdVerify(ctx context.Context, args []string) error {
	fs := a.flags("verify")
	cfgPath := fs.String("config", "", "config file (YAML)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	limit := fs.Int("show", 50, "print at most this many differences (all are in --json)")
	var m verify.Mode
	counts := addChecksumFlags(fs, &m)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := m.Check(*counts, config.MaxWorkers); err != nil {
		return usageError{err}
	}
	cfg, err := a.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if err := checkCopied(ctx, cfg, *cfgPath, a.stderr); err != nil {
		return err
	}
	if m.Checksum {
		if m.Workers == 0 {
			m.Workers = cfg.Run.Workers
		}
		return a.verifyChecksums(ctx, cfg, m, *asJSON, *cfgPath)
	}
	if len(m.Tenants) > 0 {
		cfg.Tenant.IDs = m.Tenants
	}
	ep, res, err := a.prepare(ctx, cfg, false, 2*min(cfg.Run.Workers, 4)+2)
	if err != nil {
		return err
	}
	defer ep.Close()
	rep, err := verify.CountAll(ctx, ep.src, ep.tgt, res.Tables, cfg.Tenant.IDs, m.Tenants, min(cfg.Run.Workers, 4))
	var unseen *verify.UnseenTenantError
	if errors.As(err, &unseen) {
		return usagef("--tenant %s: no table has rows of this tenant on either side (is it a value of %s?)", verify.SafeText(unseen.ID), cfg.Tenant.Column)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		if err := cli.WriteJSON(a.stdout, rep); err != nil {
			return err
		}
	} else {
		verify.WriteCounts(a.stdout, rep, *limit)
	}
	a.alertVerify(ctx, cfg, ep.tgt, rep.Equal, len(rep.Differences))
	if err := rep.Failure(); err != nil {
		return failedError{err}
	}
	return nil
}

// nothingCopied is verify before the copy: one line that says so, exit 2.
func nothingCopied(err error, cfgPath string) error {
	var nc *verify.NothingCopiedError
	if errors.As(err, &nc) {
		return usagef("%v: copy first with: cutover run --config %s", nc, cfgPath)
	}
	return err
}

// checkCopied refuses a verification before any batch of the active run is
// done, before the target's tables are looked at (they may not exist yet),
// and says how much of the run is copied when it is not finished. Without a
// ledger the target may have been filled by other means: the counts say
// what it holds.
func checkCopied(ctx context.Context, cfg *config.Config, cfgPath string, w io.Writer) error {
	s, err := existingLedger(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if !s.found {
		return nil
	}
	return nothingCopied(verify.NoteCopied(ctx, s.ledger, w), cfgPath)
}
