package oracle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/godror/godror"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// Options configure the Oracle source. The zero value reads the connected
// user's tables, exactly sized, without a snapshot.
type Options struct {
	// Schema is the owner of the tables (source.schema); default: the
	// connected user.
	Schema string
	// Snapshot makes every read AS OF SCN. When SCN is 0, Open takes the
	// current SCN; the caller records Source.SCN() in the plan and passes it
	// back on every resume.
	Snapshot bool
	SCN      uint64
	// Sizing is "exact" (GROUP BY, the default) or "sample" (SAMPLE(p),
	// scaled up; the tenant list stays exact).
	Sizing        string
	SamplePercent float64 // default 1
	// Parallel adds a PARALLEL(t n) hint to exact sizing when above 1.
	Parallel int
	// PrefetchCount and FetchArraySize tune each extraction (default 4096).
	PrefetchCount, FetchArraySize int
	// MaxLOBBytes bounds one LOB value read into memory (default 256 MiB);
	// a larger value is streamed in pieces (lobstream.go).
	MaxLOBBytes int64
	// Zone is where TIMESTAMP WITH [LOCAL] TIME ZONE values are written
	// (default UTC).
	Zone *time.Location
	// NullAsEmpty lists "TABLE.COLUMN" (case is ignored) whose NULLs are
	// written as '': Oracle stores '' as NULL, and a NOT NULL target column
	// may want '' back.
	NullAsEmpty map[string]bool
	// RawCharset names, by "TABLE.COLUMN", "TABLE" or "*" (case is
	// ignored), the character set the bytes of character columns really are
	// in (source.raw_charset, e.g. GBK), when the database's declared one is
	// wrong: such columns are read as raw bytes and decoded (rawcharset.go).
	RawCharset map[string]string
	// MaxConns bounds the pool (default 16).
	MaxConns int
	// Log takes the adapter's warnings (nil: discarded).
	Log *slog.Logger
}

// Source is the Oracle adapter behind migrate.Source.
type Source struct {
	db    *sql.DB
	opts  Options
	owner string
	scn   uint64
	// charsets are source.raw_charset's decoders by name, looked up at Open.
	charsets map[string]*RawCharset

	mu     sync.Mutex
	tables map[string]*tableMeta // by configured and dictionary name
}

var _ migrate.Source = (*Source)(nil)

// tableMeta is what Describe learned about one table.
type tableMeta struct {
	info      *catalog.Info
	types     map[string]Type // by dictionary column name
	avgRowLen int64
	facts     colFacts
}

// colFacts are what the dictionary says about a table's columns and keys
// beyond their types, for `schema` to agree with --oracle-ddl.
type colFacts struct {
	identity  map[string]bool // identity columns (12c)
	invisible map[string]bool // INVISIBLE columns (12c): copied, and said
	// virtual columns are neither described nor copied: their values are
	// computed. --oracle-ddl does not create them either.
	virtual []virtualCol
	// novalidate names the ENABLE NOVALIDATE primary and unique keys, which
	// existing rows may violate: they are not used as keys.
	novalidate []string
}

type virtualCol struct{ name, expr string }

// col resolves a configured column name against the dictionary: exactly,
// else ignoring case when one column matches (unquoted Oracle names are
// upper case, MySQL configs usually lower case).
func (m *tableMeta) col(name string) (Col, error) {
	n, err := catalog.MatchName(name, m.info.ColumnNames())
	var amb *catalog.AmbiguousError
	if errors.As(err, &amb) {
		return Col{}, fmt.Errorf("column of %s: %w", m.info.Name, err)
	}
	if err != nil {
		return Col{}, fmt.Errorf("column %s of %s: %w", name, m.info.Name, catalog.ErrNotFound)
	}
	return Col{Name: n, Type: m.types[n]}, nil
}

