// Package oracle is the Oracle source adapter: introspection, sizing and key
// boundaries, snapshot extraction through godror, the one Oracle-to-MySQL type
// mapping (used by DDL generation, value conversion and preflight), offline DDL
// conversion for `cutover schema --oracle-ddl`, and preflight scans.
package oracle

import (
	"fmt"
	"strings"

	"github.com/cutover/cutover/internal/catalog"
)

// Type is an Oracle column type as the dictionary (ALL_TAB_COLUMNS) or DDL
// (DBMS_METADATA.GET_DDL) spells it, reduced to what the mapping needs.
type Type struct {
	// Name is the upper-case base name without length or precision:
	// NUMBER, VARCHAR2, TIMESTAMP WITH TIME ZONE, INTERVAL DAY TO SECOND, ...
	Name string
	// Precision and Scale of NUMBER and FLOAT; HasPrecision is false for a bare
	// NUMBER or NUMBER(*,s), HasScale false when no scale was given.
	Precision, Scale       int
	HasPrecision, HasScale bool
	// Length of character and RAW types; CharSemantics is true when Length
	// counts characters (VARCHAR2(n CHAR), NVARCHAR2, NCHAR) rather than bytes.
	Length        int
	CharSemantics bool
	// Frac is the fractional-seconds precision of TIMESTAMP and INTERVAL DAY TO
	// SECOND (Oracle's default 6); Lead the leading field precision of INTERVAL
	// types (default 2).
	Frac, Lead int
}

// String spells t as Oracle DDL does.
func (t Type) String() string {
	switch t.Name {
	case "NUMBER":
		switch {
		case t.HasPrecision && t.HasScale:
			return fmt.Sprintf("NUMBER(%d,%d)", t.Precision, t.Scale)
		case t.HasPrecision:
			return fmt.Sprintf("NUMBER(%d)", t.Precision)
		case t.HasScale:
			return fmt.Sprintf("NUMBER(*,%d)", t.Scale)
		}
		return "NUMBER"
	case "FLOAT":
		if t.HasPrecision {
			return fmt.Sprintf("FLOAT(%d)", t.Precision)
		}
		return "FLOAT"
	case "VARCHAR2", "CHAR":
		unit := "BYTE"
		if t.CharSemantics {
			unit = "CHAR"
		}
		return fmt.Sprintf("%s(%d %s)", t.Name, t.Length, unit)
	case "NVARCHAR2", "NCHAR", "RAW", "UROWID":
		return fmt.Sprintf("%s(%d)", t.Name, t.Length)
	case "TIMESTAMP":
		return fmt.Sprintf("TIMESTAMP(%d)", t.Frac)
	case "TIMESTAMP WITH TIME ZONE":
		return fmt.Sprintf("TIMESTAMP(%d) WITH TIME ZONE", t.Frac)
	case "TIMESTAMP WITH LOCAL TIME ZONE":
		return fmt.Sprintf("TIMESTAMP(%d) WITH LOCAL TIME ZONE", t.Frac)
	case "INTERVAL YEAR TO MONTH":
		return fmt.Sprintf("INTERVAL YEAR(%d) TO MONTH", t.Lead)
	case "INTERVAL DAY TO SECOND":
		return fmt.Sprintf("INTERVAL DAY(%d) TO SECOND(%d)", t.Lead, t.Frac)
	}
	return t.Name
}

// Conv names the conversion from the value godror returns to the text of the
// LOAD DATA stream.
type Conv int

// Conversions, one per family of Oracle types.
const (
	ConvNone        Conv = iota // unsupported: the column is not copied
	ConvText                    // character data, as is
	ConvDecimal                 // NUMBER as decimal text, never through float64
	ConvFloat32                 // BINARY_FLOAT
	ConvFloat64                 // BINARY_DOUBLE
	ConvDate                    // DATE: wall clock, whole seconds
	ConvTimestamp               // TIMESTAMP: wall clock, Mapping.FSP digits, truncated
	ConvTimestampTZ             // TIMESTAMP WITH [LOCAL] TIME ZONE: instant in the target zone
	ConvIntervalYM              // INTERVAL YEAR TO MONTH as [-]Y-MM
	ConvIntervalDS              // INTERVAL DAY TO SECOND as [-]D HH:MM:SS[.f]
	ConvBytes                   // RAW, BLOB, LONG RAW: raw bytes
	ConvBool                    // BOOLEAN as 1 or 0
	ConvGeometry                // SDO_GEOMETRY: SRID and WKB, as MySQL stores a geometry (sdo.go)
)

