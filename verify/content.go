package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/canon"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/migrate"
)

// Source is the source as verify reads it: a reader per worker and row
// counts per tenant. Verify never writes to it.
type Source interface {
	Opener
	SourceCounter
}

// Target is the target as verify reads it.
type Target interface {
	Opener
	TargetCounter
}

// Ledger is what verify reads of a run in the ledger: its batches and the
// checksums the engine stored as it copied them.
type Ledger interface {
	Batches(ctx context.Context, runID int64) ([]*checkpoint.Batch, error)
	Checksums(ctx context.Context, runID int64) (map[int]string, error)
}

// ContentOptions configure Content.
type ContentOptions struct {
	RunID int64
	// Tables are the config's resolved tables.
	Tables []*catalog.Table
	// TenantIDs are the config's tenants (tenant.ids): the counts' scope
	// when Tenants is empty.
	TenantIDs []string
	// Tenants, when not empty, checks only these tenants, each of which must
	// be in the plan or have rows.
	Tenants []string
	// Sample, when above 0, checks a random Sample percent of the done batches.
	Sample float64
	// Source reads every checked batch from the source again too.
	Source  bool
	Workers int
	// Repair copies the batches that differ again and checks them again;
	// nil: no repair.
	Repair *Repair
	// RepairDryRun lists what a repair would copy again (WouldRepair) and
	// writes nothing.
	RepairDryRun bool
	// SourceKeys and TargetKeys look differing rows up outside their
	// tenant's scope (ChecksumOptions); nil: not asked.
	SourceKeys, TargetKeys KeyReader
	Log                    *slog.Logger
}

// ContentReport is verify's report in checksum mode (`verify --checksum --json`).
type ContentReport struct {
	Ready          bool          `json:"ready"`
	RunID          int64         `json:"run_id"`
	SourceReread   bool          `json:"source_reread"`
	BatchesTotal   int           `json:"batches_done"`
	BatchesChecked int           `json:"batches_checked"`
	Sample         *SampleInfo   `json:"sample,omitempty"`
	Readiness      []Readiness   `json:"readiness"`
	Counts         *Report       `json:"counts"`
	Differ         []BatchResult `json:"batches_differ"`
	Repaired       []int         `json:"repaired,omitempty"`
	// WouldRepair is what --repair --dry-run would copy again.
	WouldRepair []RepairStep `json:"would_repair,omitempty"`
}

// SampleInfo says what a sample checked and proves.
type SampleInfo struct {
	Percent float64 `json:"percent"`
	Batches int     `json:"batches"`
	Of      int     `json:"of"`
	// Bound: with 95% confidence fewer than this fraction of batches differ
	// when the sample found none.
	Bound95 float64 `json:"upper_bound_95"`
}

// NotReady counts the groups that are not ready.
func (r *ContentReport) NotReady() int {
	n := 0
	for _, x := range r.Readiness {
		if !x.Ready {
			n++
		}
	}
	return n
}

// UnknownTenantError is a requested tenant the plan and the data do not know.
type UnknownTenantError struct {
	Tenant string
	// Why says what was looked at.
	Why string
}

func (e *UnknownTenantError) Error() string {
	return fmt.Sprintf("tenant %s: %s", strconv.Quote(e.Tenant), e.Why)
}

// PlanMismatchError is a batch of the run whose table the config no longer has.
type PlanMismatchError struct {
	Batch int
	RunID int64
	Table string
}

func (e *PlanMismatchError) Error() string {
	return fmt.Sprintf("batch %d of run %d names table %s, which is not in the config: the config changed since the plan", e.Batch, e.RunID, e.Table)
}

