package oracle

import (
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Query is a built statement and its named binds, in order.
type Query struct {
	SQL  string
	Args []any // sql.NamedArg values
}

// binder hands out one bind name per use, so no name is bound twice.
type binder struct{ args []any }

func (b *binder) bind(v any) string {
	name := "b" + strconv.Itoa(len(b.args)+1)
	b.args = append(b.args, sql.Named(name, v))
	return ":" + name
}

// QuoteOracle quotes an identifier exactly as the dictionary spells it.
// Oracle identifiers cannot contain a double quote, so none is escaped.
func QuoteOracle(name string) string { return `"` + name + `"` }

// validName rejects what no Oracle identifier can be, so quoting is safe.
func validName(name string) error {
	if name == "" || strings.ContainsAny(name, "\"\x00") {
		return fmt.Errorf("%q is not a valid Oracle identifier", name)
	}
	return nil
}

// Col is a column a query reads or compares, with its Oracle type.
type Col struct {
	Name string
	Type Type
	// raw, when set, reads the column as its stored bytes, decoded in Go
	// from this character set (source.raw_charset, rawcharset.go).
	raw *RawCharset
}

// rowidCol stands for the ROWID pseudo-column, the key of a table without one.
const rowidCol = "ROWID"

// IsRowid reports whether c is the ROWID pseudo-column.
func (c Col) IsRowid() bool { return c.Name == rowidCol && c.Type.Name == "ROWID" }

// ref renders the column of alias a.
func (c Col) ref(a string) string {
	if c.IsRowid() {
		return a + ".ROWID"
	}
	return a + "." + QuoteOracle(c.Name)
}

// selectExpr is how extraction reads c: through text for types godror cannot
// hand over losslessly.
func (c Col) selectExpr(a string) string {
	r := c.ref(a)
	if c.raw != nil {
		return "UTL_RAW.CAST_TO_RAW(" + r + ")"
	}
	switch c.Type.Name {
	case "INTERVAL YEAR TO MONTH", "INTERVAL DAY TO SECOND":
		return "TO_CHAR(" + r + ")"
	case "XMLTYPE":
		return "XMLSERIALIZE(CONTENT " + r + " AS CLOB)"
	case "JSON":
		return "JSON_SERIALIZE(" + r + " RETURNING CLOB)"
	case "SDO_GEOMETRY", "MDSYS.SDO_GEOMETRY":
		return geometrySelect(r)
	case "ROWID":
		return "ROWIDTOCHAR(" + r + ")"
	case "UROWID":
		// ROWIDTOCHAR cuts a logical rowid of an index-organized table
		// (longer than 18 characters); the cast keeps all of it.
		return "CAST(" + r + " AS VARCHAR2(4000))"
	}
	return r
}

// bindExpr converts the key text of EncodeKey back to c's type in SQL. The
// session runs with NLS_NUMERIC_CHARACTERS='.,'.
func bindExpr(t Type, ph string) (string, error) {
	switch t.Name {
	case "NUMBER", "FLOAT", "INTEGER", "DECIMAL", "NUMERIC":
		return "TO_NUMBER(" + ph + ")", nil
	case "BINARY_FLOAT":
		return "TO_BINARY_FLOAT(" + ph + ")", nil
	case "BINARY_DOUBLE":
		return "TO_BINARY_DOUBLE(" + ph + ")", nil
	case "DATE":
		return "TO_DATE(" + ph + ", 'YYYY-MM-DD HH24:MI:SS')", nil
	case "TIMESTAMP":
		return "TO_TIMESTAMP(" + ph + ", 'YYYY-MM-DD HH24:MI:SS.FF9')", nil
	case "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE":
		return "TO_TIMESTAMP_TZ(" + ph + ", 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM')", nil
	case "RAW":
		return "HEXTORAW(" + ph + ")", nil
	case "ROWID", "UROWID":
		return "CHARTOROWID(" + ph + ")", nil
	case "VARCHAR2", "NVARCHAR2", "CHAR", "NCHAR", "VARCHAR":
		return ph, nil
	}
	return "", fmt.Errorf("a %s column cannot be a key or tenant column", t)
}

// bindKey binds the key or tenant text v for a comparison with a column of
// type t and returns the SQL expression.
//
// A CHAR or NCHAR column compares blank-padded only against another CHAR
// value, and godror binds every Go string as VARCHAR2 (it has no CHAR bind
// type), so 'abc' would never match the stored 'abc  ' and such a tenant
// would size to nothing. The value is cast to the column's own CHAR(n) in
// SQL rather than padded in Go: padding a CHAR(n BYTE) needs the database
// character set's byte count, which only Oracle knows. A value longer than
// the column matches no row; the CASE (evaluated short-circuit) keeps CAST
// from failing on it and compares NULL, which matches nothing. Trailing
// blanks, which blank-padded comparison ignores, are dropped first so that
// they do not make a value too long.
func bindKey(b *binder, t Type, v string) (string, error) {
	switch t.Name {
	case "CHAR", "NCHAR":
		if t.Length <= 0 {
			break
		}
		v = strings.TrimRight(v, " ")
		if v == "" {
			v = " " // '' is NULL in Oracle; a blank CHAR is all blanks
		}
		length, target := "LENGTHB", fmt.Sprintf("CHAR(%d BYTE)", t.Length)
		switch {
		case t.Name == "NCHAR":
			length, target = "LENGTH", fmt.Sprintf("NCHAR(%d)", t.Length)
		case t.CharSemantics:
			length, target = "LENGTH", fmt.Sprintf("CHAR(%d CHAR)", t.Length)
		}
		return fmt.Sprintf("CASE WHEN %s(%s) <= %d THEN CAST(%s AS %s) END", length, b.bind(v), t.Length, b.bind(v), target), nil
	}
	return bindExpr(t, b.bind(v))
}

// EncodeKey renders a key or tenant value as godror returns it into the text
// bindKey reads back exactly: decimal text for numbers, full nanoseconds for
// timestamps, hex for RAW, CHAR without its padding.
func EncodeKey(t Type, v any) (string, error) {
	if v == nil {
		return "", errors.New("key value is NULL")
	}
	switch t.Name {
	case "NUMBER", "FLOAT", "INTEGER", "DECIMAL", "NUMERIC":
		s, err := numberText(v)
		if err != nil {
			return "", err
		}
		return NormalizeDecimal(s)
	case "BINARY_FLOAT", "BINARY_DOUBLE":
		b, err := floatBytes(v, t.Name == "BINARY_FLOAT")
		return string(b), err
	case "DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE":
		tm, ok, err := timeValue(v)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", errors.New("key value is NULL")
		}
		switch t.Name {
		case "DATE":
			return tm.Format("2006-01-02 15:04:05"), nil
		case "TIMESTAMP":
			return tm.Format("2006-01-02 15:04:05.000000000"), nil
		}
		return tm.Format("2006-01-02 15:04:05.000000000 -07:00"), nil
	case "RAW":
		b, ok := v.([]byte)
		if !ok {
			return "", fmt.Errorf("RAW key: unexpected %T", v)
		}
		return strings.ToUpper(hex.EncodeToString(b)), nil
	case "CHAR", "NCHAR":
		// Blank-padded: 'abc  ' is the tenant 'abc' of the config and of the
		// MySQL CHAR column, which strips trailing blanks; bindKey pads it
		// back to the column.
		s, err := textValue(v)
		return strings.TrimRight(s, " "), err
	}
	s, err := textValue(v)
	return s, err
}

