package migrate

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/planner"
)

// MaxFitWorkers bounds the worker counts a deadline search tries, over all
// processes: 16 processes of the most workers one process may run.
const MaxFitWorkers = 4096

// PlanOptions say how to cut a plan.
type PlanOptions struct {
	BatchRows int64
	// Workers is the worker count the plan is cut and estimated for.
	Workers int
	// Tenants (tenant.ids), when not empty, are the only tenants sized.
	Tenants []string
	// Model is the cost model batches are cut with (CostModel), and
	// Calibration the rehearsal that fitted it, nil for the default model.
	Model       planner.Model
	Calibration *checkpoint.Calibration
	// Defer and Target say which indexes the run would defer (Target nil:
	// none is planned).
	Defer  DeferSettings
	Target DeferralTarget
}

// parallel is how many sizing queries run at once.
func (o PlanOptions) parallel() int { return min(o.Workers, 4) }

// Planned is a plan made in this process: its stored and printed form, and
// what it was made from (the measured sizes, to estimate and cut again
// without sizing the source again).
type Planned struct {
	Doc         *planner.Doc
	Sizes       []planner.Size
	Model       planner.Model
	Calibration *checkpoint.Calibration
	opt         PlanOptions
}

// CostModel is the cost model plans are cut and estimated with: the latest
// calibration a rehearsal stored for this config (configFP) when the ledger
// in schema holds one, else the documented default (planner.DefaultModel),
// which estimates say is uncalibrated. It reads the ledger without creating
// it.
func CostModel(ctx context.Context, tgt SQLDB, schema, configFP string) (planner.Model, *checkpoint.Calibration, error) {
	c, err := checkpoint.LatestCalibration(ctx, tgt.SQL(), schema, configFP)
	if err != nil {
		return planner.Model{}, nil, fmt.Errorf("read the latest calibration: %w", err)
	}
	if c == nil {
		return planner.DefaultModel(), nil, nil
	}
	var m planner.Model
	if err := json.Unmarshal(c.Model, &m); err != nil {
		return planner.Model{}, nil, fmt.Errorf("calibration %d in the ledger: %w", c.ID, err)
	}
	if err := m.Validate(); err != nil {
		return planner.Model{}, nil, fmt.Errorf("calibration %d in the ledger: %w", c.ID, err)
	}
	m.Calibrated = true
	return m, c, nil
}

// PlanSettings are the config's inputs of a plan: how to cut it, the
// ledger and fingerprint whose calibration it is cut with (CostModel), and
// the settings it stores (Doc.Settings, named when a changed config is
// refused).
type PlanSettings struct {
	BatchRows int64
	Workers   int
	Tenants   []string
	Defer     DeferSettings
	// LedgerSchema holds the calibrations; PlanFP picks this config's.
	LedgerSchema, PlanFP string
	// Settings and RunFP are stored in the plan.
	Settings map[string]string
	RunFP    string
}

// PlanTarget is what a plan reads of the target: the ledger's calibration
// and the indexes a run would defer.
type PlanTarget interface {
	SQLDB
	DeferralTarget
}

// Planner is the Plan step of PrepareRun, PrepareDryRun, DraftPlan and
// rehearse.Prepare: it sizes src and cuts the plan with the cost model the
// ledger holds for the config (CostModel), and stores the config's settings
// in it. It writes nothing.
func Planner(src Source, tgt PlanTarget, s PlanSettings) func(ctx context.Context, res *Resolution) (*Planned, error) {
	return func(ctx context.Context, res *Resolution) (*Planned, error) {
		model, calib, err := CostModel(ctx, tgt, s.LedgerSchema, s.PlanFP)
		if err != nil {
			return nil, err
		}
		p, err := MakePlan(ctx, src, res, PlanOptions{BatchRows: s.BatchRows, Workers: s.Workers, Tenants: s.Tenants,
			Model: model, Calibration: calib, Defer: s.Defer, Target: tgt})
		if err != nil {
			return nil, err
		}
		p.Doc.Settings, p.Doc.SettingsRunFP = s.Settings, s.RunFP
		return p, nil
	}
}