// Content checks the done batches of run opt.RunID on the target (and the
// source), with the count reconciliation, drills down into the batches that
// differ, repairs them when asked, and says per tenant (and for the shared
// tables) whether it is ready for cutover.
func Content(ctx context.Context, src Source, tgt Target, l Ledger, opt ContentOptions) (*ContentReport, error) {
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tables := migrate.TableMap(opt.Tables)
	all, err := l.Batches(ctx, opt.RunID)
	if err != nil {
		return nil, err
	}
	if err := copied(opt.RunID, all); err != nil {
		return nil, err
	}
	groups, err := readinessGroups(opt.Tables, all, opt.Tenants)
	if err != nil {
		return nil, err
	}
	inPlan := map[string]bool{}
	for _, g := range groups {
		inPlan[g] = true
	}
	want := map[string]bool{}
	for _, g := range groups {
		want[g] = true
	}
	sums, err := l.Checksums(ctx, opt.RunID)
	if err != nil {
		return nil, err
	}
	var jobs []Job
	var open []*checkpoint.Batch
	otherFormat := 0
	for _, b := range all {
		t := tables[b.Table]
		if t == nil {
			return nil, &PlanMismatchError{Batch: b.ID, RunID: opt.RunID, Table: b.Table}
		}
		// A batch of a ranged table names no tenant: any tenant may have rows
		// in it, so it is checked whatever tenants are asked for.
		ranged := t.Ranged && !t.Shared
		if !ranged && !slices.ContainsFunc(GroupsOf(t, b), func(g string) bool { return want[g] }) {
			continue
		}
		if b.State != checkpoint.Done {
			open = append(open, b)
			continue
		}
		j := Job{Batch: b, Table: t}
		if h, ok := sums[b.ID]; ok {
			sum, err := canon.ParseHex(b.Rows, h)
			switch {
			case errors.Is(err, canon.ErrOtherFormat):
				otherFormat++ // no stored sum: the source is read instead
			case err != nil:
				return nil, fmt.Errorf("batch %d: %w", b.ID, err)
			default:
				j.Stored = &sum
			}
		}
		jobs = append(jobs, j)
	}
	if otherFormat > 0 {
		log.Warn("stored checksums of another format (an older binary copied those batches): their source rows are read instead", "batches", otherFormat)
	}
	rep := &ContentReport{RunID: opt.RunID, SourceReread: opt.Source, BatchesTotal: len(jobs)}
	if opt.Sample > 0 {
		m := min(len(jobs), max(1, int(float64(len(jobs))*opt.Sample/100+0.999999)))
		rand.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })
		jobs = jobs[:m]
		slices.SortFunc(jobs, func(x, y Job) int { return x.Batch.ID - y.Batch.ID })
		rep.Sample = &SampleInfo{Percent: opt.Sample, Batches: m, Of: rep.BatchesTotal, Bound95: SampleConfidence(m, rep.BatchesTotal)}
	}
	rep.BatchesChecked = len(jobs)
	countIDs := opt.TenantIDs
	if len(opt.Tenants) > 0 {
		countIDs = opt.Tenants
	}
	start := time.Now()
	if rep.Counts, err = Counts(ctx, src, tgt, countTables(opt.Tables, opt.Tenants), countIDs, min(opt.Workers, 4)); err != nil {
		return nil, err
	}
	if err := unknownTenant(all, opt.Tenants, rep.Counts); err != nil {
		return nil, err
	}
	copt := ChecksumOptions{Workers: opt.Workers, Source: opt.Source, DrillDown: true,
		SourceKeys: opt.SourceKeys, TargetKeys: opt.TargetKeys}
	results, err := Checksums(ctx, src, tgt, jobs, copt)
	if err != nil {
		return nil, err
	}
	log.Info("checksums compared", "batches", len(jobs), "workers", opt.Workers, "took", time.Since(start).Round(time.Millisecond))
	if opt.RepairDryRun {
		rep.WouldRepair = repairSteps(tables, jobs, results)
	} else if opt.Repair != nil {
		if results, rep.Repaired, err = opt.Repair.run(ctx, src, tgt, log, opt.RunID, jobs, results, copt); err != nil {
			return nil, err
		}
		if rep.Counts, err = Counts(ctx, src, tgt, countTables(opt.Tables, opt.Tenants), countIDs, min(opt.Workers, 4)); err != nil {
			return nil, err
		}
	}
	for _, r := range results {
		if !r.Equal {
			rep.Differ = append(rep.Differ, r)
		}
	}
	if rep.Differ == nil {
		rep.Differ = []BatchResult{}
	}
	if len(opt.Tenants) == 0 {
		// A tenant with rows on one side only is in no batch of the plan
		// (added to the source since, or written to the target by someone
		// else): it is not ready either.
		groups = withCountGroups(groups, tables, rep.Counts)
	}
	if len(opt.Tenants) == 0 {
		// Optional: a target that can count every row of a table.
		if rc, ok := tgt.(RowCounter); ok {
			if err := CountOutside(ctx, rc, opt.Tables, rep.Counts, min(opt.Workers, 4)); err != nil {
				return nil, err
			}
		}
	}
	rep.Readiness = Ready(groups, tables, rep.Counts, results, open)
	for i := range rep.Readiness {
		r := &rep.Readiness[i]
		if !r.Ready && !inPlan[r.Tenant] && slices.Contains(rep.Counts.OnlyInTarget, r.Tenant) {
			r.Hint = StrayHint(r.Tenant, rep.Counts)
		}
	}
	rep.Ready = len(rep.Counts.Outside) == 0
	for _, r := range rep.Readiness {
		rep.Ready = rep.Ready && r.Ready
	}
	return rep, nil
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
			for _, g := range GroupsOf(t, b) {
				inPlan[g] = true
			}
		}
	}
	if len(requested) == 0 {
		groups := make([]string, 0, len(inPlan))
		for g := range inPlan {
			groups = append(groups, g)
		}
		SortGroups(groups)
		return groups, nil
	}
	var groups []string
	seen := map[string]bool{}
	for _, id := range requested {
		// A tenant of a ranged table is in no batch's tenant list; the
		// counts say whether it has rows.
		if (!inPlan[id] && !anyRanged) || id == SharedGroup {
			return nil, &UnknownTenantError{Tenant: id, Why: "no batch of the plan holds this tenant"}
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
func withCountGroups(groups []string, tables map[string]*catalog.Table, counts *Report) []string {
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
	SortGroups(groups)
	return groups
}

// unknownTenant refuses a requested tenant that no batch names and no count
// saw: with ranged tables readinessGroups cannot tell from the plan alone.
func unknownTenant(batches []*checkpoint.Batch, requested []string, counts *Report) error {
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
			return &UnknownTenantError{Tenant: id, Why: "no batch of the plan holds this tenant and no table has rows of it"}
		}
	}
	return nil
}

// WriteRowDiffs writes every differing row of differ as one JSON object per
// line; a batch that differs without rows placed is one line of its own.
func WriteRowDiffs(w io.Writer, differ []BatchResult) error {
	enc := json.NewEncoder(w)
	for _, b := range differ {
		for _, r := range b.Rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		if len(b.Rows) == 0 {
			if err := enc.Encode(map[string]any{"table": b.Table, "batch": b.Batch, "what": "batch differs", "note": b.Note}); err != nil {
				return err
			}
		}
	}
	return nil
}
