package mysqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/cutover/cutover/catchup"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqltype"
)

// Changed-key capture on a MySQL/MariaDB source: per source table, AFTER
// INSERT, UPDATE and DELETE triggers append (seq, op, key) to a change table
// in a schema of ours; an UPDATE that changes the key appends the old key
// too. The triggers run inside the writer's transaction, so a change row
// commits (or rolls back) with the change itself.

// Capture is the capture of tables on the source d, in schema.
type Capture struct {
	db     *DB
	schema string
	tables []*catalog.Table
}

// Capture returns the capture of tables in the capture schema.
func (d *DB) Capture(schema string, tables []*catalog.Table) *Capture {
	return &Capture{db: d, schema: schema, tables: tables}
}

var _ catchup.Source = (*Capture)(nil)

// CaptureGrants lists the privileges capture start and sync need on the
// source, for the DBA who installs it (capture start --print).
func (c *Capture) CaptureGrants(user string) []string {
	var out []string
	for _, t := range c.tables {
		out = append(out, fmt.Sprintf("GRANT TRIGGER, SELECT ON %s TO %s", qualified(c.db.Schema, t.Name), user))
	}
	return append(out, fmt.Sprintf("GRANT CREATE, DROP, SELECT, INSERT, DELETE ON %s.* TO %s", mysqltype.Quote(c.schema), user))
}

// captureName is a derived identifier: prefix+name when it fits in 64
// characters, else a cut of name and a hash of it, so that long names stay
// distinct.
func captureName(prefix, name string) string {
	if len(prefix)+len(name) <= 64 {
		return prefix + name
	}
	sum := sha256.Sum256([]byte(name))
	return prefix + name[:64-len(prefix)-9] + "_" + hex.EncodeToString(sum[:4])
}

// changeTable names t's change table in the capture schema.
func changeTable(t string) string { return captureName("chg_", t) }

// triggerName names one of t's triggers (op: ins, upd, del).
func triggerName(op, t string) string { return captureName("cutover_"+op+"_", t) }

// CaptureStmt is one statement of the capture's SQL; Compound statements
// (BEGIN ... END) need a client delimiter when printed for the mysql client.
type CaptureStmt struct {
	SQL      string
	Compound bool
}

// InstallSQL is every statement capture start runs, in order: the schema,
// its bookkeeping tables, per table its change table and triggers, and last
// the row that says capture captureID is complete.
func (c *Capture) InstallSQL(captureID string) []CaptureStmt {
	cap := mysqltype.Quote(c.schema)
	out := []CaptureStmt{
		{SQL: "CREATE DATABASE IF NOT EXISTS " + cap + " CHARACTER SET utf8mb4"},
		{SQL: "CREATE TABLE IF NOT EXISTS " + cap + ".`capture_tables` (\n" +
			"  source_table VARCHAR(64) NOT NULL PRIMARY KEY,\n" +
			"  change_table VARCHAR(64) NOT NULL,\n" +
			"  trg_insert VARCHAR(64) NOT NULL,\n" +
			"  trg_update VARCHAR(64) NOT NULL,\n" +
			"  trg_delete VARCHAR(64) NOT NULL,\n" +
			"  key_columns TEXT NOT NULL\n" +
			") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"},
		{SQL: "CREATE TABLE IF NOT EXISTS " + cap + ".`capture_info` (\n" +
			"  capture_id VARCHAR(32) NOT NULL PRIMARY KEY,\n" +
			"  source_schema VARCHAR(64) NOT NULL,\n" +
			"  started_at DATETIME(6) NOT NULL\n" +
			") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"},
	}
	for _, t := range c.tables {
		out = append(out, c.tableSQL(t)...)
	}
	return append(out, CaptureStmt{SQL: "INSERT INTO " + cap + ".`capture_info` (capture_id, source_schema, started_at) VALUES (" +
		sqlString(captureID) + ", " + sqlString(c.db.Schema) + ", UTC_TIMESTAMP(6))"})
}

