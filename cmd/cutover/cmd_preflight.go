package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

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
	sample := fs.Float64("sample", 0, "scan about PCT% of each table instead of all of it (Oracle: SAMPLE(PCT); MySQL: evenly spaced key ranges of a one-column integer key; 0: full scan)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *sample < 0 || *sample >= 100 {
		return usagef("--sample must be at least 0 and below 100, not %v", *sample)
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
	findings, err := migrate.Preflight(ctx, ep.src, ep.tgt, spec(cfg), cfg.Tenant.IDs, *sample)
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