// Loss says whether a mapping can change data or needs a human decision.
type Loss int

// Loss levels, ordered: a lossy mapping is also a judgement call.
const (
	Exact     Loss = iota // every Oracle value survives unchanged
	Judgement             // values survive but semantics differ, or a choice was made
	Lossy                 // some Oracle values cannot be stored as they are
)

func (l Loss) String() string {
	return [...]string{"exact", "judgement", "lossy"}[l]
}

// Mapping is how one Oracle type lands in MySQL.
type Mapping struct {
	// MySQL is the target column type, e.g. DECIMAL(65,30) or VARCHAR(100).
	MySQL string
	Kind  catalog.Kind
	Conv  Conv
	// FSP is the number of fractional-second digits written for time types.
	FSP int
	// Chars is the target's length in characters for VARCHAR and CHAR, 0 otherwise.
	Chars int
	Loss  Loss
	// Comment explains a lossy or judgement-call mapping; empty when exact.
	Comment string
	// Text and Blob mark TEXT/BLOB-family targets, which need prefix lengths in
	// keys and take no literal DEFAULT.
	Text, Blob bool
	// EmptyIsNull marks the types for which godror hands over "" both for
	// NULL and for what would be an empty value, and Oracle has no empty
	// value: VARCHAR2, CHAR, NCHAR, NVARCHAR2, LONG, ROWID and the types read
	// through text (INTERVAL through TO_CHAR, XMLTYPE and JSON serialized).
	// Convert turns "" of such a column into NULL. CLOB and NCLOB can hold an
	// empty value (EMPTY_CLOB()): their NULL is told by the length column
	// selected beside them (LOBNull).
	EmptyIsNull bool
	// LOBNull marks the columns read with a DBMS_LOB.GETLENGTH column beside
	// them (boundLOBs), which is NULL exactly when the value is: CLOB, NCLOB,
	// BLOB, XMLTYPE and JSON.
	LOBNull bool
}

// Unsupported reports whether the column has no MySQL form and is not copied.
func (m Mapping) Unsupported() bool { return m.Conv == ConvNone }

// MaxVarcharChars is the longest VARCHAR the mapping emits for one column:
// 4 bytes per utf8mb4 character within MySQL's 65,535-byte row limit.
const MaxVarcharChars = 16383

// Map is the one Oracle-to-MySQL type table. zone names the time zone that
// TIMESTAMP WITH TIME ZONE values are converted to (for the comment only; the
// conversion takes the location).
func Map(t Type, zone string) Mapping {
	m := mapType(t, zone)
	switch t.Name {
	case "VARCHAR2", "NVARCHAR2", "VARCHAR", "NCHAR VARYING", "CHAR", "NCHAR", "CHARACTER", "LONG",
		"ROWID", "UROWID", "INTERVAL YEAR TO MONTH", "INTERVAL DAY TO SECOND", "XMLTYPE", "SYS.XMLTYPE", "JSON":
		m.EmptyIsNull = true
	}
	switch t.Name {
	case "CLOB", "NCLOB", "BLOB", "XMLTYPE", "JSON":
		m.LOBNull = true
	}
	return m
}