// tableSQL is t's change table, its bookkeeping row and its three triggers.
func (c *Capture) tableSQL(t *catalog.Table) []CaptureStmt {
	chg := qualified(c.schema, changeTable(t.Name))
	src := qualified(c.db.Schema, t.Name)
	var cols, keyNames []string
	var ddl strings.Builder
	ddl.WriteString("CREATE TABLE " + chg + " (\n" +
		"  seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,\n" +
		"  op CHAR(1) NOT NULL,\n" +
		"  at DATETIME(6) NOT NULL")
	for i, k := range t.Key {
		name := fmt.Sprintf("k%d", i+1)
		cols = append(cols, name)
		keyNames = append(keyNames, k.Name)
		ddl.WriteString(",\n  " + name + " " + k.Type + " NULL")
	}
	ddl.WriteString("\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
	insert := func(op, row string) string {
		vals := make([]string, len(t.Key))
		for i, k := range t.Key {
			vals[i] = row + "." + mysqltype.Quote(k.Name)
		}
		return "INSERT INTO " + chg + " (op, at, " + strings.Join(cols, ", ") + ") VALUES ('" + op + "', UTC_TIMESTAMP(6), " + strings.Join(vals, ", ") + ")"
	}
	same := make([]string, len(t.Key))
	for i, k := range t.Key {
		same[i] = "OLD." + mysqltype.Quote(k.Name) + " <=> NEW." + mysqltype.Quote(k.Name)
	}
	trg := func(op string) string { return qualified(c.db.Schema, triggerName(op, t.Name)) }
	return []CaptureStmt{
		{SQL: ddl.String()},
		{SQL: "INSERT INTO " + mysqltype.Quote(c.schema) + ".`capture_tables` VALUES (" + strings.Join([]string{
			sqlString(t.Name), sqlString(changeTable(t.Name)), sqlString(triggerName("ins", t.Name)),
			sqlString(triggerName("upd", t.Name)), sqlString(triggerName("del", t.Name)), sqlString(strings.Join(keyNames, ",")),
		}, ", ") + ")"},
		{SQL: "CREATE TRIGGER " + trg("ins") + " AFTER INSERT ON " + src + " FOR EACH ROW\n  " + insert("I", "NEW")},
		{SQL: "CREATE TRIGGER " + trg("upd") + " AFTER UPDATE ON " + src + " FOR EACH ROW\nBEGIN\n" +
			"  IF NOT (" + strings.Join(same, " AND ") + ") THEN\n    " + insert("D", "OLD") + ";\n  END IF;\n  " +
			insert("U", "NEW") + ";\nEND", Compound: true},
		{SQL: "CREATE TRIGGER " + trg("del") + " AFTER DELETE ON " + src + " FOR EACH ROW\n  " + insert("D", "OLD")},
	}
}

// RemoveSQL is every statement capture stop runs: triggers first (from then
// on the source writes as before), then our tables. installed names the
// triggers and change tables to drop (from capture_tables); nil derives them
// from the configured tables.
func (c *Capture) RemoveSQL(installed []InstalledTable) []string {
	if installed == nil {
		for _, t := range c.tables {
			installed = append(installed, InstalledTable{Source: t.Name, Change: changeTable(t.Name),
				Triggers: []string{triggerName("ins", t.Name), triggerName("upd", t.Name), triggerName("del", t.Name)}})
		}
	}
	var out []string
	for _, t := range installed {
		for _, trg := range t.Triggers {
			out = append(out, "DROP TRIGGER IF EXISTS "+qualified(c.db.Schema, trg))
		}
	}
	for _, t := range installed {
		out = append(out, "DROP TABLE IF EXISTS "+qualified(c.schema, t.Change))
	}
	return append(out, "DROP TABLE IF EXISTS "+mysqltype.Quote(c.schema)+".`capture_info`", "DROP TABLE IF EXISTS "+mysqltype.Quote(c.schema)+".`capture_tables`")
}

// Script is SQL for the mysql client: the statements with a delimiter around
// compound ones.
func Script(stmts []CaptureStmt) string {
	var b strings.Builder
	for _, s := range stmts {
		if s.Compound {
			b.WriteString("DELIMITER //\n" + s.SQL + " //\nDELIMITER ;\n")
			continue
		}
		b.WriteString(s.SQL + ";\n")
	}
	return b.String()
}

// CaptureScript is the SQL of capture start (recording captureID) or stop
// for a DBA to run with the mysql client (capture start --print), with the
// grants it needs as comments.
func (c *Capture) CaptureScript(_ context.Context, captureID string, start bool) (string, error) {
	var b strings.Builder
	if !start {
		b.WriteString("-- cutover capture stop: the triggers first, then the change tables; drop the capture schema if it is empty.\n")
		for _, q := range c.RemoveSQL(nil) {
			b.WriteString(q + ";\n")
		}
		return b.String(), nil
	}
	b.WriteString("-- cutover capture start: run as a user with these privileges, then run `cutover capture start` to record it.\n" +
		"-- The trigger's definer (that user) must keep INSERT on the capture schema: without it, writes to the tables fail.\n" +
		"-- With binary logging on and log_bin_trust_function_creators=0, CREATE TRIGGER also needs SUPER (error 1419).\n")
	for _, g := range c.CaptureGrants("'USER'@'HOST'") {
		b.WriteString("--   " + g + ";\n")
	}
	return b.String() + Script(c.InstallSQL(captureID)), nil
}

var _ catchup.Scripter = (*Capture)(nil)

// sqlString is a string literal (for printed SQL; capture ids and
// identifiers, which checkIdent-style validation keeps free of quotes).
func sqlString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(s) + "'"
}

