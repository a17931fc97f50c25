// Package canon is the canonical encoding of rows for content checksums: a
// value emitted by a source adapter (the text MySQL receives for the target
// column) and the same value read back from MySQL encode to the same bytes,
// so their hashes are equal across engines and processes.
//
// Values arrive as the adapters hand them to the engine (see migrate.Reader):
// text for the target column, raw bytes for binary columns, nil for NULL.
// Adapter-level rules are applied before hashing, so they need nothing here:
// Oracle's null_as_empty columns already arrive as ” on both sides, and time
// zones are already rendered in UTC (every session runs at +00:00).
//
// The canonical form of a value depends on its column's kind:
//
//   - integers and decimals: no sign on zero, no '+', no leading zeros in the
//     integer part, no trailing zeros in the fraction (1.50 = 1.5, -0 = 0);
//   - floats: the bits of the float64 (DOUBLE), 0 for -0; FLOAT columns keep six
//     significant digits of the float32, what MySQL prints when it reads one;
//   - DATE, DATETIME, TIMESTAMP, TIME: "YYYY-MM-DD hh:mm:ss.ffffff", a fixed six
//     fraction digits ('T' is a space, a date alone is midnight);
//   - CHAR: without trailing spaces, which MySQL strips when it reads CHAR;
//   - everything else (VARCHAR, TEXT, binary, LOBs): the bytes, by content.
//
// A row encodes as, per column, the canonical bytes, their length and a tag
// byte (NULL or value; see AppendValue); its hash is the first 128 bits of its SHA-256. A batch
// combines row hashes by addition modulo 2^64 of each half, which does not
// depend on row order (via tables are read in any order) and, unlike XOR,
// does not cancel duplicated rows; the row count travels with it.
package canon

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"math"
	"strconv"
	"strings"

	"github.com/cutover/cutover/internal/catalog"
)

// Col is how one column's values are made canonical.
type Col struct {
	Kind catalog.Kind
	// Pad marks CHAR columns, whose trailing spaces MySQL drops on read.
	Pad bool
	// Single marks FLOAT (single precision) columns.
	Single bool
}

// Columns derives the canonical rules of a table's columns from their kinds
// and native types (either engine's spelling).
func Columns(cols []catalog.Column) []Col {
	out := make([]Col, len(cols))
	for i, c := range cols {
		t := strings.ToLower(strings.TrimSpace(c.Type))
		out[i] = Col{Kind: c.Kind}
		switch c.Kind {
		case catalog.KindString:
			out[i].Pad = t == "char" || t == "nchar" || strings.HasPrefix(t, "char(") || strings.HasPrefix(t, "nchar(") ||
				strings.HasPrefix(t, "character(") || strings.HasPrefix(t, "national char")
		case catalog.KindFloat:
			out[i].Single = t == "float" || strings.HasPrefix(t, "float ") || t == "binary_float" ||
				(strings.HasPrefix(t, "float(") && !strings.Contains(t, ",") && floatPrecision(t) <= 24)
		}
	}
	return out
}

// floatPrecision reads p of MySQL's FLOAT(p); 0 when absent.
func floatPrecision(t string) int {
	open, end := strings.IndexByte(t, '('), strings.IndexByte(t, ')')
	if open < 0 || end < open {
		return 0
	}
	p, _ := strconv.Atoi(t[open+1 : end])
	return p
}

// Digest is the 128-bit hash of one row.
type Digest struct{ A, B uint64 }

// Sum is the order-independent checksum of a set of rows.
type Sum struct {
	Rows int64
	A, B uint64
}

// Add adds one row's digest.
func (s *Sum) Add(d Digest) {
	s.Rows++
	s.A += d.A
	s.B += d.B
}

// Merge adds another sum (of a disjoint set of rows).
func (s *Sum) Merge(o Sum) {
	s.Rows += o.Rows
	s.A += o.A
	s.B += o.B
}

// Format names the canonical form and framing of this package. It prefixes
// every checksum the ledger stores, so that one stored by a binary whose
// framing differs (before the suffix framing that streamed values need, the
// ledger held 32 bare hex digits) is recognised, not reported as a difference.
const Format = "c2:"

// ErrOtherFormat says a stored checksum was computed in another format:
// verify reads the batch's source rows instead.
var ErrOtherFormat = errors.New("stored checksum is of another format")

// Hex is the format and the 32 hex digits of the hash part, as the ledger
// stores it.
func (s Sum) Hex() string { return fmt.Sprintf("%s%016x%016x", Format, s.A, s.B) }

// String is the count and the hash, for messages.
func (s Sum) String() string { return fmt.Sprintf("%d rows/%s", s.Rows, s.Hex()) }

// ParseHex reads Hex's output back into a sum of rows rows.
func ParseHex(rows int64, h string) (Sum, error) {
	h, ok := strings.CutPrefix(h, Format)
	if !ok {
		return Sum{}, fmt.Errorf("checksum %q: %w", h, ErrOtherFormat)
	}
	if len(h) != 32 {
		return Sum{}, errors.New("checksum " + strconv.Quote(h) + " is not 32 hex digits")
	}
	a, err1 := strconv.ParseUint(h[:16], 16, 64)
	b, err2 := strconv.ParseUint(h[16:], 16, 64)
	if err1 != nil || err2 != nil {
		return Sum{}, errors.New("checksum " + strconv.Quote(h) + " is not 32 hex digits")
	}
	return Sum{Rows: rows, A: a, B: b}, nil
}

// Hasher hashes rows of one table. It belongs to one goroutine: it reuses its
// buffer, so hashing a row allocates nothing.
type Hasher struct {
	cols []Col
	buf  []byte

	// The state of a row with streamed values (stream.go).
	sha  hash.Hash
	sum  [sha256.Size]byte
	row  [][]byte
	next int    // first column not hashed yet
	open int    // the column being streamed, -1 when none
	n    uint64 // bytes of the open value so far
}

