package oracle

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Convert turns one value as godror returns it (with NumberAsString, CLOBs as
// string, BLOBs as []byte, intervals selected through TO_CHAR) into the text
// LOAD DATA should receive for a column mapped by m; nil means NULL. zone is
// where TIMESTAMP WITH [LOCAL] TIME ZONE instants are rendered (nil: UTC).
//
// Fractions of a second beyond the target's precision are truncated, never
// rounded: rounding can carry into the next second, minute or day, and
// truncation keeps every converted value inside the source value's second.
// Preflight counts the rows where this drops digits.
//
// godror returns "" for a NULL of the character types (Mapping.EmptyIsNull),
// and Oracle stores no empty string in them: "" is NULL there.
func Convert(m Mapping, v any, zone *time.Location) ([]byte, error) {
	if v == nil || m.EmptyIsNull && emptyText(v) {
		return nil, nil
	}
	switch m.Conv {
	case ConvText:
		b, err := textBytes(v)
		if err != nil {
			return nil, err
		}
		return b, checkUTF8(b)
	case ConvDecimal:
		s, err := numberText(v)
		if err != nil || s == "" {
			return nil, err
		}
		if plainDecimal(s) {
			return []byte(s), nil
		}
		d, err := NormalizeDecimal(s)
		if err != nil {
			return nil, err
		}
		return []byte(d), nil
	case ConvFloat32, ConvFloat64:
		return floatBytes(v, m.Conv == ConvFloat32)
	case ConvDate, ConvTimestamp, ConvTimestampTZ:
		t, ok, err := timeValue(v)
		if err != nil || !ok {
			return nil, err
		}
		if m.Conv == ConvTimestampTZ {
			if zone == nil {
				zone = time.UTC
			}
			t = t.In(zone)
		}
		fsp := m.FSP
		if m.Conv == ConvDate {
			fsp = 0
		}
		return FormatDatetime(t, fsp)
	case ConvIntervalYM:
		s, err := textValue(v)
		if err != nil {
			return nil, err
		}
		out, err := IntervalYM(s)
		return []byte(out), err
	case ConvIntervalDS:
		switch d := v.(type) {
		case time.Duration:
			return []byte(IntervalDSFromDuration(d, m.FSP)), nil
		}
		s, err := textValue(v)
		if err != nil {
			return nil, err
		}
		out, err := IntervalDS(s, m.FSP)
		return []byte(out), err
	case ConvBytes:
		switch b := v.(type) {
		case []byte:
			if b == nil {
				return []byte{}, nil
			}
			return b, nil
		case string:
			return []byte(b), nil
		}
		return nil, fmt.Errorf("binary column: unexpected %T", v)
	case ConvBool:
		switch b := v.(type) {
		case bool:
			if b {
				return []byte("1"), nil
			}
			return []byte("0"), nil
		}
		s, err := numberText(v)
		if err != nil {
			return nil, err
		}
		return []byte(s), nil
	case ConvGeometry:
		return nil, errors.New("an SDO_GEOMETRY value is converted with its SRID (convertGeometry)")
	}
	return nil, fmt.Errorf("column of unsupported type %s is not copied", m.MySQL)
}

// emptyText reports whether v is a zero-length string or byte slice.
func emptyText(v any) bool {
	switch s := v.(type) {
	case string:
		return s == ""
	case []byte:
		return len(s) == 0
	}
	return false
}

func textValue(v any) (string, error) {
	switch s := v.(type) {
	case string:
		return s, nil
	case []byte:
		return string(s), nil
	case fmt.Stringer:
		return s.String(), nil
	}
	return "", fmt.Errorf("text column: unexpected %T", v)
}

func textBytes(v any) ([]byte, error) {
	switch s := v.(type) {
	case string:
		return []byte(s), nil
	case []byte:
		return s, nil
	case fmt.Stringer:
		return []byte(s.String()), nil
	}
	return nil, fmt.Errorf("text column: unexpected %T", v)
}

// numberText accepts godror's NUMBER forms: string (NumberAsString) or the
// godror.Number string type; integers are accepted for BOOLEAN-like columns.
// float64 is refused: a NUMBER must never pass through it.
func numberText(v any) (string, error) {
	switch n := v.(type) {
	case string:
		return n, nil
	case []byte:
		return string(n), nil
	case int64:
		return strconv.FormatInt(n, 10), nil
	case int:
		return strconv.Itoa(n), nil
	case uint64:
		return strconv.FormatUint(n, 10), nil
	case fmt.Stringer:
		return n.String(), nil
	}
	return "", fmt.Errorf("NUMBER column: got %T; the query must use godror.NumberAsString", v)
}

// plainDecimal reports whether s is already what NormalizeDecimal returns: an
// optional minus, an integer part without leading zeros, and a fraction
// without trailing zeros. Most NUMBER values are, and skip the rewrite.
func plainDecimal(s string) bool {
	i := 0
	if len(s) > 1 && s[0] == '-' {
		i = 1
	}
	start, point := i, -1
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
		case c == '.' && point < 0:
			point = i
		default:
			return false
		}
	}
	end := len(s)
	if point < 0 {
		point = end
	} else if point == end-1 || s[end-1] == '0' {
		return false // "5." or a trailing zero in the fraction
	}
	switch {
	case point == start:
		return false // ".5"
	case s[start] == '0' && point-start > 1:
		return false // "05"
	case start == 1 && s == "-0":
		return false
	}
	return true
}

