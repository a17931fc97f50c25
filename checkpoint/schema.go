package checkpoint

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/cutover/cutover/internal/mysqltype"
)

// SchemaVersion is the ledger schema this binary reads and writes: the number
// of its last migration. Open upgrades an older ledger to it in place and
// refuses a newer one with a *VersionError.
const SchemaVersion = 7

// tableGen is the generation carried in the ledger's table names (runs_v1).
// Columns and tables are added by numbered migrations; a table would get the
// next generation only if it had to be replaced by an incompatible one, as
// TiDB Lightning's checkpoints went from chunk_v4 to chunk_v5.
const tableGen = 1

// versionTable records the migrations applied to a ledger, one row each, in
// the manner of golang-migrate's schema_migrations. A row whose finished_at is
// NULL is a migration that started and did not finish (a crash part way).
const versionTable = "schema_version"

// migration is one numbered step of the ledger's schema. MySQL and MariaDB
// commit every DDL statement at once, so a step cannot be one transaction:
// instead each statement of a step looks at the shape before it changes it,
// and a step that a crash interrupted is run again whole (resumed) by the next
// Open, which finds its schema_version row unfinished.
type migration struct {
	version int
	name    string
	apply   func(ctx context.Context, c *sql.Conn, l *Ledger) error
}

// migrations are the ledger's schema steps in order; their versions are 1..SchemaVersion.
func migrations() []migration {
	return []migration{
		{1, "the v1 tables: runs, batches, tables, processes, calibration (the last release before numbered migrations)", migrateV1},
		{2, "columns added by earlier builds without a migration; batches.checksum CHAR(32) -> VARCHAR(40)", migrateEarlierBuilds},
		{3, "batches.claim_token: the fencing token of the current claim", migrateClaimToken},
		{4, "audit_v1: the append-only history of failures, retries, controls and repairs", migrateAudit},
		{5, "index_steps_v1: deferred secondary-index rebuilds as ledger steps", migrateIndexSteps},
		{6, "sync_positions_v1: change-capture positions, one row per source table", migrateSyncPositions},
		{7, "canary_v1 and batches.canary: the canary gate (run --canary)", migrateCanary},
	}
}

// v1Statements are the statements the last release before numbered
// migrations ran to create its ledger, byte for byte (the golden file
// testdata/checkpoint/ledger_v1.sql holds them; a test compares).
func v1Statements(l *Ledger) []string {
	return []string{
		"CREATE DATABASE IF NOT EXISTS " + mysqltype.Quote(l.schema) + " CHARACTER SET utf8mb4",
		`CREATE TABLE IF NOT EXISTS ` + l.t("runs") + ` (
			id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
			active TINYINT NOT NULL DEFAULT 1,
			config_fp VARCHAR(64) NOT NULL,
			plan_fp VARCHAR(64) NOT NULL,
			plan LONGTEXT NOT NULL,
			total_rows BIGINT NOT NULL,
			total_batches INT NOT NULL,
			created_at DATETIME(6) NOT NULL,
			finished_at DATETIME(6) NULL,
			version VARCHAR(160) NULL,
			run_fp VARCHAR(64) NULL,
			control VARCHAR(16) NOT NULL DEFAULT 'run',
			control_reason VARCHAR(1000) NULL,
			control_at DATETIME(6) NULL
		) ENGINE=InnoDB`,
		`CREATE TABLE IF NOT EXISTS ` + l.t("batches") + ` (
			run_id BIGINT NOT NULL,
			id INT NOT NULL,
			tbl VARCHAR(64) NOT NULL,
			tenants MEDIUMTEXT NOT NULL,
			lo TEXT NULL,
			hi TEXT NULL,
			est_rows BIGINT NOT NULL,
			est_bytes BIGINT NOT NULL,
			state TINYINT NOT NULL DEFAULT 0,
			attempts INT NOT NULL DEFAULT 0,
			rows_copied BIGINT NULL,
			checksum VARCHAR(40) NULL,
			owner VARCHAR(64) NULL,
			worker INT NULL,
			lease_until DATETIME(6) NULL,
			claimed_at DATETIME(6) NULL,
			finished_at DATETIME(6) NULL,
			error TEXT NULL,
			PRIMARY KEY (run_id, id),
			KEY state_order (run_id, state, id)
		) ENGINE=InnoDB`,
		`CREATE TABLE IF NOT EXISTS ` + l.t("tables") + ` (
			run_id BIGINT NOT NULL,
			tbl VARCHAR(64) NOT NULL,
			was_empty TINYINT NOT NULL,
			checked_at DATETIME(6) NOT NULL,
			PRIMARY KEY (run_id, tbl)
		) ENGINE=InnoDB`,
		`CREATE TABLE IF NOT EXISTS ` + l.t("processes") + ` (
			owner VARCHAR(64) NOT NULL PRIMARY KEY,
			run_id BIGINT NOT NULL,
			host VARCHAR(255) NOT NULL,
			pid INT NOT NULL,
			version VARCHAR(128) NOT NULL,
			workers INT NOT NULL,
			started_at DATETIME(6) NOT NULL,
			heartbeat_at DATETIME(6) NOT NULL,
			stopped_at DATETIME(6) NULL,
			run_fp VARCHAR(64) NOT NULL DEFAULT '',
			plan_fp VARCHAR(64) NOT NULL DEFAULT '',
			throttle VARCHAR(1000) NULL,
			KEY run (run_id)
		) ENGINE=InnoDB`,
		calibrationDDL(l),
	}
}

