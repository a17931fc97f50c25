package checkpoint

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SyncPositionsDDL is the table of change-capture positions, one row per
// captured source table: which capture it follows (capture_id, written in
// the source's capture schema as well), the last change sequence applied to
// the target, and counters. sync advances seq in the same target
// transaction that applies the changes, so a change is applied exactly once
// whatever kills the process. %s is the qualified table name.
const SyncPositionsDDL = `CREATE TABLE IF NOT EXISTS %s (
			tbl VARCHAR(64) NOT NULL PRIMARY KEY,
			capture_id VARCHAR(32) NOT NULL,
			run_id BIGINT NULL,
			seq BIGINT UNSIGNED NOT NULL,
			changes BIGINT NOT NULL DEFAULT 0,
			applies BIGINT NOT NULL DEFAULT 0,
			started_at DATETIME(6) NOT NULL,
			applied_at DATETIME(6) NULL
		) ENGINE=InnoDB`

// SyncPosition is one captured table's position.
type SyncPosition struct {
	Table     string
	CaptureID string
	RunID     int64 // the active run when capture started, 0 for none
	Seq       uint64
	Changes   int64 // change records applied
	Applies   int64 // transactions that applied them
	StartedAt time.Time
	AppliedAt time.Time // zero before the first apply
}

// ErrSyncMoved means another sync process advanced the position first: the
// caller rolls back and reads again.
var ErrSyncMoved = errors.New("the sync position moved: another sync process applied these changes")

// EnsureSync makes sure the ledger in schema exists and has the positions
// table: it opens the ledger, which migrates an older one (migration 6 adds
// the table) and refuses a newer or damaged one.
func EnsureSync(ctx context.Context, db *sql.DB, schema string) error {
	_, err := Open(ctx, db, schema)
	return err
}

// syncExists reports whether the positions table exists.
func (l *Ledger) syncExists(ctx context.Context) (bool, error) {
	var n int
	err := l.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
		l.schema, l.name("sync_positions")).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look for sync positions: %w", err)
	}
	return n > 0, nil
}

// StartCapture records where capture captureID starts: position 0 of every
// table, replacing the positions of an earlier capture. runID is the active
// run (0 for none).
func (l *Ledger) StartCapture(ctx context.Context, captureID string, runID int64, tables []string) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record capture start: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+l.t("sync_positions")); err != nil {
		return fmt.Errorf("record capture start: %w", err)
	}
	var run any
	if runID > 0 {
		run = runID
	}
	for _, t := range tables {
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+l.t("sync_positions")+
			" (tbl, capture_id, run_id, seq, started_at) VALUES (?, ?, ?, 0, NOW(6))", t, captureID, run); err != nil {
			return fmt.Errorf("record capture start of %s: %w", t, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record capture start: %w", err)
	}
	return nil
}

// StopCapture forgets every position (capture stop).
func (l *Ledger) StopCapture(ctx context.Context) error {
	ok, err := l.syncExists(ctx)
	if err != nil || !ok {
		return err
	}
	if _, err := l.db.ExecContext(ctx, "DELETE FROM "+l.t("sync_positions")); err != nil {
		return fmt.Errorf("forget sync positions: %w", err)
	}
	return nil
}

// SyncPositions returns every table's position by table name; empty when
// capture was never started.
func (l *Ledger) SyncPositions(ctx context.Context) (map[string]SyncPosition, error) {
	ok, err := l.syncExists(ctx)
	if err != nil || !ok {
		return map[string]SyncPosition{}, err
	}
	rows, err := l.db.QueryContext(ctx, "SELECT tbl, capture_id, COALESCE(run_id, 0), seq, changes, applies, started_at, applied_at FROM "+
		l.t("sync_positions"))
	if err != nil {
		return nil, fmt.Errorf("read sync positions: %w", err)
	}
	defer rows.Close()
	out := map[string]SyncPosition{}
	for rows.Next() {
		var p SyncPosition
		var applied sql.NullString
		if err := rows.Scan(&p.Table, &p.CaptureID, &p.RunID, &p.Seq, &p.Changes, &p.Applies, timeScanner{&p.StartedAt}, &applied); err != nil {
			return nil, fmt.Errorf("read sync positions: %w", err)
		}
		if applied.Valid {
			if err := (timeScanner{&p.AppliedAt}).parse(applied.String); err != nil {
				return nil, err
			}
		}
		out[p.Table] = p
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read sync positions: %w", err)
	}
	return out, nil
}

// AdvanceSync moves table's position from from to to within tx, the target
// transaction that applied the changes in between; changes counts them. It
// returns ErrSyncMoved when the position is no longer from (another process
// applied them): the caller rolls tx back.
func (l *Ledger) AdvanceSync(ctx context.Context, tx *sql.Tx, table, captureID string, from, to uint64, changes int) error {
	res, err := tx.ExecContext(ctx, "UPDATE "+l.t("sync_positions")+
		" SET seq = ?, changes = changes + ?, applies = applies + 1, applied_at = NOW(6) WHERE tbl = ? AND capture_id = ? AND seq = ?",
		to, changes, table, captureID, from)
	if err != nil {
		return fmt.Errorf("advance the sync position of %s: %w", table, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("advance the sync position of %s from %d: %w", table, from, ErrSyncMoved)
	}
	return nil
}

// BulkProgress is how far the active run's bulk copy of each table is.
type BulkProgress struct {
	RunID int64
	// Left counts the batches of each table that are not done (pending,
	// claimed or failed); a table with every batch done is absent.
	Left map[string]int
}

// Bulk reads the active run's batches left per table; nil when there is no
// run (or no ledger).
func (l *Ledger) Bulk(ctx context.Context) (*BulkProgress, error) {
	ok, err := Exists(ctx, l.db, l.schema)
	if err != nil || !ok {
		return nil, err
	}
	run, err := l.ActiveRun(ctx)
	if err != nil || run == nil {
		return nil, err
	}
	rows, err := l.db.QueryContext(ctx, "SELECT tbl, COUNT(*) FROM "+l.t("batches")+
		" WHERE run_id = ? AND state <> ? GROUP BY tbl", run.ID, Done)
	if err != nil {
		return nil, fmt.Errorf("read the bulk copy's progress: %w", err)
	}
	defer rows.Close()
	p := &BulkProgress{RunID: run.ID, Left: map[string]int{}}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, fmt.Errorf("read the bulk copy's progress: %w", err)
		}
		p.Left[t] = n
	}
	return p, rows.Err()
}

// BatchesStarted counts the active run's batches that were claimed or
// finished: a bulk copy that has read from the source.
func (l *Ledger) BatchesStarted(ctx context.Context, runID int64) (int, error) {
	var n int
	err := l.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+l.t("batches")+
		" WHERE run_id = ? AND (state <> ? OR attempts > 0)", runID, Pending).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count started batches: %w", err)
	}
	return n, nil
}

// ForgetChecksums clears, within tx, the stored content checksums of
// table's batches in run runID: once sync rewrites rows of a table, the
// checksums taken when its batches were copied no longer describe the
// target, so verify --checksum reads the source for them instead.
func (l *Ledger) ForgetChecksums(ctx context.Context, tx *sql.Tx, runID int64, table string) error {
	if _, err := tx.ExecContext(ctx, "UPDATE "+l.t("batches")+" SET checksum = NULL WHERE run_id = ? AND tbl = ? AND checksum IS NOT NULL",
		runID, table); err != nil {
		return fmt.Errorf("forget the copy's checksums of %s: %w", table, err)
	}
	return nil
}
