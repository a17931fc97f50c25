package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cutover/cutover/catchup"
	"github.com/cutover/cutover/internal/driver"
)

// cmdSync is `sync`: apply the captured changes to the target (package catchup).
func (a *app) cmdSync(ctx context.Context, args []string) error {
	fs := a.flags("sync")
	cfgPath := fs.String("config", "", "config file (YAML)")
	follow := fs.Bool("follow", false, "keep applying changes until interrupted")
	until := fs.String("until", "", "caught-up: apply until no change is pending, then exit 0")
	every := fs.Duration("every", time.Second, "with --follow or --until, how often to look for changes when there are none")
	if err := parse(fs, args); err != nil {
		return err
	}
	mode, err := catchup.ParseMode(*follow, *until, *every)
	if err != nil {
		return usageError{err}
	}
	cfg, err := a.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if err := cfg.RefuseCapture(); err != nil {
		return usageError{err}
	}
	if cfg.Source.Driver != "mysql" {
		return usagef("sync reads the capture of a MySQL source; an Oracle source is not supported yet")
	}
	ep, res, c, err := a.openCapture(ctx, cfg, false, 6)
	if err != nil {
		return err
	}
	defer ep.Close()
	out, err := catchup.Sync(ctx, catchup.SyncOptions{
		Options: catchup.Options{
			Tables: res.Tables, Tenants: cfg.Tenant.IDs,
			Batch: cfg.Capture.ApplyBatch(), Settle: cfg.Capture.SettleTime(), Log: a.log,
			Transient: driver.IsTransient, Retries: cfg.Run.Retries,
		},
		Source: c, Target: ep.tgt.Applier(), Mode: mode, Every: *every,
		OpenLedger: func(ctx context.Context) (catchup.CommandLedger, error) { return openLedger(ctx, cfg, ep.tgt) },
	})
	switch {
	case errors.Is(err, catchup.ErrCaptureOff):
		return usagef("capture is not on in %s: run cutover capture start --config %s before the bulk copy", cfg.Capture.SchemaName(), *cfgPath)
	case errors.Is(err, catchup.ErrNotCaptured):
		return usageError{err}
	case err != nil && ctx.Err() != nil: // a stop signal (main)
		fmt.Fprintf(a.stdout, "sync interrupted after %d changes in %s\n", out.Applied, out.Took)
		return interruptedError{fmt.Errorf("interrupted; resume with: cutover sync --config %s", *cfgPath)}
	case err != nil:
		return err
	}
	fmt.Fprintln(a.stdout, out.Line)
	return nil
}
