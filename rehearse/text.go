package rehearse

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/planner"
)

// StoreFunc is a Store made of a function.
type StoreFunc func(ctx context.Context, c checkpoint.Calibration) (int64, error)

// SaveCalibration calls f.
func (f StoreFunc) SaveCalibration(ctx context.Context, c checkpoint.Calibration) (int64, error) {
	return f(ctx, c)
}

// LedgerStore stores calibrations through l, first making the calibration
// table in schema of db when the ledger predates it.
func LedgerStore(db *sql.DB, schema string, l Store) StoreFunc {
	return func(ctx context.Context, c checkpoint.Calibration) (int64, error) {
		if err := checkpoint.EnsureCalibration(ctx, db, schema); err != nil {
			return 0, err
		}
		return l.SaveCalibration(ctx, c)
	}
}

// Report is what `cutover rehearse --json` prints: what the rehearsal
// measured and stored, and the plan under the new model.
type Report struct {
	*Result
	Estimate *planner.Estimate `json:"estimate"`
}

// Detail lists the failed batches, one indented line each.
func (e *FailedError) Detail() string {
	var lines []string
	for _, f := range e.Batches {
		lines = append(lines, fmt.Sprintf("  batch %d (%s): %v", f.ID, f.Table, f.Err))
	}
	return strings.Join(lines, "\n")
}

// WriteText is the text form of a rehearsal: the sample, the fit per table,
// the scaling, the estimate and the next step, then the warnings about the
// target and a note when the target tables were not empty.
func WriteText(w io.Writer, r *Report, cfgPath string, warnings []string) {
	dur := planner.Human
	how := "every batch rolled back on its own (the target tables were not empty, or the plan too small to run each batch once)"
	if r.Stacked {
		how = "each worker's batches in one transaction, rolled back, so that they wrote into tables filling up as on the night"
	}
	fmt.Fprintf(w, "rehearsed %d of %d batches with %d workers in %s: %s\n",
		r.Sampled, r.PlanBatches, r.Workers, dur(r.Seconds), how)
	names := make([]string, 0, len(r.Tables))
	for t := range r.Tables {
		names = append(names, t)
	}
	slices.Sort(names)
	for _, t := range names {
		c, fe := r.Model.For(t), r.Tables[t]
		errPct := 0.0
		if fe.Measured > 0 {
			errPct = 100 * (fe.Predicted - fe.Measured) / fe.Measured
		}
		fmt.Fprintf(w, "  %-16s %3d batches: %s per batch + %s per 1k rows + %s per MB (fit %+.1f%% on the sample)\n",
			t, fe.Batches, dur(c.Fixed), dur(c.PerRow*1e3), dur(c.PerByte*1e6), errPct)
	}
	if sc := r.Scaling; sc != nil {
		fmt.Fprintf(w, "scaling: with %s the same batches took %.0f%% of their time with %d (%d batches): contention %.2f, so %s\n",
			workerCount(sc.Fewer), 100*sc.Ratio, r.Workers, sc.Batches, sc.Contention, scalingWords(r.Model, r.Workers))
	}
	fmt.Fprintf(w, "calibration %d stored in the ledger; `cutover plan` now uses it\n", r.CalibrationID)
	fmt.Fprintln(w, r.Estimate.Text(r.Workers))
	fmt.Fprintf(w, "next: cutover plan --config %s --deadline HH:MM\n", cfgPath)
	for _, s := range warnings {
		fmt.Fprintf(w, "warning: %s\n", s)
	}
	if len(r.NotEmpty) > 0 {
		fmt.Fprintf(w, "warning: target tables %s are not empty: each rehearsed batch deleted and reloaded its rows, which costs more than the night's copy into empty tables, so the estimate is high; rehearse on empty tables\n",
			strings.Join(r.NotEmpty, ", "))
	}
}

func workerCount(n int) string {
	if n == 1 {
		return "1 worker"
	}
	return fmt.Sprintf("%d workers", n)
}

// scalingWords says what the measured contention means for more workers.
func scalingWords(m planner.Model, workers int) string {
	twice := 2 * workers
	speedup := 2 / m.Scale(twice) // the time with workers over the time with twice as many
	if speedup < 1.1 {
		return fmt.Sprintf("more workers than %d would not make the copy faster", workers)
	}
	return fmt.Sprintf("%d workers would copy about %.1fx as fast as %d", twice, speedup, workers)
}

// JSON is the --json form of a calibration fitted from run runID.
func (r *FromRunResult) JSON(runID int64) map[string]any {
	return map[string]any{"calibration_id": r.CalibrationID, "from_run": runID, "batches": r.Batches, "workers": r.Workers, "model": r.Model}
}

// Text is the line that says what was fitted from run runID and stored.
func (r *FromRunResult) Text(runID int64) string {
	return fmt.Sprintf("calibration %d fitted on the %d done batches of run %d (%d workers) stored in the ledger; `cutover plan` now uses it\n",
		r.CalibrationID, r.Batches, runID, r.Workers)
}