// migrateV1 creates the v1 tables that are missing. On a ledger an earlier
// build made, the tables it has are left as they are for migration 2.
func migrateV1(ctx context.Context, c *sql.Conn, l *Ledger) error {
	for _, s := range v1Statements(l) {
		if _, err := c.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// migrateEarlierBuilds brings a ledger made by a build before the v1 release
// to the v1 shape: those builds added columns to existing tables through
// CREATE TABLE IF NOT EXISTS, which left old ledgers without them (see the
// earlier builds' DDL in testdata/checkpoint). On a v1 ledger it changes nothing.
func migrateEarlierBuilds(ctx context.Context, c *sql.Conn, l *Ledger) error {
	adds := []struct{ table, column, def string }{
		{"runs", "version", "VARCHAR(160) NULL AFTER finished_at"},
		{"runs", "run_fp", "VARCHAR(64) NULL AFTER version"},
		{"runs", "control", "VARCHAR(16) NOT NULL DEFAULT 'run' AFTER run_fp"},
		{"runs", "control_reason", "VARCHAR(1000) NULL AFTER control"},
		{"runs", "control_at", "DATETIME(6) NULL AFTER control_reason"},
		{"batches", "checksum", "VARCHAR(40) NULL AFTER rows_copied"},
		{"processes", "run_fp", "VARCHAR(64) NOT NULL DEFAULT '' AFTER stopped_at"},
		{"processes", "plan_fp", "VARCHAR(64) NOT NULL DEFAULT '' AFTER run_fp"},
		{"processes", "throttle", "VARCHAR(1000) NULL AFTER plan_fp"},
	}
	for _, a := range adds {
		if err := addColumn(ctx, c, l, a.table, a.column, a.def); err != nil {
			return err
		}
	}
	// Checksums were 32 hex digits; they carry a format prefix since (c2:...).
	cols, err := columnTypes(ctx, c, l.schema, l.name("batches"))
	if err != nil {
		return err
	}
	if cols["checksum"] == "char" {
		if _, err := c.ExecContext(ctx, "ALTER TABLE "+l.t("batches")+" MODIFY checksum VARCHAR(40) NULL"); err != nil {
			return err
		}
	}
	return nil
}

// migrateClaimToken adds the claim token Done, Fail, Note and Release are
// fenced on. attempts cannot serve: Release gives an attempt back and
// ResetFailed and Reopen zero it, while a token only grows. Claims held when
// the ledger is upgraded keep token 0, which their holder (an older binary)
// never checks; the next claim of such a batch makes it 1.
func migrateClaimToken(ctx context.Context, c *sql.Conn, l *Ledger) error {
	return addColumn(ctx, c, l, "batches", "claim_token", "BIGINT NOT NULL DEFAULT 0 AFTER attempts")
}

// migrateAudit creates the audit table (audit.go).
func migrateAudit(ctx context.Context, c *sql.Conn, l *Ledger) error {
	_, err := c.ExecContext(ctx, auditDDL(l))
	return err
}

// migrateIndexSteps creates the table of deferred index rebuilds (indexes.go).
func migrateIndexSteps(ctx context.Context, c *sql.Conn, l *Ledger) error {
	_, err := c.ExecContext(ctx, fmt.Sprintf(IndexStepsDDL, l.indexSteps()))
	return err
}

// migrateSyncPositions creates the table of change-capture positions (sync.go).
func migrateSyncPositions(ctx context.Context, c *sql.Conn, l *Ledger) error {
	_, err := c.ExecContext(ctx, fmt.Sprintf(SyncPositionsDDL, l.t("sync_positions")))
	return err
}

// addColumn adds a column to a ledger table unless it is there.
func addColumn(ctx context.Context, c *sql.Conn, l *Ledger, table, column, def string) error {
	cols, err := columnTypes(ctx, c, l.schema, l.name(table))
	if err != nil {
		return err
	}
	if _, ok := cols[column]; ok {
		return nil
	}
	if _, err := c.ExecContext(ctx, "ALTER TABLE "+l.t(table)+" ADD COLUMN "+mysqltype.Quote(column)+" "+def); err != nil {
		return fmt.Errorf("add %s.%s: %w", l.name(table), column, err)
	}
	return nil
}

// queryer is what both *sql.DB and *sql.Conn offer.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// columnTypes returns the columns of schema.table by name, with their
// information_schema DATA_TYPE; none when the table does not exist.
func columnTypes(ctx context.Context, q queryer, schema, table string) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", schema, table)
	if err != nil {
		return nil, fmt.Errorf("read the columns of %s: %w", table, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, fmt.Errorf("read the columns of %s: %w", table, err)
		}
		out[strings.ToLower(name)] = strings.ToLower(typ)
	}
	return out, rows.Err()
}

// VersionError refuses a ledger whose schema is newer than this binary's: a
// newer cutover wrote it, and this one would misread it. Check also returns
// it for an older ledger, which only Open upgrades.
type VersionError struct {
	Schema string
	Ledger int // the ledger's schema version
	Binary int // SchemaVersion of this binary
}

func (e *VersionError) Error() string {
	if e.Ledger < e.Binary {
		return fmt.Sprintf("ledger %s has schema version %d, older than this binary's schema version %d: refused for reading; a command that opens the ledger for a run (plan, run) upgrades it in place",
			e.Schema, e.Ledger, e.Binary)
	}
	return fmt.Sprintf("ledger %s has schema version %d, newer than this binary's schema version %d: refused; run the cutover release that wrote it (or a newer one)",
		e.Schema, e.Ledger, e.Binary)
}

// SchemaError refuses a ledger whose tables do not have the shape its schema
// version says (a column dropped or changed by hand, or a schema holding
// tables of another tool under the ledger's names): reading it would misread it.
type SchemaError struct {
	Schema, Table, Column string
	Problem               string // what is wrong, for the message
}

func (e *SchemaError) Error() string {
	what := "table " + e.Table
	if e.Column != "" {
		what += " column " + e.Column
	}
	return fmt.Sprintf("ledger %s is damaged or not a cutover ledger: %s %s: refused; restore the ledger schema from a backup or set target.ledger_schema to another schema",
		e.Schema, what, e.Problem)
}

// column is one expected column and its information_schema DATA_TYPE.
type column struct{ name, typ string }

// expectedShape is every ledger table and column at SchemaVersion, as
// information_schema names their types. Columns beyond these are allowed.
func expectedShape() map[string][]column {
	return map[string][]column{
		"runs": {{"id", "bigint"}, {"active", "tinyint"}, {"config_fp", "varchar"}, {"plan_fp", "varchar"}, {"plan", "longtext"},
			{"total_rows", "bigint"}, {"total_batches", "int"}, {"created_at", "datetime"}, {"finished_at", "datetime"},
			{"version", "varchar"}, {"run_fp", "varchar"}, {"control", "varchar"}, {"control_reason", "varchar"}, {"control_at", "datetime"}},
		"batches": {{"run_id", "bigint"}, {"id", "int"}, {"tbl", "varchar"}, {"tenants", "mediumtext"}, {"lo", "text"}, {"hi", "text"},
			{"est_rows", "bigint"}, {"est_bytes", "bigint"}, {"state", "tinyint"}, {"attempts", "int"}, {"claim_token", "bigint"},
			{"rows_copied", "bigint"}, {"checksum", "varchar"}, {"owner", "varchar"}, {"worker", "int"}, {"lease_until", "datetime"},
			{"claimed_at", "datetime"}, {"finished_at", "datetime"}, {"error", "text"}, {"canary", "tinyint"}},
		"tables": {{"run_id", "bigint"}, {"tbl", "varchar"}, {"was_empty", "tinyint"}, {"checked_at", "datetime"}},
		"processes": {{"owner", "varchar"}, {"run_id", "bigint"}, {"host", "varchar"}, {"pid", "int"}, {"version", "varchar"},
			{"workers", "int"}, {"started_at", "datetime"}, {"heartbeat_at", "datetime"}, {"stopped_at", "datetime"},
			{"run_fp", "varchar"}, {"plan_fp", "varchar"}, {"throttle", "varchar"}},
		"calibration": {{"id", "bigint"}, {"config_fp", "varchar"}, {"workers", "int"}, {"batches", "int"}, {"seconds", "double"},
			{"model", "text"}, {"created_at", "datetime"}},
		"audit": {{"id", "bigint"}, {"run_id", "bigint"}, {"at", "datetime"}, {"kind", "varchar"}, {"batch_id", "int"},
			{"tbl", "varchar"}, {"tenants", "mediumtext"}, {"lo", "text"}, {"hi", "text"}, {"attempt", "bigint"},
			{"owner", "varchar"}, {"host", "varchar"}, {"who", "varchar"}, {"detail", "text"}},
		"index_steps": {{"run_id", "bigint"}, {"tbl", "varchar"}, {"target", "varchar"}, {"definitions", "mediumtext"},
			{"state", "tinyint"}, {"attempts", "int"}, {"owner", "varchar"}, {"lease_until", "datetime"}, {"recorded_at", "datetime"},
			{"claimed_at", "datetime"}, {"finished_at", "datetime"}, {"error", "text"}},
		"sync_positions": {{"tbl", "varchar"}, {"capture_id", "varchar"}, {"run_id", "bigint"}, {"seq", "bigint"},
			{"changes", "bigint"}, {"applies", "bigint"}, {"started_at", "datetime"}, {"applied_at", "datetime"}},
	}
}

// versionShape is the schema_version table's columns.
func versionShape() []column {
	return []column{{"version", "int"}, {"name", "varchar"}, {"started_at", "datetime"}, {"finished_at", "datetime"}}
}

// checkShape refuses a ledger whose tables lack a column this binary reads, or
// hold it with another type, with a *SchemaError naming the first one found.
func (l *Ledger) checkShape(ctx context.Context, q queryer) error {
	shape := expectedShape()
	for _, table := range []string{"runs", "batches", "tables", "processes", "calibration", "audit", "index_steps", "sync_positions"} {
		if err := l.checkTable(ctx, q, l.name(table), shape[table]); err != nil {
			return err
		}
	}
	return nil
}

func (l *Ledger) checkTable(ctx context.Context, q queryer, table string, want []column) error {
	have, err := columnTypes(ctx, q, l.schema, table)
	if err != nil {
		return err
	}
	if len(have) == 0 {
		return &SchemaError{Schema: l.schema, Table: table, Problem: "is missing"}
	}
	for _, c := range want {
		got, ok := have[c.name]
		switch {
		case !ok:
			return &SchemaError{Schema: l.schema, Table: table, Column: c.name, Problem: "is missing"}
		case got != c.typ:
			return &SchemaError{Schema: l.schema, Table: table, Column: c.name, Problem: fmt.Sprintf("is %s, expected %s", got, c.typ)}
		}
	}
	return nil
}

// migrate brings the ledger to SchemaVersion, then checks its shape. It runs
// on one connection holding a named lock, so that processes starting together
// migrate one at a time; the others then find the work done.
func (l *Ledger) migrate(ctx context.Context) error {
	// The common case, a ledger already at this version, takes no lock.
	if v, dirty, err := l.readVersion(ctx, l.db); err != nil {
		return err
	} else if v == SchemaVersion && !dirty {
		return l.checkShape(ctx, l.db)
	} else if v > SchemaVersion {
		return &VersionError{Schema: l.schema, Ledger: v, Binary: SchemaVersion}
	}
	c, err := l.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("upgrade ledger %s: %w", l.schema, err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+mysqltype.Quote(l.schema)+" CHARACTER SET utf8mb4"); err != nil {
		return fmt.Errorf("create ledger %s: %w", l.schema, err)
	}
	unlock, err := l.lock(ctx, c)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := c.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+l.qualified(versionTable)+` (
			version INT NOT NULL PRIMARY KEY,
			name VARCHAR(200) NOT NULL,
			started_at DATETIME(6) NOT NULL,
			finished_at DATETIME(6) NULL
		) ENGINE=InnoDB`); err != nil {
		return fmt.Errorf("create %s.%s: %w", l.schema, versionTable, err)
	}
	applied, err := l.appliedMigrations(ctx, c)
	if err != nil {
		return err
	}
	for v, done := range applied {
		if v > SchemaVersion {
			state := ""
			if !done {
				state = " (unfinished)"
			}
			return fmt.Errorf("upgrade ledger %s: migration %d%s: %w", l.schema, v, state,
				&VersionError{Schema: l.schema, Ledger: v, Binary: SchemaVersion})
		}
	}
	for _, m := range migrations() {
		if applied[m.version] {
			continue
		}
		// An unfinished row (a crash during this step) is kept: the step
		// runs again whole, which its guarded statements allow.
		if _, err := c.ExecContext(ctx, "INSERT IGNORE INTO "+l.qualified(versionTable)+" (version, name, started_at) VALUES (?, ?, NOW(6))",
			m.version, truncateTo(m.name, 200)); err != nil {
			return fmt.Errorf("upgrade ledger %s to schema version %d: %w", l.schema, m.version, err)
		}
		if err := m.apply(ctx, c, l); err != nil {
			return fmt.Errorf("upgrade ledger %s to schema version %d (%s): %w", l.schema, m.version, m.name, err)
		}
		if _, err := c.ExecContext(ctx, "UPDATE "+l.qualified(versionTable)+" SET finished_at = NOW(6) WHERE version = ?", m.version); err != nil {
			return fmt.Errorf("upgrade ledger %s to schema version %d: %w", l.schema, m.version, err)
		}
	}
	return l.checkShape(ctx, c)
}

