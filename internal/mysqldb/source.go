package mysqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqltype"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// DB is a MySQL-family database: the source, or the target seen as a source
// for counting. Schema is the database every table name is qualified with.
type DB struct {
	db     *sql.DB
	Schema string
	// MaxLOBBytes bounds a value a reader holds (source.lob_max_bytes): a
	// TEXT or BLOB value over it is streamed in pieces (stream.go). Zero
	// holds every value whole.
	MaxLOBBytes int64
}

// Role says which side a connection serves; the session settings differ.
type Role int

// Roles.
const (
	RoleSource Role = iota
	RoleTarget
)

// DefaultIOTimeout bounds each read and write on a connection whose DSN sets
// no readTimeout or writeTimeout.
const DefaultIOTimeout = 10 * time.Minute

// Open connects to the database named by dsn. schema overrides the DSN's
// database. maxConns bounds the pool (workers plus a few for the ledger).
func Open(ctx context.Context, dsn, schema string, role Role, maxConns int) (*DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse DSN: %w; write it as user:password@tcp(host:3306)/database or mysql://user:password@host:3306/database", err)
	}
	if schema != "" {
		cfg.DBName = schema
	}
	if cfg.DBName == "" {
		return nil, errors.New("the DSN names no database: end it with /DATABASE (or set source.schema)")
	}
	cfg.ParseTime = false
	cfg.InterpolateParams = true
	cfg.Loc = time.UTC
	cfg.Collation = "utf8mb4_general_ci"
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	// A stalled server (paused, or its network gone quiet) would otherwise
	// hold a worker forever: every read and write on the connection has a
	// deadline, long enough for a lock wait or a slow first row.
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = DefaultIOTimeout
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = DefaultIOTimeout
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	// A worker may stream into a target that waits on a lock: keep the
	// server from giving up on a slow reader or writer.
	cfg.Params["net_write_timeout"] = "3600"
	cfg.Params["net_read_timeout"] = "3600"
	if role == RoleTarget {
		cfg.Params["sql_mode"] = "'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"
		cfg.Params["foreign_key_checks"] = "0"
		cfg.RejectReadOnly = true
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("configure connection: %w", err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", cfg.Addr, err)
	}
	return &DB{db: db, Schema: cfg.DBName}, nil
}

// SQL returns the underlying handle, for the ledger and for tests.
func (d *DB) SQL() *sql.DB { return d.db }

// Close closes the pool.
func (d *DB) Close() error { return d.db.Close() }

var _ migrate.Source = (*DB)(nil)

func kindOf(dataType, columnType string) catalog.Kind {
	unsigned := strings.Contains(columnType, "unsigned")
	switch dataType {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint":
		if unsigned {
			return catalog.KindUint
		}
		return catalog.KindInt
	case "decimal", "numeric":
		return catalog.KindDecimal
	case "float", "double", "real":
		return catalog.KindFloat
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set", "json":
		return catalog.KindString
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		return catalog.KindBinary
	case "bit":
		// The driver returns a BIT(n) value as its ceil(n/8) bytes, big-endian,
		// and LOAD DATA and a bound INSERT store those bytes back as the same
		// value: copied and checksummed as bytes. Not as a key (isBit).
		return catalog.KindBinary
	case "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
		"geometrycollection", "geomcollection": // isSpatial
		// A spatial value is sent as the server stores it: the SRID (4 bytes,
		// little-endian), then the WKB. Both LOAD DATA and a bound INSERT take
		// those bytes back as the same geometry: copied and checksummed as
		// bytes, like BIT (and, like BIT, never a key: see Describe).
		return catalog.KindBinary
	case "date", "datetime", "timestamp", "time", "year":
		return catalog.KindTime
	}
	return catalog.KindOther
}

// isSpatial reports whether dataType (DATA_TYPE, lower case) is a spatial type.
func isSpatial(dataType string) bool {
	switch dataType {
	case "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
		"geometrycollection", "geomcollection":
		return true
	}
	return false
}