// CalibrationNote describes where a calibrated model came from.
func CalibrationNote(c *checkpoint.Calibration) string {
	return fmt.Sprintf("calibrated by rehearsal %d at %d workers, %s", c.ID, c.Workers, c.CreatedAt.UTC().Format(time.RFC3339))
}

// MakePlan sizes the source and builds the plan with its estimate and
// warnings; it writes nothing. A full run (no tenant.ids) batches by range
// the tables reached through a parent whose batching the config leaves unset
// when rangeHints would point at them: it marks them Ranged in res.Tables and
// records the choice in the plan (Doc.Ranged, read back by AdoptPlan).
func MakePlan(ctx context.Context, src Source, res *Resolution, o PlanOptions) (*Planned, error) {
	model := o.Model
	opt := planner.Options{BatchRows: o.BatchRows, Workers: o.Workers, Cost: &model}
	// Every table's row count, to tell how many rows belong to no tenant, is
	// taken beside the sizing.
	unowned := make(chan unownedResult, 1)
	go func() {
		if len(o.Tenants) > 0 {
			// Sizes then cover the listed tenants only; the rest are not
			// "no tenant" rows.
			unowned <- unownedResult{}
			return
		}
		unowned <- countRows(ctx, src, res.Tables)
	}()
	sizes, err := sizeTables(ctx, src, res.Tables, o.Tenants, o.parallel())
	un := <-unowned
	if err != nil {
		return nil, err
	}
	if un.err != nil {
		return nil, un.err
	}
	var chosen []planner.RangeChoice
	if len(o.Tenants) == 0 {
		chosen = chooseRange(res, sizes, o.BatchRows)
	}
	sized, err := Cut(ctx, src, res.Tables, sizes, opt, o.parallel())
	if err != nil {
		return nil, err
	}
	var scn uint64
	if p, ok := src.(SnapshotPinner); ok {
		scn = p.SCN()
	}
	p := &Planned{
		Doc: &planner.Doc{
			Fingerprint: planner.Fingerprint(sized.Plan),
			Summary:     planner.Summarize(sized.Plan, sized.Sizes, o.Workers),
			Warnings:    append([]string{}, res.Warnings...),
			Batches:     sized.Plan.Batches,
			SCN:         scn,
			Source:      SourceShape(res.Tables),
			Ranged:      chosen,
		},
		Sizes: sized.Sizes, Model: model, Calibration: o.Calibration, opt: o,
	}
	doc := p.Doc
	if o.Target != nil {
		if doc.Deferred, err = PlanDeferral(ctx, o.Defer, o.Target, res.Tables, res.Missing); err != nil {
			return nil, fmt.Errorf("plan the deferred indexes: %w", err)
		}
	}
	doc.Estimate = p.EstimateWith(model, o.Workers)
	for _, m := range res.Missing {
		doc.Warnings = append(doc.Warnings, fmt.Sprintf("target table %s does not exist yet: `cutover run --create-tables` creates it", m))
	}
	doc.Warnings = append(doc.Warnings, unownedWarnings(res.Tables, sized.Sizes, un.rows)...)
	if len(o.Tenants) == 0 {
		doc.Warnings = append(doc.Warnings, rangeHints(res.Tables, sized.Sizes, o.BatchRows)...)
	}
	if absent := absentTenants(o.Tenants, sized.Sizes); len(absent) > 0 {
		doc.Warnings = append(doc.Warnings, fmt.Sprintf("%d tenant ids in tenant.ids have no rows in any table: %s", len(absent), abbreviate(absent, 10)))
	}
	return p, nil
}

// EstimateWith simulates the plan on workers under model.
func (p *Planned) EstimateWith(model planner.Model, workers int) *planner.Estimate {
	var calib *planner.Calibration
	if c := p.Calibration; c != nil {
		calib = &planner.Calibration{Note: CalibrationNote(c), Workers: c.Workers}
	}
	e := planner.EstimatePlan(p.Doc.Batches, p.Sizes, model, workers, calib)
	e.RebuildSeconds = p.rebuildSeconds(model)
	return e
}