// Open connects with a godror DSN ("user/pass@host:1521/service" or a
// connect string with parameters) and checks the connection. Without the
// Oracle client library it returns ErrClientMissing.
func Open(ctx context.Context, dsn string, opts Options) (*Source, error) {
	params, err := connParams(dsn)
	if err != nil {
		return nil, err
	}
	if opts.PrefetchCount <= 0 {
		opts.PrefetchCount = 4096
	}
	if opts.FetchArraySize <= 0 {
		opts.FetchArraySize = 4096
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.MaxLOBBytes <= 0 {
		opts.MaxLOBBytes = 256 << 20
	}
	if opts.SamplePercent <= 0 {
		opts.SamplePercent = 1
	}
	if opts.SamplePercent >= 100 {
		return nil, fmt.Errorf("sample percent %v: must be below 100", opts.SamplePercent)
	}
	switch opts.Sizing {
	case "", "exact", "sample":
	default:
		return nil, fmt.Errorf("sizing %q: want exact or sample", opts.Sizing)
	}
	if opts.Zone == nil {
		opts.Zone = time.UTC
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 16
	}
	charsets := map[string]*RawCharset{}
	for _, name := range opts.RawCharset {
		rc, err := LookupCharset(name)
		if err != nil {
			return nil, err
		}
		charsets[name] = rc
	}
	db := sql.OpenDB(godror.NewConnector(params))
	db.SetMaxOpenConns(opts.MaxConns)
	db.SetMaxIdleConns(opts.MaxConns)
	s := &Source{db: db, opts: opts, tables: map[string]*tableMeta{}, charsets: charsets}
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		if err := classify(err, 0); errors.Is(err, ErrClientMissing) {
			return nil, ErrClientMissing
		}
		return nil, fmt.Errorf("connect to oracle: %w", err)
	}
	s.owner = opts.Schema
	if s.owner == "" {
		if err := db.QueryRowContext(pctx, "SELECT USER FROM DUAL").Scan(&s.owner); err != nil {
			db.Close()
			return nil, fmt.Errorf("read the connected user: %w", err)
		}
	} else if err := s.resolveOwner(pctx); err != nil {
		db.Close()
		return nil, err
	}
	if opts.Snapshot {
		s.scn = opts.SCN
		if s.scn == 0 {
			if s.scn, err = s.CurrentSCN(ctx); err != nil {
				db.Close()
				return nil, err
			}
		}
	}
	return s, nil
}

// connParams parses a godror DSN into the connection parameters every
// session of the adapter uses.
//
// Timezone is UTC: godror builds a DATE or TIMESTAMP value as time.Date of its
// fields in the connection's zone, and when none is set it picks time.Local or
// a region from SESSIONTIMEZONE before any ALTER SESSION runs. In a zone with
// daylight saving, a wall-clock time inside the spring gap (2024-03-31 02:30
// in Europe/Berlin) does not exist and time.Date moves it an hour, and one in
// the autumn overlap is ambiguous. UTC has neither, so the fields arrive as
// Oracle stored them. The session's TIME_ZONE is UTC too, so TIMESTAMP WITH
// LOCAL TIME ZONE values arrive as UTC instants.
func connParams(dsn string) (godror.ConnectionParams, error) {
	params, err := godror.ParseDSN(dsn)
	if err != nil {
		// The DSN holds a password: never repeat it.
		return params, errors.New("parse oracle dsn: not a valid godror connect string")
	}
	params.Timezone = time.UTC
	// Key text and binds rely on these: '.' as the decimal point, binary
	// ordering for strings so ORDER BY and range predicates agree.
	params.SetSessionParamOnInit("NLS_NUMERIC_CHARACTERS", ".,")
	params.SetSessionParamOnInit("NLS_SORT", "BINARY")
	params.SetSessionParamOnInit("NLS_COMP", "BINARY")
	params.SetSessionParamOnInit("TIME_ZONE", "+00:00")
	return params, nil
}

// resolveOwner matches the configured owner exactly, then upper-cased.
func (s *Source) resolveOwner(ctx context.Context) error {
	var got string
	err := s.db.QueryRowContext(ctx,
		`SELECT username FROM all_users WHERE username IN (:1, :2) ORDER BY CASE WHEN username = :3 THEN 0 ELSE 1 END`,
		s.owner, strings.ToUpper(s.owner), s.owner).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("oracle schema %s: %w", s.owner, catalog.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("look up oracle schema %s: %w", s.owner, err)
	}
	s.owner = got
	return nil
}

// SCN is the snapshot every read uses, 0 when Snapshot is off.
func (s *Source) SCN() uint64 { return s.scn }

// Owner is the resolved schema owner.
func (s *Source) Owner() string { return s.owner }

// DB is the connection pool, for preflight scans.
func (s *Source) DB() *sql.DB { return s.db }

