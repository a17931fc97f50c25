// Package mysqltype knows MySQL column types as information_schema spells
// them (COLUMN_TYPE "int(11) unsigned", DATA_TYPE "int"): their numbers, the
// range of integer types and the capacity of string and LOB types, and how
// an identifier is quoted. Both source adapters' preflights judge values
// against the same bounds through it.
package mysqltype

import (
	"math/big"
	"strconv"
	"strings"
)

// Quote quotes a MySQL identifier.
func Quote(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// Shape parses a COLUMN_TYPE into its base name (lower case), its numbers
// and whether it is unsigned: "decimal(12,2)" is decimal, [12 2].
func Shape(columnType string) (base string, args []int, unsigned bool) {
	typ := strings.ToLower(strings.TrimSpace(columnType))
	unsigned = strings.Contains(typ, "unsigned")
	base = typ
	if i := strings.IndexAny(typ, "( "); i >= 0 {
		base = typ[:i]
	}
	return base, Args(typ), unsigned
}

// Normal is a type as a config writes it (tables[].override: "VARCHAR(20)",
// "BIGINT  UNSIGNED", "DECIMAL (18,4)") in COLUMN_TYPE's spelling, as far as
// Shape, Args and IntBounds read it: lower case, one space between words,
// none before the parenthesis.
func Normal(typ string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(strings.ToLower(typ)), " "), " (", "(")
}

// Args are the numbers in a COLUMN_TYPE's parentheses, nil without them.
func Args(columnType string) []int {
	i := strings.Index(columnType, "(")
	if i < 0 {
		return nil
	}
	j := strings.Index(columnType[i:], ")")
	if j < 0 {
		return nil
	}
	var out []int
	for _, a := range strings.Split(columnType[i+1:i+j], ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(a)); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// intBits is the width of an integer base type, 0 for others.
func intBits(base string) uint {
	switch base {
	case "tinyint":
		return 8
	case "smallint":
		return 16
	case "mediumint":
		return 24
	case "int", "integer":
		return 32
	case "bigint":
		return 64
	}
	return 0
}

// IntBounds is the range of an integer COLUMN_TYPE, and whether it is one.
func IntBounds(columnType string) (lo, hi *big.Int, ok bool) {
	base, _, unsigned := Shape(columnType)
	bits := intBits(base)
	if bits == 0 {
		return nil, nil, false
	}
	one := big.NewInt(1)
	if unsigned {
		return big.NewInt(0), new(big.Int).Sub(new(big.Int).Lsh(one, bits), one), true
	}
	return new(big.Int).Neg(new(big.Int).Lsh(one, bits-1)), new(big.Int).Sub(new(big.Int).Lsh(one, bits-1), one), true
}

// ByteCap is the byte capacity of a TEXT or BLOB family DATA_TYPE, 0 for
// others.
func ByteCap(dataType string) int64 {
	switch strings.ToLower(dataType) {
	case "tinytext", "tinyblob":
		return 255
	case "text", "blob":
		return 65535
	case "mediumtext", "mediumblob":
		return 16777215
	case "longtext", "longblob":
		return 4294967295
	}
	return 0
}

// MaxChars is the character capacity of a string COLUMN_TYPE in utf8mb4:
// n for CHAR(n) and VARCHAR(n), the TEXT types' bytes over 4; 0 when
// unbounded for practical purposes (LONGTEXT) or not a string.
func MaxChars(columnType string) int {
	base, args, _ := Shape(columnType)
	switch base {
	case "varchar", "char":
		if len(args) > 0 {
			return args[0]
		}
	case "tinytext", "text", "mediumtext":
		return int(ByteCap(base) / 4)
	}
	return 0
}
