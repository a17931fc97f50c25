package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

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
	if err := migrate.PlanChecks(ctx, ep.src, tableNames(cfg), doc); err != nil {
		return classify(err)
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
	if err := migrate.RefusePlanOver(ctx, l, *replan, cfg.Run.Lease.Duration); err != nil {
		return classify(err)
	}
	if _, err := p.Store(ctx, l, cfg.PlanFingerprint(), binaryVersion(), cfg.RunFingerprint()); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	doc.WriteText(a.stdout)
	if doc.Estimate != nil {
		fmt.Fprintln(a.stdout, doc.Estimate.Text(perProcess))
	}
	return nil
}

// sourceChecks is migrate.SourceChecks on the configured tables.
func sourceChecks(ctx context.Context, src migrate.Source, cfg *config.Config, estimate time.Duration) ([]preflight.Finding, error) {
	return migrate.SourceChecks(ctx, src, tableNames(cfg), estimate)
}

// tableNames are the configured tables' names.
func tableNames(cfg *config.Config) []string {
	names := make([]string, len(cfg.Tables))
	for i, t := range cfg.Tables {
		names[i] = t.Name
	}
	return names
}

// commas formats n with thousands separators.
func commas(n int64) string { return planner.Thousands(n) }

// dur prints estimated seconds for people: 3h25m, 4m10s, 12.3s, 78ms.
func dur(sec float64) string { return planner.Human(sec) }

// window is planner.Window; its errors are usage errors (exit 2).
func window(deadline, win string, now time.Time) (time.Duration, string, error) {
	d, asked, err := planner.Window(deadline, win, now)
	return d, asked, asUsage(err)
}

// writePlanSVG draws doc's estimated schedule as a Gantt chart into path.
func (a *app) writePlanSVG(path string, doc *planner.Doc) error {
	var buf bytes.Buffer
	if err := doc.WriteGantt(&buf); err != nil {
		return fmt.Errorf("draw the plan: %w", err)
	}
	return a.writeOut("svg", path, buf.Bytes())
}
