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

// LOBTooLargeError says a LOB is larger than source.lob_max_bytes, the bound
// on one value held in memory: the batch fails rather than exhaust memory.
type LOBTooLargeError struct {
	Length int64  // characters for CLOB/NCLOB/XMLTYPE/JSON, bytes for BLOB
	Unit   string // "characters" or "bytes"
	Bound  int64
}

func (e *LOBTooLargeError) Error() string {
	return fmt.Sprintf("a LOB of %d %s exceeds source.lob_max_bytes (%d bytes); raise the bound (memory per worker grows with it) or leave the column out", e.Length, e.Unit, e.Bound)
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
func (s *Spec) lobCols() []int {
	var out []int
	for i, c := range s.Columns {
		if c.isLOB() {
			out = append(out, i)
		}
	}
	return out
}

// boundLOBs rewrites the select list so that no LOB longer than bound is
// fetched: such a value is selected as NULL, and one length column per LOB
// is appended, so the reader can tell it from a real NULL and fail the batch
// naming the row. DBMS_LOB.GETLENGTH counts characters for character LOBs,
// so a CLOB under the bound in characters may still be up to 4 times larger
// in UTF-8 bytes; the reader checks the bytes it received as well.
func (s *Spec) boundLOBs(sel []string) []string {
	if s.LOBBound <= 0 {
		return sel
	}
	bound := strconv.FormatInt(s.LOBBound, 10)
	var lengths []string
	for _, i := range s.lobCols() {
		e := sel[i]
		l := "DBMS_LOB.GETLENGTH(" + e + ")"
		sel[i] = "CASE WHEN " + l + " > " + bound + " THEN NULL ELSE " + e + " END"
		lengths = append(lengths, l)
	}
	return append(sel, lengths...)
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
