package verify

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cutover/cutover/planner"
)

// SafeText is s when it is plain printable ASCII, else s quoted with escapes:
// tenant ids come from the data and may be hostile.
func SafeText(s string) string {
	for _, c := range []byte(s) {
		if c < 0x20 || c >= 0x7f {
			return strconv.Quote(s)
		}
	}
	return s
}

func commas(n int64) string { return planner.Thousands(n) }

// WriteCounts is the text form of a count report: one line per table, the
// differences (at most limit of them) and the hints.
func WriteCounts(w io.Writer, rep *Report, limit int) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TABLE\tTARGET\tTENANTS\tSOURCE ROWS\tTARGET ROWS\tDIFFERENCES\t")
	var src, tgt int64
	for _, t := range rep.Tables {
		target := commas(t.Target)
		if t.TargetAll != nil && *t.TargetAll != t.Target {
			target += " (" + commas(*t.TargetAll) + " in all)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%d\t\n", t.Table, t.TargetTable, t.Tenants, commas(t.Source), target, t.Differences)
		src += t.Source
		tgt += t.Target
	}
	fmt.Fprintf(tw, "total\t\t\t%s\t%s\t%d\t\n", commas(src), commas(tgt), len(rep.Differences))
	tw.Flush()
	writeOutside(w, rep)
	if rep.Equal {
		fmt.Fprintln(w, "verify: every (tenant, table) row count is equal on both sides")
		return
	}
	if len(rep.Differences) == 0 {
		return
	}
	fmt.Fprintln(w, "\ndifferences:")
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TABLE\tTENANT\tSOURCE\tTARGET\tTARGET-SOURCE\t")
	for i, d := range rep.Differences {
		if i == limit {
			fmt.Fprintf(tw, "... %d more (see --json)\t\t\t\t\t\n", len(rep.Differences)-limit)
			break
		}
		tenant := d.Tenant
		if tenant == "" {
			tenant = "(shared)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%+d\t\n", d.Table, SafeText(tenant), commas(d.Source), commas(d.Target), d.Target-d.Source)
	}
	tw.Flush()
	writeStrays(w, rep, 10)
}

// writeOutside says which target tables hold rows outside every tenant.
func writeOutside(w io.Writer, counts *Report) {
	for _, o := range counts.Outside {
		fmt.Fprintf(w, "%s: %s target rows are outside every tenant of the plan (COUNT(*) %s, through the tenants %s): no parent row, a NULL tenant or another tenant; no batch reads them\n",
			o.TargetTable, commas(o.Rows()), commas(o.All), commas(o.InTenants))
	}
}

// writeStrays gives the hint for tenants with rows only in the target.
func writeStrays(w io.Writer, counts *Report, limit int) {
	for i, id := range counts.OnlyInTarget {
		if i == limit {
			fmt.Fprintf(w, "... and %d more tenants with rows only in the target\n", len(counts.OnlyInTarget)-limit)
			return
		}
		fmt.Fprintln(w, "hint: "+SafeText(StrayHint(id, counts)))
	}
}

// TextOptions are what the text form of a content report shows.
type TextOptions struct {
	Keys   int  // differing keys per table
	Named  bool // tenants were asked for by name: every ready one is listed
	DryRun bool // --repair --dry-run: list what would be copied again
}

// WriteReadiness is the text form of a content report: readiness per
// tenant, the sample's bound, the batches and rows that differ, and the
// verdict.
func WriteReadiness(w io.Writer, rep *ContentReport, o TextOptions) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tREADY\tCOUNT DIFFS\tBATCHES CHECKED\tDIFFER\tNOT DONE\tROWS IN CHECKED BATCHES\t")
	// Every tenant that is not ready is listed; of the ready ones, only the
	// first few unless they were asked for by name: thousands of "yes" lines
	// would bury the ones that matter.
	const readyLines = 20
	shown, hidden := 0, 0
	for _, r := range rep.Readiness {
		if r.Ready && !o.Named && shown >= readyLines {
			hidden++
			continue
		}
		if r.Ready {
			shown++
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t\n", SafeText(r.Tenant), yesNo(r.Ready),
			r.CountDiffs, r.BatchesChecked, r.BatchesDiffer, r.BatchesOpen, commas(r.RowsChecked))
	}
	tw.Flush()
	for _, r := range rep.Readiness {
		if r.Hint != "" {
			fmt.Fprintln(w, "hint: "+SafeText(r.Hint))
		}
	}
	writeOutside(w, rep.Counts)
	if hidden > 0 {
		fmt.Fprintf(w, "... and %d more ready tenants (--json lists every tenant)\n", hidden)
	}
	if rep.Sample != nil {
		fmt.Fprintf(w, "sampled %d of %d done batches (%g%%; a tenant's verdict covers its sampled batches only)", rep.Sample.Batches, rep.Sample.Of, rep.Sample.Percent)
		if len(rep.Differ) == 0 {
			fmt.Fprintf(w, ": none differs, so with 95%% confidence fewer than %.2g%% of all batches differ\n", 100*rep.Sample.Bound95)
		} else {
			fmt.Fprintln(w)
		}
	}
	if len(rep.Repaired) > 0 {
		fmt.Fprintf(w, "repaired %d batches: %v\n", len(rep.Repaired), rep.Repaired)
	}
	if len(rep.Differ) > 0 {
		writeDiffer(w, rep.Differ, o.Keys)
	}
	if o.DryRun {
		writeWouldRepair(w, rep.WouldRepair)
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
	fmt.Fprintf(w, "verify: %d of %d tenants ready for cutover (%d batches checked on the target %s)\n",
		ready, len(rep.Readiness), rep.BatchesChecked, src)
}

