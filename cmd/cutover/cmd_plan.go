package main

import (
	"context"
	"time"

	"github.com/cutover/cutover/internal/cli"
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
	p, err := migrate.DraftPlan(ctx, migrate.DraftOptions{
		Source: ep.src, Target: ep.tgt, Resolution: res, Tables: cfg.TableNames(),
		Within: within, Asked: asked, Now: time.Now(), PerProcess: perProcess,
		Plan: migrate.Planner(ep.src, ep.tgt, cfg.PlanSettings()),
	})
	if err != nil {
		return classify(err)
	}
	if *svgPath != "" {
		svg, err := p.Doc.GanttSVG()
		if err != nil {
			return err
		}
		if err := a.writeOut("svg", *svgPath, svg); err != nil {
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
	if err := p.StoreOver(ctx, l, *replan, cfg.Run.Lease.Duration, cfg.PlanFingerprint(), binaryVersion(), cfg.RunFingerprint()); err != nil {
		return classify(err)
	}
	if *asJSON {
		return cli.WriteJSON(a.stdout, p.Doc)
	}
	p.Doc.WritePlan(a.stdout, perProcess)
	return nil
}

// commas formats n with thousands separators.
func commas(n int64) string { return planner.Thousands(n) }

// window is planner.Window; its errors are usage errors (exit 2).
func window(deadline, win string, now time.Time) (time.Duration, string, error) {
	d, asked, err := planner.Window(deadline, win, now)
	return d, asked, asUsage(err)
}
