package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/cutover/cutover/internal/cli"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/driver"
	"github.com/cutover/cutover/verify"
)

// verifyChecksums checks the done batches of the active run on the target
// (and source), reports readiness per tenant, drills down and repairs
// (verify.ContentOfActiveRun); cfgPath is for the resume hint.
func (a *app) verifyChecksums(ctx context.Context, cfg *config.Config, m verify.Mode, asJSON bool, cfgPath string) error {
	ep, res, err := a.prepare(ctx, cfg, false, 2*m.Workers+4)
	if err != nil {
		return err
	}
	defer ep.Close()
	opt := verify.ContentOptions{
		Tables: res.Tables, TenantIDs: cfg.Tenant.IDs, Tenants: m.Tenants,
		Sample: m.Sample, Source: m.Source, Workers: m.Workers, Log: a.log, RepairDryRun: m.DryRun,
	}
	opt.SourceKeys, opt.TargetKeys = driver.KeyReaders(ep.src, ep.tgt)
	rep, err := verify.ContentOfActiveRun(ctx, ep.src, ep.tgt, opt, verify.ActiveOptions{
		Schema: cfg.Target.LedgerSchema, Repair: m.Repair, Copy: a.processOptions(cfg, res), DiffFile: m.DiffFile,
	})
	var unknown *verify.UnknownTenantError
	var mismatch *verify.PlanMismatchError
	switch {
	case errors.Is(err, verify.ErrNoLedger):
		return usagef("no ledger in schema %s: nothing was copied yet (run `cutover run` first)", cfg.Target.LedgerSchema)
	case errors.Is(err, verify.ErrNoActiveRun):
		return usagef("no active run in %s: nothing was copied yet (run `cutover run` first)", cfg.Target.LedgerSchema)
	case errors.As(err, &unknown):
		return usagef("--%v", err) // "--tenant "ID": ..."
	case errors.As(err, &mismatch):
		return asUsage(err)
	case errors.Is(err, verify.ErrNothingCopied):
		return nothingCopied(err, cfgPath)
	case errors.Is(err, verify.ErrRepairInterrupted):
		return interruptedError{fmt.Errorf("repair interrupted; the reopened batches are copied again by\nresume with: cutover run --config %s", cfgPath)}
	case errors.As(err, new(*verify.DiffFileError)):
		return usagef("--diff-file: %v", err)
	case err != nil:
		return err
	}
	if asJSON {
		if err := cli.WriteJSON(a.stdout, rep); err != nil {
			return err
		}
	} else {
		verify.WriteReadiness(a.stdout, rep, verify.TextOptions{Keys: m.Keys, Named: len(m.Tenants) > 0, DryRun: m.DryRun})
	}
	if err := rep.Failure(); err != nil {
		return failedError{err}
	}
	return nil
}

// addChecksumFlags declares verify's mode flags; it returns --counts.
func addChecksumFlags(fs *flag.FlagSet, m *verify.Mode) *bool {
	counts := fs.Bool("counts", false, "compare row counts per tenant and table only (fast; the default without --checksum or --sample)")
	fs.BoolVar(&m.Checksum, "checksum", false, "compare every done batch's content checksum on the target with the one stored at copy time")
	fs.BoolVar(&m.Source, "source", false, "with --checksum: read every batch from the source again too (catches source changes after the copy)")
	fs.Func("sample", "check this percentage of the done batches, chosen at random, such as 5% or 5 (implies --checksum)", func(v string) error {
		p, err := parsePercent(v)
		m.Sample = p
		return err
	})
	fs.Var(cli.List{Values: &m.Tenants, What: "tenant id"}, "tenant", "check only this tenant (repeatable)")
	fs.IntVar(&m.Workers, "workers", 0, "batches checked at once (default run.workers)")
	fs.IntVar(&m.Keys, "keys", 10, "print at most this many differing keys per table")
	fs.StringVar(&m.DiffFile, "diff-file", "", "write every differing row (JSON lines) to this file")
	fs.BoolVar(&m.Repair, "repair", false, "copy the batches that differ again and check them again (implies --checksum)")
	fs.BoolVar(&m.DryRun, "dry-run", false, "with --repair: print which batches would be copied again, and why, and write nothing")
	return counts
}
