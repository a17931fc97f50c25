package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/preflight"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

func (a *app) cmdPlan(ctx context.Context, args []string) error {
	fs := a.flags("plan")
	cfgPath := fs.String("config", "", "config file (YAML)")
	asJSON := fs.Bool("json", false, "print the plan as JSON")
	replan := fs.Bool("replan", false, "plan anew even when a run is in progress (its done batches are copied again)")
	workers := fs.Int("workers", 0, "estimate for this many workers (default run.workers)")
	deadline := fs.String("deadline", "", "HH:MM local time (next occurrence): print the fewest workers that finish by then")
	win := fs.String("window", "", "duration such as 4h: print the fewest workers that finish within it")
	svgPath := fs.String("svg", "", "write a Gantt chart of the estimated schedule to this SVG file (- for stdout; the plan text then goes to stderr)")
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
		if *workers < 1 || *workers > migrate.MaxFitWorkers {
			return usagef("--workers must be between 1 and %d", migrate.MaxFitWorkers)
		}
		cfg.Run.Workers = *workers
	}
	ep, res, err := a.prepare(ctx, cfg, true, min(cfg.Run.Workers, 4)+2)
	if err != nil {
		return err
	}
	defer ep.Close()
	p, err := makePlan(ctx, cfg, ep, res)
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	doc := p.Doc
	if within > 0 {
		if err := p.FitWindow(ctx, ep.src, res.Tables, within, asked, time.Now(), perProcess); err != nil {
			return fmt.Errorf("fit the plan to the %s: %w", asked, err)
		}
	}
	if p.Model.Calibrated && p.Calibration != nil && p.Calibration.Seconds > 0 {
		// A sampled calibration (--from-run stores no sample time) did not
		// see what these settings cost the night.
		doc.Warnings = append(doc.Warnings, migrate.TargetWarnings(ctx, ep.tgt, doc.Summary.Bytes)...)
	}
	if err := planChecks(ctx, cfg, ep.src, doc); err != nil {
		return err
	}
	if *svgPath != "" {
		if err := a.writePlanSVG(*svgPath, doc); err != nil {
			return err
		}
		if *svgPath == "-" {
			a.stdout = a.stderr // the SVG owns stdout
		}
	}
	l, err := openLedger(ctx, cfg, ep.tgt)
	if err != nil {
		return err
	}
	active, err := l.ActiveRun(ctx)
	if err != nil {
		return fmt.Errorf("read the active run: %w", err)
	}
	if active != nil && *replan {
		// Replacing a run that processes are copying would stop them mid-way:
		// stop them first, as run --replan requires.
		if err := migrate.RefuseReplanWhileLive(ctx, l, active, cfg.Run.Lease.Duration); err != nil {
			return classify(err)
		}
	}
	if active != nil && !*replan {
		st, err := l.Status(ctx, active, 0)
		if err != nil {
			return fmt.Errorf("read the status of run %d: %w", active.ID, err)
		}
		if started := st.TotalBatches - st.Batches[checkpoint.Pending.String()]; started > 0 {
			return usagef("run %d is in progress (%d of %d batches started): `cutover run` resumes it; `cutover plan --replan` discards it and plans anew", active.ID, started, st.TotalBatches)
		}
	}
	if _, err := p.Store(ctx, l, cfg.PlanFingerprint(), binaryVersion(), cfg.RunFingerprint()); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	printPlan(a, doc)
	if doc.Estimate != nil {
		fmt.Fprintln(a.stdout, doc.Estimate.Text(perProcess))
	}
	return nil
}

func printPlan(a *app, doc *planner.Doc) {
	fmt.Fprintf(a.stdout, "plan %s (run %d)\n%s\n", doc.Fingerprint, doc.RunID, doc.Summary.Text())
	n := min(len(doc.Batches), 5)
	if n > 0 {
		fmt.Fprintf(a.stdout, "largest batches:\n")
		for _, b := range doc.Batches[:n] {
			fmt.Fprintf(a.stdout, "  #%-5d %-16s %10s rows  %s\n", b.ID, b.Table, commas(b.Rows), b.Describe())
		}
	}
	printDeferral(a.stdout, doc.Deferred)
	for _, c := range doc.Ranged {
		fmt.Fprintf(a.stdout, "%s: batching range (chosen: %s); set batching: tenant to keep tenant batches\n", c.Table, c.Why)
	}
	for _, w := range doc.Warnings {
		fmt.Fprintf(a.stdout, "warning: %s\n", w)
	}
}

// sourceChecks runs the source's database-wide checks (grants, undo
// retention against estimate, 0 when unknown, character sets), where it has
// them.
func sourceChecks(ctx context.Context, src migrate.Source, cfg *config.Config, estimate time.Duration) ([]preflight.Finding, error) {
	c, ok := src.(migrate.SourceChecker)
	if !ok {
		return nil, nil
	}
	names := make([]string, len(cfg.Tables))
	for i, t := range cfg.Tables {
		names[i] = t.Name
	}
	return c.Checks(ctx, names, estimate)
}

// planChecks adds the source's checks to a plan: the undo retention against
// the plan's estimated duration, the grants, the character sets. A blocking
// one refuses the plan (exit 2); the others are the plan's warnings.
func planChecks(ctx context.Context, cfg *config.Config, src migrate.Source, doc *planner.Doc) error {
	var estimate time.Duration
	if doc.Estimate != nil {
		estimate = time.Duration(doc.Estimate.Schedule.Makespan * float64(time.Second))
	}
	fs, err := sourceChecks(ctx, src, cfg, estimate)
	if err != nil {
		return err
	}
	for _, f := range fs {
		if f.Severity == preflight.Blocking {
			return usagef("plan: %s", f.Message)
		}
		if f.Severity == preflight.Warning {
			doc.Warnings = append(doc.Warnings, f.Message)
		}
	}
	return nil
}

// commas formats n with thousands separators.
func commas(n int64) string { return planner.Thousands(n) }

// dur prints estimated seconds for people: 3h25m, 4m10s, 12.3s, 78ms.
func dur(sec float64) string { return planner.Human(sec) }

// window turns --deadline HH:MM (its next occurrence, local time) or --window
// D into a duration from now; zero when neither is given.
func window(deadline, win string, now time.Time) (time.Duration, string, error) {
	switch {
	case deadline != "" && win != "":
		return 0, "", usagef("--deadline and --window are alternatives: give one")
	case deadline != "":
		at, err := time.ParseInLocation("15:04", deadline, now.Location())
		if err != nil {
			return 0, "", usagef("--deadline %q: want a local time HH:MM such as 05:00", deadline)
		}
		until := time.Date(now.Year(), now.Month(), now.Day(), at.Hour(), at.Minute(), 0, 0, now.Location())
		if !until.After(now) {
			until = until.AddDate(0, 0, 1)
		}
		return until.Sub(now), deadline, nil
	case win != "":
		d, err := time.ParseDuration(win)
		if err != nil || d <= 0 {
			return 0, "", usagef("--window %q: want a positive duration such as 4h or 90m", win)
		}
		return d, win, nil
	}
	return 0, "", nil
}

// writePlanSVG draws doc's estimated schedule as a Gantt chart into path.
func (a *app) writePlanSVG(path string, doc *planner.Doc) error {
	var buf bytes.Buffer
	if err := doc.WriteGantt(&buf); err != nil {
		return fmt.Errorf("draw the plan: %w", err)
	}
	return a.writeOut("svg", path, buf.Bytes())
}
