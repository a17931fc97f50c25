package mysqldb

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqltype"
	"github.com/cutover/cutover/migrate"
)

// targetColumn is what a dry read checks a value against: the target table's
// column as information_schema describes it.
type targetColumn struct {
	name, dataType, columnType string
	nullable, autoInc          bool
	maxChars, maxOctets        int64 // 0 when not a string or binary type
	precision, scale           int64 // of DECIMAL
}

// DryLoader returns the loader of `run --dry-run=read`: it encodes every row
// exactly as Load streams it to LOAD DATA (into io.Discard) and checks each
// value against the target column the way the server in strict mode would:
// NULL in a NOT NULL column, text that is not UTF-8 or longer than the column,
// bytes longer than the column, integers out of the type's range, decimals
// with too many digits. Dates, times and floats are not checked (only
// --dry-run=rollback proves them). The target is read, never written.
func (d *DB) DryLoader(ctx context.Context, tables []*catalog.Table) (migrate.DryLoad, error) {
	cols := make(map[string][]targetColumn, len(tables))
	for _, t := range tables {
		tc, err := d.targetColumns(ctx, t)
		if err != nil {
			return nil, err
		}
		cols[t.Name] = tc
	}
	return func(ctx context.Context, t *catalog.Table, produce func(emit migrate.Emit) error) (int64, error) {
		tc, ok := cols[t.Name]
		if !ok {
			return 0, fmt.Errorf("dry read of %s: table not described", t.Name)
		}
		bw := bufio.NewWriterSize(io.Discard, 64<<10)
		var enc encoder
		var rows int64
		keys := newRowKeys(t)
		err := produce(func(row [][]byte, big []migrate.LOB) error {
			rows++
			if len(row) != len(tc) {
				return &DataError{Table: t.Target, Msg: fmt.Sprintf("row %d has %d values for %d columns", rows, len(row), len(tc))}
			}
			for i, v := range row {
				if isStreamed(big, i) {
					continue
				}
				if msg := tc[i].check(v); msg != "" {
					where := keys.format(row)
					if where == "" {
						where = fmt.Sprintf("row %d of the batch", rows)
					}
					return &DataError{Table: t.Target, Msg: fmt.Sprintf("%s, column %s (%s): %s", where, tc[i].name, tc[i].columnType, msg)}
				}
			}
			if len(big) > 0 {
				big = checkedStreams(t, tc, big)
			}
			return enc.writeStreamedRow(ctx, bw, row, big)
		})
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			return 0, err
		}
		return rows, nil
	}, nil
}

// targetColumns describes t's target columns in the order the batch emits
// them (t.Columns), by name.
func (d *DB) targetColumns(ctx context.Context, t *catalog.Table) ([]targetColumn, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE = 'YES', EXTRA LIKE '%auto_increment%',
		COALESCE(CHARACTER_MAXIMUM_LENGTH, 0), COALESCE(CHARACTER_OCTET_LENGTH, 0), COALESCE(NUMERIC_PRECISION, 0), COALESCE(NUMERIC_SCALE, 0)
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`, d.Schema, t.Target)
	if err != nil {
		return nil, fmt.Errorf("describe target table %s: %w", t.Target, err)
	}
	defer rows.Close()
	byName := map[string]targetColumn{}
	for rows.Next() {
		var c targetColumn
		if err := rows.Scan(&c.name, &c.dataType, &c.columnType, &c.nullable, &c.autoInc, &c.maxChars, &c.maxOctets, &c.precision, &c.scale); err != nil {
			return nil, fmt.Errorf("describe target table %s: %w", t.Target, err)
		}
		c.dataType = strings.ToLower(c.dataType)
		byName[strings.ToLower(c.name)] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe target table %s: %w", t.Target, err)
	}
	if len(byName) == 0 {
		return nil, fmt.Errorf("target table %s does not exist in %s", t.Target, d.Schema)
	}
	out := make([]targetColumn, len(t.Columns))
	for i, sc := range t.Columns {
		c, ok := byName[strings.ToLower(sc.Name)]
		if !ok {
			return nil, fmt.Errorf("target table %s has no column %s", t.Target, sc.Name)
		}
		out[i] = c
	}
	return out, nil
}

// check returns why the target would refuse or change v, or "".
func (c targetColumn) check(v []byte) string {
	if v == nil {
		if !c.nullable && !c.autoInc && c.dataType != "timestamp" {
			return "NULL in a NOT NULL column"
		}
		return ""
	}
	switch c.dataType {
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set", "json":
		if !utf8.Valid(v) {
			return "text that is not valid UTF-8"
		}
		if (c.dataType == "char" || c.dataType == "varchar") && c.maxChars > 0 {
			if n := int64(utf8.RuneCount(v)); n > c.maxChars {
				return fmt.Sprintf("%d characters, the column holds %d", n, c.maxChars)
			}
		} else if c.maxOctets > 0 && int64(len(v)) > c.maxOctets {
			return fmt.Sprintf("%d bytes, the column holds %d", len(v), c.maxOctets)
		}
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		if c.maxOctets > 0 && int64(len(v)) > c.maxOctets {
			return fmt.Sprintf("%d bytes, the column holds %d", len(v), c.maxOctets)
		}
	case "bit":
		return checkBit(v, c.columnType)
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint":
		return checkInt(string(v), c.dataType, strings.Contains(c.columnType, "unsigned"))
	case "decimal", "numeric":
		return checkDecimal(string(v), c.precision, c.scale)
	}
	return ""
}

// checkBit refuses a BIT value (its bytes, big-endian) wider than the
// column's bits.
func checkBit(v []byte, columnType string) string {
	width := 1
	if a := mysqltype.Args(columnType); len(a) > 0 {
		width = a[0]
	}
	v = bytes.TrimLeft(v, "\x00")
	n := 0
	if len(v) > 0 {
		n = (len(v)-1)*8 + bits.Len8(v[0])
	}
	if n > width {
		return fmt.Sprintf("a %d-bit value, the column holds %d bits", n, width)
	}
	return ""
}

func checkInt(s, dataType string, unsigned bool) string {
	bits := map[string]int{"tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "integer": 32, "bigint": 64}[dataType]
	if unsigned {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || bits < 64 && n > 1<<bits-1 {
			return "not an integer in the column's range"
		}
		return ""
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || bits < 64 && (n < -1<<(bits-1) || n > 1<<(bits-1)-1) {
		return "not an integer in the column's range"
	}
	return ""
}

// checkDecimal refuses a value with more integer digits than the column
// holds, or with non-zero fraction digits the column would round away.
func checkDecimal(s string, precision, scale int64) string {
	s = strings.TrimLeft(s, "+-")
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" || strings.Trim(intPart+frac, "0123456789") != "" {
		return "not a decimal number"
	}
	intPart = strings.TrimLeft(intPart, "0")
	if int64(len(intPart)) > precision-scale {
		return fmt.Sprintf("%d integer digits, the column holds %d", len(intPart), precision-scale)
	}
	if int64(len(frac)) > scale && strings.Trim(frac[scale:], "0") != "" {
		return fmt.Sprintf("%d fraction digits, the column keeps %d", len(frac), scale)
	}
	return ""
}