// lock takes the ledger's migration lock on c, waiting up to 60 s for
// another process's migration.
func (l *Ledger) lock(ctx context.Context, c *sql.Conn) (func(), error) {
	// GET_LOCK names are at most 64 characters.
	sum := sha256.Sum256([]byte(l.schema))
	name := "cutover-ledger-" + hex.EncodeToString(sum[:12])
	var got sql.NullInt64
	if err := c.QueryRowContext(ctx, "SELECT GET_LOCK(?, 60)", name).Scan(&got); err != nil {
		return nil, fmt.Errorf("lock ledger %s for its upgrade: %w", l.schema, err)
	}
	if got.Int64 != 1 {
		return nil, fmt.Errorf("lock ledger %s for its upgrade: another process held the lock for 60 s; try again", l.schema)
	}
	return func() {
		// The lock goes with the connection anyway; release it early.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = c.ExecContext(rctx, "DO RELEASE_LOCK(?)", name)
	}, nil
}

// appliedMigrations reads schema_version: each version with whether it finished.
func (l *Ledger) appliedMigrations(ctx context.Context, q queryer) (map[int]bool, error) {
	if err := l.checkTable(ctx, q, versionTable, versionShape()); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, "SELECT version, finished_at IS NOT NULL FROM "+l.qualified(versionTable))
	if err != nil {
		return nil, fmt.Errorf("read the schema version of ledger %s: %w", l.schema, err)
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var v int
		var done bool
		if err := rows.Scan(&v, &done); err != nil {
			return nil, fmt.Errorf("read the schema version of ledger %s: %w", l.schema, err)
		}
		out[v] = done
	}
	return out, rows.Err()
}

