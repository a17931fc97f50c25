package planner

import (
	"fmt"
	"math"
	"time"
)

// Projection answers "will the run make it?" from the rate measured while it
// copies: when it finishes at that rate, and, when that is past the deadline,
// how many workers (and processes of perProcess workers) would finish in time
// if the rate grew in proportion to the workers. That is an upper bound on
// what adding workers buys: the source and the target must keep up.
type Projection struct {
	RowsLeft      int64         `json:"rows_left"`
	RowsPerSecond float64       `json:"rows_per_second"`
	Left          time.Duration `json:"-"`
	Within        time.Duration `json:"-"`
	Fits          bool          `json:"fits"`
	Workers       int           `json:"workers"`
	// WorkersNeeded and ProcessesNeeded are set when the run does not fit.
	WorkersNeeded   int `json:"workers_needed,omitempty"`
	PerProcess      int `json:"workers_per_process"`
	ProcessesNeeded int `json:"processes_needed,omitempty"`
}

// Project projects rowsLeft at rate rows/s copied by workers workers onto the
// time within which the run must finish. A rate of zero cannot be projected.
func Project(rowsLeft int64, rate float64, workers, perProcess int, within time.Duration) (Projection, error) {
	p := Projection{RowsLeft: rowsLeft, RowsPerSecond: rate, Within: within, Workers: workers, PerProcess: max(perProcess, 1)}
	if rowsLeft <= 0 {
		p.Fits = true
		return p, nil
	}
	if rate <= 0 || workers <= 0 {
		return p, fmt.Errorf("no rate measured yet: nothing was copied in the last minute by a live process")
	}
	p.Left = time.Duration(float64(rowsLeft) / rate * float64(time.Second))
	p.Fits = p.Left <= within
	if p.Fits {
		return p, nil
	}
	if within <= 0 {
		return p, fmt.Errorf("the deadline has passed")
	}
	need := float64(rowsLeft) / within.Seconds() // rows/s
	p.WorkersNeeded = int(math.Ceil(need / (rate / float64(workers))))
	p.ProcessesNeeded = (p.WorkersNeeded + p.PerProcess - 1) / p.PerProcess
	return p, nil
}
