package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/preflight"
	"github.com/cutover/cutover/migrate"
)

// preflightReport is the --json form of a preflight.
type preflightReport struct {
	Blocking int                 `json:"blocking"`
	Warnings int                 `json:"warnings"`
	Findings []preflight.Finding `json:"findings"`
}

// cmdPreflight scans the source for what the copy would lose or refuse,
// against the target's columns where the target tables exist. It writes
// nothing anywhere. Blocking findings exit 2 with a one-line summary naming
// the worst; warnings alone exit 0.
func (a *app) cmdPreflight(ctx context.Context, args []string) error {
	fs := a.flags("preflight")
	cfgPath := fs.String("config", "", "config file (YAML)")
	asJSON := fs.Bool("json", false, "print the findings as JSON")
	sample := new(float64)
	fs.Var(percentValue{sample}, "sample", "scan about this percentage of each table, such as 2% or 2, instead of all of it (Oracle: SAMPLE(PCT); MySQL: evenly spaced key ranges of a one-column integer key; default: full scan)")
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
	findings, err := a.preflightFindings(ctx, cfg, ep, *sample)
	if err != nil {
		return err
	}
	preflight.Sort(findings)
	rep := preflightReport{Blocking: preflight.Count(findings, preflight.Blocking), Warnings: preflight.Count(findings, preflight.Warning), Findings: findings}
	if rep.Findings == nil {
		rep.Findings = []preflight.Finding{}
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if len(findings) > 0 {
		fmt.Fprint(a.stdout, preflight.Format(findings))
	}
	if rep.Blocking > 0 {
		return usageError{errors.New(preflight.Summary(findings))}
	}
	if !*asJSON {
		fmt.Fprintf(a.stdout, "preflight: no blocking findings (%d warnings) in %d tables\n", rep.Warnings, len(cfg.Tables))
	}
	return nil
}

// preflightFindings are the source's database-wide checks, the checks of
// every table with the run's own resolution, and the indexes a run would
// defer.
func (a *app) preflightFindings(ctx context.Context, cfg *config.Config, ep endpoints, sample float64) ([]preflight.Finding, error) {
	out, err := sourceChecks(ctx, ep.src, cfg, 0)
	if err != nil {
		return nil, fmt.Errorf("preflight: %w", err)
	}
	fs, res, err := migrate.Preflight(ctx, ep.src, ep.tgt, spec(cfg), cfg.Tenant.IDs, sample)
	if err != nil {
		return nil, err
	}
	out = append(out, fs...)
	if res == nil {
		return out, nil // the run refuses the config: a finding already
	}
	fs, err = migrate.DeferralFindings(ctx, deferSettings(cfg), ep.tgt, res)
	if err != nil {
		return nil, fmt.Errorf("preflight: %w", err)
	}
	return append(out, fs...), nil
}