// readVersion returns the ledger's schema version (the highest migration
// recorded, finished or not; 0 for none or no ledger) and whether any
// migration is unfinished.
func (l *Ledger) readVersion(ctx context.Context, q queryer) (int, bool, error) {
	have, err := columnTypes(ctx, q, l.schema, versionTable)
	if err != nil {
		return 0, false, err
	}
	if len(have) == 0 {
		return 0, false, nil
	}
	applied, err := l.appliedMigrations(ctx, q)
	if err != nil {
		return 0, false, err
	}
	v, dirty := 0, false
	for n, done := range applied {
		v = max(v, n)
		dirty = dirty || !done
	}
	return v, dirty, nil
}

// Check refuses a ledger this binary cannot read, without changing
// anything: one newer than the binary, or older (the next Open upgrades it),
// with a *VersionError, and a damaged one with a *SchemaError. A schema
// without a ledger passes; commands that only read call it before reading.
func Check(ctx context.Context, db *sql.DB, schema string) error {
	l := OpenExisting(db, schema)
	v, dirty, err := l.readVersion(ctx, db)
	if err != nil {
		return err
	}
	if v == 0 {
		ok, err := Exists(ctx, db, schema)
		if err != nil || !ok {
			return err
		}
		v = 1 // a ledger from before numbered migrations
	}
	if v != SchemaVersion || dirty {
		return &VersionError{Schema: schema, Ledger: v, Binary: SchemaVersion}
	}
	return l.checkShape(ctx, db)
}
