package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/alert"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/driver"
	"github.com/cutover/cutover/migrate"
)

// binaryVersion is what the ledger's version gate compares: the version
// string and the VCS revision set at build time.
func binaryVersion() string { return version + " (revision " + revision + ")" }

// eventFunc sends an alert about this process and run.
type eventFunc func(kind, msg string, details map[string]any)

// alerts starts the on_event notifier; the caller closes it (bounded).
func (a *app) alerts(cfg *config.Config, runID int64, host string) (*alert.Notifier, eventFunc) {
	n := alert.New(alert.Options{Command: cfg.OnEvent.Command, Webhook: cfg.OnEvent.Webhook, Timeout: cfg.OnEvent.Timeout.Duration, Log: a.log})
	return n, func(kind, msg string, details map[string]any) {
		n.Send(alert.Event{Event: kind, RunID: runID, Host: host, PID: os.Getpid(), Version: binaryVersion(), Message: msg, Details: details})
	}
}

// alertVerify tells on_event the verification's result; delivery is bounded
// and a failure is only logged.
func (a *app) alertVerify(ctx context.Context, cfg *config.Config, tgt migrate.SQLDB, equal bool, differences int) {
	var runID int64
	if ok, err := checkpoint.Exists(ctx, tgt.SQL(), cfg.Target.LedgerSchema); err == nil && ok {
		if run, err := checkpoint.OpenExisting(tgt.SQL(), cfg.Target.LedgerSchema).ActiveRun(ctx); err == nil && run != nil {
			runID = run.ID
		}
	}
	n, event := a.alerts(cfg, runID, hostname())
	defer n.Close()
	msg := "verify: every (tenant, table) row count is equal on both sides"
	if !equal {
		msg = fmt.Sprintf("verify: %d (tenant, table) counts differ", differences)
	}
	event(alert.Verify, msg, map[string]any{"equal": equal, "differences": differences})
}

// controlSession is the target and ledger an operator command needs; it does
// not touch the source.
type controlSession struct {
	cfg    *config.Config
	tgt    driver.Target
	ledger *checkpoint.Ledger
	run    *checkpoint.Run
}

