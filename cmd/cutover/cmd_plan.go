package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// session is a command's opened databases and resolved tables.
type session struct {
	cfg    *config.Config
	ep     *endpoints
	res    *migrate.Resolution
	ledger *checkpoint.Ledger
}

func (s *session) Close() { s.ep.Close() }

// prepare opens both databases and resolves the configured tables. Nothing is
// written. allowMissing lets target tables be absent (plan, --create-tables).
func (a *app) prepare(ctx context.Context, cfg *config.Config, allowMissing bool, conns int) (*session, error) {
	ep, err := a.open(ctx, cfg, conns)
	if err != nil {
		return nil, err
	}
	res, err := migrate.Resolve(ctx, cfg, ep.src, ep.tgt, allowMissing)
	if err != nil {
		ep.Close()
		return nil, classify(err)
	}
	return &session{cfg: cfg, ep: ep, res: res}, nil
}

// classify turns config findings into usage errors (exit 2).
func classify(err error) error {
	var ce *migrate.ConfigError
	if err != nil && errors.As(err, &ce) {
		return usageError{err}
	}
	return err
}

// openLedger opens (and on first use creates) the ledger: the first write.
func (s *session) openLedger(ctx context.Context) error {
	l, err := checkpoint.Open(ctx, s.ep.tgt.SQL(), s.cfg.Target.LedgerSchema)
	if err != nil {
		return err
	}
	s.ledger = l
	return nil
}

// planDoc is a plan made in this process: its stored and printed form
// (planner.Doc) and what it was made from.
type planDoc struct {
	planner.Doc

	sizes []planner.Size // measured, for estimates and for cutting again
	model planner.Model  // the cost model the batches were cut with
	calib *checkpoint.Calibration
}

// makePlan sizes the source and builds the plan; it writes nothing.
func (a *app) makePlan(ctx context.Context, s *session) (*planDoc, error) {
	model, calib, err := a.costModel(ctx, s)
	if err != nil {
		return nil, err
	}
	opt := planner.Options{BatchRows: s.cfg.Run.BatchRows, Workers: s.cfg.Run.Workers, Cost: &model}
	// Every table's row count, to tell how many rows belong to no tenant, is
	// taken beside the sizing.
	unowned := make(chan unownedResult, 1)
	go func() {
		if len(s.cfg.Tenant.IDs) > 0 {
			// Sizes then cover the listed tenants only; the rest are not
			// "no tenant" rows.
			unowned <- unownedResult{}
			return
		}
		unowned <- countRows(ctx, s)
	}()
	sized, err := migrate.BuildPlan(ctx, s.ep.src, s.res.Tables, s.cfg.Tenant.IDs, opt, min(s.cfg.Run.Workers, 4))
	un := <-unowned
	if err != nil {
		return nil, err
	}
	if un.err != nil {
		return nil, un.err
	}
	doc := &planDoc{
		Doc: planner.Doc{
			Fingerprint: planner.Fingerprint(sized.Plan),
			Summary:     planner.Summarize(sized.Plan, sized.Sizes, s.cfg.Run.Workers),
			Warnings:    append([]string{}, s.res.Warnings...),
			Batches:     sized.Plan.Batches,
			SCN:         snapshotSCN(s.ep.src),
		},
		sizes: sized.Sizes,
		model: model,
		calib: calib,
	}
	if doc.Deferred, err = planDeferral(ctx, s.cfg, s.ep.tgt, s.res.Tables, s.res.Missing); err != nil {
		return nil, err
	}
	doc.Estimate = estimate(doc, model, s.cfg.Run.Workers)
	for _, m := range s.res.Missing {
		doc.Warnings = append(doc.Warnings, fmt.Sprintf("target table %s does not exist yet: `cutover run --create-tables` creates it", m))
	}
	doc.Warnings = append(doc.Warnings, unownedWarnings(s.res.Tables, sized.Sizes, un.rows)...)
	if len(s.cfg.Tenant.IDs) == 0 {
		doc.Warnings = append(doc.Warnings, rangeHints(s.res.Tables, sized.Sizes, s.cfg.Run.BatchRows)...)
	}
	if len(s.cfg.Tenant.IDs) > 0 {
		found := map[string]bool{}
		for _, sz := range sized.Sizes {
			found[sz.Tenant] = true
		}
		var absent []string
		for _, id := range s.cfg.Tenant.IDs {
			if !found[id] {
				absent = append(absent, id)
			}
		}
		if len(absent) > 0 {
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("%d tenant ids in tenant.ids have no rows in any table: %s", len(absent), abbreviate(absent, 10)))
		}
	}
	return doc, nil
}

// unownedResult is what countRows found: rows per table, nil when the
// source cannot count them.
type unownedResult struct {
	rows map[string]int64
	err  error
}

