package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/alert"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// binaryVersion is what the ledger's version gate compares: the version
// string and the VCS revision set at build time.
func binaryVersion() string { return version + " (revision " + revision + ")" }

// joinRun registers this process with the run through the version and
// settings gate. A refusal is a usage error (exit 2): nothing was claimed.
func (a *app) joinRun(ctx context.Context, s *session, runRec *checkpoint.Run, p checkpoint.Process, cfgPath string) error {
	s.ledger.BoundWorkers(s.cfg.Run.MaxWorkers)
	err := s.ledger.Join(ctx, runRec.ID, p, s.cfg.RunFingerprint(), runRec.PlanFP, s.cfg.Run.Lease.Duration)
	var ge *checkpoint.GateError
	if errors.As(err, &ge) {
		return gateRefusal(ge, cfgPath)
	}
	return err
}

// gateEarly refuses a binary whose version differs from the active run's
// before it writes anything (the ledger is only read); joinRun repeats the
// check atomically with registration.
func (a *app) gateEarly(ctx context.Context, s *session, cfgPath string) error {
	ok, err := checkpoint.Exists(ctx, s.ep.tgt.SQL(), s.cfg.Target.LedgerSchema)
	if err != nil || !ok {
		return err
	}
	ledger := checkpoint.OpenExisting(s.ep.tgt.SQL(), s.cfg.Target.LedgerSchema)
	runRec, err := ledger.ActiveRun(ctx)
	if err != nil || runRec == nil {
		return err
	}
	ctl, err := ledger.ReadControl(ctx, runRec.ID)
	if err != nil {
		return err
	}
	if ctl.Version == "" || ctl.Version == binaryVersion() {
		return nil
	}
	members, err := ledger.Members(ctx, runRec.ID, s.cfg.Run.Lease.Duration)
	if err != nil {
		return err
	}
	ge := &checkpoint.GateError{RunID: runRec.ID, What: "version", Accepted: ctl.Version, Got: binaryVersion()}
	seen := map[string]bool{}
	for _, m := range members {
		if m.Live && m.Version == ctl.Version && !seen[m.Host] {
			seen[m.Host] = true
			ge.Hosts = append(ge.Hosts, m.Host)
		}
	}
	return gateRefusal(ge, cfgPath)
}

func gateRefusal(ge *checkpoint.GateError, cfgPath string) error {
	hint := "deploy the accepted binary on this host, or move the whole run to this one with `cutover upgrade --config " + cfgPath + "` (it drains every worker first)"
	if ge.What == "settings" {
		hint = "use the same config on every host, or move the run to this config with `cutover upgrade --config " + cfgPath + "` (it drains every worker first)"
	}
	return usagef("%v; %s", ge, hint)
}

// refuseReplanWhileLive keeps --replan from replacing a run that processes on
// other hosts are still copying.
func (a *app) refuseReplanWhileLive(ctx context.Context, s *session, runRec *checkpoint.Run) error {
	members, err := s.ledger.Members(ctx, runRec.ID, s.cfg.Run.Lease.Duration)
	if err != nil {
		return err
	}
	var live []string
	for _, m := range members {
		if m.Live {
			live = append(live, fmt.Sprintf("pid %d on %s", m.PID, m.Host))
		}
	}
	if len(live) > 0 {
		return usagef("run %d has %d live processes (%s): stop them first (`cutover stop`), then --replan", runRec.ID, len(live), strings.Join(live, ", "))
	}
	return nil
}

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
func (a *app) alertVerify(ctx context.Context, s *session, equal bool, differences int) {
	var runID int64
	if ok, err := checkpoint.Exists(ctx, s.ep.tgt.SQL(), s.cfg.Target.LedgerSchema); err == nil && ok {
		if run, err := checkpoint.OpenExisting(s.ep.tgt.SQL(), s.cfg.Target.LedgerSchema).ActiveRun(ctx); err == nil && run != nil {
			runID = run.ID
		}
	}
	n, event := a.alerts(s.cfg, runID, hostname())
	defer n.Close()
	msg := "verify: every (tenant, table) row count is equal on both sides"
	if !equal {
		msg = fmt.Sprintf("verify: %d (tenant, table) counts differ", differences)
	}
	event(alert.Verify, msg, map[string]any{"equal": equal, "differences": differences})
}

