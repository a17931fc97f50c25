package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cutover/cutover/catchup"
	"github.com/cutover/cutover/checkpoint"
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
	mode := catchup.Once
	switch {
	case *until == "caught-up" && *follow:
		return usagef("--follow and --until caught-up exclude each other")
	case *until == "caught-up":
		mode = catchup.UntilCaughtUp
	case *until != "":
		return usagef("--until %q: only caught-up is known", *until)
	case *follow:
		mode = catchup.Follow
	}
	if *every < 10*time.Millisecond || *every > time.Hour {
		return usagef("--every must be between 10ms and 1h")
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
	id, _, err := c.Installed(ctx)
	if err != nil {
		return err
	}
	if id == "" {
		return usagef("capture is not on in %s: run cutover capture start --config %s before the bulk copy", cfg.Capture.SchemaName(), *cfgPath)
	}
	l, err := openLedger(ctx, cfg, ep.tgt)
	if err != nil {
		return err
	}
	if err := checkpoint.EnsureSync(ctx, ep.tgt.SQL(), cfg.Target.LedgerSchema); err != nil {
		return err
	}
	start := time.Now()
	syncer := catchup.New(c, ep.tgt.Applier(), l, catchup.Options{
		Tables: res.Tables, Tenants: cfg.Tenant.IDs, CaptureID: id,
		Batch: cfg.Capture.ApplyBatch(), Settle: cfg.Capture.SettleTime(), Log: a.log,
		Transient: driver.IsTransient, Retries: cfg.Run.Retries,
	})
	n, err := syncer.Run(ctx, mode, *every, func(r catchup.Result, total int) {
		for _, t := range r.Tables {
			if t.Applied > 0 {
				a.log.Info("sync", "table", t.Table, "applied", t.Applied, "keys", t.Keys)
			}
		}
	})
	took := time.Since(start).Round(time.Millisecond)
	if errors.Is(err, catchup.ErrNotCaptured) {
		return usageError{err}
	}
	if err != nil && ctx.Err() != nil { // a stop signal (main)
		fmt.Fprintf(a.stdout, "sync interrupted after %d changes in %s\n", n, took)
		return interruptedError{fmt.Errorf("interrupted; resume with: cutover sync --config %s", *cfgPath)}
	}
	if err != nil {
		return err
	}
	rate := 0.0
	if took > 0 {
		rate = float64(n) / took.Seconds()
	}
	line := fmt.Sprintf("sync applied %d changes in %s (%.0f/s)", n, took, rate)
	if mode == catchup.UntilCaughtUp {
		line += ": caught up"
	}
	fmt.Fprintln(a.stdout, line)
	// The report's catch-up phase reads it back; the copy is already safe, so
	// a failure to record is said, not fatal.
	var runID int64
	if run, err := l.ActiveRun(ctx); err == nil && run != nil {
		runID = run.ID
	}
	if err := l.Record(ctx, runID, checkpoint.EventSync, line); err != nil {
		a.log.Warn("could not record the sync in the ledger's history", "err", err)
	}
	return nil
}