// Spec describes one configured table for the query builders.
type Spec struct {
	Owner, Table string
	// Columns are read by extraction, in this order.
	Columns []Col
	// Key orders rows and bounds ranges; empty means the ROWID pseudo-column.
	Key []Col
	// Tenant is the tenant column, of the table or of Via's parent; nil for a
	// shared table.
	Tenant *Col
	Via    *Via
	// SCN, when not zero, makes every read AS OF SCN it.
	SCN uint64
	// Parallel, when above 1, adds a PARALLEL hint to sizing.
	Parallel int
	// SamplePercent, when above 0, sizes from SAMPLE(p) and scales up.
	SamplePercent float64
	// LOBBound, when above 0, keeps extraction from fetching a LOB longer
	// than it (see boundLOBs).
	LOBBound int64
	// Where is the configured row filter on the table's own columns ("" for
	// none): sizing, boundaries and extraction read only the rows it keeps.
	Where string
}

// Via is the parent join of a table without the tenant column.
type Via struct {
	Parent   string // parent table, same owner
	On       string // this table's column referencing the parent
	ParentOn string // the parent's referenced column
}

func (s *Spec) key() []Col {
	if len(s.Key) == 0 {
		return []Col{{Name: rowidCol, Type: Type{Name: "ROWID"}}}
	}
	return s.Key
}