// InstalledTable is one captured table as capture_tables records it.
type InstalledTable struct {
	Source, Change string
	Triggers       []string
	Key            []string
}

// CaptureState is what is installed on the source.
type CaptureState struct {
	// ID is the complete capture's id, "" when none is complete (nothing
	// installed, or an install that stopped part-way).
	ID        string
	StartedAt time.Time
	Tables    []InstalledTable
	// Leftovers are our objects present without a complete capture.
	Leftovers bool
}

// State reads what capture is installed on the source.
func (c *Capture) State(ctx context.Context) (*CaptureState, error) {
	st := &CaptureState{}
	var n int
	if err := c.db.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN ('capture_info', 'capture_tables')",
		c.schema).Scan(&n); err != nil {
		return nil, fmt.Errorf("look for capture in %s: %w", c.schema, err)
	}
	if n < 2 {
		var trg int
		if err := c.db.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME LIKE 'cutover\\_%'",
			c.db.Schema).Scan(&trg); err != nil {
			return nil, fmt.Errorf("look for capture triggers: %w", err)
		}
		st.Leftovers = n > 0 || trg > 0
		return st, nil
	}
	rows, err := c.db.db.QueryContext(ctx, "SELECT source_table, change_table, trg_insert, trg_update, trg_delete, key_columns FROM "+
		mysqltype.Quote(c.schema)+".`capture_tables` ORDER BY source_table")
	if err != nil {
		return nil, fmt.Errorf("read captured tables: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t InstalledTable
		var a, b, d, keys string
		if err := rows.Scan(&t.Source, &t.Change, &a, &b, &d, &keys); err != nil {
			return nil, fmt.Errorf("read captured tables: %w", err)
		}
		t.Triggers, t.Key = []string{a, b, d}, strings.Split(keys, ",")
		st.Tables = append(st.Tables, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read captured tables: %w", err)
	}
	var started string
	err = c.db.db.QueryRowContext(ctx, "SELECT capture_id, started_at FROM "+mysqltype.Quote(c.schema)+".`capture_info` LIMIT 1").Scan(&st.ID, &started)
	if errors.Is(err, sql.ErrNoRows) {
		st.Leftovers = true
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read capture: %w", err)
	}
	st.StartedAt, _ = time.ParseInLocation("2006-01-02 15:04:05.999999", started, time.UTC)
	return st, nil
}

// Install runs InstallSQL. The caller removes leftovers of an earlier
// attempt first (Remove).
func (c *Capture) Install(ctx context.Context, captureID string) error {
	conn, err := c.db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("install capture: %w", err)
	}
	defer conn.Close()
	for _, s := range c.InstallSQL(captureID) {
		if _, err := conn.ExecContext(ctx, s.SQL); err != nil {
			return fmt.Errorf("install capture: %s: %w", firstLine(s.SQL), err)
		}
	}
	return nil
}