// NormalizeDecimal rewrites Oracle's NUMBER text (".5", "-.5", "1E+125",
// "1.5E-07") as a plain decimal MySQL parses exactly ("0.5", "-0.5",
// "1000...0", "0.00000015").
func NormalizeDecimal(s string) (string, error) {
	s = strings.TrimSpace(s)
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil {
			return "", fmt.Errorf("number %q: bad exponent", s)
		}
		mant, exp = s[:i], e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return "", fmt.Errorf("number %q is not a decimal", s)
	}
	point := len(intPart) + exp // position of the decimal point in digits
	switch {
	case point <= 0:
		digits = strings.Repeat("0", 1-point) + digits
		point = 1
	case point > len(digits):
		digits += strings.Repeat("0", point-len(digits))
	}
	intPart, frac = strings.TrimLeft(digits[:point], "0"), strings.TrimRight(digits[point:], "0")
	if intPart == "" {
		intPart = "0"
	}
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out, nil
}

func floatBytes(v any, single bool) ([]byte, error) {
	var f float64
	switch x := v.(type) {
	case float32:
		f = float64(x)
	case float64:
		f = x
	case string:
		// godror may hand BINARY_* over as text with NumberAsString.
		bits := 64
		if single {
			bits = 32
		}
		p, err := strconv.ParseFloat(x, bits)
		if err != nil {
			return nil, fmt.Errorf("binary float %q: %w", x, err)
		}
		f = p
	default:
		return nil, fmt.Errorf("float column: unexpected %T", v)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("float value %v has no MySQL form", f)
	}
	bits := 64
	if single {
		bits = 32
	}
	return []byte(strconv.FormatFloat(f, 'g', -1, bits)), nil
}

// nullTimer matches godror.NullTime and sql.NullTime without naming them.
type timeValuer interface{ Value() (any, error) }

func timeValue(v any) (time.Time, bool, error) {
	switch t := v.(type) {
	case time.Time:
		return t, true, nil
	case *time.Time:
		if t == nil {
			return time.Time{}, false, nil
		}
		return *t, true, nil
	case timeValuer:
		x, err := t.Value()
		if err != nil {
			return time.Time{}, false, err
		}
		if x == nil {
			return time.Time{}, false, nil
		}
		return timeValue(x)
	}
	return time.Time{}, false, fmt.Errorf("time column: unexpected %T", v)
}