func (s *Spec) validate() error {
	names := []string{s.Owner, s.Table}
	for _, c := range s.Columns {
		names = append(names, c.Name)
	}
	for _, c := range s.Key {
		names = append(names, c.Name)
	}
	if s.Tenant != nil {
		names = append(names, s.Tenant.Name)
	}
	if s.Via != nil {
		names = append(names, s.Via.Parent, s.Via.On, s.Via.ParentOn)
	}
	for _, n := range names {
		if err := validName(n); err != nil {
			return err
		}
	}
	return nil
}

// from renders the FROM clause: the table as t and, through Via, its parent as
// p; the tenant column then lives on p. asOf adds the snapshot, sample the
// SAMPLE clause.
func (s *Spec) from(b *binder, asOf, sample bool) string {
	snap := func() string {
		if asOf && s.SCN != 0 {
			return " AS OF SCN " + b.bind(int64(s.SCN))
		}
		return ""
	}
	// Oracle's order: table, sample clause, flashback clause, alias.
	out := QuoteOracle(s.Owner) + "." + QuoteOracle(s.Table)
	if sample && s.SamplePercent > 0 {
		out += " SAMPLE (" + strconv.FormatFloat(s.SamplePercent, 'f', -1, 64) + ")"
	}
	out += snap() + " t"
	if s.Via != nil {
		out += "\n  JOIN " + QuoteOracle(s.Owner) + "." + QuoteOracle(s.Via.Parent) + snap() + " p ON p." +
			QuoteOracle(s.Via.ParentOn) + " = t." + QuoteOracle(s.Via.On)
	}
	return out
}

// filter is the row filter as a condition of where ("" for none).
func (s *Spec) filter() string {
	if s.Where == "" {
		return ""
	}
	return "(" + s.Where + ")"
}

func (s *Spec) tenantRef() string {
	if s.Via != nil {
		return "p." + QuoteOracle(s.Tenant.Name)
	}
	return "t." + QuoteOracle(s.Tenant.Name)
}

// tenantFilter restricts to tenants; Oracle takes at most 1000 expressions in
// one IN list, so longer lists are OR-ed.
//
// Without tenants it keeps the rows that belong to some tenant: a row with a
// NULL tenant is in no batch.
func (s *Spec) tenantFilter(b *binder, tenants []string) (string, error) {
	if s.Tenant == nil {
		return "", nil
	}
	if len(tenants) == 0 {
		return s.tenantRef() + " IS NOT NULL", nil
	}
	var lists []string
	for start := 0; start < len(tenants); start += 1000 {
		var in []string
		for _, id := range tenants[start:min(start+1000, len(tenants))] {
			e, err := bindKey(b, s.Tenant.Type, id)
			if err != nil {
				return "", err
			}
			in = append(in, e)
		}
		lists = append(lists, s.tenantRef()+" IN ("+strings.Join(in, ", ")+")")
	}
	if len(lists) == 1 {
		return lists[0], nil
	}
	return "(" + strings.Join(lists, "\n    OR ") + ")", nil
}