// countRows counts, where the source can, every row of each tenant table.
func countRows(ctx context.Context, s *session) unownedResult {
	c, ok := s.ep.src.(interface {
		RowCount(context.Context, *catalog.Table) (int64, error)
	})
	if !ok {
		return unownedResult{}
	}
	out := unownedResult{rows: map[string]int64{}}
	for _, t := range s.res.Tables {
		if t.Shared {
			continue
		}
		n, err := c.RowCount(ctx, t)
		if err != nil {
			return unownedResult{err: err}
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

// rangeHints points at the tables reached through a parent that a full run
// would copy faster by key range: a tenant batch of such a table finds its rows
// through an index, one random read per row on the source and one random
// insert per row in the target (measured by make bench: 7x slower than key
// ranges once the table outgrows the buffer pool).
func rangeHints(tables []*catalog.Table, sizes []planner.Size, batchRows int64) []string {
	rows := map[string]int64{}
	for _, sz := range sizes {
		rows[sz.Table] += sz.Rows
	}
	var out []string
	for _, t := range tables {
		if t.Via != nil && !t.Ranged && rows[t.Name] > 10*batchRows {
			out = append(out, fmt.Sprintf("table %s (%d rows) is batched by tenant through %s: `batching: range` on it copies every tenant's rows in key order, much faster when the run moves every tenant", t.Name, rows[t.Name], t.Via.Parent))
		}
	}
	return out
}

func abbreviate(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:n], ", ") + fmt.Sprintf(" and %d more", len(ids)-n)
}

// storePlan records the plan as a new active run.
func (s *session) storePlan(ctx context.Context, doc *planDoc) (*checkpoint.Run, error) {
	raw, err := doc.Marshal()
	if err != nil {
		return nil, err
	}
	batches := make([]checkpoint.NewBatch, len(doc.Batches))
	for i, b := range doc.Batches {
		batches[i] = checkpoint.NewBatch{ID: b.ID, Table: b.Table, Tenants: b.Tenants, Lo: b.Lo, Hi: b.Hi, EstRows: b.Rows, EstBytes: b.Bytes}
	}
	id, err := s.ledger.CreateRun(ctx, s.cfg.PlanFingerprint(), doc.Fingerprint, raw, batches)
	if err != nil {
		return nil, err
	}
	if err := s.ledger.Accept(ctx, id, binaryVersion(), s.cfg.RunFingerprint()); err != nil { // the version gate: cmd_control.go
		return nil, err
	}
	doc.RunID = id
	return s.ledger.ActiveRun(ctx)
}

func (a *app) cmdPlan(ctx context.Context, args []string) error {
	fs := a.flags("plan")
	cfgPath := fs.String("config", "", "config file (YAML)")
	asJSON := fs.Bool("json", false, "print the plan as JSON")
	replan := fs.Bool("replan", false, "plan anew even when a run is in progress (its done batches are copied again)")
	workers := fs.Int("workers", 0, "estimate for this many workers (default run.workers)")
	deadline := fs.String("deadline", "", "HH:MM local time (next occurrence): print the fewest workers that finish by then")
	win := fs.String("window", "", "duration such as 4h: print the fewest workers that finish within it")
	svgPath := fs.String("svg", "", "write a Gantt chart of the estimated schedule to this SVG file")
	if err := parse(fs, args); err != nil {
		return err
	}
	within, asked, err := window(*deadline, *win, time.Now())
	if err != nil {
		return err
	}
	cfg, err := a.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	perProcess := cfg.Run.Workers
	if *workers != 0 {
		if *workers < 1 || *workers > maxFitWorkers {
			return usagef("--workers must be between 1 and %d", maxFitWorkers)
		}
		cfg.Run.Workers = *workers
	}
	s, err := a.prepare(ctx, cfg, true, min(cfg.Run.Workers, 4)+2)
	if err != nil {
		return err
	}
	defer s.Close()
	doc, err := a.makePlan(ctx, s)
	if err != nil {
		return err
	}
	if within > 0 {
		if err := a.fitWindow(ctx, s, doc, within, asked, time.Now(), perProcess); err != nil {
			return err
		}
	}
	if doc.model.Calibrated && doc.calib != nil && doc.calib.Seconds > 0 {
		// A sampled calibration (--from-run stores no sample time) did not
		// see what these settings cost the night.
		doc.Warnings = append(doc.Warnings, targetWarnings(ctx, s, doc)...)
	}
	if err := a.planChecks(ctx, s, doc); err != nil {
		return err
	}
	if *svgPath != "" {
		if err := writePlanSVG(*svgPath, &doc.Doc); err != nil {
			return err
		}
	}
	if err := s.openLedger(ctx); err != nil {
		return err
	}
	active, err := s.ledger.ActiveRun(ctx)
	if err != nil {
		return err
	}
	if active != nil && *replan {
		// Replacing a run that processes are copying would stop them mid-way:
		// stop them first, as run --replan requires.
		if err := a.refuseReplanWhileLive(ctx, s, active); err != nil {
			return err
		}
	}
	if active != nil && !*replan {
		st, err := s.ledger.Status(ctx, active, 0)
		if err != nil {
			return err
		}
		if started := st.TotalBatches - st.Batches[checkpoint.Pending.String()]; started > 0 {
			return usagef("run %d is in progress (%d of %d batches started): `cutover run` resumes it; `cutover plan --replan` discards it and plans anew", active.ID, started, st.TotalBatches)
		}
	}
	if _, err := s.storePlan(ctx, doc); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(&doc.Doc)
	}
	printPlan(a, doc)
	if doc.Estimate != nil {
		fmt.Fprintln(a.stdout, doc.Estimate.Text(perProcess))
	}
	return nil
}

func printPlan(a *app, doc *planDoc) {
	fmt.Fprintf(a.stdout, "plan %s (run %d)\n%s\n", doc.Fingerprint, doc.RunID, doc.Summary.Text())
	n := min(len(doc.Batches), 5)
	if n > 0 {
		fmt.Fprintf(a.stdout, "largest batches:\n")
		for _, b := range doc.Batches[:n] {
			fmt.Fprintf(a.stdout, "  #%-5d %-16s %10s rows  %s\n", b.ID, b.Table, commas(b.Rows), b.Describe())
		}
	}
	printDeferral(a.stdout, doc.Deferred)
	for _, w := range doc.Warnings {
		fmt.Fprintf(a.stdout, "warning: %s\n", w)
	}
}

// commas formats n with thousands separators.
func commas(n int64) string { return planner.Thousands(n) }
