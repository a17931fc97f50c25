package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cutover/cutover/catchup"
	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/migrate"
)

func (a *app) cmdStatus(ctx context.Context, args []string) error {
	fs := a.flags("status")
	cfgPath := fs.String("config", "", "config file (YAML)")
	asJSON := fs.Bool("json", false, "print the status as JSON")
	watch := fs.Duration("watch", 0, "print the status again every this long (e.g. 2s) until interrupted; each line starts with the time")
	deadline := fs.String("deadline", "", "HH:MM local time (next occurrence): project the finish from the measured rate and say how many workers would make it")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := a.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	tgt, ledger, ok, err := existingLedger(ctx, cfg)
	if err != nil {
		return err
	}
	defer tgt.Close()
	run, err := migrate.ActiveRun(ctx, ledger, ok, cfg.Target.LedgerSchema)
	if errors.As(err, new(*migrate.NoRunError)) {
		fmt.Fprintf(a.stdout, "no run in ledger schema %s yet: `cutover plan --config %s` makes one\n", cfg.Target.LedgerSchema, *cfgPath)
		return nil
	}
	if err != nil {
		return err
	}
	within, _, err := window(*deadline, "", time.Now())
	if err != nil {
		return err
	}
	show := migrate.StatusOptions{Lease: cfg.Run.Lease.Duration, JSON: *asJSON, ConfigPath: *cfgPath, Deadline: *deadline, Within: within, PerProcess: cfg.Run.Workers}
	closeLag, err := a.captureLag(ctx, cfg, ledger, &show)
	if err != nil {
		return err
	}
	defer closeLag()
	return migrate.WatchStatus(ctx, a.stdout, ledger, run, show, *watch)
}

// captureLag sets show.Lag when change capture is on for this ledger (sync
// positions exist) and the source can be reached: status then says how many
// changes wait for sync. Without capture it does nothing; a source that cannot
// be opened is said once by the status, not an error: status reads the ledger.
func (a *app) captureLag(ctx context.Context, cfg *config.Config, l *checkpoint.Ledger, show *migrate.StatusOptions) (func(), error) {
	pos, err := l.SyncPositions(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the sync positions: %w", err)
	}
	if len(pos) == 0 || cfg.Source.Driver != "mysql" {
		return func() {}, nil
	}
	ep, res, c, err := a.openCapture(ctx, cfg, true, 2)
	if err != nil {
		show.Lag = func(context.Context) ([]catchup.TableLag, error) {
			return nil, fmt.Errorf("open the source to read the capture: %w", err)
		}
		return func() {}, nil
	}
	show.Lag = func(ctx context.Context) ([]catchup.TableLag, error) { return catchup.Lag(ctx, c, l, res.Tables) }
	return ep.Close, nil
}