// FormatDatetime writes t's wall clock as 'YYYY-MM-DD HH:MM:SS' followed by fsp
// fraction digits, truncated. Years outside 1..9999 have no DATETIME form.
func FormatDatetime(t time.Time, fsp int) ([]byte, error) {
	y := t.Year()
	if y < 1 || y > 9999 {
		return nil, fmt.Errorf("date %s: year %d is outside DATETIME's range", t.Format(time.RFC3339Nano), y)
	}
	b := make([]byte, 0, 26)
	b = appendInt(b, y, 4)
	b = append(b, '-')
	b = appendInt(b, int(t.Month()), 2)
	b = append(b, '-')
	b = appendInt(b, t.Day(), 2)
	b = append(b, ' ')
	b = appendInt(b, t.Hour(), 2)
	b = append(b, ':')
	b = appendInt(b, t.Minute(), 2)
	b = append(b, ':')
	b = appendInt(b, t.Second(), 2)
	if fsp > 0 {
		fsp = min(fsp, 9)
		b = append(b, '.')
		ns := appendInt(nil, t.Nanosecond(), 9)
		b = append(b, ns[:fsp]...)
	}
	return b, nil
}

func appendInt(b []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// IntervalYM renders an INTERVAL YEAR TO MONTH as [-]Y-MM. It accepts Oracle's
// TO_CHAR form ("+02-03", "-01-06") and godror's ("2-3", "-1--6").
func IntervalYM(s string) (string, error) {
	s = strings.TrimSpace(s)
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	ys, ms, ok := strings.Cut(s, "-")
	if !ok {
		return "", fmt.Errorf("interval year to month %q: no month", s)
	}
	if strings.HasPrefix(ms, "-") {
		neg, ms = true, ms[1:]
	}
	y, err1 := strconv.ParseInt(ys, 10, 64)
	m, err2 := strconv.ParseInt(ms, 10, 64)
	if err1 != nil || err2 != nil || m > 11 || y < 0 || m < 0 {
		return "", fmt.Errorf("interval year to month %q is malformed", s)
	}
	sign := ""
	if neg && (y != 0 || m != 0) {
		sign = "-"
	}
	return fmt.Sprintf("%s%d-%02d", sign, y, m), nil
}

// IntervalDS renders an INTERVAL DAY TO SECOND from Oracle's TO_CHAR form
// ("+000000001 02:03:04.500000") as [-]D HH:MM:SS[.f], with frac digits.
func IntervalDS(s string, frac int) (string, error) {
	s = strings.TrimSpace(s)
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	ds, clock, ok := strings.Cut(s, " ")
	parts := strings.Split(clock, ":")
	if !ok || len(parts) != 3 {
		return "", fmt.Errorf("interval day to second %q is malformed", s)
	}
	d, err := strconv.ParseInt(ds, 10, 64)
	if err != nil {
		return "", fmt.Errorf("interval day to second %q: bad day", s)
	}
	secs, f, _ := strings.Cut(parts[2], ".")
	h, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	se, err3 := strconv.Atoi(secs)
	if err1 != nil || err2 != nil || err3 != nil || strings.Trim(f, "0123456789") != "" {
		return "", fmt.Errorf("interval day to second %q is malformed", s)
	}
	f = (f + strings.Repeat("0", 9))[:min(max(frac, 0), 9)]
	zero := d == 0 && h == 0 && mi == 0 && se == 0 && strings.Trim(f, "0") == ""
	return formatDS(neg && !zero, d, h, mi, se, f), nil
}

// IntervalDSFromDuration renders a duration as IntervalDS does.
func IntervalDSFromDuration(v time.Duration, frac int) string {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	ns := u % 1e9
	s := u / 1e9
	f := fmt.Sprintf("%09d", ns)[:min(max(frac, 0), 9)]
	return formatDS(neg, int64(s/86400), int(s/3600%24), int(s/60%60), int(s%60), f)
}

func formatDS(neg bool, d int64, h, m, s int, f string) string {
	sign := ""
	if neg {
		sign = "-"
	}
	out := fmt.Sprintf("%s%d %02d:%02d:%02d", sign, d, h, m, s)
	if f != "" {
		out += "." + f
	}
	return out
}
