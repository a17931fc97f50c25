package migrate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/config"
)

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
}

// Resolve checks every configured table, key and tenant column against the
// source and the target and returns the tables to copy. tgt may be nil to check
// the source only. With allowMissing, target tables that do not exist are
// listed in Missing instead of being an error, and checked against the source.
func Resolve(ctx context.Context, cfg *config.Config, src, tgt Describer, allowMissing bool) (*Resolution, error) {
	res := &Resolution{}
	srcInfo := map[string]*catalog.Info{}
	for _, tc := range cfg.Tables {
		info, err := src.Describe(ctx, tc.Name)
		if errors.Is(err, catalog.ErrNotFound) {
			return nil, configErr("table %s does not exist in the source", tc.Name)
		}
		if err != nil {
			return nil, err
		}
		srcInfo[tc.Name] = info
	}
	for _, tc := range cfg.Tables {
		info := srcInfo[tc.Name]
		t := &catalog.Table{Name: tc.Name, Target: tc.TargetName(), Shared: tc.Tenant.None, Ranged: tc.Ranged() && !tc.Tenant.None}
		for _, c := range info.Columns {
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
		for _, k := range keyCols {
			c, ok := info.Column(k)
			if !ok {
				return nil, configErr("key column %s does not exist in source table %s", k, tc.Name)
			}
			t.Key = append(t.Key, c)
		}
		if !info.IsUniqueKey(keyCols) {
			return nil, configErr("table %s has no usable key: (%s) is not its primary key or a NOT NULL unique key", tc.Name, strings.Join(keyCols, ", "))
		}
		switch {
		case tc.Tenant.None:
		case tc.Tenant.Via != "":
			parent := srcInfo[tc.Tenant.Via]
			ptc, _ := cfg.Table(tc.Tenant.Via)
			if _, ok := info.Column(tc.Tenant.On); !ok {
				return nil, configErr("column %s (tenant.on) does not exist in source table %s", tc.Tenant.On, tc.Name)
			}
			if _, ok := parent.Column(tc.Tenant.Parent); !ok {
				return nil, configErr("column %s (tenant.parent_on) does not exist in source table %s", tc.Tenant.Parent, tc.Tenant.Via)
			}
			if !parent.IsUniqueKey([]string{tc.Tenant.Parent}) {
				return nil, configErr("column %s of table %s must be its primary key or a NOT NULL unique key to carry tenants to %s", tc.Tenant.Parent, tc.Tenant.Via, tc.Name)
			}
			tcol, ok := parent.Column(cfg.Tenant.Column)
			if !ok {
				return nil, configErr("tenant column %s does not exist in source table %s", cfg.Tenant.Column, tc.Tenant.Via)
			}
			t.TenantColumn, t.TenantKind = tcol.Name, tcol.Kind
			t.Via = &catalog.Via{Parent: ptc.Name, Target: ptc.TargetName(), On: tc.Tenant.On, ParentOn: tc.Tenant.Parent}
			if !info.Indexed[tc.Tenant.On] {
				res.Warnings = append(res.Warnings, fmt.Sprintf("source table %s has no index leading with %s: every batch of it scans the table", tc.Name, tc.Tenant.On))
			}
		default:
			tcol, ok := info.Column(cfg.Tenant.Column)
			if !ok {
				return nil, configErr("tenant column %s does not exist in source table %s (for a table without it give tenant: {via: PARENT, on: COLUMN}, or tenant: none for shared reference data)", cfg.Tenant.Column, tc.Name)
			}
			t.TenantColumn, t.TenantKind = tcol.Name, tcol.Kind
			if !info.Indexed[tcol.Name] && !(len(t.Key) > 0 && t.Key[0].Name == tcol.Name) {
				res.Warnings = append(res.Warnings, fmt.Sprintf("source table %s has no index leading with %s: every batch of it scans the table", tc.Name, tcol.Name))
			}
		}
		t.Columns = info.Columns
		res.Tables = append(res.Tables, t)
	}
	if tgt == nil {
		return res, nil
	}
	for _, t := range res.Tables {
		info, err := tgt.Describe(ctx, t.Target)
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
		if info.Engine != "" && !strings.EqualFold(info.Engine, "InnoDB") {
			return nil, configErr("target table %s uses the %s engine: cutover needs a transactional engine (InnoDB) so that a batch commits whole or not at all", t.Target, info.Engine)
		}
		for _, c := range t.Columns {
			if _, ok := info.Column(c.Name); !ok {
				return nil, configErr("column %s of source table %s does not exist in target table %s", c.Name, t.Name, t.Target)
			}
		}
		src := map[string]bool{}
		for _, c := range t.Columns {
			src[c.Name] = true
		}
		for _, c := range info.Columns {
			if !src[c.Name] {
				res.Warnings = append(res.Warnings, fmt.Sprintf("target table %s has column %s, which the source lacks: it gets its default", t.Target, c.Name))
			}
		}
		if t.Via != nil {
			if !info.Indexed[t.Via.On] {
				res.Warnings = append(res.Warnings, fmt.Sprintf("target table %s has no index leading with %s: removing a batch's old rows scans the table", t.Target, t.Via.On))
			}
		} else if !t.Shared && !info.Indexed[t.TenantColumn] {
			res.Warnings = append(res.Warnings, fmt.Sprintf("target table %s has no index leading with %s: removing a batch's old rows scans the table", t.Target, t.TenantColumn))
		}
	}
	return res, nil
}

// TableMap indexes tables by source name.
func TableMap(tables []*catalog.Table) map[string]*catalog.Table {
	m := make(map[string]*catalog.Table, len(tables))
	for _, t := range tables {
		m[t.Name] = t
	}
	return m
}
