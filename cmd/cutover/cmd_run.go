package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/alert"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/migrate"
)

func (a *app) cmdRun(ctx context.Context, args []string) error {
	fs := a.flags("run")
	cfgPath := fs.String("config", "", "config file (YAML)")
	create := fs.Bool("create-tables", false, "create missing target tables from the source definition")
	replan := fs.Bool("replan", false, "discard the stored plan and plan anew (done batches are copied again)")
	retryFailed := fs.Bool("retry-failed", false, "give failed batches fresh attempts (after fixing their cause)")
	grace := fs.Duration("grace", -1, "on a stop signal, how long in-flight batches may finish before they are cancelled (default run.grace)")
	workers := fs.Int("workers", 0, "override run.workers")
	verbose := fs.Bool("v", false, "log every batch")
	cpuProfile := fs.String("cpuprofile", "", "write a Go CPU profile of the run to this file (go tool pprof)")
	dryFlag := fs.String("dry-run", "", "read: extract, convert, encode and check every batch, write nothing; rollback: write every batch in a transaction that is rolled back (neither marks a batch done)")
	metricsAddr := fs.String("metrics-addr", "", "serve Prometheus metrics on this address (e.g. :9187) at /metrics")
	if err := parse(fs, args); err != nil {
		return err
	}
	dry, err := migrate.ParseDryRun(*dryFlag)
	if err != nil {
		return usageError{err}
	}
	if dry != migrate.Real && (*create || *replan || *retryFailed) {
		return usagef("--dry-run writes nothing: it cannot be combined with --create-tables, --replan or --retry-failed")
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if *verbose {
		a.log = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
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
	if *grace < 0 {
		*grace = cfg.Run.Grace.Duration
	}
	if dry != migrate.Real {
		return a.dryRun(ctx, cfg, dry, *grace, *cfgPath)
	}
	// Each worker holds one source and one target connection; planning and the
	// ledger need a few more.
	s, err := a.prepare(ctx, cfg, *create, cfg.Run.Workers+4)
	if err != nil {
		return err
	}
	defer s.Close()
	// A stale binary is refused before it creates, plans or resets anything.
	if err := a.gateEarly(ctx, s, *cfgPath); err != nil {
		return err
	}
	if len(s.res.Missing) > 0 {
		if err := a.createTables(ctx, s); err != nil {
			return err
		}
		if s.res, err = migrate.Resolve(ctx, cfg, s.ep.src, s.ep.tgt, false); err != nil {
			return classify(err)
		}
	}
	for _, w := range s.res.Warnings {
		a.log.Warn(w)
	}
	if err := s.openLedger(ctx); err != nil {
		return err
	}
	runRec, err := s.ledger.ActiveRun(ctx)
	if err != nil {
		return err
	}
	if runRec != nil && *replan {
		if err := a.refuseReplanWhileLive(ctx, s, runRec); err != nil {
			return err
		}
	}
	switch {
	case runRec == nil || *replan:
		doc, err := a.makePlan(ctx, s)
		if err != nil {
			return err
		}
		if runRec, err = s.storePlan(ctx, doc); err != nil {
			return err
		}
		a.log.Info("planned", "run", runRec.ID, "plan", doc.Fingerprint, "batches", len(doc.Batches), "rows", doc.Summary.Rows)
	case runRec.ConfigFP != cfg.PlanFingerprint():
		return usagef("the config changed since run %d was planned (%s): rerun with --replan to plan again (batches already done are copied again)",
			runRec.ID, runRec.CreatedAt.Format(time.RFC3339))
	default:
		a.log.Info("continuing the stored plan", "run", runRec.ID, "plan", runRec.PlanFP)
	}
	if err := a.pinSnapshot(ctx, s, runRec); err != nil {
		return err
	}
	if *retryFailed {
		n, err := s.ledger.ResetFailed(ctx, runRec.ID)
		if err != nil {
			return err
		}
		a.log.Info("failed batches get fresh attempts", "batches", n)
		// The fix that --retry-failed follows also lifts an error-budget halt.
		if ctl, err := s.ledger.ReadControl(ctx, runRec.ID); err == nil && ctl.State == checkpoint.ControlHalted {
			if err := s.ledger.SetControl(ctx, runRec.ID, checkpoint.ControlRun, "halt lifted by run --retry-failed on "+hostname()); err != nil {
				return err
			}
		}
	}
	return a.runEngine(ctx, s, runRec, *grace, *cfgPath, *metricsAddr)
}

// runEngine registers this process, copies until done or stopped, and maps the
// outcome to the exit codes.
func (a *app) runEngine(ctx context.Context, s *session, runRec *checkpoint.Run, grace time.Duration, cfgPath, metricsAddr string) error {
	host := hostname()
	var nonce [4]byte
	_, _ = rand.Read(nonce[:])
	owner := fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(nonce[:]))
	if len(owner) > 64 {
		owner = owner[len(owner)-64:]
	}
	if err := checkProbes(ctx, s, a); err != nil {
		return err
	}
	ln, err := listenMetrics(metricsAddr)
	if err != nil {
		return err
	}
	if ln != nil {
		defer ln.Close()
	}
	if err := a.joinRun(ctx, s, runRec, checkpoint.Process{Owner: owner, Host: host, PID: os.Getpid(),
		Version: binaryVersion(), Workers: s.cfg.Run.Workers}, cfgPath); err != nil {
		return err
	}
	if n, err := s.ledger.ReleaseDead(ctx, runRec.ID, host, pidAlive); err != nil {
		return err
	} else if n > 0 {
		a.log.Info("released batches of a process on this host that died", "batches", n)
	}
	notifier, event := a.alerts(s.cfg, runRec.ID, host)
	defer notifier.Close()
	defer func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.ledger.Stopped(c, owner)
	}()
	before, err := s.ledger.Status(ctx, runRec, time.Minute)
	if err != nil {
		return err
	}
	names := make([]string, len(s.res.Tables))
	for i, t := range s.res.Tables {
		names[i] = t.Name
	}
	tables := migrate.TableMap(s.res.Tables)
	clean, err := s.ledger.TargetEmpty(ctx, runRec.ID, names, func(name string) (bool, error) {
		return s.ep.tgt.IsEmpty(ctx, tables[name].Target)
	})
	if err != nil {
		return err
	}
	// Soft stop on the first signal, hard stop after the grace period or on
	// a second signal.
	workCtx, cancelWork := context.WithCancel(ctx)
	defer cancelWork()
	claimCtx, cancelClaim := context.WithCancel(workCtx)
	defer cancelClaim()
	// The run's controls (stop, stop --now, pause, halt) arrive through the
	// ledger and the stop file: a drain cancels claims, an abort the work.
	var eng *migrate.Engine
	met := newRunMetrics(s.ledger, runRec)
	ctl, err := a.newController(s, runRec, owner, func() int64 {
		if eng == nil { // not before the engine exists; only its gate asks
			return 0
		}
		return eng.Counters.RowsDone.Load()
	}, func(st migrate.Stop) {
		if st.Now {
			cancelWork()
		} else {
			cancelClaim()
		}
	}, event)
	if err != nil {
		return err
	}
	ctl.Check(ctx)
	eng = migrate.New(s.ep.src, s.ep.tgt, ctl.Ledger(s.ledger), migrate.Options{
		RunID: runRec.ID, Owner: owner, Workers: s.cfg.Run.Workers, Retries: s.cfg.Run.Retries,
		Lease: s.cfg.Run.Lease.Duration, Transient: isTransient, Log: a.log, Tables: tables, CleanStart: clean,
		Outage: mysqldb.IsConnectionError, DiskFull: mysqldb.IsDiskFull, OutageLimit: s.cfg.Run.Outage.Duration,
		Gate: ctl.Gate, OnBatch: met.observe, NoChecksums: !s.cfg.Run.ChecksumsOn(), Indexes: indexOptions(s),
	})
	met.counters, met.ctl = eng.Counters, ctl
	if ln != nil {
		defer a.serveMetrics(ln, met)()
	}
	ctlCtx, stopCtl := context.WithCancel(ctx)
	defer stopCtl()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var wg sync.WaitGroup
	watchDone := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.watchSignals(watchDone, sigs, cancelClaim, cancelWork, grace)
	}()
	prog := newProgress(a, before.RowsDone, before.RowsTotal, eng.Counters)
	wg.Add(1)
	go func() {
		defer wg.Done()
		prog.loop(watchDone)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		ctl.Run(ctlCtx)
	}()
	event(alert.Start, fmt.Sprintf("process %s joined run %d with %d workers", owner, runRec.ID, s.cfg.Run.Workers), nil)
	start := time.Now()
	res, runErr := eng.Run(claimCtx, workCtx)
	close(watchDone)
	stopCtl()
	wg.Wait()
	prog.finish()

	elapsed := time.Since(start)
	rate := float64(res.Rows) / max(elapsed.Seconds(), 0.001)
	fmt.Fprintf(a.stdout, "copied %s rows in %d batches in %s (%s rows/s); %d batches failed\n",
		commas(res.Rows), res.Batches, elapsed.Round(time.Millisecond), commas(int64(rate)), res.Failed)
	resume := "cutover run --config " + cfgPath
	var outage *migrate.OutageError
	if errors.As(runErr, &outage) {
		event(alert.Stop, "process stopped: "+outage.Error(), nil)
		return interruptedError{fmt.Errorf("%w; nothing half-written\nresume with: %s", runErr, resume)}
	}
	if runErr != nil {
		return fmt.Errorf("%w\nresume with: %s", runErr, resume)
	}
	after, err := s.ledger.Status(context.WithoutCancel(ctx), runRec, time.Minute)
	if err != nil {
		return err
	}
	if st, ok := ctl.Stopped(); ok && res.Interrupted && after.Batches[checkpoint.Done.String()] < after.TotalBatches {
		if !st.Halted {
			event(alert.Stop, "process stopped: "+st.Reason, nil)
		}
		return stopOutcome(st, after.Batches[checkpoint.Done.String()], after.TotalBatches, cfgPath)
	}
	if res.Interrupted {
		event(alert.Stop, "process interrupted by a signal", nil)
		return interruptedError{fmt.Errorf("stopped with %d of %d batches done; nothing half-written\nresume with: %s",
			after.Batches[checkpoint.Done.String()], after.TotalBatches, resume)}
	}
	if failed := after.Batches[checkpoint.Failed.String()]; failed > 0 {
		var lines []string
		for _, f := range after.Failures[:min(len(after.Failures), 5)] {
			lines = append(lines, fmt.Sprintf("  batch %d (%s, %d attempts): %s", f.Batch, f.Table, f.Attempts, f.Error))
		}
		return failedError{fmt.Errorf("%d of %d batches failed:\n%s\nafter fixing the cause: %s --retry-failed",
			failed, after.TotalBatches, strings.Join(lines, "\n"), resume)}
	}
	if open := after.Batches[checkpoint.Pending.String()] + after.Batches[checkpoint.Claimed.String()]; open > 0 {
		// Another process still holds batches: this one is done with its share.
		fmt.Fprintf(a.stdout, "%d batches are still held by other processes; `cutover status` follows them\n", open)
		return nil
	}
	if err := s.ledger.Finish(context.WithoutCancel(ctx), runRec.ID); err != nil {
		return err
	}
	event(alert.Complete, fmt.Sprintf("run %d complete: %d batches, %d rows", runRec.ID, after.TotalBatches, after.RowsDone), nil)
	fmt.Fprintf(a.stdout, "run %d complete: %d batches, %s rows; next: cutover verify --config %s\n",
		runRec.ID, after.TotalBatches, commas(after.RowsDone), cfgPath)
	return nil
}

// pidAlive reports whether a process with pid exists on this host.
func pidAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// createTables creates the missing target tables from the source definition.
func (a *app) createTables(ctx context.Context, s *session) error {
	missing := map[string]bool{}
	for _, m := range s.res.Missing {
		missing[m] = true
	}
	for _, t := range s.res.Tables {
		if !missing[t.Target] {
			continue
		}
		ddl, err := a.sourceDDL(ctx, s, t.Name, t.Target)
		if err != nil {
			return err
		}
		for _, stmt := range statements(ddl) {
			if _, err := s.ep.tgt.SQL().ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("create target table %s: %w", t.Target, err)
			}
		}
		a.log.Info("created target table", "table", t.Target)
	}
	return nil
}

// sourceDDL returns the target CREATE TABLE for source table name.
func (a *app) sourceDDL(ctx context.Context, s *session, name, target string) (string, error) {
	if s.ep.mysqlSrc != nil {
		return s.ep.mysqlSrc.ShowCreateTable(ctx, name, s.ep.tgt.Schema, target)
	}
	return oracleDDL(ctx, s, name, target)
}
