package planner

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Doc is the stored and printed form of a plan: what `cutover plan --json`
// prints and what the ledger keeps with the run (checkpoint.Run.Plan holds it
// as JSON). It belongs to the planner because it is pure data about batches
// and estimates; the ledger stores its bytes without reading them. Every
// reader of a stored plan goes through ParseDoc.
type Doc struct {
	RunID       int64      `json:"run_id,omitempty"`
	Fingerprint string     `json:"fingerprint"`
	SCN         uint64     `json:"scn,omitempty"` // the Oracle snapshot every batch reads
	Summary     Summary    `json:"summary"`
	Warnings    []string   `json:"warnings"`
	Estimate    *Estimate  `json:"estimate,omitempty"`
	Deferred    []Deferred `json:"deferred_indexes,omitempty"`
	// Ranged are the tables the plan chose to batch by key range (their
	// batches carry key ranges and no tenants): every later command reads
	// the choice from here rather than deciding again.
	Ranged []RangeChoice `json:"ranged,omitempty"`
	// Source is the source tables' columns at plan time (shape.go).
	Source  []SourceTable `json:"source,omitempty"`
	Batches []Batch       `json:"batches"`
	// Settings are the config's settings the plan was made with, by key
	// (run.batch_rows), and SettingsRunFP the run settings fingerprint they
	// give: a changed config is then refused naming the keys that changed.
	Settings      map[string]string `json:"settings,omitempty"`
	SettingsRunFP string            `json:"settings_run_fingerprint,omitempty"`
}

// Deferred is what a run would defer of one target table's indexes: loaded
// without them, built once at the end.
type Deferred struct {
	Table   string   `json:"table"`
	Target  string   `json:"target"`
	Indexes []string `json:"indexes,omitempty"`
	// Why says why nothing is deferred, when nothing is.
	Why string `json:"why,omitempty"`
}

// RangeChoice is a table the plan batches by key range though the config
// does not say so, and why.
type RangeChoice struct {
	Table string `json:"table"`
	Why   string `json:"why"`
}

// Marshal is the stored form of d.
func (d *Doc) Marshal() ([]byte, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode the plan: %w", err)
	}
	return raw, nil
}

// ParseDoc reads a plan stored by Marshal.
func ParseDoc(raw []byte) (*Doc, error) {
	var d Doc
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("read the stored plan: %w", err)
	}
	return &d, nil
}

// BytesPerRow is the plan's estimated average row size, 0 when it has no rows.
func (d *Doc) BytesPerRow() float64 {
	var rows, bytes int64
	for _, b := range d.Batches {
		rows += b.Rows
		bytes += b.Bytes
	}
	if rows == 0 {
		return 0
	}
	return float64(bytes) / float64(rows)
}

// Estimate is how long the plan takes, stored and printed with it.
type Estimate struct {
	Calibrated        bool       `json:"calibrated"`
	Calibration       string     `json:"calibration,omitempty"` // which rehearsal
	CalibratedWorkers int        `json:"calibrated_workers,omitempty"`
	Model             Model      `json:"model"`
	Schedule          Schedule   `json:"schedule"`
	LargestTenant     TenantCost `json:"largest_tenant"`
	Critical          Batch      `json:"critical_batch"`
	Fit               *WindowFit `json:"fit,omitempty"`
	// RebuildSeconds is the deferred index rebuilds after the copy.
	RebuildSeconds float64 `json:"rebuild_s,omitempty"`
}

// WindowFit answers `plan --deadline` / `--window`.
type WindowFit struct {
	Asked     string    `json:"asked"` // as given: "05:00" or "4h"
	Until     time.Time `json:"until"`
	Fit       Fit       `json:"fit"`
	Processes int       `json:"processes"` // of run.workers workers each
}

// Calibration says which rehearsal calibrated a model, for the estimate.
type Calibration struct {
	Note    string // "calibrated by rehearsal 3 at 4 workers, ..."
	Workers int    // the workers it was measured with
}

// EstimatePlan simulates batches on workers under model. sizes are the
// measured sizes (for the largest tenant); calib, when not nil and model is
// calibrated, names where model came from.
func EstimatePlan(batches []Batch, sizes []Size, model Model, workers int, calib *Calibration) *Estimate {
	s := Simulate(&Plan{Batches: batches}, model, workers)
	e := &Estimate{
		Calibrated:    model.Calibrated,
		Model:         model,
		Schedule:      s,
		LargestTenant: LargestTenant(sizes, model),
	}
	if calib != nil && model.Calibrated {
		e.Calibration, e.CalibratedWorkers = calib.Note, calib.Workers
	}
	for _, b := range batches {
		if b.ID == s.Critical.Batch {
			e.Critical = b
		}
	}
	return e
}

// Describe says whose rows b holds, for people.
func (b Batch) Describe() string {
	switch {
	case len(b.Tenants) == 0 && (b.Lo != nil || b.Hi != nil):
		return "all rows, key range" // a shared or ranged table
	case len(b.Tenants) == 0:
		return "all rows"
	case len(b.Tenants) == 1 && (b.Lo != nil || b.Hi != nil):
		return "tenant " + b.Tenants[0] + " (key range)"
	case len(b.Tenants) == 1:
		return "tenant " + b.Tenants[0]
	}
	return fmt.Sprintf("%d tenants packed", len(b.Tenants))
}