func mapType(t Type, zone string) Mapping {
	if zone == "" {
		zone = "UTC"
	}
	switch t.Name {
	case "NUMBER", "DECIMAL", "NUMERIC", "INTEGER", "INT", "SMALLINT":
		return mapNumber(t)
	case "FLOAT", "REAL", "DOUBLE PRECISION":
		p := t.Precision
		if !t.HasPrecision {
			p = 126
		}
		m := Mapping{MySQL: "DOUBLE", Kind: catalog.KindFloat, Conv: ConvDecimal}
		// A binary precision of 49 bits is 15 decimal digits, which a double
		// round-trips as text.
		if p > 49 {
			m.Loss, m.Comment = Lossy, fmt.Sprintf("Oracle FLOAT(%d) is a decimal of up to %d digits; DOUBLE keeps about 15", p, (p*30103+99999)/100000)
		}
		return m
	case "BINARY_FLOAT":
		return Mapping{MySQL: "FLOAT", Kind: catalog.KindFloat, Conv: ConvFloat32, Loss: Lossy,
			Comment: "NaN and infinities have no MySQL form; preflight reports them"}
	case "BINARY_DOUBLE":
		return Mapping{MySQL: "DOUBLE", Kind: catalog.KindFloat, Conv: ConvFloat64, Loss: Lossy,
			Comment: "NaN and infinities have no MySQL form; preflight reports them"}
	case "DATE":
		return Mapping{MySQL: "DATETIME", Kind: catalog.KindTime, Conv: ConvDate,
			Loss: Judgement, Comment: "Oracle DATE carries a time of day; years before 1000 are outside DATETIME's documented range"}
	case "TIMESTAMP":
		fsp := min(t.Frac, 6)
		m := Mapping{MySQL: datetime(fsp), Kind: catalog.KindTime, Conv: ConvTimestamp, FSP: fsp}
		if t.Frac > 6 {
			m.Loss, m.Comment = Lossy, fmt.Sprintf("TIMESTAMP(%d) fractions beyond microseconds are truncated; preflight counts them", t.Frac)
		}
		return m
	case "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE":
		c := "the original offset is lost"
		if t.Name == "TIMESTAMP WITH LOCAL TIME ZONE" {
			c = "the session time zone is not kept"
		}
		if t.Frac > 6 {
			c += fmt.Sprintf("; fractions beyond microseconds of TIMESTAMP(%d) are truncated", t.Frac)
		}
		return Mapping{MySQL: "DATETIME(6)", Kind: catalog.KindTime, Conv: ConvTimestampTZ, FSP: 6, Loss: Lossy,
			Comment: fmt.Sprintf("%s stored as DATETIME(6) in %s; %s", t.Name, zone, c)}
	case "VARCHAR2", "NVARCHAR2", "VARCHAR", "NCHAR VARYING":
		// n BYTE holds at most n characters, so n characters always suffice.
		n := max(t.Length, 1)
		if n > MaxVarcharChars {
			return Mapping{MySQL: "MEDIUMTEXT", Kind: catalog.KindString, Conv: ConvText, Text: true, Loss: Judgement,
				Comment: fmt.Sprintf("%s(%d) is longer than a utf8mb4 VARCHAR can be", t.Name, t.Length)}
		}
		return Mapping{MySQL: fmt.Sprintf("VARCHAR(%d)", n), Kind: catalog.KindString, Conv: ConvText, Chars: n}
	case "CHAR", "NCHAR", "CHARACTER":
		n := max(t.Length, 1)
		m := Mapping{Kind: catalog.KindString, Conv: ConvText, Chars: n, Loss: Judgement,
			Comment: "Oracle CHAR is blank-padded; MySQL CHAR strips trailing spaces when read"}
		if n > 255 {
			m.MySQL = fmt.Sprintf("VARCHAR(%d)", n)
			m.Comment = fmt.Sprintf("CHAR(%d) is longer than MySQL CHAR (255); the padded value is kept in VARCHAR", n)
			return m
		}
		m.MySQL = fmt.Sprintf("CHAR(%d)", n)
		return m
	case "CLOB", "NCLOB":
		return Mapping{MySQL: "LONGTEXT", Kind: catalog.KindString, Conv: ConvText, Text: true}
	case "LONG":
		return Mapping{MySQL: "LONGTEXT", Kind: catalog.KindString, Conv: ConvText, Text: true, Loss: Judgement,
			Comment: "LONG cannot be read AS OF an SCN on every release; check the snapshot"}
	case "BLOB":
		return Mapping{MySQL: "LONGBLOB", Kind: catalog.KindBinary, Conv: ConvBytes, Blob: true}
	case "LONG RAW":
		return Mapping{MySQL: "LONGBLOB", Kind: catalog.KindBinary, Conv: ConvBytes, Blob: true, Loss: Judgement,
			Comment: "LONG RAW cannot be read AS OF an SCN on every release; check the snapshot"}
	case "RAW":
		return Mapping{MySQL: fmt.Sprintf("VARBINARY(%d)", max(t.Length, 1)), Kind: catalog.KindBinary, Conv: ConvBytes}
	case "ROWID":
		return Mapping{MySQL: "VARCHAR(18) CHARACTER SET ascii COLLATE ascii_bin", Kind: catalog.KindString, Conv: ConvText, Chars: 18,
			Loss: Judgement, Comment: "ROWID kept as its text; it points into the source database only"}
	case "UROWID":
		n := t.Length
		if n <= 0 {
			n = 4000
		}
		return Mapping{MySQL: fmt.Sprintf("VARCHAR(%d) CHARACTER SET ascii COLLATE ascii_bin", n), Kind: catalog.KindString, Conv: ConvText, Chars: n,
			Loss: Judgement, Comment: "UROWID kept as its text; it points into the source database only"}
	case "INTERVAL YEAR TO MONTH":
		return Mapping{MySQL: "VARCHAR(16) CHARACTER SET ascii", Kind: catalog.KindString, Conv: ConvIntervalYM, Chars: 16,
			Loss: Judgement, Comment: "INTERVAL YEAR TO MONTH as text [-]Y-MM (a MySQL YEAR_MONTH interval literal)"}
	case "INTERVAL DAY TO SECOND":
		return Mapping{MySQL: "VARCHAR(32) CHARACTER SET ascii", Kind: catalog.KindString, Conv: ConvIntervalDS, Chars: 32, FSP: t.Frac,
			Loss: Judgement, Comment: fmt.Sprintf("INTERVAL DAY TO SECOND as text [-]D HH:MM:SS%s (a MySQL DAY_MICROSECOND interval literal when at most 6 digits)", fracPattern(t.Frac))}
	case "XMLTYPE", "SYS.XMLTYPE":
		return Mapping{MySQL: "LONGTEXT", Kind: catalog.KindString, Conv: ConvText, Text: true, Loss: Judgement,
			Comment: "XMLTYPE serialized to text; XML schema validation is not carried"}
	case "JSON":
		return Mapping{MySQL: "JSON", Kind: catalog.KindString, Conv: ConvText, Text: true, Loss: Judgement,
			Comment: "MySQL normalizes JSON documents (key order, duplicate keys, number spelling)"}
	case "BOOLEAN":
		return Mapping{MySQL: "TINYINT(1)", Kind: catalog.KindInt, Conv: ConvBool}
	case "SDO_GEOMETRY", "MDSYS.SDO_GEOMETRY":
		// Plain GEOMETRY: the column type does not say whether its values are
		// points, lines or polygons, nor one SRID (each value carries its own).
		return Mapping{MySQL: "GEOMETRY", Kind: catalog.KindBinary, Conv: ConvGeometry, Blob: true, Loss: Judgement,
			Comment: "SDO_GEOMETRY copied as WKB with its SDO_SRID into GEOMETRY; Oracle SRIDs are kept as numbers, not translated to EPSG; only 2D geometries that SDO_UTIL.TO_WKBGEOMETRY converts are copied"}
	}
	return Mapping{MySQL: "", Kind: catalog.KindOther, Conv: ConvNone, Loss: Lossy,
		Comment: fmt.Sprintf("Oracle type %s has no MySQL mapping; the column is not copied", t.Name)}
}

