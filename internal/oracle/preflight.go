package oracle

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqltype"
	"github.com/cutover/cutover/internal/preflight"
)

// Target is a MySQL column a source column is copied into, as
// information_schema.COLUMNS describes it. When the target table does not
// exist yet, TargetFor derives one from the mapping.
type Target struct {
	Type          string // COLUMN_TYPE, e.g. "int(11)", "varchar(100)", "decimal(65,30)"
	NotNull       bool
	AutoIncrement bool
}

// TargetFor is the target the mapping would create for t.
func TargetFor(t Type) Target { return Target{Type: strings.ToLower(Map(t, "").MySQL)} }

// intRange is the range of an integer target as decimal text, and whether
// typ is one.
func intRange(typ string) (lo, hi string, ok bool) {
	l, h, ok := mysqltype.IntBounds(typ)
	if !ok {
		return "", "", false
	}
	return l.String(), h.String(), true
}

// CheckKind names one preflight measurement.
type CheckKind string

// Preflight checks, each a few aggregates in one scan of the table.
const (
	CheckNumberDigits CheckKind = "number-digits" // real digits and scale of a NUMBER vs a DECIMAL target
	CheckIntRange     CheckKind = "int-range"     // values beyond an integer target, fractions, auto-increment headroom
	CheckSubsecond    CheckKind = "sub-microsecond"
	CheckTZOffset     CheckKind = "tz-offset"
	CheckDateRange    CheckKind = "date-range"
	CheckFloatSpecial CheckKind = "nan-infinity"
	CheckNotNull      CheckKind = "null-for-not-null"
	CheckLength       CheckKind = "string-length"
	CheckLOBSize      CheckKind = "lob-size"
	CheckLOBBound     CheckKind = "lob-bound"   // LOBs over source.lob_max_bytes, which are streamed
	CheckGeometry     CheckKind = "spatial-fit" // SDO_GEOMETRY values not 2D, or of a type the target column does not take
)

// Check is one measurement of one column against its target.
type Check struct {
	Kind   CheckKind
	Column Col
	Target Target
	// Limit is the bound the check compares with: characters for
	// string-length, bytes for lob-size, fraction digits for sub-microsecond.
	Limit int64
}

// PlanChecks chooses the checks for a table's columns. targets maps column
// names to their MySQL columns (missing: TargetFor); maxPacket is the target's
// max_allowed_packet (0: skip LOB sizes).
func PlanChecks(cols []Col, targets map[string]Target, maxPacket int64) []Check {
	var out []Check
	for _, c := range cols {
		tg, ok := targets[c.Name]
		if !ok {
			tg = TargetFor(c.Type)
		}
		add := func(k CheckKind, limit int64) { out = append(out, Check{Kind: k, Column: c, Target: tg, Limit: limit}) }
		m := Map(c.Type, "")
		base, args, _ := mysqltype.Shape(tg.Type)
		switch m.Conv {
		case ConvDecimal:
			if _, _, isInt := intRange(tg.Type); isInt {
				add(CheckIntRange, 0)
			} else if base == "decimal" || base == "numeric" {
				add(CheckNumberDigits, 0)
			}
		case ConvFloat32, ConvFloat64:
			add(CheckFloatSpecial, 0)
		case ConvDate, ConvTimestamp, ConvTimestampTZ:
			add(CheckDateRange, 0)
			fsp := 0
			if len(args) > 0 {
				fsp = args[0]
			}
			if m.Conv != ConvDate && c.Type.Frac > fsp {
				add(CheckSubsecond, int64(fsp))
			}
			if c.Type.Name == "TIMESTAMP WITH TIME ZONE" {
				add(CheckTZOffset, 0)
			}
		case ConvText:
			if c.Type.Name == "LONG" {
				break // LONG takes no SQL function: nothing to measure
			}
			limit := mysqltype.MaxChars(tg.Type)
			srcMax := c.Type.Length
			if m.Text {
				srcMax = 1 << 30
			}
			if limit > 0 && srcMax > limit {
				add(CheckLength, int64(limit))
			}
			if m.Text && maxPacket > 0 {
				add(CheckLOBSize, maxPacket)
			}
		case ConvBytes:
			if m.Blob && maxPacket > 0 && c.Type.Name != "LONG RAW" {
				add(CheckLOBSize, maxPacket)
			}
		case ConvGeometry:
			add(CheckGeometry, 0)
		}
		if tg.NotNull {
			add(CheckNotNull, 0)
		}
	}
	return out
}

