package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cutover/cutover/internal/cli"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/verify"
)

// checksumFlags are verify's content-checksum options.
type checksumFlags struct {
	checksum bool
	source   bool
	sample   float64 // percent of batches, 0 = all
	tenants  []string
	workers  int
	keys     int
	diffFile string
	repair   bool
	dryRun   bool // with repair: print what would be copied again
	asJSON   bool
	cfgPath  string // for the resume hint
}

// verifyChecksums checks the done batches of the active run on the target
// (and source), reports readiness per tenant, drills down and repairs
// (verify.Content).
func (a *app) verifyChecksums(ctx context.Context, cfg *config.Config, f checksumFlags) error {
	ep, res, err := a.prepare(ctx, cfg, false, 2*f.workers+4)
	if err != nil {
		return err
	}
	defer ep.Close()
	opt := verify.ContentOptions{
		Tables: res.Tables, TenantIDs: cfg.Tenant.IDs, Tenants: f.tenants,
		Sample: f.sample, Source: f.source, Workers: f.workers, Log: a.log, RepairDryRun: f.dryRun,
	}
	opt.SourceKeys, opt.TargetKeys = keyReaders(ep)
	rep, err := verify.ContentOfActiveRun(ctx, ep.src, ep.tgt, opt, verify.ActiveOptions{
		Schema: cfg.Target.LedgerSchema, Repair: f.repair, Copy: a.processOptions(cfg, res),
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
		return nothingCopied(err, f.cfgPath)
	case errors.Is(err, verify.ErrRepairInterrupted):
		return interruptedError{fmt.Errorf("repair interrupted; the reopened batches are copied again by\nresume with: cutover run --config %s", f.cfgPath)}
	case err != nil:
		return err
	}
	if f.diffFile != "" {
		if err := writeDiffFile(f.diffFile, rep.Differ); err != nil {
			return err
		}
	}
	if f.asJSON {
		if err := cli.WriteJSON(a.stdout, rep); err != nil {
			return err
		}
	} else {
		verify.WriteReadiness(a.stdout, rep, verify.TextOptions{Keys: f.keys, Named: len(f.tenants) > 0, DryRun: f.dryRun})
	}
	if err := rep.Failure(); err != nil {
		return failedError{err}
	}
	return nil
}

// writeDiffFile writes every differing row as one JSON object per line.
func writeDiffFile(path string, differ []verify.BatchResult) error {
	f, err := os.Create(path)
	if err != nil {
		return usagef("--diff-file: %v", err)
	}
	if err := verify.WriteRowDiffs(f, differ); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// addChecksumFlags declares verify's mode flags; it returns --counts.
func addChecksumFlags(fs *flag.FlagSet, f *checksumFlags) *bool {
	counts := fs.Bool("counts", false, "compare row counts per tenant and table only (fast; the default without --checksum or --sample)")
	fs.BoolVar(&f.checksum, "checksum", false, "compare every done batch's content checksum on the target with the one stored at copy time")
	fs.BoolVar(&f.source, "source", false, "with --checksum: read every batch from the source again too (catches source changes after the copy)")
	fs.Func("sample", "check this percentage of the done batches, chosen at random, such as 5% or 5 (implies --checksum)", func(v string) error {
		p, err := parsePercent(v)
		f.sample = p
		return err
	})
	fs.Var(cli.List{Values: &f.tenants, What: "tenant id"}, "tenant", "check only this tenant (repeatable)")
	fs.IntVar(&f.workers, "workers", 0, "batches checked at once (default run.workers)")
	fs.IntVar(&f.keys, "keys", 10, "print at most this many differing keys per table")
	fs.StringVar(&f.diffFile, "diff-file", "", "write every differing row (JSON lines) to this file")
	fs.BoolVar(&f.repair, "repair", false, "copy the batches that differ again and check them again (implies --checksum)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "with --repair: print which batches would be copied again, and why, and write nothing")
	return counts
}

// check validates flag combinations before anything is opened.
func (f *checksumFlags) check(counts bool) error {
	if f.sample > 0 || f.repair {
		f.checksum = true
	}
	switch {
	case counts && f.checksum:
		return usagef("--counts cannot be combined with --checksum, --sample or --repair")
	case f.dryRun && !f.repair:
		return usagef("--dry-run needs --repair")
	case f.source && !f.checksum:
		return usagef("--source needs --checksum (or --sample)")
	case f.diffFile != "" && !f.checksum:
		return usagef("--diff-file needs --checksum (or --sample)")
	case f.workers < 0 || f.workers > config.MaxWorkers:
		return usagef("--workers must be between 1 and %d", config.MaxWorkers)
	case f.keys < 0:
		return usagef("--keys must not be negative")
	}
	if f.diffFile != "" {
		if st, err := os.Stat(filepath.Dir(f.diffFile)); err != nil || !st.IsDir() {
			return usagef("--diff-file %s: its directory does not exist", f.diffFile)
		}
	}
	return nil
}
