package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/cutover/cutover/catchup"
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
	if *print {
		return a.printCapture(ctx, cfg, verb)
	}
	ep, res, c, err := a.openCapture(ctx, cfg, true, 4)
	if err != nil {
		return err
	}
	defer ep.Close()
	l, err := openLedger(ctx, cfg, ep.tgt) // opening migrates it: the sync tables are there
	if err != nil {
		return err
	}
	out, err := catchup.Capture(ctx, catchup.CaptureOptions{Verb: catchup.CaptureVerb(verb), Capture: c, Ledger: l, Tables: res.Tables})
	switch {
	case verb == "start" && catchup.Refused(err):
		return usageError{err}
	case verb == "start" && driver.IsPrivilegeError(err):
		return usagef("%v: nothing is installed; cutover capture start --print gives the SQL and the grants for a DBA", err)
	case verb == "start" && err != nil:
		return fmt.Errorf("capture start: %w", err)
	case err != nil:
		return err
	case verb == "start":
		catchup.WriteStart(a.stdout, out.Start, len(res.Tables), cfg.Capture.SchemaName())
		return nil
	case verb == "stop":
		fmt.Fprintln(a.stdout, "capture removed: the source's triggers and our change tables are gone")
		return nil
	}
	return catchup.WriteStatus(a.stdout, out, *asJSON)
}

// printCapture writes the SQL of capture start or stop for a DBA: a MySQL
// source's triggers, an Oracle source's materialized view logs.
func (a *app) printCapture(ctx context.Context, cfg *config.Config, verb string) error {
	ep, res, err := a.prepare(ctx, cfg, true, 4)
	if err != nil {
		return err
	}
	defer ep.Close()
	s, ok := driver.ScripterOf(ep.src, cfg.Capture.SchemaName(), res.Tables)
	switch {
	case !ok:
		return usagef("this source cannot write capture SQL")
	case verb != "start" && verb != "stop":
		return usagef("--print is for capture start and stop")
	}
	return catchup.WriteScript(ctx, a.stdout, s, verb == "start")
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