// bytewiseTenant refuses a BIT or spatial tenant column: tenant ids are
// bound as bytes, and such a column compares with bytes as a number or a
// geometry, so a batch would find none of its rows. Every table that holds
// the tenant column itself is sized, so one refusal covers the tables that
// reach it through a parent.
func bytewiseTenant(t *catalog.Table) error {
	if t.Shared || t.Via != nil {
		return nil
	}
	for _, c := range t.Columns {
		if c.Name != t.TenantColumn {
			continue
		}
		if base, _, _ := mysqltype.Shape(c.Type); base == "bit" || isSpatial(base) {
			return &migrate.ConfigError{Msg: fmt.Sprintf("tenant column %s of table %s has type %s, which cannot hold tenant ids (it compares as a number or a geometry, not as bytes); choose another tenant column", c.Name, t.Name, c.Type)}
		}
	}
	return nil
}

// Describe reads a table's columns, keys and size estimates from information_schema.
func (d *DB) Describe(ctx context.Context, table string) (*catalog.Info, error) {
	info := &catalog.Info{Name: table, Indexed: map[string]bool{}}
	var rowsEst, avgLen sql.NullInt64
	var engine sql.NullString
	err := d.db.QueryRowContext(ctx,
		`SELECT TABLE_ROWS, AVG_ROW_LENGTH, ENGINE FROM information_schema.TABLES
		 WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND TABLE_TYPE = 'BASE TABLE'`,
		d.Schema, table).Scan(&rowsEst, &avgLen, &engine)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, d.notVisible(ctx, table, fmt.Errorf("table %s.%s: %w", d.Schema, table, catalog.ErrNotFound))
	}
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", table, err)
	}
	info.Rows, info.Bytes, info.Engine = rowsEst.Int64, rowsEst.Int64*avgLen.Int64, engine.String
	rows, err := d.db.QueryContext(ctx,
		`SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS
		 WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, d.Schema, table)
	if err != nil {
		return nil, fmt.Errorf("describe columns of %s: %w", table, err)
	}
	defer rows.Close()
	bytewise := map[string]bool{} // BIT and spatial columns: copied as bytes, compared otherwise
	for rows.Next() {
		var c catalog.Column
		var dataType, nullable string
		if err := rows.Scan(&c.Name, &dataType, &c.Type, &nullable); err != nil {
			return nil, fmt.Errorf("describe columns of %s: %w", table, err)
		}
		c.Kind = kindOf(strings.ToLower(dataType), strings.ToLower(c.Type))
		c.Nullable = nullable == "YES"
		if dt := strings.ToLower(dataType); dt == "bit" || isSpatial(dt) {
			bytewise[c.Name] = true
		}
		info.Columns = append(info.Columns, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe columns of %s: %w", table, err)
	}
	idx, err := d.db.QueryContext(ctx,
		`SELECT INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME FROM information_schema.STATISTICS
		 WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX`, d.Schema, table)
	if err != nil {
		return nil, fmt.Errorf("describe indexes of %s: %w", table, err)
	}
	defer idx.Close()
	type index struct {
		unique bool
		cols   []string
	}
	var order []string
	byName := map[string]*index{}
	for idx.Next() {
		var name, col string
		var nonUnique, seq int
		if err := idx.Scan(&name, &nonUnique, &seq, &col); err != nil {
			return nil, fmt.Errorf("describe indexes of %s: %w", table, err)
		}
		ix, ok := byName[name]
		if !ok {
			ix = &index{unique: nonUnique == 0}
			byName[name] = ix
			order = append(order, name)
		}
		ix.cols = append(ix.cols, col)
		if seq == 1 {
			info.Indexed[col] = true
		}
	}
	if err := idx.Err(); err != nil {
		return nil, fmt.Errorf("describe indexes of %s: %w", table, err)
	}
	if info.Triggers, err = d.triggers(ctx, table); err != nil {
		return nil, err
	}
	for _, name := range order {
		ix := byName[name]
		// A key with a BIT or spatial column is not offered: keys are bound
		// as bytes, and BIT compares with a byte string as a number, a
		// geometry as a geometry, not bytewise.
		if !ix.unique || slices.ContainsFunc(ix.cols, func(c string) bool { return bytewise[c] }) {
			continue
		}
		if name == "PRIMARY" {
			info.PrimaryKey = ix.cols
			continue
		}
		notNull := true
		for _, c := range ix.cols {
			if col, _ := info.Column(c); col.Nullable {
				notNull = false
			}
		}
		if notNull {
			info.UniqueKeys = append(info.UniqueKeys, ix.cols)
		}
	}
	return info, nil
}

// Sizes counts rows per tenant with GROUP BY (through the parent for via tables).
func (d *DB) Sizes(ctx context.Context, t *catalog.Table, tenants []string) ([]planner.Size, error) {
	return d.sizes(ctx, t, tenants, false)
}

// TargetSizes counts rows per tenant in the target tables of t.
func (d *DB) TargetSizes(ctx context.Context, t *catalog.Table, tenants []string) ([]planner.Size, error) {
	return d.sizes(ctx, t, tenants, true)
}

func (d *DB) sizes(ctx context.Context, t *catalog.Table, tenants []string, useTarget bool) ([]planner.Size, error) {
	if err := bytewiseTenant(t); err != nil {
		return nil, err
	}
	name := t.Name
	if useTarget {
		name = t.Target
	}
	var avg sql.NullInt64
	if err := d.db.QueryRowContext(ctx, `SELECT AVG_ROW_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
		d.Schema, name).Scan(&avg); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("size %s: %w", name, err)
	}
	if t.Shared {
		var n int64
		q := "SELECT COUNT(*) FROM " + qualified(d.Schema, name)
		if !useTarget {
			q += " AS c" + filterSQL(t)
		}
		if err := d.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", name, err)
		}
		return []planner.Size{{Table: t.Name, Rows: n, Bytes: n * avg.Int64}}, nil
	}
	// Sizing is chunked so that a long tenant list stays a bounded statement.
	const chunk = 5000
	var out []planner.Size
	for start := 0; ; start += chunk {
		var ids []string
		if len(tenants) > 0 {
			if start >= len(tenants) {
				break
			}
			ids = tenants[start:min(start+chunk, len(tenants))]
		}
		from, args, err := scopeSQL(d.Schema, catalog.Scope{Table: t, Tenants: ids}, useTarget)
		if err != nil {
			return nil, err
		}
		col := "c." + mysqltype.Quote(t.TenantColumn)
		if t.Via != nil {
			col = "p." + mysqltype.Quote(t.TenantColumn)
		}
		q := "SELECT " + col + ", COUNT(*)" + from
		if !strings.Contains(from, " WHERE ") {
			q += " WHERE " + col + " IS NOT NULL"
		}
		q += " GROUP BY " + col
		if err := func() error {
			rows, err := d.db.QueryContext(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("size %s per tenant: %w", name, err)
			}
			defer rows.Close()
			for rows.Next() {
				var tenant sql.RawBytes
				var n int64
				if err := rows.Scan(&tenant, &n); err != nil {
					return fmt.Errorf("size %s per tenant: %w", name, err)
				}
				id := string(tenant)
				if t.TenantKind == catalog.KindBinary {
					id = fmt.Sprintf("%X", []byte(tenant))
				}
				out = append(out, planner.Size{Table: t.Name, Tenant: id, Rows: n, Bytes: n * avg.Int64})
			}
			return rows.Err()
		}(); err != nil {
			return nil, err
		}
		if len(tenants) == 0 {
			break
		}
	}
	return out, nil
}