// writeDiffer lists the batches that differ, at most keys rows per table,
// and the notes on where missing rows were found.
func writeDiffer(w io.Writer, differ []BatchResult, keys int) {
	fmt.Fprintln(w, "\nbatches that differ:")
	perTable := map[string]int{}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tBATCH\tTENANT\tKEY\tDIFFERENCE\tCOLUMN\tSOURCE\tTARGET\t")
	more := 0
	for _, b := range differ {
		if len(b.Rows) == 0 {
			fmt.Fprintf(tw, "%s\t%d\t\t\t%s\t\t%s\t%s\t\n", b.Table, b.Batch, "batch checksum", firstOf(b.Source, b.Stored), b.Target)
		}
		for _, r := range b.Rows {
			if perTable[r.Table] >= keys {
				more++
				continue
			}
			perTable[r.Table]++
			key := strings.Join(r.Key, ",")
			if len(r.Columns) == 0 {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t\t\t\t\n", r.Table, r.Batch, SafeText(r.Tenant), key, r.What)
			}
			for i, c := range r.Columns {
				if i > 0 && (r.What == MissingInTgt || r.What == ExtraInTarget) {
					break // a missing or extra row: its key says it all
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Table, r.Batch, SafeText(r.Tenant), key, r.What, c.Column, c.Source, c.Target)
			}
		}
	}
	tw.Flush()
	if more > 0 {
		fmt.Fprintf(w, "... %d more differing rows (--keys raises the limit per table; --diff-file writes all)\n", more)
	}
	writeNotes(w, differ, keys)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// writeNotes says where the rows missing from one side's scope were found.
func writeNotes(w io.Writer, differ []BatchResult, limit int) {
	n := 0
	for _, b := range differ {
		if b.Note != "" && len(b.Rows) > 0 {
			fmt.Fprintf(w, "batch %d (%s): %s\n", b.Batch, b.Table, SafeText(b.Note))
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
			fmt.Fprintf(w, "%s key %s: %s: %s\n", r.Table, SafeText(strings.Join(r.Key, ",")), r.What, SafeText(r.Note))
		}
	}
}

// writeWouldRepair is --repair --dry-run's list, one line per batch.
func writeWouldRepair(w io.Writer, steps []RepairStep) {
	fmt.Fprintf(w, "\n--repair --dry-run: %d batches would be copied again (nothing was written):\n", len(steps))
	for _, st := range steps {
		who := "all tenants in the key range"
		if len(st.Tenants) > 0 {
			who = "tenants " + SafeText(strings.Join(st.Tenants, ","))
		} else if st.Lo == nil && st.Hi == nil {
			who = "the whole table"
		}
		if len(st.TenantsDiffer) > 0 {
			who += " (rows differ for " + SafeText(strings.Join(st.TenantsDiffer, ",")) + ")"
		}
		fmt.Fprintf(w, "batch %d: %s -> %s, %s, key %s: %s\n", st.Batch, st.Table, st.TargetTable, who, keyRange(st.Lo, st.Hi), st.Why)
	}
}

func keyRange(lo, hi []string) string {
	side := func(k []string, open string) string {
		if k == nil {
			return open
		}
		return SafeText(strings.Join(k, ","))
	}
	return "[" + side(lo, "start") + ", " + side(hi, "end") + ")"
}
