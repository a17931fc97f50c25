package checkpoint

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cutover/cutover/internal/catalog"
)

// IndexStepsDDL creates the ledger table of deferred index rebuilds (%s: its
// qualified name, index_steps_v1). One row per target table whose secondary
// indexes a run dropped for the load: the original definitions, and a state
// that moves like a batch's, pending -> claimed (under a lease) -> done. It is
// its own statement so that it can become one of the ledger's numbered
// migrations.
const IndexStepsDDL = `CREATE TABLE IF NOT EXISTS %s (
			run_id BIGINT NOT NULL,
			tbl VARCHAR(64) NOT NULL,
			target VARCHAR(64) NOT NULL,
			definitions MEDIUMTEXT NOT NULL,
			state TINYINT NOT NULL DEFAULT 0,
			attempts INT NOT NULL DEFAULT 0,
			owner VARCHAR(64) NULL,
			lease_until DATETIME(6) NULL,
			recorded_at DATETIME(6) NOT NULL,
			claimed_at DATETIME(6) NULL,
			finished_at DATETIME(6) NULL,
			error TEXT NULL,
			PRIMARY KEY (run_id, tbl),
			KEY open_steps (state, target)
		) ENGINE=InnoDB`

// IndexStep is one table's deferred rebuild.
type IndexStep struct {
	RunID    int64
	Table    string // the source table, as batches name it
	Target   string // the target table the indexes belong to
	Indexes  []catalog.Index
	State    State
	Attempts int
	Owner    string
	Error    string
	// Took is how long the finished rebuild ran (done steps only).
	Took time.Duration
}

func (l *Ledger) indexSteps() string { return l.t("index_steps") }

// hasIndexSteps reports whether the table exists (a ledger of an older
// binary lacks it: then no run of it deferred anything).
func (l *Ledger) hasIndexSteps(ctx context.Context) (bool, error) {
	var n int
	err := l.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
		l.schema, l.name("index_steps")).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look for the ledger's index steps: %w", err)
	}
	return n > 0, nil
}

