package checkpoint

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Controls an operator sets on a run through the ledger; every process of the
// run polls them. They stick until `cutover resume`: a process restarted by a
// supervisor does not undo a stop.
const (
	ControlRun     = "run"      // claim and copy
	ControlPause   = "pause"    // claim nothing new until resumed
	ControlStop    = "stop"     // drain: finish in-flight batches, claim nothing new, exit
	ControlStopNow = "stop-now" // abort in-flight batches (they roll back), exit
	ControlHalted  = "halted"   // the error budget is spent: stop everywhere, exit 1
)

// Control is a run's control state as the ledger holds it.
type Control struct {
	State  string    `json:"state"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at,omitzero"`
	// Active is false once a newer run replaced this one (plan --replan).
	Active bool `json:"active"`
	// Version is the binary version the run accepts; empty until the first
	// process joins.
	Version string `json:"version,omitempty"`
	// RunFP is the run settings fingerprint the run accepts.
	RunFP string `json:"run_fingerprint,omitempty"`
}

// GateError refuses a process whose binary or run settings differ from those
// the run accepted. Nothing was claimed.
type GateError struct {
	RunID    int64
	What     string // "version" or "settings"
	Accepted string
	Got      string
	// Hosts run the accepted version now (live processes).
	Hosts []string
}

func (e *GateError) Error() string {
	where := "no process runs it now"
	if len(e.Hosts) > 0 {
		where = "running on " + strings.Join(e.Hosts, ", ")
	}
	if e.What == "version" {
		return fmt.Sprintf("run %d accepts version %s (%s); this binary is %s: refused before claiming anything",
			e.RunID, e.Accepted, where, e.Got)
	}
	return fmt.Sprintf("run %d accepts run settings %s (%s); this config gives %s (lease, retries, max_workers, max_failed_batches, throttle or canary differ): refused before claiming anything",
		e.RunID, e.Accepted, where, e.Got)
}

// BoundWorkers sets the run-wide bound on batches in flight across all
// processes (run.max_workers); 0 means no bound. Call it before claiming.
func (l *Ledger) BoundWorkers(n int) { l.maxWorkers = n }

// nextClaimable selects and locks the next claimable batch inside the claim
// transaction, or returns sql.ErrNoRows. With a run-wide bound it first locks
// the run's row, so concurrent claimers on every host count the live leases
// one at a time and the bound holds exactly.
func (l *Ledger) nextClaimable(ctx context.Context, tx *sql.Tx, runID int64) (*Batch, error) {
	if l.maxWorkers > 0 {
		var id int64
		if err := tx.QueryRowContext(ctx, "SELECT id FROM "+l.t("runs")+" WHERE id = ? FOR UPDATE", runID).Scan(&id); err != nil {
			return nil, err
		}
		var inFlight int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+l.t("batches")+
			" WHERE run_id = ? AND state = "+Claimed.SQL()+" AND lease_until >= NOW(6)", runID).Scan(&inFlight); err != nil {
			return nil, err
		}
		if inFlight >= l.maxWorkers {
			return nil, sql.ErrNoRows
		}
	}
	gate, err := l.canaryCond(ctx, tx, runID) // canary.go: only the canary's batches until it passed
	if err != nil {
		return nil, err
	}
	// The claim reads the primary key in id order from the lowest batch not
	// yet done or failed (two index dives of (run_id, state, id)), so it
	// passes only the batches in flight, not every batch done since the run
	// began: without the bound a claim read 50,000 done rows once half of a
	// 100,000-batch run was done (BenchmarkStatus100k in faults/). States only
	// move forward, so the bound never skips a claimable batch.
	var lo sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT LEAST("+
		"COALESCE((SELECT MIN(id) FROM "+l.t("batches")+" WHERE run_id = ? AND state = "+Pending.SQL()+"), "+maxBatchID+"), "+
		"COALESCE((SELECT MIN(id) FROM "+l.t("batches")+" WHERE run_id = ? AND state = "+Claimed.SQL()+"), "+maxBatchID+"))",
		runID, runID).Scan(&lo); err != nil {
		return nil, err
	}
	row := tx.QueryRowContext(ctx, "SELECT "+batchCols+" FROM "+l.t("batches")+
		" WHERE run_id = ? AND id >= ? AND (state = "+Pending.SQL()+" OR (state = "+Claimed.SQL()+" AND lease_until < NOW(6)))"+gate+" ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED", runID, lo.Int64)
	return scanBatch(row)
}

// maxBatchID is above every batch id (a BIGINT), for the claim's lower bound
// when no batch is open.
const maxBatchID = "9223372036854775807"

