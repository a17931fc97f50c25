package mysqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqltype"
	"github.com/cutover/cutover/internal/preflight"
)

// ColumnDef is one column as information_schema.COLUMNS describes it: what
// preflight compares a source column with, and what a target column accepts.
type ColumnDef struct {
	Name          string
	DataType      string // DATA_TYPE, lower case: "int", "varchar", "bit"
	ColumnType    string // COLUMN_TYPE, lower case: "int(11) unsigned", "varchar(20)"
	Charset       string // CHARACTER_SET_NAME, "" for non-text columns
	Nullable      bool
	AutoIncrement bool
}

// Columns reads a table's column definitions in column order; a missing
// table is an error wrapping catalog.ErrNotFound.
func (d *DB) Columns(ctx context.Context, table string) ([]ColumnDef, error) {
	rows, err := d.db.QueryContext(ctx,
		`SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, COALESCE(CHARACTER_SET_NAME, ''), IS_NULLABLE, EXTRA
		 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, d.Schema, table)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", table, err)
	}
	defer rows.Close()
	var out []ColumnDef
	for rows.Next() {
		var c ColumnDef
		var nullable, extra string
		if err := rows.Scan(&c.Name, &c.DataType, &c.ColumnType, &c.Charset, &nullable, &extra); err != nil {
			return nil, fmt.Errorf("read columns of %s: %w", table, err)
		}
		c.DataType, c.ColumnType = strings.ToLower(c.DataType), strings.ToLower(c.ColumnType)
		c.Nullable = nullable == "YES"
		c.AutoIncrement = strings.Contains(strings.ToLower(extra), "auto_increment")
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", table, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("table %s.%s: %w", d.Schema, table, catalog.ErrNotFound)
	}
	return out, nil
}

// TableNames lists the base tables of the schema, for resolving a configured
// name case-insensitively (table names are case-sensitive on Linux servers).
func (d *DB) TableNames(ctx context.Context) ([]string, error) {
	rows, err := d.db.QueryContext(ctx,
		`SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`, d.Schema)
	if err != nil {
		return nil, fmt.Errorf("list tables of %s: %w", d.Schema, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("list tables of %s: %w", d.Schema, err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// MaxAllowedPacket is the server's max_allowed_packet in bytes.
func (d *DB) MaxAllowedPacket(ctx context.Context) (int64, error) {
	var n int64
	if err := d.db.QueryRowContext(ctx, "SELECT @@max_allowed_packet").Scan(&n); err != nil {
		return 0, fmt.Errorf("read max_allowed_packet: %w", err)
	}
	return n, nil
}

// autoIncrementNext is the table's next AUTO_INCREMENT value, 0 when unknown.
func (d *DB) autoIncrementNext(ctx context.Context, table string) (string, error) {
	var v sql.NullString
	err := d.db.QueryRowContext(ctx,
		`SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`, d.Schema, table).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read AUTO_INCREMENT of %s: %w", table, err)
	}
	return v.String, nil
}

// PreflightTable is one configured table as the MySQL preflight scans it.
type PreflightTable struct {
	Source string // source table
	Target string // target table in the target database
	// Key is the configured key; empty means the primary key or a NOT NULL
	// unique key, as the run chooses.
	Key []string
	// TenantColumn is this table's own tenant column ("" for shared tables
	// and tables reached through a parent); ViaOn is the column that
	// references the parent.
	TenantColumn, ViaOn string
	// SamplePercent, above 0, scans about that share of the rows instead
	// of all of them: evenly spaced key ranges of a table whose key is one
	// integer column (others are scanned whole, said in an info finding).
	SamplePercent float64
	// Tenants (tenant.ids), when not empty, restrict the scan to the rows
	// the run copies: TenantColumn IN Tenants, or for a table reached
	// through a parent, ViaOn IN (SELECT ParentOn FROM Parent WHERE
	// ParentTenant IN Tenants). Such a scan is not sampled.
	Tenants                        []string
	Parent, ParentOn, ParentTenant string
	// Where is the table's row filter (tables[].where, "" for none): every
	// scan reads only the rows it keeps, as the copy does, so a row it
	// leaves out is neither counted nor judged.
	Where string
	// Override maps source columns to the MySQL type `run --create-tables`
	// gives their target column (tables[].override): when the target table
	// does not exist yet, their values are checked against it.
	Override map[string]string
}

// filter is the table as the shared row-filter helpers (where.filter,
// filterSQL) take it.
func (t PreflightTable) filter() *catalog.Table {
	return &catalog.Table{Name: t.Source, Target: t.Target, Where: t.Where}
}

// Preflight checks one MySQL source table against its MySQL target (tgt's
// table; when it does not exist yet, against the source's own definition,
// which `run --create-tables` copies). It reads aggregates in one scan of the
// source table and writes nothing. Checks:
//
//   - unsupported-type: columns of a type the copy refuses;
//   - spatial-fit: geometries of a type the target spatial column does not
//     take (a POLYGON for a POINT column), or a spatial column bound for a
//     non-spatial one, or the reverse;
//   - bit-fit: a BIT(n) column bound for a narrower BIT, for a column that
//     is neither BIT nor a byte string, or a BIT column fed from another type;
//   - no-key: no primary key or NOT NULL unique key to order and split by;
//   - tenant-index: a tenant (or via) column no index leads, on either side;
//   - missing-column: a source column the target table lacks;
//   - null-for-not-null: NULLs bound for a NOT NULL target column;
//   - int-range, decimal-fit, string-length, binary-length, time-fraction,
//     timestamp-range: values that do not fit a target column whose type
//     differs from the source's;
//   - invalid-utf8mb4: bytes bound for a utf8mb4 target text column that are
//     not well-formed UTF-8 (they change when converted to utf8mb4, or
//     encode a UTF-16 surrogate, which MariaDB passes through unchanged);
//   - auto-increment: headroom of an integer AUTO_INCREMENT target column,
//     from the largest source value and the target's next value;
//   - lob-size: values larger than the target's max_allowed_packet (a
//     warning: LOAD DATA LOCAL took a 3 MiB value with a 2 MiB packet on
//     MariaDB 10.11; the INSERT fallback cannot send it);
//   - lob-bound: values larger than source.lob_max_bytes (src.MaxLOBBytes),
//     which are streamed in pieces (information: slower, not a failure).
func Preflight(ctx context.Context, src, tgt *DB, t PreflightTable) ([]preflight.Finding, error) {
	p := &tablePreflight{t: t, lobBound: src.MaxLOBBytes}
	srcCols, err := src.Columns(ctx, t.Source)
	if errors.Is(err, catalog.ErrNotFound) {
		return []preflight.Finding{{Severity: preflight.Blocking, Table: t.Source, Check: "missing-table",
			Message: fmt.Sprintf("table %s does not exist in the source", t.Source)}}, nil
	}
	if err != nil {
		return nil, err
	}
	srcInfo, err := src.Describe(ctx, t.Source)
	if err != nil {
		return nil, err
	}
	tgtCols, err := tgt.Columns(ctx, t.Target)
	var tgtInfo *catalog.Info
	aiNext := ""
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		with := ""
		if len(t.Override) > 0 {
			with = ", with the types override gives"
		}
		p.add(preflight.Info, "", "missing-table", 0, "", "target table %s does not exist: `run --create-tables` creates it as the source defines it%s; checked against that definition", t.Target, with)
		tgtCols = overridden(srcCols, t.Override)
	case err != nil:
		return nil, err
	default:
		if tgtInfo, err = tgt.Describe(ctx, t.Target); err != nil {
			return nil, err
		}
		if aiNext, err = tgt.autoIncrementNext(ctx, t.Target); err != nil {
			return nil, err
		}
	}
	packet, err := tgt.MaxAllowedPacket(ctx)
	if err != nil {
		return nil, err
	}
	p.structure(srcCols, srcInfo, tgtInfo)
	byName := map[string]ColumnDef{}
	for _, c := range tgtCols {
		byName[strings.ToLower(c.Name)] = c
	}
	for _, sc := range srcCols {
		tc, ok := byName[strings.ToLower(sc.Name)]
		if !ok {
			p.add(preflight.Blocking, sc.Name, "missing-column", 0, "", "column %s does not exist in target table %s", sc.Name, t.Target)
			continue
		}
		if kindOf(sc.DataType, sc.ColumnType) == catalog.KindOther {
			continue // reported by structure; no expression reads it safely
		}
		p.planColumn(sc, tc, packet, aiNext)
	}
	if len(p.checks) > 0 {
		if err := p.scan(ctx, src, srcInfo); err != nil {
			return nil, err
		}
	}
	preflight.Sort(p.out)
	return p.out, nil
}

// overridden is the source's column definitions with the override types in
// place of their own, as `run --create-tables` writes them: the type
// changes, nullability and AUTO_INCREMENT stay. Names match as MySQL
// compares column names, ignoring case.
func overridden(cols []ColumnDef, override map[string]string) []ColumnDef {
	if len(override) == 0 {
		return cols
	}
	out := append([]ColumnDef(nil), cols...)
	for i, c := range out {
		for name, typ := range override {
			if !strings.EqualFold(name, c.Name) {
				continue
			}
			ct := mysqltype.Normal(typ)
			base, _, _ := mysqltype.Shape(ct)
			out[i].DataType, out[i].ColumnType = base, ct
		}
	}
	return out
}

// tablePreflight gathers one table's checks and findings.
type tablePreflight struct {
	t      PreflightTable
	checks []scanCheck
	out    []preflight.Finding
	// lobBound is the source's source.lob_max_bytes: larger values are streamed.
	lobBound int64
	// sampled notes a sampled scan on the findings it counted.
	sampled string
}

// scanCheck is some aggregates of the scan and how to judge their values.
type scanCheck struct {
	exprs []string
	judge func(vals []sql.NullString)
	// whole marks aggregates a sample cannot answer (the largest value of an
	// AUTO_INCREMENT column, which an index makes cheap): they read the
	// whole table even when the rest is sampled.
	whole bool
}

func (p *tablePreflight) add(sev preflight.Severity, col, check string, rows int64, example, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if rows > 0 && p.sampled != "" {
		msg += p.sampled
	}
	p.out = append(p.out, preflight.Finding{Severity: sev, Table: p.t.Source, Column: col, Check: check,
		Message: msg, Rows: rows, Example: example})
}

// structure reports what the dictionaries alone show: unsupported types, no
// usable key, tenant columns without an index.
func (p *tablePreflight) structure(cols []ColumnDef, src, tgt *catalog.Info) {
	for _, c := range cols {
		if kindOf(c.DataType, c.ColumnType) == catalog.KindOther {
			p.add(preflight.Blocking, c.Name, "unsupported-type", 0, "", "type %s cannot be copied losslessly through LOAD DATA text yet; change the column's type or leave the table out", c.ColumnType)
		}
		if (c.DataType == "bit" || isSpatial(c.DataType)) && strings.EqualFold(c.Name, p.t.TenantColumn) {
			p.add(preflight.Blocking, c.Name, "unsupported-type", 0, "", "a %s column cannot hold tenant ids (it compares as a number or a geometry, not as bytes); choose another tenant column", c.ColumnType)
		}
	}
	key := p.t.Key
	switch {
	case len(key) > 0:
		for _, k := range key {
			if _, ok := src.Column(k); !ok {
				p.add(preflight.Blocking, k, "no-key", 0, "", "key column %s does not exist", k)
				return
			}
		}
		if !src.IsUniqueKey(key) {
			p.add(preflight.Blocking, "", "no-key", 0, "", "the configured key (%s) is not the primary key or a NOT NULL unique key: batches could miss or repeat rows", strings.Join(key, ", "))
		}
	case len(src.PrimaryKey) > 0:
		key = src.PrimaryKey
	case len(src.UniqueKeys) > 0:
		key = src.UniqueKeys[0]
	default:
		p.add(preflight.Blocking, "", "no-key", 0, "", "no primary key or NOT NULL unique key to order and split batches by: add one, or name one with key: [COLUMNS]")
	}
	leads := func(info *catalog.Info, col string) bool {
		if info.Indexed[col] {
			return true
		}
		for c := range info.Indexed {
			if strings.EqualFold(c, col) {
				return true
			}
		}
		return len(key) > 0 && strings.EqualFold(key[0], col)
	}
	for _, col := range []string{p.t.TenantColumn, p.t.ViaOn} {
		if col == "" {
			continue
		}
		if !leads(src, col) {
			p.add(preflight.Warning, col, "tenant-index", 0, "", "no index leads with %s in the source: every batch of this table scans it", col)
		}
		if tgt != nil && !leads(tgt, col) {
			p.add(preflight.Warning, col, "tenant-index", 0, "", "no index leads with %s in target table %s: removing a batch's old rows scans it", col, p.t.Target)
		}
	}
}

var intWidth = regexp.MustCompile(`^(tinyint|smallint|mediumint|int|integer|bigint)\(\d+\)`)

// sameType compares column types, ignoring integer display widths (MySQL 8
// drops them, MariaDB keeps them).
func sameType(a, b string) bool {
	norm := func(s string) string {
		s = intWidth.ReplaceAllString(strings.TrimSpace(s), "$1")
		return strings.ReplaceAll(s, " zerofill", "")
	}
	return norm(a) == norm(b)
}

func isUTF8Charset(cs string) bool {
	return cs == "utf8mb4" || cs == "utf8mb3" || cs == "utf8"
}

// planColumn adds the checks one source column needs against its target.
func (p *tablePreflight) planColumn(sc, tc ColumnDef, packet int64, aiNext string) {
	c := mysqltype.Quote(sc.Name)
	num := func(vals []sql.NullString, i int) int64 {
		n, _ := strconv.ParseInt(vals[i].String, 10, 64)
		return n
	}
	srcKind, tgtKind := kindOf(sc.DataType, sc.ColumnType), kindOf(tc.DataType, tc.ColumnType)
	if !tc.Nullable && sc.Nullable {
		p.checks = append(p.checks, scanCheck{
			exprs: []string{fmt.Sprintf("COUNT(CASE WHEN %s IS NULL THEN 1 END)", c)},
			judge: func(v []sql.NullString) {
				if n := num(v, 0); n > 0 {
					p.add(preflight.Blocking, sc.Name, "null-for-not-null", n, "", "%d NULLs bound for a NOT NULL target column: strict mode refuses them", n)
				}
			},
		})
	}
	if sc.DataType == "bit" || tc.DataType == "bit" {
		p.planBit(sc, tc, num)
		return
	}
	if isSpatial(sc.DataType) || isSpatial(tc.DataType) {
		p.planSpatial(sc, tc, num)
		return
	}
	if !sameType(sc.ColumnType, tc.ColumnType) {
		p.planFit(sc, tc, srcKind, num)
	}
	if tgtKind == catalog.KindString && (srcKind == catalog.KindBinary || srcKind == catalog.KindString) {
		p.planUTF8(sc, tc, srcKind)
	}
	if _, hi, ok := mysqltype.IntBounds(tc.ColumnType); ok && tc.AutoIncrement && (srcKind == catalog.KindInt || srcKind == catalog.KindUint) {
		p.checks = append(p.checks, scanCheck{
			whole: true,
			exprs: []string{fmt.Sprintf("MAX(%s)", c)},
			judge: func(v []sql.NullString) {
				top, _ := new(big.Int).SetString(v[0].String, 10)
				if next, ok := new(big.Int).SetString(aiNext, 10); ok {
					next.Sub(next, big.NewInt(1))
					if top == nil || next.Cmp(top) > 0 {
						top = next
					}
				}
				if top == nil || top.Sign() <= 0 {
					return
				}
				used, _ := new(big.Float).Quo(new(big.Float).SetInt(top), new(big.Float).SetInt(hi)).Float64()
				sev := preflight.Info
				switch {
				case top.Cmp(hi) >= 0:
					sev = preflight.Blocking
				case used >= 0.5:
					sev = preflight.Warning
				}
				p.add(sev, sc.Name, "auto-increment", 0, top.String(), "AUTO_INCREMENT headroom: the largest value %s uses %.1f%% of %s (max %s)", top, used*100, tc.ColumnType, hi)
			},
		})
	}
	if mysqltype.ByteCap(sc.DataType) > 0 && packet > 0 {
		p.checks = append(p.checks, scanCheck{
			exprs: []string{fmt.Sprintf("COUNT(CASE WHEN LENGTH(%s) > %d THEN 1 END)", c, packet), fmt.Sprintf("MAX(LENGTH(%s))", c)},
			judge: func(v []sql.NullString) {
				if n := num(v, 0); n > 0 {
					p.add(preflight.Warning, sc.Name, "lob-size", n, v[1].String, "%d values are larger than the target's max_allowed_packet (%d bytes); the largest has %s bytes: LOAD DATA LOCAL takes them, the INSERT fallback (local_infile off) cannot", n, packet, v[1].String)
				}
			},
		})
	}
	if bound := p.lobBound; bound > 0 && mysqltype.ByteCap(sc.DataType) > bound {
		p.checks = append(p.checks, scanCheck{
			exprs: []string{fmt.Sprintf("COUNT(CASE WHEN LENGTH(%s) > %d THEN 1 END)", c, bound), fmt.Sprintf("MAX(LENGTH(%s))", c)},
			judge: func(v []sql.NullString) {
				if n := num(v, 0); n > 0 {
					p.add(preflight.Info, sc.Name, "lob-bound", n, v[1].String, "%d values are larger than source.lob_max_bytes (%d bytes; the largest has %s bytes): they are streamed in pieces after the rest of their batch, each piece a SUBSTRING that reads the whole value on the source, so a larger bound copies them faster (memory per worker grows with it)", n, bound, v[1].String)
				}
			},
		})
	}
}

// planFit adds the check that values fit a target column of another type.
func (p *tablePreflight) planFit(sc, tc ColumnDef, srcKind catalog.Kind, num func([]sql.NullString, int) int64) {
	c := mysqltype.Quote(sc.Name)
	numeric := srcKind == catalog.KindInt || srcKind == catalog.KindUint || srcKind == catalog.KindDecimal || srcKind == catalog.KindFloat
	args := mysqltype.Args(tc.ColumnType)
	switch {
	case numeric && tc.DataType != "decimal" && tc.DataType != "numeric" && tc.DataType != "float" && tc.DataType != "double":
		lo, hi, ok := mysqltype.IntBounds(tc.ColumnType)
		if !ok {
			break
		}
		p.checks = append(p.checks, scanCheck{
			exprs: []string{
				fmt.Sprintf("COUNT(CASE WHEN %s < %s OR %s > %s THEN 1 END)", c, lo, c, hi),
				fmt.Sprintf("COUNT(CASE WHEN %s <> ROUND(%s) THEN 1 END)", c, c),
				fmt.Sprintf("MIN(%s)", c), fmt.Sprintf("MAX(%s)", c),
			},
			judge: func(v []sql.NullString) {
				if n := num(v, 0); n > 0 {
					p.add(preflight.Blocking, sc.Name, "int-range", n, v[3].String, "%d values outside target type %s (source min %s, max %s)", n, tc.ColumnType, v[2].String, v[3].String)
				}
				if n := num(v, 1); n > 0 {
					p.add(preflight.Blocking, sc.Name, "int-range", n, "", "%d values have a fraction target type %s would lose", n, tc.ColumnType)
				}
			},
		})
		return
	case numeric && (tc.DataType == "decimal" || tc.DataType == "numeric"):
		prec, scale := 10, 0
		if len(args) > 0 {
			prec = args[0]
		}
		if len(args) > 1 {
			scale = args[1]
		}
		limit := "1" + strings.Repeat("0", prec-scale)
		p.checks = append(p.checks, scanCheck{
			exprs: []string{fmt.Sprintf("COUNT(CASE WHEN ABS(%s) >= %s OR ROUND(%s, %d) <> %s THEN 1 END)", c, limit, c, scale, c), fmt.Sprintf("MAX(ABS(%s))", c)},
			judge: func(v []sql.NullString) {
				if n := num(v, 0); n > 0 {
					p.add(preflight.Blocking, sc.Name, "decimal-fit", n, v[1].String, "%d values do not fit target type %s exactly (too many integer or fraction digits)", n, tc.ColumnType)
				}
			},
		})
		return
	case srcKind == catalog.KindTime && (tc.DataType == "datetime" || tc.DataType == "timestamp" || tc.DataType == "time"):
		p.planTimeFit(sc, tc, num)
		return
	case tc.DataType == "char" || tc.DataType == "varchar":
		if len(args) == 0 {
			break
		}
		n := args[0]
		l := fmt.Sprintf("CHAR_LENGTH(CONVERT(%s USING utf8mb4))", c)
		p.checks = append(p.checks, scanCheck{
			exprs: []string{fmt.Sprintf("COUNT(CASE WHEN %s > %d THEN 1 END)", l, n), fmt.Sprintf("MAX(%s)", l)},
			judge: func(v []sql.NullString) {
				if k := num(v, 0); k > 0 {
					p.add(preflight.Blocking, sc.Name, "string-length", k, v[1].String, "%d values are longer than target type %s; the longest has %s characters", k, tc.ColumnType, v[1].String)
				}
			},
		})
		return
	case tc.DataType == "binary" || tc.DataType == "varbinary" || mysqltype.ByteCap(tc.DataType) > 0:
		limit := mysqltype.ByteCap(tc.DataType)
		if limit == 0 && len(args) > 0 {
			limit = int64(args[0])
		}
		if limit == 0 {
			break
		}
		l := fmt.Sprintf("LENGTH(%s)", c)
		if kindOf(tc.DataType, tc.ColumnType) == catalog.KindString {
			l = fmt.Sprintf("LENGTH(CONVERT(%s USING utf8mb4))", c)
		}
		p.checks = append(p.checks, scanCheck{
			exprs: []string{fmt.Sprintf("COUNT(CASE WHEN %s > %d THEN 1 END)", l, limit), fmt.Sprintf("MAX(%s)", l)},
			judge: func(v []sql.NullString) {
				if k := num(v, 0); k > 0 {
					p.add(preflight.Blocking, sc.Name, "binary-length", k, v[1].String, "%d values are longer than target type %s (%d bytes); the longest has %s bytes", k, tc.ColumnType, limit, v[1].String)
				}
			},
		})
		return
	}
	p.add(preflight.Info, sc.Name, "type-change", 0, "", "source type %s, target type %s: not measured; strict mode refuses what does not fit", sc.ColumnType, tc.ColumnType)
}

// planTimeFit checks temporal values against a target with fewer fraction
// digits (the server would round them, and the load fails on its note) or
// a TIMESTAMP target, whose range is 1970 to 2038.
func (p *tablePreflight) planTimeFit(sc, tc ColumnDef, num func([]sql.NullString, int) int64) {
	c := mysqltype.Quote(sc.Name)
	fsp := 0
	if a := mysqltype.Args(tc.ColumnType); len(a) > 0 {
		fsp = a[0]
	}
	if fsp < 6 && (sc.DataType == "datetime" || sc.DataType == "timestamp" || sc.DataType == "time") {
		mod := "1" + strings.Repeat("0", 6-fsp)
		p.checks = append(p.checks, scanCheck{
			exprs: countAndFirst(fmt.Sprintf("MICROSECOND(%s) %% %s <> 0", c, mod), c),
			judge: func(v []sql.NullString) {
				if n := num(v, 0); n > 0 {
					p.add(preflight.Blocking, sc.Name, "time-fraction", n, v[1].String, "%d values have more fraction digits than target type %s keeps", n, tc.ColumnType)
				}
			},
		})
	}
	if tc.DataType == "timestamp" && sc.DataType != "timestamp" && sc.DataType != "time" {
		p.checks = append(p.checks, scanCheck{
			exprs: countAndFirst(fmt.Sprintf("%s < '1970-01-01 00:00:01' OR %s >= '2038-01-19 03:14:08'", c, c), c),
			judge: func(v []sql.NullString) {
				if n := num(v, 0); n > 0 {
					p.add(preflight.Blocking, sc.Name, "timestamp-range", n, v[1].String, "%d values are outside TIMESTAMP's range (1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC)", n)
				}
			},
		})
	}
}

// planBit checks a BIT column's way: a BIT value travels as its bytes, so
// it lands unchanged in a BIT at least as wide or in a byte string; into a
// narrower BIT only the values below 2^m fit (strict mode refuses the
// rest); anything else would be read as text or as a number.
func (p *tablePreflight) planBit(sc, tc ColumnDef, num func([]sql.NullString, int) int64) {
	c := mysqltype.Quote(sc.Name)
	width := func(d ColumnDef) int {
		if a := mysqltype.Args(d.ColumnType); len(a) > 0 {
			return a[0]
		}
		return 1 // BIT is BIT(1)
	}
	switch {
	case sc.DataType != "bit":
		p.add(preflight.Blocking, sc.Name, "bit-fit", 0, "", "source type %s bound for target type %s: only a BIT column copies into a BIT column; change the target column's type", sc.ColumnType, tc.ColumnType)
	case tc.DataType == "bit":
		n, m := width(sc), width(tc)
		if m >= n {
			return
		}
		p.checks = append(p.checks, scanCheck{
			exprs: []string{fmt.Sprintf("COUNT(CASE WHEN %s + 0 >= %d THEN 1 END)", c, uint64(1)<<m), fmt.Sprintf("MAX(HEX(%s))", c)},
			judge: func(v []sql.NullString) {
				if k := num(v, 0); k > 0 {
					p.add(preflight.Blocking, sc.Name, "bit-fit", k, v[1].String, "%d values are too wide for target type %s (the largest in hex)", k, tc.ColumnType)
				}
			},
		})
	case tc.DataType == "varbinary" || tc.DataType == "binary" && len(mysqltype.Args(tc.ColumnType)) > 0 && mysqltype.Args(tc.ColumnType)[0] == (width(sc)+7)/8 || mysqltype.ByteCap(tc.DataType) > 0:
		// The same bytes (a BINARY of exactly ceil(n/8) bytes pads nothing).
		if tc.DataType == "varbinary" && len(mysqltype.Args(tc.ColumnType)) > 0 && mysqltype.Args(tc.ColumnType)[0] < (width(sc)+7)/8 {
			p.add(preflight.Blocking, sc.Name, "bit-fit", 0, "", "source type %s needs %d bytes; target type %s holds fewer", sc.ColumnType, (width(sc)+7)/8, tc.ColumnType)
		}
	default:
		p.add(preflight.Blocking, sc.Name, "bit-fit", 0, "", "source type %s bound for target type %s: a BIT value travels as its bytes and would not be read as a number or text; make the target column %s", sc.ColumnType, tc.ColumnType, sc.ColumnType)
	}
}

// planSpatial checks a spatial column's way: its value travels as the
// server's bytes (SRID and WKB), so it lands unchanged in a GEOMETRY column
// or one of its own type; a column of another type refuses the values of
// other types.
func (p *tablePreflight) planSpatial(sc, tc ColumnDef, num func([]sql.NullString, int) int64) {
	c := mysqltype.Quote(sc.Name)
	switch {
	case !isSpatial(sc.DataType) || !isSpatial(tc.DataType):
		p.add(preflight.Blocking, sc.Name, "spatial-fit", 0, "", "source type %s bound for target type %s: a spatial column copies only into a spatial column; change the target column's type", sc.ColumnType, tc.ColumnType)
	case tc.DataType == "geometry" || spatialName(tc.DataType) == spatialName(sc.DataType):
	default:
		want := strings.ToUpper(spatialName(tc.DataType))
		p.checks = append(p.checks, scanCheck{
			exprs: countAndFirst(fmt.Sprintf("REPLACE(UPPER(ST_GeometryType(%s)), 'GEOMCOLLECTION', 'GEOMETRYCOLLECTION') <> '%s'", c, want), fmt.Sprintf("ST_GeometryType(%s)", c)),
			judge: func(v []sql.NullString) {
				if k := num(v, 0); k > 0 {
					p.add(preflight.Blocking, sc.Name, "spatial-fit", k, v[1].String, "%d values are not of target type %s (one is a %s)", k, tc.ColumnType, v[1].String)
				}
			},
		})
	}
}

// spatialName is MySQL 8's GEOMCOLLECTION under its other name.
func spatialName(dataType string) string {
	if dataType == "geomcollection" {
		return "geometrycollection"
	}
	return dataType
}

// planUTF8 counts values bound for a utf8mb4 text column that are not
// well-formed UTF-8. Bytes of a binary column go to the target as they are:
// they are malformed when converting them to utf8mb4 changes them or when
// they encode a UTF-16 surrogate (ED A0..BF), which MariaDB's conversion lets
// through. Text labelled utf8 is checked for surrogates only (the server
// validated the rest). Text in another character set is converted on the way
// out: it is malformed when the round trip through utf8mb4 changes it.
func (p *tablePreflight) planUTF8(sc, tc ColumnDef, srcKind catalog.Kind) {
	c := mysqltype.Quote(sc.Name)
	raw := fmt.Sprintf("CAST(%s AS BINARY)", c)
	// ED is never a continuation byte in UTF-8, so no alignment is needed;
	// X'ED5BA02DBF5D' is the bytes of the pattern \xED[\xA0-\xBF], matched
	// bytewise against a binary subject with no backslash escapes to depend
	// on the session's sql_mode.
	surrogate := fmt.Sprintf("%s REGEXP X'ED5BA02DBF5D'", raw)
	var bad string
	switch {
	case srcKind == catalog.KindBinary:
		bad = fmt.Sprintf("(CAST(CONVERT(%s USING utf8mb4) AS BINARY) <> %s OR %s)", c, raw, surrogate)
	case isUTF8Charset(sc.Charset):
		bad = surrogate
	default:
		bad = fmt.Sprintf("CAST(CONVERT(CONVERT(%s USING utf8mb4) USING %s) AS BINARY) <> %s", c, sc.Charset, raw)
	}
	p.checks = append(p.checks, scanCheck{
		exprs: countAndFirst(bad, fmt.Sprintf("LEFT(HEX(%s), 48)", c)),
		judge: func(v []sql.NullString) {
			n, _ := strconv.ParseInt(v[0].String, 10, 64)
			if n > 0 {
				p.add(preflight.Blocking, sc.Name, "invalid-utf8mb4", n, v[1].String, "%d values are not well-formed UTF-8 and cannot be stored in %s utf8mb4 unchanged (example bytes in hex)", n, tc.ColumnType)
			}
		},
	})
}

// scan runs every check's aggregates in one SELECT over the source table
// (the rows its filter keeps).
func (p *tablePreflight) scan(ctx context.Context, src *DB, info *catalog.Info) error {
	table := qualified(src.Schema, p.t.Source) + " AS c" + filterSQL(p.t.filter())
	from, args, sampled, err := p.scope(ctx, src, info)
	if err != nil {
		return err
	}
	var part, whole []scanCheck
	for _, ck := range p.checks {
		if ck.whole && sampled {
			whole = append(whole, ck)
		} else {
			part = append(part, ck)
		}
	}
	if sampled {
		// A key whose values bunch up (a jump of ids) leaves most ranges
		// empty: count what the sample read, and scan whole when it falls
		// short of half its share.
		var read int64
		count := scanCheck{exprs: []string{"COUNT(*)"}, judge: func(v []sql.NullString) {
			read, _ = strconv.ParseInt(v[0].String, 10, 64)
		}}
		kept := len(p.out)
		if err := p.aggregate(ctx, src, append([]scanCheck{count}, part...), from, args); err != nil {
			return err
		}
		// The estimate counts the whole table: with a filter, what the
		// sample read cannot be judged against it.
		want := int64(float64(info.Rows) * p.t.SamplePercent / 100)
		if read >= want/2 || p.t.Where != "" {
			return p.aggregate(ctx, src, whole, table, nil)
		}
		p.out, p.sampled = p.out[:kept], "" // the sample's findings go
		p.add(preflight.Info, "", "sample", 0, "", "scanned whole: the evenly spaced key ranges of the sample held %d rows of the %d wanted (the key's values are not spread evenly)", read, want)
		from, args = table, nil
	}
	if err := p.aggregate(ctx, src, part, from, args); err != nil {
		return err
	}
	return p.aggregate(ctx, src, whole, table, nil)
}

// scope is what the scan reads: the rows of tenant.ids when the config
// names some (not sampled: they are what the run copies), else a sample
// when one is asked for (sampleFrom), else the whole table.
func (p *tablePreflight) scope(ctx context.Context, src *DB, info *catalog.Info) (from string, args []any, sampled bool, err error) {
	t := p.t
	if len(t.Tenants) == 0 || t.TenantColumn == "" && t.ViaOn == "" {
		from, args, err = p.sampleFrom(ctx, src, info)
		return from, args, len(args) > 0, err
	}
	if t.SamplePercent > 0 {
		p.add(preflight.Info, "", "sample", 0, "", "scanned the rows of the %d tenants in tenant.ids whole, not a sample", len(t.Tenants))
	}
	in := strings.TrimSuffix(strings.Repeat("?, ", len(t.Tenants)), ", ")
	for _, id := range t.Tenants {
		args = append(args, id)
	}
	var w where
	if t.TenantColumn != "" {
		w.add("c."+mysqltype.Quote(t.TenantColumn)+" IN ("+in+")", args...)
	} else {
		w.add("c."+mysqltype.Quote(t.ViaOn)+" IN (SELECT p."+mysqltype.Quote(t.ParentOn)+" FROM "+qualified(src.Schema, t.Parent)+
			" p WHERE p."+mysqltype.Quote(t.ParentTenant)+" IN ("+in+"))", args...)
	}
	w.filter(t.filter())
	return "(SELECT c.* FROM " + qualified(src.Schema, t.Source) + " c" + w.String() + ") AS scoped", w.args, false, nil
}

// aggregate reads the checks' aggregates over from in one statement and
// judges them.
func (p *tablePreflight) aggregate(ctx context.Context, src *DB, checks []scanCheck, from string, args []any) error {
	var sel []string
	for _, ck := range checks {
		sel = append(sel, ck.exprs...)
	}
	if len(sel) == 0 {
		return nil
	}
	q := "SELECT " + strings.Join(sel, ",\n       ") + "\nFROM " + from
	vals := make([]sql.NullString, len(sel))
	ptrs := make([]any, len(sel))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := src.db.QueryRowContext(ctx, q, args...).Scan(ptrs...); err != nil {
		return fmt.Errorf("preflight scan of %s: %w", p.t.Source, err)
	}
	i := 0
	for _, ck := range checks {
		ck.judge(vals[i : i+len(ck.exprs)])
		i += len(ck.exprs)
	}
	return nil
}

// sampleChunks is how many evenly spaced key ranges a sampled scan reads.
const sampleChunks = 64

// sampleFrom is what the scan reads: the whole table, or for a sample
// (PreflightTable.SamplePercent) sampleChunks key ranges evenly spaced
// between the smallest and the largest key, each read up to its share of
// the rows in key order. MySQL has no SAMPLE clause; ranges of the
// clustered key read only the pages they cover, where a random filter
// would read every row. A key that is not one integer column, or a table
// too small to be worth it, is scanned whole.
func (p *tablePreflight) sampleFrom(ctx context.Context, src *DB, info *catalog.Info) (string, []any, error) {
	table := qualified(src.Schema, p.t.Source) + " AS c"
	whole := table + filterSQL(p.t.filter())
	pct := p.t.SamplePercent
	if pct <= 0 {
		return whole, nil, nil
	}
	key := p.t.Key
	if len(key) == 0 {
		key = info.PrimaryKey
	}
	if len(key) == 0 && len(info.UniqueKeys) > 0 {
		key = info.UniqueKeys[0]
	}
	integer := false
	if len(key) == 1 {
		for _, c := range info.Columns {
			if strings.EqualFold(c.Name, key[0]) {
				integer = c.Kind == catalog.KindInt || c.Kind == catalog.KindUint
			}
		}
	}
	want := int64(float64(info.Rows) * pct / 100)
	switch {
	case !integer:
		p.add(preflight.Info, "", "sample", 0, "", "scanned whole: a sample reads key ranges, which needs a key of one integer column")
		return whole, nil, nil
	case want < 10*sampleChunks:
		return whole, nil, nil // small: the whole table costs little more
	}
	k := mysqltype.Quote(key[0])
	var lo, hi sql.NullString
	if err := src.db.QueryRowContext(ctx, "SELECT MIN("+k+"), MAX("+k+") FROM "+whole).Scan(&lo, &hi); err != nil {
		return "", nil, fmt.Errorf("preflight key range of %s: %w", p.t.Source, err)
	}
	a, ok1 := new(big.Int).SetString(lo.String, 10)
	b, ok2 := new(big.Int).SetString(hi.String, 10)
	if !ok1 || !ok2 {
		return whole, nil, nil // empty table, or no row the filter keeps
	}
	per := (want + sampleChunks - 1) / sampleChunks
	span := new(big.Int).Sub(b, a)
	var parts []string
	var args []any
	for i := range sampleChunks {
		from := new(big.Int).Div(new(big.Int).Mul(span, big.NewInt(int64(i))), big.NewInt(sampleChunks))
		to := new(big.Int).Div(new(big.Int).Mul(span, big.NewInt(int64(i+1))), big.NewInt(sampleChunks))
		from.Add(from, a)
		to.Add(to, a)
		cond := k + " >= ? AND " + k + " < ?"
		if i == sampleChunks-1 {
			cond = k + " >= ? AND " + k + " <= ?"
		}
		var w where
		w.add(cond, from.String(), to.String())
		w.filter(p.t.filter())
		parts = append(parts, fmt.Sprintf("(SELECT * FROM %s%s ORDER BY %s LIMIT %d)", table, w.String(), k, per))
		args = append(args, w.args...)
	}
	p.sampled = fmt.Sprintf(" (in a sample of about %g%% of the rows: %d key ranges)", pct, sampleChunks)
	if p.t.Where != "" {
		p.sampled = fmt.Sprintf(" (in a sample of the rows the filter keeps: %d key ranges, up to %d rows each)", sampleChunks, per)
	}
	return "(" + strings.Join(parts, "\nUNION ALL ") + ") AS sampled", args, nil
}

// countAndFirst is the pair of aggregates most value checks read: how many
// rows meet cond, and the smallest shown value among them (an example for the
// finding).
func countAndFirst(cond, shown string) []string {
	return []string{
		"COUNT(CASE WHEN " + cond + " THEN 1 END)",
		"MIN(CASE WHEN " + cond + " THEN " + shown + " END)",
	}
}