// RecordIndexes records the definitions of the indexes about to be dropped
// from target (source table table) for run runID, before they are dropped.
// Only the first process to record a table's step gets recorded = true: it,
// and no other, drops them.
func (l *Ledger) RecordIndexes(ctx context.Context, runID int64, table, target string, idx []catalog.Index) (bool, error) {
	defs, err := json.Marshal(idx)
	if err != nil {
		return false, err
	}
	res, err := l.db.ExecContext(ctx, "INSERT IGNORE INTO "+l.indexSteps()+
		" (run_id, tbl, target, definitions, recorded_at) VALUES (?, ?, ?, ?, NOW(6))", runID, table, target, string(defs))
	if err != nil {
		return false, fmt.Errorf("record the indexes of %s: %w", target, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// stepColumns lists the columns scanStep reads, qualified with alias ("" or "s.").
func stepColumns(a string) string {
	return a + "run_id, " + a + "tbl, " + a + "target, " + a + "definitions, " + a + "state, " + a + "attempts, COALESCE(" + a + "owner, ''), COALESCE(" +
		a + "error, ''), COALESCE(TIMESTAMPDIFF(MICROSECOND, " + a + "claimed_at, " + a + "finished_at), 0)"
}

func scanStep(s scanner) (*IndexStep, error) {
	var st IndexStep
	var defs string
	var took int64
	if err := s.Scan(&st.RunID, &st.Table, &st.Target, &defs, &st.State, &st.Attempts, &st.Owner, &st.Error, &took); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(defs), &st.Indexes); err != nil {
		return nil, fmt.Errorf("index step of %s: definitions: %w", st.Target, err)
	}
	st.Took = time.Duration(took) * time.Microsecond
	return &st, nil
}

func (l *Ledger) querySteps(ctx context.Context, where string, args ...any) ([]*IndexStep, error) {
	ok, err := l.hasIndexSteps(ctx)
	if err != nil || !ok {
		return nil, err
	}
	rows, err := l.db.QueryContext(ctx, "SELECT "+stepColumns("")+" FROM "+l.indexSteps()+" WHERE "+where+" ORDER BY run_id, tbl", args...)
	if err != nil {
		return nil, fmt.Errorf("read index steps: %w", err)
	}
	defer rows.Close()
	var out []*IndexStep
	for rows.Next() {
		st, err := scanStep(rows)
		if err != nil {
			return nil, fmt.Errorf("read index steps: %w", err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read index steps: %w", err)
	}
	return out, nil
}

// IndexSteps returns the run's index steps, by table.
func (l *Ledger) IndexSteps(ctx context.Context, runID int64) ([]*IndexStep, error) {
	return l.querySteps(ctx, "run_id = ?", runID)
}

// UnfinishedIndexSteps returns the steps of runs other than runID that never
// finished (a run replaced by plan --replan while its tables lacked their
// indexes): they are rebuilt before anything else, so that no target table is
// left without its indexes.
func (l *Ledger) UnfinishedIndexSteps(ctx context.Context, runID int64) ([]*IndexStep, error) {
	return l.querySteps(ctx, "run_id <> ? AND state <> ?", runID, Done)
}

// claimable is a step not done whose claim, if any, is over: its lease ran out
// or its process was found dead (ReleaseDead marks it stopped).
func (l *Ledger) claimable() string {
	return "(s.state = 0 OR (s.state = 1 AND (s.lease_until < NOW(6) OR s.owner IN (SELECT owner FROM " + l.t("processes") +
		" WHERE stopped_at IS NOT NULL))))"
}

// ClaimIndexes leases to owner the rebuild of a table of run runID whose
// batches are all finished (none pending or claimed: a failed batch does not
// keep a table without its indexes). It returns nil when none is claimable now,
// with the number of steps not done that owner does not hold: when zero,
// there is nothing left to wait for.
// Tables in skip (whose rebuild failed in this process) are neither claimed
// nor counted.
func (l *Ledger) ClaimIndexes(ctx context.Context, runID int64, owner string, lease time.Duration, skip []string) (*IndexStep, int, error) {
	ok, err := l.hasIndexSteps(ctx)
	if err != nil || !ok {
		return nil, 0, err
	}
	scope := "s.run_id = ?"
	args := []any{runID}
	if len(skip) > 0 {
		scope += " AND s.tbl NOT IN (" + placeholders(len(skip)) + ")"
		for _, t := range skip {
			args = append(args, t)
		}
	}
	ready := " AND NOT EXISTS (SELECT 1 FROM " + l.t("batches") + " b WHERE b.run_id = s.run_id AND b.tbl = s.tbl AND b.state IN (0, 1))"
	return l.claimStep(ctx, owner, lease, scope, ready, args)
}

// ClaimIndexStep leases one given step to owner whatever its batches (an
// unfinished step of an earlier run); nil when another process holds it.
func (l *Ledger) ClaimIndexStep(ctx context.Context, st *IndexStep, owner string, lease time.Duration) (*IndexStep, error) {
	got, _, err := l.claimStep(ctx, owner, lease, "s.run_id = ? AND s.tbl = ?", "", []any{st.RunID, st.Table})
	return got, err
}

// claimStep claims the first claimable step of scope that is ready; when
// there is none, it counts the steps of scope not done that owner does not hold.
func (l *Ledger) claimStep(ctx context.Context, owner string, lease time.Duration, scope, ready string, args []any) (*IndexStep, int, error) {
	tx, err := l.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, 0, fmt.Errorf("claim an index rebuild: %w", err)
	}
	defer tx.Rollback()
	st, err := scanStep(tx.QueryRowContext(ctx, "SELECT "+stepColumns("s.")+" FROM "+l.indexSteps()+" s WHERE "+scope+ready+
		" AND "+l.claimable()+" ORDER BY s.tbl LIMIT 1 FOR UPDATE SKIP LOCKED", args...))
	if errors.Is(err, sql.ErrNoRows) {
		var open int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+l.indexSteps()+" s WHERE "+scope+
			" AND (s.state = 0 OR (s.state = 1 AND NOT (s.owner <=> ?)))", append(args, owner)...).Scan(&open); err != nil {
			return nil, 0, fmt.Errorf("claim an index rebuild: %w", err)
		}
		return nil, open, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("claim an index rebuild: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE "+l.indexSteps()+
		" SET state = 1, owner = ?, attempts = attempts + 1, claimed_at = NOW(6), lease_until = NOW(6) + INTERVAL ? MICROSECOND WHERE run_id = ? AND tbl = ?",
		owner, lease.Microseconds(), st.RunID, st.Table); err != nil {
		return nil, 0, fmt.Errorf("claim the index rebuild of %s: %w", st.Target, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, 0, fmt.Errorf("claim the index rebuild of %s: %w", st.Target, err)
	}
	st.State, st.Owner = Claimed, owner
	st.Attempts++
	return st, 0, nil
}

// RenewIndexes extends the lease of a rebuild that is still running; it fails
// with ErrLeaseLost when another process took it over.
func (l *Ledger) RenewIndexes(ctx context.Context, st *IndexStep, lease time.Duration) error {
	res, err := l.db.ExecContext(ctx, "UPDATE "+l.indexSteps()+
		" SET lease_until = NOW(6) + INTERVAL ? MICROSECOND WHERE run_id = ? AND tbl = ? AND owner = ? AND state = 1",
		lease.Microseconds(), st.RunID, st.Table, st.Owner)
	if err != nil {
		return fmt.Errorf("renew the index rebuild of %s: %w", st.Target, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("index rebuild of %s: %w", st.Target, ErrLeaseLost)
	}
	return nil
}

// IndexesDone marks the rebuild done (the indexes are back).
func (l *Ledger) IndexesDone(ctx context.Context, st *IndexStep) error {
	res, err := l.db.ExecContext(ctx, "UPDATE "+l.indexSteps()+
		" SET state = 2, finished_at = NOW(6), lease_until = NULL, error = NULL WHERE run_id = ? AND tbl = ? AND owner = ? AND state = 1",
		st.RunID, st.Table, st.Owner)
	if err != nil {
		return fmt.Errorf("mark the index rebuild of %s done: %w", st.Target, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("index rebuild of %s: %w", st.Target, ErrLeaseLost)
	}
	return nil
}

// ReleaseIndexes gives back a rebuild that did not finish, with its error
// (nil for an interruption, whose attempt is given back): the state stays
// claimed with its lease over, so the next process takes it at once. A
// rebuild is never given up: a table must not stay without its indexes.
func (l *Ledger) ReleaseIndexes(ctx context.Context, st *IndexStep, cause error) error {
	q := "UPDATE " + l.indexSteps() + " SET lease_until = NOW(6) - INTERVAL 1 SECOND, attempts = GREATEST(attempts - 1, 0) WHERE run_id = ? AND tbl = ? AND owner = ? AND state = 1"
	args := []any{st.RunID, st.Table, st.Owner}
	if cause != nil {
		q = "UPDATE " + l.indexSteps() + " SET lease_until = NOW(6) - INTERVAL 1 SECOND, error = ? WHERE run_id = ? AND tbl = ? AND owner = ? AND state = 1"
		args = append([]any{truncate(cause.Error())}, args...)
	}
	if _, err := l.db.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("release the index rebuild of %s: %w", st.Target, err)
	}
	return nil
}
