// Package driver opens a source or a target by driver name. It is the one
// place above the adapters that knows which adapters exist: the command line
// asks it for a source and a target and then sees them only through the
// interfaces their consumers define (migrate, verify).
package driver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/cutover/cutover/catchup"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/internal/oracle"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// Drivers are the source drivers Open knows.
const (
	MySQL  = "mysql"
	Oracle = "oracle"
)

// ErrClientMissing is returned when the Oracle client library is not
// installed: the Oracle adapter cannot run on this host.
var ErrClientMissing = oracle.ErrClientMissing

// Source is an opened source: what the engine reads, and the capabilities
// every adapter has. Optional ones (migrate.RowCounter,
// migrate.SnapshotPinner, migrate.SQLDB) are asked for where they are used.
type Source interface {
	migrate.Source
	migrate.Preflighter
	migrate.SchemaSource
}

// Target is the opened MySQL target: where rows are written, the ledger
// lives (SQL), and, for verify, a source of the copied rows.
type Target interface {
	migrate.Source
	migrate.Target
	migrate.TableLister
	migrate.SchemaTarget
	migrate.ServerSettings
	migrate.PreflightTarget
	migrate.SQLDB
	migrate.IndexTarget
	IsEmpty(ctx context.Context, table string) (bool, error)
	// Applier writes captured changes (cutover sync).
	Applier() *mysqldb.Applier
	DryLoader(ctx context.Context, tables []*catalog.Table) (migrate.DryLoad, error)
	TargetSizes(ctx context.Context, t *catalog.Table, tenants []string) ([]planner.Size, error)
}

// SourceOptions say how to open a source. The Oracle settings are ignored by
// the MySQL driver.
type SourceOptions struct {
	Driver, DSN string
	// Schema overrides the DSN's database (the owner, for Oracle).
	Schema string
	// Conns bounds the pool.
	Conns int
	// MaxLOBBytes bounds a value a reader holds; larger ones are streamed.
	MaxLOBBytes int64
	// Snapshot (Oracle) reads as of one SCN: SCN, or a new one when 0.
	Snapshot bool
	SCN      uint64
	// Sizing, SamplePercent, Parallel, PrefetchRows, FetchArraySize and
	// NullAsEmpty are the Oracle adapter's settings (oracle.Options).
	Sizing                       string
	SamplePercent                float64
	Parallel                     int
	PrefetchRows, FetchArraySize int
	NullAsEmpty                  []string
	// RawCharset (Oracle) names the character set of columns' bytes by
	// "TABLE.COLUMN", "TABLE" or "*" (oracle.Options.RawCharset).
	RawCharset map[string]string
	Log        *slog.Logger
}

// OpenSource connects to the source named by o.Driver.
func OpenSource(ctx context.Context, o SourceOptions) (Source, error) {
	switch o.Driver {
	case MySQL:
		src, err := mysqldb.Open(ctx, o.DSN, o.Schema, mysqldb.RoleSource, o.Conns)
		if err != nil {
			return nil, err
		}
		src.MaxLOBBytes = o.MaxLOBBytes
		return src, nil
	case Oracle:
		nullAsEmpty := map[string]bool{}
		for _, c := range o.NullAsEmpty {
			nullAsEmpty[c] = true
		}
		return oracle.Open(ctx, o.DSN, oracle.Options{
			RawCharset: o.RawCharset,
			Schema:     o.Schema, Snapshot: o.Snapshot, SCN: o.SCN,
			Sizing: o.Sizing, SamplePercent: o.SamplePercent,
			NullAsEmpty: nullAsEmpty, MaxConns: o.Conns, MaxLOBBytes: o.MaxLOBBytes, Log: o.Log,
			PrefetchCount: o.PrefetchRows, FetchArraySize: o.FetchArraySize, Parallel: o.Parallel,
		})
	}
	return nil, fmt.Errorf("source driver %q: want %s or %s", o.Driver, MySQL, Oracle)
}

// OpenTarget connects to the MySQL target. maxLOBBytes bounds a value its
// reader holds (verify reads the target as it reads the source).
func OpenTarget(ctx context.Context, dsn string, conns int, maxLOBBytes int64) (Target, error) {
	tgt, err := mysqldb.Open(ctx, dsn, "", mysqldb.RoleTarget, conns)
	if err != nil {
		return nil, err
	}
	tgt.MaxLOBBytes = maxLOBBytes
	return tgt, nil
}

// IsTransient classifies errors from either side as worth retrying.
func IsTransient(err error) bool {
	return mysqldb.IsTransient(err) || oracle.IsTransient(err)
}

// IsConnectionError classifies errors that mean a server (the target, or a
// MySQL or Oracle source) cannot be reached; IsDiskFull a target out of space
// (the run's outage handling).
func IsConnectionError(err error) bool {
	return mysqldb.IsConnectionError(err) || oracle.IsConnectionError(err)
}

