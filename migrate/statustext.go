package migrate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cutover/cutover/catchup"
	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/planner"
)

// StatusOptions is how WriteStatus prints: `cutover status` and its flags.
type StatusOptions struct {
	Lease      time.Duration
	JSON       bool
	ConfigPath string
	Deadline   string // --deadline as given, "" without it
	Within     time.Duration
	PerProcess int
	// Lag reads the change capture's lag; nil when capture is not on.
	Lag func(context.Context) ([]catchup.TableLag, error)
}

// statusDoc is status --json: the run's status, controls and processes, and
// its index rebuilds.
type statusDoc struct {
	*RunStatus
	IndexSteps []indexStepDoc      `json:"index_rebuilds,omitempty"`
	Canary     *checkpoint.Canary  `json:"canary,omitempty"`
	Deadline   *planner.Projection `json:"deadline,omitempty"`
	// Capture is the change capture's lag per table, when capture is on.
	Capture []catchup.TableLag `json:"capture,omitempty"`
}

// StampWriter starts every line with a time stamp (status --watch).
type StampWriter struct {
	W     io.Writer
	Stamp string
	mid   bool
}

func (s *StampWriter) Write(p []byte) (int, error) {
	for _, line := range bytes.SplitAfter(p, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if !s.mid {
			if _, err := io.WriteString(s.W, s.Stamp); err != nil {
				return 0, err
			}
		}
		if _, err := s.W.Write(line); err != nil {
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

// WatchStatus prints run's status to w, and with every > 0 again every
// this long (at least half a second) until ctx ends; text lines then start
// with the time.
func WatchStatus(ctx context.Context, w io.Writer, ledger *checkpoint.Ledger, run *checkpoint.Run, opt StatusOptions, every time.Duration) error {
	if every <= 0 {
		return WriteStatus(ctx, w, ledger, run, opt)
	}
	t := time.NewTicker(max(every, 500*time.Millisecond))
	defer t.Stop()
	for {
		out := w
		if !opt.JSON {
			out = &StampWriter{W: w, Stamp: time.Now().Format("15:04:05 ")}
		}
		if err := WriteStatus(ctx, out, ledger, run, opt); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if !opt.JSON {
			fmt.Fprintln(w)
		}
	}
}

// WriteStatus prints run's status once, as text or (opt.JSON) as JSON.
func WriteStatus(ctx context.Context, w io.Writer, ledger *checkpoint.Ledger, run *checkpoint.Run, opt StatusOptions) error {
	rs, err := ReadRunStatus(ctx, ledger, run, opt.Lease)
	if err != nil {
		return err
	}
	doc, st := &statusDoc{RunStatus: rs}, rs.Status
	if doc.Canary, err = ledger.ReadCanary(ctx, run.ID); err != nil {
		return err
	}
	var projErr error
	if opt.Deadline != "" {
		workers := 0
		for _, m := range rs.Members {
			if m.Live {
				workers += m.Workers
			}
		}
		p, err := planner.Project(st.RowsTotal-st.RowsDone, st.RowsPerSecond, workers, opt.PerProcess, opt.Within)
		doc.Deadline, projErr = &p, err
	}
	var lagErr error
	if opt.Lag != nil {
		doc.Capture, lagErr = opt.Lag(ctx)
	}
	if opt.JSON {
		if doc.IndexSteps, err = indexStepDocs(ctx, ledger, run.ID); err != nil {
			return err
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	fmt.Fprintf(w, "run %d, plan %s, planned %s\n", st.RunID, st.PlanFP, st.CreatedAt.Format(time.RFC3339))
	writeCluster(w, doc.RunStatus)
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
		writeProjection(w, doc.Deadline, projErr, opt.Deadline)
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
	writeCanary(w, doc.Canary)
	writeMembers(w, doc.Members, st.Now)
	rebuilding, err := writeIndexSteps(ctx, w, ledger, run.ID)
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
	writeLag(w, doc.Capture, lagErr, opt.Lag != nil)
	if st.TotalBatches == st.Batches[checkpoint.Done.String()] && !rebuilding {
		fmt.Fprintln(w, "complete: next, cutover verify --config "+opt.ConfigPath)
	}
	return nil
}

// writeProjection answers status --deadline.
func writeProjection(w io.Writer, p *planner.Projection, err error, deadline string) {
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

// writeLag says the change capture's lag: pending changes and the age of the
// oldest, per table that has any.
func writeLag(w io.Writer, lag []catchup.TableLag, err error, on bool) {
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

// OrNone is s, or "(none yet)" when it is empty.
func OrNone(s string) string {
	if s == "" {
		return "(none yet)"
	}
	return s
}

func writeCluster(w io.Writer, doc *RunStatus) {
	line := fmt.Sprintf("state: %s; version %s", doc.State, OrNone(doc.Control.Version))
	if doc.Control.State != checkpoint.ControlRun && doc.Control.Reason != "" {
		line += "; control " + doc.Control.State + " (" + doc.Control.Reason + ")"
	}
	if doc.BlockedBy != "" {
		line += "; " + doc.BlockedBy
	}
	fmt.Fprintln(w, line)
}

// writeMembers prints the live and the dead processes, and how many stopped
// cleanly (every rerun registers anew, so those add up).
func writeMembers(w io.Writer, members []checkpoint.Member, now time.Time) {
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

// SafeText quotes a tenant id with control or non-ASCII bytes so that it
// prints on one line.
func SafeText(s string) string {
	for _, c := range []byte(s) {
		if c < 0x20 || c >= 0x7f {
			return strconv.Quote(s)
		}
	}
	return s
}

// writeCanary is the canary's line of `cutover status`: its state, and while
// it is not passed, that the rest of the plan waits for it.
func writeCanary(w io.Writer, c *checkpoint.Canary) {
	if c == nil {
		return
	}
	tenants := make([]string, len(c.Tenants))
	for i, id := range c.Tenants {
		tenants[i] = SafeText(id)
	}
	what := map[string]string{
		checkpoint.CanaryCopying:  "copying; the rest of the plan waits for its check",
		checkpoint.CanaryChecking: "being checked against the source by " + c.Checker + "; the rest of the plan waits",
		checkpoint.CanaryPassed:   "passed",
		checkpoint.CanaryFailed:   "FAILED; the run is halted",
	}[c.State]
	fmt.Fprintf(w, "canary: tenants %s in %d batches: %s\n", strings.Join(tenants, ", "), len(c.Batches), what)
	if c.Detail != "" && c.State != checkpoint.CanaryCopying {
		fmt.Fprintf(w, "canary %s: %s\n", c.State, c.Detail)
	}
}

// writeIndexSteps prints the rebuild phase of run runID and reports whether
// a rebuild is still to do.
func writeIndexSteps(ctx context.Context, w io.Writer, ledger *checkpoint.Ledger, runID int64) (bool, error) {
	steps, err := ledger.IndexSteps(ctx, runID)
	if err != nil || len(steps) == 0 {
		return false, err
	}
	done := 0
	for _, st := range steps {
		if st.State == checkpoint.Done {
			done++
		}
	}
	fmt.Fprintf(w, "index rebuilds: %d of %d tables done\n", done, len(steps))
	for _, st := range steps {
		switch {
		case st.State == checkpoint.Done:
			fmt.Fprintf(w, "  %s: %d definitions rebuilt in %s\n", st.Target, len(st.Indexes), st.Took.Round(time.Millisecond))
		case st.State == checkpoint.Claimed && st.Error == "":
			fmt.Fprintf(w, "  %s: rebuilding (%s, attempt %d)\n", st.Target, st.Owner, st.Attempts)
		case st.Error != "":
			fmt.Fprintf(w, "  %s: not rebuilt yet, last error: %s\n", st.Target, st.Error)
		default:
			fmt.Fprintf(w, "  %s: %d definitions wait for the table's batches\n", st.Target, len(st.Indexes))
		}
	}
	return done < len(steps), nil
}

// indexStepDoc is one rebuild in status --json.
type indexStepDoc struct {
	Table       string  `json:"table"`
	Target      string  `json:"target"`
	State       string  `json:"state"`
	Definitions int     `json:"definitions"`
	Attempts    int     `json:"attempts"`
	Owner       string  `json:"owner,omitempty"`
	Error       string  `json:"error,omitempty"`
	Seconds     float64 `json:"seconds,omitempty"`
}

func indexStepDocs(ctx context.Context, ledger *checkpoint.Ledger, runID int64) ([]indexStepDoc, error) {
	steps, err := ledger.IndexSteps(ctx, runID)
	if err != nil {
		return nil, err
	}
	var out []indexStepDoc
	for _, st := range steps {
		out = append(out, indexStepDoc{Table: st.Table, Target: st.Target, State: st.State.String(), Definitions: len(st.Indexes),
			Attempts: st.Attempts, Owner: st.Owner, Error: st.Error, Seconds: st.Took.Seconds()})
	}
	return out, nil
}
