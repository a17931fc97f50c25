package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/cli"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/verify"
)

func (a *app) cmdRun(ctx context.Context, args []string) error {
	fs := a.flags("run")
	cfgPath := fs.String("config", "", "config file (YAML)")
	create := fs.Bool("create-tables", false, "create missing target tables from the source definition")
	replan := fs.Bool("replan", false, "discard the stored plan and plan anew (done batches are copied again)")
	allowEmptyTenants := fs.Bool("allow-empty-tenants", false, "plan tenants of tenant.ids that have no rows (created empty on purpose)")
	allowNonEmpty := fs.Bool("allow-nonempty", false, "copy into target tables that already hold rows no run copied (each batch deletes its key range first)")
	retryFailed := fs.Bool("retry-failed", false, "give failed batches fresh attempts (after fixing their cause)")
	grace := fs.Duration("grace", -1, "on a stop signal, how long in-flight batches may finish before they are cancelled (default run.grace)")
	workers := fs.Int("workers", 0, "override run.workers")
	verbose := fs.Bool("v", false, "log every batch")
	cpuProfile := fs.String("cpuprofile", "", "write a Go CPU profile of the run to this file (go tool pprof)")
	dryFlag := fs.String("dry-run", "", "read: extract, convert, encode and check every batch, write nothing; rollback: write every batch in a transaction that is rolled back (neither marks a batch done)")
	metricsAddr := fs.String("metrics-addr", "", "serve Prometheus metrics on this address (e.g. :9187) at /metrics")
	canary := fs.Int("canary", -1, "copy this many representative tenants first and check them against the source before the rest (default run.canary; 0: none)")
	if err := parse(fs, args); err != nil {
		return err
	}
	dry, err := migrate.ParseDryRun(*dryFlag)
	if err != nil {
		return usageError{err}
	}
	if dry != migrate.Real && (*replan || *retryFailed) {
		return usagef("--dry-run writes no batch and no ledger: it cannot be combined with --replan or --retry-failed")
	}
	if *cpuProfile != "" {
		stop, err := cli.StartCPUProfile(*cpuProfile)
		if err != nil {
			return usagef("--cpuprofile: %v", err)
		}
		defer stop()
	}
	if *verbose {
		a.log = a.logs.Logger(slog.LevelDebug)
	}
	cfg, err := a.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *workers != 0 {
		if *workers < 1 || *workers > config.MaxWorkers {
			return usagef("--workers must be between 1 and %d", config.MaxWorkers)
		}
		cfg.Run.Workers = *workers
	}
	if *canary >= 0 {
		if *canary > config.MaxCanary {
			return usagef("--canary must be between 0 and %d", config.MaxCanary)
		}
		cfg.Run.Canary = *canary
	}
	if *grace >= 0 {
		cfg.Run.Grace.Duration = *grace
	}
	if dry != migrate.Real {
		return a.dryRun(ctx, cfg, dry, *cfgPath, *create)
	}
	// Each worker holds one source and one target connection; planning and the
	// ledger need a few more.
	ep, res, err := a.prepare(ctx, cfg, *create, cfg.Run.Workers+4)
	if err != nil {
		return err
	}
	defer ep.Close()
	o := cfg.PrepareOptions()
	o.Source, o.Target, o.Resolution, o.Spec, o.Version, o.Host, o.Log = ep.src, ep.tgt, res, cfg.ResolveSpec(), binaryVersion(), hostname(), a.log
	o.Replan, o.AllowNonEmpty, o.AllowEmptyTenants, o.RetryFailed = *replan, *allowNonEmpty, *allowEmptyTenants, *retryFailed
	o.OpenLedger = func(ctx context.Context) (*checkpoint.Ledger, error) { return openLedger(ctx, cfg, ep.tgt) }
	o.Plan = migrate.Planner(ep.src, ep.tgt, cfg.PlanSettings())
	pr, err := migrate.PrepareRun(ctx, o)
	if err != nil {
		return gateRefusal(classify(err), *cfgPath)
	}
	return a.runProcess(ctx, cfg, ep, pr, *cfgPath, *metricsAddr)
}