func (a *app) openControl(ctx context.Context, cfgPath string) (*controlSession, error) {
	cfg, err := a.loadConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	tgt, ledger, ok, err := existingLedger(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if !ok {
		tgt.Close()
		return nil, usagef("no ledger in schema %s: nothing runs yet", cfg.Target.LedgerSchema)
	}
	run, err := ledger.ActiveRun(ctx)
	if err != nil {
		tgt.Close()
		return nil, fmt.Errorf("read the active run: %w", err)
	}
	if run == nil {
		tgt.Close()
		return nil, usagef("no active run in ledger schema %s", cfg.Target.LedgerSchema)
	}
	return &controlSession{cfg: cfg, tgt: tgt, ledger: ledger, run: run}, nil
}

func (c *controlSession) Close() { c.tgt.Close() }

// parseAndOpenControl parses an operator command's flags and opens the
// target, the ledger and the active run it steers.
func (a *app) parseAndOpenControl(ctx context.Context, fs *flag.FlagSet, args []string, cfgPath *string) (*controlSession, error) {
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	return a.openControl(ctx, *cfgPath)
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
	c, err := a.parseAndOpenControl(ctx, fs, args, cfgPath)
	if err != nil {
		return err
	}
	defer c.Close()
	state := map[string]string{"stop": checkpoint.ControlStop, "pause": checkpoint.ControlPause, "resume": checkpoint.ControlRun}[name]
	if now {
		state = checkpoint.ControlStopNow
	}
	who := fmt.Sprintf("%s on %s at %s", name, hostname(), time.Now().UTC().Format(time.RFC3339))
	if now {
		who = "stop --now" + strings.TrimPrefix(who, "stop")
	}
	if *reason != "" {
		who += ": " + *reason
	}
	if err := c.ledger.SetControl(ctx, c.run.ID, state, who); err != nil {
		return fmt.Errorf("set the control of the run: %w", err)
	}
	live, err := c.ledger.LiveMembers(ctx, c.run.ID, c.cfg.Run.Lease.Duration)
	if err != nil {
		return fmt.Errorf("count the live processes: %w", err)
	}
	switch name {
	case "stop":
		fmt.Fprintf(a.stdout, "run %d: %s requested; %d live processes see it within 2 s and exit 3\n", c.run.ID, state, live)
	case "pause":
		fmt.Fprintf(a.stdout, "run %d: paused; %d live processes start no new batch until `cutover resume --config %s`\n", c.run.ID, live, *cfgPath)
	default:
		fmt.Fprintf(a.stdout, "run %d: resumed; %d live processes claim again; stopped hosts resume with `cutover run --config %s`\n", c.run.ID, live, *cfgPath)
		if c.cfg.Run.MaxFailed >= 0 {
			if n, err := c.ledger.FailedBatches(ctx, c.run.ID); err == nil && n > c.cfg.Run.MaxFailed {
				fmt.Fprintf(a.stdout, "note: %d batches failed, above run.max_failed_batches = %d: the run halts again unless you rerun with --retry-failed\n", n, c.cfg.Run.MaxFailed)
			}
		}
	}
	if name == "stop" && *wait > 0 {
		return a.waitDrained(ctx, c, *wait, *cfgPath)
	}
	return nil
}

// waitDrained waits until no live process is left in the run.
func (a *app) waitDrained(ctx context.Context, c *controlSession, wait time.Duration, cfgPath string) error {
	err := migrate.WaitDrained(ctx, c.ledger, c.run, c.cfg.Run.Lease.Duration, wait)
	var nd *migrate.NotDrainedError
	if errors.As(err, &nd) {
		return failedError{fmt.Errorf("%v; `cutover stop --now --config %s` aborts their batches", nd, cfgPath)}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "run %d: every process has exited\n", c.run.ID)
	return nil
}

// cmdUpgrade moves the run to this binary's version and this config's run
// settings: it drains every process first, then lets the run go on.
func (a *app) cmdUpgrade(ctx context.Context, args []string) error {
	fs := a.flags("upgrade")
	cfgPath := fs.String("config", "", "config file (YAML)")
	wait := fs.Duration("wait", 10*time.Minute, "how long to wait for every process to drain")
	c, err := a.parseAndOpenControl(ctx, fs, args, cfgPath)
	if err != nil {
		return err
	}
	defer c.Close()
	ctl, err := c.ledger.ReadControl(ctx, c.run.ID)
	if err != nil {
		return fmt.Errorf("read the controls of the run: %w", err)
	}
	to, fp := binaryVersion(), c.cfg.RunFingerprint()
	if ctl.Version == to && ctl.RunFP == fp {
		fmt.Fprintf(a.stdout, "run %d already accepts version %s and these run settings (%s)\n", c.run.ID, to, fp)
		return nil
	}
	if c.cfg.PlanFingerprint() != c.run.ConfigFP {
		return usagef("this config plans differently from run %d: an upgrade keeps the plan; use `cutover run --replan` to plan anew", c.run.ID)
	}
	who := fmt.Sprintf("upgrade to %s requested on %s at %s", to, hostname(), time.Now().UTC().Format(time.RFC3339))
	if err := c.ledger.SetControl(ctx, c.run.ID, checkpoint.ControlStop, who); err != nil {
		return fmt.Errorf("stop the run for the upgrade: %w", err)
	}
	fmt.Fprintf(a.stdout, "run %d: draining every process before moving from %s to %s\n", c.run.ID, orNone(ctl.Version), to)
	if err := a.waitDrained(ctx, c, *wait, *cfgPath); err != nil {
		return err
	}
	if err := c.ledger.Upgrade(ctx, c.run.ID, to, fp, who); err != nil {
		return fmt.Errorf("move the run to version %s: %w", to, err)
	}
	fmt.Fprintf(a.stdout, "run %d now accepts version %s with run settings %s; start `cutover run --config %s` on every host with this binary\n",
		c.run.ID, to, fp, *cfgPath)
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none yet)"
	}
	return s
}

func printCluster(w io.Writer, doc *migrate.RunStatus) {
	line := fmt.Sprintf("state: %s; version %s", doc.State, orNone(doc.Control.Version))
	if doc.Control.State != checkpoint.ControlRun && doc.Control.Reason != "" {
		line += "; control " + doc.Control.State + " (" + doc.Control.Reason + ")"
	}
	if doc.BlockedBy != "" {
		line += "; " + doc.BlockedBy
	}
	fmt.Fprintln(w, line)
}

// printMembers prints the live and the dead processes, and how many stopped
// cleanly (every rerun registers anew, so those add up).
func printMembers(w io.Writer, members []checkpoint.Member, now time.Time) {
	stopped := 0
	for _, m := range members {
		if m.Stopped && !m.Live {
			stopped++
			continue
		}
		state := "stopped"
		switch {
		case m.Live:
			state = "live, last heartbeat " + age(now, m.Heartbeat)
		case !m.Stopped:
			state = "dead (last heartbeat " + age(now, m.Heartbeat) + ")"
		}
		fmt.Fprintf(w, "process pid %d on %s (%s, %d workers): %s", m.PID, m.Host, m.Version, m.Workers, state)
		if len(m.Batches) > 0 {
			fmt.Fprintf(w, "; batches %v", m.Batches)
		}
		if m.Live && m.Throttle != "" {
			fmt.Fprintf(w, "; waiting: %s", m.Throttle)
		}
		fmt.Fprintln(w)
	}
	if stopped > 0 {
		fmt.Fprintf(w, "%d processes have stopped (status --json lists them)\n", stopped)
	}
}
