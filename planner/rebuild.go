package planner

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
