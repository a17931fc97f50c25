package migrate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/planner"
)

// TableSpec is one configured table as plain values: what Resolve checks
// against both databases. The command line builds it from the config file.
type TableSpec struct {
	Name string
	// Target is the table's name in the target ("" means Name).
	Target string
	// Key is the configured key; empty means the primary key or the first
	// NOT NULL unique key.
	Key []string
	// Shared marks reference data that belongs to no tenant.
	Shared bool
	// Ranged batches a tenant table by key ranges of the whole table.
	Ranged bool
	// BatchingSet says the config gives the batching (tenant or range): plan
	// then keeps it. Unset, plan may batch a table reached through a parent
	// by range (MakePlan).
	BatchingSet bool
	// Via names the configured parent table that carries the tenant column;
	// On is this table's column that references it, ParentOn the parent's.
	Via, On, ParentOn string
	// Exclude names source columns not copied (exclude.go).
	Exclude []string
	// Where filters the source rows (catalog.Table.Where).
	Where string
	// Override maps source columns to the MySQL type their target column is
	// created with (override.go).
	Override map[string]string
}

// TargetName is the table's name in the target.
func (t TableSpec) TargetName() string {
	if t.Target != "" {
		return t.Target
	}
	return t.Name
}

// Spec is what Resolve checks: the tenant column and the configured tables.
type Spec struct {
	TenantColumn string
	Tables       []TableSpec
}

func (s Spec) table(name string) TableSpec {
	for _, t := range s.Tables {
		if t.Name == name {
			return t
		}
	}
	return TableSpec{}
}

// Describer reports a table's columns and keys.
type Describer interface {
	Describe(ctx context.Context, table string) (*catalog.Info, error)
}

// ConfigError is a problem with the config or the schemas it names, found
// before anything is written: the command exits 2.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

func configErr(format string, args ...any) error {
	return &ConfigError{Msg: fmt.Sprintf(format, args...)}
}

// Resolution is the configured tables checked against both databases.
type Resolution struct {
	Tables []*catalog.Table
	// Missing lists target tables that do not exist (allowed only when the
	// caller will create them).
	Missing []string
	// Warnings are findings that do not stop the run.
	Warnings []string
	// MayRange names the tables reached through a parent whose batching the
	// config leaves unset: plan batches them by range when that is faster.
	MayRange map[string]bool
}

