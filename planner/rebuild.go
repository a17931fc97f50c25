package planner

import "math"

// RebuildCost estimates a deferred index rebuild (one ALTER TABLE adding every
// deferred definition of a table once its rows are loaded): InnoDB reads the
// table once and sorts each index's entries, so the time grows with the rows
// times the definitions.
type RebuildCost struct {
	PerIndexRow float64 `json:"per_index_row_s"`
}

// DefaultRebuildCost is measured: 1.1 us per row and definition. One BIGINT
// index on 3M rows (348 MB, over a 128M buffer pool) took 3.4 s (DESIGN.md);
// on 400k rows inside the pool, 0.65 us per row for one BIGINT index and
// 0.78 us per row and definition for three with a VARCHAR prefix
// (BenchmarkRebuildIndexes in internal/mysqldb). The larger figure holds for
// the tables large enough to matter.
func DefaultRebuildCost() RebuildCost { return RebuildCost{PerIndexRow: 1.1e-6} }

// Seconds is the estimated rebuild of definitions indexes over rows rows.
func (c RebuildCost) Seconds(rows int64, definitions int) float64 {
	return c.PerIndexRow * float64(rows) * float64(definitions)
}

// RebuildPhase estimates the rebuilds of a run: tables' rows and deferred
// definitions in. A process's rebuilder works one table at a time, and the
// last tables finish their batches near the end of the copy (the plan runs
// the largest batches first), so the estimate is the sum of the rebuilds,
// after the copy's makespan: an upper bound, as rebuilds of tables that
// finish early overlap the copy of the others.
func RebuildPhase(c RebuildCost, rows map[string]int64, definitions map[string]int) float64 {
	var s float64
	for t, n := range definitions {
		s += c.Seconds(rows[t], n)
	}
	return s
}

// RebuildSample is one measured rebuild: a table's rows when it ran, the
// definitions it added back, and how long it took.
type RebuildSample struct {
	Table       string
	Rows        int64
	Definitions int
	Seconds     float64
}

// FitRebuild fits the cost per row and definition to measured rebuilds: the
// total time over the total index rows, so that large tables weigh as much as
// their time. Samples without rows, definitions or a duration teach nothing
// and are skipped; ok is false when none is left.
func FitRebuild(samples []RebuildSample) (c RebuildCost, ok bool) {
	var secs, indexRows float64
	for _, s := range samples {
		if s.Rows <= 0 || s.Definitions <= 0 || !(s.Seconds > 0) || math.IsInf(s.Seconds, 0) {
			continue
		}
		secs += s.Seconds
		indexRows += float64(s.Rows) * float64(s.Definitions)
	}
	if indexRows == 0 {
		return RebuildCost{}, false
	}
	return RebuildCost{PerIndexRow: secs / indexRows}, true
}

// RebuildCost returns the rebuild cost a calibration fitted (calibrated =
// true), else the measured default.
func (m Model) RebuildCost() (c RebuildCost, calibrated bool) {
	if m.Rebuild != nil && m.Rebuild.PerIndexRow > 0 {
		return *m.Rebuild, true
	}
	return DefaultRebuildCost(), false
}
