package verify

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cutover/cutover/internal/catalog"
)

// RepairStep is one batch --repair would copy again, and why: what
// --repair --dry-run prints (as pt-table-sync --print does) instead of
// writing.
type RepairStep struct {
	Batch       int    `json:"batch"`
	Table       string `json:"table"`
	TargetTable string `json:"target_table"`
	// Tenants are the batch's tenants (none for a shared or ranged table):
	// the repair deletes and copies again all of the batch's rows.
	Tenants []string `json:"tenants"`
	// TenantsDiffer are the tenants whose rows differ.
	TenantsDiffer []string `json:"tenants_differ,omitempty"`
	// Lo and Hi bound the batch's key range [Lo, Hi); nil: open.
	Lo  []string `json:"key_from,omitempty"`
	Hi  []string `json:"key_to,omitempty"`
	Why string   `json:"why"`
}

// repairSteps lists the batches of results that differ, as Repair.run
// would reopen them.
func repairSteps(tables map[string]*catalog.Table, jobs []Job, results []BatchResult) []RepairStep {
	out := []RepairStep{}
	for i, r := range results {
		if r.Equal {
			continue
		}
		b := jobs[i].Batch
		st := RepairStep{Batch: r.Batch, Table: r.Table, Tenants: r.Tenants, TenantsDiffer: r.TenantsDiffer, Lo: b.Lo, Hi: b.Hi, Why: why(r)}
		if t := tables[r.Table]; t != nil {
			st.TargetTable = t.Target
		}
		out = append(out, st)
	}
	return out
}

// why sums up a differing batch: its rows by kind of difference, or its
// checksums when drill-down placed none.
func why(r BatchResult) string {
	if len(r.Rows) == 0 {
		return fmt.Sprintf("checksum differs (target %s, expected %s)", r.Target, firstNonEmpty(r.Source, r.Stored))
	}
	n := map[string]int{}
	for _, x := range r.Rows {
		n[x.What]++
	}
	kinds := make([]string, 0, len(n))
	for k := range n {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", n[k], k)
	}
	return strings.Join(parts, ", ")
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