// CurrentSCN reads the database's current SCN, to fix the snapshot when a run
// is planned. V$DATABASE needs SELECT_CATALOG_ROLE; DBMS_FLASHBACK needs
// EXECUTE on it; one of them is enough.
func (s *Source) CurrentSCN(ctx context.Context) (uint64, error) {
	var scn uint64
	err1 := s.db.QueryRowContext(ctx, "SELECT current_scn FROM v$database").Scan(&scn)
	if err1 == nil {
		return scn, nil
	}
	err2 := s.db.QueryRowContext(ctx, "SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER FROM DUAL").Scan(&scn)
	if err2 == nil {
		return scn, nil
	}
	return 0, fmt.Errorf("take the current SCN (grant SELECT on V_$DATABASE or EXECUTE on DBMS_FLASHBACK): %w", errors.Join(err1, err2))
}

// Close closes the pool.
func (s *Source) Close() error { return s.db.Close() }

// Describe reads a table's columns, keys and size estimates from ALL_TABLES,
// ALL_TAB_COLUMNS, ALL_CONSTRAINTS, ALL_CONS_COLUMNS and ALL_IND_COLUMNS.
// The name matches exactly, then upper-cased.
func (s *Source) Describe(ctx context.Context, table string) (*catalog.Info, error) {
	m, err := s.meta(ctx, table)
	if err != nil {
		return nil, err
	}
	return m.info, nil
}

func (s *Source) meta(ctx context.Context, table string) (*tableMeta, error) {
	s.mu.Lock()
	m := s.tables[table]
	s.mu.Unlock()
	if m != nil {
		return m, nil
	}
	m, err := s.describe(ctx, table)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.tables[table] = m
	s.tables[m.info.Name] = m
	s.mu.Unlock()
	return m, nil
}

