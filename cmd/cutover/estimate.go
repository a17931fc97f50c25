package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// maxFitWorkers bounds the worker counts a deadline search tries, over all
// processes: 16 processes of the most workers one process may run.
const maxFitWorkers = 4096

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
func estimate(doc *planDoc, model planner.Model, workers int) *planner.Estimate {
	var calib *planner.Calibration
	if doc.calib != nil {
		calib = &planner.Calibration{Note: calibrationNote(doc.calib), Workers: doc.calib.Workers}
	}
	e := planner.EstimatePlan(doc.Batches, doc.sizes, model, workers, calib)
	e.RebuildSeconds = rebuildSeconds(doc)
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
	doc.Estimate.Fit = &planner.WindowFit{Asked: asked, Until: now.Add(d), Fit: fit, Processes: (fit.Workers + per - 1) / per}
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

// dur prints estimated seconds for people: 3h25m, 4m10s, 12.3s, 78ms.
func dur(sec float64) string { return planner.Human(sec) }

// writePlanSVG draws doc's estimated schedule as a Gantt chart into path.
func writePlanSVG(path string, doc *planner.Doc) error {
	var buf bytes.Buffer
	if err := doc.WriteGantt(&buf); err != nil {
		return fmt.Errorf("draw the plan: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return usagef("--svg: %v", err)
	}
	return nil
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

func humanMB(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/1e6) }
