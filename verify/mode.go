package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cutover/cutover/checkpoint"
)

// Mode is what `cutover verify` is asked to check beyond the row counts,
// as its flags give it.
type Mode struct {
	Checksum bool     // compare content checksums per batch (--checksum)
	Source   bool     // with Checksum: read every batch from the source again too
	Sample   float64  // percent of the done batches to check, 0 = all
	Tenants  []string // check only these tenants
	Workers  int      // batches checked at once, 0 = run.workers
	Keys     int      // differing keys printed per table
	DiffFile string   // where to write every differing row (JSON lines)
	Repair   bool     // copy the batches that differ again
	DryRun   bool     // with Repair: say what would be copied again, write nothing
}

// Check validates m's combination before anything is opened; counts is
// --counts. A sample or a repair implies Checksum, which Check sets. Every
// error is a usage error of the command line.
func (m *Mode) Check(counts bool, maxWorkers int) error {
	if m.Sample > 0 || m.Repair {
		m.Checksum = true
	}
	switch {
	case counts && m.Checksum:
		return errors.New("--counts cannot be combined with --checksum, --sample or --repair")
	case m.DryRun && !m.Repair:
		return errors.New("--dry-run needs --repair")
	case m.Source && !m.Checksum:
		return errors.New("--source needs --checksum (or --sample)")
	case m.DiffFile != "" && !m.Checksum:
		return errors.New("--diff-file needs --checksum (or --sample)")
	case m.Workers < 0 || m.Workers > maxWorkers:
		return fmt.Errorf("--workers must be between 1 and %d", maxWorkers)
	case m.Keys < 0:
		return errors.New("--keys must not be negative")
	}
	if m.DiffFile != "" {
		if st, err := os.Stat(filepath.Dir(m.DiffFile)); err != nil || !st.IsDir() {
			return fmt.Errorf("--diff-file %s: its directory does not exist", m.DiffFile)
		}
	}
	return nil
}

// DiffFileError is a diff file that could not be created; nothing was
// written.
type DiffFileError struct{ Err error }

func (e *DiffFileError) Error() string { return e.Err.Error() }
func (e *DiffFileError) Unwrap() error { return e.Err }

// WriteDiffFile writes every differing row of differ to path, one JSON
// object per line (WriteRowDiffs); a file that cannot be created is a
// *DiffFileError.
func WriteDiffFile(path string, differ []BatchResult) error {
	f, err := os.Create(path)
	if err != nil {
		return &DiffFileError{Err: err}
	}
	if err := WriteRowDiffs(f, differ); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// RunLedger is a ledger whose active run NoteCopied checks.
type RunLedger interface {
	Ledger
	ActiveRun(ctx context.Context) (*checkpoint.Run, error)
}

// NoteCopied refuses a verification of l's active run before any of its
// batches is done (a *NothingCopiedError) and, when only some are, writes a
// note to w that the others differ until they are copied. Without an active
// run it does nothing: the target may have been filled by other means.
func NoteCopied(ctx context.Context, l RunLedger, w io.Writer) error {
	runRec, err := l.ActiveRun(ctx)
	if err != nil || runRec == nil {
		return err
	}
	done, all, err := CheckCopied(ctx, l, runRec.ID)
	if err != nil {
		return err
	}
	if done < all {
		fmt.Fprintf(w, "note: run %d has %d of %d batches done: the rows of the others are not copied yet, and differ until they are\n", runRec.ID, done, all)
	}
	return nil
}