func (s *Source) describe(ctx context.Context, table string) (*tableMeta, error) {
	name, err := s.tableName(ctx, table)
	if err != nil {
		return nil, err
	}
	var numRows, avgLen sql.NullInt64
	err = s.db.QueryRowContext(ctx,
		`SELECT num_rows, avg_row_len FROM all_tables WHERE owner = :1 AND table_name = :2`,
		s.owner, name).Scan(&numRows, &avgLen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("table %s.%s: %w", s.owner, table, catalog.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", table, err)
	}
	if err := validName(name); err != nil {
		return nil, err
	}
	m := &tableMeta{
		info:      &catalog.Info{Name: name, Indexed: map[string]bool{}, Rows: numRows.Int64, Bytes: numRows.Int64 * avgLen.Int64},
		types:     map[string]Type{},
		avgRowLen: avgLen.Int64,
	}
	m.facts = colFacts{identity: map[string]bool{}, invisible: map[string]bool{}}
	// ALL_TAB_COLS, not ALL_TAB_COLUMNS: 12.1's ALL_TAB_COLUMNS leaves out
	// INVISIBLE columns. USER_GENERATED drops the hidden columns Oracle makes
	// for function-based indexes and the like.
	rows, err := s.db.QueryContext(ctx, describeColumnsSQL, s.owner, name)
	if err != nil {
		return nil, fmt.Errorf("describe columns of %s: %w", name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var col, dataType, nullable, charUsed, hidden, virtual string
		var length, prec, scale, charLen int64
		var def sql.NullString
		if err := rows.Scan(&col, &dataType, &length, &prec, &scale, &nullable, &charLen, &charUsed, &hidden, &virtual, &def); err != nil {
			return nil, fmt.Errorf("describe columns of %s: %w", name, err)
		}
		if virtual == "YES" {
			m.facts.virtual = append(m.facts.virtual, virtualCol{name: col, expr: strings.TrimSpace(def.String)})
			s.opts.Log.Warn("virtual column is not copied (its values are computed; `schema` reports it)", "table", name, "column", col)
			continue
		}
		if hidden == "YES" {
			m.facts.invisible[col] = true
		}
		t := TypeFromDictionary(dataType, length, prec, scale, charLen, charUsed)
		m.types[col] = t
		m.info.Columns = append(m.info.Columns, catalog.Column{
			Name: col, Type: t.String(), Kind: Map(t, s.opts.Zone.String()).Kind, Nullable: nullable == "Y",
		})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe columns of %s: %w", name, err)
	}
	rows.Close()
	// Identity columns: ALL_TAB_IDENTITY_COLS exists from 12c on.
	irows, err := s.db.QueryContext(ctx, `SELECT column_name FROM all_tab_identity_cols WHERE owner = :1 AND table_name = :2`, s.owner, name)
	if oe, isOra := godror.AsOraErr(err); !isOra || oe.Code() != oraTableNotExist {
		if err != nil {
			return nil, fmt.Errorf("describe identity columns of %s: %w", name, err)
		}
		defer irows.Close()
		for irows.Next() {
			var col string
			if err := irows.Scan(&col); err != nil {
				return nil, fmt.Errorf("describe identity columns of %s: %w", name, err)
			}
			m.facts.identity[col] = true
		}
		if err := irows.Err(); err != nil {
			return nil, fmt.Errorf("describe identity columns of %s: %w", name, err)
		}
	}
	if err := s.describeKeys(ctx, m); err != nil {
		return nil, err
	}
	// Segment bytes are exact where DBA_SEGMENTS is visible; otherwise the
	// estimate from statistics stays.
	var seg sql.NullInt64
	if err := s.db.QueryRowContext(ctx,
		`SELECT SUM(bytes) FROM dba_segments WHERE owner = :1 AND segment_name = :2`, s.owner, name).Scan(&seg); err == nil && seg.Valid {
		m.info.Bytes = seg.Int64
	}
	return m, nil
}

// tableName resolves a configured table name against the dictionary as
// catalog.MatchName does: exactly, else the one table equal ignoring case.
func (s *Source) tableName(ctx context.Context, table string) (string, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT table_name FROM all_tables WHERE owner = :1 AND UPPER(table_name) = UPPER(:2)`, s.owner, table)
	if err != nil {
		return "", fmt.Errorf("describe %s: %w", table, err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return "", fmt.Errorf("describe %s: %w", table, err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("describe %s: %w", table, err)
	}
	name, err := catalog.MatchName(table, names)
	if err != nil {
		return "", fmt.Errorf("table %s.%s: %w", s.owner, table, err)
	}
	return name, nil
}

// describeColumnsSQL reads a table's columns from ALL_TAB_COLS (see
// describe); DATA_DEFAULT holds a virtual column's expression.
const describeColumnsSQL = `SELECT column_name, data_type, data_length, NVL(data_precision, -1), NVL(data_scale, -1),
        nullable, NVL(char_length, 0), NVL(char_used, 'B'), hidden_column, virtual_column, data_default
 FROM all_tab_cols WHERE owner = :1 AND table_name = :2 AND user_generated = 'YES'
 ORDER BY column_id NULLS LAST, internal_column_id`

func (s *Source) describeKeys(ctx context.Context, m *tableMeta) error {
	name := m.info.Name
	rows, err := s.db.QueryContext(ctx,
		`SELECT c.constraint_type, c.constraint_name, cc.column_name, c.validated
		 FROM all_constraints c
		 JOIN all_cons_columns cc ON cc.owner = c.owner AND cc.constraint_name = c.constraint_name AND cc.table_name = c.table_name
		 WHERE c.owner = :1 AND c.table_name = :2 AND c.constraint_type IN ('P', 'U') AND c.status = 'ENABLED'
		 ORDER BY c.constraint_type, c.constraint_name, cc.position`, s.owner, name)
	if err != nil {
		return fmt.Errorf("describe keys of %s: %w", name, err)
	}
	defer rows.Close()
	keys := map[string][]string{}
	var order []string
	kinds := map[string]string{}
	for rows.Next() {
		var typ, cons, col, validated string
		if err := rows.Scan(&typ, &cons, &col, &validated); err != nil {
			return fmt.Errorf("describe keys of %s: %w", name, err)
		}
		if !keyValidated(validated) {
			// ENABLE NOVALIDATE: existing rows may repeat the key, and a
			// batch cut by it could read a row twice or not at all.
			if !slices.Contains(m.facts.novalidate, cons) {
				m.facts.novalidate = append(m.facts.novalidate, cons)
				s.opts.Log.Warn("key is ENABLE NOVALIDATE: existing rows may repeat it, so it is not used to cut batches", "table", name, "constraint", cons)
			}
			continue
		}
		if _, ok := keys[cons]; !ok {
			order = append(order, cons)
		}
		keys[cons] = append(keys[cons], col)
		kinds[cons] = typ
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("describe keys of %s: %w", name, err)
	}
	rows.Close()
	// Unique indexes without a constraint are keys too.
	irows, err := s.db.QueryContext(ctx,
		`SELECT i.index_name, i.uniqueness, ic.column_name, ic.column_position
		 FROM all_indexes i
		 JOIN all_ind_columns ic ON ic.index_owner = i.owner AND ic.index_name = i.index_name
		 WHERE i.table_owner = :1 AND i.table_name = :2 AND i.status IN ('VALID', 'N/A')
		 ORDER BY i.index_name, ic.column_position`, s.owner, name)
	if err != nil {
		return fmt.Errorf("describe indexes of %s: %w", name, err)
	}
	defer irows.Close()
	for irows.Next() {
		var idx, uniq, col string
		var pos int64
		if err := irows.Scan(&idx, &uniq, &col, &pos); err != nil {
			return fmt.Errorf("describe indexes of %s: %w", name, err)
		}
		if pos == 1 {
			m.info.Indexed[col] = true
		}
		if uniq == "UNIQUE" {
			if _, ok := keys[idx]; !ok || kinds[idx] == "I" {
				if !ok {
					order = append(order, idx)
				}
				keys[idx] = append(keys[idx], col)
				kinds[idx] = "I"
			}
		}
	}
	if err := irows.Err(); err != nil {
		return fmt.Errorf("describe indexes of %s: %w", name, err)
	}
	seen := map[string]bool{}
	for _, k := range order {
		cols := keys[k]
		sig := strings.Join(cols, "\x00")
		if seen[sig] {
			continue
		}
		seen[sig] = true
		if kinds[k] == "P" {
			m.info.PrimaryKey = cols
			continue
		}
		notNull := true
		for _, c := range cols {
			if cc, ok := m.info.Column(c); !ok || cc.Nullable {
				notNull = false
			}
		}
		if notNull {
			m.info.UniqueKeys = append(m.info.UniqueKeys, cols)
		}
	}
	return nil
}

// keyValidated reports whether ALL_CONSTRAINTS.VALIDATED says every row
// obeys the constraint.
func keyValidated(validated string) bool { return validated != "NOT VALIDATED" }

// spec resolves a configured table into the query builders' terms.
func (s *Source) spec(ctx context.Context, t *catalog.Table) (Spec, *tableMeta, error) {
	m, err := s.meta(ctx, t.Name)
	if err != nil {
		return Spec{}, nil, err
	}
	sp := Spec{Owner: s.owner, Table: m.info.Name, SCN: s.scn, Parallel: s.opts.Parallel, LOBBound: s.opts.MaxLOBBytes, Where: t.Where}
	for _, c := range t.Columns {
		col, err := m.col(c.Name)
		if err != nil {
			return Spec{}, nil, err
		}
		if col, err = rawColumn(s.opts.RawCharset, s.charsets, m.info.Name, col); err != nil {
			return Spec{}, nil, err
		}
		sp.Columns = append(sp.Columns, col)
	}
	for _, c := range t.Key {
		col, err := m.col(c.Name)
		if err != nil {
			return Spec{}, nil, err
		}
		sp.Key = append(sp.Key, col)
	}
	if t.Shared || t.TenantColumn == "" {
		return sp, m, nil
	}
	tm := m
	if t.Via != nil {
		pm, err := s.meta(ctx, t.Via.Parent)
		if err != nil {
			return Spec{}, nil, err
		}
		on, err := m.col(t.Via.On)
		if err != nil {
			return Spec{}, nil, err
		}
		parentOn, err := pm.col(t.Via.ParentOn)
		if err != nil {
			return Spec{}, nil, err
		}
		sp.Via = &Via{Parent: pm.info.Name, On: on.Name, ParentOn: parentOn.Name}
		tm = pm
	}
	tc, err := tm.col(t.TenantColumn)
	if err != nil {
		return Spec{}, nil, err
	}
	sp.Tenant = &tc
	return sp, m, nil
}

// CheckFilter runs t's where filter over no row and returns the server's
// refusal (an ORA- error that is not a lost connection).
func (s *Source) CheckFilter(ctx context.Context, t *catalog.Table) (string, error) {
	sp, _, err := s.spec(ctx, t)
	if err != nil {
		return "", err
	}
	q, err := FilterQuery(sp)
	if err != nil {
		return "", err
	}
	err = s.query(ctx, q, func([]any) error { return nil })
	if oe, ok := godror.AsOraErr(err); ok && !IsTransient(err) {
		return oe.Error(), nil
	}
	return "", err
}

// Sizes counts rows per tenant, exactly or from a sample, and estimates bytes
// from the average row length.
func (s *Source) Sizes(ctx context.Context, t *catalog.Table, tenants []string) ([]planner.Size, error) {
	sp, m, err := s.spec(ctx, t)
	if err != nil {
		return nil, err
	}
	sample := s.opts.Sizing == "sample"
	if sample {
		sp.SamplePercent = s.opts.SamplePercent
		sp.Parallel = 0
	}
	// Chunks keep one statement's bind list bounded.
	const chunk = 5000
	counts := map[string]int64{}
	var order []string
	for start := 0; start == 0 || start < len(tenants); start += chunk {
		ids := tenants
		if len(tenants) > 0 {
			ids = tenants[start:min(start+chunk, len(tenants))]
		}
		q, err := SizeQuery(sp, ids)
		if err != nil {
			return nil, fmt.Errorf("size %s: %w", t.Name, err)
		}
		err = s.query(ctx, q, func(vals []any) error {
			tenant := ""
			if sp.Tenant != nil {
				var err error
				if tenant, err = EncodeKey(sp.Tenant.Type, vals[0]); err != nil {
					return err
				}
			}
			n, err := countValue(vals[len(vals)-1])
			if err != nil {
				return err
			}
			if _, ok := counts[tenant]; !ok {
				order = append(order, tenant)
			}
			counts[tenant] += n
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("size %s: %w", t.Name, err)
		}
		if len(tenants) == 0 {
			break
		}
	}
	if sample && sp.Tenant != nil {
		// A sample misses small tenants: take the tenant list exactly and
		// give each missed tenant one row, so it is still planned and copied.
		missed := tenants
		if len(tenants) == 0 {
			missed = nil
			q, err := TenantsQuery(sp)
			if err != nil {
				return nil, err
			}
			if err := s.query(ctx, q, func(vals []any) error {
				id, err := EncodeKey(sp.Tenant.Type, vals[0])
				missed = append(missed, id)
				return err
			}); err != nil {
				return nil, fmt.Errorf("list tenants of %s: %w", t.Name, err)
			}
		}
		for tenant, n := range counts {
			counts[tenant] = int64(math.Round(float64(n) * 100 / s.opts.SamplePercent))
		}
		for _, id := range missed {
			if _, ok := counts[id]; !ok {
				counts[id] = 1
				order = append(order, id)
			}
		}
	}
	if sp.Tenant == nil && len(order) == 0 {
		order = append(order, "")
	}
	out := make([]planner.Size, 0, len(order))
	for _, tenant := range order {
		n := counts[tenant]
		out = append(out, planner.Size{Table: t.Name, Tenant: tenant, Rows: n, Bytes: n * m.avgRowLen})
	}
	return out, nil
}

func countValue(v any) (int64, error) {
	s, err := numberText(v)
	if err != nil {
		return 0, err
	}
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		return 0, fmt.Errorf("count %q: %w", s, err)
	}
	return n, nil
}

// query runs q with NUMBER read as text and calls fn per row.
func (s *Source) query(ctx context.Context, q Query, fn func([]any) error) error {
	args := append(append([]any{}, q.Args...), godror.NumberAsString(),
		godror.PrefetchCount(s.opts.PrefetchCount), godror.FetchArraySize(s.opts.FetchArraySize))
	rows, err := s.db.QueryContext(ctx, q.SQL, args...)
	if err != nil {
		return classify(err, s.scn)
	}
	defer rows.Close()
	return scanAll(rows, s.scn, fn)
}

func scanAll(rows *sql.Rows, scn uint64, fn func([]any) error) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return classify(err, scn)
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return classify(rows.Err(), scn)
}

// Boundaries returns the key of every step-th row of tenant in key order,
// excluding the first, read at the snapshot SCN.
func (s *Source) Boundaries(ctx context.Context, t *catalog.Table, tenant string, step int64) ([][]string, error) {
	sp, _, err := s.spec(ctx, t)
	if err != nil {
		return nil, err
	}
	if sp.Tenant == nil {
		tenant = ""
	}
	key := sp.key()
	if tenant == "" && len(key) == 1 && key[0].IsRowid() {
		bs, ok, err := s.extentBoundaries(ctx, sp, step)
		if err != nil {
			return nil, err
		}
		if ok {
			return bs, nil
		}
	}
	q, err := BoundaryQuery(sp, tenant, step)
	if err != nil {
		return nil, fmt.Errorf("boundaries of %s: %w", t.Name, err)
	}
	var out [][]string
	err = s.query(ctx, q, func(vals []any) error {
		b := make([]string, len(key))
		for i, k := range key {
			if k.IsRowid() {
				s, err := textValue(vals[i])
				if err != nil {
					return err
				}
				b[i] = s
				continue
			}
			v, err := EncodeKey(k.Type, vals[i])
			if err != nil {
				return fmt.Errorf("key %s: %w", k.Name, err)
			}
			b[i] = v
		}
		out = append(out, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boundaries of %s for tenant %q: %w", t.Name, tenant, err)
	}
	return out, nil
}

// extentBoundaries cuts a table without a key, read whole, by its extents
// (ExtentsQuery, the technique of DBMS_PARALLEL_EXECUTE's chunks by ROWID):
// no scan and no sort of the table, where numbering its rows by ROWID reads
// all of it. ok is false, and the caller numbers the rows, when the
// dictionary views are not readable (they need SELECT_CATALOG_ROLE) or the
// table has no statistics to size chunks by.
func (s *Source) extentBoundaries(ctx context.Context, sp Spec, step int64) ([][]string, bool, error) {
	var numRows, blocks sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT num_rows, blocks FROM all_tables WHERE owner = :1 AND table_name = :2`,
		sp.Owner, sp.Table).Scan(&numRows, &blocks)
	if err != nil {
		return nil, false, fmt.Errorf("statistics of %s: %w", sp.Table, err)
	}
	if numRows.Int64 <= 0 || blocks.Int64 <= 0 {
		s.opts.Log.Warn("no statistics to cut a table without a key by its extents: numbering its rows instead (DBMS_STATS.GATHER_TABLE_STATS makes the plan cheaper)", "table", sp.Table)
		return nil, false, nil
	}
	q, err := ExtentsQuery(sp.Owner, sp.Table)
	if err != nil {
		return nil, false, err
	}
	var es []Extent
	err = s.query(ctx, q, func(vals []any) error {
		lo, err1 := textValue(vals[0])
		hi, err2 := textValue(vals[1])
		n, err3 := textValue(vals[2])
		blocks, err4 := strconv.ParseInt(n, 10, 64)
		big, err5 := textValue(vals[3])
		if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
			return fmt.Errorf("extent of %s: %w", sp.Table, err)
		}
		es = append(es, Extent{Lo: lo, Hi: hi, Blocks: blocks, Bigfile: big == "YES"})
		return nil
	})
	if oe, isOra := godror.AsOraErr(err); isOra && (oe.Code() == oraTableNotExist || oe.Code() == oraNoPrivilege) {
		s.opts.Log.Warn("DBA_EXTENTS is not readable (grant SELECT_CATALOG_ROLE to cut a table without a key by its extents): numbering its rows instead", "table", sp.Table)
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("extents of %s: %w", sp.Table, err)
	}
	if anyBigfile(es) {
		s.opts.Log.Warn("the table is in a bigfile tablespace, whose rowids ROWID ranges from extents do not describe: numbering its rows instead", "table", sp.Table)
		return nil, false, nil
	}
	bs, ok := ExtentBoundaries(es, numRows.Int64, blocks.Int64, step)
	return bs, ok, nil
}

