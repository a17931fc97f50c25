package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/mysqltype"
	"github.com/cutover/cutover/internal/oracle"
	"github.com/cutover/cutover/internal/preflight"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// openOracle opens the Oracle source; scn 0 takes a new snapshot SCN.
func openOracle(ctx context.Context, cfg *config.Config, conns int, scn uint64, log *slog.Logger) (migrate.Source, error) {
	nullAsEmpty := map[string]bool{}
	for _, c := range cfg.Source.NullAsEmpty {
		nullAsEmpty[c] = true
	}
	raw := map[string]string{}
	if cs := cfg.Source.RawCharset; cs != "" {
		if len(cfg.Source.RawCharsetColumns) == 0 {
			raw["*"] = cs
		}
		for _, c := range cfg.Source.RawCharsetColumns {
			raw[c] = cs
		}
	}
	src, err := oracle.Open(ctx, cfg.Source.DSN, oracle.Options{
		RawCharset: raw,
		Schema:     cfg.Source.Schema, Snapshot: cfg.Source.SnapshotOn(), SCN: scn,
		Sizing: cfg.Source.Sizing, SamplePercent: cfg.Source.SamplePercent,
		NullAsEmpty: nullAsEmpty, MaxConns: conns, MaxLOBBytes: cfg.Source.LOBMaxBytes, Log: log,
		PrefetchCount: cfg.Source.PrefetchRows, FetchArraySize: cfg.Source.FetchArraySize, Parallel: cfg.Source.Parallel,
	})
	if errors.Is(err, oracle.ErrClientMissing) {
		return nil, usageError{err}
	}
	if err != nil {
		return nil, usagef("source: %v", err)
	}
	return src, nil
}

func oracleTransient(err error) bool { return oracle.IsTransient(err) }

// snapshotSCN is the SCN an Oracle source reads at, 0 for other sources.
func snapshotSCN(src migrate.Source) uint64 {
	if o, ok := src.(*oracle.Source); ok {
		return o.SCN()
	}
	return 0
}

// pinSnapshot makes an Oracle source read at the SCN stored with the plan, so
// that every batch of a run, on every resume, sees the same point in time.
func (a *app) pinSnapshot(ctx context.Context, s *session, run *checkpoint.Run) error {
	if _, ok := s.ep.src.(*oracle.Source); !ok {
		return nil
	}
	doc, err := planner.ParseDoc(run.Plan)
	if err != nil {
		return err
	}
	if doc.SCN == 0 || doc.SCN == snapshotSCN(s.ep.src) {
		return nil
	}
	s.ep.src.Close()
	src, err := openOracle(ctx, s.cfg, s.cfg.Run.Workers+4, doc.SCN, a.log)
	if err != nil {
		s.ep.src = nil
		return err
	}
	s.ep.src = src
	a.log.Info("reading the Oracle source as of the plan's SCN", "scn", doc.SCN)
	return nil
}

var createTableName = regexp.MustCompile("(?m)^CREATE TABLE `[^`]+`")

// oracleDDL returns the MySQL CREATE TABLE for an Oracle source table, named target.
func oracleDDL(ctx context.Context, s *session, name, target string) (string, error) {
	src, ok := s.ep.src.(*oracle.Source)
	if !ok {
		return "", fmt.Errorf("create table %s: the source is not Oracle", name)
	}
	ddl, _, err := src.SchemaDDL(ctx, []string{name}, oracle.DDLOptions{})
	if err != nil {
		return "", fmt.Errorf("create table %s from the Oracle dictionary: %w", target, err)
	}
	return createTableName.ReplaceAllLiteralString(ddl, "CREATE TABLE "+mysqltype.Quote(target)), nil
}

