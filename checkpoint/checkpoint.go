// Package checkpoint is the ledger: the run, its plan and its batches, kept in
// tables of the target server so that a batch's rows and its done mark commit in
// one transaction. Batch states only move forward: pending, claimed, done, or
// failed after bounded attempts; each claim carries a fencing token that the
// done and failed marks are checked against. The ledger's shape changes only
// through the numbered migrations of schema.go (a schema_version table); a
// ledger newer than the binary, or damaged, is refused. Failures, retries,
// controls and repairs are appended to an audit table (audit.go), never
// rewritten.
package checkpoint

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cutover/cutover/internal/mysqltype"
)

// State of a batch. Values only grow: a batch moves from pending to claimed
// to done, or to failed; only the operator moves one back (ResetFailed,
// Reopen), and the audit history records it.
type State int

// Batch states.
const (
	Pending State = 0
	Claimed State = 1
	Done    State = 2
	Failed  State = 3
)

func (s State) String() string {
	switch s {
	case Pending:
		return "pending"
	case Claimed:
		return "claimed"
	case Done:
		return "done"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// SQL is the state as a literal for the ledger's statements.
func (s State) SQL() string { return strconv.Itoa(int(s)) }

// Valid reports whether s is a state this binary knows.
func (s State) Valid() bool { return s >= Pending && s <= Failed }

// ErrLeaseLost means another process took the batch after this one's lease
// expired; the caller rolls back and moves on.
var ErrLeaseLost = errors.New("lease lost: another process took the batch")

// Ledger is a handle on the ledger tables in one schema of the target server.
type Ledger struct {
	db     *sql.DB
	schema string
	// maxWorkers bounds the run's batches in flight across all processes;
	// 0 means no bound. Set once by BoundWorkers before the workers start.
	maxWorkers int
}

// Batch is one ledger row.
type Batch struct {
	RunID    int64
	ID       int
	Table    string
	Tenants  []string
	Lo, Hi   []string
	EstRows  int64
	EstBytes int64
	State    State
	Attempts int
	// Token is the fencing token of the batch's current claim: it grows by
	// one at every claim and never goes back. Done, Fail, Note and Release
	// act only while it is still the batch's token, so an attempt whose claim
	// was taken over (its lease expired while it stalled) cannot mark the
	// batch: Done and Fail return ErrLeaseLost and its transaction rolls back.
	Token int64
	Rows  int64
	Owner string
	Error string
	// Checksum is the canonical checksum (internal/canon, hex) of the rows the
	// engine copied, stored by Done; "" when not computed.
	Checksum string
}

// Run is the stored run: its fingerprints and plan.
type Run struct {
	ID        int64
	ConfigFP  string
	PlanFP    string
	Plan      json.RawMessage
	CreatedAt time.Time
}

// Open returns a ledger in schema on db, creating the schema and its tables
// when they are missing and upgrading a ledger of an older schema version in
// place (schema.go). A ledger of a newer version is refused with a
// *VersionError, a damaged one with a *SchemaError.
func Open(ctx context.Context, db *sql.DB, schema string) (*Ledger, error) {
	l := &Ledger{db: db, schema: schema}
	if err := l.migrate(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// name is the name of a versioned ledger table.
func (l *Ledger) name(table string) string { return fmt.Sprintf("%s_v%d", table, tableGen) }

// t names a versioned ledger table, qualified by the ledger's schema.
func (l *Ledger) t(table string) string { return l.qualified(l.name(table)) }

func (l *Ledger) qualified(table string) string {
	return mysqltype.Quote(l.schema) + "." + mysqltype.Quote(table)
}

// Exists reports whether the ledger tables exist in schema, without creating them.
func Exists(ctx context.Context, db *sql.DB, schema string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
		schema, OpenExisting(db, schema).name("batches")).Scan(&n)
	return n > 0, err
}

// OpenExisting returns the ledger in schema without creating anything.
func OpenExisting(db *sql.DB, schema string) *Ledger { return &Ledger{db: db, schema: schema} }

// OpenIfExists opens the ledger in schema for a command that only reads or
// steers a run: it creates nothing when there is no ledger (found false, the
// ledger as OpenExisting), and otherwise opens it as Open does (an older
// schema upgraded in place, a newer or damaged one refused).
func OpenIfExists(ctx context.Context, db *sql.DB, schema string) (l *Ledger, found bool, err error) {
	found, err = Exists(ctx, db, schema)
	if err != nil {
		return nil, false, fmt.Errorf("look for the ledger in %s: %w", schema, err)
	}
	if !found {
		return OpenExisting(db, schema), false, nil
	}
	if l, err = Open(ctx, db, schema); err != nil {
		return nil, false, err
	}
	return l, true, nil
}

// NewBatch is a batch of a plan to store.
type NewBatch struct {
	ID       int
	Table    string
	Tenants  []string
	Lo, Hi   []string
	EstRows  int64
	EstBytes int64
}

// CreateRun stores a new run with its batches, all pending, and deactivates any
// earlier run, in one transaction.
func (l *Ledger) CreateRun(ctx context.Context, configFP, planFP string, plan []byte, batches []NewBatch) (int64, error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store plan: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "UPDATE "+l.t("runs")+" SET active = 0 WHERE active = 1"); err != nil {
		return 0, fmt.Errorf("store plan: %w", err)
	}
	var total int64
	for _, b := range batches {
		total += b.EstRows
	}
	res, err := tx.ExecContext(ctx, "INSERT INTO "+l.t("runs")+
		" (config_fp, plan_fp, plan, total_rows, total_batches, created_at) VALUES (?, ?, ?, ?, ?, NOW(6))",
		configFP, planFP, string(plan), total, len(batches))
	if err != nil {
		return 0, fmt.Errorf("store plan: %w", err)
	}
	runID, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("store plan: %w", err)
	}
	const per = 200
	for start := 0; start < len(batches); start += per {
		chunk := batches[start:min(start+per, len(batches))]
		q := "INSERT INTO " + l.t("batches") + " (run_id, id, tbl, tenants, lo, hi, est_rows, est_bytes) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?),", len(chunk)), ",")
		args := make([]any, 0, 8*len(chunk))
		for _, b := range chunk {
			tenants, _ := json.Marshal(nonNil(b.Tenants))
			args = append(args, runID, b.ID, b.Table, string(tenants), jsonOrNil(b.Lo), jsonOrNil(b.Hi), b.EstRows, b.EstBytes)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return 0, fmt.Errorf("store plan batches: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store plan: %w", err)
	}
	return runID, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func jsonOrNil(s []string) any {
	if s == nil {
		return nil
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// ActiveRun returns the active run, or nil when there is none.
func (l *Ledger) ActiveRun(ctx context.Context) (*Run, error) {
	var r Run
	var plan string
	err := l.db.QueryRowContext(ctx, "SELECT id, config_fp, plan_fp, plan, created_at FROM "+l.t("runs")+
		" WHERE active = 1 ORDER BY id DESC LIMIT 1").Scan(&r.ID, &r.ConfigFP, &r.PlanFP, &plan, timeScanner{&r.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the active run: %w", err)
	}
	r.Plan = json.RawMessage(plan)
	return &r, nil
}

const batchCols = "run_id, id, tbl, tenants, lo, hi, est_rows, est_bytes, state, attempts, claim_token, COALESCE(rows_copied, 0), COALESCE(owner, ''), COALESCE(error, '')"

type scanner interface{ Scan(dest ...any) error }

func scanBatch(s scanner) (*Batch, error) {
	var b Batch
	var tenants string
	var lo, hi sql.NullString
	if err := s.Scan(&b.RunID, &b.ID, &b.Table, &tenants, &lo, &hi, &b.EstRows, &b.EstBytes, &b.State, &b.Attempts, &b.Token, &b.Rows, &b.Owner, &b.Error); err != nil {
		return nil, err
	}
	if !b.State.Valid() {
		return nil, fmt.Errorf("batch %d has state %d, which this binary does not know", b.ID, int(b.State))
	}
	if err := json.Unmarshal([]byte(tenants), &b.Tenants); err != nil {
		return nil, fmt.Errorf("batch %d: tenants: %w", b.ID, err)
	}
	for _, p := range []struct {
		src sql.NullString
		dst *[]string
	}{{lo, &b.Lo}, {hi, &b.Hi}} {
		if p.src.Valid {
			if err := json.Unmarshal([]byte(p.src.String), p.dst); err != nil {
				return nil, fmt.Errorf("batch %d: key bound: %w", b.ID, err)
			}
		}
	}
	return &b, nil
}

// Claim takes the next batch in plan order that is pending, or claimed under a
// lease that has expired, and leases it to owner. A batch that has used up
// maxAttempts is marked failed instead. It returns nil when nothing is
// claimable now, with the number of open batches held by other owners (or
// pending): when it is zero, there is nothing left for this owner to wait for.
func (l *Ledger) Claim(ctx context.Context, runID int64, owner string, worker int, lease time.Duration, maxAttempts int) (*Batch, int, error) {
	for {
		b, open, retry, err := l.claimOnce(ctx, runID, owner, worker, lease, maxAttempts)
		if err != nil || !retry {
			return b, open, err
		}
	}
}

func (l *Ledger) claimOnce(ctx context.Context, runID int64, owner string, worker int, lease time.Duration, maxAttempts int) (*Batch, int, bool, error) {
	tx, err := l.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, 0, false, fmt.Errorf("claim a batch: %w", err)
	}
	defer tx.Rollback()
	b, err := l.nextClaimable(ctx, tx, runID) // control.go: run-wide bound first
	if errors.Is(err, sql.ErrNoRows) {
		var open int
		// Batches this owner holds are finished or released by its own
		// workers; only batches held elsewhere are worth waiting for.
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+l.t("batches")+
			" WHERE run_id = ? AND (state = "+Pending.SQL()+" OR (state = "+Claimed.SQL()+" AND NOT (owner <=> ?)))", runID, owner).Scan(&open); err != nil {
			return nil, 0, false, fmt.Errorf("claim a batch: %w", err)
		}
		return nil, open, false, nil
	}
	if err != nil {
		return nil, 0, false, fmt.Errorf("claim a batch: %w", err)
	}
	if b.Attempts >= maxAttempts {
		msg := fmt.Sprintf("gave up after %d attempts; the last holder stopped without finishing (crash or kill?)", b.Attempts)
		if b.Error != "" {
			msg += "; last error: " + b.Error
		}
		if _, err := tx.ExecContext(ctx, "UPDATE "+l.t("batches")+" SET state = "+Failed.SQL()+", error = ?, finished_at = NOW(6), lease_until = NULL WHERE run_id = ? AND id = ?",
			truncate(msg), runID, b.ID); err != nil {
			return nil, 0, false, fmt.Errorf("claim a batch: %w", err)
		}
		if err := l.auditBatch(ctx, tx, EventFailed, runID, b.ID, b.Token, b.Owner, "", msg); err != nil {
			return nil, 0, false, fmt.Errorf("claim a batch: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return nil, 0, false, fmt.Errorf("claim a batch: %w", err)
		}
		return nil, 0, true, nil
	}
	if _, err := tx.ExecContext(ctx, "UPDATE "+l.t("batches")+
		" SET state = "+Claimed.SQL()+", owner = ?, worker = ?, attempts = attempts + 1, claim_token = claim_token + 1, claimed_at = NOW(6),"+
		" lease_until = NOW(6) + INTERVAL ? MICROSECOND WHERE run_id = ? AND id = ?",
		owner, worker, lease.Microseconds(), runID, b.ID); err != nil {
		return nil, 0, false, fmt.Errorf("claim batch %d: %w", b.ID, err)
	}
	if b.Attempts > 0 {
		// An earlier attempt failed or its holder stopped without finishing.
		detail := fmt.Sprintf("attempt %d", b.Attempts+1)
		if b.State == Claimed {
			detail += fmt.Sprintf("; the lease of %s (attempt %d) had expired", b.Owner, b.Token)
		}
		if b.Error != "" {
			detail += "; last error: " + b.Error
		}
		if err := l.auditBatch(ctx, tx, EventRetry, runID, b.ID, b.Token+1, owner, "", detail); err != nil {
			return nil, 0, false, fmt.Errorf("claim batch %d: %w", b.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, 0, false, fmt.Errorf("claim batch %d: %w", b.ID, err)
	}
	b.State, b.Owner = Claimed, owner
	b.Attempts++
	b.Token++
	return b, 0, false, nil
}

// Done marks the batch done with its row count inside tx, the transaction that
// loaded its rows, so both commit or neither does. It fails with ErrLeaseLost
// when the batch's claim is no longer b's (another attempt took it over after
// b's lease expired): the caller rolls tx back.
func (l *Ledger) Done(ctx context.Context, tx *sql.Tx, b *Batch, rows int64) error {
	res, err := tx.ExecContext(ctx, "UPDATE "+l.t("batches")+
		" SET state = "+Done.SQL()+", rows_copied = ?, checksum = ?, finished_at = NOW(6), lease_until = NULL, error = NULL"+
		" WHERE run_id = ? AND id = ? AND owner = ? AND claim_token = ? AND state = "+Claimed.SQL(),
		rows, nullIfEmpty(b.Checksum), b.RunID, b.ID, b.Owner, b.Token)
	if err != nil {
		return fmt.Errorf("mark batch %d done: %w", b.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		// Recorded outside tx, which the caller rolls back. The refusal
		// stands whether or not it could be recorded.
		_ = l.auditOf(ctx, l.db, EventFenced, b,
			fmt.Sprintf("attempt %d finished after its claim was taken over: its done mark was refused and its rows rolled back", b.Token))
		return fmt.Errorf("batch %d attempt %d: %w", b.ID, b.Token, ErrLeaseLost)
	}
	return nil
}

// Fail marks the batch failed with its error; it will not be retried by a
// plain rerun (see ResetFailed). It fails with ErrLeaseLost, and marks
// nothing, when the batch's claim is no longer b's.
func (l *Ledger) Fail(ctx context.Context, b *Batch, cause error) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mark batch %d failed: %w", b.ID, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "UPDATE "+l.t("batches")+
		" SET state = "+Failed.SQL()+", error = ?, finished_at = NOW(6), lease_until = NULL"+
		" WHERE run_id = ? AND id = ? AND owner = ? AND claim_token = ? AND state = "+Claimed.SQL(),
		truncate(cause.Error()), b.RunID, b.ID, b.Owner, b.Token)
	if err != nil {
		return fmt.Errorf("mark batch %d failed: %w", b.ID, err)
	}
	kind, detail := EventFailed, cause.Error()
	n, _ := res.RowsAffected()
	if n != 1 {
		kind, detail = EventFenced, fmt.Sprintf("attempt %d failed after its claim was taken over; not marked failed: %s", b.Token, cause)
	}
	if err := l.auditBatch(ctx, tx, kind, b.RunID, b.ID, b.Token, b.Owner, "", detail); err != nil {
		return fmt.Errorf("mark batch %d failed: %w", b.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mark batch %d failed: %w", b.ID, err)
	}
	if n != 1 {
		return fmt.Errorf("batch %d attempt %d: %w", b.ID, b.Token, ErrLeaseLost)
	}
	return nil
}

// Note records the error of an attempt that will be retried: in the batch's
// row while the claim is b's, and in the audit history in any case (the
// attempt happened). It returns ErrLeaseLost when the claim is no longer b's.
func (l *Ledger) Note(ctx context.Context, b *Batch, cause error) error {
	res, err := l.db.ExecContext(ctx, "UPDATE "+l.t("batches")+" SET error = ? WHERE run_id = ? AND id = ? AND owner = ? AND claim_token = ? AND state = "+Claimed.SQL(),
		truncate(cause.Error()), b.RunID, b.ID, b.Owner, b.Token)
	if err != nil {
		return fmt.Errorf("note the error of batch %d: %w", b.ID, err)
	}
	if err := l.auditBatch(ctx, l.db, EventAttemptFailed, b.RunID, b.ID, b.Token, b.Owner, "", cause.Error()); err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("batch %d attempt %d: %w", b.ID, b.Token, ErrLeaseLost)
	}
	return nil
}

// Release ends b's lease on a batch whose transaction rolled back, so that a
// resume takes it at once instead of waiting for the lease to run out.
// The state stays claimed (states only move forward); an expired claim is
// claimable. The attempt is given back: an interruption is not the batch's
// fault. A claim taken over since is left alone.
func (l *Ledger) Release(ctx context.Context, b *Batch) error {
	_, err := l.db.ExecContext(ctx, "UPDATE "+l.t("batches")+
		" SET lease_until = NOW(6) - INTERVAL 1 SECOND, attempts = GREATEST(attempts - 1, 0)"+
		" WHERE run_id = ? AND id = ? AND owner = ? AND claim_token = ? AND state = "+Claimed.SQL(),
		b.RunID, b.ID, b.Owner, b.Token)
	if err != nil {
		return fmt.Errorf("release batch %d: %w", b.ID, err)
	}
	return nil
}

// ResetFailed moves failed batches back to pending with fresh attempts: the
// operator's explicit `run --retry-failed` after fixing the cause.
// The audit history keeps each batch's failure; the batch's row starts over.
func (l *Ledger) ResetFailed(ctx context.Context, runID int64) (int64, error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("reset failed batches: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+l.t("audit")+
		" (run_id, at, kind, batch_id, tbl, tenants, lo, hi, attempt, owner, host, who, detail)"+
		" SELECT run_id, NOW(6), ?, id, tbl, tenants, lo, hi, claim_token, owner, ?, ?,"+
		" CONCAT('moved back to pending after ', attempts, ' attempts (run --retry-failed); last error: ', COALESCE(error, 'none'))"+
		" FROM "+l.t("batches")+" WHERE run_id = ? AND state = "+Failed.SQL()+" ORDER BY id",
		string(EventReset), hostname(), actor(), runID); err != nil {
		return 0, fmt.Errorf("reset failed batches: record them in the audit history: %w", err)
	}
	res, err := tx.ExecContext(ctx, "UPDATE "+l.t("batches")+
		" SET state = "+Pending.SQL()+", attempts = 0, owner = NULL, lease_until = NULL WHERE run_id = ? AND state = "+Failed.SQL(), runID)
	if err != nil {
		return 0, fmt.Errorf("reset failed batches: %w", err)
	}
	n, _ := res.RowsAffected()
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("reset failed batches: %w", err)
	}
	return n, nil
}

func truncate(s string) string {
	const max = 4000
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// timeScanner reads a DATETIME column as text (the connections do not parse
// times, so that data flows through untouched) into a UTC time.
type timeScanner struct{ dst *time.Time }

func (s timeScanner) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*s.dst = time.Time{}
		return nil
	case time.Time:
		*s.dst = x
		return nil
	case []byte:
		return s.parse(string(x))
	case string:
		return s.parse(x)
	}
	return fmt.Errorf("cannot read %T as a time", v)
}

func (s timeScanner) parse(text string) error {
	t, err := time.ParseInLocation("2006-01-02 15:04:05.999999", text, time.UTC)
	if err != nil {
		return err
	}
	*s.dst = t
	return nil
}

// TargetEmpty returns, per source table of the run, whether its target table
// was empty when the run first started copying. check is called for tables
// not yet recorded; the first process to record a table wins, so every
// process of a run sees the same answer. While a run that started on an empty
// table goes on, rows of a batch that is not done cannot be in the target (a
// batch's rows commit with its done mark), so such batches need no delete.
func (l *Ledger) TargetEmpty(ctx context.Context, runID int64, tables []string, check func(table string) (bool, error)) (map[string]bool, error) {
	out := map[string]bool{}
	for _, t := range tables {
		var empty bool
		err := l.db.QueryRowContext(ctx, "SELECT was_empty FROM "+l.t("tables")+" WHERE run_id = ? AND tbl = ?", runID, t).Scan(&empty)
		if errors.Is(err, sql.ErrNoRows) {
			if empty, err = check(t); err != nil {
				return nil, err
			}
			if _, err := l.db.ExecContext(ctx, "INSERT IGNORE INTO "+l.t("tables")+" (run_id, tbl, was_empty, checked_at) VALUES (?, ?, ?, NOW(6))", runID, t, empty); err != nil {
				return nil, fmt.Errorf("record target state of %s: %w", t, err)
			}
			err = l.db.QueryRowContext(ctx, "SELECT was_empty FROM "+l.t("tables")+" WHERE run_id = ? AND tbl = ?", runID, t).Scan(&empty)
		}
		if err != nil {
			return nil, fmt.Errorf("read target state of %s: %w", t, err)
		}
		out[t] = empty
	}
	return out, nil
}