// Join is the version and settings gate, then registration, in one
// transaction on the run's row: the first process fixes the run's version and
// settings fingerprint; a process that differs in either gets a *GateError
// and is not registered. lease tells live processes from dead ones.
func (l *Ledger) Join(ctx context.Context, runID int64, p Process, runFP, planFP string, lease time.Duration) error {
	tx, err := l.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return fmt.Errorf("join run %d: %w", runID, err)
	}
	defer tx.Rollback()
	var accepted, acceptedFP string
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(version, ''), COALESCE(run_fp, '') FROM "+l.t("runs")+" WHERE id = ? FOR UPDATE", runID).
		Scan(&accepted, &acceptedFP); err != nil {
		return fmt.Errorf("join run %d: %w", runID, err)
	}
	switch {
	case accepted == "":
		if _, err := tx.ExecContext(ctx, "UPDATE "+l.t("runs")+" SET version = ?, run_fp = ? WHERE id = ?", p.Version, runFP, runID); err != nil {
			return fmt.Errorf("join run %d: %w", runID, err)
		}
	case accepted != p.Version || acceptedFP != runFP:
		ge := &GateError{RunID: runID, What: "version", Accepted: accepted, Got: p.Version}
		if accepted == p.Version {
			ge.What, ge.Accepted, ge.Got = "settings", acceptedFP, runFP
		}
		hosts, err := l.hostsRunning(ctx, tx, runID, accepted, lease)
		if err != nil {
			return fmt.Errorf("join run %d: %w", runID, err)
		}
		ge.Hosts = hosts
		return ge
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+l.t("processes")+
		" (owner, run_id, host, pid, version, workers, started_at, heartbeat_at, run_fp, plan_fp) VALUES (?, ?, ?, ?, ?, ?, NOW(6), NOW(6), ?, ?)",
		p.Owner, runID, p.Host, p.PID, p.Version, p.Workers, runFP, planFP); err != nil {
		return fmt.Errorf("register process: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("join run %d: %w", runID, err)
	}
	return nil
}

// liveCond selects processes that have not stopped and heartbeat within the
// lease (a heartbeat comes every third of it).
const liveCond = "stopped_at IS NULL AND heartbeat_at >= NOW(6) - INTERVAL ? MICROSECOND"

func (l *Ledger) hostsRunning(ctx context.Context, tx *sql.Tx, runID int64, version string, lease time.Duration) ([]string, error) {
	rows, err := tx.QueryContext(ctx, "SELECT DISTINCT host FROM "+l.t("processes")+
		" WHERE run_id = ? AND version = ? AND "+liveCond+" ORDER BY host", runID, version, lease.Microseconds())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hosts []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		hosts = append(hosts, h)
	}
	return hosts, rows.Err()
}

// ReadControl returns the run's control state.
func (l *Ledger) ReadControl(ctx context.Context, runID int64) (Control, error) {
	var c Control
	err := l.db.QueryRowContext(ctx, "SELECT control, COALESCE(control_reason, ''), control_at, active = 1, COALESCE(version, ''), COALESCE(run_fp, '') FROM "+l.t("runs")+" WHERE id = ?", runID).
		Scan(&c.State, &c.Reason, timeScanner{&c.At}, &c.Active, &c.Version, &c.RunFP)
	if err != nil {
		return c, fmt.Errorf("read the controls of run %d: %w", runID, err)
	}
	return c, nil
}

// SetControl sets the run's control state with the reason every process
// reports when it obeys, and records it, with who set it, in the audit history.
func (l *Ledger) SetControl(ctx context.Context, runID int64, state, reason string) error {
	switch state {
	case ControlRun, ControlPause, ControlStop, ControlStopNow, ControlHalted:
	default:
		return fmt.Errorf("unknown control %q", state)
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("set run %d to %s: %w", runID, state, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "UPDATE "+l.t("runs")+" SET control = ?, control_reason = ?, control_at = NOW(6) WHERE id = ?",
		state, truncateTo(reason, 1000), runID); err != nil {
		return fmt.Errorf("set run %d to %s: %w", runID, state, err)
	}
	if err := l.auditRun(ctx, tx, EventControl, runID, state+": "+reason); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set run %d to %s: %w", runID, state, err)
	}
	return nil
}