// Text renders e for a terminal, one fact a line, without a trailing
// newline. perProcess is run.workers.
func (e *Estimate) Text(perProcess int) string {
	var b strings.Builder
	s := e.Schedule
	if e.Calibrated {
		fmt.Fprintf(&b, "estimate with %d workers (%s): makespan %s, lower bound %s (ratio %.3f)\n",
			s.Workers, cmp.Or(e.Calibration, "calibrated"), Human(s.Makespan), Human(s.LowerBound), s.Ratio())
	} else {
		fmt.Fprintf(&b, "estimate with %d workers (UNCALIBRATED: default cost model; `cutover rehearse` measures this source and target): makespan %s, lower bound %s (ratio %.3f)\n",
			s.Workers, Human(s.Makespan), Human(s.LowerBound), s.Ratio())
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
		if share > CriticalPathShare+1e-9 {
			verdict = "the tail may run long: more workers than the plan was cut for, or a lower run.batch_rows"
		}
		fmt.Fprintf(&b, "tail: the largest batch takes %s, %.1f%% of the time per worker (at most %.0f%% wanted): %s\n",
			Human(s.Largest), 100*share, 100*CriticalPathShare, verdict)
	}
	if e.RebuildSeconds > 0 {
		c, calibrated := e.Model.RebuildCost()
		how := "measured" // the default, measured on the bench (DefaultRebuildCost)
		if calibrated {
			how = "calibrated from a run's rebuilds"
		}
		fmt.Fprintf(&b, "deferred index rebuilds: at most %s after the copy (%.1f us per row and definition, %s; one table at a time), so the run ends within %s\n",
			Human(e.RebuildSeconds), 1e6*c.PerIndexRow, how, Human(s.Makespan+e.RebuildSeconds))
	}
	if e.LargestTenant.Tenant != "" {
		fmt.Fprintf(&b, "largest tenant %s: %.1f%% of the work, %s on one worker\n",
			e.LargestTenant.Tenant, 100*e.LargestTenant.Share, Human(e.LargestTenant.Seconds))
	}
	if s.Critical.Batch > 0 {
		fmt.Fprintf(&b, "critical path: batch #%d (%s, %s, %s rows), worker %d, %s to %s\n",
			e.Critical.ID, e.Critical.Table, e.Critical.Describe(), Thousands(e.Critical.Rows),
			s.Critical.Worker, Human(s.Critical.Start), Human(s.Critical.End))
	}
	if f := e.Fit; f != nil {
		e.fitText(&b, f, perProcess)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (e *Estimate) fitText(b *strings.Builder, f *WindowFit, perProcess int) {
	until := fmt.Sprintf("window %s", f.Asked)
	if strings.Contains(f.Asked, ":") {
		until = fmt.Sprintf("deadline %s (%s from now)", f.Until.Format("2006-01-02 15:04 MST"), Human(f.Fit.Window))
	}
	if f.Fit.Fits {
		fmt.Fprintf(b, "%s: fits with %d workers = %d processes of %d workers (run.workers), estimate %s, %s to spare\n",
			until, f.Fit.Workers, f.Processes, perProcess, Human(f.Fit.Schedule.Makespan), Human(f.Fit.Window-f.Fit.Schedule.Makespan))
		return
	}
	fmt.Fprintf(b, "%s: DOES NOT FIT: the best estimate, with %d workers, is %s, %s over",
		until, f.Fit.Workers, Human(f.Fit.Schedule.Makespan), Human(f.Fit.Over))
	switch m := e.Model; {
	case f.Fit.Schedule.Largest > f.Fit.Window:
		fmt.Fprintf(b, " (one batch alone takes %s: lower run.batch_rows)", Human(f.Fit.Schedule.Largest))
	case m.Workers > 0 && m.Contention >= 0.5:
		fmt.Fprintf(b, " (rehearse measured contention %.2f: the workers wait for a saturated source or target, so more of them barely help; a faster server or a longer window does)", m.Contention)
	}
	b.WriteByte('\n')
}

// Human prints estimated seconds for people: 3h25m, 4m10s, 12.3s, 78ms.
func Human(sec float64) string {
	d := Seconds(sec)
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

// beyond warns when an estimate extrapolates past the measured worker counts.
func beyond(n, measured int) string {
	if n > measured {
		return fmt.Sprintf("; more workers than the %d measured: an extrapolation", measured)
	}
	return ""
}

// GanttSVG is WriteGantt into a byte slice (`cutover plan --svg`).
func (d *Doc) GanttSVG() ([]byte, error) {
	var buf bytes.Buffer
	if err := d.WriteGantt(&buf); err != nil {
		return nil, fmt.Errorf("draw the plan: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteGantt draws d's estimated schedule as an SVG Gantt chart, with the
// deadline or window as a line when one was asked for.
func (d *Doc) WriteGantt(w io.Writer) error {
	e := d.Estimate
	word := "uncalibrated"
	if e.Calibrated {
		word = "calibrated"
	}
	o := GanttOptions{Title: fmt.Sprintf("plan %s: %d batches on %d workers, estimated %s (%s)",
		d.Fingerprint, len(d.Batches), e.Schedule.Workers, Human(e.Schedule.Makespan), word)}
	if f := e.Fit; f != nil {
		o.Deadline, o.DeadlineLabel = f.Fit.Window, "window "+f.Asked
		if strings.Contains(f.Asked, ":") {
			o.DeadlineLabel = "deadline " + f.Asked
		}
	}
	return WriteGantt(w, d.Batches, e.Model, e.Schedule, o)
}
