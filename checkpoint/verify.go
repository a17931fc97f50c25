package checkpoint

import (
	"context"
	"fmt"
	"strings"
)

// nullIfEmpty stores "" as NULL.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Checksums returns the stored checksum of every done batch of the run that
// has one, by batch id.
func (l *Ledger) Checksums(ctx context.Context, runID int64) (map[int]string, error) {
	rows, err := l.db.QueryContext(ctx, "SELECT id, checksum FROM "+l.t("batches")+
		" WHERE run_id = ? AND state = "+Done.SQL()+" AND checksum IS NOT NULL", runID)
	if err != nil {
		return nil, fmt.Errorf("read batch checksums: %w", err)
	}
	defer rows.Close()
	out := map[int]string{}
	for rows.Next() {
		var id int
		var sum string
		if err := rows.Scan(&id, &sum); err != nil {
			return nil, fmt.Errorf("read batch checksums: %w", err)
		}
		out[id] = sum
	}
	return out, rows.Err()
}

// Reopen moves done batches back to pending, so that the engine copies them
// again: the operator's explicit `verify --repair` of batches whose target
// rows differ. Their tables are marked as not copied onto an empty target,
// so every later copy of them deletes the scope's rows first (the target
// holds rows of batches that are not done now). Each reopened batch is
// recorded in the audit history. One transaction.
func (l *Ledger) Reopen(ctx context.Context, runID int64, ids []int, tables []string) error {
	if len(ids) == 0 {
		return nil
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("reopen batches: %w", err)
	}
	defer tx.Rollback()
	args := []any{runID}
	for _, id := range ids {
		args = append(args, id)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+l.t("audit")+
		" (run_id, at, kind, batch_id, tbl, tenants, lo, hi, attempt, owner, host, who, detail)"+
		" SELECT run_id, NOW(6), '"+string(EventRepair)+"', id, tbl, tenants, lo, hi, claim_token, owner, ?, ?,"+
		" CONCAT('reopened to be copied again (verify --repair); it was done with ', COALESCE(rows_copied, 0), ' rows')"+
		" FROM "+l.t("batches")+" WHERE run_id = ? AND state = "+Done.SQL()+" AND id IN ("+placeholders(len(ids))+") ORDER BY id",
		append([]any{hostname(), actor()}, args...)...); err != nil {
		return fmt.Errorf("reopen batches: record them in the audit history: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE "+l.t("batches")+
		" SET state = "+Pending.SQL()+", attempts = 0, owner = NULL, worker = NULL, lease_until = NULL, rows_copied = NULL, checksum = NULL, error = NULL"+
		" WHERE run_id = ? AND state = "+Done.SQL()+" AND id IN ("+placeholders(len(ids))+")", args...); err != nil {
		return fmt.Errorf("reopen batches: %w", err)
	}
	targs := []any{runID}
	for _, t := range tables {
		targs = append(targs, t)
	}
	if len(tables) > 0 {
		if _, err := tx.ExecContext(ctx, "UPDATE "+l.t("tables")+" SET was_empty = 0 WHERE run_id = ? AND tbl IN ("+placeholders(len(tables))+")", targs...); err != nil {
			return fmt.Errorf("reopen batches: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE "+l.t("runs")+" SET finished_at = NULL WHERE id = ?", runID); err != nil {
		return fmt.Errorf("reopen batches: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("reopen batches: %w", err)
	}
	return nil
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }
