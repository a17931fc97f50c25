package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cutover/cutover/catchup"
	"github.com/cutover/cutover/internal/catalog"
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
	s, err := a.openExisting(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer s.Close()
	cfg, ledger := s.cfg, s.ledger
	run, err := migrate.ActiveRun(ctx, ledger, s.found, cfg.Target.LedgerSchema)
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
	// With change capture on, status says how many changes wait for sync.
	lag, closeLag, err := catchup.StatusLag(ctx, ledger, cfg.Source.Driver == "mysql", func(ctx context.Context) (catchup.Source, []*catalog.Table, func(), error) {
		ep, res, c, err := a.openCapture(ctx, cfg, true, 2)
		if err != nil {
			return nil, nil, nil, err
		}
		return c, res.Tables, ep.Close, nil
	})
	if err != nil {
		return err
	}
	defer closeLag()
	show := migrate.StatusOptions{Lease: cfg.Run.Lease.Duration, JSON: *asJSON, ConfigPath: *cfgPath, Deadline: *deadline, Within: within,
		PerProcess: cfg.Run.Workers, Lag: lag}
	return migrate.WatchStatus(ctx, a.stdout, ledger, run, show, *watch)
}
