package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/cutover/cutover/catchup"
	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
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
	var run *checkpoint.Run
	if ok {
		if run, err = ledger.ActiveRun(ctx); err != nil {
			return fmt.Errorf("read the active run: %w", err)
		}
	}
	if run == nil {
		fmt.Fprintf(a.stdout, "no run in ledger schema %s yet: `cutover plan --config %s` makes one\n", cfg.Target.LedgerSchema, *cfgPath)
		return nil
	}
	within, _, err := window(*deadline, "", time.Now())
	if err != nil {
		return err
	}
	show := statusShow{lease: cfg.Run.Lease.Duration, asJSON: *asJSON, cfgPath: *cfgPath, deadline: *deadline, within: within, perProcess: cfg.Run.Workers}
	closeLag, err := a.captureLag(ctx, cfg, ledger, &show)
	if err != nil {
		return err
	}
	defer closeLag()
	if *watch <= 0 {
		return a.printStatus(ctx, a.stdout, ledger, run, show)
	}
	t := time.NewTicker(max(*watch, 500*time.Millisecond))
	defer t.Stop()
	for {
		w := io.Writer(a.stdout)
		if !*asJSON {
			w = &stampWriter{w: a.stdout, stamp: time.Now().Format("15:04:05 ")}
		}
		if err := a.printStatus(ctx, w, ledger, run, show); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if !*asJSON {
			fmt.Fprintln(a.stdout)
		}
	}
}

// statusDoc is status --json: the run's status, controls and processes, and
// its index rebuilds.
type statusDoc struct {
	*migrate.RunStatus
	IndexSteps []indexStepDoc      `json:"index_rebuilds,omitempty"`
	Canary     *checkpoint.Canary  `json:"canary,omitempty"`
	Deadline   *planner.Projection `json:"deadline,omitempty"`
	// Capture is the change capture's lag per table, when capture is on.
	Capture []catchup.TableLag `json:"capture,omitempty"`
}

// statusShow is how status prints.
type statusShow struct {
	lease      time.Duration
	asJSON     bool
	cfgPath    string
	deadline   string // --deadline as given, "" without it
	within     time.Duration
	perProcess int
	// lag reads the change capture's lag; nil when capture is not on.
	lag func(context.Context) ([]catchup.TableLag, error)
}

// stampWriter starts every line with a time stamp (status --watch).
type stampWriter struct {
	w     io.Writer
	stamp string
	mid   bool
}

func (s *stampWriter) Write(p []byte) (int, error) {
	for _, line := range bytes.SplitAfter(p, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if !s.mid {
			if _, err := io.WriteString(s.w, s.stamp); err != nil {
				return 0, err
			}
		}
		if _, err := s.w.Write(line); err != nil {
			return 0, err
		}
		s.mid = line[len(line)-1] != '\n'
	}
	return len(p), nil
}

