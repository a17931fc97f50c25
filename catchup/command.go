package catchup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
)

// The commands capture and sync, each one function over plain options: the
// command line opens the databases, calls one of these, and prints.

// CaptureSource is a source whose capture can be installed, removed and read.
type CaptureSource interface {
	Capturer
	Source
}

// CommandLedger is the part of the ledger the capture and sync commands use.
type CommandLedger interface {
	CaptureLedger
	Ledger
	ActiveRun(ctx context.Context) (*checkpoint.Run, error)
	Record(ctx context.Context, runID int64, kind checkpoint.EventKind, detail string) error
}

// CaptureVerb is what the capture command does.
type CaptureVerb string

// Capture verbs.
const (
	VerbStart  CaptureVerb = "start"
	VerbStop   CaptureVerb = "stop"
	VerbStatus CaptureVerb = "status"
)

// CaptureOptions are the capture command's inputs.
type CaptureOptions struct {
	Verb    CaptureVerb
	Capture CaptureSource
	Ledger  CommandLedger
	// Tables are the configured tables, resolved.
	Tables []*catalog.Table
}

// CaptureOutcome is what the capture command did or found.
type CaptureOutcome struct {
	// Start is start's result.
	Start StartResult
	// ID is status's installed capture ("" when capture is off) and Lag its
	// lag per table.
	ID  string
	Lag []TableLag
}

// Capture runs capture start, stop or status. Start's errors come back as
// Start returns them (ErrCopyStarted, ErrOtherTables, the source's own).
func Capture(ctx context.Context, o CaptureOptions) (CaptureOutcome, error) {
	switch o.Verb {
	case VerbStart:
		names := make([]string, len(o.Tables))
		for i, t := range o.Tables {
			names[i] = t.Name
		}
		res, err := Start(ctx, o.Capture, o.Ledger, names)
		return CaptureOutcome{Start: res}, err
	case VerbStop:
		return CaptureOutcome{}, Stop(ctx, o.Capture, o.Ledger)
	case VerbStatus:
		id, _, err := o.Capture.Installed(ctx)
		if err != nil || id == "" {
			return CaptureOutcome{}, err
		}
		lag, err := Lag(ctx, o.Capture, o.Ledger, o.Tables)
		if err != nil {
			return CaptureOutcome{}, err
		}
		return CaptureOutcome{ID: id, Lag: lag}, nil
	}
	return CaptureOutcome{}, fmt.Errorf("capture %s: unknown; use start, stop or status", o.Verb)
}

// Refused reports whether capture start refused for what the operator must
// change first (*ErrCopyStarted, *ErrOtherTables), not for a failure.
func Refused(err error) bool {
	return errors.As(err, new(*ErrCopyStarted)) || errors.As(err, new(*ErrOtherTables))
}

// ErrCaptureOff means sync found no capture installed on the source.
var ErrCaptureOff = errors.New("capture is not on")

// SyncOptions are the sync command's inputs.
type SyncOptions struct {
	Options
	Source CaptureSource
	Target Target
	// OpenLedger opens the ledger (its first write) once capture is known
	// to be on.
	OpenLedger func(context.Context) (CommandLedger, error)
	Mode       Mode
	// Every is how often to look for changes when there are none.
	Every time.Duration
}

// SyncOutcome is what sync applied.
type SyncOutcome struct {
	Applied int
	Took    time.Duration
	// Line is the one-line summary, also recorded in the ledger's history
	// (empty when sync did not finish).
	Line string
}

// Sync applies the captured changes as o.Mode says, logs each table a pass
// applied changes to, and records the summary in the ledger's history. No
// capture installed is ErrCaptureOff; ctx ending returns its error with what
// was applied so far.
func Sync(ctx context.Context, o SyncOptions) (SyncOutcome, error) {
	id, _, err := o.Source.Installed(ctx)
	if err != nil {
		return SyncOutcome{}, err
	}
	if id == "" {
		return SyncOutcome{}, ErrCaptureOff
	}
	led, err := o.OpenLedger(ctx)
	if err != nil {
		return SyncOutcome{}, err
	}
	o.CaptureID = id
	start := time.Now()
	syncer := New(o.Source, o.Target, led, o.Options)
	log := syncer.opt.Log
	n, err := syncer.Run(ctx, o.Mode, o.Every, func(r Result, total int) {
		for _, t := range r.Tables {
			if t.Applied > 0 {
				log.Info("sync", "table", t.Table, "applied", t.Applied, "keys", t.Keys)
			}
		}
	})
	out := SyncOutcome{Applied: n, Took: time.Since(start).Round(time.Millisecond)}
	if err != nil {
		return out, err
	}
	rate := 0.0
	if out.Took > 0 {
		rate = float64(n) / out.Took.Seconds()
	}
	out.Line = fmt.Sprintf("sync applied %d changes in %s (%.0f/s)", n, out.Took, rate)
	if o.Mode == UntilCaughtUp {
		out.Line += ": caught up"
	}
	// The report's catch-up phase reads it back; the copy is already safe, so
	// a failure to record is said, not fatal.
	var runID int64
	if run, err := led.ActiveRun(ctx); err == nil && run != nil {
		runID = run.ID
	}
	if err := led.Record(ctx, runID, checkpoint.EventSync, out.Line); err != nil {
		log.Warn("could not record the sync in the ledger's history", "err", err)
	}
	return out, nil
}