func mapNumber(t Type) Mapping {
	switch t.Name {
	case "INTEGER", "INT", "SMALLINT":
		t = Type{Name: "NUMBER", Precision: 38, HasPrecision: true, HasScale: true}
	}
	scale := t.Scale
	if !t.HasScale {
		scale = 0
	}
	if !t.HasPrecision {
		if t.HasScale && scale == 0 {
			// NUMBER(*,0): an integer of up to 38 digits.
			return Mapping{MySQL: "DECIMAL(38,0)", Kind: catalog.KindDecimal, Conv: ConvDecimal}
		}
		return Mapping{MySQL: "DECIMAL(65,30)", Kind: catalog.KindDecimal, Conv: ConvDecimal, Loss: Lossy,
			Comment: "bare NUMBER: up to 35 integer and 30 fraction digits fit; preflight measures the real digits so a tighter type can be chosen"}
	}
	p := t.Precision
	if scale <= 0 {
		// A negative scale rounds to tens, hundreds, ...: p significant digits
		// followed by -scale zeros.
		digits := p - scale
		switch {
		case digits <= 2:
			return Mapping{MySQL: "TINYINT", Kind: catalog.KindInt, Conv: ConvDecimal}
		case digits <= 4:
			return Mapping{MySQL: "SMALLINT", Kind: catalog.KindInt, Conv: ConvDecimal}
		case digits <= 9:
			return Mapping{MySQL: "INT", Kind: catalog.KindInt, Conv: ConvDecimal}
		case digits <= 18:
			return Mapping{MySQL: "BIGINT", Kind: catalog.KindInt, Conv: ConvDecimal}
		}
		return Mapping{MySQL: fmt.Sprintf("DECIMAL(%d,0)", min(digits, 65)), Kind: catalog.KindDecimal, Conv: ConvDecimal}
	}
	if scale > p {
		// NUMBER(3,5) holds 0.00123: scale digits, all after the point.
		p = scale
	}
	if scale > 30 {
		return Mapping{MySQL: fmt.Sprintf("DECIMAL(%d,30)", min(p-scale+30, 65)), Kind: catalog.KindDecimal, Conv: ConvDecimal, Loss: Lossy,
			Comment: fmt.Sprintf("NUMBER(%d,%d): MySQL keeps at most 30 fraction digits", t.Precision, t.Scale)}
	}
	return Mapping{MySQL: fmt.Sprintf("DECIMAL(%d,%d)", p, scale), Kind: catalog.KindDecimal, Conv: ConvDecimal}
}