// Resolve checks every configured table, key and tenant column against the
// source and the target and returns the tables to copy. tgt may be nil to check
// the source only. With allowMissing, target tables that do not exist are
// listed in Missing instead of being an error, and checked against the source.
func Resolve(ctx context.Context, spec Spec, src, tgt Describer, allowMissing bool) (*Resolution, error) {
	res := &Resolution{}
	srcInfo := map[string]*catalog.Info{}
	for _, tc := range spec.Tables {
		info, err := src.Describe(ctx, tc.Name)
		if errors.Is(err, catalog.ErrNotFound) {
			return nil, configErr("table %s does not exist in the source", tc.Name)
		}
		var amb *catalog.AmbiguousError
		if errors.As(err, &amb) {
			return nil, configErr("source table %v", amb)
		}
		if err != nil {
			return nil, err
		}
		srcInfo[tc.Name] = info
	}
	for _, tc := range spec.Tables {
		info := srcInfo[tc.Name]
		t := &catalog.Table{Name: tc.Name, Target: tc.TargetName(), Shared: tc.Shared, Ranged: tc.Ranged && !tc.Shared, Where: tc.Where}
		cols, err := keptColumns(tc, info) // exclude.go
		if err != nil {
			return nil, err
		}
		for _, c := range cols {
			if c.Kind == catalog.KindOther {
				return nil, configErr("column %s of table %s has type %s, which cutover cannot copy losslessly yet", c.Name, tc.Name, c.Type)
			}
		}
		keyCols := tc.Key
		if len(keyCols) == 0 {
			switch {
			case len(info.PrimaryKey) > 0:
				keyCols = info.PrimaryKey
			case len(info.UniqueKeys) > 0:
				keyCols = info.UniqueKeys[0]
			default:
				return nil, configErr("table %s has no usable key: it has no primary key or NOT NULL unique key (give key: [COLUMNS] naming one)", tc.Name)
			}
		}
		var keyNames []string
		for _, k := range keyCols {
			c, err := findColumn(info, k, "key column %s", tc.Name)
			if err != nil {
				return nil, err
			}
			t.Key = append(t.Key, c)
			keyNames = append(keyNames, c.Name)
		}
		if !info.IsUniqueKey(keyNames) {
			return nil, configErr("table %s has no usable key: (%s) is not its primary key or a NOT NULL unique key", tc.Name, strings.Join(keyCols, ", "))
		}
		switch {
		case tc.Shared:
		case tc.Via != "":
			parent := srcInfo[tc.Via]
			ptc := spec.table(tc.Via)
			on, err := findColumn(info, tc.On, "column %s (tenant.on)", tc.Name)
			if err != nil {
				return nil, err
			}
			parentOn, err := findColumn(parent, tc.ParentOn, "column %s (tenant.parent_on)", tc.Via)
			if err != nil {
				return nil, err
			}
			if !parent.IsUniqueKey([]string{parentOn.Name}) {
				return nil, configErr("column %s of table %s must be its primary key or a NOT NULL unique key to carry tenants to %s", tc.ParentOn, tc.Via, tc.Name)
			}
			tcol, err := findColumn(parent, spec.TenantColumn, "tenant column %s", tc.Via)
			if err != nil {
				return nil, err
			}
			t.TenantColumn, t.TenantKind = tcol.Name, tcol.Kind
			t.Via = &catalog.Via{Parent: ptc.Name, Target: ptc.TargetName(), On: on.Name, ParentOn: parentOn.Name}
			if !tc.BatchingSet && !tc.Ranged {
				if res.MayRange == nil {
					res.MayRange = map[string]bool{}
				}
				res.MayRange[tc.Name] = true
			}
			if !info.LeadsIndex(on.Name) {
				res.Warnings = append(res.Warnings, fmt.Sprintf("source table %s has no index leading with %s: every batch of it scans the table", tc.Name, on.Name))
			}
		default:
			tcol, err := info.FindColumn(spec.TenantColumn)
			var amb *catalog.AmbiguousError
			if errors.As(err, &amb) {
				return nil, configErr("tenant column in source table %s: %v", tc.Name, err)
			}
			if err != nil {
				return nil, configErr("tenant column %s does not exist in source table %s (for a table without it give tenant: {via: PARENT, on: COLUMN}, or tenant: none for shared reference data)", spec.TenantColumn, tc.Name)
			}
			t.TenantColumn, t.TenantKind = tcol.Name, tcol.Kind
			if !info.LeadsIndex(tcol.Name) && !(len(t.Key) > 0 && t.Key[0].Name == tcol.Name) {
				res.Warnings = append(res.Warnings, fmt.Sprintf("source table %s has no index leading with %s: every batch of it scans the table", tc.Name, tcol.Name))
			}
		}
		t.Columns = cols
		if t.Override, err = overrides(tc, info); err != nil {
			return nil, err
		}
		res.Tables = append(res.Tables, t)
	}
	if err := checkExcluded(spec, res.Tables); err != nil {
		return nil, err
	}
	if err := checkFilters(ctx, src, res.Tables); err != nil {
		return nil, err
	}
	if tgt == nil {
		return res, nil
	}
	targets := map[string]string{} // configured target name -> the target's own spelling
	for _, t := range res.Tables {
		info, err := describeTarget(ctx, tgt, t.Target)
		if err == nil {
			targets[t.Target] = info.Name
			t.Target = info.Name
		}
		if errors.Is(err, catalog.ErrNotFound) {
			if allowMissing {
				res.Missing = append(res.Missing, t.Target)
				continue
			}
			return nil, configErr("table %s does not exist in the target (create it, or run with --create-tables)", t.Target)
		}
		if err != nil {
			return nil, err
		}
		if len(info.Triggers) > 0 {
			return nil, configErr("target table %s has trigger %s, which may change the rows cutover loads: drop it for the copy and create it after", t.Target, strings.Join(info.Triggers, ", "))
		}
		if info.Engine != "" && !strings.EqualFold(info.Engine, "InnoDB") {
			return nil, configErr("target table %s uses the %s engine: cutover needs a transactional engine (InnoDB) so that a batch commits whole or not at all", t.Target, info.Engine)
		}
		// MySQL column names ignore case: two source columns that differ only
		// in case (quoted Oracle names) would land in one target column.
		bound := map[string]string{}
		for _, c := range t.Columns {
			tc, err := info.FindColumn(c.Name)
			if err != nil {
				return nil, configErr("column %s of source table %s does not exist in target table %s", c.Name, t.Name, t.Target)
			}
			key := strings.ToLower(tc.Name)
			if other, dup := bound[key]; dup {
				return nil, configErr("columns %s and %s of source table %s both map to column %s of target table %s (names differ only in case); rename one", other, c.Name, t.Name, tc.Name, t.Target)
			}
			bound[key] = c.Name
		}
		for _, c := range info.Columns {
			if _, ok := bound[strings.ToLower(c.Name)]; !ok {
				res.Warnings = append(res.Warnings, fmt.Sprintf("target table %s has column %s, which the source lacks: it gets its default", t.Target, c.Name))
			}
		}
		if t.Via != nil {
			if !info.LeadsIndex(t.Via.On) {
				res.Warnings = append(res.Warnings, fmt.Sprintf("target table %s has no index leading with %s: removing a batch's old rows scans the table", t.Target, t.Via.On))
			}
		} else if !t.Shared && !info.LeadsIndex(t.TenantColumn) {
			res.Warnings = append(res.Warnings, fmt.Sprintf("target table %s has no index leading with %s: removing a batch's old rows scans the table", t.Target, t.TenantColumn))
		}
	}
	for _, t := range res.Tables {
		if t.Via != nil && targets[t.Via.Target] != "" {
			t.Via.Target = targets[t.Via.Target]
		}
	}
	return res, nil
}

