package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/internal/oracle"
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

// preflightFindings runs the source driver's checks on every configured
// table, then the run's own resolution: its refusal (the first problem it
// meets) is a finding too, even where a check already explains it.
func (a *app) preflightFindings(ctx context.Context, cfg *config.Config, ep *endpoints, sample float64) ([]preflight.Finding, error) {
	out, err := oracleChecks(ctx, ep.src, cfg, 0)
	if err != nil {
		return nil, fmt.Errorf("preflight: %w", err)
	}
	for _, tc := range cfg.Tables {
		var fs []preflight.Finding
		var err error
		switch src := ep.src.(type) {
		case *oracle.Source:
			fs, err = oraclePreflight(ctx, src, ep.tgt, cfg, tc, sample)
		default:
			fs, err = mysqlPreflight(ctx, ep.mysqlSrc, ep.tgt, cfg, tc, sample)
		}
		if err != nil {
			return nil, fmt.Errorf("preflight %s: %w", tc.Name, err)
		}
		out = append(out, fs...)
	}
	res, err := migrate.Resolve(ctx, cfg, ep.src, ep.tgt, true)
	var ce *migrate.ConfigError
	switch {
	case errors.As(err, &ce):
		out = append(out, preflight.Finding{Severity: preflight.Blocking, Check: "config", Message: "the run refuses the config: " + ce.Msg})
	case err != nil:
		return nil, err
	case cfg.Source.Driver == "oracle":
		// The MySQL checks look at indexes themselves; for Oracle the
		// resolution's advice is the index check.
		for _, w := range res.Warnings {
			out = append(out, preflight.Finding{Severity: preflight.Warning, Check: "index", Message: w})
		}
	}
	if err == nil {
		fs, err := deferralFindings(ctx, cfg, ep.tgt, res)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

// targetTable resolves a configured target name in the target, ignoring case
// when that is unambiguous; a missing table is returned as named.
func targetTable(ctx context.Context, tgt *mysqldb.DB, name string) (string, error) {
	names, err := tgt.TableNames(ctx)
	if err != nil {
		return "", err
	}
	got, err := catalog.MatchName(name, names)
	if errors.Is(err, catalog.ErrNotFound) {
		return name, nil
	}
	return got, err
}

func mysqlPreflight(ctx context.Context, src, tgt *mysqldb.DB, cfg *config.Config, tc config.Table, sample float64) ([]preflight.Finding, error) {
	target, err := targetTable(ctx, tgt, tc.TargetName())
	if err != nil {
		return nil, err
	}
	pt := mysqldb.PreflightTable{Source: tc.Name, Target: target, Key: tc.Key, SamplePercent: sample}
	switch {
	case tc.Tenant.None:
	case tc.Tenant.Via != "":
		pt.ViaOn = tc.Tenant.On
		pt.Parent, pt.ParentOn, pt.ParentTenant = tc.Tenant.Via, cmp.Or(tc.Tenant.Parent, tc.Tenant.On), cfg.Tenant.Column
	default:
		pt.TenantColumn = cfg.Tenant.Column
	}
	if !tc.Tenant.None {
		pt.Tenants = cfg.Tenant.IDs // what the run copies; none: every tenant
	}
	return mysqldb.Preflight(ctx, src, tgt, pt)
}

func oraclePreflight(ctx context.Context, src *oracle.Source, tgt *mysqldb.DB, cfg *config.Config, tc config.Table, sample float64) ([]preflight.Finding, error) {
	info, err := src.Describe(ctx, tc.Name)
	if errors.Is(err, catalog.ErrNotFound) {
		return []preflight.Finding{{Severity: preflight.Blocking, Table: tc.Name, Check: "missing-table", Message: fmt.Sprintf("table %s does not exist in the source", tc.Name)}}, nil
	}
	if err != nil {
		return nil, err
	}
	target, err := targetTable(ctx, tgt, tc.TargetName())
	if err != nil {
		return nil, err
	}
	var out []preflight.Finding
	var targets map[string]oracle.Target
	cols, err := tgt.Columns(ctx, target)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		out = append(out, preflight.Finding{Severity: preflight.Info, Table: info.Name, Check: "missing-table",
			Message: fmt.Sprintf("target table %s does not exist: checked against the types `run --create-tables` would create", target)})
	case err != nil:
		return nil, err
	default:
		targets = oracleTargets(info, cols)
	}
	packet, err := tgt.MaxAllowedPacket(ctx)
	if err != nil {
		return nil, err
	}
	fs, err := src.Preflight(ctx, info.Name, targets, oracle.PreflightOptions{SamplePercent: sample, MaxAllowedPacket: packet})
	if err != nil {
		return nil, err
	}
	return append(out, fs...), nil
}

// oracleTargets pairs each Oracle column with its MySQL target column, by
// name ignoring case (Oracle's are upper case). Columns without a target, or
// with several, are left out: resolution reports them as config findings.
func oracleTargets(info *catalog.Info, cols []mysqldb.ColumnDef) map[string]oracle.Target {
	byName := make(map[string]mysqldb.ColumnDef, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		byName[c.Name], names[i] = c, c.Name
	}
	out := map[string]oracle.Target{}
	for _, c := range info.Columns {
		n, err := catalog.MatchName(c.Name, names)
		if err != nil {
			continue
		}
		tc := byName[n]
		out[c.Name] = oracle.Target{Type: tc.ColumnType, NotNull: !tc.Nullable, AutoIncrement: tc.AutoIncrement}
	}
	return out
}