// rangeFilter renders lo <= key < hi in key order (either bound may be nil).
// Oracle has no row-value comparison, so (a, b) >= (x, y) is expanded.
func (s *Spec) rangeFilter(b *binder, lo, hi []string) ([]string, error) {
	key := s.key()
	var out []string
	for _, bound := range []struct {
		vals      []string
		lt, final string
	}{{lo, ">", ">="}, {hi, "<", "<"}} {
		if bound.vals == nil {
			continue
		}
		if len(bound.vals) != len(key) {
			return nil, fmt.Errorf("key bound has %d values for a %d-column key", len(bound.vals), len(key))
		}
		var ors []string
		for i := range key {
			var ands []string
			for j := 0; j < i; j++ {
				e, err := bindKey(b, key[j].Type, bound.vals[j])
				if err != nil {
					return nil, err
				}
				ands = append(ands, key[j].ref("t")+" = "+e)
			}
			e, err := bindKey(b, key[i].Type, bound.vals[i])
			if err != nil {
				return nil, err
			}
			op := bound.lt
			if i == len(key)-1 {
				op = bound.final
			}
			ands = append(ands, key[i].ref("t")+" "+op+" "+e)
			ors = append(ors, strings.Join(ands, " AND "))
		}
		if len(ors) == 1 {
			out = append(out, ors[0])
		} else {
			out = append(out, "("+strings.Join(ors, "\n    OR ")+")")
		}
	}
	return out, nil
}

func where(conds []string) string {
	var keep []string
	for _, c := range conds {
		if c != "" {
			keep = append(keep, c)
		}
	}
	if len(keep) == 0 {
		return ""
	}
	return "\nWHERE " + strings.Join(keep, "\n  AND ")
}

// SizeQuery counts rows per tenant (one row for a shared table): exact with
// GROUP BY, or from SAMPLE(p), to be scaled by 100/p. It reads the present,
// not the snapshot: sizes only balance the plan.
func SizeQuery(s Spec, tenants []string) (Query, error) {
	if err := s.validate(); err != nil {
		return Query{}, err
	}
	b := &binder{}
	hint := ""
	if s.Parallel > 1 {
		hint = fmt.Sprintf("/*+ PARALLEL(t %d) */ ", s.Parallel)
	}
	from := s.from(b, false, true)
	if s.Tenant == nil {
		return Query{SQL: "SELECT " + hint + "COUNT(*)\nFROM " + from + where([]string{s.filter()}), Args: b.args}, nil
	}
	f, err := s.tenantFilter(b, tenants)
	if err != nil {
		return Query{}, err
	}
	tr := s.tenantRef()
	q := "SELECT " + hint + tr + ", COUNT(*)\nFROM " + from + where([]string{s.filter(), f}) + "\nGROUP BY " + tr
	return Query{SQL: q, Args: b.args}, nil
}

// FilterQuery runs the where filter over no row, in the FROM extraction
// uses, so that a filter the server rejects is found before the run.
func FilterQuery(s Spec) (Query, error) {
	if err := s.validate(); err != nil {
		return Query{}, err
	}
	b := &binder{}
	return Query{SQL: "SELECT 1\nFROM " + s.from(b, false, false) + where([]string{s.filter(), "1 = 0"}), Args: b.args}, nil
}

// TenantsQuery lists the distinct tenants of a table exactly; sampled sizing
// uses it so that no small tenant is missed by the sample.
func TenantsQuery(s Spec) (Query, error) {
	if err := s.validate(); err != nil {
		return Query{}, err
	}
	if s.Tenant == nil {
		return Query{}, errors.New("a shared table has no tenants")
	}
	b := &binder{}
	s.SamplePercent = 0
	q := "SELECT DISTINCT " + s.tenantRef() + "\nFROM " + s.from(b, false, false) + where([]string{s.filter(), s.tenantRef() + " IS NOT NULL"})
	return Query{SQL: q, Args: b.args}, nil
}

