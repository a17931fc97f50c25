package main

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// maxFitWorkers bounds the worker counts a deadline search tries, over all
// processes: 16 processes of the most workers one process may run.
const maxFitWorkers = 4096

// planEstimate is how long the plan takes, stored and printed with it.
type planEstimate struct {
	Calibrated        bool               `json:"calibrated"`
	Calibration       string             `json:"calibration,omitempty"` // which rehearsal
	CalibratedWorkers int                `json:"calibrated_workers,omitempty"`
	Model             planner.Model      `json:"model"`
	Schedule          planner.Schedule   `json:"schedule"`
	LargestTenant     planner.TenantCost `json:"largest_tenant"`
	Critical          planner.Batch      `json:"critical_batch"`
	Fit               *fitDoc            `json:"fit,omitempty"`
	// RebuildSeconds is the deferred index rebuilds after the copy (indexes.go).
	RebuildSeconds float64 `json:"rebuild_s,omitempty"`
}

// fitDoc answers --deadline / --window.
type fitDoc struct {
	Asked     string      `json:"asked"` // as given: "05:00" or "4h"
	Until     time.Time   `json:"until"`
	Fit       planner.Fit `json:"fit"`
	Processes int         `json:"processes"` // of run.workers workers each
}

// window turns --deadline HH:MM (its next occurrence, local time) or --window
// D into a duration from now; zero when neither is given.
func window(deadline, win string, now time.Time) (time.Duration, string, error) {
	switch {
	case deadline != "" && win != "":
		return 0, "", usagef("--deadline and --window are alternatives: give one")
	case deadline != "":
		at, err := time.ParseInLocation("15:04", deadline, now.Location())
		if err != nil {
			return 0, "", usagef("--deadline %q: want a local time HH:MM such as 05:00", deadline)
		}
		until := time.Date(now.Year(), now.Month(), now.Day(), at.Hour(), at.Minute(), 0, 0, now.Location())
		if !until.After(now) {
			until = until.AddDate(0, 0, 1)
		}
		return until.Sub(now), deadline, nil
	case win != "":
		d, err := time.ParseDuration(win)
		if err != nil || d <= 0 {
			return 0, "", usagef("--window %q: want a positive duration such as 4h or 90m", win)
		}
		return d, win, nil
	}
	return 0, "", nil
}

// estimate simulates doc's plan on workers under model.
func estimate(doc *planDoc, model planner.Model, workers int) *planEstimate {
	p := &planner.Plan{Batches: doc.Batches}
	s := planner.Simulate(p, model, workers)
	e := &planEstimate{
		Calibrated:     model.Calibrated,
		Model:          model,
		Schedule:       s,
		LargestTenant:  planner.LargestTenant(doc.sizes, model),
		RebuildSeconds: rebuildSeconds(doc),
	}
	if doc.calib != nil && model.Calibrated {
		e.Calibration, e.CalibratedWorkers = calibrationNote(doc.calib), doc.calib.Workers
	}
	for _, b := range doc.Batches {
		if b.ID == s.Critical.Batch {
			e.Critical = b
		}
	}
	return e
}

// fitWindow finds the fewest workers that finish within d, and the processes
// of perProcess workers (run.workers) they take, and replans for them: finer batches for more workers can change the answer, so it cuts
// again (without sizing the source again) until the count settles, at most
// three times.
func (a *app) fitWindow(ctx context.Context, s *session, doc *planDoc, d time.Duration, asked string, now time.Time, perProcess int) error {
	model := doc.model
	var fit planner.Fit
	for range 3 {
		fit = planner.FitWindow(&planner.Plan{Batches: doc.Batches}, model, d.Seconds(), maxFitWorkers)
		// When nothing fits, the plan stays cut for run.workers: cutting it
		// for the most workers tried would only store a huge plan.
		if !fit.Fits || fit.Workers == doc.Summary.Workers {
			break
		}
		if err := a.recut(ctx, s, doc, fit.Workers); err != nil {
			return err
		}
	}
	fit = planner.FitWindow(&planner.Plan{Batches: doc.Batches}, model, d.Seconds(), maxFitWorkers)
	doc.Estimate = estimate(doc, model, fit.Workers)
	per := max(perProcess, 1)
	doc.Estimate.Fit = &fitDoc{Asked: asked, Until: now.Add(d), Fit: fit, Processes: (fit.Workers + per - 1) / per}
	return nil
}