// Installed returns the id of the complete capture on the source ("" for
// none) and whether objects of ours are there without one.
func (c *Capture) Installed(ctx context.Context) (string, bool, error) {
	st, err := c.State(ctx)
	if err != nil {
		return "", false, err
	}
	return st.ID, st.Leftovers, nil
}

// InstalledTables lists the source tables the installed capture covers.
func (c *Capture) InstalledTables(ctx context.Context) ([]string, error) {
	st, err := c.State(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(st.Tables))
	for i, t := range st.Tables {
		out[i] = t.Source
	}
	return out, nil
}

// Remove drops every trigger and table of ours (those capture_tables
// records, else those derived from the configured tables) and the capture
// schema when nothing else is left in it.
func (c *Capture) Remove(ctx context.Context) error {
	st, err := c.State(ctx)
	if err != nil {
		return err
	}
	var installed []InstalledTable
	if len(st.Tables) > 0 {
		installed = st.Tables
	}
	for _, q := range c.RemoveSQL(installed) {
		if _, err := c.db.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("remove capture: %s: %w", q, err)
		}
	}
	var left int
	if err := c.db.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", c.schema).Scan(&left); err != nil {
		return fmt.Errorf("remove capture: %w", err)
	}
	if left == 0 {
		if _, err := c.db.db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+mysqltype.Quote(c.schema)); err != nil {
			return fmt.Errorf("remove capture schema %s: %w", c.schema, err)
		}
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// keyIn adds `(cols) IN ((...), ...)` for vals (text as keyExpr writes it).
func (w *where) keyIn(alias string, cols []catalog.Column, vals [][]string) error {
	if len(vals) == 0 {
		w.add("FALSE")
		return nil
	}
	one := make([]string, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		one[i] = placeholder(c.Kind)
		names[i] = alias + mysqltype.Quote(c.Name)
	}
	tuple := strings.Join(one, ", ")
	lhs := strings.Join(names, ", ")
	if len(cols) > 1 {
		tuple, lhs = "("+tuple+")", "("+lhs+")"
	}
	tuples := make([]string, len(vals))
	args := make([]any, 0, len(vals)*len(cols))
	for i, v := range vals {
		if len(v) != len(cols) {
			return fmt.Errorf("a key of %d values for %d columns", len(v), len(cols))
		}
		for j, c := range cols {
			b, err := bindValue(c.Kind, v[j])
			if err != nil {
				return fmt.Errorf("column %s: %w", c.Name, err)
			}
			args = append(args, b)
		}
		tuples[i] = tuple
	}
	w.add(lhs+" IN ("+strings.Join(tuples, ", ")+")", args...)
	return nil
}

// Changes reads t's changes after seq with a locking read, which waits for
// change rows of transactions still open instead of skipping them.
func (c *Capture) Changes(ctx context.Context, t *catalog.Table, after uint64, limit int) ([]catchup.Change, time.Time, error) {
	tx, err := c.db.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, time.Time{}, err
	}
	defer tx.Rollback()
	var nowText string
	if err := tx.QueryRowContext(ctx, "SELECT UTC_TIMESTAMP(6)").Scan(&nowText); err != nil {
		return nil, time.Time{}, err
	}
	now, err := time.ParseInLocation("2006-01-02 15:04:05.999999", nowText, time.UTC)
	if err != nil {
		return nil, time.Time{}, err
	}
	keys := make([]string, len(t.Key))
	for i, k := range t.Key {
		keys[i] = keyExpr("", catalog.Column{Name: fmt.Sprintf("k%d", i+1), Kind: k.Kind})
	}
	rows, err := tx.QueryContext(ctx, "SELECT seq, op, at, "+strings.Join(keys, ", ")+" FROM "+qualified(c.schema, changeTable(t.Name))+
		" WHERE seq > ? ORDER BY seq LIMIT ? LOCK IN SHARE MODE", after, limit)
	if err != nil {
		return nil, now, err
	}
	defer rows.Close()
	var out []catchup.Change
	for rows.Next() {
		var ch catchup.Change
		var op, at string
		vals := make([]sql.NullString, len(t.Key))
		dest := []any{&ch.Seq, &op, &at}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, now, err
		}
		ch.Op = op[0]
		if ch.At, err = time.ParseInLocation("2006-01-02 15:04:05.999999", at, time.UTC); err != nil {
			return nil, now, err
		}
		for _, v := range vals {
			ch.Key = append(ch.Key, v.String)
		}
		out = append(out, ch)
	}
	if err := rows.Err(); err != nil {
		return nil, now, err
	}
	return out, now, tx.Commit()
}