// PlanBoundChecks adds, for every LOB column, the check against the bound on
// one value in memory (source.lob_max_bytes): such a value is streamed.
func PlanBoundChecks(cols []Col, lobBound int64) []Check {
	var out []Check
	if lobBound <= 0 {
		return nil
	}
	for _, c := range cols {
		if c.isLOB() {
			out = append(out, Check{Kind: CheckLOBBound, Column: c, Target: TargetFor(c.Type), Limit: lobBound})
		}
	}
	return out
}

// exprs are the aggregates a check adds to the scan.
func (ck Check) exprs() []string {
	c := ck.Column.ref("t")
	switch ck.Kind {
	case CheckNumberDigits:
		p, s := 65, 30
		if _, args, _ := mysqltype.Shape(ck.Target.Type); len(args) == 2 {
			p, s = args[0], args[1]
		} else if len(args) == 1 {
			p, s = args[0], 0
		}
		return []string{
			fmt.Sprintf("COUNT(CASE WHEN ABS(%s) >= 1E%d OR ROUND(%s, %d) <> %s THEN 1 END)", c, p-s, c, s, c),
			fmt.Sprintf("MAX(CASE WHEN ABS(%s) >= 1E35 THEN 99 ELSE LENGTH(TO_CHAR(TRUNC(ABS(%s)), 'TM9')) END)", c, c),
			fmt.Sprintf("MAX(CASE WHEN %s = TRUNC(%s) THEN 0 WHEN ABS(%s - TRUNC(%s)) < 1E-60 THEN 99 ELSE LENGTH(TO_CHAR(ABS(%s - TRUNC(%s)), 'TM9')) - 1 END)", c, c, c, c, c, c),
		}
	case CheckIntRange:
		lo, hi, _ := intRange(ck.Target.Type)
		return []string{
			fmt.Sprintf("COUNT(CASE WHEN %s < %s OR %s > %s THEN 1 END)", c, lo, c, hi),
			fmt.Sprintf("COUNT(CASE WHEN %s <> TRUNC(%s) THEN 1 END)", c, c),
			fmt.Sprintf("TO_CHAR(MIN(%s), 'TM9')", c),
			fmt.Sprintf("TO_CHAR(MAX(%s), 'TM9')", c),
		}
	case CheckSubsecond:
		scale := "1" + strings.Repeat("0", int(ck.Limit))
		sec := fmt.Sprintf("EXTRACT(SECOND FROM %s) * %s", c, scale)
		return []string{
			fmt.Sprintf("COUNT(CASE WHEN %s <> TRUNC(%s) THEN 1 END)", sec, sec),
			fmt.Sprintf("MIN(CASE WHEN %s <> TRUNC(%s) THEN TO_CHAR(%s, 'YYYY-MM-DD HH24:MI:SS.FF9') END)", sec, sec, c),
		}
	case CheckTZOffset:
		return []string{
			fmt.Sprintf("COUNT(CASE WHEN EXTRACT(TIMEZONE_HOUR FROM %s) <> 0 OR EXTRACT(TIMEZONE_MINUTE FROM %s) <> 0 THEN 1 END)", c, c),
			fmt.Sprintf("COUNT(DISTINCT TO_CHAR(%s, 'TZH:TZM'))", c),
			fmt.Sprintf("MAX(TO_CHAR(%s, 'TZH:TZM'))", c),
		}
	case CheckDateRange:
		return []string{
			fmt.Sprintf("COUNT(CASE WHEN %s < DATE '0001-01-01' THEN 1 END)", c),
			fmt.Sprintf("COUNT(CASE WHEN %s < DATE '1000-01-01' THEN 1 END)", c),
			fmt.Sprintf("TO_CHAR(MIN(%s), 'SYYYY-MM-DD HH24:MI:SS')", c),
		}
	case CheckFloatSpecial:
		return []string{fmt.Sprintf("COUNT(CASE WHEN %s IS NAN OR %s IS INFINITE THEN 1 END)", c, c)}
	case CheckNotNull:
		return []string{fmt.Sprintf("COUNT(CASE WHEN %s IS NULL THEN 1 END)", c)}
	case CheckGeometry:
		// SDO_GTYPE is DLTT: dimensions, the measure's dimension (LRS),
		// then the type.
		g := c + ".SDO_GTYPE"
		out := []string{
			fmt.Sprintf("COUNT(CASE WHEN TRUNC(%s / 100) <> 20 THEN 1 END)", g),
			fmt.Sprintf("MIN(CASE WHEN TRUNC(%s / 100) <> 20 THEN %s END)", g, g),
		}
		if tt, ok := spatialGType(ck.Target.Type); ok && tt != 0 {
			out = append(out, fmt.Sprintf("COUNT(CASE WHEN MOD(%s, 100) <> %d THEN 1 END)", g, tt),
				fmt.Sprintf("MIN(CASE WHEN MOD(%s, 100) <> %d THEN %s END)", g, tt, g))
		}
		return out
	case CheckLength:
		l := lengthExpr(ck.Column)
		return []string{
			fmt.Sprintf("COUNT(CASE WHEN %s > %d THEN 1 END)", l, ck.Limit),
			fmt.Sprintf("MAX(%s)", l),
		}
	case CheckLOBSize, CheckLOBBound:
		l := lengthExpr(ck.Column)
		per := int64(1)
		if ck.Column.Type.Name != "BLOB" && ck.Column.Type.Name != "LONG RAW" {
			per = 4 // worst case utf8mb4 bytes per character
		}
		return []string{
			fmt.Sprintf("COUNT(CASE WHEN %s > %d THEN 1 END)", l, ck.Limit),
			fmt.Sprintf("COUNT(CASE WHEN %s * %d > %d THEN 1 END)", l, per, ck.Limit),
			fmt.Sprintf("MAX(%s)", l),
		}
	}
	return nil
}

