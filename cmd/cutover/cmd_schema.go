package main

import (
	"context"
	"fmt"
	"os"

	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/driver"
	"github.com/cutover/cutover/migrate"
)

// cmdSchema prints MySQL DDL for the configured tables: an Oracle source's
// from its live dictionary (--config) or offline from Oracle DDL text
// (--oracle-ddl FILE), a MySQL source's from SHOW CREATE TABLE (--config).
func (a *app) cmdSchema(ctx context.Context, args []string) error {
	fs := a.flags("schema")
	cfgPath := fs.String("config", "", "config file (YAML): read the source's live definitions (Oracle dictionary or MySQL SHOW CREATE TABLE)")
	ddlPath := fs.String("oracle-ddl", "", "Oracle DDL file (as DBMS_METADATA.GET_DDL writes it), converted offline")
	skipFK := fs.Bool("skip-foreign-keys", false, "write foreign keys as comments, for loading tenants in any order")
	namesFlag := fs.String("names", "as-is", "as-is, or lower: fold Oracle's upper-case names to lower case")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *namesFlag != "as-is" && *namesFlag != "lower" {
		return usagef("schema: --names %q: want as-is or lower", *namesFlag)
	}
	lower := *namesFlag == "lower"
	var ddl, findings string
	var n int
	switch {
	case *ddlPath != "" && *cfgPath != "":
		return usagef("give --config or --oracle-ddl, not both")
	case *ddlPath != "":
		f, err := os.Open(*ddlPath)
		if err != nil {
			return usagef("schema: %v", err)
		}
		defer f.Close()
		if ddl, findings, n, err = driver.ConvertOracleDDL(f, *skipFK, lower); err != nil {
			return usagef("schema: %s: %v", *ddlPath, err)
		}
	case *cfgPath != "":
		cfg, err := a.loadConfig(*cfgPath)
		if err != nil {
			return err
		}
		if cfg.Source.Driver != "oracle" {
			return a.mysqlSchema(ctx, cfg)
		}
		src, err := a.openSource(ctx, cfg, 2)
		if err != nil {
			return err
		}
		defer src.Close()
		if ddl, findings, n, err = driver.SchemaDDL(ctx, src, cfg.TableNames(), *skipFK, lower); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
	default:
		return usagef("schema: give --config F or --oracle-ddl FILE")
	}
	fmt.Fprint(a.stdout, ddl)
	if n > 0 {
		fmt.Fprintf(a.stderr, "%d findings (also as comments in the DDL):\n%s", n, findings)
	}
	return nil
}

// mysqlSchema prints a MySQL source's table definitions under the target's
// names: the DDL `run --create-tables` would execute, to review or apply
// before the night.
func (a *app) mysqlSchema(ctx context.Context, cfg *config.Config) error {
	ep, res, err := a.prepare(ctx, cfg, true, 2)
	if err != nil {
		return err
	}
	defer ep.Close()
	ddl, err := migrate.SchemaDDL(ctx, ep.src, ep.tgt.SchemaName(), res)
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	fmt.Fprint(a.stdout, ddl)
	return nil
}
