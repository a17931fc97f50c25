package oracle

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqltype"
	"github.com/cutover/cutover/internal/preflight"
	"github.com/cutover/cutover/migrate"
)

// What the core consumes of an Oracle source beyond copying rows (the
// interfaces are in migrate/capabilities.go).
var (
	_ migrate.SnapshotPinner = (*Source)(nil)
	_ migrate.SchemaSource   = (*Source)(nil)
	_ migrate.Preflighter    = (*Source)(nil)
	_ migrate.SourceChecker  = (*Source)(nil)
)

// AtSCN returns a source that reads as of scn, sharing s's connections (the
// dictionary is read again as it is needed). Close s, not both.
func (s *Source) AtSCN(scn uint64) migrate.Source {
	opts := s.opts
	opts.SCN = scn
	return &Source{db: s.db, opts: opts, owner: s.owner, scn: scn, tables: map[string]*tableMeta{}}
}

var createTableName = regexp.MustCompile("(?m)^CREATE TABLE `[^`]+`")

// CreateTableDDL is the MySQL CREATE TABLE for an Oracle table, from the
// live dictionary, named name (unqualified: the target's own schema).
func (s *Source) CreateTableDDL(ctx context.Context, table, _, name string) (string, error) {
	ddl, _, err := s.SchemaDDL(ctx, []string{table}, DDLOptions{})
	if err != nil {
		return "", fmt.Errorf("create table %s from the Oracle dictionary: %w", name, err)
	}
	return createTableName.ReplaceAllLiteralString(ddl, "CREATE TABLE "+mysqltype.Quote(name)), nil
}

// PreflightChecksIndexes: the Oracle checks do not look at indexes; the
// run's resolution advises on them.
func (s *Source) PreflightChecksIndexes() bool { return false }

// PreflightTable checks one Oracle table against its MySQL target columns,
// or, when the target table does not exist yet, against the types `run
// --create-tables` would create: the override's where one is set, else the
// mapping's.
func (s *Source) PreflightTable(ctx context.Context, tgt migrate.PreflightTarget, t migrate.PreflightSpec) ([]preflight.Finding, error) {
	name := t.Table.Name
	info, err := s.Describe(ctx, name)
	if errors.Is(err, catalog.ErrNotFound) {
		return []preflight.Finding{{Severity: preflight.Blocking, Table: name, Check: "missing-table", Message: fmt.Sprintf("table %s does not exist in the source", name)}}, nil
	}
	if err != nil {
		return nil, err
	}
	target, err := migrate.TargetTableName(ctx, tgt, t.Table.TargetName())
	if err != nil {
		return nil, fmt.Errorf("find target table %s: %w", t.Table.TargetName(), err)
	}
	var out []preflight.Finding
	var targets map[string]Target
	cols, err := tgt.TargetColumns(ctx, target)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		out = append(out, preflight.Finding{Severity: preflight.Info, Table: info.Name, Check: "missing-table",
			Message: fmt.Sprintf("target table %s does not exist: checked against the types `run --create-tables` would create", target)})
		targets = overrideTargets(info, t.Table.Override)
	case err != nil:
		return nil, err
	default:
		targets = columnTargets(info, cols)
	}
	packet, err := tgt.MaxAllowedPacket(ctx)
	if err != nil {
		return nil, err
	}
	fs, err := s.Preflight(ctx, info.Name, targets, PreflightOptions{SamplePercent: t.SamplePercent, MaxAllowedPacket: packet, Where: t.Table.Where})
	if err != nil {
		return nil, err
	}
	return append(out, fs...), nil
}

// overrideTargets are the target columns of the overridden columns of a
// table `run --create-tables` creates: the override's type in place of the
// mapping's (PlanChecks maps the others). An override naming no column, or
// several, is left out: resolution reports it as a config finding.
func overrideTargets(info *catalog.Info, override map[string]string) map[string]Target {
	if len(override) == 0 {
		return nil
	}
	out := make(map[string]Target, len(override))
	for name, typ := range override {
		c, err := info.FindColumn(name)
		if err != nil {
			continue
		}
		out[c.Name] = Target{Type: mysqltype.Normal(typ)}
	}
	return out
}

// columnTargets pairs each Oracle column with its MySQL target column, by
// name ignoring case (Oracle's are upper case). Columns without a target, or
// with several, are left out: resolution reports them as config findings.
func columnTargets(info *catalog.Info, cols []migrate.TargetColumn) map[string]Target {
	byName := make(map[string]migrate.TargetColumn, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		byName[c.Name], names[i] = c, c.Name
	}
	out := map[string]Target{}
	for _, c := range info.Columns {
		n, err := catalog.MatchName(c.Name, names)
		if err != nil {
			continue
		}
		tc := byName[n]
		out[c.Name] = Target{Type: tc.Type, NotNull: !tc.Nullable, AutoIncrement: tc.AutoIncrement}
	}
	return out
}
