package mysqldb

import (
	"github.com/cutover/cutover/internal/mysqltype"

	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/cutover/cutover/migrate"
)

// Privilege errors: the user lacks a grant on a database, a table or a column,
// or a global privilege.
const (
	erDBAccessDenied     = 1044
	erTableAccessDenied  = 1142
	erColumnAccessDenied = 1143
	erSpecificAccess     = 1227
)

// IsAccessDenied reports whether err is the server refusing a privilege.
func IsAccessDenied(err error) bool {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case erDBAccessDenied, erTableAccessDenied, erColumnAccessDenied, erSpecificAccess:
		return true
	}
	return false
}

// A probe is a statement that needs one privilege on a table (%[1]s) and
// writes nothing: the server checks privileges before it looks at a row.
type probe struct{ priv, sql string }

const (
	selectProbe = "SELECT 1 FROM %[1]s LIMIT 0"
	insertProbe = "INSERT INTO %[1]s SELECT * FROM %[1]s LIMIT 0"
	deleteProbe = "DELETE FROM %[1]s WHERE 1 = 0"
)

// CheckReads refuses, naming each missing grant in one line, when the user
// may not SELECT every table (the source side of a run).
func (d *DB) CheckReads(ctx context.Context, tables []string) error {
	return d.checkGrants(ctx, "source", tables, probe{"SELECT", selectProbe})
}

// CheckWrites refuses, naming each missing grant in one line, when the user
// may not SELECT, INSERT into and DELETE from every table (the target side:
// a batch deletes what an earlier attempt left, then loads). It writes
// nothing: every probe matches no row, in a transaction rolled back.
func (d *DB) CheckWrites(ctx context.Context, tables []string) error {
	return d.checkGrants(ctx, "target", tables, probe{"SELECT", selectProbe}, probe{"INSERT", insertProbe}, probe{"DELETE", deleteProbe})
}

func (d *DB) checkGrants(ctx context.Context, side string, tables []string, probes ...probe) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("check the %s user's grants: %w", side, err)
	}
	defer tx.Rollback()
	missing := map[string][]string{} // privilege -> tables
	for _, t := range tables {
		q := qualified(d.Schema, t)
		for _, p := range probes {
			_, err := tx.ExecContext(ctx, fmt.Sprintf(p.sql, q))
			switch {
			case err == nil:
			case IsAccessDenied(err):
				missing[p.priv] = append(missing[p.priv], t)
			case IsConnectionError(err) || ctx.Err() != nil:
				return fmt.Errorf("check the %s user's grants on %s: %w", side, t, err)
			}
			// Any other error (a table that fits no INSERT ... SELECT of
			// itself, say) is not about grants: the run reports it where it
			// happens.
		}
	}
	if len(missing) == 0 {
		return nil
	}
	var lines []string
	for _, p := range probes {
		ts := missing[p.priv]
		if len(ts) == 0 {
			continue
		}
		sort.Strings(ts)
		lines = append(lines, fmt.Sprintf("the %s user lacks %s on %s in %s: GRANT %s ON %s.* TO it",
			side, p.priv, strings.Join(ts, ", "), d.Schema, p.priv, mysqltype.Quote(d.Schema)))
	}
	return &migrate.ConfigError{Msg: strings.Join(lines, "\n")}
}

// notVisible explains a table information_schema does not show: it does not
// exist, or the user has no privilege on it (the server hides such tables).
func (d *DB) notVisible(ctx context.Context, table string, notFound error) error {
	_, err := d.db.ExecContext(ctx, fmt.Sprintf(selectProbe, qualified(d.Schema, table)))
	if IsAccessDenied(err) {
		return &migrate.ConfigError{Msg: fmt.Sprintf("table %s in %s is not visible to the user cutover connects as: it does not exist, or the user lacks SELECT on it (GRANT SELECT ON %s.* TO it)",
			table, d.Schema, mysqltype.Quote(d.Schema))}
	}
	return notFound
}

// triggers lists a table's triggers as "NAME (TIMING EVENT)". The server shows
// only the triggers the user may see (the TRIGGER privilege on the table).
func (d *DB) triggers(ctx context.Context, table string) ([]string, error) {
	rows, err := d.db.QueryContext(ctx,
		`SELECT TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION FROM information_schema.TRIGGERS
		 WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? ORDER BY TRIGGER_NAME`, d.Schema, table)
	if err != nil {
		return nil, fmt.Errorf("describe triggers of %s: %w", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, timing, event string
		if err := rows.Scan(&name, &timing, &event); err != nil {
			return nil, fmt.Errorf("describe triggers of %s: %w", table, err)
		}
		out = append(out, name+" ("+timing+" "+event+")")
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe triggers of %s: %w", table, err)
	}
	return out, nil
}
