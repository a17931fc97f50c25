package checkpoint

import (
	"context"
	"fmt"
	"time"
)

// Status is a snapshot of a run read from the ledger.
type Status struct {
	RunID         int64          `json:"run_id"`
	PlanFP        string         `json:"plan_fingerprint"`
	CreatedAt     time.Time      `json:"created_at"`
	Batches       map[string]int `json:"batches"` // by state name
	TotalBatches  int            `json:"total_batches"`
	RowsDone      int64          `json:"rows_done"`
	RowsTotal     int64          `json:"rows_total"` // estimated at plan time
	RowsPerSecond float64        `json:"rows_per_second"`
	InFlight      []Flight       `json:"in_flight"`
	Failures      []Failure      `json:"failures"`
	Processes     []Process      `json:"processes"`
}

// Flight is a batch being copied now.
type Flight struct {
	Batch   int       `json:"batch"`
	Table   string    `json:"table"`
	Owner   string    `json:"owner"`
	Worker  int       `json:"worker"`
	Since   time.Time `json:"since"`
	Expired bool      `json:"lease_expired"`
}

// Failure is a failed batch and its error.
type Failure struct {
	Batch    int    `json:"batch"`
	Table    string `json:"table"`
	Attempts int    `json:"attempts"`
	Error    string `json:"error"`
}

// Status reads the run's state. rateWindow is how far back the rate looks.
func (l *Ledger) Status(ctx context.Context, run *Run, rateWindow time.Duration) (*Status, error) {
	st := &Status{RunID: run.ID, PlanFP: run.PlanFP, CreatedAt: run.CreatedAt, Batches: map[string]int{}}
	rows, err := l.db.QueryContext(ctx, "SELECT state, COUNT(*), COALESCE(SUM(rows_copied), 0), SUM(est_rows) FROM "+l.t("batches")+
		" WHERE run_id = ? GROUP BY state", run.ID)
	if err != nil {
		return nil, fmt.Errorf("read run status: %w", err)
	}
	for rows.Next() {
		var s State
		var n int
		var copied, est int64
		if err := rows.Scan(&s, &n, &copied, &est); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read run status: %w", err)
		}
		st.Batches[s.String()] = n
		st.TotalBatches += n
		st.RowsDone += copied
		if s == Done {
			st.RowsTotal += copied
		} else {
			st.RowsTotal += est
		}
	}
	rows.Close()
	// The rate divides by the window, or by the time since the first of
	// those batches was claimed when that is shorter: a run that started
	// ten seconds ago did not copy for a minute.
	var recent, spanUS int64
	if err := l.db.QueryRowContext(ctx, "SELECT COALESCE(SUM(rows_copied), 0), COALESCE(TIMESTAMPDIFF(MICROSECOND, MIN(claimed_at), NOW(6)), 0) FROM "+l.t("batches")+
		" WHERE run_id = ? AND state = "+Done.SQL()+" AND finished_at >= NOW(6) - INTERVAL ? MICROSECOND", run.ID, rateWindow.Microseconds()).Scan(&recent, &spanUS); err != nil {
		return nil, fmt.Errorf("read run rate: %w", err)
	}
	if span := min(rateWindow, max(time.Duration(spanUS)*time.Microsecond, time.Second)); span > 0 {
		st.RowsPerSecond = float64(recent) / span.Seconds()
	}
	fl, err := l.db.QueryContext(ctx, "SELECT id, tbl, owner, COALESCE(worker, 0), claimed_at, lease_until < NOW(6) FROM "+l.t("batches")+
		" WHERE run_id = ? AND state = "+Claimed.SQL()+" ORDER BY claimed_at", run.ID)
	if err != nil {
		return nil, fmt.Errorf("read batches in flight: %w", err)
	}
	for fl.Next() {
		var f Flight
		if err := fl.Scan(&f.Batch, &f.Table, &f.Owner, &f.Worker, timeScanner{&f.Since}, &f.Expired); err != nil {
			fl.Close()
			return nil, fmt.Errorf("read batches in flight: %w", err)
		}
		st.InFlight = append(st.InFlight, f)
	}
	fl.Close()
	fa, err := l.db.QueryContext(ctx, "SELECT id, tbl, attempts, COALESCE(error, '') FROM "+l.t("batches")+
		" WHERE run_id = ? AND state = "+Failed.SQL()+" ORDER BY id LIMIT 100", run.ID)
	if err != nil {
		return nil, fmt.Errorf("read failed batches: %w", err)
	}
	for fa.Next() {
		var f Failure
		if err := fa.Scan(&f.Batch, &f.Table, &f.Attempts, &f.Error); err != nil {
			fa.Close()
			return nil, fmt.Errorf("read failed batches: %w", err)
		}
		st.Failures = append(st.Failures, f)
	}
	fa.Close()
	pr, err := l.db.QueryContext(ctx, "SELECT owner, host, pid, version, workers, started_at, heartbeat_at, stopped_at IS NOT NULL FROM "+l.t("processes")+
		" WHERE run_id = ? ORDER BY started_at", run.ID)
	if err != nil {
		return nil, fmt.Errorf("read processes: %w", err)
	}
	defer pr.Close()
	for pr.Next() {
		var p Process
		if err := pr.Scan(&p.Owner, &p.Host, &p.PID, &p.Version, &p.Workers, timeScanner{&p.StartedAt}, timeScanner{&p.Heartbeat}, &p.Stopped); err != nil {
			return nil, fmt.Errorf("read processes: %w", err)
		}
		st.Processes = append(st.Processes, p)
	}
	return st, pr.Err()
}

// Batches returns every batch of the run in plan order.
func (l *Ledger) Batches(ctx context.Context, runID int64) ([]*Batch, error) {
	rows, err := l.db.QueryContext(ctx, "SELECT "+batchCols+" FROM "+l.t("batches")+" WHERE run_id = ? ORDER BY id", runID)
	if err != nil {
		return nil, fmt.Errorf("read batches: %w", err)
	}
	defer rows.Close()
	var out []*Batch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, fmt.Errorf("read batches: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Finish records that every batch of the run is done.
func (l *Ledger) Finish(ctx context.Context, runID int64) error {
	_, err := l.db.ExecContext(ctx, "UPDATE "+l.t("runs")+" SET finished_at = NOW(6) WHERE id = ? AND finished_at IS NULL", runID)
	return err
}