// runProcess runs the prepared run to its end (migrate.RunLifecycle) with
// the run's signals, metrics and progress, and maps the outcome to the exit
// codes.
func (a *app) runProcess(ctx context.Context, cfg *config.Config, ep endpoints, pr *migrate.Prepared, cfgPath, metricsAddr string) error {
	gate := a.gateLog() // before a.log is handed out: log lines then clear the bar
	ln, err := listenMetrics(metricsAddr)
	if err != nil {
		return err
	}
	if ln != nil {
		defer ln.Close()
	}
	notifier, event := a.alerts(cfg, pr.Run.ID, hostname())
	defer notifier.Close()
	opt := a.processOptions(cfg, pr.Resolution)
	opt.Notify = event
	check := verify.CanaryCheck(a.log, pr.Source, ep.tgt, pr.Ledger, pr.Resolution.Tables, cfg.Run.Workers, pr.Run.ID)
	hard, release := afterSecondSignal(ctx)
	defer release()
	end, err := migrate.RunLifecycle(ctx, hard, migrate.LifecycleOptions{Ledger: pr.Ledger, Run: pr.Run, Source: pr.Source, Target: ep.tgt,
		Process: opt, CanaryTenants: cfg.Run.Canary, CanaryCheck: check, Metrics: ln, Progress: a.progress(gate)})
	if end == nil {
		return gateRefusal(classify(err), cfgPath)
	}
	printCopied(a, end.Result, end.Elapsed)
	out, resume, cerr := end.Outcome, "cutover run --config "+cfgPath, (*migrate.CanaryError)(nil)
	switch {
	case errors.As(end.Err, new(*migrate.OutageError)):
		return interruptedError{fmt.Errorf("%w; nothing half-written\nresume with: %s", end.Err, resume)}
	case errors.As(end.Err, &cerr):
		return failedError{fmt.Errorf("%w\nafter fixing the cause: cutover resume --config %s, then %s", cerr, cfgPath, resume)}
	case end.Err != nil:
		return fmt.Errorf("%w\nresume with: %s", end.Err, resume)
	case err != nil:
		return err
	case out.Stop != nil:
		return stopOutcome(*out.Stop, out.Done(), out.Status.TotalBatches, cfgPath)
	case out.Interrupted:
		return interruptedError{fmt.Errorf("stopped with %d of %d batches done; nothing half-written\nresume with: %s", out.Done(), out.Status.TotalBatches, resume)}
	case out.Failed() > 0:
		var lines []string
		for _, f := range out.Status.Failures[:min(len(out.Status.Failures), 5)] {
			lines = append(lines, fmt.Sprintf("  batch %d (%s, %d attempts): %s", f.Batch, f.Table, f.Attempts, f.Error))
		}
		return failedError{fmt.Errorf("%d of %d batches failed:\n%s\nafter fixing the cause: %s --retry-failed",
			out.Failed(), out.Status.TotalBatches, strings.Join(lines, "\n"), resume)}
	case !out.Complete:
		// Another process still holds batches: this one is done with its share.
		fmt.Fprintf(a.stdout, "%d batches are still held by other processes; `cutover status` follows them\n", out.Open())
		return nil
	}
	fmt.Fprintf(a.stdout, "run %d complete: %d batches, %s rows; next: cutover verify --config %s\n",
		pr.Run.ID, out.Status.TotalBatches, commas(out.Status.RowsDone), cfgPath)
	return nil
}

// listenMetrics opens the metrics address: a bad one is a usage error,
// found before anything is claimed.
func listenMetrics(addr string) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usagef("--metrics-addr %s: %v", addr, err)
	}
	return ln, nil
}

// printCopied prints what this process copied.
func printCopied(a *app, res migrate.Result, elapsed time.Duration) {
	rate := float64(res.Rows) / max(elapsed.Seconds(), 0.001)
	fmt.Fprintf(a.stdout, "copied %s rows in %d batches in %s (%s rows/s); %d batches failed\n",
		commas(res.Rows), res.Batches, elapsed.Round(time.Millisecond), commas(int64(rate)), res.Failed)
}

// gateRefusal turns the ledger's refusal of this binary or these settings
// into a usage error (exit 2: nothing was claimed) that says what to do.
func gateRefusal(err error, cfgPath string) error {
	var ge *checkpoint.GateError
	if !errors.As(err, &ge) {
		return err
	}
	hint := "deploy the accepted binary on this host, or move the whole run to this one with `cutover upgrade --config " + cfgPath + "` (it drains every worker first)"
	if ge.What == "settings" {
		hint = "use the same config on every host, or move the run to this config with `cutover upgrade --config " + cfgPath + "` (it drains every worker first)"
	}
	return usagef("%v; %s", ge, hint)
}

// stopOutcome maps a stop the controller obeyed to the exit contract.
func stopOutcome(st migrate.Stop, done, total int, cfgPath string) error {
	resume := fmt.Sprintf("cutover resume --config %s, then cutover run --config %s on each host", cfgPath, cfgPath)
	switch st.Cause {
	case migrate.StopHalted:
		return failedError{fmt.Errorf("%s; %d of %d batches done\nafter fixing the cause: cutover resume --config %s, then cutover run --config %s --retry-failed",
			st.Reason, done, total, cfgPath, cfgPath)}
	case migrate.StopByFile:
		resume = "remove the stop file, then cutover run --config " + cfgPath
	}
	return interruptedError{fmt.Errorf("stopped (%s) with %d of %d batches done; nothing half-written\nresume with: %s", st.Reason, done, total, resume)}
}
