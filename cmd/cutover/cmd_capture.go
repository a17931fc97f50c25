package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cutover/cutover/catchup"
	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/driver"
	"github.com/cutover/cutover/migrate"
)

// cmdCapture is `capture start|stop|status`: changed-key capture on the
// source (package catchup; the triggers in internal/mysqldb/capture.go).
func (a *app) cmdCapture(ctx context.Context, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usagef("capture needs start, stop or status: cutover capture start --config F")
	}
	verb, rest := args[0], args[1:]
	fs := a.flags("capture " + verb)
	cfgPath := fs.String("config", "", "config file (YAML)")
	print := fs.Bool("print", false, "print the SQL (and the grants it needs) instead of running it, for a DBA to run")
	asJSON := fs.Bool("json", false, "status: print the lag as JSON")
	if err := parse(fs, rest); err != nil {
		return err
	}
	switch verb {
	case "start", "stop", "status":
	default:
		return usagef("capture %s: unknown; use start, stop or status", verb)
	}
	cfg, err := a.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if err := cfg.RefuseCapture(); err != nil && verb == "start" {
		return usageError{err}
	}
	if cfg.Source.Driver != "mysql" && (!*print || verb == "status") {
		return usagef("capture runs on a MySQL source; on Oracle, capture %s --print writes the materialized view logs' SQL for a DBA (see the README, zero-downtime night)", verb)
	}
	if cfg.Source.Driver != "mysql" {
		return a.printOracleCapture(ctx, cfg, verb == "start")
	}
	ep, res, c, err := a.openCapture(ctx, cfg, true, 4)
	if err != nil {
		return err
	}
	defer ep.Close()
	if *print {
		return a.printCapture(ctx, c, verb)
	}
	l, err := openSyncLedger(ctx, cfg, ep.tgt)
	if err != nil {
		return err
	}
	out, err := catchup.Capture(ctx, catchup.CaptureOptions{Verb: catchup.CaptureVerb(verb), Capture: c, Ledger: l, Tables: res.Tables})
	switch verb {
	case "start":
		var started *catchup.ErrCopyStarted
		var other *catchup.ErrOtherTables
		if errors.As(err, &started) || errors.As(err, &other) {
			return usageError{err}
		}
		if driver.IsPrivilegeError(err) {
			return usagef("%v: nothing is installed; cutover capture start --print gives the SQL and the grants for a DBA", err)
		}
		if err != nil {
			return fmt.Errorf("capture start: %w", err)
		}
		n := len(res.Tables)
		switch {
		case out.Start.Already:
			fmt.Fprintf(a.stdout, "capture %s is already on for %d tables\n", out.Start.ID, n)
		case out.Start.Recorded:
			fmt.Fprintf(a.stdout, "capture %s (installed by hand) recorded for %d tables: changes from now on are kept in %s\n", out.Start.ID, n, cfg.Capture.SchemaName())
		default:
			fmt.Fprintf(a.stdout, "capture %s on for %d tables: changes from now on are kept in %s; copy with cutover run, then cutover sync\n", out.Start.ID, n, cfg.Capture.SchemaName())
		}
		return nil
	case "stop":
		if err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, "capture removed: the source's triggers and our change tables are gone")
		return nil
	}
	if err != nil {
		return err
	}
	if out.ID == "" {
		fmt.Fprintln(a.stdout, "capture: off")
		return nil
	}
	if *asJSON {
		return json.NewEncoder(a.stdout).Encode(map[string]any{"capture": out.ID, "tables": out.Lag})
	}
	fmt.Fprintf(a.stdout, "capture %s: on\n", out.ID)
	for _, l := range out.Lag {
		fmt.Fprintf(a.stdout, "  %-24s position %-10d pending %-8d oldest %-8s applied %d %s\n", l.Table, l.Seq, l.Pending,
			l.Oldest.Round(time.Millisecond), l.Applied, l.Held)
	}
	return nil
}

// printCapture writes the SQL of capture start or stop for a DBA.
func (a *app) printCapture(ctx context.Context, c *driver.Capture, verb string) error {
	switch verb {
	case "start":
		id, err := catchup.NewCaptureID()
		if err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, "-- cutover capture start: run as a user with these privileges, then run `cutover capture start` to record it.")
		fmt.Fprintln(a.stdout, "-- The trigger's definer (that user) must keep INSERT on the capture schema: without it, writes to the tables fail.")
		fmt.Fprintln(a.stdout, "-- With binary logging on and log_bin_trust_function_creators=0, CREATE TRIGGER also needs SUPER (error 1419).")
		for _, g := range c.CaptureGrants("'USER'@'HOST'") {
			fmt.Fprintln(a.stdout, "--   "+g+";")
		}
		fmt.Fprint(a.stdout, driver.CaptureScript(c.InstallSQL(id)))
	case "stop":
		fmt.Fprintln(a.stdout, "-- cutover capture stop: the triggers first, then the change tables; drop the capture schema if it is empty.")
		for _, q := range c.RemoveSQL(nil) {
			fmt.Fprintln(a.stdout, q+";")
		}
	default:
		return usagef("--print is for capture start and stop")
	}
	return nil
}

// openCapture opens both databases, resolves the tables, and returns the
// MySQL source's capture of them.
func (a *app) openCapture(ctx context.Context, cfg *config.Config, allowMissing bool, conns int) (endpoints, *migrate.Resolution, *driver.Capture, error) {
	ep, res, err := a.prepare(ctx, cfg, allowMissing, conns)
	if err != nil {
		return endpoints{}, nil, nil, err
	}
	c, ok := driver.CaptureOf(ep.src, cfg.Capture.SchemaName(), res.Tables)
	if !ok {
		ep.Close()
		return endpoints{}, nil, nil, usagef("capture runs on a MySQL source")
	}
	return ep, res, c, nil
}

// openSyncLedger opens the ledger with its sync tables (creating them on
// first use).
func openSyncLedger(ctx context.Context, cfg *config.Config, tgt driver.Target) (*checkpoint.Ledger, error) {
	l, err := openLedger(ctx, cfg, tgt)
	if err != nil {
		return nil, err
	}
	if err := checkpoint.EnsureSync(ctx, tgt.SQL(), cfg.Target.LedgerSchema); err != nil {
		return nil, err
	}
	return l, nil
}

// captureScripter is a source that writes its capture's SQL (Oracle: the
// materialized view logs, internal/oracle/mvlog.go).
type captureScripter interface {
	CaptureStatements(ctx context.Context, tables []*catalog.Table, start bool) ([]string, error)
}

// printOracleCapture writes the SQL of capture start or stop on an Oracle
// source for a DBA.
func (a *app) printOracleCapture(ctx context.Context, cfg *config.Config, start bool) error {
	ep, res, err := a.prepare(ctx, cfg, true, 4)
	if err != nil {
		return err
	}
	defer ep.Close()
	sc, ok := ep.src.(captureScripter)
	if !ok {
		return usagef("this source cannot write capture SQL")
	}
	stmts, err := sc.CaptureStatements(ctx, res.Tables, start)
	if err != nil {
		return fmt.Errorf("write the capture SQL: %w", err)
	}
	for _, q := range stmts {
		if strings.HasPrefix(q, "--") {
			fmt.Fprintln(a.stdout, q)
			continue
		}
		fmt.Fprintln(a.stdout, q+";")
	}
	return nil
}
