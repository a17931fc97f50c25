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

// Window turns a deadline HH:MM (its next occurrence, in now's location) or
// a window such as 4h into a duration from now, and says which was asked;
// zero when neither is given. Its errors are bad input, in the flags' words.
func Window(deadline, win string, now time.Time) (time.Duration, string, error) {
	switch {
	case deadline != "" && win != "":
		return 0, "", fmt.Errorf("--deadline and --window are alternatives: give one")
	case deadline != "":
		at, err := time.ParseInLocation("15:04", deadline, now.Location())
		if err != nil {
			return 0, "", fmt.Errorf("--deadline %q: want a local time HH:MM such as 05:00", deadline)
		}
		until := time.Date(now.Year(), now.Month(), now.Day(), at.Hour(), at.Minute(), 0, 0, now.Location())
		if !until.After(now) {
			until = until.AddDate(0, 0, 1)
		}
		return until.Sub(now), deadline, nil
	case win != "":
		d, err := time.ParseDuration(win)
		if err != nil || d <= 0 {
			return 0, "", fmt.Errorf("--window %q: want a positive duration such as 4h or 90m", win)
		}
		return d, win, nil
	}
	return 0, "", nil
}