// CheckFilter runs t's where filter over no row (`AND 1=0`), in the FROM
// of every read of t, and returns the server's refusal.
func (d *DB) CheckFilter(ctx context.Context, t *catalog.Table) (string, error) {
	from, args, err := scopeSQL(d.Schema, catalog.Scope{Table: t}, false)
	if err != nil {
		return "", err
	}
	rows, err := d.db.QueryContext(ctx, "SELECT 1"+from+" AND 1=0", args...)
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Error(), nil
	}
	if err != nil {
		return "", err
	}
	return "", rows.Close()
}

// RowCount counts every row of t, whatever its tenant: with the sizes, which
// count only rows that belong to a tenant, it tells how many belong to none.
// InnoDB counts through the smallest index, without the join a via table's
// sizing needs.
func (d *DB) RowCount(ctx context.Context, t *catalog.Table) (int64, error) {
	var n int64
	if err := d.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+qualified(d.Schema, t.Name)+" AS c"+filterSQL(t)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count rows of %s: %w", t.Name, err)
	}
	return n, nil
}

// Boundaries returns the key at every step-th row of one tenant (of the whole
// table when it is shared or ranged), in key order, excluding the first row:
// exact quantiles, so sparse keys still split evenly.
//
// For a whole table (shared or ranged) the keys are found by walking the key
// index: each query skips step rows from the last boundary (LIMIT 1 OFFSET
// step), one ordered pass in all, with no sort. A ranged table reached through
// a parent is walked on its own keys: its rows without a parent are few and
// only make some batches a little smaller. A tenant's keys come from one
// ROW_NUMBER window over its rows: a walk would rescan the table once per
// boundary where the tenant column has no index.
func (d *DB) Boundaries(ctx context.Context, t *catalog.Table, tenant string, step int64) ([][]string, error) {
	if step < 1 {
		return nil, fmt.Errorf("boundaries of %s: step %d", t.Name, step)
	}
	var ids []string
	if !t.Shared && !(t.Ranged && tenant == "") {
		ids = []string{tenant}
	}
	if len(ids) > 0 {
		return d.windowBoundaries(ctx, t, ids, step)
	}
	scope := catalog.Scope{Table: t, Tenants: ids}
	if t.Via != nil {
		own := *t
		own.Via, own.Shared = nil, true
		scope.Table = &own
	}
	keys := make([]string, len(t.Key))
	for i, c := range t.Key {
		keys[i] = keyExpr("c.", c)
	}
	var out [][]string
	var last []string
	for {
		scope.Lo = last
		from, args, err := scopeSQL(d.Schema, scope, false)
		if err != nil {
			return nil, err
		}
		q := "SELECT " + strings.Join(keys, ", ") + from + " ORDER BY " + selectList("c.", t.Key) + " LIMIT 1 OFFSET ?"
		b := make([]string, len(t.Key))
		dest := make([]any, len(b))
		for i := range b {
			dest[i] = &b[i]
		}
		err = d.db.QueryRowContext(ctx, q, append(args, step)...).Scan(dest...)
		if errors.Is(err, sql.ErrNoRows) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("key quantiles of %s: %w", t.Name, err)
		}
		out = append(out, b)
		last = b
	}
}