// Open returns a reader with its own connection.
func (s *Source) Open(ctx context.Context) (migrate.Reader, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("open oracle reader: %w", classify(err, s.scn))
	}
	return &Reader{src: s, conn: conn}, nil
}

// nullAsEmpty reports whether table.col is listed in NullAsEmpty, ignoring
// case: the config usually spells names as the MySQL side does.
func (s *Source) nullAsEmpty(table, col string) bool {
	if s.opts.NullAsEmpty[table+"."+col] {
		return true
	}
	for k, on := range s.opts.NullAsEmpty {
		if on && strings.EqualFold(k, table+"."+col) {
			return true
		}
	}
	return false
}

// Reader streams batches over one connection; it belongs to one worker.
type Reader struct {
	src  *Source
	conn *sql.Conn
}

// Rows reads scope in key order and hands fn the LOAD DATA text of each
// value, every value held; a LOB over the bound is an error naming it. The
// engine and verification read through StreamRows (lobstream.go).
func (r *Reader) Rows(ctx context.Context, scope catalog.Scope, fn func(row [][]byte) error) (int64, error) {
	return r.StreamRows(ctx, scope, migrate.HeldOnly(scope.Table.Name, scope.Table.Columns, fn))
}

// Close returns the reader's connection to the pool.
func (r *Reader) Close() error { return r.conn.Close() }