// Pending counts t's changes after seq and the oldest one's age.
func (c *Capture) Pending(ctx context.Context, t *catalog.Table, after uint64) (int64, time.Duration, error) {
	var n int64
	var us sql.NullInt64
	err := c.db.db.QueryRowContext(ctx, "SELECT COUNT(*), TIMESTAMPDIFF(MICROSECOND, MIN(at), UTC_TIMESTAMP(6)) FROM "+
		qualified(c.schema, changeTable(t.Name))+" WHERE seq > ?", after).Scan(&n, &us)
	if err != nil {
		return 0, 0, fmt.Errorf("count pending changes of %s: %w", t.Name, err)
	}
	return n, time.Duration(us.Int64) * time.Microsecond, nil
}

// AnyPending reports whether t has a change after seq (one primary-key
// lookup, no lock).
func (c *Capture) AnyPending(ctx context.Context, t *catalog.Table, after uint64) (bool, error) {
	var one int
	err := c.db.db.QueryRowContext(ctx, "SELECT 1 FROM "+qualified(c.schema, changeTable(t.Name))+" WHERE seq > ? LIMIT 1", after).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look for pending changes of %s: %w", t.Name, err)
	}
	return true, nil
}

// Purge deletes t's applied changes below seq, in bounded statements. The
// change at seq itself stays, so that a server whose auto-increment counter
// restarts from the largest value (MySQL before 8.0) never hands out a
// number at or below an applied position.
func (c *Capture) Purge(ctx context.Context, t *catalog.Table, below uint64) error {
	for {
		res, err := c.db.db.ExecContext(ctx, "DELETE FROM "+qualified(c.schema, changeTable(t.Name))+" WHERE seq < ? ORDER BY seq LIMIT 5000", below)
		if err != nil {
			return fmt.Errorf("purge applied changes of %s: %w", t.Name, err)
		}
		if n, _ := res.RowsAffected(); n < 5000 {
			return nil
		}
	}
}

// scopeFrom is `FROM table AS c [JOIN parent AS p ...]` with the tenant
// condition of the rows a run copies.
func scopeFrom(schema string, t *catalog.Table, tenants []string, useTarget bool) (string, *where, error) {
	name, parent := t.Name, ""
	if t.Via != nil {
		parent = t.Via.Parent
	}
	if useTarget {
		name = t.Target
		if t.Via != nil {
			parent = t.Via.Target
		}
	}
	from := " FROM " + qualified(schema, name) + " AS c"
	w := &where{}
	switch {
	case t.Shared:
	case t.Via != nil:
		from += " JOIN " + qualified(schema, parent) + " AS p ON c." + mysqltype.Quote(t.Via.On) + " = p." + mysqltype.Quote(t.Via.ParentOn)
		if err := w.tenantOf("p."+mysqltype.Quote(t.TenantColumn), t.TenantKind, tenants); err != nil {
			return "", nil, err
		}
	default:
		if err := w.tenantOf("c."+mysqltype.Quote(t.TenantColumn), t.TenantKind, tenants); err != nil {
			return "", nil, err
		}
	}
	return from, w, nil
}

