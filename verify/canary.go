package verify

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/migrate"
)

// CanaryCheck is the content check (`verify --checksum --source --tenant
// ...`) on the canary's tenants and batches only: counts per (tenant, table)
// and every canary batch's checksum on the target against the one stored at
// copy time and against the source read again.
func CanaryCheck(log *slog.Logger, src Source, tgt Target, l *checkpoint.Ledger, all []*catalog.Table, workers int, runID int64) migrate.CanaryCheck {
	var tables []*catalog.Table
	for _, t := range all {
		if !t.Shared && !t.Ranged {
			tables = append(tables, t)
		}
	}
	return func(ctx context.Context, tenants []string, batches []int) (migrate.CanaryVerdict, error) {
		rep, err := Content(ctx, src, tgt, canaryBatches{Ledger: l, ids: slices.Sorted(slices.Values(batches))}, ContentOptions{
			RunID: runID, Tables: tables, Tenants: tenants, Source: true, Workers: workers, Log: log,
		})
		if err != nil {
			return migrate.CanaryVerdict{}, err
		}
		return canaryVerdict(rep, tenants), nil
	}
}

// canaryBatches is the ledger as verify reads it, restricted to the
// canary's batches.
type canaryBatches struct {
	*checkpoint.Ledger
	ids []int
}

func (c canaryBatches) Batches(ctx context.Context, runID int64) ([]*checkpoint.Batch, error) {
	all, err := c.Ledger.Batches(ctx, runID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(b *checkpoint.Batch) bool { _, ok := slices.BinarySearch(c.ids, b.ID); return !ok }), nil
}

// canaryVerdict turns verify's report into the canary's outcome: equal only
// when every canary batch is equal on both sides and every canary tenant is
// ready; otherwise the first differences, in the words `verify` prints.
func canaryVerdict(rep *ContentReport, tenants []string) migrate.CanaryVerdict {
	safeText := migrate.SafeText
	var lines []string
	for _, d := range rep.Counts.Differences {
		lines = append(lines, fmt.Sprintf("%s tenant %s: %d rows in the source, %d in the target", d.Table, safeText(d.Tenant), d.Source, d.Target))
	}
	for _, b := range rep.Differ {
		if len(b.Rows) == 0 {
			lines = append(lines, fmt.Sprintf("%s batch %d: checksum source %s stored %s target %s", b.Table, b.Batch, b.Source, b.Stored, b.Target))
		}
		for _, r := range b.Rows {
			line := fmt.Sprintf("%s batch %d tenant %s key (%s): %s", r.Table, r.Batch, safeText(r.Tenant), strings.Join(r.Key, ","), r.What)
			var cols []string
			for _, c := range r.Columns {
				if r.What == Changed {
					cols = append(cols, fmt.Sprintf("%s source %s target %s", c.Column, clip(c.Source), clip(c.Target)))
				}
			}
			if len(cols) > 0 {
				line += ": " + strings.Join(cols, ", ")
			}
			lines = append(lines, line)
		}
	}
	for _, r := range rep.Readiness {
		if !r.Ready && len(lines) == 0 {
			lines = append(lines, fmt.Sprintf("tenant %s not ready: %s", safeText(r.Tenant), strings.Join(r.Reasons, "; ")))
		}
	}
	if rep.Ready && len(rep.Differ) == 0 && len(lines) == 0 {
		return migrate.CanaryVerdict{Equal: true, Summary: fmt.Sprintf("tenants %s equal to the source in %d batches (counts and content checksums)",
			strings.Join(tenants, ", "), rep.BatchesChecked)}
	}
	const shown = 3
	summary := strings.Join(lines[:min(len(lines), shown)], "; ")
	if len(lines) > shown {
		summary += fmt.Sprintf("; and %d more differences (this host's log lists them; `cutover verify --checksum --source --tenant ID` shows them again)", len(lines)-shown)
	}
	return migrate.CanaryVerdict{Summary: summary, Lines: lines}
}

// clip shortens a displayed value for the canary's lines: they go into the
// halt reason and every host's output, where a long text or LOB would bury
// the rest (`verify --diff-file` writes values whole).
func clip(v string) string {
	const max = 120
	if len(v) <= max {
		return v
	}
	return fmt.Sprintf("%s... (%d characters)", strings.ToValidUTF8(v[:max], ""), len(v))
}
