package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/driver"
	"github.com/cutover/cutover/verify"
)

// keyMaker is a MySQL side: its capture reads rows by key (Rows), which
// verify uses whatever their tenant.
type keyMaker interface {
	Capture(schema string, tables []*catalog.Table) *driver.Capture
}

// keyReaders are the row lookups verify uses to say what a row missing from
// a tenant's scope is, on each side that can look rows up by key (MySQL);
// nil for the other.
func keyReaders(ep endpoints) (src, tgt verify.KeyReader) {
	if c, ok := driver.CaptureOf(ep.src, "", nil); ok {
		src = c
	}
	if m, ok := ep.tgt.(keyMaker); ok {
		tgt = m.Capture("", nil)
	}
	return src, tgt
}

// outside counts the target's rows outside every tenant when the target
// can count every row of a table (COUNT(*)).
func outside(ctx context.Context, tgt any, tables []*catalog.Table, rep *verify.Report, parallel int) error {
	rc, ok := tgt.(verify.RowCounter)
	if !ok {
		return nil
	}
	return verify.CountOutside(ctx, rc, tables, rep, parallel)
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
	tgt, l, found, err := existingLedger(ctx, cfg)
	if err != nil {
		return err
	}
	defer tgt.Close()
	if !found {
		return nil
	}
	runRec, err := l.ActiveRun(ctx)
	if err != nil || runRec == nil {
		return err
	}
	done, all, err := verify.CheckCopied(ctx, l, runRec.ID)
	if err != nil {
		return nothingCopied(err, cfgPath)
	}
	if done < all {
		fmt.Fprintf(w, "note: run %d has %d of %d batches done: the rows of the others are not copied yet, and differ until they are\n", runRec.ID, done, all)
	}
	return nil
}

// unknownCountTenant refuses a --tenant that no table has rows of on either side.
func unknownCountTenant(rep *verify.Report, requested []string, column string) error {
	for _, id := range requested {
		if !slices.Contains(rep.Seen, id) {
			return usagef("--tenant %s: no table has rows of this tenant on either side (is it a value of %s?)", safeText(id), column)
		}
	}
	return nil
}

// printOutside says which target tables hold rows outside every tenant.
func printOutside(w io.Writer, counts *verify.Report) {
	for _, o := range counts.Outside {
		fmt.Fprintf(w, "%s: %s target rows are outside every tenant of the plan (COUNT(*) %s, through the tenants %s): no parent row, a NULL tenant or another tenant; no batch reads them\n",
			o.TargetTable, commas(o.Rows()), commas(o.All), commas(o.InTenants))
	}
}

// printStrays gives the hint for tenants with rows only in the target.
func printStrays(w io.Writer, counts *verify.Report, limit int) {
	for i, id := range counts.OnlyInTarget {
		if i == limit {
			fmt.Fprintf(w, "... and %d more tenants with rows only in the target\n", len(counts.OnlyInTarget)-limit)
			return
		}
		fmt.Fprintln(w, "hint: "+safeText(verify.StrayHint(id, counts)))
	}
}

// printNotes says where the rows missing from one side's scope were found.
func printNotes(w io.Writer, differ []verify.BatchResult, limit int) {
	n := 0
	for _, b := range differ {
		if b.Note != "" && len(b.Rows) > 0 {
			fmt.Fprintf(w, "batch %d (%s): %s\n", b.Batch, b.Table, safeText(b.Note))
		}
		for _, r := range b.Rows {
			if r.Note == "" {
				continue
			}
			if n == limit {
				fmt.Fprintln(w, "... more notes in --json")
				return
			}
			n++
			fmt.Fprintf(w, "%s key %s: %s: %s\n", r.Table, safeText(strings.Join(r.Key, ",")), r.What, safeText(r.Note))
		}
	}
}

// printWouldRepair is --repair --dry-run's list, one line per batch.
func printWouldRepair(w io.Writer, steps []verify.RepairStep) {
	fmt.Fprintf(w, "\n--repair --dry-run: %d batches would be copied again (nothing was written):\n", len(steps))
	for _, st := range steps {
		who := "all tenants in the key range"
		if len(st.Tenants) > 0 {
			who = "tenants " + safeText(strings.Join(st.Tenants, ","))
		} else if st.Lo == nil && st.Hi == nil {
			who = "the whole table"
		}
		if len(st.TenantsDiffer) > 0 {
			who += " (rows differ for " + safeText(strings.Join(st.TenantsDiffer, ",")) + ")"
		}
		fmt.Fprintf(w, "batch %d: %s -> %s, %s, key %s: %s\n", st.Batch, st.Table, st.TargetTable, who, keyRange(st.Lo, st.Hi), st.Why)
	}
}

func keyRange(lo, hi []string) string {
	side := func(k []string, open string) string {
		if k == nil {
			return open
		}
		return safeText(strings.Join(k, ","))
	}
	return "[" + side(lo, "start") + ", " + side(hi, "end") + ")"
}
