package planner

import (
	"fmt"
	"math"
)

// CriticalPathShare bounds a batch's estimated cost as a share of the ideal
// time per worker (total cost / workers). List scheduling finishes within
// total/workers + largest batch, so batches this small keep the makespan within
// 1 + CriticalPathShare of the lower bound, however large the largest tenant.
const CriticalPathShare = 0.05

// Cost estimates a batch's duration in seconds on one worker: a fixed part
// (transaction, scope delete, commit, ledger mark, round trips), a part per row
// (extract, convert, index maintenance) and a part per byte (transfer, encode,
// write). A 4 kB LOB row and a 40-byte row differ a hundredfold in the last
// term, which rows alone cannot see.
type Cost struct {
	Fixed   float64 `json:"fixed_s"`
	PerRow  float64 `json:"per_row_s"`
	PerByte float64 `json:"per_byte_s"`
}

// Seconds is the estimated duration of a batch of rows and bytes.
func (c Cost) Seconds(rows, bytes int64) float64 {
	return c.Fixed + c.PerRow*float64(rows) + c.PerByte*float64(bytes)
}

// Model is a cost per table, with a default for tables not calibrated.
// Calibrated says the figures were measured by a rehearsal on this source and
// target; an uncalibrated estimate must say so.
type Model struct {
	Default    Cost            `json:"default"`
	Tables     map[string]Cost `json:"tables,omitempty"`
	Calibrated bool            `json:"calibrated"`
	// Workers is how many workers the costs were measured with, and
	// Contention how much each added worker slows every batch down (Amdahl's
	// serial share: a batch takes 1+Contention*(n-1) times its time alone).
	// 0 for both: costs do not change with the worker count.
	Workers    int     `json:"workers,omitempty"`
	Contention float64 `json:"contention,omitempty"`
	// Rebuild is the deferred index rebuild cost fitted from a run's
	// rebuilds (`rehearse --from-run`); nil (calibrations stored before it,
	// and rehearsals, which rebuild nothing): DefaultRebuildCost.
	Rebuild *RebuildCost `json:"rebuild,omitempty"`
}

// Scale is how much longer each batch takes with n workers than with the
// workers the costs were measured at: 1 without a measured contention. On a
// saturated server (Contention 1) twice the workers make every batch twice
// as slow, and the makespan does not move.
func (m Model) Scale(n int) float64 {
	if m.Workers < 1 || n < 1 || m.Contention <= 0 {
		return 1
	}
	return (1 + m.Contention*float64(n-1)) / (1 + m.Contention*float64(m.Workers-1))
}

// Contention fits Amdahl's serial share from batches that took ratio times
// their time at workers when run with fewer workers (ratio < 1 when fewer
// workers made them faster), clamped to [0, 1]: 0 means the workers do not
// slow each other down, 1 that the server does one batch's work at a time.
func Contention(workers, fewer int, ratio float64) float64 {
	if workers <= fewer || fewer < 1 || ratio <= 0 || math.IsNaN(ratio) {
		return 0
	}
	// t(n) is proportional to 1+s*(n-1), and q = t(workers)/t(fewer).
	q := 1 / ratio
	den := float64(workers-1) - q*float64(fewer-1)
	if q <= 1 || den <= 0 {
		return 0
	}
	return math.Min((q-1)/den, 1)
}

// DefaultModel is the documented model an uncalibrated plan uses. It comes from
// the measurements in DESIGN.md (2M rows, 169 MB, ~455k rows/s on one
// connection through LOAD DATA LOCAL, about 4.4 s): half of that time is put on
// rows (1.1 us each) and half on bytes (13 ns each). A batch's fixed cost (the
// claim, a transaction, the scope delete, LOAD DATA's round trips, the warnings
// check, the done mark, a commit with a flush) is 3 ms: one-row batches through
// the engine took 2.5-3.0 ms on a table empty at the start and 3.3-4.0 ms with
// the delete (median of 3 runs of 400 batches each, one worker, MariaDB 10.11
// over a unix socket: `go test -run '^$' -bench BatchFixedCost -benchtime 400x
// -count 3 ./migrate/`); a network adds its round trips. It is a guess about
// another machine; `cutover rehearse` replaces it.
func DefaultModel() Model {
	return Model{Default: Cost{Fixed: 0.003, PerRow: 1.1e-6, PerByte: 13e-9}}
}

