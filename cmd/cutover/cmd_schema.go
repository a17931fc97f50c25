package main

import (
	"context"
	"fmt"

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
	opt := driver.DDLOptions{SkipForeignKeys: *skipFK, LowerNames: *namesFlag == "lower"}
	var ddl driver.DDL
	var err error
	switch {
	case *ddlPath != "" && *cfgPath != "":
		return usagef("give --config or --oracle-ddl, not both")
	case *ddlPath != "":
		if ddl, err = driver.ConvertOracleDDLFile(*ddlPath, opt); err != nil {
			return usagef("schema: %v", err)
		}
	case *cfgPath != "":
		if ddl, err = a.liveSchema(ctx, *cfgPath, opt); err != nil {
			return err
		}
	default:
		return usagef("schema: give --config F or --oracle-ddl FILE")
	}
	ddl.Write(a.stdout, a.stderr)
	return nil
}

// liveSchema reads the configured tables' definitions from the source: an
// Oracle source's dictionary, or a MySQL source's SHOW CREATE TABLE under the
// target's names (the DDL `run --create-tables` would execute).
func (a *app) liveSchema(ctx context.Context, cfgPath string, opt driver.DDLOptions) (driver.DDL, error) {
	cfg, err := a.loadConfig(cfgPath)
	if err != nil {
		return driver.DDL{}, err
	}
	var ddl driver.DDL
	if cfg.Source.Driver == "oracle" {
		src, err := a.openSource(ctx, cfg, 2)
		if err != nil {
			return driver.DDL{}, err
		}
		defer src.Close()
		if ddl, err = driver.SchemaDDL(ctx, src, cfg.TableNames(), opt); err != nil {
			return driver.DDL{}, fmt.Errorf("schema: %w", err)
		}
		return ddl, nil
	}
	ep, res, err := a.prepare(ctx, cfg, true, 2)
	if err != nil {
		return driver.DDL{}, err
	}
	defer ep.Close()
	if ddl.Text, err = migrate.SchemaDDL(ctx, ep.src, ep.tgt.SchemaName(), res); err != nil {
		return driver.DDL{}, fmt.Errorf("schema: %w", err)
	}
	return ddl, nil
}
