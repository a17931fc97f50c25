package checkpoint

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The canary gate: `run --canary N` copies N representative tenants first,
// checks them against the source, and only then lets the rest of the plan be
// claimed. The gate lives in the ledger (canary_v1, one row per run, and
// batches.canary marking the canary's batches) so that every process of the
// run obeys it and a kill -9 at any point resumes it: the claim path reads it
// in every claim transaction (canaryCond).

// Canary states. They move copying -> checking -> passed or failed; only a
// rerun after the operator lifted the halt moves failed back to copying
// (RecheckCanary), and the audit history records it.
const (
	CanaryCopying  = "copying"  // the canary's batches are being copied
	CanaryChecking = "checking" // one process (Checker) compares them with the source
	CanaryPassed   = "passed"   // equal: the gate is open
	CanaryFailed   = "failed"   // a difference or a failed batch: the run was halted
)

// EventCanary is a canary step in the audit history.
const EventCanary EventKind = "canary"

// Canary is a run's canary as the ledger holds it.
type Canary struct {
	Tenants []string `json:"tenants"`
	// Why says, per tenant, why it was chosen (largest, median, most shapes).
	Why     []string `json:"why"`
	Batches []int    `json:"batches"`
	State   string   `json:"state"`
	Checker string   `json:"checker,omitempty"`
	// Detail is the check's outcome: what was compared, or the difference.
	Detail    string    `json:"detail,omitempty"`
	StartedAt time.Time `json:"started_at"`
	// CheckedAt is when the last check ended; zero while none has.
	CheckedAt time.Time `json:"checked_at,omitzero"`
}

// Open reports whether the canary lets every batch be claimed.
func (c *Canary) Open() bool { return c == nil || c.State == CanaryPassed }

func canaryDDL(l *Ledger) string {
	return `CREATE TABLE IF NOT EXISTS ` + l.t("canary") + ` (
			run_id BIGINT NOT NULL PRIMARY KEY,
			tenants MEDIUMTEXT NOT NULL,
			why TEXT NOT NULL,
			batches MEDIUMTEXT NOT NULL,
			state VARCHAR(16) NOT NULL,
			checker VARCHAR(64) NULL,
			check_until DATETIME(6) NULL,
			detail TEXT NULL,
			started_at DATETIME(6) NOT NULL,
			checked_at DATETIME(6) NULL
		) ENGINE=InnoDB`
}

// migrateCanary creates the canary table and marks batches that belong to one.
func migrateCanary(ctx context.Context, c *sql.Conn, l *Ledger) error {
	if _, err := c.ExecContext(ctx, canaryDDL(l)); err != nil {
		return err
	}
	return addColumn(ctx, c, l, "batches", "canary", "TINYINT NOT NULL DEFAULT 0 AFTER error")
}

// canaryCond is the claim query's extra condition while the run's canary
// gate is closed: only the canary's batches may be claimed. It is a plain
// read inside the claim transaction: a claimer that saw the gate closed
// claims a canary batch at worst, which is always allowed.
func (l *Ledger) canaryCond(ctx context.Context, tx *sql.Tx, runID int64) (string, error) {
	var state string
	err := tx.QueryRowContext(ctx, "SELECT state FROM "+l.t("canary")+" WHERE run_id = ?", runID).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && state == CanaryPassed) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the canary gate: %w", err)
	}
	return " AND canary = 1", nil
}

// RecordCanary stores the run's canary (its tenants, why each was chosen,
// and its batches) unless one is stored already, and returns the stored one:
// the first process to record wins, so every process follows the same canary.
func (l *Ledger) RecordCanary(ctx context.Context, runID int64, tenants, why []string, batches []int) (*Canary, error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("record the canary: %w", err)
	}
	defer tx.Rollback()
	tj, _ := json.Marshal(nonNil(tenants))
	wj, _ := json.Marshal(nonNil(why))
	bj, _ := json.Marshal(batches)
	res, err := tx.ExecContext(ctx, "INSERT IGNORE INTO "+l.t("canary")+" (run_id, tenants, why, batches, state, started_at) VALUES (?, ?, ?, ?, ?, NOW(6))",
		runID, string(tj), string(wj), string(bj), CanaryCopying)
	if err != nil {
		return nil, fmt.Errorf("record the canary: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		const per = 500
		for start := 0; start < len(batches); start += per {
			chunk := batches[start:min(start+per, len(batches))]
			args := []any{runID}
			for _, id := range chunk {
				args = append(args, id)
			}
			if _, err := tx.ExecContext(ctx, "UPDATE "+l.t("batches")+" SET canary = 1 WHERE run_id = ? AND id IN ("+
				strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+")", args...); err != nil {
				return nil, fmt.Errorf("mark the canary's batches: %w", err)
			}
		}
		detail := fmt.Sprintf("canary of %d tenants (%s) in %d batches; the rest of the plan waits for its check", len(tenants), strings.Join(why, ", "), len(batches))
		if err := l.auditRun(ctx, tx, EventCanary, runID, detail); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("record the canary: %w", err)
	}
	return l.ReadCanary(ctx, runID)
}