// roundDur rounds d to what a person reads: tenths under ten seconds.
func roundDur(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// age says how long ago t was, as of now ("4s ago").
func age(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < 0 {
		d = 0
	}
	if d < time.Minute {
		return roundDur(d).String() + " ago"
	}
	return d.Round(time.Second).String() + " ago (" + t.Format(time.RFC3339) + ")"
}

func (a *app) printStatus(ctx context.Context, w io.Writer, ledger *checkpoint.Ledger, run *checkpoint.Run, show statusShow) error {
	rs, err := migrate.ReadRunStatus(ctx, ledger, run, show.lease)
	if err != nil {
		return err
	}
	doc, st := &statusDoc{RunStatus: rs}, rs.Status
	if doc.Canary, err = ledger.ReadCanary(ctx, run.ID); err != nil {
		return err
	}
	var projErr error
	if show.deadline != "" {
		workers := 0
		for _, m := range rs.Members {
			if m.Live {
				workers += m.Workers
			}
		}
		p, err := planner.Project(st.RowsTotal-st.RowsDone, st.RowsPerSecond, workers, show.perProcess, show.within)
		doc.Deadline, projErr = &p, err
	}
	var lagErr error
	if show.lag != nil {
		doc.Capture, lagErr = show.lag(ctx)
	}
	if show.asJSON {
		if doc.IndexSteps, err = indexStepDocs(ctx, ledger, run.ID); err != nil {
			return err
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	fmt.Fprintf(w, "run %d, plan %s, planned %s\n", st.RunID, st.PlanFP, st.CreatedAt.Format(time.RFC3339))
	printCluster(w, doc.RunStatus)
	pct := 0.0
	if st.RowsTotal > 0 {
		pct = 100 * float64(st.RowsDone) / float64(st.RowsTotal)
	}
	fmt.Fprintf(w, "rows: %s of about %s (%.1f%%)\n", commas(st.RowsDone), commas(st.RowsTotal), pct)
	fmt.Fprintf(w, "batches: %d total; %d done, %d in flight, %d pending, %d failed\n", st.TotalBatches,
		st.Batches[checkpoint.Done.String()], st.Batches[checkpoint.Claimed.String()], st.Batches[checkpoint.Pending.String()], st.Batches[checkpoint.Failed.String()])
	switch {
	case doc.ETASeconds > 0:
		fmt.Fprintf(w, "rate since %s: %s rows/s; ETA %s\n", st.RateSince.Format("15:04:05"), commas(int64(st.RowsPerSecond)),
			(time.Duration(doc.ETASeconds * float64(time.Second))).Round(time.Second))
	case doc.State == "running" && st.RowsTotal > st.RowsDone:
		fmt.Fprintf(w, "no ETA yet: too little copied since %s to measure a rate\n", st.RateSince.Format("15:04:05"))
	case doc.State == "blocked":
		fmt.Fprintf(w, "no ETA: the run is blocked\n")
	case doc.State != "running" && doc.State != "complete":
		fmt.Fprintf(w, "no rate or ETA: the run is %s\n", doc.State)
	}
	if doc.Deadline != nil {
		printProjection(w, doc.Deadline, projErr, show.deadline)
	}
	for _, tp := range st.Tables {
		line := fmt.Sprintf("table %s: %d of %d batches, %s of about %s rows", tp.Table, tp.BatchesDone, tp.Batches, commas(tp.RowsDone), commas(tp.RowsTotal))
		switch {
		case !tp.Finished.IsZero():
			line += fmt.Sprintf("; started %s, finished %s, took %s", tp.Started.Format("15:04:05"), tp.Finished.Format("15:04:05"), roundDur(tp.Finished.Sub(tp.Started)))
		case !tp.Started.IsZero():
			line += fmt.Sprintf("; started %s, %s elapsed", tp.Started.Format("15:04:05"), roundDur(st.Now.Sub(tp.Started)))
		default:
			line += "; not started"
		}
		fmt.Fprintln(w, line)
	}
	for _, lw := range st.LockWaits {
		fmt.Fprintf(w, "lock wait: thread %d for %ds (%s): %s\n", lw.Thread, lw.Seconds, lw.State, lw.Statement)
	}
	printCanary(w, doc.Canary) // canary.go
	printMembers(w, doc.Members, st.Now)
	rebuilding, err := printIndexSteps(ctx, w, ledger, run.ID)
	if err != nil {
		return err
	}
	for _, f := range st.InFlight {
		note := ""
		if f.Expired {
			note = " (lease expired: claimable again)"
		}
		fmt.Fprintf(w, "in flight: batch %d of %s (about %s rows), %s worker %d for %s%s\n", f.Batch, f.Table, commas(f.EstRows), f.Owner, f.Worker, st.Now.Sub(f.Since).Round(time.Second), note)
	}
	for _, f := range st.Failures {
		fmt.Fprintf(w, "failed: batch %d of %s after %d attempts: %s\n", f.Batch, f.Table, f.Attempts, f.Error)
	}
	printLag(w, doc.Capture, lagErr, show.lag != nil)
	if st.TotalBatches == st.Batches[checkpoint.Done.String()] && !rebuilding {
		fmt.Fprintln(w, "complete: next, cutover verify --config "+show.cfgPath)
	}
	return nil
}

// printProjection answers status --deadline.
func printProjection(w io.Writer, p *planner.Projection, err error, deadline string) {
	switch {
	case err != nil:
		fmt.Fprintf(w, "deadline %s: cannot project: %v\n", deadline, err)
	case p.Fits && p.RowsLeft > 0:
		fmt.Fprintf(w, "deadline %s: on track; at %s rows/s the %s rows left take %s, %s before the deadline\n",
			deadline, commas(int64(p.RowsPerSecond)), commas(p.RowsLeft), p.Left.Round(time.Second), (p.Within - p.Left).Round(time.Second))
	case p.Fits:
		fmt.Fprintf(w, "deadline %s: nothing left to copy\n", deadline)
	default:
		fmt.Fprintf(w, "deadline %s: at risk; at %s rows/s with %d workers the %s rows left take %s, %s past the deadline; "+
			"about %d workers (%d processes of %d) would make it if the rate grows with the workers\n",
			deadline, commas(int64(p.RowsPerSecond)), p.Workers, commas(p.RowsLeft), p.Left.Round(time.Second), (p.Left - p.Within).Round(time.Second),
			p.WorkersNeeded, p.ProcessesNeeded, p.PerProcess)
	}
}

// captureLag sets show.lag when change capture is on for this ledger (sync
// positions exist) and the source can be reached: status then says how many
// changes wait for sync. Without capture it does nothing; a source that cannot
// be opened is said once by printLag, not an error: status reads the ledger.
func (a *app) captureLag(ctx context.Context, cfg *config.Config, l *checkpoint.Ledger, show *statusShow) (func(), error) {
	pos, err := l.SyncPositions(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the sync positions: %w", err)
	}
	if len(pos) == 0 || cfg.Source.Driver != "mysql" {
		return func() {}, nil
	}
	ep, res, c, err := a.openCapture(ctx, cfg, true, 2)
	if err != nil {
		show.lag = func(context.Context) ([]catchup.TableLag, error) {
			return nil, fmt.Errorf("open the source to read the capture: %w", err)
		}
		return func() {}, nil
	}
	show.lag = func(ctx context.Context) ([]catchup.TableLag, error) { return catchup.Lag(ctx, c, l, res.Tables) }
	return ep.Close, nil
}

// printLag says the change capture's lag: pending changes and the age of the
// oldest, per table that has any.
func printLag(w io.Writer, lag []catchup.TableLag, err error, on bool) {
	if !on {
		return
	}
	if err != nil {
		fmt.Fprintf(w, "capture: on; its lag is unknown: %v\n", err)
		return
	}
	var pending int64
	var oldest time.Duration
	for _, l := range lag {
		pending += l.Pending
		oldest = max(oldest, l.Oldest)
	}
	if pending == 0 {
		fmt.Fprintf(w, "capture: on, %d tables, nothing pending\n", len(lag))
		return
	}
	fmt.Fprintf(w, "capture: on, %s changes pending, the oldest %s old (cutover sync applies them)\n", commas(pending), oldest.Round(time.Second))
	for _, l := range lag {
		if l.Pending > 0 {
			held := ""
			if l.Held != "" {
				held = " (" + l.Held + ")"
			}
			fmt.Fprintf(w, "  capture %s: %s pending, oldest %s%s\n", l.Table, commas(l.Pending), l.Oldest.Round(time.Second), held)
		}
	}
}
