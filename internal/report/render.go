package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cutover/cutover/checkpoint"
)

// ErrNoActiveRun is a report asked of the active run when the ledger has none.
var ErrNoActiveRun = errors.New("no active run")

// UnknownRunError is a run asked for by id that the ledger cannot read.
type UnknownRunError struct{ Err error }

func (e *UnknownRunError) Error() string { return e.Err.Error() }
func (e *UnknownRunError) Unwrap() error { return e.Err }

// Rendered is a written report: the HTML and what it covers.
type Rendered struct {
	HTML    []byte
	Run     *checkpoint.Run
	Batches int // batches on the run's timeline
}

// Render writes the report of run runID of l (the active run when runID is
// 0: ErrNoActiveRun without one; an *UnknownRunError when l cannot read
// runID), with ver when not nil, generated at now.
func Render(ctx context.Context, l *checkpoint.Ledger, runID int64, ver *Verification, now time.Time) (*Rendered, error) {
	var run *checkpoint.Run
	var err error
	if runID > 0 {
		if run, err = l.RunByID(ctx, runID); err != nil {
			return nil, &UnknownRunError{Err: err}
		}
	} else if run, err = l.ActiveRun(ctx); err != nil {
		return nil, fmt.Errorf("read the active run: %w", err)
	} else if run == nil {
		return nil, ErrNoActiveRun
	}
	d, err := FromLedger(ctx, l, run, ver, now)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		return nil, fmt.Errorf("write the report: %w", err)
	}
	return &Rendered{HTML: buf.Bytes(), Run: run, Batches: len(d.Spans)}, nil
}
