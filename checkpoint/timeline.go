package checkpoint

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Span is one batch of a run as it happened: who copied it and when, for the
// report's actual schedule. Claimed (the last claim) and Finished are on the
// database clock; Finished is zero for a batch neither done nor failed.
type Span struct {
	ID       int       `json:"id"`
	Table    string    `json:"table"`
	Tenants  []string  `json:"tenants"`
	Ranged   bool      `json:"ranged"` // a key range of a split tenant
	EstRows  int64     `json:"est_rows"`
	EstBytes int64     `json:"est_bytes"`
	State    State     `json:"state"`
	Attempts int       `json:"attempts"`
	Rows     int64     `json:"rows"`
	Owner    string    `json:"owner"`
	Worker   int       `json:"worker"`
	Claimed  time.Time `json:"claimed_at"`
	Finished time.Time `json:"finished_at"`
	Error    string    `json:"error,omitempty"`
}

// Timeline returns every batch of the run with its owner, worker and times,
// in plan order.
func (l *Ledger) Timeline(ctx context.Context, runID int64) ([]Span, error) {
	rows, err := l.db.QueryContext(ctx, "SELECT id, tbl, tenants, lo IS NOT NULL OR hi IS NOT NULL, est_rows, est_bytes, state, attempts, "+
		"COALESCE(rows_copied, 0), COALESCE(owner, ''), COALESCE(worker, 0), claimed_at, finished_at, COALESCE(error, '') FROM "+
		l.t("batches")+" WHERE run_id = ? ORDER BY id", runID)
	if err != nil {
		return nil, fmt.Errorf("read the run's timeline: %w", err)
	}
	defer rows.Close()
	var out []Span
	for rows.Next() {
		var s Span
		var tenants string
		if err := rows.Scan(&s.ID, &s.Table, &tenants, &s.Ranged, &s.EstRows, &s.EstBytes, &s.State, &s.Attempts,
			&s.Rows, &s.Owner, &s.Worker, timeScanner{&s.Claimed}, timeScanner{&s.Finished}, &s.Error); err != nil {
			return nil, fmt.Errorf("read the run's timeline: %w", err)
		}
		if err := json.Unmarshal([]byte(tenants), &s.Tenants); err != nil {
			return nil, fmt.Errorf("batch %d: tenants: %w", s.ID, err)
		}
		if s.State != Done && s.State != Failed {
			s.Finished = time.Time{} // in flight or not started: no end yet
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// RunByID returns run id, active or not, or nil when there is none.
func (l *Ledger) RunByID(ctx context.Context, id int64) (*Run, error) {
	var r Run
	var plan string
	err := l.db.QueryRowContext(ctx, "SELECT id, config_fp, plan_fp, plan, created_at FROM "+l.t("runs")+
		" WHERE id = ?", id).Scan(&r.ID, &r.ConfigFP, &r.PlanFP, &plan, timeScanner{&r.CreatedAt})
	if err != nil {
		return nil, fmt.Errorf("read run %d: %w", id, err)
	}
	r.Plan = json.RawMessage(plan)
	return &r, nil
}
