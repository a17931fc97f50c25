package catchup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cutover/cutover/checkpoint"
)

// Capturer installs and removes capture on the source.
type Capturer interface {
	// Installed returns the id of the complete capture on the source ("" for
	// none) and whether objects of ours are there without one (an install
	// that stopped part-way).
	Installed(ctx context.Context) (id string, leftovers bool, err error)
	// InstalledTables lists the tables the installed capture covers.
	InstalledTables(ctx context.Context) ([]string, error)
	Install(ctx context.Context, id string) error
	// Remove drops everything capture installed; the source is as before.
	Remove(ctx context.Context) error
}

// CaptureLedger is the part of the ledger capture start and stop use.
type CaptureLedger interface {
	Bulk(ctx context.Context) (*checkpoint.BulkProgress, error)
	BatchesStarted(ctx context.Context, runID int64) (int, error)
	SyncPositions(ctx context.Context) (map[string]checkpoint.SyncPosition, error)
	StartCapture(ctx context.Context, captureID string, runID int64, tables []string) error
	StopCapture(ctx context.Context) error
}

// ErrCopyStarted means the bulk copy has read from the source already:
// capture started now would miss the changes made since that read.
type ErrCopyStarted struct {
	RunID   int64
	Batches int
}

func (e *ErrCopyStarted) Error() string {
	return fmt.Sprintf("run %d has already read %d batches from the source: capture must start before the bulk copy's first read "+
		"(start capture, then copy again with cutover run --replan)", e.RunID, e.Batches)
}

// NewCaptureID returns a fresh capture id.
func NewCaptureID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// StartResult says what Start did.
type StartResult struct {
	ID string
	// Already is true when this capture was on and recorded before.
	Already bool
	// Recorded is true when capture was found installed (by a DBA, from
	// capture start --print) and only recorded in the ledger.
	Recorded bool
}

// Start installs capture (unless it is installed and complete, e.g. by a
// DBA) and records its start in the ledger: position 0 of every table. It
// refuses once the bulk copy has read anything. An install that stopped
// part-way is removed first.
func Start(ctx context.Context, c Capturer, led CaptureLedger, tables []string) (StartResult, error) {
	id, leftovers, err := c.Installed(ctx)
	if err != nil {
		return StartResult{}, err
	}
	pos, err := led.SyncPositions(ctx)
	if err != nil {
		return StartResult{}, err
	}
	if id != "" {
		have, err := c.InstalledTables(ctx)
		if err != nil {
			return StartResult{}, err
		}
		if !sameSet(have, tables) {
			return StartResult{}, &ErrOtherTables{Installed: have, Configured: tables}
		}
		if recorded(pos, id, tables) {
			return StartResult{ID: id, Already: true}, nil
		}
	}
	bulk, err := led.Bulk(ctx)
	if err != nil {
		return StartResult{}, err
	}
	var runID int64
	if bulk != nil {
		runID = bulk.RunID
		n, err := led.BatchesStarted(ctx, bulk.RunID)
		if err != nil {
			return StartResult{}, err
		}
		if n > 0 {
			return StartResult{}, &ErrCopyStarted{RunID: bulk.RunID, Batches: n}
		}
	}
	res := StartResult{ID: id, Recorded: id != ""}
	if id == "" {
		if leftovers {
			if err := c.Remove(ctx); err != nil {
				return StartResult{}, fmt.Errorf("remove a capture install that stopped part-way: %w", err)
			}
		}
		if res.ID, err = NewCaptureID(); err != nil {
			return StartResult{}, err
		}
		if err := c.Install(ctx, res.ID); err != nil {
			return StartResult{}, errors.Join(err, c.Remove(ctx))
		}
	}
	if err := led.StartCapture(ctx, res.ID, runID, tables); err != nil {
		return StartResult{}, err
	}
	return res, nil
}

// ErrOtherTables means the capture on the source covers other tables than
// the config names (the config changed since capture start).
type ErrOtherTables struct{ Installed, Configured []string }

func (e *ErrOtherTables) Error() string {
	return fmt.Sprintf("capture on the source covers tables %s, the config names %s: run cutover capture stop, then capture start, then copy again (cutover run --replan)",
		strings.Join(e.Installed, ", "), strings.Join(e.Configured, ", "))
}

// sameSet reports whether a and b hold the same names, in any order.
func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func recorded(pos map[string]checkpoint.SyncPosition, id string, tables []string) bool {
	if len(pos) != len(tables) {
		return false
	}
	for _, t := range tables {
		if p, ok := pos[t]; !ok || p.CaptureID != id {
			return false
		}
	}
	return true
}

// Stop removes capture from the source and forgets its positions.
func Stop(ctx context.Context, c Capturer, led CaptureLedger) error {
	if err := c.Remove(ctx); err != nil {
		return err
	}
	return led.StopCapture(ctx)
}