// ReadCanary returns the run's canary, nil when the run has none.
func (l *Ledger) ReadCanary(ctx context.Context, runID int64) (*Canary, error) {
	var c Canary
	var tenants, why, batches string
	err := l.db.QueryRowContext(ctx, "SELECT tenants, why, batches, state, COALESCE(checker, ''), COALESCE(detail, ''), started_at, checked_at FROM "+
		l.t("canary")+" WHERE run_id = ?", runID).
		Scan(&tenants, &why, &batches, &c.State, &c.Checker, &c.Detail, timeScanner{&c.StartedAt}, timeScanner{&c.CheckedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the canary of run %d: %w", runID, err)
	}
	for _, p := range []struct {
		src string
		dst any
	}{{tenants, &c.Tenants}, {why, &c.Why}, {batches, &c.Batches}} {
		if err := json.Unmarshal([]byte(p.src), p.dst); err != nil {
			return nil, fmt.Errorf("read the canary of run %d: %w", runID, err)
		}
	}
	return &c, nil
}

// CanaryProgress is where the canary's batches stand.
type CanaryProgress struct {
	Done, Open int
	// Failed are the canary's batches marked failed, with their errors.
	Failed []Failure
}

// CanaryProgress counts the canary's batches by state.
func (l *Ledger) CanaryProgress(ctx context.Context, runID int64) (CanaryProgress, error) {
	var p CanaryProgress
	rows, err := l.db.QueryContext(ctx, "SELECT id, tbl, state, attempts, COALESCE(error, '') FROM "+l.t("batches")+
		" WHERE run_id = ? AND canary = 1 ORDER BY id", runID)
	if err != nil {
		return p, fmt.Errorf("read the canary's batches: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f Failure
		var st State
		if err := rows.Scan(&f.Batch, &f.Table, &st, &f.Attempts, &f.Error); err != nil {
			return p, fmt.Errorf("read the canary's batches: %w", err)
		}
		switch st {
		case Done:
			p.Done++
		case Failed:
			p.Failed = append(p.Failed, f)
		default:
			p.Open++
		}
	}
	return p, rows.Err()
}

// ClaimCanaryCheck makes owner the canary's checker for lease, when the
// canary is copying (its batches done, as the caller saw) or its last
// checker's lease ran out (it died). It reports whether owner got it: one
// process of the run checks, the others wait for the outcome.
func (l *Ledger) ClaimCanaryCheck(ctx context.Context, runID int64, owner string, lease time.Duration) (bool, error) {
	res, err := l.db.ExecContext(ctx, "UPDATE "+l.t("canary")+" SET state = ?, checker = ?, check_until = NOW(6) + INTERVAL ? MICROSECOND"+
		" WHERE run_id = ? AND (state = ? OR (state = ? AND (check_until < NOW(6) OR checker = ?)))",
		CanaryChecking, owner, lease.Microseconds(), runID, CanaryCopying, CanaryChecking, owner)
	if err != nil {
		return false, fmt.Errorf("claim the canary check: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RenewCanaryCheck extends owner's lease on the canary check.
func (l *Ledger) RenewCanaryCheck(ctx context.Context, runID int64, owner string, lease time.Duration) error {
	_, err := l.db.ExecContext(ctx, "UPDATE "+l.t("canary")+" SET check_until = NOW(6) + INTERVAL ? MICROSECOND WHERE run_id = ? AND state = ? AND checker = ?",
		lease.Microseconds(), runID, CanaryChecking, owner)
	if err != nil {
		return fmt.Errorf("renew the canary check: %w", err)
	}
	return nil
}

// FinishCanary records the check's outcome, passed or failed, with its
// detail. A passed outcome is recorded only while owner still holds the
// check; a failed one always (a difference stands whoever found it). It
// reports whether the row changed.
func (l *Ledger) FinishCanary(ctx context.Context, runID int64, owner string, passed bool, detail string) (bool, error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("record the canary's outcome: %w", err)
	}
	defer tx.Rollback()
	state, cond, args := CanaryFailed, "state <> ?", []any{CanaryFailed}
	if passed {
		state, cond, args = CanaryPassed, "state = ? AND checker = ?", []any{CanaryChecking, owner}
	}
	res, err := tx.ExecContext(ctx, "UPDATE "+l.t("canary")+" SET state = ?, detail = ?, checked_at = NOW(6), check_until = NULL WHERE run_id = ? AND "+cond,
		append([]any{state, truncate(detail), runID}, args...)...)
	if err != nil {
		return false, fmt.Errorf("record the canary's outcome: %w", err)
	}
	n, _ := res.RowsAffected()
	if n == 1 {
		if err := l.auditRun(ctx, tx, EventCanary, runID, state+": "+detail); err != nil {
			return false, err
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("record the canary's outcome: %w", err)
	}
	return n == 1, nil
}

// RecheckCanary moves a failed canary back to copying, for a rerun after the
// operator lifted the halt (`cutover resume`): its batches are checked again
// once they are done (verify --repair or --retry-failed may have redone them).
func (l *Ledger) RecheckCanary(ctx context.Context, runID int64) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("check the canary again: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "UPDATE "+l.t("canary")+" SET state = ?, checker = NULL, check_until = NULL WHERE run_id = ? AND state = ?",
		CanaryCopying, runID, CanaryFailed)
	if err != nil {
		return fmt.Errorf("check the canary again: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		if err := l.auditRun(ctx, tx, EventCanary, runID, "the halt was lifted: the canary is checked again"); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("check the canary again: %w", err)
	}
	return nil
}