func datetime(fsp int) string {
	if fsp <= 0 {
		return "DATETIME"
	}
	return fmt.Sprintf("DATETIME(%d)", fsp)
}

func fracPattern(n int) string {
	if n <= 0 {
		return ""
	}
	return "." + strings.Repeat("f", n)
}

// TypeFromDictionary builds a Type from the ALL_TAB_COLUMNS columns DATA_TYPE,
// DATA_LENGTH, DATA_PRECISION, DATA_SCALE (negative when NULL), CHAR_LENGTH
// and CHAR_USED.
func TypeFromDictionary(dataType string, dataLength, precision, scale, charLength int64, charUsed string) Type {
	t := parseTypeName(dataType)
	switch t.Name {
	case "NUMBER", "FLOAT":
		t.HasPrecision, t.Precision = precision >= 0, int(precision)
		t.HasScale, t.Scale = scale >= 0, int(scale)
		if t.Name == "FLOAT" {
			t.HasScale, t.Scale = false, 0
		}
	case "VARCHAR2", "CHAR", "NVARCHAR2", "NCHAR":
		t.CharSemantics = charUsed == "C" || strings.HasPrefix(t.Name, "N")
		if t.CharSemantics {
			t.Length = int(charLength)
		} else {
			t.Length = int(dataLength)
		}
	case "RAW", "UROWID":
		t.Length = int(dataLength)
	case "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE", "INTERVAL DAY TO SECOND":
		// The dictionary holds the fractional precision in DATA_SCALE too.
		if scale >= 0 {
			t.Frac = int(scale)
		}
		if t.Name == "INTERVAL DAY TO SECOND" && precision >= 0 {
			t.Lead = int(precision)
		}
	case "INTERVAL YEAR TO MONTH":
		if precision >= 0 {
			t.Lead = int(precision)
		}
	}
	return t
}

// parseTypeName turns "TIMESTAMP(6) WITH TIME ZONE" or "INTERVAL DAY(2) TO
// SECOND(6)" into a Type carrying the bare name; the numbers come from the
// dictionary's own columns.
func parseTypeName(s string) Type {
	var b strings.Builder
	depth := 0
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '(':
			depth++
		case r == ')':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return Type{Name: strings.Join(strings.Fields(b.String()), " "), Frac: 6, Lead: 2}
}
