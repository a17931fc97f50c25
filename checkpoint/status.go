package checkpoint

import (
	"context"
	"fmt"
	"strings"
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
	// RateSince is where the rate's window starts: a minute ago, or when
	// this stretch of copying began (the first live process started, or the
	// run was resumed) when that is later, so rows copied before a stop or a
	// pause do not count.
	RateSince time.Time `json:"rate_since,omitzero"`
	// Now is the ledger's clock when the status was read: ages are measured
	// against it.
	Now       time.Time       `json:"now"`
	InFlight  []Flight        `json:"in_flight"`
	Failures  []Failure       `json:"failures"`
	Processes []Process       `json:"processes"`
	Tables    []TableProgress `json:"tables"`
	// LockWaits are statements in the target schema that have waited on a
	// lock for at least two seconds: a batch blocked by another session.
	LockWaits []LockWait `json:"lock_waits,omitempty"`
}

// TableProgress is one table's share of the run.
type TableProgress struct {
	Table       string    `json:"table"`
	Batches     int       `json:"batches"`
	BatchesDone int       `json:"batches_done"`
	RowsDone    int64     `json:"rows_done"`
	RowsTotal   int64     `json:"rows_total"` // estimated for batches not done
	Started     time.Time `json:"started,omitzero"`
	// Finished is set once every batch of the table is done.
	Finished time.Time `json:"finished,omitzero"`
}

// LockWait is a statement waiting on a lock.
type LockWait struct {
	Thread    int64  `json:"thread"`
	Seconds   int64  `json:"seconds"`
	State     string `json:"state"`
	Statement string `json:"statement"`
}

