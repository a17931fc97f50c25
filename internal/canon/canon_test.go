package canon

import (
	"testing"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/stretchr/testify/require"
)

func col(kind catalog.Kind, typ string) catalog.Column {
	return catalog.Column{Name: "c", Kind: kind, Type: typ}
}

func b(s string) []byte { return []byte(s) }

// digest hashes a one-column row.
func digest(c catalog.Column, v []byte) Digest {
	return NewHasher([]catalog.Column{c}).Row([][]byte{v})
}

// TestSameValueBothSides pairs what a source adapter emits with what MySQL
// returns for the same stored value: they must hash equal.
func TestSameValueBothSides(t *testing.T) {
	dec := col(catalog.KindDecimal, "decimal(20,6)")
	num := col(catalog.KindDecimal, "NUMBER(38,10)")
	dt6 := col(catalog.KindTime, "datetime(6)")
	dt := col(catalog.KindTime, "datetime")
	date := col(catalog.KindTime, "date")
	tm := col(catalog.KindTime, "time(3)")
	ch := col(catalog.KindString, "char(10)")
	och := col(catalog.KindString, "CHAR(10)")
	dbl := col(catalog.KindFloat, "double")
	flt := col(catalog.KindFloat, "float")
	bin := col(catalog.KindBinary, "longblob")
	i := col(catalog.KindInt, "bigint")
	cases := []struct {
		name     string
		c        catalog.Column
		src, tgt []byte
	}{
		{"decimal scale padding", dec, b("1.5"), b("1.500000")},
		{"decimal leading zeros", dec, b("0001.5"), b("1.500000")},
		{"oracle fraction without zero", num, b(".5"), b("0.5000000000")},
		{"negative fraction", num, b("-.25"), b("-0.2500000000")},
		{"negative zero", dec, b("-0"), b("0.000000")},
		{"negative zero fraction", dec, b("-0.000"), b("0.000000")},
		{"plus sign", dec, b("+12"), b("12.000000")},
		{"integer as decimal", dec, b("12"), b("12.000000")},
		{"integer leading zero", i, b("007"), b("7")},
		{"datetime6 short fraction", dt6, b("2024-02-29 23:59:59.5"), b("2024-02-29 23:59:59.500000")},
		{"datetime6 no fraction", dt6, b("2024-02-29 23:59:59"), b("2024-02-29 23:59:59.000000")},
		{"datetime T separator", dt, b("2024-02-29T23:59:59"), b("2024-02-29 23:59:59")},
		{"date vs datetime midnight", date, b("2024-02-29"), b("2024-02-29 00:00:00")},
		{"time fraction", tm, b("12:00:01.5"), b("12:00:01.500")},
		{"char padding stripped by mysql", och, b("ab        "), b("ab")},
		{"char padding mysql", ch, b("ab  "), b("ab")},
		{"double exponent", dbl, b("1e20"), b("100000000000000000000")},
		{"double negative zero", dbl, b("-0"), b("0")},
		{"double same value", dbl, b("0.1"), b("0.10")},
		{"float single digits", flt, b("3.1415927"), b("3.14159")},
		{"empty blob", bin, b(""), []byte{}},
		{"blob content", bin, []byte{0, 1, 0xff, '\t', '\n'}, []byte{0, 1, 0xff, '\t', '\n'}},
		{"null", dec, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if a, z := digest(tc.c, tc.src), digest(tc.c, tc.tgt); a != z {
				t.Fatalf("%q and %q hash differently (%x vs %x)", tc.src, tc.tgt, a, z)
			}
		})
	}
}

// TestNearMisses are values that differ in the target and must hash apart.
func TestNearMisses(t *testing.T) {
	dec := col(catalog.KindDecimal, "decimal(20,6)")
	dt6 := col(catalog.KindTime, "datetime(6)")
	vc := col(catalog.KindString, "varchar(20)")
	ch := col(catalog.KindString, "char(10)")
	bin := col(catalog.KindBinary, "varbinary(10)")
	dbl := col(catalog.KindFloat, "double")
	cases := []struct {
		name string
		c    catalog.Column
		x, y []byte
	}{
		{"one microsecond", dt6, b("2024-01-01 00:00:00.000001"), b("2024-01-01 00:00:00.000000")},
		{"one microsecond short form", dt6, b("2024-01-01 00:00:00"), b("2024-01-01 00:00:00.000001")},
		{"varchar trailing space", vc, b("abc"), b("abc ")},
		{"char leading space", ch, b(" abc"), b("abc")},
		{"decimal digit", dec, b("1.0"), b("1.01")},
		{"decimal sign", dec, b("-1.5"), b("1.5")},
		{"decimal scale shift", dec, b("15"), b("1.5")},
		{"null vs empty string", vc, nil, b("")},
		{"null vs empty binary", bin, nil, []byte{}},
		{"null vs zero", dec, nil, b("0")},
		{"binary trailing NUL", bin, b("ab"), []byte("ab\x00")},
		{"double last bit", dbl, b("0.1"), b("0.10000000000000002")},
		{"case", vc, b("abc"), b("ABC")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if digest(tc.c, tc.x) == digest(tc.c, tc.y) {
				t.Fatalf("%q and %q hash equal", tc.x, tc.y)
			}
		})
	}
}

