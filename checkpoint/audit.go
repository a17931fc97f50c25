package checkpoint

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"time"
)

// The audit table is the run's history: the batches table keeps only each
// batch's latest state (a batch that failed and then succeeded has no error
// and one attempt left there), this table keeps every failure, retry, control
// and repair. The ledger only ever inserts into it.
func auditDDL(l *Ledger) string {
	return `CREATE TABLE IF NOT EXISTS ` + l.t("audit") + ` (
			id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
			run_id BIGINT NOT NULL,
			at DATETIME(6) NOT NULL,
			kind VARCHAR(16) NOT NULL,
			batch_id INT NULL,
			tbl VARCHAR(64) NULL,
			tenants MEDIUMTEXT NULL,
			lo TEXT NULL,
			hi TEXT NULL,
			attempt BIGINT NULL,
			owner VARCHAR(64) NULL,
			host VARCHAR(255) NULL,
			who VARCHAR(255) NULL,
			detail TEXT NULL,
			KEY run (run_id, id)
		) ENGINE=InnoDB`
}

// EventKind says what an audit event records.
type EventKind string

// Audit event kinds.
const (
	// EventAttemptFailed is an attempt that failed with an error the engine
	// retries (Note).
	EventAttemptFailed EventKind = "attempt-failed"
	// EventFailed is a batch marked failed: by its holder (Fail), or by a
	// claimer when its attempts were used up.
	EventFailed EventKind = "failed"
	// EventRetry is a claim of a batch that had an attempt before: a batch
	// whose holder stopped without finishing (lease expired) is taken again.
	EventRetry EventKind = "retry"
	// EventFenced is a stale attempt refused: its claim had been taken over,
	// so its done or failed mark was not written and its transaction rolled back.
	EventFenced EventKind = "fenced"
	// EventReset is a failed batch moved back to pending (run --retry-failed).
	EventReset EventKind = "reset"
	// EventControl is a run control set (pause, stop, stop-now, resume, halt).
	EventControl EventKind = "control"
	// EventUpgrade is the run moved to another binary version.
	EventUpgrade EventKind = "upgrade"
	// EventRepair is a done batch reopened to be copied again (verify --repair).
	EventRepair EventKind = "repair"
	// EventSync is a sync that ended: how many changes it applied and how
	// long it took. The last `sync --until caught-up` is the freeze.
	EventSync EventKind = "sync"
)

// Event is one row of the audit history.
type Event struct {
	ID    int64     `json:"id"`
	RunID int64     `json:"run_id"`
	At    time.Time `json:"at"` // database clock, UTC
	Kind  EventKind `json:"kind"`
	// Batch and its key range, for batch events (0 and empty otherwise).
	Batch   int      `json:"batch,omitempty"`
	Table   string   `json:"table,omitempty"`
	Tenants []string `json:"tenants,omitempty"`
	Lo      []string `json:"lo,omitempty"`
	Hi      []string `json:"hi,omitempty"`
	// Attempt is the claim token of the attempt the event is about.
	Attempt int64 `json:"attempt,omitempty"`
	// Owner is the process that held the batch; Host the host that wrote
	// the event; Who the operator (OS user@host) of a control or repair.
	Owner  string `json:"owner,omitempty"`
	Host   string `json:"host,omitempty"`
	Who    string `json:"who,omitempty"`
	Detail string `json:"detail,omitempty"` // the error, or the reason
}

// execer is what both *sql.DB and *sql.Tx offer.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown host"
	}
	return h
}

// actor names who runs this command: OS user@host.
func actor() string {
	name := "unknown user"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return name + "@" + hostname()
}

// auditBatch appends an event about batch id of run, copying its table and
// key range from the batches table in the same statement.
func (l *Ledger) auditBatch(ctx context.Context, x execer, kind EventKind, runID int64, id int, attempt int64, owner, who, detail string) error {
	_, err := x.ExecContext(ctx, "INSERT INTO "+l.t("audit")+
		" (run_id, at, kind, batch_id, tbl, tenants, lo, hi, attempt, owner, host, who, detail)"+
		" SELECT run_id, NOW(6), ?, id, tbl, tenants, lo, hi, ?, ?, ?, ?, ? FROM "+l.t("batches")+" WHERE run_id = ? AND id = ?",
		string(kind), attempt, nullIfEmpty(owner), hostname(), nullIfEmpty(who), nullIfEmpty(truncate(detail)), runID, id)
	if err != nil {
		return fmt.Errorf("record %s of batch %d in the audit history: %w", kind, id, err)
	}
	return nil
}

