package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/verify"
	"github.com/cutover/cutover/verify/canon"
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
	p, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || !(p > 0 && p <= 100) {
		return 0, usagef("--sample %q: give a percentage of batches between 0 and 100, like 5%%", s)
	}
	return p, nil
}

// checksumReport is verify's JSON output in checksum mode.
type checksumReport struct {
	Ready          bool                 `json:"ready"`
	RunID          int64                `json:"run_id"`
	SourceReread   bool                 `json:"source_reread"`
	BatchesTotal   int                  `json:"batches_done"`
	BatchesChecked int                  `json:"batches_checked"`
	Sample         *sampleInfo          `json:"sample,omitempty"`
	Readiness      []verify.Readiness   `json:"readiness"`
	Counts         *verify.Report       `json:"counts"`
	Differ         []verify.BatchResult `json:"batches_differ"`
	Repaired       []int                `json:"repaired,omitempty"`
}

type sampleInfo struct {
	Percent float64 `json:"percent"`
	Batches int     `json:"batches"`
	Of      int     `json:"of"`
	// Bound: with 95% confidence fewer than this fraction of batches differ
	// when the sample found none.
	Bound95 float64 `json:"upper_bound_95"`
}

// verifyChecksums checks the done batches of the active run on the target
// (and source), reports readiness per tenant, drills down and repairs.
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
	l := checkpoint.OpenExisting(ep.tgt.SQL(), cfg.Target.LedgerSchema)
	runRec, err := l.ActiveRun(ctx)
	if err != nil {
		return err
	}
	if runRec == nil {
		return usagef("no active run in %s: nothing was copied yet (run `cutover run` first)", cfg.Target.LedgerSchema)
	}
	tables := migrate.TableMap(res.Tables)
	all, err := l.Batches(ctx, runRec.ID)
	if err != nil {
		return err
	}
	groups, err := readinessGroups(res.Tables, all, f.tenants)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, g := range groups {
		want[g] = true
	}
	sums, err := l.Checksums(ctx, runRec.ID)
	if err != nil {
		return err
	}
	var jobs []verify.Job
	var open []*checkpoint.Batch
	otherFormat := 0
	for _, b := range all {
		t := tables[b.Table]
		if t == nil {
			return usagef("batch %d of run %d names table %s, which is not in the config: the config changed since the plan", b.ID, runRec.ID, b.Table)
		}
		// A batch of a ranged table names no tenant: any tenant may have rows
		// in it, so it is checked whatever tenants are asked for.
		ranged := t.Ranged && !t.Shared
		if !ranged && !slices.ContainsFunc(verify.GroupsOf(t, b), func(g string) bool { return want[g] }) {
			continue
		}
		if b.State != checkpoint.Done {
			open = append(open, b)
			continue
		}
		j := verify.Job{Batch: b, Table: t}
		if h, ok := sums[b.ID]; ok {
			sum, err := canon.ParseHex(b.Rows, h)
			switch {
			case errors.Is(err, canon.ErrOtherFormat):
				otherFormat++ // no stored sum: the source is read instead
			case err != nil:
				return fmt.Errorf("batch %d: %w", b.ID, err)
			default:
				j.Stored = &sum
			}
		}
		jobs = append(jobs, j)
	}
	if otherFormat > 0 {
		a.log.Warn("stored checksums of another format (an older binary copied those batches): their source rows are read instead", "batches", otherFormat)
	}
	rep := &checksumReport{RunID: runRec.ID, SourceReread: f.source, BatchesTotal: len(jobs)}
	if f.sample > 0 {
		m := min(len(jobs), max(1, int(float64(len(jobs))*f.sample/100+0.999999)))
		rand.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })
		jobs = jobs[:m]
		slices.SortFunc(jobs, func(x, y verify.Job) int { return x.Batch.ID - y.Batch.ID })
		rep.Sample = &sampleInfo{Percent: f.sample, Batches: m, Of: rep.BatchesTotal, Bound95: verify.SampleConfidence(m, rep.BatchesTotal)}
	}
	rep.BatchesChecked = len(jobs)
	countIDs := cfg.Tenant.IDs
	if len(f.tenants) > 0 {
		countIDs = f.tenants
	}
	start := time.Now()
	if rep.Counts, err = verify.Counts(ctx, ep.src, ep.tgt, countTables(res.Tables, f.tenants), countIDs, min(f.workers, 4)); err != nil {
		return err
	}
	if err := unknownTenant(res.Tables, all, f.tenants, rep.Counts); err != nil {
		return err
	}
	opt := verify.ChecksumOptions{Workers: f.workers, Source: f.source, DrillDown: true}
	results, err := verify.Checksums(ctx, ep.src, ep.tgt, jobs, opt)
	if err != nil {
		return err
	}
	a.log.Info("checksums compared", "batches", len(jobs), "workers", f.workers, "took", time.Since(start).Round(time.Millisecond))
	if f.repair {
		if results, rep.Repaired, err = a.repair(ctx, cfg, ep, res, l, runRec, jobs, results, opt, f.cfgPath); err != nil {
			return err
		}
		if rep.Counts, err = verify.Counts(ctx, ep.src, ep.tgt, countTables(res.Tables, f.tenants), countIDs, min(f.workers, 4)); err != nil {
			return err
		}
	}
	for _, r := range results {
		if !r.Equal {
			rep.Differ = append(rep.Differ, r)
		}
	}
	if rep.Differ == nil {
		rep.Differ = []verify.BatchResult{}
	}
	if len(f.tenants) == 0 {
		// A tenant with rows on one side only is in no batch of the plan
		// (added to the source since, or written to the target by someone
		// else): it is not ready either.
		groups = withCountGroups(groups, tables, rep.Counts)
	}
	rep.Readiness = verify.Ready(groups, tables, rep.Counts, results, open)
	rep.Ready = true
	for _, r := range rep.Readiness {
		rep.Ready = rep.Ready && r.Ready
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
	if !rep.Ready {
		notReady := 0
		for _, r := range rep.Readiness {
			if !r.Ready {
				notReady++
			}
		}
		return failedError{fmt.Errorf("verify: %d of %d tenants not ready for cutover", notReady, len(rep.Readiness))}
	}
	return nil
}