// Flight is a batch being copied now.
type Flight struct {
	Batch   int       `json:"batch"`
	Table   string    `json:"table"`
	Owner   string    `json:"owner"`
	Worker  int       `json:"worker"`
	Since   time.Time `json:"since"`
	Expired bool      `json:"lease_expired"`
	EstRows int64     `json:"est_rows"`
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
	// The rate counts the batches finished since RateSince and divides by
	// the time since then: a run resumed ten seconds ago did not copy for a
	// minute, and what it copied before the stop is not this stretch's speed.
	var recent int64
	var sinceUS int64
	if err := l.db.QueryRowContext(ctx, "SELECT NOW(6), GREATEST(NOW(6) - INTERVAL ? MICROSECOND, "+
		"COALESCE((SELECT MIN(started_at) FROM "+l.t("processes")+" WHERE run_id = ? AND stopped_at IS NULL AND heartbeat_at >= NOW(6) - INTERVAL ? MICROSECOND), NOW(6)), "+
		"COALESCE((SELECT control_at FROM "+l.t("runs")+" WHERE id = ? AND control = ?), CAST('1970-01-02' AS DATETIME(6))))",
		rateWindow.Microseconds(), run.ID, rateWindow.Microseconds(), run.ID, ControlRun).Scan(timeScanner{&st.Now}, timeScanner{&st.RateSince}); err != nil {
		return nil, fmt.Errorf("read run rate window: %w", err)
	}
	if err := l.db.QueryRowContext(ctx, "SELECT COALESCE(SUM(rows_copied), 0), TIMESTAMPDIFF(MICROSECOND, ?, NOW(6)) FROM "+l.t("batches")+
		" WHERE run_id = ? AND state = "+Done.SQL()+" AND finished_at >= ?", st.RateSince.Format(dbTime), run.ID, st.RateSince.Format(dbTime)).Scan(&recent, &sinceUS); err != nil {
		return nil, fmt.Errorf("read run rate: %w", err)
	}
	if span := time.Duration(sinceUS) * time.Microsecond; span >= time.Second {
		st.RowsPerSecond = float64(recent) / span.Seconds()
	}
	if err := l.tableProgress(ctx, st); err != nil {
		return nil, err
	}
	if err := l.lockWaits(ctx, st); err != nil {
		return nil, err
	}
	fl, err := l.db.QueryContext(ctx, "SELECT id, tbl, owner, COALESCE(worker, 0), claimed_at, lease_until < NOW(6), est_rows FROM "+l.t("batches")+
		" WHERE run_id = ? AND state = "+Claimed.SQL()+" ORDER BY claimed_at", run.ID)
	if err != nil {
		return nil, fmt.Errorf("read batches in flight: %w", err)
	}
	for fl.Next() {
		var f Flight
		if err := fl.Scan(&f.Batch, &f.Table, &f.Owner, &f.Worker, timeScanner{&f.Since}, &f.Expired, &f.EstRows); err != nil {
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

// dbTime is how a time is written back to the ledger's DATETIME(6).
const dbTime = "2006-01-02 15:04:05.999999"

// tableProgress reads each table's batches, rows, start and finish.
func (l *Ledger) tableProgress(ctx context.Context, st *Status) error {
	rows, err := l.db.QueryContext(ctx, "SELECT tbl, COUNT(*), SUM(state = "+Done.SQL()+"), COALESCE(SUM(rows_copied), 0), "+
		"SUM(CASE WHEN state = "+Done.SQL()+" THEN rows_copied ELSE est_rows END), MIN(claimed_at), "+
		"CASE WHEN SUM(state <> "+Done.SQL()+") = 0 THEN MAX(finished_at) END FROM "+l.t("batches")+
		" WHERE run_id = ? GROUP BY tbl ORDER BY MIN(id)", st.RunID)
	if err != nil {
		return fmt.Errorf("read table progress: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var tp TableProgress
		if err := rows.Scan(&tp.Table, &tp.Batches, &tp.BatchesDone, &tp.RowsDone, &tp.RowsTotal, timeScanner{&tp.Started}, timeScanner{&tp.Finished}); err != nil {
			return fmt.Errorf("read table progress: %w", err)
		}
		st.Tables = append(st.Tables, tp)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read table progress: %w", err)
	}
	return nil
}

// lockWaits reads the statements of the ledger's connection's schema (the
// target's, where the workers write) that wait on a lock: a metadata lock
// (LOCK TABLES, ALTER) or a row lock (an InnoDB transaction in LOCK WAIT).
// Without the PROCESS privilege only this user's sessions are seen, which
// are the workers'.
func (l *Ledger) lockWaits(ctx context.Context, st *Status) error {
	// Row-lock waits are seen through INNODB_TRX, which needs the PROCESS
	// privilege: without it only metadata-lock waits are reported.
	rowWait := map[int64]bool{}
	if tr, err := l.db.QueryContext(ctx, "SELECT trx_mysql_thread_id FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'"); err == nil {
		for tr.Next() {
			var id int64
			if tr.Scan(&id) == nil {
				rowWait[id] = true
			}
		}
		tr.Close()
	}
	rows, err := l.db.QueryContext(ctx, "SELECT ID, TIME, COALESCE(STATE, ''), LEFT(COALESCE(INFO, ''), 200) FROM information_schema.PROCESSLIST"+
		" WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND COMMAND = 'Query' AND TIME >= 2 ORDER BY TIME DESC LIMIT 200")
	if err != nil {
		return fmt.Errorf("read lock waits: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var w LockWait
		if err := rows.Scan(&w.Thread, &w.Seconds, &w.State, &w.Statement); err != nil {
			return fmt.Errorf("read lock waits: %w", err)
		}
		switch {
		case rowWait[w.Thread]:
			w.State = "waiting for a row lock"
		case strings.HasPrefix(w.State, "Waiting for") && strings.HasSuffix(w.State, "lock"):
		default:
			continue
		}
		if len(st.LockWaits) < 20 {
			st.LockWaits = append(st.LockWaits, w)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read lock waits: %w", err)
	}
	return nil
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

// CopiedTables returns the tables of which some run of this ledger has a
// done batch: rows the ledger itself put in the target.
func (l *Ledger) CopiedTables(ctx context.Context) (map[string]bool, error) {
	rows, err := l.db.QueryContext(ctx, "SELECT DISTINCT tbl FROM "+l.t("batches")+" WHERE state = "+Done.SQL())
	if err != nil {
		return nil, fmt.Errorf("read the tables copied before: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("read the tables copied before: %w", err)
		}
		out[t] = true
	}
	return out, rows.Err()
}
