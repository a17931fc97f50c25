package checkpoint

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// calibrationDDL is the table of rehearsal calibrations: the cost model a
// rehearsal fitted, per config fingerprint, newest last.
func calibrationDDL(l *Ledger) string {
	return `CREATE TABLE IF NOT EXISTS ` + l.t("calibration") + ` (
			id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
			config_fp VARCHAR(64) NOT NULL,
			workers INT NOT NULL,
			batches INT NOT NULL,
			seconds DOUBLE NOT NULL,
			model TEXT NOT NULL,
			created_at DATETIME(6) NOT NULL,
			KEY config (config_fp, id)
		) ENGINE=InnoDB`
}

// Calibration is a stored rehearsal result. Model is the planner's model as
// JSON: the ledger keeps it, the planner reads it.
type Calibration struct {
	ID        int64
	ConfigFP  string
	Workers   int // the worker count it was measured at
	Batches   int // how many batches were measured
	Seconds   float64
	Model     json.RawMessage
	CreatedAt time.Time
}

// SaveCalibration stores c and returns its id.
func (l *Ledger) SaveCalibration(ctx context.Context, c Calibration) (int64, error) {
	res, err := l.db.ExecContext(ctx, "INSERT INTO "+l.t("calibration")+
		" (config_fp, workers, batches, seconds, model, created_at) VALUES (?, ?, ?, ?, ?, NOW(6))",
		c.ConfigFP, c.Workers, c.Batches, c.Seconds, string(c.Model))
	if err != nil {
		return 0, fmt.Errorf("store calibration: %w", err)
	}
	return res.LastInsertId()
}

// LatestCalibration returns the newest calibration for configFP in schema,
// or nil when there is none (or no ledger yet); it creates nothing.
func LatestCalibration(ctx context.Context, db *sql.DB, schema, configFP string) (*Calibration, error) {
	l := OpenExisting(db, schema)
	if v, _, err := l.readVersion(ctx, db); err != nil {
		return nil, err
	} else if v > SchemaVersion {
		return nil, &VersionError{Schema: schema, Ledger: v, Binary: SchemaVersion}
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
		schema, l.name("calibration")).Scan(&n); err != nil {
		return nil, fmt.Errorf("look for calibrations: %w", err)
	}
	if n == 0 {
		return nil, nil
	}
	var c Calibration
	var model string
	err := db.QueryRowContext(ctx, "SELECT id, config_fp, workers, batches, seconds, model, created_at FROM "+l.t("calibration")+
		" WHERE config_fp = ? ORDER BY id DESC LIMIT 1", configFP).
		Scan(&c.ID, &c.ConfigFP, &c.Workers, &c.Batches, &c.Seconds, &model, timeScanner{&c.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read calibration: %w", err)
	}
	c.Model = json.RawMessage(model)
	return &c, nil
}

// EnsureCalibration brings an existing ledger that predates the calibration
// table to the current schema, which has it (migration 1 creates it).
func EnsureCalibration(ctx context.Context, db *sql.DB, schema string) error {
	if _, err := Open(ctx, db, schema); err != nil {
		return fmt.Errorf("create the calibration table in %s: %w", schema, err)
	}
	return nil
}
