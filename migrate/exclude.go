package migrate

import (
	"slices"
	"strings"

	"github.com/cutover/cutover/internal/catalog"
)

// keptColumns are the source columns of tc that are copied: all but its
// `exclude:` list (matched as MySQL matches column names, ignoring case).
// An excluded column is not read, not loaded (the target keeps its default
// there) and not hashed for verify. Each name must be a column of the table.
func keptColumns(tc TableSpec, info *catalog.Info) ([]catalog.Column, error) {
	if len(tc.Exclude) == 0 {
		return info.Columns, nil
	}
	drop := map[string]bool{}
	for _, name := range tc.Exclude {
		c, err := findColumn(info, name, "excluded column %s", tc.Name)
		if err != nil {
			return nil, err
		}
		drop[strings.ToLower(c.Name)] = true
	}
	var kept []catalog.Column
	for _, c := range info.Columns {
		if !drop[strings.ToLower(c.Name)] {
			kept = append(kept, c)
		}
	}
	return kept, nil
}

// checkExcluded refuses excluding a column the copy needs: a key column (it
// orders and bounds batches and matches rows in verify), the tenant column,
// the column that reaches a parent (tenant.on), and a column another table
// reaches this one through (its parent_on), which the target must hold for
// verify to find that table's rows there.
func checkExcluded(spec Spec, tables []*catalog.Table) error {
	for _, tc := range spec.Tables {
		if len(tc.Exclude) == 0 {
			continue
		}
		var t *catalog.Table
		for _, x := range tables {
			if x.Name == tc.Name {
				t = x
			}
		}
		if t == nil {
			continue
		}
		kept := func(name string) bool {
			return slices.ContainsFunc(t.Columns, func(c catalog.Column) bool { return strings.EqualFold(c.Name, name) })
		}
		type needed struct{ name, why string }
		var need []needed // in this order: the first one excluded is named
		for _, k := range t.Key {
			need = append(need, needed{k.Name, "a key column"})
		}
		if t.Via != nil {
			need = append(need, needed{t.Via.On, "the column that reaches its parent (tenant.on)"})
		} else if !t.Shared {
			need = append(need, needed{t.TenantColumn, "the tenant column"})
		}
		for _, child := range tables {
			if child.Via != nil && child.Via.Parent == t.Name {
				need = append(need, needed{child.Via.ParentOn, "the column table " + child.Name + " reaches it through (parent_on)"},
					needed{child.TenantColumn, "the tenant column table " + child.Name + " reaches through it"})
			}
		}
		for _, n := range need {
			if n.name != "" && !kept(n.name) {
				return configErr("tables: %s: column %s cannot be excluded: it is %s; remove it from exclude", tc.Name, n.name, n.why)
			}
		}
	}
	return nil
}