// Halt sets the run to halted: the error budget is spent. It reports whether
// this call halted it (false when another process did first), so that one
// alert goes out, not one per host.
func (l *Ledger) Halt(ctx context.Context, runID int64, reason string) (bool, error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("halt run %d: %w", runID, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "UPDATE "+l.t("runs")+" SET control = ?, control_reason = ?, control_at = NOW(6) WHERE id = ? AND control <> ?",
		ControlHalted, truncateTo(reason, 1000), runID, ControlHalted)
	if err != nil {
		return false, fmt.Errorf("halt run %d: %w", runID, err)
	}
	n, _ := res.RowsAffected()
	if n == 1 {
		if err := l.auditRun(ctx, tx, EventControl, runID, ControlHalted+": "+reason); err != nil {
			return false, err
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("halt run %d: %w", runID, err)
	}
	return n == 1, nil
}

// Accept fixes the version and settings fingerprint of a run that has none
// yet: the binary that plans a run fixes them, so that a stale binary cannot
// be the first to join a fresh plan.
func (l *Ledger) Accept(ctx context.Context, runID int64, version, runFP string) error {
	_, err := l.db.ExecContext(ctx, "UPDATE "+l.t("runs")+" SET version = ?, run_fp = ? WHERE id = ? AND version IS NULL", version, runFP, runID)
	if err != nil {
		return fmt.Errorf("fix the version of run %d: %w", runID, err)
	}
	return nil
}

// Upgrade moves the run to a new binary version and settings fingerprint and
// lets it run again. The caller drains every process first.
func (l *Ledger) Upgrade(ctx context.Context, runID int64, version, runFP, reason string) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("upgrade run %d: %w", runID, err)
	}
	defer tx.Rollback()
	var from, fromFP string
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(version, ''), COALESCE(run_fp, '') FROM "+l.t("runs")+" WHERE id = ? FOR UPDATE", runID).Scan(&from, &fromFP); err != nil {
		return fmt.Errorf("upgrade run %d: %w", runID, err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE "+l.t("runs")+" SET version = ?, run_fp = ?, control = ?, control_reason = ?, control_at = NOW(6) WHERE id = ?",
		version, runFP, ControlRun, truncateTo(reason, 1000), runID); err != nil {
		return fmt.Errorf("upgrade run %d: %w", runID, err)
	}
	detail := fmt.Sprintf("version %s -> %s, run settings %s -> %s: %s", from, version, fromFP, runFP, reason)
	if err := l.auditRun(ctx, tx, EventUpgrade, runID, detail); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("upgrade run %d: %w", runID, err)
	}
	return nil
}

// FailedBatches counts the run's failed batches (the error budget's spend).
func (l *Ledger) FailedBatches(ctx context.Context, runID int64) (int, error) {
	var n int
	if err := l.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+l.t("batches")+" WHERE run_id = ? AND state = "+Failed.SQL(), runID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count failed batches: %w", err)
	}
	return n, nil
}

// SetThrottle records why this process starts no new batch now ("" when it
// is not throttled), for `cutover status` on any host.
func (l *Ledger) SetThrottle(ctx context.Context, owner, reason string) error {
	var v any
	if reason != "" {
		v = truncateTo(reason, 1000)
	}
	_, err := l.db.ExecContext(ctx, "UPDATE "+l.t("processes")+" SET throttle = ? WHERE owner = ?", v, owner)
	if err != nil {
		return fmt.Errorf("record throttle state: %w", err)
	}
	return nil
}

// Member is a process of the run as `cutover status` shows it.
type Member struct {
	Owner     string    `json:"owner"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	Version   string    `json:"version"`
	Workers   int       `json:"workers"`
	StartedAt time.Time `json:"started_at"`
	Heartbeat time.Time `json:"last_heartbeat"`
	Live      bool      `json:"live"`
	Stopped   bool      `json:"stopped"`
	Throttle  string    `json:"throttle,omitempty"`
	Batches   []int     `json:"current_batches"`
}

// Members returns the run's processes, live ones first, then the latest
// others (at most 500 in all), with the batches each holds now. lease tells
// live processes from dead ones.
func (l *Ledger) Members(ctx context.Context, runID int64, lease time.Duration) ([]Member, error) {
	rows, err := l.db.QueryContext(ctx, "SELECT owner, host, pid, version, workers, started_at, heartbeat_at, "+liveCond+", stopped_at IS NOT NULL, COALESCE(throttle, '') FROM "+l.t("processes")+
		" WHERE run_id = ? ORDER BY 8 DESC, started_at DESC LIMIT 500", lease.Microseconds(), runID)
	if err != nil {
		return nil, fmt.Errorf("read processes: %w", err)
	}
	var out []Member
	byOwner := map[string]int{}
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.Owner, &m.Host, &m.PID, &m.Version, &m.Workers, timeScanner{&m.StartedAt}, timeScanner{&m.Heartbeat}, &m.Live, &m.Stopped, &m.Throttle); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read processes: %w", err)
		}
		m.Batches = []int{}
		byOwner[m.Owner] = len(out)
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read processes: %w", err)
	}
	held, err := l.db.QueryContext(ctx, "SELECT owner, id FROM "+l.t("batches")+" WHERE run_id = ? AND state = "+Claimed.SQL()+" AND lease_until >= NOW(6) ORDER BY id", runID)
	if err != nil {
		return nil, fmt.Errorf("read held batches: %w", err)
	}
	defer held.Close()
	for held.Next() {
		var owner string
		var id int
		if err := held.Scan(&owner, &id); err != nil {
			return nil, fmt.Errorf("read held batches: %w", err)
		}
		if i, ok := byOwner[owner]; ok {
			out[i].Batches = append(out[i].Batches, id)
		}
	}
	return out, held.Err()
}

// LiveMembers counts the run's live processes.
func (l *Ledger) LiveMembers(ctx context.Context, runID int64, lease time.Duration) (int, error) {
	var n int
	err := l.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+l.t("processes")+" WHERE run_id = ? AND "+liveCond, runID, lease.Microseconds()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count live processes: %w", err)
	}
	return n, nil
}

func truncateTo(s string, n int) string {
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}
