package mysqldb

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cutover/cutover/internal/preflight"
	"github.com/cutover/cutover/migrate"
)

// What the core consumes of a MySQL source or target beyond copying rows
// (the interfaces are in migrate/capabilities.go).
var (
	_ migrate.RowCounter      = (*DB)(nil)
	_ migrate.SchemaSource    = (*DB)(nil)
	_ migrate.SchemaTarget    = (*DB)(nil)
	_ migrate.ServerSettings  = (*DB)(nil)
	_ migrate.SQLDB           = (*DB)(nil)
	_ migrate.PreflightTarget = (*DB)(nil)
	_ migrate.Preflighter     = (*DB)(nil)
)

// CreateTableDDL is the source table's own CREATE TABLE, renamed to name in
// schema: a MySQL source's definition is the target's.
func (d *DB) CreateTableDDL(ctx context.Context, table, schema, name string) (string, error) {
	return d.ShowCreateTable(ctx, table, schema, name)
}

// SchemaName is the schema every table name is qualified with.
func (d *DB) SchemaName() string { return d.Schema }

// ExecDDL runs generated DDL statement by statement.
func (d *DB) ExecDDL(ctx context.Context, ddl string) error {
	for _, stmt := range Statements(ddl) {
		if _, err := d.db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// Statements splits generated DDL into statements: each ends with ';' at the
// end of a line; comment lines are dropped.
func Statements(ddl string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(ddl, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line + "\n")
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, strings.TrimSpace(cur.String()))
	}
	return out
}

// RedoLogCapacity is the redo log size and the setting that sets it:
// innodb_redo_log_capacity on MySQL 8.0.30+, innodb_log_file_size (times the
// files in a group, where that still exists) elsewhere. 0 when unknown.
func (d *DB) RedoLogCapacity(ctx context.Context) (int64, string) {
	var n int64
	if err := d.db.QueryRowContext(ctx, "SELECT @@innodb_redo_log_capacity").Scan(&n); err == nil && n > 0 {
		return n, "innodb_redo_log_capacity"
	}
	if err := d.db.QueryRowContext(ctx, "SELECT @@innodb_log_file_size").Scan(&n); err != nil || n <= 0 {
		return 0, ""
	}
	var files int64
	if err := d.db.QueryRowContext(ctx, "SELECT @@innodb_log_files_in_group").Scan(&files); err == nil && files > 1 {
		n *= files
	}
	return n, "innodb_log_file_size"
}

// BufferPoolSize is innodb_buffer_pool_size, 0 when unknown.
func (d *DB) BufferPoolSize(ctx context.Context) int64 {
	var pool int64
	if err := d.db.QueryRowContext(ctx, "SELECT @@innodb_buffer_pool_size").Scan(&pool); err != nil {
		return 0
	}
	return pool
}

// TargetColumns lists a table's columns as preflight compares them.
func (d *DB) TargetColumns(ctx context.Context, table string) ([]migrate.TargetColumn, error) {
	cols, err := d.Columns(ctx, table)
	if err != nil {
		return nil, err
	}
	out := make([]migrate.TargetColumn, len(cols))
	for i, c := range cols {
		out[i] = migrate.TargetColumn{Name: c.Name, Type: c.ColumnType, Nullable: c.Nullable, AutoIncrement: c.AutoIncrement}
	}
	return out, nil
}

// PreflightChecksIndexes: the MySQL checks look at the tenant indexes.
func (d *DB) PreflightChecksIndexes() bool { return true }

// PreflightTable checks one table of this MySQL source against its MySQL
// target (see Preflight).
func (d *DB) PreflightTable(ctx context.Context, tgt migrate.PreflightTarget, t migrate.PreflightSpec) ([]preflight.Finding, error) {
	target, ok := tgt.(*DB)
	if !ok {
		return nil, errors.New("a MySQL source is checked against a MySQL target")
	}
	name, err := migrate.TargetTableName(ctx, tgt, t.Table.TargetName())
	if err != nil {
		return nil, fmt.Errorf("find target table %s: %w", t.Table.TargetName(), err)
	}
	tc := t.Table
	pt := PreflightTable{Source: tc.Name, Target: name, Key: tc.Key, SamplePercent: t.SamplePercent, Where: tc.Where, Override: tc.Override}
	switch {
	case tc.Shared:
	case tc.Via != "":
		pt.ViaOn = tc.On
		pt.Parent, pt.ParentOn, pt.ParentTenant = tc.Via, cmp.Or(tc.ParentOn, tc.On), t.TenantColumn
	default:
		pt.TenantColumn = t.TenantColumn
	}
	if !tc.Shared {
		pt.Tenants = t.Tenants // what the run copies; none: every tenant
	}
	return Preflight(ctx, d, target, pt)
}
