package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/migrate"
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

// tenantList is a repeatable --tenant flag.
type tenantList struct{ ids *[]string }

func (t tenantList) String() string { return "" }
func (t tenantList) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("empty tenant id")
	}
	*t.ids = append(*t.ids, v)
	return nil
}

// parseSample reads "10%" or "10" as a percentage in (0, 100].
func parseSample(s string) (float64, error) {
	return parsePercent(s)
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
	ok, err := checkpoint.Exists(ctx, ep.tgt.SQL(), cfg.Target.LedgerSchema)
	if err != nil {
		return err
	}
	if !ok {
		return usagef("no ledger in schema %s: nothing was copied yet (run `cutover run` first)", cfg.Target.LedgerSchema)
	}
	l, err := checkpoint.Open(ctx, ep.tgt.SQL(), cfg.Target.LedgerSchema)
	if err != nil {
		return err
	}
	runRec, err := l.ActiveRun(ctx)
	if err != nil {
		return err
	}
	if runRec == nil {
		return usagef("no active run in %s: nothing was copied yet (run `cutover run` first)", cfg.Target.LedgerSchema)
	}
	if err := migrate.AdoptPlan(res.Tables, runRec); err != nil {
		return err
	}
	opt := verify.ContentOptions{
		RunID: runRec.ID, Tables: res.Tables, TenantIDs: cfg.Tenant.IDs, Tenants: f.tenants,
		Sample: f.sample, Source: f.source, Workers: f.workers, Log: a.log, RepairDryRun: f.dryRun,
	}
	opt.SourceKeys, opt.TargetKeys = keyReaders(ep)
	if f.repair && !f.dryRun {
		opt.Repair = &verify.Repair{Ledger: l, Copier: verify.EngineCopier{
			Ledger: l, Run: runRec, Source: ep.src, Target: ep.tgt, Options: a.processOptions(cfg, res),
		}}
	}
	rep, err := verify.Content(ctx, ep.src, ep.tgt, l, opt)
	var unknown *verify.UnknownTenantError
	var mismatch *verify.PlanMismatchError
	switch {
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
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		a.printReadiness(rep, f)
	}
	if !rep.Ready && rep.NotReady() == 0 {
		return failedError{fmt.Errorf("verify: every tenant is ready, but %d target tables hold rows outside every tenant", len(rep.Counts.Outside))}
	}
	if !rep.Ready {
		return failedError{fmt.Errorf("verify: %d of %d tenants not ready for cutover", rep.NotReady(), len(rep.Readiness))}
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

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}

func (a *app) printReadiness(rep *verify.ContentReport, f checksumFlags) {
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tREADY\tCOUNT DIFFS\tBATCHES CHECKED\tDIFFER\tNOT DONE\tROWS IN CHECKED BATCHES\t")
	// Every tenant that is not ready is listed; of the ready ones, only the
	// first few unless they were asked for by name: thousands of "yes" lines
	// would bury the ones that matter.
	const readyLines = 20
	shown, hidden := 0, 0
	for _, r := range rep.Readiness {
		if r.Ready && len(f.tenants) == 0 && shown >= readyLines {
			hidden++
			continue
		}
		if r.Ready {
			shown++
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t\n", safeText(r.Tenant), yesNo(r.Ready),
			r.CountDiffs, r.BatchesChecked, r.BatchesDiffer, r.BatchesOpen, commas(r.RowsChecked))
	}
	tw.Flush()
	for _, r := range rep.Readiness {
		if r.Hint != "" {
			fmt.Fprintln(a.stdout, "hint: "+safeText(r.Hint))
		}
	}
	printOutside(a.stdout, rep.Counts)
	if hidden > 0 {
		fmt.Fprintf(a.stdout, "... and %d more ready tenants (--json lists every tenant)\n", hidden)
	}
	if rep.Sample != nil {
		fmt.Fprintf(a.stdout, "sampled %d of %d done batches (%g%%; a tenant's verdict covers its sampled batches only)", rep.Sample.Batches, rep.Sample.Of, rep.Sample.Percent)
		if len(rep.Differ) == 0 {
			fmt.Fprintf(a.stdout, ": none differs, so with 95%% confidence fewer than %.2g%% of all batches differ\n", 100*rep.Sample.Bound95)
		} else {
			fmt.Fprintln(a.stdout)
		}
	}
	if len(rep.Repaired) > 0 {
		fmt.Fprintf(a.stdout, "repaired %d batches: %v\n", len(rep.Repaired), rep.Repaired)
	}
	if len(rep.Differ) > 0 {
		fmt.Fprintln(a.stdout, "\nbatches that differ:")
		perTable := map[string]int{}
		tw = tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TABLE\tBATCH\tTENANT\tKEY\tDIFFERENCE\tCOLUMN\tSOURCE\tTARGET\t")
		more := 0
		for _, b := range rep.Differ {
			if len(b.Rows) == 0 {
				fmt.Fprintf(tw, "%s\t%d\t\t\t%s\t\t%s\t%s\t\n", b.Table, b.Batch, "batch checksum", firstOf(b.Source, b.Stored), b.Target)
			}
			for _, r := range b.Rows {
				if perTable[r.Table] >= f.keys {
					more++
					continue
				}
				perTable[r.Table]++
				key := strings.Join(r.Key, ",")
				if len(r.Columns) == 0 {
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t\t\t\t\n", r.Table, r.Batch, safeText(r.Tenant), key, r.What)
				}
				for i, c := range r.Columns {
					if i > 0 && (r.What == verify.MissingInTgt || r.What == verify.ExtraInTarget) {
						break // a missing or extra row: its key says it all
					}
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Table, r.Batch, safeText(r.Tenant), key, r.What, c.Column, c.Source, c.Target)
				}
			}
		}
		tw.Flush()
		if more > 0 {
			fmt.Fprintf(a.stdout, "... %d more differing rows (--keys raises the limit per table; --diff-file writes all)\n", more)
		}
		printNotes(a.stdout, rep.Differ, f.keys)
	}
	if f.dryRun {
		printWouldRepair(a.stdout, rep.WouldRepair)
	}
	ready := 0
	for _, r := range rep.Readiness {
		if r.Ready {
			ready++
		}
	}
	src := "against the checksums stored at copy time"
	if rep.SourceReread {
		src = "against the source, read again"
	}
	fmt.Fprintf(a.stdout, "verify: %d of %d tenants ready for cutover (%d batches checked on the target %s)\n",
		ready, len(rep.Readiness), rep.BatchesChecked, src)
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// safeText is s when it is plain printable ASCII, else s quoted with escapes:
// tenant ids come from the data and may be hostile.
func safeText(s string) string {
	for _, c := range []byte(s) {
		if c < 0x20 || c >= 0x7f {
			return strconv.Quote(s)
		}
	}
	return s
}

// addChecksumFlags declares verify's mode flags; it returns --counts.
func addChecksumFlags(fs *flag.FlagSet, f *checksumFlags) *bool {
	counts := fs.Bool("counts", false, "compare row counts per tenant and table only (fast; the default without --checksum or --sample)")
	fs.BoolVar(&f.checksum, "checksum", false, "compare every done batch's content checksum on the target with the one stored at copy time")
	fs.BoolVar(&f.source, "source", false, "with --checksum: read every batch from the source again too (catches source changes after the copy)")
	fs.Func("sample", "check this percentage of the done batches, chosen at random, such as 5% or 5 (implies --checksum)", func(v string) error {
		p, err := parseSample(v)
		f.sample = p
		return err
	})
	fs.Var(tenantList{&f.tenants}, "tenant", "check only this tenant (repeatable)")
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