// FitWindow finds the fewest workers that finish within d, and the
// processes of perProcess workers (run.workers) they take, and replans for
// them: finer batches for more workers can change the answer, so it cuts
// again (without sizing the source again) until the count settles, at most
// three times. asked is the window as given, for the printed answer.
func (p *Planned) FitWindow(ctx context.Context, src Source, tables []*catalog.Table, d time.Duration, asked string, now time.Time, perProcess int) error {
	doc := p.Doc
	var fit planner.Fit
	for range 3 {
		fit = planner.FitWindow(&planner.Plan{Batches: doc.Batches}, p.Model, d.Seconds(), MaxFitWorkers)
		// When nothing fits, the plan stays cut for run.workers: cutting it
		// for the most workers tried would only store a huge plan.
		if !fit.Fits || fit.Workers == doc.Summary.Workers {
			break
		}
		if err := p.recut(ctx, src, tables, fit.Workers); err != nil {
			return err
		}
	}
	fit = planner.FitWindow(&planner.Plan{Batches: doc.Batches}, p.Model, d.Seconds(), MaxFitWorkers)
	doc.Estimate = p.EstimateWith(p.Model, fit.Workers)
	per := max(perProcess, 1)
	doc.Estimate.Fit = &planner.WindowFit{Asked: asked, Until: now.Add(d), Fit: fit, Processes: (fit.Workers + per - 1) / per}
	return nil
}

// recut rebuilds the batches for workers from the sizes already measured.
func (p *Planned) recut(ctx context.Context, src Source, tables []*catalog.Table, workers int) error {
	model := p.Model
	opt := planner.Options{BatchRows: p.opt.BatchRows, Workers: workers, Cost: &model}
	sized, err := Cut(ctx, src, tables, p.Sizes, opt, p.opt.parallel())
	if err != nil {
		return fmt.Errorf("cut the plan again for %d workers: %w", workers, err)
	}
	p.Doc.Batches = sized.Plan.Batches
	p.Doc.Fingerprint = planner.Fingerprint(sized.Plan)
	p.Doc.Summary = planner.Summarize(sized.Plan, sized.Sizes, workers)
	return nil
}

// Store records the plan in the ledger as a new active run of configFP and
// accepts this binary (version) and these run settings (runFP) for it: the
// version gate every process then passes.
func (p *Planned) Store(ctx context.Context, l *checkpoint.Ledger, configFP, version, runFP string) (*checkpoint.Run, error) {
	doc := p.Doc
	raw, err := doc.Marshal()
	if err != nil {
		return nil, err
	}
	batches := make([]checkpoint.NewBatch, len(doc.Batches))
	for i, b := range doc.Batches {
		batches[i] = checkpoint.NewBatch{ID: b.ID, Table: b.Table, Tenants: b.Tenants, Lo: b.Lo, Hi: b.Hi, EstRows: b.Rows, EstBytes: b.Bytes}
	}
	id, err := l.CreateRun(ctx, configFP, doc.Fingerprint, raw, batches)
	if err != nil {
		return nil, fmt.Errorf("store the plan: %w", err)
	}
	if err := l.Accept(ctx, id, version, runFP); err != nil {
		return nil, fmt.Errorf("accept version %s for run %d: %w", version, id, err)
	}
	doc.RunID = id
	return l.ActiveRun(ctx)
}

// LedgerBatches turns planned batches into the engine's batch records, for
// a MemLedger.
func LedgerBatches(bs []planner.Batch) []*checkpoint.Batch {
	out := make([]*checkpoint.Batch, len(bs))
	for i, b := range bs {
		out[i] = &checkpoint.Batch{ID: b.ID, Table: b.Table, Tenants: b.Tenants, Lo: b.Lo, Hi: b.Hi, EstRows: b.Rows, EstBytes: b.Bytes}
	}
	return out
}