// recut rebuilds doc's batches for workers from the sizes already measured.
func (a *app) recut(ctx context.Context, s *session, doc *planDoc, workers int) error {
	model := doc.model
	opt := planner.Options{BatchRows: s.cfg.Run.BatchRows, Workers: workers, Cost: &model}
	sized, err := migrate.Cut(ctx, s.ep.src, s.res.Tables, doc.sizes, opt, min(s.cfg.Run.Workers, 4))
	if err != nil {
		return err
	}
	doc.Batches = sized.Plan.Batches
	doc.Fingerprint = planner.Fingerprint(sized.Plan)
	doc.Summary = planner.Summarize(sized.Plan, sized.Sizes, workers)
	return nil
}

// Text renders e for a terminal, one fact a line, without a trailing
// newline. perProcess is run.workers.
func (e *planEstimate) Text(perProcess int) string {
	var b strings.Builder
	s := e.Schedule
	if e.Calibrated {
		fmt.Fprintf(&b, "estimate with %d workers (%s): makespan %s, lower bound %s (ratio %.3f)\n",
			s.Workers, cmp.Or(e.Calibration, "calibrated"), dur(s.Makespan), dur(s.LowerBound), s.Ratio())
	} else {
		fmt.Fprintf(&b, "estimate with %d workers (UNCALIBRATED: default cost model; `cutover rehearse` measures this source and target): makespan %s, lower bound %s (ratio %.3f)\n",
			s.Workers, dur(s.Makespan), dur(s.LowerBound), s.Ratio())
	}
	switch m := e.Model; {
	case m.Workers > 0 && m.Workers != s.Workers:
		fmt.Fprintf(&b, "note: batch times were measured with %d workers and with 1 (contention %.2f): with %d workers each batch takes %.2fx its time with %d%s\n",
			m.Workers, m.Contention, s.Workers, m.Scale(s.Workers), m.Workers, beyond(s.Workers, m.Workers))
	case e.CalibratedWorkers > 0 && e.CalibratedWorkers != s.Workers:
		fmt.Fprintf(&b, "note: batch times were measured with %d workers; with %d, a saturated source or target makes each batch slower than estimated: rehearse with run.workers = %d to measure it\n",
			e.CalibratedWorkers, s.Workers, s.Workers)
	}
	if s.Total > 0 {
		share := s.Largest / (s.Total / float64(s.Workers))
		verdict := "batches are small enough for a short tail"
		if share > planner.CriticalPathShare+1e-9 {
			verdict = "the tail may run long: more workers than the plan was cut for, or a lower run.batch_rows"
		}
		fmt.Fprintf(&b, "tail: the largest batch takes %s, %.1f%% of the time per worker (at most %.0f%% wanted): %s\n",
			dur(s.Largest), 100*share, 100*planner.CriticalPathShare, verdict)
	}
	if e.RebuildSeconds > 0 {
		fmt.Fprintln(&b, rebuildText(e.RebuildSeconds, s.Makespan))
	}
	if e.LargestTenant.Tenant != "" {
		fmt.Fprintf(&b, "largest tenant %s: %.1f%% of the work, %s on one worker\n",
			e.LargestTenant.Tenant, 100*e.LargestTenant.Share, dur(e.LargestTenant.Seconds))
	}
	if s.Critical.Batch > 0 {
		fmt.Fprintf(&b, "critical path: batch #%d (%s, %s, %s rows), worker %d, %s to %s\n",
			e.Critical.ID, e.Critical.Table, describeTenants(e.Critical), commas(e.Critical.Rows),
			s.Critical.Worker, dur(s.Critical.Start), dur(s.Critical.End))
	}
	if f := e.Fit; f != nil {
		until := fmt.Sprintf("window %s", f.Asked)
		if strings.Contains(f.Asked, ":") {
			until = fmt.Sprintf("deadline %s (%s from now)", f.Until.Format("2006-01-02 15:04 MST"), dur(f.Fit.Window))
		}
		if f.Fit.Fits {
			fmt.Fprintf(&b, "%s: fits with %d workers = %d processes of %d workers (run.workers), estimate %s, %s to spare\n",
				until, f.Fit.Workers, f.Processes, perProcess, dur(f.Fit.Schedule.Makespan), dur(f.Fit.Window-f.Fit.Schedule.Makespan))
		} else {
			fmt.Fprintf(&b, "%s: DOES NOT FIT: the best estimate, with %d workers, is %s, %s over",
				until, f.Fit.Workers, dur(f.Fit.Schedule.Makespan), dur(f.Fit.Over))
			switch m := e.Model; {
			case f.Fit.Schedule.Largest > f.Fit.Window:
				fmt.Fprintf(&b, " (one batch alone takes %s: lower run.batch_rows)", dur(f.Fit.Schedule.Largest))
			case m.Workers > 0 && m.Contention >= 0.5:
				fmt.Fprintf(&b, " (rehearse measured contention %.2f: the workers wait for a saturated source or target, so more of them barely help; a faster server or a longer window does)", m.Contention)
			}
			b.WriteByte('\n')
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// dur prints estimated seconds for people: 3h25m, 4m10s, 12.3s, 78ms.
func dur(sec float64) string {
	d := planner.Seconds(sec)
	switch {
	case d >= time.Hour:
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// writePlanSVG draws doc's estimated schedule as a Gantt chart into path,
// with the deadline or window as a line when one was asked for.
func writePlanSVG(path string, doc *planDoc) error {
	e := doc.Estimate
	o := planner.GanttOptions{Title: fmt.Sprintf("plan %s: %d batches on %d workers, estimated %s (%s)",
		doc.Fingerprint, len(doc.Batches), e.Schedule.Workers, dur(e.Schedule.Makespan), calibrationWord(e))}
	if f := e.Fit; f != nil {
		o.Deadline, o.DeadlineLabel = f.Fit.Window, "window "+f.Asked
		if strings.Contains(f.Asked, ":") {
			o.DeadlineLabel = "deadline " + f.Asked
		}
	}
	var buf bytes.Buffer
	if err := planner.WriteGantt(&buf, doc.Batches, e.Model, e.Schedule, o); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return usagef("--svg: %v", err)
	}
	return nil
}

func calibrationWord(e *planEstimate) string {
	if e.Calibrated {
		return "calibrated"
	}
	return "uncalibrated"
}

// targetWarnings says what about the target's InnoDB settings makes the
// night slower than a rolled-back rehearsal measures:
//   - a redo log smaller than the data: each time the copy wraps it, InnoDB
//     must flush dirty pages before it can go on (the 2M-row bench, 335 MB:
//     12.8 and 13.4 s with a 96 MB redo log, 12.3 s twice with 638 MB);
//   - a buffer pool smaller than the data: later batches write into indexes
//     that no longer fit in memory.
//
// Both are settings a DBA raises for a bulk load. Unknown sizes warn nothing.
func targetWarnings(ctx context.Context, s *session, doc *planDoc) []string {
	db := s.ep.tgt.SQL()
	var out []string
	if redo, name := redoCapacity(ctx, db); redo > 0 && doc.Summary.Bytes > redo {
		out = append(out, fmt.Sprintf("the data (about %s before indexes) is larger than the target's redo log (%s = %s): the copy wraps it about %d times, and each wrap makes InnoDB flush pages before it goes on, which a rolled-back rehearsal does not measure, so the estimate is low; for the night raise %s to at least %s (it is dynamic on MariaDB 10.9+ and MySQL 8.0.30+)",
			humanMB(doc.Summary.Bytes), name, humanMB(redo), doc.Summary.Bytes/redo, name, humanMB(doc.Summary.Bytes)))
	}
	var pool int64
	if err := db.QueryRowContext(ctx, "SELECT @@innodb_buffer_pool_size").Scan(&pool); err == nil && pool > 0 && doc.Summary.Bytes > pool {
		out = append(out, fmt.Sprintf("the data (about %s before indexes) is larger than the target's buffer pool (%s): late batches are slower than a rehearsal on empty tables measures, so the estimate is low; after a dress rehearsal on staging, `cutover rehearse --from-run N` calibrates on real batch times",
			humanMB(doc.Summary.Bytes), humanMB(pool)))
	}
	return out
}

// redoCapacity is the target's redo log size and the setting that sets it:
// innodb_redo_log_capacity on MySQL 8.0.30+, innodb_log_file_size (times the
// files in a group, where that still exists) elsewhere. 0 when unknown.
func redoCapacity(ctx context.Context, db *sql.DB) (int64, string) {
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT @@innodb_redo_log_capacity").Scan(&n); err == nil && n > 0 {
		return n, "innodb_redo_log_capacity"
	}
	if err := db.QueryRowContext(ctx, "SELECT @@innodb_log_file_size").Scan(&n); err != nil || n <= 0 {
		return 0, ""
	}
	var files int64
	if err := db.QueryRowContext(ctx, "SELECT @@innodb_log_files_in_group").Scan(&files); err == nil && files > 1 {
		n *= files
	}
	return n, "innodb_log_file_size"
}

// beyond warns when an estimate extrapolates past the measured worker counts.
func beyond(n, measured int) string {
	if n > measured {
		return fmt.Sprintf("; more workers than the %d measured: an extrapolation", measured)
	}
	return ""
}

func humanMB(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/1e6) }