// For returns the cost of table.
func (m Model) For(table string) Cost {
	if c, ok := m.Tables[table]; ok {
		return c
	}
	return m.Default
}

// BatchSeconds is the estimated duration of b.
func (m Model) BatchSeconds(b Batch) float64 {
	return m.For(b.Table).Seconds(b.Rows, b.Bytes)
}

// Validate rejects a model that would make estimates meaningless.
func (m Model) Validate() error {
	check := func(name string, c Cost) error {
		for _, v := range []float64{c.Fixed, c.PerRow, c.PerByte} {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("cost model of %s: terms must be finite and not negative, got %+v", name, c)
			}
		}
		if c.PerRow == 0 && c.PerByte == 0 {
			return fmt.Errorf("cost model of %s: rows and bytes cost nothing", name)
		}
		return nil
	}
	if m.Workers < 0 || m.Contention < 0 || m.Contention > 1 || math.IsNaN(m.Contention) {
		return fmt.Errorf("cost model: measured with %d workers at contention %v; want workers >= 0 and contention in [0, 1]", m.Workers, m.Contention)
	}
	if r := m.Rebuild; r != nil && (r.PerIndexRow < 0 || math.IsNaN(r.PerIndexRow) || math.IsInf(r.PerIndexRow, 0)) {
		return fmt.Errorf("cost model: rebuild cost per row and definition must be finite and not negative, got %v", r.PerIndexRow)
	}
	if err := check("the default", m.Default); err != nil {
		return err
	}
	for t, c := range m.Tables {
		if err := check("table "+t, c); err != nil {
			return err
		}
	}
	return nil
}

// rowCaps returns each table's batch size in rows. Without a model every table
// gets o.BatchRows. With one, a table's batches are cut to the rows that cost
// CriticalPathShare of the ideal time per worker at the table's average row
// width, so batches of every table cost about the same, giants are split finely
// enough for the tail to stay short, and o.BatchRows stays the upper bound (it
// bounds a transaction). A batch never drops below the rows whose variable cost
// equals the fixed cost: finer batches would spend more on overhead than they
// save at the end.
func rowCaps(tables []TableSpec, sizes []Size, o Options) map[string]int64 {
	caps := make(map[string]int64, len(tables))
	for _, t := range tables {
		caps[t.Name] = o.BatchRows
	}
	if o.Cost == nil || o.BatchRows < 1 {
		return caps
	}
	type agg struct{ rows, bytes int64 }
	per := map[string]agg{}
	var total float64
	for _, s := range sizes {
		if _, ok := caps[s.Table]; !ok || s.Rows < 0 || s.Bytes < 0 {
			continue
		}
		a := per[s.Table]
		a.rows, a.bytes = satAdd(a.rows, s.Rows), satAdd(a.bytes, s.Bytes)
		per[s.Table] = a
		c := o.Cost.For(s.Table)
		total += c.Seconds(s.Rows, s.Bytes) - c.Fixed
	}
	target := CriticalPathShare * total / float64(max(o.Workers, 1))
	for t, a := range per {
		if a.rows == 0 {
			continue
		}
		c := o.Cost.For(t)
		perRow := c.PerRow + c.PerByte*float64(a.bytes)/float64(a.rows)
		if perRow <= 0 {
			continue
		}
		n := max((target-c.Fixed)/perRow, c.Fixed/perRow, 1)
		if n < float64(o.BatchRows) {
			caps[t] = int64(n)
		}
	}
	return caps
}