// TargetWarnings says what about the target's InnoDB settings makes the
// night slower than a rolled-back rehearsal measures, for data of about
// bytes:
//   - a redo log smaller than the data: each time the copy wraps it, InnoDB
//     must flush dirty pages before it can go on (the 2M-row bench, 335 MB:
//     12.8 and 13.4 s with a 96 MB redo log, 12.3 s twice with 638 MB);
//   - a buffer pool smaller than the data: later batches write into indexes
//     that no longer fit in memory.
//
// Both are settings a DBA raises for a bulk load. Unknown sizes warn nothing.
func TargetWarnings(ctx context.Context, tgt ServerSettings, bytes int64) []string {
	var out []string
	if redo, name := tgt.RedoLogCapacity(ctx); redo > 0 && bytes > redo {
		out = append(out, fmt.Sprintf("the data (about %s before indexes) is larger than the target's redo log (%s = %s): the copy wraps it about %d times, and each wrap makes InnoDB flush pages before it goes on, which a rolled-back rehearsal does not measure, so the estimate is low; for the night raise %s to at least %s (it is dynamic on MariaDB 10.9+ and MySQL 8.0.30+)",
			humanMB(bytes), name, humanMB(redo), bytes/redo, name, humanMB(bytes)))
	}
	if pool := tgt.BufferPoolSize(ctx); pool > 0 && bytes > pool {
		out = append(out, fmt.Sprintf("the data (about %s before indexes) is larger than the target's buffer pool (%s): late batches are slower than a rehearsal on empty tables measures, so the estimate is low; after a dress rehearsal on staging, `cutover rehearse --from-run N` calibrates on real batch times",
			humanMB(bytes), humanMB(pool)))
	}
	return out
}

func humanMB(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/1e6) }

// unownedResult is what countRows found: rows per table, nil when the
// source cannot count them.
type unownedResult struct {
	rows map[string]int64
	err  error
}

// countRows counts, where the source can, every row of each tenant table.
func countRows(ctx context.Context, src Source, tables []*catalog.Table) unownedResult {
	c, ok := src.(RowCounter)
	if !ok {
		return unownedResult{}
	}
	out := unownedResult{rows: map[string]int64{}}
	for _, t := range tables {
		if t.Shared {
			continue
		}
		n, err := c.RowCount(ctx, t)
		if err != nil {
			return unownedResult{err: fmt.Errorf("count the rows of %s: %w", t.Name, err)}
		}
		out.rows[t.Name] = n
	}
	return out
}

// unownedWarnings names the tables with rows that belong to no tenant (a NULL
// tenant column, or a via reference that finds no parent): all rows minus the
// rows the sizing found per tenant. They are in no batch and are not copied.
func unownedWarnings(tables []*catalog.Table, sizes []planner.Size, rows map[string]int64) []string {
	if rows == nil {
		return nil
	}
	owned := map[string]int64{}
	for _, sz := range sizes {
		owned[sz.Table] += sz.Rows
	}
	var out []string
	for _, t := range tables {
		all, ok := rows[t.Name]
		if !ok || t.Shared {
			continue
		}
		if n := all - owned[t.Name]; n > 0 {
			out = append(out, fmt.Sprintf("%d rows of %s belong to no tenant (NULL tenant or no parent row) and are not copied", n, t.Name))
		}
	}
	return out
}

// chooseRange batches by range, in res.Tables, the tables of res.MayRange
// that rangeHints would point at (rangeFaster), and returns the choices.
func chooseRange(res *Resolution, sizes []planner.Size, batchRows int64) []planner.RangeChoice {
	rows := rowsByTable(sizes)
	var out []planner.RangeChoice
	for _, t := range res.Tables {
		if !res.MayRange[t.Name] || t.Shared || !rangeFaster(t, rows[t.Name], batchRows) {
			continue
		}
		t.Ranged = true
		out = append(out, planner.RangeChoice{Table: t.Name, Why: fmt.Sprintf(
			"%d rows reached through %s, more than 10 batches of run.batch_rows, and the run moves every tenant: key ranges read and insert in key order, where tenant batches look up each row through the parent",
			rows[t.Name], t.Via.Parent)})
	}
	return out
}