// Rows reads the rows of t, as they are now, whose cols hold vals, within
// the tenant scope.
func (c *Capture) Rows(ctx context.Context, t *catalog.Table, tenants []string, cols []catalog.Column, vals [][]string, fn func(row [][]byte) error) error {
	from, w, err := scopeFrom(c.db.Schema, t, tenants, false)
	if err != nil {
		return err
	}
	if err := w.keyIn("c.", cols, vals); err != nil {
		return err
	}
	rows, err := c.db.db.QueryContext(ctx, "SELECT "+selectList("c.", t.Columns)+from+w.String(), w.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	raw := make([]sql.RawBytes, len(t.Columns))
	dest := make([]any, len(raw))
	row := make([][]byte, len(raw))
	for i := range raw {
		dest[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i, v := range raw {
			row[i] = v
			if v == nil {
				row[i] = nil
			}
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Applier is the target as sync writes to it.
type Applier struct{ db *DB }

// Applier returns the target d as sync writes to it.
func (d *DB) Applier() *Applier { return &Applier{db: d} }

var _ catchup.Target = (*Applier)(nil)

// Begin starts a sync transaction.
func (a *Applier) Begin(ctx context.Context) (*sql.Tx, error) {
	tx, err := a.db.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, fmt.Errorf("begin target transaction: %w", err)
	}
	return tx, nil
}

// Delete removes the target rows of t whose cols hold vals.
func (a *Applier) Delete(ctx context.Context, tx *sql.Tx, t *catalog.Table, cols []catalog.Column, vals [][]string) (int64, error) {
	var w where
	if err := w.keyIn("", cols, vals); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, "DELETE FROM "+qualified(a.db.Schema, t.Target)+w.String(), w.args...)
	if err != nil {
		return 0, fmt.Errorf("delete from %s: %w", t.Target, err)
	}
	return res.RowsAffected()
}

// Values returns col of the target rows of t with one of keys, locked.
func (a *Applier) Values(ctx context.Context, tx *sql.Tx, t *catalog.Table, col catalog.Column, keys [][]string) ([]string, error) {
	var w where
	if err := w.keyIn("", t.Key, keys); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+keyExpr("", col)+" FROM "+qualified(a.db.Schema, t.Target)+w.String()+" FOR UPDATE", w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		if v.Valid {
			out = append(out, v.String)
		}
	}
	return out, rows.Err()
}

// Insert writes rows into t's target table with multi-row INSERTs; a value
// the server would change fails it (strict mode, warnings checked).
func (a *Applier) Insert(ctx context.Context, tx *sql.Tx, t *catalog.Table, rows [][][]byte) (int64, error) {
	const perStmt = 500
	ncol := len(t.Columns)
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", ncol), ",") + ")"
	head := "INSERT INTO " + qualified(a.db.Schema, t.Target) + " (" + selectList("", t.Columns) + ") VALUES "
	var total int64
	for len(rows) > 0 {
		n := min(len(rows), perStmt)
		args := make([]any, 0, n*ncol)
		for _, row := range rows[:n] {
			for i, v := range row {
				switch {
				case v == nil:
					args = append(args, nil)
				case t.Columns[i].Kind == catalog.KindBinary:
					args = append(args, v)
				default:
					args = append(args, string(v))
				}
			}
		}
		q := head + strings.TrimSuffix(strings.Repeat(one+",", n), ",")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return total, fmt.Errorf("insert into %s: %w", t.Target, err)
		}
		if err := checkWarnings(ctx, tx, t.Target); err != nil {
			return total, err
		}
		total += int64(n)
		rows = rows[n:]
	}
	return total, nil
}

// IsPrivilegeError reports whether err is the server refusing a statement
// for want of a privilege: any IsAccessDenied refusal (a database, table
// or column grant, or a privilege such as SUPER), or SUPER to create a trigger with the
// binary log on (1419, see log_bin_trust_function_creators).
func IsPrivilegeError(err error) bool {
	var me *mysql.MySQLError
	return IsAccessDenied(err) || errors.As(err, &me) && me.Number == erTriggerNeedsSuper
}

// erTriggerNeedsSuper is CREATE TRIGGER refused with the binary log on to a
// user without SUPER (log_bin_trust_function_creators=0).
const erTriggerNeedsSuper = 1419
