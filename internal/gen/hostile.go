package gen

import (
	"strings"
	"unicode/utf8"
)

// Hostile values are the ones that break exporters, escapers and converters:
// separators and escape characters of LOAD DATA's TSV, the NULL marker as text,
// NUL and Ctrl-Z, 4-byte UTF-8, empty next to NULL, strings at their column's
// maximum length, padding that PAD SPACE collations ignore, and the extremes of
// DECIMAL, DATETIME and unsigned integer ranges.

// textClass is one kind of hostile text value.
type textClass int

const (
	tcTab textClass = iota
	tcNewline
	tcCR
	tcBackslash
	tcNUL
	tcBackslashN
	tcLoneN
	tcSingleQuote
	tcDoubleQuote
	tcBacktick
	tcEmoji
	tcMultibyte
	tcEmpty
	tcNull
	tcMaxLen
	tcTrailingSpace
	tcWhitespaceOnly
	tcCtrlZ
	tcAllSpecials
	numTextClasses
)

// textCol is what a text column can hold.
type textCol struct {
	maxChars int
	nullable bool
	fixed    bool // CHAR: trailing spaces are stripped on read, so they are not offered
}

// hostileText returns the value of class c for a column, or ok=false when the
// column cannot hold it. NULL is returned as a nil interface.
func hostileText(c textClass, col textCol) (v any, ok bool) {
	var wide, narrow string
	switch c {
	case tcTab:
		wide, narrow = "before\tafter", "\t"
	case tcNewline:
		wide, narrow = "line1\nline2", "\n"
	case tcCR:
		wide, narrow = "cr\rhere\r\n", "\r"
	case tcBackslash:
		wide, narrow = `C:\new\table\`, `\`
	case tcNUL:
		wide, narrow = "nul\x00inside", "\x00"
	case tcBackslashN:
		wide = `\N`
	case tcLoneN:
		wide = "N"
	case tcSingleQuote:
		wide, narrow = "O'Brien's", "'"
	case tcDoubleQuote:
		wide, narrow = `the "best" shop`, `"`
	case tcBacktick:
		wide, narrow = "`tick` name", "`"
	case tcEmoji:
		wide, narrow = "smile \U0001F600 \U0001F389", "\U0001F600"
	case tcMultibyte:
		wide, narrow = "Zürich 東京 Ελλάδα", "ü東"
	case tcEmpty:
		return "", true
	case tcNull:
		return nil, col.nullable
	case tcMaxLen:
		return maxLenText(col.maxChars), true
	case tcTrailingSpace:
		if col.fixed {
			return nil, false
		}
		wide, narrow = "trailing   ", "x "
	case tcWhitespaceOnly:
		if col.fixed {
			return nil, false
		}
		wide = "   "
	case tcCtrlZ:
		wide, narrow = "ctrl\x1aZ", "\x1a"
	case tcAllSpecials:
		wide = "\t\n\r\\\x00\x1a'\"`\\N\U0001F600 "
		if col.fixed {
			return nil, false
		}
	default:
		return nil, false
	}
	for _, s := range []string{wide, narrow} {
		if s != "" && utf8.RuneCountInString(s) <= col.maxChars {
			return s, true
		}
	}
	return nil, false
}

// maxLenText is exactly n characters of mixed 1- to 4-byte UTF-8.
func maxLenText(n int) string {
	const pattern = "Aé東\U0001F600"
	var b strings.Builder
	for i := 0; i < n; {
		for _, r := range pattern {
			if i == n {
				break
			}
			b.WriteRune(r)
			i++
		}
	}
	return b.String()
}

// rotor hands out a column's hostile values in turn, so that every class appears
// about equally often however few hostile rows a table has.
type rotor struct {
	vals []any
	next int
}

func (r *rotor) take() any {
	v := r.vals[r.next]
	r.next++
	if r.next == len(r.vals) {
		r.next = 0
	}
	return v
}

func newRotor(start int, vals []any) rotor {
	return rotor{vals: vals, next: start % len(vals)}
}

func textRotor(start int, col textCol) rotor {
	var vals []any
	for c := range numTextClasses {
		if v, ok := hostileText(c, col); ok {
			vals = append(vals, v)
		}
	}
	return newRotor(start, vals)
}

// allBytes is every byte value 0..255 once, then again in reverse until n bytes.
func allBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		if (i/256)%2 == 0 {
			b[i] = byte(i)
		} else {
			b[i] = byte(255 - i%256)
		}
	}
	return b
}

// blobRotor offers every byte, empty, NULL, escape-laden bytes and a value of
// exactly maxLen bytes.
func blobRotor(start, maxLen int) rotor {
	return newRotor(start, []any{
		allBytes(256),
		[]byte{},
		nil,
		[]byte("\\N"),
		[]byte("\x00\t\n\r\\\x1a'\"`\\N"),
		allBytes(maxLen),
	})
}

// decimalRotor offers the extremes of a DECIMAL(p,s) column: max, min, the
// smallest positive and negative steps, and zero.
func decimalRotor(start, precision, scale int) rotor {
	intDigits := strings.Repeat("9", precision-scale)
	frac := strings.Repeat("9", scale)
	max := intDigits + "." + frac
	tiny := "0." + strings.Repeat("0", scale-1) + "1"
	return newRotor(start, []any{
		max, "-" + max, tiny, "-" + tiny, "0." + strings.Repeat("0", scale),
	})
}

// datetimeRotor offers DATETIME(6) extremes and values converters get wrong:
// the range ends, single microseconds, the Unix epoch, the 32-bit time_t limit,
// and local times that do not exist or exist twice in Central Europe.
func datetimeRotor(start int) rotor {
	return newRotor(start, []any{
		"1000-01-01 00:00:00.000000",
		"9999-12-31 23:59:59.999999",
		"2020-02-29 12:34:56.000001",
		"1970-01-01 00:00:00.000000",
		"2038-01-19 03:14:08.000000",
		"2021-03-28 02:30:00.500000",
		"2021-10-31 02:30:00.999999",
		"1000-01-01 00:00:00.000001",
	})
}