// checkFilters tries every where filter on the source, in the FROM every
// read of the table uses, and refuses one the source rejects.
func checkFilters(ctx context.Context, src Describer, tables []*catalog.Table) error {
	fc, ok := src.(FilterChecker)
	if !ok {
		return nil
	}
	for _, t := range tables {
		if t.Where == "" {
			continue
		}
		refusal, err := fc.CheckFilter(ctx, t)
		if err != nil {
			return fmt.Errorf("try the where filter of %s: %w", t.Name, err)
		}
		if refusal != "" {
			return configErr("tables: %s: where %q does not run on the source: %s; fix where (a condition on the table's own columns, in the source's SQL)", t.Name, t.Where, refusal)
		}
	}
	return nil
}

// TableLister is a target that can list its tables, so that a configured
// name can be matched without regard to case (an Oracle source's upper-case
// names against a MySQL target's lower-case ones).
type TableLister interface {
	TableNames(ctx context.Context) ([]string, error)
}

// describeTarget describes the target table named name, or else the one
// table whose name equals it ignoring case.
func describeTarget(ctx context.Context, tgt Describer, name string) (*catalog.Info, error) {
	info, err := tgt.Describe(ctx, name)
	lister, ok := tgt.(TableLister)
	if !errors.Is(err, catalog.ErrNotFound) || !ok {
		return info, err
	}
	names, lerr := lister.TableNames(ctx)
	if lerr != nil {
		return nil, lerr
	}
	match, merr := catalog.MatchName(name, names)
	var amb *catalog.AmbiguousError
	if errors.As(merr, &amb) {
		return nil, configErr("target table %v", merr)
	}
	if merr != nil {
		return nil, err
	}
	return tgt.Describe(ctx, match)
}

// findColumn resolves a configured column of a source table, ignoring case
// when that is unambiguous. what names the column, with %s for its name.
func findColumn(info *catalog.Info, name, what, table string) (catalog.Column, error) {
	c, err := info.FindColumn(name)
	var amb *catalog.AmbiguousError
	if errors.As(err, &amb) {
		return c, configErr(what+" in source table %s: %v", name, table, err)
	}
	if err != nil {
		return c, configErr(what+" does not exist in source table %s", name, table)
	}
	return c, nil
}

// TableMap indexes tables by source name.
func TableMap(tables []*catalog.Table) map[string]*catalog.Table {
	m := make(map[string]*catalog.Table, len(tables))
	for _, t := range tables {
		m[t.Name] = t
	}
	return m
}

// TargetTableName resolves a configured target table name in the target,
// ignoring case when that is unambiguous; a table that does not exist is
// returned as named.
func TargetTableName(ctx context.Context, tgt TableLister, name string) (string, error) {
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

// SourceShape is the source tables' columns as a plan records them
// (planner.Doc.Source), so a run can tell that the source changed since.
func SourceShape(tables []*catalog.Table) []planner.SourceTable {
	out := make([]planner.SourceTable, 0, len(tables))
	for _, t := range tables {
		st := planner.SourceTable{Table: t.Name}
		for _, c := range t.Columns {
			st.Columns = append(st.Columns, planner.Column(c.Name, c.Type, c.Nullable))
		}
		out = append(out, st)
	}
	return out
}