// windowBoundaries finds the boundaries of tenants with one ROW_NUMBER window
// over their rows (through the join for a table reached through a parent).
func (d *DB) windowBoundaries(ctx context.Context, t *catalog.Table, ids []string, step int64) ([][]string, error) {
	from, args, err := scopeSQL(d.Schema, catalog.Scope{Table: t, Tenants: ids}, false)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(t.Key))
	outer := make([]string, len(t.Key))
	for i, c := range t.Key {
		keys[i] = keyExpr("c.", c) + " AS k" + fmt.Sprint(i)
		outer[i] = "k" + fmt.Sprint(i)
	}
	order := selectList("c.", t.Key)
	q := "SELECT " + strings.Join(outer, ", ") + " FROM (SELECT " + strings.Join(keys, ", ") +
		", ROW_NUMBER() OVER (ORDER BY " + order + ") AS rn" + from + ") AS q WHERE rn > 1 AND MOD(rn - 1, ?) = 0 ORDER BY rn"
	args = append(args, step)
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("key quantiles of %s: %w", t.Name, err)
	}
	defer rows.Close()
	var out [][]string
	raw := make([]sql.RawBytes, len(t.Key))
	dest := make([]any, len(raw))
	for i := range raw {
		dest[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("key quantiles of %s: %w", t.Name, err)
		}
		b := make([]string, len(raw))
		for i, r := range raw {
			b[i] = string(r)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("key quantiles of %s: %w", t.Name, err)
	}
	return out, nil
}

// Open returns a reader that owns one connection of the pool.
func (d *DB) Open(ctx context.Context) (migrate.Reader, error) {
	return &reader{db: d}, nil
}

// reader streams batches; it reconnects after a broken connection.
type reader struct {
	db   *DB
	conn *sql.Conn
	raw  []sql.RawBytes
	dest []any
	row  [][]byte
	// charsetsOf caches the character set of each column of the tables
	// with values to stream (stream.go), by table and column name.
	charsetsOf map[string]map[string]string
}

