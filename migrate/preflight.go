package migrate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/preflight"
)

// PreflightSource is a source as Preflight needs it.
type PreflightSource interface {
	Describer
	Preflighter
}

// PreflightTargetDB is the target as Preflight needs it.
type PreflightTargetDB interface {
	Describer
	PreflightTarget
}

// Preflight runs the source's checks on every table of spec (tenants and
// sample as PreflightSpec says), then the run's own resolution: its refusal
// (the first problem it meets) is a finding too, even where a check already
// explains it. A table whose where filter the source refuses is not
// scanned (every scan ANDs the filter in): the refusal is its finding. It
// writes nothing. The resolution is returned when the run
// accepts the config, nil when it refuses it.
func Preflight(ctx context.Context, src PreflightSource, tgt PreflightTargetDB, spec Spec, tenants []string, sample float64) ([]preflight.Finding, *Resolution, error) {
	var out []preflight.Finding
	for _, tc := range spec.Tables {
		refusal, err := filterRefusal(ctx, src, tc)
		if err != nil {
			return nil, nil, fmt.Errorf("preflight %s: %w", tc.Name, err)
		}
		if refusal != "" {
			out = append(out, preflight.Finding{Severity: preflight.Blocking, Table: tc.Name, Check: "where",
				Message: fmt.Sprintf("where %q does not run on the source: %s; the table's values were not scanned", tc.Where, refusal)})
			continue
		}
		fs, err := src.PreflightTable(ctx, tgt, PreflightSpec{Table: tc, TenantColumn: spec.TenantColumn, Tenants: tenants, SamplePercent: sample})
		if err != nil {
			return nil, nil, fmt.Errorf("preflight %s: %w", tc.Name, err)
		}
		out = append(out, fs...)
	}
	res, err := Resolve(ctx, spec, src, tgt, true)
	var ce *ConfigError
	switch {
	case errors.As(err, &ce):
		out = append(out, preflight.Finding{Severity: preflight.Blocking, Check: "config", Message: "the run refuses the config: " + ce.Msg})
		return out, nil, nil
	case err != nil:
		return nil, nil, err
	case !src.PreflightChecksIndexes():
		// The source's checks do not look at indexes: the resolution's
		// advice is the index check.
		for _, w := range res.Warnings {
			out = append(out, preflight.Finding{Severity: preflight.Warning, Check: "index", Message: w})
		}
	}
	return out, res, nil
}

// filterRefusal tries tc's where filter, which every scan of the table
// ANDs in, before the scans: the source's refusal of it ("" when it runs,
// when there is none, or when the table does not exist, which the table's
// own checks report, as they report one the source cannot describe).
func filterRefusal(ctx context.Context, src PreflightSource, tc TableSpec) (string, error) {
	fc, ok := src.(FilterChecker)
	if !ok || tc.Where == "" {
		return "", nil
	}
	info, err := src.Describe(ctx, tc.Name)
	if err != nil {
		return "", nil // PreflightTable describes it again and reports what it finds
	}
	refusal, err := fc.CheckFilter(ctx, &catalog.Table{Name: info.Name, Target: tc.TargetName(), Shared: true, Where: tc.Where})
	if err != nil {
		return "", fmt.Errorf("try the where filter: %w", err)
	}
	return refusal, nil
}

// CreateTables creates the target tables res found missing, from the source
// definition (`run --create-tables`).
func CreateTables(ctx context.Context, src SchemaSource, tgt SchemaTarget, res *Resolution, log *slog.Logger) error {
	missing := map[string]bool{}
	for _, m := range res.Missing {
		missing[m] = true
	}
	for _, t := range res.Tables {
		if !missing[t.Target] {
			continue
		}
		ddl, err := src.CreateTableDDL(ctx, t.Name, tgt.SchemaName(), t.Target)
		if err != nil {
			return err
		}
		if ddl, err = overrideTypes(ddl, t); err != nil {
			return err
		}
		if err := tgt.ExecDDL(ctx, ddl); err != nil {
			return fmt.Errorf("create target table %s: %w", t.Target, err)
		}
		log.Info("created target table", "table", t.Target)
	}
	return nil
}

// PreflightTargetAll is the target as PreflightAll needs it.
type PreflightTargetAll interface {
	PreflightTargetDB
	DeferralTarget
}

// PreflightAll is the whole preflight of a config: the source's
// database-wide checks on tables (when it has them: SourceChecker), Preflight,
// and the indexes a run would defer. It writes nothing.
func PreflightAll(ctx context.Context, src PreflightSource, tgt PreflightTargetAll, spec Spec, tables, tenants []string, sample float64, d DeferSettings) ([]preflight.Finding, error) {
	var out []preflight.Finding
	if c, ok := src.(SourceChecker); ok {
		fs, err := c.Checks(ctx, tables, 0)
		if err != nil {
			return nil, fmt.Errorf("preflight: %w", err)
		}
		out = fs
	}
	fs, res, err := Preflight(ctx, src, tgt, spec, tenants, sample)
	if err != nil {
		return nil, err
	}
	out = append(out, fs...)
	if res == nil {
		return out, nil // the run refuses the config: a finding already
	}
	fs, err = DeferralFindings(ctx, d, tgt, res)
	if err != nil {
		return nil, fmt.Errorf("preflight: %w", err)
	}
	return append(out, fs...), nil
}