// BoundaryQuery returns the key at every step-th row in key order, excluding
// the first row, of one tenant (all rows when tenant is "" or the table is
// shared): the inner boundaries of batches of step rows. It reads the
// snapshot, so the boundaries match what extraction will see.
func BoundaryQuery(s Spec, tenant string, step int64) (Query, error) {
	if err := s.validate(); err != nil {
		return Query{}, err
	}
	if step < 1 {
		return Query{}, fmt.Errorf("boundary step %d must be positive", step)
	}
	b := &binder{}
	key := s.key()
	var sel, order []string
	for i, k := range key {
		e := k.ref("t")
		if k.IsRowid() {
			e = "ROWIDTOCHAR(t.ROWID)"
		}
		sel = append(sel, fmt.Sprintf("%s AS k%d", e, i+1))
		order = append(order, k.ref("t"))
	}
	from := s.from(b, true, false)
	var ids []string
	if tenant != "" {
		ids = []string{tenant}
	}
	f, err := s.tenantFilter(b, ids)
	if err != nil {
		return Query{}, err
	}
	outer := make([]string, len(key))
	for i := range key {
		outer[i] = fmt.Sprintf("k%d", i+1)
	}
	q := "SELECT " + strings.Join(outer, ", ") + " FROM (\n  SELECT " + strings.Join(sel, ", ") +
		", ROW_NUMBER() OVER (ORDER BY " + strings.Join(order, ", ") + ") AS rn\n  FROM " +
		strings.ReplaceAll(from, "\n", "\n  ") + strings.ReplaceAll(where([]string{s.filter(), f}), "\n", "\n  ") +
		"\n)\nWHERE rn > 1 AND MOD(rn - 1, " + b.bind(step) + ") = 0\nORDER BY rn"
	return Query{SQL: q, Args: b.args}, nil
}

// ExtractQuery reads the rows of tenants (none: all rows) with lo <= key < hi
// in key order, AS OF the snapshot SCN when one is set.
func ExtractQuery(s Spec, tenants []string, lo, hi []string) (Query, error) {
	if err := s.validate(); err != nil {
		return Query{}, err
	}
	if len(s.Columns) == 0 {
		return Query{}, errors.New("no columns to read")
	}
	b := &binder{}
	sel := s.boundedSelect()
	from := s.from(b, true, false)
	f, err := s.tenantFilter(b, tenants)
	if err != nil {
		return Query{}, err
	}
	rng, err := s.rangeFilter(b, lo, hi)
	if err != nil {
		return Query{}, err
	}
	var order []string
	for _, k := range s.key() {
		order = append(order, k.ref("t"))
	}
	q := "SELECT " + strings.Join(sel, ", ") + "\nFROM " + from + where(append([]string{s.filter(), f}, rng...)) +
		"\nORDER BY " + strings.Join(order, ", ")
	return Query{SQL: q, Args: b.args}, nil
}

// ExtentsQuery lists a table's extents as ROWID ranges, the technique of
// DBMS_PARALLEL_EXECUTE.CREATE_CHUNKS_BY_ROWID: a range per extent from its
// first block, row 0, to its last block, row 32767, ordered as ROWIDs sort.
// It reads DBA_EXTENTS, DBA_OBJECTS and DBA_TABLESPACES
// (SELECT_CATALOG_ROLE): USER_EXTENTS has no file numbers. MergeExtents
// groups the rows into chunks.
//
// ROWID_CREATE from RELATIVE_FNO builds the rowids of a smallfile
// tablespace only: in a bigfile tablespace (the default in 23ai) a rowid has
// no file number and its block number takes those bits too, so the ranges
// would be wrong, and could overlap. The tablespace's BIGFILE column is
// selected so that such a table is cut by numbering its rows instead
// (ExtentBoundaries).
func ExtentsQuery(owner, table string) (Query, error) {
	if err := validName(owner); err != nil {
		return Query{}, err
	}
	if err := validName(table); err != nil {
		return Query{}, err
	}
	b := &binder{}
	q := "SELECT ROWIDTOCHAR(DBMS_ROWID.ROWID_CREATE(1, o.data_object_id, e.relative_fno, e.block_id, 0)) AS lo_rid,\n" +
		"       ROWIDTOCHAR(DBMS_ROWID.ROWID_CREATE(1, o.data_object_id, e.relative_fno, e.block_id + e.blocks - 1, 32767)) AS hi_rid,\n" +
		"       e.blocks, ts.bigfile\n" +
		"FROM dba_extents e\n" +
		"  JOIN dba_objects o ON o.owner = e.owner AND o.object_name = e.segment_name\n" +
		"    AND NVL(o.subobject_name, ' ') = NVL(e.partition_name, ' ') AND o.object_type LIKE 'TABLE%'\n" +
		"  JOIN dba_tablespaces ts ON ts.tablespace_name = e.tablespace_name\n" +
		"WHERE e.owner = " + b.bind(owner) + " AND e.segment_name = " + b.bind(table) + " AND e.segment_type LIKE 'TABLE%'\n" +
		"ORDER BY o.data_object_id, e.relative_fno, e.block_id"
	return Query{SQL: q, Args: b.args}, nil
}