// spatialGType is the SDO_GTYPE type digits (TT) a MySQL spatial column
// takes, 0 for GEOMETRY (any); ok is false for a non-spatial type.
func spatialGType(targetType string) (tt int, ok bool) {
	base, _, _ := mysqltype.Shape(targetType)
	switch base {
	case "geometry":
		return 0, true
	case "point":
		return 1, true
	case "linestring":
		return 2, true
	case "polygon":
		return 3, true
	case "geometrycollection", "geomcollection":
		return 4, true
	case "multipoint":
		return 5, true
	case "multilinestring":
		return 6, true
	case "multipolygon":
		return 7, true
	}
	return 0, false
}

func lengthExpr(c Col) string {
	switch c.Type.Name {
	case "CLOB", "NCLOB", "BLOB":
		return "DBMS_LOB.GETLENGTH(" + c.ref("t") + ")"
	case "XMLTYPE", "JSON":
		return "DBMS_LOB.GETLENGTH(" + c.selectExpr("t") + ")"
	}
	return "LENGTHC(" + c.ref("t") + ")"
}

// PreflightQuery measures every check of one table in a single scan, of a
// SAMPLE(p) when samplePercent is above 0, AS OF s.SCN when it is set, of
// the rows s.Where keeps, as extraction reads them. The first column is the
// number of rows scanned.
func PreflightQuery(s Spec, checks []Check, samplePercent float64) (Query, error) {
	if err := s.validate(); err != nil {
		return Query{}, err
	}
	for _, ck := range checks {
		if err := validName(ck.Column.Name); err != nil {
			return Query{}, err
		}
	}
	s.Via, s.SamplePercent = nil, samplePercent
	b := &binder{}
	sel := []string{"COUNT(*)"}
	for _, ck := range checks {
		sel = append(sel, ck.exprs()...)
	}
	from := s.from(b, true, true)
	return Query{SQL: "SELECT " + strings.Join(sel, ",\n       ") + "\nFROM " + from + where([]string{s.filter()}), Args: b.args}, nil
}

// maxSelectExprs is Oracle's limit on the expressions of one select list
// (ORA-01792).
const maxSelectExprs = 1000

