package main

import (
	"context"
	"errors"

	"github.com/cutover/cutover/internal/cli"

	"github.com/cutover/cutover/verify"
)

func (a *app) cmdVerify(ctx context.Context, args []string) error {
	fs := a.flags("verify")
	cfgPath := fs.String("config", "", "config file (YAML)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	limit := fs.Int("show", 50, "print at most this many differences (all are in --json)")
	var cf checksumFlags
	counts := addChecksumFlags(fs, &cf)
	if err := parse(fs, args); err != nil {
		return err
	}
	cf.asJSON, cf.cfgPath = *asJSON, *cfgPath
	if err := cf.check(*counts); err != nil {
		return err
	}
	cfg, err := a.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if err := checkCopied(ctx, cfg, *cfgPath, a.stderr); err != nil {
		return err
	}
	if cf.checksum {
		if cf.workers == 0 {
			cf.workers = cfg.Run.Workers
		}
		return a.verifyChecksums(ctx, cfg, cf)
	}
	if len(cf.tenants) > 0 {
		cfg.Tenant.IDs = cf.tenants
	}
	ep, res, err := a.prepare(ctx, cfg, false, 2*min(cfg.Run.Workers, 4)+2)
	if err != nil {
		return err
	}
	defer ep.Close()
	rep, err := verify.CountAll(ctx, ep.src, ep.tgt, res.Tables, cfg.Tenant.IDs, cf.tenants, min(cfg.Run.Workers, 4))
	var unseen *verify.UnseenTenantError
	if errors.As(err, &unseen) {
		return usagef("--tenant %s: no table has rows of this tenant on either side (is it a value of %s?)", safeText(unseen.ID), cfg.Tenant.Column)
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

// safeText is verify.SafeText: tenant ids come from the data and may be hostile.
func safeText(s string) string { return verify.SafeText(s) }