// newController builds this process's controller from the config: the
// ledger's controls, the stop file, the error budget, rate limits and probes.
func (a *app) newController(s *session, runRec *checkpoint.Run, owner string, rows func() int64, onStop func(migrate.Stop), event eventFunc) (*migrate.Controller, error) {
	th := s.cfg.Run.Throttle
	opt := migrate.ThrottleOptions{RowsPerSecond: th.RowsPerSecond, BytesPerSecond: th.MBPerSecond * 1e6, Every: th.Every.Duration}
	if th.MBPerSecond > 0 {
		opt.BytesPerRow = bytesPerRow(runRec)
	}
	for i, p := range th.Probes {
		db, err := a.probeDB(s, p.On)
		if err != nil {
			return nil, usagef("run.throttle.probes[%d] (%s): %v", i, p.Name, err)
		}
		read, err := migrate.ProbeReader(db, p.Metric, p.SQL)
		if err != nil {
			return nil, usagef("run.throttle.probes[%d] (%s): %v", i, p.Name, err)
		}
		opt.Probes = append(opt.Probes, migrate.Probe{Name: p.Name, Max: p.Max, Read: read})
	}
	return migrate.NewController(s.ledger, migrate.ControlOptions{
		RunID: runRec.ID, Owner: owner, Lease: s.cfg.Run.Lease.Duration, StopFile: s.cfg.Run.StopFile,
		MaxFailed: s.cfg.Run.MaxFailed, Throttle: opt, Log: a.log, OnStop: onStop,
		OnFailure: func(b *checkpoint.Batch, cause error) {
			event(alert.Failure, fmt.Sprintf("batch %d of %s failed: %v", b.ID, b.Table, cause),
				map[string]any{"batch": b.ID, "table": b.Table, "attempts": b.Attempts, "error": cause.Error()})
		},
		OnHalt: func(reason string) { event(alert.Halt, "run halted on every host: "+reason, nil) },
	}, rows), nil
}

func (a *app) probeDB(s *session, on string) (*sql.DB, error) {
	if on == "target" {
		return s.ep.tgt.SQL(), nil
	}
	if sq, ok := s.ep.src.(interface{ SQL() *sql.DB }); ok {
		return sq.SQL(), nil
	}
	return nil, errors.New("probes on this source driver are not supported; probe the target, or a MySQL source")
}

// checkProbes reads every probe once before anything is claimed: a probe
// that cannot be read is a config error, not a silent pause.
func checkProbes(ctx context.Context, s *session, a *app) error {
	for i, p := range s.cfg.Run.Throttle.Probes {
		db, err := a.probeDB(s, p.On)
		if err != nil {
			return usagef("run.throttle.probes[%d] (%s): %v", i, p.Name, err)
		}
		read, err := migrate.ProbeReader(db, p.Metric, p.SQL)
		if err != nil {
			return usagef("run.throttle.probes[%d] (%s): %v", i, p.Name, err)
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err = read(pctx)
		cancel()
		if err != nil {
			return usagef("run.throttle.probes[%d] (%s) cannot be read: %v", i, p.Name, err)
		}
	}
	return nil
}

// bytesPerRow is the plan's estimated average row size.
func bytesPerRow(runRec *checkpoint.Run) float64 {
	doc, err := planner.ParseDoc(runRec.Plan)
	if err != nil {
		return 0
	}
	return doc.BytesPerRow()
}

// stopOutcome maps a stop the controller obeyed to the exit contract.
func stopOutcome(st migrate.Stop, done, total int, cfgPath string) error {
	resume := fmt.Sprintf("cutover resume --config %s, then cutover run --config %s on each host", cfgPath, cfgPath)
	if st.Halted {
		return failedError{fmt.Errorf("%s; %d of %d batches done\nafter fixing the cause: cutover resume --config %s, then cutover run --config %s --retry-failed",
			st.Reason, done, total, cfgPath, cfgPath)}
	}
	if strings.HasPrefix(st.Reason, "stop file") {
		resume = "remove the stop file, then cutover run --config " + cfgPath
	}
	return interruptedError{fmt.Errorf("stopped (%s) with %d of %d batches done; nothing half-written\nresume with: %s", st.Reason, done, total, resume)}
}

// controlSession is the target and ledger an operator command needs; it does
// not touch the source.
type controlSession struct {
	cfg    *config.Config
	tgt    *mysqldb.DB
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
		return nil, err
	}
	if run == nil {
		tgt.Close()
		return nil, usagef("no active run in ledger schema %s", cfg.Target.LedgerSchema)
	}
	return &controlSession{cfg: cfg, tgt: tgt, ledger: ledger, run: run}, nil
}

