package main

import (
	"context"
	"fmt"
	"os"

	"github.com/cutover/cutover/internal/driver"
)

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
			return usagef("schema: source.driver is %s; `schema` reads an Oracle dictionary (for MySQL, SHOW CREATE TABLE is the definition)", cfg.Source.Driver)
		}
		src, err := a.openSource(ctx, cfg, 2)
		if err != nil {
			return err
		}
		defer src.Close()
		names := make([]string, len(cfg.Tables))
		for i, t := range cfg.Tables {
			names[i] = t.Name
		}
		if ddl, findings, n, err = driver.SchemaDDL(ctx, src, names, *skipFK, lower); err != nil {
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
