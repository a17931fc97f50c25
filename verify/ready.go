package verify

import (
	"fmt"
	"math"
	"sort"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/planner"
)

// SharedGroup is the readiness group of the shared tables (tenant: none).
const SharedGroup = "(shared)"

// Readiness says whether one tenant (or the shared tables) may be cut over:
// its row counts are equal in every table, every batch holding its rows is
// done, and every checked batch's checksum matches.
type Readiness struct {
	Tenant         string `json:"tenant"`
	Ready          bool   `json:"ready"`
	CountDiffs     int    `json:"count_differences"`
	BatchesChecked int    `json:"batches_checked"`
	BatchesDiffer  int    `json:"batches_differ"`
	BatchesOpen    int    `json:"batches_not_done"`
	// RowsChecked counts the rows of the checked batches holding the tenant
	// (a packed batch holds other tenants' rows too).
	RowsChecked int64    `json:"rows_in_checked_batches"`
	Reasons     []string `json:"reasons"`
	// Hint says what to do about a tenant the plan does not know.
	Hint string `json:"hint,omitempty"`
}

// GroupsOf returns the readiness groups a batch's rows belong to.
func GroupsOf(t *catalog.Table, b *checkpoint.Batch) []string {
	if t.Shared {
		return []string{SharedGroup}
	}
	return b.Tenants
}

// Ready combines count differences, checksum results and batches that are not
// done into one verdict per group, in groups' order. A differing batch that
// packs several tenants makes not ready only the tenants drill-down found
// differing rows of (TenantsDiffer), or all of them when it could not tell.
func Ready(groups []string, tables map[string]*catalog.Table, counts *Report, results []BatchResult, open []*checkpoint.Batch) []Readiness {
	by := make(map[string]*Readiness, len(groups))
	out := make([]Readiness, len(groups))
	for i, g := range groups {
		out[i] = Readiness{Tenant: g, Reasons: []string{}}
		by[g] = &out[i]
	}
	if counts != nil {
		for _, d := range counts.Differences {
			g := d.Tenant
			if t, ok := tables[d.Table]; ok && t.Shared {
				g = SharedGroup
			}
			if r := by[g]; r != nil {
				r.CountDiffs++
				r.Reasons = append(r.Reasons, fmt.Sprintf("%s: %d source rows, %d target rows", d.Table, d.Source, d.Target))
			}
		}
	}
	for _, res := range results {
		t := tables[res.Table]
		differ := map[string]bool{}
		for _, g := range res.TenantsDiffer {
			differ[g] = true
		}
		groupsOf := GroupsOf(t, &checkpoint.Batch{Tenants: res.Tenants})
		switch {
		case !res.Equal && len(differ) == 0:
			groupsOf = everyTenantIfRanged(t, groupsOf, groups)
		case !res.Equal && len(groupsOf) == 0:
			// A ranged batch names no tenant: drill-down placed its
			// differing rows on theirs.
			groupsOf = res.TenantsDiffer
		}
		for _, g := range groupsOf {
			r := by[g]
			if r == nil {
				continue
			}
			r.BatchesChecked++
			r.RowsChecked += res.TargetRows
			// Drill-down names the tenants of a packed batch whose rows
			// differ; without it every tenant of the batch is suspect.
			if !res.Equal && (len(differ) == 0 || differ[g] || t.Shared) {
				r.BatchesDiffer++
				r.Reasons = append(r.Reasons, fmt.Sprintf("%s: batch %d checksum differs", res.Table, res.Batch))
			}
		}
	}
	for _, b := range open {
		t := tables[b.Table]
		if t == nil {
			continue
		}
		for _, g := range everyTenantIfRanged(t, GroupsOf(t, b), groups) {
			if r := by[g]; r != nil {
				r.BatchesOpen++
				r.Reasons = append(r.Reasons, fmt.Sprintf("%s: batch %d is %s", b.Table, b.ID, b.State))
			}
		}
	}
	for i := range out {
		r := &out[i]
		r.Ready = r.CountDiffs == 0 && r.BatchesDiffer == 0 && r.BatchesOpen == 0
	}
	return out
}

// SortGroups orders tenant ids naturally, the shared group last.
func SortGroups(groups []string) {
	sort.Slice(groups, func(i, j int) bool {
		a, b := groups[i], groups[j]
		if (a == SharedGroup) != (b == SharedGroup) {
			return b == SharedGroup
		}
		return planner.CompareTenants(a, b) < 0
	})
}

// SampleConfidence states what a clean random sample of m of n batches
// proves: with 95% confidence, fewer than the returned fraction of all
// batches differ. Drawing without replacement only tightens it.
func SampleConfidence(m, n int) float64 {
	if m <= 0 || n <= 0 {
		return 1
	}
	if m >= n {
		return 0
	}
	return 1 - math.Pow(0.05, 1/float64(m))
}

// everyTenantIfRanged widens the groups of a batch of a ranged table, which
// holds rows of any tenant and names none, to every tenant: until its rows are
// placed (or it is done and equal), every tenant is suspect.
func everyTenantIfRanged(t *catalog.Table, of, groups []string) []string {
	if t == nil || !t.Ranged || t.Shared || len(of) > 0 {
		return of
	}
	var out []string
	for _, g := range groups {
		if g != SharedGroup {
			out = append(out, g)
		}
	}
	return out
}