func (c *controlSession) Close() { c.tgt.Close() }

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
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := a.openControl(ctx, *cfgPath)
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
		return err
	}
	live, err := c.ledger.LiveMembers(ctx, c.run.ID, c.cfg.Run.Lease.Duration)
	if err != nil {
		return err
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
	deadline := time.Now().Add(wait)
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		members, err := c.ledger.Members(ctx, c.run.ID, c.cfg.Run.Lease.Duration)
		if err != nil {
			return err
		}
		var live []string
		for _, m := range members {
			if m.Live {
				live = append(live, fmt.Sprintf("pid %d on %s (%d batches in flight)", m.PID, m.Host, len(m.Batches)))
			}
		}
		if len(live) == 0 {
			fmt.Fprintf(a.stdout, "run %d: every process has exited\n", c.run.ID)
			return nil
		}
		if time.Now().After(deadline) {
			return failedError{fmt.Errorf("after %s, %d processes still run: %s; `cutover stop --now --config %s` aborts their batches",
				wait, len(live), strings.Join(live, ", "), cfgPath)}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// cmdUpgrade moves the run to this binary's version and this config's run
// settings: it drains every process first, then lets the run go on.
func (a *app) cmdUpgrade(ctx context.Context, args []string) error {
	fs := a.flags("upgrade")
	cfgPath := fs.String("config", "", "config file (YAML)")
	wait := fs.Duration("wait", 10*time.Minute, "how long to wait for every process to drain")
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := a.openControl(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer c.Close()
	ctl, err := c.ledger.ReadControl(ctx, c.run.ID)
	if err != nil {
		return err
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
		return err
	}
	fmt.Fprintf(a.stdout, "run %d: draining every process before moving from %s to %s\n", c.run.ID, orNone(ctl.Version), to)
	if err := a.waitDrained(ctx, c, *wait, *cfgPath); err != nil {
		return err
	}
	if err := c.ledger.Upgrade(ctx, c.run.ID, to, fp, who); err != nil {
		return err
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

// clusterStatus adds the run's controls and processes to a ledger status.
func clusterStatus(ctx context.Context, ledger *checkpoint.Ledger, st *checkpoint.Status, lease time.Duration) (*statusDoc, error) {
	ctl, err := ledger.ReadControl(ctx, st.RunID)
	if err != nil {
		return nil, err
	}
	members, err := ledger.Members(ctx, st.RunID, lease)
	if err != nil {
		return nil, err
	}
	doc := &statusDoc{Status: st, Control: ctl, Members: members}
	live := 0
	for _, m := range members {
		if m.Live {
			live++
		}
	}
	switch {
	case st.TotalBatches > 0 && st.Batches[checkpoint.Done.String()] == st.TotalBatches:
		doc.State = "complete"
	case ctl.State == checkpoint.ControlHalted:
		doc.State = "halted"
	case ctl.State == checkpoint.ControlStop || ctl.State == checkpoint.ControlStopNow:
		doc.State = "stopped"
		if live > 0 {
			doc.State = "stopping"
		}
	case ctl.State == checkpoint.ControlPause:
		doc.State = "paused"
	case live > 0:
		doc.State = "running"
	default:
		doc.State = "idle (no live process)"
	}
	if st.RowsPerSecond > 0 && st.RowsTotal > st.RowsDone {
		doc.ETASeconds = float64(st.RowsTotal-st.RowsDone) / st.RowsPerSecond
	}
	return doc, nil
}

func printCluster(w io.Writer, doc *statusDoc) {
	line := fmt.Sprintf("state: %s; version %s", doc.State, orNone(doc.Control.Version))
	if doc.Control.State != checkpoint.ControlRun && doc.Control.Reason != "" {
		line += "; control " + doc.Control.State + " (" + doc.Control.Reason + ")"
	}
	fmt.Fprintln(w, line)
}

// printMembers prints the live and the dead processes, and how many stopped
// cleanly (every rerun registers anew, so those add up).
func printMembers(w io.Writer, members []checkpoint.Member) {
	stopped := 0
	for _, m := range members {
		if m.Stopped && !m.Live {
			stopped++
			continue
		}
		state := "stopped"
		switch {
		case m.Live:
			state = "live, last heartbeat " + m.Heartbeat.Format(time.RFC3339)
		case !m.Stopped:
			state = "dead (no heartbeat since " + m.Heartbeat.Format(time.RFC3339) + ")"
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
