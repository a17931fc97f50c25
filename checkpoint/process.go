package checkpoint

import (
	"context"
	"fmt"
	"time"
)

// Process is one `cutover run` process registered with the run.
type Process struct {
	Owner, Host, Version string
	PID, Workers         int
	StartedAt, Heartbeat time.Time
	Stopped              bool
}

// Register records this process under owner.
func (l *Ledger) Register(ctx context.Context, runID int64, p Process) error {
	_, err := l.db.ExecContext(ctx, "INSERT INTO "+l.t("processes")+
		" (owner, run_id, host, pid, version, workers, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, NOW(6), NOW(6))",
		p.Owner, runID, p.Host, p.PID, p.Version, p.Workers)
	if err != nil {
		return fmt.Errorf("register process: %w", err)
	}
	return nil
}

// Heartbeat renews this owner's leases and its heartbeat.
func (l *Ledger) Heartbeat(ctx context.Context, runID int64, owner string, lease time.Duration) error {
	if _, err := l.db.ExecContext(ctx, "UPDATE "+l.t("batches")+
		" SET lease_until = NOW(6) + INTERVAL ? MICROSECOND WHERE run_id = ? AND owner = ? AND state = "+Claimed.SQL()+" AND lease_until >= NOW(6)",
		lease.Microseconds(), runID, owner); err != nil {
		return fmt.Errorf("renew leases: %w", err)
	}
	if _, err := l.db.ExecContext(ctx, "UPDATE "+l.t("processes")+" SET heartbeat_at = NOW(6) WHERE owner = ?", owner); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// Stopped marks this process as gone.
func (l *Ledger) Stopped(ctx context.Context, owner string) error {
	_, err := l.db.ExecContext(ctx, "UPDATE "+l.t("processes")+" SET stopped_at = NOW(6) WHERE owner = ?", owner)
	return err
}

// ReleaseDead ends the leases of processes of this run on host whose pid alive
// says is gone (killed or crashed), so their batches need not wait for the
// lease to expire. It returns how many batches it released.
func (l *Ledger) ReleaseDead(ctx context.Context, runID int64, host string, alive func(pid int) bool) (int64, error) {
	rows, err := l.db.QueryContext(ctx, "SELECT owner, pid FROM "+l.t("processes")+
		" WHERE run_id = ? AND host = ? AND stopped_at IS NULL", runID, host)
	if err != nil {
		return 0, fmt.Errorf("find dead processes: %w", err)
	}
	var dead []string
	for rows.Next() {
		var owner string
		var pid int
		if err := rows.Scan(&owner, &pid); err != nil {
			rows.Close()
			return 0, fmt.Errorf("find dead processes: %w", err)
		}
		if !alive(pid) {
			dead = append(dead, owner)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("find dead processes: %w", err)
	}
	var released int64
	for _, owner := range dead {
		res, err := l.db.ExecContext(ctx, "UPDATE "+l.t("batches")+
			" SET lease_until = NOW(6) - INTERVAL 1 SECOND WHERE run_id = ? AND owner = ? AND state = "+Claimed.SQL(), runID, owner)
		if err != nil {
			return released, fmt.Errorf("release batches of dead process: %w", err)
		}
		n, _ := res.RowsAffected()
		released += n
		if err := l.Stopped(ctx, owner); err != nil {
			return released, fmt.Errorf("mark dead process: %w", err)
		}
	}
	return released, nil
}