// NewHasher returns a hasher for rows with the given columns, in copy order.
func NewHasher(cols []catalog.Column) *Hasher {
	return &Hasher{cols: Columns(cols), buf: make([]byte, 0, 512)}
}

// Row returns the digest of one row; row must have one value per column.
func (h *Hasher) Row(row [][]byte) Digest {
	h.buf = h.Encode(h.buf[:0], row)
	sum := sha256.Sum256(h.buf)
	return Digest{A: binary.LittleEndian.Uint64(sum[0:8]), B: binary.LittleEndian.Uint64(sum[8:16])}
}

// Encode appends the canonical encoding of row to dst.
func (h *Hasher) Encode(dst []byte, row [][]byte) []byte {
	for i, v := range row {
		var c Col
		if i < len(h.cols) {
			c = h.cols[i]
		}
		dst = AppendValue(dst, c, v)
	}
	return dst
}

// Value returns the canonical form of one value of column i, nil for NULL
// (for keys and messages; it allocates).
func (h *Hasher) Value(i int, v []byte) []byte {
	if v == nil {
		return nil
	}
	return canonical(nil, h.cols[i], v)
}

const (
	tagNull  = 0
	tagValue = 1
)

// AppendValue appends the framed canonical form of v: NULL is the tag byte
// alone; a value is its canonical bytes, then their length (8 bytes, little
// endian), then the tag. The frame is a suffix, not a prefix, so a value
// streamed in pieces (a LOB over the source's bound, whose byte length is
// known only once it is read) frames to the same bytes as the value held
// whole; read from the end, the encoding still parses one way only.
func AppendValue(dst []byte, c Col, v []byte) []byte {
	if v == nil {
		return append(dst, tagNull)
	}
	start := len(dst)
	dst = canonical(dst, c, v)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(len(dst)-start))
	return append(dst, tagValue)
}

func canonical(dst []byte, c Col, v []byte) []byte {
	switch c.Kind {
	case catalog.KindInt, catalog.KindUint, catalog.KindDecimal:
		return appendDecimal(dst, v)
	case catalog.KindFloat:
		return appendFloat(dst, v, c.Single)
	case catalog.KindTime:
		return appendTime(dst, v)
	case catalog.KindString:
		if c.Pad {
			end := len(v)
			for end > 0 && v[end-1] == ' ' {
				end--
			}
			v = v[:end]
		}
	}
	return append(dst, v...)
}

// appendDecimal writes a plain decimal without redundant zeros or sign; text
// that is not a plain decimal is written unchanged (it then only equals itself).
func appendDecimal(dst, v []byte) []byte {
	s := v
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	intEnd := 0
	for intEnd < len(s) && isDigit(s[intEnd]) {
		intEnd++
	}
	intPart, frac := s[:intEnd], s[intEnd:]
	if len(frac) > 0 {
		if frac[0] != '.' {
			return append(dst, v...)
		}
		frac = frac[1:]
		for _, b := range frac {
			if !isDigit(b) {
				return append(dst, v...)
			}
		}
	}
	if len(intPart) == 0 && len(frac) == 0 {
		return append(dst, v...)
	}
	for len(intPart) > 0 && intPart[0] == '0' {
		intPart = intPart[1:]
	}
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if len(intPart) == 0 && len(frac) == 0 {
		return append(dst, '0')
	}
	if neg {
		dst = append(dst, '-')
	}
	if len(intPart) == 0 {
		dst = append(dst, '0')
	}
	dst = append(dst, intPart...)
	if len(frac) > 0 {
		dst = append(dst, '.')
		dst = append(dst, frac...)
	}
	return dst
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// appendFloat writes the float's canonical text; unparsable text is kept.
func appendFloat(dst, v []byte, single bool) []byte {
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, v...)
	}
	if f == 0 {
		return append(dst, '0')
	}
	if single {
		return strconv.AppendFloat(dst, float64(float32(f)), 'g', 6, 32)
	}
	// The value's bits: cheaper than formatting and exactly as strict.
	return binary.BigEndian.AppendUint64(dst, math.Float64bits(f))
}

// appendTime writes "YYYY-MM-DD hh:mm:ss.ffffff" for dates and date-times and
// "hh:mm:ss.ffffff" for times of day; other text (YEAR) is kept.
func appendTime(dst, v []byte) []byte {
	date := len(v) >= 10 && v[4] == '-' && v[7] == '-'
	if date && len(v) == 10 {
		dst = append(dst, v...)
		return append(dst, " 00:00:00.000000"...)
	}
	if date && (v[10] == 'T' || v[10] == ' ') {
		dst = append(dst, v[:10]...)
		dst = append(dst, ' ')
		v = v[11:]
	} else if date || indexByte(v, ':') < 0 {
		return append(dst, v...)
	}
	dot := indexByte(v, '.')
	if dot < 0 {
		dst = append(dst, v...)
		return append(dst, ".000000"...)
	}
	dst = append(dst, v[:dot+1]...)
	frac := v[dot+1:]
	if len(frac) > 6 {
		// More digits than MySQL keeps: trailing zeros only are harmless.
		end := len(frac)
		for end > 6 && frac[end-1] == '0' {
			end--
		}
		return append(dst, frac[:end]...)
	}
	dst = append(dst, frac...)
	for i := len(frac); i < 6; i++ {
		dst = append(dst, '0')
	}
	return dst
}

func indexByte(v []byte, c byte) int {
	for i, b := range v {
		if b == c {
			return i
		}
	}
	return -1
}