// auditOf appends an event about batch b from what b holds, reading nothing
// of the batches table: Done's refusal is recorded while the refused
// transaction still holds the batch's row lock.
func (l *Ledger) auditOf(ctx context.Context, x execer, kind EventKind, b *Batch, detail string) error {
	tenants, _ := json.Marshal(nonNil(b.Tenants))
	_, err := x.ExecContext(ctx, "INSERT INTO "+l.t("audit")+
		" (run_id, at, kind, batch_id, tbl, tenants, lo, hi, attempt, owner, host, detail) VALUES (?, NOW(6), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		b.RunID, string(kind), b.ID, b.Table, string(tenants), jsonOrNil(b.Lo), jsonOrNil(b.Hi), b.Token, nullIfEmpty(b.Owner), hostname(), nullIfEmpty(truncate(detail)))
	if err != nil {
		return fmt.Errorf("record %s of batch %d in the audit history: %w", kind, b.ID, err)
	}
	return nil
}

// auditRun appends an event about the run as a whole, by the operator.
func (l *Ledger) auditRun(ctx context.Context, x execer, kind EventKind, runID int64, detail string) error {
	_, err := x.ExecContext(ctx, "INSERT INTO "+l.t("audit")+" (run_id, at, kind, host, who, detail) VALUES (?, NOW(6), ?, ?, ?, ?)",
		runID, string(kind), hostname(), actor(), nullIfEmpty(truncate(detail)))
	if err != nil {
		return fmt.Errorf("record %s of run %d in the audit history: %w", kind, runID, err)
	}
	return nil
}

// FailureKinds are the events a report lists as failures: failed attempts,
// failed batches and refused stale attempts.
func FailureKinds() []EventKind { return []EventKind{EventAttemptFailed, EventFailed, EventFenced} }

// History returns the run's audit events, oldest first (at most limit; 0
// means all), of the given kinds (none: every kind), for the report and the
// post-mortem: a batch that failed and later succeeded shows here.
func (l *Ledger) History(ctx context.Context, runID int64, limit int, kinds ...EventKind) ([]Event, error) {
	q := "SELECT id, run_id, at, kind, COALESCE(batch_id, 0), COALESCE(tbl, ''), tenants, lo, hi, COALESCE(attempt, 0)," +
		" COALESCE(owner, ''), COALESCE(host, ''), COALESCE(who, ''), COALESCE(detail, '') FROM " + l.t("audit") +
		" WHERE run_id = ?"
	args := []any{runID}
	if len(kinds) > 0 {
		q += " AND kind IN (" + placeholders(len(kinds)) + ")"
		for _, k := range kinds {
			args = append(args, string(k))
		}
	}
	q += " ORDER BY id"
	if limit > 0 {
		q += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := l.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read the audit history of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var kind string
		var tenants, lo, hi sql.NullString
		if err := rows.Scan(&e.ID, &e.RunID, timeScanner{&e.At}, &kind, &e.Batch, &e.Table, &tenants, &lo, &hi, &e.Attempt,
			&e.Owner, &e.Host, &e.Who, &e.Detail); err != nil {
			return nil, fmt.Errorf("read the audit history of run %d: %w", runID, err)
		}
		e.Kind = EventKind(kind)
		for _, p := range []struct {
			src sql.NullString
			dst *[]string
		}{{tenants, &e.Tenants}, {lo, &e.Lo}, {hi, &e.Hi}} {
			if p.src.Valid {
				if err := json.Unmarshal([]byte(p.src.String), p.dst); err != nil {
					return nil, fmt.Errorf("audit event %d: batch %d: %w", e.ID, e.Batch, err)
				}
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Record appends an operator's event about the run to its history (for a
// command outside this package, such as a repair it orchestrates); the
// ledger's own changes record themselves.
func (l *Ledger) Record(ctx context.Context, runID int64, kind EventKind, detail string) error {
	return l.auditRun(ctx, l.db, kind, runID, detail)
}
