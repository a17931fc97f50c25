package oracle

import (
	"testing"
	"time"
)

func TestConvert(t *testing.T) {
	plus2 := time.FixedZone("+02:00", 2*3600)
	minus0530 := time.FixedZone("-05:30", -(5*3600 + 30*60))
	wall := time.Date(2024, 2, 29, 23, 59, 58, 123456789, plus2)
	cases := []struct {
		name string
		typ  Type
		in   any
		want string
		null bool
	}{
		{"null", num(10, 0), nil, "", true},
		{"number int", num(10, 0), "42", "42", false},
		{"number negative", num(10, 0), "-9223372036854775808", "-9223372036854775808", false},
		{"number big beyond int64", num(38, 0), "12345678901234567890123456789012345678", "12345678901234567890123456789012345678", false},
		{"number leading point", num(12, 2), ".5", "0.5", false},
		{"number negative leading point", num(12, 2), "-.05", "-0.05", false},
		{"bare number exponent", Type{Name: "NUMBER"}, "1E+40", "10000000000000000000000000000000000000000", false},
		{"bare number negative exponent", Type{Name: "NUMBER"}, "1.5E-07", "0.00000015", false},
		{"bare number 0.1 not float", Type{Name: "NUMBER"}, "0.1", "0.1", false},
		{"float decimal", Type{Name: "FLOAT"}, "3.14159265358979", "3.14159265358979", false},
		{"binary_float", Type{Name: "BINARY_FLOAT"}, float32(0.1), "0.1", false},
		{"binary_double", Type{Name: "BINARY_DOUBLE"}, float64(1) / 3, "0.3333333333333333", false},
		{"binary_double big", Type{Name: "BINARY_DOUBLE"}, 1e300, "1e+300", false},
		{"date", Type{Name: "DATE"}, time.Date(1999, 12, 31, 23, 59, 59, 0, plus2), "1999-12-31 23:59:59", false},
		{"date early year", Type{Name: "DATE"}, time.Date(33, 1, 2, 3, 4, 5, 0, time.UTC), "0033-01-02 03:04:05", false},
		{"timestamp(0)", Type{Name: "TIMESTAMP", Frac: 0}, wall, "2024-02-29 23:59:58", false},
		{"timestamp(3)", Type{Name: "TIMESTAMP", Frac: 3}, wall, "2024-02-29 23:59:58.123", false},
		{"timestamp(6)", Type{Name: "TIMESTAMP", Frac: 6}, wall, "2024-02-29 23:59:58.123456", false},
		{"timestamp(9) truncates", Type{Name: "TIMESTAMP", Frac: 9}, time.Date(2024, 12, 31, 23, 59, 59, 999999999, time.UTC), "2024-12-31 23:59:59.999999", false},
		{"timestamp tz to utc", Type{Name: "TIMESTAMP WITH TIME ZONE", Frac: 6}, wall, "2024-02-29 21:59:58.123456", false},
		{"timestamp tz negative offset crosses day", Type{Name: "TIMESTAMP WITH TIME ZONE", Frac: 6}, time.Date(2024, 2, 28, 20, 0, 0, 5000, minus0530), "2024-02-29 01:30:00.000005", false},
		{"timestamp ltz", Type{Name: "TIMESTAMP WITH LOCAL TIME ZONE", Frac: 6}, time.Date(2024, 1, 1, 0, 0, 0, 0, plus2), "2023-12-31 22:00:00.000000", false},
		{"varchar2", Type{Name: "VARCHAR2", Length: 20}, "héllo\tworld", "héllo\tworld", false},
		{"nvarchar2 supplementary", Type{Name: "NVARCHAR2", Length: 5}, "😀", "😀", false},
		{"char padded", Type{Name: "CHAR", Length: 5}, "ab   ", "ab   ", false},
		{"clob", Type{Name: "CLOB"}, "long text", "long text", false},
		{"nclob", Type{Name: "NCLOB"}, "ünï", "ünï", false},
		{"long", Type{Name: "LONG"}, "legacy", "legacy", false},
		{"blob", Type{Name: "BLOB"}, []byte{0, 1, 0xff, '\n'}, "\x00\x01\xff\n", false},
		{"long raw", Type{Name: "LONG RAW"}, []byte("raw"), "raw", false},
		{"raw", Type{Name: "RAW", Length: 16}, []byte{0xde, 0xad, 0xbe, 0xef}, "\xde\xad\xbe\xef", false},
		{"empty blob", Type{Name: "BLOB"}, []byte{}, "", false},
		{"rowid", Type{Name: "ROWID"}, "AAAR3sAAEAAAACXAAA", "AAAR3sAAEAAAACXAAA", false},
		{"urowid", Type{Name: "UROWID", Length: 4000}, "*BAEAAAACwQL+", "*BAEAAAACwQL+", false},
		{"interval ym to_char", Type{Name: "INTERVAL YEAR TO MONTH", Lead: 2}, "+02-03", "2-03", false},
		{"interval ym negative", Type{Name: "INTERVAL YEAR TO MONTH", Lead: 2}, "-01-06", "-1-06", false},
		{"interval ym godror form", Type{Name: "INTERVAL YEAR TO MONTH", Lead: 2}, "-1--6", "-1-06", false},
		{"interval ds to_char", Type{Name: "INTERVAL DAY TO SECOND", Lead: 9, Frac: 6}, "+000000001 02:03:04.500000", "1 02:03:04.500000", false},
		{"interval ds negative", Type{Name: "INTERVAL DAY TO SECOND", Lead: 2, Frac: 2}, "-12 00:00:00.25", "-12 00:00:00.25", false},
		{"interval ds frac 0", Type{Name: "INTERVAL DAY TO SECOND", Lead: 2, Frac: 0}, "+03 04:05:06", "3 04:05:06", false},
		{"interval ds duration", Type{Name: "INTERVAL DAY TO SECOND", Lead: 2, Frac: 6}, -(26*time.Hour + 1500*time.Millisecond), "-1 02:00:01.500000", false},
		{"xmltype", Type{Name: "XMLTYPE"}, "<a>1</a>", "<a>1</a>", false},
		{"json", Type{Name: "JSON"}, `{"a":1}`, `{"a":1}`, false},
		{"boolean true", Type{Name: "BOOLEAN"}, true, "1", false},
		{"boolean false", Type{Name: "BOOLEAN"}, false, "0", false},
		// godror returns "" for a NULL of these types; Oracle has no empty
		// string in them, so "" is NULL.
		{"varchar2 empty is null", Type{Name: "VARCHAR2", Length: 20}, "", "", true},
		{"nvarchar2 empty is null", Type{Name: "NVARCHAR2", Length: 20}, "", "", true},
		{"char empty is null", Type{Name: "CHAR", Length: 3}, "", "", true},
		{"nchar empty is null", Type{Name: "NCHAR", Length: 3}, "", "", true},
		{"long empty is null", Type{Name: "LONG"}, "", "", true},
		{"xmltype empty is null", Type{Name: "XMLTYPE"}, "", "", true},
		{"json empty is null", Type{Name: "JSON"}, "", "", true},
		{"interval ym empty is null", Type{Name: "INTERVAL YEAR TO MONTH", Lead: 2}, "", "", true},
		{"interval ds empty is null", Type{Name: "INTERVAL DAY TO SECOND", Lead: 2, Frac: 6}, "", "", true},
		{"rowid empty is null", Type{Name: "ROWID"}, "", "", true},
		{"char blank is kept", Type{Name: "CHAR", Length: 3}, "   ", "   ", false},
		// A CLOB can be empty and not NULL (EMPTY_CLOB()): Convert keeps ""
		// and the row's length column decides (TestConvertRowNulls).
		{"clob empty kept", Type{Name: "CLOB"}, "", "", false},
		{"empty raw", Type{Name: "RAW", Length: 4}, []byte{}, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Convert(Map(c.typ, ""), c.in, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			if c.null {
				if got != nil {
					t.Fatalf("got %q, want NULL", got)
				}
				return
			}
			if got == nil || string(got) != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestConvertZone(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	got, err := Convert(Map(Type{Name: "TIMESTAMP WITH TIME ZONE", Frac: 6}, "CET"), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), berlin)
	if err != nil || string(got) != "2024-01-01 01:00:00.000000" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestConvertErrors(t *testing.T) {
	nan := float32(0)
	nan = nan / nan
	cases := []struct {
		name string
		typ  Type
		in   any
	}{
		{"number through float64 refused", num(10, 2), float64(1.5)},
		{"not a number", num(10, 2), "abc"},
		{"nan", Type{Name: "BINARY_FLOAT"}, nan},
		{"year 0", Type{Name: "DATE"}, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"bad interval", Type{Name: "INTERVAL YEAR TO MONTH"}, "12"},
		{"unsupported", Type{Name: "BFILE"}, "x"},
		{"wrong text type", Type{Name: "VARCHAR2", Length: 3}, 12},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, err := Convert(Map(c.typ, ""), c.in, nil); err == nil {
				t.Fatalf("got %q, want an error", got)
			}
		})
	}
}

func TestNormalizeDecimal(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "-0": "0", "+7": "7", "007": "7", "1.50": "1.5", "-.5": "-0.5",
		"1E+3": "1000", "1.234E+2": "123.4", "12E-4": "0.0012", "9.99E-130": "0." + zeros(129) + "999",
	} {
		got, err := NormalizeDecimal(in)
		if err != nil || got != want {
			t.Errorf("NormalizeDecimal(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

// TestPlainDecimal checks the fast path against NormalizeDecimal itself: a
// string is plain exactly when normalizing leaves it unchanged.
func TestPlainDecimal(t *testing.T) {
	for _, s := range []string{
		"0", "7", "-7", "42", "-42", "0.5", "-0.5", "10", "100.25", "12345678901234567890.000001",
		"-0", "05", "-05", ".5", "-.5", "5.", "1.50", "0.0", "00", "1E+3", "1e3", "+5", " 5", "", "-", "1.2.3", "1-", "0.10",
	} {
		norm, err := NormalizeDecimal(s)
		want := err == nil && norm == s
		if got := plainDecimal(s); got != want {
			t.Errorf("plainDecimal(%q) = %v, want %v (NormalizeDecimal gives %q, %v)", s, got, want, norm, err)
		}
	}
}

// TestConvertRowNulls reads a row as godror hands it over for the extraction
// query: "" for every NULL character value and for a NULL CLOB, the LOBs'
// DBMS_LOB.GETLENGTH columns after the columns. NULL and EMPTY_CLOB() come
// apart by the length; the expectations are literals.
func TestConvertRowNulls(t *testing.T) {
	sp := Spec{Owner: "O", Table: "T", LOBBound: 1 << 20,
		Key: []Col{{Name: "ID", Type: num(10, 0)}},
		Columns: []Col{
			{Name: "ID", Type: num(10, 0)},
			{Name: "V", Type: Type{Name: "VARCHAR2", Length: 10}},
			{Name: "C1", Type: Type{Name: "CLOB"}},
			{Name: "C2", Type: Type{Name: "CLOB"}},
			{Name: "N", Type: Type{Name: "NCLOB"}},
			{Name: "X", Type: Type{Name: "XMLTYPE"}},
			{Name: "J", Type: Type{Name: "JSON"}},
			{Name: "B", Type: Type{Name: "BLOB"}},
			{Name: "I", Type: Type{Name: "INTERVAL DAY TO SECOND", Lead: 2, Frac: 6}},
		}}
	cv := converters{empty: make([]bool, len(sp.Columns))}
	for _, c := range sp.Columns {
		cv.maps = append(cv.maps, Map(c.Type, ""))
	}
	// id, v, c1 NULL, c2 EMPTY_CLOB(), n 'x', x NULL, j '{}', b EMPTY_BLOB(), i NULL;
	// lengths of c1, c2, n, x, j, b; the key.
	vals := []any{"7", "", "", "", "x", "", "{}", []byte{}, "",
		nil, "0", "1", nil, "2", "0", "7"}
	out := make([][]byte, len(sp.Columns))
	if err := convertRow(&sp, cv, vals, out, time.UTC, sp.LOBBound); err != nil {
		t.Fatal(err)
	}
	want := []*string{ptr("7"), nil, nil, ptr(""), ptr("x"), nil, ptr("{}"), ptr(""), nil}
	for i, w := range want {
		switch {
		case w == nil && out[i] != nil:
			t.Errorf("%s: got %q, want NULL", sp.Columns[i].Name, out[i])
		case w != nil && (out[i] == nil || string(out[i]) != *w):
			t.Errorf("%s: got %q, want %q", sp.Columns[i].Name, out[i], *w)
		}
	}
}

func ptr(s string) *string { return &s }