// IsDiskFull: see IsConnectionError.
func IsDiskFull(err error) bool { return mysqldb.IsDiskFull(err) }

// IsPrivilegeError reports a MySQL error that says a grant is missing.
func IsPrivilegeError(err error) bool { return mysqldb.IsPrivilegeError(err) }

// Capture is changed-key capture on a MySQL source (cutover capture, sync).
type Capture = mysqldb.Capture

// CaptureOf returns the capture of a MySQL source into schema, false for
// another source.
func CaptureOf(src Source, schema string, tables []*catalog.Table) (*Capture, bool) {
	m, ok := src.(*mysqldb.DB)
	if !ok {
		return nil, false
	}
	return m.Capture(schema, tables), true
}

// ScripterOf returns what writes the capture SQL of tables for a DBA
// (capture start|stop --print): a MySQL source's triggers into schema, an
// Oracle source's materialized view logs; false for another source.
func ScripterOf(src Source, schema string, tables []*catalog.Table) (catchup.Scripter, bool) {
	switch s := src.(type) {
	case *mysqldb.DB:
		return s.Capture(schema, tables), true
	case *oracle.Source:
		return oracleScript{s, tables}, true
	}
	return nil, false
}

// oracleScript is an Oracle source's capture SQL of tables.
type oracleScript struct {
	src    *oracle.Source
	tables []*catalog.Table
}

// CaptureScript: Oracle's capture records no id.
func (o oracleScript) CaptureScript(ctx context.Context, _ string, start bool) (string, error) {
	return o.src.CaptureScript(ctx, o.tables, start)
}

// DDLOptions say how Oracle DDL becomes MySQL DDL.
type DDLOptions = oracle.DDLOptions

// DDL is MySQL CREATE TABLE statements (cutover schema) and the findings of
// their conversion from Oracle as text (also comments in Text), N of them.
type DDL struct {
	Text, Findings string
	N              int
}

// Write writes the statements on out and the findings, if any, on errs.
func (d DDL) Write(out, errs io.Writer) {
	fmt.Fprint(out, d.Text)
	if d.N > 0 {
		fmt.Fprintf(errs, "%d findings (also as comments in the DDL):\n%s", d.N, d.Findings)
	}
}

// schemaPrinter is a source that prints MySQL DDL for its tables.
type schemaPrinter interface {
	SchemaDDL(ctx context.Context, tables []string, opts oracle.DDLOptions) (string, []oracle.Finding, error)
}

// SchemaDDL is MySQL CREATE TABLE statements for tables of an Oracle
// source's live dictionary.
func SchemaDDL(ctx context.Context, src Source, tables []string, opt DDLOptions) (DDL, error) {
	p, ok := src.(schemaPrinter)
	if !ok {
		return DDL{}, fmt.Errorf("the source cannot print its schema as MySQL DDL")
	}
	ddl, fs, err := p.SchemaDDL(ctx, tables, opt)
	if err != nil {
		return DDL{}, err
	}
	return DDL{Text: ddl, Findings: oracle.FormatFindings(fs), N: len(fs)}, nil
}

// ConvertOracleDDLFile converts the Oracle DDL in the file path (as
// DBMS_METADATA.GET_DDL writes it) to MySQL offline. Its errors name the
// file.
func ConvertOracleDDLFile(path string, opt DDLOptions) (DDL, error) {
	f, err := os.Open(path)
	if err != nil {
		return DDL{}, err
	}
	defer f.Close()
	ddl, fs, err := oracle.ConvertDDL(f, opt)
	if err != nil {
		return DDL{}, fmt.Errorf("%s: %w", path, err)
	}
	return DDL{Text: ddl, Findings: oracle.FormatFindings(fs), N: len(fs)}, nil
}

// Password extracts the password of a MySQL DSN or an Oracle user/pass@...
// connect string, so it is scrubbed even where it appears alone.
func Password(dsn string) string {
	if c, err := mysql.ParseDSN(dsn); err == nil {
		return c.Passwd
	}
	if at := strings.LastIndex(dsn, "@"); at > 0 {
		if slash := strings.Index(dsn[:at], "/"); slash >= 0 {
			return dsn[slash+1 : at]
		}
	}
	if i := strings.Index(dsn, "password="); i >= 0 {
		rest := dsn[i+len("password="):]
		if j := strings.IndexAny(rest, " \t"); j >= 0 {
			rest = rest[:j]
		}
		return strings.Trim(rest, `"`)
	}
	return ""
}

// SilenceDriverLog stops the MySQL driver from printing its own lines on
// stderr (mysqldb.SilenceDriverLog); main calls it once.
func SilenceDriverLog() { mysqldb.SilenceDriverLog() }

// IsAccessDenied reports whether err is the target refusing a privilege.
func IsAccessDenied(err error) bool { return mysqldb.IsAccessDenied(err) }