// Rows reads scope with every value held; a value over the bound
// (MaxLOBBytes) is an error naming it. The engine and verification read
// through StreamRows (stream.go), which streams such values.
func (r *reader) Rows(ctx context.Context, s catalog.Scope, fn func(row [][]byte) error) (int64, error) {
	return r.StreamRows(ctx, s, migrate.HeldOnly(s.Table.Name, s.Table.Columns, fn))
}

// rows is a batch's main read. With b, the LOB columns that may exceed the
// bound are selected bounded (see stream.go) and the rows with a value over
// it are not passed to fn but returned as deferred keys.
func (r *reader) rows(ctx context.Context, s catalog.Scope, b *bounded, fn func(row [][]byte) error) (int64, []deferredKey, error) {
	from, args, err := scopeSQL(r.db.Schema, s, false)
	if err != nil {
		return 0, nil, err
	}
	sel := selectList("c.", s.Table.Columns)
	extra := 0
	if b != nil {
		sel, extra = b.selectList(s.Table.Columns), len(b.cols)
	}
	q := "SELECT " + sel + from
	// Key order makes the target's inserts append to its clustered index. A
	// ranged via batch reads the child's key range first and looks up each
	// row's parent (STRAIGHT_JOIN keeps that order; the parent key is
	// unique), so its rows come in key order without a sort. A via batch of
	// tenants finds its rows through the parent: sorting them would cost a
	// temporary table and a filesort per batch, and the batch is bounded by
	// predicates, so it is read unsorted.
	switch {
	case s.Table.Via == nil:
		q += " ORDER BY " + selectList("c.", s.Table.Key)
	case s.Table.Ranged && len(s.Tenants) == 0:
		q = "SELECT STRAIGHT_JOIN " + sel + from + " ORDER BY " + selectList("c.", s.Table.Key)
	}
	rows, err := r.conn.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, nil, fmt.Errorf("read %s: %w", s, err)
	}
	defer rows.Close()
	n := len(s.Table.Columns)
	if len(r.raw) != n+extra {
		r.raw = make([]sql.RawBytes, n+extra)
		r.dest = make([]any, n+extra)
		r.row = make([][]byte, n)
		for i := range r.raw {
			r.dest[i] = &r.raw[i]
		}
	}
	var count int64
	var deferred []deferredKey
	for rows.Next() {
		if err := rows.Scan(r.dest...); err != nil {
			return count, nil, fmt.Errorf("read %s: %w", s, err)
		}
		if b != nil {
			over, err := b.over(r.raw[n:])
			if err != nil {
				return count, nil, fmt.Errorf("read %s: %w", s, err)
			}
			if over {
				deferred = append(deferred, b.keyOf(s.Table, r.raw))
				continue
			}
		}
		for i, v := range r.raw[:n] {
			r.row[i] = v
		}
		if err := fn(r.row); err != nil {
			return count, nil, err
		}
		count++
	}
	if err := rows.Err(); err != nil {
		return count, nil, fmt.Errorf("read %s: %w", s, err)
	}
	return count, deferred, nil
}

func (r *reader) Close() error {
	if r.conn == nil {
		return nil
	}
	err := r.conn.Close()
	r.conn = nil
	return err
}

var autoIncrement = regexp.MustCompile(`\s+AUTO_INCREMENT=\d+`)

// ShowCreateTable returns the table's CREATE TABLE statement without its
// AUTO_INCREMENT counter, renamed to name in schema.
func (d *DB) ShowCreateTable(ctx context.Context, table, schema, name string) (string, error) {
	var tbl, ddl string
	if err := d.db.QueryRowContext(ctx, "SHOW CREATE TABLE "+qualified(d.Schema, table)).Scan(&tbl, &ddl); err != nil {
		return "", fmt.Errorf("show create table %s: %w", table, err)
	}
	ddl = autoIncrement.ReplaceAllString(ddl, "")
	prefix := "CREATE TABLE " + mysqltype.Quote(tbl)
	if !strings.HasPrefix(ddl, prefix) {
		return "", fmt.Errorf("show create table %s: unexpected statement", table)
	}
	return "CREATE TABLE " + qualified(schema, name) + ddl[len(prefix):], nil
}
