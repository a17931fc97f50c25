package migrate

import (
	"context"
	"database/sql"
	"time"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/preflight"
	"github.com/cutover/cutover/planner"
)

// The capabilities below are what the core needs of the adapters beyond
// copying rows. Each is small and defined here, where it is consumed; the
// MySQL adapter (internal/mysqldb) and the Oracle adapter (internal/oracle)
// implement them, and internal/driver opens either by driver name.

// RowCounter counts every row of a table, tenant or not: what planning
// compares with the sized rows to tell rows that belong to no tenant.
type RowCounter interface {
	RowCount(ctx context.Context, t *catalog.Table) (int64, error)
}

// SnapshotPinner is a source that reads every batch as of one point in time
// (Oracle's AS OF SCN). SCN is the snapshot it reads now (0: none); AtSCN
// returns the same source reading as of scn, sharing its connections (close
// the original, not both).
type SnapshotPinner interface {
	SCN() uint64
	AtSCN(scn uint64) Source
}

// SchemaSource writes the target CREATE TABLE statement of a source table:
// what `run --create-tables` executes. schema is the target schema and name
// the table's name in it.
type SchemaSource interface {
	CreateTableDDL(ctx context.Context, table, schema, name string) (string, error)
}

// SchemaTarget executes generated DDL (one or more statements, each ending
// with ';' at the end of a line; comment lines are skipped) in the target.
type SchemaTarget interface {
	ExecDDL(ctx context.Context, ddl string) error
	// SchemaName is the target schema tables are created in.
	SchemaName() string
}

// ServerSettings are the target settings the estimate warns about: the redo
// log's size and the setting that sets it (0, "" when unknown), and the
// buffer pool's size (0 when unknown).
type ServerSettings interface {
	RedoLogCapacity(ctx context.Context) (int64, string)
	BufferPoolSize(ctx context.Context) int64
}

// SQLDB is a database a load probe can query (run.throttle.probes): the
// target, or a MySQL source.
type SQLDB interface {
	SQL() *sql.DB
}

// TargetColumn is a target column as preflight compares a source column
// with it.
type TargetColumn struct {
	Name          string
	Type          string // the full column type, lower case: "int(11) unsigned"
	Nullable      bool
	AutoIncrement bool
}

// PreflightTarget is the target as a source's preflight reads it.
type PreflightTarget interface {
	TableLister
	// TargetColumns lists a table's columns in order; a missing table is an
	// error wrapping catalog.ErrNotFound.
	TargetColumns(ctx context.Context, table string) ([]TargetColumn, error)
	MaxAllowedPacket(ctx context.Context) (int64, error)
}

// PreflightSpec is one configured table as preflight checks it.
type PreflightSpec struct {
	Table TableSpec
	// TenantColumn is the configured tenant column; Tenants (tenant.ids),
	// when not empty, restrict the scan to the rows the run copies.
	TenantColumn string
	Tenants      []string
	// SamplePercent, above 0, scans about that share of the rows.
	SamplePercent float64
}

// Preflighter is a source that checks, writing nothing, what the copy of one
// table into the target would lose or refuse.
type Preflighter interface {
	PreflightTable(ctx context.Context, tgt PreflightTarget, t PreflightSpec) ([]preflight.Finding, error)
	// PreflightChecksIndexes reports whether PreflightTable checks the tenant
	// indexes itself; if not, Preflight reports the resolution's index advice.
	PreflightChecksIndexes() bool
}

// FilterChecker is a source that can try a table's where filter without
// reading a row. refusal is the server's error when it rejects the filter
// (a column that does not exist, bad syntax); err is any other failure.
type FilterChecker interface {
	CheckFilter(ctx context.Context, t *catalog.Table) (refusal string, err error)
}

// SourceChecker is a source with database-wide checks before a run (the
// Oracle grants, undo retention against the estimate, character sets).
type SourceChecker interface {
	Checks(ctx context.Context, tables []string, estimate time.Duration) ([]preflight.Finding, error)
}

// SourceChecks runs src's database-wide checks on tables (grants, undo
// retention against estimate, 0 when unknown, character sets), where it has
// them.
func SourceChecks(ctx context.Context, src Source, tables []string, estimate time.Duration) ([]preflight.Finding, error) {
	c, ok := src.(SourceChecker)
	if !ok {
		return nil, nil
	}
	return c.Checks(ctx, tables, estimate)
}

// PlanChecks adds src's checks to a plan: the undo retention against the
// plan's estimated duration, the grants, the character sets. A blocking one
// refuses the plan (a *ConfigError); the others are the plan's warnings.
func PlanChecks(ctx context.Context, src Source, tables []string, doc *planner.Doc) error {
	var estimate time.Duration
	if doc.Estimate != nil {
		estimate = time.Duration(doc.Estimate.Schedule.Makespan * float64(time.Second))
	}
	fs, err := SourceChecks(ctx, src, tables, estimate)
	if err != nil {
		return err
	}
	for _, f := range fs {
		if f.Severity == preflight.Blocking {
			return configErr("plan: %s", f.Message)
		}
		if f.Severity == preflight.Warning {
			doc.Warnings = append(doc.Warnings, f.Message)
		}
	}
	return nil
}