// SplitChecks groups checks so that each group's PreflightQuery (COUNT(*)
// and the checks' aggregates) stays within maxSelectExprs: a table of about
// 300 columns needs more than one scan. A check's aggregates stay together.
func SplitChecks(checks []Check, limit int) [][]Check {
	var out [][]Check
	var cur []Check
	n := 1
	for _, ck := range checks {
		k := len(ck.exprs())
		if len(cur) > 0 && n+k > limit {
			out = append(out, cur)
			cur, n = nil, 1
		}
		cur = append(cur, ck)
		n += k
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// Interpret turns one PreflightQuery row (as text, "" for NULL) into
// findings. scanned is the first column; sampled says whether counts are
// from a sample.
func Interpret(table string, checks []Check, row []string, sampled bool) ([]Finding, error) {
	want := 1
	for _, ck := range checks {
		want += len(ck.exprs())
	}
	if len(row) != want {
		return nil, fmt.Errorf("preflight row has %d values, want %d", len(row), want)
	}
	n := func(s string) int64 {
		v, _ := strconv.ParseInt(s, 10, 64)
		return v
	}
	note := ""
	if sampled {
		note = " (in the sample)"
	}
	var out []Finding
	i := 1
	for _, ck := range checks {
		vals := row[i : i+len(ck.exprs())]
		i += len(ck.exprs())
		col := ck.Column.Name
		f := func(sev Severity, rows int64, example, format string, args ...any) {
			out = append(out, Finding{Severity: sev, Table: table, Column: col, Check: string(ck.Kind),
				Message: fmt.Sprintf(format, args...) + note, Rows: rows, Example: example})
		}
		switch ck.Kind {
		case CheckNumberDigits:
			bad, ints, scale := n(vals[0]), n(vals[1]), n(vals[2])
			if vals[1] == "" {
				continue // no values
			}
			fit := fmt.Sprintf("DECIMAL(%d,%d)", min(max(ints+scale, 1), 65), min(scale, 30))
			if ints >= 99 || scale >= 99 {
				fit = "no DECIMAL (values beyond 1E35 or with more than 60 fraction digits)"
			}
			if bad > 0 {
				f(Blocking, bad, "", "%d values do not fit %s: up to %d integer and %d fraction digits seen; smallest exact type: %s", bad, ck.Target.Type, ints, scale, fit)
			} else if ck.Column.Type.Name == "NUMBER" && !ck.Column.Type.HasPrecision {
				f(Info, 0, "", "bare NUMBER holds up to %d integer and %d fraction digits: %s would be exact", ints, scale, fit)
			}
		case CheckIntRange:
			beyond, frac, lo, hi := n(vals[0]), n(vals[1]), vals[2], vals[3]
			if beyond > 0 {
				f(Blocking, beyond, hi, "%d values outside %s (min %s, max %s)", beyond, ck.Target.Type, lo, hi)
			}
			if frac > 0 {
				f(Blocking, frac, "", "%d values have a fraction an integer column would lose", frac)
			}
			if ck.Target.AutoIncrement && hi != "" && beyond == 0 {
				_, top, _ := intRange(ck.Target.Type)
				used := ratio(hi, top)
				sev := Info
				if used >= 0.5 {
					sev = Warning
				}
				f(sev, 0, hi, "auto-increment headroom: the largest value %s uses %.1f%% of %s", hi, used*100, ck.Target.Type)
			}
		case CheckSubsecond:
			if c := n(vals[0]); c > 0 {
				f(Warning, c, vals[1], "%d values have digits beyond %d fraction digits; they are truncated", c, ck.Limit)
			}
		case CheckTZOffset:
			if c := n(vals[0]); c > 0 {
				f(Warning, c, vals[2], "%d values carry a non-UTC offset (%s distinct offsets); they are stored in UTC and the offset is lost", c, vals[1])
			}
		case CheckDateRange:
			if c := n(vals[0]); c > 0 {
				f(Blocking, c, vals[2], "%d dates before year 1 (BC) have no MySQL form", c)
			} else if c := n(vals[1]); c > 0 {
				f(Warning, c, vals[2], "%d dates before year 1000 are outside DATETIME's documented range", c)
			}
		case CheckFloatSpecial:
			if c := n(vals[0]); c > 0 {
				f(Blocking, c, "", "%d NaN or infinite values have no MySQL form", c)
			}
		case CheckNotNull:
			if c := n(vals[0]); c > 0 {
				extra := ""
				if Map(ck.Column.Type, "").Kind == catalog.KindString {
					extra = "; Oracle stores '' as NULL: list " + table + "." + col + " in source.null_as_empty to write '' instead"
				}
				f(Blocking, c, "", "%d NULLs bound for a NOT NULL target column%s", c, extra)
			}
		case CheckGeometry:
			if c := n(vals[0]); c > 0 {
				f(Blocking, c, vals[1], "%d geometries are not 2D (SDO_GTYPE %s, 3D or with a measure): MySQL spatial columns take 2D geometries only, and the copy refuses them", c, vals[1])
			}
			tt, ok := spatialGType(ck.Target.Type)
			switch {
			case !ok:
				f(Blocking, 0, "", "SDO_GEOMETRY bound for target type %s: a geometry copies only into a spatial column; change the target column's type", ck.Target.Type)
			case tt != 0:
				if c := n(vals[2]); c > 0 {
					f(Blocking, c, vals[3], "%d geometries are not of the target's type %s (SDO_GTYPE %s, say): widen the column to GEOMETRY", c, strings.ToUpper(ck.Target.Type), vals[3])
				}
			}
		case CheckLength:
			if c := n(vals[0]); c > 0 {
				f(Blocking, c, vals[1], "%d values are longer than %s (%d characters); the longest has %s characters", c, ck.Target.Type, ck.Limit, vals[1])
			}
		case CheckLOBBound:
			// vals[1] counts the values over the held limit (heldLimit: a
			// character takes up to 4 bytes), the ones extraction streams.
			if c := n(vals[1]); c > 0 {
				utf8Note := ""
				if ck.Column.lobUnit() == "characters" {
					utf8Note = "; the invalid-utf8 check does not read them, the copy checks them as it streams"
				}
				f(Info, c, vals[2], "%d values are too large to hold under source.lob_max_bytes (%d bytes; the largest has %s %s): they are streamed in pieces after the rest of their batch, which is slower than holding them; a larger bound holds more of them (memory per worker grows with it)%s", c, ck.Limit, vals[2], ck.Column.lobUnit(), utf8Note)
			}
		case CheckLOBSize:
			if c := n(vals[0]); c > 0 {
				f(Warning, c, vals[2], "%d values are larger than the target's max_allowed_packet (%d bytes); the largest is %s: LOAD DATA LOCAL takes them, the INSERT fallback (local_infile off) cannot", c, ck.Limit, vals[2])
			} else if c := n(vals[1]); c > 0 {
				f(Info, c, vals[2], "%d values may exceed the target's max_allowed_packet (%d bytes) once encoded as UTF-8: LOAD DATA LOCAL takes them, the INSERT fallback (local_infile off) cannot", c, ck.Limit)
			}
		}
	}
	return out, nil
}

func ratio(a, b string) float64 {
	x, ok1 := new(big.Float).SetString(a)
	y, ok2 := new(big.Float).SetString(b)
	if !ok1 || !ok2 || y.Sign() == 0 {
		return 0
	}
	r, _ := new(big.Float).Quo(x, y).Float64()
	return r
}

// PreflightOptions tune Source.Preflight.
type PreflightOptions struct {
	// SamplePercent scans a SAMPLE(p) instead of the whole table when above 0.
	SamplePercent float64
	// MaxAllowedPacket is the target's max_allowed_packet (0: skip LOB sizes).
	MaxAllowedPacket int64
	// Where is the table's row filter (tables[].where, "" for none): both
	// scans read only the rows it keeps, as extraction does.
	Where string
}

// TextScanQuery reads the key and the text columns of a table (a SAMPLE(p)
// when samplePercent is above 0, AS OF s.SCN when set, the rows s.Where
// keeps) for the UTF-8 check,
// which Oracle SQL cannot express portably: the values are checked in Go as
// the client delivers them, exactly as the copy will receive them. LOBs over
// s.LOBBound are not fetched (the lob-bound check reports them).
func TextScanQuery(s Spec, text []Col, samplePercent float64) (Query, error) {
	s.Via, s.SamplePercent = nil, samplePercent
	s.Columns = append(append([]Col{}, s.Key...), text...)
	if err := s.validate(); err != nil {
		return Query{}, err
	}
	b := &binder{}
	sel := s.boundedSelect()[:len(s.Columns)] // the lengths are not needed here
	return Query{SQL: "SELECT " + strings.Join(sel, ", ") + "\nFROM " + s.from(b, true, true) + where([]string{s.filter()}), Args: b.args}, nil
}

// textColumns are the columns whose values reach a utf8mb4 column as text.
func textColumns(cols []Col) []Col {
	var out []Col
	for _, c := range cols {
		if Map(c.Type, "").Conv == ConvText && c.Type.Name != "ROWID" && c.Type.Name != "UROWID" {
			out = append(out, c)
		}
	}
	return out
}

// utf8Tally counts malformed text values per column while a scan runs.
type utf8Tally struct {
	table string
	cols  []Col
	keys  int // leading key columns in each row
	bad   []int64
	first []string
	// replaced counts values holding U+FFFD, the mark a client conversion
	// leaves where the declared character set has no character for the
	// bytes; undecodable counts raw_charset values the named set rejects.
	replaced         []int64
	undecodable      []int64
	firstUndecodable []string
}

func newUTF8Tally(table string, key, text []Col) *utf8Tally {
	n := len(text)
	return &utf8Tally{table: table, cols: text, keys: len(key), bad: make([]int64, n), first: make([]string, n),
		replaced: make([]int64, n), undecodable: make([]int64, n), firstUndecodable: make([]string, n)}
}

// add checks one row: key values first, then the text columns.
func (u *utf8Tally) add(key []Col, vals []any) error {
	for i := range u.cols {
		v, err := decodeRaw(u.cols[i], vals[u.keys+i])
		if err != nil {
			u.undecodable[i]++
			if u.firstUndecodable[i] == "" {
				sp := Spec{Key: key, Columns: key}
				u.firstUndecodable[i] = fmt.Sprintf("key %s: %v", rowKey(&sp, vals[:u.keys]), err)
			}
			continue
		}
		if v == nil {
			continue
		}
		b, err := textBytes(v)
		if err != nil {
			return fmt.Errorf("column %s: %w", u.cols[i].Name, err)
		}
		if hasReplacement(b) {
			u.replaced[i]++
		}
		var bad *InvalidTextError
		if err := checkUTF8(b); err != nil && errors.As(err, &bad) {
			u.bad[i]++
			if u.first[i] == "" {
				sp := Spec{Key: key, Columns: key}
				u.first[i] = fmt.Sprintf("key %s, byte %d: % X", rowKey(&sp, vals[:u.keys]), bad.Offset, bad.Bytes)
			}
		}
	}
	return nil
}

func (u *utf8Tally) findings(sampled bool) []Finding {
	note := ""
	if sampled {
		note = " (in the sample)"
	}
	var out []Finding
	for i, c := range u.cols {
		if u.replaced[i] > 0 {
			out = append(out, Finding{Severity: Warning, Table: u.table, Column: c.Name, Check: "replacement-char", Rows: u.replaced[i],
				Message: fmt.Sprintf("%d values hold U+FFFD, the replacement character a client conversion writes for bytes the declared character set cannot map%s: if the column holds another character set's bytes, name it in source.raw_charset", u.replaced[i], note)})
		}
		if u.undecodable[i] > 0 {
			out = append(out, Finding{Severity: Blocking, Table: u.table, Column: c.Name, Check: "raw-charset", Rows: u.undecodable[i], Example: u.firstUndecodable[i],
				Message: fmt.Sprintf("%d values are not valid in the source.raw_charset character set%s; the copy fails their batches; first: %s", u.undecodable[i], note, u.firstUndecodable[i])})
		}
		if u.bad[i] > 0 {
			out = append(out, Finding{Severity: Blocking, Table: u.table, Column: c.Name, Check: "invalid-utf8", Rows: u.bad[i], Example: u.first[i],
				Message: fmt.Sprintf("%d values are not well-formed UTF-8 as the Oracle client delivers them (encoded surrogates, stray or truncated bytes); utf8mb4 cannot store them and the copy fails their batches%s; first: %s", u.bad[i], note, u.first[i])})
		}
	}
	return out
}

// Preflight scans one table for what the mapping would lose, against its
// target columns (by source column name; missing ones as the mapping would
// create them): one aggregate scan in SQL, then a scan of the text columns
// checked for well-formed UTF-8 in Go. Findings are sorted worst first.
func (s *Source) Preflight(ctx context.Context, table string, targets map[string]Target, opts PreflightOptions) ([]Finding, error) {
	m, err := s.meta(ctx, table)
	if err != nil {
		return nil, err
	}
	var cols []Col
	for _, c := range m.info.Columns {
		cols = append(cols, Col{Name: c.Name, Type: m.types[c.Name]})
	}
	var out []Finding
	for _, c := range cols {
		if mp := Map(c.Type, ""); mp.Unsupported() {
			// The run refuses such a column at resolution: blocking.
			out = append(out, Finding{Severity: Blocking, Table: m.info.Name, Column: c.Name, Check: "unsupported", Message: mp.Comment})
		}
	}
	targets = s.nullAsEmptyTargets(m.info.Name, cols, targets)
	checks := append(PlanChecks(cols, targets, opts.MaxAllowedPacket), PlanBoundChecks(cols, s.opts.MaxLOBBytes)...)
	if len(checks) > 0 {
		fs, err := s.aggregateScan(ctx, m, checks, opts)
		if err != nil {
			return nil, fmt.Errorf("preflight %s: %w", table, err)
		}
		out = append(out, fs...)
	}
	fs, err := s.textScan(ctx, m, cols, opts)
	if err != nil {
		return nil, fmt.Errorf("preflight %s: %w", table, err)
	}
	out = append(out, fs...)
	sortFindings(out)
	return out, nil
}

// nullAsEmptyTargets drops NOT NULL from the text targets of columns listed
// in null_as_empty: their NULLs are written as empty strings, which such a
// column takes.
func (s *Source) nullAsEmptyTargets(table string, cols []Col, targets map[string]Target) map[string]Target {
	out := make(map[string]Target, len(targets))
	for k, v := range targets {
		out[k] = v
	}
	for _, c := range cols {
		tg, ok := out[c.Name]
		if ok && tg.NotNull && s.nullAsEmpty(table, c.Name) && Map(c.Type, "").Kind == catalog.KindString {
			tg.NotNull = false
			out[c.Name] = tg
		}
	}
	return out
}

func (s *Source) aggregateScan(ctx context.Context, m *tableMeta, checks []Check, opts PreflightOptions) ([]Finding, error) {
	var out []Finding
	for _, group := range SplitChecks(checks, maxSelectExprs) {
		fs, err := s.aggregateGroup(ctx, m, group, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

func (s *Source) aggregateGroup(ctx context.Context, m *tableMeta, checks []Check, opts PreflightOptions) ([]Finding, error) {
	q, err := PreflightQuery(Spec{Owner: s.owner, Table: m.info.Name, SCN: s.scn, Where: opts.Where}, checks, opts.SamplePercent)
	if err != nil {
		return nil, err
	}
	var row []string
	err = s.query(ctx, q, func(vals []any) error {
		row = make([]string, len(vals))
		for i, v := range vals {
			if v != nil {
				t, err := textValue(v)
				if err != nil {
					return err
				}
				row[i] = t
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return Interpret(m.info.Name, checks, row, opts.SamplePercent > 0)
}

// textScan reads the text columns with the key and counts the values that
// are not well-formed UTF-8.
func (s *Source) textScan(ctx context.Context, m *tableMeta, cols []Col, opts PreflightOptions) ([]Finding, error) {
	text := textColumns(cols)
	if len(text) == 0 {
		return nil, nil
	}
	for i, c := range text {
		rc, err := rawColumn(s.opts.RawCharset, s.charsets, m.info.Name, c)
		if err != nil {
			return nil, err
		}
		text[i] = rc
	}
	// The key names each bad value: the primary key, else a unique key,
	// else the ROWID.
	keyNames := m.info.PrimaryKey
	if len(keyNames) == 0 && len(m.info.UniqueKeys) > 0 {
		keyNames = m.info.UniqueKeys[0]
	}
	key := []Col{{Name: rowidCol, Type: Type{Name: "ROWID"}}}
	if len(keyNames) > 0 {
		key = nil
		for _, k := range keyNames {
			key = append(key, Col{Name: k, Type: m.types[k]})
		}
	}
	q, err := TextScanQuery(Spec{Owner: s.owner, Table: m.info.Name, SCN: s.scn, Key: key, LOBBound: s.opts.MaxLOBBytes, Where: opts.Where}, text, opts.SamplePercent)
	if err != nil {
		return nil, err
	}
	tally := newUTF8Tally(m.info.Name, key, text)
	if err := s.query(ctx, q, func(vals []any) error { return tally.add(key, vals) }); err != nil {
		return nil, err
	}
	return tally.findings(opts.SamplePercent > 0), nil
}

// FormatFindings renders findings as an aligned table for the terminal.
func FormatFindings(fs []Finding) string { return preflight.Format(fs) }
