package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/cutover/cutover/internal/cli"
	"github.com/cutover/cutover/internal/preflight"
	"github.com/cutover/cutover/migrate"
)

// cmdPreflight scans the source for what the copy would lose or refuse,
// against the target's columns where the target tables exist. It writes
// nothing anywhere. Blocking findings exit 2 with a one-line summary naming
// the worst; warnings alone exit 0.
func (a *app) cmdPreflight(ctx context.Context, args []string) error {
	fs := a.flags("preflight")
	cfgPath := fs.String("config", "", "config file (YAML)")
	asJSON := fs.Bool("json", false, "print the findings as JSON")
	sample := new(float64)
	fs.Var(cli.Percent{P: sample}, "sample", "scan about this percentage of each table, such as 2% or 2, instead of all of it (Oracle: SAMPLE(PCT); MySQL: evenly spaced key ranges of a one-column integer key; default: full scan)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *sample < 0 || *sample >= 100 {
		return usagef("--sample %v%%: want a percentage below 100 (leave --sample out for a full scan)", *sample)
	}
	cfg, err := a.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	ep, err := a.open(ctx, cfg, 4)
	if err != nil {
		return err
	}
	defer ep.Close()
	findings, err := migrate.PreflightAll(ctx, ep.src, ep.tgt, cfg.ResolveSpec(), cfg.TableNames(), cfg.Tenant.IDs, *sample, cfg.DeferSettings())
	if err != nil {
		return err
	}
	rep := preflight.NewReport(findings)
	if *asJSON {
		if err := cli.WriteJSON(a.stdout, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprint(a.stdout, rep.Text(len(cfg.Tables)))
	}
	if rep.Blocking > 0 {
		return usageError{errors.New(preflight.Summary(rep.Findings))}
	}
	return nil
}