// AdoptPlan marks Ranged the tables run's stored plan chose to batch by
// range (Doc.Ranged), so that every command after plan copies, verifies and
// repairs them as the plan cut them, without deciding again.
func AdoptPlan(tables []*catalog.Table, run *checkpoint.Run) error {
	if run == nil {
		return nil
	}
	doc, err := planner.ParseDoc(run.Plan)
	if err != nil {
		return fmt.Errorf("run %d: %w", run.ID, err)
	}
	byName := TableMap(tables)
	for _, c := range doc.Ranged {
		if t := byName[c.Table]; t != nil && t.Via != nil && !t.Shared {
			t.Ranged = true
		}
	}
	return nil
}

func rowsByTable(sizes []planner.Size) map[string]int64 {
	rows := map[string]int64{}
	for _, sz := range sizes {
		rows[sz.Table] += sz.Rows
	}
	return rows
}

// rangeFaster is when a full run copies t faster by key range: a table
// reached through a parent, batched by tenant, of more than 10 batches.
func rangeFaster(t *catalog.Table, rows, batchRows int64) bool {
	return t.Via != nil && !t.Ranged && rows > 10*batchRows
}

// rangeHints points at the tables reached through a parent that a full run
// would copy faster by key range: a tenant batch of such a table finds its rows
// through an index, one random read per row on the source and one random
// insert per row in the target (measured by make bench: 7x slower than key
// ranges once the table outgrows the buffer pool).
func rangeHints(tables []*catalog.Table, sizes []planner.Size, batchRows int64) []string {
	rows := rowsByTable(sizes)
	var out []string
	for _, t := range tables {
		if rangeFaster(t, rows[t.Name], batchRows) {
			out = append(out, fmt.Sprintf("table %s (%d rows) is batched by tenant through %s: `batching: range` on it copies every tenant's rows in key order, much faster when the run moves every tenant", t.Name, rows[t.Name], t.Via.Parent))
		}
	}
	return out
}

// absentTenants are the listed tenant ids the sizing found no rows of.
func absentTenants(ids []string, sizes []planner.Size) []string {
	if len(ids) == 0 {
		return nil
	}
	found := map[string]bool{}
	for _, sz := range sizes {
		found[sz.Tenant] = true
	}
	var absent []string
	for _, id := range ids {
		if !found[id] {
			absent = append(absent, id)
		}
	}
	return absent
}

func abbreviate(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:n], ", ") + fmt.Sprintf(" and %d more", len(ids)-n)
}

// RefusePlanOver keeps `cutover plan` from replacing the active run of l by
// accident: without replan, a run with a started batch is a *ConfigError
// (`cutover run` resumes it); with replan, one whose processes still copy
// (RefuseReplanWhileLive). No active run, or one not started, is no error.
func RefusePlanOver(ctx context.Context, l *checkpoint.Ledger, replan bool, lease time.Duration) error {
	active, err := l.ActiveRun(ctx)
	if err != nil {
		return fmt.Errorf("read the active run: %w", err)
	}
	if active == nil {
		return nil
	}
	if replan {
		// Replacing a run that processes are copying would stop them mid-way:
		// stop them first, as run --replan requires.
		return RefuseReplanWhileLive(ctx, l, active, lease)
	}
	st, err := l.Status(ctx, active, 0)
	if err != nil {
		return fmt.Errorf("read the status of run %d: %w", active.ID, err)
	}
	if started := st.TotalBatches - st.Batches[checkpoint.Pending.String()]; started > 0 {
		return configErr("run %d is in progress (%d of %d batches started): `cutover run` resumes it; `cutover plan --replan` discards it and plans anew", active.ID, started, st.TotalBatches)
	}
	return nil
}
