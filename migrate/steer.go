package migrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
)

// SteerOptions is an operator's control of the active run: `cutover stop`
// (with Now, `stop --now`), `pause` or `resume`.
type SteerOptions struct {
	Command    string // "stop", "pause" or "resume"
	Now        bool
	Reason     string
	Host       string
	Lease      time.Duration
	MaxFailed  int    // run.max_failed_batches; negative for no limit
	ConfigPath string // for the commands the output suggests
	// Wait, for stop, waits up to this long for every process to exit.
	Wait time.Duration
}

// Steer records the control in the ledger, where every process of the run
// sees it, and says on w what follows. A stop that waits and finds live
// processes after opt.Wait returns a *NotDrainedError (wrapped, with the
// command that aborts them).
func Steer(ctx context.Context, w io.Writer, l *checkpoint.Ledger, run *checkpoint.Run, opt SteerOptions) error {
	state := map[string]string{"stop": checkpoint.ControlStop, "pause": checkpoint.ControlPause, "resume": checkpoint.ControlRun}[opt.Command]
	if opt.Now {
		state = checkpoint.ControlStopNow
	}
	who := fmt.Sprintf("%s on %s at %s", opt.Command, opt.Host, time.Now().UTC().Format(time.RFC3339))
	if opt.Now {
		who = "stop --now" + strings.TrimPrefix(who, "stop")
	}
	if opt.Reason != "" {
		who += ": " + opt.Reason
	}
	if err := l.SetControl(ctx, run.ID, state, who); err != nil {
		return fmt.Errorf("set the control of the run: %w", err)
	}
	live, err := l.LiveMembers(ctx, run.ID, opt.Lease)
	if err != nil {
		return fmt.Errorf("count the live processes: %w", err)
	}
	switch opt.Command {
	case "stop":
		fmt.Fprintf(w, "run %d: %s requested; %d live processes see it within 2 s and exit 3\n", run.ID, state, live)
	case "pause":
		fmt.Fprintf(w, "run %d: paused; %d live processes start no new batch until `cutover resume --config %s`\n", run.ID, live, opt.ConfigPath)
	default:
		fmt.Fprintf(w, "run %d: resumed; %d live processes claim again; stopped hosts resume with `cutover run --config %s`\n", run.ID, live, opt.ConfigPath)
		if opt.MaxFailed >= 0 {
			if n, err := l.FailedBatches(ctx, run.ID); err == nil && n > opt.MaxFailed {
				fmt.Fprintf(w, "note: %d batches failed, above run.max_failed_batches = %d: the run halts again unless you rerun with --retry-failed\n", n, opt.MaxFailed)
			}
		}
	}
	if opt.Command == "stop" && opt.Wait > 0 {
		return waitExited(ctx, w, l, run, opt.Lease, opt.Wait, opt.ConfigPath)
	}
	return nil
}

// waitExited waits until no live process is left in the run and says so.
// Processes still live after wait are a *NotDrainedError that says how to
// end them.
func waitExited(ctx context.Context, w io.Writer, l *checkpoint.Ledger, run *checkpoint.Run, lease, wait time.Duration, configPath string) error {
	err := WaitDrained(ctx, l, run, lease, wait)
	if errors.As(err, new(*NotDrainedError)) {
		return fmt.Errorf("%w; `cutover stop --now --config %s` aborts their batches", err, configPath)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "run %d: every process has exited\n", run.ID)
	return nil
}

// UpgradeOptions is `cutover upgrade`: move the run to version To and the
// run settings RunFP, keeping its plan (PlanFP must be the run's).
type UpgradeOptions struct {
	To, RunFP, PlanFP string
	Host              string
	ConfigPath        string // for the command the output suggests
	Lease, Wait       time.Duration
}

// Upgrade drains every process of run, then moves it to opt.To and
// opt.RunFP, and says so on w. A config that plans differently is a
// *ConfigError; processes still live after opt.Wait a *NotDrainedError.
func Upgrade(ctx context.Context, w io.Writer, l *checkpoint.Ledger, run *checkpoint.Run, opt UpgradeOptions) error {
	ctl, err := l.ReadControl(ctx, run.ID)
	if err != nil {
		return fmt.Errorf("read the controls of the run: %w", err)
	}
	to, fp := opt.To, opt.RunFP
	if ctl.Version == to && ctl.RunFP == fp {
		fmt.Fprintf(w, "run %d already accepts version %s and these run settings (%s)\n", run.ID, to, fp)
		return nil
	}
	if opt.PlanFP != run.ConfigFP {
		return configErr("this config plans differently from run %d: an upgrade keeps the plan; use `cutover run --replan` to plan anew", run.ID)
	}
	who := fmt.Sprintf("upgrade to %s requested on %s at %s", to, opt.Host, time.Now().UTC().Format(time.RFC3339))
	if err := l.SetControl(ctx, run.ID, checkpoint.ControlStop, who); err != nil {
		return fmt.Errorf("stop the run for the upgrade: %w", err)
	}
	fmt.Fprintf(w, "run %d: draining every process before moving from %s to %s\n", run.ID, OrNone(ctl.Version), to)
	if err := waitExited(ctx, w, l, run, opt.Lease, opt.Wait, opt.ConfigPath); err != nil {
		return err
	}
	if err := l.Upgrade(ctx, run.ID, to, fp, who); err != nil {
		return fmt.Errorf("move the run to version %s: %w", to, err)
	}
	fmt.Fprintf(w, "run %d now accepts version %s with run settings %s; start `cutover run --config %s` on every host with this binary\n",
		run.ID, to, fp, opt.ConfigPath)
	return nil
}
