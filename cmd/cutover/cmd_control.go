package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/alert"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/migrate"
)

// binaryVersion is what the ledger's version gate compares: the version
// string and the VCS revision set at build time.
func binaryVersion() string { return version + " (revision " + revision + ")" }

// alerts starts the on_event notifier; the caller closes it (bounded).
func (a *app) alerts(cfg *config.Config, runID int64, host string) (*alert.Notifier, alert.SendFunc) {
	n := alert.New(alert.Options{Command: cfg.OnEvent.Command, Webhook: cfg.OnEvent.Webhook, Timeout: cfg.OnEvent.Timeout.Duration, Log: a.log})
	return n, n.For(alert.Event{RunID: runID, Host: host, PID: os.Getpid(), Version: binaryVersion()})
}

// alertVerify tells on_event the verification's result; delivery is bounded
// and a failure is only logged.
func (a *app) alertVerify(ctx context.Context, cfg *config.Config, tgt migrate.SQLDB, equal bool, differences int) {
	n, event := a.alerts(cfg, migrate.ActiveRunID(ctx, tgt.SQL(), cfg.Target.LedgerSchema), hostname())
	defer n.Close()
	event(alert.Verified(equal, differences))
}

// controlSession is the config, target, ledger and active run an operator
// command steers; it does not touch the source.
type controlSession struct {
	*ledgerSession
	run *checkpoint.Run
}

// openControl parses an operator command's flags and opens the target, the
// ledger and the active run it steers.
func (a *app) openControl(ctx context.Context, fs *flag.FlagSet, args []string, cfgPath *string) (*controlSession, error) {
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	s, err := a.openExisting(ctx, *cfgPath)
	if err != nil {
		return nil, err
	}
	run, err := migrate.ActiveRun(ctx, s.ledger, s.found, s.cfg.Target.LedgerSchema)
	if errors.As(err, new(*migrate.NoRunError)) {
		err = usageError{err}
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return &controlSession{ledgerSession: s, run: run}, nil
}

// cmdControl sets the run's control state: stop, stop --now, pause, resume.
func (a *app) cmdControl(ctx context.Context, name string, args []string) error {
	fs := a.flags(name)
	cfgPath := fs.String("config", "", "config file (YAML)")
	now := false
	wait := fs.Duration("wait", 0, "wait up to this long for every process to exit (stop) or to see the control")
	if name == "stop" {
		fs.BoolVar(&now, "now", false, "abort in-flight batches (they roll back) instead of letting them finish")
	}
	reason := fs.String("reason", "", "why, recorded in the ledger and shown by every process")
	c, err := a.openControl(ctx, fs, args, cfgPath)
	if err != nil {
		return err
	}
	defer c.Close()
	err = migrate.Steer(ctx, a.stdout, c.ledger, c.run, migrate.SteerOptions{Command: name, Now: now, Reason: *reason, Host: hostname(),
		Lease: c.cfg.Run.Lease.Duration, MaxFailed: c.cfg.Run.MaxFailed, ConfigPath: *cfgPath, Wait: *wait})
	return notDrained(err)
}

// notDrained is a stop or upgrade that waited for the processes in vain
// (exit 1).
func notDrained(err error) error {
	if errors.As(err, new(*migrate.NotDrainedError)) {
		return failedError{err}
	}
	return err
}

// cmdUpgrade moves the run to this binary's version and this config's run
// settings: it drains every process first, then lets the run go on.
func (a *app) cmdUpgrade(ctx context.Context, args []string) error {
	fs := a.flags("upgrade")
	cfgPath := fs.String("config", "", "config file (YAML)")
	wait := fs.Duration("wait", 10*time.Minute, "how long to wait for every process to drain")
	c, err := a.openControl(ctx, fs, args, cfgPath)
	if err != nil {
		return err
	}
	defer c.Close()
	err = migrate.Upgrade(ctx, a.stdout, c.ledger, c.run, migrate.UpgradeOptions{To: binaryVersion(), RunFP: c.cfg.RunFingerprint(),
		PlanFP: c.cfg.PlanFingerprint(), Host: hostname(), ConfigPath: *cfgPath, Lease: c.cfg.Run.Lease.Duration, Wait: *wait})
	return notDrained(classify(err))
}