// statements splits generated DDL into statements: each ends with ';' at the
// end of a line; comment lines are dropped.
func statements(ddl string) []string {
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

// cmdSchema prints MySQL DDL for the configured Oracle tables, from the live
// dictionary (--config) or offline from Oracle DDL text (--oracle-ddl FILE).
func (a *app) cmdSchema(ctx context.Context, args []string) error {
	fs := a.flags("schema")
	cfgPath := fs.String("config", "", "config file (YAML): read the live Oracle dictionary")
	ddlPath := fs.String("oracle-ddl", "", "Oracle DDL file (as DBMS_METADATA.GET_DDL writes it), converted offline")
	skipFK := fs.Bool("skip-foreign-keys", false, "write foreign keys as comments, for loading tenants in any order")
	namesFlag := fs.String("names", "as-is", "as-is, or lower: fold Oracle's upper-case names to lower case")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *namesFlag != "as-is" && *namesFlag != "lower" {
		return usagef("schema: --names %q: want as-is or lower", *namesFlag)
	}
	opts := oracle.DDLOptions{SkipForeignKeys: *skipFK, LowerNames: *namesFlag == "lower"}
	var ddl string
	var findings []oracle.Finding
	switch {
	case *ddlPath != "" && *cfgPath != "":
		return usagef("give --config or --oracle-ddl, not both")
	case *ddlPath != "":
		f, err := os.Open(*ddlPath)
		if err != nil {
			return usagef("schema: %v", err)
		}
		defer f.Close()
		if ddl, findings, err = oracle.ConvertDDL(f, opts); err != nil {
			return usagef("schema: %s: %v", *ddlPath, err)
		}
	case *cfgPath != "":
		cfg, err := a.loadConfig(*cfgPath)
		if err != nil {
			return err
		}
		if cfg.Source.Driver != "oracle" {
			return usagef("schema: source.driver is %s; `schema` reads an Oracle dictionary (for MySQL, SHOW CREATE TABLE is the definition)", cfg.Source.Driver)
		}
		src, err := openOracle(ctx, cfg, 2, 0, a.log)
		if err != nil {
			return err
		}
		defer src.Close()
		names := make([]string, len(cfg.Tables))
		for i, t := range cfg.Tables {
			names[i] = t.Name
		}
		if ddl, findings, err = src.(*oracle.Source).SchemaDDL(ctx, names, opts); err != nil {
			return err
		}
	default:
		return usagef("schema: give --config F or --oracle-ddl FILE")
	}
	fmt.Fprint(a.stdout, ddl)
	if len(findings) > 0 {
		fmt.Fprintf(a.stderr, "%d findings (also as comments in the DDL):\n%s", len(findings), oracle.FormatFindings(findings))
	}
	return nil
}

// oracleChecks runs the Oracle source's database-wide probes (grants, undo
// retention against estimate, 0 when unknown, character sets); nil for a
// MySQL source.
func oracleChecks(ctx context.Context, src migrate.Source, cfg *config.Config, estimate time.Duration) ([]preflight.Finding, error) {
	o, ok := src.(*oracle.Source)
	if !ok {
		return nil, nil
	}
	names := make([]string, len(cfg.Tables))
	for i, t := range cfg.Tables {
		names[i] = t.Name
	}
	return o.Checks(ctx, names, estimate)
}

// planChecks adds the Oracle probes to a plan: the undo retention against the
// plan's estimated duration, the grants, the character sets. A blocking one
// refuses the plan (exit 2); the others are the plan's warnings.
func (a *app) planChecks(ctx context.Context, s *session, doc *planDoc) error {
	var estimate time.Duration
	if doc.Estimate != nil {
		estimate = time.Duration(doc.Estimate.Schedule.Makespan * float64(time.Second))
	}
	fs, err := oracleChecks(ctx, s.ep.src, s.cfg, estimate)
	if err != nil {
		return err
	}
	for _, f := range fs {
		if f.Severity == preflight.Blocking {
			return usagef("plan: %s", f.Message)
		}
		if f.Severity == preflight.Warning {
			doc.Warnings = append(doc.Warnings, f.Message)
		}
	}
	return nil
}