// TestColumnBoundaries: values never shift between columns.
func TestColumnBoundaries(t *testing.T) {
	cols := []catalog.Column{col(catalog.KindString, "varchar(9)"), col(catalog.KindString, "varchar(9)")}
	h := NewHasher(cols)
	if h.Row([][]byte{b("ab"), b("c")}) == h.Row([][]byte{b("a"), b("bc")}) {
		t.Fatal("(ab, c) and (a, bc) hash equal")
	}
	if h.Row([][]byte{nil, b("")}) == h.Row([][]byte{b(""), nil}) {
		t.Fatal("(NULL, '') and ('', NULL) hash equal")
	}
}

// TestSumOrderIndependent: the batch checksum ignores row order and counts
// duplicates (a duplicated row must not cancel out).
func TestSumOrderIndependent(t *testing.T) {
	h := NewHasher([]catalog.Column{col(catalog.KindInt, "int"), col(catalog.KindString, "varchar(9)")})
	rows := [][][]byte{{b("1"), b("a")}, {b("2"), b("b")}, {b("3"), nil}}
	var fwd, rev, dup Sum
	for _, r := range rows {
		fwd.Add(h.Row(r))
	}
	for i := len(rows) - 1; i >= 0; i-- {
		rev.Add(h.Row(rows[i]))
	}
	if fwd != rev {
		t.Fatalf("order changed the sum: %v vs %v", fwd, rev)
	}
	for _, r := range append(rows, rows[0], rows[0]) {
		dup.Add(h.Row(r))
	}
	if dup.A == fwd.A && dup.B == fwd.B {
		t.Fatal("two duplicated rows left the hash unchanged")
	}
	back, err := ParseHex(fwd.Rows, fwd.Hex())
	if err != nil || back != fwd {
		t.Fatalf("ParseHex(Hex) = %v, %v; want %v", back, err, fwd)
	}
	if _, err := ParseHex(1, "xyz"); err == nil {
		t.Fatal("ParseHex accepted a bad checksum")
	}
}

func TestColumnsRules(t *testing.T) {
	got := Columns([]catalog.Column{
		col(catalog.KindString, "char(3)"), col(catalog.KindString, "varchar(3)"), col(catalog.KindString, "NCHAR(2)"),
		col(catalog.KindFloat, "float"), col(catalog.KindFloat, "double"), col(catalog.KindFloat, "BINARY_FLOAT"),
		col(catalog.KindFloat, "float(30)"), col(catalog.KindFloat, "float unsigned"),
	})
	want := []Col{
		{Kind: catalog.KindString, Pad: true}, {Kind: catalog.KindString}, {Kind: catalog.KindString, Pad: true},
		{Kind: catalog.KindFloat, Single: true}, {Kind: catalog.KindFloat}, {Kind: catalog.KindFloat, Single: true},
		{Kind: catalog.KindFloat}, {Kind: catalog.KindFloat, Single: true},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("column %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestStoredChecksumsNameTheirFormat(t *testing.T) {
	s := Sum{Rows: 3, A: 0x0123456789abcdef, B: 42}
	h := s.Hex()
	require.Equal(t, Format+"0123456789abcdef000000000000002a", h)
	back, err := ParseHex(3, h)
	require.NoError(t, err)
	require.Equal(t, s, back)
	// What the ledger held before the suffix framing: another format, not a
	// difference and not garbage.
	_, err = ParseHex(3, "0123456789abcdef000000000000002a")
	require.ErrorIs(t, err, ErrOtherFormat)
	_, err = ParseHex(3, Format+"xyz")
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrOtherFormat)
}