// Extent is one row of ExtentsQuery.
type Extent struct {
	Lo, Hi string // ROWIDs as text
	Blocks int64
	// Bigfile is the extent's tablespace's BIGFILE: Lo and Hi are not its
	// rowids.
	Bigfile bool
}

// RowidRange is an inclusive ROWID range; RowidRangeFilter reads it.
type RowidRange struct{ Lo, Hi string }

// MergeExtents groups consecutive extents into ranges of at least
// blocksPerChunk blocks (the last may be smaller).
func MergeExtents(es []Extent, blocksPerChunk int64) []RowidRange {
	var out []RowidRange
	var cur *RowidRange
	var blocks int64
	for _, e := range es {
		if cur == nil {
			cur = &RowidRange{Lo: e.Lo}
			blocks = 0
		}
		cur.Hi = e.Hi
		blocks += e.Blocks
		if blocks >= blocksPerChunk {
			out = append(out, *cur)
			cur = nil
		}
	}
	if cur != nil {
		out = append(out, *cur)
	}
	return out
}

// ExtentBoundaries turns a table's extents into the inner boundaries of
// batches of about step rows (Source.Boundaries' contract): chunks of whole
// extents of about step rows each, at the dictionary's rows per block, each
// boundary the first ROWID of a chunk after the first. ok is false when the
// statistics cannot size a chunk (no NUM_ROWS or BLOCKS) or an extent is in a
// bigfile tablespace (ExtentsQuery): the caller numbers the rows instead.
func ExtentBoundaries(es []Extent, numRows, blocks, step int64) (_ [][]string, ok bool) {
	if numRows <= 0 || blocks <= 0 || step < 1 || len(es) == 0 || anyBigfile(es) {
		return nil, false
	}
	perBlock := max(float64(numRows)/float64(blocks), 1e-9)
	chunks := MergeExtents(es, max(int64(math.Ceil(float64(step)/perBlock)), 1))
	out := make([][]string, 0, len(chunks))
	for _, c := range chunks[1:] {
		out = append(out, []string{c.Lo})
	}
	return out, true
}

func anyBigfile(es []Extent) bool {
	for _, e := range es {
		if e.Bigfile {
			return true
		}
	}
	return false
}

// RowidRangeFilter is the predicate reading one chunk of MergeExtents.
func RowidRangeFilter(r RowidRange) Query {
	b := &binder{}
	return Query{SQL: "t.ROWID BETWEEN CHARTOROWID(" + b.bind(r.Lo) + ") AND CHARTOROWID(" + b.bind(r.Hi) + ")", Args: b.args}
}

// formatQuery renders a query and its binds for golden files and messages.
func formatQuery(q Query) string {
	var b strings.Builder
	b.WriteString(q.SQL)
	b.WriteString("\n-- binds:")
	for _, a := range q.Args {
		n := a.(sql.NamedArg)
		fmt.Fprintf(&b, " %s=%q", n.Name, fmt.Sprint(n.Value))
	}
	b.WriteString("\n")
	return b.String()
}