// countTables restricts the count reconciliation to the tables that matter
// for the requested tenants: all of them (shared tables only without --tenant).
func countTables(tables []*catalog.Table, requested []string) []*catalog.Table {
	if len(requested) == 0 {
		return tables
	}
	var out []*catalog.Table
	for _, t := range tables {
		if !t.Shared {
			out = append(out, t)
		}
	}
	return out
}

// readinessGroups lists the tenants of the plan (and the shared group), or
// the requested ones, each of which must be in the plan.
func readinessGroups(tables []*catalog.Table, batches []*checkpoint.Batch, requested []string) ([]string, error) {
	byName := migrate.TableMap(tables)
	anyRanged := slices.ContainsFunc(tables, func(t *catalog.Table) bool { return t.Ranged && !t.Shared })
	inPlan := map[string]bool{}
	for _, b := range batches {
		if t := byName[b.Table]; t != nil {
			for _, g := range verify.GroupsOf(t, b) {
				inPlan[g] = true
			}
		}
	}
	if len(requested) == 0 {
		groups := make([]string, 0, len(inPlan))
		for g := range inPlan {
			groups = append(groups, g)
		}
		verify.SortGroups(groups)
		return groups, nil
	}
	var groups []string
	seen := map[string]bool{}
	for _, id := range requested {
		// A tenant of a ranged table is in no batch's tenant list; the
		// counts say whether it has rows.
		if (!inPlan[id] && !anyRanged) || id == verify.SharedGroup {
			return nil, usagef("--tenant %s: no batch of the plan holds this tenant", strconv.Quote(id))
		}
		if !seen[id] {
			seen[id] = true
			groups = append(groups, id)
		}
	}
	return groups, nil
}

// withCountGroups adds the tenants of count differences missing from groups,
// and every tenant the counts saw: a tenant with rows only in ranged tables is
// in no batch's tenant list.
func withCountGroups(groups []string, tables map[string]*catalog.Table, counts *verify.Report) []string {
	have := map[string]bool{}
	for _, g := range groups {
		have[g] = true
	}
	for _, id := range counts.Seen {
		if !have[id] {
			have[id] = true
			groups = append(groups, id)
		}
	}
	for _, d := range counts.Differences {
		if t := tables[d.Table]; t == nil || t.Shared || have[d.Tenant] {
			continue
		}
		have[d.Tenant] = true
		groups = append(groups, d.Tenant)
	}
	verify.SortGroups(groups)
	return groups
}

// writeDiffFile writes every differing row as one JSON object per line.
func writeDiffFile(path string, differ []verify.BatchResult) error {
	f, err := os.Create(path)
	if err != nil {
		return usagef("--diff-file: %v", err)
	}
	enc := json.NewEncoder(f)
	for _, b := range differ {
		for _, r := range b.Rows {
			if err := enc.Encode(r); err != nil {
				f.Close()
				return fmt.Errorf("write %s: %w", path, err)
			}
		}
		if len(b.Rows) == 0 {
			if err := enc.Encode(map[string]any{"table": b.Table, "batch": b.Batch, "what": "batch differs", "note": b.Note}); err != nil {
				f.Close()
				return fmt.Errorf("write %s: %w", path, err)
			}
		}
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

func (a *app) printReadiness(rep *checksumReport, f checksumFlags) {
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
					if i > 0 && r.What != verify.Changed {
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
	fs.Func("sample", "check a random P% of the done batches (implies --checksum), like 5%", func(v string) error {
		p, err := parseSample(v)
		f.sample = p
		return err
	})
	fs.Var(tenantList{&f.tenants}, "tenant", "check only this tenant (repeatable)")
	fs.IntVar(&f.workers, "workers", 0, "batches checked at once (default run.workers)")
	fs.IntVar(&f.keys, "keys", 10, "print at most this many differing keys per table")
	fs.StringVar(&f.diffFile, "diff-file", "", "write every differing row (JSON lines) to this file")
	fs.BoolVar(&f.repair, "repair", false, "copy the batches that differ again and check them again (implies --checksum)")
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

// unknownTenant refuses a requested tenant that no batch names and no count
// saw: with ranged tables readinessGroups cannot tell from the plan alone.
func unknownTenant(tables []*catalog.Table, batches []*checkpoint.Batch, requested []string, counts *verify.Report) error {
	known := map[string]bool{}
	for _, id := range counts.Seen {
		known[id] = true
	}
	for _, b := range batches {
		for _, id := range b.Tenants {
			known[id] = true
		}
	}
	for _, id := range requested {
		if !known[id] {
			return usagef("--tenant %s: no batch of the plan holds this tenant and no table has rows of it", strconv.Quote(id))
		}
	}
	return nil
}
