package oracle

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// InvalidTextError says a text value, as the Oracle client delivered it, is
// not well-formed UTF-8, so a utf8mb4 column cannot store it unchanged.
// Well-formed means what utf8mb4 and Go's unicode/utf8 both mean: shortest
// form, no encoded UTF-16 surrogate (U+D800..U+DFFF, as in CESU-8 or from an
// unpaired surrogate in NCHAR data), nothing above U+10FFFF, no stray
// continuation or truncated sequence. The copy fails the batch instead of
// writing a replacement character.
type InvalidTextError struct {
	Offset int    // byte offset of the first malformed sequence
	Bytes  []byte // up to 4 bytes from Offset
}

func (e *InvalidTextError) Error() string {
	return fmt.Sprintf("text is not well-formed UTF-8 at byte %d (bytes % X): utf8mb4 cannot store it unchanged (run `cutover preflight` to list every such value)", e.Offset, e.Bytes)
}

// checkUTF8 returns an *InvalidTextError for the first malformed sequence of
// b, nil when b is well-formed.
func checkUTF8(b []byte) error {
	if utf8.Valid(b) {
		return nil
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return &InvalidTextError{Offset: i, Bytes: append([]byte(nil), b[i:min(i+4, len(b))]...)}
		}
		i += n
	}
	return nil
}

// isLOB reports whether extraction reads c as a LOB DBMS_LOB.GETLENGTH can
// measure before it is fetched (LONG and LONG RAW cannot be measured).
func (c Col) isLOB() bool {
	switch c.Type.Name {
	case "CLOB", "NCLOB", "BLOB", "XMLTYPE", "JSON":
		return true
	}
	return false
}

func (c Col) lobUnit() string {
	if c.Type.Name == "BLOB" {
		return "bytes"
	}
	return "characters"
}

// lobCols are the indexes of s.Columns that are measured LOBs.
func (s *Spec) lobCols() []int { return s.colsWhere(Col.isLOB) }

// colsWhere are the indexes of s.Columns for which keep is true.
func (s *Spec) colsWhere(keep func(Col) bool) []int {
	var out []int
	for i, c := range s.Columns {
		if keep(c) {
			out = append(out, i)
		}
	}
	return out
}

// heldLimit is the longest value of LOB column c that is held whole, in
// the unit DBMS_LOB.GETLENGTH counts: bytes for BLOB, characters for the
// others, of which each takes up to 4 bytes in UTF-8, so the held value
// stays within the bound in bytes.
func (c Col) heldLimit(bound int64) int64 {
	if c.lobUnit() == "bytes" {
		return bound
	}
	return max(bound/4, 1)
}

// boundedSelect is the select list of s's columns (table alias t) with its
// LOBs bounded (boundLOBs) and the SDO_SRID of each geometry column last
// (geometrySRIDs): what extraction, the read of a deferred row and the text
// scan all fetch.
func (s *Spec) boundedSelect() []string {
	sel := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		sel[i] = c.selectExpr("t")
	}
	return append(s.boundLOBs(sel), s.geometrySRIDs()...)
}

// boundLOBs rewrites the select list so that no LOB over its held limit is
// fetched: such a value is selected as NULL, and one length column per LOB
// is appended, so the reader can tell it from a real NULL and stream it
// (lobstream.go) by the row's key, which is appended last.
//
// The length columns are appended even without a bound: godror returns ""
// both for a NULL CLOB and for an empty one (EMPTY_CLOB()), and the length,
// NULL exactly when the value is, tells them apart (lobNulls).
func (s *Spec) boundLOBs(sel []string) []string {
	lobs := s.lobCols()
	if len(lobs) == 0 {
		return sel
	}
	var lengths []string
	for _, i := range lobs {
		e := sel[i]
		l := "DBMS_LOB.GETLENGTH(" + e + ")"
		if s.LOBBound > 0 {
			sel[i] = "CASE WHEN " + l + " > " + strconv.FormatInt(s.Columns[i].heldLimit(s.LOBBound), 10) + " THEN NULL ELSE " + e + " END"
		}
		lengths = append(lengths, l)
	}
	sel = append(sel, lengths...)
	if s.LOBBound > 0 {
		for _, k := range s.key() {
			sel = append(sel, k.selectExpr("t"))
		}
	}
	return sel
}

// lobNulls sets to nil the LOB values of a row (as boundLOBs selects it)
// whose length column is NULL: godror hands a NULL CLOB over as "".
func (s *Spec) lobNulls(lobs []int, vals []any) {
	for j, i := range lobs {
		if at := len(s.Columns) + j; at < len(vals) && vals[at] == nil {
			vals[i] = nil
		}
	}
}

// rowKey renders the key of a row for an error message: the key columns'
// values where extraction selected them, as the ledger's boundaries would.
func rowKey(s *Spec, vals []any) string {
	var parts []string
	for _, k := range s.Key {
		for i, c := range s.Columns {
			if c.Name != k.Name || i >= len(vals) {
				continue
			}
			v, err := EncodeKey(k.Type, vals[i])
			if err != nil {
				v = "?"
			}
			parts = append(parts, k.Name+"="+v)
		}
	}
	if len(parts) == 0 {
		return "(key not selected)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// lobLength reads a GETLENGTH column; NULL is -1.
func lobLength(v any) (int64, error) {
	if v == nil {
		return -1, nil
	}
	return countValue(v)
}
